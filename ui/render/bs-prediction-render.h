/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-prediction-render.h: the image being classified and what the model says of it, as
 * a pure function of (data, size, style) onto a cairo_t: the image scaled up by whole
 * pixels (nearest neighbour, crisp), the predicted class, its confidence, a ✓ or ✗ when
 * the true class is known, and the running top-1 of the run.
 *
 * Confidence is softmax(logits × logit_scale) of the predicted class (bs-predict.h); the
 * caller passes NaN when the model does not record its logit scale, and the tile says
 * "confidence unknown" rather than inventing one. */
#pragma once

#include <cairo.h>

#include "bs-chart-draw.h"
#include "bs-chart-style.h"
#include "bs-model.h"

G_BEGIN_DECLS

/* The marks' colours (Okabe–Ito bluish green and vermillion, readable by the colour
 * blind next to the precision colours; brighter on the demo theme's black). */
#define BS_PREDICTION_CORRECT_LIGHT 0x007f5f
#define BS_PREDICTION_WRONG_LIGHT   0xc84b00
#define BS_PREDICTION_CORRECT_DEMO  0x3ce3a8
#define BS_PREDICTION_WRONG_DEMO    0xff7a3d

typedef struct
{
  const uint8_t *pixels;       /* CHW uint8 (1 channel: gray; 3: RGB; other: channel 0), or NULL */
  BsShape shape;
  const char *predicted;       /* class name; NULL: nothing classified yet */
  double confidence;           /* 0 … 1, NaN: unknown */
  const char *truth;           /* the true class's name; NULL: label unknown */
  gboolean correct;            /* predicted == true class (by index), when truth is set */
  int64_t n_labelled;          /* running top-1: inferences on labelled images … */
  int64_t n_correct;           /* … and of those, right */
  const char *caption;         /* where the image comes from, or NULL */
} BsPredictionData;

typedef struct
{
  BsRect image;                /* where the image was drawn (empty: none) */
  int zoom;                    /* screen pixels per image pixel (0: fractional, too big) */
  BsRect mark;                 /* the ✓/✗ line (empty: no label) */
} BsPredictionInfo;

void bs_prediction_render (cairo_t *cr, const BsPredictionData *data, int width, int height,
                           const BsChartStyle *style, BsPredictionInfo *info);

/* One sentence of the same: "Predicted Sneaker, 92 % confident; ✗ wrong: true class
 * Sandal; top-1 so far 86.5 % (346 of 400 labelled inferences); CAPTION" (tooltips,
 * accessibility, tests). */
char *bs_prediction_describe (const BsPredictionData *data);

G_END_DECLS
