/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-application.c: actions, accelerators, preferences, the style sheet.
 *
 * Application actions (parameters in GVariant notation; all reachable over D-Bus with
 * org.gtk.Actions.Activate / SetState):
 *   open-model (s path)        open-bundled (s name)      run       stop
 *   open-input (s path: PNG or .npy; "" the gallery)         use-gallery
 *   backend    (s, state)      probe        (s, state)    mode      (s, state: count, continuous, sweep)
 *   inferences (i, state)      record       (b state)     session   (s, state)
 *   about      quit
 *   compare (as run ids)       export-run ((xss) run, format, path)   import-run (s path)
 *   annotate-run ((xs) run, notes)   tag-run ((xs) run, tag; "-tag" removes)
 *   delete-run (x)             rename-session ((ss) name, new name)
 * Window actions (bs-window.c): view (s), demo (b), open, choose-input, zoom-in, zoom-out, zoom-reset,
 * zoom-inference, pan-left, pan-right, metric (s), compare-metric (s), graph-metric (s),
 * select-layer (s), export-chart ((ss)), set-markers ((xx)), compare-summary (s, read),
 * prediction (s, read: the live view's image and prediction as a sentence). */
#include "bs-application.h"

#include "bs-bundled.h"
#include "bs-chart-style.h"
#include "bs-chart-theme.h"
#include "bs-export.h"
#include "bs-import.h"
#include "bs-probe.h"
#include "bs-qonnx-import.h"
#include "bs-queries.h"
#include "bs-runs.h"
#include "bs-sessions.h"
#include "bs-settings.h"
#include "bs-shared-store.h"
#include "bs-window.h"

#include <glib-unix.h>
#include <signal.h>

struct _BsApplication
{
  GtkApplication parent_instance;

  BsRunController *controller;
  /* The session database the pages read: one connection, queried on worker threads
   * (sessions/bs-shared-store.c), so a big file never freezes the window. */
  BsSharedStore *store;
  GSettings *settings;
  guint sigterm_watch;
  guint sigint_watch;         /* 0 when SIGINT was inherited as ignored */
  /* The probe is the default, not the user's choice (none saved): the first meter the
   * window's scan finds replaces the demo meter. */
  gboolean probe_is_default;
  gboolean applying_default;  /* change_probe: set the default, do not save it */
};

G_DEFINE_FINAL_TYPE (BsApplication, bs_application, GTK_TYPE_APPLICATION)

static void
report (BsApplication *self, const char *text, gboolean error)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL && BS_IS_WINDOW (window))
    bs_window_show_message (BS_WINDOW (window), text, error);
  else
    g_warning ("%s", text);
}

static BsWindow *
ensure_window (BsApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (bs_window_new (GTK_APPLICATION (self), self->controller, self->store,
                                        self->settings));
  return BS_WINDOW (window);
}

static gboolean open_model (BsApplication *self, const char *path);

/* The importer's report, shortened for a banner: its first two lines (what was written,
 * exact or approximated) and the logits line. */
static char *
import_summary (const char *onnx_path, const char *report)
{
  g_auto (GStrv) lines = g_strsplit (report, "\n", -1);
  g_autofree char *base = g_path_get_basename (onnx_path);
  GString *text = g_string_new (NULL);
  guint n = g_strv_length (lines);

  g_string_append_printf (text, "Imported the QONNX model %s.", base);
  for (guint i = 1; i < n; i++)
    if (i == 1 || g_str_has_prefix (lines[i], "logits"))
      g_string_append_printf (text, "\n%s", lines[i]);
  return g_string_free (text, FALSE);
}

typedef struct
{
  BsApplication *self;
  char *onnx_path;
} ImportRequest;

static void
import_request_free (ImportRequest *request)
{
  g_object_unref (request->self);
  g_free (request->onnx_path);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImportRequest, import_request_free)

static void
on_qonnx_imported (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (ImportRequest) request = data;
  BsApplication *self = request->self;
  const char *onnx_path = request->onnx_path;
  g_autoptr (GError) error = NULL;
  g_autoptr (BsQonnxImport) result = bs_qonnx_import_finish (res, &error);

  if (result == NULL)
    {
      g_autofree char *text = g_strdup_printf ("Could not import the QONNX model %s: %s",
                                               onnx_path, error->message);
      report (self, text, TRUE);
      return;
    }
  if (open_model (self, result->bsm_path))
    {
      g_autofree char *text = import_summary (onnx_path, result->report);

      report (self, text, FALSE);
    }
}

