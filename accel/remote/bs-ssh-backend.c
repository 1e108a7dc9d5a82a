/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-ssh-backend.c: the ssh backend (bs-ssh-backend.h). Starts
 * `ssh -o BatchMode=yes [-p PORT] [user@]host blendscope-cli agent` (the program from
 * $BS_SSH if set, for tests) with GSubprocess and speaks the agent protocol over its
 * stdin/stdout: HELLO and PINGs estimate the clock offset, prepare sends the model by
 * hash, run maps onto RUN / EVENTS / RUN_END, cancel onto CANCEL. During a run a PING goes
 * out every RUN_PING_INTERVAL_NS, so that the offset's drift is followed
 * (bs-link-clock.h). Event times arrive on the agent's clock and are converted to ours
 * with the estimate at the time. ssh's stderr is kept
 * (the last few KiB) for error messages. Never tried against a real remote board. */
#include "bs-ssh-backend.h"
#include "remote/bs-agent-proto.h"

#include <signal.h>
#include <string.h>

#define N_PINGS 8
#define RUN_PING_INTERVAL_NS (100 * G_GINT64_CONSTANT (1000000))
#define STDERR_TAIL 2048

typedef struct
{
  BsBackend parent;
  char *host;                  /* [user@]host, as given to ssh */
  char *port;                  /* or NULL */
  char *remote_spec;           /* BACKEND[:options], opened by the agent */
  GSubprocess *proc;
  GInputStream *in;
  GOutputStream *out;
  GThread *stderr_thread;
  GMutex tail_lock;
  GString *tail;               /* the end of ssh's stderr */
  gboolean broken;             /* the link failed: no more messages */
  BsLinkClock *clock;
  BsLinkClockEstimate estimate;  /* of every exchange so far */
  uint64_t next_seq;
  gboolean ping_out;           /* a PING awaits its PONG */
  uint64_t ping_seq;
  int64_t ping_t0;             /* when it went out; also when the last one did */
  char *software, *cpu, *kernel;
  GStrv capabilities;          /* the agent's HELLO */
  int32_t n_ops, n_logits;
  uint32_t image_size;
} BsSshBackend;

static const char *
ssh_program (void)
{
  const char *p = g_getenv ("BS_SSH");
  return p != NULL && *p ? p : "ssh";
}

static gboolean
ssh_available (char **reason)
{
  g_autofree char *path = g_find_program_in_path (ssh_program ());

  if (path == NULL)
    {
      *reason = g_strdup_printf ("no '%s' program (apt-get install openssh-client)", ssh_program ());
      return FALSE;
    }
  return TRUE;
}

/* A host or user that ssh could take for an option, or that is not one word. */
static gboolean
word_is_safe (const char *s)
{
  if (*s == 0 || *s == '-')
    return FALSE;
  for (const char *p = s; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) || strchr ("/'\"`$;&|\\", *p))
      return FALSE;
  return TRUE;
}

static gboolean
parse_url (BsSshBackend *self, const char *url, GError **error)
{
  const char *rest, *slash, *at;
  g_autofree char *authority = NULL, *user = NULL, *host = NULL;
  char *colon;

  if (!g_str_has_prefix (url, "ssh://") || (slash = strchr (url + 6, '/')) == NULL
      || slash[1] == 0)
    goto bad;
  rest = url + 6;
  authority = g_strndup (rest, slash - rest);
  self->remote_spec = g_strdup (slash + 1);
  at = strrchr (authority, '@');
  if (at != NULL)
    {
      user = g_strndup (authority, at - authority);
      host = g_strdup (at + 1);
    }
  else
    host = g_strdup (authority);
  if (host[0] == '[')
    {
      char *close = strchr (host, ']');
      if (close == NULL || (close[1] != 0 && close[1] != ':'))
        goto bad;
      if (close[1] == ':')
        self->port = g_strdup (close + 2);
      *close = 0;
      memmove (host, host + 1, strlen (host));
    }
  else if ((colon = strrchr (host, ':')) != NULL)
    {
      self->port = g_strdup (colon + 1);
      *colon = 0;
    }
  if (self->port != NULL)
    {
      guint64 port;
      if (!g_ascii_string_to_unsigned (self->port, 10, 1, 65535, &port, NULL))
        goto bad;
    }
  if (!word_is_safe (host) || (user != NULL && !word_is_safe (user)))
    goto bad;
  self->host = user ? g_strdup_printf ("%s@%s", user, host) : g_strdup (host);
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "'%s' is not ssh://[user@]host[:port]/BACKEND[:options]", url);
  return FALSE;
}

