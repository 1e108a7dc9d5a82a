/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-sessions.c: `blendscope-cli runs | sessions | show | compare | export | delete`,
 * and the run summary `record` prints. Everything goes through sessions/ (no SQL here). */
#include "bs-evaluations.h"
#include "bs-cli.h"
#include "bs-export.h"
#include "bs-power-integral.h"
#include "bs-queries.h"
#include "bs-rail-map.h"
#include "bs-run-data.h"
#include "bs-run-links.h"
#include "bs-runs.h"
#include "bs-store.h"

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

char *
bs_cli_default_db (void)
{
  return bs_store_default_path ();
}

/* Formatting */

static char *
format_ns (double ns)
{
  if (isnan (ns))
    return g_strdup ("-");
  if (fabs (ns) >= 1e11)
    return g_strdup_printf ("%.0f s", ns / 1e9);
  if (fabs (ns) >= 1e9)
    return g_strdup_printf ("%.3g s", ns / 1e9);
  if (fabs (ns) >= 1e6)
    return g_strdup_printf ("%.3g ms", ns / 1e6);
  if (fabs (ns) >= 1e3)
    return g_strdup_printf ("%.3g µs", ns / 1e3);
  return g_strdup_printf ("%.3g ns", ns);
}

static char *
format_joules (double j)
{
  if (isnan (j))
    return g_strdup ("-");
  if (fabs (j) >= 1)
    return g_strdup_printf ("%.3g J", j);
  if (fabs (j) >= 1e-3)
    return g_strdup_printf ("%.3g mJ", j * 1e3);
  if (fabs (j) >= 1e-6)
    return g_strdup_printf ("%.3g µJ", j * 1e6);
  return g_strdup_printf ("%.3g nJ", j * 1e9);
}

static char *
format_started (int64_t started_us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (started_us / G_USEC_PER_SEC);

  return t != NULL ? g_date_time_format (t, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static char *
format_duration (int64_t ns)
{
  return ns < 0 ? g_strdup ("running") : format_ns ((double) ns);
}

/* printf's width counts bytes; "µ" takes two. Pads to `width` columns. */
static void
print_cell (const char *s, int width, gboolean right)
{
  int pad = width - (int) g_utf8_strlen (s, -1);

  if (right)
    printf ("%*s%s", MAX (pad, 0), "", s);
  else
    printf ("%s%*s", s, MAX (pad, 0), "");
}

typedef char *(*FormatFunc) (double value);

static void
print_value_cell (FormatFunc format, double value, int width)
{
  g_autofree char *s = format (value);

  printf (" ");
  print_cell (s, width, TRUE);
}

static void
print_ns_cell (double ns, int width)
{
  print_value_cell (format_ns, ns, width);
}

/* Every command takes --db FILE. */

static GOptionContext *
context_new (const char *parameters, const char *summary, char **db)
{
  GOptionContext *context = g_option_context_new (parameters);
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, db,
      "Session database (default: $XDG_DATA_HOME/blendscope/blendscope.db)", "FILE" },
    { NULL },
  };

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  return context;
}

/* A database this process cannot write is still read; say so (on stderr, so that what a
 * command prints stays parseable), since nothing done here can change it. */
static BsStore *
open_store (char **db, GError **error)
{
  BsStore *store;

  if (*db == NULL)
    *db = bs_cli_default_db ();
  store = bs_store_open (*db, BS_STORE_OPEN_DEFAULT, error);
  if (store != NULL && bs_store_get_read_only_reason (store) != NULL)
    fprintf (stderr, "blendscope-cli: note: %s is read-only (%s); reading it as it is\n", *db,
             bs_store_get_read_only_reason (store));
  return store;
}

static int
usage_error (const char *command, const char *message)
{
  fprintf (stderr, "blendscope-cli %s: %s (see --help)\n", command, message);
  return 2;
}

/* "87.10 %": the run's stored top-1, or "-" without an evaluation (or when it cannot be
 * read: the listing goes on). */
