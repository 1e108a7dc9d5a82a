/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-backend.c: executes a BsPlan on the host CPU with the kernel table of one
 * ISA. Two ways to use several threads (option split):
 * - ops (default, the lowest latency for one image): each op's output is cut into one
 *   tile per thread (rows, or 64-channel groups when there are few rows);
 * - images (throughput): one image per thread, each on its own lane (activation arena,
 *   op arguments, events), every op in one tile. Ops last microseconds, so cutting
 *   them costs a synchronisation per op; whole images per core do not.
 * Every element is computed the same way whatever the cut, so results do not depend
 * on the thread count or the split. */
#include "bs-cpu-backend.h"
#include "bs-cpu-pool.h"

#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 256

/* What one image in flight needs of its own. */
typedef struct
{
  uint8_t *arena;
  BsCpuOpArgs *args;          /* per op */
  BsLayerEvent *events;       /* per op */
} Lane;

typedef struct
{
  BsBackend parent;
  BsCpuIsa isa;
  const BsCpuKernels *kernels;
  BsCpuPool *pool;
  int n_threads;
  gboolean split_images;
  int n_lanes;                /* n_threads when split_images, else 1 */

  /* Set by prepare. */
  const BsPlan *plan;
  Lane *lanes;
  BsCpuKernelFunc *funcs;     /* per op */
  void **packed;              /* per op: a variant's own weights, or NULL */
  BsCpuTile *tiles;           /* per op, n_threads slots (split ops) or 1 (split images) */
  int *n_tiles;               /* per op */
  uint8_t *last_image;        /* the last image run, for layer_loop */
  gboolean have_run;
  int32_t n_inferences;

  BsCpuOpHook hook;
  gpointer hook_data;
} BsCpuBackend;

typedef struct
{
  const BsCpuOpArgs *args;
  BsCpuKernelFunc func;
  const BsCpuTile *tiles;
} OpJob;

/* One round of split-images: images [0, n) into logits, one lane per task. With
 * claim, each lane takes the next image left until none is; without, lane k runs
 * image k (n ≤ n_lanes) and keeps its events for the caller. */
typedef struct
{
  BsCpuBackend *self;
  const uint8_t *images;
  int32_t *logits;
  gsize in_size, out_size;
  int n;
  gboolean claim;
  gint next;                  /* the next image to claim */
} ImagesJob;

static gboolean
cpu_available (char **reason)
{
  return TRUE;
}

static gboolean
parse_threads (const char *s, int *n_threads, GError **error)
{
  char *end = NULL;
  long v = strtol (s, &end, 10);

  if (end == s || *end != '\0' || v < 1 || v > MAX_THREADS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "cpu: threads=%s: expected 1 to %d", s, MAX_THREADS);
      return FALSE;
    }
  *n_threads = (int) v;
  return TRUE;
}

static gboolean
parse_isa (const char *s, const char *source, BsCpuIsa *isa, GError **error)
{
  if (s == NULL || *s == '\0' || g_strcmp0 (s, "auto") == 0)
    *isa = bs_cpu_isa_best ();
  else if (!bs_cpu_isa_from_string (s, isa))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "cpu: %s=%s: expected scalar, avx2, avx512 or auto", source, s);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_split (const char *s, gboolean *split_images, GError **error)
{
  if (g_strcmp0 (s, "ops") != 0 && g_strcmp0 (s, "images") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "cpu: split=%s: expected ops (each op over the threads) or images "
                   "(one image per thread)", s);
      return FALSE;
    }
  *split_images = g_strcmp0 (s, "images") == 0;
  return TRUE;
}

static gboolean
parse_options (GHashTable *options, int *n_threads, gboolean *split_images, BsCpuIsa *isa,
               GError **error)
{
  GHashTableIter iter;
  gpointer key, value;
  const char *isa_name = g_getenv ("BS_CPU_ISA");
  const char *isa_source = "BS_CPU_ISA";

  *n_threads = 1;
  *split_images = FALSE;
  g_hash_table_iter_init (&iter, options);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_strcmp0 (key, "threads") == 0)
        {
          if (!parse_threads (value, n_threads, error))
            return FALSE;
        }
      else if (g_strcmp0 (key, "isa") == 0)
        {
          isa_name = value;
          isa_source = "isa";
        }
      else if (g_strcmp0 (key, "split") == 0)
        {
          if (!parse_split (value, split_images, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "cpu: unknown option '%s' (threads, isa, split)", (const char *) key);
          return FALSE;
        }
    }
  return parse_isa (isa_name, isa_source, isa, error);
}

