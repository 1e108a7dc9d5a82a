/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-dataset.h: labelled test images for accuracy: the Fashion-MNIST test set from
 * Debian's dataset-fashion-mnist, or a pair of .npy files (images, labels). */
#pragma once

#include "bs-image.h"

G_BEGIN_DECLS

/* Where Debian's dataset-fashion-mnist installs the IDX files. */
#define BS_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct
{
  char *name;              /* what the images are, for reports: "fashion-mnist (t10k)" */
  BsImageBatch *images;    /* in the model's input shape */
  int32_t *labels;         /* one per image, ≥ 0 (the model's class count is not known here) */
} BsDataset;

/* The 10 000 test images of Fashion-MNIST (t10k-*-ubyte.gz, gzip read through GIO) from
 * dir, or BS_FASHION_MNIST_DIR if NULL. The model must take 1x28x28 images
 * (BS_INPUT_ERROR_SHAPE otherwise). A missing file is G_IO_ERROR_NOT_FOUND naming the
 * Debian package to install. */
BsDataset *bs_dataset_load_fashion_mnist (const char *dir, BsShape expected, GError **error);
/* uint8 images (N,C,H,W), or (N,H,W) for a 1-channel model, and labels (N,) of uint8,
 * int32 or int64 from .npy files. */
BsDataset *bs_dataset_load_npy (const char *images_path, const char *labels_path,
                                BsShape expected, GError **error);
void bs_dataset_free (BsDataset *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsDataset, bs_dataset_free)

G_END_DECLS
