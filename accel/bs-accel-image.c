/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-accel-image.c: a BsPlan lowered to the bs_blend kernel's descriptor table and
 * weight image (docs/accelerator.md, "Compiling a plan").
 *
 * The plan has already fused BatchNorm into its producers (requantisation, affine
 * binary conv, popcount thresholds). This pass lays that out for the PE array:
 *   - binary weights are re-cut from 64-bit words into the 48-bit lanes the XNOR
 *     ALUs take, tiled [group][tap][lane][PE] so that one cycle's P lane words are
 *     adjacent;
 *   - fixed-point weights are tiled [group][tap][slice][PE][MAC] with zeros past Cin
 *     and Cout, so the MAC array never needs a bound check;
 *   - each output channel's transform becomes a (bias, mul, add, shift) record, and
 *     thresholds a table [valid taps][G·P] with the flip bits beside it.
 */
#include "bs-accel-image.h"
#include "kernel/bs-cycle-model.h"

#include <gio/gio.h>
#include <string.h>

#define IMAGE_ALIGN 64

/* The weight image being written, and the kernel parameters it is tiled for. */
typedef struct
{
  GByteArray *bytes;
  BsKernelParams k;
} Blob;

static gsize
align_up (gsize v, gsize a)
{
  return (v + a - 1) / a * a;
}

/* Appends n zero bytes at the next 64-byte boundary; returns their offset. */
static gsize
blob_reserve (Blob *blob, gsize n)
{
  gsize old = blob->bytes->len;
  gsize at = align_up (old, IMAGE_ALIGN);

  g_byte_array_set_size (blob->bytes, (guint) (at + n));
  memset (blob->bytes->data + old, 0, at + n - old);
  return at;
}

static void *
blob_at (Blob *blob, gsize offset)
{
  return blob->bytes->data + offset;
}

uint32_t
bs_accel_op_code (BsPlanOpKind kind)
{
  switch (kind)
    {
    case BS_PLAN_OP_INPUT: return BS_KOP_INPUT;
    case BS_PLAN_OP_QUANTIZE_INPUT: return BS_KOP_QUANTIZE;
    case BS_PLAN_OP_THERMOMETER: return BS_KOP_THERMOMETER;
    case BS_PLAN_OP_BCONV: return BS_KOP_BCONV;
    case BS_PLAN_OP_QCONV: return BS_KOP_QCONV;
    case BS_PLAN_OP_SIGN: return BS_KOP_SIGN;
    case BS_PLAN_OP_ADD: return BS_KOP_ADD;
    case BS_PLAN_OP_BATCHNORM: return BS_KOP_BATCHNORM;
    case BS_PLAN_OP_AVGPOOL: return BS_KOP_AVGPOOL;
    case BS_PLAN_OP_GLOBAL_AVGPOOL: return BS_KOP_GLOBAL_AVGPOOL;
    case BS_PLAN_OP_CONCAT: return BS_KOP_CONCAT;
    case BS_PLAN_OP_TRANSPOSE: return BS_KOP_TRANSPOSE;
    case BS_PLAN_OP_N_KINDS:
    default: return BS_KOP_NONE;
    }
}

static uint32_t
act_type (BsActType type)
{
  switch (type)
    {
    case BS_ACT_U8: return BS_KTYPE_U8;
    case BS_ACT_BITS: return BS_KTYPE_BITS;
    case BS_ACT_I4:
    case BS_ACT_I8: return BS_KTYPE_I8;
    case BS_ACT_I16: return BS_KTYPE_I16;
    case BS_ACT_I32:
    default: return BS_KTYPE_I32;
    }
}

/* Lane j (bits 48j .. 48j + 47) of a packed channel vector, as the kernel cuts it. */
static uint64_t
lane_slice (const uint64_t *words, int32_t n_words, int32_t j)
{
  int32_t lo = j * BS_KERNEL_LANE_BITS;
  int32_t w = lo / 64, shift = lo % 64;
  uint64_t v = words[w] >> shift;

  if (shift > 64 - BS_KERNEL_LANE_BITS && w + 1 < n_words)
    v |= words[w + 1] << (64 - shift);
  return v & ((G_GUINT64_CONSTANT (1) << BS_KERNEL_LANE_BITS) - 1);
}

