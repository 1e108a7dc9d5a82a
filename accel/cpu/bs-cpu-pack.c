/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-pack.c: building the layouts of bs-cpu-pack.h from a plan. Portable C, run
 * once per op at prepare; the kernels that read these live in bs-*-avx2.c and
 * bs-*-avx512.c. */
#include "bs-cpu-pack.h"

#include <string.h>

static gsize
align64 (gsize n)
{
  return (n + 63) / 64 * 64;
}

/* Hands out 64-byte aligned pieces of one allocation. */
typedef struct
{
  uint8_t *base;
  gsize used;
} Carver;

static void *
carve (Carver *c, gsize n)
{
  void *p = c->base + c->used;

  c->used += align64 (n);
  return p;
}

static int32_t
pad16 (int32_t n)
{
  return (n + BS_CPU_CHUNK - 1) / BS_CPU_CHUNK * BS_CPU_CHUNK;
}

static int64_t
type_max_abs (BsActType type)
{
  switch (type)
    {
    case BS_ACT_I4: return 8;
    case BS_ACT_I8: return 128;
    case BS_ACT_I16: return 32768;
    case BS_ACT_U8: return 255;
    case BS_ACT_BITS: return 1;
    case BS_ACT_I32:
    default: return (int64_t) 1 << 31;
    }
}

/* Output transforms */

static gsize
req_bytes (const BsOutTransform *out, int32_t cout)
{
  int32_t cpad = pad16 (cout);
  gsize n = 0;

  if (out->bias != NULL)
    n += align64 (sizeof (int32_t) * cpad);
  if (out->kind == BS_OUT_REQUANT)
    n += align64 (sizeof (BsCpuReqChunk) * (cpad / BS_CPU_CHUNK));
  return n;
}

/* The requantised (unsaturated) values of accumulators -xmax and xmax of channel o,
 * in 128 bits: the bound may be loose. Monotonic in x, so these are the extremes. */
static void
req_range (const BsOutTransform *out, int32_t o, int64_t xmax, __int128 *lo, __int128 *hi)
{
  __int128 v[2];

  for (int i = 0; i < 2; i++)
    {
      int s = out->shift[o];

      v[i] = (__int128) (i ? xmax : -xmax) + (out->bias ? out->bias[o] : 0);
      v[i] = v[i] * out->mul[o] + out->add[o];
      if (s > 0)
        v[i] = (v[i] + ((__int128) 1 << (s - 1))) >> s;
    }
  *lo = MIN (v[0], v[1]);
  *hi = MAX (v[0], v[1]);
}

/* xmax: per output channel, a bound on |accumulator| (before the bias). */
static void
req_init (BsCpuReq *req, Carver *c, const BsOutTransform *out, int32_t cout,
          const int64_t *xmax)
{
  int32_t cpad = pad16 (cout);

  memset (req, 0, sizeof *req);
  req->kind = out->kind;
  req->type = out->type;
  req->n_chunks = cpad / BS_CPU_CHUNK;
  g_assert (out->kind == BS_OUT_RAW || out->kind == BS_OUT_REQUANT);
  if (out->bias != NULL)
    {
      int32_t *bias = carve (c, sizeof (int32_t) * cpad);

      memcpy (bias, out->bias, sizeof (int32_t) * cout);
      req->bias = bias;
    }
  if (out->kind != BS_OUT_REQUANT)
    return;

  req->hi = (int32_t) (((int64_t) 1 << (out->bits - 1)) - 1);
  req->lo = out->relu ? 0 : (int32_t) -((int64_t) 1 << (out->bits - 1));
  {
    BsCpuReqChunk *chunks = carve (c, sizeof (BsCpuReqChunk) * req->n_chunks);
    gboolean saturates = FALSE;
    /* Signed-saturating narrowing stores give the saturation of full-range int8 and
     * int16 (and int32 is the full range). */
    gboolean store_saturates = !out->relu && out->bits != 4;

    for (int32_t o = 0; o < cout; o++)
      {
        BsCpuReqChunk *ch = &chunks[o / BS_CPU_CHUNK];
        int e = o % 2, lane = o % BS_CPU_CHUNK / 2;
        int s = out->shift[o];
        __int128 lo, hi;

        ch->mul[e][lane] = out->mul[o];
        ch->add[e][lane] = out->add[o] + (s > 0 ? (int64_t) 1 << (s - 1) : 0);
        ch->shift[e][lane] = s;
        ch->up[e][lane] = MAX (0, 32 - s);
        ch->down[o % BS_CPU_CHUNK] = MAX (0, s - 32);
        req_range (out, o, xmax[o], &lo, &hi);
        req->wide |= lo < G_MININT32 || hi > G_MAXINT32;
        saturates |= lo < req->lo || hi > req->hi;
      }
    req->clamp32 = saturates && !req->wide && !store_saturates;
    req->chunks = chunks;
  }
}

