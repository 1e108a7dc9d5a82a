/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-labels.h: the true classes of a batch of input images, read from an .npy file beside
 * the images. The rule: images NAME.npy have their labels in NAME-labels.npy, a 1-D
 * uint8 or int32 array with one class index (0 … n_classes − 1) per image. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* "dir/NAME-labels.npy" for "dir/NAME.npy" (any case of ".npy"); NULL for other names. */
char *bs_labels_path_for (const char *images_path);

/* Reads @path: n_images class indices, each in 0 … n_classes − 1 (n_classes ≤ 0: any
 * non-negative value). Errors (BS_INPUT_ERROR, G_FILE_ERROR, G_IO_ERROR) name the file
 * and say what is wrong. Free the result with g_free. */
int32_t *bs_labels_load (const char *path, int n_images, int n_classes, GError **error);

G_END_DECLS
