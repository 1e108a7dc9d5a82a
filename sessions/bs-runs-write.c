/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-runs-write.c: the records a recorder writes when a run starts and ends. Each
 * function runs inside the caller's transaction. */
#include "bs-run-layers.h"
#include "bs-store-private.h"

#include <string.h>
#include <sys/utsname.h>

const char *
bs_runs_kind_name (BsLayerKind kind)
{
  return (int) kind >= 0 && kind < BS_LAYER_N_KINDS ? bs_layer_kind_to_string (kind) : "unknown";
}

/* A model built in memory has no file hash; its identity is its layer table. */
static char *
built_model_hash (const BsModel *model)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) model->name, -1);
  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      const BsLayer *l = bs_model_layer (model, i);
      g_autofree char *line = g_strdup_printf ("\n%s %d %d %d %d %d %d %d", l->name, l->kind,
                                               l->precision, l->path, l->out_channels,
                                               l->kernel, l->stride, l->wbits);
      g_checksum_update (sum, (const guchar *) line, -1);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static int64_t
select_id (BsStore *store, const char *sql, const char *key, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      bs_store_fail (store, rc, error, "looking up '%s'", key);
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

static int64_t
upsert_model (BsStore *store, const BsModel *model, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "INSERT INTO models (sha256, from_file, name, description, n_layers, first_seen_us) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING", error);
  gboolean from_file = model->sha256[0] != '\0';
  g_autofree char *sha = from_file ? g_strdup (model->sha256) : built_model_hash (model);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, sha, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, from_file);
  sqlite3_bind_text (stmt, 3, model->name ? model->name : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, model->description ? model->description : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 5, bs_model_n_layers (model));
  sqlite3_bind_int64 (stmt, 6, g_get_real_time ());
  if (!bs_store_step_done (store, stmt, error, "recording the model"))
    return -1;
  return select_id (store, "SELECT id FROM models WHERE sha256 = ?", sha, error);
}

static int64_t
upsert_session (BsStore *store, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "INSERT INTO sessions (name, created_us) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  if (!bs_store_step_done (store, stmt, error, "creating a session"))
    return -1;
  return select_id (store, "SELECT id FROM sessions WHERE name = ?", name, error);
}

static char *
cpu_model (void)
{
  g_autofree char *cpuinfo = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    return g_strdup ("unknown CPU");
  lines = g_strsplit (cpuinfo, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "model name"))
      {
        const char *colon = strchr (lines[i], ':');
        if (colon != NULL)
          return g_strstrip (g_strdup (colon + 1));
      }
  return g_strdup ("unknown CPU");
}

static char *
describe_host (void)
{
  g_autofree char *cpu = cpu_model ();
  struct utsname u;

  if (uname (&u) != 0)
    return g_strdup_printf ("%s (%s, %u CPUs)", g_get_host_name (), cpu, g_get_num_processors ());
  return g_strdup_printf ("%s (%s %s %s, %s, %u CPUs)", g_get_host_name (), u.sysname, u.release,
                          u.machine, cpu, g_get_num_processors ());
}

static gboolean
insert_tags (BsStore *store, int64_t run, const char *const *tags, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (tags == NULL)
    return TRUE;
  stmt = bs_store_prepare (store, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)",
                           error);
  if (stmt == NULL)
    return FALSE;
  for (int i = 0; tags[i] != NULL; i++)
    {
      sqlite3_bind_int64 (stmt, 1, run);
      sqlite3_bind_text (stmt, 2, tags[i], -1, SQLITE_TRANSIENT);
      if (!bs_store_step_done (store, stmt, error, "tagging the run"))
        return FALSE;
    }
  return TRUE;
}

static gboolean
insert_fixed_macs (BsStore *store, sqlite3_stmt *stmt, int64_t run, int op,
                   const BsRunLayer *layer, GError **error)
{
  for (int i = 0; i < BS_RUN_MAX_MAC_WIDTHS && layer->fixed_macs[i].bits > 0; i++)
    {
      sqlite3_bind_int64 (stmt, 1, run);
      sqlite3_bind_int (stmt, 2, op);
      sqlite3_bind_int (stmt, 3, layer->fixed_macs[i].bits);
      sqlite3_bind_int64 (stmt, 4, (int64_t) layer->fixed_macs[i].macs);
      if (!bs_store_step_done (store, stmt, error, "recording the layer table"))
        return FALSE;
    }
  return TRUE;
}

