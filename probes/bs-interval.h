/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-interval.h: a span of time on the one clock, [t_start_ns, t_end_ns). */
#pragma once

#include <stdint.h>

typedef struct
{
  int64_t t_start_ns;
  int64_t t_end_ns;
} BsInterval;
