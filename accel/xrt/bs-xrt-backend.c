/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-backend.c: the host driver of the bs_blend kernel on XRT's C API.
 *
 * open: checks the xclbin (bs-xrt-xclbin.c), opens the device, loads the xclbin,
 * opens the kernel and one run. prepare: compiles the plan into the descriptor table
 * and weight image (bs-accel-image.c, the same bytes csim runs), allocates the four
 * buffer objects in the banks the xclbin connects them to, uploads the tables and
 * sets the buffer arguments once. run: per inference, uploads the image, launches
 * (per layer, or once), waits, reads the profile and the logits.
 *
 * Every XRT call is checked; XRT's own explanation of a failure is taken from its
 * log (bs-xrt-env.c) into the error. Waiting polls the run's state against our own
 * deadline, so a launch that never completes becomes G_IO_ERROR_TIMED_OUT rather than
 * a hang; its buffers stay alive until it completes or the backend closes.
 */
#include "bs-xrt-backend.h"
#include "bs-accel-image.h"
#include "bs-xrt-api.h"
#include "bs-xrt-env.h"
#include "bs-xrt-xclbin.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 10000
#define MAX_DEVICE_INDEX 1023
/* Poll without sleeping for this long after a start: host timing of short layers. */
#define SPIN_NS 200000
/* How long closing waits at least for a launch that timed out. */
#define CLOSE_WAIT_MS 10000

G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

typedef struct
{
  BsBackend parent;
  const BsXrtApi *api;

  /* Options */
  char *device_spec;
  char *xclbin_path;
  char *kernel_name;
  gboolean per_layer;
  guint timeout_ms;
  uint32_t clock_option_khz;
  gboolean trace;
  gboolean ranges;

  /* Opened by open. */
  BsXclbinInfo *xclbin;
  xrtDeviceHandle device;
  xrtKernelHandle kernel;
  xrtRunHandle run;
  int group[BS_KERNEL_N_BUFFER_ARGS];
  gboolean in_flight;         /* a launch timed out and may still be running */
  unsigned int range_id;

  /* Set by prepare. */
  const BsPlan *plan;
  BsAccelImage *image;
  xrtBufferHandle bo[BS_KERNEL_N_BUFFER_ARGS];
  BsXrtLaunch launch;         /* the arguments as set */
  int n_launches;
  BsLayerEvent *events;
  uint8_t *last_image;
  gboolean have_run;
  int32_t n_inferences;
  uint32_t profile_clock_khz;

  BsXrtLaunchHook hook;
  gpointer hook_data;
} BsXrtBackend;

/* Backends with XRT handles, released at exit before XRT's own static destructors
 * run (which would otherwise free them after the shim is gone, and crash). */
static GMutex open_lock;
static GList *open_backends;

static void release_device (BsXrtBackend *self);

static void
release_all_at_exit (void)
{
  g_mutex_lock (&open_lock);
  for (GList *l = open_backends; l != NULL; l = l->next)
    release_device (l->data);
  g_mutex_unlock (&open_lock);
}

/* atexit handlers run in reverse order of registration, interleaved with static
 * destructors, and XRT creates some of its statics lazily (the shim at the first
 * device open, the context manager with the first kernel, the scheduler with the
 * first launch). So the handler is registered again after each of those firsts; it
 * is idempotent. Backends closed before exit need none of this. */
typedef enum
{
  AFTER_OPEN,
  AFTER_LAUNCH,
  N_STAGES
} ExitStage;

static void
register_exit_handler (ExitStage stage)
{
  static gsize once[N_STAGES];

  if (g_once_init_enter (&once[stage]))
    {
      atexit (release_all_at_exit);
      g_once_init_leave (&once[stage], 1);
    }
}

static void
track (BsXrtBackend *self, gboolean open)
{
  g_mutex_lock (&open_lock);
  if (open)
    open_backends = g_list_prepend (open_backends, self);
  else
    open_backends = g_list_remove (open_backends, self);
  g_mutex_unlock (&open_lock);
}

/* Errors, with what XRT logged since mark. */
G_GNUC_PRINTF (4, 5)
static void
set_xrt_error (GError **error, int code, goffset mark, const char *format, ...)
{
  g_autofree char *message = NULL;
  g_autofree char *logged = bs_xrt_env_log_errors_since (mark);
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, code, "xrt: %s%s%s", message, logged ? ": " : "", logged ? logged : "");
}