static char *
format_top1 (BsStore *store, int64_t run)
{
  g_autoptr (BsRunEvaluation) e = bs_store_get_run_evaluation (store, run, NULL);

  return e != NULL ? g_strdup_printf ("%.2f %%", 100.0 * bs_run_evaluation_top1 (e))
                   : g_strdup ("-");
}

/* runs */

static void
print_run_line (BsStore *store, const BsRun *r)
{
  g_autofree char *started = format_started (r->started_us);
  g_autofree char *duration = format_duration (r->duration_ns);
  g_autofree char *tags = g_strjoinv (",", r->tags);
  g_autofree char *top1 = format_top1 (store, r->id);

  printf ("%5" G_GINT64_FORMAT "  %-11s %-19s ", r->id, bs_run_status_to_string (r->status),
          started);
  print_cell (duration, 9, TRUE);
  printf ("  %-14s %-6s %-12s %9" G_GINT64_FORMAT " %10" G_GINT64_FORMAT " %8s  %s\n",
          r->model_name, r->backend, r->session ? r->session : "-", r->n_events, r->n_samples,
          top1, tags);
}

int
bs_cli_runs (int argc, char **argv)
{
  g_autofree char *db = NULL;
  BsRunFilter filter = { 0 };
  g_autofree char *session = NULL, *model = NULL, *tag = NULL;
  GOptionEntry entries[] = {
    { "session", 's', 0, G_OPTION_ARG_STRING, &session, "Only runs of this session", "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_STRING, &model, "Only runs of this model", "NAME" },
    { "tag", 't', 0, G_OPTION_ARG_STRING, &tag, "Only runs with this tag", "TAG" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &filter.limit, "At most N runs, newest first", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) context =
    context_new (NULL, "List recorded runs, newest first.", &db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GPtrArray) runs = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1)
    return usage_error ("runs", "takes no arguments");
  filter.session = session;
  filter.model = model;
  filter.tag = tag;
  store = open_store (&db, &error);
  runs = store ? bs_store_list_runs (store, &filter, &error) : NULL;
  if (runs == NULL)
    return bs_cli_fail (error);
  printf ("%5s  %-11s %-19s %9s  %-14s %-6s %-12s %9s %10s %8s  %s\n", "id", "status", "started",
          "duration", "model", "backend", "session", "events", "samples", "top-1", "tags");
  for (guint i = 0; i < runs->len; i++)
    print_run_line (store, runs->pdata[i]);
  if (runs->len == 0)
    printf ("(no runs)\n");
  return 0;
}

/* sessions */

int
bs_cli_sessions (int argc, char **argv)
{
  g_autofree char *db = NULL;
  g_autoptr (GOptionContext) context =
    context_new (NULL, "List sessions (named sets of runs) with their run counts.", &db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GPtrArray) sessions = NULL;

  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1)
    return usage_error ("sessions", "takes no arguments");
  store = open_store (&db, &error);
  sessions = store ? bs_store_list_sessions (store, &error) : NULL;
  if (sessions == NULL)
    return bs_cli_fail (error);
  printf ("%-24s %5s  %-19s  %s\n", "session", "runs", "last run", "notes");
  for (guint i = 0; i < sessions->len; i++)
    {
      const BsSession *s = sessions->pdata[i];
      g_autofree char *last = s->n_runs ? format_started (s->last_started_us) : g_strdup ("-");

      printf ("%-24s %5" G_GINT64_FORMAT "  %-19s  %s\n", s->name, s->n_runs, last, s->notes);
    }
  if (sessions->len == 0)
    printf ("(no sessions)\n");
  return 0;
}

/* show */

static void
print_run_header (const BsRun *r)
{
  g_autofree char *started = format_started (r->started_us);
  g_autofree char *duration = format_duration (r->duration_ns);
  g_autofree char *tags = g_strjoinv (", ", r->tags);

  printf ("run %" G_GINT64_FORMAT ": %s on %s, %s\n", r->id, r->model_name, r->backend,
          bs_run_status_to_string (r->status));
  printf ("  model sha256  %s\n", r->model_sha256);
  if (*r->device)
    printf ("  device        %s\n", r->device);
  printf ("  host          %s\n", r->host);
  printf ("  started       %s, lasted %s\n", started, duration);
  if (r->session != NULL)
    printf ("  session       %s\n", r->session);
  if (*tags)
    printf ("  tags          %s\n", tags);
  if (*r->config)
    printf ("  config        %s\n", r->config);
  if (*r->notes)
    printf ("  notes         %s\n", r->notes);
  if (r->clock_rate != 1.0 || r->clock_offset_ns != 0)
    printf ("  device clock  host = %" G_GINT64_FORMAT " ns + %.9g x device\n", r->clock_offset_ns,
            r->clock_rate);
}