static gpointer
stderr_reader (gpointer data)
{
  BsSshBackend *self = data;
  GInputStream *err = g_subprocess_get_stderr_pipe (self->proc);
  char buf[512];
  gssize n;

  while ((n = g_input_stream_read (err, buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_mutex_lock (&self->tail_lock);
      g_string_append_len (self->tail, buf, n);
      if (self->tail->len > STDERR_TAIL)
        g_string_erase (self->tail, 0, self->tail->len - STDERR_TAIL);
      g_mutex_unlock (&self->tail_lock);
      g_debug ("ssh %s: %.*s", self->host, (int) n, buf);
    }
  return NULL;
}

/* How ssh ended (waiting a little for it), and the end of what it said on stderr. */
static char *
describe_exit (BsSshBackend *self)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *tail = NULL;

  for (int i = 0; i < 200 && g_subprocess_get_identifier (self->proc) != NULL; i++)
    g_usleep (10000);
  if (g_subprocess_get_identifier (self->proc) != NULL)
    g_string_append (s, "ssh is still running");
  else
    {
      g_subprocess_wait (self->proc, NULL, NULL);
      if (g_subprocess_get_if_exited (self->proc))
        g_string_append_printf (s, "ssh exited with status %d", g_subprocess_get_exit_status (self->proc));
      else if (g_subprocess_get_if_signaled (self->proc))
        g_string_append_printf (s, "ssh was killed by signal %d", g_subprocess_get_term_sig (self->proc));
    }
  if (self->stderr_thread != NULL && g_subprocess_get_identifier (self->proc) == NULL)
    g_thread_join (g_steal_pointer (&self->stderr_thread));
  g_mutex_lock (&self->tail_lock);
  tail = g_utf8_make_valid (self->tail->str, self->tail->len);
  g_mutex_unlock (&self->tail_lock);
  g_strstrip (tail);
  if (*tail)
    g_string_append_printf (s, "; it said: %s", tail);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* A failed read or write: the link is gone (or the agent spoke nonsense). */
static void
link_error (BsSshBackend *self, GError *cause, const char *when, GError **error)
{
  g_autofree char *how = NULL;

  self->broken = TRUE;
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "ssh://%s: %s: %s", self->host,
                   when, cause->message);
      g_subprocess_force_exit (self->proc);
      return;
    }
  g_subprocess_force_exit (self->proc);
  how = describe_exit (self);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
               "ssh://%s: the link to the agent dropped %s (%s: %s)", self->host, when, how,
               cause->message);
}

static gboolean
send_msg (BsSshBackend *self, const BsAgentMsg *msg, const char *when, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (self->broken)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "ssh://%s: the link is down", self->host);
      return FALSE;
    }
  if (bs_agent_msg_write (self->out, msg, NULL, &local))
    return TRUE;
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  link_error (self, local, when, error);
  return FALSE;
}

/* The next message; an ERROR from the agent becomes *error. */
static BsAgentMsg *
recv_msg (BsSshBackend *self, const char *when, GError **error)
{
  g_autoptr (GError) local = NULL;
  BsAgentMsg *msg;

  if (self->broken)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "ssh://%s: the link is down", self->host);
      return NULL;
    }
  msg = bs_agent_msg_read (self->in, NULL, &local);
  if (msg == NULL)
    {
      link_error (self, local, when, error);
      return NULL;
    }
  if (msg->type == BS_AGENT_MSG_ERROR)
    {
      g_autofree char *text = g_strdup_printf ("ssh://%s: %s", self->host, msg->text);
      bs_agent_set_error_from_code (error, msg->code, text);
      bs_agent_msg_free (msg);
      return NULL;
    }
  return msg;
}

