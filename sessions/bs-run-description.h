/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-description.h: the settings of a run and how a run is described in the store
 * (BsRunInfo: config, device, layer and channel tables), built here only, so that a run
 * recorded from the CLI and one recorded from the app with the same settings store the
 * same rows. Runner layer: knows accel (the backend's description) and probes (the
 * probe's channels). */
#pragma once

#include "bs-plan.h"
#include "bs-probe.h"
#include "bs-runs.h"

G_BEGIN_DECLS

typedef struct
{
  const char *backend;        /* spec, e.g. "cpu:isa=avx2"; required */
  const char *probe;          /* spec; NULL, "" or "none": no power */
  const char *input;          /* the file the images came from; NULL: generated */
  const char *dataset;        /* an evaluation's labelled images (BsDataset.name); else NULL */
  const char *db_path;        /* NULL: not recorded */
  const char *session;        /* NULL or "": none */
  const char *notes;
  const char *const *tags;    /* NULL-terminated; may be NULL */
  int n_inferences;           /* > 0: this many */
  double duration_s;          /* > 0 (with n_inferences 0): this long; both 0: until cancelled */
  gboolean sweep;             /* after the inferences (at least one), the per-layer power sweep */
  int64_t sweep_busy_ns;      /* 0: bs_sweep_config_init()'s */
  int64_t sweep_idle_ns;
  int64_t sweep_network_ns;
  /* Not stored: how the run is carried out, not what it measures. */
  int batch;                  /* images per backend call (0 means 1) */
  gboolean power_optional;    /* a probe that cannot be opened: run without power */
} BsRunSettings;

/* "evaluation", "sweep", "count", "duration" or "continuous". */
const char *bs_run_settings_mode (const BsRunSettings *settings);
/* Whether the settings name a probe ("", "none" do not). */
gboolean bs_run_settings_has_probe (const BsRunSettings *settings);

typedef struct
{
  char *config;               /* JSON object of the settings that shape the data */
  char *device;               /* backend and probe, one line */
  char *host;                 /* where the backend runs; NULL: this machine */
  GArray *layers;             /* BsRunLayer by op (bs-run-layers.h) */
  GArray *channels;           /* BsChannelInfo; names are the probe's (keep it open) */
} BsRunDescription;

/* @probe may be NULL (no power); @backend_description is BsBackendClass.description. */
BsRunDescription *bs_run_description_new (const BsRunSettings *settings, const BsPlan *plan,
                                          const char *backend_description, BsProbe *probe);
void bs_run_description_free (BsRunDescription *description);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRunDescription, bs_run_description_free)

/* Fills @info from @settings and @description (both must outlive @info). */
void bs_run_description_fill_info (const BsRunDescription *description,
                                   const BsRunSettings *settings, BsRunInfo *info);

G_END_DECLS
