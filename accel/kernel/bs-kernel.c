/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-kernel.c: the bs_blend accelerator kernel: a NeuroBlend-style datapath in the
 * synthesizable subset of C (static sizes, constant loop bounds, no malloc, no
 * recursion, no GLib). Vitis HLS builds it for the FPGA; the csim backend runs the
 * same source on the host, so the two cannot drift apart.
 *
 * The datapath is an array of BS_KERNEL_PE processing elements, each computing one
 * output channel of the current pixel:
 *   - binary conv: per tap, the input channel vector is cut into 48-bit lanes; each
 *     PE has BS_KERNEL_XNOR_LANES DSP48E2 ALUs doing XNOR on one lane per cycle,
 *     followed by a popcount tree and an accumulator (matches m; mismatches
 *     p = K − m over the K valid bits, dot = K − 2p);
 *   - fixed-point conv: each PE has BS_KERNEL_MACS multiply-accumulate units fed with
 *     BS_KERNEL_MACS input channels of one tap per cycle;
 *   - the output transform (BatchNorm folded into bias/requantisation, or a popcount
 *     threshold per valid-tap count) is applied as each PE emits;
 *   - the small ops (sign, add, pooling, concat, ...) use the PE array as a vector
 *     unit of BS_KERNEL_PE channels.
 * Rounding and saturation come from core/bs-fixed.h, the definitions every engine
 * shares.
 *
 * Memory is accessed as 64-bit words (AXI data beats); elements narrower than a word
 * are shifted in and out. Every pipelined loop also tallies its iterations: that
 * tally, plus the pipeline depths, is the per-layer cycle count written to the
 * profile when no hardware counter is built in (bs-cycle-model.c states it in
 * closed form).
 */
#include "bs-kernel.h"
#include "bs-fixed.h"

#if BS_KERNEL_PE < 1 || BS_KERNEL_PE > 64 || 64 % BS_KERNEL_PE != 0
#error "BS_KERNEL_PE must divide 64"
#endif
#if BS_KERNEL_XNOR_LANES < 1 || BS_KERNEL_MACS < 1
#error "BS_KERNEL_XNOR_LANES and BS_KERNEL_MACS must be positive"
#endif

#define P BS_KERNEL_PE
#define L BS_KERNEL_XNOR_LANES
#define M BS_KERNEL_MACS
#define LANE_MASK ((UINT64_C (1) << BS_KERNEL_LANE_BITS) - 1)

/* Trip-count limits of the flattened tap loops. */
#define MAX_TAPS (BS_KERNEL_MAX_KERNEL * BS_KERNEL_MAX_KERNEL)
#define MAX_LANE_CHUNKS ((BS_KERNEL_MAX_CHANNELS + BS_KERNEL_LANE_BITS - 1) / BS_KERNEL_LANE_BITS)
#define MAX_MAC_CHUNKS ((BS_KERNEL_MAX_CHANNELS + M - 1) / M)
#define MAX_GROUPS ((BS_KERNEL_MAX_CHANNELS + P - 1) / P)

#ifdef BS_KERNEL_HW_COUNTER
/* A free-running cycle counter in RTL, supplied by the platform as an HLS black box. */
uint64_t bs_kernel_hw_counter (void);
#define COUNTER_FLAGS BS_PROFILE_FLAG_COUNTER
#else
#define COUNTER_FLAGS 0u
#endif

/* One layer descriptor, decoded into registers. */
typedef struct
{
  uint32_t op, flags;
  uint32_t in0, in1, out;
  uint32_t in0_type, in1_type, out_type, w_type;
  uint32_t in_c, in_h, in_w, in1_c;
  uint32_t out_c, out_h, out_w;
  uint32_t k, stride, pad, levels, out_bits;
  uint32_t w_off, w_chunks, param_off, thr_off, thr_stride, flip_off, groups, op_index;
} Layer;

static void
decode (const uint32_t *d, Layer *l)
{
  l->op = d[BS_DESC_OP];
  l->flags = d[BS_DESC_FLAGS];
  l->in0 = d[BS_DESC_IN0];
  l->in1 = d[BS_DESC_IN1];
  l->out = d[BS_DESC_OUT];
  l->in0_type = d[BS_DESC_TYPES] & 0xffu;
  l->in1_type = (d[BS_DESC_TYPES] >> 8) & 0xffu;
  l->out_type = (d[BS_DESC_TYPES] >> 16) & 0xffu;
  l->w_type = d[BS_DESC_TYPES] >> 24;
  l->in_c = d[BS_DESC_IN_C];
  l->in_h = d[BS_DESC_IN_H];
  l->in_w = d[BS_DESC_IN_W];
  l->in1_c = d[BS_DESC_IN1_C];
  l->out_c = d[BS_DESC_OUT_C];
  l->out_h = d[BS_DESC_OUT_H];
  l->out_w = d[BS_DESC_OUT_W];
  l->k = d[BS_DESC_KERNEL];
  l->stride = d[BS_DESC_STRIDE];
  l->pad = d[BS_DESC_PAD];
  l->levels = d[BS_DESC_LEVELS];
  l->out_bits = d[BS_DESC_OUT_BITS];
  l->w_off = d[BS_DESC_W_OFF];
  l->w_chunks = d[BS_DESC_W_CHUNKS];
  l->param_off = d[BS_DESC_PARAM_OFF];
  l->thr_off = d[BS_DESC_THR_OFF];
  l->thr_stride = d[BS_DESC_THR_STRIDE];
  l->flip_off = d[BS_DESC_FLIP_OFF];
  l->groups = d[BS_DESC_GROUPS];
  l->op_index = d[BS_DESC_OP_INDEX];
}