/* A .onnx file: the importer runs in a subprocess; the model opens when it is done. */
static void
import_qonnx (BsApplication *self, const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *text = g_strdup_printf ("Importing the QONNX model %s…", base);
  ImportRequest *request = g_new0 (ImportRequest, 1);

  request->self = g_object_ref (self);
  request->onnx_path = g_strdup (path);
  report (self, text, FALSE);
  bs_qonnx_import_async (path, NULL, on_qonnx_imported, request);
}

static gboolean
open_model (BsApplication *self, const char *path)
{
  g_autoptr (GError) error = NULL;

  if (bs_qonnx_is_onnx_path (path))
    {
      import_qonnx (self, path);
      return TRUE;
    }
  if (!bs_run_controller_load_model (self->controller, path, &error))
    {
      g_autofree char *text = g_strdup_printf ("Could not open the model %s: %s", path, error->message);
      report (self, text, TRUE);
      return FALSE;
    }
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-model", path);
  return TRUE;
}

/* ---- actions ---- */

static void
activate_open_model (GSimpleAction *action, GVariant *param, gpointer data)
{
  open_model (data, g_variant_get_string (param, NULL));
}

static void
activate_open_bundled (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  const char *name = g_variant_get_string (param, NULL);
  g_autofree char *path = bs_bundled_model_path (name);

  if (path == NULL)
    {
      g_autofree char *text = g_strdup_printf ("There is no bundled model “%s”.", name);
      report (self, text, TRUE);
      return;
    }
  open_model (self, path);
}

/* Images to classify; a file that does not fit the model is a banner, and the images
 * stay what they were. */
static void
open_input (BsApplication *self, const char *path)
{
  g_autoptr (GError) error = NULL;

  if (!bs_run_controller_set_input (self->controller, path, &error))
    {
      g_autofree char *text = g_strdup_printf ("Could not use these input images: %s. The images are "
                                               "unchanged.", error->message);
      report (self, text, TRUE);
    }
}

static void
activate_open_input (GSimpleAction *action, GVariant *param, gpointer data)
{
  open_input (data, g_variant_get_string (param, NULL));
}

static void
activate_use_gallery (GSimpleAction *action, GVariant *param, gpointer data)
{
  open_input (data, NULL);
}

static void
activate_run (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  g_autoptr (GError) error = NULL;

  if (!bs_run_controller_start (self->controller, &error))
    report (self, error->message, TRUE);
}

static void
activate_stop (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;

  bs_run_controller_stop (self->controller);
}

static void
change_backend (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsApplication *self = data;
  const char *spec = g_variant_get_string (value, NULL);

  if (bs_run_controller_is_busy (self->controller))
    {
      report (self, "The backend cannot change during a run.", FALSE);
      return;
    }
  bs_run_controller_set_backend (self->controller, spec);
  g_simple_action_set_state (action, value);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "backend", spec);
}

static void
change_probe (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsApplication *self = data;
  const char *spec = g_variant_get_string (value, NULL);

  if (bs_run_controller_is_busy (self->controller))
    {
      report (self, "The power meter cannot change during a run.", FALSE);
      return;
    }
  bs_run_controller_set_probe (self->controller, g_str_equal (spec, "none") ? "" : spec);
  g_simple_action_set_state (action, value);
  /* Only a choice is saved: a default saved would stay after its meter is unplugged. */
  self->probe_is_default = self->applying_default;
  if (self->settings != NULL && !self->applying_default)
    g_settings_set_string (self->settings, "probe", spec);
}

/* The default probe, set without saving it as the user's choice. */
static void
set_default_probe (BsApplication *self, const char *spec)
{
  self->applying_default = TRUE;
  g_action_group_change_action_state (G_ACTION_GROUP (self), "probe", g_variant_new_string (spec));
  self->applying_default = FALSE;
}

void
bs_application_offer_discovered_probes (BsApplication *self, const GPtrArray *devices)
{
  const char *found = bs_probe_choose_default (devices);

  g_return_if_fail (BS_IS_APPLICATION (self));
  if (found == NULL || !self->probe_is_default || bs_run_controller_is_busy (self->controller))
    return;
  set_default_probe (self, found);
}

