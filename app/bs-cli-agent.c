/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-agent.c: `blendscope-cli agent`: the board side of a remote run. Speaks the
 * agent protocol (docs/agent-protocol.md, accel/remote/bs-agent-proto.h) on stdin and
 * stdout, normally started by the ssh backend as `ssh HOST blendscope-cli agent`; runs
 * any local backend. stdout carries frames only (anything else printing is sent to
 * stderr); stderr is for logs.
 *
 * The main thread reads messages; a run goes on a thread of its own, so that CANCEL and
 * PING are answered while it runs. Writes go through one lock. */
#include "bs-backend.h"
#include "bs-cli.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "remote/bs-agent-proto.h"

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define FLUSH_EVENTS 4096            /* events per EVENTS message, at most about */
#define FLUSH_NS (20 * 1000000)      /* or this long after the last one */

typedef struct
{
  GOutputStream *out;
  GMutex write_lock;
  gboolean write_failed;             /* under write_lock */
  /* For tests, a clock like another machine's: BS_AGENT_CLOCK_OFFSET_NS ahead of ours at
   * the start and gaining BS_AGENT_CLOCK_DRIFT_PPM. */
  int64_t clock_offset;
  double clock_drift_ppm;
  int64_t clock_start;
  char *cache_dir;
  GHashTable *models;                /* sha256 → GBytes */

  GBytes *model_bytes;
  BsModel *model;
  BsPlan *plan;
  BsBackend *backend;
  int n_logits;
  gsize image_size;

  GThread *runner;
  GBytes *images;
  int n_images;
  int n_done;
  GArray *pending;                   /* BsLayerEvent, not yet sent */
  int64_t last_flush;
} Agent;

static void
agent_log (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
agent_log (const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "blendscope-cli agent: %s\n", text);
}

/* A time of this machine's clock on the agent's (shifted) clock. */
static int64_t
agent_time (Agent *a, int64_t host_ns)
{
  return host_ns + a->clock_offset
         + (int64_t) (a->clock_drift_ppm * 1e-6 * (double) (host_ns - a->clock_start));
}

static int64_t
agent_now (Agent *a)
{
  return agent_time (a, bs_clock_now_ns ());
}

static gboolean
send_msg (Agent *a, const BsAgentMsg *msg)
{
  g_autoptr (GError) error = NULL;
  gboolean ok;

  g_mutex_lock (&a->write_lock);
  ok = !a->write_failed && bs_agent_msg_write (a->out, msg, NULL, &error);
  if (!ok && !a->write_failed)
    {
      agent_log ("cannot send %s: %s", bs_agent_msg_type_to_string (msg->type),
                 error ? error->message : "?");
      a->write_failed = TRUE;
    }
  g_mutex_unlock (&a->write_lock);
  return ok;
}

static void
send_error (Agent *a, const GError *error)
{
  BsAgentMsg msg = { .type = BS_AGENT_MSG_ERROR };
  g_autofree char *text = g_utf8_make_valid (error->message, MIN (strlen (error->message), 4000));

  msg.code = bs_agent_error_to_code (error);
  msg.text = text;
  send_msg (a, &msg);
}

/* "model name" (x86), else "Hardware" or "Model" (arm boards), else the machine. */
static char *
cpu_name (const struct utsname *u)
{
  g_autofree char *info = NULL;
  const char *keys[] = { "model name", "Hardware", "Model" };

  if (g_file_get_contents ("/proc/cpuinfo", &info, NULL, NULL))
    for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
      {
        g_auto (GStrv) lines = g_strsplit (info, "\n", -1);
        for (char **l = lines; *l; l++)
          if (g_str_has_prefix (*l, keys[k]) && strchr (*l, ':') != NULL)
            {
              char *value = g_strstrip (strchr (*l, ':') + 1);
              return g_utf8_make_valid (value, MIN (strlen (value), 200));
            }
      }
  return g_strdup (u->machine);
}

