/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-xrt-backend.c: the XRT backend's whole host path on XRT's noop device.
 *
 * The noop device allocates buffers, takes launches and completes them (after
 * Runtime.noop_completion_delay_us, 2 ms here) but executes nothing. A launch hook
 * plays the kernel's part: it gets, by argument index, the buffers and scalars the
 * backend set, checks the descriptor table and weight image against the model file,
 * and runs the csim kernel on that memory. The logits read back must then equal the
 * reference interpreter's, which holds only if the tables, the argument order, the
 * layer ranges and the buffer syncs are all right. Timing records are checked against
 * the noop delay (host clock) and the kernel's counters (device/modelled clock).
 * Failures: bad options, missing, corrupt, truncated and foreign xclbins, a kernel
 * that refuses its table, run timeouts; in subprocesses, no device at all, broken
 * environments, and XRT's native trace with per-layer ranges.
 */
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xclbin.h>

#include "accel-test-models.h"
#include "bs-backend.h"
#include "kernel/bs-cycle-model.h"
#include "kernel/bs-kernel.h"
#include "xclbin-writer.h"
#include "xrt/bs-xrt-backend.h"

#ifdef __SANITIZE_ADDRESS__
/* XRT 2.13 calls aligned_alloc (4096, n) with n not a multiple of 4096 (for buffer
 * objects), which C11 leaves undefined and AddressSanitizer aborts on. Under ASan
 * this executable's definition takes precedence and routes such calls through
 * posix_memalign, which has no such rule and which ASan still tracks. */
void *
aligned_alloc (size_t alignment, size_t size)
{
  void *p = NULL;

  return posix_memalign (&p, MAX (alignment, sizeof (void *)), size) == 0 ? p : NULL;
}
#endif

#define NOOP_DELAY_US 2000
#define XCLBIN_CLOCK_MHZ 250

static char *tmp_dir;
static char *good_xclbin;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static gboolean
have_xrt (void)
{
  g_autofree char *reason = NULL;

  if (bs_xrt_backend_class.available (&reason))
    return TRUE;
  g_test_skip (reason);
  return FALSE;
}

static BsBackend *
open_xrt (const char *options)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s%s%s", good_xclbin, *options ? "," : "", options);
  BsBackend *backend = bs_backend_open (spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  return backend;
}

static void
expect_open_error (const char *spec, int code, const char *words)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (bs_backend_open (spec, &error));
  g_assert_error (error, G_IO_ERROR, code);
  if (words != NULL && strstr (error->message, words) == NULL)
    g_error ("opening %s: '%s' does not say '%s'", spec, error->message, words);
  g_test_message ("%s: %s", spec, error->message);
}

/* For environments XRT reads once per process. */
static void
run_in_subprocess (const char *expect_stderr)
{
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  if (expect_stderr != NULL)
    g_test_trap_assert_stderr (expect_stderr);
}

/* The emulated device */

typedef struct
{
  const BsPlan *plan;
  BsAccelImage *expected;     /* what the tables must hold */
  gboolean per_layer;
  gboolean counter;           /* claim hardware counters in the profile */
  gboolean corrupt_table;     /* let the device see a broken descriptor table */
  gboolean execute;           /* run the kernel (else only check) */
  int n_launches;
  int n_checked_tables;
  uint32_t next_first;        /* the layer the next launch must start at */
} Device;

static void
check_tables (Device *dev, const BsXrtLaunch *launch)
{
  const BsXrtArg *a = launch->args;
  const BsAccelImage *want = dev->expected;

  g_assert_cmpuint (a[BS_KERNEL_ARG_DESC].size, ==, want->desc_bytes);
  g_assert_cmpuint (a[BS_KERNEL_ARG_WEIGHTS].size, ==, want->weight_bytes);
  g_assert_cmpuint (a[BS_KERNEL_ARG_ARENA].size, ==, want->arena_bytes);
  g_assert_cmpuint (a[BS_KERNEL_ARG_PROFILE].size, ==, want->profile_bytes);
  /* Byte for byte what csim runs, and right against the model file. */
  g_assert_cmpmem (a[BS_KERNEL_ARG_DESC].host, want->desc_bytes, want->desc, want->desc_bytes);
  g_assert_cmpmem (a[BS_KERNEL_ARG_WEIGHTS].host, want->weight_bytes, want->weights, want->weight_bytes);
  accel_test_check_image (dev->plan, a[BS_KERNEL_ARG_DESC].host, a[BS_KERNEL_ARG_DESC].size,
                          a[BS_KERNEL_ARG_WEIGHTS].host, a[BS_KERNEL_ARG_WEIGHTS].size);
  dev->n_checked_tables++;
}