static void
change_mode (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsApplication *self = data;
  BsRunMode mode;

  if (!bs_run_mode_from_string (g_variant_get_string (value, NULL), &mode))
    {
      report (self, "Run modes are count, continuous and sweep.", FALSE);
      return;
    }
  bs_run_controller_set_mode (self->controller, mode);
  g_simple_action_set_state (action, value);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "mode", bs_run_mode_to_string (mode));
}

static void
change_inferences (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsApplication *self = data;

  bs_run_controller_set_inferences (self->controller, g_variant_get_int32 (value));
  g_simple_action_set_state (action, g_variant_new_int32 (bs_run_controller_get_inferences (self->controller)));
  if (self->settings != NULL)
    g_settings_set_int (self->settings, "inferences", bs_run_controller_get_inferences (self->controller));
}

static void
change_record (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsApplication *self = data;

  bs_run_controller_set_record (self->controller, g_variant_get_boolean (value));
  g_simple_action_set_state (action, value);
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "record", g_variant_get_boolean (value));
}

static void
change_session (GSimpleAction *action, GVariant *value, gpointer data)
{
  BsApplication *self = data;

  bs_run_controller_set_session (self->controller, g_variant_get_string (value, NULL));
  g_simple_action_set_state (action, value);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "session", g_variant_get_string (value, NULL));
}

static void
activate_about (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  const char *authors[] = { "The blendscope developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "program-name", "blendscope",
                         "logo-icon-name", BS_APP_ID,
                         "version", BS_VERSION,
                         "comments", "Latency and power of binary and fixed-point neural networks "
                                     "on FPGAs, layer by layer",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         NULL);
}

static void
activate_quit (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  bs_run_controller_shutdown (self->controller);
  for (GList *l = windows; l != NULL;)
    {
      GList *next = l->next;
      gtk_window_close (GTK_WINDOW (l->data));
      l = next;
    }
  g_application_quit (G_APPLICATION (self));
}

/* SIGTERM (logout, systemd, kill) and SIGINT (Ctrl-C in the terminal it was started
 * from) close the app the way Quit does: the run being recorded is ended and saved first,
 * instead of being left 'running' to be found 'interrupted' at the next start. */
static gboolean
on_quit_signal (gpointer data)
{
  g_action_group_activate_action (G_ACTION_GROUP (data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}


/* ---- the session database ---- */

/* The controller's database (the "database" setting), or the default one. */
static char *
db_path (BsApplication *self)
{
  return bs_run_controller_get_db_path (self->controller) != NULL
           ? g_strdup (bs_run_controller_get_db_path (self->controller))
           : bs_store_default_path ();
}

static BsStore *
open_store (BsApplication *self, BsStoreOpenFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = db_path (self);
  BsStore *store = bs_store_open (path, flags, &error);

  if (store == NULL)
    {
      g_autofree char *text = g_strdup_printf ("Could not open the session database: %s", error->message);
      report (self, text, TRUE);
    }
  return store;
}

/* After an edit: the sessions, the compared runs and the graph read the database again. */
static void
store_changed (BsApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window != NULL && BS_IS_WINDOW (window))
    bs_window_reload_sessions (BS_WINDOW (window));
}

static void
report_error (BsApplication *self, const char *what, GError *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);
  report (self, text, TRUE);
}

static void
activate_compare (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  g_autofree const char **ids = g_variant_get_strv (param, NULL);
  int64_t runs[BS_COMPARE_MAX_RUNS];
  int n = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;

  for (; ids[n] != NULL; n++)
    if (n >= BS_COMPARE_MAX_RUNS)
      {
        report (self, "Compare takes 2 to 4 runs", TRUE);
        return;
      }
  if (n < 2)
    {
      report (self, "Compare takes 2 to 4 runs", TRUE);
      return;
    }
  if ((store = open_store (self, BS_STORE_OPEN_DEFAULT)) == NULL)
    return;
  for (int i = 0; i < n; i++)
    if (!bs_store_resolve_run (store, ids[i], &runs[i], &error))
      {
        report_error (self, "Compare", error);
        return;
      }
  g_clear_pointer (&store, bs_store_close);
  if (!bs_window_compare (ensure_window (self), runs, n, &error))
    report_error (self, "Compare", error);
}