static void
print_totals (const BsRunTotals *t)
{
  g_autofree char *median = format_ns (t->latency_ns.median);
  g_autofree char *p5 = format_ns (t->latency_ns.p5);
  g_autofree char *p95 = format_ns (t->latency_ns.p95);
  g_autofree char *busy = format_ns (t->busy_ns);

  printf ("\n%" G_GINT64_FORMAT " inferences, %" G_GINT64_FORMAT " layer events, %"
          G_GINT64_FORMAT " samples; times measured by: %s\n", t->n_inferences, t->n_events,
          t->n_samples, bs_clock_mask_to_string (t->clocks));
  if (t->n_inferences > 0)
    printf ("latency per inference: median %s (p5 %s, p95 %s), layers busy %s, %.1f inferences/s\n",
            median, p5, p95, busy, t->throughput);
  if (t->has_power)
    {
      g_autofree char *e = format_joules (t->energy_j);
      g_autofree char *per = format_joules (t->energy_per_inference_j);

      printf ("energy %s at %.3f W mean (all power channels), %s per inference\n", e,
              t->mean_power_w, per);
    }
}

/* ---- energy by rail group ---- */

typedef struct
{
  int64_t first_start, last_end;
} EventSpan;

static void
widen_span (const BsLayerEvent *events, guint n, gpointer data)
{
  EventSpan *span = data;

  for (guint i = 0; i < n; i++)
    {
      span->first_start = MIN (span->first_start, events[i].t_start_ns);
      span->last_end = MAX (span->last_end, events[i].t_end_ns);
    }
}

static double
sample_time (gconstpointer data, gsize i)
{
  const GArray *samples = data;
  return (double) (g_array_index (samples, BsSample, i).t_ns - g_array_index (samples, BsSample, 0).t_ns);
}

static double
sample_value (gconstpointer data, gsize i)
{
  return g_array_index ((const GArray *) data, BsSample, i).value;
}

/* Power channels whose names carry a rail group (the hwmon rail map: "PL/VCCINT/power1")
 * integrated over the same span as the run's total (first event start to last event
 * end), summed per group. Prints nothing when no channel carries a group. */
static gboolean
print_rail_energy (BsStore *store, int64_t run, const BsRunTotals *t, GError **error)
{
  g_autoptr (GArray) channels = NULL;
  double energy[BS_RAIL_N_GROUPS] = { 0 };
  int n_channels[BS_RAIL_N_GROUPS] = { 0 };
  EventSpan span = { INT64_MAX, INT64_MIN };
  gboolean any = FALSE;

  if (!t->has_power)
    return TRUE;
  channels = bs_store_get_channels (store, run, error);
  if (channels == NULL)
    return FALSE;
  for (guint i = 0; i < channels->len; i++)
    {
      const BsChannel *c = &g_array_index (channels, BsChannel, i);
      BsRailGroup group;
      any = any || (c->quantity == BS_QUANTITY_POWER && bs_rail_group_of_channel (c->name, &group));
    }
  if (!any)
    return TRUE;
  if (!bs_store_foreach_event_chunk (store, run, widen_span, &span, error))
    return FALSE;
  for (guint i = 0; i < channels->len; i++)
    {
      const BsChannel *c = &g_array_index (channels, BsChannel, i);
      g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
      BsPowerReadings readings;
      BsRailGroup group;
      int64_t origin;

      if (c->quantity != BS_QUANTITY_POWER || !bs_rail_group_of_channel (c->name, &group))
        continue;
      if (!bs_store_read_samples (store, c, INT64_MIN, INT64_MAX, samples, error))
        return FALSE;
      if (samples->len == 0)
        continue;
      origin = g_array_index (samples, BsSample, 0).t_ns;
      readings = (BsPowerReadings) { sample_time, sample_value, samples, 0, samples->len };
      energy[group] += bs_power_integrate (&readings, (double) (span.first_start - origin),
                                           (double) (span.last_end - origin), NULL);
      n_channels[group]++;
    }
  printf ("energy by rail group (measured; the hwmon rail map's names, same span as the total):\n");
  for (int g = 0; g < BS_RAIL_N_GROUPS; g++)
    if (n_channels[g] > 0)
      {
        g_autofree char *e = format_joules (energy[g]);
        g_autofree char *per = format_joules (t->n_inferences > 0 ? energy[g] / (double) t->n_inferences : NAN);
        printf ("  %-6s %s at %.3f W mean (%d channel%s), %s per inference%s\n", bs_rail_group_name (g), e,
                energy[g] / ((double) t->span_ns * 1e-9), n_channels[g], n_channels[g] == 1 ? "" : "s", per,
                g == BS_RAIL_INPUT ? " (the board's input: includes the others)" : "");
      }
  return TRUE;
}

