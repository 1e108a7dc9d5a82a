/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-remote-dialog.h: "Run on another host…": asks for [user@]host[:port] and the
 * backend to open there, and sets the app's backend to ssh://HOST/BACKEND
 * (docs/agent-protocol.md). The host is reached with the user's own ssh keys and
 * ~/.ssh/config; nothing is asked for a password (BatchMode). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @current: the app's backend spec now; an ssh:// one pre-fills the fields. */
void bs_remote_dialog_present (GtkWindow *parent, const char *current);

/* ssh://HOST/BACKEND from the fields, or NULL with *why (a sentence) when they cannot
 * make one. Pure, for tests. */
char *bs_remote_dialog_spec (const char *host, const char *backend, char **why);

G_END_DECLS
