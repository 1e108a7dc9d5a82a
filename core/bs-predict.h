/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-predict.h: what a model's integer logits say: the predicted class and, when the
 * model records the scale of its logits, the softmax confidence.
 *
 * The .bsm format keeps integer semantics only (docs/model-format.md, section 4); the
 * exporter records the real value of one logit unit in the provenance key
 * "logit_scale" (real logit = integer × logit_scale). Confidence is then
 * softmax(logits × logit_scale) of the predicted class, computed in double with the
 * maximum subtracted first. Without that key there is no honest confidence: NaN. */
#pragma once

#include "bs-model.h"

G_BEGIN_DECLS

typedef struct
{
  int cls;              /* argmax; the lowest index among equal maxima */
  double confidence;    /* 0 … 1, or NaN when the scale is unknown */
} BsPrediction;

/* The provenance's "logit_scale" when it is a finite positive number, else NaN. */
double bs_model_logit_scale (const BsModel *model);

/* n_logits ≥ 1. logit_scale NaN (or ≤ 0): confidence NaN. */
BsPrediction bs_predict (const int32_t *logits, int n_logits, double logit_scale);

/* The model's label of class k, else "class k" written into buf. */
const char *bs_model_class_name (const BsModel *model, int k, char *buf, gsize len);

G_END_DECLS