static BsAgentMsg *
expect (BsSshBackend *self, BsAgentMsgType type, const char *when, GError **error)
{
  BsAgentMsg *msg = recv_msg (self, when, error);

  if (msg != NULL && msg->type != type)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "ssh://%s: the agent answered %s with %s, not %s", self->host, when,
                   bs_agent_msg_type_to_string (msg->type), bs_agent_msg_type_to_string (type));
      bs_agent_msg_free (msg);
      self->broken = TRUE;
      return NULL;
    }
  return msg;
}

/* ---- the agent's clock ---- */

/* An exchange that contradicts itself (a negative round trip) is not taken. */
static void
take_exchange (BsSshBackend *self, int64_t t0, int64_t t1, int64_t t2, int64_t t3)
{
  if (bs_link_clock_add (self->clock, t0, t1, t2, t3))
    bs_link_clock_estimate (self->clock, &self->estimate);
}

static gboolean
send_ping (BsSshBackend *self, const char *when, GError **error)
{
  BsAgentMsg ping = { .type = BS_AGENT_MSG_PING, .seq = self->next_seq++ };

  g_assert (!self->ping_out);
  ping.t0 = bs_clock_now_ns ();
  if (!send_msg (self, &ping, when, error))
    return FALSE;
  self->ping_out = TRUE;
  self->ping_seq = ping.seq;
  self->ping_t0 = ping.t0;
  return TRUE;
}

static gboolean
take_pong (BsSshBackend *self, const BsAgentMsg *pong, GError **error)
{
  int64_t t3 = bs_clock_now_ns ();

  if (!self->ping_out || pong->seq != self->ping_seq || pong->t0 != self->ping_t0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "ssh://%s: a PONG does not answer the PING sent", self->host);
      self->broken = TRUE;
      return FALSE;
    }
  self->ping_out = FALSE;
  take_exchange (self, pong->t0, pong->t1, pong->t2, t3);
  return TRUE;
}

/* An agent time on our clock, by the estimate at that moment. */
static int64_t
to_our_clock (const BsSshBackend *self, int64_t agent_ns)
{
  return agent_ns - bs_link_clock_offset_at (&self->estimate, agent_ns - self->estimate.offset_ns);
}

