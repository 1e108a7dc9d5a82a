/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-breakdown-chart.h: the layer breakdown widget (bs-breakdown-render.h). The owner
 * gives it the values per op and precision for the metric it shows. */
#pragma once

#include <gtk/gtk.h>

#include "bs-op-table.h"

G_BEGIN_DECLS

#define BS_TYPE_BREAKDOWN_CHART (bs_breakdown_chart_get_type ())
G_DECLARE_FINAL_TYPE (BsBreakdownChart, bs_breakdown_chart, BS, BREAKDOWN_CHART, GtkWidget)

GtkWidget *bs_breakdown_chart_new (void);
/* @ops is borrowed (it must outlive the next set_data); @values [n_ops][3] is copied. */
void bs_breakdown_chart_set_data (BsBreakdownChart *self, const BsOpTable *ops, const double *values,
                                  const char *title, const char *subtitle, const char *unit,
                                  const char *empty_text);
void bs_breakdown_chart_set_highlight (BsBreakdownChart *self, int op);

G_END_DECLS
