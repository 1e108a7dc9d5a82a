/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-poller.h: a thread that calls a function at a fixed rate until stopped, for the probes
 * that read files (hwmon, RAPL, XMC). Deadlines are absolute, so the rate does not drift
 * with the time a poll takes; deadlines missed while a poll blocked are skipped, not
 * caught up in a burst. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _BsPoller BsPoller;

/* @poll gets the time the poll was due to start (CLOCK_MONOTONIC ns). */
typedef void (*BsPollFunc) (int64_t due_ns, gpointer user_data);

BsPoller *bs_poller_start (const char *thread_name, int64_t period_ns, BsPollFunc poll,
                           gpointer user_data);
/* Returns after the last poll has finished; frees @poller. */
void bs_poller_stop (BsPoller *poller);

G_END_DECLS
