/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cpu-backend.c: the CPU backend against the reference interpreter.
 *
 * Random small models (odd channel counts and borders, strides 1 and 2, kernels 1
 * and 3, padding) and every bundled model are compiled and run on every kernel ISA
 * this machine supports, with 1, 2 and 3 threads: the logits and every op's output
 * must be bit-identical to the interpreter's. Then the backend interface itself:
 * spec parsing, events, cancellation, layer_loop.
 */
#include <math.h>
#include <string.h>

#include "accel-test-models.h"
#include "bs-backend.h"
#include "bs-interp.h"
#include "bs-plan.h"
#include "cpu/bs-cpu-backend.h"
#include "cpu/bs-cpu-pool.h"

/* Comparison with the interpreter */

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
open_backend (BsCpuIsa isa, int threads)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("cpu:isa=%s,threads=%d", bs_cpu_isa_to_string (isa), threads);
  BsBackend *backend = bs_backend_open (spec, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bs_cpu_backend_get_isa (backend), ==, isa);
  g_assert_cmpint (bs_cpu_backend_get_n_threads (backend), ==, threads);
  return backend;
}

/* split=images: every image of the run on a lane of its own, in rounds of `threads`
 * images (n_images need not be a multiple), the logits in order, one event per op per
 * image, inference numbers counting on across runs. Without an event function the
 * lanes claim the images: the logits still in order. */
typedef struct
{
  int n_ops;
  int n_events;
  int32_t next_inference;
} EventCount;

static void
count_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  EventCount *c = user_data;

  g_assert_cmpint (n_events, ==, c->n_ops);
  for (int i = 0; i < n_events; i++)
    {
      g_assert_cmpint (events[i].op, ==, i);
      g_assert_cmpint (events[i].inference, ==, c->next_inference);
      g_assert_cmpint (events[i].t_end_ns, >=, events[i].t_start_ns);
    }
  c->next_inference++;
  c->n_events += n_events;
}

static void
check_split_images (BsCpuIsa isa, int threads, const BsPlan *plan, const uint8_t *images,
                    int n_images, const int32_t *want, size_t out_size)
{
  g_autofree char *spec = g_strdup_printf ("cpu:isa=%s,threads=%d,split=images",
                                           bs_cpu_isa_to_string (isa), threads);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsBackend) backend = bs_backend_open (spec, &error);
  g_autofree int32_t *got = g_new (int32_t, out_size * n_images);
  EventCount c = { plan->n_ops, 0, 0 };

  g_assert_no_error (error);
  bs_backend_prepare (backend, plan, &error);
  g_assert_no_error (error);
  for (int round = 0; round < 2; round++)
    {
      memset (got, 0x55, out_size * n_images * sizeof (int32_t));
      bs_backend_run (backend, images, n_images, got, count_events, &c, &error);
      g_assert_no_error (error);
      accel_test_compare ("split=images logits", plan, plan->n_ops - 1, got, want,
               (BsShape) { (int32_t) (out_size * n_images), 1, 1 });
    }
  g_assert_cmpint (c.n_events, ==, 2 * n_images * plan->n_ops);
  memset (got, 0x55, out_size * n_images * sizeof (int32_t));
  bs_backend_run (backend, images, n_images, got, NULL, NULL, &error);
  g_assert_no_error (error);
  accel_test_compare ("split=images logits, claimed", plan, plan->n_ops - 1, got, want,
                      (BsShape) { (int32_t) (out_size * n_images), 1, 1 });
}

/* Runs plan on every usable ISA and thread count: each image alone with every op
 * output checked, then all images in one run with the logits checked (split ops, and
 * split images where there are several threads). The interpreter runs each image once,
 * for all variants (under CPU emulation it is the slow part). */