static void
print_split (const BsRunTotals *t)
{
  double total = t->split.time_ns[0] + t->split.time_ns[1] + t->split.time_ns[2]
                 + t->split.unknown_time_ns;

  printf ("\nbinary vs fixed point (per inference):\n");
  for (int p = 0; p < 3; p++)
    {
      g_autofree char *time = format_ns (t->split.time_ns[p]);
      g_autofree char *energy = format_joules (t->has_power ? t->split.energy_j[p] : NAN);
      g_autofree char *macs = bs_cli_format_count (t->split.macs[p]);

      if (t->split.time_ns[p] == 0 && t->split.macs[p] == 0)
        continue;
      printf ("  %-7s time ", bs_precision_to_string ((BsPrecision) p));
      print_cell (time, 9, TRUE);
      printf (" (%5.1f %%)  energy ", total > 0 ? 100 * t->split.time_ns[p] / total : 0.0);
      print_cell (energy, 9, TRUE);
      printf ("  MACs %s\n", macs);
    }
  if (t->split.unknown_time_ns > 0)
    {
      g_autofree char *time = format_ns (t->split.unknown_time_ns);
      printf ("  ops missing from the layer table: %s\n", time);
    }
}

static void
print_layer_stats (GArray *stats)
{
  printf ("\n%3s  %-28s %-7s %-6s %7s %10s %10s %10s %10s %12s  %s\n", "op", "layer", "prec",
          "path", "n", "median", "p5", "p95", "mean", "energy", "clock");
  for (guint i = 0; i < stats->len; i++)
    {
      const BsLayerStats *st = &g_array_index (stats, BsLayerStats, i);
      gboolean known = st->kind != BS_LAYER_N_KINDS;
      g_autofree char *energy = st->energy_n > 0 ? format_joules (st->energy_j) : g_strdup ("-");

      printf ("%3d  %-28s %-7s %-6s %7" G_GINT64_FORMAT, st->op, st->name,
              known ? bs_precision_to_string (st->precision) : "?",
              known ? bs_path_to_string (st->path) : "?", st->time_ns.n);
      print_ns_cell (st->time_ns.median, 10);
      print_ns_cell (st->time_ns.p5, 10);
      print_ns_cell (st->time_ns.p95, 10);
      print_ns_cell (st->time_ns.mean, 10);
      printf (" ");
      print_cell (energy, 12, TRUE);
      printf ("  %s\n", bs_clock_mask_to_string (st->clocks));
    }
}

static void
print_evaluation (const BsRunEvaluation *e)
{
  printf ("  accuracy      top-1 %.2f %% (%" G_GINT64_FORMAT "), top-5 %.2f %% (%" G_GINT64_FORMAT
          ") of %" G_GINT64_FORMAT " images of %s, run on %s\n",
          100.0 * bs_run_evaluation_top1 (e), e->top1_correct, 100.0 * bs_run_evaluation_top5 (e),
          e->top5_correct, e->n_images, e->dataset, e->engine);
  if (e->float_checkpoint != NULL)
    printf ("  float model   agrees on %.2f %% of them (%s)\n",
            100.0 * e->float_agree / e->n_images, e->float_checkpoint);
}

