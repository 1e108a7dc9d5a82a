/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-poller.c: the polling thread. */
#include "bs-poller.h"

#include "bs-clock.h"

struct _BsPoller
{
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean stopping;
  int64_t period_ns;
  BsPollFunc poll;
  gpointer user_data;
};

/* Sleeps until @deadline_ns or a stop request; TRUE if stopping. GCond waits on
 * g_get_monotonic_time(), which is CLOCK_MONOTONIC like bs_clock_now_ns(). */
static gboolean
wait_until (BsPoller *poller, int64_t deadline_ns)
{
  gboolean stopping;
  gint64 end_us = g_get_monotonic_time () + (deadline_ns - bs_clock_now_ns ()) / 1000;

  g_mutex_lock (&poller->lock);
  while (!poller->stopping && g_get_monotonic_time () < end_us)
    if (!g_cond_wait_until (&poller->cond, &poller->lock, end_us))
      break;
  stopping = poller->stopping;
  g_mutex_unlock (&poller->lock);
  return stopping;
}

static gpointer
poller_thread (gpointer data)
{
  BsPoller *poller = data;
  int64_t due = bs_clock_now_ns ();

  while (!wait_until (poller, due))
    {
      int64_t now;

      poller->poll (due, poller->user_data);
      due += poller->period_ns;
      now = bs_clock_now_ns ();
      if (due < now)
        due += ((now - due) / poller->period_ns + 1) * poller->period_ns;
    }
  return NULL;
}

BsPoller *
bs_poller_start (const char *thread_name, int64_t period_ns, BsPollFunc poll, gpointer user_data)
{
  BsPoller *poller = g_new0 (BsPoller, 1);

  g_assert (period_ns > 0 && poll != NULL);
  g_mutex_init (&poller->lock);
  g_cond_init (&poller->cond);
  poller->period_ns = period_ns;
  poller->poll = poll;
  poller->user_data = user_data;
  poller->thread = g_thread_new (thread_name, poller_thread, poller);
  return poller;
}

void
bs_poller_stop (BsPoller *poller)
{
  if (poller == NULL)
    return;
  g_mutex_lock (&poller->lock);
  poller->stopping = TRUE;
  g_cond_signal (&poller->cond);
  g_mutex_unlock (&poller->lock);
  g_thread_join (poller->thread);
  g_mutex_clear (&poller->lock);
  g_cond_clear (&poller->cond);
  g_free (poller);
}
