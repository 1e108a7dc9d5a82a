/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-colors.h: the colours that tell compared runs apart (run 0 is the baseline), in
 * the compare chart, the power overlay and their legends.
 *
 * They are chosen away from the precision colours of bs-chart-style.h (binary blue,
 * fixed-point orange): in the compare view a bar's colour names its run and a chip
 * beside the layer's name gives its precision, and the two must not be confused. */
#pragma once

#include "bs-chart-style.h"

G_BEGIN_DECLS

#define BS_RUN_COLORS 4

/* index 0 .. BS_RUN_COLORS - 1; larger indices wrap. */
BsColor bs_run_color (const BsChartStyle *style, int index);

G_END_DECLS
