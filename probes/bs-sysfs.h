/* bs-sysfs.h: reading small sysfs attribute files, and what a failed read means.
 * Every sysfs probe takes root= so that tests can point it at a fake tree. */
#pragma once

#include "bs-probe-private.h"

G_BEGIN_DECLS

/* Reads a file holding one integer. Returns 0, or an errno value (EINVAL: not a number). */
int bs_sysfs_read_int64 (const char *path, int64_t *value);
/* The first line, without surrounding white space; NULL when unreadable. */
char *bs_sysfs_read_string (const char *path);
/* The entries of a folder in natural order (hwmon2 before hwmon10); NULL if unreadable. */
GPtrArray *bs_sysfs_list_dir (const char *path);

/* A channel's read history. */
typedef struct
{
  gboolean gone;        /* its file vanished: it is no longer read */
  gboolean stalled;     /* several reads in a row failed */
  guint failures;
} BsSysfsHealth;

/* To be called after every read of @channel's file @path that returned @err. A vanished
 * file reports one device-gone fault and retires the channel; repeated other errors report
 * one stalled fault. Returns whether the value read may be used. */
gboolean bs_sysfs_health_update (BsProbe *probe, BsSysfsHealth *health, int channel,
                                 const char *path, int err, int64_t t_ns);

G_END_DECLS
