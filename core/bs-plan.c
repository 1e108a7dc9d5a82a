/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-plan.c: lowering a validated model to a BsPlan (docs/model-format.md, section 7).
 *
 * Three passes: group each layer with the batchnorm (and sign) that alone read its
 * output, emit one op per group at the position of the group's last layer (every
 * reader of the group's output comes later, every input is ready earlier), then place
 * the op outputs in one arena by liveness.
 */
#include "bs-plan.h"

#include <string.h>

typedef struct
{
  int n;
  int members[BS_PLAN_MAX_FUSED];
} Group;

typedef struct
{
  const BsModel *model;
  BsPlan *plan;
  GArray *ops;         /* BsPlanOp */
  GArray *buffers;     /* BsPlanBuffer */
  int *uses;           /* per layer: reads by later layers, +1 for the model output */
  int *consumer;       /* per layer: a reading layer (the only one when uses == 1) */
  Group *groups;       /* per layer: its group, when it heads one */
  int *emit_at;        /* per layer: the head of the group ending there, or -1 */
  int *layer_buffer;   /* per layer: the buffer holding its output, or -1 */
  int input_hwc;       /* the INPUT op's buffer, or -1 */
} Compiler;

static const char *const op_kind_names[BS_PLAN_OP_N_KINDS] = {
  [BS_PLAN_OP_INPUT] = "input",
  [BS_PLAN_OP_QUANTIZE_INPUT] = "quantize_input",
  [BS_PLAN_OP_THERMOMETER] = "thermometer",
  [BS_PLAN_OP_BCONV] = "bconv",
  [BS_PLAN_OP_QCONV] = "qconv",
  [BS_PLAN_OP_SIGN] = "sign",
  [BS_PLAN_OP_ADD] = "add",
  [BS_PLAN_OP_BATCHNORM] = "batchnorm",
  [BS_PLAN_OP_AVGPOOL] = "avgpool",
  [BS_PLAN_OP_GLOBAL_AVGPOOL] = "global_avgpool",
  [BS_PLAN_OP_CONCAT] = "concat",
  [BS_PLAN_OP_TRANSPOSE] = "transpose",
};

const char *
bs_plan_op_kind_to_string (BsPlanOpKind kind)
{
  g_return_val_if_fail ((int) kind >= 0 && kind < BS_PLAN_OP_N_KINDS, "?");
  return op_kind_names[kind];
}

static const BsLayer *
layer_at (const Compiler *cc, int i)
{
  return bs_model_layer (cc->model, i);
}

/* Plan-owned, zeroed, 64-byte aligned memory (SIMD loads of weights and tables). */
static void *
plan_alloc (Compiler *cc, gsize n_bytes)
{
  void *p = g_aligned_alloc0 (1, MAX (n_bytes, 1), BS_PLAN_ALIGN);

  g_ptr_array_add (cc->plan->owned, p);
  return p;
}

static uint64_t
align_up (uint64_t v, uint64_t a)
{
  return (v + a - 1) / a * a;
}

/* Pass 1: grouping */

static void
count_uses (Compiler *cc)
{
  int n = bs_model_n_layers (cc->model);

  for (int i = 0; i < n; i++)
    {
      const BsLayer *layer = layer_at (cc, i);

      cc->consumer[i] = -1;
      for (int k = 0; k < layer->n_inputs; k++)
        if (layer->inputs[k] >= 0)
          {
            cc->uses[layer->inputs[k]]++;
            cc->consumer[layer->inputs[k]] = i;
          }
    }
  cc->uses[n - 1]++;
}

static gboolean
sole_consumer_is (const Compiler *cc, int layer, BsLayerKind kind, int *consumer)
{
  int c = cc->consumer[layer];

  if (cc->uses[layer] != 1 || c < 0 || layer_at (cc, c)->kind != kind)
    return FALSE;
  *consumer = c;
  return TRUE;
}

