/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-summaries.c: per-layer and per-run figures from raw events and samples.
 *
 * Energy: the power channels of the run are summed (one channel per rail) and
 * interpolated linearly (core/bs-power-integral.h) at each event's midpoint; an event's energy is that power times
 * its duration. With a 10 Hz meter and microsecond layers this is the board's gross
 * power spread over time, idle included: it says where the energy goes because of
 * time, not which layer draws more power. Per-layer power needs a sweep (probes/).
 */
#include "bs-summaries.h"
#include "bs-power-integral.h"
#include "bs-run-data.h"
#include "bs-runs.h"
#include "bs-store-private.h"

#include <math.h>
#include <string.h>

#define MODELLED_MASK (1u << BS_CLOCK_MODELLED)

/* Ops in [0, DENSE_OPS) are found by index, others by hash. */
#define DENSE_OPS 4096

/* A growable array of doubles, appended to once per inference and op: a GArray's
 * function call per element shows in the profile. */
typedef struct
{
  double *v;
  guint len;
  guint capacity;
} Doubles;

static void
doubles_init (Doubles *d, guint capacity)
{
  d->capacity = MAX (capacity, 16);
  d->v = g_new (double, d->capacity);
  d->len = 0;
}

static inline void
doubles_append (Doubles *d, double x)
{
  if (G_UNLIKELY (d->len == d->capacity))
    {
      d->capacity *= 2;
      d->v = g_renew (double, d->v, d->capacity);
    }
  d->v[d->len++] = x;
}

typedef struct
{
  int op;
  Doubles times;         /* ns, one per inference */
  Doubles energy;        /* J, one per inference */
  BsClockMask clocks;
  int64_t inference;     /* being summed; INT64_MIN before the first */
  double time;
  double joules;
} OpAcc;

/* One power channel, read through core/bs-power-integral.h in ns after `origin` (the
 * first sample: differences in int64, so the doubles stay exact). */
typedef struct
{
  GArray *samples;       /* BsSample of one power channel, by time */
  int64_t origin;
  BsPowerReadings readings;
  gsize hint;            /* events come nearly in time order */
} PowerTrace;

typedef struct
{
  GPtrArray *ops;        /* OpAcc, by first appearance */
  OpAcc *dense[DENSE_OPS];
  GHashTable *sparse;    /* int op -> OpAcc */
  GPtrArray *traces;     /* PowerTrace */
  GArray *latency;       /* double ns per inference */
  GArray *starts;        /* int64 ns: each inference's first event, same order */
  guint expected;        /* inferences, to size the arrays once */
  double busy_sum;
  int64_t inference;
  int64_t span_start, span_end, busy;
  int64_t first_start, last_end;
  int64_t n_events;
} Accumulator;

static void
op_acc_free (gpointer p)
{
  OpAcc *a = p;
  g_free (a->times.v);
  g_free (a->energy.v);
  g_free (a);
}

static void
free_trace (gpointer p)
{
  PowerTrace *tr = p;
  g_array_unref (tr->samples);
  g_free (tr);
}

static double
sample_time (gconstpointer data, gsize i)
{
  const PowerTrace *tr = data;
  return (double) (g_array_index (tr->samples, BsSample, i).t_ns - tr->origin);
}

static double
sample_value (gconstpointer data, gsize i)
{
  return g_array_index (((const PowerTrace *) data)->samples, BsSample, i).value;
}

static PowerTrace *
trace_new (GArray *samples)
{
  PowerTrace *tr = g_new0 (PowerTrace, 1);

  tr->samples = samples;
  tr->origin = g_array_index (samples, BsSample, 0).t_ns;
  tr->readings = (BsPowerReadings) { sample_time, sample_value, tr, 0, samples->len };
  return tr;
}

static Accumulator *
accumulator_new (void)
{
  Accumulator *acc = g_new0 (Accumulator, 1);

  acc->ops = g_ptr_array_new_with_free_func (op_acc_free);
  acc->sparse = g_hash_table_new (g_direct_hash, g_direct_equal);
  acc->traces = g_ptr_array_new_with_free_func (free_trace);
  acc->latency = g_array_new (FALSE, FALSE, sizeof (double));
  acc->starts = g_array_new (FALSE, FALSE, sizeof (int64_t));
  acc->inference = INT64_MIN;
  acc->first_start = INT64_MAX;
  acc->last_end = INT64_MIN;
  return acc;
}

