/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-viewport.h: what part of the data a renderer draws, and at what size. A plain
 * value: renderers are pure functions of (data, viewport, style). */
#pragma once

#include <glib.h>
#include <math.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  int width, height;       /* px */
  int64_t t_start_ns;      /* time range shown, on the run's clock (CLOCK_MONOTONIC) */
  int64_t t_end_ns;
  double y_min, y_max;     /* value range; NaN: fitted to the visible data */
} BsChartViewport;

static inline BsChartViewport
bs_chart_viewport_init (int width, int height, int64_t t_start_ns, int64_t t_end_ns)
{
  BsChartViewport vp = { width, height, t_start_ns, t_end_ns, NAN, NAN };
  return vp;
}

G_END_DECLS
