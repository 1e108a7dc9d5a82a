/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-csim-backend.c: runs the bs_blend kernel on the host, on the descriptor table
 * and weight image the XRT backend would send to the FPGA, and reads the per-layer
 * cycles the kernel writes to its profile buffer. Those cycles are the kernel's
 * own tally of its pipelined loops (bs-cycle-model.h): events carry
 * BS_CLOCK_MODELLED and are laid end to end from the start of each inference.
 */
#include "bs-csim-backend.h"
#include "bs-csim-variants.h"
#include "kernel/bs-cycle-model.h"
#include "kernel/bs-kernel.h"

#include <stdlib.h>
#include <string.h>

/* The arena is shared with the kernel as little-endian bytes (bs-kernel-abi.h). */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

typedef struct
{
  BsBackend parent;
  uint32_t clock_khz;
  gboolean per_layer;
  const BsCsimVariant *variant;   /* the kernel build to run */

  /* Set by prepare. */
  const BsPlan *plan;
  BsAccelImage *image;
  uint64_t *arena;
  uint64_t *profile;
  BsLayerEvent *events;
  uint64_t *cycles;           /* per op, last inference */
  uint8_t *last_image;
  gboolean have_run;
  int32_t n_inferences;
  int64_t last_end_ns;

  BsCsimOpHook hook;
  gpointer hook_data;
} BsCsimBackend;

static gboolean
csim_available (char **reason)
{
  return TRUE;
}

static gboolean
parse_clock (const char *s, uint32_t *clock_khz, GError **error)
{
  char *end = NULL;
  double mhz = g_ascii_strtod (s, &end);

  if (end == s || *end != '\0' || !(mhz >= 1 && mhz <= 4000))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "csim: clock=%s: expected a kernel clock in MHz, 1 to 4000", s);
      return FALSE;
    }
  *clock_khz = (uint32_t) (mhz * 1000 + 0.5);
  return TRUE;
}

/* pe=, lanes=, macs=: one kernel parameter, a positive integer. */
static gboolean
parse_param (const char *key, const char *s, uint32_t *value, GError **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 1, 1024, &v, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "csim: %s=%s: expected a positive integer", key, s);
      return FALSE;
    }
  *value = (uint32_t) v;
  return TRUE;
}

static const BsCsimVariant *
find_variant (const BsKernelParams *params, GError **error)
{
  const BsCsimVariant *variant = bs_csim_variant_find (params);
  g_autofree char *built = NULL;

  if (variant != NULL)
    return variant;
  built = bs_csim_variants_describe ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "csim: no kernel built for pe=%u,lanes=%u,macs=%u (built: %s)",
               params->pe, params->xnor_lanes, params->macs, built);
  return NULL;
}

static BsBackend *
csim_open (GHashTable *options, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;
  uint32_t clock_khz = BS_KERNEL_CLOCK_KHZ;
  gboolean per_layer = FALSE;
  BsKernelParams params = bs_kernel_params_default ();
  const BsCsimVariant *variant;
  BsCsimBackend *self;

  g_hash_table_iter_init (&iter, options);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_strcmp0 (key, "clock") == 0)
        {
          if (!parse_clock (value, &clock_khz, error))
            return NULL;
        }
      else if (g_strcmp0 (key, "pe") == 0 || g_strcmp0 (key, "lanes") == 0 || g_strcmp0 (key, "macs") == 0)
        {
          uint32_t *field = g_str_equal (key, "pe") ? &params.pe
                            : g_str_equal (key, "lanes") ? &params.xnor_lanes : &params.macs;

          if (!parse_param (key, value, field, error))
            return NULL;
        }
      else if (g_strcmp0 (key, "launch") == 0)
        {
          if (g_strcmp0 (value, "layer") == 0)
            per_layer = TRUE;
          else if (g_strcmp0 (value, "inference") == 0)
            per_layer = FALSE;
          else
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "csim: launch=%s: expected layer or inference", (const char *) value);
              return NULL;
            }
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "csim: unknown option '%s' (clock, launch, pe, lanes, macs)", (const char *) key);
          return NULL;
        }
    }
  variant = find_variant (&params, error);
  if (variant == NULL)
    return NULL;
  self = g_new0 (BsCsimBackend, 1);
  self->variant = variant;
  self->clock_khz = clock_khz;
  self->per_layer = per_layer;
  return &self->parent;
}

static void
clear_prepared (BsCsimBackend *self)
{
  g_clear_pointer (&self->image, bs_accel_image_free);
  g_clear_pointer (&self->arena, g_aligned_free);
  g_clear_pointer (&self->profile, g_free);
  g_clear_pointer (&self->events, g_free);
  g_clear_pointer (&self->cycles, g_free);
  g_clear_pointer (&self->last_image, g_free);
  self->plan = NULL;
  self->have_run = FALSE;
}

static void
csim_close (BsBackend *backend)
{
  BsCsimBackend *self = (BsCsimBackend *) backend;

  clear_prepared (self);
  g_free (self);
}

static gboolean
csim_prepare (BsBackend *backend, const BsPlan *plan, GError **error)
{
  BsCsimBackend *self = (BsCsimBackend *) backend;
  BsAccelImage *image;

  clear_prepared (self);
  image = bs_accel_image_build_for (plan, &self->variant->params, error);
  if (image == NULL)
    return FALSE;
  self->plan = plan;
  self->image = image;
  self->arena = g_aligned_alloc0 (1, image->arena_bytes, 64);
  self->profile = g_malloc0 (image->profile_bytes);
  self->events = g_new0 (BsLayerEvent, plan->n_ops);
  self->cycles = g_new0 (uint64_t, plan->n_ops);
  self->last_image = g_malloc0 (image->input_bytes);
  self->n_inferences = 0;
  return TRUE;
}

