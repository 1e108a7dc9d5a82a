/* SPDX-License-Identifier: GPL-3.0-or-later */
/* accel-test-models.h: what the accelerator tests share: random small models of every
 * construct the plan has (generated to pass validation), the bundled models, random
 * images, comparison against the reference interpreter, and a check of an
 * accelerator image against the model file itself.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-accel-image.h"
#include "bs-interp.h"
#include "bs-model.h"
#include "bs-plan.h"

G_BEGIN_DECLS

/* Seeded by the tests (g_rand_set_seed) for reproducible models. */
extern GRand *accel_test_rng;

/* Blend modules: quantised stem, sign → binary conv → BN (main), fixed conv → BN
 * (skip), add → BN; global pool and FC head. */
BsModel *accel_test_model_blend (void);
/* All binary: thermometer, thresholded convs with padding and strides, int pool,
 * concat of bits, bit transpose, binary FC. */
BsModel *accel_test_model_bnn (void);
/* Binary 3x3 convs on 9 to 16 channels over widths that leave a partial group of
 * columns (the AVX2 narrow-channel kernels). */
BsModel *accel_test_model_narrow (void);
/* Mixer-like: i16 and i4 activations, 16- and 4-bit weights, token mixing. */
BsModel *accel_test_model_mixer (void);
/* Borders: tiny images, pad up to k − 1, stride 2 over odd sizes, the raw image. */
BsModel *accel_test_model_edges (void);
/* For the accelerator's lanes and tiles: channel counts across 48- and 64-bit lane
 * and word boundaries, kernel 5 with stride 3, i16 activations into 16-bit weights,
 * an avgpool with stride, a global pool of i16. */
BsModel *accel_test_model_wide (void);

/* Paths of the .bsm files in data/models under $BS_SOURCE_ROOT (g_ptr_array_unref). */
GPtrArray *accel_test_bundled_models (void);

gsize accel_test_n_elements (BsShape s);

/* n random images; with n > 1 the first is all 0, with n > 2 the second all 255. */
uint8_t *accel_test_random_images (const BsModel *m, int n);

/* Fails the test at the first element that differs (CHW int32). */
void accel_test_compare (const char *what, const BsPlan *plan, int op, const int32_t *got,
                         const int32_t *want, BsShape s);

/* Compares op `op`'s output (a plan buffer's bytes) with the interpreter's last run
 * (image: that run's input), including the zero bits past C of packed outputs. */
void accel_test_check_op_output (const BsPlan *plan, BsInterp *interp, const uint8_t *image,
                                 int op, const void *output);

/* Checks a descriptor table and weight image against the model file, not against
 * the plan's packing: every descriptor's op, shapes and buffers, and every weight,
 * bias, requantisation parameter and threshold where the tiling says it is. */
void accel_test_check_image (const BsPlan *plan, const uint32_t *desc, gsize desc_bytes,
                             const uint64_t *weights, gsize weight_bytes);

G_END_DECLS
