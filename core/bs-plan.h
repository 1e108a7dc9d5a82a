/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-plan.h: the compiled plan (docs/model-format.md, section 7).
 *
 * A BsPlan is a validated BsModel lowered for execution, shared by every backend:
 * BatchNorm folded into the op that produces its input (a requantising conv or add,
 * an affine binary conv, or a popcount threshold where sign follows), weights
 * repacked for kernels, activations in HWC layouts, and every activation buffer
 * placed in one arena by liveness. It is read-only once compiled: backends may run
 * it from several threads.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-fixed.h"
#include "bs-model.h"

G_BEGIN_DECLS

/* Arena offsets are multiples of this, and every buffer reserves this much past its
 * end: a SIMD kernel may read up to BS_PLAN_SLACK bytes beyond a buffer (the values
 * read are unspecified but the memory is the buffer's own). */
#define BS_PLAN_ALIGN 64
#define BS_PLAN_SLACK 64

/* At most this many model layers fuse into one op (conv + batchnorm + sign). */
#define BS_PLAN_MAX_FUSED 3

typedef enum
{
  BS_PLAN_OP_INPUT,          /* u8 CHW image -> u8 HWC, for layers other than the two below */
  BS_PLAN_OP_QUANTIZE_INPUT, /* u8 -> i8 HWC: x - 128 */
  BS_PLAN_OP_THERMOMETER,    /* u8 -> packed bits, `levels` per channel */
  BS_PLAN_OP_BCONV,          /* binary conv/FC on packed bits, popcount, fused transform */
  BS_PLAN_OP_QCONV,          /* fixed conv/FC, int32 accumulation, fused requant */
  BS_PLAN_OP_SIGN,           /* int -> packed bits */
  BS_PLAN_OP_ADD,            /* sat32 (a + b), optionally requantised (fused batchnorm) */
  BS_PLAN_OP_BATCHNORM,      /* standalone requant */
  BS_PLAN_OP_AVGPOOL,
  BS_PLAN_OP_GLOBAL_AVGPOOL,
  BS_PLAN_OP_CONCAT,
  BS_PLAN_OP_TRANSPOSE,
  BS_PLAN_OP_N_KINDS
} BsPlanOpKind;

typedef enum
{
  BS_OUT_RAW,        /* the accumulator (plus bias) as i32: a conv's or add's own output */
  BS_OUT_REQUANT,    /* bs_requant (acc (+ bias), mul, add, shift, bits, relu) */
  BS_OUT_THRESHOLD,  /* a packed bit (1 = -1) per channel: (p > threshold) XOR flip */
} BsOutKind;

/* What an op does with each output channel's accumulator (conv: the int32 sum; binary
 * conv: dot = K - 2p; add: sat32 (a + b); batchnorm: the input value). */
typedef struct
{
  BsOutKind kind;
  BsActType type;            /* the output's activation type */

  /* RAW and REQUANT: added to the accumulator first; NULL when folded into add
   * (add' = add + bias * mul) or absent. [Cout] */
  const int32_t *bias;

  /* REQUANT: per output channel. [Cout] */
  const int32_t *mul;
  const int64_t *add;
  const int32_t *shift;
  int32_t bits;
  gboolean relu;

  /* THRESHOLD (binary conv only): p = popcount of mismatches over the valid bits;
   * the output bit of channel o at a pixel with t valid taps is
   * (p > threshold[t * threshold_stride + o]) XOR (bit o of flip).
   * t runs over 0..kernel*kernel; threshold_stride >= Cout, a multiple of 16 (the
   * padding entries hold INT32_MAX). flip: ceil(Cout/64) words, unused bits 0. */
  const int32_t *threshold;
  int32_t threshold_stride;
  const uint64_t *flip;
} BsOutTransform;

typedef struct
{
  BsPlanOpKind kind;

  /* The model layers this op computes, in execution order; its output is the output
   * of the last of them. first and last are their lowest and highest indices (other,
   * independent layers may lie in between); primary names the op (the conv of a
   * fused conv + batchnorm + sign). An INPUT op is attributed to the layer it
   * serves. */
  int n_layers;
  int layers[BS_PLAN_MAX_FUSED];
  int first, last, primary;

  int n_inputs;
  int inputs[2];             /* buffer indices */
  int output;                /* buffer index */

  /* Convolutions (FC is a 1x1 conv, stride 1, pad 0) and pools. */
  int32_t kernel, stride, pad;
  int32_t levels;            /* THERMOMETER */

  /* BCONV: uint64 [Cout][kernel][kernel][w_tap_stride], w_tap_stride = ceil(Cin/64)
   *   words, bit c%64 of word c/64, bit 1 = -1, unused bits 0.
   * QCONV: int8 (wbits 4, 8) or int16 (wbits 16) [Cout][kernel][kernel][w_tap_stride],
   *   w_tap_stride >= Cin a multiple of 64 bytes' worth, padding 0.
   * 64-byte aligned; owned by the plan. */
  const void *weights;
  BsDType weight_type;       /* U1, I8 or I16 */
  int32_t w_tap_stride;

  BsOutTransform out;        /* BCONV, QCONV, ADD, BATCHNORM */
} BsPlanOp;

