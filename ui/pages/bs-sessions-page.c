/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sessions-page.c: the Sessions page. */
#include "bs-sessions-page.h"

#include "bs-evaluations.h"
#include "bs-runs.h"
#include "bs-sessions.h"

#include <string.h>

/* ---- a run as a list item ---- */

#define BS_TYPE_RUN_ITEM (bs_run_item_get_type ())
G_DECLARE_FINAL_TYPE (BsRunItem, bs_run_item, BS, RUN_ITEM, GObject)

struct _BsRunItem
{
  GObject parent_instance;
  BsRun *run;
  BsRunEvaluation *evaluation;   /* its stored accuracy, or NULL */
};

G_DEFINE_FINAL_TYPE (BsRunItem, bs_run_item, G_TYPE_OBJECT)

static void
bs_run_item_finalize (GObject *object)
{
  g_clear_pointer (&BS_RUN_ITEM (object)->run, bs_run_free);
  g_clear_pointer (&BS_RUN_ITEM (object)->evaluation, bs_run_evaluation_free);
  G_OBJECT_CLASS (bs_run_item_parent_class)->finalize (object);
}

static void
bs_run_item_class_init (BsRunItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bs_run_item_finalize;
}

static void
bs_run_item_init (BsRunItem *self)
{
}

/* ---- the page ---- */

enum
{
  COL_ID,
  COL_SESSION,
  COL_MODEL,
  COL_BACKEND,
  COL_DATE,
  COL_STATUS,
  COL_ACCURACY,
  COL_TAGS,
  COL_NOTES,
  N_COLUMNS
};

struct _BsSessionsPage
{
  GtkBox parent_instance;

  BsSharedStore *store;          /* the application's, queried off the main thread */
  GCancellable *sessions_query;  /* the reads in flight: a newer one cancels the older */
  GCancellable *runs_query;
  GPtrArray *session_names;   /* index 0: NULL, "All runs" */
  GtkStringList *session_labels;
  GtkSingleSelection *session_selection;
  GListStore *runs;
  GtkMultiSelection *run_selection;
  GtkWidget *session_list;
  GtkWidget *table;
  GtkWidget *info;
  gboolean reloading;
};

G_DEFINE_FINAL_TYPE (BsSessionsPage, bs_sessions_page, GTK_TYPE_BOX)

/* "87.12 %" (top-1), and what it was measured on for the tooltip. */
static char *
accuracy_text (const BsRunEvaluation *e, gboolean detail)
{
  if (e == NULL)
    return g_strdup (detail ? "" : "—");
  if (!detail)
    return g_strdup_printf ("%.2f %%", 100.0 * bs_run_evaluation_top1 (e));
  return g_strdup_printf ("top-1 %.2f %%, top-5 %.2f %% of %" G_GINT64_FORMAT " images of %s, "
                          "run on %s", 100.0 * bs_run_evaluation_top1 (e),
                          100.0 * bs_run_evaluation_top5 (e), e->n_images, e->dataset, e->engine);
}

static char *
cell_text (const BsRunItem *item, int column)
{
  const BsRun *run = item->run;

  switch (column)
    {
    case COL_ACCURACY:
      return accuracy_text (item->evaluation, FALSE);
    case COL_ID:
      return g_strdup_printf ("%" G_GINT64_FORMAT, run->id);
    case COL_SESSION:
      return g_strdup (run->session != NULL ? run->session : "—");
    case COL_MODEL:
      return g_strdup (run->model_name != NULL ? run->model_name : "");
    case COL_BACKEND:
      return g_strdup (run->backend);
    case COL_DATE:
      {
        g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (run->started_us / G_USEC_PER_SEC);
        return when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S") : g_strdup ("");
      }
    case COL_STATUS:
      if (run->duration_ns >= 0)
        return g_strdup_printf ("%s · %.1f s", bs_run_status_to_string (run->status), run->duration_ns / 1e9);
      return g_strdup (bs_run_status_to_string (run->status));
    case COL_TAGS:
      return run->tags != NULL ? g_strjoinv (", ", run->tags) : g_strdup ("");
    case COL_NOTES:
      {
        char *notes = g_strdup (run->notes != NULL ? run->notes : "");
        g_strdelimit (notes, "\n\r\t", ' ');
        return notes;
      }
    default:
      return g_strdup ("");
    }
}

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);
  int column = GPOINTER_TO_INT (data);

  gtk_label_set_xalign (GTK_LABEL (label), column == COL_ID ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == COL_ID)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  BsRunItem *run = gtk_list_item_get_item (item);
  g_autofree char *text = cell_text (run, GPOINTER_TO_INT (data));
  g_autofree char *accuracy = accuracy_text (run->evaluation, TRUE);
  GtkWidget *label = gtk_list_item_get_child (item);

  gtk_label_set_text (GTK_LABEL (label), text);
  if (GPOINTER_TO_INT (data) == COL_ACCURACY)
    gtk_widget_set_tooltip_text (label, *accuracy ? accuracy : NULL);
  else
    gtk_widget_set_tooltip_text (label, GPOINTER_TO_INT (data) == COL_NOTES && *text ? run->run->notes : NULL);
}

