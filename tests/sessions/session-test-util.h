/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session-test-util.h: fixtures shared by the session store tests. */
#pragma once

#include "bs-events.h"
#include "bs-model.h"
#include "bs-runs.h"
#include "bs-store.h"

G_BEGIN_DECLS

/* A fresh folder under the system temp dir; removed (with everything in it) by
 * bs_test_tmpdir_free. */
char *bs_test_tmpdir_new (void);
void bs_test_tmpdir_free (char *dir);

/* A model of `n_layers` layers named "layer<i>"; layer i is binary when i % 3 == 1, else
 * fixed; paths cycle main/skip/merge. Not validated (the store needs names and tags
 * only). */
BsModel *bs_test_model_new (const char *name, int n_layers);

/* Synthetic events: `n_inferences` inferences of `n_ops` ops from t0, op k lasting
 * durations[k] ns, 10 ns apart. */
GArray *bs_test_events (int n_inferences, int n_ops, int64_t t0, const int64_t *durations,
                        BsClockSource clock);

/* The whole file, for before/after comparisons. */
GBytes *bs_test_read_file (const char *path);

/* Runs `sql` on a raw connection (no migrations): files as an older or damaged build
 * would leave them. */
void bs_test_sql_exec (const char *path, const char *sql);
/* One value from `sql` on a raw connection (no migrations, no side effects). */
int64_t bs_test_sql_int (const char *path, const char *sql);

G_END_DECLS