typedef struct
{
  BsActType type;            /* BITS: packed HWC words; else HWC elements (I4 in int8) */
  BsShape shape;
  gboolean is_input;         /* the model input: the caller's CHW uint8 image, not in the arena */
  uint64_t n_bytes;
  uint64_t offset;           /* in the arena, a multiple of BS_PLAN_ALIGN */
  uint64_t reserved;         /* bytes reserved at offset: n_bytes aligned, plus BS_PLAN_SLACK */
  int producer;              /* op index; -1 for the model input */
  int last_use;              /* last op reading it; n_ops for the model output */
} BsPlanBuffer;

typedef struct
{
  const BsModel *model;      /* borrowed: must outlive the plan */
  int n_ops;
  BsPlanOp *ops;             /* in execution order */
  int n_buffers;
  BsPlanBuffer *buffers;
  int input;                 /* buffer index of the model input */
  int output;                /* buffer index of the model output (the logits) */
  uint64_t arena_size;       /* bytes, a multiple of BS_PLAN_ALIGN */
  GPtrArray *owned;          /* weights and tables */
} BsPlan;

/* model must have passed bs_model_validate(); errors are BS_MODEL_ERROR_INVALID for
 * constructs the plan cannot express. */
BsPlan *bs_plan_compile (const BsModel *model, GError **error);
void bs_plan_free (BsPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPlan, bs_plan_free)

/* A readable listing of ops, buffers and the arena, for debugging. */
GString *bs_plan_describe (const BsPlan *plan);

const char *bs_plan_op_kind_to_string (BsPlanOpKind kind);

/* The name of an op: its primary layer's name. */
const char *bs_plan_op_name (const BsPlan *plan, int op);

/* Converts a buffer's contents (HWC, packed bits, or the CHW input) to CHW int32 with
 * bits as +1/-1: the layout of the reference interpreter and of the logits. */
void bs_plan_buffer_to_chw (const BsPlan *plan, int buffer, const void *data, int32_t *chw);

/* The threshold fold (section 7) for K valid bits: for every popcount of mismatches
 * p in 0..K, sign (bs_requant (K - 2p, mul, add, shift, bits, relu)) is -1 exactly
 * when (p > *threshold) XOR *flip. *threshold lies in [-1, K]. */
void bs_plan_fold_threshold (int64_t k, int32_t mul, int64_t add, int shift, gboolean relu,
                             int32_t *threshold, gboolean *flip);

static inline int32_t
bs_plan_words (int32_t channels)
{
  return (channels + 63) / 64;
}

/* Bytes per element in HWC buffers; 0 for BITS (packed in uint64 words). */
static inline int
bs_plan_elem_size (BsActType type)
{
  switch (type)
    {
    case BS_ACT_U8:
    case BS_ACT_I4:
    case BS_ACT_I8:
      return 1;
    case BS_ACT_I16:
      return 2;
    case BS_ACT_I32:
      return 4;
    case BS_ACT_BITS:
    default:
      return 0;
    }
}

/* Bytes per pixel of an HWC or packed buffer of this type and channel count. */
static inline uint64_t
bs_plan_pixel_bytes (BsActType type, int32_t channels)
{
  if (type == BS_ACT_BITS)
    return (uint64_t) bs_plan_words (channels) * 8;
  return (uint64_t) channels * bs_plan_elem_size (type);
}

/* Element c of pixel `pixel` of an HWC int buffer or a packed one (as +1/-1). */
static inline int32_t
bs_plan_load (const void *data, BsActType type, int32_t channels, uint64_t pixel, int32_t c)
{
  uint64_t i = pixel * (uint64_t) channels + (uint64_t) c;

  switch (type)
    {
    case BS_ACT_BITS:
      {
        const uint64_t *word = (const uint64_t *) data + pixel * bs_plan_words (channels) + c / 64;
        return (*word >> (c % 64)) & 1 ? -1 : 1;
      }
    case BS_ACT_U8:
      return ((const uint8_t *) data)[i];
    case BS_ACT_I4:
    case BS_ACT_I8:
      return ((const int8_t *) data)[i];
    case BS_ACT_I16:
      return ((const int16_t *) data)[i];
    case BS_ACT_I32:
    default:
      return ((const int32_t *) data)[i];
    }
}

/* REQUANT of x for output channel o; the bias, if any, is the caller's to add. */
static inline int32_t
bs_out_transform_requant (const BsOutTransform *out, int32_t o, int64_t x)
{
  return bs_requant (x, out->mul[o], out->add[o], out->shift[o], out->bits, out->relu);
}

G_END_DECLS