static void
add_column (BsSessionsPage *self, const char *title, int column, int width, gboolean expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (column));
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (col, TRUE);
  if (width > 0)
    gtk_column_view_column_set_fixed_width (col, width);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_append_column (GTK_COLUMN_VIEW (self->table), col);
  g_object_unref (col);
}

static const char *
selected_session (BsSessionsPage *self)
{
  guint i = gtk_single_selection_get_selected (self->session_selection);

  return self->session_names != NULL && i != GTK_INVALID_LIST_POSITION && i < self->session_names->len
           ? self->session_names->pdata[i] : NULL;
}

/* ---- reading the database (on the shared store's worker thread) ---- */

typedef struct
{
  GPtrArray *runs;          /* BsRun */
  GPtrArray *evaluations;   /* BsRunEvaluation or NULL, one per run */
  char *read_only_reason;
} RunsResult;

static void
runs_result_free (RunsResult *r)
{
  g_clear_pointer (&r->runs, g_ptr_array_unref);
  g_clear_pointer (&r->evaluations, g_ptr_array_unref);
  g_free (r->read_only_reason);
  g_free (r);
}

/* Worker thread: the runs of one session (data: its name, or NULL for all) with their
 * stored accuracy. */
static gpointer
query_runs (BsStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  BsRunFilter filter = { 0 };
  RunsResult *r;
  GPtrArray *runs;

  filter.session = data;
  if ((runs = bs_store_list_runs (store, &filter, error)) == NULL)
    return NULL;
  r = g_new0 (RunsResult, 1);
  r->runs = runs;
  r->evaluations = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_run_evaluation_free);
  for (guint i = 0; i < runs->len; i++)
    g_ptr_array_add (r->evaluations,
                     bs_store_get_run_evaluation (store, ((BsRun *) runs->pdata[i])->id, NULL));
  r->read_only_reason = g_strdup (bs_store_get_read_only_reason (store));
  return r;
}

/* Worker thread: the sessions, for the list on the left. */
static gpointer
query_sessions (BsStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  return bs_store_list_sessions (store, error);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
on_runs_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (BsSessionsPage) self = data;   /* the reference the query held */
  g_autoptr (GError) error = NULL;
  RunsResult *r = bs_shared_store_query_finish (BS_SHARED_STORE (source), result, &error);
  g_autoptr (GHashTable) selected = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree int64_t *ids = NULL;
  g_autofree char *db_path = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  g_autoptr (GtkBitset) keep = gtk_bitset_new_empty ();
  g_autofree char *text = NULL;

  if (is_cancelled (error))   /* a newer query took over, or the page went */
    return;
  ids = g_new (int64_t, MAX (n, 1));
  {
    int k = bs_sessions_page_get_selected (self, ids, (int) n);
    for (int i = 0; i < k; i++)
      g_hash_table_add (selected, &ids[i]);
  }
  g_list_store_remove_all (self->runs);
  for (guint i = 0; r != NULL && i < r->runs->len; i++)
    {
      BsRunItem *item = g_object_new (BS_TYPE_RUN_ITEM, NULL);

      item->run = g_steal_pointer (&r->runs->pdata[i]);
      item->evaluation = g_steal_pointer (&r->evaluations->pdata[i]);
      if (g_hash_table_contains (selected, &item->run->id))
        gtk_bitset_add (keep, i);
      g_list_store_append (self->runs, item);
      g_object_unref (item);
    }
  if (!gtk_bitset_is_empty (keep))
    gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->run_selection), keep, keep);

  db_path = bs_shared_store_dup_path (BS_SHARED_STORE (source));
  if (g_error_matches (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND))
    text = g_strdup_printf ("No database yet at %s: record a run or import one.",
                            db_path != NULL ? db_path : "(none)");
  else if (error != NULL)
    text = g_strdup_printf ("%s", error->message);
  else if (r->read_only_reason != NULL)
    /* Shown, but nothing done here can change it: say so before an edit fails. */
    text = g_strdup_printf ("%u runs · select 2 to 4 and press Compare · read-only: %s",
                            r->runs->len, r->read_only_reason);
  else
    text = g_strdup_printf ("%u runs · select 2 to 4 and press Compare", r->runs->len);
  gtk_label_set_text (GTK_LABEL (self->info), text);
  g_clear_pointer (&r, runs_result_free);
}

