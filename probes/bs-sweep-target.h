/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sweep-target.h: what a per-layer sweep drives, on its own so that a backend adapter
 * can fill it in without the probe headers (see bs-sweep.h for the sweep itself). */
#pragma once

#include "bs-model.h"

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* What the sweep drives; the backend (or a test) fills it in. Called on the thread that
 * calls bs_sweep_run(). */
typedef struct
{
  guint n_layers;
  const char *(*layer_name) (guint layer, gpointer user_data);
  BsPrecision (*layer_precision) (guint layer, gpointer user_data);
  /* Loops @layer at steady state for about @duration_ns and returns how many times it ran.
   * A failure is recorded for that layer and the sweep goes on. */
  gboolean (*run_layer_loop) (guint layer, int64_t duration_ns, int64_t *iterations,
                              gpointer user_data, GError **error);
  /* Leaves the device idle for @duration_ns. */
  void (*idle) (int64_t duration_ns, gpointer user_data);
  /* Optional: runs whole inferences for about @duration_ns; NULL: no network figure. */
  gboolean (*run_network) (int64_t duration_ns, int64_t *inferences, gpointer user_data,
                           GError **error);
  gpointer user_data;
} BsSweepTarget;

G_END_DECLS
