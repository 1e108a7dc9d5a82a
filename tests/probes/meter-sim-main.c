/* SPDX-License-Identifier: GPL-3.0-or-later */
/* meter-sim-main.c: a simulated USB meter on a pseudo-terminal, as a program, for trying
 * blendscope by hand without a meter (recordings, the app's probe menu):
 *
 *   meter-sim --protocol um34c --link /tmp/um34c &
 *   blendscope-cli record MODEL --probe um34c:port=/tmp/um34c --duration 10
 *
 * It runs until killed or for --seconds. The load is the simulator's default (a 2 W ± 1 W
 * sine over 1.3 s) or, for the PPK2, a sleeping microcontroller with bursts. Everything it
 * produces is simulated: blendscope labels a pseudo-terminal meter so. */
#include "meter-sim.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

static double
mcu_power (int64_t t0, int64_t t1, gpointer data)
{
  return (t0 / 1000) % 10000 < 2000 ? 0.040 : 0.003;
}

static gboolean
parse_protocol (const char *name, MeterSimProtocol *protocol)
{
  static const char *const names[] = { "um24c", "um25c", "um34c", "tc66c", "ppk2" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *protocol = (MeterSimProtocol) i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree char *protocol_name = NULL, *link = NULL;
  double latency_ms = 80, seconds = 0;
  int bad_every = 0;
  GOptionEntry entries[] = {
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &protocol_name, "um24c, um25c, um34c, tc66c or ppk2", "NAME" },
    { "link", 0, 0, G_OPTION_ARG_FILENAME, &link, "The path to give the probe (a symlink to the pty)", "PATH" },
    { "latency", 0, 0, G_OPTION_ARG_DOUBLE, &latency_ms, "Reply latency of a polled meter (80)", "MS" },
    { "bad-every", 0, 0, G_OPTION_ARG_INT, &bad_every, "Corrupt every Nth frame (0: never)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Stop after this long (0: when killed)", "S" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- a simulated USB power meter on a pty");
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  MeterSimProtocol protocol;
  MeterSimConfig config;
  MeterSim *sim;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "meter-sim: %s\n", error->message);
      return 2;
    }
  if (link == NULL || !parse_protocol (protocol_name, &protocol) || latency_ms < 0 || bad_every < 0)
    {
      fprintf (stderr, "meter-sim: give --protocol (um24c, um25c, um34c, tc66c, ppk2) and --link PATH\n");
      return 2;
    }
  meter_sim_config_init (&config, protocol, link);
  config.latency_ns = (int64_t) (latency_ms * 1e6);
  config.bad_checksum_every = (guint) bad_every;
  if (protocol == METER_SIM_PPK2)
    config.power = mcu_power;
  sim = meter_sim_start (&config);
  printf ("simulated %s on %s (SIMULATED: not a measurement)\n", protocol_name, link);
  fflush (stdout);
  g_unix_signal_add (SIGINT, quit, loop);
  g_unix_signal_add (SIGTERM, quit, loop);
  if (seconds > 0)
    g_timeout_add ((guint) (seconds * 1000), quit, loop);
  g_main_loop_run (loop);
  meter_sim_stop (sim);
  return 0;
}
