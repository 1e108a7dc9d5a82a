/* bs-sysfs.c: sysfs attribute reading. */
#include "bs-sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads after which a failing channel counts as stalled: one I2C hiccup is normal. */
#define STALL_FAILURES 5

static int
read_small (const char *path, char *buf, gsize size)
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

int
bs_sysfs_read_int64 (const char *path, int64_t *value)
{
  char buf[64];
  char *end;
  long long v;
  int err = read_small (path, buf, sizeof buf);

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

  if (read_small (path, buf, sizeof buf) != 0)
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
  if (++health->failures == STALL_FAILURES)
    {
      health->stalled = TRUE;
      bs_probe_emit_fault (probe, BS_PROBE_FAULT_STALLED, channel, t_ns,
                           "%s: %d reads of %s failed in a row (%s); channel %s has a gap",
                           probe->label, STALL_FAILURES, path, g_strerror (err), name);
    }
  return FALSE;
}