static void
accumulator_free (Accumulator *acc)
{
  g_ptr_array_unref (acc->ops);
  g_hash_table_unref (acc->sparse);
  g_ptr_array_unref (acc->traces);
  g_array_unref (acc->latency);
  g_array_unref (acc->starts);
  g_free (acc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Accumulator, accumulator_free)

static OpAcc *
op_acc (Accumulator *acc, int op)
{
  OpAcc *a = op >= 0 && op < DENSE_OPS ? acc->dense[op]
                                       : g_hash_table_lookup (acc->sparse, GINT_TO_POINTER (op));

  if (a != NULL)
    return a;
  a = g_new0 (OpAcc, 1);
  a->op = op;
  doubles_init (&a->times, acc->expected);
  doubles_init (&a->energy, acc->traces->len > 0 ? acc->expected : 0);
  a->inference = INT64_MIN;
  g_ptr_array_add (acc->ops, a);
  if (op >= 0 && op < DENSE_OPS)
    acc->dense[op] = a;
  else
    g_hash_table_insert (acc->sparse, GINT_TO_POINTER (op), a);
  return a;
}

static void
op_acc_flush (OpAcc *a, gboolean with_energy)
{
  if (a->inference == INT64_MIN)
    return;
  doubles_append (&a->times, a->time);
  if (with_energy)
    doubles_append (&a->energy, a->joules);
}

static double
power_at (Accumulator *acc, int64_t t)
{
  double p = 0;

  for (guint i = 0; i < acc->traces->len; i++)
    {
      PowerTrace *tr = acc->traces->pdata[i];
      p += bs_power_at (&tr->readings, (double) (t - tr->origin), &tr->hint);
    }
  return p;
}

static void
end_inference (Accumulator *acc)
{
  double latency;

  if (acc->inference == INT64_MIN)
    return;
  latency = (double) (acc->span_end - acc->span_start);
  g_array_append_val (acc->latency, latency);
  g_array_append_val (acc->starts, acc->span_start);
  acc->busy_sum += (double) acc->busy;
}

static void
add_event (Accumulator *acc, const BsLayerEvent *e)
{
  OpAcc *a = op_acc (acc, e->op);
  int64_t duration = e->t_end_ns - e->t_start_ns;
  /* A meter's power over a modelled duration would mix two clocks. */
  gboolean with_energy = acc->traces->len > 0 && e->clock != BS_CLOCK_MODELLED;
  double joules = with_energy
                    ? power_at (acc, e->t_start_ns + duration / 2) * (double) duration * 1e-9
                    : 0;

  if (e->inference != acc->inference)
    {
      end_inference (acc);
      acc->inference = e->inference;
      acc->span_start = e->t_start_ns;
      acc->span_end = e->t_end_ns;
      acc->busy = 0;
    }
  acc->span_start = MIN (acc->span_start, e->t_start_ns);
  acc->span_end = MAX (acc->span_end, e->t_end_ns);
  acc->busy += duration;
  acc->first_start = MIN (acc->first_start, e->t_start_ns);
  acc->last_end = MAX (acc->last_end, e->t_end_ns);

  if (e->inference != a->inference)
    {
      op_acc_flush (a, with_energy);
      a->inference = e->inference;
      a->time = 0;
      a->joules = 0;
    }
  a->time += (double) duration;
  a->joules += joules;
  a->clocks |= 1u << e->clock;
}

static int
compare_sample_time (gconstpointer x, gconstpointer y)
{
  const BsSample *a = x, *b = y;
  return (a->t_ns > b->t_ns) - (a->t_ns < b->t_ns);
}

static gboolean
load_power (BsStore *store, int64_t run, Accumulator *acc, int64_t *n_samples, GError **error)
{
  g_autoptr (GArray) channels = bs_store_get_channels (store, run, error);

  if (channels == NULL)
    return FALSE;
  *n_samples = 0;
  for (guint i = 0; i < channels->len; i++)
    {
      const BsChannel *c = &g_array_index (channels, BsChannel, i);
      g_autoptr (GArray) samples = NULL;
      gboolean sorted = TRUE;

      *n_samples += c->n_samples;
      if (c->quantity != BS_QUANTITY_POWER)
        continue;
      samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
      if (!bs_store_read_samples (store, c, INT64_MIN, INT64_MAX, samples, error))
        return FALSE;
      if (samples->len == 0)
        continue;
      for (guint k = 1; k < samples->len && sorted; k++)
        sorted = g_array_index (samples, BsSample, k - 1).t_ns
                 <= g_array_index (samples, BsSample, k).t_ns;
      if (!sorted)
        g_array_sort (samples, compare_sample_time);
      g_ptr_array_add (acc->traces, trace_new (g_steal_pointer (&samples)));
    }
  return TRUE;
}

static void
summarize_energy (const Doubles *energy, BsLayerStats *st)
{
  BsSummary e;
  double half;

  st->energy_n = energy->len;
  if (energy->len == 0)
    {
      st->energy_j = st->energy_sd_j = st->energy_lo_j = st->energy_hi_j = NAN;
      return;
    }
  bs_stats_moments (energy->v, energy->len, &e);
  half = bs_stats_ci95_half_width (&e);
  st->energy_j = e.mean;
  st->energy_sd_j = energy->len > 1 ? e.sd : NAN;
  st->energy_lo_j = e.mean - half;
  st->energy_hi_j = e.mean + half;
}

static void
describe_op (BsLayerStats *st, GArray *layers, int op)
{
  st->op = op;
  if (op >= 0 && op < (int) layers->len)
    {
      const BsRunLayer *l = &g_array_index (layers, BsRunLayer, op);
      st->name = g_strdup (l->name);
      st->kind = l->kind;
      st->precision = l->precision;
      st->path = l->path;
      st->binary_macs = l->binary_macs;
      st->fixed_macs = bs_run_layer_fixed_macs (l);
    }
  else
    {
      st->name = g_strdup_printf ("op %d", op);
      st->kind = BS_LAYER_N_KINDS;
    }
}

static int
compare_op (gconstpointer x, gconstpointer y)
{
  const OpAcc *a = *(OpAcc *const *) x, *b = *(OpAcc *const *) y;
  return (a->op > b->op) - (a->op < b->op);
}

/* One entry per op of the table, then ops only the events name. */
static void
collect_layer_stats (Accumulator *acc, GArray *layers, GArray *stats)
{
  for (guint op = 0; op < layers->len; op++)
    op_acc (acc, (int) op);
  g_ptr_array_sort (acc->ops, compare_op);
  for (guint i = 0; i < acc->ops->len; i++)
    {
      OpAcc *a = acc->ops->pdata[i];
      BsLayerStats st = { 0 };

      op_acc_flush (a, acc->traces->len > 0 && !(a->clocks & MODELLED_MASK));
      a->inference = INT64_MIN;
      describe_op (&st, layers, a->op);
      st.clocks = a->clocks;
      bs_stats_summarize (a->times.v, a->times.len, &st.time_ns);
      summarize_energy (&a->energy, &st);
      g_array_append_val (stats, st);
    }
}

static int
compare_int64 (gconstpointer x, gconstpointer y)
{
  int64_t a = *(const int64_t *) x, b = *(const int64_t *) y;
  return (a > b) - (a < b);
}

/* The run's energy cut at the inferences' starts: inference k gets [start k, start k + 1),
 * the last up to the last event's end. The pieces sum to the run's energy, so their mean
 * is energy per inference, and their SD is what a test of it needs. */
static void
inference_energies (Accumulator *acc, double *energy)
{
  guint n = acc->starts->len;
  g_autofree int64_t *bounds = g_new (int64_t, n + 1);

  memcpy (bounds, acc->starts->data, n * sizeof (int64_t));
  qsort (bounds, n, sizeof (int64_t), compare_int64);
  bounds[n] = acc->last_end;
  memset (energy, 0, n * sizeof (double));
  for (guint i = 0; i < acc->traces->len; i++)
    {
      PowerTrace *tr = acc->traces->pdata[i];
      gsize hint = 0;

      for (guint k = 0; k < n; k++)
        {
          double a = (double) (bounds[k] - tr->origin), b = (double) (bounds[k + 1] - tr->origin);
          BsPowerReadings window = tr->readings;

          /* Start each piece one reading before a: the pieces walk the trace once. */
          bs_power_at (&tr->readings, a, &hint);
          window.first = hint > 0 ? hint - 1 : 0;
          energy[k] += bs_power_integrate (&window, a, b, NULL);
        }
    }
}

static void
collect_totals (Accumulator *acc, int64_t run, int64_t n_events, int64_t n_samples,
                GArray *stats, BsRunTotals *t)
{
  memset (t, 0, sizeof *t);
  t->run = run;
  t->n_events = n_events;
  t->n_samples = n_samples;
  end_inference (acc);
  acc->inference = INT64_MIN;
  t->n_inferences = acc->latency->len;
  for (guint i = 0; i < stats->len; i++)
    t->clocks |= g_array_index (stats, BsLayerStats, i).clocks;
  t->busy_ns = t->n_inferences > 0 ? acc->busy_sum / (double) t->n_inferences : NAN;
  bs_stats_summarize ((double *) (void *) acc->latency->data, acc->latency->len, &t->latency_ns);
  t->span_ns = n_events > 0 ? acc->last_end - acc->first_start : 0;
  t->throughput = t->span_ns > 0 ? (double) t->n_inferences / ((double) t->span_ns * 1e-9) : NAN;
  /* The model's rate, back to back; the span is the host simulating it. */
  if (t->clocks & MODELLED_MASK)
    t->throughput = t->latency_ns.mean > 0 ? 1e9 / t->latency_ns.mean : NAN;
  t->has_power = acc->traces->len > 0 && t->span_ns > 0;
  t->energy_j = t->mean_power_w = t->energy_per_inference_j = t->energy_per_inference_sd_j = NAN;
  if (t->has_power)
    {
      g_autofree double *energy = g_new (double, MAX (t->n_inferences, 1));
      BsSummary e;

      inference_energies (acc, energy);
      bs_stats_moments (energy, (size_t) t->n_inferences, &e);
      t->energy_per_inference_sd_j = t->n_inferences > 1 ? e.sd : NAN;
      t->energy_j = 0;
      for (guint i = 0; i < acc->traces->len; i++)
        {
          const PowerTrace *tr = acc->traces->pdata[i];
          t->energy_j += bs_power_integrate (&tr->readings, (double) (acc->first_start - tr->origin),
                                             (double) (acc->last_end - tr->origin), NULL);
        }
      t->mean_power_w = t->energy_j / ((double) t->span_ns * 1e-9);
      t->energy_per_inference_j = t->energy_j / (double) t->n_inferences;
      /* The host's energy while it simulated: measured, but not the kernel's per inference. */
      if (t->clocks & MODELLED_MASK)
        t->energy_per_inference_j = t->energy_per_inference_sd_j = NAN;
    }
}

static void
add_events (const BsLayerEvent *events, guint n, gpointer user_data)
{
  Accumulator *acc = user_data;

  for (guint i = 0; i < n; i++)
    add_event (acc, &events[i]);
  acc->n_events += n;
}

gboolean
bs_summaries_compute (BsStore *store, int64_t run, GArray *layers, GArray *stats,
                      BsRunTotals *totals, GError **error)
{
  g_autoptr (Accumulator) acc = accumulator_new ();
  g_autoptr (BsRun) r = bs_store_get_run (store, run, error);
  int64_t n_samples;

  if (r == NULL)
    return FALSE;
  /* Most ops run once per inference. */
  acc->expected = (guint) CLAMP (r->n_events / MAX (layers->len, 1), 16, 1 << 22);
  if (!load_power (store, run, acc, &n_samples, error)
      || !bs_store_foreach_event_chunk (store, run, add_events, acc, error))
    return FALSE;
  collect_layer_stats (acc, layers, stats);
  collect_totals (acc, run, acc->n_events, n_samples, stats, totals);
  bs_summaries_split (stats, totals);
  return TRUE;
}

void
bs_summaries_split (GArray *stats, BsRunTotals *totals)
{
  BsSplit *split = &totals->split;
  double n = (double) totals->n_inferences;

  memset (split, 0, sizeof *split);
  for (guint i = 0; i < stats->len; i++)
    {
      const BsLayerStats *st = &g_array_index (stats, BsLayerStats, i);
      /* Mean over all inferences, including those the op skipped. */
      double time = st->time_ns.n > 0 ? st->time_ns.mean * (double) st->time_ns.n / n : 0;

      if (st->kind == BS_LAYER_N_KINDS)
        {
          split->unknown_time_ns += time;
          continue;
        }
      split->time_ns[st->precision] += time;
      if (st->energy_n > 0)
        split->energy_j[st->precision] += st->energy_j * (double) st->energy_n / n;
      split->macs[st->precision] += st->binary_macs + st->fixed_macs;
    }
}

/* Storage */

static gboolean
save_layer (BsStore *store, sqlite3_stmt *stmt, int64_t run, const BsLayerStats *st,
            GError **error)
{
  const double values[] = {
    st->time_ns.mean, st->time_ns.sd, st->time_ns.median, st->time_ns.p5, st->time_ns.p95,
    st->time_ns.min, st->time_ns.max,
  };

  sqlite3_bind_int64 (stmt, 1, run);
  sqlite3_bind_int (stmt, 2, st->op);
  sqlite3_bind_int (stmt, 3, BS_SUMMARY_VERSION);
  sqlite3_bind_int (stmt, 4, (int) st->clocks);
  sqlite3_bind_int64 (stmt, 5, st->time_ns.n);
  for (int i = 0; i < (int) G_N_ELEMENTS (values); i++)
    sqlite3_bind_double (stmt, 6 + i, values[i]);   /* NaN binds as NULL */
  sqlite3_bind_int64 (stmt, 13, st->energy_n);
  sqlite3_bind_double (stmt, 14, st->energy_j);
  sqlite3_bind_double (stmt, 15, st->energy_lo_j);
  sqlite3_bind_double (stmt, 16, st->energy_hi_j);
  sqlite3_bind_double (stmt, 17, st->energy_sd_j);
  return bs_store_step_done (store, stmt, error, "storing layer summaries");
}

static gboolean
save_totals (BsStore *store, int64_t run, const BsRunTotals *t, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "INSERT OR REPLACE INTO run_summaries (run_id, version, clocks, n_inferences, n_events, "
    "n_samples, span_ns, latency_n, latency_mean_ns, latency_sd_ns, latency_median_ns, "
    "latency_p5_ns, latency_p95_ns, latency_min_ns, latency_max_ns, busy_ns, has_power, energy_j, "
    "mean_power_w, energy_per_inference_j, energy_per_inference_sd_j) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  const double latency[] = {
    t->latency_ns.mean, t->latency_ns.sd, t->latency_ns.median, t->latency_ns.p5,
    t->latency_ns.p95, t->latency_ns.min, t->latency_ns.max, t->busy_ns,
  };

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  sqlite3_bind_int (stmt, 2, BS_SUMMARY_VERSION);
  sqlite3_bind_int (stmt, 3, (int) t->clocks);
  sqlite3_bind_int64 (stmt, 4, t->n_inferences);
  sqlite3_bind_int64 (stmt, 5, t->n_events);
  sqlite3_bind_int64 (stmt, 6, t->n_samples);
  sqlite3_bind_int64 (stmt, 7, t->span_ns);
  sqlite3_bind_int64 (stmt, 8, t->latency_ns.n);
  for (int i = 0; i < (int) G_N_ELEMENTS (latency); i++)
    sqlite3_bind_double (stmt, 9 + i, latency[i]);
  sqlite3_bind_int (stmt, 17, t->has_power);
  sqlite3_bind_double (stmt, 18, t->energy_j);
  sqlite3_bind_double (stmt, 19, t->mean_power_w);
  sqlite3_bind_double (stmt, 20, t->energy_per_inference_j);
  sqlite3_bind_double (stmt, 21, t->energy_per_inference_sd_j);
  return bs_store_step_done (store, stmt, error, "storing run summaries");
}