static BsBackend *
cpu_open (GHashTable *options, GError **error)
{
  BsCpuBackend *self;
  g_autofree char *reason = NULL;
  const BsCpuKernels *kernels;
  int n_threads;
  gboolean split_images;
  BsCpuIsa isa;

  if (!parse_options (options, &n_threads, &split_images, &isa, error))
    return NULL;
  kernels = bs_cpu_kernels_get (isa, &reason);
  if (kernels == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "cpu: isa %s: %s",
                   bs_cpu_isa_to_string (isa), reason);
      return NULL;
    }
  self = g_new0 (BsCpuBackend, 1);
  self->isa = isa;
  self->kernels = kernels;
  self->n_threads = n_threads;
  self->split_images = split_images;
  self->n_lanes = split_images ? n_threads : 1;
  self->pool = bs_cpu_pool_new (n_threads);
  return &self->parent;
}

static void
clear_prepared (BsCpuBackend *self)
{
  if (self->packed != NULL)
    for (int i = 0; i < self->plan->n_ops; i++)
      g_clear_pointer (&self->packed[i], g_aligned_free);
  g_clear_pointer (&self->packed, g_free);
  if (self->lanes != NULL)
    for (int k = 0; k < self->n_lanes; k++)
      {
        g_aligned_free (self->lanes[k].arena);
        g_free (self->lanes[k].args);
        g_free (self->lanes[k].events);
      }
  g_clear_pointer (&self->lanes, g_free);
  g_clear_pointer (&self->funcs, g_free);
  g_clear_pointer (&self->tiles, g_free);
  g_clear_pointer (&self->n_tiles, g_free);
  g_clear_pointer (&self->last_image, g_free);
  self->plan = NULL;
  self->have_run = FALSE;
}

static void
cpu_close (BsBackend *backend)
{
  BsCpuBackend *self = (BsCpuBackend *) backend;

  clear_prepared (self);
  bs_cpu_pool_free (self->pool);
  g_free (self);
}

/* Rows when there are enough of them, else 64-channel groups: whichever gives more
 * tiles, up to one per thread. */
static int
split_output (const BsPlanBuffer *out, int n_threads, BsCpuTile *tiles)
{
  int32_t h = out->shape.h, c = out->shape.c;
  int32_t groups = bs_plan_words (c);
  int by_rows = MIN (h, n_threads);
  int by_channels = MIN (groups, n_threads);
  int n = MAX (1, MAX (by_rows, by_channels));

  for (int i = 0; i < n; i++)
    {
      BsCpuTile *t = &tiles[i];

      if (by_rows >= by_channels)
        *t = (BsCpuTile) { (int32_t) ((int64_t) h * i / n), (int32_t) ((int64_t) h * (i + 1) / n), 0, c };
      else
        *t = (BsCpuTile) { 0, h, (int32_t) (groups * i / n) * 64,
                           MIN (c, (int32_t) (groups * (i + 1) / n) * 64) };
    }
  return n;
}

static void
prepare_op (BsCpuBackend *self, int i)
{
  const BsPlan *plan = self->plan;
  const BsPlanOp *op = &plan->ops[i];
  BsCpuPackFunc pack;

  self->funcs[i] = bs_cpu_kernels_select (self->kernels, plan, op, &pack);
  if (pack != NULL)
    self->packed[i] = pack (plan, op);
  for (int l = 0; l < self->n_lanes; l++)
    {
      Lane *lane = &self->lanes[l];
      BsCpuOpArgs *args = &lane->args[i];

      args->op = op;
      for (int k = 0; k < op->n_inputs; k++)
        {
          const BsPlanBuffer *buf = &plan->buffers[op->inputs[k]];

          args->in[k] = buf;
          args->in_data[k] = buf->is_input ? NULL : lane->arena + buf->offset;
        }
      args->out = &plan->buffers[op->output];
      args->out_data = lane->arena + args->out->offset;
      args->weights = self->packed[i] ? self->packed[i] : op->weights;
    }
  self->n_tiles[i] = split_output (&plan->buffers[op->output], self->split_images ? 1 : self->n_threads,
                                   &self->tiles[i * self->n_threads]);
}