/* Memory access */

static uint32_t
elem_size (uint32_t type)
{
  return type == BS_KTYPE_I32 ? 4u : type == BS_KTYPE_I16 ? 2u : 1u;
}

static uint32_t
weight_size (uint32_t w_type)
{
  return w_type == BS_KW_I16 ? 2u : w_type == BS_KW_I8 ? 1u : 8u;
}

/* An element at a byte offset; elements never straddle words (buffers are 64-byte
 * aligned and elements naturally aligned). */
static int32_t
load_elem (const uint64_t *mem, uint32_t byte, uint32_t type)
{
  uint64_t word = mem[byte >> 3];
  uint32_t shift = (byte & 7u) * 8u;

  switch (type)
    {
    case BS_KTYPE_U8:
      return (int32_t) ((word >> shift) & 0xffu);
    case BS_KTYPE_I8:
      return (int8_t) (word >> shift);
    case BS_KTYPE_I16:
      return (int16_t) (word >> shift);
    default:
      return (int32_t) (word >> shift);
    }
}

static void
store_elem (uint64_t *mem, uint32_t byte, uint32_t type, int32_t v)
{
  uint32_t size = elem_size (type);
  uint64_t mask = size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
  uint32_t shift = (byte & 7u) * 8u;
  uint64_t word = mem[byte >> 3];

  word &= ~(mask << shift);
  word |= ((uint64_t) (uint32_t) v & mask) << shift;
  mem[byte >> 3] = word;
}

static uint32_t
words_for (uint32_t channels)
{
  return (channels + 63u) / 64u;
}

/* Channel c of pixel px of an activation buffer, bits as +1/-1. */
static int32_t
act_load (const uint64_t *arena, uint32_t base, uint32_t type, uint32_t channels,
          uint32_t px, uint32_t c)
{
  if (type == BS_KTYPE_BITS)
    {
      uint64_t word = arena[(base >> 3) + px * words_for (channels) + c / 64u];
      return (word >> (c % 64u)) & 1u ? -1 : 1;
    }
  return load_elem (arena, base + (px * channels + c) * elem_size (type), type);
}

/* Channel c of pixel px of input 0: the CHW uint8 image, or an activation buffer
 * (the ops that take the image may also take a uint8 layer output, e.g. a concat of
 * the image). */
static int32_t
in0_load (const uint64_t *arena, const Layer *l, uint32_t px, uint32_t c)
{
  if (l->flags & BS_KFLAG_IN0_CHW)
    return load_elem (arena, l->in0 + c * l->in_h * l->in_w + px, BS_KTYPE_U8);
  return act_load (arena, l->in0, l->in0_type, l->in_c, px, c);
}

/* Lane j (bits 48j .. 48j + 47) of a packed channel vector of `words` words. */
static uint64_t
lane_slice (const uint64_t *mem, uint32_t word0, uint32_t words, uint32_t j)
{
  uint32_t lo = j * BS_KERNEL_LANE_BITS;
  uint32_t w = lo / 64u, shift = lo % 64u;
  uint64_t v = mem[word0 + w] >> shift;

  if (shift > 64u - BS_KERNEL_LANE_BITS && w + 1u < words)
    v |= mem[word0 + w + 1u] << (64u - shift);
  return v & LANE_MASK;
}

/* The bits of lane j that hold real channels (the rest are 0 in both operands, and
 * their XNOR would count as matches). */
static uint64_t
lane_mask (uint32_t channels, uint32_t j)
{
  uint32_t valid = channels - j * BS_KERNEL_LANE_BITS;

  return valid >= BS_KERNEL_LANE_BITS ? LANE_MASK : (UINT64_C (1) << valid) - 1u;
}

/* A popcount of adders (LUTs on the FPGA). */
static uint32_t
popcount64 (uint64_t x)
{
  x = x - ((x >> 1) & UINT64_C (0x5555555555555555));
  x = (x & UINT64_C (0x3333333333333333)) + ((x >> 2) & UINT64_C (0x3333333333333333));
  x = (x + (x >> 4)) & UINT64_C (0x0f0f0f0f0f0f0f0f);
  return (uint32_t) ((x * UINT64_C (0x0101010101010101)) >> 56);
}