static gsize
tile_binary_weights (Blob *blob, const BsPlanOp *op, int32_t cin, int32_t cout, uint32_t groups)
{
  int32_t k = op->kernel, kk = k * k, n_pe = (int32_t) blob->k.pe;
  int32_t chunks = (cin + BS_KERNEL_LANE_BITS - 1) / BS_KERNEL_LANE_BITS;
  gsize at = blob_reserve (blob, (gsize) groups * kk * chunks * n_pe * 8);
  uint64_t *out = blob_at (blob, at);
  const uint64_t *w = op->weights;

  for (uint32_t g = 0; g < groups; g++)
    for (int32_t t = 0; t < kk; t++)
      for (int32_t j = 0; j < chunks; j++)
        for (int32_t pe = 0; pe < n_pe; pe++)
          {
            int32_t o = (int32_t) g * n_pe + pe;
            gsize i = (((gsize) g * kk + t) * chunks + j) * n_pe + pe;

            if (o < cout)
              out[i] = lane_slice (w + ((gsize) o * kk + t) * op->w_tap_stride, op->w_tap_stride, j);
          }
  return at;
}

static gsize
tile_fixed_weights (Blob *blob, const BsPlanOp *op, int32_t cin, int32_t cout, uint32_t groups)
{
  int32_t k = op->kernel, kk = k * k, n_pe = (int32_t) blob->k.pe, n_mac = (int32_t) blob->k.macs;
  int32_t slices = (cin + n_mac - 1) / n_mac;
  gboolean wide = op->weight_type == BS_DTYPE_I16;
  gsize n = (gsize) groups * kk * slices * n_pe * n_mac;
  gsize at = blob_reserve (blob, n * (wide ? 2 : 1));

  for (uint32_t g = 0; g < groups; g++)
    for (int32_t t = 0; t < kk; t++)
      for (int32_t s = 0; s < slices; s++)
        for (int32_t pe = 0; pe < n_pe; pe++)
          for (int32_t m = 0; m < n_mac; m++)
            {
              int32_t o = (int32_t) g * n_pe + pe, c = s * n_mac + m;
              gsize i = ((((gsize) g * kk + t) * slices + s) * n_pe + pe) * n_mac + m;
              gsize src = ((gsize) o * kk + t) * op->w_tap_stride + c;

              if (o >= cout || c >= cin)
                continue;
              if (wide)
                ((int16_t *) blob_at (blob, at))[i] = ((const int16_t *) op->weights)[src];
              else
                ((int8_t *) blob_at (blob, at))[i] = ((const int8_t *) op->weights)[src];
            }
  return at;
}

/* (bias, mul, add, shift) per output channel. */
static gsize
write_params (Blob *blob, const BsOutTransform *out, int32_t cout)
{
  gsize at = blob_reserve (blob, (gsize) cout * BS_KPARAM_BYTES);
  int64_t *rec = blob_at (blob, at);

  for (int32_t o = 0; o < cout; o++, rec += BS_KPARAM_BYTES / 8)
    {
      rec[0] = out->bias ? out->bias[o] : 0;
      if (out->kind == BS_OUT_REQUANT)
        {
          rec[1] = out->mul[o];
          rec[2] = out->add[o];
          rec[3] = out->shift[o];
        }
    }
  return at;
}

static void
write_thresholds (Blob *blob, const BsPlanOp *op, int32_t cout, uint32_t groups, uint32_t *d)
{
  int32_t kk = op->kernel * op->kernel;
  uint32_t stride = groups * blob->k.pe;
  gsize thr_at = blob_reserve (blob, (gsize) (kk + 1) * stride * 4);
  gsize flip_at = blob_reserve (blob, (gsize) bs_plan_words (cout) * 8);

  for (int32_t t = 0; t <= kk; t++)
    for (uint32_t o = 0; o < stride; o++)
      ((int32_t *) blob_at (blob, thr_at))[(gsize) t * stride + o]
        = (int32_t) o < cout ? op->out.threshold[(gsize) t * op->out.threshold_stride + o] : G_MAXINT32;
  memcpy (blob_at (blob, flip_at), op->out.flip, (gsize) bs_plan_words (cout) * 8);
  d[BS_DESC_THR_OFF] = (uint32_t) thr_at;
  d[BS_DESC_THR_STRIDE] = stride;
  d[BS_DESC_FLIP_OFF] = (uint32_t) flip_at;
}

