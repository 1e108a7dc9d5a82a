/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-csim-backend.c: the accelerator kernel run on the host (csim backend).
 *
 * Random small models and every bundled model: the descriptor table and weight image
 * are checked against the model file, every op's output and the logits against the
 * reference interpreter (bit-identical), and the cycles the kernel tallied against
 * the closed-form cycle model. The model itself is checked against cycles computed
 * by hand for a few layers. Then the backend: events (modelled, at the chosen clock),
 * options, cancellation, layer_loop, and the kernel refusing corrupt descriptors.
 */
#include <string.h>

#include "accel-test-models.h"
#include "bs-backend.h"
#include "csim/bs-csim-backend.h"
#include "kernel/bs-cycle-model.h"
#include "kernel/bs-kernel.h"

typedef struct
{
  const BsPlan *plan;
  BsInterp *interp;
  const uint8_t *image;
  int n_checked;
} Checker;

static void
check_op (int op, const void *output, gpointer user_data)
{
  Checker *chk = user_data;

  accel_test_check_op_output (chk->plan, chk->interp, chk->image, op, output);
  chk->n_checked++;
}

static BsBackend *
open_csim (const char *spec)
{
  g_autoptr (GError) error = NULL;
  BsBackend *backend = bs_backend_open (spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  return backend;
}

/* The kernel's own tally of every layer equals the closed-form model. */
static uint64_t
check_cycles (BsBackend *backend, const BsPlan *plan)
{
  const BsAccelImage *image = bs_csim_backend_get_image (backend);
  BsKernelParams params = bs_kernel_params_default ();
  uint64_t total = 0;

  for (int i = 0; i < plan->n_ops; i++)
    {
      uint64_t model = bs_cycle_model_layer (bs_accel_image_layer (image, i), &params);
      uint64_t kernel = bs_csim_backend_get_cycles (backend, i);

      if (model != kernel)
        g_error ("op %d (%s %s): the kernel counted %" G_GUINT64_FORMAT " cycles, the model says %"
                 G_GUINT64_FORMAT, i, bs_plan_op_kind_to_string (plan->ops[i].kind),
                 bs_plan_op_name (plan, i), kernel, model);
      total += kernel;
    }
  g_assert_cmpuint (total, ==, bs_cycle_model_range (image->desc, 0, (uint32_t) plan->n_ops));
  return total;
}

/* Each image alone, launched layer by layer with every op output checked; then all
 * images in one run, one launch per inference, logits checked. Returns the modelled
 * cycles of one inference. */
static uint64_t
check_plan (const BsModel *m, const BsPlan *plan, int n_images)
{
  g_autoptr (BsInterp) interp = bs_interp_new (m);
  g_autofree uint8_t *images = accel_test_random_images (m, n_images);
  gsize in_size = accel_test_n_elements (m->input_shape);
  gsize out_size = accel_test_n_elements (bs_model_output_shape (m));
  g_autofree int32_t *want = g_new (int32_t, out_size * n_images);
  g_autofree int32_t *got = g_new (int32_t, out_size * n_images);
  g_autoptr (BsBackend) backend = open_csim ("csim");
  g_autoptr (GError) error = NULL;
  Checker chk = { plan, interp, NULL, 0 };
  const BsAccelImage *image;

  for (int i = 0; i < n_images; i++)
    bs_interp_run (interp, images + i * in_size, want + i * out_size, NULL);
  bs_backend_prepare (backend, plan, &error);
  g_assert_no_error (error);
  image = bs_csim_backend_get_image (backend);
  accel_test_check_image (plan, image->desc, image->desc_bytes, image->weights, image->weight_bytes);

  bs_csim_backend_set_op_hook (backend, check_op, &chk);
  for (int i = 0; i < n_images; i++)
    {
      chk.image = images + i * in_size;
      bs_interp_run (interp, chk.image, NULL, NULL);
      bs_backend_run (backend, chk.image, 1, got, NULL, NULL, &error);
      g_assert_no_error (error);
      accel_test_compare ("logits", plan, plan->n_ops - 1, got, want + i * out_size,
                          (BsShape) { (int32_t) out_size, 1, 1 });
    }
  g_assert_cmpint (chk.n_checked, ==, n_images * plan->n_ops);

  bs_csim_backend_set_op_hook (backend, NULL, NULL);
  memset (got, 0x55, out_size * n_images * sizeof (int32_t));
  bs_backend_run (backend, images, n_images, got, NULL, NULL, &error);
  g_assert_no_error (error);
  accel_test_compare ("batch logits", plan, plan->n_ops - 1, got, want,
                      (BsShape) { (int32_t) (out_size * n_images), 1, 1 });
  return check_cycles (backend, plan);
}

static void
test_random (gconstpointer data)
{
  BsModel *(*make) (void) = (BsModel *(*) (void)) data;

  for (int seed = 0; seed < 10; seed++)
    {
      g_autoptr (BsModel) m = NULL;
      g_autoptr (BsPlan) plan = NULL;
      g_autoptr (GError) error = NULL;

      g_rand_set_seed (accel_test_rng, 2000 + seed);
      m = make ();
      plan = bs_plan_compile (m, &error);
      g_assert_no_error (error);
      check_plan (m, plan, 3);
    }
}

static void
test_bundled (void)
{
  g_autoptr (GPtrArray) paths = accel_test_bundled_models ();

  if (paths->len == 0)
    {
      g_test_skip ("no bundled models in data/models");
      return;
    }
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (BsModel) m = bs_model_load (paths->pdata[i], &error);
      g_autoptr (BsPlan) plan = NULL;
      uint64_t cycles;

      g_assert_no_error (error);
      plan = bs_plan_compile (m, &error);
      g_assert_no_error (error);
      g_rand_set_seed (accel_test_rng, 77);
      cycles = check_plan (m, plan, 2);
      g_test_message ("%s: %d ops, %" G_GUINT64_FORMAT " modelled cycles = %.3f ms at %u MHz "
                      "(PE %d, %d XNOR lanes, %d MACs)", m->name, plan->n_ops, cycles,
                      bs_cycles_to_ns (cycles, BS_KERNEL_CLOCK_KHZ) / 1e6, BS_KERNEL_CLOCK_KHZ / 1000,
                      BS_KERNEL_PE, BS_KERNEL_XNOR_LANES, BS_KERNEL_MACS);
    }
}

