/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sysfs.c: sysfs attribute reading. */
#include "bs-sysfs.h"

#include "bs-clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads after which a failing channel counts as stalled: one I2C hiccup is normal. */
#define STALL_FAILURES 5

static int
read_small_now (const char *path, char *buf, gsize size)
{
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return errno;
  do
    n = read (fd, buf, size - 1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;
      close (fd);
      return saved;
    }
  close (fd);
  buf[n] = '\0';
  return 0;
}

/* Reads with a deadline. Each thread that reads (a probe's poller, the thread opening a
 * probe) hands its reads to a reader thread of its own and waits for the answer at most
 * BS_SYSFS_READ_DEADLINE_MS. A read that misses the deadline belongs to a sensor that hangs
 * (a stuck I2C/PMBus transfer): it cannot be cancelled, since the reader may sit in an
 * uninterruptible driver call, so that reader is abandoned (it exits whenever the read
 * returns) and the next read gets a fresh one. Requests are reference-counted, so a read
 * that finishes late touches nothing its caller has freed. */
typedef struct
{
  gint refs;
  GMutex lock;
  GCond cond;
  gboolean done;
  int err;
  int64_t t_ns;           /* when the read returned */
  char *path;             /* NULL: the reader is to exit */
  char buf[256];
} Request;

static Request *
request_new (const char *path)
{
  Request *r = g_new0 (Request, 1);

  r->refs = 1;
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->path = g_strdup (path);
  return r;
}

static void
request_unref (Request *r)
{
  if (!g_atomic_int_dec_and_test (&r->refs))
    return;
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r->path);
  g_free (r);
}

static gpointer
reader_thread (gpointer data)
{
  GAsyncQueue *queue = data;
  Request *r;

  while ((r = g_async_queue_pop (queue))->path != NULL)
    {
      char buf[sizeof r->buf];
      int err = read_small_now (r->path, buf, sizeof buf);
      int64_t t_ns = bs_clock_now_ns ();

      g_mutex_lock (&r->lock);
      r->err = err;
      r->t_ns = t_ns;
      memcpy (r->buf, buf, sizeof buf);
      r->done = TRUE;
      g_cond_signal (&r->cond);
      g_mutex_unlock (&r->lock);
      request_unref (r);
    }
  request_unref (r);
  g_async_queue_unref (queue);
  return NULL;
}

/* Tells a reader to exit once it has finished what it is doing. */
static void
reader_release (gpointer queue)
{
  g_async_queue_push (queue, request_new (NULL));
  g_async_queue_unref (queue);
}

static GPrivate reader_key = G_PRIVATE_INIT (reader_release);

static GAsyncQueue *
my_reader (void)
{
  GAsyncQueue *queue = g_private_get (&reader_key);
  GThread *thread;

  if (queue != NULL)
    return queue;
  queue = g_async_queue_new ();
  thread = g_thread_try_new ("bs-sysfs-read", reader_thread, g_async_queue_ref (queue), NULL);
  if (thread == NULL)
    {
      g_async_queue_unref (queue);
      g_async_queue_unref (queue);
      return NULL;
    }
  g_thread_unref (thread);   /* detached: an abandoned reader outlives everyone */
  g_private_set (&reader_key, queue);
  return queue;
}

static int
read_small (const char *path, char *buf, gsize size, int64_t *t_ns)
{
  GAsyncQueue *queue = my_reader ();
  gint64 end_us = g_get_monotonic_time () + BS_SYSFS_READ_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  Request *r;
  int err;

  g_assert (size <= sizeof r->buf);
  if (queue == NULL)
    {
      *t_ns = bs_clock_now_ns ();
      return EAGAIN;
    }
  r = request_new (path);
  g_atomic_int_inc (&r->refs);
  g_async_queue_push (queue, r);
  g_mutex_lock (&r->lock);
  while (!r->done)
    if (!g_cond_wait_until (&r->cond, &r->lock, end_us))
      break;
  err = r->done ? r->err : ETIMEDOUT;
  if (r->done && err == 0)
    memcpy (buf, r->buf, size);
  *t_ns = r->done ? r->t_ns : bs_clock_now_ns ();
  g_mutex_unlock (&r->lock);
  request_unref (r);
  if (err == ETIMEDOUT)
    g_private_replace (&reader_key, NULL);   /* abandons the hung reader */
  else if (err == 0)
    buf[size - 1] = '\0';
  return err;
}

int
bs_sysfs_read_int64 (const char *path, int64_t *value)
{
  int64_t t_ns;

  return bs_sysfs_read_int64_at (path, value, &t_ns);
}

int
bs_sysfs_read_int64_at (const char *path, int64_t *value, int64_t *t_ns)
{
  char buf[64];
  char *end;
  long long v;
  int err = read_small (path, buf, sizeof buf, t_ns);

  if (err != 0)
    return err;
  errno = 0;
  v = strtoll (buf, &end, 10);
  if (end == buf || errno != 0)
    return EINVAL;
  while (*end == '\n' || *end == ' ')
    end++;
  if (*end != '\0')
    return EINVAL;
  *value = v;
  return 0;
}

char *
bs_sysfs_read_string (const char *path)
{
  char buf[256];
  int64_t t_ns;

  if (read_small (path, buf, sizeof buf, &t_ns) != 0)
    return NULL;
  buf[strcspn (buf, "\n")] = '\0';
  return g_strstrip (g_strdup (buf));
}

static int
compare_natural (gconstpointer a, gconstpointer b)
{
  g_autofree char *ka = g_utf8_collate_key_for_filename (*(char *const *) a, -1);
  g_autofree char *kb = g_utf8_collate_key_for_filename (*(char *const *) b, -1);

  return strcmp (ka, kb);
}

GPtrArray *
bs_sysfs_list_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *names;
  const char *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_natural);
  return names;
}

static gboolean
errno_means_gone (int err)
{
  return err == ENOENT || err == ENODEV || err == ENXIO || err == ESTALE || err == ENOTDIR;
}

gboolean
bs_sysfs_health_update (BsProbe *probe, BsSysfsHealth *health, int channel, const char *path,
                        int err, int64_t t_ns)
{
  const char *name = bs_probe_get_channel (probe, channel)->name;

  if (err == 0)
    {
      health->failures = 0;
      health->stalled = FALSE;
      return TRUE;
    }
  if (errno_means_gone (err))
    {
      health->gone = TRUE;
      bs_probe_emit_fault (probe, BS_PROBE_FAULT_DEVICE_GONE, channel, t_ns,
                           "%s: %s vanished (%s); channel %s stops, the capture goes on",
                           probe->label, path, g_strerror (err), name);
      return FALSE;
    }
  if (err == ETIMEDOUT)
    {
      /* Reading it again would only pile up more hung threads: abandon the channel. */
      health->gone = TRUE;
      health->stalled = TRUE;
      bs_probe_emit_fault (probe, BS_PROBE_FAULT_STALLED, channel, t_ns,
                           "%s: reading %s did not return within %d ms (a hung sensor or "
                           "bus); channel %s is abandoned, the capture goes on",
                           probe->label, path, BS_SYSFS_READ_DEADLINE_MS, name);
      return FALSE;
    }
  if (++health->failures == STALL_FAILURES)
    {
      health->stalled = TRUE;
      bs_probe_emit_fault (probe, BS_PROBE_FAULT_STALLED, channel, t_ns,
                           "%s: %d reads of %s failed in a row (%s); channel %s has a gap",
                           probe->label, STALL_FAILURES, path, g_strerror (err), name);
    }
  return FALSE;
}
