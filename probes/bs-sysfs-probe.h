/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sysfs-probe.h: what the polled sysfs probes (hwmon, RAPL, XMC) share: a poller thread
 * at the probe's rate, channels that each keep a read history (BsSysfsHealth), the one
 * "every channel is gone" fault, and the spec's root= and channels= filters. Each probe
 * embeds BsSysfsProbe first and keeps its own channel type. */
#pragma once

#include "bs-poller.h"
#include "bs-sysfs.h"

G_BEGIN_DECLS

typedef struct
{
  BsProbe parent;
  int64_t period_ns;
  GArray *channels;             /* the probe's own channel type */
  gsize health_offset;          /* of the BsSysfsHealth inside one channel */
  const char *all_gone;         /* the fault's words once every channel is gone */
  BsPoller *poller;
  gboolean all_gone_reported;
} BsSysfsProbe;

/* @channels (owned) holds structs with a BsSysfsHealth at @health_offset; @all_gone says
 * what has happened when none is left ("every sensor has vanished or hung"). */
void bs_sysfs_probe_init (BsSysfsProbe *self, GArray *channels, gsize health_offset,
                          double rate, const char *all_gone);

BsSysfsHealth *bs_sysfs_probe_health (BsSysfsProbe *self, guint k);

/* Forgets every channel's history and polls @poll on a thread named @thread_name. */
void bs_sysfs_probe_start (BsSysfsProbe *self, const char *thread_name, BsPollFunc poll);
/* The class's stop and close, as they are for every sysfs probe. */
void bs_sysfs_probe_stop (BsProbe *probe);
void bs_sysfs_probe_close (BsProbe *probe);

/* After a poll: one device-gone fault once no channel is left. */
void bs_sysfs_probe_check_all_gone (BsSysfsProbe *self, int64_t t_ns);

/* root= of @spec, else @default_root. */
const char *bs_sysfs_probe_root (const BsSpec *spec, const char *default_root);
/* Whether a "channels=a,b" filter (NULL: everything) names any of the NULL-terminated
 * names a channel answers to. */
gboolean bs_sysfs_probe_selected (const char *filter, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
