/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-bench.c: `blendscope-cli bench MODEL`: how fast a backend runs a model, one
 * image at a time, measured in one invocation against the reference interpreter and
 * (for the CPU backend) against this machine's own XOR-popcount peak.
 *
 * Not a test: it prints figures and the targets of issue 3 next to them (PASS or
 * MISS), and always exits 0 when it could measure. Times are per image, batch 1,
 * wall clock (CLOCK_MONOTONIC) around each bs_backend_run of one image; per-op times
 * come from the backend's layer events of the same runs.
 */
#include "bs-cli.h"
#include "bs-backend.h"
#include "bs-counts.h"
#include "bs-image.h"
#include "bs-interp.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "cpu/bs-cpu-backend.h"

#include <json-glib/json-glib.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The CPU backend's targets (issue 11): per image, single thread, batch 1, by kernel
 * set; binary layers' share of the popcount peak; images/s of --batch N against
 * batch 1. */
#define TARGET_MS_AVX2 0.30
#define TARGET_MS_AVX512 0.12
#define TARGET_VS_REFERENCE 30.0
#define TARGET_PEAK_FRACTION 0.50
#define TARGET_MIN_CIN 16
#define TARGET_BATCH_GAIN 1.8

typedef struct
{
  char *backend;
  char *isa;
  char *input;
  int threads;
  int runs;
  int reference_runs;
  double seconds;
  int seed;
  int batch;
  gboolean json;
} BenchOptions;

/* Options GOptionContext filled; freed on every return path. */
static void
bench_options_clear (BenchOptions *opts)
{
  g_free (opts->backend);
  g_free (opts->isa);
  g_free (opts->input);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BenchOptions, bench_options_clear)

typedef struct
{
  int n_ops;
  int capacity;
  int n_runs;
  int64_t *op_ns;            /* [run][op] */
  int64_t *total_ns;         /* [run] */
} Samples;

typedef struct
{
  double median, p10, p90;
} Spread;

typedef struct
{
  uint64_t binary_macs, fixed_macs;
  int32_t in_channels;
  Spread us;
  double gmacs;              /* nominal MACs per second of this op, /1e9 */
  double peak_fraction;      /* binary ops: gmacs / popcount peak; else -1 */
} OpFigures;

static int
compare_i64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank quantiles of n values (sorted in place), in units of `scale` ns. */
static Spread
spread_of (int64_t *v, int n, double scale)
{
  Spread s;

  qsort (v, n, sizeof *v, compare_i64);
  s.median = (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0) / scale;
  s.p10 = v[(int) floor (0.1 * (n - 1))] / scale;
  s.p90 = v[(int) ceil (0.9 * (n - 1))] / scale;
  return s;
}

static void
on_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  Samples *s = user_data;

  if (s->n_runs >= s->capacity)
    return;
  for (int i = 0; i < n_events && i < s->n_ops; i++)
    s->op_ns[(gsize) s->n_runs * s->n_ops + i] = events[i].t_end_ns - events[i].t_start_ns;
}

static char *
backend_spec (const BenchOptions *opts)
{
  GString *spec = g_string_new (opts->backend);
  gboolean has_options = strchr (opts->backend, ':') != NULL;

  if (opts->threads > 0)
    {
      g_string_append_printf (spec, "%sthreads=%d", has_options ? "," : ":", opts->threads);
      has_options = TRUE;
    }
  if (opts->isa != NULL)
    g_string_append_printf (spec, "%sisa=%s", has_options ? "," : ":", opts->isa);
  return g_string_free (spec, FALSE);
}

static char *
cpu_model_name (void)
{
  g_autofree char *text = NULL;
  char *line, *end;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL)
      || (line = strstr (text, "model name")) == NULL || (line = strchr (line, ':')) == NULL)
    return g_strdup ("unknown CPU");
  line++;
  end = strchr (line, '\n');
  return g_strstrip (g_strndup (line, end ? (gsize) (end - line) : strlen (line)));
}

