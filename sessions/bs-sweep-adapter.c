/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sweep-adapter.c: BsSweepTarget over a backend. */
#include "bs-sweep-adapter.h"

#include "bs-clock.h"

/* Idle gaps are slept in slices this long, so a cancelled sweep stops promptly. */
#define IDLE_SLICE_US 20000

static const char *
op_name (guint op, gpointer user_data)
{
  BsSweepAdapter *a = user_data;
  return bs_plan_op_name (bs_backend_get_plan (a->backend), (int) op);
}

static BsPrecision
op_precision (guint op, gpointer user_data)
{
  BsSweepAdapter *a = user_data;
  const BsPlan *plan = bs_backend_get_plan (a->backend);

  return bs_model_layer (plan->model, plan->ops[op].primary)->precision;
}

static gboolean
loop_op (guint op, int64_t duration_ns, int64_t *iterations, gpointer user_data, GError **error)
{
  BsSweepAdapter *a = user_data;
  uint64_t n = 0;
  gboolean ok = bs_backend_layer_loop (a->backend, (int) op, duration_ns, &n, error);

  *iterations = (int64_t) n;
  return ok;
}

static void
idle (int64_t duration_ns, gpointer user_data)
{
  BsSweepAdapter *a = user_data;
  int64_t end = bs_clock_now_ns () + duration_ns;

  while (!g_cancellable_is_cancelled (a->cancellable) && bs_clock_now_ns () < end)
    g_usleep (MIN (IDLE_SLICE_US, MAX (1, (end - bs_clock_now_ns ()) / 1000)));
}

static gboolean
run_network (int64_t duration_ns, int64_t *inferences, gpointer user_data, GError **error)
{
  BsSweepAdapter *a = user_data;

  *inferences = 0;
  return a->network (duration_ns, inferences, a->network_data, error);
}

BsSweepTarget
bs_sweep_adapter_target (BsSweepAdapter *adapter)
{
  BsSweepTarget target = {
    .n_layers = (guint) bs_backend_get_plan (adapter->backend)->n_ops,
    .layer_name = op_name,
    .layer_precision = op_precision,
    .run_layer_loop = loop_op,
    .idle = idle,
    .run_network = adapter->network != NULL ? run_network : NULL,
    .user_data = adapter,
  };

  g_assert (bs_backend_get_plan (adapter->backend) != NULL);
  return target;
}