static void
activate_export_run (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  int64_t run;
  const char *format_name, *path;
  g_auto (GStrv) parts = NULL;
  BsExportFormat format;
  BsExportTable table = BS_EXPORT_TABLE_EVENTS;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileOutputStream) out = NULL;
  g_autoptr (GError) error = NULL;

  g_variant_get (param, "(x&s&s)", &run, &format_name, &path);
  /* "csv" (layer events), "csv:samples", "csv:markers", "csv:layers", "csv:stats". */
  parts = g_strsplit (format_name, ":", 2);
  if (!bs_export_format_from_string (parts[0], &format)
      || (parts[1] != NULL && !bs_export_table_from_string (parts[1], &table)))
    {
      g_autofree char *text = g_strdup_printf ("Export: unknown format \"%s\" (csv, csv:samples, "
                                               "json, perfetto)", format_name);
      report (self, text, TRUE);
      return;
    }
  if ((store = open_store (self, BS_STORE_OPEN_DEFAULT)) == NULL)
    return;
  file = g_file_new_for_path (path);
  if ((out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error)) == NULL
      || !bs_export_run (store, run, format, table, G_OUTPUT_STREAM (out), &error)
      || !g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error))
    {
      report_error (self, "Export", error);
      return;
    }
  {
    g_autofree char *text = g_strdup_printf ("Exported run %" G_GINT64_FORMAT " to %s", run, path);
    report (self, text, FALSE);
  }
}

static void
activate_import_run (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  g_autoptr (BsStore) store = open_store (self, BS_STORE_OPEN_CREATE);
  g_autoptr (GError) error = NULL;
  int64_t run;

  if (store == NULL)
    return;
  run = bs_import_run_file (store, g_variant_get_string (param, NULL), NULL, &error);
  g_clear_pointer (&store, bs_store_close);
  if (run < 0)
    {
      report_error (self, "Import", error);
      return;
    }
  {
    g_autofree char *text = g_strdup_printf ("Imported %s as run %" G_GINT64_FORMAT,
                                             g_variant_get_string (param, NULL), run);
    report (self, text, FALSE);
  }
  store_changed (self);
}

static void
activate_edit_run (GSimpleAction *action, GVariant *param, gpointer data)
{
  BsApplication *self = data;
  const char *name = g_action_get_name (G_ACTION (action));
  g_autoptr (BsStore) store = open_store (self, BS_STORE_OPEN_DEFAULT);
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (store == NULL)
    return;
  if (g_str_equal (name, "delete-run"))
    ok = bs_store_delete_run (store, g_variant_get_int64 (param), &error);
  else if (g_str_equal (name, "rename-session"))
    {
      const char *old, *new;
      g_variant_get (param, "(&s&s)", &old, &new);
      ok = bs_store_rename_session (store, old, new, &error);
    }
  else
    {
      int64_t run;
      const char *text;

      g_variant_get (param, "(x&s)", &run, &text);
      if (g_str_equal (name, "annotate-run"))
        ok = bs_store_set_run_notes (store, run, *text ? text : NULL, &error);
      else if (*text == '-' && text[1] != '\0')
        ok = bs_store_tag_run (store, run, text + 1, FALSE, &error);
      else if (*text != '\0')
        ok = bs_store_tag_run (store, run, text, TRUE, &error);
      else
        ok = TRUE;
    }
  g_clear_pointer (&store, bs_store_close);
  if (!ok)
    report_error (self, name, error);
  store_changed (self);
}

static const GActionEntry app_entries[] = {
  { "open-model", activate_open_model, "s" },
  { "open-bundled", activate_open_bundled, "s" },
  { "open-input", activate_open_input, "s" },
  { "use-gallery", activate_use_gallery },
  { "run", activate_run },
  { "stop", activate_stop },
  { "backend", NULL, "s", "'cpu'", change_backend },
  { "probe", NULL, "s", "'none'", change_probe },
  { "mode", NULL, "s", "'count'", change_mode },
  { "inferences", NULL, "i", "200", change_inferences },
  { "record", NULL, NULL, "false", change_record },
  { "session", NULL, "s", "''", change_session },
  { "about", activate_about },
  { "quit", activate_quit },
  { "compare", activate_compare, "as" },
  { "export-run", activate_export_run, "(xss)" },
  { "import-run", activate_import_run, "s" },
  { "annotate-run", activate_edit_run, "(xs)" },
  { "tag-run", activate_edit_run, "(xs)" },
  { "delete-run", activate_edit_run, "x" },
  { "rename-session", activate_edit_run, "(ss)" },
};

