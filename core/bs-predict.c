/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-predict.c: argmax and softmax confidence of integer logits. */
#include "bs-predict.h"

#include <math.h>
#include <stdlib.h>

double
bs_model_logit_scale (const BsModel *model)
{
  const char *text = model->provenance != NULL
    ? g_hash_table_lookup (model->provenance, "logit_scale") : NULL;
  char *end = NULL;
  double scale;

  if (text == NULL)
    return NAN;
  scale = g_ascii_strtod (text, &end);
  /* A value written by hand may be anything: only a whole, finite, positive number. */
  if (end == text || *end != '\0' || !isfinite (scale) || scale <= 0)
    return NAN;
  return scale;
}

BsPrediction
bs_predict (const int32_t *logits, int n_logits, double logit_scale)
{
  BsPrediction p = { 0, NAN };
  double sum = 0;

  for (int k = 1; k < n_logits; k++)
    if (logits[k] > logits[p.cls])
      p.cls = k;
  if (!isfinite (logit_scale) || logit_scale <= 0)
    return p;
  /* exp of (l_k − l_max)·s ≤ 0: no overflow; the predicted class contributes exactly 1. */
  for (int k = 0; k < n_logits; k++)
    sum += exp (((double) logits[k] - (double) logits[p.cls]) * logit_scale);
  p.confidence = 1.0 / sum;
  return p;
}

const char *
bs_model_class_name (const BsModel *model, int k, char *buf, gsize len)
{
  if (model->labels != NULL && k >= 0 && k < (int) g_strv_length (model->labels))
    return model->labels[k];
  g_snprintf (buf, len, "class %d", k);
  return buf;
}