/* A run on another host: its clock against ours, and what that means for a meter on
 * this machine: a layer shorter than the clock's uncertainty cannot be told apart from
 * its neighbours in the power trace. */
static void
print_link (const BsRunLink *link, GArray *stats, gboolean has_power)
{
  g_autofree char *described = bs_run_link_describe (link);
  int short_layers = 0;

  printf ("  remote        %s\n", described);
  if (!has_power)
    return;
  for (guint i = 0; i < stats->len; i++)
    {
      const BsLayerStats *st = &g_array_index (stats, BsLayerStats, i);
      if (st->energy_n > 0 && st->time_ns.median < 2.0 * link->uncertainty_ns)
        short_layers++;
    }
  printf ("  energy        layer times are the remote host's, aligned to this machine's meter"
          " within ± %.3f ms:\n                %d layers last less than twice that; their"
          " energy may belong to their neighbours\n", link->uncertainty_ns / 1e6, short_layers);
}

static int
show_run (BsStore *store, int64_t id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsRun) run = bs_store_get_run (store, id, &error);
  g_autoptr (GArray) stats = NULL;
  g_autoptr (BsRunEvaluation) evaluation = NULL;
  g_autoptr (BsRunLink) link = NULL;
  BsRunTotals totals;

  if (run == NULL)
    return bs_cli_fail (error);
  stats = bs_query_layer_stats (store, id, &error);
  if (stats == NULL || !bs_query_run_totals (store, id, &totals, &error))
    return bs_cli_fail (error);
  evaluation = bs_store_get_run_evaluation (store, id, &error);
  if (error == NULL)
    link = bs_store_get_run_link (store, id, &error);
  if (error != NULL)
    return bs_cli_fail (error);
  print_run_header (run);
  if (link != NULL)
    print_link (link, stats, totals.has_power);
  if (evaluation != NULL)
    print_evaluation (evaluation);
  print_totals (&totals);
  if (!print_rail_energy (store, id, &totals, &error))
    return bs_cli_fail (error);
  print_split (&totals);
  print_layer_stats (stats);
  return 0;
}

int
bs_cli_print_run (const char *db_path, int64_t run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = bs_store_open (db_path, BS_STORE_OPEN_DEFAULT, &error);

  if (store == NULL)
    return bs_cli_fail (error);
  return show_run (store, run);
}