/* Binary conv */

/* [lo, hi): the outputs along one axis whose window is entirely inside the input. */
static void
interior (int32_t out_size, int32_t in_size, const BsPlanOp *op, int32_t *lo, int32_t *hi)
{
  *lo = out_size;
  *hi = 0;
  for (int32_t i = 0; i < out_size; i++)
    if (i * op->stride - op->pad >= 0 && i * op->stride - op->pad + op->kernel <= in_size)
      {
        *lo = MIN (*lo, i);
        *hi = i + 1;
      }
  if (*hi < *lo)
    *hi = *lo;
}

void *
bs_cpu_bconv_pack (const BsPlan *plan, const BsPlanOp *op)
{
  const BsPlanBuffer *in = &plan->buffers[op->inputs[0]];
  const BsPlanBuffer *out = &plan->buffers[op->output];
  const uint64_t *pw = op->weights;
  int32_t cin = in->shape.c, cout = out->shape.c, cpad = pad16 (cout);
  int32_t k = op->kernel, taps = k * k, words = op->w_tap_stride;
  int32_t nb = (cin + 7) / 8;
  int32_t run = k * nb;
  /* Columns where segments would waste words, for runs of a few bytes (the columns
   * cost a copy per output row). */
  gboolean columns = k > 1 && nb <= 2 && (k * run + 3) / 4 < k * ((run + 3) / 4);
  int32_t n_seg = columns ? 1 : k;
  int32_t kds = columns ? (k * run + 3) / 4 : (run + 3) / 4, kd = n_seg * kds;
  int32_t seg = columns ? k * run : run;
  gboolean has_req = op->out.kind != BS_OUT_THRESHOLD;
  gsize rect = (gsize) (k + 1) * (k + 1) * cpad;
  gsize size = align64 (sizeof (BsCpuBconvPacked)) + align64 ((gsize) kd * cpad * 4)
               + align64 (rect * 4) + (has_req ? req_bytes (&op->out, cout) : 0);
  Carver c = { g_aligned_alloc0 (1, size, 64), 0 };
  BsCpuBconvPacked *pk = carve (&c, sizeof *pk);
  uint32_t *w = carve (&c, (gsize) kd * cpad * 4);
  int32_t *wrect = carve (&c, rect * 4);
  g_autofree uint8_t *window = g_malloc0 ((gsize) kd * 4);

  pk->cin = cin;
  pk->cout = cout;
  pk->cpad = cpad;
  pk->kernel = k;
  pk->stride = op->stride;
  pk->pad = op->pad;
  pk->nb = nb;
  pk->columns = columns;
  pk->n_seg = n_seg;
  pk->kds = kds;
  pk->kd = kd;
  pk->direct = k == 1;
  /* Direct: the bytes past nb in a pixel's words are its unused, zero bits. */
  pk->seg_mask = pk->direct || seg % 4 == 0 ? ~0u : (1u << (8 * (seg % 4))) - 1;
  pk->fallback = !pk->direct
                 && bs_cpu_conv_scratch (k, in->shape.w, op->pad, nb, columns) > BS_CPU_SCRATCH;
  pk->w = w;
  pk->wrect = wrect;
  interior (out->shape.w, in->shape.w, op, &pk->x_lo, &pk->x_hi);
  interior (out->shape.h, in->shape.h, op, &pk->y_lo, &pk->y_hi);

  /* A channel's taps, [k][k][words] in the plan: tap (dy, dx) goes to bytes
   * [dx · nb, dx · nb + nb) of segment dy, or with columns to bytes
   * [(dx · k + dy) · nb, ... + nb) of the one segment (bits past cin are 0, so only
   * the first nb bytes of a tap carry any). */
  for (int32_t o = 0; o < cout; o++)
    {
      memset (window, 0, (gsize) kd * 4);
      for (int32_t t = 0; t < taps; t++)
        {
          const uint64_t *tw = pw + ((gsize) o * taps + t) * words;
          int32_t pop = 0;

          if (columns)
            memcpy (window + (gsize) ((t % k) * k + t / k) * nb, tw, nb);
          else
            memcpy (window + (gsize) (t / k) * kds * 4 + (gsize) (t % k) * nb, tw, nb);
          for (int32_t j = 0; j < words; j++)
            pop += __builtin_popcountll (tw[j]);
          /* Every prefix rectangle that contains tap (t / k, t % k). */
          for (int32_t dy = t / k + 1; dy <= k; dy++)
            for (int32_t dx = t % k + 1; dx <= k; dx++)
              wrect[((gsize) dy * (k + 1) + dx) * cpad + o] += pop;
        }
      for (int32_t j = 0; j < kd; j++)
        memcpy (&w[(gsize) j * cpad + o], window + (gsize) j * 4, 4);
    }

  if (has_req)
    {
      g_autofree int64_t *xmax = g_new (int64_t, MAX (cout, 1));

      for (int32_t o = 0; o < cout; o++)
        xmax[o] = (int64_t) cin * taps;
      req_init (&pk->req, &c, &op->out, cout, xmax);
    }
  g_assert (c.used <= size);
  return pk;
}