static void
emulate (const BsXrtLaunch *launch, gpointer user_data)
{
  Device *dev = user_data;
  const BsXrtArg *a = launch->args;
  uint32_t n = (uint32_t) dev->plan->n_ops;

  g_assert_cmpint (launch->index, ==, dev->n_launches);
  for (int i = 0; i < BS_KERNEL_N_ARGS; i++)
    g_assert_cmpint (a[i].is_buffer, ==, i < BS_KERNEL_N_BUFFER_ARGS);
  /* Per layer: layer after layer; per inference: all of them at once. */
  g_assert_cmpuint (a[BS_KERNEL_ARG_FIRST].value, ==, dev->next_first);
  g_assert_cmpuint (a[BS_KERNEL_ARG_COUNT].value, ==, dev->per_layer ? 1 : n);
  dev->next_first = dev->per_layer ? (dev->next_first + 1) % n : 0;
  if (launch->index == 0)
    check_tables (dev, launch);
  /* The host clears the profile before each launch. */
  g_assert_cmphex (((const uint64_t *) a[BS_KERNEL_ARG_PROFILE].host)[BS_PROFILE_H_MAGIC], ==, 0);
  dev->n_launches++;
  if (!dev->execute)
    return;
  if (dev->corrupt_table)
    ((uint32_t *) a[BS_KERNEL_ARG_DESC].host)[BS_DESC_H_PE] = BS_KERNEL_PE + 1;
  bs_blend (a[BS_KERNEL_ARG_DESC].host, a[BS_KERNEL_ARG_WEIGHTS].host, a[BS_KERNEL_ARG_ARENA].host,
            a[BS_KERNEL_ARG_PROFILE].host, a[BS_KERNEL_ARG_FIRST].value, a[BS_KERNEL_ARG_COUNT].value);
  if (dev->counter)
    ((uint64_t *) a[BS_KERNEL_ARG_PROFILE].host)[BS_PROFILE_H_FLAGS] |= BS_PROFILE_FLAG_COUNTER;
}

typedef struct
{
  const BsPlan *plan;
  const BsAccelImage *image;
  BsClockSource clock;
  uint32_t clock_khz;
  int n_calls;
  int64_t last_end;
} Timing;

/* Host timing: every launch lasted at least the noop delay, one after the other.
 * Counters: the kernel's cycles at the kernel clock, end to end. */
static void
on_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  Timing *t = user_data;

  g_assert_cmpint (n_events, ==, t->plan->n_ops);
  for (int i = 0; i < n_events; i++)
    {
      int64_t d = events[i].t_end_ns - events[i].t_start_ns;

      g_assert_cmpint (events[i].op, ==, i);
      g_assert_cmpint (events[i].inference, ==, t->n_calls);
      g_assert_cmpint (events[i].clock, ==, t->clock);
      g_assert_cmpint (events[i].t_start_ns, >=, t->last_end);
      if (t->clock == BS_CLOCK_HOST)
        g_assert_cmpint (d, >=, NOOP_DELAY_US * 1000);
      else
        {
          BsKernelParams params = bs_kernel_params_default ();
          uint64_t cycles = bs_cycle_model_layer (bs_accel_image_layer (t->image, i), &params);
          g_assert_cmpint (ABS (d - (int64_t) bs_cycles_to_ns (cycles, t->clock_khz)), <=, 1);
          if (i > 0)
            g_assert_cmpint (events[i].t_start_ns, ==, events[i - 1].t_end_ns);
        }
      t->last_end = events[i].t_end_ns;
    }
  t->n_calls++;
}

typedef struct
{
  const char *options;
  gboolean per_layer;
  gboolean counter;
  BsClockSource clock;
  uint32_t clock_khz;
} Mode;

/* One model through the whole host path in one mode: logits bit-identical to the
 * interpreter's, the tables checked, one launch per layer or per inference, timing
 * records as the mode says. */
