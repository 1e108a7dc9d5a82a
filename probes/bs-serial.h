/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-serial.h: a meter's serial port (USB CDC ACM, Bluetooth rfcomm, or a test's
 * pseudo-terminal) opened with termios: raw 8N1, O_NOCTTY, non-blocking, read with poll().
 * libserialport is not used because it refuses pseudo-terminals, which the simulators are. */
#pragma once

#include <gio/gio.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  BS_SERIAL_OK,                 /* everything asked for arrived */
  BS_SERIAL_TIMEOUT,            /* the deadline passed first (some bytes may have come) */
  BS_SERIAL_GONE,               /* hang-up, EIO or ENODEV: the device went away */
  BS_SERIAL_CANCELLED,          /* @cancellable fired */
} BsSerialStatus;

/* Opens @path raw at @baud (115200, 230400, ...). Errors say which port and why
 * (BS_PROBE_ERROR_UNAVAILABLE when missing, _PERMISSION when not allowed). */
int bs_serial_open (const char *path, guint baud, GError **error);
void bs_serial_close (int fd);

/* Writes all of @data before @deadline_ns (CLOCK_MONOTONIC). */
BsSerialStatus bs_serial_write (int fd, const void *data, gsize n, int64_t deadline_ns,
                                GCancellable *cancellable);
/* Reads up to @n bytes, returning when @n have arrived or at the deadline; *got says how
 * many. With @want_all FALSE it returns as soon as anything has arrived. */
BsSerialStatus bs_serial_read (int fd, guint8 *buf, gsize n, gboolean want_all,
                               int64_t deadline_ns, GCancellable *cancellable, gsize *got);
/* Drops whatever is waiting in the input queue (after a bad or partial frame). */
void bs_serial_discard_input (int fd);

/* TRUE when @path resolves to a pseudo-terminal: never a physical meter, so a simulator. */
gboolean bs_serial_is_pseudo_terminal (const char *path);

G_END_DECLS
