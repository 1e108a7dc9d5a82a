/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-window.c: the window's widgets follow the controller (the one source of truth) and
 * act through the application's actions, so a click, a keyboard shortcut and a D-Bus
 * call take the same path. */
#include "bs-window.h"

#include "bs-application.h"
#include "bs-bundled.h"
#include "bs-compare-page.h"
#include "bs-demo-view.h"
#include "bs-frame-log.h"
#include "bs-graph-page.h"
#include "bs-layers-view.h"
#include "bs-live-view.h"
#include "bs-marker-render.h"
#include "bs-power-chart.h"
#include "bs-run-bar.h"
#include "bs-marker-stats.h"
#include "bs-markers.h"
#include "bs-sessions-page.h"
#include "bs-store.h"

#include <stdlib.h>
#include <string.h>

#define MESSAGE_SECONDS 12

struct _BsWindow
{
  GtkApplicationWindow parent_instance;

  BsRunController *controller;
  GSettings *settings;
  guint banner_timeout;
  const char *banner_page;    /* the view the banner is about (static string), or NULL */
  gboolean banner_from_run;   /* about the run's backend, probe or model */

  GtkHeaderBar *header_bar;
  GtkMenuButton *open_button;
  GMenu *bundled_section;
  GtkStack *mode_stack;
  GtkStack *view_stack;
  GtkLabel *model_label;
  GtkLabel *model_detail_label;
  BsRunBar *run_bar;
  GtkInfoBar *banner;
  GtkLabel *banner_label;
  GtkLabel *status_label;
  GtkLabel *record_label;
  GtkProgressBar *progress_bar;
  BsLiveView *live_view;
  BsLayersView *layers_view;
  BsDemoView *demo_view;
  BsSessionsPage *sessions_page;
  BsComparePage *compare_page;
  BsGraphPage *graph_page;
};

G_DEFINE_FINAL_TYPE (BsWindow, bs_window, GTK_TYPE_APPLICATION_WINDOW)

/* ---- messages ---- */

/* The banner's text is also the read-only state of win.banner ('' when hidden), for tests
 * and accessibility tools. */
static void
set_banner_state (BsWindow *self, const char *text)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "banner");

  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (text));
}

static void
hide_banner (BsWindow *self)
{
  g_clear_handle_id (&self->banner_timeout, g_source_remove);
  gtk_info_bar_set_revealed (self->banner, FALSE);
  self->banner_page = NULL;
  self->banner_from_run = FALSE;
  set_banner_state (self, "");
}

static gboolean
banner_expired (gpointer data)
{
  BsWindow *self = data;

  self->banner_timeout = 0;
  hide_banner (self);
  return G_SOURCE_REMOVE;
}

/* A message stays until closed (errors) or for MESSAGE_SECONDS (notices), and goes
 * earlier when it goes stale: a message about one page when another is shown, a message
 * about the run when its backend, probe or model changes or a new run starts. */
static void
show_banner (BsWindow *self, const char *text, gboolean error, const char *page, gboolean from_run)
{
  /* Errors also go to the log, for whoever started the app from a terminal (and tests). */
  if (error)
    g_message ("%s", text);
  g_clear_handle_id (&self->banner_timeout, g_source_remove);
  gtk_label_set_text (self->banner_label, text);
  gtk_info_bar_set_message_type (self->banner, error ? GTK_MESSAGE_ERROR : GTK_MESSAGE_WARNING);
  gtk_info_bar_set_revealed (self->banner, TRUE);
  self->banner_page = page;
  self->banner_from_run = from_run;
  set_banner_state (self, text);
  if (!error)
    self->banner_timeout = g_timeout_add_seconds (MESSAGE_SECONDS, banner_expired, self);
}

void
bs_window_show_message (BsWindow *self, const char *text, gboolean error)
{
  show_banner (self, text, error, NULL, FALSE);
}

static void
on_banner_response (GtkInfoBar *banner, int response, BsWindow *self)
{
  hide_banner (self);
}

