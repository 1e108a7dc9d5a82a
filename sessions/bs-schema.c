/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-schema.c: the schema, as a list of forward migrations. docs/sessions-schema.md
 * explains every table; keep the two in step.
 *
 * Rules: a released migration never changes; a new schema version appends one. Each
 * runs inside the transaction bs_store_open() holds, so a crash mid-migration leaves the
 * old version intact.
 */
#include "bs-store-private.h"

/* Version 0 -> 1: the first schema. */
static const char migration_1[] =
  "CREATE TABLE models ("
  "  id INTEGER PRIMARY KEY,"
  "  sha256 TEXT NOT NULL UNIQUE,"        /* of the .bsm file, or of the layer table for built models */
  "  from_file INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  description TEXT NOT NULL DEFAULT '',"
  "  n_layers INTEGER NOT NULL,"
  "  first_seen_us INTEGER NOT NULL"
  ");"
  "CREATE TABLE sessions ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  created_us INTEGER NOT NULL,"
  "  notes TEXT NOT NULL DEFAULT ''"
  ");"
  "CREATE TABLE runs ("
  "  id INTEGER PRIMARY KEY,"
  "  model_id INTEGER NOT NULL REFERENCES models (id),"
  "  session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,"
  "  backend TEXT NOT NULL,"
  "  device TEXT NOT NULL DEFAULT '',"
  "  host TEXT NOT NULL DEFAULT '',"
  "  config TEXT NOT NULL DEFAULT '',"
  "  notes TEXT NOT NULL DEFAULT '',"
  "  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'aborted',"
  "                                         'interrupted')),"
  "  started_us INTEGER NOT NULL,"        /* wall clock, µs since the Unix epoch */
  "  t0_ns INTEGER NOT NULL,"             /* CLOCK_MONOTONIC at the start */
  "  duration_ns INTEGER,"                /* NULL while running */
  "  clock_offset_ns INTEGER NOT NULL DEFAULT 0,"
  "  clock_rate REAL NOT NULL DEFAULT 1.0,"
  "  n_events INTEGER NOT NULL DEFAULT 0,"  /* committed so far */
  "  n_samples INTEGER NOT NULL DEFAULT 0,"
  "  last_t_ns INTEGER,"                  /* latest committed timestamp */
  "  recorder_host TEXT,"                 /* who records it, while 'running' */
  "  recorder_boot TEXT,"
  "  recorder_pid INTEGER,"
  "  recorder_start INTEGER"
  ");"
  "CREATE INDEX runs_by_model ON runs (model_id);"
  "CREATE INDEX runs_by_session ON runs (session_id);"
  "CREATE INDEX runs_running ON runs (status) WHERE status = 'running';"
  "CREATE TABLE run_tags ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  tag TEXT NOT NULL,"
  "  PRIMARY KEY (run_id, tag)"
  ") WITHOUT ROWID;"
  "CREATE INDEX run_tags_by_tag ON run_tags (tag);"
  "CREATE TABLE run_layers ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  op INTEGER NOT NULL,"                /* BsLayerEvent.op */
  "  name TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  precision TEXT NOT NULL CHECK (precision IN ('binary', 'fixed', 'float')),"
  "  path TEXT NOT NULL CHECK (path IN ('stem', 'main', 'skip', 'merge', 'head')),"
  "  binary_macs INTEGER NOT NULL DEFAULT 0,"  /* per inference */
  "  param_bits INTEGER NOT NULL DEFAULT 0,"
  "  activation_bytes INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (run_id, op)"
  ") WITHOUT ROWID;"
  "CREATE TABLE run_layer_fixed_macs ("
  "  run_id INTEGER NOT NULL,"
  "  op INTEGER NOT NULL,"
  "  bits INTEGER NOT NULL CHECK (bits > 0),"
  "  macs INTEGER NOT NULL,"               /* per inference */
  "  PRIMARY KEY (run_id, op, bits),"
  "  FOREIGN KEY (run_id, op) REFERENCES run_layers (run_id, op) ON DELETE CASCADE"
  ") WITHOUT ROWID;"
  "CREATE TABLE channels ("
  "  id INTEGER PRIMARY KEY,"
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  channel INTEGER NOT NULL,"           /* BsSample.channel */
  "  quantity TEXT NOT NULL,"
  "  unit TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  resolution REAL NOT NULL,"           /* quantisation step, in unit */
  "  UNIQUE (run_id, channel, quantity)"
  ");"
  "CREATE TABLE sample_chunks ("
  "  id INTEGER PRIMARY KEY,"
  "  channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,"
  "  seq INTEGER NOT NULL,"
  "  n INTEGER NOT NULL,"
  "  t_min_ns INTEGER NOT NULL,"
  "  t_max_ns INTEGER NOT NULL,"
  "  data BLOB NOT NULL,"                 /* bs-codec samples chunk */
  "  UNIQUE (channel_id, seq)"
  ");"
  "CREATE TABLE event_chunks ("
  "  id INTEGER PRIMARY KEY,"
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  seq INTEGER NOT NULL,"
  "  n INTEGER NOT NULL,"
  "  inference_min INTEGER NOT NULL,"
  "  inference_max INTEGER NOT NULL,"
  "  t_min_ns INTEGER NOT NULL,"
  "  t_max_ns INTEGER NOT NULL,"
  "  data BLOB NOT NULL,"                 /* bs-codec events chunk */
  "  UNIQUE (run_id, seq)"
  ");"
  "CREATE TABLE markers ("
  "  id INTEGER PRIMARY KEY,"
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  t_ns INTEGER NOT NULL,"
  "  label TEXT NOT NULL"
  ");"
  "CREATE INDEX markers_by_run ON markers (run_id, t_ns);"
  "CREATE TABLE layer_summaries ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  op INTEGER NOT NULL,"
  "  version INTEGER NOT NULL,"           /* of the computation; stale rows are recomputed */
  "  clocks INTEGER NOT NULL,"            /* bit 1 << BsClockSource per origin seen */
  "  n INTEGER NOT NULL,"                 /* inferences with this op */
  "  mean_ns REAL, sd_ns REAL, median_ns REAL, p5_ns REAL, p95_ns REAL, min_ns REAL, max_ns REAL,"
  "  energy_n INTEGER NOT NULL DEFAULT 0,"
  "  energy_j REAL, energy_lo_j REAL, energy_hi_j REAL,"  /* per inference, 95 % interval */
  "  PRIMARY KEY (run_id, op)"
  ") WITHOUT ROWID;"
  "CREATE TABLE run_summaries ("
  "  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,"
  "  version INTEGER NOT NULL,"
  "  clocks INTEGER NOT NULL,"
  "  n_inferences INTEGER NOT NULL,"
  "  n_events INTEGER NOT NULL,"
  "  n_samples INTEGER NOT NULL,"
  "  span_ns INTEGER NOT NULL,"
  "  latency_n INTEGER NOT NULL,"
  "  latency_mean_ns REAL, latency_sd_ns REAL, latency_median_ns REAL, latency_p5_ns REAL,"
  "  latency_p95_ns REAL, latency_min_ns REAL, latency_max_ns REAL,"
  "  busy_ns REAL,"
  "  has_power INTEGER NOT NULL,"
  "  energy_j REAL, mean_power_w REAL, energy_per_inference_j REAL"
  ");";