static void
load_runs (BsSessionsPage *self)
{
  if (self->store == NULL)
    return;
  g_cancellable_cancel (self->runs_query);
  g_clear_object (&self->runs_query);
  self->runs_query = g_cancellable_new ();
  bs_shared_store_query_async (self->store, query_runs, g_strdup (selected_session (self)), g_free,
                               (GDestroyNotify) runs_result_free, self->runs_query, on_runs_loaded,
                               g_object_ref (self));
}

static void
on_session_selected (GtkSingleSelection *selection, GParamSpec *pspec, BsSessionsPage *self)
{
  if (!self->reloading)
    load_runs (self);
}

static void
on_sessions_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (BsSessionsPage) self = data;   /* the reference the query held */
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sessions = bs_shared_store_query_finish (BS_SHARED_STORE (source), result, &error);
  g_autofree char *keep = NULL;
  guint select = 0;

  if (is_cancelled (error))
    return;
  keep = g_strdup (selected_session (self));
  self->reloading = TRUE;
  g_ptr_array_set_size (self->session_names, 0);
  g_ptr_array_add (self->session_names, NULL);
  {
    guint n = g_list_model_get_n_items (G_LIST_MODEL (self->session_labels));
    GPtrArray *labels = g_ptr_array_new_with_free_func (g_free);

    g_ptr_array_add (labels, g_strdup ("All runs"));
    for (guint i = 0; sessions != NULL && i < sessions->len; i++)
      {
        const BsSession *s = sessions->pdata[i];

        g_ptr_array_add (self->session_names, g_strdup (s->name));
        g_ptr_array_add (labels, g_strdup_printf ("%s (%" G_GINT64_FORMAT ")", s->name, s->n_runs));
        if (g_strcmp0 (keep, s->name) == 0)
          select = i + 1;
      }
    g_ptr_array_add (labels, NULL);
    gtk_string_list_splice (self->session_labels, 0, n, (const char *const *) labels->pdata);
    g_ptr_array_unref (labels);
  }
  gtk_single_selection_set_selected (self->session_selection, select);
  self->reloading = FALSE;
  load_runs (self);
}

void
bs_sessions_page_set_store (BsSessionsPage *self, BsSharedStore *store)
{
  g_return_if_fail (BS_IS_SESSIONS_PAGE (self));
  g_set_object (&self->store, store);
}

void
bs_sessions_page_reload (BsSessionsPage *self)
{
  g_return_if_fail (BS_IS_SESSIONS_PAGE (self));
  if (self->store == NULL)
    return;
  /* The runs follow once the sessions are in (load_runs from on_sessions_loaded). */
  g_cancellable_cancel (self->runs_query);
  g_cancellable_cancel (self->sessions_query);
  g_clear_object (&self->sessions_query);
  self->sessions_query = g_cancellable_new ();
  bs_shared_store_query_async (self->store, query_sessions, NULL, NULL,
                               (GDestroyNotify) g_ptr_array_unref, self->sessions_query,
                               on_sessions_loaded, g_object_ref (self));
}

int
bs_sessions_page_get_selected (BsSessionsPage *self, int64_t *runs, int max)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  int k = 0;

  for (guint i = 0; i < n && k < max; i++)
    if (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->run_selection), i))
      {
        g_autoptr (BsRunItem) item = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
        runs[k++] = item->run->id;
      }
  return k;
}

