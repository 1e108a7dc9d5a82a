/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-bar.c: the run bar follows the controller (the one source of truth) and acts
 * through the application's actions (app.backend, app.probe, app.inferences,
 * app.session; the mode, record, run and stop buttons name theirs in bs-run-bar.ui). */
#include "bs-run-bar.h"

#include "bs-backend.h"
#include "bs-choice.h"
#include "bs-probe.h"
#include "bs-remote-dialog.h"
#include "bs-store.h"

#include <string.h>

struct _BsRunBar
{
  GtkBox parent_instance;

  BsRunController *controller;
  GListStore *backends;
  GListStore *probes;
  GCancellable *probe_scan;
  gboolean syncing;   /* showing the controller's value, not the user's choice */

  GtkDropDown *backend_dropdown;
  GtkDropDown *probe_dropdown;
  GtkSpinButton *inferences_spin;
  GtkEntry *session_entry;
  GtkLabel *db_label;
};

G_DEFINE_FINAL_TYPE (BsRunBar, bs_run_bar, GTK_TYPE_BOX)

enum
{
  SIGNAL_MESSAGE,
  SIGNAL_PROBES_FOUND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- choices (backends, probes) ---- */

static void
setup_choice_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (detail), 48);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_list_item_set_child (item, box);
}

static void
bind_choice_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  BsChoice *choice = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *label = gtk_widget_get_first_child (box);
  GtkWidget *detail = gtk_widget_get_next_sibling (label);
  g_autofree char *text = NULL;

  text = bs_choice_get_available (choice)
           ? g_strdup (bs_choice_get_label (choice))
           : g_strdup_printf ("%s — unavailable", bs_choice_get_label (choice));
  gtk_label_set_text (GTK_LABEL (label), text);
  gtk_label_set_text (GTK_LABEL (detail), bs_choice_get_detail (choice));
  gtk_widget_set_visible (detail, *bs_choice_get_detail (choice) != '\0');
  /* Shown, so people learn what exists and why it is off; but greyed. */
  gtk_widget_set_opacity (box, bs_choice_get_available (choice) ? 1.0 : 0.55);
}

static void
setup_choice_button (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), 6);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
  gtk_list_item_set_child (item, label);
}

static void
bind_choice_button (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  BsChoice *choice = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), bs_choice_get_label (choice));
}

static void
setup_dropdown (GtkDropDown *dropdown, GListStore *store)
{
  GtkListItemFactory *list = gtk_signal_list_item_factory_new ();
  GtkListItemFactory *button = gtk_signal_list_item_factory_new ();

  g_signal_connect (list, "setup", G_CALLBACK (setup_choice_row), NULL);
  g_signal_connect (list, "bind", G_CALLBACK (bind_choice_row), NULL);
  g_signal_connect (button, "setup", G_CALLBACK (setup_choice_button), NULL);
  g_signal_connect (button, "bind", G_CALLBACK (bind_choice_button), NULL);
  gtk_drop_down_set_factory (dropdown, button);
  gtk_drop_down_set_list_factory (dropdown, list);
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (store));
  g_object_unref (list);
  g_object_unref (button);
}