/* 2: the SDs of each layer's and each run's per-inference energy, which Welch's test
 * needs (the interval alone loses it). Old rows keep NULL here; their summary version (1) is stale, so they
 * are recomputed from the run's events and samples on their next use. */
static const char migration_2[] =
  "ALTER TABLE layer_summaries ADD COLUMN energy_sd_j REAL;"
  "ALTER TABLE run_summaries ADD COLUMN energy_per_inference_sd_j REAL;";

/* 3: accuracy as a figure of a run (blendscope-cli eval --session): which data, how many
 * images, which engine, and the counts (shares are derived, so nothing is rounded). */
static const char migration_3[] =
  "CREATE TABLE run_evaluations ("
  "  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,"
  "  dataset TEXT NOT NULL,"              /* "fashion-mnist (t10k)", an .npy file's name */
  "  n_images INTEGER NOT NULL CHECK (n_images > 0),"
  "  engine TEXT NOT NULL,"               /* the backend spec the images ran on */
  "  top1_correct INTEGER NOT NULL CHECK (top1_correct BETWEEN 0 AND n_images),"
  "  top5_correct INTEGER NOT NULL CHECK (top5_correct BETWEEN top1_correct AND n_images),"
  "  float_checkpoint TEXT,"              /* NULL: not compared with a float model */
  "  float_agree INTEGER CHECK (float_agree BETWEEN 0 AND n_images)"
  ");";

/* 4: runs recorded on another host (the ssh backend): the host, what runs there, and its
 * clock against ours as estimated during the run (sessions/bs-run-links.h). */
static const char migration_4[] =
  "CREATE TABLE run_links ("
  "  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,"
  "  remote TEXT NOT NULL,"               /* [user@]host, as given to ssh */
  "  software TEXT NOT NULL,"
  "  cpu TEXT NOT NULL,"
  "  kernel TEXT NOT NULL,"
  "  rtt_ns INTEGER NOT NULL CHECK (rtt_ns >= 0),"
  "  t_ref_ns INTEGER NOT NULL,"          /* our clock */
  "  offset_ns INTEGER NOT NULL,"         /* the agent's clock minus ours at t_ref_ns */
  "  drift_ppm REAL,"                     /* NULL: not fitted (too short a run) */
  "  uncertainty_ns INTEGER NOT NULL CHECK (uncertainty_ns >= 0),"
  "  n_exchanges INTEGER NOT NULL CHECK (n_exchanges > 0)"
  ");";

static const char *const migrations[BS_STORE_SCHEMA_VERSION] = {
  migration_1,
  migration_2,
  migration_3,
  migration_4,
};

gboolean
bs_schema_migrate (BsStore *store, int from, GError **error)
{
  g_autofree char *stamp = NULL;

  g_assert (from >= 0 && from < BS_STORE_SCHEMA_VERSION);
  for (int v = from; v < BS_STORE_SCHEMA_VERSION; v++)
    {
      int rc = sqlite3_exec (store->db, migrations[v], NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        return bs_store_fail (store, rc, error, "migrating the schema from version %d to %d",
                              v, v + 1);
    }
  stamp = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d",
                           BS_STORE_APPLICATION_ID, BS_STORE_SCHEMA_VERSION);
  return bs_store_exec (store, stamp, error);
}