static void
form_group (const Compiler *cc, int head, Group *g)
{
  int next;

  g->n = 1;
  g->members[0] = head;
  switch (layer_at (cc, head)->kind)
    {
    case BS_LAYER_CONV_BINARY:
    case BS_LAYER_FC_BINARY:
      /* sign straight after the conv is a threshold at dot >= 0. */
      if (sole_consumer_is (cc, head, BS_LAYER_SIGN, &next))
        g->members[g->n++] = next;
      else if (sole_consumer_is (cc, head, BS_LAYER_BATCHNORM, &next))
        {
          g->members[g->n++] = next;
          if (sole_consumer_is (cc, next, BS_LAYER_SIGN, &next))
            g->members[g->n++] = next;
        }
      break;
    case BS_LAYER_CONV_FIXED:
    case BS_LAYER_FC_FIXED:
    case BS_LAYER_ADD:
      if (sole_consumer_is (cc, head, BS_LAYER_BATCHNORM, &next))
        g->members[g->n++] = next;
      break;
    default:
      break;
    }
}

static void
form_groups (Compiler *cc)
{
  int n = bs_model_n_layers (cc->model);
  g_autofree gboolean *absorbed = g_new0 (gboolean, n);

  for (int i = 0; i < n; i++)
    cc->emit_at[i] = -1;
  for (int i = 0; i < n; i++)
    {
      Group *g = &cc->groups[i];

      if (absorbed[i])
        continue;
      form_group (cc, i, g);
      for (int k = 1; k < g->n; k++)
        absorbed[g->members[k]] = TRUE;
      cc->emit_at[g->members[g->n - 1]] = i;
    }
}

/* Pass 2: emitting ops */

static BsPlanOp
op_init (BsPlanOpKind kind, const Group *g)
{
  BsPlanOp op = { 0 };

  op.kind = kind;
  op.n_layers = g->n;
  op.first = op.last = op.primary = g->members[0];
  for (int k = 0; k < g->n; k++)
    {
      op.layers[k] = g->members[k];
      op.first = MIN (op.first, g->members[k]);
      op.last = MAX (op.last, g->members[k]);
    }
  op.inputs[0] = op.inputs[1] = -1;
  op.output = -1;
  op.weights = NULL;
  op.weight_type = BS_DTYPE_U1;
  return op;
}

static int
add_buffer (Compiler *cc, BsActType type, BsShape shape, int producer)
{
  BsPlanBuffer buf = { 0 };

  buf.type = type;
  buf.shape = shape;
  buf.n_bytes = bs_plan_pixel_bytes (type, shape.c) * (uint64_t) shape.h * (uint64_t) shape.w;
  buf.reserved = align_up (buf.n_bytes, BS_PLAN_ALIGN) + BS_PLAN_SLACK;
  buf.producer = producer;
  buf.last_use = producer;
  g_array_append_val (cc->buffers, buf);
  return (int) cc->buffers->len - 1;
}

/* The model input as HWC u8, for layers other than quantize_input and thermometer
 * (which read the caller's CHW image directly). Emitted once, before its first user. */
static int
input_hwc_buffer (Compiler *cc, int user)
{
  if (cc->input_hwc < 0)
    {
      Group g = { 1, { user } };
      BsPlanOp op = op_init (BS_PLAN_OP_INPUT, &g);

      op.n_inputs = 1;
      op.inputs[0] = cc->plan->input;
      op.output = add_buffer (cc, BS_ACT_U8, cc->model->input_shape, (int) cc->ops->len);
      g_array_append_val (cc->ops, op);
      cc->input_hwc = op.output;
    }
  return cc->input_hwc;
}

/* Resolves the head layer's inputs, creates the output buffer of the group's last
 * layer and appends the op. */
static void
append_op (Compiler *cc, BsPlanOp *op, const Group *g, gboolean reads_chw_image)
{
  const BsLayer *head = layer_at (cc, g->members[0]);
  const BsLayer *last = layer_at (cc, g->members[g->n - 1]);

  op->n_inputs = head->n_inputs;
  for (int k = 0; k < head->n_inputs; k++)
    {
      int in = head->inputs[k];

      if (in >= 0)
        op->inputs[k] = cc->layer_buffer[in];
      else if (reads_chw_image)
        op->inputs[k] = cc->plan->input;
      else
        op->inputs[k] = input_hwc_buffer (cc, g->members[0]);
      g_assert (op->inputs[k] >= 0);
    }
  op->output = add_buffer (cc, last->out_type, last->out_shape, (int) cc->ops->len);
  cc->layer_buffer[g->members[g->n - 1]] = op->output;
  g_array_append_val (cc->ops, *op);
}