guint
bs_sessions_page_get_n_runs (BsSessionsPage *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->runs));
}

/* ---- the buttons ---- */

static void
show_problem (BsSessionsPage *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->info), text);
}

static gboolean
one_selected (BsSessionsPage *self, int64_t *run)
{
  int64_t runs[2];

  if (bs_sessions_page_get_selected (self, runs, 2) != 1)
    {
      show_problem (self, "Select one run first.");
      return FALSE;
    }
  *run = runs[0];
  return TRUE;
}

static void
do_compare (GtkWidget *button, BsSessionsPage *self)
{
  int64_t runs[5];
  int n = bs_sessions_page_get_selected (self, runs, 5);
  GVariantBuilder ids;

  if (n < 2 || n > 4)
    {
      show_problem (self, "Select 2 to 4 runs to compare (Ctrl+click adds a run).");
      return;
    }
  /* Oldest first: the baseline is the run recorded first. */
  g_variant_builder_init (&ids, G_VARIANT_TYPE ("as"));
  for (int i = n; i-- > 0;)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, runs[i]);
      g_variant_builder_add (&ids, "s", id);
    }
  gtk_widget_activate_action_variant (GTK_WIDGET (self), "app.compare", g_variant_builder_end (&ids));
}

/* A small modal prompt for one line of text. */
typedef struct
{
  BsSessionsPage *page;
  GtkWidget *window;
  GtkWidget *entry;
  char *action;       /* "app.tag-run" ... */
  int64_t run;
  char *session;
} Prompt;

static void
prompt_free (Prompt *p)
{
  g_free (p->action);
  g_free (p->session);
  g_object_unref (p->page);
  g_free (p);
}

static void
prompt_done (Prompt *p, gboolean ok)
{
  if (ok)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (p->entry));
      GVariant *param = p->session != NULL ? g_variant_new ("(ss)", p->session, text)
                                           : g_variant_new ("(xs)", p->run, text);

      gtk_widget_activate_action_variant (GTK_WIDGET (p->page), p->action, param);
    }
  gtk_window_destroy (GTK_WINDOW (p->window));
}

static void
on_prompt_ok (GtkWidget *widget, Prompt *p)
{
  prompt_done (p, TRUE);
}

static void
on_prompt_cancel (GtkWidget *widget, Prompt *p)
{
  prompt_done (p, FALSE);
}

static void
prompt (BsSessionsPage *self, const char *title, const char *question, const char *initial,
        const char *action, int64_t run, const char *session)
{
  Prompt *p = g_new0 (Prompt, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *ok = gtk_button_new_with_mnemonic ("_OK");
  GtkWidget *cancel = gtk_button_new_with_mnemonic ("_Cancel");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  p->page = g_object_ref (self);
  p->action = g_strdup (action);
  p->run = run;
  p->session = g_strdup (session);
  p->window = gtk_window_new ();
  p->entry = gtk_entry_new ();
  gtk_window_set_title (GTK_WINDOW (p->window), title);
  gtk_window_set_modal (GTK_WINDOW (p->window), TRUE);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (p->window), GTK_WINDOW (root));
  gtk_window_set_default_size (GTK_WINDOW (p->window), 420, -1);
  gtk_editable_set_text (GTK_EDITABLE (p->entry), initial != NULL ? initial : "");
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_box_append (GTK_BOX (box), gtk_label_new (question));
  gtk_box_append (GTK_BOX (box), p->entry);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_add_css_class (ok, "suggested-action");
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), ok);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (p->window), box);
  g_signal_connect (ok, "clicked", G_CALLBACK (on_prompt_ok), p);
  g_signal_connect (p->entry, "activate", G_CALLBACK (on_prompt_ok), p);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_prompt_cancel), p);
  g_object_set_data_full (G_OBJECT (p->window), "prompt", p, (GDestroyNotify) prompt_free);
  gtk_window_present (GTK_WINDOW (p->window));
}

static BsRun *
selected_run (BsSessionsPage *self)
{
  int64_t id;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  if (!one_selected (self, &id))
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (BsRunItem) item = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      if (item->run->id == id)
        return item->run;
    }
  return NULL;
}