static guint
find_choice (GListStore *store, const char *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (BsChoice) c = g_list_model_get_item (G_LIST_MODEL (store), i);
      if (g_strcmp0 (bs_choice_get_id (c), id) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
select_choice (BsRunBar *self, GtkDropDown *dropdown, GListStore *store, const char *id,
               const char *label_if_new)
{
  guint i = find_choice (store, id);

  if (i == GTK_INVALID_LIST_POSITION)
    {
      /* A spec typed elsewhere (settings, D-Bus): list it as it is. */
      g_autoptr (BsChoice) c = bs_choice_new (id, label_if_new != NULL ? label_if_new : id,
                                              "given by name", TRUE, FALSE);
      g_list_store_append (store, c);
      i = g_list_model_get_n_items (G_LIST_MODEL (store)) - 1;
    }
  self->syncing = TRUE;
  gtk_drop_down_set_selected (dropdown, i);
  self->syncing = FALSE;
}

static void
fill_backends (BsRunBar *self)
{
  /* Backends the design names; listed even when this build lacks them, with the reason. */
  static const struct { const char *name, *what; } known[] = {
    { "cpu", "the host CPU" },
    { "csim", "the accelerator kernel run on the host" },
    { "xrt", "an FPGA through XRT" },
  };

  for (const BsBackendClass *const *k = bs_backend_list (); *k != NULL; k++)
    {
      g_autofree char *reason = NULL;
      gboolean ok = (*k)->available (&reason);
      /* ssh is not a backend by itself: it opens the "Run on another host" dialog. */
      gboolean remote = g_str_equal ((*k)->name, "ssh");
      g_autoptr (BsChoice) c = bs_choice_new ((*k)->name, remote ? "another host…" : (*k)->name,
                                              ok ? (*k)->description : reason, ok, FALSE);
      g_list_store_append (self->backends, c);
    }
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (bs_backend_lookup (known[i].name) == NULL)
      {
        g_autofree char *detail = g_strdup_printf ("%s: not part of this build of blendscope",
                                                   known[i].what);
        g_autoptr (BsChoice) c = bs_choice_new (known[i].name, known[i].name, detail, FALSE, FALSE);
        g_list_store_append (self->backends, c);
      }
}

static BsChoice *
probe_choice_for_spec (const char *spec)
{
  if (spec == NULL || *spec == '\0' || g_str_equal (spec, "none"))
    return bs_choice_new ("none", "No power meter", "runs without power readings", TRUE, FALSE);
  if (g_str_equal (spec, bs_probe_default_spec ()))
    return bs_choice_new (spec, "demo meter (simulated)",
                          "a simulated meter: figures are not measurements", TRUE, TRUE);
  return bs_choice_new (spec, spec, NULL, TRUE, FALSE);
}

static void
fill_probes_initial (BsRunBar *self)
{
  g_autoptr (BsChoice) none = probe_choice_for_spec (NULL);
  g_autoptr (BsChoice) demo = probe_choice_for_spec (bs_probe_default_spec ());

  g_list_store_append (self->probes, none);
  g_list_store_append (self->probes, demo);
}

static void
scan_probes (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  /* libsigrok scans take up to a second: never on the main thread. */
  g_task_return_pointer (task, bs_probe_list (NULL), (GDestroyNotify) g_ptr_array_unref);
}

static void
on_probes_scanned (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GPtrArray) devices = g_task_propagate_pointer (G_TASK (result), NULL);
  BsRunBar *self = BS_RUN_BAR (source);

  if (devices == NULL || g_task_had_error (G_TASK (result)) || self->controller == NULL)
    return;
  for (guint i = 0; i < devices->len; i++)
    {
      const BsProbeDevice *d = devices->pdata[i];
      const char *id = d->spec != NULL ? d->spec : d->probe;
      g_autofree char *label = d->simulated && !strstr (d->label, "simulated")
                                 ? g_strdup_printf ("%s (simulated)", d->label) : g_strdup (d->label);
      g_autoptr (BsChoice) c = NULL;

      if (d->spec != NULL && find_choice (self->probes, d->spec) != GTK_INVALID_LIST_POSITION)
        continue;
      c = bs_choice_new (id, label, d->detail, d->available && d->spec != NULL, d->simulated);
      g_list_store_append (self->probes, c);
    }
  /* The first real meter found may replace the demo meter: the application decides. */
  g_signal_emit (self, signals[SIGNAL_PROBES_FOUND], 0, devices);
  select_choice (self, self->probe_dropdown, self->probes,
                 *bs_run_controller_get_probe (self->controller) ? bs_run_controller_get_probe (self->controller) : "none",
                 NULL);
}

static void
on_dropdown_selected (GtkDropDown *dropdown, GParamSpec *pspec, BsRunBar *self)
{
  BsChoice *choice = gtk_drop_down_get_selected_item (dropdown);
  gboolean is_backend = dropdown == self->backend_dropdown;
  GApplication *app = g_application_get_default ();

  if (self->syncing || choice == NULL || app == NULL)
    return;
  if (!bs_choice_get_available (choice))
    {
      g_autofree char *text = g_strdup_printf ("%s is not available here: %s",
                                               bs_choice_get_label (choice), bs_choice_get_detail (choice));
      const char *current = is_backend ? bs_run_controller_get_backend (self->controller)
                                       : bs_run_controller_get_probe (self->controller);

      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
      select_choice (self, dropdown, is_backend ? self->backends : self->probes,
                     current != NULL && *current ? current : "none", NULL);
      return;
    }
  if (is_backend && g_str_equal (bs_choice_get_id (choice), "ssh"))
    {
      const char *current = bs_run_controller_get_backend (self->controller);
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

      select_choice (self, dropdown, self->backends, current, NULL);
      bs_remote_dialog_present (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, current);
      return;
    }
  g_action_group_activate_action (G_ACTION_GROUP (app), is_backend ? "backend" : "probe",
                                  g_variant_new_string (bs_choice_get_id (choice)));
}

static void
on_spin_changed (GtkSpinButton *spin, BsRunBar *self)
{
  GApplication *app = g_application_get_default ();

  if (!self->syncing && app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "inferences",
                                    g_variant_new_int32 (gtk_spin_button_get_value_as_int (spin)));
}

static void
on_session_changed (GtkEditable *entry, BsRunBar *self)
{
  GApplication *app = g_application_get_default ();

  if (!self->syncing && app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "session",
                                    g_variant_new_string (gtk_editable_get_text (entry)));
}


/* ---- following the controller ---- */

static void
update_db_label (BsRunBar *self)
{
  g_autofree char *db = bs_run_controller_get_db_path (self->controller) != NULL
                          ? g_strdup (bs_run_controller_get_db_path (self->controller))
                          : bs_store_default_path ();
  g_autofree char *where = g_strdup_printf ("Database: %s", db);

  gtk_label_set_text (self->db_label, where);
}

static void
on_controller_notify (BsRunController *controller, GParamSpec *pspec, BsRunBar *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "backend"))
    select_choice (self, self->backend_dropdown, self->backends,
                   bs_run_controller_get_backend (controller), NULL);
  else if (g_str_equal (name, "probe"))
    {
      const char *probe = bs_run_controller_get_probe (controller);
      select_choice (self, self->probe_dropdown, self->probes, *probe ? probe : "none", NULL);
    }
  else if (g_str_equal (name, "inferences"))
    {
      self->syncing = TRUE;
      gtk_spin_button_set_value (self->inferences_spin, bs_run_controller_get_inferences (controller));
      self->syncing = FALSE;
    }
  else if (g_str_equal (name, "mode"))
    gtk_widget_set_sensitive (GTK_WIDGET (self->inferences_spin),
                              bs_run_controller_get_mode (controller) == BS_RUN_MODE_COUNT);
  else if (g_str_equal (name, "record"))
    update_db_label (self);
  else if (g_str_equal (name, "state"))
    {
      gboolean busy = bs_run_controller_is_busy (controller);
      gtk_widget_set_sensitive (GTK_WIDGET (self->backend_dropdown), !busy);
      gtk_widget_set_sensitive (GTK_WIDGET (self->probe_dropdown), !busy);
    }
}

