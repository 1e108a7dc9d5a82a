/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-kernel-abi.h: the host–kernel contract of the bs_blend accelerator kernel
 * (docs/accelerator.md). One header for both sides: the kernel (bs-kernel.c, built
 * by Vitis HLS for the FPGA or run on the host by the csim backend), the compiler
 * pass that writes the descriptor table and weight image (accel/bs-accel-image.c)
 * and the XRT host driver. Plain C, no GLib: it is part of the kernel's sources.
 *
 * Every buffer is little-endian (AXI is, and so are the hosts we support). Offsets
 * are bytes from the start of their buffer; 32 bits are enough because the image
 * compiler refuses anything larger.
 */
#pragma once

#include <stdint.h>

#define BS_KERNEL_NAME "bs_blend"
#define BS_KERNEL_ABI_VERSION 1u

/* Kernel arguments, in this order (the xclbin's argument indices). */
enum
{
  BS_KERNEL_ARG_DESC = 0,   /* const uint32_t *: the layer descriptor table */
  BS_KERNEL_ARG_WEIGHTS,    /* const uint64_t *: the weight image */
  BS_KERNEL_ARG_ARENA,      /* uint64_t *: activations: image, every layer's buffer, logits */
  BS_KERNEL_ARG_PROFILE,    /* uint64_t *: status and per-layer cycle counters */
  BS_KERNEL_ARG_FIRST,      /* uint32_t: the first layer to run */
  BS_KERNEL_ARG_COUNT,      /* uint32_t: how many layers to run */
  BS_KERNEL_N_ARGS
};
#define BS_KERNEL_N_BUFFER_ARGS 4

/* Hardware parameters, fixed when the kernel is built (-D to change them; the image
 * compiler tiles for the same values and the kernel refuses an image tiled for
 * others). */
#ifndef BS_KERNEL_PE
#define BS_KERNEL_PE 16              /* output channels computed in parallel; divides 64 */
#endif
#ifndef BS_KERNEL_XNOR_LANES
#define BS_KERNEL_XNOR_LANES 2       /* 48-bit XNOR lanes (DSP48E2 ALUs) per PE */
#endif
#ifndef BS_KERNEL_MACS
#define BS_KERNEL_MACS 8             /* fixed-point multiply-accumulate units per PE */
#endif
#ifndef BS_KERNEL_CLOCK_KHZ
#define BS_KERNEL_CLOCK_KHZ 200000u  /* the clock the kernel is built for */
#endif

/* One DSP48E2 ALU does a 48-bit bitwise XNOR per cycle (UG579). */
#define BS_KERNEL_LANE_BITS 48

/* Pipeline depths of the kernel's pipelined loops, and the fixed cost of starting a
 * layer (descriptor fetch, AXI read latency, parameter pointers), in cycles. They
 * enter the cycle model (bs-cycle-model.h) as the kernel's loops incur them. */
#define BS_KERNEL_DEPTH_BCONV 6      /* slice, XNOR, popcount tree (2), accumulate, emit */
#define BS_KERNEL_DEPTH_QCONV 8      /* DSP multiply (3), adder tree (3), accumulate, emit */
#define BS_KERNEL_DEPTH_VECTOR 3     /* load, compute, store */
#define BS_KERNEL_LAYER_OVERHEAD 64

/* Static bounds: every loop of the kernel has one of these as its trip-count limit. */
#define BS_KERNEL_MAX_LAYERS 4096
#define BS_KERNEL_MAX_KERNEL 15
#define BS_KERNEL_MAX_CHANNELS 65536
#define BS_KERNEL_MAX_PIXELS (1u << 28)

/* The descriptor table: a header of BS_DESC_HEADER_WORDS uint32 words, then one
 * descriptor of BS_DESC_WORDS words per layer. */
#define BS_DESC_MAGIC 0x444b5342u    /* "BSKD" */
#define BS_DESC_HEADER_WORDS 16
#define BS_DESC_WORDS 32

enum
{
  BS_DESC_H_MAGIC = 0,
  BS_DESC_H_VERSION,
  BS_DESC_H_N_LAYERS,
  BS_DESC_H_PE,                      /* the parameters the image was tiled for */
  BS_DESC_H_XNOR_LANES,
  BS_DESC_H_MACS,
  BS_DESC_H_ARENA_BYTES,
  BS_DESC_H_WEIGHT_BYTES,
  BS_DESC_H_INPUT_OFFSET,            /* the CHW uint8 image in the arena */
  BS_DESC_H_OUTPUT_OFFSET,           /* the logits (HWC) in the arena */
  BS_DESC_H_PROFILE_BYTES,
};

