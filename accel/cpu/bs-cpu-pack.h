/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-pack.h: the weight layouts and output-transform tables of the SIMD kernel
 * variants, built once by their pack functions (BsCpuPackFunc) and shared by every
 * instruction set that uses them, so that AVX2 and AVX-512 differ only in their
 * micro-kernels.
 *
 * Convolutions run as GEMMs over patches without copying them (bs-cpu-conv.h): a
 * pixel's window is `kernel` segments, one per kernel row, each the kernel · nb
 * contiguous bytes of a "dense row" (an input row with each pixel's channels in nb
 * bytes and zero padding), read as kds 32-bit words straight from the row. The
 * weights hold the same order for every output channel, zero past each segment's
 * bytes, interleaved so that one SIMD load gives 16 (or 8) output channels of one
 * word: [kernel row][word][channel]. The bytes a segment's last word reads past its
 * end belong to the next pixel: fixed-point kernels multiply them by zero weights;
 * binary kernels mask them (seg_mask). Where that wastes a word per window (16
 * channels, kernel 3: 3 × 6 bytes in 3 × 2 words, not 5), a binary conv reads
 * "columns" instead: per output row, the kernel rows interleaved by input column
 * (column x: its k pixels, one per kernel row), so that a window, kernel columns, is
 * one segment of kernel² · nb contiguous bytes, taps ordered (dx, dy).
 */
#pragma once

#include "bs-cpu-kernels.h"

G_BEGIN_DECLS

/* Bytes of scratch (on the stack) a SIMD conv kernel builds its dense rows in; layers
 * that need more run the scalar kernel. */
#define BS_CPU_SCRATCH (48 * 1024)

/* Output channels are handled in chunks of 16 (one zmm, two ymm). */
#define BS_CPU_CHUNK 16

/* The most pixels a conv micro-kernel block handles at once. */
#define BS_CPU_MAX_P 16

/* A requantisation for one chunk of 16 channels, split into even and odd channels so
 * that a 32x32 -> 64-bit multiply (VPMULDQ) on the even and on the shifted odd 32-bit
 * lanes needs no shuffles: [0] holds channels 0, 2, ..., 14 and [1] channels 1, 3,
 * ..., 15 (an 8-lane half of the chunk finds its own 4 in [e][0..3] or [e][4..7]). */
typedef struct
{
  int64_t mul[2][8];
  int64_t add[2][8];         /* add + 2^(shift-1): round half up is then a floor */
  int64_t shift[2][8];
  /* For AVX2, which has no 64-bit arithmetic shift (bs_avx2_requant): the left shift
   * max (0, 32 - shift) that brings the result to the high 32 bits of the product,
   * even/odd like the above, and the 32-bit arithmetic shift max (0, shift - 32)
   * that follows, in channel order. */
  int64_t up[2][8];
  int32_t down[16];
} BsCpuReqChunk;

/* The RAW or REQUANT output transform of an op for SIMD kernels. */
typedef struct
{
  BsOutKind kind;            /* BS_OUT_RAW or BS_OUT_REQUANT */
  BsActType type;            /* output element type */
  int32_t lo, hi;            /* REQUANT saturation bounds (relu: lo = 0) */
  /* How to saturate, from the accumulators' range (bs-cpu-pack.c): wide: values
   * may leave int32, clamp the 64-bit results; else clamp32: clamp the int32 results
   * (relu, int4), unless the stores saturate exactly as needed (int8 and int16 at
   * full range, with signed-saturating narrowing) or nothing can leave [lo, hi]. */
  gboolean wide, clamp32;
  const int32_t *bias;       /* [n_chunks * 16] or NULL: added to the accumulator first */
  const BsCpuReqChunk *chunks; /* REQUANT: [n_chunks] */
  int32_t n_chunks;
} BsCpuReq;