static void
send_hello (Agent *a, int64_t t1)
{
  BsAgentMsg msg = { .type = BS_AGENT_MSG_HELLO, .version = BS_AGENT_PROTOCOL_VERSION };
  struct utsname u;
  g_autoptr (GPtrArray) caps = g_ptr_array_new ();
  g_autofree char *cpu = NULL, *kernel = NULL;

  if (uname (&u) != 0)
    memset (&u, 0, sizeof u);
  cpu = cpu_name (&u);
  kernel = g_strdup_printf ("%s %s %s", u.sysname, u.release, u.machine);
  for (const BsBackendClass *const *k = bs_backend_list (); *k != NULL; k++)
    {
      g_autofree char *reason = NULL;
      if (strcmp ((*k)->name, "ssh") != 0 && (*k)->available (&reason))
        g_ptr_array_add (caps, (char *) (*k)->name);
    }
  g_ptr_array_add (caps, (char *) BS_AGENT_CAPABILITY_DEVICES);
  g_ptr_array_add (caps, NULL);
  msg.software = "blendscope " BS_VERSION;
  msg.cpu = cpu;
  msg.kernel = kernel;
  msg.capabilities = (char **) caps->pdata;
  msg.t1 = t1;
  msg.t2 = agent_now (a);
  send_msg (a, &msg);
}

/* ---- models ---- */

/* `blendscope-cli devices` of this machine, for `devices --host`. */
static void
send_devices (Agent *a)
{
  char *report = bs_cli_devices_report ();
  g_autoptr (GBytes) data = g_bytes_new_take (report, strlen (report));
  BsAgentMsg msg = { .type = BS_AGENT_MSG_DEVICES_LIST, .data = data };

  send_msg (a, &msg);
}

static char *
cache_path (Agent *a, const char *sha)
{
  g_autofree char *name = g_strconcat (sha, ".bsm", NULL);
  return a->cache_dir ? g_build_filename (a->cache_dir, name, NULL) : NULL;
}

static GBytes *
find_model (Agent *a, const char *sha)
{
  GBytes *bytes = g_hash_table_lookup (a->models, sha);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sum = NULL;
  gsize size;

  if (bytes != NULL)
    return bytes;
  path = cache_path (a, sha);
  if (path == NULL || !g_file_get_contents (path, &contents, &size, NULL))
    return NULL;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, size);
  if (strcmp (sum, sha) != 0)
    {
      agent_log ("cached model %s does not match its hash; ignored", path);
      return NULL;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), size);
  g_hash_table_insert (a->models, g_strdup (sha), bytes);
  return bytes;
}

static void
answer_model_query (Agent *a, const char *sha)
{
  BsAgentMsg msg = { .type = BS_AGENT_MSG_MODEL_STATUS };

  memcpy (msg.sha256, sha, 65);
  msg.have = find_model (a, sha) != NULL;
  send_msg (a, &msg);
}

static void
take_model (Agent *a, BsAgentMsg *in)
{
  g_autofree char *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, in->data);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  if (strcmp (sum, in->sha256) != 0)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the model sent has SHA-256 %s, not %s as announced", sum, in->sha256);
      send_error (a, error);
      return;
    }
  g_hash_table_insert (a->models, g_strdup (in->sha256), g_bytes_ref (in->data));
  path = cache_path (a, in->sha256);
  if (path != NULL)
    {
      gsize size;
      const char *data = g_bytes_get_data (in->data, &size);

      if (g_mkdir_with_parents (a->cache_dir, 0700) != 0
          || !g_file_set_contents (path, data, size, &error))
        agent_log ("model not cached in %s: %s", a->cache_dir,
                   error ? error->message : g_strerror (errno));
    }
  answer_model_query (a, in->sha256);
}

static void
close_backend (Agent *a)
{
  g_clear_pointer (&a->backend, bs_backend_close);
  g_clear_pointer (&a->plan, bs_plan_free);
  g_clear_pointer (&a->model, bs_model_free);
  g_clear_pointer (&a->model_bytes, g_bytes_unref);
}

static void
open_backend (Agent *a, BsAgentMsg *in)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = find_model (a, in->sha256);
  BsAgentMsg msg = { .type = BS_AGENT_MSG_OPENED };
  BsShape out;

  close_backend (a);
  if (bytes == NULL)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the agent has no model %s", in->sha256);
  else if (g_str_has_prefix (in->spec, "ssh"))
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "the agent runs local backends only, not '%s'", in->spec);
  else if ((a->model_bytes = g_bytes_ref (bytes), a->model = bs_model_load_from_bytes (bytes, &error)) != NULL
           && (a->plan = bs_plan_compile (a->model, &error)) != NULL
           && (a->backend = bs_backend_open (in->spec, &error)) != NULL)
    bs_backend_prepare (a->backend, a->plan, &error);
  if (error != NULL)
    {
      close_backend (a);
      send_error (a, error);
      return;
    }
  out = bs_model_output_shape (a->model);
  a->n_logits = out.c * out.h * out.w;
  a->image_size = (gsize) a->model->input_shape.c * a->model->input_shape.h * a->model->input_shape.w;
  msg.n_ops = a->plan->n_ops;
  msg.n_logits = a->n_logits;
  msg.image_size = a->image_size;
  msg.text = (char *) bs_backend_get_class (a->backend)->description;
  agent_log ("opened %s for model %s (%d ops)", in->spec, a->model->name, a->plan->n_ops);
  send_msg (a, &msg);
}

