/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-link-clock.c: the offset-and-drift estimate of accel/remote/bs-link-clock.c
 * against simulated links whose truth is known: an agent clock with a given offset and
 * drift, exchanges every 100 ms through one-way delays that are symmetric, asymmetric,
 * or queued at random. The oracle is the simulation's own clock, not the estimator. */
#include "remote/bs-link-clock.h"

#include <math.h>

#define MS G_GINT64_CONSTANT (1000000)

typedef struct
{
  int64_t offset0_ns;          /* the agent's clock minus ours at t = 0 */
  double drift_ppm;
  int64_t out_ns, back_ns;     /* one-way delays */
  int64_t jitter_ns;           /* added at random to each direction, 0..jitter */
  guint32 seed;
} Link;

static int64_t
true_offset (const Link *link, int64_t t_ns)
{
  return link->offset0_ns + (int64_t) llround (link->drift_ppm * 1e-6 * (double) t_ns);
}

/* @n exchanges, one every @period_ns from t = 0, fed to @clock. */
static void
simulate (const Link *link, BsLinkClock *clock, int n, int64_t period_ns)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (link->seed);

  for (int i = 0; i < n; i++)
    {
      int64_t t0 = i * period_ns;
      int64_t out = link->out_ns + (link->jitter_ns ? g_rand_int_range (rand, 0, (gint32) link->jitter_ns) : 0);
      int64_t back = link->back_ns + (link->jitter_ns ? g_rand_int_range (rand, 0, (gint32) link->jitter_ns) : 0);
      int64_t at_agent = t0 + out;                      /* our clock */
      int64_t t1 = at_agent + true_offset (link, at_agent);
      int64_t t2 = t1 + 20000;                          /* 20 µs to answer */
      int64_t answered = at_agent + 20000;
      int64_t t3 = answered + back;

      g_assert_true (bs_link_clock_add (clock, t0, t1, t2, t3));
    }
}

/* The truth lies within the stated uncertainty at every exchange of the run. */
static void
assert_truth_within (const Link *link, const BsLinkClockEstimate *e, int n, int64_t period_ns)
{
  for (int i = 0; i < n; i++)
    {
      int64_t t = i * period_ns;
      int64_t err = llabs (bs_link_clock_offset_at (e, t) - true_offset (link, t));
      g_assert_cmpint (err, <=, e->uncertainty_ns);
    }
}

static void
test_empty_and_refused (void)
{
  g_autoptr (BsLinkClock) clock = bs_link_clock_new ();
  BsLinkClockEstimate e;

  g_assert_false (bs_link_clock_estimate (clock, &e));
  /* t2 − t1 longer than t3 − t0: not one exchange. */
  g_assert_false (bs_link_clock_add (clock, 0, 100, 5000, 1000));
  g_assert_false (bs_link_clock_estimate (clock, &e));
}

/* A 20 ms round trip, 10 ms each way, clocks 3.7 s apart drifting 80 ppm: the offset
 * within 1 ms (the goal over a 20 ms-delay link; here within 10 µs) and the
 * drift within 1 ppm over 10 s. */
static void
test_symmetric_link_with_drift (void)
{
  Link link = { .offset0_ns = 3700 * MS + 12345, .drift_ppm = 80, .out_ns = 10 * MS,
                .back_ns = 10 * MS };
  g_autoptr (BsLinkClock) clock = bs_link_clock_new ();
  BsLinkClockEstimate e;

  simulate (&link, clock, 101, 100 * MS);
  g_assert_true (bs_link_clock_estimate (clock, &e));
  g_assert_true (e.drift_fitted);
  g_assert_cmpuint (e.n_exchanges, ==, 101);
  g_assert_cmpuint (e.n_used, ==, 41);               /* one per 250 ms window */
  g_assert_cmpfloat (fabs (e.drift_ppm - 80), <, 1);
  for (int64_t t = 0; t <= 10000 * MS; t += 1000 * MS)
    g_assert_cmpint (llabs (bs_link_clock_offset_at (&e, t) - true_offset (&link, t)), <, 10000);
  g_assert_cmpint (e.best_rtt_ns, ==, 20 * MS + 0);
  assert_truth_within (&link, &e, 101, 100 * MS);
}

/* Without the drift the last second would be 0.8 ms off: the line follows it, a single
 * offset from the best exchange cannot. */
