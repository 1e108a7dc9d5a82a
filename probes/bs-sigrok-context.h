/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sigrok-context.h: the one libsigrok context of the process, shared by every sigrok
 * probe and listing, and the drivers opened in it (libsigrok keeps one device list per
 * driver, so a driver's devices are cleared only when its last user is gone). */
#pragma once

#include <glib.h>
#include <libsigrok/libsigrok.h>

/* References the context, creating it (sr_init) for the first user. */
struct sr_context *bs_sigrok_acquire (GError **error);
void bs_sigrok_release (void);
/* Only between acquire and release. */
struct sr_context *bs_sigrok_context (void);

/* Serialises driver scans and driver bookkeeping across probes and listings. */
void bs_sigrok_lock (void);
void bs_sigrok_unlock (void);
/* The named driver, initialised; NULL if this libsigrok lacks it. Under bs_sigrok_lock(). */
struct sr_dev_driver *bs_sigrok_driver_ready (const char *name);

/* A probe's claim on a driver: takes the lock itself. */
struct sr_dev_driver *bs_sigrok_driver_use (const char *name, GError **error);
void bs_sigrok_driver_unuse (struct sr_dev_driver *driver);

/* "" or " (libsigrok: <its last error>)", consuming it: libsigrok's own words for why
 * something failed, to append to ours. */
char *bs_sigrok_take_last_error (void);