static void
do_tag (GtkWidget *button, BsSessionsPage *self)
{
  BsRun *run = selected_run (self);
  g_autofree char *q = NULL;

  if (run == NULL)
    return;
  q = g_strdup_printf ("A tag for run %" G_GINT64_FORMAT " (\"-tag\" removes one):", run->id);
  prompt (self, "Tag Run", q, "", "app.tag-run", run->id, NULL);
}

static void
do_notes (GtkWidget *button, BsSessionsPage *self)
{
  BsRun *run = selected_run (self);
  g_autofree char *q = NULL;

  if (run == NULL)
    return;
  q = g_strdup_printf ("Notes on run %" G_GINT64_FORMAT ":", run->id);
  prompt (self, "Annotate Run", q, run->notes, "app.annotate-run", run->id, NULL);
}

static void
do_rename (GtkWidget *button, BsSessionsPage *self)
{
  const char *session = selected_session (self);
  g_autofree char *q = NULL;

  if (session == NULL)
    {
      show_problem (self, "Choose a session on the left to rename it.");
      return;
    }
  q = g_strdup_printf ("A new name for session \"%s\":", session);
  prompt (self, "Rename Session", q, session, "app.rename-session", -1, session);
}

static void
on_delete_response (GtkDialog *dialog, int response, gpointer data)
{
  BsSessionsPage *self = g_object_get_data (G_OBJECT (dialog), "page");
  int64_t run = *(int64_t *) data;

  if (response == GTK_RESPONSE_ACCEPT)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.delete-run", "x", run);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
do_delete (GtkWidget *button, BsSessionsPage *self)
{
  BsRun *run = selected_run (self);
  GtkWidget *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  int64_t *id;

  if (run == NULL)
    return;
  id = g_new (int64_t, 1);
  *id = run->id;
  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                   "Delete run %" G_GINT64_FORMAT "?", run->id);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            "%s on %s: its events, power samples and markers are "
                                            "removed from the database. This cannot be undone.",
                                            run->model_name != NULL ? run->model_name : "the model",
                                            run->backend);
  gtk_dialog_add_button (GTK_DIALOG (dialog), "_Cancel", GTK_RESPONSE_CANCEL);
  gtk_widget_add_css_class (gtk_dialog_add_button (GTK_DIALOG (dialog), "_Delete", GTK_RESPONSE_ACCEPT),
                            "destructive-action");
  g_object_set_data (G_OBJECT (dialog), "page", self);
  g_object_set_data_full (G_OBJECT (dialog), "run", id, g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_delete_response), id);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct
{
  BsSessionsPage *page;
  char *format;       /* NULL: import */
  int64_t run;
} FileRequest;

static void
on_file_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  FileRequest *req = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL && req->format == NULL)
        gtk_widget_activate_action (GTK_WIDGET (req->page), "app.import-run", "s", path);
      else if (path != NULL)
        gtk_widget_activate_action (GTK_WIDGET (req->page), "app.export-run", "(xss)", req->run,
                                    req->format, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (req->page);
  g_free (req->format);
  g_free (req);
}

static void
file_dialog (BsSessionsPage *self, const char *format, int64_t run)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  FileRequest *req = g_new0 (FileRequest, 1);
  GtkFileChooserNative *dialog;

  req->page = g_object_ref (self);
  req->format = g_strdup (format);
  req->run = run;
  dialog = gtk_file_chooser_native_new (format == NULL ? "Import Run" : "Export Run",
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        format == NULL ? GTK_FILE_CHOOSER_ACTION_OPEN
                                                       : GTK_FILE_CHOOSER_ACTION_SAVE,
                                        format == NULL ? "_Import" : "_Export", "_Cancel");
  if (format != NULL)
    {
      g_autofree char *name = g_strdup_printf ("run-%" G_GINT64_FORMAT "%s", run,
                                               g_str_equal (format, "csv") ? ".csv"
                                               : g_str_equal (format, "perfetto") ? ".perfetto.json"
                                               : ".json");
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
    }
  else
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, "blendscope run exports (*.json)");
      gtk_file_filter_add_pattern (filter, "*.json");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
      g_object_unref (filter);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (on_file_response), req);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
do_import (GtkWidget *button, BsSessionsPage *self)
{
  file_dialog (self, NULL, -1);
}

static void
export_selected (BsSessionsPage *self, const char *format)
{
  int64_t run;

  if (one_selected (self, &run))
    file_dialog (self, format, run);
}

