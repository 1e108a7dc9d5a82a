/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-backend.h: the backend interface. A backend executes a BsPlan and reports when
 * each op ran. It is a small table of functions per backend (like a libsigrok
 * driver); accel/bs-backends.c lists them all.
 *
 * Lifecycle: open → prepare (a plan) → run / layer_loop, any number of times → close.
 * One thread drives a backend; only bs_backend_cancel() may be called from others.
 */
#pragma once

#include <gio/gio.h>
#include <stdint.h>

#include "bs-events.h"
#include "bs-plan.h"

G_BEGIN_DECLS

/* BsLayerEvent and BsClockSource are core's (bs-events.h): sessions and probes share
 * them. For backends, BsLayerEvent.inference counts inferences since prepare, from 0,
 * and BsLayerEvent.op indexes BsPlan.ops (BsPlanOp.layers maps it to model layers). */

/* Called on the thread that called run, after each inference, with that inference's
 * events (one per op, in op order). The array is the backend's and only valid during
 * the call: copy what you keep. Keep it short: the next inference waits. */
typedef void (*BsLayerEventFunc) (const BsLayerEvent *events, int n_events, gpointer user_data);

typedef struct _BsBackend BsBackend;

typedef struct
{
  const char *name;          /* as in specs: "cpu" */
  const char *description;   /* one line, for lists */

  /* FALSE, with a human-readable *reason (g_free it), when the backend cannot work on
   * this machine (no device, no driver). Cheap; may be called at any time. */
  gboolean (*available) (char **reason);

  /* A new instance, configured by options (key and value strings from the spec, see
   * bs_backend_open; never NULL, maybe empty). Unknown keys and bad values are
   * G_IO_ERROR_INVALID_ARGUMENT. */
  BsBackend *(*open) (GHashTable *options, GError **error);

  /* Frees the instance; the plan is the caller's. */
  void (*close) (BsBackend *backend);

  /* Readies the backend for plan (buffers, repacked weights, device programming).
   * plan is borrowed until close or the next prepare. May be called again with
   * another plan. */
  gboolean (*prepare) (BsBackend *backend, const BsPlan *plan, GError **error);

  /* Runs n_images inferences. images: n_images × the model input, each a CHW uint8
   * image; logits: n_images × the model output, CHW int32. func (maybe NULL) is
   * called after each inference. Between inferences the cancel flag is checked:
   * when set, returns FALSE with G_IO_ERROR_CANCELLED (logits of the inferences that
   * completed are written). */
  gboolean (*run) (BsBackend *backend, const uint8_t *images, int n_images, int32_t *logits,
                   BsLayerEventFunc func, gpointer user_data, GError **error);

  /* Runs op `op` back to back for at least duration_ns on the inputs it had in the
   * last inference of the last run (the power-per-layer sweep), and sets *iterations.
   * G_IO_ERROR_NOT_INITIALIZED before any run; checks the cancel flag between
   * iterations like run. */
  gboolean (*layer_loop) (BsBackend *backend, int op, int64_t duration_ns,
                          uint64_t *iterations, GError **error);
} BsBackendClass;

/* The part of every instance the helpers own; implementations embed it first. */
struct _BsBackend
{
  const BsBackendClass *klass;
  const BsPlan *plan;        /* the prepared plan, or NULL */
  gint cancelled;            /* atomic */
};

/* All backends, NULL-terminated (accel/bs-backends.c). */
const BsBackendClass *const *bs_backend_list (void);
const BsBackendClass *bs_backend_lookup (const char *name);

/* Opens "NAME" or "NAME:key=value,key=value" (e.g. "cpu:threads=2,isa=avx2").
 * Errors: G_IO_ERROR_NOT_FOUND (unknown name), G_IO_ERROR_INVALID_ARGUMENT (syntax,
 * options), G_IO_ERROR_NOT_SUPPORTED (not available here, with the reason). */
BsBackend *bs_backend_open (const char *spec, GError **error);
void bs_backend_close (BsBackend *backend);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsBackend, bs_backend_close)

/* These call the class functions and keep BsBackend.plan up to date. */
gboolean bs_backend_prepare (BsBackend *backend, const BsPlan *plan, GError **error);
gboolean bs_backend_run (BsBackend *backend, const uint8_t *images, int n_images,
                         int32_t *logits, BsLayerEventFunc func, gpointer user_data,
                         GError **error);
gboolean bs_backend_layer_loop (BsBackend *backend, int op, int64_t duration_ns,
                                uint64_t *iterations, GError **error);

const BsBackendClass *bs_backend_get_class (BsBackend *backend);
const BsPlan *bs_backend_get_plan (BsBackend *backend);

/* Cancellation, like GCancellable: bs_backend_cancel() may be called from any thread
 * at any time; the flag stays set (and run/layer_loop keep failing with
 * G_IO_ERROR_CANCELLED) until bs_backend_reset_cancel(). */
void bs_backend_cancel (BsBackend *backend);
void bs_backend_reset_cancel (BsBackend *backend);
gboolean bs_backend_is_cancelled (BsBackend *backend);

/* For implementations: TRUE and sets G_IO_ERROR_CANCELLED when the flag is set. */
gboolean bs_backend_set_error_if_cancelled (BsBackend *backend, GError **error);

G_END_DECLS
