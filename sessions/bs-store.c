/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-store.c: opening a session database safely.
 *
 * The order matters: a file is judged (header, application id, schema version) before
 * anything is written to it, so a damaged, foreign or newer file is left exactly as it
 * was. Only then is it switched to WAL and migrated.
 */
#include "bs-store-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

G_DEFINE_QUARK (bs-store-error-quark, bs_store_error)

#define BUSY_TIMEOUT_MS 5000
#define SQLITE_HEADER_BYTES 100

static int
error_code_for (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return BS_STORE_ERROR_CORRUPT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return BS_STORE_ERROR_BUSY;
    case SQLITE_NOTFOUND:
      return BS_STORE_ERROR_NOT_FOUND;
    default:
      return BS_STORE_ERROR_IO;
    }
}

/* Whether a failed write ran out of space. SQLite reports ENOSPC as SQLITE_FULL, but a
 * write refused with EFBIG (past RLIMIT_FSIZE, once SIGXFSZ is ignored) only as a write
 * I/O error, and by then errno is gone: a finite file size limit is the tell. Sets *limit
 * to it (RLIM_INFINITY when there is none). */
static gboolean
out_of_space (int rc, rlim_t *limit)
{
  struct rlimit rl;

  *limit = getrlimit (RLIMIT_FSIZE, &rl) == 0 ? rl.rlim_cur : RLIM_INFINITY;
  return (rc & 0xff) == SQLITE_FULL || (rc == SQLITE_IOERR_WRITE && *limit != RLIM_INFINITY);
}

gboolean
bs_store_fail (BsStore *store, int rc, GError **error, const char *doing, ...)
{
  g_autofree char *what = NULL;
  const char *reason = store->db != NULL ? sqlite3_errmsg (store->db) : sqlite3_errstr (rc);
  rlim_t limit;
  int code = error_code_for (rc);
  va_list args;

  va_start (args, doing);
  what = g_strdup_vprintf (doing, args);
  va_end (args);
  if (code == BS_STORE_ERROR_CORRUPT)
    g_set_error (error, BS_STORE_ERROR, code,
                 "%s is damaged (%s), found while %s. The file was not modified; "
                 "`blendscope-cli check --repair %s` copies its intact runs into a new file",
                 store->path, reason, what, store->path);
  else if (code == BS_STORE_ERROR_BUSY)
    g_set_error (error, BS_STORE_ERROR, code,
                 "%s stayed locked by another process for %d s while %s",
                 store->path, BUSY_TIMEOUT_MS / 1000, what);
  else if (out_of_space (rc, &limit))
    {
      g_autofree char *why = limit != RLIM_INFINITY
        ? g_strdup_printf ("the file size limit (ulimit -f: %" G_GUINT64_FORMAT " bytes) was "
                           "reached, or the disk is full,", (guint64) limit)
        : g_strdup ("the disk is full");
      g_set_error (error, BS_STORE_ERROR, code, "%s: %s while %s; what was committed before "
                   "is kept", store->path, why, what);
    }
  else if ((rc & 0xff) == SQLITE_READONLY)
    g_set_error (error, BS_STORE_ERROR, code,
                 "%s is read-only (%s) and cannot be changed; error while %s", store->path,
                 store->read_only_reason ? store->read_only_reason : reason, what);
  else
    g_set_error (error, BS_STORE_ERROR, code, "%s: error while %s: %s", store->path, what,
                 reason);
  return FALSE;
}

sqlite3_stmt *
bs_store_prepare (BsStore *store, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      bs_store_fail (store, rc, error, "preparing a query");
      return NULL;
    }
  return stmt;
}

gboolean
bs_store_exec (BsStore *store, const char *sql, GError **error)
{
  int rc = sqlite3_exec (store->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return bs_store_fail (store, rc, error, "running \"%.40s\"", sql);
  return TRUE;
}

gboolean
bs_store_step_done (BsStore *store, sqlite3_stmt *stmt, GError **error, const char *doing)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return bs_store_fail (store, rc, error, "%s", doing);
  return TRUE;
}

