/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-kernels.h: the CPU kernel table, XNNPACK-style. One file per kernel family
 * and instruction set (bs-bconv-scalar.c, bs-bconv-avx2.c, bs-bconv-avx512.c, ...);
 * a table per ISA built once, from the table below it with each ISA's own entries on
 * top (scalar → avx2 → avx512), so a SIMD variant can replace one family at a time.
 * The SIMD variants share their layouts (bs-cpu-pack.h) and their conv driver
 * (bs-cpu-conv.h); the scalar ones are the obviously correct reference.
 *
 * Every kernel has one signature: compute one tile of one op's output. The backend
 * splits an op's output into tiles, one per thread; a kernel must give the same
 * result for an element whatever the tiling.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-plan.h"

G_BEGIN_DECLS

/* Output rows [y0, y1) × output channels [c0, c1), every column. c0 is a multiple of
 * 64 and c1 a multiple of 64 or the channel count, so a tile owns whole words of a
 * packed output. */
typedef struct
{
  int32_t y0, y1;
  int32_t c0, c1;
} BsCpuTile;

typedef struct
{
  const BsPlanOp *op;
  const BsPlanBuffer *in[2];   /* shapes and types of the inputs */
  const BsPlanBuffer *out;
  const void *in_data[2];      /* HWC/packed; the CHW image where in[k]->is_input */
  void *out_data;
  const void *weights;         /* op->weights, or what the family's pack function made */
} BsCpuOpArgs;

typedef void (*BsCpuKernelFunc) (const BsCpuOpArgs *args, const BsCpuTile *tile);

/* Optional per-kernel preparation for a variant that wants its own weight layout or
 * precomputed tables: returns memory from g_aligned_alloc (the backend frees it with
 * g_aligned_free) that the kernel then gets as args->weights. NULL: the plan's
 * weights are used. A pack function is installed together with its kernel, so a
 * kernel inherited from a lower ISA keeps its own (or none). */
typedef void *(*BsCpuPackFunc) (const BsPlan *plan, const BsPlanOp *op);

/* The popcount-peak micro-kernel: XOR + popcount + add on L1-resident operands with
 * register-resident accumulators, the best this ISA does. Runs `iterations` rounds
 * and returns the binary MACs (bits) it computed; the caller times it. */
typedef uint64_t (*BsCpuPeakFunc) (uint64_t iterations);

/* QCONV kernels by input element (i4 and i8 share int8) and weight element. */
typedef enum { BS_CPU_QX_I8, BS_CPU_QX_I16, BS_CPU_QX_I32, BS_CPU_N_QX } BsCpuQconvInput;
typedef enum { BS_CPU_QW_I8, BS_CPU_QW_I16, BS_CPU_N_QW } BsCpuQconvWeight;

typedef struct
{
  BsCpuKernelFunc bconv;
  BsCpuPackFunc bconv_pack;
  BsCpuKernelFunc qconv[BS_CPU_N_QX][BS_CPU_N_QW];
  BsCpuPackFunc qconv_pack[BS_CPU_N_QX][BS_CPU_N_QW];
  /* Indexed by BsPlanOpKind; the BCONV and QCONV slots are unused. */
  BsCpuKernelFunc ops[BS_PLAN_OP_N_KINDS];
  BsCpuPackFunc ops_pack[BS_PLAN_OP_N_KINDS];
  BsCpuPeakFunc popcount_peak;   /* NULL for scalar */
} BsCpuKernels;

typedef enum
{
  BS_CPU_ISA_SCALAR,
  BS_CPU_ISA_AVX2,
  BS_CPU_ISA_AVX512,
  BS_CPU_N_ISAS
} BsCpuIsa;

const char *bs_cpu_isa_to_string (BsCpuIsa isa);
gboolean bs_cpu_isa_from_string (const char *s, BsCpuIsa *isa);

/* The table for isa, or NULL when that variant is not built in or this CPU lacks the
 * instructions (with *reason set, if reason is not NULL; g_free it). */
const BsCpuKernels *bs_cpu_kernels_get (BsCpuIsa isa, char **reason);

/* The best ISA this machine and build support. */
BsCpuIsa bs_cpu_isa_best (void);

/* The kernel for one op of a plan. */
BsCpuKernelFunc bs_cpu_kernels_select (const BsCpuKernels *kernels, const BsPlan *plan,
                                       const BsPlanOp *op, BsCpuPackFunc *pack);

/* Scalar kernels (bs-bconv-scalar.c, bs-qconv-scalar.c, bs-ops-scalar.c). */
void bs_bconv_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_qconv_x8w8_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_qconv_x8w16_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_qconv_x16w8_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_qconv_x16w16_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_qconv_x32w8_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_qconv_x32w16_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_input_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_quantize_input_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_thermometer_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_sign_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_add_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_batchnorm_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_avgpool_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_global_avgpool_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_concat_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);
void bs_transpose_scalar (const BsCpuOpArgs *args, const BsCpuTile *tile);

/* Shared by kernels of every ISA. */

/* The taps of a kernel window that fall inside [0, size): [begin, end). */
static inline void
bs_cpu_window (int32_t out, int32_t stride, int32_t pad, int32_t kernel, int32_t size,
               int32_t *begin, int32_t *end)
{
  int32_t origin = out * stride - pad;

  *begin = origin < 0 ? -origin : 0;
  *end = size - origin < kernel ? size - origin : kernel;
  if (*end < *begin)
    *end = *begin;
}

/* Stores an int output element (already saturated to the type). */
static inline void
bs_cpu_store (void *out, BsActType type, uint64_t i, int32_t v)
{
  switch (type)
    {
    case BS_ACT_U8:
      ((uint8_t *) out)[i] = (uint8_t) v;
      break;
    case BS_ACT_I4:
    case BS_ACT_I8:
      ((int8_t *) out)[i] = (int8_t) v;
      break;
    case BS_ACT_I16:
      ((int16_t *) out)[i] = (int16_t) v;
      break;
    case BS_ACT_I32:
      ((int32_t *) out)[i] = v;
      break;
    case BS_ACT_BITS:
    default:
      g_assert_not_reached ();
    }
}

/* The RAW/REQUANT output of channel o for accumulator acc (bias not yet added). */
static inline int32_t
bs_cpu_transform_int (const BsOutTransform *out, int32_t o, int64_t acc)
{
  if (out->bias != NULL)
    acc += out->bias[o];
  if (out->kind == BS_OUT_RAW)
    return (int32_t) acc;
  return bs_out_transform_requant (out, o, acc);
}

G_END_DECLS