/* One PE's work on one 48-bit lane: XNOR (a DSP48E2 in logic mode), the mask of
 * real channels, a popcount. accel/kernel/rtl/bs_pe.v is this in Verilog, and its
 * testbench is checked against this function (tests/rtl/). */
static uint32_t
lane_matches (uint64_t a, uint64_t w, uint64_t mask)
{
  return popcount64 (~(a ^ w) & mask);
}

/* A PE's popcount-threshold output, +1 or -1: mismatches p = K − matches over the K
 * valid bits, bit = (p > thr) XOR flip (bit 1 is -1). */
static int32_t
threshold_sign (uint32_t k_bits, uint32_t match, int32_t thr, uint32_t flip)
{
  int32_t p = (int32_t) k_bits - (int32_t) match;

  return ((uint32_t) (p > thr) ^ flip) ? -1 : 1;
}

/* Output */

/* The RAW or REQUANT value of output channel o for an accumulator. */
static int32_t
out_value (const Layer *l, const uint64_t *weights, uint32_t o, int64_t acc)
{
  const uint64_t *param = weights + (l->param_off >> 3) + o * (BS_KPARAM_BYTES / 8u);

  if (l->flags & BS_KFLAG_BIAS)
    acc += (int64_t) param[0];
  if ((l->flags & BS_KFLAG_OUT_MASK) == BS_KFLAG_OUT_RAW)
    return (int32_t) acc;
  return bs_requant (acc, (int32_t) param[1], (int64_t) param[2], (int) param[3],
                     (int) l->out_bits, (l->flags & BS_KFLAG_RELU) != 0);
}

/* Stores the values of group g (channels gP .. gP + P − 1 below OUT_C) of pixel px.
 * Packed outputs are assembled in *bits and stored a whole word at a time, so unused
 * bits end up 0 whatever the arena held. */
static void
emit_group (uint64_t *arena, const Layer *l, uint32_t px, uint32_t g,
            const int32_t v[P], uint64_t *bits)
{
  uint32_t pe;

  if (l->out_type == BS_KTYPE_BITS)
    {
      for (pe = 0; pe < P; pe++)
        {
#pragma HLS UNROLL
          uint32_t c = g * P + pe;

          if (c < l->out_c && v[pe] < 0)
            *bits |= UINT64_C (1) << (c % 64u);
        }
      if (((g + 1u) * P) % 64u == 0 || g + 1u == l->groups)
        {
          arena[(l->out >> 3) + px * words_for (l->out_c) + (g * P) / 64u] = *bits;
          *bits = 0;
        }
      return;
    }
  for (pe = 0; pe < P; pe++)
    {
#pragma HLS UNROLL
      uint32_t c = g * P + pe;

      if (c < l->out_c)
        store_elem (arena, l->out + (px * l->out_c + c) * elem_size (l->out_type), l->out_type, v[pe]);
    }
}

/* The taps [begin, end) of a window that fall inside [0, size). */
static void
window (uint32_t out, const Layer *l, uint32_t size, uint32_t *begin, uint32_t *end)
{
  int32_t origin = (int32_t) (out * l->stride) - (int32_t) l->pad;
  int32_t b = origin < 0 ? -origin : 0;
  int32_t e = (int32_t) size - origin < (int32_t) l->k ? (int32_t) size - origin : (int32_t) l->k;

  *begin = (uint32_t) b;
  *end = e < b ? (uint32_t) b : (uint32_t) e;
}

/* Binary convolution */

