/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-backend.c: opening backends from spec strings, and the wrappers every caller
 * goes through so that plan bookkeeping and cancellation behave alike everywhere. */
#include "bs-backend.h"
#include "bs-spec.h"

#include <time.h>

const BsBackendClass *
bs_backend_lookup (const char *name)
{
  for (const BsBackendClass *const *k = bs_backend_list (); *k != NULL; k++)
    if (g_strcmp0 ((*k)->name, name) == 0)
      return *k;
  return NULL;
}

/* The spec's options as the backends take them, keys to values. A bare word is no
 * backend option. */
static GHashTable *
parse_spec (const char *text, char **name, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (BsSpec) spec = bs_spec_parse (text, ',', &local);
  GHashTable *options;

  /* ssh://[user@]host[:port]/BACKEND[:options] is a URL, read whole by the ssh backend. */
  if (g_str_has_prefix (text, "ssh://"))
    {
      options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (options, g_strdup ("url"), g_strdup (text));
      *name = g_strdup ("ssh");
      return options;
    }
  if (spec == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "backend spec '%s': %s", text,
                   local->message);
      return NULL;
    }
  if (spec->word != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "option '%s' is not KEY=VALUE", spec->word);
      return NULL;
    }
  options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < spec->keys->len; i++)
    g_hash_table_insert (options, g_strdup (spec->keys->pdata[i]), g_strdup (spec->values->pdata[i]));
  *name = g_strdup (spec->name);
  return options;
}

BsBackend *
bs_backend_open (const char *spec, GError **error)
{
  g_autofree char *name = NULL;
  g_autoptr (GHashTable) options = parse_spec (spec, &name, error);
  g_autofree char *reason = NULL;
  const BsBackendClass *klass;
  BsBackend *backend;

  if (options == NULL)
    return NULL;
  klass = bs_backend_lookup (name);
  if (klass == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no backend called '%s'", name);
      return NULL;
    }
  if (!klass->available (&reason))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "backend %s is not available: %s",
                   name, reason ? reason : "unknown reason");
      return NULL;
    }
  backend = klass->open (options, error);
  if (backend != NULL)
    {
      backend->klass = klass;
      backend->plan = NULL;
      g_atomic_int_set (&backend->cancelled, 0);
    }
  return backend;
}

void
bs_backend_close (BsBackend *backend)
{
  if (backend != NULL)
    backend->klass->close (backend);
}

gboolean
bs_backend_prepare (BsBackend *backend, const BsPlan *plan, GError **error)
{
  g_return_val_if_fail (backend != NULL && plan != NULL, FALSE);
  backend->plan = NULL;
  if (!backend->klass->prepare (backend, plan, error))
    return FALSE;
  backend->plan = plan;
  return TRUE;
}

gboolean
bs_backend_run (BsBackend *backend, const uint8_t *images, int n_images, int32_t *logits,
                BsLayerEventFunc func, gpointer user_data, GError **error)
{
  g_return_val_if_fail (backend != NULL && backend->plan != NULL, FALSE);
  g_return_val_if_fail (n_images >= 0, FALSE);
  return backend->klass->run (backend, images, n_images, logits, func, user_data, error);
}

gboolean
bs_backend_layer_loop (BsBackend *backend, int op, int64_t duration_ns, uint64_t *iterations,
                       GError **error)
{
  g_return_val_if_fail (backend != NULL && backend->plan != NULL, FALSE);
  g_return_val_if_fail (op >= 0 && op < backend->plan->n_ops, FALSE);
  return backend->klass->layer_loop (backend, op, duration_ns, iterations, error);
}

const BsBackendClass *
bs_backend_get_class (BsBackend *backend)
{
  return backend->klass;
}

const BsPlan *
bs_backend_get_plan (BsBackend *backend)
{
  return backend->plan;
}

void
bs_backend_cancel (BsBackend *backend)
{
  g_atomic_int_set (&backend->cancelled, 1);
}

void
bs_backend_reset_cancel (BsBackend *backend)
{
  g_atomic_int_set (&backend->cancelled, 0);
}

gboolean
bs_backend_is_cancelled (BsBackend *backend)
{
  return g_atomic_int_get (&backend->cancelled) != 0;
}

gboolean
bs_backend_set_error_if_cancelled (BsBackend *backend, GError **error)
{
  if (!bs_backend_is_cancelled (backend))
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  return TRUE;
}