static gboolean
cpu_prepare (BsBackend *backend, const BsPlan *plan, GError **error)
{
  BsCpuBackend *self = (BsCpuBackend *) backend;
  const BsShape in = plan->buffers[plan->input].shape;
  int n = plan->n_ops;

  clear_prepared (self);
  self->plan = plan;
  self->lanes = g_new0 (Lane, self->n_lanes);
  for (int l = 0; l < self->n_lanes; l++)
    {
      self->lanes[l].arena = g_aligned_alloc0 (1, MAX (plan->arena_size, 1), BS_PLAN_ALIGN);
      self->lanes[l].args = g_new0 (BsCpuOpArgs, n);
      self->lanes[l].events = g_new0 (BsLayerEvent, n);
    }
  self->funcs = g_new0 (BsCpuKernelFunc, n);
  self->packed = g_new0 (void *, n);
  self->tiles = g_new0 (BsCpuTile, (gsize) n * self->n_threads);
  self->n_tiles = g_new0 (int, n);
  self->last_image = g_malloc0 ((gsize) in.c * in.h * in.w);
  self->n_inferences = 0;
  for (int i = 0; i < n; i++)
    prepare_op (self, i);
  return TRUE;
}

static void
run_tile (gpointer data, int task)
{
  const OpJob *job = data;

  job->func (job->args, &job->tiles[task]);
}

/* Op i of lane 0 over the pool's threads (split ops). */
static void
run_op_split (BsCpuBackend *self, int i)
{
  OpJob job = { &self->lanes[0].args[i], self->funcs[i], &self->tiles[i * self->n_threads] };

  bs_cpu_pool_run (self->pool, run_tile, &job, self->n_tiles[i]);
}

/* Op i of one lane on the calling thread, its output in one tile (split images). */
static void
run_op_here (BsCpuBackend *self, Lane *lane, int i)
{
  self->funcs[i] (&lane->args[i], &self->tiles[i * self->n_threads]);
}

static void
run_op (BsCpuBackend *self, Lane *lane, int i)
{
  if (self->split_images)
    run_op_here (self, lane, i);
  else
    run_op_split (self, i);
}

/* The image pointer is per inference; every other pointer was set by prepare. */
static void
set_image (BsCpuBackend *self, Lane *lane, const uint8_t *image)
{
  for (int i = 0; i < self->plan->n_ops; i++)
    for (int k = 0; k < lane->args[i].op->n_inputs; k++)
      if (lane->args[i].in[k]->is_input)
        lane->args[i].in_data[k] = image;
}

static void
run_inference (BsCpuBackend *self, Lane *lane, const uint8_t *image, int32_t inference)
{
  const BsPlan *plan = self->plan;
  int64_t now;

  set_image (self, lane, image);
  /* One clock read per op: an op ends when the next starts (ops last microseconds,
   * the reads tens of nanoseconds), except around the hook, which is not timed. */
  now = bs_clock_now_ns ();
  for (int i = 0; i < plan->n_ops; i++)
    {
      BsLayerEvent *ev = &lane->events[i];

      ev->inference = inference;
      ev->op = i;
      ev->clock = BS_CLOCK_HOST;
      ev->t_start_ns = now;
      run_op (self, lane, i);
      ev->t_end_ns = now = bs_clock_now_ns ();
      if (self->hook != NULL)
        {
          self->hook (i, lane->args[i].out_data, self->hook_data);
          now = bs_clock_now_ns ();
        }
    }
}

static void
read_logits (BsCpuBackend *self, Lane *lane, int32_t *logits)
{
  const BsPlanBuffer *out = &self->plan->buffers[self->plan->output];

  bs_plan_buffer_to_chw (self->plan, self->plan->output, lane->arena + out->offset, logits);
}

static void
run_image_task (gpointer data, int task)
{
  ImagesJob *job = data;
  BsCpuBackend *self = job->self;
  int k = job->claim ? g_atomic_int_add (&job->next, 1) : task;

  while (k < job->n)
    {
      run_inference (self, &self->lanes[task], job->images + k * job->in_size,
                     self->n_inferences + k);
      read_logits (self, &self->lanes[task], job->logits + k * job->out_size);
      k = job->claim ? g_atomic_int_add (&job->next, 1) : job->n;
    }
}