/* Fixed-point conv */

static int32_t
qconv_weight (const BsPlanOp *op, int32_t o, int32_t t, int32_t c, int32_t taps)
{
  gsize i = ((gsize) o * taps + t) * op->w_tap_stride + c;

  return op->weight_type == BS_DTYPE_I16 ? ((const int16_t *) op->weights)[i]
                                         : ((const int8_t *) op->weights)[i];
}

static void *
qconv_pack (const BsPlan *plan, const BsPlanOp *op, BsCpuQconvLayout layout)
{
  const BsPlanBuffer *in = &plan->buffers[op->inputs[0]];
  const BsPlanBuffer *out = &plan->buffers[op->output];
  int32_t cin = in->shape.c, cout = out->shape.c, cpad = pad16 (cout);
  int32_t k = op->kernel, taps = k * k;
  int32_t in_elem = bs_plan_elem_size (in->type);
  int32_t elem = layout == BS_CPU_QUAD8 ? 1 : 2;
  int32_t per_word = 4 / elem;
  int32_t kds = (k * cin + per_word - 1) / per_word, kd = k * kds;
  gsize w_bytes = (gsize) kd * cpad * 4;
  gsize size = align64 (sizeof (BsCpuQconvPacked)) + align64 (w_bytes)
               + align64 ((gsize) cpad * 4) + req_bytes (&op->out, cout);
  Carver c = { g_aligned_alloc0 (1, size, 64), 0 };
  BsCpuQconvPacked *pk = carve (&c, sizeof *pk);
  void *w = carve (&c, w_bytes);
  int32_t *wsum = carve (&c, (gsize) cpad * 4);
  g_autofree int64_t *xmax = g_new0 (int64_t, MAX (cout, 1));

  g_assert (in_elem == 1 || in_elem == 2);
  pk->layout = layout;
  pk->cin = cin;
  pk->cout = cout;
  pk->cpad = cpad;
  pk->kernel = k;
  pk->stride = op->stride;
  pk->pad = op->pad;
  pk->in_elem = in_elem;
  pk->elem = elem;
  pk->nb = cin * elem;
  pk->kds = kds;
  pk->kd = kd;
  /* QUAD8 reads dense rows of x + 128 even for 1x1 (bs-cpu-conv.h). */
  pk->direct = k == 1 && in_elem == elem && layout == BS_CPU_PAIR16;
  /* 1x1 of stride 1 fills its dense copies in pieces: any width fits. */
  pk->fallback = !pk->direct
                 && (k == 1 && op->stride == 1
                     ? pk->nb > BS_CPU_SCRATCH / 2
                     : bs_cpu_conv_scratch (k, in->shape.w, op->pad, pk->nb, FALSE) > BS_CPU_SCRATCH);
  pk->w = w;
  pk->wsum = wsum;

  for (int32_t o = 0; o < cout; o++)
    {
      int64_t sum = 0, abs_sum = 0;

      for (int32_t t = 0; t < taps; t++)
        for (int32_t ch = 0; ch < cin; ch++)
          {
            int32_t v = qconv_weight (op, o, t, ch, taps);
            /* Element (t % k) · cin + ch of segment t / k. */
            gsize e = (gsize) (t % k) * cin + ch;
            gsize word = (gsize) (t / k) * kds + e / per_word;
            gsize at = (word * cpad + o) * per_word + e % per_word;

            if (layout == BS_CPU_QUAD8)
              ((int8_t *) w)[at] = (int8_t) v;
            else
              ((int16_t *) w)[at] = (int16_t) v;
            sum += v;
            abs_sum += ABS (v);
          }
      /* Validation keeps 128 · Σ|w| within int32 for int8 inputs. */
      wsum[o] = (int32_t) (128 * sum);
      xmax[o] = abs_sum * type_max_abs (in->type);
    }
  req_init (&pk->req, &c, &op->out, cout, xmax);
  g_assert (c.used <= size);
  return pk;
}

