/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-clock.h: the one clock. Every timestamp in blendscope is CLOCK_MONOTONIC in int64
 * nanoseconds; device clocks are converted with an offset and rate recorded in the run. */
#pragma once

#include <stdint.h>
#include <time.h>

/* Where a figure came from. Measured and modelled figures never mix silently. */
typedef enum
{
  BS_CLOCK_HOST,       /* measured by the host clock */
  BS_CLOCK_DEVICE,     /* measured by device counters, converted to host time */
  BS_CLOCK_MODELLED,   /* computed by a model (e.g. the csim cycle model), not measured */
} BsClockSource;

static inline int64_t
bs_clock_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *bs_clock_source_to_string (BsClockSource source);
