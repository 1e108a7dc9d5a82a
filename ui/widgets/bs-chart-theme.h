/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-theme.h: the charts follow the window's style. Under a dark style (the user's
 * "theme" setting, or the desktop's dark preference when it is "system") they draw with
 * BS_CHART_THEME_DARK, else BS_CHART_THEME_LIGHT; demo mode keeps its own. */
#pragma once

#include <gtk/gtk.h>

#include "bs-chart-style.h"

G_BEGIN_DECLS

/* Light or dark, from GtkSettings (gtk-application-prefer-dark-theme, a "-dark" theme). */
BsChartTheme bs_chart_theme_current (void);

/* Initialises @style (owned by @owner) for the current theme and keeps it so: on a change
 * it is re-initialised, unless it is in demo mode, and @owner and everything inside it are
 * redrawn. */
void bs_chart_theme_follow (GtkWidget *owner, BsChartStyle *style);

/* Applies the "theme" setting ("system", "light", "dark") to GtkSettings. */
void bs_chart_theme_apply_setting (const char *theme);

G_END_DECLS