/* Runs images [0, n) at once and reports their events in inference order. Split
 * images with events: n ≤ n_lanes, one per lane. Without events the lanes claim
 * the images, n of any number: a lane whose thread the OS has descheduled then
 * holds up no other until the round's end (rounds of one image per lane waited
 * for the slowest lane at every image). The hook sees every op of every lane, from
 * its thread. */
static void
run_round (BsCpuBackend *self, const uint8_t *images, int n, int32_t *logits, gsize in_size,
           gsize out_size, BsLayerEventFunc func, gpointer user_data)
{
  if (self->split_images)
    {
      ImagesJob job = { self, images, logits, in_size, out_size, n, func == NULL, 0 };

      bs_cpu_pool_run (self->pool, run_image_task, &job, MIN (n, self->n_lanes));
    }
  else
    {
      run_inference (self, &self->lanes[0], images, self->n_inferences);
      read_logits (self, &self->lanes[0], logits);
    }
  self->n_inferences += n;
  memcpy (self->last_image, images + (n - 1) * in_size, in_size);
  self->have_run = TRUE;
  if (func != NULL)
    for (int k = 0; k < n; k++)
      func (self->lanes[k].events, self->plan->n_ops, user_data);
}

static gboolean
cpu_run (BsBackend *backend, const uint8_t *images, int n_images, int32_t *logits,
         BsLayerEventFunc func, gpointer user_data, GError **error)
{
  BsCpuBackend *self = (BsCpuBackend *) backend;
  const BsPlan *plan = self->plan;
  const BsPlanBuffer *in = &plan->buffers[plan->input];
  const BsPlanBuffer *out = &plan->buffers[plan->output];
  gsize in_size = (gsize) in->shape.c * in->shape.h * in->shape.w;
  gsize out_size = (gsize) out->shape.c * out->shape.h * out->shape.w;

  /* Rounds of claimed images are longer (fewer joins), short enough to cancel. */
  int step = self->split_images && func == NULL ? 16 * self->n_lanes : self->n_lanes;

  for (int n = 0; n < n_images; n += step)
    {
      if (bs_backend_set_error_if_cancelled (backend, error))
        return FALSE;
      run_round (self, images + n * in_size, MIN (step, n_images - n),
                 logits + n * out_size, in_size, out_size, func, user_data);
    }
  return TRUE;
}

static gboolean
cpu_layer_loop (BsBackend *backend, int op, int64_t duration_ns, uint64_t *iterations,
                GError **error)
{
  BsCpuBackend *self = (BsCpuBackend *) backend;
  Lane *lane = &self->lanes[0];
  int64_t end;

  *iterations = 0;
  if (!self->have_run)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           "cpu: layer_loop needs a run first (it loops on that run's inputs)");
      return FALSE;
    }
  /* The arena has been reused since; replaying the ops before `op` on the same image
   * restores its inputs exactly (they stay live until `op`). */
  set_image (self, lane, self->last_image);
  for (int i = 0; i < op; i++)
    run_op (self, lane, i);
  end = bs_clock_now_ns () + duration_ns;
  do
    {
      if (bs_backend_set_error_if_cancelled (backend, error))
        return FALSE;
      run_op (self, lane, op);
      (*iterations)++;
    }
  while (bs_clock_now_ns () < end);
  return TRUE;
}

const BsBackendClass bs_cpu_backend_class = {
  .name = "cpu",
  .description = "The host CPU (scalar, AVX2 or AVX-512 kernels; threads)",
  .available = cpu_available,
  .open = cpu_open,
  .close = cpu_close,
  .prepare = cpu_prepare,
  .run = cpu_run,
  .layer_loop = cpu_layer_loop,
};

static BsCpuBackend *
cpu_backend (BsBackend *backend)
{
  g_return_val_if_fail (backend != NULL && backend->klass == &bs_cpu_backend_class, NULL);
  return (BsCpuBackend *) backend;
}

BsCpuIsa
bs_cpu_backend_get_isa (BsBackend *backend)
{
  return cpu_backend (backend)->isa;
}

int
bs_cpu_backend_get_n_threads (BsBackend *backend)
{
  return cpu_backend (backend)->n_threads;
}

void
bs_cpu_backend_set_op_hook (BsBackend *backend, BsCpuOpHook hook, gpointer user_data)
{
  BsCpuBackend *self = cpu_backend (backend);

  self->hook = hook;
  self->hook_data = user_data;
}