static BsOutTransform
raw_transform (Compiler *cc, const BsLayer *conv)
{
  BsOutTransform out = { 0 };
  const BsTensor *bias = bs_model_tensor (cc->model, conv ? conv->bias : BS_NONE);

  out.kind = BS_OUT_RAW;
  out.type = BS_ACT_I32;
  if (bias != NULL)
    {
      int32_t *b = plan_alloc (cc, sizeof (int32_t) * bias->dims[0]);

      for (int64_t o = 0; o < bias->dims[0]; o++)
        b[o] = bs_tensor_get_int (bias, o);
      out.bias = b;
    }
  return out;
}

/* Whether (acc + bias)·mul + add may be computed as acc·mul + (add + bias·mul) for
 * every int32 acc without leaving int64 (rounding included). */
static gboolean
bias_foldable (int32_t bias, int32_t mul, int64_t add, int shift, int64_t *folded)
{
  int64_t r = shift > 0 ? (int64_t) 1 << (shift - 1) : 0;
  int64_t mag, sum;

  if (__builtin_add_overflow (add, (int64_t) bias * mul, folded) || *folded == INT64_MIN)
    return FALSE;
  mag = (int64_t) G_MAXINT32 * ABS ((int64_t) mul);
  return !__builtin_add_overflow (mag, ABS (*folded), &sum)
         && !__builtin_add_overflow (sum, r, &sum);
}

/* The batchnorm `bn` as a requantisation; with `conv`, that conv's bias is folded
 * into add when no channel could overflow, and kept separate otherwise. */
static BsOutTransform
requant_transform (Compiler *cc, const BsLayer *bn, const BsLayer *conv)
{
  BsOutTransform out = { 0 };
  const BsTensor *tm = bs_model_tensor (cc->model, bn->bn_mul);
  const BsTensor *ta = bs_model_tensor (cc->model, bn->bn_add);
  const BsTensor *ts = bs_model_tensor (cc->model, bn->bn_shift);
  const BsTensor *tb = bs_model_tensor (cc->model, conv ? conv->bias : BS_NONE);
  int32_t c = bn->out_shape.c;
  int32_t *mul = plan_alloc (cc, sizeof (int32_t) * c);
  int64_t *add = plan_alloc (cc, sizeof (int64_t) * c);
  int64_t *folded = tb ? plan_alloc (cc, sizeof (int64_t) * c) : NULL;
  int32_t *shift = plan_alloc (cc, sizeof (int32_t) * c);
  gboolean foldable = TRUE;

  for (int32_t o = 0; o < c; o++)
    {
      mul[o] = bs_tensor_get_int (tm, o);
      add[o] = ((const int64_t *) ta->data)[o];
      shift[o] = bs_tensor_get_int (ts, o);
      if (tb != NULL)
        foldable &= bias_foldable (bs_tensor_get_int (tb, o), mul[o], add[o], shift[o], &folded[o]);
    }

  out.kind = BS_OUT_REQUANT;
  out.type = bn->out_type;
  out.mul = mul;
  out.add = add;
  out.shift = shift;
  out.bits = bn->out_bits;
  out.relu = bn->relu;
  if (tb != NULL && foldable)
    out.add = folded;
  else if (tb != NULL)
    out.bias = raw_transform (cc, conv).bias;
  return out;
}