/* Words of one layer descriptor. */
enum
{
  BS_DESC_OP = 0,          /* BS_KOP_* */
  BS_DESC_FLAGS,           /* BS_KFLAG_* */
  BS_DESC_IN0,             /* arena offsets */
  BS_DESC_IN1,
  BS_DESC_OUT,
  BS_DESC_TYPES,           /* in0 | in1 << 8 | out << 16 | weights << 24 (BS_KTYPE_*, BS_KW_*) */
  BS_DESC_IN_C,            /* input 0 (C, H, W) */
  BS_DESC_IN_H,
  BS_DESC_IN_W,
  BS_DESC_IN1_C,           /* input 1 channels (add, concat) */
  BS_DESC_OUT_C,
  BS_DESC_OUT_H,
  BS_DESC_OUT_W,
  BS_DESC_KERNEL,          /* conv and pool window */
  BS_DESC_STRIDE,
  BS_DESC_PAD,
  BS_DESC_LEVELS,          /* thermometer */
  BS_DESC_OUT_BITS,        /* requantisation width */
  BS_DESC_W_OFF,           /* weight-image offsets: tiled weights */
  BS_DESC_W_CHUNKS,        /* per tap: 48-bit lanes (bconv) or MAC-wide slices (qconv) */
  BS_DESC_PARAM_OFF,       /* per output channel: bias, mul, add, shift (4 × int64) */
  BS_DESC_THR_OFF,         /* int32 thresholds [valid taps 0..k²][THR_STRIDE] */
  BS_DESC_THR_STRIDE,
  BS_DESC_FLIP_OFF,        /* uint64 words, bit o: the threshold's sense is inverted */
  BS_DESC_GROUPS,          /* ceil (OUT_C / BS_KERNEL_PE) */
  BS_DESC_OP_INDEX,        /* the host's plan op, echoed in the profile */
};

/* Layer operations (BsPlanOpKind, one for one). */
enum
{
  BS_KOP_NONE = 0,
  BS_KOP_INPUT,            /* CHW u8 image -> HWC u8 */
  BS_KOP_QUANTIZE,         /* CHW u8 image -> HWC i8: x - 128 */
  BS_KOP_THERMOMETER,      /* CHW u8 image -> packed bits */
  BS_KOP_BCONV,            /* binary conv/FC: XNOR lanes + popcount, output transform */
  BS_KOP_QCONV,            /* fixed-point conv/FC on MAC units, output transform */
  BS_KOP_SIGN,
  BS_KOP_ADD,              /* sat32 (a + b), output transform */
  BS_KOP_BATCHNORM,        /* output transform of the input */
  BS_KOP_AVGPOOL,
  BS_KOP_GLOBAL_AVGPOOL,
  BS_KOP_CONCAT,
  BS_KOP_TRANSPOSE,
  BS_KOP_N
};

/* BS_DESC_FLAGS */
#define BS_KFLAG_OUT_MASK 3u         /* the output transform: */
#define BS_KFLAG_OUT_RAW 0u          /*   the accumulator (+ bias) as i32 */
#define BS_KFLAG_OUT_REQUANT 1u      /*   sat (round_shift ((acc + bias)·mul + add, shift), bits) */
#define BS_KFLAG_OUT_THRESHOLD 2u    /*   bit = (p > threshold[taps][o]) XOR flip[o] */
#define BS_KFLAG_RELU 4u
#define BS_KFLAG_BIAS 8u             /* PARAM bias is added to the accumulator */
#define BS_KFLAG_IN0_CHW 16u         /* input 0 is the CHW uint8 image */

/* Activation types. Bits are packed HWC, ceil(C/64) words per pixel, bit c%64 of word
 * c/64, bit 1 = -1, unused bits 0; the others are HWC arrays (i4 stored in int8). */
enum
{
  BS_KTYPE_U8 = 0,
  BS_KTYPE_BITS,
  BS_KTYPE_I8,
  BS_KTYPE_I16,
  BS_KTYPE_I32,
  BS_KTYPE_N
};

/* Weight element types. */
enum
{
  BS_KW_NONE = 0,
  BS_KW_U1,                /* 48-bit lane slices, one per uint64 */
  BS_KW_I8,
  BS_KW_I16,
};

#define BS_KPARAM_BYTES 32   /* one output channel's bias, mul, add, shift */

/* The profile buffer: a header of BS_PROFILE_HEADER_WORDS uint64 words, then a record
 * of BS_PROFILE_RECORD_WORDS per layer of the table (at its layer index). The kernel
 * writes the records of the layers it ran, then the header, magic last; the host
 * clears the magic before each launch. */
#define BS_PROFILE_MAGIC 0x46505342u  /* "BSPF" */
#define BS_PROFILE_HEADER_WORDS 8
#define BS_PROFILE_RECORD_WORDS 4

enum
{
  BS_PROFILE_H_MAGIC = 0,  /* BS_PROFILE_MAGIC | BS_KERNEL_ABI_VERSION << 32 */
  BS_PROFILE_H_STATUS,     /* BS_KSTATUS_* | layer << 32 */
  BS_PROFILE_H_FLAGS,      /* BS_PROFILE_FLAG_* */
  BS_PROFILE_H_CLOCK_KHZ,  /* the kernel's BS_KERNEL_CLOCK_KHZ */
  BS_PROFILE_H_FIRST,      /* the launch's first layer and count */
  BS_PROFILE_H_COUNT,
};

/* Set when the counters come from a hardware cycle counter; clear when they are the
 * kernel's own tally of its loop iterations (csim, or a build without the counter):
 * such figures are modelled, not measured. */
#define BS_PROFILE_FLAG_COUNTER 1u

enum
{
  BS_PROFILE_R_START = 0,  /* cycles since the launch began */
  BS_PROFILE_R_END,
  BS_PROFILE_R_OP,         /* BS_KOP_* | op index << 32 */
};

enum
{
  BS_KSTATUS_OK = 0,
  BS_KSTATUS_BAD_MAGIC,    /* the descriptor table is not one */
  BS_KSTATUS_BAD_VERSION,
  BS_KSTATUS_BAD_PARAMS,   /* tiled for another PE / lane / MAC count */
  BS_KSTATUS_BAD_RANGE,    /* first + count beyond the table */
  BS_KSTATUS_BAD_LAYER,    /* unknown op or a bound exceeded (layer in the high word) */
};