/* The cycle model */

static void
set_layer (uint32_t *d, uint32_t op, uint32_t cin, uint32_t h, uint32_t w, uint32_t cout,
           uint32_t ho, uint32_t wo, uint32_t k)
{
  memset (d, 0, BS_DESC_WORDS * sizeof (uint32_t));
  d[BS_DESC_OP] = op;
  d[BS_DESC_IN_C] = cin;
  d[BS_DESC_IN_H] = h;
  d[BS_DESC_IN_W] = w;
  d[BS_DESC_OUT_C] = cout;
  d[BS_DESC_OUT_H] = ho;
  d[BS_DESC_OUT_W] = wo;
  d[BS_DESC_KERNEL] = k;
}

/* Cycles worked out by hand from the kernel's loops, at P = 16, L = 2, M = 8 and the
 * depths of bs-kernel-abi.h (bconv 6, qconv 8, vector 3; overhead 64). */
static void
test_cycle_model_by_hand (void)
{
  BsKernelParams params = { 16, 2, 8 };
  uint32_t d[BS_DESC_WORDS];

  g_assert_cmpint (BS_KERNEL_DEPTH_BCONV, ==, 6);
  g_assert_cmpint (BS_KERNEL_DEPTH_QCONV, ==, 8);
  g_assert_cmpint (BS_KERNEL_DEPTH_VECTOR, ==, 3);
  g_assert_cmpint (BS_KERNEL_LAYER_OVERHEAD, ==, 64);

  /* bconv 3x3 16 -> 16 on 32x32: 1 lane, 1 step; 1024 px × 1 group × (9 + 6) + 64. */
  set_layer (d, BS_KOP_BCONV, 16, 32, 32, 16, 32, 32, 3);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 15424);
  /* bconv 3x3 100 -> 40 on 5x5: ceil(100/48) = 3 lanes, 2 steps; 3 groups;
   * 25 × 3 × (9·2 + 6) + 64 = 1864. */
  set_layer (d, BS_KOP_BCONV, 100, 5, 5, 40, 5, 5, 3);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 1864);
  /* The same with 4 lanes per PE: 1 step; 25 × 3 × (9 + 6) + 64 = 1189. */
  params.xnor_lanes = 4;
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 1189);
  params.xnor_lanes = 2;
  /* qconv 3x3 3 -> 16 on 32x32 (the stem): ceil(3/8) = 1; 1024 × (9 + 8) + 64. */
  set_layer (d, BS_KOP_QCONV, 3, 32, 32, 16, 32, 32, 3);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 17472);
  /* qconv 1x1 100 -> 65 on 7x7: ceil(100/8) = 13; 5 groups; 49 × 5 × (13 + 8) + 64. */
  set_layer (d, BS_KOP_QCONV, 100, 7, 7, 65, 7, 7, 1);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 5209);
  /* sign 16x32x32: 1024 × 1 + 3 + 64. */
  set_layer (d, BS_KOP_SIGN, 16, 32, 32, 16, 32, 32, 0);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 1091);
  /* thermometer 3 -> 96 channels on 32x32: 1024 × 6 + 3 + 64. */
  set_layer (d, BS_KOP_THERMOMETER, 3, 32, 32, 96, 32, 32, 0);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 6211);
  /* avgpool 2x2 stride 2, 16x32x32 -> 16x16x16: 256 × 1 × (4 + 3) + 64. */
  set_layer (d, BS_KOP_AVGPOOL, 16, 32, 32, 16, 16, 16, 2);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 1856);
  /* global average pool 64x8x8: 4 groups × (64 + 3) + 64. */
  set_layer (d, BS_KOP_GLOBAL_AVGPOOL, 64, 8, 8, 64, 1, 1, 0);
  g_assert_cmpuint (bs_cycle_model_layer (d, &params), ==, 332);

  g_assert_cmpuint (bs_cycles_to_ns (200, 200000), ==, 1000);
  g_assert_cmpuint (bs_cycles_to_ns (3, 300000), ==, 10);
  g_assert_cmpuint (bs_cycles_to_ns (G_GUINT64_CONSTANT (1) << 40, 250000), ==, G_GUINT64_CONSTANT (4398046511104));
}

