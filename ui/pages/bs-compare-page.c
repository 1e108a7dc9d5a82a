/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-compare-page.c: the Compare page. The data comes from the session database
 * (bs_query_compare, bs_query_power_overlay) when runs are set;
 * drawing is the pure renderers of ui/render, on screen and in exports alike. */
#include "bs-compare-page.h"
#include "bs-chart-theme.h"

#include "bs-chart-export.h"
#include "bs-compare-render.h"
#include "bs-overlay-render.h"
#include "bs-pareto-render.h"
#include "bs-power-traces.h"
#include "bs-queries.h"
#include "bs-run-colors.h"
#include "bs-runs.h"

#include <json-glib/json-glib.h>
#include <math.h>

#define OVERLAY_HEIGHT 280
#define EXPORT_WIDTH 1100
#define PARETO_WIDTH 720

struct _BsComparePage
{
  GtkBox parent_instance;

  BsChartStyle style;
  BsCompareMetric metric;
  int n_runs;
  int64_t runs[BS_COMPARE_MAX_RUNS];
  BsComparison *comparison;
  BsRun *run_info[BS_COMPARE_MAX_RUNS];
  char *labels[BS_COMPARE_MAX_RUNS];
  GPtrArray *traces;
  BsCompareChart *chart;
  BsParetoChart *pareto;     /* NULL when no compared run has a stored evaluation */
  char *selected;
  int selected_row;

  GtkWidget *stack;
  GtkWidget *header;
  GtkWidget *compare_area;
  GtkWidget *overlay_area;
  GtkWidget *pareto_area;
  BsCompareInfo compare_info;
  BsOverlayInfo overlay_info;
  BsParetoInfo pareto_info;

  BsSharedStore *store;   /* the application's: reloads read it off the main thread */
  GCancellable *query;    /* the reload in flight */
  gboolean asked;         /* that reload is the user's choice of runs: say if it fails */
};

enum
{
  SIGNAL_LAYER_ACTIVATED,
  SIGNAL_RELOADED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BsComparePage, bs_compare_page, GTK_TYPE_BOX)

static void
clear_data (BsComparePage *self)
{
  g_clear_pointer (&self->comparison, bs_comparison_free);
  for (int i = 0; i < BS_COMPARE_MAX_RUNS; i++)
    {
      g_clear_pointer (&self->run_info[i], bs_run_free);
      g_clear_pointer (&self->labels[i], g_free);
    }
  g_clear_pointer (&self->traces, g_ptr_array_unref);
  g_clear_pointer (&self->chart, bs_compare_chart_free);
  g_clear_pointer (&self->pareto, bs_pareto_chart_free);
  self->n_runs = 0;
}

static int
content_height (BsComparePage *self)
{
  BsCompareView view = { self->chart, NULL, 0, self->selected_row, FALSE };

  return self->chart != NULL ? bs_compare_content_height (&view, &self->style) : 100;
}

static void
rebuild_chart (BsComparePage *self)
{
  g_clear_pointer (&self->chart, bs_compare_chart_free);
  if (self->comparison != NULL)
    self->chart = bs_compare_chart_new_from_comparison (self->comparison, self->metric,
                                                        self->run_info);
  self->selected_row = self->chart != NULL && self->selected != NULL
                         ? bs_compare_chart_find_layer (self->chart, self->selected) : -1;
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->compare_area), content_height (self));
  gtk_widget_queue_draw (self->compare_area);
  gtk_widget_queue_draw (self->overlay_area);
  gtk_widget_set_visible (self->pareto_area, self->pareto != NULL);
  gtk_widget_queue_draw (self->pareto_area);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), self->chart != NULL ? "chart" : "empty");
}

static void
draw_compare (cairo_t *cr, int width, int height, gpointer data)
{
  BsComparePage *self = data;
  BsCompareView view = { self->chart, NULL, 0, self->selected_row, FALSE };

  if (self->chart != NULL)
    bs_compare_render (cr, &view, width, height, &self->style, &self->compare_info);
}

static void
draw_overlay (cairo_t *cr, int width, int height, gpointer data)
{
  BsComparePage *self = data;
  BsOverlayData overlay = { 0 };

  if (self->traces == NULL)
    return;
  overlay.n_series = MIN ((int) self->traces->len, BS_OVERLAY_MAX_SERIES);
  for (int i = 0; i < overlay.n_series; i++)
    {
      overlay.series[i].trace = self->traces->pdata[i];
      overlay.series[i].label = self->labels[i];
    }
  overlay.x_start_ns = overlay.x_end_ns = NAN;
  overlay.y_min = overlay.y_max = NAN;
  bs_overlay_render (cr, &overlay, width, height, &self->style, &self->overlay_info);
}

