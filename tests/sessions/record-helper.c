/* SPDX-License-Identifier: GPL-3.0-or-later */
/* record-helper.c: a recording process for the crash and two-process tests.
 *
 *   record-helper fast DB               records until killed, as fast as it can
 *   record-helper paced DB SECONDS      records at a modest rate, then ends the run
 *
 * Lines on stdout (each written whole, unbuffered):
 *   R <run id>                                       the run is begun (committed)
 *   P <samples> <t of last sample> <events> <t of last event end>   pushed so far
 *   C <events> <samples>                             committed (durable) so far
 *   D <events> <samples>                             ended normally
 *
 * The data follows a rule the tests check without being told anything else: sample i
 * goes to channel i % 2 and the m-th sample of a channel is worth (m % 100000) mW;
 * event j is op j % 60 of inference j / 60 and lasts 5 + j % 5 ns. Timestamps are the
 * clock at the time of pushing, strictly increasing.
 */
#include "bs-recorder.h"
#include "session-test-util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SAMPLE_BATCH 1024
#define EVENT_BATCH 240

typedef struct
{
  BsRecorder *rec;
  int64_t n_samples;
  int64_t n_events;
  int64_t last_sample_t;
  int64_t last_event_end;
  int64_t committed_events;
  int64_t committed_samples;
} Helper;

static void
say (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format, ...)
{
  char line[256];
  va_list args;
  int len;

  va_start (args, format);
  len = g_vsnprintf (line, sizeof line, format, args);
  va_end (args);
  /* One write per line: a line is either in the pipe whole or not at all. */
  if (write (STDOUT_FILENO, line, (size_t) len) != len)
    _exit (3);
}

static gboolean
push_samples (Helper *h, int n)
{
  BsSample batch[SAMPLE_BATCH];
  int64_t now = bs_clock_now_ns ();
  int64_t base = MAX (now - n, h->last_sample_t + 1);

  for (int k = 0; k < n; k++)
    {
      int64_t i = h->n_samples + k;
      batch[k] = (BsSample) { base + k, (int32_t) (i % 2), BS_QUANTITY_POWER, BS_UNIT_WATT,
                              (double) ((i / 2) % 100000) / 1000 };
    }
  if (!bs_recorder_push_samples (h->rec, batch, (gsize) n))
    return FALSE;
  h->n_samples += n;
  h->last_sample_t = base + n - 1;
  return TRUE;
}

static gboolean
push_events (Helper *h, int n)
{
  BsLayerEvent batch[EVENT_BATCH];
  int64_t now = bs_clock_now_ns ();
  int64_t t = MAX (now - 10 * n, h->last_event_end + 1);

  for (int k = 0; k < n; k++)
    {
      int64_t j = h->n_events + k;
      batch[k] = (BsLayerEvent) { (int32_t) (j / 60), (int32_t) (j % 60), t, t + 5 + j % 5,
                                  BS_CLOCK_HOST };
      t = batch[k].t_end_ns + 5;
    }
  if (!bs_recorder_push_events (h->rec, batch, (gsize) n))
    return FALSE;
  h->n_events += n;
  h->last_event_end = batch[n - 1].t_end_ns;
  return TRUE;
}

static void
report (Helper *h)
{
  int64_t events, samples;

  say ("P %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
       h->n_samples, h->last_sample_t, h->n_events, h->last_event_end);
  bs_recorder_get_committed (h->rec, &events, &samples);
  if (events != h->committed_events || samples != h->committed_samples)
    {
      h->committed_events = events;
      h->committed_samples = samples;
      say ("C %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", events, samples);
    }
}

static int
record (const char *path, double seconds)
{
  g_autoptr (BsModel) model = bs_test_model_new ("helper", 60);
  g_autoptr (GError) error = NULL;
  BsChannelInfo channels[] = { { 0, BS_QUANTITY_POWER, "A0", 1e-3 },
                               { 1, BS_QUANTITY_POWER, "A1", 1e-3 } };
  BsRunInfo info = { .backend = "cpu", .device = "record-helper", .session = "helper",
                     .channels = channels, .n_channels = 2 };
  Helper h = { 0 };
  int64_t run, deadline;

  h.rec = bs_recorder_new (path, &error);
  if (h.rec == NULL || (run = bs_recorder_begin_run (h.rec, model, &info, &error)) < 0)
    {
      fprintf (stderr, "record-helper: %s\n", error->message);
      return 1;
    }
  say ("R %" G_GINT64_FORMAT "\n", run);
  deadline = seconds > 0 ? g_get_monotonic_time () + (int64_t) (seconds * G_USEC_PER_SEC) : 0;
  while (deadline == 0 || g_get_monotonic_time () < deadline)
    {
      /* Paced: about 100 k samples/s and 24 k events/s, as a fast probe and backend. */
      if (!push_samples (&h, seconds > 0 ? 1000 : SAMPLE_BATCH)
          || !push_events (&h, seconds > 0 ? 240 : EVENT_BATCH))
        break;
      report (&h);
      if (seconds > 0)
        {
          if (h.n_events % 2400 == 0)
            bs_recorder_add_marker (h.rec, h.last_event_end, "tick");
          g_usleep (10000);
        }
    }
  if (!bs_recorder_end_run (h.rec, BS_RUN_COMPLETE, &error))
    {
      fprintf (stderr, "record-helper: %s\n", error->message);
      return 1;
    }
  say ("D %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", h.n_events, h.n_samples);
  bs_recorder_free (h.rec);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "fast") == 0)
    return record (argv[2], 0);
  if (argc == 4 && strcmp (argv[1], "paced") == 0)
    return record (argv[2], g_ascii_strtod (argv[3], NULL));
  fprintf (stderr, "usage: record-helper fast DB | paced DB SECONDS\n");
  return 2;
}