static const char *
state_name (int state)
{
  switch (state)
    {
    case ERT_CMD_STATE_NEW: return "new";
    case ERT_CMD_STATE_QUEUED: return "queued";
    case ERT_CMD_STATE_RUNNING: return "running";
    case ERT_CMD_STATE_COMPLETED: return "completed";
    case ERT_CMD_STATE_ERROR: return "error";
    case ERT_CMD_STATE_ABORT: return "aborted";
    case ERT_CMD_STATE_SUBMITTED: return "submitted";
    case ERT_CMD_STATE_TIMEOUT: return "timed out (reset by the scheduler)";
    case ERT_CMD_STATE_NORESPONSE: return "no response";
    default: return "unknown";
    }
}

static gboolean
in_progress (int state)
{
  return state == ERT_CMD_STATE_NEW || state == ERT_CMD_STATE_QUEUED
         || state == ERT_CMD_STATE_RUNNING || state == ERT_CMD_STATE_SUBMITTED;
}

/* The run's state once it has finished, or at the deadline. */
static int
wait_done (BsXrtBackend *self, int64_t deadline_ns)
{
  int64_t spin_end = bs_clock_now_ns () + SPIN_NS;
  gulong sleep_us = 10;

  for (;;)
    {
      int state = self->api->run_state (self->run);
      int64_t now = bs_clock_now_ns ();

      if (!in_progress (state) || now >= deadline_ns)
        return state;
      if (now < spin_end)
        g_thread_yield ();
      else
        {
          g_usleep (MIN (sleep_us, (gulong) ((deadline_ns - now) / 1000 + 1)));
          sleep_us = MIN (sleep_us * 2, 1000);
        }
    }
}

/* Options */

static gboolean
parse_uint (const char *s, guint64 min, guint64 max, guint64 *out)
{
  char *end = NULL;
  guint64 v;

  if (s == NULL || *s == '\0' || !g_ascii_isdigit (*s))
    return FALSE;
  v = g_ascii_strtoull (s, &end, 10);
  if (*end != '\0' || v < min || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_bool (const char *s, gboolean *out)
{
  if (g_strcmp0 (s, "1") == 0 || g_strcmp0 (s, "true") == 0 || g_strcmp0 (s, "yes") == 0)
    *out = TRUE;
  else if (g_strcmp0 (s, "0") == 0 || g_strcmp0 (s, "false") == 0 || g_strcmp0 (s, "no") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* A PCI address (DOMAIN:BUS:DEVICE.FUNCTION, hex) or a device index. */
static gboolean
valid_device (const char *s)
{
  guint64 index;

  if (strchr (s, ':') == NULL)
    return parse_uint (s, 0, MAX_DEVICE_INDEX, &index);
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) && *p != ':' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean
bad_option (GError **error, const char *key, const char *value, const char *expected)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "xrt: %s=%s: expected %s", key, value, expected);
  return FALSE;
}

static gboolean
parse_options (BsXrtBackend *self, GHashTable *options, GError **error)
{
  GHashTableIter iter;
  gpointer k, v;

  self->device_spec = g_strdup ("0");
  self->xclbin_path = g_strdup (g_getenv ("BS_XRT_XCLBIN"));
  self->kernel_name = g_strdup (BS_KERNEL_NAME);
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->per_layer = TRUE;
  g_hash_table_iter_init (&iter, options);
  while (g_hash_table_iter_next (&iter, &k, &v))
    {
      const char *key = k, *value = v;
      guint64 n;

      if (strcmp (key, "device") == 0)
        {
          if (!valid_device (value))
            return bad_option (error, key, value, "a device index (0, 1, ...) or a PCI address");
          g_free (self->device_spec);
          self->device_spec = g_strdup (value);
        }
      else if (strcmp (key, "xclbin") == 0)
        {
          if (*value == '\0')
            return bad_option (error, key, value, "the path of an xclbin");
          g_free (self->xclbin_path);
          self->xclbin_path = g_strdup (value);
        }
      else if (strcmp (key, "kernel") == 0)
        {
          if (*value == '\0')
            return bad_option (error, key, value, "a kernel name");
          g_free (self->kernel_name);
          self->kernel_name = g_strdup (value);
        }
      else if (strcmp (key, "launch") == 0)
        {
          if (strcmp (value, "layer") != 0 && strcmp (value, "inference") != 0)
            return bad_option (error, key, value, "layer or inference");
          self->per_layer = strcmp (value, "layer") == 0;
        }
      else if (strcmp (key, "timeout") == 0)
        {
          if (!parse_uint (value, 1, 3600000, &n))
            return bad_option (error, key, value, "milliseconds, 1 to 3600000");
          self->timeout_ms = (guint) n;
        }
      else if (strcmp (key, "clock") == 0)
        {
          char *end = NULL;
          double mhz = g_ascii_strtod (value, &end);

          if (end == value || *end != '\0' || !(mhz >= 1 && mhz <= 4000))
            return bad_option (error, key, value, "the kernel clock in MHz, 1 to 4000");
          self->clock_option_khz = (uint32_t) (mhz * 1000 + 0.5);
        }
      else if (strcmp (key, "trace") == 0)
        {
          if (!parse_bool (value, &self->trace))
            return bad_option (error, key, value, "1 or 0");
        }
      else if (strcmp (key, "ranges") == 0)
        {
          if (!parse_bool (value, &self->ranges))
            return bad_option (error, key, value, "1 or 0");
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "xrt: unknown option '%s' (device, xclbin, kernel, launch, timeout, clock, "
                       "trace, ranges)", key);
          return FALSE;
        }
    }
  if (self->xclbin_path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "xrt: no xclbin: give xclbin=PATH (or set BS_XRT_XCLBIN)");
      return FALSE;
    }
  return TRUE;
}

