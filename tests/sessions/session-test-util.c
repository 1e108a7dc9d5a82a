/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session-test-util.c: fixtures shared by the session store tests. */
#include "session-test-util.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

char *
bs_test_tmpdir_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("bs-sessions-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

void
bs_test_tmpdir_free (char *dir)
{
  if (dir == NULL)
    return;
  remove_tree (dir);
  g_free (dir);
}

BsModel *
bs_test_model_new (const char *name, int n_layers)
{
  static const BsPath paths[] = { BS_PATH_MAIN, BS_PATH_SKIP, BS_PATH_MERGE };
  BsModel *model = bs_model_new (name, (BsShape) { 3, 32, 32 });

  for (int i = 0; i < n_layers; i++)
    {
      g_autofree char *layer_name = g_strdup_printf ("layer%d", i);
      BsPrecision precision = i % 3 == 1 ? BS_PRECISION_BINARY : BS_PRECISION_FIXED;
      BsLayer layer = bs_layer_init (layer_name, i % 3 == 1 ? BS_LAYER_CONV_BINARY
                                                            : BS_LAYER_CONV_FIXED,
                                     precision, paths[i % 3]);
      bs_model_add_layer (model, &layer);
    }
  return model;
}

GArray *
bs_test_events (int n_inferences, int n_ops, int64_t t0, const int64_t *durations,
                BsClockSource clock)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  int64_t t = t0;

  for (int i = 0; i < n_inferences; i++)
    for (int k = 0; k < n_ops; k++)
      {
        BsLayerEvent e = { i, k, t, t + durations[k], clock };
        g_array_append_val (events, e);
        t = e.t_end_ns + 10;
      }
  return events;
}

GBytes *
bs_test_read_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents;
  gsize len;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

void
bs_test_sql_exec (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

int64_t
bs_test_sql_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int64_t value = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}