/* run needs an idle controller and a model; stop a run. */
static void
update_enabled (BsApplication *self)
{
  gboolean busy = bs_run_controller_is_busy (self->controller);
  gboolean model = bs_run_controller_get_model (self->controller) != NULL;
  GAction *run = g_action_map_lookup_action (G_ACTION_MAP (self), "run");
  GAction *stop = g_action_map_lookup_action (G_ACTION_MAP (self), "stop");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (run), !busy && model);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (stop), busy);
}

static void
on_controller_state (BsRunController *controller, GParamSpec *pspec, BsApplication *self)
{
  update_enabled (self);
}

static void
on_model_changed (BsRunController *controller, BsApplication *self)
{
  update_enabled (self);
}

/* ---- preferences ---- */

static void
apply_settings (BsApplication *self)
{
  GActionGroup *group = G_ACTION_GROUP (self);
  g_autofree char *backend = NULL, *probe = NULL, *mode = NULL, *session = NULL, *db = NULL;

  if (self->settings == NULL)
    {
      /* Without a schema: the documented defaults, the demo meter until a meter is found. */
      set_default_probe (self, bs_probe_default_spec ());
      return;
    }
  backend = g_settings_get_string (self->settings, "backend");
  probe = g_settings_get_string (self->settings, "probe");
  mode = g_settings_get_string (self->settings, "mode");
  session = g_settings_get_string (self->settings, "session");
  db = g_settings_get_string (self->settings, "database");
  /* No choice saved: this build's demo meter until the window's scan finds a real one. */
  if (*probe == '\0')
    set_default_probe (self, bs_probe_default_spec ());
  bs_run_controller_set_db_path (self->controller, db);
  {
    g_autofree char *path = db_path (self);
    bs_shared_store_set_path (self->store, path);
  }
  bs_run_controller_set_sweep_times (self->controller,
                                     (int64_t) g_settings_get_int (self->settings, "sweep-busy-ms") * 1000000,
                                     (int64_t) g_settings_get_int (self->settings, "sweep-idle-ms") * 1000000);
  g_action_group_change_action_state (group, "backend", g_variant_new_string (backend));
  if (*probe != '\0')
    g_action_group_change_action_state (group, "probe", g_variant_new_string (probe));
  g_action_group_change_action_state (group, "mode", g_variant_new_string (mode));
  g_action_group_change_action_state (group, "inferences",
                                      g_variant_new_int32 (g_settings_get_int (self->settings, "inferences")));
  g_action_group_change_action_state (group, "record",
                                      g_variant_new_boolean (g_settings_get_boolean (self->settings, "record")));
  g_action_group_change_action_state (group, "session", g_variant_new_string (session));
}

