/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-power-integral.c: p̂ and its integral (core/bs-power-integral.h) against values
 * worked out by hand. */
#include "bs-power-integral.h"

static const double times[] = { 0, 10, 10, 30 };
static const double watts[] = { 1, 3, 5, 5 };

static double
get_time (gconstpointer data, gsize i)
{
  return times[i] + *(const double *) data;
}

static double
get_value (gconstpointer data, gsize i)
{
  return watts[i];
}

static void
test_at (void)
{
  double shift = 0;
  BsPowerReadings r = { get_time, get_value, &shift, 0, 4 };
  gsize hint = 0;

  g_assert_cmpfloat (bs_power_at (&r, -5, &hint), ==, 1);     /* held before the first */
  g_assert_cmpfloat_with_epsilon (bs_power_at (&r, 2.5, &hint), 1.5, 1e-12);
  g_assert_cmpfloat (bs_power_at (&r, 40, &hint), ==, 5);      /* held after the last */
  g_assert_cmpuint (hint, ==, 4);
  /* Behind the hint: found again. Equal times: the later reading holds from there. */
  g_assert_cmpfloat_with_epsilon (bs_power_at (&r, 5, &hint), 2, 1e-12);
  g_assert_cmpfloat (bs_power_at (&r, 10, &hint), ==, 5);
  g_assert_cmpfloat (bs_power_at (&r, 20, &hint), ==, 5);
}

static void
test_integrate (void)
{
  double shift = 0, gap;
  BsPowerReadings r = { get_time, get_value, &shift, 0, 4 };

  /* [0, 8]: p̂(8) = 2.6, (1 + 2.6) / 2 * 8 = 14.4 W ns. */
  g_assert_cmpfloat_with_epsilon (bs_power_integrate (&r, 0, 8, &gap), 14.4e-9, 1e-21);
  g_assert_cmpfloat (gap, ==, 8);
  /* [0, 10] ends on the step: p̂(10) is the later reading's 5 W, (1 + 5) / 2 * 10. */
  g_assert_cmpfloat_with_epsilon (bs_power_integrate (&r, 0, 10, NULL), 30e-9, 1e-21);
  /* [2, 4]: p̂ = 1.4 and 1.8, 2 ns: 3.2 W ns. */
  g_assert_cmpfloat_with_epsilon (bs_power_integrate (&r, 2, 4, &gap), 3.2e-9, 1e-21);
  g_assert_cmpfloat (gap, ==, 2);
  /* [-10, 40]: 1 W held for 10, 20, the step at 10 (no area), 5 W for 30: 180 W ns. */
  g_assert_cmpfloat_with_epsilon (bs_power_integrate (&r, -10, 40, &gap), 180e-9, 1e-21);
  g_assert_cmpfloat (gap, ==, 20);
  /* An empty interval has no energy. */
  g_assert_cmpfloat (bs_power_integrate (&r, 5, 5, NULL), ==, 0);
  /* A window of the readings: [1, 3) sees 3 W and 5 W at 10 only, held either side:
   * 3 W for 10, the step, 5 W for 10. */
  r.first = 1;
  r.last = 3;
  g_assert_cmpfloat_with_epsilon (bs_power_integrate (&r, 0, 20, NULL), 80e-9, 1e-21);
  /* The origin moves with the getter. */
  shift = 100;
  r = (BsPowerReadings) { get_time, get_value, &shift, 0, 4 };
  g_assert_cmpfloat_with_epsilon (bs_power_integrate (&r, 100, 108, NULL), 14.4e-9, 1e-21);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/power/at", test_at);
  g_test_add_func ("/power/integrate", test_integrate);
  return g_test_run ();
}
