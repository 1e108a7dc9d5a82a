/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-compare-groups.c: runs of two different models, whose layers share no name,
 * compared by stage and by path (bs_query_compare()'s stages and paths,
 * sessions/bs-group-times.c). The oracle: the group sums, means and SDs computed here
 * from the events the test wrote, with plain loops. */
#include "bs-queries.h"
#include "bs-record.h"
#include "bs-store.h"
#include "session-test-util.h"

#include <math.h>

#define N_INF 30

/* Model A: stem.conv (stem), stage1.main (main), stage1.skip (skip), head.fc (head).
 * Model B: stem.quant and stem.conv (stem), stage1.a / stage1.b (main), stage1.c (skip),
 * stage2.x (main, a stage A lacks), head.fc (head). */
static const BsRunLayer layers_a[] = {
  { "stem.conv", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_STEM },
  { "stage1.main", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN },
  { "stage1.skip", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_SKIP },
  { "head.fc", BS_LAYER_FC_FIXED, BS_PRECISION_FIXED, BS_PATH_HEAD },
};
static const BsRunLayer layers_b[] = {
  { "stem.quant", BS_LAYER_QUANTIZE_INPUT, BS_PRECISION_FIXED, BS_PATH_STEM },
  { "stem.conv", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_STEM },
  { "stage1.a", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN },
  { "stage1.b", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN },
  { "stage1.c", BS_LAYER_CONV_FIXED, BS_PRECISION_FIXED, BS_PATH_SKIP },
  { "stage2.x", BS_LAYER_CONV_BINARY, BS_PRECISION_BINARY, BS_PATH_MAIN },
  { "head.fc", BS_LAYER_FC_FIXED, BS_PRECISION_FIXED, BS_PATH_HEAD },
};

/* Op k of inference i lasts base[k] + (i % 7) * step[k] ns. */
static const int64_t base_a[] = { 3000, 20000, 5000, 700 };
static const int64_t step_a[] = { 10, 300, 40, 0 };
static const int64_t base_b[] = { 1000, 2000, 9000, 9000, 1500, 4000, 700 };
static const int64_t step_b[] = { 5, 10, 100, 150, 20, 60, 0 };

static int64_t
duration (const int64_t *base, const int64_t *step, int k, int i)
{
  return base[k] + (i % 7) * step[k];
}

static int64_t
record (const char *db, const BsRunLayer *layers, guint n, const int64_t *base, const int64_t *step)
{
  g_autoptr (BsModel) model = bs_test_model_new ("m", (int) n);
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  BsRunInfo info = { .backend = "cpu", .layers = layers, .n_layers = n, .t0_ns = 1000000 };
  BsRecordData data = { NULL, 0, NULL, 0 };
  g_autoptr (GError) error = NULL;
  int64_t t = 1000000, run;

  for (int i = 0; i < N_INF; i++)
    for (guint k = 0; k < n; k++)
      {
        BsLayerEvent e = { i, (int32_t) k, t, t + duration (base, step, k, i), BS_CLOCK_HOST };
        g_array_append_val (events, e);
        t = e.t_end_ns + 10;
      }
  data.events = (const BsLayerEvent *) (void *) events->data;
  data.n_events = events->len;
  run = bs_record_run (db, model, &info, &data, BS_RUN_COMPLETE, &error);
  g_assert_no_error (error);
  return run;
}

/* Mean and sample SD over inferences of the summed durations of ops in @ops. */
static void
oracle (const int64_t *base, const int64_t *step, const int *ops, int n_ops, double *mean,
        double *sd)
{
  double sum[N_INF], m = 0, v = 0;

  for (int i = 0; i < N_INF; i++)
    {
      sum[i] = 0;
      for (int j = 0; j < n_ops; j++)
        sum[i] += (double) duration (base, step, ops[j], i);
      m += sum[i] / N_INF;
    }
  for (int i = 0; i < N_INF; i++)
    v += (sum[i] - m) * (sum[i] - m) / (N_INF - 1);
  *mean = m;
  *sd = sqrt (v);
}