/* Device */

/* XRT loads, its environment is sane, and a device is there; without opening it, so
 * that options XRT reads at its first device open (trace=1) still apply. */
static gboolean
xrt_available (char **reason)
{
  return bs_xrt_api_get (reason) != NULL && bs_xrt_env_has_device (reason);
}

static char *
no_device_hint (void)
{
  if (bs_xrt_env_is_noop ())
    return g_strdup ("");
  return g_strdup (" (Debian's XRT has no PCIe driver: an Alveo card needs AMD's xocl driver; "
                   "XCL_EMULATION_MODE=noop gives XRT's mock device)");
}

static gboolean
open_device (BsXrtBackend *self, GError **error)
{
  const BsXrtApi *api = self->api;
  goffset mark = bs_xrt_env_log_mark ();
  xuid_t uuid;

  if (strchr (self->device_spec, ':') != NULL)
    self->device = api->device_open_by_bdf (self->device_spec);
  else
    self->device = api->device_open ((unsigned int) g_ascii_strtoull (self->device_spec, NULL, 10));
  if (self->device == NULL)
    {
      g_autofree char *hint = no_device_hint ();

      set_xrt_error (error, G_IO_ERROR_NOT_FOUND, mark, "cannot open device %s%s", self->device_spec, hint);
      return FALSE;
    }
  track (self, TRUE);

  mark = bs_xrt_env_log_mark ();
  if (api->device_load_xclbin_file (self->device, self->xclbin_path) != 0)
    {
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "device %s refused xclbin %s", self->device_spec,
                     self->xclbin_path);
      return FALSE;
    }
  if (api->device_get_xclbin_uuid (self->device, uuid) != 0)
    {
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "no xclbin UUID on device %s", self->device_spec);
      return FALSE;
    }
  self->kernel = api->pl_kernel_open (self->device, uuid, self->kernel_name);
  if (self->kernel == NULL)
    {
      set_xrt_error (error, G_IO_ERROR_NOT_FOUND, mark, "cannot open kernel %s in %s", self->kernel_name,
                     self->xclbin_path);
      return FALSE;
    }
  for (int i = 0; i < BS_KERNEL_N_BUFFER_ARGS; i++)
    {
      self->group[i] = api->kernel_arg_group_id (self->kernel, i);
      if (self->group[i] < 0)
        {
          set_xrt_error (error, G_IO_ERROR_NOT_SUPPORTED, mark,
                         "argument %d of kernel %s is connected to no memory bank", i, self->kernel_name);
          return FALSE;
        }
    }
  self->run = api->run_open (self->kernel);
  if (self->run == NULL)
    {
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "cannot create a run of kernel %s", self->kernel_name);
      return FALSE;
    }
  register_exit_handler (AFTER_OPEN);
  return TRUE;
}

static void
free_buffers (BsXrtBackend *self)
{
  for (int i = 0; i < BS_KERNEL_N_BUFFER_ARGS; i++)
    if (self->bo[i] != NULL)
      {
        self->api->bo_free (self->bo[i]);
        self->bo[i] = NULL;
      }
}