static gboolean
has_transform (const BsPlanOp *op)
{
  return op->kind == BS_PLAN_OP_BCONV || op->kind == BS_PLAN_OP_QCONV
         || op->kind == BS_PLAN_OP_ADD || op->kind == BS_PLAN_OP_BATCHNORM;
}

static void
write_transform (Blob *blob, const BsPlanOp *op, int32_t cout, uint32_t groups, uint32_t *d)
{
  const BsOutTransform *out = &op->out;

  switch (out->kind)
    {
    case BS_OUT_THRESHOLD:
      d[BS_DESC_FLAGS] |= BS_KFLAG_OUT_THRESHOLD;
      write_thresholds (blob, op, cout, groups, d);
      return;
    case BS_OUT_REQUANT:
      d[BS_DESC_FLAGS] |= BS_KFLAG_OUT_REQUANT | (out->relu ? BS_KFLAG_RELU : 0);
      d[BS_DESC_OUT_BITS] = (uint32_t) out->bits;
      break;
    case BS_OUT_RAW:
    default:
      d[BS_DESC_FLAGS] |= BS_KFLAG_OUT_RAW;
      break;
    }
  if (out->bias != NULL)
    d[BS_DESC_FLAGS] |= BS_KFLAG_BIAS;
  if (out->kind == BS_OUT_REQUANT || out->bias != NULL)
    d[BS_DESC_PARAM_OFF] = (uint32_t) write_params (blob, out, cout);
}

/* Offset of a plan buffer in the device arena. */
static gsize
arena_offset (const BsPlan *plan, int buffer, gsize input_offset)
{
  const BsPlanBuffer *buf = &plan->buffers[buffer];

  return buf->is_input ? input_offset : buf->offset;
}

static void
describe_op (const BsPlan *plan, int i, gsize input_offset, Blob *blob, uint32_t *d)
{
  const BsPlanOp *op = &plan->ops[i];
  const BsPlanBuffer *in0 = &plan->buffers[op->inputs[0]];
  const BsPlanBuffer *in1 = op->n_inputs > 1 ? &plan->buffers[op->inputs[1]] : NULL;
  const BsPlanBuffer *out = &plan->buffers[op->output];
  uint32_t groups = ((uint32_t) out->shape.c + blob->k.pe - 1) / blob->k.pe;
  uint32_t w_type = BS_KW_NONE;

  d[BS_DESC_OP] = bs_accel_op_code (op->kind);
  d[BS_DESC_FLAGS] = in0->is_input ? BS_KFLAG_IN0_CHW : 0;
  d[BS_DESC_IN0] = (uint32_t) arena_offset (plan, op->inputs[0], input_offset);
  d[BS_DESC_IN1] = in1 ? (uint32_t) arena_offset (plan, op->inputs[1], input_offset) : 0;
  d[BS_DESC_OUT] = (uint32_t) out->offset;
  d[BS_DESC_IN_C] = (uint32_t) in0->shape.c;
  d[BS_DESC_IN_H] = (uint32_t) in0->shape.h;
  d[BS_DESC_IN_W] = (uint32_t) in0->shape.w;
  d[BS_DESC_IN1_C] = in1 ? (uint32_t) in1->shape.c : 0;
  d[BS_DESC_OUT_C] = (uint32_t) out->shape.c;
  d[BS_DESC_OUT_H] = (uint32_t) out->shape.h;
  d[BS_DESC_OUT_W] = (uint32_t) out->shape.w;
  d[BS_DESC_GROUPS] = groups;
  d[BS_DESC_OP_INDEX] = (uint32_t) i;

  switch (op->kind)
    {
    case BS_PLAN_OP_BCONV:
    case BS_PLAN_OP_QCONV:
      d[BS_DESC_KERNEL] = (uint32_t) op->kernel;
      d[BS_DESC_STRIDE] = (uint32_t) op->stride;
      d[BS_DESC_PAD] = (uint32_t) op->pad;
      if (op->kind == BS_PLAN_OP_BCONV)
        {
          w_type = BS_KW_U1;
          d[BS_DESC_W_CHUNKS] = (uint32_t) (in0->shape.c + BS_KERNEL_LANE_BITS - 1) / BS_KERNEL_LANE_BITS;
          d[BS_DESC_W_OFF] = (uint32_t) tile_binary_weights (blob, op, in0->shape.c, out->shape.c, groups);
        }
      else
        {
          w_type = op->weight_type == BS_DTYPE_I16 ? BS_KW_I16 : BS_KW_I8;
          d[BS_DESC_W_CHUNKS] = ((uint32_t) in0->shape.c + blob->k.macs - 1) / blob->k.macs;
          d[BS_DESC_W_OFF] = (uint32_t) tile_fixed_weights (blob, op, in0->shape.c, out->shape.c, groups);
        }
      break;
    case BS_PLAN_OP_AVGPOOL:
      d[BS_DESC_KERNEL] = (uint32_t) op->kernel;
      d[BS_DESC_STRIDE] = (uint32_t) op->stride;
      break;
    case BS_PLAN_OP_THERMOMETER:
      d[BS_DESC_LEVELS] = (uint32_t) op->levels;
      break;
    default:
      break;
    }
  if (has_transform (op))
    write_transform (blob, op, out->shape.c, groups, d);
  d[BS_DESC_TYPES] = (in0->is_input ? BS_KTYPE_U8 : act_type (in0->type))
                     | (in1 ? act_type (in1->type) : 0) << 8
                     | act_type (out->type) << 16
                     | w_type << 24;
}