static gboolean
save_all (BsStore *store, int64_t run, GArray *stats, const BsRunTotals *totals, GError **error)
{
  g_autoptr (sqlite3_stmt) clear = bs_store_prepare (store,
    "DELETE FROM layer_summaries WHERE run_id = ?", error);
  g_autoptr (sqlite3_stmt) put = clear == NULL ? NULL : bs_store_prepare (store,
    "INSERT INTO layer_summaries (run_id, op, version, clocks, n, mean_ns, sd_ns, median_ns, "
    "p5_ns, p95_ns, min_ns, max_ns, energy_n, energy_j, energy_lo_j, energy_hi_j, energy_sd_j) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);

  if (put == NULL)
    return FALSE;
  sqlite3_bind_int64 (clear, 1, run);
  if (!bs_store_step_done (store, clear, error, "replacing layer summaries"))
    return FALSE;
  for (guint i = 0; i < stats->len; i++)
    if (!save_layer (store, put, run, &g_array_index (stats, BsLayerStats, i), error))
      return FALSE;
  return save_totals (store, run, totals, error);
}

gboolean
bs_summaries_save (BsStore *store, int64_t run, GArray *stats, const BsRunTotals *totals,
                   GError **error)
{
  if (!bs_store_begin (store, error))
    return FALSE;
  if (!save_all (store, run, stats, totals, error) || !bs_store_commit (store, error))
    {
      bs_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

static double
column_double (sqlite3_stmt *stmt, int i)
{
  return sqlite3_column_type (stmt, i) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, i);
}

static void
read_summary (sqlite3_stmt *stmt, int first, int64_t n, BsSummary *s)
{
  s->n = n;
  s->mean = column_double (stmt, first);
  s->sd = column_double (stmt, first + 1);
  s->median = column_double (stmt, first + 2);
  s->p5 = column_double (stmt, first + 3);
  s->p95 = column_double (stmt, first + 4);
  s->min = column_double (stmt, first + 5);
  s->max = column_double (stmt, first + 6);
}

static gboolean
load_totals (BsStore *store, int64_t run, BsRunTotals *t, gboolean *found, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT clocks, n_inferences, n_events, n_samples, span_ns, latency_n, latency_mean_ns, "
    "latency_sd_ns, latency_median_ns, latency_p5_ns, latency_p95_ns, latency_min_ns, "
    "latency_max_ns, busy_ns, has_power, energy_j, mean_power_w, energy_per_inference_j, "
    "energy_per_inference_sd_j FROM run_summaries WHERE run_id = ? AND version = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  sqlite3_bind_int (stmt, 2, BS_SUMMARY_VERSION);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s summary", run);
  memset (t, 0, sizeof *t);
  t->run = run;
  t->clocks = (BsClockMask) sqlite3_column_int (stmt, 0);
  t->n_inferences = sqlite3_column_int64 (stmt, 1);
  t->n_events = sqlite3_column_int64 (stmt, 2);
  t->n_samples = sqlite3_column_int64 (stmt, 3);
  t->span_ns = sqlite3_column_int64 (stmt, 4);
  read_summary (stmt, 6, sqlite3_column_int64 (stmt, 5), &t->latency_ns);
  t->busy_ns = column_double (stmt, 13);
  t->has_power = sqlite3_column_int (stmt, 14);
  t->energy_j = column_double (stmt, 15);
  t->mean_power_w = column_double (stmt, 16);
  t->energy_per_inference_j = column_double (stmt, 17);
  t->energy_per_inference_sd_j = column_double (stmt, 18);
  t->throughput = t->span_ns > 0 ? (double) t->n_inferences / ((double) t->span_ns * 1e-9) : NAN;
  /* The model's rate, back to back; the span is the host simulating it. */
  if (t->clocks & MODELLED_MASK)
    t->throughput = t->latency_ns.mean > 0 ? 1e9 / t->latency_ns.mean : NAN;
  return TRUE;
}

static gboolean
load_layers (BsStore *store, int64_t run, GArray *layers, GArray *stats, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT op, clocks, n, mean_ns, sd_ns, median_ns, p5_ns, p95_ns, min_ns, max_ns, energy_n, "
    "energy_j, energy_lo_j, energy_hi_j, energy_sd_j FROM layer_summaries WHERE run_id = ? "
    "ORDER BY op", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BsLayerStats st = { 0 };

      describe_op (&st, layers, sqlite3_column_int (stmt, 0));
      st.clocks = (BsClockMask) sqlite3_column_int (stmt, 1);
      read_summary (stmt, 3, sqlite3_column_int64 (stmt, 2), &st.time_ns);
      st.energy_n = sqlite3_column_int64 (stmt, 10);
      st.energy_j = column_double (stmt, 11);
      st.energy_lo_j = column_double (stmt, 12);
      st.energy_hi_j = column_double (stmt, 13);
      st.energy_sd_j = column_double (stmt, 14);
      g_array_append_val (stats, st);
    }
  if (rc != SQLITE_DONE)
    return bs_store_fail (store, rc, error, "reading run %" G_GINT64_FORMAT "'s layer summaries",
                          run);
  return TRUE;
}

gboolean
bs_summaries_load (BsStore *store, int64_t run, GArray *layers, GArray *stats,
                   BsRunTotals *totals, gboolean *found, GError **error)
{
  if (!load_totals (store, run, totals, found, error))
    return FALSE;
  if (!*found)
    return TRUE;
  if (!load_layers (store, run, layers, stats, error))
    return FALSE;
  bs_summaries_split (stats, totals);
  return TRUE;
}