static void
on_run_bar_message (BsRunBar *bar, const char *text, BsWindow *self)
{
  show_banner (self, text, FALSE, NULL, FALSE);
}

/* The first real meter found replaces the demo meter, unless a choice is saved. */
static void
on_probes_found (BsRunBar *bar, const GPtrArray *devices, BsWindow *self)
{
  GApplication *app = g_application_get_default ();

  if (BS_IS_APPLICATION (app))
    bs_application_offer_discovered_probes (BS_APPLICATION (app), devices);
}

static void
on_controller_message (BsRunController *controller, const char *text, gboolean error, BsWindow *self)
{
  show_banner (self, text, error, NULL, TRUE);
}

/* ---- following the controller ---- */

static void
update_model (BsWindow *self)
{
  const BsModel *model = bs_run_controller_get_model (self->controller);
  const BsOpTable *ops = bs_run_controller_get_op_table (self->controller);
  g_autofree char *detail = NULL;

  if (model == NULL)
    {
      gtk_label_set_text (self->model_label, "No model");
      gtk_label_set_text (self->model_detail_label, "open one to start");
      return;
    }
  gtk_label_set_text (self->model_label, model->name);
  detail = g_strdup_printf ("%d layers · %d ops", bs_model_n_layers (model), ops->n_ops);
  gtk_label_set_text (self->model_detail_label, detail);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label),
                               bs_run_controller_get_model_path (self->controller));
  {
    g_autofree char *title = g_strdup_printf ("%s – blendscope", model->name);
    gtk_window_set_title (GTK_WINDOW (self), title);
  }
}

static void
update_record_label (BsWindow *self)
{
  g_autofree char *db = bs_run_controller_get_db_path (self->controller) != NULL
                          ? g_strdup (bs_run_controller_get_db_path (self->controller))
                          : bs_store_default_path ();
  g_autofree char *text = NULL;
  int64_t run = bs_run_controller_get_run_id (self->controller);

  if (bs_run_controller_get_record (self->controller))
    text = g_strdup_printf ("Recording to %s", db);
  else
    text = g_strdup ("Not recording");
  if (run >= 0)
    {
      char *with = g_strdup_printf ("%s · last recorded run: %" G_GINT64_FORMAT, text, run);
      g_free (text);
      text = with;
    }
  gtk_label_set_text (self->record_label, text);
}

static void
on_controller_notify (BsRunController *controller, GParamSpec *pspec, BsWindow *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "status"))
    gtk_label_set_text (self->status_label, bs_run_controller_get_status (controller));
  else if (g_str_equal (name, "backend") || g_str_equal (name, "probe"))
    {
      if (self->banner_from_run)
        hide_banner (self);   /* what the last run said about another backend or meter */
    }
  else if (g_str_equal (name, "record"))
    update_record_label (self);
  else if (g_str_equal (name, "progress"))
    {
      double progress = bs_run_controller_get_progress (controller);
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), progress >= 0);
      if (progress >= 0)
        gtk_progress_bar_set_fraction (self->progress_bar, progress);
    }
  else if (g_str_equal (name, "state"))
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->open_button), !bs_run_controller_is_busy (controller));
    }
}

static void
on_model_changed (BsRunController *controller, BsWindow *self)
{
  update_model (self);
  bs_graph_page_set_model (self->graph_page, bs_run_controller_get_model (controller));
  bs_graph_page_reload (self->graph_page);
}

static void
on_run_finished (BsRunController *controller, gint64 run, const char *summary, gboolean failed,
                 BsWindow *self)
{
  update_record_label (self);
  bs_window_reload_sessions (self);
}

static void
on_run_started (BsRunController *controller, BsWindow *self)
{
  /* A new run makes the last one's complaints stale. */
  hide_banner (self);
}

/* ---- sessions, compare, graph ---- */

char *
bs_window_get_db_path (BsWindow *self)
{
  const char *path = self->controller != NULL ? bs_run_controller_get_db_path (self->controller) : NULL;

  return path != NULL ? g_strdup (path) : bs_store_default_path ();
}

