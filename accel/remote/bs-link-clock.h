/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-link-clock.h: the clock of another machine, from NTP-style exchanges over a link.
 *
 * One exchange: we send at t0 (our clock), the agent receives at t1 and answers at t2 (its
 * clock), the answer arrives at t3 (ours). Whatever the two directions' delays, the
 * agent's clock minus ours at that moment lies in [t2 − t3, t1 − t0], an interval of width
 * rtt = (t3 − t0) − (t2 − t1) centred on the classic estimate
 * ((t1 − t0) + (t2 − t3)) / 2 (bs_agent_clock_offset()).
 *
 * Two crystals drift apart by tens of ppm (a few ms an hour), so one offset measured at
 * the start does not hold through a long run. The estimate here is a line,
 * offset(t) = offset_ns + drift_ppm·1e-6·(t − t_ref_ns): the exchange with the smallest
 * round trip in each BS_LINK_CLOCK_WINDOW_NS window of our clock (a queued answer only
 * widens its interval) and a least-squares line through their centres, weighted by
 * 1/rtt². With less than two windows, or windows spanning less than
 * BS_LINK_CLOCK_MIN_SPAN_NS, no drift is claimed: the best exchange alone.
 *
 * The stated uncertainty bounds the line's error at the exchanges it used: for each, the
 * distance from the line to the interval's far end, |line − centre| + rtt/2; the largest
 * of them. It grows with the link's delay and its asymmetry, never shrinks below half the
 * best round trip, and says nothing about drift changing between exchanges. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_LINK_CLOCK_WINDOW_NS (250 * G_GINT64_CONSTANT (1000000))
#define BS_LINK_CLOCK_MIN_SPAN_NS (G_GINT64_CONSTANT (1000000000))

typedef struct
{
  int64_t t_ref_ns;            /* our clock */
  int64_t offset_ns;           /* the agent's clock minus ours at t_ref_ns */
  double drift_ppm;            /* how fast the agent's clock gains on ours; 0: not fitted */
  gboolean drift_fitted;
  int64_t uncertainty_ns;      /* see above */
  int64_t best_rtt_ns;         /* the smallest round trip seen */
  guint n_exchanges;           /* all exchanges taken */
  guint n_used;                /* the windows' best, fitted */
} BsLinkClockEstimate;

typedef struct _BsLinkClock BsLinkClock;

BsLinkClock *bs_link_clock_new (void);
void bs_link_clock_free (BsLinkClock *clock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsLinkClock, bs_link_clock_free)

/* One exchange (t0, t3 ours; t1, t2 the agent's). Refused (FALSE) when its round trip
 * is negative, i.e. the times are not of one exchange. */
gboolean bs_link_clock_add (BsLinkClock *clock, int64_t t0, int64_t t1, int64_t t2, int64_t t3);
/* FALSE before the first exchange. */
gboolean bs_link_clock_estimate (const BsLinkClock *clock, BsLinkClockEstimate *out);
/* The agent's clock minus ours at @t_ns (ours), by @estimate. */
int64_t bs_link_clock_offset_at (const BsLinkClockEstimate *estimate, int64_t t_ns);

G_END_DECLS
