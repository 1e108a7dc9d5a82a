/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-links.h: the link of a run recorded on another host (the ssh backend,
 * docs/agent-protocol.md): which host, what runs there, and how its clock relates to
 * ours — the offset and drift estimated from the exchanges during the run, their
 * uncertainty and the best round trip (schema version 4, table run_links). */
#pragma once

#include "bs-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *remote;              /* [user@]host, as given to ssh */
  char *software;            /* the agent's "blendscope VERSION" */
  char *cpu;
  char *kernel;
  int64_t rtt_ns;            /* the smallest round trip of the exchanges */
  int64_t t_ref_ns;          /* our clock */
  int64_t offset_ns;         /* the agent's clock minus ours at t_ref_ns */
  gboolean drift_fitted;     /* FALSE: too short a run to claim a drift; drift_ppm is 0 */
  double drift_ppm;
  int64_t uncertainty_ns;    /* bounds the offset's error at the exchanges (bs-link-clock.h) */
  int64_t n_exchanges;
} BsRunLink;

void bs_run_link_free (BsRunLink *link);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRunLink, bs_run_link_free)

/* Stores (or replaces) run's link. Missing strings, a negative round trip or uncertainty
 * or no exchange are BS_STORE_ERROR_INVALID. */
gboolean bs_store_set_run_link (BsStore *store, int64_t run, const BsRunLink *link,
                                GError **error);
/* run's link; NULL with no error for a run recorded on this machine. */
BsRunLink *bs_store_get_run_link (BsStore *store, int64_t run, GError **error);

/* One line for people: "lab@kv260: blendscope 0.1.0 on Cortex-A53 (Linux 5.15); clock
 * offset +1.234 ms ± 0.050 ms, drift +12.3 ppm, round trip 0.100 ms, 42 exchanges". */
char *bs_run_link_describe (const BsRunLink *link);

G_END_DECLS