/* The popcount micro-kernel's rate in binary MACs per second. The machine is
 * shared: the peak is the best of many ~5 ms samples, taken before, during (between
 * images, about 5 per second) and after the model's runs, so that a disturbed sample
 * does not inflate every layer's fraction. */
typedef struct
{
  BsCpuPeakFunc func;
  uint64_t iterations;       /* for about 5 ms */
  double best;
  int64_t last_ns;
} PeakMeter;

static void
peak_sample (PeakMeter *pm)
{
  int64_t t0 = bs_clock_now_ns ();
  uint64_t bits = pm->func (pm->iterations);
  int64_t dt = bs_clock_now_ns () - t0;

  pm->best = MAX (pm->best, bits / (dt / 1e9));
  pm->last_ns = bs_clock_now_ns ();
}

static void
peak_init (PeakMeter *pm, BsCpuPeakFunc func)
{
  pm->func = func;
  pm->best = 0;
  for (pm->iterations = 16;; pm->iterations *= 4)
    {
      int64_t t0 = bs_clock_now_ns ();
      int64_t dt;

      func (pm->iterations);
      dt = bs_clock_now_ns () - t0;
      if (dt > 1000000)
        {
          pm->iterations = (uint64_t) (pm->iterations * 5e6 / dt) + 1;
          break;
        }
    }
  for (int rep = 0; rep < 20; rep++)
    peak_sample (pm);
}

static void
op_counts (const BsPlan *plan, int op, OpFigures *f)
{
  const BsPlanOp *pop = &plan->ops[op];

  f->binary_macs = f->fixed_macs = 0;
  for (int k = 0; k < pop->n_layers; k++)
    {
      BsCounts c;

      bs_layer_counts (plan->model, pop->layers[k], &c);
      f->binary_macs += c.binary_macs;
      f->fixed_macs += bs_counts_fixed_macs (&c);
    }
  f->in_channels = pop->n_inputs > 0 ? plan->buffers[pop->inputs[0]].shape.c : 0;
}

typedef struct
{
  const char *name;
  const char *target;
  char *measured;
  int pass;                  /* 1, 0, or -1: not measured here */
} Target;

/* JSON numbers have no NaN: an unmeasured figure is null. */
static void
add_double (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_string (JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, v);
}

static void
add_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_spread (JsonBuilder *b, const char *key, Spread sp)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  add_double (b, "median", sp.median);
  add_double (b, "p10", sp.p10);
  add_double (b, "p90", sp.p90);
  json_builder_end_object (b);
}

typedef struct
{
  const BsPlan *plan;
  const char *spec;
  const char *isa;
  int threads;
  char *cpu;
  int n_runs;
  Spread image_ms;
  double reference_ms;
  int reference_runs;
  uint64_t binary_macs, fixed_macs;
  double binary_ms, fixed_ms;  /* sums of the op medians */
  double peak;                 /* binary MACs/s, 0 if not measured */
  const char *peak_isa;
  OpFigures *ops;
  gboolean logits_match;
  int batch;                   /* --batch; 1: throughput not measured */
  double images_per_s_1;       /* batch 1 on one thread */
  double images_per_s_n;       /* batch N, one image per thread */
  Target targets[5];
  int n_targets;
} Report;

static void
add_macs (JsonBuilder *b, const char *key, uint64_t macs, double ms)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  add_int (b, "macs", (gint64) macs);
  add_double (b, "ms", ms);
  add_double (b, "gmac_per_s", ms > 0 ? macs / ms / 1e6 : 0);
  json_builder_end_object (b);
}