int
bs_cli_show (int argc, char **argv)
{
  g_autofree char *db = NULL;
  g_autoptr (GOptionContext) context =
    context_new ("RUN", "Show a run: where and how it ran, per-layer times (median, p5, p95, "
                        "mean) and energy, and its binary/fixed-point split. RUN is an id or "
                        "'last'.", &db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  int64_t run;

  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    return usage_error ("show", "expected one RUN");
  store = open_store (&db, &error);
  if (store == NULL || !bs_store_resolve_run (store, argv[1], &run, &error))
    return bs_cli_fail (error);
  return show_run (store, run);
}

/* compare */

static void
print_compare_header (const BsComparison *c, const char *what, gboolean layers)
{
  printf ("%-28s %-7s %10s", what, layers ? "prec" : "", "base mean");
  for (int i = 1; i < c->n_runs; i++)
    printf ("  %10s %9s %7s %8s ", "mean", "delta", "ratio", "p (Holm)");
  printf ("\n");
}

static void
print_compare_cells (FormatFunc format, double mean, double delta, double ratio, double p,
                     gboolean significant, gboolean present)
{
  g_autofree char *d = NULL;

  printf (" ");
  print_value_cell (format, present ? mean : NAN, 10);
  d = format (delta);
  if (!isnan (delta) && delta > 0)
    {
      g_autofree char *signed_d = g_strconcat ("+", d, NULL);
      g_free (d);
      d = g_steal_pointer (&signed_d);
    }
  printf (" ");
  print_cell (d, 9, TRUE);
  if (isnan (ratio))
    printf (" %7s", "-");
  else
    printf (" %6.3fx", ratio);
  if (isnan (p))
    printf (" %8s ", "-");
  else if (p < 1e-99)
    printf (" %8s%s", "<1e-99", significant ? "*" : " ");
  else
    printf (" %8.2g%s", p, significant ? "*" : " ");
}

/* One figure of every layer (time or energy), as bs_query_compare computed it. */
static void
print_compare_rows (const BsComparison *c, gsize offset, FormatFunc format)
{
  for (guint k = 0; k < c->rows->len; k++)
    {
      const BsCompareRow *row = &g_array_index (c->rows, BsCompareRow, k);
      const BsCompareFigure *f = G_STRUCT_MEMBER_P (row, offset);

      printf ("%-28s %-7s", row->name, bs_precision_to_string (row->precision));
      print_value_cell (format, f->value[0].n > 0 ? f->value[0].mean : NAN, 10);
      for (int i = 1; i < c->n_runs; i++)
        print_compare_cells (format, f->value[i].mean, f->delta[i], f->ratio[i], f->p_holm[i],
                             f->significant[i], f->value[i].n > 0);
      printf ("\n");
    }
}

/* The time of every group (stage or path), as bs_query_compare tested it. */
static void
print_compare_groups (const BsComparison *c, const GArray *groups)
{
  for (guint k = 0; k < groups->len; k++)
    {
      const BsCompareGroup *g = &g_array_index (groups, BsCompareGroup, k);
      const BsCompareFigure *f = &g->time_ns;

      printf ("%-28s %-7s", g->name, "");
      print_value_cell (format_ns, f->value[0].n > 0 ? f->value[0].mean : NAN, 10);
      for (int i = 1; i < c->n_runs; i++)
        print_compare_cells (format_ns, f->value[i].mean, f->delta[i], f->ratio[i], f->p_holm[i],
                             f->significant[i], f->value[i].n > 0);
      printf ("\n");
    }
}

/* A run total (latency or energy per inference), as bs_query_compare tested it. */
static void
print_total_row (const BsComparison *c, const char *label, const BsCompareFigure *f,
                 FormatFunc format)
{
  printf ("%-28s %-7s", label, "");
  print_value_cell (format, f->value[0].n > 0 ? f->value[0].mean : NAN, 10);
  for (int i = 1; i < c->n_runs; i++)
    print_compare_cells (format, f->value[i].mean, f->delta[i], f->ratio[i], f->p_holm[i],
                         f->significant[i], f->value[i].n > 0);
  printf ("\n");
}

static void
print_compare_totals (const BsComparison *c)
{
  print_total_row (c, "latency per inference", &c->latency_ns, format_ns);
  for (int p = 0; p < 3; p++)
    {
      g_autofree char *label = g_strdup_printf ("%s layers (split)", bs_precision_to_string ((BsPrecision) p));
      double base = c->totals[0].split.time_ns[p];
      gboolean any = FALSE;

      for (int i = 0; i < c->n_runs; i++)
        any |= c->totals[i].split.time_ns[p] > 0;
      if (!any)
        continue;
      printf ("%-28s %-7s", label, "");
      print_ns_cell (base, 10);
      for (int i = 1; i < c->n_runs; i++)
        {
          double t = c->totals[i].split.time_ns[p];
          print_compare_cells (format_ns, t, t - base, base > 0 ? t / base : NAN, NAN, FALSE, TRUE);
        }
      printf ("\n");
    }
}

static gboolean
any_power (const BsComparison *c)
{
  for (int i = 0; i < c->n_runs; i++)
    if (c->totals[i].has_power)
      return TRUE;
  return FALSE;
}

/* Accuracy beside the costs, the figures of the Compare page's Pareto panel. */
static void
print_accuracy_points (BsStore *store, const BsComparison *c)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) points = bs_query_accuracy_points (store, c, &error);
  gboolean any = FALSE;

  if (points == NULL)
    {
      fprintf (stderr, "blendscope-cli: %s\n", error->message);
      return;
    }
  for (guint i = 0; i < points->len; i++)
    any |= g_array_index (points, BsAccuracyPoint, i).has_accuracy;
  if (!any)
    return;
  printf ("\naccuracy vs cost per image (top-1/top-5 from each run's evaluation; latency: median "
          "per inference; energy: mean per inference)\n\n");
  printf ("%7s %9s %9s %8s %12s %12s  %s\n", "run", "top-1", "top-5", "images", "latency",
          "energy", "times by");
  for (guint i = 0; i < points->len; i++)
    {
      const BsAccuracyPoint *p = &g_array_index (points, BsAccuracyPoint, i);
      g_autofree char *latency = isnan (p->latency_ns) ? g_strdup ("-") : format_ns (p->latency_ns);
      g_autofree char *energy = isnan (p->energy_j) ? g_strdup ("-") : format_joules (p->energy_j);

      printf ("%7" G_GINT64_FORMAT, p->run);
      if (p->has_accuracy)
        printf (" %7.2f %% %7.2f %% %8" G_GINT64_FORMAT, 100.0 * p->top1, 100.0 * p->top5,
                p->n_images);
      else
        printf (" %9s %9s %8s", "-", "-", "-");
      printf (" %12s %12s  %s\n", latency, energy, bs_clock_mask_to_string (p->clocks));
    }
}

