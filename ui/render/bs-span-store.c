/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-span-store.c: two rings (spans, inference starts) and a growing bucket array. */
#include "bs-span-store.h"

#include <string.h>

struct _BsSpanStore
{
  BsSpan *spans;
  gsize mask;              /* capacity − 1 */
  uint64_t n_spans;        /* appended since clear */

  int64_t *starts;
  int64_t *ends;
  gsize starts_mask;
  uint64_t n_starts;

  /* The op → (group, precision) map, and per kept inference n_groups × 2 busy sums. */
  int n_ops;
  int *op_group;
  guint8 *op_binary;
  int n_groups;
  float *busy;

  int64_t t0;
  GArray *buckets;         /* guint32 */
};

static gsize
round_up_pow2 (gsize n)
{
  gsize p = 1;

  while (p < n)
    p <<= 1;
  return p;
}

BsSpanStore *
bs_span_store_new (gsize capacity)
{
  BsSpanStore *self = g_new0 (BsSpanStore, 1);
  gsize cap = round_up_pow2 (MAX (capacity, 16));
  /* Inferences are kept longer than their spans: the zoomed-out timeline draws from
   * their sums. */
  gsize starts = round_up_pow2 (MAX (cap / 8, 16));

  self->spans = g_new (BsSpan, cap);
  self->mask = cap - 1;
  self->starts = g_new (int64_t, starts);
  self->ends = g_new (int64_t, starts);
  self->starts_mask = starts - 1;
  self->buckets = g_array_new (FALSE, TRUE, sizeof (guint32));
  return self;
}

void
bs_span_store_free (BsSpanStore *self)
{
  if (self == NULL)
    return;
  g_free (self->spans);
  g_free (self->starts);
  g_free (self->ends);
  g_free (self->op_group);
  g_free (self->op_binary);
  g_free (self->busy);
  g_array_unref (self->buckets);
  g_free (self);
}

void
bs_span_store_clear (BsSpanStore *self, int64_t t0_ns, const BsOpTable *ops)
{
  g_clear_pointer (&self->op_group, g_free);
  g_clear_pointer (&self->op_binary, g_free);
  g_clear_pointer (&self->busy, g_free);
  self->n_ops = 0;
  self->n_groups = 0;
  if (ops != NULL && ops->n_groups > 0)
    {
      self->n_ops = ops->n_ops;
      self->n_groups = ops->n_groups;
      self->op_group = g_new (int, ops->n_ops);
      self->op_binary = g_new (guint8, ops->n_ops);
      for (int o = 0; o < ops->n_ops; o++)
        {
          self->op_group[o] = ops->ops[o].group;
          self->op_binary[o] = ops->ops[o].precision == BS_PRECISION_BINARY;
        }
      self->busy = g_new0 (float, (self->starts_mask + 1) * self->n_groups * 2);
    }
  self->n_spans = 0;
  self->n_starts = 0;
  self->t0 = t0_ns;
  g_array_set_size (self->buckets, 0);
}

void
bs_span_store_append_inference (BsSpanStore *self, const BsLayerEvent *events, int n)
{
  int64_t start = INT64_MAX, end = INT64_MIN;
  int64_t last_start;
  float *busy = NULL;

  if (n <= 0)
    return;
  if (self->busy != NULL)
    {
      busy = self->busy + (self->n_starts & self->starts_mask) * self->n_groups * 2;
      memset (busy, 0, sizeof (float) * self->n_groups * 2);
    }
  last_start = self->n_spans > 0 ? self->spans[(self->n_spans - 1) & self->mask].t_start_ns
                                 : INT64_MIN;
  for (int i = 0; i < n; i++)
    {
      const BsLayerEvent *e = &events[i];
      BsSpan *s = &self->spans[self->n_spans & self->mask];
      int64_t d = e->t_end_ns - e->t_start_ns;

      /* Keep start times ordered for the search even if a backend reports ops out of
       * order or a clock steps. */
      s->t_start_ns = MAX (e->t_start_ns, last_start);
      s->duration_ns = (uint32_t) CLAMP (d, 0, (int64_t) G_MAXUINT32);
      s->op = (uint16_t) CLAMP (e->op, 0, G_MAXUINT16);
      s->clock = (uint16_t) e->clock;
      s->inference = e->inference;
      last_start = s->t_start_ns;
      start = MIN (start, e->t_start_ns);
      end = MAX (end, e->t_end_ns);
      if (busy != NULL && e->op >= 0 && e->op < self->n_ops)
        busy[self->op_group[e->op] * 2 + (self->op_binary[e->op] ? 0 : 1)] += (float) MAX (d, 0);
      self->n_spans++;
    }

  if (self->n_starts > 0)
    start = MAX (start, self->starts[(self->n_starts - 1) & self->starts_mask]);
  self->starts[self->n_starts & self->starts_mask] = start;
  self->ends[self->n_starts & self->starts_mask] = MAX (end, start);
  self->n_starts++;

  if (start >= self->t0)
    {
      guint b = (guint) ((start - self->t0) / BS_SPAN_BUCKET_NS);
      if (b >= self->buckets->len)
        g_array_set_size (self->buckets, b + 1);
      g_array_index (self->buckets, guint32, b)++;
    }
}

