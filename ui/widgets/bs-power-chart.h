/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-power-chart.h: the live power chart widget: the renderer of bs-power-chart-render.h
 * drawn in a cairo node, over the controller's power series and inference boundaries, in
 * the range of a shared BsTimeView. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"
#include "bs-time-view.h"

G_BEGIN_DECLS

#define BS_TYPE_POWER_CHART (bs_power_chart_get_type ())
G_DECLARE_FINAL_TYPE (BsPowerChart, bs_power_chart, BS, POWER_CHART, GtkWidget)

GtkWidget *bs_power_chart_new (void);
void bs_power_chart_set_source (BsPowerChart *self, BsRunController *controller, BsTimeView *view);
/* Fullscreen demo: high contrast, large type. */
void bs_power_chart_set_demo (BsPowerChart *self, gboolean demo);
/* Two markers A and B (CLOCK_MONOTONIC ns, the run's clock) with the readout of
 * bs-marker-stats between them: duration, average power, energy. */
void bs_power_chart_set_markers (BsPowerChart *self, int64_t a_ns, int64_t b_ns);
void bs_power_chart_clear_markers (BsPowerChart *self);

G_END_DECLS