/* Binary conv/FC (XOR + popcount). */
typedef struct
{
  int32_t cin, cout, cpad;   /* cpad: cout rounded up to 16 */
  int32_t kernel, stride, pad;
  int32_t nb;                /* bytes of one pixel's channels: ceil(cin / 8) */
  gboolean columns;          /* windows are read from interleaved columns */
  int32_t n_seg;             /* segments per window: kernel, or 1 with columns */
  int32_t kds;               /* 32-bit words per segment: ceil(kernel · nb / 4), or
                              * ceil(kernel² · nb / 4) with columns */
  int32_t kd;                /* words per window: n_seg · kds */
  uint32_t seg_mask;         /* the valid bits of a segment's last word */
  gboolean direct;           /* kernel 1: segments are read from the input itself */
  gboolean fallback;         /* the dense rows do not fit BS_CPU_SCRATCH: run scalar */
  int32_t x_lo, x_hi;        /* output columns whose window lies inside the input */
  int32_t y_lo, y_hi;        /* output rows likewise */
  const uint32_t *w;         /* [n_seg][kds][cpad], bit 1 = -1, padding 0 */
  const int32_t *wrect;      /* [kernel + 1][kernel + 1][cpad]: at (dy, dx) the popcount
                              * of the weights of taps (< dy, < dx), a 2D prefix sum:
                              * a zeroed tap (outside the image) adds its weights'
                              * popcount to p, and the valid taps are a rectangle */
  BsCpuReq req;              /* RAW and REQUANT outputs */
} BsCpuBconvPacked;

/* Fixed-point conv/FC. Two layouts:
 * - QUAD8 (VPDPBUSD): int8 weights [kd][cpad][4], four consecutive segment bytes per
 *   32-bit word; activations enter as unsigned x + 128 (the dense rows hold them so)
 *   and wsum = 128 · Σ w is subtracted.
 * - PAIR16 (VPMADDWD, VPDPWSSD): int16 weights [kd][cpad][2], segments of int16. */
typedef enum { BS_CPU_QUAD8, BS_CPU_PAIR16 } BsCpuQconvLayout;

typedef struct
{
  BsCpuQconvLayout layout;
  int32_t cin, cout, cpad;
  int32_t kernel, stride, pad;
  int32_t in_elem;           /* bytes per input element (1 or 2) */
  int32_t elem;              /* bytes per segment element (1 QUAD8, 2 PAIR16) */
  int32_t nb;                /* bytes of one pixel's channels: cin · elem */
  int32_t kds;               /* 32-bit words per segment */
  int32_t kd;                /* words per window: kernel · kds */
  gboolean direct;           /* PAIR16, kernel 1, int16 input: read the input itself */
  gboolean fallback;
  const void *w;
  const int32_t *wsum;       /* QUAD8: [cpad] */
  BsCpuReq req;
} BsCpuQconvPacked;

/* Elementwise ops with a RAW/REQUANT transform (add, batchnorm). */
typedef struct
{
  BsCpuReq req;
  gboolean exact_sum;        /* add: |a| + |b| cannot exceed int32 (from the inputs'
                              * producers), so sat32 (a + b) = a + b */
} BsCpuReqPacked;

void *bs_cpu_bconv_pack (const BsPlan *plan, const BsPlanOp *op);
void *bs_cpu_qconv_pack_quad8 (const BsPlan *plan, const BsPlanOp *op);
void *bs_cpu_qconv_pack_pair16 (const BsPlan *plan, const BsPlanOp *op);
void *bs_cpu_req_pack (const BsPlan *plan, const BsPlanOp *op);

/* Bytes of one dense row: the padded row, then slack for the last word of a
 * segment and for the pixels a short block recomputes. */
static inline gsize
bs_cpu_dense_row_bytes (int32_t in_w, int32_t pad, int32_t nb)
{
  return ((gsize) (in_w + 2 * pad) * nb + 63) / 64 * 64 + 64;
}

/* Bytes of one output row's interleaved columns (whole groups of 32, slack). */
static inline gsize
bs_cpu_columns_bytes (int32_t kernel, int32_t in_w, int32_t pad, int32_t nb)
{
  return (gsize) (in_w + 2 * pad + 31) / 32 * 32 * kernel * nb + 64;
}

/* Scratch bytes a conv needs: its ring of dense rows, and its columns if any. */
static inline gsize
bs_cpu_conv_scratch (int32_t kernel, int32_t in_w, int32_t pad, int32_t nb, gboolean columns)
{
  return (gsize) kernel * bs_cpu_dense_row_bytes (in_w, pad, nb)
         + (columns ? bs_cpu_columns_bytes (kernel, in_w, pad, nb) : 0);
}

/* The store mask of the chunk of 16 channels starting at o. */
static inline uint32_t
bs_cpu_chunk_mask (int32_t o, int32_t cout)
{
  int32_t n = cout - o;

  return n >= 16 ? 0xffffu : ((1u << n) - 1);
}

G_END_DECLS