void
bs_run_bar_popup_choice (BsRunBar *self, gboolean backend)
{
  GtkWidget *dropdown;

  g_return_if_fail (BS_IS_RUN_BAR (self));
  dropdown = GTK_WIDGET (backend ? self->backend_dropdown : self->probe_dropdown);
  if (gtk_widget_is_sensitive (dropdown))
    gtk_widget_activate (dropdown);
}

void
bs_run_bar_set_controller (BsRunBar *self, BsRunController *controller)
{
  static const char *const props[] = { "backend", "probe", "inferences", "mode", "record", "state" };
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (BS_IS_RUN_BAR (self));
  g_return_if_fail (BS_IS_RUN_CONTROLLER (controller));
  g_assert (self->controller == NULL);

  self->controller = g_object_ref (controller);
  g_signal_connect_object (controller, "notify", G_CALLBACK (on_controller_notify), self, 0);
  /* Everything shows the controller's current values. */
  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    on_controller_notify (controller, g_object_class_find_property (G_OBJECT_GET_CLASS (controller),
                                                                    props[i]), self);
  self->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->session_entry),
                         bs_run_controller_get_session (controller) != NULL
                           ? bs_run_controller_get_session (controller) : "");
  self->syncing = FALSE;
  update_db_label (self);
  g_signal_connect (self->backend_dropdown, "notify::selected", G_CALLBACK (on_dropdown_selected), self);
  g_signal_connect (self->probe_dropdown, "notify::selected", G_CALLBACK (on_dropdown_selected), self);
  g_signal_connect (self->inferences_spin, "value-changed", G_CALLBACK (on_spin_changed), self);
  g_signal_connect (self->session_entry, "changed", G_CALLBACK (on_session_changed), self);

  /* The task holds a reference to the bar until the scan is back (and, when the bar went
   * away meanwhile, reports the cancellation instead). */
  self->probe_scan = g_cancellable_new ();
  task = g_task_new (self, self->probe_scan, on_probes_scanned, NULL);
  g_task_run_in_thread (task, scan_probes);
}

/* ---- construction ---- */

static void
bs_run_bar_dispose (GObject *object)
{
  BsRunBar *self = BS_RUN_BAR (object);

  g_cancellable_cancel (self->probe_scan);
  g_clear_object (&self->probe_scan);
  g_clear_object (&self->controller);
  g_clear_object (&self->backends);
  g_clear_object (&self->probes);
  G_OBJECT_CLASS (bs_run_bar_parent_class)->dispose (object);
}

static void
bs_run_bar_class_init (BsRunBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bs_run_bar_dispose;

  /* A choice the user cannot have (an unavailable backend or meter), and why: the window
   * shows it in its banner. */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The meters the scan found (a GPtrArray of BsProbeDevice, valid during the emission). */
  signals[SIGNAL_PROBES_FOUND] = g_signal_new ("probes-found", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/blendscope/Blendscope/ui/bs-run-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, BsRunBar, backend_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BsRunBar, probe_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BsRunBar, inferences_spin);
  gtk_widget_class_bind_template_child (widget_class, BsRunBar, session_entry);
  gtk_widget_class_bind_template_child (widget_class, BsRunBar, db_label);
}

static void
bs_run_bar_init (BsRunBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->backends = g_list_store_new (BS_TYPE_CHOICE);
  self->probes = g_list_store_new (BS_TYPE_CHOICE);
  setup_dropdown (self->backend_dropdown, self->backends);
  setup_dropdown (self->probe_dropdown, self->probes);
  /* Room for "demo meter (simul…" without crowding the run bar at 1024 px. */
  gtk_widget_set_size_request (GTK_WIDGET (self->probe_dropdown), 160, -1);
  fill_backends (self);
  fill_probes_initial (self);
}