/* HELLO, then PINGs: offset and uncertainty from the exchanges (bs-link-clock.h). */
static gboolean
handshake (BsSshBackend *self, GError **error)
{
  BsAgentMsg hello = { .type = BS_AGENT_MSG_HELLO, .version = BS_AGENT_PROTOCOL_VERSION,
                       .software = "blendscope " BS_VERSION };
  g_autoptr (BsAgentMsg) reply = NULL;
  g_autoptr (GError) local = NULL;
  int64_t t3;

  hello.t0 = bs_clock_now_ns ();
  if (!send_msg (self, &hello, "at the start", &local)
      || (reply = expect (self, BS_AGENT_MSG_HELLO, "at the start", &local)) == NULL)
    {
      if (self->broken && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
          && g_subprocess_get_identifier (self->proc) == NULL
          && g_subprocess_get_if_exited (self->proc) && g_subprocess_get_exit_status (self->proc) == 255)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                     "ssh could not log in to %s%s%s (status 255, ssh's own failure: no route,"
                     " unknown host key, or no key it accepts; BatchMode never asks for a"
                     " password): %s", self->host, self->port ? " port " : "",
                     self->port ? self->port : "", local->message);
      else if (self->broken && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "no blendscope agent answered on %s: %s. Is blendscope %s installed there,"
                     " with blendscope-cli on the PATH of a non-interactive ssh session, and does"
                     " `ssh -o BatchMode=yes %s true` work without a password?",
                     self->host, local->message, BS_VERSION, self->host);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  t3 = bs_clock_now_ns ();
  if (reply->version != BS_AGENT_PROTOCOL_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "the agent on %s speaks protocol version %u; this blendscope (%s) speaks"
                   " version %d: install blendscope %s on %s", self->host, reply->version,
                   BS_VERSION, BS_AGENT_PROTOCOL_VERSION, BS_VERSION, self->host);
      self->broken = TRUE;
      return FALSE;
    }
  self->software = g_strdup (reply->software);
  self->cpu = g_strdup (reply->cpu);
  self->kernel = g_strdup (reply->kernel);
  self->capabilities = g_strdupv (reply->capabilities);
  take_exchange (self, hello.t0, reply->t1, reply->t2, t3);
  for (int i = 0; i < N_PINGS; i++)
    {
      g_autoptr (BsAgentMsg) pong = NULL;

      if (!send_ping (self, "during the clock exchange", error)
          || (pong = expect (self, BS_AGENT_MSG_PONG, "a PING", error)) == NULL
          || !take_pong (self, pong, error))
        return FALSE;
    }
  if (self->estimate.n_exchanges == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "ssh://%s: no clock exchange with the agent was consistent (a round trip"
                   " shorter than the agent's own answer time)", self->host);
      return FALSE;
    }
  g_printerr ("blendscope: ssh://%s: agent %s on %s (%s); clock offset %+.3f ms, uncertainty"
              " %.3f ms (round trip %.3f ms)\n", self->host, self->software, self->cpu,
              self->kernel, self->estimate.offset_ns / 1e6, self->estimate.uncertainty_ns / 1e6,
              self->estimate.best_rtt_ns / 1e6);
  return TRUE;
}

static void ssh_close (BsBackend *backend);

