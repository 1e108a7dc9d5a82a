/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-style.h: colours and type for every chart and widget that shows a precision.
 *
 * The palette is defined once, here: binary is always the same blue and fixed point the
 * same orange, in the charts (drawn with cairo) and in the widgets (the CSS named colours
 * @bs_binary, @bs_fixed, ... are generated from these values by bs_chart_style_css()).
 * Nothing in this file needs a display: renderers take a BsChartStyle by pointer.
 */
#pragma once

#include <glib.h>

#include "bs-model.h"

G_BEGIN_DECLS

typedef struct
{
  double r, g, b, a;
} BsColor;

typedef enum
{
  BS_CHART_THEME_LIGHT,  /* the workbench */
  BS_CHART_THEME_DEMO,   /* fullscreen, high contrast, large type, on black */
  BS_CHART_THEME_DARK,   /* the workbench under a dark style: the demo's hues, normal type */
} BsChartTheme;

typedef struct
{
  BsChartTheme theme;
  BsColor background;        /* the whole chart area */
  BsColor plot_background;   /* inside the axes */
  BsColor grid;
  BsColor axis;
  BsColor text;
  BsColor text_dim;
  BsColor precision[3];      /* indexed by BsPrecision: binary, fixed, float */
  BsColor power;             /* the power trace */
  BsColor power_fill;        /* the area under it */
  BsColor inference;         /* inference boundary marks */
  BsColor band[2];           /* alternating group bands (Blend modules) */
  BsColor missing;           /* hatching where data is not in memory */
  const char *font_family;
  double font_size;          /* px, axis labels */
  double title_size;         /* px, titles and legends */
  double line_width;         /* px, the power trace */
} BsChartStyle;

void bs_chart_style_init (BsChartStyle *style, BsChartTheme theme);
/* Whether the style draws on a dark background (demo mode, dark theme): renderers pick
 * lighter tints and stronger alphas there. */
gboolean bs_chart_style_on_dark (const BsChartStyle *style);

/* "#rrggbb" */
char *bs_color_to_hex (const BsColor *color);

/* CSS @define-color lines for the palette (bs_binary, bs_fixed, bs_float, bs_power,
 * bs_demo_bg, ...), prepended to the application style sheet. */
char *bs_chart_style_css (void);

/* "binary", "fixed point", "float": what legends and tables say. */
const char *bs_precision_label (BsPrecision precision);

G_END_DECLS