static void
draw_pareto (cairo_t *cr, int width, int height, gpointer data)
{
  BsComparePage *self = data;

  if (self->pareto != NULL)
    bs_pareto_render (cr, self->pareto, width, height, &self->style, &self->pareto_info);
}

static void
area_draw_pareto (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  draw_pareto (cr, width, height, data);
}

static void
area_draw_compare (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  draw_compare (cr, width, height, data);
}

static void
area_draw_overlay (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  draw_overlay (cr, width, height, data);
}

static void
on_compare_pressed (GtkGestureClick *gesture, int n_press, double x, double y, BsComparePage *self)
{
  int layer;

  if (self->chart == NULL)
    return;
  layer = bs_compare_hit (&self->compare_info, x, y);
  if (layer >= 0 && layer < self->chart->n_layers)
    g_signal_emit (self, signals[SIGNAL_LAYER_ACTIVATED], 0, self->chart->layers[layer].name);
}

static char *
describe_runs (BsComparePage *self)
{
  GString *text = g_string_new (NULL);

  for (int i = 0; i < self->n_runs; i++)
    {
      const BsRun *run = self->run_info[i];
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (run->started_us / G_USEC_PER_SEC);
      g_autofree char *date = when != NULL ? g_date_time_format (when, "%d %b %H:%M") : g_strdup ("");
      BsColor c = bs_run_color (&self->style, i);
      g_autofree char *hex = bs_color_to_hex (&c);
      g_autofree char *model = g_markup_escape_text (run->model_name != NULL ? run->model_name : "", -1);

      g_string_append_printf (text, "%s<span foreground=\"%s\">■</span> <b>#%" G_GINT64_FORMAT
                              " %s</b> %s · %s%s", i > 0 ? "    " : "", hex, run->id, run->backend,
                              model, date, i == 0 ? " (baseline)" : "");
    }
  return g_string_free (text, FALSE);
}

/* The accuracy panel's data, when at least one run has a stored evaluation. */
static BsParetoChart *
pareto_chart (BsStore *store, const BsComparison *comparison)
{
  g_autoptr (GArray) points = bs_query_accuracy_points (store, comparison, NULL);

  if (points == NULL)
    return NULL;
  for (guint i = 0; i < points->len; i++)
    if (g_array_index (points, BsAccuracyPoint, i).has_accuracy)
      return bs_pareto_chart_new ((const BsAccuracyPoint *) (void *) points->data,
                                  (int) points->len);
  return NULL;
}

/* What the page shows of a comparison, read from the store (on the main thread by
 * bs_compare_page_set_runs, on the shared store's worker by bs_compare_page_reload). */
typedef struct
{
  int n_runs;
  int64_t runs[BS_COMPARE_MAX_RUNS];
  BsComparison *comparison;
  BsRun *run_info[BS_COMPARE_MAX_RUNS];
  GPtrArray *traces;
  BsParetoChart *pareto;
  char *read_only_reason;
} CompareData;