static gboolean
insert_layers (BsStore *store, int64_t run, const BsRunLayer *layers, guint n, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "INSERT INTO run_layers (run_id, op, name, kind, precision, path, binary_macs, param_bits, "
    "activation_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  g_autoptr (sqlite3_stmt) macs = bs_store_prepare (store,
    "INSERT OR REPLACE INTO run_layer_fixed_macs (run_id, op, bits, macs) VALUES (?, ?, ?, ?)",
    error);

  if (stmt == NULL || macs == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      const BsRunLayer *l = &layers[i];

      sqlite3_bind_int64 (stmt, 1, run);
      sqlite3_bind_int (stmt, 2, (int) i);
      sqlite3_bind_text (stmt, 3, l->name ? l->name : "", -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, bs_runs_kind_name (l->kind), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, bs_precision_to_string (l->precision), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 6, bs_path_to_string (l->path), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 7, (int64_t) l->binary_macs);
      sqlite3_bind_int64 (stmt, 8, (int64_t) l->param_bits);
      sqlite3_bind_int64 (stmt, 9, (int64_t) l->activation_bytes);
      if (!bs_store_step_done (store, stmt, error, "recording the layer table")
          || !insert_fixed_macs (store, macs, run, (int) i, l, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
insert_model_layers (BsStore *store, int64_t run, const BsModel *model, GError **error)
{
  g_autoptr (GArray) layers = bs_run_layers_from_model (model);

  return insert_layers (store, run, (const BsRunLayer *) (void *) layers->data, layers->len, error);
}

static int64_t
insert_run_row (BsStore *store, int64_t model_id, int64_t session_id, const BsRunInfo *info,
                const BsProcessId *recorder, int64_t t0_ns, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "INSERT INTO runs (model_id, session_id, backend, device, host, config, notes, status, "
    "started_us, t0_ns, clock_offset_ns, clock_rate, recorder_host, recorder_boot, recorder_pid, "
    "recorder_start) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)", error);
  g_autofree char *host = info->host ? g_strdup (info->host) : describe_host ();

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, model_id);
  if (session_id > 0)
    sqlite3_bind_int64 (stmt, 2, session_id);
  sqlite3_bind_text (stmt, 3, info->backend, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, info->device ? info->device : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, host, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, info->config ? info->config : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, info->notes ? info->notes : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 8, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 9, t0_ns);
  sqlite3_bind_int64 (stmt, 10, info->clock_offset_ns);
  sqlite3_bind_double (stmt, 11, info->clock_rate != 0 ? info->clock_rate : 1.0);
  sqlite3_bind_text (stmt, 12, recorder->host, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 13, recorder->boot_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 14, recorder->pid);
  sqlite3_bind_int64 (stmt, 15, recorder->start_ticks);
  if (!bs_store_step_done (store, stmt, error, "starting a run"))
    return -1;
  return sqlite3_last_insert_rowid (store->db);
}

int64_t
bs_runs_insert (BsStore *store, const BsModel *model, const BsRunInfo *info,
                const BsProcessId *recorder, int64_t t0_ns, GError **error)
{
  int64_t model_id, session_id = 0, run;

  g_return_val_if_fail (info->backend != NULL, -1);
  model_id = upsert_model (store, model, error);
  if (model_id < 0)
    return -1;
  if (info->session != NULL && (session_id = upsert_session (store, info->session, error)) < 0)
    return -1;
  run = insert_run_row (store, model_id, session_id, info, recorder, t0_ns, error);
  if (run < 0 || !insert_tags (store, run, info->tags, error))
    return -1;
  if (info->layers != NULL ? !insert_layers (store, run, info->layers, info->n_layers, error)
                           : !insert_model_layers (store, run, model, error))
    return -1;
  return run;
}

int64_t
bs_runs_insert_channel (BsStore *store, int64_t run, const BsChannelInfo *channel, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "INSERT INTO channels (run_id, channel, quantity, unit, name, resolution) "
    "VALUES (?, ?, ?, ?, ?, ?)", error);
  g_autofree char *name = channel->name ? g_strdup (channel->name)
                                        : g_strdup_printf ("channel %d", channel->channel);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, run);
  sqlite3_bind_int (stmt, 2, channel->channel);
  sqlite3_bind_text (stmt, 3, bs_quantity_to_string (channel->quantity), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, bs_unit_to_string (bs_quantity_unit (channel->quantity)), -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (stmt, 6, channel->resolution);
  if (!bs_store_step_done (store, stmt, error, "recording a probe channel"))
    return -1;
  return sqlite3_last_insert_rowid (store->db);
}

gboolean
bs_runs_finish (BsStore *store, int64_t run, BsRunStatus status, int64_t duration_ns,
                GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "UPDATE runs SET status = ?, duration_ns = ?, recorder_host = NULL, recorder_boot = NULL, "
    "recorder_pid = NULL, recorder_start = NULL WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, bs_run_status_to_string (status), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, duration_ns);
  sqlite3_bind_int64 (stmt, 3, run);
  return bs_store_step_done (store, stmt, error, "ending a run");
}