gboolean
bs_store_begin (BsStore *store, GError **error)
{
  int rc = sqlite3_exec (store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return bs_store_fail (store, rc, error, "starting a write transaction");
  return TRUE;
}

gboolean
bs_store_commit (BsStore *store, GError **error)
{
  int rc = sqlite3_exec (store->db, "COMMIT", NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      bs_store_fail (store, rc, error, "committing");
      bs_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

void
bs_store_rollback (BsStore *store)
{
  if (!sqlite3_get_autocommit (store->db))
    sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
corrupt (GError **error, const char *path, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
corrupt (GError **error, const char *path, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT,
               "%s is not a usable session database: %s. The file was not modified", path, why);
  return FALSE;
}

static uint32_t
be32 (const guint8 *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static gboolean
has_nonempty_wal (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  GStatBuf st;

  return g_stat (wal, &st) == 0 && st.st_size > 0;
}

/* SQLite opens a truncated file happily and fails later, page by page; the header
 * tells us up front. (With a non-empty WAL the header may lag behind: skip.) */
static gboolean
check_size (const char *path, const guint8 *h, goffset size, GError **error)
{
  uint32_t page_size = (uint32_t) h[16] << 8 | h[17];
  uint32_t pages = be32 (h + 28);

  if (page_size == 1)
    page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0)
    return corrupt (error, path, "its header has an impossible page size (%u)", page_size);
  if (has_nonempty_wal (path))
    return TRUE;
  if (size % page_size != 0)
    return corrupt (error, path, "its size (%" G_GOFFSET_FORMAT " bytes) is not a whole "
                    "number of %u-byte pages; it was probably truncated", size, page_size);
  /* The page count is only authoritative when the two change counters agree. */
  if (pages != 0 && be32 (h + 24) == be32 (h + 92)
      && (guint64) pages * page_size > (guint64) size)
    return corrupt (error, path, "it is truncated: its header declares %u pages of %u bytes "
                    "(%" G_GUINT64_FORMAT " bytes) but the file holds %" G_GOFFSET_FORMAT,
                    pages, page_size, (guint64) pages * page_size, size);
  return TRUE;
}

static gboolean
check_header (const char *path, GError **error)
{
  static const char magic[16] = "SQLite format 3";
  guint8 header[SQLITE_HEADER_BYTES];
  GStatBuf st;
  FILE *f;
  size_t got;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, BS_STORE_ERROR, saved == ENOENT ? BS_STORE_ERROR_NOT_FOUND
                                                          : BS_STORE_ERROR_IO,
                   "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (st.st_size == 0)
    return TRUE;   /* SQLite treats an empty file as an empty database */
  f = g_fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_IO, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  got = fread (header, 1, sizeof header, f);
  fclose (f);
  if (got < sizeof header)
    return corrupt (error, path, "%zu bytes is too short for an SQLite file", got);
  if (memcmp (header, magic, sizeof magic) != 0)
    return corrupt (error, path, "it is not an SQLite database (no SQLite header)");
  return check_size (path, header, st.st_size, error);
}

static gboolean
read_pragma_int (BsStore *store, const char *pragma, int64_t *value, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA %s", pragma);
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return bs_store_fail (store, rc, error, "reading %s", pragma);
  *value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
count_tables (BsStore *store, int64_t *n, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
    bs_store_prepare (store, "SELECT count(*) FROM sqlite_master", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return bs_store_fail (store, rc, error, "reading the schema");
  *n = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Decides from application_id and user_version whether we may use (and migrate) the
 * file. Sets *version. */
static gboolean
judge (BsStore *store, int64_t *version, GError **error)
{
  int64_t app_id = 0, n_tables = 0;

  if (!read_pragma_int (store, "application_id", &app_id, error)
      || !read_pragma_int (store, "user_version", version, error)
      || !count_tables (store, &n_tables, error))
    return FALSE;
  if (app_id != BS_STORE_APPLICATION_ID && (app_id != 0 || n_tables > 0))
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_FOREIGN,
                   "%s is an SQLite database of another program (application id 0x%08"
                   G_GINT64_MODIFIER "x, %" G_GINT64_FORMAT " schema objects), not a blendscope "
                   "session database; it was not modified", store->path, app_id, n_tables);
      return FALSE;
    }
  if (*version > BS_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_TOO_NEW,
                   "%s was written by a newer blendscope (schema version %" G_GINT64_FORMAT
                   "; this build understands up to %d). Upgrade blendscope to open it; the file "
                   "was not modified", store->path, *version, BS_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (BsStore *store, GError **error)
{
  int64_t version;

  if (!bs_store_begin (store, error))
    return FALSE;
  /* Judge again inside the lock: another process may have migrated meanwhile. */
  if (!judge (store, &version, error)
      || (version < BS_STORE_SCHEMA_VERSION && !bs_schema_migrate (store, (int) version, error))
      || !bs_store_commit (store, error))
    {
      bs_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

static gboolean
use_wal (BsStore *store, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, "PRAGMA journal_mode=WAL", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return bs_store_fail (store, rc, error, "switching to write-ahead logging");
  if (g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") != 0)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_IO,
                   "%s cannot use write-ahead logging (journal mode stays '%s'); is it on a "
                   "network file system?", store->path, sqlite3_column_text (stmt, 0));
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure (BsStore *store, GError **error)
{
  sqlite3_extended_result_codes (store->db, 1);
  sqlite3_busy_timeout (store->db, BUSY_TIMEOUT_MS);
  sqlite3_db_config (store->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  return bs_store_exec (store, "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON", error);
}

static gboolean
configure_writes (BsStore *store, BsStoreOpenFlags flags, GError **error)
{
  /* In WAL mode NORMAL already survives a killed process; FULL also survives power loss
   * at the cost of an fsync per commit, which recorders (4 commits a second) can afford. */
  return use_wal (store, error)
         && bs_store_exec (store, flags & BS_STORE_OPEN_DURABLE ? "PRAGMA synchronous = FULL"
                                                                : "PRAGMA synchronous = NORMAL",
                           error)
         && bs_store_exec (store, "PRAGMA foreign_keys = ON", error);
}

static gboolean
prepare_path (const char *path, BsStoreOpenFlags flags, gboolean *exists, GError **error)
{
  g_autofree char *dir = NULL;

  *exists = g_file_test (path, G_FILE_TEST_EXISTS);
  if (*exists)
    return check_header (path, error);
  if (!(flags & BS_STORE_OPEN_CREATE))
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_NOT_FOUND,
                   "no session database at %s (nothing has been recorded there yet)", path);
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_IO, "cannot create %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* A busy database only postpones the clean-up to the next open; a read-only one can
 * still be read. */
static gboolean
recover (BsStore *store, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (sqlite3_db_readonly (store->db, "main") == 1
      || bs_store_recover_interrupted (store, &local) >= 0
      || g_error_matches (local, BS_STORE_ERROR, BS_STORE_ERROR_BUSY))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* Why this process cannot write the existing file at @path, or NULL. access(2) answers
 * for the real user, which is the one SQLite's writes will be checked against. */
static char *
unwritable_reason (const char *path, gboolean *folder_unwritable)
{
  g_autofree char *dir = g_path_get_dirname (path);

  *folder_unwritable = access (dir, W_OK) != 0;
  if (access (path, W_OK) != 0)
    return g_strdup_printf ("the file is not writable: %s", g_strerror (errno));
  if (*folder_unwritable)
    return g_strdup_printf ("its folder %s is not writable", dir);
  return NULL;
}

/* Runs @pragma (integrity_check, quick_check) and collects its complaints. */
static gboolean
run_check (BsStore *store, const char *pragma, GString *problems, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, pragma, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      static const char banner[] = "*** in database main ***\n";
      g_autofree char *line = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      char *text;

      if (line == NULL || strcmp (line, "ok") == 0)
        continue;
      /* One line per problem, without the banner SQLite puts before the first. */
      text = line + (g_str_has_prefix (line, banner) ? strlen (banner) : 0);
      g_strdelimit (text, "\n", ' ');
      g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", text);
    }
  if (rc != SQLITE_DONE)
    return bs_store_fail (store, rc, error, "checking the file (%s)", pragma);
  return TRUE;
}

/* Before anything is recorded into an existing file: new runs written into a damaged
 * file could land on damaged pages, or be lost with them. quick_check reads every page
 * (without the index cross-checks of integrity_check), which a recorder can afford once. */
static gboolean
quick_check (BsStore *store, GError **error)
{
  g_autoptr (GString) problems = g_string_new (NULL);
  g_autoptr (GError) local = NULL;

  if (!run_check (store, "PRAGMA quick_check", problems, &local))
    {
      /* Busy or unreadable is not damage: say what it is. */
      if (!g_error_matches (local, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_string_assign (problems, sqlite3_errmsg (store->db));
    }
  if (problems->len == 0)
    return TRUE;
  if (problems->len > 200)
    {
      g_string_truncate (problems, 200);
      g_string_append (problems, "...");
    }
  g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT,
               "%s is damaged (%s), so nothing is recorded into it; the file was not "
               "modified. Record into another file (--db FILE), and copy the intact runs "
               "of this one into a new file with `blendscope-cli check --repair %s`",
               store->path, problems->str, store->path);
  return FALSE;
}

/* Read-only. Where the folder is not writable, WAL's side files (-shm, -wal) cannot be
 * made, so the file is opened as immutable: then a write-ahead log left beside it by a
 * recorder that did not finish cannot be read, and the reason says so. */
static int
open_read_only (BsStore *store, gboolean folder_unwritable)
{
  g_autofree char *escaped = g_uri_escape_string (store->path, "/", FALSE);
  g_autofree char *uri = g_strconcat ("file:", escaped, folder_unwritable ? "?immutable=1" : "",
                                      NULL);

  if (folder_unwritable && has_nonempty_wal (store->path))
    {
      char *reason = g_strdup_printf ("%s; its write-ahead log %s-wal cannot be read without "
                                      "write access, so the newest data may be missing",
                                      store->read_only_reason, store->path);
      g_free (store->read_only_reason);
      store->read_only_reason = reason;
    }
  return sqlite3_open_v2 (uri, &store->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
}

static gboolean
judge_read_only (BsStore *store, GError **error)
{
  int64_t version;

  if (!judge (store, &version, error))
    return FALSE;
  if (version < BS_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_IO,
                   "%s has an older schema (version %" G_GINT64_FORMAT ") that must be "
                   "migrated before it can be read, but it is read-only (%s)", store->path,
                   version, store->read_only_reason);
      return FALSE;
    }
  return TRUE;
}

BsStore *
bs_store_open (const char *path, BsStoreOpenFlags flags, GError **error)
{
  g_autoptr (BsStore) store = g_new0 (BsStore, 1);
  int64_t version;
  gboolean exists, folder_unwritable = FALSE;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  store->path = g_strdup (path);
  if (!prepare_path (path, flags, &exists, error))
    return NULL;
  if (exists)
    store->read_only_reason = unwritable_reason (path, &folder_unwritable);
  if (store->read_only_reason == NULL && (flags & BS_STORE_OPEN_READ_ONLY))
    store->read_only_reason = g_strdup ("opened for reading only");
  if (store->read_only_reason != NULL && (flags & BS_STORE_OPEN_CREATE))
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_IO,
                   "%s is read-only (%s): nothing can be recorded into it. Record into a "
                   "writable file instead (--db FILE)", path, store->read_only_reason);
      return NULL;
    }
  if (store->read_only_reason != NULL)
    {
      rc = open_read_only (store, folder_unwritable);
      if (rc != SQLITE_OK)
        {
          bs_store_fail (store, rc, error, "opening read-only");
          return NULL;
        }
      if (!configure (store, error) || !judge_read_only (store, error))
        return NULL;
      return g_steal_pointer (&store);
    }
  rc = sqlite3_open_v2 (path, &store->db,
                        SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE), NULL);
  if (rc != SQLITE_OK)
    {
      bs_store_fail (store, rc, error, "opening");
      return NULL;
    }
  if (!configure (store, error) || !judge (store, &version, error)
      || ((flags & BS_STORE_OPEN_CREATE) && exists && !quick_check (store, error))
      || !configure_writes (store, flags, error) || !migrate (store, error))
    return NULL;
  if (!recover (store, error))
    return NULL;
  return g_steal_pointer (&store);
}

void
bs_store_close (BsStore *store)
{
  if (store == NULL)
    return;
  if (store->db != NULL)
    sqlite3_close_v2 (store->db);
  g_free (store->path);
  g_free (store->read_only_reason);
  g_free (store);
}

const char *
bs_store_get_path (BsStore *store)
{
  return store->path;
}

const char *
bs_store_not_indexed (BsStore *store)
{
  return store->scan_tables ? " NOT INDEXED" : "";
}

const char *
bs_store_get_read_only_reason (BsStore *store)
{
  return store->read_only_reason;
}

gboolean
bs_store_check (BsStore *store, GError **error)
{
  g_autoptr (GString) problems = g_string_new (NULL);

  if (!run_check (store, "PRAGMA integrity_check", problems, error))
    return FALSE;
  if (problems->len > 0)
    {
      g_set_error (error, BS_STORE_ERROR, BS_STORE_ERROR_CORRUPT,
                   "%s failed its integrity check: %s", store->path, problems->str);
      return FALSE;
    }
  return TRUE;
}

char *
bs_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "blendscope", "blendscope.db", NULL);
}