static BsBackend *
ssh_open (GHashTable *options, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  const char *url = g_hash_table_lookup (options, "url");
  BsSshBackend *self;

  g_hash_table_iter_init (&iter, options);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (strcmp (key, "url") != 0)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "the ssh backend is written ssh://[user@]host[:port]/BACKEND[:options], not"
                     " with option '%s'", (const char *) key);
        return NULL;
      }
  if (url == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "the ssh backend is written ssh://[user@]host[:port]/BACKEND[:options]");
      return NULL;
    }
  /* A write to an agent that has gone must fail with EPIPE, not kill this process.
   * Only when nobody chose otherwise (the default disposition). */
  {
    struct sigaction old;
    if (sigaction (SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
      signal (SIGPIPE, SIG_IGN);
  }
  self = g_new0 (BsSshBackend, 1);
  g_mutex_init (&self->tail_lock);
  self->tail = g_string_new (NULL);
  self->clock = bs_link_clock_new ();
  if (!parse_url (self, url, error))
    {
      ssh_close (&self->parent);
      return NULL;
    }
  g_ptr_array_add (argv, (char *) ssh_program ());
  g_ptr_array_add (argv, "-o");
  g_ptr_array_add (argv, "BatchMode=yes");        /* never a password prompt */
  g_ptr_array_add (argv, "-o");
  g_ptr_array_add (argv, "ConnectTimeout=15");
  g_ptr_array_add (argv, "-o");
  g_ptr_array_add (argv, "ServerAliveInterval=5"); /* a dead link ends the session */
  if (self->port != NULL)
    {
      g_ptr_array_add (argv, "-p");
      g_ptr_array_add (argv, self->port);
    }
  g_ptr_array_add (argv, self->host);
  g_ptr_array_add (argv, "blendscope-cli");
  g_ptr_array_add (argv, "agent");
  g_ptr_array_add (argv, NULL);
  self->proc = g_subprocess_newv ((const char *const *) argv->pdata,
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                  | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (self->proc == NULL)
    {
      ssh_close (&self->parent);
      return NULL;
    }
  self->in = g_buffered_input_stream_new_sized (g_subprocess_get_stdout_pipe (self->proc), 65536);
  self->out = g_object_ref (g_subprocess_get_stdin_pipe (self->proc));
  self->stderr_thread = g_thread_new ("ssh-stderr", stderr_reader, self);
  if (!handshake (self, error))
    {
      ssh_close (&self->parent);
      return NULL;
    }
  return &self->parent;
}

static void
ssh_close (BsBackend *backend)
{
  BsSshBackend *self = (BsSshBackend *) backend;

  if (self->proc != NULL)
    {
      if (!self->broken)
        {
          BsAgentMsg bye = { .type = BS_AGENT_MSG_BYE };
          bs_agent_msg_write (self->out, &bye, NULL, NULL);
        }
      g_output_stream_close (self->out, NULL, NULL);
      for (int i = 0; i < 200 && g_subprocess_get_identifier (self->proc) != NULL; i++)
        g_usleep (10000);
      g_subprocess_force_exit (self->proc);
      g_subprocess_wait (self->proc, NULL, NULL);
    }
  if (self->stderr_thread != NULL)
    g_thread_join (self->stderr_thread);
  g_clear_object (&self->in);
  g_clear_object (&self->out);
  g_clear_object (&self->proc);
  g_string_free (self->tail, TRUE);
  g_mutex_clear (&self->tail_lock);
  g_free (self->host);
  g_free (self->port);
  g_free (self->remote_spec);
  g_free (self->software);
  g_free (self->cpu);
  g_free (self->kernel);
  g_strfreev (self->capabilities);
  bs_link_clock_free (self->clock);
  g_free (self);
}

static gboolean
ssh_prepare (BsBackend *backend, const BsPlan *plan, GError **error)
{
  BsSshBackend *self = (BsSshBackend *) backend;
  g_autoptr (GBytes) bytes = bs_model_serialize (plan->model, error);
  g_autofree char *sha = NULL;
  g_autoptr (BsAgentMsg) status = NULL;
  g_autoptr (BsAgentMsg) opened = NULL;
  BsAgentMsg msg = { .type = BS_AGENT_MSG_MODEL_QUERY };
  BsShape out = bs_model_output_shape (plan->model);
  uint64_t image_size = (uint64_t) plan->model->input_shape.c * plan->model->input_shape.h
                        * plan->model->input_shape.w;

  if (bytes == NULL)
    return FALSE;
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  memcpy (msg.sha256, sha, 65);
  if (!send_msg (self, &msg, "sending the model", error)
      || (status = expect (self, BS_AGENT_MSG_MODEL_STATUS, "the model's hash", error)) == NULL)
    return FALSE;
  if (!status->have)
    {
      g_clear_pointer (&status, bs_agent_msg_free);
      msg.type = BS_AGENT_MSG_MODEL_DATA;
      msg.data = bytes;
      if (!send_msg (self, &msg, "sending the model", error)
          || (status = expect (self, BS_AGENT_MSG_MODEL_STATUS, "the model", error)) == NULL)
        return FALSE;
      if (!status->have)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "ssh://%s: the agent did not keep the model", self->host);
          return FALSE;
        }
    }
  memset (&msg, 0, sizeof msg);
  msg.type = BS_AGENT_MSG_OPEN;
  memcpy (msg.sha256, sha, 65);
  msg.spec = self->remote_spec;
  if (!send_msg (self, &msg, "opening the backend", error)
      || (opened = expect (self, BS_AGENT_MSG_OPENED, "opening the backend", error)) == NULL)
    return FALSE;
  if (opened->n_ops != plan->n_ops || opened->n_logits != out.c * out.h * out.w
      || opened->image_size != image_size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "ssh://%s: the agent (%s) compiled the model to %d ops, %d logits, %u-byte"
                   " images; here %d, %d, %" G_GUINT64_FORMAT ": install blendscope %s there",
                   self->host, self->software, opened->n_ops, opened->n_logits,
                   opened->image_size, plan->n_ops, out.c * out.h * out.w, image_size, BS_VERSION);
      return FALSE;
    }
  self->n_ops = opened->n_ops;
  self->n_logits = opened->n_logits;
  self->image_size = opened->image_size;
  return TRUE;
}