/* An upper bound of the weight image's size, before building it. */
static uint64_t
weight_bytes_bound (const BsPlan *plan, const BsKernelParams *k)
{
  uint64_t total = 0;

  for (int i = 0; i < plan->n_ops; i++)
    {
      const BsPlanOp *op = &plan->ops[i];
      uint64_t cin = (uint64_t) plan->buffers[op->inputs[0]].shape.c;
      uint64_t cout = (uint64_t) plan->buffers[op->output].shape.c;
      uint64_t groups = (cout + k->pe - 1) / k->pe;
      uint64_t kk = (uint64_t) op->kernel * op->kernel;

      if (op->kind == BS_PLAN_OP_BCONV)
        total += groups * kk * ((cin + BS_KERNEL_LANE_BITS - 1) / BS_KERNEL_LANE_BITS) * k->pe * 8;
      else if (op->kind == BS_PLAN_OP_QCONV)
        total += groups * kk * ((cin + k->macs - 1) / k->macs) * k->pe * k->macs * 2;
      /* Parameters or thresholds and flips, and alignment. */
      total += cout * BS_KPARAM_BYTES + (kk + 1) * groups * k->pe * 4 + cout / 8 + 4 * IMAGE_ALIGN;
    }
  return total;
}

/* What the kernel cannot address or bound. */
static gboolean
check_limits (const BsPlan *plan, const BsKernelParams *k, GError **error)
{
  uint64_t weights = weight_bytes_bound (plan, k);

  if (weights > G_MAXUINT32)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the accelerator's weight image would need up to %" G_GUINT64_FORMAT
                   " bytes; the kernel addresses at most 4 GiB", weights);
      return FALSE;
    }
  if (plan->n_ops > BS_KERNEL_MAX_LAYERS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the plan has %d ops; the accelerator kernel takes at most %d",
                   plan->n_ops, BS_KERNEL_MAX_LAYERS);
      return FALSE;
    }
  for (int b = 0; b < plan->n_buffers; b++)
    {
      const BsPlanBuffer *buf = &plan->buffers[b];

      if (buf->shape.c > BS_KERNEL_MAX_CHANNELS
          || (uint64_t) buf->shape.h * buf->shape.w > BS_KERNEL_MAX_PIXELS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "activation %dx%dx%d exceeds the accelerator kernel's bounds "
                       "(%d channels, %u pixels)", buf->shape.c, buf->shape.h, buf->shape.w,
                       BS_KERNEL_MAX_CHANNELS, BS_KERNEL_MAX_PIXELS);
          return FALSE;
        }
    }
  return TRUE;
}