static uint64_t
run_bconv (const Layer *l, const uint64_t *weights, uint64_t *arena)
{
  const uint32_t kk = l->k * l->k;
  const uint32_t in_words = words_for (l->in_c);
  const uint32_t steps = (l->w_chunks + L - 1u) / L;
  const uint32_t n_iter = kk * steps;
  uint64_t cycles = 0, bits = 0;
  uint32_t px, y = 0, x = 0;

  for (px = 0; px < BS_KERNEL_MAX_PIXELS; px++)
    {
      uint32_t dy0, dy1, dx0, dx1, taps, k_bits, g;
      int32_t iy0 = (int32_t) (y * l->stride) - (int32_t) l->pad;
      int32_t ix0 = (int32_t) (x * l->stride) - (int32_t) l->pad;

      if (px >= l->out_h * l->out_w)
        break;
      window (y, l, l->in_h, &dy0, &dy1);
      window (x, l, l->in_w, &dx0, &dx1);
      taps = (dy1 - dy0) * (dx1 - dx0);
      k_bits = l->in_c * taps;

      for (g = 0; g < MAX_GROUPS; g++)
        {
          uint32_t match[P];
          int32_t v[P];
          uint32_t it, t = 0, dy = 0, dx = 0, s = 0, pe;
#pragma HLS ARRAY_PARTITION variable=match complete
#pragma HLS ARRAY_PARTITION variable=v complete

          if (g >= l->groups)
            break;
          for (pe = 0; pe < P; pe++)
            match[pe] = 0;

          /* One tap × L lanes per cycle, for all P PEs at once. */
          for (it = 0; it < MAX_TAPS * MAX_LANE_CHUNKS; it++)
            {
#pragma HLS PIPELINE II=1
              uint32_t lane;
              int inside = dy >= dy0 && dy < dy1 && dx >= dx0 && dx < dx1;

              if (it >= n_iter)
                break;
              for (lane = 0; lane < L; lane++)
                {
#pragma HLS UNROLL
                  uint32_t j = s * L + lane;

                  if (inside && j < l->w_chunks)
                    {
                      uint32_t in_px = (uint32_t) (iy0 + (int32_t) dy) * l->in_w + (uint32_t) (ix0 + (int32_t) dx);
                      uint64_t a = lane_slice (arena, (l->in0 >> 3) + in_px * in_words, in_words, j);
                      uint64_t mask = lane_mask (l->in_c, j);
                      const uint64_t *w = weights + (l->w_off >> 3) + ((g * kk + t) * l->w_chunks + j) * P;

                      for (pe = 0; pe < P; pe++)
                        {
#pragma HLS UNROLL
                          match[pe] += lane_matches (a, w[pe], mask);
                        }
                    }
                }
              if (++s == steps)
                {
                  s = 0;
                  t++;
                  if (++dx == l->k)
                    {
                      dx = 0;
                      dy++;
                    }
                }
            }
          cycles += n_iter + BS_KERNEL_DEPTH_BCONV;

          for (pe = 0; pe < P; pe++)
            {
#pragma HLS UNROLL
              uint32_t o = g * P + pe;
              int32_t p = (int32_t) k_bits - (int32_t) match[pe];

              v[pe] = 0;
              if (o >= l->out_c)
                continue;
              if ((l->flags & BS_KFLAG_OUT_MASK) == BS_KFLAG_OUT_THRESHOLD)
                {
                  int32_t thr = load_elem (weights, l->thr_off + (taps * l->thr_stride + o) * 4u, BS_KTYPE_I32);
                  uint32_t flip = (uint32_t) (weights[(l->flip_off >> 3) + o / 64u] >> (o % 64u)) & 1u;

                  v[pe] = threshold_sign (k_bits, match[pe], thr, flip);
                }
              else
                v[pe] = out_value (l, weights, o, (int64_t) k_bits - 2 * (int64_t) p);
            }
          emit_group (arena, l, px, g, v, &bits);
        }
      if (++x == l->out_w)
        {
          x = 0;
          y++;
        }
    }
  return cycles;
}

/* Fixed-point convolution */

static uint64_t
run_qconv (const Layer *l, const uint64_t *weights, uint64_t *arena)
{
  const uint32_t kk = l->k * l->k;
  const uint32_t n_iter = kk * l->w_chunks;
  const uint32_t wsize = weight_size (l->w_type);
  const uint32_t wtype = l->w_type == BS_KW_I16 ? BS_KTYPE_I16 : BS_KTYPE_I8;
  uint64_t cycles = 0, bits = 0;
  uint32_t px, y = 0, x = 0;

  for (px = 0; px < BS_KERNEL_MAX_PIXELS; px++)
    {
      uint32_t dy0, dy1, dx0, dx1, g;
      int32_t iy0 = (int32_t) (y * l->stride) - (int32_t) l->pad;
      int32_t ix0 = (int32_t) (x * l->stride) - (int32_t) l->pad;

      if (px >= l->out_h * l->out_w)
        break;
      window (y, l, l->in_h, &dy0, &dy1);
      window (x, l, l->in_w, &dx0, &dx1);

      for (g = 0; g < MAX_GROUPS; g++)
        {
          /* int32 is exact: validation bounds max|x|·Σ|w| + |bias| by 2^31 − 1. */
          int32_t acc[P];
          int32_t v[P];
          uint32_t it, t = 0, dy = 0, dx = 0, s = 0, pe, m;
#pragma HLS ARRAY_PARTITION variable=acc complete
#pragma HLS ARRAY_PARTITION variable=v complete

          if (g >= l->groups)
            break;
          for (pe = 0; pe < P; pe++)
            acc[pe] = 0;

          /* One tap × M input channels per cycle, for all P PEs at once. */
          for (it = 0; it < MAX_TAPS * MAX_MAC_CHUNKS; it++)
            {
#pragma HLS PIPELINE II=1
              int32_t xv[M];
#pragma HLS ARRAY_PARTITION variable=xv complete
              int inside = dy >= dy0 && dy < dy1 && dx >= dx0 && dx < dx1;
              uint32_t in_px = 0;

              if (it >= n_iter)
                break;
              if (inside)
                in_px = (uint32_t) (iy0 + (int32_t) dy) * l->in_w + (uint32_t) (ix0 + (int32_t) dx);
              for (m = 0; m < M; m++)
                {
#pragma HLS UNROLL
                  uint32_t c = s * M + m;

                  xv[m] = inside && c < l->in_c ? act_load (arena, l->in0, l->in0_type, l->in_c, in_px, c) : 0;
                }
              for (pe = 0; pe < P; pe++)
                {
#pragma HLS UNROLL
                  uint32_t base = l->w_off + (((g * kk + t) * l->w_chunks + s) * P + pe) * M * wsize;

                  for (m = 0; m < M; m++)
                    {
#pragma HLS UNROLL
                      acc[pe] += xv[m] * load_elem (weights, base + m * wsize, wtype);
                    }
                }
              if (++s == l->w_chunks)
                {
                  s = 0;
                  t++;
                  if (++dx == l->k)
                    {
                      dx = 0;
                      dy++;
                    }
                }
            }
          cycles += n_iter + BS_KERNEL_DEPTH_QCONV;

          for (pe = 0; pe < P; pe++)
            {
#pragma HLS UNROLL
              uint32_t o = g * P + pe;

              v[pe] = o < l->out_c ? out_value (l, weights, o, acc[pe]) : 0;
            }
          emit_group (arena, l, px, g, v, &bits);
        }
      if (++x == l->out_w)
        {
          x = 0;
          y++;
        }
    }
  return cycles;
}