/* The kernel's tally on blendnet20's real layers, against the same hand counts. */
static void
test_cycle_model_blendnet20 (void)
{
  const char *root = g_getenv ("BS_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root ? root : ".", "data", "models", "blendnet20.bsm", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = NULL;
  g_autofree uint8_t *image = NULL;
  g_autofree int32_t *logits = NULL;
  uint64_t total = 0;
  static const struct { const char *op; uint64_t cycles; } want[] = {
    { "stem.quant", 1091 },                /* 1024 px × 1 group + 3 + 64 */
    { "stem.conv", 17472 },                /* 1024 × (9·1 + 8) + 64 */
    { "stage1.0.sign", 1091 },
    { "stage1.0.main.conv", 15424 },       /* 1024 × (9·1 + 6) + 64 */
    { "stage1.0.skip.conv", 10304 },       /* 1024 × (1·2 + 8) + 64 */
    { "stage1.0.add", 1091 },
    { "stage2.0.main.conv", 7744 },        /* stride 2: 256 px × 2 groups × 15 + 64 */
    { "stage3.1.main.conv", 3904 },        /* 64 px × 4 groups × 15 + 64 */
    { "stage3.1.skip.conv", 4160 },        /* 64 × 4 × (8 + 8) + 64 */
    { "head.pool", 332 },                  /* 4 × (64 + 3) + 64 */
    { "head.fc", 80 },                     /* 1 × 1 × (8 + 8) + 64 */
  };

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no data/models/blendnet20.bsm");
      return;
    }
  if (BS_KERNEL_PE != 16 || BS_KERNEL_XNOR_LANES != 2 || BS_KERNEL_MACS != 8)
    {
      g_test_skip ("hand counts are for the default kernel parameters");
      return;
    }
  m = bs_model_load (path, &error);
  g_assert_no_error (error);
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  backend = open_csim ("csim");
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_rand_set_seed (accel_test_rng, 5);
  image = accel_test_random_images (m, 1);
  logits = g_new (int32_t, accel_test_n_elements (bs_model_output_shape (m)));
  g_assert_true (bs_backend_run (backend, image, 1, logits, NULL, NULL, &error));

  for (gsize k = 0; k < G_N_ELEMENTS (want); k++)
    {
      int op = -1;

      for (int i = 0; i < plan->n_ops && op < 0; i++)
        if (g_strcmp0 (bs_plan_op_name (plan, i), want[k].op) == 0)
          op = i;
      g_assert_cmpint (op, >=, 0);
      g_assert_cmpuint (bs_csim_backend_get_cycles (backend, op), ==, want[k].cycles);
    }
  for (int i = 0; i < plan->n_ops; i++)
    total += bs_csim_backend_get_cycles (backend, i);
  g_test_message ("blendnet20: %" G_GUINT64_FORMAT " modelled cycles, %.3f ms at %u MHz "
                  "(the paper reports 0.38 ms on its FPGA)", total,
                  bs_cycles_to_ns (total, BS_KERNEL_CLOCK_KHZ) / 1e6, BS_KERNEL_CLOCK_KHZ / 1000);
}