/* Releases every XRT handle, waiting first for a launch that timed out: the device
 * may still write to its buffers (and XRT's noop device crashes the process when a
 * launch completes after its buffers are gone). */
static void
release_device (BsXrtBackend *self)
{
  const BsXrtApi *api = self->api;
  int64_t patience_ns = (int64_t) MAX (self->timeout_ms, CLOSE_WAIT_MS) * 1000000;

  if (self->run != NULL && self->in_flight && in_progress (wait_done (self, bs_clock_now_ns () + patience_ns)))
    g_warning ("xrt: closing device %s with a launch still running", self->device_spec);
  self->in_flight = FALSE;
  if (self->run != NULL)
    api->run_close (self->run);
  self->run = NULL;
  free_buffers (self);
  if (self->kernel != NULL)
    api->kernel_close (self->kernel);
  self->kernel = NULL;
  if (self->device != NULL)
    api->device_close (self->device);
  self->device = NULL;
}

static void
clear_prepared (BsXrtBackend *self)
{
  free_buffers (self);
  g_clear_pointer (&self->image, bs_accel_image_free);
  g_clear_pointer (&self->events, g_free);
  g_clear_pointer (&self->last_image, g_free);
  memset (&self->launch, 0, sizeof self->launch);
  self->plan = NULL;
  self->have_run = FALSE;
}

static void
xrt_close (BsBackend *backend)
{
  BsXrtBackend *self = (BsXrtBackend *) backend;

  g_mutex_lock (&open_lock);
  release_device (self);
  open_backends = g_list_remove (open_backends, self);
  g_mutex_unlock (&open_lock);
  clear_prepared (self);
  bs_xclbin_info_free (self->xclbin);
  g_free (self->device_spec);
  g_free (self->xclbin_path);
  g_free (self->kernel_name);
  g_free (self);
}

static BsBackend *
xrt_open (GHashTable *options, GError **error)
{
  BsXrtBackend *self = g_new0 (BsXrtBackend, 1);
  g_autofree char *reason = NULL;

  self->parent.klass = &bs_xrt_backend_class;
  self->api = bs_xrt_api_get (&reason);
  if (self->api == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "xrt: %s", reason);
      g_free (self);
      return NULL;
    }
  if (!parse_options (self, options, error))
    goto fail;
  self->xclbin = bs_xclbin_inspect (self->xclbin_path, self->kernel_name, error);
  if (self->xclbin == NULL)
    {
      g_prefix_error (error, "xrt: ");
      goto fail;
    }
  /* XRT reads its settings once, at its first device open. */
  if (self->trace && self->api->ini_string_set ("Debug.native_xrt_trace", "true") != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "xrt: trace=1 must be asked of the first XRT backend a process opens "
                           "(XRT reads its settings once)");
      goto fail;
    }
  if (!open_device (self, error))
    goto fail;
  return &self->parent;

fail:
  xrt_close (&self->parent);
  return NULL;
}

/* Buffers */

static gboolean
sync_bo (BsXrtBackend *self, int i, enum xclBOSyncDirection dir, gsize size, gsize offset, GError **error)
{
  goffset mark = bs_xrt_env_log_mark ();

  if (size == 0 || self->api->bo_sync (self->bo[i], dir, size, offset) == 0)
    return TRUE;
  set_xrt_error (error, G_IO_ERROR_FAILED, mark, "cannot sync buffer %d %s the device", i,
                 dir == XCL_BO_SYNC_BO_TO_DEVICE ? "to" : "from");
  return FALSE;
}

static gboolean
wait_for_timed_out_launch (BsXrtBackend *self, GError **error)
{
  if (!self->in_flight)
    return TRUE;
  if (in_progress (self->api->run_state (self->run)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "xrt: a launch that timed out is still running on device %s; retry later or "
                   "reopen the backend", self->device_spec);
      return FALSE;
    }
  self->in_flight = FALSE;
  return TRUE;
}

