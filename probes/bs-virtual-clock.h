/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-virtual-clock.h: a clock that moves only when told to, so that tests can run minutes
 * of meter readings and layer loops in milliseconds. The synthetic probe, the sweep and
 * the latency calibration take one in place of CLOCK_MONOTONIC. Not thread-safe: one thread
 * advances it, and the watchers run on that thread. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* "What time is it": bs_clock_now_ns() in production, a virtual clock in tests. */
typedef int64_t (*BsNowFunc) (gpointer user_data);

typedef struct _BsVirtualClock BsVirtualClock;

/* Called after each advance with the new time. */
typedef void (*BsVirtualClockWatch) (int64_t now_ns, gpointer user_data);

BsVirtualClock *bs_virtual_clock_new (int64_t start_ns);
void bs_virtual_clock_free (BsVirtualClock *clock);
int64_t bs_virtual_clock_now (BsVirtualClock *clock);
/* A BsNowFunc: pass the clock as user data. */
int64_t bs_virtual_clock_now_func (gpointer clock);
void bs_virtual_clock_advance (BsVirtualClock *clock, int64_t dt_ns);
guint bs_virtual_clock_watch (BsVirtualClock *clock, BsVirtualClockWatch func, gpointer user_data);
void bs_virtual_clock_unwatch (BsVirtualClock *clock, guint id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsVirtualClock, bs_virtual_clock_free)

G_END_DECLS
