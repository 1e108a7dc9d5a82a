/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-explore.c: the design-space search (accel/explore/).
 *
 * The Pareto front on cases small enough to check by hand; the resource model against
 * the designs yosys measured; and the points explore prints run: every csim kernel
 * build on a random Blend model, and the front of blendnet20 on a KV260, bit-exact
 * with the reference interpreter, with each layer's cycles from the kernel's own tally
 * equal to the cycle model's and their sum equal to what explore reported.
 */
#include <string.h>

#include "accel-test-models.h"
#include "bs-backend.h"
#include "csim/bs-csim-backend.h"
#include "csim/bs-csim-variants.h"
#include "explore/bs-boards.h"
#include "explore/bs-explore.h"
#include "explore/bs-pareto.h"
#include "explore/bs-resource-model.h"
#include "kernel/rtl/bs-rtl-resources.h"

/* Latency against DSPs: (1,5) (2,3) (3,4) (4,1) (5,1) (2,3).
 * (3,4) is beaten by (2,3); (5,1) by (4,1); the two (2,3) tie, so both stay. */
static void
test_pareto_two_costs (void)
{
  const double costs[] = { 1, 5, 2, 3, 3, 4, 4, 1, 5, 1, 2, 3 };
  const gboolean want[] = { TRUE, TRUE, FALSE, TRUE, FALSE, TRUE };
  gboolean front[6];

  bs_pareto_front (costs, 6, 2, front);
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (front[i], ==, want[i]);
}

/* Three costs: (1,1,9) (1,1,8) (2,0,9) (3,3,3) (3,3,4).
 * (1,1,9) is beaten by (1,1,8) in the third cost alone; (3,3,4) by (3,3,3); (2,0,9)
 * has the lowest second cost and (3,3,3) the lowest third, so they stay. */
static void
test_pareto_three_costs (void)
{
  const double costs[] = { 1, 1, 9, 1, 1, 8, 2, 0, 9, 3, 3, 3, 3, 3, 4 };
  const gboolean want[] = { FALSE, TRUE, TRUE, TRUE, FALSE };
  gboolean front[5];

  bs_pareto_front (costs, 5, 3, front);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (front[i], ==, want[i]);
  bs_pareto_front (costs, 1, 3, front);
  g_assert_true (front[0]);
}

/* Every board is found by its name, with totals and a source. */
static void
test_boards (void)
{
  gsize n;
  const BsBoard *boards = bs_boards (&n);

  g_assert_cmpuint (n, ==, 6);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (bs_board_find (boards[i].name) == &boards[i]);
      g_assert_cmpuint (boards[i].total.dsp, >, 0);
      /* An UltraScale+ CLB has 8 LUTs and 16 flip-flops; the Alveo data sheets round
       * to thousands. A typo in the table breaks this. */
      g_assert_cmpuint (boards[i].total.ff, <=, 2 * boards[i].total.lut);
      g_assert_cmpuint (boards[i].total.ff, >=, 2 * boards[i].total.lut - 2 * boards[i].total.lut / 1000);
      g_assert_cmpstr (boards[i].source, !=, "");
    }
  g_assert_nonnull (bs_board_find ("KV260"));
  g_assert_null (bs_board_find ("vc707"));
}

/* The model's arithmetic reproduces the PEs yosys synthesised (1 and 2 lanes, no MACs). */
static void
test_resource_model_measured (void)
{
  const struct
  {
    uint32_t lanes;
    BsXnorUnit unit;
    uint64_t dsp, lut, ff;
  } measured[] = {
    { 1, BS_XNOR_DSP, BS_RTL_MEASURED_DSP1_DSP, BS_RTL_MEASURED_DSP1_LUT, BS_RTL_MEASURED_DSP1_FF },
    { 2, BS_XNOR_DSP, BS_RTL_MEASURED_DSP2_DSP, BS_RTL_MEASURED_DSP2_LUT, BS_RTL_MEASURED_DSP2_FF },
    { 1, BS_XNOR_LUT, BS_RTL_MEASURED_LUT1_DSP, BS_RTL_MEASURED_LUT1_LUT, BS_RTL_MEASURED_LUT1_FF },
    { 2, BS_XNOR_LUT, BS_RTL_MEASURED_LUT2_DSP, BS_RTL_MEASURED_LUT2_LUT, BS_RTL_MEASURED_LUT2_FF },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (measured); i++)
    {
      BsKernelParams one_pe = { 1, measured[i].lanes, 0 };
      BsKernelParams four_pe = { 4, measured[i].lanes, 0 };
      BsResources r = bs_resource_model (&one_pe, measured[i].unit);
      BsResources r4 = bs_resource_model (&four_pe, measured[i].unit);

      g_assert_cmpuint (r.dsp, ==, measured[i].dsp);
      g_assert_cmpuint (r.lut, ==, measured[i].lut);
      g_assert_cmpuint (r.ff, ==, measured[i].ff);
      g_assert_cmpuint (r4.lut, ==, 4 * measured[i].lut);
      g_assert_cmpuint (r.bram36 + r.uram, ==, 0);
    }
}