static void
update_compare_summary (BsWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "compare-summary");
  g_autofree char *summary = bs_compare_page_get_summary (self->compare_page);

  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (summary));
}

static void
on_compare_reloaded (BsComparePage *page, BsWindow *self)
{
  update_compare_summary (self);
}

static void
on_compare_failed (BsComparePage *page, const char *reason, BsWindow *self)
{
  g_autofree char *text = g_strdup_printf ("Compare: %s", reason);

  show_banner (self, text, TRUE, NULL, FALSE);
}

void
bs_window_reload_sessions (BsWindow *self)
{
  /* All three read on the shared store's worker; the compare summary follows the
   * compare page's "reloaded". */
  bs_sessions_page_reload (self->sessions_page);
  bs_compare_page_reload (self->compare_page);
  bs_graph_page_reload (self->graph_page);
}

/* The comparison is read off the main thread: win.compare-summary follows "reloaded",
 * and a run that cannot be read is a banner ("failed"). */
gboolean
bs_window_compare (BsWindow *self, const int64_t *runs, int n_runs, GError **error)
{
  if (!bs_compare_page_set_runs (self->compare_page, runs, n_runs, error))
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (self), "view", g_variant_new_string ("compare"));
  return TRUE;
}

static void
change_compare_metric (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsWindow *self = data;

  if (bs_compare_page_set_metric (self->compare_page, g_variant_get_string (value, NULL)))
    {
      g_simple_action_set_state (action, value);
      update_compare_summary (self);
    }
}

static void
change_graph_metric (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsWindow *self = data;

  if (bs_graph_page_set_metric (self->graph_page, g_variant_get_string (value, NULL)))
    g_simple_action_set_state (action, value);
  else
    bs_window_show_message (self, "Graph metrics: precision, time, energy, efficiency", FALSE);
}

static void
change_readonly (GSimpleAction *action, GVariant *value, gpointer data)
{
  /* States the window reports (prediction, banner, compare summary): set by it only. */
}

static void
change_select_layer (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsWindow *self = data;
  g_autoptr (GVariant) state = g_action_get_state (G_ACTION (action));
  const char *name = g_variant_get_string (value, NULL);

  if (g_variant_equal (state, value))
    return;
  g_simple_action_set_state (action, value);
  bs_graph_page_set_selected_layer (self->graph_page, name);
  bs_compare_page_set_selected_layer (self->compare_page, name);
  bs_layers_view_select_layer (self->layers_view, *name ? name : NULL);
}

static void
on_page_layer_activated (GtkWidget *page, const char *name, BsWindow *self)
{
  g_action_group_change_action_state (G_ACTION_GROUP (self), "select-layer", g_variant_new_string (name));
}

static void
activate_export_chart (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsWindow *self = data;
  const char *chart, *path;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  g_variant_get (param, "(&s&s)", &chart, &path);
  if (g_str_equal (chart, "graph"))
    ok = bs_graph_page_export (self->graph_page, path, &error);
  else
    ok = bs_compare_page_export (self->compare_page, chart, path, &error);
  if (ok)
    {
      g_autofree char *text = g_strdup_printf ("Saved the %s chart to %s", chart, path);
      bs_window_show_message (self, text, FALSE);
    }
  else
    bs_window_show_message (self, error->message, TRUE);
}

