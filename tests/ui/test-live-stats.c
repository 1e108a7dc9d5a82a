/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-live-stats.c: the live tiles' figures never mix clocks.
 *
 * Ten inferences 100 ms apart (a host that simulates 10 inferences/s), each 1.64 ms long,
 * with a constant 5 W meter. Measured (host clock): the rate is the counted 10/s and the
 * energy 5 W / 10 s⁻¹ = 500 mJ. Modelled (csim): the rate is the model's 1 / 1.64 ms, the
 * host's 10/s is kept apart, and no energy is derived from the host's meter. Expected
 * values are worked out from these inputs by hand. */
#include <math.h>

#include "bs-live-stats.h"

#define GAP_NS INT64_C (100000000)
#define LATENCY_NS INT64_C (1640000)
#define T0_NS INT64_C (1000000000)

static void
feed (BsLiveStats *stats, BsPowerSeries *power, BsClockSource clock)
{
  bs_live_stats_reset (stats, 2, T0_NS);
  for (int i = 0; i < 10; i++)
    {
      int64_t start = T0_NS + (i + 1) * GAP_NS - LATENCY_NS;
      /* Two ops splitting the latency; the second one's clock is the run's. */
      BsLayerEvent events[2] = {
        { i, 0, start, start + LATENCY_NS / 2, clock },
        { i, 1, start + LATENCY_NS / 2, start + LATENCY_NS, clock },
      };

      bs_live_stats_add_inference (stats, events, 2);
    }
  for (int64_t t = T0_NS; t <= T0_NS + 11 * GAP_NS; t += GAP_NS / 10)
    bs_power_series_append (power, t, 5.0);
}

static void
test_measured (void)
{
  g_autoptr (BsLiveStats) stats = bs_live_stats_new ();
  g_autoptr (BsPowerSeries) power = bs_power_series_new ();
  BsLiveFigures f;

  feed (stats, power, BS_CLOCK_HOST);
  bs_live_stats_compute (stats, power, &f);
  g_assert_cmpint (f.clock, ==, BS_CLOCK_HOST);
  g_assert_cmpfloat_with_epsilon (f.latency_p50_ns, LATENCY_NS, 1);
  /* Ten ends in the first second: the window is what has elapsed. */
  g_assert_cmpfloat_with_epsilon (f.inferences_per_s, 10.0, 1e-9);
  g_assert_true (isnan (f.host_inferences_per_s));
  g_assert_cmpfloat_with_epsilon (f.watts, 5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (f.mj_per_inference, 500.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (f.inferences_per_j, 2.0, 1e-9);
}

static void
test_modelled (void)
{
  g_autoptr (BsLiveStats) stats = bs_live_stats_new ();
  g_autoptr (BsPowerSeries) power = bs_power_series_new ();
  BsLiveFigures f;

  feed (stats, power, BS_CLOCK_MODELLED);
  bs_live_stats_compute (stats, power, &f);
  g_assert_cmpint (f.clock, ==, BS_CLOCK_MODELLED);
  g_assert_cmpfloat_with_epsilon (f.inferences_per_s, 1e9 / LATENCY_NS, 1e-6);
  g_assert_cmpfloat_with_epsilon (f.host_inferences_per_s, 10.0, 1e-9);
  /* The meter is still shown, but nothing is derived from it. */
  g_assert_cmpfloat_with_epsilon (f.watts, 5.0, 1e-9);
  g_assert_true (isnan (f.mj_per_inference));
  g_assert_true (isnan (f.inferences_per_j));
}

/* One modelled op makes the whole inference modelled, whatever the other events say. */
static void
test_one_modelled_event (void)
{
  g_autoptr (BsLiveStats) stats = bs_live_stats_new ();
  BsLayerEvent events[2] = {
    { 0, 0, T0_NS, T0_NS + 10, BS_CLOCK_MODELLED },
    { 0, 1, T0_NS + 10, T0_NS + 20, BS_CLOCK_HOST },
  };
  BsLiveFigures f;

  bs_live_stats_reset (stats, 2, T0_NS);
  bs_live_stats_add_inference (stats, events, 2);
  bs_live_stats_compute (stats, NULL, &f);
  g_assert_cmpint (f.clock, ==, BS_CLOCK_MODELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live-stats/measured", test_measured);
  g_test_add_func ("/live-stats/modelled", test_modelled);
  g_test_add_func ("/live-stats/one-modelled-event", test_one_modelled_event);
  return g_test_run ();
}