static void
do_export_csv (GtkWidget *button, BsSessionsPage *self)
{
  export_selected (self, "csv");
}

static void
do_export_perfetto (GtkWidget *button, BsSessionsPage *self)
{
  export_selected (self, "perfetto");
}

static void
do_export_json (GtkWidget *button, BsSessionsPage *self)
{
  export_selected (self, "json");
}

static void
do_refresh (GtkWidget *button, BsSessionsPage *self)
{
  bs_sessions_page_reload (self);
}

static void
setup_session (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_top (label, 3);
  gtk_widget_set_margin_bottom (label, 3);
  gtk_list_item_set_child (item, label);
}

static void
bind_session (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static void
bs_sessions_page_dispose (GObject *object)
{
  BsSessionsPage *self = BS_SESSIONS_PAGE (object);

  g_cancellable_cancel (self->sessions_query);
  g_cancellable_cancel (self->runs_query);
  g_clear_object (&self->sessions_query);
  g_clear_object (&self->runs_query);
  g_clear_object (&self->store);
  g_clear_pointer (&self->session_names, g_ptr_array_unref);
  g_clear_object (&self->session_selection);
  g_clear_object (&self->run_selection);
  G_OBJECT_CLASS (bs_sessions_page_parent_class)->dispose (object);
}

static void
bs_sessions_page_class_init (BsSessionsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = bs_sessions_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/blendscope/Blendscope/ui/bs-sessions-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BsSessionsPage, session_list);
  gtk_widget_class_bind_template_child (widget_class, BsSessionsPage, table);
  gtk_widget_class_bind_template_child (widget_class, BsSessionsPage, info);
  gtk_widget_class_bind_template_callback (widget_class, do_compare);
  gtk_widget_class_bind_template_callback (widget_class, do_tag);
  gtk_widget_class_bind_template_callback (widget_class, do_notes);
  gtk_widget_class_bind_template_callback (widget_class, do_rename);
  gtk_widget_class_bind_template_callback (widget_class, do_delete);
  gtk_widget_class_bind_template_callback (widget_class, do_import);
  gtk_widget_class_bind_template_callback (widget_class, do_export_csv);
  gtk_widget_class_bind_template_callback (widget_class, do_export_perfetto);
  gtk_widget_class_bind_template_callback (widget_class, do_export_json);
  gtk_widget_class_bind_template_callback (widget_class, do_refresh);
}

/* The widget tree is bs-sessions-page.ui; the lists' models, factories and the table's
 * columns are made here. */
static void
bs_sessions_page_init (BsSessionsPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->session_names = g_ptr_array_new_with_free_func (g_free);
  self->runs = g_list_store_new (BS_TYPE_RUN_ITEM);

  self->session_labels = gtk_string_list_new (NULL);
  self->session_selection = gtk_single_selection_new (G_LIST_MODEL (self->session_labels));
  gtk_single_selection_set_autoselect (self->session_selection, TRUE);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_session), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_session), NULL);
  gtk_list_view_set_model (GTK_LIST_VIEW (self->session_list), GTK_SELECTION_MODEL (self->session_selection));
  gtk_list_view_set_factory (GTK_LIST_VIEW (self->session_list), factory);
  g_object_unref (factory);
  g_signal_connect (self->session_selection, "notify::selected", G_CALLBACK (on_session_selected), self);

  self->run_selection = gtk_multi_selection_new (G_LIST_MODEL (self->runs));
  gtk_column_view_set_model (GTK_COLUMN_VIEW (self->table), GTK_SELECTION_MODEL (self->run_selection));
  add_column (self, "Run", COL_ID, 56, FALSE);
  add_column (self, "Session", COL_SESSION, 120, FALSE);
  add_column (self, "Model", COL_MODEL, 130, FALSE);
  add_column (self, "Backend", COL_BACKEND, 80, FALSE);
  add_column (self, "Date", COL_DATE, 160, FALSE);
  add_column (self, "Status", COL_STATUS, 130, FALSE);
  add_column (self, "Top-1", COL_ACCURACY, 80, FALSE);
  add_column (self, "Tags", COL_TAGS, 120, FALSE);
  add_column (self, "Notes", COL_NOTES, -1, TRUE);
}

GtkWidget *
bs_sessions_page_new (void)
{
  return g_object_new (BS_TYPE_SESSIONS_PAGE, NULL);
}