static void
check_model (const BsModel *m, const Mode *mode, int n_images)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = bs_plan_compile (m, &error);
  g_autoptr (BsInterp) interp = bs_interp_new (m);
  g_autoptr (BsBackend) backend = open_xrt (mode->options);
  g_autofree uint8_t *images = accel_test_random_images (m, n_images);
  gsize in_size = accel_test_n_elements (m->input_shape);
  gsize out_size = accel_test_n_elements (bs_model_output_shape (m));
  g_autofree int32_t *want = g_new (int32_t, out_size * n_images);
  g_autofree int32_t *got = g_new0 (int32_t, out_size * n_images);
  Device dev = { 0 };
  Timing timing = { 0 };

  g_assert_no_error (error);
  dev = (Device) { plan, bs_accel_image_build (plan, &error), mode->per_layer, mode->counter, FALSE, TRUE };
  g_assert_no_error (error);
  timing = (Timing) { plan, dev.expected, mode->clock, mode->clock_khz, 0, 0 };
  for (int i = 0; i < n_images; i++)
    bs_interp_run (interp, images + i * in_size, want + i * out_size, NULL);

  bs_xrt_backend_set_launch_hook (backend, emulate, &dev);
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_assert_no_error (error);
  g_assert_true (bs_backend_run (backend, images, n_images, got, on_events, &timing, &error));
  g_assert_no_error (error);
  accel_test_compare ("logits through XRT", plan, plan->n_ops - 1, got, want,
                      (BsShape) { (int32_t) (out_size * n_images), 1, 1 });
  g_assert_cmpint (timing.n_calls, ==, n_images);
  g_assert_cmpint (dev.n_launches, ==, n_images * (mode->per_layer ? plan->n_ops : 1));
  g_assert_cmpint (dev.n_checked_tables, ==, 1);
  if (!mode->per_layer)
    g_assert_cmpuint (bs_xrt_backend_get_clock_khz (backend), ==, mode->clock_khz);
  bs_accel_image_free (dev.expected);
}

static const Mode modes[] = {
  { "launch=layer", TRUE, FALSE, BS_CLOCK_HOST, 0 },
  /* The csim kernel's counters are its modelled tally, and it says so. */
  { "launch=inference", FALSE, FALSE, BS_CLOCK_MODELLED, XCLBIN_CLOCK_MHZ * 1000 },
  /* A kernel with a hardware counter: device time, at the clock given. */
  { "launch=inference,clock=312.5", FALSE, TRUE, BS_CLOCK_DEVICE, 312500 },
};

static void
test_random_models (void)
{
  if (!have_xrt ())
    return;
  for (gsize k = 0; k < G_N_ELEMENTS (modes); k++)
    for (int seed = 0; seed < 3; seed++)
      {
        g_autoptr (BsModel) blend = NULL, bnn = NULL, wide = NULL;

        g_rand_set_seed (accel_test_rng, 3000 + seed);
        blend = accel_test_model_blend ();
        bnn = accel_test_model_bnn ();
        wide = accel_test_model_wide ();
        check_model (blend, &modes[k], 2);
        check_model (bnn, &modes[k], 1);
        check_model (wide, &modes[k], 1);
      }
}

static void
test_bundled (void)
{
  g_autoptr (GPtrArray) paths = accel_test_bundled_models ();

  if (!have_xrt ())
    return;
  if (paths->len == 0)
    {
      g_test_skip ("no bundled models in data/models");
      return;
    }
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (BsModel) m = bs_model_load (paths->pdata[i], &error);

      g_assert_no_error (error);
      g_rand_set_seed (accel_test_rng, 31);
      check_model (m, &modes[0], 1);
      check_model (m, &modes[1], 2);
    }
}

/* Without a kernel (plain noop): launches and host timing work, the logits are what
 * the arena held (zeros); inference mode cannot time layers and says so. */
