/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sessions.h: editing sessions as a whole — what the session browser does besides
 * editing single runs (bs-runs.h): create, rename, annotate, delete. Sessions are named;
 * a name is unique in a database. */
#pragma once

#include "bs-runs.h"
#include "bs-store.h"

G_BEGIN_DECLS

/* NULL and BS_STORE_ERROR_NOT_FOUND when there is no session of that name. */
BsSession *bs_store_get_session (BsStore *store, const char *name, GError **error);

/* Creates an empty session. An existing session of that name is an error
 * (BS_STORE_ERROR_INVALID), so two people naming a session at once notice. */
gboolean bs_store_create_session (BsStore *store, const char *name, const char *notes,
                                  GError **error);

/* Renames a session; its runs follow. Refused (BS_STORE_ERROR_INVALID) when new_name is
 * empty or already taken: merging sessions is bs_store_set_run_session() run by run. */
gboolean bs_store_rename_session (BsStore *store, const char *name, const char *new_name,
                                  GError **error);

/* notes NULL clears them. */
gboolean bs_store_set_session_notes (BsStore *store, const char *name, const char *notes,
                                     GError **error);

/* Deletes a session. With delete_runs its runs go too (all or none: refused when one of
 * them is still being recorded); without, they stay, in no session. */
gboolean bs_store_delete_session (BsStore *store, const char *name, gboolean delete_runs,
                                  GError **error);

G_END_DECLS