BsAccelImage *
bs_accel_image_build (const BsPlan *plan, GError **error)
{
  BsKernelParams params = bs_kernel_params_default ();

  return bs_accel_image_build_for (plan, &params, error);
}

BsAccelImage *
bs_accel_image_build_for (const BsPlan *plan, const BsKernelParams *params, GError **error)
{
  g_autoptr (BsAccelImage) image = g_new0 (BsAccelImage, 1);
  const BsPlanBuffer *in = &plan->buffers[plan->input];
  const BsPlanBuffer *out = &plan->buffers[plan->output];
  Blob blob = { g_byte_array_new (), *params };
  gsize desc_words = BS_DESC_HEADER_WORDS + (gsize) plan->n_ops * BS_DESC_WORDS;
  uint32_t *h;

  if (!check_limits (plan, params, error))
    {
      g_byte_array_unref (blob.bytes);
      return NULL;
    }
  image->n_layers = plan->n_ops;
  image->pe = params->pe;
  image->xnor_lanes = params->xnor_lanes;
  image->macs = params->macs;
  image->input_offset = align_up (plan->arena_size, IMAGE_ALIGN);
  image->input_bytes = (gsize) in->shape.c * in->shape.h * in->shape.w;
  image->arena_bytes = align_up (image->input_offset + image->input_bytes, IMAGE_ALIGN);
  image->output_offset = out->offset;
  image->output_bytes = out->n_bytes;
  image->profile_bytes = (BS_PROFILE_HEADER_WORDS + (gsize) plan->n_ops * BS_PROFILE_RECORD_WORDS) * 8;
  image->desc_bytes = desc_words * 4;
  image->desc = g_malloc0 (image->desc_bytes);

  for (int i = 0; i < plan->n_ops; i++)
    describe_op (plan, i, image->input_offset, &blob,
                 image->desc + BS_DESC_HEADER_WORDS + (gsize) i * BS_DESC_WORDS);
  image->weight_bytes = align_up (MAX (blob.bytes->len, 1), IMAGE_ALIGN);
  image->weights = g_aligned_alloc0 (1, image->weight_bytes, IMAGE_ALIGN);
  memcpy (image->weights, blob.bytes->data, blob.bytes->len);
  g_byte_array_unref (blob.bytes);

  if (image->arena_bytes > G_MAXUINT32 || image->weight_bytes > G_MAXUINT32)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the accelerator image needs %" G_GSIZE_FORMAT " bytes of activations and %"
                   G_GSIZE_FORMAT " of weights; the kernel addresses at most 4 GiB of each",
                   image->arena_bytes, image->weight_bytes);
      return NULL;
    }

  h = image->desc;
  h[BS_DESC_H_MAGIC] = BS_DESC_MAGIC;
  h[BS_DESC_H_VERSION] = BS_KERNEL_ABI_VERSION;
  h[BS_DESC_H_N_LAYERS] = (uint32_t) plan->n_ops;
  h[BS_DESC_H_PE] = params->pe;
  h[BS_DESC_H_XNOR_LANES] = params->xnor_lanes;
  h[BS_DESC_H_MACS] = params->macs;
  h[BS_DESC_H_ARENA_BYTES] = (uint32_t) image->arena_bytes;
  h[BS_DESC_H_WEIGHT_BYTES] = (uint32_t) image->weight_bytes;
  h[BS_DESC_H_INPUT_OFFSET] = (uint32_t) image->input_offset;
  h[BS_DESC_H_OUTPUT_OFFSET] = (uint32_t) image->output_offset;
  h[BS_DESC_H_PROFILE_BYTES] = (uint32_t) image->profile_bytes;
  return g_steal_pointer (&image);
}

void
bs_accel_image_free (BsAccelImage *image)
{
  if (image == NULL)
    return;
  g_free (image->desc);
  g_aligned_free (image->weights);
  g_free (image);
}

