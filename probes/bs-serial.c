/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-serial.c: raw termios serial ports read with poll(). */
#include "bs-serial.h"

#include "bs-clock.h"
#include "bs-probe.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

static speed_t
baud_constant (guint baud)
{
  switch (baud)
    {
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 115200:
      return B115200;
    case 230400:
      return B230400;
    default:
      return 0;
    }
}

static gboolean
make_raw (int fd, guint baud, const char *path, GError **error)
{
  struct termios tio;
  speed_t speed = baud_constant (baud);

  if (speed == 0)
    {
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_SPEC, "%s: unsupported baud rate %u",
                   path, baud);
      return FALSE;
    }
  if (tcgetattr (fd, &tio) != 0)
    {
      int err = errno;
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED, "%s is not a serial port: %s",
                   path, g_strerror (err));
      return FALSE;
    }
  cfmakeraw (&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
  /* VMIN 1: with O_NONBLOCK an empty queue is EAGAIN and 0 means hang-up (VMIN 0 would
   * return 0 for both). */
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  cfsetispeed (&tio, speed);
  cfsetospeed (&tio, speed);
  if (tcsetattr (fd, TCSANOW, &tio) != 0)
    {
      int err = errno;
      g_set_error (error, BS_PROBE_ERROR, BS_PROBE_ERROR_FAILED, "%s: cannot set raw mode: %s",
                   path, g_strerror (err));
      return FALSE;
    }
  return TRUE;
}

int
bs_serial_open (const char *path, guint baud, GError **error)
{
  int fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    {
      int err = errno;
      g_set_error (error, BS_PROBE_ERROR,
                   err == EACCES || err == EPERM ? BS_PROBE_ERROR_PERMISSION
                                                 : BS_PROBE_ERROR_UNAVAILABLE,
                   "cannot open %s: %s%s", path, g_strerror (err),
                   err == EACCES ? " (is the user in the dialout group?)" : "");
      return -1;
    }
  if (!make_raw (fd, baud, path, error))
    {
      close (fd);
      return -1;
    }
  tcflush (fd, TCIOFLUSH);
  return fd;
}

void
bs_serial_close (int fd)
{
  if (fd >= 0)
    close (fd);
}

/* Waits for @events on @fd until the deadline; returns the status to stop with, or
 * BS_SERIAL_OK when the fd is ready. */
static BsSerialStatus
wait_ready (int fd, gushort events, int64_t deadline_ns, GCancellable *cancellable)
{
  GPollFD fds[2] = { { fd, events, 0 }, { -1, G_IO_IN, 0 } };
  guint n = 1;
  int64_t left_ns = deadline_ns - bs_clock_now_ns ();
  int ready;

  if (left_ns <= 0)
    return BS_SERIAL_TIMEOUT;
  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fds[1]))
    n = 2;
  ready = g_poll (fds, n, (int) ((left_ns + 999999) / 1000000));
  if (n == 2)
    g_cancellable_release_fd (cancellable);
  if (g_cancellable_is_cancelled (cancellable))
    return BS_SERIAL_CANCELLED;
  if (ready < 0)
    return errno == EINTR ? BS_SERIAL_OK : BS_SERIAL_GONE;
  if (ready == 0)
    return BS_SERIAL_TIMEOUT;
  if (fds[0].revents & (G_IO_NVAL | G_IO_ERR))
    return BS_SERIAL_GONE;
  if ((fds[0].revents & G_IO_HUP) && !(fds[0].revents & G_IO_IN))
    return BS_SERIAL_GONE;
  return BS_SERIAL_OK;
}

BsSerialStatus
bs_serial_write (int fd, const void *data, gsize n, int64_t deadline_ns, GCancellable *cancellable)
{
  const guint8 *p = data;
  gsize done = 0;

  while (done < n)
    {
      ssize_t w = write (fd, p + done, n - done);
      BsSerialStatus status;

      if (w > 0)
        {
          done += (gsize) w;
          continue;
        }
      if (w < 0 && errno != EAGAIN && errno != EINTR)
        return BS_SERIAL_GONE;
      status = wait_ready (fd, G_IO_OUT, deadline_ns, cancellable);
      if (status != BS_SERIAL_OK)
        return status;
    }
  return BS_SERIAL_OK;
}

BsSerialStatus
bs_serial_read (int fd, guint8 *buf, gsize n, gboolean want_all, int64_t deadline_ns,
                GCancellable *cancellable, gsize *got)
{
  *got = 0;
  while (*got < n)
    {
      ssize_t r = read (fd, buf + *got, n - *got);
      BsSerialStatus status;

      if (r > 0)
        {
          *got += (gsize) r;
          if (!want_all)
            return BS_SERIAL_OK;
          continue;
        }
      if (r == 0 || (errno != EAGAIN && errno != EINTR))
        return BS_SERIAL_GONE;
      status = wait_ready (fd, G_IO_IN, deadline_ns, cancellable);
      if (status != BS_SERIAL_OK)
        return status;
    }
  return BS_SERIAL_OK;
}

void
bs_serial_discard_input (int fd)
{
  guint8 sink[256];

  tcflush (fd, TCIFLUSH);
  /* A pseudo-terminal may hold bytes tcflush did not see yet. */
  while (read (fd, sink, sizeof sink) > 0)
    ;
}

gboolean
bs_serial_is_pseudo_terminal (const char *path)
{
  g_autofree char *real = realpath (path, NULL);

  return real != NULL && g_str_has_prefix (real, "/dev/pts/");
}