static void
activate_set_markers (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsWindow *self = data;
  int64_t a, b, run = bs_run_controller_get_run_id (self->controller);
  BsMarkerStats stats;
  g_autofree char *readout = NULL;
  g_autofree char *text = NULL;

  /* ns since the start of the run (the live charts' time axis). */
  g_variant_get (param, "(xx)", &a, &b);
  a += bs_run_controller_get_t0 (self->controller);
  b += bs_run_controller_get_t0 (self->controller);
  bs_power_chart_set_markers (BS_POWER_CHART (bs_live_view_get_power_chart (self->live_view)), a, b);
  if (!bs_marker_stats_compute_series (bs_run_controller_get_power (self->controller), a, b, &stats))
    {
      show_banner (self, "No power readings between the markers", FALSE, "live", FALSE);
      return;
    }
  readout = bs_marker_stats_format (&stats);
  if (run >= 0 && !bs_run_controller_is_busy (self->controller))
    {
      /* Saved with the last recorded run, a range marker with the readout as its note. */
      g_autofree char *db = bs_window_get_db_path (self);
      g_autoptr (BsStore) store = bs_store_open (db, BS_STORE_OPEN_DEFAULT, NULL);
      BsRunMarker marker = { .t_ns = MIN (a, b), .end_ns = MAX (a, b), .label = (char *) "A–B",
                             .note = readout };
      int64_t id = store != NULL ? bs_store_add_run_marker (store, run, &marker, NULL) : -1;

      text = id >= 0 ? g_strdup_printf ("%s · saved with run %" G_GINT64_FORMAT, readout, run)
                     : g_strdup_printf ("%s · not saved (the database refused)", readout);
    }
  else
    text = g_strdup_printf ("%s · not saved (%s)", readout,
                            run < 0 ? "no recorded run" : "the run is still going");
  show_banner (self, text, FALSE, "live", FALSE);   /* about the live charts only */
}

/* ---- window actions ---- */

static void
change_view (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsWindow *self = data;
  const char *name = g_variant_get_string (value, NULL);

  if (gtk_stack_get_child_by_name (self->view_stack, name) == NULL)
    return;
  gtk_stack_set_visible_child_name (self->view_stack, name);
  g_simple_action_set_state (action, value);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "view", name);
}

static void
on_visible_page (GtkStack *stack, GParamSpec *pspec, BsWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "view");
  const char *name = gtk_stack_get_visible_child_name (stack);

  if (action != NULL && name != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (name));
  if (name != NULL && self->banner_page != NULL && !g_str_equal (name, self->banner_page))
    hide_banner (self);
}

static void
change_demo (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsWindow *self = data;
  gboolean demo = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  gtk_widget_set_visible (GTK_WIDGET (self->header_bar), !demo);
  gtk_stack_set_visible_child_name (self->mode_stack, demo ? "demo" : "workbench");
  if (demo)
    {
      g_autoptr (GError) error = NULL;

      gtk_window_fullscreen (GTK_WINDOW (self));
      gtk_widget_grab_focus (GTK_WIDGET (self->demo_view));
      /* A demo runs continuously until stopped; one already running is kept. */
      if (!bs_run_controller_is_busy (self->controller)
          && bs_run_controller_get_model (self->controller) != NULL
          && !bs_run_controller_start_with_mode (self->controller, BS_RUN_MODE_CONTINUOUS, &error))
        bs_window_show_message (self, error->message, TRUE);
    }
  else
    gtk_window_unfullscreen (GTK_WINDOW (self));
}

static gboolean
leave_demo (GtkWidget *widget, GVariant *args, gpointer data)
{
  BsWindow *self = BS_WINDOW (widget);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "demo");
  g_autoptr (GVariant) state = g_action_get_state (action);

  if (!g_variant_get_boolean (state))
    return FALSE;
  g_action_change_state (action, g_variant_new_boolean (FALSE));
  return TRUE;
}

