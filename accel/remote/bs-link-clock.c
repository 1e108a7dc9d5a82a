/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-link-clock.c: offset and drift of the agent's clock (bs-link-clock.h). */
#include "bs-link-clock.h"

#include "remote/bs-agent-proto.h"

#include <math.h>

/* An exchange reduced to what the fit needs. */
typedef struct
{
  int64_t t_ns;                /* our clock, halfway between send and arrival */
  int64_t centre_ns;           /* the interval's centre: the agent's clock minus ours */
  int64_t rtt_ns;              /* the interval's width */
} Exchange;

struct _BsLinkClock
{
  int64_t first_t_ns;
  guint n_exchanges;
  GArray *best;                /* Exchange per window since the first; rtt < 0: none */
};

BsLinkClock *
bs_link_clock_new (void)
{
  BsLinkClock *clock = g_new0 (BsLinkClock, 1);

  clock->best = g_array_new (FALSE, FALSE, sizeof (Exchange));
  return clock;
}

void
bs_link_clock_free (BsLinkClock *clock)
{
  if (clock == NULL)
    return;
  g_array_unref (clock->best);
  g_free (clock);
}

gboolean
bs_link_clock_add (BsLinkClock *clock, int64_t t0, int64_t t1, int64_t t2, int64_t t3)
{
  Exchange e;
  int64_t window;

  e.centre_ns = bs_agent_clock_offset (t0, t1, t2, t3, &e.rtt_ns);
  if (e.rtt_ns < 0 || t3 < t0)
    return FALSE;
  e.t_ns = t0 + (t3 - t0) / 2;
  if (clock->n_exchanges == 0)
    clock->first_t_ns = e.t_ns;
  clock->n_exchanges++;
  /* An exchange from before the first (a reordered caller) counts in window 0. */
  /* 24 bytes per window: 345 KiB for an hour's run. */
  window = MAX (e.t_ns - clock->first_t_ns, 0) / BS_LINK_CLOCK_WINDOW_NS;
  while ((int64_t) clock->best->len <= window)
    {
      Exchange none = { 0, 0, -1 };
      g_array_append_val (clock->best, none);
    }
  Exchange *slot = &g_array_index (clock->best, Exchange, window);
  if (slot->rtt_ns < 0 || e.rtt_ns < slot->rtt_ns)
    *slot = e;
  return TRUE;
}

/* Weighted least squares of centre against time over the windows' best exchanges, in
 * doubles relative to the first one's time and centre (clocks of two machines may differ
 * by more than a double holds exactly). */
static void
fit_line (const GArray *used, BsLinkClockEstimate *out)
{
  const Exchange *x = (const Exchange *) used->data;
  double sw = 0, st = 0, so = 0, stt = 0, sto = 0, t_mean, o_mean, slope = 0;

  for (guint i = 0; i < used->len; i++)
    {
      /* 1 µs floor: a zero round trip would take all the weight. */
      double r = (double) (x[i].rtt_ns + 1000);
      double w = 1.0 / (r * r);
      double t = (double) (x[i].t_ns - x[0].t_ns), o = (double) (x[i].centre_ns - x[0].centre_ns);

      sw += w;
      st += w * t;
      so += w * o;
      stt += w * t * t;
      sto += w * t * o;
    }
  t_mean = st / sw;
  o_mean = so / sw;
  if (out->drift_fitted)
    slope = (sto - sw * t_mean * o_mean) / (stt - sw * t_mean * t_mean);
  out->t_ref_ns = x[0].t_ns + (int64_t) llround (t_mean);
  out->offset_ns = x[0].centre_ns + (int64_t) llround (o_mean);
  out->drift_ppm = slope * 1e6;
}

gboolean
bs_link_clock_estimate (const BsLinkClock *clock, BsLinkClockEstimate *out)
{
  g_autoptr (GArray) used = g_array_new (FALSE, FALSE, sizeof (Exchange));
  const Exchange *best = NULL;
  int64_t span;

  *out = (BsLinkClockEstimate) { 0 };
  if (clock->n_exchanges == 0)
    return FALSE;
  for (guint i = 0; i < clock->best->len; i++)
    {
      const Exchange *e = &g_array_index (clock->best, Exchange, i);
      if (e->rtt_ns < 0)
        continue;
      g_array_append_val (used, *e);
      if (best == NULL || e->rtt_ns < best->rtt_ns)
        best = e;
    }
  span = g_array_index (used, Exchange, used->len - 1).t_ns - g_array_index (used, Exchange, 0).t_ns;
  out->drift_fitted = used->len >= 2 && span >= BS_LINK_CLOCK_MIN_SPAN_NS;
  if (!out->drift_fitted)
    {
      /* No line: the single best exchange. */
      g_array_set_size (used, 0);
      g_array_append_val (used, *best);
    }
  fit_line (used, out);
  out->best_rtt_ns = best->rtt_ns;
  out->n_exchanges = clock->n_exchanges;
  out->n_used = used->len;
  for (guint i = 0; i < used->len; i++)
    {
      const Exchange *e = &g_array_index (used, Exchange, i);
      int64_t far = llabs (bs_link_clock_offset_at (out, e->t_ns) - e->centre_ns) + e->rtt_ns / 2;
      out->uncertainty_ns = MAX (out->uncertainty_ns, far);
    }
  return TRUE;
}

int64_t
bs_link_clock_offset_at (const BsLinkClockEstimate *estimate, int64_t t_ns)
{
  return estimate->offset_ns
         + (int64_t) llround (estimate->drift_ppm * 1e-6 * (double) (t_ns - estimate->t_ref_ns));
}