static int
check_plan (const BsModel *m, const BsPlan *plan, int n_images)
{
  g_autoptr (BsInterp) interp = bs_interp_new (m);
  g_autofree uint8_t *images = accel_test_random_images (m, n_images);
  size_t in_size = accel_test_n_elements (m->input_shape);
  size_t out_size = accel_test_n_elements (bs_model_output_shape (m));
  g_autofree int32_t *want = g_new (int32_t, out_size * n_images);
  g_autofree int32_t *got = g_new (int32_t, out_size * n_images);
  g_autoptr (GPtrArray) variants = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_backend_close);
  Checker chk = { plan, interp, NULL, 0 };

  for (int isa = 0; isa < BS_CPU_N_ISAS; isa++)
    for (int threads = 1; threads <= 3 && bs_cpu_kernels_get (isa, NULL) != NULL; threads++)
      {
        BsBackend *backend = open_backend (isa, threads);
        g_autoptr (GError) error = NULL;

        bs_backend_prepare (backend, plan, &error);
        g_assert_no_error (error);
        g_ptr_array_add (variants, backend);
      }
  for (int i = 0; i < n_images; i++)
    {
      chk.image = images + i * in_size;
      bs_interp_run (interp, chk.image, want + i * out_size, NULL);
      for (guint v = 0; v < variants->len; v++)
        {
          g_autoptr (GError) error = NULL;

          bs_cpu_backend_set_op_hook (variants->pdata[v], check_op, &chk);
          bs_backend_run (variants->pdata[v], chk.image, 1, got, NULL, NULL, &error);
          g_assert_no_error (error);
          bs_cpu_backend_set_op_hook (variants->pdata[v], NULL, NULL);
          accel_test_compare ("logits", plan, plan->n_ops - 1, got, want + i * out_size,
                   (BsShape) { (int32_t) out_size, 1, 1 });
        }
    }
  for (guint v = 0; v < variants->len; v++)
    {
      BsBackend *backend = variants->pdata[v];
      int threads = bs_cpu_backend_get_n_threads (backend);
      g_autoptr (GError) error = NULL;

      memset (got, 0x55, out_size * n_images * sizeof (int32_t));
      bs_backend_run (backend, images, n_images, got, NULL, NULL, &error);
      g_assert_no_error (error);
      accel_test_compare ("batch logits", plan, plan->n_ops - 1, got, want,
               (BsShape) { (int32_t) (out_size * n_images), 1, 1 });
      if (threads > 1)
        check_split_images (bs_cpu_backend_get_isa (backend), threads, plan, images, n_images,
                            want, out_size);
    }
  g_assert_cmpint (chk.n_checked, ==, (int) variants->len * n_images * plan->n_ops);
  return (int) variants->len;
}

static void
check_model (BsModel *m)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = bs_plan_compile (m, &error);

  g_assert_no_error (error);
  if (g_test_verbose ())
    {
      g_autoptr (GString) text = bs_plan_describe (plan);
      g_test_message ("%s", text->str);
    }
  check_plan (m, plan, 3);
}

static void
test_random (gconstpointer data)
{
  BsModel *(*make) (void) = (BsModel *(*) (void)) data;

  for (int seed = 0; seed < 12; seed++)
    {
      g_autoptr (BsModel) m = NULL;

      g_rand_set_seed (accel_test_rng, 1000 + seed);
      m = make ();
      check_model (m);
    }
}

/* Bundled models */

static double
seconds_per_inference_interp (const BsModel *m, const uint8_t *image, int n)
{
  g_autoptr (BsInterp) interp = bs_interp_new (m);
  int64_t t0 = bs_clock_now_ns ();

  for (int i = 0; i < n; i++)
    bs_interp_run (interp, image, NULL, NULL);
  return (bs_clock_now_ns () - t0) / 1e9 / n;
}