static void
on_open_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  BsWindow *self = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      GApplication *app = g_application_get_default ();

      if (path != NULL && app != NULL)
        g_action_group_activate_action (G_ACTION_GROUP (app), "open-model", g_variant_new_string (path));
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
activate_open (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsWindow *self = data;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new ("Open Model", GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_OPEN,
                                                              "_Open", "_Cancel");
  GtkFileFilter *models = gtk_file_filter_new ();
  GtkFileFilter *all = gtk_file_filter_new ();
  g_autofree char *dir = bs_bundled_models_dir ();

  gtk_file_filter_set_name (models, "Models (*.bsm, QONNX *.onnx)");
  gtk_file_filter_add_pattern (models, "*.bsm");
  gtk_file_filter_add_pattern (models, "*.onnx");
  gtk_file_filter_set_name (all, "All files");
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), models);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  g_object_unref (models);
  g_object_unref (all);
  if (dir != NULL)
    {
      g_autoptr (GFile) folder = g_file_new_for_path (dir);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_input_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  BsWindow *self = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      GApplication *app = g_application_get_default ();

      if (path != NULL && app != NULL)
        g_action_group_activate_action (G_ACTION_GROUP (app), "open-input", g_variant_new_string (path));
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
add_filter (GtkFileChooser *chooser, const char *name, const char *const *patterns)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
  g_object_unref (filter);
}

/* Images to classify: a PNG, or an .npy of images (labels in NAME-labels.npy beside it). */
static void
activate_choose_input (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsWindow *self = data;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new ("Choose Input Images", GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_OPEN,
                                                              "_Use", "_Cancel");
  const char *inputs[] = { "*.png", "*.PNG", "*.npy", NULL }, *all[] = { "*", NULL };
  g_autofree char *models = bs_bundled_models_dir ();

  add_filter (GTK_FILE_CHOOSER (dialog), "Images (PNG, or .npy arrays with NAME-labels.npy beside them)", inputs);
  add_filter (GTK_FILE_CHOOSER (dialog), "All files", all);
  if (models != NULL)
    {
      g_autofree char *parent = g_path_get_dirname (models);
      g_autofree char *gallery = g_build_filename (parent, "gallery", NULL);
      g_autoptr (GFile) folder = g_file_new_for_path (gallery);

      if (g_file_test (gallery, G_FILE_TEST_IS_DIR))
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (on_input_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* The live view's prediction, as a read-only state: what a script (the e2e test) or a
 * screen reader user can ask for. */
static void
on_prediction_summary (BsPredictionTile *tile, GParamSpec *pspec, BsWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "prediction");

  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action),
                               g_variant_new_string (bs_prediction_tile_get_summary (tile)));
}

static int
compare_i64 (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

  return (x > y) - (x < y);
}

static void
activate_zoom (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsWindow *self = data;
  BsTimeView *view = bs_live_view_get_time_view (self->live_view);
  const char *name = g_action_get_name (G_ACTION (action));

  /* Zooming a view that follows the run keeps it at the live edge. */
  double anchor = bs_time_view_get_following (view) ? 1.0 : 0.5;

  if (g_str_equal (name, "zoom-in"))
    bs_time_view_zoom (view, 0.5, anchor);
  else if (g_str_equal (name, "zoom-out"))
    bs_time_view_zoom (view, 2.0, anchor);
  else if (g_str_equal (name, "zoom-reset"))
    bs_time_view_follow (view);
  else if (g_str_equal (name, "zoom-inference"))
    {
      /* A recent, typical inference (its latency near the median of the last 64: not the
       * one a stop or the scheduler cut short or stretched), with a margin: its layers one
       * by one, labelled. */
      BsSpanStore *spans = bs_run_controller_get_spans (self->controller);
      gsize n = bs_span_store_get_n_inferences (spans);
      gsize k = MIN (n, 64), pick = n - 1;
      int64_t d[64];

      if (n == 0)
        return;
      for (gsize i = 0; i < k; i++)
        d[i] = bs_span_store_get_inference_end (spans, n - k + i)
               - bs_span_store_get_inference_start (spans, n - k + i);
      {
        int64_t sorted[64], median;
        memcpy (sorted, d, sizeof (int64_t) * k);
        qsort (sorted, k, sizeof (int64_t), compare_i64);
        median = sorted[k / 2];
        for (gsize i = k; i-- > 0;)
          if (llabs (d[i] - median) <= median / 10)
            {
              pick = n - k + i;
              break;
            }
      }
      {
        int64_t start = bs_span_store_get_inference_start (spans, pick);
        int64_t end = bs_span_store_get_inference_end (spans, pick);
        int64_t margin = MAX ((end - start) / 20, 1000);

        bs_time_view_set_range (view, start - margin, end + margin);
      }
    }
  else if (g_str_equal (name, "pan-left"))
    bs_time_view_pan (view, -0.25);
  else if (g_str_equal (name, "pan-right"))
    bs_time_view_pan (view, 0.25);
}