static void
print_comparison (BsStore *store, const BsComparison *c)
{
  printf ("baseline: run %" G_GINT64_FORMAT, c->runs[0]);
  for (int i = 1; i < c->n_runs; i++)
    printf ("%s run %" G_GINT64_FORMAT, i == 1 ? "; compared:" : ",", c->runs[i]);
  printf ("\n");
  for (int i = 0; i < c->n_runs; i++)
    {
      g_autoptr (BsRun) r = bs_store_get_run (store, c->runs[i], NULL);
      g_autofree char *top1 = format_top1 (store, c->runs[i]);
      if (r != NULL)
        printf ("  run %" G_GINT64_FORMAT ": %s on %s (%s), %" G_GINT64_FORMAT " inferences, "
                "times by %s, top-1 %s\n", r->id, r->model_name, r->backend,
                bs_run_status_to_string (r->status), c->totals[i].n_inferences,
                bs_clock_mask_to_string (c->totals[i].clocks), top1);
    }
  if (c->mixed_origins)
    printf ("WARNING: these runs' times come from different clocks (measured vs modelled, or host vs "
            "device); differences may reflect the method, not the hardware.\n");
  printf ("\nper-layer mean time per inference; p: Welch's t-test against the baseline, Holm-adjusted "
          "over layers; * p < 0.05\n\n");
  print_compare_header (c, "layer", TRUE);
  print_compare_rows (c, G_STRUCT_OFFSET (BsCompareRow, time_ns), format_ns);
  printf ("\n");
  print_compare_totals (c);
  /* Stages and paths match where layer names do not: two different models compare here. */
  printf ("\nper stage (the layer name up to its first dot) and per path: the layers' summed time "
          "per inference; p: Welch, Holm-adjusted over the groups of each table; * p < 0.05\n\n");
  print_compare_header (c, "stage", FALSE);
  print_compare_groups (c, c->stages);
  printf ("\n");
  print_compare_header (c, "path", FALSE);
  print_compare_groups (c, c->paths);
  print_accuracy_points (store, c);
  if (!any_power (c))
    return;
  printf ("\nper-layer mean energy per inference (power at each layer's midpoint times its "
          "time); p and * as above\n\n");
  print_compare_header (c, "layer", TRUE);
  print_compare_rows (c, G_STRUCT_OFFSET (BsCompareRow, energy_j), format_joules);
  printf ("\n");
  print_total_row (c, "energy per inference", &c->energy_j, format_joules);
}

