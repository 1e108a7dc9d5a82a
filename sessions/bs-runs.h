/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-runs.h: runs and sessions as records: what was run, where, how it ended.
 * The high-volume data of a run (events, samples) is read through bs-queries.h and
 * bs-export.h; it is written through bs-recorder.h. */
#pragma once

#include "bs-events.h"
#include "bs-model.h"
#include "bs-store.h"

G_BEGIN_DECLS

typedef enum
{
  BS_RUN_RUNNING,       /* a recorder is writing it */
  BS_RUN_COMPLETE,      /* ended normally */
  BS_RUN_FAILED,        /* the backend or probe reported an error; data up to it is kept */
  BS_RUN_ABORTED,       /* stopped early on purpose (user, Ctrl-C) */
  BS_RUN_INTERRUPTED,   /* the recorder died (crash, kill, power loss); found on a later open */
  BS_N_RUN_STATUSES
} BsRunStatus;

const char *bs_run_status_to_string (BsRunStatus status);
gboolean bs_run_status_from_string (const char *s, BsRunStatus *status);

#define BS_RUN_MAX_MAC_WIDTHS 4

typedef struct
{
  int bits;              /* 0 ends the list */
  uint64_t macs;
} BsMacCount;

/* One plan op, as layer events name it (BsLayerEvent.op indexes the run's table). A
 * fused op carries the tags of the layer whose precision dominates it. Counts are per
 * inference. */
typedef struct
{
  char *name;
  BsLayerKind kind;
  BsPrecision precision;
  BsPath path;
  uint64_t binary_macs;
  BsMacCount fixed_macs[BS_RUN_MAX_MAC_WIDTHS];
  uint64_t param_bits;
  uint64_t activation_bytes;
} BsRunLayer;

uint64_t bs_run_layer_fixed_macs (const BsRunLayer *layer);

/* A probe channel. Channels not described get the name "channel N" and the default
 * resolution for their quantity. */
typedef struct
{
  int32_t channel;
  BsQuantity quantity;
  const char *name;
  double resolution;     /* the meter's resolution in the quantity's unit; <= 0: default */
} BsChannelInfo;

/* The finest resolution a channel is stored at unless its probe says otherwise. */
double bs_channel_default_resolution (BsQuantity quantity);

/* What is known about a run before it starts. Only backend is required. */
typedef struct
{
  const char *backend;        /* "cpu", "csim", "xrt" */
  const char *device;         /* e.g. the board and xclbin */
  const char *host;           /* NULL: this machine's name, kernel and CPU */
  const char *config;         /* free text, e.g. the command line or a JSON object */
  const char *session;        /* created if new; NULL: none */
  const char *notes;
  const char *const *tags;    /* NULL-terminated; may be NULL */
  int64_t t0_ns;              /* CLOCK_MONOTONIC at the start; 0: when the run is begun */
  int64_t clock_offset_ns;    /* device clock: host_ns = offset + rate * device_ns */
  double clock_rate;          /* 0 means 1 */
  const BsRunLayer *layers;   /* the plan's ops; NULL: one op per model layer */
  guint n_layers;
  const BsChannelInfo *channels;
  guint n_channels;
} BsRunInfo;

typedef struct
{
  int64_t id;
  BsRunStatus status;
  char *model_name;
  char *model_sha256;
  char *backend;
  char *device;
  char *host;
  char *config;
  char *notes;
  char *session;              /* NULL: none */
  GStrv tags;                 /* sorted */
  int64_t started_us;         /* wall clock, µs since the Unix epoch */
  int64_t t0_ns;              /* CLOCK_MONOTONIC at the start; times in the run are on it */
  int64_t duration_ns;        /* -1 while running */
  int64_t n_events;           /* committed so far */
  int64_t n_samples;
  int64_t clock_offset_ns;
  double clock_rate;
  int64_t recorder_pid;       /* 0 unless running */
} BsRun;

void bs_run_free (BsRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRun, bs_run_free)

typedef struct
{
  const char *session;        /* NULL: any */
  const char *model;          /* model name; NULL: any */
  const char *tag;            /* NULL: any */
  int limit;                  /* 0: no limit */
} BsRunFilter;

/* Newest first. filter may be NULL. */
GPtrArray *bs_store_list_runs (BsStore *store, const BsRunFilter *filter, GError **error);
BsRun *bs_store_get_run (BsStore *store, int64_t run, GError **error);
/* "12", or "last" for the newest run. */
gboolean bs_store_resolve_run (BsStore *store, const char *spec, int64_t *run, GError **error);
/* BsRunLayer indexed by op (gaps filled with "op N"); the array frees the names. */
GArray *bs_store_get_run_layers (BsStore *store, int64_t run, GError **error);

/* Refuses a run whose recorder is still alive. */
gboolean bs_store_delete_run (BsStore *store, int64_t run, GError **error);
gboolean bs_store_set_run_notes (BsStore *store, int64_t run, const char *notes, GError **error);
gboolean bs_store_tag_run (BsStore *store, int64_t run, const char *tag, gboolean add,
                           GError **error);
/* session NULL takes the run out of its session. */
gboolean bs_store_set_run_session (BsStore *store, int64_t run, const char *session,
                                   GError **error);

typedef struct
{
  int64_t id;
  char *name;
  char *notes;
  int64_t created_us;
  int64_t n_runs;
  int64_t last_started_us;    /* 0 when empty */
} BsSession;

void bs_session_free (BsSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsSession, bs_session_free)

GPtrArray *bs_store_list_sessions (BsStore *store, GError **error);

typedef struct
{
  int64_t t_ns;
  char *label;
} BsMarker;

/* BsMarker in time order; the array frees the labels. */
GArray *bs_store_get_markers (BsStore *store, int64_t run, GError **error);

G_END_DECLS