/* Element-wise ops on the vector unit */

static int32_t
vector_value (const Layer *l, const uint64_t *weights, const uint64_t *arena, uint32_t px, uint32_t c)
{
  switch (l->op)
    {
    case BS_KOP_INPUT:
      return in0_load (arena, l, px, c);
    case BS_KOP_QUANTIZE:
      return in0_load (arena, l, px, c) - 128;
    case BS_KOP_THERMOMETER:
      {
        int32_t level = (in0_load (arena, l, px, c / l->levels) * (int32_t) l->levels + 128) >> 8;

        return (int32_t) (c % l->levels) < level ? 1 : -1;
      }
    case BS_KOP_SIGN:
      return act_load (arena, l->in0, l->in0_type, l->in_c, px, c) >= 0 ? 1 : -1;
    case BS_KOP_ADD:
      {
        int64_t sum = (int64_t) act_load (arena, l->in0, l->in0_type, l->in_c, px, c)
                      + act_load (arena, l->in1, l->in1_type, l->in1_c, px, c);

        return out_value (l, weights, c, bs_sat (sum, 32, 0));
      }
    case BS_KOP_BATCHNORM:
      return out_value (l, weights, c, act_load (arena, l->in0, l->in0_type, l->in_c, px, c));
    case BS_KOP_CONCAT:
      return c < l->in_c ? act_load (arena, l->in0, l->in0_type, l->in_c, px, c)
                         : act_load (arena, l->in1, l->in1_type, l->in1_c, px, c - l->in_c);
    case BS_KOP_TRANSPOSE:
      /* Output (H·W, C, 1): output pixel y is input channel y, output channel c is
       * input pixel c. */
      return act_load (arena, l->in0, l->in0_type, l->in_c, c, px);
    default:
      return 0;
    }
}

static uint64_t
run_vector (const Layer *l, const uint64_t *weights, uint64_t *arena)
{
  uint64_t iterations = 0, bits = 0;
  uint32_t px, g, pe;

  for (px = 0; px < BS_KERNEL_MAX_PIXELS; px++)
    {
      if (px >= l->out_h * l->out_w)
        break;
      for (g = 0; g < MAX_GROUPS; g++)
        {
#pragma HLS PIPELINE II=1
          int32_t v[P];
#pragma HLS ARRAY_PARTITION variable=v complete

          if (g >= l->groups)
            break;
          for (pe = 0; pe < P; pe++)
            {
#pragma HLS UNROLL
              uint32_t c = g * P + pe;

              v[pe] = c < l->out_c ? vector_value (l, weights, arena, px, c) : 0;
            }
          emit_group (arena, l, px, g, v, &bits);
          iterations++;
        }
    }
  /* The pixel and group loops form a perfect nest: one flattened pipeline. */
  return iterations + BS_KERNEL_DEPTH_VECTOR;
}