/* Runs one configuration on csim: logits against the interpreter, every layer's
 * tallied cycles against the cycle model. Returns the inference's cycles. */
static uint64_t
run_point (const BsModel *m, const BsPlan *plan, const char *spec, const BsKernelParams *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsBackend) backend = bs_backend_open (spec, &error);
  g_autoptr (BsInterp) interp = bs_interp_new (m);
  g_autofree uint8_t *image = accel_test_random_images (m, 1);
  gsize out_size = accel_test_n_elements (bs_model_output_shape (m));
  g_autofree int32_t *want = g_new (int32_t, out_size);
  g_autofree int32_t *got = g_new (int32_t, out_size);
  const BsAccelImage *img;
  uint64_t total = 0;

  g_assert_no_error (error);
  bs_backend_prepare (backend, plan, &error);
  g_assert_no_error (error);
  bs_backend_run (backend, image, 1, got, NULL, NULL, &error);
  g_assert_no_error (error);
  bs_interp_run (interp, image, want, NULL);
  accel_test_compare (spec, plan, plan->n_ops - 1, got, want, (BsShape) { (int32_t) out_size, 1, 1 });

  img = bs_csim_backend_get_image (backend);
  g_assert_cmpuint (img->pe, ==, params->pe);
  g_assert_cmpuint (img->xnor_lanes, ==, params->xnor_lanes);
  g_assert_cmpuint (img->macs, ==, params->macs);
  for (int i = 0; i < plan->n_ops; i++)
    {
      uint64_t kernel = bs_csim_backend_get_cycles (backend, i);

      g_assert_cmpuint (kernel, ==, bs_cycle_model_layer (bs_accel_image_layer (img, i), params));
      total += kernel;
    }
  return total;
}

static char *
variant_spec (const BsKernelParams *p)
{
  return g_strdup_printf ("csim:pe=%u,lanes=%u,macs=%u", p->pe, p->xnor_lanes, p->macs);
}

/* Every kernel build csim has, so every point explore can print runs bit-exactly. */
static void
test_every_variant_runs (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (GError) error = NULL;
  gsize n;
  const BsCsimVariant *variants = bs_csim_variants (&n);

  g_rand_set_seed (accel_test_rng, 4242);
  m = accel_test_model_blend ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, >, 1);
  for (gsize v = 0; v < n; v++)
    {
      g_autofree char *spec = variant_spec (&variants[v].params);

      run_point (m, plan, spec, &variants[v].params);
    }
}

static void
test_unknown_variant (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsBackend) backend = bs_backend_open ("csim:pe=5", &error);

  g_assert_null (backend);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  backend = bs_backend_open ("csim:lanes=x", &error);
  g_assert_null (backend);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* blendnet20 on a KV260 at 200 and 250 MHz: the front fits, is not dominated by any
 * fitting point, and its fastest and slowest points run bit-exactly with the cycles
 * explore reported. */
static void
test_front_blendnet20 (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("BS_SOURCE_ROOT"), "data", "models",
                                            "blendnet20.bsm", NULL);
  const uint32_t clocks[] = { 200000, 250000 };
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (GArray) points = NULL;
  const BsBoard *board = bs_board_find ("kv260");
  const BsExplorePoint *fastest = NULL, *slowest = NULL;
  guint n_front = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("data/models/blendnet20.bsm not found");
      return;
    }
  m = bs_model_load (path, &error);
  g_assert_no_error (error);
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  points = bs_explore (plan, board, clocks, G_N_ELEMENTS (clocks), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < points->len; i++)
    {
      const BsExplorePoint *p = &g_array_index (points, BsExplorePoint, i);

      g_assert_cmpuint (p->latency_ns, ==, bs_cycles_to_ns (p->cycles, p->clock_khz));
      if (!p->on_front)
        continue;
      n_front++;
      g_assert_true (p->fits);
      g_assert_cmpuint (p->clock_khz, ==, 250000);   /* the same cycles sooner */
      if (fastest == NULL || p->latency_ns < fastest->latency_ns)
        fastest = p;
      if (slowest == NULL || p->latency_ns > slowest->latency_ns)
        slowest = p;
    }
  g_assert_cmpuint (n_front, >, 1);
  for (const BsExplorePoint *p = fastest; p != NULL; p = p == fastest ? slowest : NULL)
    {
      g_autofree char *spec = bs_explore_point_spec (p);

      g_assert_cmpuint (run_point (m, plan, spec, &p->params), ==, p->cycles);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  accel_test_rng = g_rand_new ();
  g_test_add_func ("/explore/pareto/two-costs", test_pareto_two_costs);
  g_test_add_func ("/explore/pareto/three-costs", test_pareto_three_costs);
  g_test_add_func ("/explore/boards", test_boards);
  g_test_add_func ("/explore/resource-model/measured", test_resource_model_measured);
  g_test_add_func ("/explore/csim/every-variant", test_every_variant_runs);
  g_test_add_func ("/explore/csim/unknown-variant", test_unknown_variant);
  g_test_add_func ("/explore/front/blendnet20", test_front_blendnet20);
  status = g_test_run ();
  g_rand_free (accel_test_rng);
  return status;
}