static void
load_style (void)
{
  g_autofree char *palette = bs_chart_style_css ();
  g_autoptr (GBytes) sheet = g_resources_lookup_data ("/org/blendscope/Blendscope/ui/bs-style.css",
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_autofree char *css = g_strconcat (palette, sheet != NULL ? (const char *) g_bytes_get_data (sheet, NULL) : "",
                                      NULL);
  GtkCssProvider *provider = gtk_css_provider_new ();

  /* The palette's @define-color lines and the sheet in one provider, so the sheet's
   * @bs_binary is the renderers' binary colour. */
  gtk_css_provider_load_from_data (provider, css, -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (provider);
}

static void
on_theme_setting (GSettings *settings, const char *key, gpointer data)
{
  g_autofree char *theme = g_settings_get_string (settings, "theme");

  bs_chart_theme_apply_setting (theme);
}

/* app.theme ("system", "light", "dark"): the setting itself, as an action (menu, D-Bus). */
static void
follow_theme_setting (BsApplication *self)
{
  g_autoptr (GAction) action = NULL;

  if (self->settings == NULL)
    return;
  action = g_settings_create_action (self->settings, "theme");
  g_action_map_add_action (G_ACTION_MAP (self), action);
  g_signal_connect_object (self->settings, "changed::theme", G_CALLBACK (on_theme_setting), self, 0);
  on_theme_setting (self->settings, "theme", self);
}

static void
bs_application_startup (GApplication *app)
{
  BsApplication *self = BS_APPLICATION (app);
  struct { const char *action; const char *accels[4]; } accels[] = {
    { "app.run", { "<Control>r", "F5", NULL } },
    { "app.stop", { "<Control>period", "<Shift>F5", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.choose-input", { "<Control><Shift>o", NULL } },
    { "win.view::live", { "<Control>1", NULL } },
    { "win.view::layers", { "<Control>2", NULL } },
    { "win.view::sessions", { "<Control>3", NULL } },
    { "win.view::compare", { "<Control>4", NULL } },
    { "win.view::graph", { "<Control>5", NULL } },
    { "app.record", { "<Control><Shift>r", NULL } },
    { "app.mode::count", { "<Alt>1", NULL } },
    { "app.mode::continuous", { "<Alt>2", NULL } },
    { "app.mode::sweep", { "<Alt>3", NULL } },
    { "win.choose-backend", { "<Control>b", NULL } },
    { "win.choose-probe", { "<Control>m", NULL } },
    { "win.demo", { "F11", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", "<Control>KP_Add", NULL } },
    { "win.zoom-out", { "<Control>minus", "<Control>KP_Subtract", NULL } },
    { "win.zoom-reset", { "<Control>0", NULL } },
    { "win.zoom-inference", { "<Control>i", NULL } },
    { "win.pan-left", { "<Control>Left", NULL } },
    { "win.pan-right", { "<Control>Right", NULL } },
  };

  G_APPLICATION_CLASS (bs_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);

  load_style ();
  self->settings = bs_settings_new ();
  self->controller = bs_run_controller_new ();
  self->store = bs_shared_store_new (NULL);
  g_signal_connect_object (self->controller, "notify::state", G_CALLBACK (on_controller_state), self, 0);
  g_signal_connect_object (self->controller, "model-changed", G_CALLBACK (on_model_changed), self, 0);
  apply_settings (self);
  follow_theme_setting (self);
  update_enabled (self);
  self->sigterm_watch = g_unix_signal_add (SIGTERM, on_quit_signal, self);
  /* An inherited "ignore SIGINT" (nohup, a background job) is respected. */
  {
    struct sigaction old;

    if (sigaction (SIGINT, NULL, &old) != 0 || old.sa_handler != SIG_IGN)
      self->sigint_watch = g_unix_signal_add (SIGINT, on_quit_signal, self);
  }
}

static void
load_initial_model (BsApplication *self)
{
  g_autofree char *last = self->settings != NULL ? g_settings_get_string (self->settings, "last-model") : NULL;
  g_autofree char *bundled = NULL;

  if (bs_run_controller_get_model (self->controller) != NULL)
    return;
  /* The last model, or the default one (bs_bundled_default_model_path: the trained
   * Fashion-MNIST BlendNet when bundled): the app always opens on something it can run. */
  if (last != NULL && *last && g_file_test (last, G_FILE_TEST_IS_REGULAR) && open_model (self, last))
    return;
  bundled = bs_bundled_default_model_path ();
  if (bundled != NULL)
    open_model (self, bundled);
}

static void
bs_application_activate (GApplication *app)
{
  BsApplication *self = BS_APPLICATION (app);
  BsWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  load_initial_model (self);
}

static void
bs_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  BsApplication *self = BS_APPLICATION (app);
  BsWindow *window = ensure_window (self);
  g_autofree char *path = n_files > 0 ? g_file_get_path (files[0]) : NULL;

  gtk_window_present (GTK_WINDOW (window));
  if (path != NULL)
    open_model (self, path);
  if (bs_run_controller_get_model (self->controller) == NULL)
    load_initial_model (self);
}

static void
bs_application_shutdown (GApplication *app)
{
  BsApplication *self = BS_APPLICATION (app);

  g_clear_handle_id (&self->sigterm_watch, g_source_remove);
  g_clear_handle_id (&self->sigint_watch, g_source_remove);
  if (self->controller != NULL)
    bs_run_controller_shutdown (self->controller);
  G_APPLICATION_CLASS (bs_application_parent_class)->shutdown (app);
}

static void
bs_application_dispose (GObject *object)
{
  BsApplication *self = BS_APPLICATION (object);

  g_clear_object (&self->controller);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (bs_application_parent_class)->dispose (object);
}

static void
bs_application_class_init (BsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = bs_application_dispose;
  app_class->startup = bs_application_startup;
  app_class->activate = bs_application_activate;
  app_class->open = bs_application_open;
  app_class->shutdown = bs_application_shutdown;
}

static void
bs_application_init (BsApplication *self)
{
}

BsApplication *
bs_application_new (void)
{
  return g_object_new (BS_TYPE_APPLICATION,
                       "application-id", BS_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/blendscope/Blendscope",
                       NULL);
}

BsRunController *
bs_application_get_controller (BsApplication *self)
{
  return self->controller;
}