static void
compare_data_free (CompareData *d)
{
  g_clear_pointer (&d->comparison, bs_comparison_free);
  for (int i = 0; i < BS_COMPARE_MAX_RUNS; i++)
    g_clear_pointer (&d->run_info[i], bs_run_free);
  g_clear_pointer (&d->traces, g_ptr_array_unref);
  g_clear_pointer (&d->pareto, bs_pareto_chart_free);
  g_free (d->read_only_reason);
  g_free (d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CompareData, compare_data_free)

/* A run that is gone is G_IO_ERROR_NOT_FOUND. */
static CompareData *
compare_read (BsStore *store, const int64_t *runs, int n_runs, GError **error)
{
  g_autoptr (CompareData) d = g_new0 (CompareData, 1);

  if ((d->comparison = bs_query_compare (store, runs, n_runs, error)) == NULL)
    return NULL;
  d->n_runs = n_runs;
  for (int i = 0; i < n_runs; i++)
    {
      d->runs[i] = runs[i];
      if ((d->run_info[i] = bs_store_get_run (store, runs[i], NULL)) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No run %" G_GINT64_FORMAT, runs[i]);
          return NULL;
        }
    }
  d->traces = bs_query_power_overlay (store, runs, n_runs, 0, NULL);
  d->pareto = pareto_chart (store, d->comparison);
  d->read_only_reason = g_strdup (bs_store_get_read_only_reason (store));
  return g_steal_pointer (&d);
}

static void
compare_show (BsComparePage *self, CompareData *d)
{
  g_autofree char *markup = NULL;

  clear_data (self);
  self->comparison = g_steal_pointer (&d->comparison);
  self->n_runs = d->n_runs;
  for (int i = 0; i < d->n_runs; i++)
    {
      self->runs[i] = d->runs[i];
      self->run_info[i] = g_steal_pointer (&d->run_info[i]);
      self->labels[i] = g_strdup_printf ("#%" G_GINT64_FORMAT " %s", d->runs[i], self->run_info[i]->backend);
    }
  self->traces = g_steal_pointer (&d->traces);
  self->pareto = g_steal_pointer (&d->pareto);
  markup = describe_runs (self);
  if (d->read_only_reason != NULL)
    {
      /* Shown, but nothing done here can change it: say so. */
      g_autofree char *reason = g_markup_escape_text (d->read_only_reason, -1);
      char *with_note = g_strdup_printf ("%s\n<small>read-only database: %s</small>", markup,
                                         reason);
      g_free (markup);
      markup = with_note;
    }
  gtk_label_set_markup (GTK_LABEL (self->header), markup);
  rebuild_chart (self);
}

static void start_query (BsComparePage *self, const int64_t *runs, int n_runs);

gboolean
bs_compare_page_set_runs (BsComparePage *self, const int64_t *runs, int n_runs, GError **error)
{
  g_return_val_if_fail (BS_IS_COMPARE_PAGE (self), FALSE);
  if (n_runs < 2 || n_runs > BS_COMPARE_MAX_RUNS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Compare needs 2 to %d runs, not %d", BS_COMPARE_MAX_RUNS, n_runs);
      return FALSE;
    }
  /* The page keeps showing what it showed until these runs are read. */
  self->asked = TRUE;
  start_query (self, runs, n_runs);
  return TRUE;
}

/* Worker thread: data is the CompareData to fill (its runs and n_runs set). */
static gpointer
query_compare (BsStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  const CompareData *want = data;

  return compare_read (store, want->runs, want->n_runs, error);
}

static void
on_compare_reloaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (BsComparePage) self = data;   /* the reference the query held */
  g_autoptr (GError) error = NULL;
  g_autoptr (CompareData) d = bs_shared_store_query_finish (BS_SHARED_STORE (source), result, &error);

  gboolean asked = self->asked;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->asked = FALSE;
  if (d != NULL)
    compare_show (self, d);
  else
    {
      clear_data (self);
      rebuild_chart (self);
    }
  g_signal_emit (self, signals[SIGNAL_RELOADED], 0);
  if (d == NULL && asked)
    g_signal_emit (self, signals[SIGNAL_FAILED], 0, error->message);
}

void
bs_compare_page_set_store (BsComparePage *self, BsSharedStore *store)
{
  g_return_if_fail (BS_IS_COMPARE_PAGE (self));
  g_set_object (&self->store, store);
}

/* Reads @runs on the shared store's worker; the newest query wins. */
static void
start_query (BsComparePage *self, const int64_t *runs, int n_runs)
{
  CompareData *want;

  g_cancellable_cancel (self->query);
  g_clear_object (&self->query);
  if (self->store == NULL)
    return;
  want = g_new0 (CompareData, 1);
  want->n_runs = n_runs;
  for (int i = 0; i < n_runs; i++)
    want->runs[i] = runs[i];
  self->query = g_cancellable_new ();
  bs_shared_store_query_async (self->store, query_compare, want, (GDestroyNotify) compare_data_free,
                               (GDestroyNotify) compare_data_free, self->query, on_compare_reloaded,
                               g_object_ref (self));
}

void
bs_compare_page_reload (BsComparePage *self)
{
  g_return_if_fail (BS_IS_COMPARE_PAGE (self));
  if (self->n_runs < 2)
    {
      g_cancellable_cancel (self->query);
      return;
    }
  self->asked = FALSE;
  start_query (self, self->runs, self->n_runs);
}