static gboolean
xrt_prepare (BsBackend *backend, const BsPlan *plan, GError **error)
{
  BsXrtBackend *self = (BsXrtBackend *) backend;
  const BsXrtApi *api = self->api;
  const void *contents[BS_KERNEL_N_BUFFER_ARGS];
  gsize sizes[BS_KERNEL_N_BUFFER_ARGS];
  BsAccelImage *image;
  goffset mark;

  if (!wait_for_timed_out_launch (self, error))
    return FALSE;
  clear_prepared (self);
  image = bs_accel_image_build (plan, error);
  if (image == NULL)
    {
      g_prefix_error (error, "xrt: ");
      return FALSE;
    }
  self->image = image;
  sizes[BS_KERNEL_ARG_DESC] = image->desc_bytes;
  sizes[BS_KERNEL_ARG_WEIGHTS] = image->weight_bytes;
  sizes[BS_KERNEL_ARG_ARENA] = image->arena_bytes;
  sizes[BS_KERNEL_ARG_PROFILE] = image->profile_bytes;
  contents[BS_KERNEL_ARG_DESC] = image->desc;
  contents[BS_KERNEL_ARG_WEIGHTS] = image->weights;
  contents[BS_KERNEL_ARG_ARENA] = NULL;
  contents[BS_KERNEL_ARG_PROFILE] = NULL;

  for (int i = 0; i < BS_KERNEL_N_BUFFER_ARGS; i++)
    {
      void *host;

      mark = bs_xrt_env_log_mark ();
      self->bo[i] = api->bo_alloc (self->device, sizes[i], 0, (xrtMemoryGroup) self->group[i]);
      host = self->bo[i] ? api->bo_map (self->bo[i]) : NULL;
      if (host == NULL)
        {
          set_xrt_error (error, G_IO_ERROR_NO_SPACE, mark,
                         "cannot allocate %" G_GSIZE_FORMAT " bytes for argument %d in bank %d",
                         sizes[i], i, self->group[i]);
          clear_prepared (self);
          return FALSE;
        }
      if (contents[i] != NULL)
        memcpy (host, contents[i], sizes[i]);
      else
        memset (host, 0, sizes[i]);
      if (!sync_bo (self, i, XCL_BO_SYNC_BO_TO_DEVICE, sizes[i], 0, error))
        {
          clear_prepared (self);
          return FALSE;
        }
      mark = bs_xrt_env_log_mark ();
      if (api->run_set_arg (self->run, i, self->bo[i]) != 0)
        {
          set_xrt_error (error, G_IO_ERROR_FAILED, mark, "cannot set argument %d of kernel %s", i,
                         self->kernel_name);
          clear_prepared (self);
          return FALSE;
        }
      self->launch.args[i] = (BsXrtArg) { TRUE, host, sizes[i], 0 };
    }
  self->plan = plan;
  self->events = g_new0 (BsLayerEvent, plan->n_ops);
  self->last_image = g_malloc0 (image->input_bytes);
  self->n_inferences = 0;
  self->n_launches = 0;
  return TRUE;
}

/* Launches */

/* A label that outlives the plan: XDP keeps the pointer until the process ends. */
static const char *
range_label (BsXrtBackend *self, uint32_t first, uint32_t count)
{
  if (count != 1)
    return "inference";
  return g_intern_string (bs_plan_op_name (self->plan, (int) first));
}

/* Reads the profile after a launch: *have is FALSE when the kernel wrote none, which
 * only XRT's noop device (executing nothing) may do. */
static gboolean
read_profile (BsXrtBackend *self, uint32_t first, uint32_t count, gboolean *have, gboolean *counter,
              GError **error)
{
  const uint64_t *profile = self->launch.args[BS_KERNEL_ARG_PROFILE].host;

  if (!sync_bo (self, BS_KERNEL_ARG_PROFILE, XCL_BO_SYNC_BO_FROM_DEVICE, self->image->profile_bytes, 0, error))
    return FALSE;
  *have = (uint32_t) profile[BS_PROFILE_H_MAGIC] == BS_PROFILE_MAGIC;
  if (!*have && bs_xrt_env_is_noop ())
    return TRUE;
  if (!bs_accel_profile_check (profile, self->plan, first, count, counter, &self->profile_clock_khz, error))
    {
      g_prefix_error (error, "xrt: ");
      return FALSE;
    }
  return TRUE;
}

