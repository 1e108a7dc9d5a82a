/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-accuracy.h: tallying a classifier's predictions against labels: top-1, top-5,
 * per-class accuracy and the confusion matrix. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_ACCURACY_TOP_K 5

typedef struct
{
  int n_classes;
  int n_images;
  int top1_hits;
  int top5_hits;             /* the label among the 5 highest logits (all, if fewer classes) */
  int *confusion;            /* [label * n_classes + predicted] */
} BsAccuracy;

BsAccuracy *bs_accuracy_new (int n_classes);
void bs_accuracy_free (BsAccuracy *acc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsAccuracy, bs_accuracy_free)

/* The predicted class: the highest logit, the lowest index among equals (as
 * torch.argmax). */
int bs_accuracy_argmax (const int32_t *logits, int n_classes);
/* The rank of class k (0: the prediction) with ties broken by index, as above. */
int bs_accuracy_rank (const int32_t *logits, int n_classes, int k);
/* Tallies one image; label must be in [0, n_classes). Returns the prediction. */
int bs_accuracy_add (BsAccuracy *acc, const int32_t *logits, int label);

/* Images of class c, and how many of them were predicted as c. */
int bs_accuracy_class_total (const BsAccuracy *acc, int c);
int bs_accuracy_class_hits (const BsAccuracy *acc, int c);
/* Shares in [0, 1]; 0 with no images. */
double bs_accuracy_top1 (const BsAccuracy *acc);
double bs_accuracy_top5 (const BsAccuracy *acc);

G_END_DECLS