int
bs_cli_compare (int argc, char **argv)
{
  g_autofree char *db = NULL;
  g_autoptr (GOptionContext) context =
    context_new ("RUN RUN [RUN [RUN]]", "Compare 2 to 4 runs layer by layer against the first "
                                        "(the baseline): deltas, ratios, significance, and the "
                                        "binary/fixed-point split of each.", &db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (BsComparison) comparison = NULL;
  int64_t runs[BS_COMPARE_MAX_RUNS];

  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc < 3 || argc > 1 + BS_COMPARE_MAX_RUNS)
    return usage_error ("compare", "expected 2 to 4 RUNs");
  store = open_store (&db, &error);
  if (store == NULL)
    return bs_cli_fail (error);
  for (int i = 1; i < argc; i++)
    if (!bs_store_resolve_run (store, argv[i], &runs[i - 1], &error))
      return bs_cli_fail (error);
  comparison = bs_query_compare (store, runs, argc - 1, &error);
  if (comparison == NULL || !bs_comparison_add_groups (store, comparison, &error))
    return bs_cli_fail (error);
  print_comparison (store, comparison);
  return 0;
}

/* export */

static GOutputStream *
open_output (const char *path, GError **error)
{
  g_autoptr (GFile) file = NULL;

  if (path == NULL || strcmp (path, "-") == 0)
    return g_unix_output_stream_new (1, FALSE);
  file = g_file_new_for_commandline_arg (path);
  return G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error));
}

int
bs_cli_export (int argc, char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *format_name = NULL, *table_name = NULL, *output = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "csv, json (the whole run) or perfetto (trace for ui.perfetto.dev)", "FORMAT" },
    { "table", 't', 0, G_OPTION_ARG_STRING, &table_name,
      "For csv: events (default), samples, markers, layers or stats", "TABLE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE (default: stdout)", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context =
    context_new ("RUN", "Export a run. Times are nanoseconds since the run started.", &db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GOutputStream) out = NULL;
  BsExportFormat format;
  BsExportTable table = BS_EXPORT_TABLE_EVENTS;
  gboolean to_file, existed;
  int64_t run;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    return usage_error ("export", "expected one RUN");
  if (format_name == NULL || !bs_export_format_from_string (format_name, &format))
    return usage_error ("export", "--format must be csv, json or perfetto");
  if (table_name != NULL && (format != BS_EXPORT_CSV || !bs_export_table_from_string (table_name, &table)))
    return usage_error ("export", "--table applies to csv: events, samples, markers, layers or stats");
  store = open_store (&db, &error);
  if (store == NULL || !bs_store_resolve_run (store, argv[1], &run, &error))
    return bs_cli_fail (error);
  to_file = output != NULL && strcmp (output, "-") != 0;
  existed = to_file && g_file_test (output, G_FILE_TEST_EXISTS);
  out = open_output (output, &error);
  if (out == NULL)
    return bs_cli_fail (error);
  if (!bs_export_run (store, run, format, table, out, &error))
    {
      /* No truncated export is left under the name asked for: closing cancelled makes
       * g_file_replace() drop its temporary file and keep a file already there; a file it
       * created afresh is removed. */
      g_autoptr (GCancellable) abandon = g_cancellable_new ();

      g_cancellable_cancel (abandon);
      g_output_stream_close (out, abandon, NULL);
      if (to_file && !existed)
        g_unlink (output);
      return bs_cli_fail (error);
    }
  if (!g_output_stream_close (out, NULL, &error))
    return bs_cli_fail (error);
  return 0;
}

/* delete */

int
bs_cli_delete (int argc, char **argv)
{
  g_autofree char *db = NULL;
  g_autoptr (GOptionContext) context =
    context_new ("RUN [RUN...]", "Delete runs and everything recorded with them. A run still "
                                 "being recorded is refused.", &db);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  int status = 0;

  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc < 2)
    return usage_error ("delete", "expected at least one RUN");
  store = open_store (&db, &error);
  if (store == NULL)
    return bs_cli_fail (error);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local = NULL;
      int64_t run;

      if (bs_store_resolve_run (store, argv[i], &run, &local)
          && bs_store_delete_run (store, run, &local))
        printf ("deleted run %" G_GINT64_FORMAT "\n", run);
      else
        status = bs_cli_fail (local);
    }
  return status;
}
