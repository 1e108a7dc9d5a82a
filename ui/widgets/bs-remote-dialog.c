/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-remote-dialog.c: the "Run on another host…" dialog (bs-remote-dialog.h). */
#include "bs-remote-dialog.h"

#include <string.h>

typedef struct
{
  GtkWidget *window;
  GtkWidget *host;
  GtkWidget *backend;
  GtkWidget *why;
} Dialog;

char *
bs_remote_dialog_spec (const char *host, const char *backend, char **why)
{
  g_autofree char *h = g_strstrip (g_strdup (host != NULL ? host : ""));
  g_autofree char *b = g_strstrip (g_strdup (backend != NULL ? backend : ""));

  if (g_str_has_prefix (h, "ssh://"))
    memmove (h, h + 6, strlen (h + 6) + 1);
  if (*h == 0 || strchr (h, '/') != NULL || strpbrk (h, " \t'\"`$;&|\\") != NULL || *h == '-')
    {
      *why = g_strdup ("The host is written [user@]host[:port], as ssh takes it.");
      return NULL;
    }
  if (*b == 0)
    {
      g_free (b);
      b = g_strdup ("cpu");
    }
  if (g_str_has_prefix (b, "ssh"))
    {
      *why = g_strdup ("The backend is one on that host (cpu, csim, xrt:device=0), not ssh again.");
      return NULL;
    }
  return g_strdup_printf ("ssh://%s/%s", h, b);
}

/* The host and backend of an ssh:// spec, to start from. */
static void
split_current (const char *current, char **host, char **backend)
{
  const char *slash;

  *host = NULL;
  *backend = NULL;
  if (current == NULL || !g_str_has_prefix (current, "ssh://"))
    return;
  slash = strchr (current + 6, '/');
  if (slash == NULL)
    return;
  *host = g_strndup (current + 6, slash - (current + 6));
  *backend = g_strdup (slash + 1);
}

static void
on_ok (GtkWidget *widget, Dialog *d)
{
  g_autofree char *why = NULL;
  g_autofree char *spec = bs_remote_dialog_spec (gtk_editable_get_text (GTK_EDITABLE (d->host)),
                                                 gtk_editable_get_text (GTK_EDITABLE (d->backend)),
                                                 &why);
  GApplication *app = g_application_get_default ();

  if (spec == NULL)
    {
      gtk_label_set_text (GTK_LABEL (d->why), why);
      gtk_widget_set_visible (d->why, TRUE);
      return;
    }
  if (app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "backend", g_variant_new_string (spec));
  gtk_window_destroy (GTK_WINDOW (d->window));
}

static void
on_cancel (GtkWidget *widget, Dialog *d)
{
  gtk_window_destroy (GTK_WINDOW (d->window));
}

static GtkWidget *
labelled (GtkWidget *box, const char *text, GtkWidget *entry, const char *placeholder)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), entry);
  return entry;
}

void
bs_remote_dialog_present (GtkWindow *parent, const char *current)
{
  Dialog *d = g_new0 (Dialog, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *ok = gtk_button_new_with_mnemonic ("_Use");
  GtkWidget *cancel = gtk_button_new_with_mnemonic ("_Cancel");
  GtkWidget *hint = gtk_label_new ("blendscope starts `ssh HOST blendscope-cli agent` with your "
                                   "own keys and ~/.ssh/config: the host needs blendscope "
                                   "installed and a key that logs in without a password.");
  g_autofree char *host = NULL, *backend = NULL;

  split_current (current, &host, &backend);
  d->window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (d->window), "Run on another host");
  gtk_window_set_modal (GTK_WINDOW (d->window), TRUE);
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (d->window), parent);
  gtk_window_set_default_size (GTK_WINDOW (d->window), 460, -1);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  d->host = labelled (box, "_Host", gtk_entry_new (), "user@board or board:2222");
  d->backend = labelled (box, "_Backend on that host", gtk_entry_new (), "cpu, csim, xrt:device=0");
  gtk_editable_set_text (GTK_EDITABLE (d->host), host != NULL ? host : "");
  gtk_editable_set_text (GTK_EDITABLE (d->backend), backend != NULL ? backend : "cpu");
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (GTK_BOX (box), hint);
  d->why = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (d->why), 0);
  gtk_widget_add_css_class (d->why, "error");
  gtk_widget_set_visible (d->why, FALSE);
  gtk_box_append (GTK_BOX (box), d->why);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_add_css_class (ok, "suggested-action");
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), ok);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (d->window), box);
  g_signal_connect (ok, "clicked", G_CALLBACK (on_ok), d);
  g_signal_connect (d->host, "activate", G_CALLBACK (on_ok), d);
  g_signal_connect (d->backend, "activate", G_CALLBACK (on_ok), d);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel), d);
  g_object_set_data_full (G_OBJECT (d->window), "dialog", d, g_free);
  gtk_window_present (GTK_WINDOW (d->window));
}
