/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-controller.h: the model of a run, for the UI. It owns the model, the settings
 * and the live data; the run itself is the run job (sessions/bs-run-job.h: backend,
 * probe, recording), executed on a worker thread (the probe delivers on its own), and
 * the UI gets throttled updates on the main thread: at most one "updated" per
 * BS_RUN_CONTROLLER_UPDATE_MS, however fast inferences come.
 *
 * Everything here is called on the main thread. Errors never abort: a model that fails
 * to load is a GError; a backend that cannot run, a meter that is missing or goes away,
 * a database that refuses, are "message" signals and the state goes back to idle (or,
 * for the meter, the run goes on without power). */
#pragma once

#include <gio/gio.h>

#include "bs-live-stats.h"
#include "bs-model.h"
#include "bs-op-table.h"
#include "bs-power-series.h"
#include "bs-predict.h"
#include "bs-span-store.h"
#include "bs-sweep.h"

G_BEGIN_DECLS

#define BS_RUN_CONTROLLER_UPDATE_MS 40

typedef enum
{
  BS_RUN_STATE_IDLE,
  BS_RUN_STATE_STARTING,     /* opening the backend, preparing the plan, opening the probe */
  BS_RUN_STATE_RUNNING,
  BS_RUN_STATE_SWEEPING,     /* the per-layer power sweep */
  BS_RUN_STATE_STOPPING,
} BsRunState;

typedef enum
{
  BS_RUN_MODE_COUNT,         /* N inferences */
  BS_RUN_MODE_CONTINUOUS,    /* until stopped */
  BS_RUN_MODE_SWEEP,         /* a few inferences, then the per-layer sweep */
} BsRunMode;

const char *bs_run_mode_to_string (BsRunMode mode);       /* "count", "continuous", "sweep" */
gboolean bs_run_mode_from_string (const char *s, BsRunMode *mode);

#define BS_TYPE_RUN_CONTROLLER (bs_run_controller_get_type ())
G_DECLARE_FINAL_TYPE (BsRunController, bs_run_controller, BS, RUN_CONTROLLER, GObject)

BsRunController *bs_run_controller_new (void);

/* Loads, validates and compiles; refused while a run is in progress. On failure the
 * previous model stays. */
gboolean bs_run_controller_load_model (BsRunController *self, const char *path, GError **error);
const BsModel *bs_run_controller_get_model (BsRunController *self);
const char *bs_run_controller_get_model_path (BsRunController *self);
const BsOpTable *bs_run_controller_get_op_table (BsRunController *self);

void bs_run_controller_set_backend (BsRunController *self, const char *spec);
const char *bs_run_controller_get_backend (BsRunController *self);
/* "" or "none": no power. */
void bs_run_controller_set_probe (BsRunController *self, const char *spec);
const char *bs_run_controller_get_probe (BsRunController *self);
void bs_run_controller_set_mode (BsRunController *self, BsRunMode mode);
BsRunMode bs_run_controller_get_mode (BsRunController *self);
void bs_run_controller_set_inferences (BsRunController *self, int n);
int bs_run_controller_get_inferences (BsRunController *self);
void bs_run_controller_set_record (BsRunController *self, gboolean record);
gboolean bs_run_controller_get_record (BsRunController *self);
/* NULL: the default database (bs_store_default_path). */
void bs_run_controller_set_db_path (BsRunController *self, const char *path);
const char *bs_run_controller_get_db_path (BsRunController *self);
/* The session recorded runs join; NULL or "": none. */
void bs_run_controller_set_session (BsRunController *self, const char *session);
const char *bs_run_controller_get_session (BsRunController *self);
/* Per-layer sweep phases (defaults 1 s busy, 0.5 s idle). */
void bs_run_controller_set_sweep_times (BsRunController *self, int64_t busy_ns, int64_t idle_ns);

gboolean bs_run_controller_start (BsRunController *self, GError **error);
/* Starts in @mode without changing the mode setting (demo mode runs continuously). */
gboolean bs_run_controller_start_with_mode (BsRunController *self, BsRunMode mode, GError **error);
/* Asks the run to stop; the state goes through STOPPING to IDLE. */
void bs_run_controller_stop (BsRunController *self);
/* Stops and waits for the worker (application shutdown). */
void bs_run_controller_shutdown (BsRunController *self);

BsRunState bs_run_controller_get_state (BsRunController *self);
gboolean bs_run_controller_is_busy (BsRunController *self);
/* A sentence for the status line. */
const char *bs_run_controller_get_status (BsRunController *self);
/* How far a run with an end is, 0 to 1 (count mode: inferences; sweep: layers); -1 for
 * continuous runs and when idle. */
double bs_run_controller_get_progress (BsRunController *self);

/* Live data of the current (or last) run, valid until the next start. */
BsPowerSeries *bs_run_controller_get_power (BsRunController *self);
/* Every power channel of the run (board rails, a meter's channels) in the probe's order,
 * each with the probe's name for it; the first is bs_run_controller_get_power(). */
guint bs_run_controller_get_n_power_channels (BsRunController *self);
const BsPowerSeries *bs_run_controller_get_power_channel (BsRunController *self, guint index,
                                                         const char **name);
BsSpanStore *bs_run_controller_get_spans (BsRunController *self);
int64_t bs_run_controller_get_t0 (BsRunController *self);
/* The live edge: the latest time data reached (the start before any). */
int64_t bs_run_controller_get_now (BsRunController *self);
void bs_run_controller_get_figures (BsRunController *self, BsLiveFigures *figures);
/* Per-op median durations (n_ops of the op table), NaN where none. */
void bs_run_controller_get_op_medians (BsRunController *self, double *median_ns);
/* "demo meter (simulated)", or NULL without power. */
const char *bs_run_controller_get_power_label (BsRunController *self);
gboolean bs_run_controller_get_power_simulated (BsRunController *self);
/* The last sweep of this model, or NULL. */
const BsSweepResult *bs_run_controller_get_sweep (BsRunController *self);
/* The id of the last run recorded, or -1. */
int64_t bs_run_controller_get_run_id (BsRunController *self);

/* ---- what the run classifies (bs-input-source.h) ---- */

/* A PNG or .npy file (labels from NAME-labels.npy beside an .npy), or NULL / "" for the
 * default (the gallery when it fits the model). Refused during a run; on error (the file
 * is unreadable, not the model's input shape, or its labels are bad) the images stay
 * what they were. The choice survives a new model when it fits; otherwise the input goes
 * back to the default, with a "message". */
gboolean bs_run_controller_set_input (BsRunController *self, const char *path, GError **error);
/* "gallery of Fashion-MNIST test images · 200 images, labelled" */
const char *bs_run_controller_get_input_description (BsRunController *self);
/* The file chosen, or NULL for the default. */
const char *bs_run_controller_get_input_path (BsRunController *self);

typedef struct
{
  int64_t n_classified;        /* inferences of this run */
  int64_t n_labelled;          /* of those, on images with a known label */
  int64_t n_correct;           /* of those, top-1 right */
} BsClassTally;

typedef struct
{
  int image;                   /* index in the input */
  int n_images;
  const uint8_t *pixels;       /* CHW, valid until the input changes */
  BsShape shape;
  BsPrediction prediction;     /* confidence NaN without the model's logit_scale */
  int label;                   /* the true class, -1 when unknown */
  BsClassTally tally;          /* every inference of this run, not only those shown */
} BsLiveClassification;

/* The image last classified in this run (as of the last "updated") and the tally.
 * FALSE (tally still filled) before the first inference of a run. */
gboolean bs_run_controller_get_classification (BsRunController *self, BsLiveClassification *out);

G_END_DECLS