void
bs_plan_fold_threshold (int64_t k, int32_t mul, int64_t add, int shift, gboolean relu,
                        int32_t *threshold, gboolean *flip)
{
  int64_t b = add + (shift > 0 ? (int64_t) 1 << (shift - 1) : 0);
  int64_t t;

  g_assert (k >= 0 && k <= G_MAXINT32);
  *flip = FALSE;
  if (relu || mul == 0)
    {
      /* relu clamps at 0, whose sign is +1; mul = 0 leaves the sign of B. */
      *threshold = relu || b >= 0 ? (int32_t) k : -1;
      return;
    }
  if (mul > 0)
    {
      /* +1 iff dot >= d = ceil(-B/mul) iff p <= floor((K - d) / 2). Clamping d to
       * [-K-2, K+2] keeps K - d in range and the answer unchanged. */
      int64_t d = CLAMP (-bs_floor_div (b, mul), -k - 2, k + 2);
      t = bs_floor_div (k - d, 2);
    }
  else
    {
      /* +1 iff dot <= e = floor(B/|mul|) iff p >= ceil((K - e) / 2); the bit is -1
       * iff p <= that - 1, i.e. NOT (p > that - 1). */
      int64_t e = CLAMP (bs_floor_div (b, -(int64_t) mul), -k - 2, k + 2);
      t = bs_ceil_div (k - e, 2) - 1;
      *flip = TRUE;
    }
  *threshold = (int32_t) CLAMP (t, -1, k);
}

static BsOutTransform
threshold_transform (Compiler *cc, const BsLayer *bn, int32_t cin, int32_t kernel, int32_t cout)
{
  BsOutTransform out = { 0 };
  int32_t taps = kernel * kernel;
  int32_t stride = (int32_t) align_up (cout, 16);
  int32_t *threshold = plan_alloc (cc, sizeof (int32_t) * stride * (taps + 1));
  uint64_t *flip = plan_alloc (cc, sizeof (uint64_t) * bs_plan_words (cout));

  for (int64_t i = 0; i < (int64_t) stride * (taps + 1); i++)
    threshold[i] = G_MAXINT32;
  for (int32_t o = 0; o < cout; o++)
    {
      /* Without a batchnorm (sign straight after the conv) the value is dot itself. */
      int32_t mul = bn ? bs_tensor_get_int (bs_model_tensor (cc->model, bn->bn_mul), o) : 1;
      int64_t add = bn ? ((const int64_t *) bs_model_tensor (cc->model, bn->bn_add)->data)[o] : 0;
      int shift = bn ? bs_tensor_get_int (bs_model_tensor (cc->model, bn->bn_shift), o) : 0;
      gboolean relu = bn ? bn->relu : FALSE;
      gboolean flipped = FALSE;

      for (int32_t t = 0; t <= taps; t++)
        bs_plan_fold_threshold ((int64_t) cin * t, mul, add, shift, relu,
                                &threshold[t * stride + o], &flipped);
      if (flipped)
        flip[o / 64] |= (uint64_t) 1 << (o % 64);
    }

  out.kind = BS_OUT_THRESHOLD;
  out.type = BS_ACT_BITS;
  out.threshold = threshold;
  out.threshold_stride = stride;
  out.flip = flip;
  return out;
}

static const void *
pack_binary_weights (Compiler *cc, const BsLayer *conv, int32_t cin, int32_t kernel)
{
  const BsTensor *w = bs_model_tensor (cc->model, conv->weights);
  const uint8_t *bytes = w->data;
  int32_t words = bs_plan_words (cin);
  int32_t cout = conv->out_channels;
  uint64_t *packed = plan_alloc (cc, sizeof (uint64_t) * cout * kernel * kernel * words);

  /* PyTorch order (Cout, Cin, k, k) to [Cout][k][k][words]; both say bit 1 = -1. */
  for (int32_t o = 0; o < cout; o++)
    for (int32_t c = 0; c < cin; c++)
      for (int32_t dy = 0; dy < kernel; dy++)
        for (int32_t dx = 0; dx < kernel; dx++)
          {
            uint64_t n = (((uint64_t) o * cin + c) * kernel + dy) * kernel + dx;
            uint64_t bit = (bytes[n / 8] >> (n % 8)) & 1;
            uint64_t at = (((uint64_t) o * kernel + dy) * kernel + dx) * words + c / 64;

            packed[at] |= bit << (c % 64);
          }
  return packed;
}

