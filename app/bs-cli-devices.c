/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-devices.c: `blendscope-cli devices`: the backends of this build, whether
 * each can work on this machine (and why not), and the XRT devices it can open (or
 * why there are none), and which CPU kernel sets this CPU can run. With --host, the same
 * from the agent on another machine (the report is built once, here, and the agent
 * sends it: docs/agent-protocol.md). */
#include "bs-backend.h"
#include "bs-cli.h"
#include "cpu/bs-cpu-kernels.h"
#include "remote/bs-ssh-backend.h"
#include "xrt/bs-xrt-backend.h"

#include <stdio.h>

static void
add_backends (GString *out)
{
  g_string_append (out, "Backends (--backend NAME[:key=value,...]):\n");
  for (const BsBackendClass *const *k = bs_backend_list (); *k != NULL; k++)
    {
      g_autofree char *reason = NULL;
      gboolean ok = (*k)->available (&reason);

      g_string_append_printf (out, "  %-6s %-13s %s\n", (*k)->name, ok ? "available" : "unavailable",
                              ok ? (*k)->description : (reason ? reason : "no reason given"));
    }
}

/* Which CPU kernel sets this build has and this CPU can run, and the one cpu uses. */
static void
add_cpu_kernel_sets (GString *out)
{
  BsCpuIsa best = bs_cpu_isa_best ();

  g_string_append (out, "\nCPU kernel sets (--backend cpu:isa=NAME, or BS_CPU_ISA):\n");
  for (int i = 0; i < BS_CPU_N_ISAS; i++)
    {
      g_autofree char *reason = NULL;
      gboolean ok = bs_cpu_kernels_get ((BsCpuIsa) i, &reason) != NULL;

      g_string_append_printf (out, "  %-6s %-13s %s\n", bs_cpu_isa_to_string ((BsCpuIsa) i),
                              ok ? "available" : "unavailable",
                              ok ? (i == (int) best ? "chosen by default (the best this CPU runs)" : "")
                                 : reason);
    }
}

static void
add_xrt_devices (GString *out)
{
  g_autofree char *reason = NULL;
  g_autoptr (GPtrArray) devices = bs_xrt_list_devices (&reason);

  g_string_append (out, "\nXRT devices (--backend xrt:device=N,xclbin=PATH):\n");
  if (devices == NULL)
    {
      g_string_append_printf (out, "  none: %s\n", reason ? reason : "no reason given");
      return;
    }
  for (guint i = 0; i < devices->len; i++)
    g_string_append_printf (out, "  %s\n", (const char *) devices->pdata[i]);
}

char *
bs_cli_devices_report (void)
{
  GString *out = g_string_new (NULL);

  add_backends (out);
  add_cpu_kernel_sets (out);
  add_xrt_devices (out);
  return g_string_free (out, FALSE);
}

int
bs_cli_devices (int argc, char **argv)
{
  g_autofree char *host = NULL;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host,
      "what another machine has, through `ssh HOST blendscope-cli agent`", "[user@]HOST[:PORT]" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- backends and XRT devices");
  g_autofree char *report = NULL;
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context, "Lists the backends this build has, whether each works here "
                                         "(or on --host), the CPU kernel sets and the XRT devices.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc > 1)
    {
      fprintf (stderr, "blendscope-cli devices: unexpected argument '%s'\n", argv[1]);
      return 2;
    }
  if (host == NULL)
    report = bs_cli_devices_report ();
  else if ((report = bs_ssh_list_devices (host, &error)) == NULL)
    return bs_cli_fail (error);
  fputs (report, stdout);
  return 0;
}