static void
test_drift_beats_one_offset (void)
{
  Link link = { .offset0_ns = -7 * MS, .drift_ppm = -80, .out_ns = 200000, .back_ns = 200000,
                .jitter_ns = 300000, .seed = 7 };
  g_autoptr (BsLinkClock) clock = bs_link_clock_new ();
  BsLinkClockEstimate e;
  int64_t end = 10000 * MS;

  simulate (&link, clock, 101, 100 * MS);
  g_assert_true (bs_link_clock_estimate (clock, &e));
  g_assert_true (e.drift_fitted);
  g_assert_cmpfloat (fabs (e.drift_ppm + 80), <, 10);
  g_assert_cmpint (llabs (bs_link_clock_offset_at (&e, end) - true_offset (&link, end)), <, 150000);
  g_assert_cmpint (llabs (link.offset0_ns - true_offset (&link, end)), >, 700000);
  assert_truth_within (&link, &e, 101, 100 * MS);
}

/* 15 ms out, 5 ms back: the centre is 5 ms off (half the asymmetry), which no exchange
 * can see; the uncertainty (half the round trip at least) covers it. */
static void
test_asymmetric_link_within_uncertainty (void)
{
  Link link = { .offset0_ns = 42 * MS, .drift_ppm = 0, .out_ns = 15 * MS, .back_ns = 5 * MS };
  g_autoptr (BsLinkClock) clock = bs_link_clock_new ();
  BsLinkClockEstimate e;

  simulate (&link, clock, 30, 100 * MS);
  g_assert_true (bs_link_clock_estimate (clock, &e));
  g_assert_cmpint (llabs (e.offset_ns - link.offset0_ns - 5 * MS), <, 100000);
  g_assert_cmpint (e.uncertainty_ns, >=, 10 * MS);
  assert_truth_within (&link, &e, 30, 100 * MS);
}

/* Answers queued by up to 40 ms at random: the windows' best exchanges keep the estimate
 * close, and the truth stays within the stated bound. */
static void
test_queued_answers (void)
{
  Link link = { .offset0_ns = 1000 * MS, .drift_ppm = 30, .out_ns = 1 * MS, .back_ns = 1 * MS,
                .jitter_ns = 40 * MS, .seed = 3 };
  g_autoptr (BsLinkClock) clock = bs_link_clock_new ();
  BsLinkClockEstimate e;

  simulate (&link, clock, 200, 50 * MS);
  g_assert_true (bs_link_clock_estimate (clock, &e));
  g_assert_true (e.drift_fitted);
  g_assert_cmpint (llabs (bs_link_clock_offset_at (&e, 5000 * MS) - true_offset (&link, 5000 * MS)),
                   <, 5 * MS);
  assert_truth_within (&link, &e, 200, 50 * MS);
}

/* Under a second of exchanges: no drift is claimed, the best exchange is the estimate. */
static void
test_short_span_claims_no_drift (void)
{
  Link link = { .offset0_ns = 5 * MS, .drift_ppm = 500, .out_ns = 1 * MS, .back_ns = 1 * MS,
                .jitter_ns = 2 * MS, .seed = 11 };
  g_autoptr (BsLinkClock) clock = bs_link_clock_new ();
  BsLinkClockEstimate e;

  simulate (&link, clock, 9, 100 * MS);
  g_assert_true (bs_link_clock_estimate (clock, &e));
  g_assert_false (e.drift_fitted);
  g_assert_cmpfloat (e.drift_ppm, ==, 0);
  g_assert_cmpuint (e.n_used, ==, 1);
  g_assert_cmpint (e.uncertainty_ns, ==, e.best_rtt_ns / 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/link-clock/empty-and-refused", test_empty_and_refused);
  g_test_add_func ("/link-clock/symmetric-with-drift", test_symmetric_link_with_drift);
  g_test_add_func ("/link-clock/drift-beats-one-offset", test_drift_beats_one_offset);
  g_test_add_func ("/link-clock/asymmetric-within-uncertainty", test_asymmetric_link_within_uncertainty);
  g_test_add_func ("/link-clock/queued-answers", test_queued_answers);
  g_test_add_func ("/link-clock/short-span-no-drift", test_short_span_claims_no_drift);
  return g_test_run ();
}
