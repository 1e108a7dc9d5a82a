/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-traces.c: per-inference power profiles and raw traces for overlays.
 *
 * Averaging over inferences is equivalent-time sampling: a meter that is not locked to
 * the inferences lands at a different phase in each one, so many inferences fill the
 * bins of one profile even when each inference holds only a few samples. It needs the
 * meter's period to be shorter than an inference (otherwise a sample says nothing about
 * where in the inference the power went) and enough samples inside inferences.
 */
#include "bs-power-traces.h"
#include "bs-run-data.h"
#include "bs-runs.h"
#include "bs-stats.h"

#include <math.h>
#include <string.h>

const char *
bs_power_trace_mode_to_string (BsPowerTraceMode mode)
{
  switch (mode)
    {
    case BS_POWER_TRACE_AVERAGED:
      return "averaged";
    case BS_POWER_TRACE_RAW:
      return "raw";
    case BS_POWER_TRACE_NONE:
    default:
      return "none";
    }
}

void
bs_query_power_trace_free (BsPowerTrace *trace)
{
  if (trace == NULL)
    return;
  g_free (trace->t_ns);
  g_free (trace->power_w);
  g_free (trace->sd_w);
  g_free (trace->count);
  g_free (trace);
}

typedef struct
{
  int64_t start, end;
} Span;

typedef struct
{
  GArray *spans;          /* Span, indexed through `index` */
  GHashTable *index;      /* inference -> position in spans + 1 */
  int32_t last_inference;
  guint last_position;
} SpanCollector;

static void
collect_spans (const BsLayerEvent *events, guint n, gpointer user_data)
{
  SpanCollector *c = user_data;

  for (guint i = 0; i < n; i++)
    {
      const BsLayerEvent *e = &events[i];
      Span *s;

      /* Events of one inference come together: look up only when it changes. */
      if (c->spans->len == 0 || e->inference != c->last_inference)
        {
          guint pos = GPOINTER_TO_UINT (g_hash_table_lookup (c->index, GINT_TO_POINTER (e->inference)));

          if (pos == 0)
            {
              Span fresh = { e->t_start_ns, e->t_end_ns };
              g_array_append_val (c->spans, fresh);
              pos = c->spans->len;
              g_hash_table_insert (c->index, GINT_TO_POINTER (e->inference), GUINT_TO_POINTER (pos));
            }
          c->last_inference = e->inference;
          c->last_position = pos - 1;
        }
      s = &g_array_index (c->spans, Span, c->last_position);
      s->start = MIN (s->start, e->t_start_ns);
      s->end = MAX (s->end, e->t_end_ns);
    }
}

static int
compare_spans (gconstpointer a, gconstpointer b)
{
  const Span *x = a, *y = b;
  return (x->start > y->start) - (x->start < y->start);
}

static int
compare_samples (gconstpointer a, gconstpointer b)
{
  const BsSample *x = a, *y = b;
  return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
}

/* Inference spans in start order. */
static GArray *
read_spans (BsStore *store, int64_t run, GError **error)
{
  SpanCollector c = { g_array_new (FALSE, FALSE, sizeof (Span)),
                      g_hash_table_new (g_direct_hash, g_direct_equal), 0, 0 };

  if (!bs_store_foreach_event_chunk (store, run, collect_spans, &c, error))
    {
      g_array_unref (c.spans);
      g_hash_table_unref (c.index);
      return NULL;
    }
  g_hash_table_unref (c.index);
  g_array_sort (c.spans, compare_spans);
  return c.spans;
}