/* The backend */

static void
test_open (void)
{
  static const char *const bad[] = {
    "csim:clock=0", "csim:clock=fast", "csim:clock=5000", "csim:launch=sometimes", "csim:pe=0",
    "csim:pe=32,frobnicate=1",
  };
  g_autofree char *reason = NULL;

  g_assert_true (bs_backend_lookup ("csim") == &bs_csim_backend_class);
  g_assert_true (bs_csim_backend_class.available (&reason));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (bs_backend_open (bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
  {
    g_autoptr (BsBackend) plain = open_csim ("csim");
    g_autoptr (BsBackend) fast = open_csim ("csim:clock=312.5,launch=layer");

    g_assert_cmpuint (bs_csim_backend_get_clock_khz (plain), ==, BS_KERNEL_CLOCK_KHZ);
    g_assert_cmpuint (bs_csim_backend_get_clock_khz (fast), ==, 312500);
    g_assert_null (bs_csim_backend_get_image (plain));
  }
}

typedef struct
{
  BsBackend *backend;
  const BsPlan *plan;
  int n_calls;
  int64_t last_end;
  int64_t *durations;   /* per op, of the last inference */
} EventLog;

static void
on_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  EventLog *log = user_data;
  uint32_t khz = bs_csim_backend_get_clock_khz (log->backend);

  g_assert_cmpint (n_events, ==, log->plan->n_ops);
  for (int i = 0; i < n_events; i++)
    {
      uint64_t cycles = bs_csim_backend_get_cycles (log->backend, i);
      int64_t exact = (int64_t) bs_cycles_to_ns (cycles, khz);
      int64_t d = events[i].t_end_ns - events[i].t_start_ns;

      g_assert_cmpint (events[i].op, ==, i);
      g_assert_cmpint (events[i].inference, ==, log->n_calls);
      g_assert_cmpint (events[i].clock, ==, BS_CLOCK_MODELLED);
      /* End to end: modelled layers follow each other without gaps. */
      if (i > 0)
        g_assert_cmpint (events[i].t_start_ns, ==, events[i - 1].t_end_ns);
      g_assert_cmpint (events[i].t_start_ns, >=, log->last_end);
      g_assert_cmpint (ABS (d - exact), <=, 1);
      log->durations[i] = d;
    }
  log->last_end = events[n_events - 1].t_end_ns;
  log->n_calls++;
}

static void
test_events (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *logits = NULL;
  g_autofree int64_t *at_200 = NULL, *at_100 = NULL;
  static const char *const specs[] = { "csim:clock=200", "csim:clock=100,launch=layer" };

  g_rand_set_seed (accel_test_rng, 9);
  m = accel_test_model_blend ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  images = accel_test_random_images (m, 3);
  logits = g_new (int32_t, 3 * accel_test_n_elements (bs_model_output_shape (m)));
  at_200 = g_new0 (int64_t, plan->n_ops);
  at_100 = g_new0 (int64_t, plan->n_ops);
  for (gsize s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr (BsBackend) backend = open_csim (specs[s]);
      EventLog log = { backend, plan, 0, 0, s == 0 ? at_200 : at_100 };

      g_assert_true (bs_backend_prepare (backend, plan, &error));
      g_assert_true (bs_backend_run (backend, images, 3, logits, on_events, &log, &error));
      g_assert_no_error (error);
      g_assert_cmpint (log.n_calls, ==, 3);
    }
  /* Half the clock, twice the modelled time (each bound rounded to 1 ns). */
  for (int i = 0; i < plan->n_ops; i++)
    {
      g_assert_cmpint (at_200[i], >, 0);
      g_assert_cmpint (ABS (at_100[i] - 2 * at_200[i]), <=, 3);
    }
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (50 * 1000);
  bs_backend_cancel (data);
  return NULL;
}

static void
test_layer_loop_and_cancel (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = open_csim ("csim");
  g_autoptr (GError) error = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *before = NULL, *after = NULL;
  gsize out_size;
  uint64_t iterations = 0;
  GThread *canceller;

  g_rand_set_seed (accel_test_rng, 11);
  m = accel_test_model_bnn ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  out_size = accel_test_n_elements (bs_model_output_shape (m));
  images = accel_test_random_images (m, 2);
  before = g_new (int32_t, 2 * out_size);
  after = g_new (int32_t, 2 * out_size);
  g_assert_true (bs_backend_prepare (backend, plan, &error));

  g_assert_false (bs_backend_layer_loop (backend, 0, 1000, &iterations, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);

  g_assert_true (bs_backend_run (backend, images, 1, before, NULL, NULL, &error));
  for (int op = 0; op < plan->n_ops; op++)
    {
      g_assert_true (bs_backend_layer_loop (backend, op, 20 * 1000, &iterations, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (iterations, >=, 1);
    }
  g_assert_true (bs_backend_run (backend, images, 1, after, NULL, NULL, &error));
  g_assert_cmpmem (before, out_size * 4, after, out_size * 4);

  canceller = g_thread_new ("cancel", cancel_later, backend);
  g_assert_false (bs_backend_layer_loop (backend, plan->n_ops / 2, G_GINT64_CONSTANT (20000000000),
                                         &iterations, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_thread_join (canceller);
  g_assert_false (bs_backend_run (backend, images, 2, after, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  bs_backend_reset_cancel (backend);
  g_assert_true (bs_backend_run (backend, images, 2, after, NULL, NULL, &error));
  g_assert_cmpmem (before, out_size * 4, after, out_size * 4);
}

/* The kernel checks what it is given; the host turns its status into an error
 * naming the layer. Runs under the sanitizers without touching memory outside the
 * buffers. */
static void
test_kernel_refuses (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsAccelImage) image = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree uint64_t *arena = NULL, *profile = NULL;
  g_autofree uint32_t *desc = NULL;
  uint32_t n;
  int conv = -1;
  static const struct { int word; uint32_t value; int layer; uint32_t first, count; const char *message; } cases[] = {
    { BS_DESC_H_MAGIC, 0x12345678, -1, 0, 0, "no valid header" },
    { BS_DESC_H_VERSION, 2, -1, 0, 0, "another contract version" },
    { BS_DESC_H_PE, 32, -1, 0, 0, "tiled for other PE" },
    { -1, 0, -1, 1, 1000, "outside the table" },
    { BS_DESC_OP, 99, 0, 0, 0, "refused layer 0" },
    { BS_DESC_OUT, 0xfffff000, 0, 0, 0, "refused layer 0" },
    { BS_DESC_W_OFF, 0xfffffff8, 1, 0, 0, "refused layer 1" },
    { BS_DESC_GROUPS, 1000, 1, 0, 0, "refused layer 1" },
    { BS_DESC_OUT_H, 5000, 1, 0, 0, "refused layer 1" },
    { BS_DESC_KERNEL, 16, 1, 0, 0, "refused layer 1" },
  };

  g_rand_set_seed (accel_test_rng, 3);
  m = accel_test_model_blend ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  image = bs_accel_image_build (plan, &error);
  g_assert_no_error (error);
  n = (uint32_t) plan->n_ops;
  g_assert_cmpint (plan->ops[1].kind, ==, BS_PLAN_OP_QCONV);
  arena = g_malloc0 (image->arena_bytes);
  profile = g_malloc0 (image->profile_bytes);
  desc = g_malloc (image->desc_bytes);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      uint32_t first = cases[i].first, count = cases[i].count ? cases[i].count : n - first;

      memcpy (desc, image->desc, image->desc_bytes);
      if (cases[i].word >= 0)
        desc[(cases[i].layer < 0 ? 0 : BS_DESC_HEADER_WORDS + cases[i].layer * BS_DESC_WORDS) + cases[i].word]
          = cases[i].value;
      bs_accel_profile_clear (profile);
      bs_blend (desc, image->weights, arena, profile, first, count);
      g_assert_false (bs_accel_profile_check (profile, plan, first, count, NULL, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": '%s' does not say '%s'", i, error->message, cases[i].message);
      g_clear_error (&error);
    }

  /* No launch at all: the cleared header is not read as a result. */
  bs_accel_profile_clear (profile);
  g_assert_false (bs_accel_profile_check (profile, plan, 0, n, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);

  /* And the intact table runs. */
  for (int i = 0; i < plan->n_ops && conv < 0; i++)
    if (plan->ops[i].kind == BS_PLAN_OP_BCONV)
      conv = i;
  bs_blend (image->desc, image->weights, arena, profile, 0, n);
  g_assert_true (bs_accel_profile_check (profile, plan, 0, n, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (profile[BS_PROFILE_HEADER_WORDS + conv * BS_PROFILE_RECORD_WORDS + BS_PROFILE_R_OP],
                    ==, BS_KOP_BCONV | (uint64_t) conv << 32);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  accel_test_rng = g_rand_new ();
  g_test_add_func ("/csim/open", test_open);
  g_test_add_func ("/csim/cycle-model/by-hand", test_cycle_model_by_hand);
  g_test_add_func ("/csim/cycle-model/blendnet20", test_cycle_model_blendnet20);
  g_test_add_data_func ("/csim/random/blend", accel_test_model_blend, test_random);
  g_test_add_data_func ("/csim/random/bnn", accel_test_model_bnn, test_random);
  g_test_add_data_func ("/csim/random/mixer", accel_test_model_mixer, test_random);
  g_test_add_data_func ("/csim/random/edges", accel_test_model_edges, test_random);
  g_test_add_data_func ("/csim/random/wide", accel_test_model_wide, test_random);
  g_test_add_func ("/csim/bundled", test_bundled);
  g_test_add_func ("/csim/events", test_events);
  g_test_add_func ("/csim/layer-loop-cancel", test_layer_loop_and_cancel);
  g_test_add_func ("/csim/kernel-refuses", test_kernel_refuses);
  ret = g_test_run ();
  g_rand_free (accel_test_rng);
  return ret;
}