/* One kernel launch of layers [first, first + count), as the FPGA would get it. */
static gboolean
launch (BsCsimBackend *self, uint32_t first, uint32_t count, GError **error)
{
  bs_accel_profile_clear (self->profile);
  self->variant->run (self->image->desc, self->image->weights, self->arena, self->profile, first, count);
  return bs_accel_profile_check (self->profile, self->plan, first, count, NULL, NULL, error);
}

static void
set_image (BsCsimBackend *self, const uint8_t *image)
{
  memcpy ((uint8_t *) self->arena + self->image->input_offset, image, self->image->input_bytes);
}

static const void *
op_output (BsCsimBackend *self, int op)
{
  return (const uint8_t *) self->arena + self->plan->buffers[self->plan->ops[op].output].offset;
}

/* The modelled events of layers [first, first + count), starting at t0. */
static int64_t
record_events (BsCsimBackend *self, uint32_t first, uint32_t count, int64_t t0)
{
  bs_accel_profile_events (self->profile, first, count, t0, self->clock_khz, BS_CLOCK_MODELLED,
                           self->n_inferences, self->events + first);
  for (uint32_t i = first; i < first + count; i++)
    self->cycles[i] = bs_accel_profile_cycles (self->profile, (int) i);
  return self->events[first + count - 1].t_end_ns;
}

static gboolean
run_inference (BsCsimBackend *self, const uint8_t *image, GError **error)
{
  uint32_t n = (uint32_t) self->plan->n_ops;
  /* Modelled time runs from when the inference starts, never overlapping the last. */
  int64_t t = MAX (bs_clock_now_ns (), self->last_end_ns);

  set_image (self, image);
  if (!self->per_layer && self->hook == NULL)
    {
      if (!launch (self, 0, n, error))
        return FALSE;
      t = record_events (self, 0, n, t);
    }
  else
    for (uint32_t i = 0; i < n; i++)
      {
        if (!launch (self, i, 1, error))
          return FALSE;
        t = record_events (self, i, 1, t);
        if (self->hook != NULL)
          self->hook ((int) i, op_output (self, (int) i), self->hook_data);
      }
  self->last_end_ns = t;
  self->n_inferences++;
  return TRUE;
}

static gboolean
csim_run (BsBackend *backend, const uint8_t *images, int n_images, int32_t *logits,
          BsLayerEventFunc func, gpointer user_data, GError **error)
{
  BsCsimBackend *self = (BsCsimBackend *) backend;
  const BsPlan *plan = self->plan;
  const BsPlanBuffer *out = &plan->buffers[plan->output];
  gsize in_size = self->image->input_bytes;
  gsize out_size = (gsize) out->shape.c * out->shape.h * out->shape.w;

  for (int n = 0; n < n_images; n++)
    {
      const uint8_t *image = images + n * in_size;

      if (bs_backend_set_error_if_cancelled (backend, error))
        return FALSE;
      if (!run_inference (self, image, error))
        {
          g_prefix_error (error, "csim: ");
          return FALSE;
        }
      bs_plan_buffer_to_chw (plan, plan->output, (const uint8_t *) self->arena + self->image->output_offset,
                             logits + n * out_size);
      memcpy (self->last_image, image, in_size);
      self->have_run = TRUE;
      if (func != NULL)
        func (self->events, plan->n_ops, user_data);
    }
  return TRUE;
}

static gboolean
csim_layer_loop (BsBackend *backend, int op, int64_t duration_ns, uint64_t *iterations,
                 GError **error)
{
  BsCsimBackend *self = (BsCsimBackend *) backend;
  int64_t end;

  *iterations = 0;
  if (!self->have_run)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           "csim: layer_loop needs a run first (it loops on that run's inputs)");
      return FALSE;
    }
  /* Replaying the layers before `op` on the last image restores its inputs. */
  set_image (self, self->last_image);
  if (op > 0 && !launch (self, 0, (uint32_t) op, error))
    return FALSE;
  end = bs_clock_now_ns () + duration_ns;
  do
    {
      if (bs_backend_set_error_if_cancelled (backend, error))
        return FALSE;
      if (!launch (self, (uint32_t) op, 1, error))
        return FALSE;
      (*iterations)++;
    }
  while (bs_clock_now_ns () < end);
  return TRUE;
}

const BsBackendClass bs_csim_backend_class = {
  .name = "csim",
  .description = "The accelerator kernel in C simulation on the host (modelled cycles)",
  .available = csim_available,
  .open = csim_open,
  .close = csim_close,
  .prepare = csim_prepare,
  .run = csim_run,
  .layer_loop = csim_layer_loop,
};

static BsCsimBackend *
csim_backend (BsBackend *backend)
{
  g_return_val_if_fail (backend != NULL && backend->klass == &bs_csim_backend_class, NULL);
  return (BsCsimBackend *) backend;
}

uint32_t
bs_csim_backend_get_clock_khz (BsBackend *backend)
{
  return csim_backend (backend)->clock_khz;
}

const BsAccelImage *
bs_csim_backend_get_image (BsBackend *backend)
{
  return csim_backend (backend)->image;
}

uint64_t
bs_csim_backend_get_cycles (BsBackend *backend, int op)
{
  BsCsimBackend *self = csim_backend (backend);

  g_return_val_if_fail (self->plan != NULL && op >= 0 && op < self->plan->n_ops, 0);
  return self->cycles[op];
}

void
bs_csim_backend_set_op_hook (BsBackend *backend, BsCsimOpHook hook, gpointer user_data)
{
  BsCsimBackend *self = csim_backend (backend);

  self->hook = hook;
  self->hook_data = user_data;
}