/* The power channels' samples, each rail in time order; rails without samples dropped. */
static GPtrArray *
read_rails (BsStore *store, int64_t run, GError **error)
{
  g_autoptr (GArray) channels = bs_store_get_channels (store, run, error);
  g_autoptr (GPtrArray) rails = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  if (channels == NULL)
    return NULL;
  for (guint i = 0; i < channels->len; i++)
    {
      const BsChannel *ch = &g_array_index (channels, BsChannel, i);
      GArray *samples;

      if (ch->quantity != BS_QUANTITY_POWER)
        continue;
      samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
      if (!bs_store_read_samples (store, ch, INT64_MIN, INT64_MAX, samples, error))
        {
          g_array_unref (samples);
          return NULL;
        }
      if (samples->len == 0)
        {
          g_array_unref (samples);
          continue;
        }
      g_array_sort (samples, compare_samples);
      g_ptr_array_add (rails, samples);
    }
  return g_steal_pointer (&rails);
}

static double
median_interval (GArray *samples)
{
  g_autofree double *dt = g_new (double, MAX (samples->len, 1));
  size_t n = 0;

  for (guint i = 1; i < samples->len; i++)
    {
      int64_t d = g_array_index (samples, BsSample, i).t_ns - g_array_index (samples, BsSample, i - 1).t_ns;
      if (d > 0)
        dt[n++] = (double) d;
    }
  return n > 0 ? bs_stats_quantile (dt, n, 0.5) : NAN;
}

/* The span (index into spans) whose inference contains t and started last, or -1.
 * `cursor` advances monotonically: samples are visited in time order. */
static int64_t
span_containing (GArray *spans, guint *cursor, int64_t t)
{
  const Span *s = (const Span *) (void *) spans->data;

  while (*cursor < spans->len && s[*cursor].start <= t)
    (*cursor)++;
  if (*cursor == 0)
    return -1;
  return t < s[*cursor - 1].end ? (int64_t) *cursor - 1 : -1;
}

typedef struct
{
  double *sum;
  double *sumsq;       /* of deviations from `ref`, against cancellation */
  guint *n;
  double ref;
} Bins;

static void
bins_init (Bins *b, guint n_bins, double ref)
{
  b->sum = g_new0 (double, n_bins);
  b->sumsq = g_new0 (double, n_bins);
  b->n = g_new0 (guint, n_bins);
  b->ref = ref;
}

static void
bins_clear (Bins *b)
{
  g_free (b->sum);
  g_free (b->sumsq);
  g_free (b->n);
}

/* Samples of one rail that fall inside an inference and its window, counted (and binned
 * when `bins` is given); `seen` marks the inferences that got one. */
static int64_t
bin_rail (GArray *rail, GArray *spans, double window_ns, guint n_bins, Bins *bins, guint8 *seen)
{
  guint cursor = 0;
  int64_t inside = 0;

  for (guint i = 0; i < rail->len; i++)
    {
      const BsSample *smp = &g_array_index (rail, BsSample, i);
      int64_t k = span_containing (spans, &cursor, smp->t_ns);
      double phase;
      guint b;

      if (k < 0 || !isfinite (smp->value))
        continue;
      phase = (double) (smp->t_ns - g_array_index (spans, Span, k).start);
      if (phase >= window_ns)
        continue;
      inside++;
      if (bins == NULL)
        continue;
      b = MIN ((guint) (phase / window_ns * n_bins), n_bins - 1);
      bins->sum[b] += smp->value;
      bins->sumsq[b] += (smp->value - bins->ref) * (smp->value - bins->ref);
      bins->n[b]++;
      if (seen != NULL)
        seen[k] = 1;
    }
  return inside;
}

