/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-accuracy.c: the tally of an evaluation. Integer counts only; shares are computed
 * when asked, so partial tallies (an interrupted evaluation) stay exact. */
#include "bs-accuracy.h"

BsAccuracy *
bs_accuracy_new (int n_classes)
{
  BsAccuracy *acc;

  g_return_val_if_fail (n_classes > 0, NULL);
  acc = g_new0 (BsAccuracy, 1);
  acc->n_classes = n_classes;
  acc->confusion = g_new0 (int, (gsize) n_classes * n_classes);
  return acc;
}

void
bs_accuracy_free (BsAccuracy *acc)
{
  if (acc == NULL)
    return;
  g_free (acc->confusion);
  g_free (acc);
}

int
bs_accuracy_rank (const int32_t *logits, int n_classes, int k)
{
  int rank = 0;

  for (int j = 0; j < n_classes; j++)
    if (logits[j] > logits[k] || (logits[j] == logits[k] && j < k))
      rank++;
  return rank;
}

int
bs_accuracy_argmax (const int32_t *logits, int n_classes)
{
  int best = 0;

  for (int j = 1; j < n_classes; j++)
    if (logits[j] > logits[best])
      best = j;
  return best;
}

int
bs_accuracy_add (BsAccuracy *acc, const int32_t *logits, int label)
{
  int predicted = bs_accuracy_argmax (logits, acc->n_classes);

  g_return_val_if_fail (label >= 0 && label < acc->n_classes, predicted);
  acc->n_images++;
  acc->top1_hits += predicted == label;
  acc->top5_hits += bs_accuracy_rank (logits, acc->n_classes, label) < BS_ACCURACY_TOP_K;
  acc->confusion[(gsize) label * acc->n_classes + predicted]++;
  return predicted;
}

int
bs_accuracy_class_total (const BsAccuracy *acc, int c)
{
  int total = 0;

  for (int p = 0; p < acc->n_classes; p++)
    total += acc->confusion[(gsize) c * acc->n_classes + p];
  return total;
}

int
bs_accuracy_class_hits (const BsAccuracy *acc, int c)
{
  return acc->confusion[(gsize) c * acc->n_classes + c];
}

double
bs_accuracy_top1 (const BsAccuracy *acc)
{
  return acc->n_images > 0 ? (double) acc->top1_hits / acc->n_images : 0.0;
}

double
bs_accuracy_top5 (const BsAccuracy *acc)
{
  return acc->n_images > 0 ? (double) acc->top5_hits / acc->n_images : 0.0;
}
