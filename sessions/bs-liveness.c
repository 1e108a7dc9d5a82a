/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-liveness.c: telling a run being recorded from one whose recorder died.
 *
 * A recorder writes its identity into the run row: host, boot id, pid and the pid's
 * start time (a pid alone may be reused after a crash). A 'running' run whose recorder
 * is provably gone was interrupted: a SIGKILL, a crash, a power cut or a reboot. Runs
 * recorded on another host are left alone; there is no way to ask that host.
 */
#include "bs-store-private.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *
read_boot_id (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
    return g_strdup ("");
  return g_strstrip (g_steal_pointer (&contents));
}

/* Field 22 of /proc/PID/stat, in clock ticks since boot; -1 if the process is gone or
 * a zombie (a killed recorder not yet reaped writes nothing more). */
static int64_t
read_start_ticks (int64_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  /* The command name may contain spaces and parentheses: skip to its last ')'. */
  after_name = strrchr (contents, ')');
  if (after_name == NULL)
    return -1;
  fields = g_strsplit (after_name + 2, " ", 0);
  /* fields[0] is field 3 (state); field 22 is fields[19]. */
  if (g_strv_length (fields) < 20 || fields[0][0] == 'Z' || fields[0][0] == 'X')
    return -1;
  return g_ascii_strtoll (fields[19], NULL, 10);
}

void
bs_process_id_self (BsProcessId *id)
{
  id->host = g_strdup (g_get_host_name ());
  id->boot_id = read_boot_id ();
  id->pid = getpid ();
  id->start_ticks = read_start_ticks (id->pid);
}

void
bs_process_id_clear (BsProcessId *id)
{
  g_clear_pointer (&id->host, g_free);
  g_clear_pointer (&id->boot_id, g_free);
}

gboolean
bs_process_id_is_alive (const BsProcessId *id)
{
  BsProcessId self;
  gboolean same_host, same_boot;

  bs_process_id_self (&self);
  same_host = g_strcmp0 (id->host, self.host) == 0;
  same_boot = g_strcmp0 (id->boot_id, self.boot_id) == 0;
  bs_process_id_clear (&self);
  if (!same_host)
    return TRUE;
  if (!same_boot)
    return FALSE;
  return read_start_ticks (id->pid) == id->start_ticks;
}

static char *
dup_column (sqlite3_stmt *stmt, int i)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, i));
}

/* Run ids of 'running' runs whose recorder is gone. */
static GArray *
find_orphans (BsStore *store, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "SELECT id, recorder_host, recorder_boot, recorder_pid, recorder_start FROM runs "
    "WHERE status = 'running'", error);
  g_autoptr (GArray) orphans = g_array_new (FALSE, FALSE, sizeof (int64_t));
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      BsProcessId id = {
        .host = dup_column (stmt, 1),
        .boot_id = dup_column (stmt, 2),
        .pid = sqlite3_column_int64 (stmt, 3),
        .start_ticks = sqlite3_column_int64 (stmt, 4),
      };
      int64_t run = sqlite3_column_int64 (stmt, 0);

      if (!bs_process_id_is_alive (&id))
        g_array_append_val (orphans, run);
      bs_process_id_clear (&id);
    }
  if (rc != SQLITE_DONE)
    {
      bs_store_fail (store, rc, error, "looking for interrupted runs");
      return NULL;
    }
  return g_steal_pointer (&orphans);
}

static gboolean
mark_interrupted (BsStore *store, GArray *orphans, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "UPDATE runs SET status = 'interrupted', duration_ns = max(coalesce(last_t_ns, t0_ns) - t0_ns, 0), "
    "recorder_host = NULL, recorder_boot = NULL, recorder_pid = NULL, recorder_start = NULL "
    "WHERE id = ? AND status = 'running'", error);

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < orphans->len; i++)
    {
      sqlite3_bind_int64 (stmt, 1, g_array_index (orphans, int64_t, i));
      if (!bs_store_step_done (store, stmt, error, "marking a run interrupted"))
        return FALSE;
    }
  return TRUE;
}

int
bs_store_recover_interrupted (BsStore *store, GError **error)
{
  g_autoptr (GArray) orphans = NULL;

  /* Cheap when nothing is running: a partial index covers the query. */
  orphans = find_orphans (store, error);
  if (orphans == NULL)
    return -1;
  if (orphans->len == 0)
    return 0;
  if (!bs_store_begin (store, error))
    return -1;
  if (!mark_interrupted (store, orphans, error) || !bs_store_commit (store, error))
    {
      bs_store_rollback (store);
      return -1;
    }
  return (int) orphans->len;
}
