/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-run-colors.c: the run palette. The baseline is a neutral slate (it is what the
 * others are measured against); the others come from the Okabe–Ito set left over by
 * the precision colours: reddish purple, bluish green, vermillion. */
#include "bs-run-colors.h"

#define RGB(hex) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0, 1.0 }

static const BsColor light[BS_RUN_COLORS] = {
  RGB (0x4f5b6b), RGB (0xcc79a7), RGB (0x009e73), RGB (0xd55e00),
};

/* On black: the same hues, lighter. */
static const BsColor demo[BS_RUN_COLORS] = {
  RGB (0xb4bfcc), RGB (0xf0a3cf), RGB (0x3ce3a8), RGB (0xff7f3f),
};

BsColor
bs_run_color (const BsChartStyle *style, int index)
{
  const BsColor *palette = bs_chart_style_on_dark (style) ? demo : light;

  return palette[((index % BS_RUN_COLORS) + BS_RUN_COLORS) % BS_RUN_COLORS];
}