/* Profile */

void
bs_accel_profile_clear (uint64_t *profile)
{
  memset (profile, 0, BS_PROFILE_HEADER_WORDS * sizeof (uint64_t));
}

static const char *
status_reason (uint64_t code)
{
  switch (code)
    {
    case BS_KSTATUS_BAD_MAGIC: return "the descriptor table has no valid header";
    case BS_KSTATUS_BAD_VERSION: return "the descriptor table is for another contract version";
    case BS_KSTATUS_BAD_PARAMS: return "the image was tiled for other PE / XNOR lane / MAC counts than the kernel was built with";
    case BS_KSTATUS_BAD_RANGE: return "the launch's layer range lies outside the table";
    case BS_KSTATUS_BAD_LAYER: return "a layer descriptor is malformed or exceeds the kernel's bounds";
    default: return "unknown status";
    }
}

gboolean
bs_accel_profile_check (const uint64_t *profile, const BsPlan *plan, uint32_t first,
                        uint32_t count, gboolean *counter, uint32_t *clock_khz, GError **error)
{
  uint64_t magic = profile[BS_PROFILE_H_MAGIC];
  uint64_t status = profile[BS_PROFILE_H_STATUS];

  if ((uint32_t) magic != BS_PROFILE_MAGIC)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "the kernel wrote no profile (it did not run, or is not a " BS_KERNEL_NAME
                           " kernel of this contract)");
      return FALSE;
    }
  if ((magic >> 32) != BS_KERNEL_ABI_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the kernel speaks contract version %u, this host %u",
                   (unsigned) (magic >> 32), BS_KERNEL_ABI_VERSION);
      return FALSE;
    }
  if ((uint32_t) status != BS_KSTATUS_OK)
    {
      uint32_t layer = (uint32_t) (status >> 32);

      if ((uint32_t) status == BS_KSTATUS_BAD_LAYER && (int) layer < plan->n_ops)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the kernel refused layer %u (%s): %s",
                     layer, bs_plan_op_name (plan, (int) layer), status_reason (BS_KSTATUS_BAD_LAYER));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the kernel refused the launch: %s",
                     status_reason ((uint32_t) status));
      return FALSE;
    }
  if (profile[BS_PROFILE_H_FIRST] != first || profile[BS_PROFILE_H_COUNT] != count)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the kernel ran layers %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
                   ", the host launched %u+%u", profile[BS_PROFILE_H_FIRST],
                   profile[BS_PROFILE_H_COUNT], first, count);
      return FALSE;
    }
  if (counter != NULL)
    *counter = (profile[BS_PROFILE_H_FLAGS] & BS_PROFILE_FLAG_COUNTER) != 0;
  if (clock_khz != NULL)
    *clock_khz = (uint32_t) profile[BS_PROFILE_H_CLOCK_KHZ];
  return TRUE;
}

static const uint64_t *
record (const uint64_t *profile, int i)
{
  return profile + BS_PROFILE_HEADER_WORDS + (gsize) i * BS_PROFILE_RECORD_WORDS;
}

uint64_t
bs_accel_profile_cycles (const uint64_t *profile, int i)
{
  const uint64_t *r = record (profile, i);

  return r[BS_PROFILE_R_END] - r[BS_PROFILE_R_START];
}

void
bs_accel_profile_events (const uint64_t *profile, uint32_t first, uint32_t count, int64_t t0_ns,
                         uint32_t clock_khz, BsClockSource source, int32_t inference,
                         BsLayerEvent *events)
{
  for (uint32_t i = first; i < first + count; i++)
    {
      const uint64_t *r = record (profile, (int) i);
      BsLayerEvent *ev = &events[i - first];

      ev->inference = inference;
      ev->op = (int32_t) i;
      ev->t_start_ns = t0_ns + (int64_t) bs_cycles_to_ns (r[BS_PROFILE_R_START], clock_khz);
      ev->t_end_ns = t0_ns + (int64_t) bs_cycles_to_ns (r[BS_PROFILE_R_END], clock_khz);
      ev->clock = source;
    }
}
