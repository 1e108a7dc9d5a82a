/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sysfs.h: reading small sysfs attribute files, and what a failed read means.
 * Every sysfs probe takes root= so that tests can point it at a fake tree. */
#pragma once

#include "bs-probe-private.h"

G_BEGIN_DECLS

/* Every read has a deadline. A sensor attribute answers in microseconds to a few ms (one
 * I2C transfer at 100 kHz takes about 1 ms); a read still pending after this long is a
 * hung sensor or bus, and returns ETIMEDOUT. */
#define BS_SYSFS_READ_DEADLINE_MS 500

/* Reads a file holding one integer. Returns 0, or an errno value (EINVAL: not a number,
 * ETIMEDOUT: no answer within BS_SYSFS_READ_DEADLINE_MS). */
int bs_sysfs_read_int64 (const char *path, int64_t *value);
/* The same, with the time the read returned (CLOCK_MONOTONIC ns; when it failed, the time
 * the failure was known): reads run on a helper thread, and the hand-over must not blur
 * the time of a reading. */
int bs_sysfs_read_int64_at (const char *path, int64_t *value, int64_t *t_ns);
/* The first line, without surrounding white space; NULL when unreadable. */
char *bs_sysfs_read_string (const char *path);
/* The entries of a folder in natural order (hwmon2 before hwmon10); NULL if unreadable. */
GPtrArray *bs_sysfs_list_dir (const char *path);

/* A channel's read history. */
typedef struct
{
  gboolean gone;        /* its file vanished or a read hung: it is no longer read */
  gboolean stalled;     /* several reads in a row failed */
  guint failures;
} BsSysfsHealth;

/* To be called after every read of @channel's file @path that returned @err. A vanished
 * file reports one device-gone fault and retires the channel; a read that hung reports a
 * stalled fault and retires it too; repeated other errors report one stalled fault.
 * Returns whether the value read may be used. */
gboolean bs_sysfs_health_update (BsProbe *probe, BsSysfsHealth *health, int channel,
                                 const char *path, int err, int64_t t_ns);

G_END_DECLS