static void
test_noop_without_kernel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *logits = NULL;
  gsize out_size;

  if (!have_xrt ())
    return;
  g_rand_set_seed (accel_test_rng, 5);
  m = accel_test_model_blend ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  images = accel_test_random_images (m, 2);
  out_size = accel_test_n_elements (bs_model_output_shape (m));
  logits = g_new (int32_t, 2 * out_size);
  {
    g_autoptr (BsBackend) backend = open_xrt ("");
    Device dev = { plan, bs_accel_image_build (plan, NULL), TRUE, FALSE, FALSE, FALSE };
    Timing timing = { plan, dev.expected, BS_CLOCK_HOST, 0, 0, 0 };

    bs_xrt_backend_set_launch_hook (backend, emulate, &dev);
    g_assert_true (bs_backend_prepare (backend, plan, &error));
    memset (logits, 0x55, 2 * out_size * sizeof (int32_t));
    g_assert_true (bs_backend_run (backend, images, 2, logits, on_events, &timing, &error));
    g_assert_no_error (error);
    for (gsize i = 0; i < 2 * out_size; i++)
      g_assert_cmpint (logits[i], ==, 0);
    g_assert_cmpint (dev.n_launches, ==, 2 * plan->n_ops);
    bs_accel_image_free (dev.expected);
  }
  {
    g_autoptr (BsBackend) backend = open_xrt ("launch=inference");
    Timing timing = { plan, NULL, BS_CLOCK_DEVICE, 0, 0, 0 };

    g_assert_true (bs_backend_prepare (backend, plan, &error));
    g_assert_true (bs_backend_run (backend, images, 2, logits, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (bs_backend_run (backend, images, 1, logits, on_events, &timing, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_assert_cmpint (timing.n_calls, ==, 0);
  }
}

/* The kernel checks the table it is given; its refusal becomes an error naming the
 * cause, and the backend keeps working. */
static void
test_kernel_refuses (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *logits = NULL;
  Device dev = { 0 };

  if (!have_xrt ())
    return;
  g_rand_set_seed (accel_test_rng, 8);
  m = accel_test_model_bnn ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  images = accel_test_random_images (m, 1);
  logits = g_new (int32_t, accel_test_n_elements (bs_model_output_shape (m)));
  backend = open_xrt ("launch=inference");
  dev = (Device) { plan, bs_accel_image_build (plan, NULL), FALSE, FALSE, TRUE, TRUE };
  bs_xrt_backend_set_launch_hook (backend, emulate, &dev);
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_assert_false (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "tiled for other PE"));
  g_clear_error (&error);
  /* Prepare uploads the tables again. */
  dev.corrupt_table = FALSE;
  dev.n_launches = 0;
  dev.n_checked_tables = 0;
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_assert_true (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_no_error (error);
  bs_accel_image_free (dev.expected);
}

/* Launches that outlast timeout= fail with G_IO_ERROR_TIMED_OUT, the backend refuses
 * to reuse buffers the device may still write, and closes cleanly once the launch is
 * done. In a process of its own, with a noop delay (300 ms) far above the timeout
 * (30 ms): on two cores the noop device's spinning threads can hold this one off
 * for milliseconds. */
#define SLOW_DELAY_MS 300
#define SHORT_TIMEOUT_MS 30

static void
test_timeout (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *logits = NULL;
  g_autofree char *ini = tmp_path ("slow.ini");
  g_autofree char *ini_text = g_strdup_printf ("[Runtime]\nnoop_completion_delay_us=%d\n", SLOW_DELAY_MS * 1000);
  g_autofree char *options = g_strdup_printf ("timeout=%d", SHORT_TIMEOUT_MS);
  g_autoptr (BsBackend) backend = NULL;
  int64_t t0;

  if (g_test_subprocess ())
    {
      /* Before XRT is loaded (have_xrt loads it). */
      g_assert_true (g_file_set_contents (ini, ini_text, -1, NULL));
      g_setenv ("XRT_INI_PATH", ini, TRUE);
    }
  if (!have_xrt ())
    return;
  if (!g_test_subprocess ())
    {
      run_in_subprocess ("*did not finish layers 0..0 (*) within 30 ms*still running*did not finish*");
      return;
    }
  g_rand_set_seed (accel_test_rng, 6);
  m = accel_test_model_blend ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  images = accel_test_random_images (m, 1);
  logits = g_new (int32_t, accel_test_n_elements (bs_model_output_shape (m)));
  backend = open_xrt (options);

  g_assert_true (bs_backend_prepare (backend, plan, &error));
  t0 = bs_clock_now_ns ();
  g_assert_false (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, bs_plan_op_name (plan, 0)));
  g_assert_cmpint (bs_clock_now_ns () - t0, <, SLOW_DELAY_MS * G_GINT64_CONSTANT (1000000));
  g_printerr ("%s\n", error->message);
  g_clear_error (&error);
  /* Still running: its buffers are not reused. */
  g_assert_false (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_printerr ("%s\n", error->message);
  g_clear_error (&error);
  /* Once it completed, the next launch is tried (and times out in turn). */
  g_usleep (2 * SLOW_DELAY_MS * 1000);
  g_assert_false (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_printerr ("%s\n", error->message);
  g_clear_error (&error);
  g_assert_false (bs_backend_prepare (backend, plan, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  /* Closing (g_autoptr) waits for the launch in flight. */
}

/* layer_loop: one launch replaying the layers before the looped one, then the looped
 * layer again and again, each at least the noop delay long. */
typedef struct
{
  GArray *ranges;   /* uint32_t pairs: first, count */
} LoopLog;

static void
log_launch (const BsXrtLaunch *launch, gpointer user_data)
{
  LoopLog *log = user_data;
  const BsXrtArg *a = launch->args;

  g_array_append_val (log->ranges, a[BS_KERNEL_ARG_FIRST].value);
  g_array_append_val (log->ranges, a[BS_KERNEL_ARG_COUNT].value);
  bs_blend (a[BS_KERNEL_ARG_DESC].host, a[BS_KERNEL_ARG_WEIGHTS].host, a[BS_KERNEL_ARG_ARENA].host,
            a[BS_KERNEL_ARG_PROFILE].host, a[BS_KERNEL_ARG_FIRST].value, a[BS_KERNEL_ARG_COUNT].value);
}

static void
test_layer_loop (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (BsBackend) backend = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *before = NULL, *after = NULL;
  gsize out_size;
  uint64_t iterations = 0;
  LoopLog log = { g_array_new (FALSE, FALSE, sizeof (uint32_t)) };
  uint32_t op;

  if (!have_xrt ())
    return;
  g_rand_set_seed (accel_test_rng, 12);
  m = accel_test_model_bnn ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  op = (uint32_t) plan->n_ops - 2;
  images = accel_test_random_images (m, 1);
  out_size = accel_test_n_elements (bs_model_output_shape (m));
  before = g_new (int32_t, out_size);
  after = g_new (int32_t, out_size);
  backend = open_xrt ("");
  bs_xrt_backend_set_launch_hook (backend, log_launch, &log);
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_assert_false (bs_backend_layer_loop (backend, 0, 1000, &iterations, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_true (bs_backend_run (backend, images, 1, before, NULL, NULL, &error));
  g_assert_cmpuint (log.ranges->len, ==, 2 * plan->n_ops);

  g_array_set_size (log.ranges, 0);
  g_assert_true (bs_backend_layer_loop (backend, (int) op, 10 * NOOP_DELAY_US * 1000, &iterations, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (iterations, >=, 1);
  g_assert_cmpuint (iterations, <=, 11);
  g_assert_cmpuint (log.ranges->len, ==, 2 * (1 + iterations));
  g_assert_cmpuint (g_array_index (log.ranges, uint32_t, 0), ==, 0);
  g_assert_cmpuint (g_array_index (log.ranges, uint32_t, 1), ==, op);
  for (guint i = 2; i < log.ranges->len; i += 2)
    {
      g_assert_cmpuint (g_array_index (log.ranges, uint32_t, i), ==, op);
      g_assert_cmpuint (g_array_index (log.ranges, uint32_t, i + 1), ==, 1);
    }
  /* The backend still runs, with the same answer. */
  g_assert_true (bs_backend_run (backend, images, 1, after, NULL, NULL, &error));
  g_assert_cmpmem (before, out_size * 4, after, out_size * 4);
  g_array_unref (log.ranges);
}

/* Opening */

static void
test_options (void)
{
  static const char *const bad[] = {
    "device=abc", "device=-1", "device=99999", "launch=sometimes", "timeout=0", "timeout=1x",
    "clock=0", "trace=maybe", "ranges=2", "kernel=", "colour=red",
  };

  if (!have_xrt ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s,%s", good_xclbin, bad[i]);

      expect_open_error (spec, G_IO_ERROR_INVALID_ARGUMENT, NULL);
    }
  g_unsetenv ("BS_XRT_XCLBIN");
  expect_open_error ("xrt", G_IO_ERROR_INVALID_ARGUMENT, "xclbin=PATH");
  {
    g_autoptr (BsBackend) backend = open_xrt ("device=0,kernel=bs_blend,launch=inference,timeout=500,clock=100,ranges=0");

    g_assert_cmpuint (bs_xrt_backend_get_clock_khz (backend), ==, 100000);
  }
  {
    g_autoptr (BsBackend) backend = open_xrt ("");

    g_assert_cmpuint (bs_xrt_backend_get_clock_khz (backend), ==, XCLBIN_CLOCK_MHZ * 1000);
  }
  /* XRT has read its settings by now. */
  {
    g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s,trace=1", good_xclbin);

    expect_open_error (spec, G_IO_ERROR_NOT_SUPPORTED, "first XRT backend");
  }
}

static char *
write_variant (const char *name, const XclbinSpec *spec)
{
  g_autoptr (GError) error = NULL;
  char *path = tmp_path (name);

  g_assert_true (xclbin_write (path, spec, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_bad_xclbins (void)
{
  static const XclbinArg swapped[BS_KERNEL_N_ARGS] = {
    { "desc", TRUE }, { "weights", TRUE }, { "arena", TRUE }, { "first", FALSE },
    { "profile", TRUE }, { "count", FALSE },
  };
  XclbinSpec other = xclbin_spec_default (300), args = xclbin_spec_default (300);
  XclbinSpec five = xclbin_spec_default (300), no_ip = xclbin_spec_default (300);
  XclbinSpec unconnected = xclbin_spec_default (300);
  g_autofree char *other_path = NULL, *args_path = NULL, *five_path = NULL, *no_ip_path = NULL;
  g_autofree char *unconnected_path = NULL, *junk_path = tmp_path ("junk.xclbin");
  g_autofree char *short_path = tmp_path ("truncated.xclbin"), *padded_path = tmp_path ("padded.xclbin");
  g_autofree char *bad_xml_path = tmp_path ("bad-xml.xclbin"), *bad_section_path = tmp_path ("bad-section.xclbin");
  g_autofree char *contents = NULL;
  gsize length;
  uint8_t junk[3000];

  if (!have_xrt ())
    return;
  other.kernel = "krnl_other";
  args.args = swapped;
  five.n_args = 5;
  no_ip.no_ip_layout = TRUE;
  unconnected.unconnected_arg = BS_KERNEL_ARG_ARENA;
  other_path = write_variant ("other.xclbin", &other);
  args_path = write_variant ("args.xclbin", &args);
  five_path = write_variant ("five.xclbin", &five);
  no_ip_path = write_variant ("no-ip.xclbin", &no_ip);
  unconnected_path = write_variant ("unconnected.xclbin", &unconnected);
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (uint8_t) g_rand_int (accel_test_rng);
  g_assert_true (g_file_set_contents (junk_path, (const char *) junk, sizeof junk, NULL));
  g_assert_true (g_file_get_contents (good_xclbin, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (short_path, contents, (gssize) length - 100, NULL));
  {
    g_autofree char *longer = g_malloc0 (length + 8);

    memcpy (longer, contents, length);
    g_assert_true (g_file_set_contents (padded_path, longer, (gssize) length + 8, NULL));
  }
  {
    /* Break the XML in place, and point a section past the end. */
    char *xml = memmem (contents, length, "<project", 8);
    uint64_t beyond = length + 64;

    g_assert_nonnull (xml);
    xml[1] = '!';
    g_assert_true (g_file_set_contents (bad_xml_path, contents, (gssize) length, NULL));
    xml[1] = 'p';
    memcpy (contents + offsetof (struct axlf, m_sections) + offsetof (struct axlf_section_header, m_sectionOffset),
            &beyond, sizeof beyond);
    g_assert_true (g_file_set_contents (bad_section_path, contents, (gssize) length, NULL));
  }

  {
    struct { const char *path; const char *extra; int code; const char *words; } cases[] = {
      { "/nonexistent/bs.xclbin", "", G_IO_ERROR_NOT_FOUND, "No such file" },
      { junk_path, "", G_IO_ERROR_INVALID_DATA, "not an xclbin" },
      { short_path, "", G_IO_ERROR_INVALID_DATA, "truncated" },
      { padded_path, "", G_IO_ERROR_INVALID_DATA, "truncated or padded" },
      { bad_xml_path, "", G_IO_ERROR_INVALID_DATA, "not valid XML" },
      { bad_section_path, "", G_IO_ERROR_INVALID_DATA, "outside the file" },
      { other_path, "", G_IO_ERROR_NOT_FOUND, "no kernel 'bs_blend' (it has: krnl_other)" },
      { good_xclbin, ",kernel=nosuch", G_IO_ERROR_NOT_FOUND, "no kernel 'nosuch'" },
      { args_path, "", G_IO_ERROR_NOT_SUPPORTED, "3:first, 4:profile*" },
      { five_path, "", G_IO_ERROR_NOT_SUPPORTED, "accelerator contract" },
      { no_ip_path, "", G_IO_ERROR_INVALID_DATA, "lacks metadata, IP layout" },
      /* Passes our checks; XRT itself finds the arena connected to no bank. */
      { unconnected_path, "", G_IO_ERROR_NOT_SUPPORTED, "argument 2" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s%s", cases[i].path, cases[i].extra);

        expect_open_error (spec, cases[i].code, cases[i].words);
      }
  }
  /* The foreign kernel name is fine when asked for. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s,kernel=krnl_other", other_path);
    g_autoptr (BsBackend) backend = bs_backend_open (spec, &error);

    g_assert_no_error (error);
    g_assert_nonnull (backend);
  }
}

static void
test_devices (void)
{
  g_autofree char *reason = NULL;
  g_autoptr (GPtrArray) devices = NULL;

  if (!have_xrt ())
    return;
  devices = bs_xrt_list_devices (&reason);
  g_assert_nonnull (devices);
  g_assert_null (reason);
  g_assert_cmpuint (devices->len, ==, 1);
  g_assert_nonnull (strstr (devices->pdata[0], "no-op"));
  /* Any index opens on noop. */
  {
    g_autoptr (BsBackend) backend = open_xrt ("device=3");

    g_assert_true (bs_backend_get_class (backend) == &bs_xrt_backend_class);
  }
}

/* Environments a user may have, each in a process of its own (XRT reads its
 * environment once). */

/* No card, no emulation: what a machine with Debian's XRT and no driver sees. */
static void
test_no_device (void)
{
  g_autofree char *reason = NULL;
  g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s", good_xclbin);
  g_autoptr (GError) error = NULL;

  if (!g_test_subprocess ())
    {
      if (have_xrt ())
        run_in_subprocess ("*no PCIe driver*backend xrt is not available*");
      return;
    }
  g_unsetenv ("XCL_EMULATION_MODE");
  g_unsetenv ("XILINX_XRT");
  g_assert_null (bs_xrt_list_devices (&reason));
  g_assert_nonnull (strstr (reason, "no PCIe driver"));
  g_assert_null (bs_backend_open (spec, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "no XRT device"));
  g_printerr ("%s\n%s\n", reason, error->message);
}

/* XRT aborts the process on an empty XCL_EMULATION_MODE, and on XILINX_XRT=/usr. */
static void
test_broken_environment (void)
{
  g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s", good_xclbin);
  g_autoptr (GError) error = NULL;

  if (!g_test_subprocess ())
    {
      if (have_xrt ())
        run_in_subprocess ("*no XRT device*");
      return;
    }
  g_setenv ("XCL_EMULATION_MODE", "", TRUE);
  g_setenv ("XILINX_XRT", "/usr", TRUE);
  g_assert_null (bs_backend_open (spec, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (g_getenv ("XILINX_XRT"), !=, "/usr");
  g_printerr ("%s\n", error->message);
}

/* Software emulation needs AMD's tools: refused before XRT can exit the process. */
static void
test_sw_emu (void)
{
  g_autofree char *reason = NULL;
  g_autofree char *spec = g_strdup_printf ("xrt:xclbin=%s", good_xclbin);
  g_autoptr (GError) error = NULL;

  if (!g_test_subprocess ())
    {
      if (have_xrt ())
        run_in_subprocess ("*Vitis*");
      return;
    }
  g_setenv ("XCL_EMULATION_MODE", "sw_emu", TRUE);
  g_unsetenv ("XILINX_VITIS");
  g_assert_false (bs_xrt_backend_class.available (&reason));
  g_assert_nonnull (strstr (reason, "Vitis"));
  g_assert_null (bs_backend_open (spec, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_printerr ("%s\n", error->message);
}

/* XRT's native trace with a user range per layer, written at exit to the working
 * directory. The backend is left open on purpose: the exit handler must release it
 * before XRT's own destructors run. */
static void
trace_child (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;
  g_autofree uint8_t *images = NULL;
  g_autofree int32_t *logits = NULL;
  BsBackend *backend;

  g_assert_cmpint (g_chdir (dir), ==, 0);
  g_rand_set_seed (accel_test_rng, 4);
  m = accel_test_model_bnn ();
  plan = bs_plan_compile (m, &error);
  g_assert_no_error (error);
  images = accel_test_random_images (m, 1);
  logits = g_new (int32_t, accel_test_n_elements (bs_model_output_shape (m)));
  backend = open_xrt ("trace=1,ranges=1");
  g_assert_true (bs_backend_prepare (backend, plan, &error));
  g_assert_true (bs_backend_run (backend, images, 1, logits, NULL, NULL, &error));
  g_assert_no_error (error);
  /* The plan outlives the process's end, as the backend needs. */
  g_steal_pointer (&plan);
  g_steal_pointer (&m);
}

static void
test_trace (void)
{
  g_autofree char *dir = tmp_path ("trace");
  g_autofree char *events = g_build_filename (dir, "user_events.csv", NULL);
  g_autofree char *trace = g_build_filename (dir, "native_trace.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr (BsModel) m = NULL;
  g_autoptr (BsPlan) plan = NULL;

  if (!have_xrt ())
    return;
  if (g_test_subprocess ())
    {
      trace_child (dir);
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  run_in_subprocess (NULL);
  g_assert_true (g_file_test (trace, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (events, &text, NULL, NULL));
  /* Every layer's range is there by name. */
  g_rand_set_seed (accel_test_rng, 4);
  m = accel_test_model_bnn ();
  plan = bs_plan_compile (m, NULL);
  for (int i = 0; i < plan->n_ops; i++)
    if (strstr (text, bs_plan_op_name (plan, i)) == NULL)
      g_error ("no user range for %s in %s", bs_plan_op_name (plan, i), events);
}

/* Setup */

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* Before any XRT call: the noop device with a completion delay, and the xclbin.
 * Subprocesses reuse the parent's folder (BS_TEST_XRT_DIR). */
static void
setup (void)
{
  g_autofree char *ini = NULL;
  g_autofree char *ini_text = g_strdup_printf ("[Runtime]\nnoop_completion_delay_us=%d\n", NOOP_DELAY_US);
  XclbinSpec spec = xclbin_spec_default (XCLBIN_CLOCK_MHZ);
  g_autoptr (GError) error = NULL;

  if (g_getenv ("BS_TEST_XRT_DIR") != NULL && g_test_subprocess ())
    tmp_dir = g_strdup (g_getenv ("BS_TEST_XRT_DIR"));
  else
    {
      tmp_dir = g_dir_make_tmp ("bs-xrt-test-XXXXXX", &error);
      g_assert_no_error (error);
      g_setenv ("BS_TEST_XRT_DIR", tmp_dir, TRUE);
    }
  ini = tmp_path ("xrt.ini");
  good_xclbin = tmp_path ("bs_blend.xclbin");
  if (!g_test_subprocess ())
    {
      g_assert_true (g_file_set_contents (ini, ini_text, -1, &error));
      g_assert_true (xclbin_write (good_xclbin, &spec, &error));
    }
  g_setenv ("XRT_INI_PATH", ini, TRUE);
  g_setenv ("XCL_EMULATION_MODE", "noop", TRUE);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  accel_test_rng = g_rand_new_with_seed (1);
  setup ();
  g_test_add_func ("/xrt/devices", test_devices);
  g_test_add_func ("/xrt/options", test_options);
  g_test_add_func ("/xrt/bad-xclbins", test_bad_xclbins);
  g_test_add_func ("/xrt/host-path/random", test_random_models);
  g_test_add_func ("/xrt/host-path/bundled", test_bundled);
  g_test_add_func ("/xrt/noop-without-kernel", test_noop_without_kernel);
  g_test_add_func ("/xrt/kernel-refuses", test_kernel_refuses);
  g_test_add_func ("/xrt/timeout", test_timeout);
  g_test_add_func ("/xrt/layer-loop", test_layer_loop);
  g_test_add_func ("/xrt/env/no-device", test_no_device);
  g_test_add_func ("/xrt/env/broken", test_broken_environment);
  g_test_add_func ("/xrt/env/sw-emu", test_sw_emu);
  g_test_add_func ("/xrt/trace", test_trace);
  ret = g_test_run ();
  g_rand_free (accel_test_rng);
  if (!g_test_subprocess ())
    remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (good_xclbin);
  return ret;
}