static void
add_ops (JsonBuilder *b, const Report *r)
{
  json_builder_set_member_name (b, "ops");
  json_builder_begin_array (b);
  for (int i = 0; i < r->plan->n_ops; i++)
    {
      const OpFigures *f = &r->ops[i];

      json_builder_begin_object (b);
      add_int (b, "index", i);
      add_string (b, "name", bs_plan_op_name (r->plan, i));
      add_string (b, "kind", bs_plan_op_kind_to_string (r->plan->ops[i].kind));
      add_int (b, "in_channels", f->in_channels);
      add_int (b, "binary_macs", (gint64) f->binary_macs);
      add_int (b, "fixed_macs", (gint64) f->fixed_macs);
      add_spread (b, "us", f->us);
      add_double (b, "gmac_per_s", f->gmacs);
      if (f->peak_fraction >= 0)
        add_double (b, "peak_fraction", f->peak_fraction);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_targets (JsonBuilder *b, const Report *r)
{
  json_builder_set_member_name (b, "targets");
  json_builder_begin_array (b);
  for (int t = 0; t < r->n_targets; t++)
    {
      const Target *tg = &r->targets[t];

      json_builder_begin_object (b);
      add_string (b, "name", tg->name);
      add_string (b, "target", tg->target);
      add_string (b, "measured", tg->measured);
      json_builder_set_member_name (b, "pass");
      if (tg->pass < 0)
        json_builder_add_null_value (b);
      else
        json_builder_add_boolean_value (b, tg->pass);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* Through json-glib, whose numbers do not follow LC_NUMERIC (printf's "%g" gave "0,25"
 * under a German locale). */
static void
print_json (const Report *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  add_string (b, "model", r->plan->model->name);
  add_string (b, "backend", r->spec);
  add_string (b, "isa", r->isa ? r->isa : "");
  add_int (b, "threads", r->threads);
  add_int (b, "batch", 1);
  add_int (b, "runs", r->n_runs);
  add_string (b, "cpu", r->cpu);
  add_spread (b, "per_image_ms", r->image_ms);
  add_double (b, "reference_ms", r->reference_ms);
  add_int (b, "reference_runs", r->reference_runs);
  add_double (b, "speedup_vs_reference", r->reference_ms / r->image_ms.median);
  add_macs (b, "binary", r->binary_macs, r->binary_ms);
  add_macs (b, "fixed", r->fixed_macs, r->fixed_ms);
  add_double (b, "popcount_peak_gmac_per_s", r->peak / 1e9);
  add_string (b, "popcount_peak_isa", r->peak_isa ? r->peak_isa : "");
  json_builder_set_member_name (b, "logits_match_reference");
  json_builder_add_boolean_value (b, r->logits_match);
  if (r->batch > 1)
    {
      json_builder_set_member_name (b, "throughput");
      json_builder_begin_object (b);
      add_int (b, "batch", r->batch);
      add_double (b, "images_per_s_batch_1", r->images_per_s_1);
      add_double (b, "images_per_s_batch_n", r->images_per_s_n);
      add_double (b, "gain", r->images_per_s_n / r->images_per_s_1);
      json_builder_end_object (b);
    }
  add_ops (b, r);
  add_targets (b, r);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static void
print_text (const Report *r)
{
  const BsPlan *plan = r->plan;

  printf ("bench %s on %s", plan->model->name, r->spec);
  if (r->isa != NULL)
    printf (" (isa %s, %d thread%s)", r->isa, r->threads, r->threads == 1 ? "" : "s");
  printf (", batch 1, %d timed runs; %s\n\n", r->n_runs, r->cpu);
  printf ("%3s  %-30s %-14s %5s %10s %10s %9s %9s %9s %8s %6s\n", "op", "name", "kind", "cin",
          "bin MAC", "fix MAC", "med us", "p10 us", "p90 us", "GMAC/s", "%peak");
  for (int i = 0; i < plan->n_ops; i++)
    {
      const OpFigures *f = &r->ops[i];
      g_autofree char *bm = bs_cli_format_count (f->binary_macs);
      g_autofree char *fm = bs_cli_format_count (f->fixed_macs);
      char peak[16] = "";

      if (f->peak_fraction >= 0)
        g_snprintf (peak, sizeof peak, "%.1f", 100 * f->peak_fraction);
      printf ("%3d  %-30s %-14s %5d %10s %10s %9.2f %9.2f %9.2f %8.1f %6s\n", i,
              bs_plan_op_name (plan, i), bs_plan_op_kind_to_string (plan->ops[i].kind),
              f->in_channels, f->binary_macs ? bm : "-", f->fixed_macs ? fm : "-", f->us.median,
              f->us.p10, f->us.p90, f->gmacs, peak);
    }
  printf ("\nper image: median %.4f ms (p10 %.4f, p90 %.4f)\n", r->image_ms.median,
          r->image_ms.p10, r->image_ms.p90);
  printf ("reference interpreter: median %.2f ms over %d runs: %.1fx faster\n", r->reference_ms,
          r->reference_runs, r->reference_ms / r->image_ms.median);
  printf ("binary: %" G_GUINT64_FORMAT " MACs (nominal) in %.4f ms of binary ops: %.1f GMAC/s\n",
          r->binary_macs, r->binary_ms, r->binary_ms > 0 ? r->binary_macs / r->binary_ms / 1e6 : 0);
  printf ("fixed: %" G_GUINT64_FORMAT " MACs (nominal) in %.4f ms of fixed-point convs: %.1f GMAC/s\n",
          r->fixed_macs, r->fixed_ms, r->fixed_ms > 0 ? r->fixed_macs / r->fixed_ms / 1e6 : 0);
  if (r->peak > 0)
    printf ("popcount peak (%s micro-kernel, L1, this run): %.1f G binary MAC/s\n", r->peak_isa,
            r->peak / 1e9);
  printf ("logits: %s the reference interpreter's\n", r->logits_match ? "identical to" : "DIFFERENT from");
  if (r->batch > 1)
    printf ("throughput (host clock, interleaved rounds): batch 1 on 1 thread %.1f images/s, "
            "batch %d on %d threads %.1f images/s: %.2fx\n", r->images_per_s_1, r->batch, r->batch,
            r->images_per_s_n, r->images_per_s_n / r->images_per_s_1);
  printf ("\ntargets (issue 11: single thread, batch 1%s):\n",
          r->threads == 1 ? "" : "; this run is not single-threaded");
  for (int t = 0; t < r->n_targets; t++)
    printf ("  %-58s %-28s %s\n", r->targets[t].target, r->targets[t].measured,
            r->targets[t].pass < 0 ? "(not measured here)" : r->targets[t].pass ? "PASS" : "MISS");
}

static void
add_target (Report *r, const char *name, const char *target, int pass, char *measured)
{
  Target *t = &r->targets[r->n_targets++];

  t->name = name;
  t->target = target;
  t->pass = pass;
  t->measured = measured;
}

static void
evaluate_latency_target (Report *r)
{
  double target = g_strcmp0 (r->isa, "avx2") == 0     ? TARGET_MS_AVX2
                  : g_strcmp0 (r->isa, "avx512") == 0 ? TARGET_MS_AVX512
                                                      : 0;

  if (target > 0)
    add_target (r, "ms_per_image",
                r->isa[4] == '5' ? "per image <= 0.12 ms (AVX-512)" : "per image <= 0.30 ms (AVX2)",
                r->image_ms.median <= target, g_strdup_printf ("%.4f ms", r->image_ms.median));
  else
    add_target (r, "ms_per_image", "per image (targets for avx2 and avx512 only)", -1,
                g_strdup_printf ("%.4f ms", r->image_ms.median));
}

static void
evaluate_targets (Report *r)
{
  double speedup = r->reference_ms / r->image_ms.median;
  double worst = -1;
  int worst_op = -1;

  evaluate_latency_target (r);
  add_target (r, "vs_reference", ">= 30x faster than the reference interpreter",
              speedup >= TARGET_VS_REFERENCE, g_strdup_printf ("%.1fx", speedup));
  for (int i = 0; i < r->plan->n_ops; i++)
    if (r->ops[i].peak_fraction >= 0 && r->ops[i].in_channels >= TARGET_MIN_CIN
        && (worst < 0 || r->ops[i].peak_fraction < worst))
      {
        worst = r->ops[i].peak_fraction;
        worst_op = i;
      }
  if (worst_op >= 0)
    add_target (r, "binary_peak_fraction", "binary layers with >= 16 input channels >= 50% of peak",
                worst >= TARGET_PEAK_FRACTION,
                g_strdup_printf ("min %.1f%% (%s)", 100 * worst, bs_plan_op_name (r->plan, worst_op)));
  else
    add_target (r, "binary_peak_fraction", "binary layers with >= 16 input channels >= 50% of peak",
                -1, g_strdup (r->peak > 0 ? "no such layer" : "no peak for this backend"));
  if (r->batch > 1)
    add_target (r, "batch_gain", "--batch N: >= 1.8x the images/s of batch 1 (2 cores)",
                r->images_per_s_n / r->images_per_s_1 >= TARGET_BATCH_GAIN,
                g_strdup_printf ("%.2fx (batch %d)", r->images_per_s_n / r->images_per_s_1, r->batch));
  add_target (r, "vs_pytorch", ">= 3x PyTorch int8 ResNet-20, >= 10x float TorchScript", -1,
              g_strdup ("bench/bench-pytorch.py"));
}

/* Images per second of `backend` over rounds of n_images (staged copies of one image)
 * run in one call each, for about `seconds`: the best of its rounds' rates, since
 * other processes can only slow a round down. */
static gboolean
round_rate (BsBackend *backend, const uint8_t *images, int n_images, int32_t *logits,
            double *best, GError **error)
{
  int64_t t0 = bs_clock_now_ns ();
  int64_t dt;

  for (int k = 0; k < 8; k++)
    if (!bs_backend_run (backend, images, n_images, logits, NULL, NULL, error))
      return FALSE;
  dt = bs_clock_now_ns () - t0;
  *best = MAX (*best, 8.0 * n_images / (dt / 1e9));
  return TRUE;
}

/* Throughput of batch N (one image per thread) against batch 1 on one thread, in
 * interleaved rounds so that both see the same load. */
static gboolean
measure_throughput (const BsModel *model, const BsPlan *plan, const uint8_t *image,
                    const BenchOptions *opts, Report *r, GError **error)
{
  g_autofree char *spec = backend_spec (opts);
  g_autofree char *spec_n = bs_cli_batch_spec (spec, opts->batch, error);
  g_autoptr (BsBackend) one = NULL;
  g_autoptr (BsBackend) many = NULL;
  BsShape in = model->input_shape, out = bs_model_output_shape (model);
  gsize in_size = (gsize) in.c * in.h * in.w;
  g_autofree uint8_t *images = g_malloc ((gsize) opts->batch * 4 * in_size);
  g_autofree int32_t *logits = g_new (int32_t, (gsize) opts->batch * 4 * out.c * out.h * out.w);
  int64_t t_end;

  if (spec_n == NULL || (one = bs_backend_open (spec, error)) == NULL
      || !bs_backend_prepare (one, plan, error) || (many = bs_backend_open (spec_n, error)) == NULL
      || !bs_backend_prepare (many, plan, error))
    return FALSE;
  for (int k = 0; k < opts->batch * 4; k++)
    memcpy (images + k * in_size, image, in_size);
  r->batch = opts->batch;
  t_end = bs_clock_now_ns () + (int64_t) (opts->seconds * 1e9);
  do
    if (!round_rate (one, images, 4, logits, &r->images_per_s_1, error)
        || !round_rate (many, images, opts->batch * 4, logits, &r->images_per_s_n, error))
      return FALSE;
  while (bs_clock_now_ns () < t_end);
  return TRUE;
}

static int
bench (const BsModel *model, const uint8_t *image, const BenchOptions *opts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsPlan) plan = bs_plan_compile (model, &error);
  g_autofree char *spec = backend_spec (opts);
  g_autoptr (BsBackend) backend = NULL;
  g_autoptr (BsInterp) interp = NULL;
  BsShape out = bs_model_output_shape (model);
  gsize n_logits = (gsize) out.c * out.h * out.w;
  g_autofree int32_t *logits = g_new0 (int32_t, n_logits);
  g_autofree int32_t *want = g_new0 (int32_t, n_logits);
  g_autofree int64_t *column = NULL;
  g_autofree int64_t *ref_ns = NULL;
  Samples samples = { 0 };
  PeakMeter pm = { 0 };
  Report r = { 0 };
  int64_t t_end;

  if (plan == NULL)
    return bs_cli_fail (error);
  backend = bs_backend_open (spec, &error);
  if (backend == NULL || !bs_backend_prepare (backend, plan, &error))
    return bs_cli_fail (error);

  r.plan = plan;
  r.spec = spec;
  r.cpu = cpu_model_name ();
  r.threads = 1;
  if (bs_backend_get_class (backend) == &bs_cpu_backend_class)
    {
      BsCpuIsa best = bs_cpu_isa_best ();
      const BsCpuKernels *kernels = bs_cpu_kernels_get (best, NULL);

      r.isa = bs_cpu_isa_to_string (bs_cpu_backend_get_isa (backend));
      r.threads = bs_cpu_backend_get_n_threads (backend);
      if (kernels != NULL && kernels->popcount_peak != NULL)
        {
          peak_init (&pm, kernels->popcount_peak);
          r.peak_isa = bs_cpu_isa_to_string (best);
        }
    }

  /* Warm-up: caches, page faults, the pool's threads, the CPU's clock. */
  t_end = bs_clock_now_ns () + 200000000;
  for (int i = 0; i < 5 || bs_clock_now_ns () < t_end; i++)
    if (!bs_backend_run (backend, image, 1, logits, NULL, NULL, &error))
      return bs_cli_fail (error);

  samples.n_ops = plan->n_ops;
  /* Without --runs, --seconds decides, up to this many (the arrays hold them all). */
  samples.capacity = opts->runs > 0 ? opts->runs : 20000;
  samples.op_ns = g_new0 (int64_t, (gsize) samples.capacity * plan->n_ops);
  samples.total_ns = g_new0 (int64_t, samples.capacity);
  t_end = bs_clock_now_ns () + (int64_t) (opts->seconds * 1e9);
  while (samples.n_runs < samples.capacity
         && (opts->runs > 0 || samples.n_runs < 20 || bs_clock_now_ns () < t_end))
    {
      int64_t t0 = bs_clock_now_ns ();

      if (!bs_backend_run (backend, image, 1, logits, on_events, &samples, &error))
        return bs_cli_fail (error);
      samples.total_ns[samples.n_runs++] = bs_clock_now_ns () - t0;
      if (pm.func != NULL && bs_clock_now_ns () - pm.last_ns > 200000000)
        peak_sample (&pm);
    }
  for (int rep = 0; pm.func != NULL && rep < 20; rep++)
    peak_sample (&pm);
  r.peak = pm.best;
  r.n_runs = samples.n_runs;
  r.image_ms = spread_of (samples.total_ns, samples.n_runs, 1e6);

  r.ops = g_new0 (OpFigures, plan->n_ops);
  column = g_new (int64_t, samples.n_runs);
  for (int i = 0; i < plan->n_ops; i++)
    {
      OpFigures *f = &r.ops[i];
      uint64_t macs;

      for (int run = 0; run < samples.n_runs; run++)
        column[run] = samples.op_ns[(gsize) run * plan->n_ops + i];
      f->us = spread_of (column, samples.n_runs, 1e3);
      op_counts (plan, i, f);
      macs = f->binary_macs + f->fixed_macs;
      f->gmacs = f->us.median > 0 ? macs / f->us.median / 1e3 : 0;
      f->peak_fraction = -1;
      if (f->binary_macs > 0)
        {
          r.binary_macs += f->binary_macs;
          r.binary_ms += f->us.median / 1e3;
          if (r.peak > 0)
            f->peak_fraction = f->binary_macs / (f->us.median * 1e-6) / r.peak;
        }
      else if (f->fixed_macs > 0)
        {
          r.fixed_macs += f->fixed_macs;
          r.fixed_ms += f->us.median / 1e3;
        }
    }

  /* The oracle on the same image: fewer runs, it is slow. */
  interp = bs_interp_new (model);
  r.reference_runs = MAX (1, opts->reference_runs);
  ref_ns = g_new (int64_t, r.reference_runs);
  for (int i = 0; i < r.reference_runs; i++)
    {
      int64_t t0 = bs_clock_now_ns ();

      bs_interp_run (interp, image, want, NULL);
      ref_ns[i] = bs_clock_now_ns () - t0;
    }
  r.reference_ms = spread_of (ref_ns, r.reference_runs, 1e6).median;
  r.logits_match = memcmp (logits, want, n_logits * sizeof (int32_t)) == 0;
  r.batch = 1;
  if (opts->batch > 1 && !measure_throughput (model, plan, image, opts, &r, &error))
    return bs_cli_fail (error);

  evaluate_targets (&r);
  if (opts->json)
    print_json (&r);
  else
    print_text (&r);

  for (int t = 0; t < r.n_targets; t++)
    g_free (r.targets[t].measured);
  g_free (r.ops);
  g_free (r.cpu);
  g_free (samples.op_ns);
  g_free (samples.total_ns);
  return 0;
}

int
bs_cli_bench (int argc, char **argv)
{
  g_auto (BenchOptions) opts = { .runs = 0, .reference_runs = 5, .seconds = 3.0, .seed = 1, .batch = 1 };
  GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opts.backend,
      "Backend spec, e.g. cpu or cpu:isa=avx2 (cpu)", "SPEC" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &opts.threads,
      "Threads (the backend's default: 1)", "N" },
    { "isa", 0, 0, G_OPTION_ARG_STRING, &opts.isa,
      "CPU kernels: scalar, avx2, avx512 (the best this CPU has)", "ISA" },
    { "runs", 'n', 0, G_OPTION_ARG_INT, &opts.runs,
      "Timed runs (default: as many as fit in --seconds, at least 20)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &opts.seconds, "Time to spend on timed runs (3)", "S" },
    { "reference-runs", 0, 0, G_OPTION_ARG_INT, &opts.reference_runs,
      "Runs of the reference interpreter (5)", "N" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opts.input,
      "PNG or .npy uint8 image (its first image); a random one if absent", "FILE" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &opts.seed, "Seed for the random image (1)", "S" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &opts.batch,
      "Also measure the images/s of N images in flight, one per thread, against batch 1", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts.json, "Machine-readable output", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = NULL;
  g_autoptr (BsImageBatch) batch = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Time a backend on a model, one image at a time: per op (median, "
                                "p10, p90), per image, binary and fixed-point throughput, the\n"
                                "reference interpreter on the same image, and the fraction of this "
                                "machine's XOR-popcount peak each binary layer reaches.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || opts.threads < 0 || opts.runs < 0 || opts.seconds <= 0 || opts.batch < 1
      || opts.batch > 256 || (opts.batch > 1 && opts.threads > 0))
    {
      fprintf (stderr, "blendscope-cli bench: expected one MODEL file, --threads ≥ 1, "
                       "--runs ≥ 1, --seconds > 0, --batch 1 to 256 (not with --threads)\n");
      return 2;
    }
  if (opts.backend == NULL)
    opts.backend = g_strdup ("cpu");
  model = bs_model_load (argv[1], &error);
  if (model == NULL)
    return bs_cli_fail (error);
  batch = opts.input != NULL ? bs_image_batch_load (opts.input, model->input_shape, &error)
                             : bs_image_batch_random (model->input_shape, 1, (guint32) opts.seed);
  if (batch == NULL)
    return bs_cli_fail (error);

  return bench (model, bs_image_batch_image (batch, 0), &opts);
}