static const void *
pack_fixed_weights (Compiler *cc, const BsLayer *conv, int32_t cin, int32_t kernel,
                    BsDType *type, int32_t *tap_stride)
{
  const BsTensor *w = bs_model_tensor (cc->model, conv->weights);
  int elem = w->dtype == BS_DTYPE_I16 ? 2 : 1;
  int32_t cout = conv->out_channels;
  int32_t stride = (int32_t) align_up (cin, BS_PLAN_ALIGN / elem);
  void *packed = plan_alloc (cc, (gsize) elem * cout * kernel * kernel * stride);

  for (int32_t o = 0; o < cout; o++)
    for (int32_t c = 0; c < cin; c++)
      for (int32_t dy = 0; dy < kernel; dy++)
        for (int32_t dx = 0; dx < kernel; dx++)
          {
            uint64_t n = (((uint64_t) o * cin + c) * kernel + dy) * kernel + dx;
            uint64_t at = (((uint64_t) o * kernel + dy) * kernel + dx) * stride + c;
            int32_t v = bs_tensor_get_int (w, n);

            if (elem == 2)
              ((int16_t *) packed)[at] = (int16_t) v;
            else
              ((int8_t *) packed)[at] = (int8_t) v;
          }
  *type = elem == 2 ? BS_DTYPE_I16 : BS_DTYPE_I8;
  *tap_stride = stride;
  return packed;
}

static void
set_conv_geometry (BsPlanOp *op, const BsLayer *conv)
{
  gboolean fc = conv->kind == BS_LAYER_FC_BINARY || conv->kind == BS_LAYER_FC_FIXED;

  op->kernel = fc ? 1 : conv->kernel;
  op->stride = fc ? 1 : conv->stride;
  op->pad = fc ? 0 : conv->pad;
}

static gboolean
emit_bconv (Compiler *cc, const Group *g, GError **error)
{
  const BsLayer *conv = layer_at (cc, g->members[0]);
  const BsLayer *last = layer_at (cc, g->members[g->n - 1]);
  const BsLayer *bn = g->n > 1 && layer_at (cc, g->members[1])->kind == BS_LAYER_BATCHNORM
                      ? layer_at (cc, g->members[1]) : NULL;
  BsPlanOp op = op_init (BS_PLAN_OP_BCONV, g);
  int32_t cin = conv->in_shape[0].c;

  if (conv->in_type[0] != BS_ACT_BITS)
    {
      g_set_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID,
                   "layer %s: binary conv input is %s, not bits", conv->name,
                   bs_act_type_to_string (conv->in_type[0]));
      return FALSE;
    }
  set_conv_geometry (&op, conv);
  op.weights = pack_binary_weights (cc, conv, cin, op.kernel);
  op.weight_type = BS_DTYPE_U1;
  op.w_tap_stride = bs_plan_words (cin);
  if (last->kind == BS_LAYER_SIGN)
    op.out = threshold_transform (cc, bn, cin, op.kernel, conv->out_channels);
  else if (bn != NULL)
    op.out = requant_transform (cc, bn, NULL);
  else
    op.out = raw_transform (cc, NULL);
  append_op (cc, &op, g, FALSE);
  return TRUE;
}

static gboolean
emit_qconv (Compiler *cc, const Group *g, GError **error)
{
  const BsLayer *conv = layer_at (cc, g->members[0]);
  BsPlanOp op = op_init (BS_PLAN_OP_QCONV, g);
  BsActType in = conv->in_type[0];

  if (in != BS_ACT_I4 && in != BS_ACT_I8 && in != BS_ACT_I16 && in != BS_ACT_I32)
    {
      g_set_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID,
                   "layer %s: fixed-point conv input is %s, not i4/i8/i16/i32", conv->name,
                   bs_act_type_to_string (in));
      return FALSE;
    }
  set_conv_geometry (&op, conv);
  op.weights = pack_fixed_weights (cc, conv, conv->in_shape[0].c, op.kernel,
                                   &op.weight_type, &op.w_tap_stride);
  if (g->n > 1)
    op.out = requant_transform (cc, layer_at (cc, g->members[1]), conv);
  else
    op.out = raw_transform (cc, conv);
  append_op (cc, &op, g, FALSE);
  return TRUE;
}