static void
build_averaged (BsPowerTrace *tr, GPtrArray *rails, GArray *spans, guint n_bins)
{
  g_autofree guint8 *seen = g_new0 (guint8, MAX (spans->len, 1));

  tr->mode = BS_POWER_TRACE_AVERAGED;
  tr->n_points = n_bins;
  tr->t_ns = g_new (double, n_bins);
  tr->power_w = g_new (double, n_bins);
  tr->sd_w = g_new (double, n_bins);
  tr->count = g_new0 (guint, n_bins);
  for (guint b = 0; b < n_bins; b++)
    {
      tr->t_ns[b] = (b + 0.5) * tr->window_ns / n_bins;
      tr->power_w[b] = 0;
      tr->sd_w[b] = 0;
    }
  tr->n_samples = 0;

  /* Per rail mean and variance per bin; the rails add (a board's total is the sum of its
   * rails), their variances too, as if independent. */
  for (guint r = 0; r < rails->len; r++)
    {
      GArray *rail = g_ptr_array_index (rails, r);
      Bins bins;

      bins_init (&bins, n_bins, g_array_index (rail, BsSample, 0).value);
      tr->n_samples += bin_rail (rail, spans, tr->window_ns, n_bins, &bins, seen);
      for (guint b = 0; b < n_bins; b++)
        {
          guint n = bins.n[b];
          double mean = n > 0 ? bins.sum[b] / n : NAN;
          double dm = mean - bins.ref;
          double var = n > 1 ? MAX (0, (bins.sumsq[b] - n * dm * dm) / (n - 1)) : NAN;

          tr->power_w[b] += mean;
          tr->sd_w[b] += var;
          tr->count[b] += n;
        }
      bins_clear (&bins);
    }
  for (guint b = 0; b < n_bins; b++)
    tr->sd_w[b] = sqrt (tr->sd_w[b]);
  tr->n_inferences = 0;
  for (guint k = 0; k < spans->len; k++)
    tr->n_inferences += seen[k];
}

/* The rails summed at every time any of them has a sample, each interpolated linearly
 * between its samples and held beyond its ends (as energy is integrated elsewhere). */
static void
build_raw (BsPowerTrace *tr, GPtrArray *rails, int64_t t0)
{
  g_autofree guint *pos = g_new0 (guint, rails->len);
  GArray *t = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *v = g_array_new (FALSE, FALSE, sizeof (double));
  int64_t first = INT64_MAX, last = INT64_MIN;

  tr->mode = BS_POWER_TRACE_RAW;
  tr->n_samples = 0;
  for (guint r = 0; r < rails->len; r++)
    tr->n_samples += ((GArray *) g_ptr_array_index (rails, r))->len;

  for (;;)
    {
      int64_t next = INT64_MAX;
      double sum = 0;

      for (guint r = 0; r < rails->len; r++)
        {
          GArray *rail = g_ptr_array_index (rails, r);
          if (pos[r] < rail->len)
            next = MIN (next, g_array_index (rail, BsSample, pos[r]).t_ns);
        }
      if (next == INT64_MAX)
        break;
      for (guint r = 0; r < rails->len; r++)
        {
          GArray *rail = g_ptr_array_index (rails, r);
          const BsSample *s = (const BsSample *) (void *) rail->data;
          guint i = pos[r];

          while (i < rail->len && s[i].t_ns == next)
            i++;
          /* Now s[i - 1].t_ns <= next < s[i].t_ns, when both exist. */
          if (i == 0)
            sum += s[0].value;
          else if (i >= rail->len || s[i - 1].t_ns == next)
            sum += s[i - 1].value;
          else
            sum += s[i - 1].value + (s[i].value - s[i - 1].value)
                   * (double) (next - s[i - 1].t_ns) / (double) (s[i].t_ns - s[i - 1].t_ns);
          pos[r] = i;
        }
      {
        double rel = (double) (next - t0);
        g_array_append_val (t, rel);
        g_array_append_val (v, sum);
      }
      first = MIN (first, next);
      last = MAX (last, next);
    }
  tr->n_points = t->len;
  tr->t_ns = (double *) (void *) g_array_free (t, FALSE);
  tr->power_w = (double *) (void *) g_array_free (v, FALSE);
  tr->window_ns = last >= first ? (double) (last - first) : 0;
}

