/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-model-format.h: what the .bsm reader (bs-model-read.c) and writer
 * (bs-model-write.c) share: the preamble layout, the [layer] parameter table and the
 * checksum (docs/model-format.md). Private to core/. */
#pragma once

#include "bs-model.h"

#define PREAMBLE_SIZE 128
#define ALIGNMENT 64
#define FORMAT_VERSION 1

#define OFF_VERSION 8
#define OFF_FLAGS 12
#define OFF_HEADER_LENGTH 16
#define OFF_DATA_OFFSET 24
#define OFF_DATA_LENGTH 32
#define OFF_SHA256 40
#define OFF_RESERVED 72
#define SHA256_SIZE 32

extern const guint8 bsm_magic[8];

/* Parameter keys of [layer] groups, in the order the writer emits them. */
typedef enum
{
  PARAM_INT,
  PARAM_BOOL,
  PARAM_TENSOR,
} ParamType;

typedef struct
{
  const char *key;
  ParamType type;
  gsize offset;   /* of the field in BsLayer */
} Param;

#define BSM_N_LAYER_PARAMS 13
extern const Param bsm_layer_params[BSM_N_LAYER_PARAMS];

/* Bits index bsm_layer_params. */
enum
{
  K_OUT_CHANNELS = 1 << 0,
  K_KERNEL = 1 << 1,
  K_STRIDE = 1 << 2,
  K_PAD = 1 << 3,
  K_WBITS = 1 << 4,
  K_WEIGHTS = 1 << 5,
  K_BIAS = 1 << 6,
  K_LEVELS = 1 << 7,
  K_MUL = 1 << 8,
  K_ADD = 1 << 9,
  K_SHIFT = 1 << 10,
  K_OUT_BITS = 1 << 11,
  K_RELU = 1 << 12,
};

#define K_CONV (K_OUT_CHANNELS | K_KERNEL | K_STRIDE | K_PAD | K_WEIGHTS)

typedef struct
{
  guint required;
  guint optional;
} BsmKindKeys;

/* Which parameter keys each layer kind requires and allows. */
extern const BsmKindKeys bsm_kind_keys[BS_LAYER_N_KINDS];

gboolean bsm_fail (GError **error, BsModelError code, const char *format, ...)
  G_GNUC_PRINTF (3, 4);
guint64 bsm_align64 (guint64 n);
void bsm_sha256 (const guint8 *data, gsize length, guint8 digest[SHA256_SIZE]);