static void
change_metric (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsWindow *self = data;
  BsMetric metric;

  if (!bs_metric_from_string (g_variant_get_string (value, NULL), &metric))
    return;
  g_simple_action_set_state (action, value);
  bs_layers_view_set_metric (self->layers_view, metric);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "metric", bs_metric_to_string (metric));
}

/* win.choose-backend / win.choose-probe: the dropdown's list, from the keyboard. */
static void
activate_choose (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  BsWindow *self = data;

  bs_run_bar_popup_choice (self->run_bar,
                           g_str_equal (g_action_get_name (G_ACTION (action)), "choose-backend"));
}

static const GActionEntry win_entries[] = {
  { "view", NULL, "s", "'live'", change_view },
  { "demo", NULL, NULL, "false", change_demo },
  { "open", activate_open },
  { "choose-backend", activate_choose },
  { "choose-probe", activate_choose },
  { "choose-input", activate_choose_input },
  { "prediction", NULL, NULL, "''", change_readonly },
  { "banner", NULL, NULL, "''", change_readonly },
  { "zoom-in", activate_zoom },
  { "zoom-out", activate_zoom },
  { "zoom-reset", activate_zoom },
  { "zoom-inference", activate_zoom },
  { "pan-left", activate_zoom },
  { "pan-right", activate_zoom },
  { "metric", NULL, "s", "'time'", change_metric },
  { "compare-metric", NULL, "s", "'time'", change_compare_metric },
  { "compare-summary", NULL, NULL, "''", change_readonly },
  { "graph-metric", NULL, "s", "'precision'", change_graph_metric },
  { "select-layer", NULL, "s", "''", change_select_layer },
  { "export-chart", activate_export_chart, "(ss)" },
  { "set-markers", activate_set_markers, "(xx)" },
};

/* ---- construction ---- */

static void
fill_bundled_menu (BsWindow *self)
{
  g_auto (GStrv) names = bs_bundled_models_list ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *detailed = g_strdup_printf ("app.open-bundled::%s", names[i]);
      g_menu_append (self->bundled_section, names[i], detailed);
    }
  if (names[0] == NULL)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new ("(no bundled models found)", "app.none");
      g_menu_append_item (self->bundled_section, item);
    }
}

static gboolean
bs_window_close_request (GtkWindow *window)
{
  BsWindow *self = BS_WINDOW (window);

  if (self->settings != NULL && !gtk_window_is_fullscreen (window))
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window))
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }
  return GTK_WINDOW_CLASS (bs_window_parent_class)->close_request (window);
}

static void
bs_window_dispose (GObject *object)
{
  BsWindow *self = BS_WINDOW (object);

  g_clear_handle_id (&self->banner_timeout, g_source_remove);
  g_clear_object (&self->controller);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (bs_window_parent_class)->dispose (object);
}

static void
bs_window_class_init (BsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = bs_window_dispose;
  window_class->close_request = bs_window_close_request;

  g_type_ensure (BS_TYPE_LIVE_VIEW);
  g_type_ensure (BS_TYPE_LAYERS_VIEW);
  g_type_ensure (BS_TYPE_DEMO_VIEW);
  g_type_ensure (BS_TYPE_RUN_BAR);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/blendscope/Blendscope/ui/bs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, open_button);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, bundled_section);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, mode_stack);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, model_label);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, model_detail_label);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, run_bar);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, record_label);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, live_view);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, layers_view);
  gtk_widget_class_bind_template_child (widget_class, BsWindow, demo_view);

  /* Escape leaves the demo (F11 toggles it, as an application accelerator). */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, leave_demo, NULL);
}