static uint64_t
run_avgpool (const Layer *l, uint64_t *arena)
{
  const uint32_t kk = l->k * l->k;
  uint64_t cycles = 0, bits = 0;
  uint32_t px, y = 0, x = 0;

  for (px = 0; px < BS_KERNEL_MAX_PIXELS; px++)
    {
      uint32_t g;

      if (px >= l->out_h * l->out_w)
        break;
      for (g = 0; g < MAX_GROUPS; g++)
        {
          int64_t acc[P];
          int32_t v[P];
          uint32_t t, dy = 0, dx = 0, pe;
#pragma HLS ARRAY_PARTITION variable=acc complete
#pragma HLS ARRAY_PARTITION variable=v complete

          if (g >= l->groups)
            break;
          for (pe = 0; pe < P; pe++)
            acc[pe] = 0;
          for (t = 0; t < MAX_TAPS; t++)
            {
#pragma HLS PIPELINE II=1
              uint32_t in_px = (y * l->stride + dy) * l->in_w + x * l->stride + dx;

              if (t >= kk)
                break;
              for (pe = 0; pe < P; pe++)
                {
#pragma HLS UNROLL
                  uint32_t c = g * P + pe;

                  if (c < l->out_c)
                    acc[pe] += act_load (arena, l->in0, l->in0_type, l->in_c, in_px, c);
                }
              if (++dx == l->k)
                {
                  dx = 0;
                  dy++;
                }
            }
          cycles += kk + BS_KERNEL_DEPTH_VECTOR;
          for (pe = 0; pe < P; pe++)
            v[pe] = (int32_t) bs_round_div (acc[pe], kk);
          emit_group (arena, l, px, g, v, &bits);
        }
      if (++x == l->out_w)
        {
          x = 0;
          y++;
        }
    }
  return cycles;
}

static uint64_t
run_global_avgpool (const Layer *l, uint64_t *arena)
{
  const uint32_t pixels = l->in_h * l->in_w;
  uint64_t cycles = 0, bits = 0;
  uint32_t g;

  for (g = 0; g < MAX_GROUPS; g++)
    {
      int64_t acc[P];
      int32_t v[P];
      uint32_t px, pe;
#pragma HLS ARRAY_PARTITION variable=acc complete
#pragma HLS ARRAY_PARTITION variable=v complete

      if (g >= l->groups)
        break;
      for (pe = 0; pe < P; pe++)
        acc[pe] = 0;
      for (px = 0; px < BS_KERNEL_MAX_PIXELS; px++)
        {
#pragma HLS PIPELINE II=1
          if (px >= pixels)
            break;
          for (pe = 0; pe < P; pe++)
            {
#pragma HLS UNROLL
              uint32_t c = g * P + pe;

              if (c < l->out_c)
                acc[pe] += act_load (arena, l->in0, l->in0_type, l->in_c, px, c);
            }
        }
      cycles += pixels + BS_KERNEL_DEPTH_VECTOR;
      for (pe = 0; pe < P; pe++)
        v[pe] = (int32_t) bs_round_div (acc[pe], pixels);
      emit_group (arena, l, 0, g, v, &bits);
    }
  return cycles;
}

/* Checks */

static uint64_t
act_bytes (uint32_t type, uint32_t c, uint32_t h, uint32_t w)
{
  uint64_t pixels = (uint64_t) h * w;

  if (type == BS_KTYPE_BITS)
    return pixels * words_for (c) * 8u;
  return pixels * c * elem_size (type);
}

static int
fits (uint64_t offset, uint64_t size, uint64_t total)
{
  return offset <= total && size <= total - offset;
}

static uint32_t
conv_out (uint32_t size, const Layer *l)
{
  return (size + 2u * l->pad - l->k) / l->stride + 1u;
}

/* Whether the output shape is the one the op makes of its inputs. */
static int
shape_ok (const Layer *l)
{
  int same_pixels = l->out_h == l->in_h && l->out_w == l->in_w;

  switch (l->op)
    {
    case BS_KOP_INPUT:
    case BS_KOP_QUANTIZE:
    case BS_KOP_SIGN:
    case BS_KOP_BATCHNORM:
      return same_pixels && l->out_c == l->in_c;
    case BS_KOP_THERMOMETER:
      return same_pixels && l->levels > 0 && l->levels <= 64 && l->out_c == l->in_c * l->levels;
    case BS_KOP_ADD:
      return same_pixels && l->out_c == l->in_c && l->in1_c == l->in_c;
    case BS_KOP_CONCAT:
      return same_pixels && l->out_c == l->in_c + l->in1_c;
    case BS_KOP_TRANSPOSE:
      return l->out_c == l->in_h * l->in_w && l->out_h == l->in_c && l->out_w == 1;
    case BS_KOP_GLOBAL_AVGPOOL:
      return l->out_c == l->in_c && l->out_h == 1 && l->out_w == 1 && l->in_h * l->in_w > 0;
    case BS_KOP_AVGPOOL:
      return l->out_c == l->in_c && l->pad == 0 && l->in_h >= l->k && l->in_w >= l->k
             && l->out_h == conv_out (l->in_h, l) && l->out_w == conv_out (l->in_w, l);
    case BS_KOP_BCONV:
    case BS_KOP_QCONV:
      return l->pad < l->k && l->in_h + 2u * l->pad >= l->k && l->in_w + 2u * l->pad >= l->k
             && l->out_h == conv_out (l->in_h, l) && l->out_w == conv_out (l->in_w, l);
    default:
      return 0;
    }
}

