/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe-capture.c: a BsProbeSink that keeps everything, for tests. */
#include "probe-capture.h"

static void
on_samples (const BsSample *samples, guint n, gpointer data)
{
  Capture *c = data;

  g_mutex_lock (&c->lock);
  g_array_append_vals (c->samples, samples, n);
  g_mutex_unlock (&c->lock);
}

static void
on_fault (const BsProbeFault *fault, gpointer data)
{
  Capture *c = data;
  CapturedFault f = { fault->kind, fault->channel, fault->t_ns, g_strdup (fault->message) };

  g_mutex_lock (&c->lock);
  g_array_append_val (c->faults, f);
  g_mutex_unlock (&c->lock);
  g_test_message ("fault (%s): %s", bs_probe_fault_kind_to_string (fault->kind), fault->message);
}

static void
fault_clear (gpointer data)
{
  g_free (((CapturedFault *) data)->message);
}

void
capture_start (BsProbe *probe, Capture *c)
{
  BsProbeSink sink = { on_samples, on_fault, c };
  g_autoptr (GError) error = NULL;

  g_mutex_init (&c->lock);
  c->samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  c->faults = g_array_new (FALSE, FALSE, sizeof (CapturedFault));
  g_array_set_clear_func (c->faults, fault_clear);
  g_assert_true (bs_probe_start (probe, &sink, &error));
  g_assert_no_error (error);
}

void
capture_clear (Capture *c)
{
  g_array_unref (c->samples);
  g_array_unref (c->faults);
  g_mutex_clear (&c->lock);
}

GArray *
capture_channel (Capture *c, int channel)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (BsSample));

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->samples->len; i++)
    if (g_array_index (c->samples, BsSample, i).channel == channel)
      g_array_append_val (out, g_array_index (c->samples, BsSample, i));
  g_mutex_unlock (&c->lock);
  return out;
}

guint
capture_count_faults (Capture *c, BsProbeFaultKind kind)
{
  guint n = 0;

  g_mutex_lock (&c->lock);
  for (guint i = 0; i < c->faults->len; i++)
    n += g_array_index (c->faults, CapturedFault, i).kind == kind;
  g_mutex_unlock (&c->lock);
  return n;
}