static double
seconds_per_inference_cpu (const BsPlan *plan, const uint8_t *image, int n, int threads)
{
  g_autoptr (BsBackend) backend = open_backend (BS_CPU_ISA_SCALAR, threads);
  g_autofree int32_t *logits = g_new (int32_t, accel_test_n_elements (plan->buffers[plan->output].shape));
  int64_t t0;

  g_assert_true (bs_backend_prepare (backend, plan, NULL));
  bs_backend_run (backend, image, 1, logits, NULL, NULL, NULL);
  t0 = bs_clock_now_ns ();
  for (int i = 0; i < n; i++)
    bs_backend_run (backend, image, 1, logits, NULL, NULL, NULL);
  return (bs_clock_now_ns () - t0) / 1e9 / n;
}

static void
test_bundled (void)
{
  g_autoptr (GPtrArray) paths = accel_test_bundled_models ();

  if (paths->len == 0)
    {
      g_test_skip ("no bundled models in data/models yet");
      return;
    }
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (BsModel) m = bs_model_load (paths->pdata[i], &error);
      g_autoptr (BsPlan) plan = NULL;
      g_autofree uint8_t *image = NULL;

      g_assert_no_error (error);
      plan = bs_plan_compile (m, &error);
      g_assert_no_error (error);
      check_plan (m, plan, 2);
      image = accel_test_random_images (m, 1);
      g_test_message ("%s: %d layers -> %d ops, arena %" G_GUINT64_FORMAT " bytes; "
                      "interpreter %.3f ms, cpu scalar %.3f ms (1 thread), %.3f ms (2 threads)",
                      m->name, bs_model_n_layers (m), plan->n_ops, plan->arena_size,
                      seconds_per_inference_interp (m, image, 3) * 1e3,
                      seconds_per_inference_cpu (plan, image, 3, 1) * 1e3,
                      seconds_per_inference_cpu (plan, image, 3, 2) * 1e3);
    }
}

/* The backend interface */

static void
test_open (void)
{
  static const struct { const char *spec; int code; } bad[] = {
    { "nosuch", G_IO_ERROR_NOT_FOUND },
    { "cpu:threads=0", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:threads=2x", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:threads", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:=1", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:colour=red", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:isa=sse9", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:split=layers", G_IO_ERROR_INVALID_ARGUMENT },
    { "cpu:threads=1,threads=2", G_IO_ERROR_INVALID_ARGUMENT },
  };
  const BsBackendClass *const *list = bs_backend_list ();
  g_autofree char *reason = NULL;

  g_assert_nonnull (list[0]);
  g_assert_true (bs_backend_lookup ("cpu") == &bs_cpu_backend_class);
  g_assert_true (bs_cpu_backend_class.available (&reason));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      BsBackend *backend = bs_backend_open (bad[i].spec, &error);

      g_assert_null (backend);
      g_assert_error (error, G_IO_ERROR, bad[i].code);
    }
  for (int isa = 0; isa < BS_CPU_N_ISAS; isa++)
    if (bs_cpu_kernels_get (isa, NULL) == NULL)
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *spec = g_strdup_printf ("cpu:isa=%s", bs_cpu_isa_to_string (isa));

        g_assert_null (bs_backend_open (spec, &error));
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (BsBackend) plain = bs_backend_open ("cpu", &error);
    g_autoptr (BsBackend) empty = bs_backend_open ("cpu:", &error);

    g_assert_no_error (error);
    g_assert_cmpint (bs_cpu_backend_get_n_threads (plain), ==, 1);
    g_assert_nonnull (empty);
    g_assert_true (bs_backend_get_class (plain) == &bs_cpu_backend_class);
    g_assert_null (bs_backend_get_plan (plain));
  }
  {
    g_autoptr (BsBackend) env = NULL;

    g_setenv ("BS_CPU_ISA", "scalar", TRUE);
    env = bs_backend_open ("cpu:threads=2", NULL);
    g_unsetenv ("BS_CPU_ISA");
    g_assert_cmpint (bs_cpu_backend_get_isa (env), ==, BS_CPU_ISA_SCALAR);
    g_assert_cmpint (bs_cpu_backend_get_n_threads (env), ==, 2);
  }
}