static const BsCompareGroup *
group (const GArray *groups, const char *name)
{
  for (guint k = 0; k < groups->len; k++)
    if (g_str_equal (g_array_index (groups, BsCompareGroup, k).name, name))
      return &g_array_index (groups, BsCompareGroup, k);
  g_error ("no group %s", name);
}

static void
assert_group (const GArray *groups, const char *name, int run, const int64_t *base,
              const int64_t *step, const int *ops, int n_ops)
{
  const BsCompareFigure *f = &group (groups, name)->time_ns;
  double mean, sd;

  oracle (base, step, ops, n_ops, &mean, &sd);
  g_assert_cmpint (f->value[run].n, ==, N_INF);
  g_assert_cmpfloat_with_epsilon (f->value[run].mean, mean, 1e-6);
  g_assert_cmpfloat_with_epsilon (f->value[run].sd, sd, 1e-6);
}

static void
test_two_models (void)
{
  g_autofree char *dir = bs_test_tmpdir_new ();
  g_autofree char *db = g_build_filename (dir, "groups.db", NULL);
  int64_t runs[2];
  g_autoptr (BsStore) store = NULL;
  g_autoptr (BsComparison) c = NULL;
  g_autoptr (GError) error = NULL;
  const char *stages[] = { "stem", "stage1", "head", "stage2" };
  const char *paths[] = { "stem", "main", "skip", "head" };

  runs[0] = record (db, layers_a, G_N_ELEMENTS (layers_a), base_a, step_a);
  runs[1] = record (db, layers_b, G_N_ELEMENTS (layers_b), base_b, step_b);
  store = bs_store_open (db, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  c = bs_query_compare (store, runs, 2, &error);
  g_assert_no_error (error);
  g_assert_null (c->stages);   /* only when asked: they read every event */
  g_assert_true (bs_comparison_add_groups (store, c, &error));
  g_assert_no_error (error);

  /* Baseline order, then what only the later run has. */
  g_assert_cmpuint (c->stages->len, ==, G_N_ELEMENTS (stages));
  for (guint k = 0; k < G_N_ELEMENTS (stages); k++)
    g_assert_cmpstr (g_array_index (c->stages, BsCompareGroup, k).name, ==, stages[k]);
  g_assert_cmpuint (c->paths->len, ==, G_N_ELEMENTS (paths));
  for (guint k = 0; k < G_N_ELEMENTS (paths); k++)
    g_assert_cmpstr (g_array_index (c->paths, BsCompareGroup, k).name, ==, paths[k]);

  assert_group (c->stages, "stem", 0, base_a, step_a, (int[]) { 0 }, 1);
  assert_group (c->stages, "stem", 1, base_b, step_b, (int[]) { 0, 1 }, 2);
  assert_group (c->stages, "stage1", 0, base_a, step_a, (int[]) { 1, 2 }, 2);
  assert_group (c->stages, "stage1", 1, base_b, step_b, (int[]) { 2, 3, 4 }, 3);
  assert_group (c->stages, "stage2", 1, base_b, step_b, (int[]) { 5 }, 1);
  assert_group (c->paths, "main", 0, base_a, step_a, (int[]) { 1 }, 1);
  assert_group (c->paths, "main", 1, base_b, step_b, (int[]) { 2, 3, 5 }, 3);
  assert_group (c->paths, "skip", 1, base_b, step_b, (int[]) { 4 }, 1);

  /* A stage the baseline lacks has no test; identical heads (700 ns, no spread) give
   * ratio 1 and no significance; stage1 (≈ 26 µs vs ≈ 21 µs, tight) is significant. */
  g_assert_cmpint (group (c->stages, "stage2")->time_ns.value[0].n, ==, 0);
  g_assert_true (isnan (group (c->stages, "stage2")->time_ns.p_holm[1]));
  g_assert_cmpfloat (group (c->stages, "head")->time_ns.ratio[1], ==, 1.0);
  g_assert_false (group (c->stages, "head")->time_ns.significant[1]);
  g_assert_true (group (c->stages, "stage1")->time_ns.significant[1]);
  g_assert_cmpfloat (group (c->stages, "stage1")->time_ns.ratio[1], <, 1.0);
  bs_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/compare-groups/two-models", test_two_models);
  return g_test_run ();
}