/* Hands one EVENTS message to func, one call per inference, times on our clock. */
static gboolean
deliver (BsSshBackend *self, GArray *events, BsLayerEventFunc func, gpointer user_data,
         int *n_seen, GError **error)
{
  BsLayerEvent *e = (BsLayerEvent *) events->data;

  for (guint i = 0; i < events->len; i++)
    {
      if (e[i].op >= self->n_ops)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "ssh://%s: an event names op %d of %d", self->host, e[i].op, self->n_ops);
          return FALSE;
        }
      e[i].t_start_ns = to_our_clock (self, e[i].t_start_ns);
      e[i].t_end_ns = to_our_clock (self, e[i].t_end_ns);
    }
  for (guint i = 0; i < events->len;)
    {
      guint j = i;
      while (j < events->len && e[j].inference == e[i].inference)
        j++;
      if (func != NULL)
        func (e + i, j - i, user_data);
      (*n_seen)++;
      i = j;
    }
  return TRUE;
}

/* A PING still out when a run ends is answered next: read its PONG, so that the next
 * request finds a quiet stream. */
static gboolean
await_pong (BsSshBackend *self, const char *when, GError **error)
{
  g_autoptr (BsAgentMsg) pong = NULL;

  if (!self->ping_out)
    return TRUE;
  pong = expect (self, BS_AGENT_MSG_PONG, when, error);
  return pong != NULL && take_pong (self, pong, error);
}

static gboolean
run_chunk (BsSshBackend *self, const uint8_t *images, int n, int32_t *logits,
           BsLayerEventFunc func, gpointer user_data, int *n_seen, GError **error)
{
  BsAgentMsg msg = { .type = BS_AGENT_MSG_RUN, .n_images = n };
  g_autoptr (GBytes) data = g_bytes_new_static (images, (gsize) n * self->image_size);
  gboolean cancel_sent = FALSE;
  g_autofree char *when = NULL;

  msg.data = data;
  if (!send_msg (self, &msg, "starting a run", error))
    return FALSE;
  for (;;)
    {
      g_autoptr (BsAgentMsg) in = NULL;

      g_free (when);
      when = *n_seen > 0 ? g_strdup_printf ("during the run, after %d inferences of this call", *n_seen)
                         : g_strdup ("during the run");
      in = recv_msg (self, when, error);
      if (in == NULL)
        return FALSE;
      if (in->type == BS_AGENT_MSG_EVENTS)
        {
          if (!deliver (self, in->events, func, user_data, n_seen, error))
            {
              self->broken = TRUE;
              g_subprocess_force_exit (self->proc);
              return FALSE;
            }
        }
      else if (in->type == BS_AGENT_MSG_PONG)
        {
          if (!take_pong (self, in, error))
            return FALSE;
        }
      else if (in->type == BS_AGENT_MSG_RUN_END)
        {
          gsize size = g_bytes_get_size (in->data);

          if (in->n_images > (uint32_t) n
              || size != (gsize) in->n_images * self->n_logits * sizeof (int32_t))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "ssh://%s: the run ended with %u inferences' logits in %zu bytes",
                           self->host, in->n_images, size);
              self->broken = TRUE;
              return FALSE;
            }
          memcpy (logits, g_bytes_get_data (in->data, NULL), size);
          if (!await_pong (self, when, error))
            return FALSE;
          if (in->code != 0)
            {
              bs_agent_set_error_from_code (error, in->code, in->text);
              return FALSE;
            }
          if (in->n_images != (uint32_t) n)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "ssh://%s: the agent ran %u of %d inferences", self->host, in->n_images, n);
              return FALSE;
            }
          return TRUE;
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "ssh://%s: a %s message during a run", self->host,
                       bs_agent_msg_type_to_string (in->type));
          self->broken = TRUE;
          return FALSE;
        }
      if (!self->ping_out && bs_clock_now_ns () - self->ping_t0 >= RUN_PING_INTERVAL_NS
          && !send_ping (self, when, error))
        return FALSE;
      if (!cancel_sent && bs_backend_is_cancelled (&self->parent))
        {
          BsAgentMsg cancel = { .type = BS_AGENT_MSG_CANCEL };
          if (!send_msg (self, &cancel, when, error))
            return FALSE;
          cancel_sent = TRUE;
        }
    }
}

