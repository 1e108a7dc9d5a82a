/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-test-models.h: small models built in memory, shared by the core tests. */
#pragma once

#include "bs-model.h"

/* Second input of add_layer() for layers with one input. */
#define NO_INPUT (-100)

uint64_t
n_elements (int n_dims, const int64_t *dims);

int
tensor_values (BsModel *m, const char *name, BsDType dtype, int n_dims, const int64_t *dims,
               const int64_t *values);

int
tensor_random (BsModel *m, const char *name, BsDType dtype, int n_dims, const int64_t *dims,
               int32_t lo, int32_t hi, guint32 seed);

gboolean
kind_is_binary (BsLayerKind kind);

int
add_layer (BsModel *m, const char *name, BsLayerKind kind, BsPath path, int in0, int in1);

int
add_conv (BsModel *m, const char *name, BsLayerKind kind, BsPath path, int in, int cin,
          int cout, int k, int stride, int pad, int wbits, gboolean bias);

int
add_batchnorm (BsModel *m, const char *name, BsPath path, int in, int c, int out_bits,
               gboolean relu);

BsModel *
build_blend_model (void);

BsModel *
build_mixer_model (void);
