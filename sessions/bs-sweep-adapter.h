/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sweep-adapter.h: a prepared backend as the target of a per-layer power sweep
 * (probes/bs-sweep-target.h): each plan op looped at steady state, idle gaps that end
 * early when cancelled, and whole inferences for the network figure. */
#pragma once

#include <gio/gio.h>

#include "bs-backend.h"
#include "bs-sweep-target.h"

G_BEGIN_DECLS

/* Runs whole inferences for about @duration_ns, adding them to *inferences; the run job
 * passes its own loop so that they are recorded and shown like any other. */
typedef gboolean (*BsSweepNetworkFunc) (int64_t duration_ns, int64_t *inferences,
                                        gpointer user_data, GError **error);

typedef struct
{
  BsBackend *backend;          /* prepared, with one inference run (layer loops replay it) */
  GCancellable *cancellable;   /* may be NULL */
  BsSweepNetworkFunc network;
  gpointer network_data;
} BsSweepAdapter;

/* The target driving @adapter (which must outlive it). */
BsSweepTarget bs_sweep_adapter_target (BsSweepAdapter *adapter);

G_END_DECLS