/* Whether a descriptor stays within the kernel's bounds and its buffers: a corrupt
 * table must not send the datapath outside its memory. */
static int
layer_ok (const Layer *l, const uint32_t *header)
{
  uint64_t arena_bytes = header[BS_DESC_H_ARENA_BYTES];
  uint64_t weight_bytes = header[BS_DESC_H_WEIGHT_BYTES];
  uint64_t kk = (uint64_t) l->k * l->k;
  uint32_t kind = l->flags & BS_KFLAG_OUT_MASK;
  int chw = (l->flags & BS_KFLAG_IN0_CHW) != 0;
  int two_inputs = l->op == BS_KOP_ADD || l->op == BS_KOP_CONCAT;
  int conv = l->op == BS_KOP_BCONV || l->op == BS_KOP_QCONV;
  int transform = conv || l->op == BS_KOP_ADD || l->op == BS_KOP_BATCHNORM;

  if (l->op == BS_KOP_NONE || l->op >= BS_KOP_N)
    return 0;
  if (l->in0_type >= BS_KTYPE_N || l->in1_type >= BS_KTYPE_N || l->out_type >= BS_KTYPE_N)
    return 0;
  if (l->in_c == 0 || l->out_c == 0 || l->in_c > BS_KERNEL_MAX_CHANNELS || l->out_c > BS_KERNEL_MAX_CHANNELS
      || l->in1_c > BS_KERNEL_MAX_CHANNELS)
    return 0;
  if ((uint64_t) l->in_h * l->in_w > BS_KERNEL_MAX_PIXELS || (uint64_t) l->out_h * l->out_w > BS_KERNEL_MAX_PIXELS)
    return 0;
  if (l->groups != (l->out_c + P - 1u) / P)
    return 0;
  if ((conv || l->op == BS_KOP_AVGPOOL) && (l->k == 0 || l->k > BS_KERNEL_MAX_KERNEL || l->stride == 0))
    return 0;
  if (!shape_ok (l))
    return 0;
  if (chw && l->op != BS_KOP_INPUT && l->op != BS_KOP_QUANTIZE && l->op != BS_KOP_THERMOMETER)
    return 0;
  if ((l->op == BS_KOP_INPUT && !chw)
      || ((l->op == BS_KOP_QUANTIZE || l->op == BS_KOP_THERMOMETER) && l->in0_type != BS_KTYPE_U8))
    return 0;
  if (kind == BS_KFLAG_OUT_REQUANT && (l->out_bits < 2 || l->out_bits > 32))
    return 0;

  if (!fits (l->in0, chw ? (uint64_t) l->in_c * l->in_h * l->in_w
                         : act_bytes (l->in0_type, l->in_c, l->in_h, l->in_w), arena_bytes)
      || (two_inputs && !fits (l->in1, act_bytes (l->in1_type, l->in1_c, l->in_h, l->in_w), arena_bytes))
      || !fits (l->out, act_bytes (l->out_type, l->out_c, l->out_h, l->out_w), arena_bytes))
    return 0;
  if (l->in0 % 64u != 0 || l->in1 % 64u != 0 || l->out % 64u != 0
      || l->w_off % 8u != 0 || l->param_off % 8u != 0 || l->thr_off % 8u != 0 || l->flip_off % 8u != 0)
    return 0;

  if (l->op == BS_KOP_BCONV
      && (l->w_type != BS_KW_U1 || l->in0_type != BS_KTYPE_BITS
          || l->w_chunks != (l->in_c + BS_KERNEL_LANE_BITS - 1u) / BS_KERNEL_LANE_BITS
          || !fits (l->w_off, (uint64_t) l->groups * kk * l->w_chunks * P * 8u, weight_bytes)))
    return 0;
  if (l->op == BS_KOP_QCONV
      && ((l->w_type != BS_KW_I8 && l->w_type != BS_KW_I16) || l->in0_type == BS_KTYPE_BITS
          || l->w_chunks != (l->in_c + M - 1u) / M
          || !fits (l->w_off, (uint64_t) l->groups * kk * l->w_chunks * P * M * weight_size (l->w_type),
                    weight_bytes)))
    return 0;
  if (transform && kind == BS_KFLAG_OUT_THRESHOLD
      && (l->op != BS_KOP_BCONV || l->out_type != BS_KTYPE_BITS || l->thr_stride < l->out_c
          || !fits (l->thr_off, (kk + 1u) * l->thr_stride * 4u, weight_bytes)
          || !fits (l->flip_off, (uint64_t) words_for (l->out_c) * 8u, weight_bytes)))
    return 0;
  if (transform && kind != BS_KFLAG_OUT_THRESHOLD
      && (l->out_type == BS_KTYPE_BITS
          || ((kind == BS_KFLAG_OUT_REQUANT || (l->flags & BS_KFLAG_BIAS))
              && !fits (l->param_off, (uint64_t) l->out_c * BS_KPARAM_BYTES, weight_bytes))))
    return 0;
  return 1;
}