/* One launch of layers [first, first + count), timed by the host clock. */
static gboolean
launch (BsXrtBackend *self, uint32_t first, uint32_t count, int64_t *t_start, int64_t *t_end,
        gboolean *have_profile, gboolean *counter, GError **error)
{
  const BsXrtApi *api = self->api;
  uint64_t *profile = self->launch.args[BS_KERNEL_ARG_PROFILE].host;
  unsigned int range = 0;
  goffset mark;
  int state;

  bs_accel_profile_clear (profile);
  if (!sync_bo (self, BS_KERNEL_ARG_PROFILE, XCL_BO_SYNC_BO_TO_DEVICE, BS_PROFILE_HEADER_WORDS * 8, 0, error))
    return FALSE;
  mark = bs_xrt_env_log_mark ();
  if (api->run_set_arg (self->run, BS_KERNEL_ARG_FIRST, first) != 0
      || api->run_set_arg (self->run, BS_KERNEL_ARG_COUNT, count) != 0)
    {
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "cannot set the layer range of kernel %s", self->kernel_name);
      return FALSE;
    }
  self->launch.args[BS_KERNEL_ARG_FIRST] = (BsXrtArg) { FALSE, NULL, 0, first };
  self->launch.args[BS_KERNEL_ARG_COUNT] = (BsXrtArg) { FALSE, NULL, 0, count };
  if (self->ranges)
    {
      range = ++self->range_id;
      api->ur_start (range, range_label (self, first, count),
                     count == 1 ? bs_plan_op_kind_to_string (self->plan->ops[first].kind) : NULL);
    }

  *t_start = bs_clock_now_ns ();
  if (api->run_start (self->run) != 0)
    {
      if (self->ranges)
        api->ur_end (range);
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "cannot start kernel %s", self->kernel_name);
      return FALSE;
    }
  self->launch.index = self->n_launches++;
  if (self->hook != NULL)
    self->hook (&self->launch, self->hook_data);
  state = wait_done (self, *t_start + (int64_t) self->timeout_ms * 1000000);
  *t_end = bs_clock_now_ns ();
  if (self->ranges)
    api->ur_end (range);

  if (in_progress (state))
    {
      self->in_flight = TRUE;
      set_xrt_error (error, G_IO_ERROR_TIMED_OUT, mark,
                     "kernel %s did not finish layers %u..%u (%s) within %u ms", self->kernel_name,
                     first, first + count - 1, bs_plan_op_name (self->plan, (int) first), self->timeout_ms);
      return FALSE;
    }
  if (state != ERT_CMD_STATE_COMPLETED)
    {
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "kernel %s ended %s on layers %u..%u",
                     self->kernel_name, state_name (state), first, first + count - 1);
      return FALSE;
    }
  register_exit_handler (AFTER_LAUNCH);
  return read_profile (self, first, count, have_profile, counter, error);
}

static uint32_t
counter_clock_khz (BsXrtBackend *self)
{
  if (self->clock_option_khz != 0)
    return self->clock_option_khz;
  if (self->xclbin->clock_khz != 0)
    return self->xclbin->clock_khz;
  return self->profile_clock_khz;
}

static gboolean
run_inference (BsXrtBackend *self, const uint8_t *image, gboolean want_events, GError **error)
{
  const BsAccelImage *img = self->image;
  uint32_t n = (uint32_t) self->plan->n_ops;
  gboolean have_profile = FALSE, counter = FALSE;
  int64_t t0, t1;
  goffset mark = bs_xrt_env_log_mark ();

  if (self->api->bo_write (self->bo[BS_KERNEL_ARG_ARENA], image, img->input_bytes, img->input_offset) != 0)
    {
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "cannot write the input image");
      return FALSE;
    }
  if (!sync_bo (self, BS_KERNEL_ARG_ARENA, XCL_BO_SYNC_BO_TO_DEVICE, img->input_bytes, img->input_offset, error))
    return FALSE;

  if (self->per_layer)
    for (uint32_t i = 0; i < n; i++)
      {
        if (!launch (self, i, 1, &t0, &t1, &have_profile, &counter, error))
          return FALSE;
        self->events[i] = (BsLayerEvent) { self->n_inferences, (int32_t) i, t0, t1, BS_CLOCK_HOST };
      }
  else
    {
      if (!launch (self, 0, n, &t0, &t1, &have_profile, &counter, error))
        return FALSE;
      if (have_profile)
        /* The counters start with the launch: offset t0 (host clock at start),
         * rate the kernel clock. Without a hardware counter they are the kernel's
         * modelled tally and say so. */
        bs_accel_profile_events (self->launch.args[BS_KERNEL_ARG_PROFILE].host, 0, n, t0,
                                 counter_clock_khz (self), counter ? BS_CLOCK_DEVICE : BS_CLOCK_MODELLED,
                                 self->n_inferences, self->events);
      else if (want_events)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "xrt: launch=inference times layers with the kernel's counters, and the "
                               "kernel wrote none (XRT's noop device executes nothing); use launch=layer "
                               "for host timing");
          return FALSE;
        }
    }
  if (!sync_bo (self, BS_KERNEL_ARG_ARENA, XCL_BO_SYNC_BO_FROM_DEVICE, img->output_bytes, img->output_offset, error))
    return FALSE;
  self->n_inferences++;
  return TRUE;
}