static void
bs_window_init (BsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  fill_bundled_menu (self);
  g_signal_connect (self->banner, "response", G_CALLBACK (on_banner_response), self);
  g_signal_connect (self->view_stack, "notify::visible-child-name", G_CALLBACK (on_visible_page), self);

  self->sessions_page = BS_SESSIONS_PAGE (bs_sessions_page_new ());
  self->compare_page = BS_COMPARE_PAGE (bs_compare_page_new ());
  self->graph_page = BS_GRAPH_PAGE (bs_graph_page_new ());
  gtk_stack_add_titled (self->view_stack, GTK_WIDGET (self->sessions_page), "sessions", "Sessions");
  gtk_stack_add_titled (self->view_stack, GTK_WIDGET (self->compare_page), "compare", "Compare");
  gtk_stack_add_titled (self->view_stack, GTK_WIDGET (self->graph_page), "graph", "Graph");
  g_signal_connect (self->compare_page, "layer-activated", G_CALLBACK (on_page_layer_activated), self);
  g_signal_connect (self->graph_page, "layer-activated", G_CALLBACK (on_page_layer_activated), self);
}

BsWindow *
bs_window_new (GtkApplication *app, BsRunController *controller, BsSharedStore *store,
               GSettings *settings)
{
  BsWindow *self = g_object_new (BS_TYPE_WINDOW, "application", app, NULL);

  self->controller = g_object_ref (controller);
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  bs_sessions_page_set_store (self->sessions_page, store);
  bs_compare_page_set_store (self->compare_page, store);
  g_signal_connect_object (self->compare_page, "reloaded", G_CALLBACK (on_compare_reloaded), self, 0);
  g_signal_connect_object (self->compare_page, "failed", G_CALLBACK (on_compare_failed), self, 0);
  bs_graph_page_set_store (self->graph_page, store);

  bs_live_view_set_controller (self->live_view, controller);
  g_signal_connect_object (bs_live_view_get_prediction_tile (self->live_view), "notify::summary",
                           G_CALLBACK (on_prediction_summary), self, 0);
  bs_layers_view_set_controller (self->layers_view, controller);
  bs_demo_view_set_controller (self->demo_view, controller);

  g_signal_connect_object (controller, "notify", G_CALLBACK (on_controller_notify), self, 0);
  g_signal_connect_object (controller, "message", G_CALLBACK (on_controller_message), self, 0);
  g_signal_connect_object (controller, "model-changed", G_CALLBACK (on_model_changed), self, 0);
  g_signal_connect_object (controller, "run-finished", G_CALLBACK (on_run_finished), self, 0);
  g_signal_connect_object (controller, "run-started", G_CALLBACK (on_run_started), self, 0);
  bs_run_bar_set_controller (self->run_bar, controller);
  g_signal_connect_object (self->run_bar, "message", G_CALLBACK (on_run_bar_message), self, 0);
  g_signal_connect_object (self->run_bar, "probes-found", G_CALLBACK (on_probes_found), self, 0);

  /* Everything shows the controller's current values. */
  {
    static const char *const props[] = { "status", "record", "state", "progress" };
    for (guint i = 0; i < G_N_ELEMENTS (props); i++)
      on_controller_notify (controller, g_object_class_find_property (G_OBJECT_GET_CLASS (controller),
                                                                      props[i]), self);
  }
  update_model (self);
  update_record_label (self);
  bs_graph_page_set_model (self->graph_page, bs_run_controller_get_model (controller));
  bs_window_reload_sessions (self);

  if (settings != NULL)
    {
      g_autofree char *view = g_settings_get_string (settings, "view");
      g_autofree char *metric = g_settings_get_string (settings, "metric");

      gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      g_action_group_change_action_state (G_ACTION_GROUP (self), "view", g_variant_new_string (view));
      g_action_group_change_action_state (G_ACTION_GROUP (self), "metric", g_variant_new_string (metric));
    }

  bs_frame_log_attach (GTK_WIDGET (self), controller);
  return self;
}