void *
bs_cpu_qconv_pack_quad8 (const BsPlan *plan, const BsPlanOp *op)
{
  return qconv_pack (plan, op, BS_CPU_QUAD8);
}

void *
bs_cpu_qconv_pack_pair16 (const BsPlan *plan, const BsPlanOp *op)
{
  return qconv_pack (plan, op, BS_CPU_PAIR16);
}

/* Value ranges */

static int64_t
type_min (BsActType type)
{
  return type == BS_ACT_U8 || type == BS_ACT_BITS ? (type == BS_ACT_BITS ? -1 : 0) : -type_max_abs (type);
}

static int64_t
type_max (BsActType type)
{
  return type == BS_ACT_U8 ? 255 : type == BS_ACT_BITS ? 1 : type_max_abs (type) - 1;
}

/* Bounds on every value of buffer b: from its producer where that is a conv (its
 * accumulators' bounds through its transform), else its type's. */
static void
buffer_range (const BsPlan *plan, int b, int64_t *lo, int64_t *hi)
{
  const BsPlanBuffer *buf = &plan->buffers[b];
  const BsPlanOp *op = buf->producer >= 0 ? &plan->ops[buf->producer] : NULL;
  int32_t cout = buf->shape.c;

  *lo = type_min (buf->type);
  *hi = type_max (buf->type);
  if (op == NULL || (op->kind != BS_PLAN_OP_BCONV && op->kind != BS_PLAN_OP_QCONV)
      || op->out.kind == BS_OUT_THRESHOLD)
    return;
  {
    const BsPlanBuffer *in = &plan->buffers[op->inputs[0]];
    int32_t taps = op->kernel * op->kernel;
    __int128 rlo = 0, rhi = 0;

    for (int32_t o = 0; o < cout; o++)
      {
        int64_t xmax;
        __int128 vlo, vhi;

        if (op->kind == BS_PLAN_OP_BCONV)
          xmax = (int64_t) in->shape.c * taps;
        else
          {
            int64_t abs_sum = 0;

            for (int32_t t = 0; t < taps; t++)
              for (int32_t ch = 0; ch < in->shape.c; ch++)
                abs_sum += ABS (qconv_weight (op, o, t, ch, taps));
            xmax = abs_sum * type_max_abs (in->type);
          }
        if (op->out.kind == BS_OUT_REQUANT)
          req_range (&op->out, o, xmax, &vlo, &vhi);
        else
          {
            vlo = -(__int128) xmax + (op->out.bias ? op->out.bias[o] : 0);
            vhi = (__int128) xmax + (op->out.bias ? op->out.bias[o] : 0);
          }
        rlo = o == 0 ? vlo : MIN (rlo, vlo);
        rhi = o == 0 ? vhi : MAX (rhi, vhi);
      }
    /* The transform saturates to the type: the bounds only tighten. */
    *lo = (int64_t) MAX (rlo, (__int128) *lo);
    *hi = (int64_t) MIN (rhi, (__int128) *hi);
  }
}

/* Add and batchnorm */

void *
bs_cpu_req_pack (const BsPlan *plan, const BsPlanOp *op)
{
  const BsPlanBuffer *out = &plan->buffers[op->output];
  int32_t cout = out->shape.c;
  gsize size = align64 (sizeof (BsCpuReqPacked)) + req_bytes (&op->out, cout);
  Carver c = { g_aligned_alloc0 (1, size, 64), 0 };
  BsCpuReqPacked *pk = carve (&c, sizeof *pk);
  g_autofree int64_t *xmax = g_new (int64_t, MAX (cout, 1));
  int64_t lo, hi, bound;

  buffer_range (plan, op->inputs[0], &lo, &hi);
  bound = MAX (-lo, hi);
  if (op->kind == BS_PLAN_OP_ADD)
    {
      /* sat32 (a + b): exact when the inputs' bounds keep the sum in int32; else the
       * sum spans int32. */
      buffer_range (plan, op->inputs[1], &lo, &hi);
      bound += MAX (-lo, hi);
      pk->exact_sum = bound <= G_MAXINT32;
      if (!pk->exact_sum)
        bound = (int64_t) 1 << 31;
    }
  for (int32_t o = 0; o < cout; o++)
    xmax[o] = bound;
  req_init (&pk->req, &c, &op->out, cout, xmax);
  g_assert (c.used <= size);
  return pk;
}