static BsPlanOpKind
simple_op_kind (BsLayerKind kind)
{
  switch (kind)
    {
    case BS_LAYER_QUANTIZE_INPUT: return BS_PLAN_OP_QUANTIZE_INPUT;
    case BS_LAYER_THERMOMETER: return BS_PLAN_OP_THERMOMETER;
    case BS_LAYER_SIGN: return BS_PLAN_OP_SIGN;
    case BS_LAYER_ADD: return BS_PLAN_OP_ADD;
    case BS_LAYER_BATCHNORM: return BS_PLAN_OP_BATCHNORM;
    case BS_LAYER_AVGPOOL: return BS_PLAN_OP_AVGPOOL;
    case BS_LAYER_GLOBAL_AVGPOOL: return BS_PLAN_OP_GLOBAL_AVGPOOL;
    case BS_LAYER_CONCAT: return BS_PLAN_OP_CONCAT;
    case BS_LAYER_TRANSPOSE: return BS_PLAN_OP_TRANSPOSE;
    case BS_LAYER_CONV_FIXED:
    case BS_LAYER_CONV_BINARY:
    case BS_LAYER_FC_FIXED:
    case BS_LAYER_FC_BINARY:
    case BS_LAYER_N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
emit_simple (Compiler *cc, const Group *g, GError **error)
{
  const BsLayer *head = layer_at (cc, g->members[0]);
  BsPlanOp op = op_init (simple_op_kind (head->kind), g);
  gboolean reads_image = op.kind == BS_PLAN_OP_QUANTIZE_INPUT || op.kind == BS_PLAN_OP_THERMOMETER;

  if ((op.kind == BS_PLAN_OP_AVGPOOL || op.kind == BS_PLAN_OP_GLOBAL_AVGPOOL)
      && head->in_type[0] == BS_ACT_BITS)
    {
      g_set_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID,
                   "layer %s: pooling of bits is not defined", head->name);
      return FALSE;
    }
  op.kernel = head->kernel;
  op.stride = head->stride;
  op.levels = head->levels;
  if (op.kind == BS_PLAN_OP_BATCHNORM)
    op.out = requant_transform (cc, head, NULL);
  else if (op.kind == BS_PLAN_OP_ADD && g->n > 1)
    op.out = requant_transform (cc, layer_at (cc, g->members[1]), NULL);
  else if (op.kind == BS_PLAN_OP_ADD)
    op.out = raw_transform (cc, NULL);
  append_op (cc, &op, g, reads_image);
  return TRUE;
}

static gboolean
emit_group (Compiler *cc, const Group *g, GError **error)
{
  switch (layer_at (cc, g->members[0])->kind)
    {
    case BS_LAYER_CONV_BINARY:
    case BS_LAYER_FC_BINARY:
      return emit_bconv (cc, g, error);
    case BS_LAYER_CONV_FIXED:
    case BS_LAYER_FC_FIXED:
      return emit_qconv (cc, g, error);
    case BS_LAYER_QUANTIZE_INPUT:
    case BS_LAYER_THERMOMETER:
    case BS_LAYER_BATCHNORM:
    case BS_LAYER_SIGN:
    case BS_LAYER_ADD:
    case BS_LAYER_AVGPOOL:
    case BS_LAYER_GLOBAL_AVGPOOL:
    case BS_LAYER_CONCAT:
    case BS_LAYER_TRANSPOSE:
      return emit_simple (cc, g, error);
    case BS_LAYER_N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

/* Pass 3: buffers */

static void
compute_liveness (BsPlan *plan)
{
  for (int i = 0; i < plan->n_ops; i++)
    for (int k = 0; k < plan->ops[i].n_inputs; k++)
      {
        BsPlanBuffer *buf = &plan->buffers[plan->ops[i].inputs[k]];
        buf->last_use = MAX (buf->last_use, i);
      }
  plan->buffers[plan->output].last_use = plan->n_ops;
}

/* First fit among the live buffers (sorted by offset). */
static void
place_buffer (BsPlan *plan, GArray *live, int b)
{
  BsPlanBuffer *buf = &plan->buffers[b];
  uint64_t at = 0;
  guint pos;

  for (pos = 0; pos < live->len; pos++)
    {
      const BsPlanBuffer *other = &plan->buffers[g_array_index (live, int, pos)];

      if (at + buf->reserved <= other->offset)
        break;
      at = MAX (at, other->offset + other->reserved);
    }
  buf->offset = at;
  g_array_insert_val (live, pos, b);
  plan->arena_size = MAX (plan->arena_size, at + buf->reserved);
}

static void
assign_offsets (BsPlan *plan)
{
  g_autoptr (GArray) live = g_array_new (FALSE, FALSE, sizeof (int));

  compute_liveness (plan);
  for (int i = 0; i < plan->n_ops; i++)
    {
      /* The output is placed while the inputs are still live, so never over them. */
      place_buffer (plan, live, plan->ops[i].output);
      for (guint pos = 0; pos < live->len;)
        if (plan->buffers[g_array_index (live, int, pos)].last_use == i)
          g_array_remove_index (live, pos);
        else
          pos++;
    }
}

/* Driver */

static void
compiler_init (Compiler *cc, const BsModel *model, BsPlan *plan)
{
  int n = bs_model_n_layers (model);

  cc->model = model;
  cc->plan = plan;
  cc->ops = g_array_new (FALSE, TRUE, sizeof (BsPlanOp));
  cc->buffers = g_array_new (FALSE, TRUE, sizeof (BsPlanBuffer));
  cc->uses = g_new0 (int, n);
  cc->consumer = g_new0 (int, n);
  cc->groups = g_new0 (Group, n);
  cc->emit_at = g_new0 (int, n);
  cc->layer_buffer = g_new (int, n);
  for (int i = 0; i < n; i++)
    cc->layer_buffer[i] = -1;
  cc->input_hwc = -1;
}

static void
compiler_clear (Compiler *cc)
{
  if (cc->ops != NULL)
    g_array_unref (cc->ops);
  if (cc->buffers != NULL)
    g_array_unref (cc->buffers);
  g_free (cc->uses);
  g_free (cc->consumer);
  g_free (cc->groups);
  g_free (cc->emit_at);
  g_free (cc->layer_buffer);
}

static gboolean
emit_all (Compiler *cc, GError **error)
{
  BsPlan *plan = cc->plan;
  int n = bs_model_n_layers (cc->model);

  plan->input = add_buffer (cc, BS_ACT_U8, cc->model->input_shape, -1);
  g_array_index (cc->buffers, BsPlanBuffer, plan->input).is_input = TRUE;
  count_uses (cc);
  form_groups (cc);
  for (int i = 0; i < n; i++)
    if (cc->emit_at[i] >= 0 && !emit_group (cc, &cc->groups[cc->emit_at[i]], error))
      return FALSE;
  plan->output = cc->layer_buffer[n - 1];
  g_assert (plan->output >= 0);

  plan->n_ops = (int) cc->ops->len;
  plan->ops = (BsPlanOp *) (void *) g_array_free (g_steal_pointer (&cc->ops), FALSE);
  plan->n_buffers = (int) cc->buffers->len;
  plan->buffers = (BsPlanBuffer *) (void *) g_array_free (g_steal_pointer (&cc->buffers), FALSE);
  return TRUE;
}

BsPlan *
bs_plan_compile (const BsModel *model, GError **error)
{
  BsPlan *plan;
  Compiler cc = { 0 };
  gboolean ok;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (bs_model_n_layers (model) > 0, NULL);

  plan = g_new0 (BsPlan, 1);
  plan->model = model;
  plan->owned = g_ptr_array_new_with_free_func (g_aligned_free);
  compiler_init (&cc, model, plan);
  ok = emit_all (&cc, error);
  compiler_clear (&cc);
  if (!ok)
    {
      bs_plan_free (plan);
      return NULL;
    }
  assign_offsets (plan);
  return plan;
}

void
bs_plan_free (BsPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->ops);
  g_free (plan->buffers);
  g_ptr_array_unref (plan->owned);
  g_free (plan);
}

const char *
bs_plan_op_name (const BsPlan *plan, int op)
{
  g_return_val_if_fail (op >= 0 && op < plan->n_ops, NULL);
  return bs_model_layer (plan->model, plan->ops[op].primary)->name;
}

void
bs_plan_buffer_to_chw (const BsPlan *plan, int buffer, const void *data, int32_t *chw)
{
  const BsPlanBuffer *buf = &plan->buffers[buffer];
  uint64_t hw = (uint64_t) buf->shape.h * buf->shape.w;

  for (int32_t c = 0; c < buf->shape.c; c++)
    for (uint64_t px = 0; px < hw; px++)
      chw[c * hw + px] = buf->is_input ? ((const uint8_t *) data)[c * hw + px]
                                       : bs_plan_load (data, buf->type, buf->shape.c, px, c);
}

/* Debug listing */

static const char *
out_kind_name (const BsPlanOp *op)
{
  if (op->kind != BS_PLAN_OP_BCONV && op->kind != BS_PLAN_OP_QCONV
      && op->kind != BS_PLAN_OP_ADD && op->kind != BS_PLAN_OP_BATCHNORM)
    return "";
  switch (op->out.kind)
    {
    case BS_OUT_RAW: return op->out.bias ? " raw+bias" : " raw";
    case BS_OUT_REQUANT: return op->out.bias ? " requant+bias" : " requant";
    case BS_OUT_THRESHOLD: return " threshold";
    default: return " ?";
    }
}

static void
describe_buffer (GString *s, const BsPlan *plan, int b)
{
  const BsPlanBuffer *buf = &plan->buffers[b];

  g_string_append_printf (s, "#%d %s %dx%dx%d", b, bs_act_type_to_string (buf->type),
                          buf->shape.c, buf->shape.h, buf->shape.w);
}

GString *
bs_plan_describe (const BsPlan *plan)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "plan %s: %d ops, %d buffers, arena %" G_GUINT64_FORMAT " bytes\n",
                          plan->model->name, plan->n_ops, plan->n_buffers, plan->arena_size);
  for (int i = 0; i < plan->n_ops; i++)
    {
      const BsPlanOp *op = &plan->ops[i];

      g_string_append_printf (s, "%3d %-14s ", i, bs_plan_op_kind_to_string (op->kind));
      for (int k = 0; k < op->n_layers; k++)
        g_string_append_printf (s, "%s%s", k ? "+" : "", bs_model_layer (plan->model, op->layers[k])->name);
      g_string_append (s, "  (");
      for (int k = 0; k < op->n_inputs; k++)
        {
          g_string_append (s, k ? ", " : "");
          describe_buffer (s, plan, op->inputs[k]);
        }
      g_string_append (s, ") -> ");
      describe_buffer (s, plan, op->output);
      if (op->kind == BS_PLAN_OP_BCONV || op->kind == BS_PLAN_OP_QCONV)
        g_string_append_printf (s, " k%d s%d p%d w:%s", op->kernel, op->stride, op->pad,
                                bs_dtype_to_string (op->weight_type));
      g_string_append_printf (s, "%s\n", out_kind_name (op));
    }
  for (int b = 0; b < plan->n_buffers; b++)
    {
      const BsPlanBuffer *buf = &plan->buffers[b];

      g_string_append (s, "    ");
      describe_buffer (s, plan, b);
      if (buf->is_input)
        g_string_append_printf (s, " model input (CHW, caller's)\n");
      else
        g_string_append_printf (s, " @%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " bytes, ops %d..%d\n",
                                buf->offset, buf->n_bytes, buf->producer, buf->last_use);
    }
  return s;
}