typedef struct
{
  const BsPlan *plan;
  BsBackend *backend;
  int n_calls;
  int cancel_after;
  int64_t last_end;
} EventLog;

static void
on_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  EventLog *log = user_data;

  g_assert_cmpint (n_events, ==, log->plan->n_ops);
  for (int i = 0; i < n_events; i++)
    {
      g_assert_cmpint (events[i].op, ==, i);
      g_assert_cmpint (events[i].inference, ==, log->n_calls);
      g_assert_cmpint (events[i].clock, ==, BS_CLOCK_HOST);
      g_assert_cmpint (events[i].t_start_ns, <=, events[i].t_end_ns);
      g_assert_cmpint (events[i].t_start_ns, >=, log->last_end);
      log->last_end = events[i].t_end_ns;
    }
  if (++log->n_calls == log->cancel_after)
    bs_backend_cancel (log->backend);
}

static void
test_events_and_cancel (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = open_backend (BS_CPU_ISA_SCALAR, 2);
  g_autoptr (GError) error = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *logits = NULL;
  EventLog log = { 0 };

  g_rand_set_seed (accel_test_rng, 7);
  m = accel_test_model_blend ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  images = accel_test_random_images (m, 4);
  logits = g_new (int32_t, 4 * accel_test_n_elements (bs_model_output_shape (m)));
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_assert_true (bs_backend_get_plan (backend) == plan);

  log = (EventLog) { plan, backend, 0, -1, 0 };
  g_assert_true (bs_backend_run (backend, images, 4, logits, on_events, &log, &error));
  g_assert_cmpint (log.n_calls, ==, 4);

  /* Cancelled from the callback after the second inference. */
  log = (EventLog) { plan, backend, 0, 2, 0 };
  bs_backend_prepare (backend, plan, &error);
  g_assert_false (bs_backend_run (backend, images, 4, logits, on_events, &log, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (log.n_calls, ==, 2);

  /* Sticky until reset. */
  g_assert_true (bs_backend_is_cancelled (backend));
  g_assert_false (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  bs_backend_reset_cancel (backend);
  g_assert_true (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_no_error (error);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (50 * 1000);
  bs_backend_cancel (data);
  return NULL;
}

static void
test_layer_loop (void)
{
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = open_backend (BS_CPU_ISA_SCALAR, 2);
  g_autoptr (GError) error = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *before = NULL, *after = NULL;
  size_t out_size;
  uint64_t iterations = 0;
  int64_t t0;
  GThread *canceller;

  g_rand_set_seed (accel_test_rng, 11);
  m = accel_test_model_bnn ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  out_size = accel_test_n_elements (bs_model_output_shape (m));
  images = accel_test_random_images (m, 1);
  before = g_new (int32_t, out_size);
  after = g_new (int32_t, out_size);
  g_assert_true (bs_backend_prepare (backend, plan, &error));

  g_assert_false (bs_backend_layer_loop (backend, 0, 1000, &iterations, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);

  g_assert_true (bs_backend_run (backend, images, 1, before, NULL, NULL, &error));
  for (int op = 0; op < plan->n_ops; op++)
    {
      g_assert_true (bs_backend_layer_loop (backend, op, 200 * 1000, &iterations, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (iterations, >=, 1);
    }
  /* Looping leaves the backend able to run, with the same answer. */
  g_assert_true (bs_backend_run (backend, images, 1, after, NULL, NULL, &error));
  g_assert_cmpmem (before, out_size * 4, after, out_size * 4);

  /* Cancelled from another thread while looping for what would be 20 s. */
  canceller = g_thread_new ("cancel", cancel_later, backend);
  t0 = bs_clock_now_ns ();
  g_assert_false (bs_backend_layer_loop (backend, plan->n_ops / 2, G_GINT64_CONSTANT (20000000000),
                                         &iterations, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (bs_clock_now_ns () - t0, <, G_GINT64_CONSTANT (10000000000));
  g_thread_join (canceller);
}

/* Scalar is always usable and complete; the others are listed with the reason they
 * are not (so the log shows which variants this run covered). */
static void
test_kernel_table (void)
{
  g_autofree char *reason = NULL;
  const BsCpuKernels *scalar = bs_cpu_kernels_get (BS_CPU_ISA_SCALAR, &reason);
  BsCpuIsa isa;

  g_assert_nonnull (scalar);
  g_assert_nonnull (scalar->bconv);
  for (int k = 0; k < BS_PLAN_OP_N_KINDS; k++)
    if (k != BS_PLAN_OP_BCONV && k != BS_PLAN_OP_QCONV)
      g_assert_nonnull (scalar->ops[k]);
  g_assert_true (bs_cpu_isa_from_string ("avx512", &isa));
  g_assert_cmpint (isa, ==, BS_CPU_ISA_AVX512);
  g_assert_false (bs_cpu_isa_from_string ("mmx", &isa));
  g_assert_nonnull (bs_cpu_kernels_get (bs_cpu_isa_best (), NULL));
  for (int i = 0; i < BS_CPU_N_ISAS; i++)
    {
      g_autofree char *why = NULL;
      const BsCpuKernels *k = bs_cpu_kernels_get (i, &why);

      g_test_message ("isa %s: %s", bs_cpu_isa_to_string (i), k ? "usable" : why);
    }
}

/* The pool: every task of every job runs exactly once, whatever the timing (short
 * jobs make workers arrive late, find nothing, or sleep between jobs). */
typedef struct
{
  gint *counts;
  int round;
} PoolJob;

static void
pool_task (gpointer data, int task)
{
  PoolJob *job = data;

  if ((job->round + task) % 97 == 0)
    g_usleep (50);
  g_atomic_int_inc (&job->counts[task]);
}

static void
test_pool (void)
{
  for (int threads = 1; threads <= 4; threads++)
    {
      BsCpuPool *pool = bs_cpu_pool_new (threads);
      gint counts[8];

      g_assert_cmpint (bs_cpu_pool_get_n_threads (pool), ==, threads);
      for (int round = 0; round < 3000; round++)
        {
          PoolJob job = { counts, round };
          int n = round % 8 + 1;

          memset (counts, 0, sizeof counts);
          bs_cpu_pool_run (pool, pool_task, &job, n);
          for (int t = 0; t < 8; t++)
            g_assert_cmpint (counts[t], ==, t < n ? 1 : 0);
          if (round % 500 == 0)
            g_usleep (20 * 1000);   /* let the workers fall asleep */
        }
      bs_cpu_pool_free (pool);
    }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  accel_test_rng = g_rand_new ();
  /* First: it sets BS_CPU_ISA, which is only safe before any thread exists. */
  g_test_add_func ("/backend/open", test_open);
  g_test_add_func ("/cpu/kernels", test_kernel_table);
  g_test_add_func ("/cpu/pool", test_pool);
  g_test_add_data_func ("/cpu/random/blend", accel_test_model_blend, test_random);
  g_test_add_data_func ("/cpu/random/bnn", accel_test_model_bnn, test_random);
  g_test_add_data_func ("/cpu/random/mixer", accel_test_model_mixer, test_random);
  g_test_add_data_func ("/cpu/random/edges", accel_test_model_edges, test_random);
  g_test_add_data_func ("/cpu/random/narrow", accel_test_model_narrow, test_random);
  g_test_add_func ("/cpu/bundled", test_bundled);
  g_test_add_func ("/backend/events-cancel", test_events_and_cancel);
  g_test_add_func ("/backend/layer-loop", test_layer_loop);
  ret = g_test_run ();
  g_rand_free (accel_test_rng);
  return ret;
}