static uint64_t
run_layer (const Layer *l, const uint64_t *weights, uint64_t *arena)
{
  switch (l->op)
    {
    case BS_KOP_BCONV:
      return run_bconv (l, weights, arena);
    case BS_KOP_QCONV:
      return run_qconv (l, weights, arena);
    case BS_KOP_AVGPOOL:
      return run_avgpool (l, arena);
    case BS_KOP_GLOBAL_AVGPOOL:
      return run_global_avgpool (l, arena);
    default:
      return run_vector (l, weights, arena);
    }
}

static uint64_t
check_header (const uint32_t *desc, uint32_t first, uint32_t count)
{
  if (desc[BS_DESC_H_MAGIC] != BS_DESC_MAGIC)
    return BS_KSTATUS_BAD_MAGIC;
  if (desc[BS_DESC_H_VERSION] != BS_KERNEL_ABI_VERSION)
    return BS_KSTATUS_BAD_VERSION;
  if (desc[BS_DESC_H_PE] != P || desc[BS_DESC_H_XNOR_LANES] != L || desc[BS_DESC_H_MACS] != M)
    return BS_KSTATUS_BAD_PARAMS;
  if (desc[BS_DESC_H_N_LAYERS] > BS_KERNEL_MAX_LAYERS || first > desc[BS_DESC_H_N_LAYERS]
      || count > desc[BS_DESC_H_N_LAYERS] - first)
    return BS_KSTATUS_BAD_RANGE;
  return BS_KSTATUS_OK;
}

void
bs_blend (const uint32_t *desc, const uint64_t *weights, uint64_t *arena, uint64_t *profile,
          uint32_t first, uint32_t count)
{
#pragma HLS INTERFACE m_axi port=desc offset=slave bundle=gmem0 max_read_burst_length=32
#pragma HLS INTERFACE m_axi port=weights offset=slave bundle=gmem1 max_read_burst_length=256
#pragma HLS INTERFACE m_axi port=arena offset=slave bundle=gmem2 max_read_burst_length=256 max_write_burst_length=256
#pragma HLS INTERFACE m_axi port=profile offset=slave bundle=gmem0
#pragma HLS INTERFACE s_axilite port=desc bundle=control
#pragma HLS INTERFACE s_axilite port=weights bundle=control
#pragma HLS INTERFACE s_axilite port=arena bundle=control
#pragma HLS INTERFACE s_axilite port=profile bundle=control
#pragma HLS INTERFACE s_axilite port=first bundle=control
#pragma HLS INTERFACE s_axilite port=count bundle=control
#pragma HLS INTERFACE s_axilite port=return bundle=control
  uint64_t status = check_header (desc, first, count);
  uint64_t now = 0;
  uint32_t i;
#ifdef BS_KERNEL_HW_COUNTER
  uint64_t t0 = bs_kernel_hw_counter ();
#endif

  for (i = 0; i < BS_KERNEL_MAX_LAYERS; i++)
    {
      uint32_t index = first + i;
      uint64_t *record = profile + BS_PROFILE_HEADER_WORDS + index * BS_PROFILE_RECORD_WORDS;
      uint64_t start, cycles;
      Layer l;

      if (status != BS_KSTATUS_OK || i >= count)
        break;
      decode (desc + BS_DESC_HEADER_WORDS + index * BS_DESC_WORDS, &l);
      if (!layer_ok (&l, desc))
        {
          status = BS_KSTATUS_BAD_LAYER | (uint64_t) index << 32;
          break;
        }
#ifdef BS_KERNEL_HW_COUNTER
      start = bs_kernel_hw_counter () - t0;
      cycles = run_layer (&l, weights, arena);
      now = bs_kernel_hw_counter () - t0;
      (void) cycles;
#else
      start = now;
      cycles = run_layer (&l, weights, arena);
      now += BS_KERNEL_LAYER_OVERHEAD + cycles;
#endif
      record[BS_PROFILE_R_START] = start;
      record[BS_PROFILE_R_END] = now;
      record[BS_PROFILE_R_OP] = l.op | (uint64_t) l.op_index << 32;
    }

  profile[BS_PROFILE_H_STATUS] = status;
  profile[BS_PROFILE_H_FLAGS] = COUNTER_FLAGS;
  profile[BS_PROFILE_H_CLOCK_KHZ] = BS_KERNEL_CLOCK_KHZ;
  profile[BS_PROFILE_H_FIRST] = first;
  profile[BS_PROFILE_H_COUNT] = count;
  profile[BS_PROFILE_H_MAGIC] = BS_PROFILE_MAGIC | (uint64_t) BS_KERNEL_ABI_VERSION << 32;
}