static gboolean
xrt_run (BsBackend *backend, const uint8_t *images, int n_images, int32_t *logits,
         BsLayerEventFunc func, gpointer user_data, GError **error)
{
  BsXrtBackend *self = (BsXrtBackend *) backend;
  const BsPlan *plan = self->plan;
  const BsPlanBuffer *out = &plan->buffers[plan->output];
  gsize in_size = self->image->input_bytes;
  gsize out_size = (gsize) out->shape.c * out->shape.h * out->shape.w;
  const uint8_t *arena = self->launch.args[BS_KERNEL_ARG_ARENA].host;

  if (!wait_for_timed_out_launch (self, error))
    return FALSE;
  for (int n = 0; n < n_images; n++)
    {
      const uint8_t *image = images + n * in_size;

      if (bs_backend_set_error_if_cancelled (backend, error))
        return FALSE;
      if (!run_inference (self, image, func != NULL, error))
        return FALSE;
      bs_plan_buffer_to_chw (plan, plan->output, arena + self->image->output_offset, logits + n * out_size);
      memcpy (self->last_image, image, in_size);
      self->have_run = TRUE;
      if (func != NULL)
        func (self->events, plan->n_ops, user_data);
    }
  return TRUE;
}

static gboolean
xrt_layer_loop (BsBackend *backend, int op, int64_t duration_ns, uint64_t *iterations, GError **error)
{
  BsXrtBackend *self = (BsXrtBackend *) backend;
  const BsAccelImage *img = self->image;
  gboolean have_profile, counter;
  int64_t t0, t1, end;
  goffset mark = bs_xrt_env_log_mark ();

  *iterations = 0;
  if (!self->have_run)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           "xrt: layer_loop needs a run first (it loops on that run's inputs)");
      return FALSE;
    }
  if (!wait_for_timed_out_launch (self, error))
    return FALSE;
  /* Replaying the layers before `op` on the last image restores its inputs. */
  if (self->api->bo_write (self->bo[BS_KERNEL_ARG_ARENA], self->last_image, img->input_bytes, img->input_offset) != 0)
    {
      set_xrt_error (error, G_IO_ERROR_FAILED, mark, "cannot write the input image");
      return FALSE;
    }
  if (!sync_bo (self, BS_KERNEL_ARG_ARENA, XCL_BO_SYNC_BO_TO_DEVICE, img->input_bytes, img->input_offset, error)
      || (op > 0 && !launch (self, 0, (uint32_t) op, &t0, &t1, &have_profile, &counter, error)))
    return FALSE;
  end = bs_clock_now_ns () + duration_ns;
  do
    {
      if (bs_backend_set_error_if_cancelled (backend, error)
          || !launch (self, (uint32_t) op, 1, &t0, &t1, &have_profile, &counter, error))
        return FALSE;
      (*iterations)++;
    }
  while (bs_clock_now_ns () < end);
  return TRUE;
}

const BsBackendClass bs_xrt_backend_class = {
  .name = "xrt",
  .description = "An FPGA through XRT (the bs_blend kernel in an xclbin)",
  .available = xrt_available,
  .open = xrt_open,
  .close = xrt_close,
  .prepare = xrt_prepare,
  .run = xrt_run,
  .layer_loop = xrt_layer_loop,
};

static BsXrtBackend *
xrt_backend (BsBackend *backend)
{
  g_return_val_if_fail (backend != NULL && backend->klass == &bs_xrt_backend_class, NULL);
  return (BsXrtBackend *) backend;
}

uint32_t
bs_xrt_backend_get_clock_khz (BsBackend *backend)
{
  return counter_clock_khz (xrt_backend (backend));
}

void
bs_xrt_backend_set_launch_hook (BsBackend *backend, BsXrtLaunchHook hook, gpointer user_data)
{
  BsXrtBackend *self = xrt_backend (backend);

  self->hook = hook;
  self->hook_data = user_data;
}