BsPowerTrace *
bs_query_power_trace (BsStore *store, int64_t run, BsPowerTraceRequest request, guint n_bins,
                      GError **error)
{
  g_autoptr (BsPowerTrace) tr = g_new0 (BsPowerTrace, 1);
  g_autoptr (BsRun) r = bs_store_get_run (store, run, error);
  g_autoptr (GPtrArray) rails = NULL;
  g_autoptr (GArray) spans = NULL;

  if (r == NULL)
    return NULL;
  if (n_bins == 0)
    n_bins = BS_POWER_TRACE_DEFAULT_BINS;
  tr->run = run;
  tr->mode = BS_POWER_TRACE_NONE;
  tr->meter_period_ns = tr->inference_ns = tr->window_ns = NAN;

  rails = read_rails (store, run, error);
  if (rails == NULL)
    return NULL;
  spans = read_spans (store, run, error);
  if (spans == NULL)
    return NULL;
  tr->n_rails = (int) rails->len;
  tr->n_inferences = spans->len;

  if (spans->len > 0)
    {
      g_autofree double *lat = g_new (double, spans->len);

      for (guint k = 0; k < spans->len; k++)
        lat[k] = (double) (g_array_index (spans, Span, k).end - g_array_index (spans, Span, k).start);
      tr->inference_ns = bs_stats_quantile (lat, spans->len, 0.5);
      tr->window_ns = bs_stats_quantile (lat, spans->len, 0.95);
    }
  if (rails->len == 0)
    {
      tr->window_ns = NAN;
      return g_steal_pointer (&tr);
    }
  for (guint i = 0; i < rails->len; i++)
    {
      double p = median_interval (g_ptr_array_index (rails, i));
      if (!isnan (p))
        tr->meter_period_ns = isnan (tr->meter_period_ns) ? p : MAX (tr->meter_period_ns, p);
    }

  if (request == BS_POWER_TRACE_AUTO && isfinite (tr->inference_ns) && tr->window_ns > 0
      && isfinite (tr->meter_period_ns) && tr->meter_period_ns < tr->inference_ns)
    {
      /* The rail with the fewest samples inside inferences decides how fine the bins
       * can be. */
      int64_t fewest = INT64_MAX;

      for (guint i = 0; i < rails->len; i++)
        fewest = MIN (fewest, bin_rail (g_ptr_array_index (rails, i), spans, tr->window_ns,
                                        1, NULL, NULL));
      if (fewest >= BS_POWER_TRACE_MIN_SAMPLES)
        {
          guint bins = (guint) MIN ((int64_t) n_bins, fewest / BS_POWER_TRACE_SAMPLES_PER_BIN);
          build_averaged (tr, rails, spans, MAX (bins, 1));
          return g_steal_pointer (&tr);
        }
    }
  build_raw (tr, rails, r->t0_ns);
  return g_steal_pointer (&tr);
}

GPtrArray *
bs_query_power_overlay (BsStore *store, const int64_t *runs, int n_runs, guint n_bins,
                        GError **error)
{
  g_autoptr (GPtrArray) traces = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_query_power_trace_free);
  gboolean all_averaged = TRUE;

  g_return_val_if_fail (n_runs >= 1 && n_runs <= 4, NULL);
  for (int i = 0; i < n_runs; i++)
    {
      BsPowerTrace *tr = bs_query_power_trace (store, runs[i], BS_POWER_TRACE_AUTO, n_bins, error);

      if (tr == NULL)
        return NULL;
      if (tr->mode == BS_POWER_TRACE_RAW)
        all_averaged = FALSE;
      g_ptr_array_add (traces, tr);
    }
  if (all_averaged)
    return g_steal_pointer (&traces);
  /* One run's meter is too slow: a per-inference profile and a run-long trace cannot
   * share an axis, so every run is shown raw. */
  for (int i = 0; i < n_runs; i++)
    {
      BsPowerTrace *tr = g_ptr_array_index (traces, i);

      if (tr->mode != BS_POWER_TRACE_AVERAGED)
        continue;
      tr = bs_query_power_trace (store, runs[i], BS_POWER_TRACE_FORCE_RAW, n_bins, error);
      if (tr == NULL)
        return NULL;
      bs_query_power_trace_free (g_ptr_array_index (traces, i));
      g_ptr_array_index (traces, i) = tr;
    }
  return g_steal_pointer (&traces);
}