int
bs_compare_page_get_runs (BsComparePage *self, int64_t *runs)
{
  for (int i = 0; i < self->n_runs; i++)
    runs[i] = self->runs[i];
  return self->n_runs;
}

gboolean
bs_compare_page_set_metric (BsComparePage *self, const char *metric)
{
  if (g_strcmp0 (metric, "time") == 0)
    self->metric = BS_COMPARE_TIME;
  else if (g_strcmp0 (metric, "energy") == 0)
    self->metric = BS_COMPARE_ENERGY;
  else
    return FALSE;
  rebuild_chart (self);
  return TRUE;
}

void
bs_compare_page_set_selected_layer (BsComparePage *self, const char *name)
{
  g_free (self->selected);
  self->selected = g_strdup (name);
  self->selected_row = self->chart != NULL && name != NULL ? bs_compare_chart_find_layer (self->chart, name) : -1;
  gtk_widget_queue_draw (self->compare_area);
}

/* JSON has no NaN: a missing figure is null. */
static void
add_number (JsonBuilder *b, double v)
{
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_numbers (JsonBuilder *b, const double *v, int n)
{
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    add_number (b, v[i]);
  json_builder_end_array (b);
}

static void
add_chart (JsonBuilder *b, const BsCompareChart *c)
{
  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (int i = 0; i < c->n_runs; i++)
    json_builder_add_string_value (b, c->runs[i].label);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "totals");
  json_builder_begin_array (b);
  for (int i = 0; i < c->n_runs; i++)
    add_number (b, c->runs[i].total);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "split");
  json_builder_begin_array (b);
  for (int i = 0; i < c->n_runs; i++)
    add_numbers (b, c->runs[i].split, 3);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "layers");
  json_builder_begin_array (b);
  for (int l = 0; l < c->n_layers; l++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->layers[l].name);
      json_builder_set_member_name (b, "values");
      add_numbers (b, c->layers[l].value, c->n_runs);
      json_builder_set_member_name (b, "significant");
      json_builder_begin_array (b);
      for (int i = 0; i < c->n_runs; i++)
        json_builder_add_boolean_value (b, c->layers[l].significant[i]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_pareto (JsonBuilder *b, const BsParetoChart *p)
{
  json_builder_set_member_name (b, "accuracy");
  json_builder_begin_array (b);
  for (int i = 0; i < p->n_runs; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "top1");
      add_number (b, p->runs[i].accuracy);
      json_builder_set_member_name (b, "latency_s");
      add_number (b, p->runs[i].cost[BS_PARETO_LATENCY]);
      json_builder_set_member_name (b, "energy_j");
      add_number (b, p->runs[i].cost[BS_PARETO_ENERGY]);
      json_builder_set_member_name (b, "pareto_latency");
      json_builder_add_boolean_value (b, p->runs[i].on_front[BS_PARETO_LATENCY]);
      json_builder_set_member_name (b, "pareto_energy");
      json_builder_add_boolean_value (b, p->runs[i].on_front[BS_PARETO_ENERGY]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* Through json-glib: numbers in any locale, names escaped. */
char *
bs_compare_page_get_summary (BsComparePage *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (int i = 0; i < self->n_runs; i++)
    json_builder_add_int_value (b, self->runs[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "metric");
  json_builder_add_string_value (b, self->metric == BS_COMPARE_TIME ? "time" : "energy");
  json_builder_set_member_name (b, "unit");
  json_builder_add_string_value (b, self->metric == BS_COMPARE_TIME ? "s" : "J");
  if (self->chart != NULL)
    add_chart (b, self->chart);
  if (self->pareto != NULL)
    add_pareto (b, self->pareto);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

gboolean
bs_compare_page_export (BsComparePage *self, const char *chart, const char *path, GError **error)
{
  BsChartFormat format;

  if (self->chart == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Nothing to export: no runs compared");
      return FALSE;
    }
  if (!bs_chart_format_from_path (path, &format))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: the name must end in .png or .svg", path);
      return FALSE;
    }
  if (g_strcmp0 (chart, "overlay") == 0 || g_strcmp0 (chart, "power") == 0)
    return bs_chart_export (path, format, EXPORT_WIDTH, 360, 2, draw_overlay, self, error);
  if (g_strcmp0 (chart, "pareto") == 0 || g_strcmp0 (chart, "accuracy") == 0)
    {
      BsParetoInfo saved = self->pareto_info;
      gboolean ok;

      if (self->pareto == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "Nothing to export: none of the compared runs has an accuracy "
                       "(blendscope-cli eval --session)");
          return FALSE;
        }
      ok = bs_chart_export (path, format, EXPORT_WIDTH, 380, 2, draw_pareto, self, error);
      self->pareto_info = saved;
      return ok;
    }
  if (g_strcmp0 (chart, "compare") == 0)
    {
      BsCompareInfo saved = self->compare_info;
      gboolean ok = bs_chart_export (path, format, EXPORT_WIDTH, content_height (self), 2,
                                     draw_compare, self, error);

      self->compare_info = saved;   /* hit-testing follows the screen, not the file */
      return ok;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "No chart \"%s\" in the compare view (compare, overlay, pareto)", chart);
  return FALSE;
}

static void
bs_compare_page_dispose (GObject *object)
{
  BsComparePage *self = BS_COMPARE_PAGE (object);

  g_cancellable_cancel (self->query);
  g_clear_object (&self->query);
  g_clear_object (&self->store);
  clear_data (self);
  g_clear_pointer (&self->selected, g_free);
  G_OBJECT_CLASS (bs_compare_page_parent_class)->dispose (object);
}

static void on_export_chart_clicked (GtkButton *button, BsComparePage *self);
static void on_export_power_clicked (GtkButton *button, BsComparePage *self);

static void
bs_compare_page_class_init (BsComparePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = bs_compare_page_dispose;
  signals[SIGNAL_LAYER_ACTIVATED] =
    g_signal_new ("layer-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A reload's figures are shown (or the runs are gone and the page is empty). */
  signals[SIGNAL_RELOADED] =
    g_signal_new ("reloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* The runs chosen with bs_compare_page_set_runs could not be read: why. */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/blendscope/Blendscope/ui/bs-compare-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BsComparePage, stack);
  gtk_widget_class_bind_template_child (widget_class, BsComparePage, header);
  gtk_widget_class_bind_template_child (widget_class, BsComparePage, compare_area);
  gtk_widget_class_bind_template_child (widget_class, BsComparePage, overlay_area);
  gtk_widget_class_bind_template_child (widget_class, BsComparePage, pareto_area);
  gtk_widget_class_bind_template_callback (widget_class, on_export_chart_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_export_power_clicked);
}



/* ---- export from the UI: a file dialog, then win.export-chart ---- */

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  GtkWidget *from = g_object_get_data (G_OBJECT (dialog), "from");
  const char *chart = g_object_get_data (G_OBJECT (dialog), "chart");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        gtk_widget_activate_action (from, "win.export-chart", "(ss)", chart, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

void
bs_export_chart_dialog (GtkWidget *from, const char *chart, const char *suggested_name)
{
  GtkRoot *root = gtk_widget_get_root (from);
  GtkFileChooserNative *dialog =
    gtk_file_chooser_native_new ("Export Chart", GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, "PNG or SVG (*.png, *.svg)");
  gtk_file_filter_add_pattern (filter, "*.png");
  gtk_file_filter_add_pattern (filter, "*.svg");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested_name);
  g_object_set_data_full (G_OBJECT (dialog), "from", g_object_ref (from), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "chart", g_strdup (chart), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), NULL);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_export_chart_clicked (GtkButton *button, BsComparePage *self)
{
  bs_export_chart_dialog (GTK_WIDGET (button), "compare", "compare.png");
}

static void
on_export_power_clicked (GtkButton *button, BsComparePage *self)
{
  bs_export_chart_dialog (GTK_WIDGET (button), "overlay", "overlay.png");
}

/* The widget tree is bs-compare-page.ui; the drawing, its sizes from C constants and the
 * click on a bar are set up here. */
static void
bs_compare_page_init (BsComparePage *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  bs_chart_theme_follow (GTK_WIDGET (self), &self->style);
  self->selected_row = -1;

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->compare_area), area_draw_compare, self, NULL);
  gtk_widget_add_controller (self->compare_area, GTK_EVENT_CONTROLLER (click));
  g_signal_connect (click, "pressed", G_CALLBACK (on_compare_pressed), self);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->overlay_area), area_draw_overlay, self, NULL);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->pareto_area), area_draw_pareto, self, NULL);
  gtk_widget_set_size_request (self->pareto_area, PARETO_WIDTH, 200);
}

GtkWidget *
bs_compare_page_new (void)
{
  return g_object_new (BS_TYPE_COMPARE_PAGE, NULL);
}