/* ---- runs ---- */

static void
flush_events (Agent *a)
{
  BsAgentMsg msg = { .type = BS_AGENT_MSG_EVENTS, .events = a->pending };

  if (a->pending->len > 0 && !send_msg (a, &msg))
    bs_backend_cancel (a->backend);   /* nobody is listening */
  g_array_set_size (a->pending, 0);
  a->last_flush = bs_clock_now_ns ();
}

static void
on_events (const BsLayerEvent *events, int n_events, gpointer user_data)
{
  Agent *a = user_data;

  for (int i = 0; i < n_events; i++)
    {
      BsLayerEvent e = events[i];
      e.t_start_ns = agent_time (a, e.t_start_ns);
      e.t_end_ns = agent_time (a, e.t_end_ns);
      g_array_append_val (a->pending, e);
    }
  a->n_done++;
  if (a->pending->len >= FLUSH_EVENTS || bs_clock_now_ns () - a->last_flush >= FLUSH_NS)
    flush_events (a);
}

static gpointer
run_thread (gpointer data)
{
  Agent *a = data;
  g_autoptr (GError) error = NULL;
  g_autofree int32_t *logits = g_new0 (int32_t, (gsize) a->n_images * a->n_logits + 1);
  BsAgentMsg msg = { .type = BS_AGENT_MSG_RUN_END };
  gboolean ok;

  a->n_done = 0;
  a->last_flush = bs_clock_now_ns ();
  ok = bs_backend_run (a->backend, g_bytes_get_data (a->images, NULL), a->n_images, logits,
                       on_events, a, &error);
  flush_events (a);
  msg.n_images = a->n_done;
  msg.data = g_bytes_new (logits, (gsize) a->n_done * a->n_logits * sizeof (int32_t));
  if (!ok)
    {
      msg.code = bs_agent_error_to_code (error);
      msg.text = error->message;
    }
  send_msg (a, &msg);
  g_bytes_unref (msg.data);
  g_clear_pointer (&a->images, g_bytes_unref);
  return NULL;
}

static void
join_runner (Agent *a)
{
  if (a->runner != NULL)
    g_thread_join (g_steal_pointer (&a->runner));
}

static void
start_run (Agent *a, BsAgentMsg *in)
{
  g_autoptr (GError) error = NULL;
  gsize size = g_bytes_get_size (in->data);

  if (a->backend == NULL)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "RUN before OPEN");
  else if (in->n_images == 0 || size / in->n_images != a->image_size || size % in->n_images != 0)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "RUN: %zu bytes are not %u images of %zu bytes", size, in->n_images, a->image_size);
  else if ((guint64) in->n_images * a->n_logits * sizeof (int32_t) > BS_AGENT_MAX_PAYLOAD - 65536)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "RUN: the logits of %u images would not fit in one RUN_END", in->n_images);
  if (error != NULL)
    {
      send_error (a, error);
      return;
    }
  bs_backend_reset_cancel (a->backend);
  a->images = g_bytes_ref (in->data);
  a->n_images = in->n_images;
  a->runner = g_thread_new ("agent-run", run_thread, a);
}

/* ---- the loop ---- */