gsize
bs_span_store_get_n (const BsSpanStore *self)
{
  return (gsize) MIN (self->n_spans, (uint64_t) self->mask + 1);
}

uint64_t
bs_span_store_get_n_total (const BsSpanStore *self)
{
  return self->n_spans;
}

const BsSpan *
bs_span_store_get (const BsSpanStore *self, gsize i)
{
  uint64_t first = self->n_spans - bs_span_store_get_n (self);

  return &self->spans[(first + i) & self->mask];
}

gsize
bs_span_store_find (const BsSpanStore *self, int64_t t_ns)
{
  gsize lo = 0, hi = bs_span_store_get_n (self);

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (bs_span_store_get (self, mid)->t_start_ns < t_ns)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* The span before may still be running at t_ns. */
  while (lo > 0)
    {
      const BsSpan *s = bs_span_store_get (self, lo - 1);
      if (s->t_start_ns + s->duration_ns <= t_ns)
        break;
      lo--;
    }
  return lo;
}

int64_t
bs_span_store_get_kept_from (const BsSpanStore *self)
{
  return bs_span_store_get_n (self) > 0 ? bs_span_store_get (self, 0)->t_start_ns : INT64_MAX;
}

gsize
bs_span_store_get_n_inferences (const BsSpanStore *self)
{
  return (gsize) MIN (self->n_starts, (uint64_t) self->starts_mask + 1);
}

int64_t
bs_span_store_get_inference_start (const BsSpanStore *self, gsize i)
{
  uint64_t first = self->n_starts - bs_span_store_get_n_inferences (self);

  return self->starts[(first + i) & self->starts_mask];
}

gsize
bs_span_store_find_inference (const BsSpanStore *self, int64_t t_ns)
{
  gsize lo = 0, hi = bs_span_store_get_n_inferences (self);

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (bs_span_store_get_inference_start (self, mid) < t_ns)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

int64_t
bs_span_store_get_inferences_kept_from (const BsSpanStore *self)
{
  if (self->n_starts <= (uint64_t) self->starts_mask + 1)
    return INT64_MIN;
  return bs_span_store_get_inference_start (self, 0);
}

int64_t
bs_span_store_get_inference_end (const BsSpanStore *self, gsize i)
{
  uint64_t first = self->n_starts - bs_span_store_get_n_inferences (self);

  return self->ends[(first + i) & self->starts_mask];
}

const float *
bs_span_store_get_inference_busy (const BsSpanStore *self, gsize i)
{
  uint64_t first = self->n_starts - bs_span_store_get_n_inferences (self);

  if (self->busy == NULL)
    return NULL;
  return self->busy + ((first + i) & self->starts_mask) * self->n_groups * 2;
}

int
bs_span_store_get_n_groups (const BsSpanStore *self)
{
  return self->n_groups;
}

int64_t
bs_span_store_get_t0 (const BsSpanStore *self)
{
  return self->t0;
}

guint
bs_span_store_get_n_buckets (const BsSpanStore *self)
{
  return self->buckets->len;
}

const guint32 *
bs_span_store_get_buckets (const BsSpanStore *self)
{
  return (const guint32 *) self->buckets->data;
}
