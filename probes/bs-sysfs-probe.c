/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sysfs-probe.c: the part every polled sysfs probe has in common. */
#include "bs-sysfs-probe.h"

#include <stdarg.h>

void
bs_sysfs_probe_init (BsSysfsProbe *self, GArray *channels, gsize health_offset, double rate,
                     const char *all_gone)
{
  g_assert (rate > 0);
  g_assert (health_offset + sizeof (BsSysfsHealth) <= g_array_get_element_size (channels));
  self->channels = channels;
  self->health_offset = health_offset;
  self->period_ns = (int64_t) (1e9 / rate);
  self->all_gone = all_gone;
}

BsSysfsHealth *
bs_sysfs_probe_health (BsSysfsProbe *self, guint k)
{
  gsize size = g_array_get_element_size (self->channels);

  g_assert (k < self->channels->len);
  return (BsSysfsHealth *) (self->channels->data + k * size + self->health_offset);
}

void
bs_sysfs_probe_start (BsSysfsProbe *self, const char *thread_name, BsPollFunc poll)
{
  self->all_gone_reported = FALSE;
  for (guint k = 0; k < self->channels->len; k++)
    *bs_sysfs_probe_health (self, k) = (BsSysfsHealth) { 0 };
  self->poller = bs_poller_start (thread_name, self->period_ns, poll, self);
}

void
bs_sysfs_probe_stop (BsProbe *probe)
{
  BsSysfsProbe *self = (BsSysfsProbe *) probe;

  g_clear_pointer (&self->poller, bs_poller_stop);
}

void
bs_sysfs_probe_close (BsProbe *probe)
{
  BsSysfsProbe *self = (BsSysfsProbe *) probe;

  g_clear_pointer (&self->channels, g_array_unref);
}

void
bs_sysfs_probe_check_all_gone (BsSysfsProbe *self, int64_t t_ns)
{
  for (guint k = 0; k < self->channels->len; k++)
    if (!bs_sysfs_probe_health (self, k)->gone)
      return;
  if (self->all_gone_reported)
    return;
  self->all_gone_reported = TRUE;
  bs_probe_emit_fault (&self->parent, BS_PROBE_FAULT_DEVICE_GONE, -1, t_ns,
                       "%s: %s; no more readings will come", self->parent.label, self->all_gone);
}

const char *
bs_sysfs_probe_root (const BsSpec *spec, const char *default_root)
{
  const char *root = spec != NULL ? bs_spec_get (spec, "root") : NULL;

  return root != NULL ? root : default_root;
}

gboolean
bs_sysfs_probe_selected (const char *filter, ...)
{
  g_auto (GStrv) items = NULL;
  gboolean found = FALSE;
  va_list names;

  if (filter == NULL)
    return TRUE;
  items = g_strsplit (filter, ",", -1);
  va_start (names, filter);
  for (const char *name = va_arg (names, const char *); name != NULL && !found;
       name = va_arg (names, const char *))
    found = g_strv_contains ((const char *const *) items, name);
  va_end (names);
  return found;
}