static gboolean
ssh_run (BsBackend *backend, const uint8_t *images, int n_images, int32_t *logits,
         BsLayerEventFunc func, gpointer user_data, GError **error)
{
  BsSshBackend *self = (BsSshBackend *) backend;
  /* RUN carries the images, RUN_END the logits: both within a message's bound. */
  gsize limit = BS_AGENT_MAX_PAYLOAD - 65536;
  int chunk = (int) MIN (limit / self->image_size, limit / (self->n_logits * sizeof (int32_t)));
  int n_seen = 0;

  for (int first = 0; first < n_images; first += chunk)
    {
      int n = MIN (chunk, n_images - first);

      if (bs_backend_set_error_if_cancelled (backend, error))
        return FALSE;
      if (!run_chunk (self, images + (gsize) first * self->image_size, n,
                      logits + (gsize) first * self->n_logits, func, user_data, &n_seen, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
ssh_layer_loop (BsBackend *backend, int op, int64_t duration_ns, uint64_t *iterations,
                GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "the ssh backend cannot loop a layer yet (agent protocol version 1 has no"
                       " such message)");
  return FALSE;
}

gboolean
bs_ssh_backend_get_link (BsBackend *backend, BsRemoteLink *link)
{
  BsSshBackend *self = (BsSshBackend *) backend;

  if (bs_backend_get_class (backend) != &bs_ssh_backend_class)
    return FALSE;
  link->host = self->host;
  link->software = self->software;
  link->cpu = self->cpu;
  link->kernel = self->kernel;
  link->clock = self->estimate;
  return TRUE;
}

char *
bs_ssh_list_devices (const char *host, GError **error)
{
  const char *bare = g_str_has_prefix (host, "ssh://") ? host + 6 : host;
  /* A link opened for no backend: the agent opens one only when asked (OPEN). */
  g_autofree char *url = g_strdup_printf ("ssh://%s/-", bare);
  g_autoptr (GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (BsAgentMsg) list = NULL;
  BsAgentMsg ask = { .type = BS_AGENT_MSG_DEVICES };
  BsSshBackend *self;
  char *report = NULL;

  if (*bare == 0 || strchr (bare, '/') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "'%s' is not [user@]host[:port]", host);
      return NULL;
    }
  g_hash_table_insert (options, (char *) "url", url);
  self = (BsSshBackend *) ssh_open (options, error);
  if (self == NULL)
    return NULL;
  if (self->capabilities == NULL
      || !g_strv_contains ((const char *const *) self->capabilities, BS_AGENT_CAPABILITY_DEVICES))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "the agent on %s (%s) cannot list its devices: install blendscope %s there",
                 self->host, self->software, BS_VERSION);
  else if (send_msg (self, &ask, "asking for the devices", error)
           && (list = expect (self, BS_AGENT_MSG_DEVICES_LIST, "the devices", error)) != NULL)
    report = g_strdup_printf ("%s: %s on %s (%s), through ssh\n\n%.*s", self->host,
                              self->software, self->cpu, self->kernel,
                              (int) g_bytes_get_size (list->data),
                              (const char *) g_bytes_get_data (list->data, NULL));
  ssh_close (&self->parent);
  return report;
}

const BsBackendClass bs_ssh_backend_class = {
  .name = "ssh",
  .description = "A backend on another host: ssh://[user@]host[:port]/BACKEND, through"
                 " `ssh HOST blendscope-cli agent`",
  .available = ssh_available,
  .open = ssh_open,
  .close = ssh_close,
  .prepare = ssh_prepare,
  .run = ssh_run,
  .layer_loop = ssh_layer_loop,
};