static int
serve (Agent *a, GInputStream *in)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsAgentMsg) hello = NULL;
  int64_t t1;
  int status = 0;

  hello = bs_agent_msg_read (in, NULL, &error);
  t1 = agent_now (a);
  if (hello == NULL || hello->type != BS_AGENT_MSG_HELLO)
    {
      agent_log ("no HELLO from the client: %s", error ? error->message : "another message first");
      return 1;
    }
  send_hello (a, t1);
  if (hello->version != BS_AGENT_PROTOCOL_VERSION)
    {
      agent_log ("the client speaks protocol %u, this agent (blendscope %s) speaks %d",
                 hello->version, BS_VERSION, BS_AGENT_PROTOCOL_VERSION);
      return 1;
    }
  for (;;)
    {
      g_autoptr (BsAgentMsg) msg = bs_agent_msg_read (in, NULL, &error);
      int64_t received = agent_now (a);

      if (msg == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
            {
              agent_log ("%s", error->message);
              send_error (a, error);
              status = 1;
            }
          break;
        }
      if (msg->type != BS_AGENT_MSG_CANCEL && msg->type != BS_AGENT_MSG_PING)
        join_runner (a);
      switch (msg->type)
        {
        case BS_AGENT_MSG_PING:
          {
            BsAgentMsg pong = { .type = BS_AGENT_MSG_PONG, .seq = msg->seq, .t0 = msg->t0,
                                .t1 = received };
            pong.t2 = agent_now (a);
            send_msg (a, &pong);
            break;
          }
        case BS_AGENT_MSG_MODEL_QUERY:
          answer_model_query (a, msg->sha256);
          break;
        case BS_AGENT_MSG_DEVICES:
          send_devices (a);
          break;
        case BS_AGENT_MSG_MODEL_DATA:
          take_model (a, msg);
          break;
        case BS_AGENT_MSG_OPEN:
          open_backend (a, msg);
          break;
        case BS_AGENT_MSG_RUN:
          start_run (a, msg);
          break;
        case BS_AGENT_MSG_CANCEL:
          if (a->runner != NULL)
            bs_backend_cancel (a->backend);
          break;
        case BS_AGENT_MSG_BYE:
          goto out;
        default:
          {
            g_autoptr (GError) e = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                                "the agent does not take %s messages",
                                                bs_agent_msg_type_to_string (msg->type));
            send_error (a, e);
          }
        }
    }
out:
  if (a->runner != NULL)
    bs_backend_cancel (a->backend);
  join_runner (a);
  return status;
}

int
bs_cli_agent (int argc, char **argv)
{
  g_autofree char *cache_dir = NULL;
  gboolean no_cache = FALSE;
  GOptionEntry entries[] = {
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_dir,
      "Where models are cached by hash ($XDG_CACHE_HOME/blendscope/agent-models)", "DIR" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, "Keep models in memory only", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "- serve the agent protocol on stdin/stdout (started by `ssh HOST blendscope-cli agent`)");
  g_autoptr (GInputStream) in = NULL;
  const char *shift = g_getenv ("BS_AGENT_CLOCK_OFFSET_NS");
  const char *drift = g_getenv ("BS_AGENT_CLOCK_DRIFT_PPM");
  Agent a = { 0 };
  int fd, status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1)
    {
      fprintf (stderr, "blendscope-cli agent: takes no arguments\n");
      return 2;
    }
  /* A client gone mid-write is an error to handle, not a death. */
  signal (SIGPIPE, SIG_IGN);
  /* The protocol gets stdout's descriptor; whatever else prints goes to stderr. */
  fflush (stdout);
  fd = dup (STDOUT_FILENO);
  if (fd < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    {
      perror ("blendscope-cli agent: dup");
      return 1;
    }
  g_mutex_init (&a.write_lock);
  a.out = g_unix_output_stream_new (fd, TRUE);
  in = g_buffered_input_stream_new (g_unix_input_stream_new (STDIN_FILENO, FALSE));
  g_object_unref (g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (in)));
  if (shift != NULL)
    {
      a.clock_offset = g_ascii_strtoll (shift, NULL, 10);
      agent_log ("clock shifted by %" G_GINT64_FORMAT " ns (BS_AGENT_CLOCK_OFFSET_NS)", a.clock_offset);
    }
  a.clock_start = bs_clock_now_ns ();
  if (drift != NULL)
    {
      a.clock_drift_ppm = g_ascii_strtod (drift, NULL);
      agent_log ("clock drifting by %+g ppm (BS_AGENT_CLOCK_DRIFT_PPM)", a.clock_drift_ppm);
    }
  if (!no_cache)
    a.cache_dir = cache_dir ? g_strdup (cache_dir)
                            : g_build_filename (g_get_user_cache_dir (), "blendscope", "agent-models", NULL);
  a.models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  a.pending = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));

  status = serve (&a, in);

  close_backend (&a);
  g_array_unref (a.pending);
  g_hash_table_unref (a.models);
  g_free (a.cache_dir);
  g_object_unref (a.out);
  g_mutex_clear (&a.write_lock);
  return status;
}
