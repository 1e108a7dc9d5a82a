/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-virtual-clock.c: virtual time for tests. */
#include "bs-virtual-clock.h"

typedef struct
{
  guint id;
  BsVirtualClockWatch func;
  gpointer user_data;
} Watch;

struct _BsVirtualClock
{
  int64_t now_ns;
  GArray *watches;              /* Watch */
  guint next_id;
};

BsVirtualClock *
bs_virtual_clock_new (int64_t start_ns)
{
  BsVirtualClock *clock = g_new0 (BsVirtualClock, 1);

  clock->now_ns = start_ns;
  clock->watches = g_array_new (FALSE, FALSE, sizeof (Watch));
  clock->next_id = 1;
  return clock;
}

void
bs_virtual_clock_free (BsVirtualClock *clock)
{
  if (clock == NULL)
    return;
  g_assert (clock->watches->len == 0);
  g_array_unref (clock->watches);
  g_free (clock);
}

int64_t
bs_virtual_clock_now (BsVirtualClock *clock)
{
  return clock->now_ns;
}

int64_t
bs_virtual_clock_now_func (gpointer clock)
{
  return bs_virtual_clock_now (clock);
}

void
bs_virtual_clock_advance (BsVirtualClock *clock, int64_t dt_ns)
{
  g_assert (dt_ns >= 0);

  clock->now_ns += dt_ns;
  /* By index: a watcher may unwatch itself. */
  for (guint i = 0; i < clock->watches->len; i++)
    {
      Watch w = g_array_index (clock->watches, Watch, i);
      w.func (clock->now_ns, w.user_data);
    }
}

guint
bs_virtual_clock_watch (BsVirtualClock *clock, BsVirtualClockWatch func, gpointer user_data)
{
  Watch w = { clock->next_id++, func, user_data };

  g_array_append_val (clock->watches, w);
  return w.id;
}

void
bs_virtual_clock_unwatch (BsVirtualClock *clock, guint id)
{
  for (guint i = 0; i < clock->watches->len; i++)
    if (g_array_index (clock->watches, Watch, i).id == id)
      {
        g_array_remove_index (clock->watches, i);
        return;
      }
  g_assert_not_reached ();
}
