/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-agent-proto.c: frames of the agent protocol (bs-agent-proto.h). */
#include "bs-agent-proto.h"

#include <string.h>

#define EVENT_WIRE_SIZE 25   /* i32 inference, i32 op, i64 start, i64 end, u8 clock */

BsAgentMsg *
bs_agent_msg_new (BsAgentMsgType type)
{
  BsAgentMsg *msg = g_new0 (BsAgentMsg, 1);

  msg->type = type;
  return msg;
}

void
bs_agent_msg_free (BsAgentMsg *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->software);
  g_free (msg->cpu);
  g_free (msg->kernel);
  g_strfreev (msg->capabilities);
  g_clear_pointer (&msg->data, g_bytes_unref);
  g_free (msg->spec);
  g_clear_pointer (&msg->events, g_array_unref);
  g_free (msg->text);
  g_free (msg);
}

const char *
bs_agent_msg_type_to_string (BsAgentMsgType type)
{
  static const char *const names[] = {
    NULL, "HELLO", "PING", "PONG", "MODEL_QUERY", "MODEL_STATUS", "MODEL_DATA", "OPEN",
    "OPENED", "RUN", "EVENTS", "RUN_END", "CANCEL", "ERROR", "BYE", "DEVICES", "DEVICES_LIST",
  };
  return type >= 1 && type <= BS_AGENT_MSG_LAST ? names[type] : "unknown";
}

/* ---- encoding ---- */

static void
put_u8 (GByteArray *b, uint8_t v)
{
  g_byte_array_append (b, &v, 1);
}

static void
put_u16 (GByteArray *b, uint16_t v)
{
  uint8_t p[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (b, p, 2);
}

static void
put_u32 (GByteArray *b, uint32_t v)
{
  uint8_t p[4];
  for (int i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
  g_byte_array_append (b, p, 4);
}

static void
put_u64 (GByteArray *b, uint64_t v)
{
  uint8_t p[8];
  for (int i = 0; i < 8; i++)
    p[i] = (v >> (8 * i)) & 0xff;
  g_byte_array_append (b, p, 8);
}

static gboolean
put_string (GByteArray *b, const char *s, GError **error)
{
  gsize n = s ? strlen (s) : 0;

  if (n > BS_AGENT_MAX_STRING || (s && !g_utf8_validate (s, n, NULL)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "agent protocol: a string of %zu bytes is too long or not UTF-8", n);
      return FALSE;
    }
  put_u32 (b, n);
  if (n)
    g_byte_array_append (b, (const guint8 *) s, n);
  return TRUE;
}

static gboolean
put_bytes (GByteArray *b, GBytes *bytes, GError **error)
{
  gsize n = bytes ? g_bytes_get_size (bytes) : 0;

  if (n > BS_AGENT_MAX_PAYLOAD - 1024)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "agent protocol: %zu bytes is over the limit of a message", n);
      return FALSE;
    }
  put_u32 (b, n);
  if (n)
    g_byte_array_append (b, g_bytes_get_data (bytes, NULL), n);
  return TRUE;
}

static gboolean
put_sha (GByteArray *b, const char *sha, GError **error)
{
  for (int i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (sha[i]) || g_ascii_isupper (sha[i]))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "agent protocol: a model hash is 64 lowercase hex digits");
        return FALSE;
      }
  g_byte_array_append (b, (const guint8 *) sha, 64);
  return TRUE;
}

GBytes *
bs_agent_msg_encode (const BsAgentMsg *msg, GError **error)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  gboolean ok = TRUE;

  put_u32 (b, BS_AGENT_MAGIC);
  put_u16 (b, msg->type);
  put_u16 (b, 0);
  put_u32 (b, 0);  /* the length, filled in below */
  switch (msg->type)
    {
    case BS_AGENT_MSG_HELLO:
      {
        guint n = msg->capabilities ? g_strv_length (msg->capabilities) : 0;

        put_u32 (b, msg->version);
        put_u64 (b, msg->t0);
        put_u64 (b, msg->t1);
        put_u64 (b, msg->t2);
        ok = put_string (b, msg->software, error) && put_string (b, msg->cpu, error)
             && put_string (b, msg->kernel, error);
        if (ok && n > BS_AGENT_MAX_STRINGS)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "agent protocol: %u capabilities, at most %d", n, BS_AGENT_MAX_STRINGS);
            ok = FALSE;
          }
        if (ok)
          put_u32 (b, n);
        for (guint i = 0; ok && i < n; i++)
          ok = put_string (b, msg->capabilities[i], error);
        break;
      }
    case BS_AGENT_MSG_PING:
    case BS_AGENT_MSG_PONG:
      put_u64 (b, msg->seq);
      put_u64 (b, msg->t0);
      put_u64 (b, msg->t1);
      put_u64 (b, msg->t2);
      break;
    case BS_AGENT_MSG_MODEL_QUERY:
      ok = put_sha (b, msg->sha256, error);
      break;
    case BS_AGENT_MSG_MODEL_STATUS:
      ok = put_sha (b, msg->sha256, error);
      put_u8 (b, msg->have ? 1 : 0);
      break;
    case BS_AGENT_MSG_MODEL_DATA:
      ok = put_sha (b, msg->sha256, error) && put_bytes (b, msg->data, error);
      break;
    case BS_AGENT_MSG_DEVICES_LIST:
      ok = put_bytes (b, msg->data, error);
      break;
    case BS_AGENT_MSG_OPEN:
      ok = put_sha (b, msg->sha256, error) && put_string (b, msg->spec, error);
      break;
    case BS_AGENT_MSG_OPENED:
      put_u32 (b, msg->n_ops);
      put_u32 (b, msg->n_logits);
      put_u32 (b, msg->image_size);
      ok = put_string (b, msg->text, error);
      break;
    case BS_AGENT_MSG_RUN:
      put_u32 (b, msg->n_images);
      ok = put_bytes (b, msg->data, error);
      break;
    case BS_AGENT_MSG_EVENTS:
      {
        guint n = msg->events ? msg->events->len : 0;

        if (n > BS_AGENT_MAX_EVENTS)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "agent protocol: %u events in one message, at most %u", n,
                         BS_AGENT_MAX_EVENTS);
            return NULL;
          }
        put_u32 (b, n);
        for (guint i = 0; i < n; i++)
          {
            const BsLayerEvent *e = &g_array_index (msg->events, BsLayerEvent, i);
            put_u32 (b, (uint32_t) e->inference);
            put_u32 (b, (uint32_t) e->op);
            put_u64 (b, (uint64_t) e->t_start_ns);
            put_u64 (b, (uint64_t) e->t_end_ns);
            put_u8 (b, e->clock);
          }
        break;
      }
    case BS_AGENT_MSG_RUN_END:
      put_u32 (b, msg->n_images);
      put_u32 (b, msg->code);
      ok = put_bytes (b, msg->data, error) && put_string (b, msg->text, error);
      break;
    case BS_AGENT_MSG_ERROR:
      put_u32 (b, msg->code);
      ok = put_string (b, msg->text, error);
      break;
    case BS_AGENT_MSG_CANCEL:
    case BS_AGENT_MSG_BYE:
    case BS_AGENT_MSG_DEVICES:
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "agent protocol: no message type %d", msg->type);
      return NULL;
    }
  if (!ok)
    return NULL;
  if (b->len - BS_AGENT_HEADER_SIZE > BS_AGENT_MAX_PAYLOAD)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "agent protocol: a %s message of %u bytes is over the limit",
                   bs_agent_msg_type_to_string (msg->type), b->len);
      return NULL;
    }
  for (int i = 0; i < 4; i++)
    b->data[8 + i] = ((b->len - BS_AGENT_HEADER_SIZE) >> (8 * i)) & 0xff;
  return g_byte_array_free_to_bytes (g_steal_pointer (&b));
}

/* ---- decoding ---- */

typedef struct
{
  const uint8_t *p;
  gsize left;
  const char *what;   /* the message type, for errors */
  GError **error;
  gboolean failed;
} Cursor;

static gboolean
need (Cursor *c, gsize n, const char *field)
{
  if (c->failed)
    return FALSE;
  if (n > c->left)
    {
      g_set_error (c->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "agent protocol: %s message ends inside %s", c->what, field);
      c->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

static uint64_t
get_le (Cursor *c, int n, const char *field)
{
  uint64_t v = 0;

  if (!need (c, n, field))
    return 0;
  for (int i = 0; i < n; i++)
    v |= (uint64_t) c->p[i] << (8 * i);
  c->p += n;
  c->left -= n;
  return v;
}

static void
fail (Cursor *c, const char *field, const char *why)
{
  if (!c->failed)
    g_set_error (c->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "agent protocol: %s message: %s %s",
                 c->what, field, why);
  c->failed = TRUE;
}

static char *
get_string (Cursor *c, const char *field)
{
  uint32_t n = get_le (c, 4, field);
  char *s;

  if (c->failed)
    return NULL;
  if (n > BS_AGENT_MAX_STRING)
    {
      fail (c, field, "is longer than the limit");
      return NULL;
    }
  if (!need (c, n, field))
    return NULL;
  if (memchr (c->p, 0, n) != NULL || !g_utf8_validate ((const char *) c->p, n, NULL))
    {
      fail (c, field, "is not UTF-8 text");
      return NULL;
    }
  s = g_strndup ((const char *) c->p, n);
  c->p += n;
  c->left -= n;
  return s;
}

static GBytes *
get_bytes (Cursor *c, const char *field)
{
  uint32_t n = get_le (c, 4, field);
  GBytes *b;

  if (!need (c, n, field))
    return NULL;
  b = g_bytes_new (c->p, n);
  c->p += n;
  c->left -= n;
  return b;
}

static void
get_sha (Cursor *c, char sha[65])
{
  if (!need (c, 64, "the model hash"))
    return;
  for (int i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (c->p[i]) || g_ascii_isupper (c->p[i]))
      {
        fail (c, "the model hash", "is not 64 lowercase hex digits");
        return;
      }
  memcpy (sha, c->p, 64);
  sha[64] = 0;
  c->p += 64;
  c->left -= 64;
}

gboolean
bs_agent_header_parse (const uint8_t *h, BsAgentMsgType *type, uint32_t *length, GError **error)
{
  uint32_t magic = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t) h[3] << 24;
  uint32_t t = h[4] | h[5] << 8;
  uint32_t reserved = h[6] | h[7] << 8;
  uint32_t n = h[8] | h[9] << 8 | h[10] << 16 | (uint32_t) h[11] << 24;

  if (magic != BS_AGENT_MAGIC)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "agent protocol: the stream does not start a frame (bytes %02x %02x %02x %02x,"
                   " not \"BSAG\"): is something else writing to the agent's output, such as"
                   " a login script?", h[0], h[1], h[2], h[3]);
      return FALSE;
    }
  if (t < 1 || t > BS_AGENT_MSG_LAST || reserved != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "agent protocol: unknown message type %u (flags %u)", t, reserved);
      return FALSE;
    }
  if (n > BS_AGENT_MAX_PAYLOAD)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "agent protocol: a %s message of %u bytes is over the limit of %u",
                   bs_agent_msg_type_to_string (t), n, BS_AGENT_MAX_PAYLOAD);
      return FALSE;
    }
  *type = t;
  *length = n;
  return TRUE;
}

BsAgentMsg *
bs_agent_msg_decode_payload (BsAgentMsgType type, const uint8_t *payload, gsize length,
                             GError **error)
{
  g_autoptr (BsAgentMsg) msg = bs_agent_msg_new (type);
  Cursor c = { payload, length, bs_agent_msg_type_to_string (type), error, FALSE };

  switch (type)
    {
    case BS_AGENT_MSG_HELLO:
      {
        uint32_t n;

        msg->version = get_le (&c, 4, "the version");
        /* The version leads HELLO in every version; past it, another version's layout
         * is not ours to read. */
        if (!c.failed && msg->version != BS_AGENT_PROTOCOL_VERSION)
          {
            c.left = 0;
            break;
          }
        msg->t0 = get_le (&c, 8, "t0");
        msg->t1 = get_le (&c, 8, "t1");
        msg->t2 = get_le (&c, 8, "t2");
        msg->software = get_string (&c, "the software");
        msg->cpu = get_string (&c, "the CPU");
        msg->kernel = get_string (&c, "the kernel");
        n = get_le (&c, 4, "the capability count");
        if (!c.failed && n > BS_AGENT_MAX_STRINGS)
          fail (&c, "the capability count", "is over the limit");
        if (!c.failed)
          {
            msg->capabilities = g_new0 (char *, n + 1);
            for (uint32_t i = 0; i < n && !c.failed; i++)
              msg->capabilities[i] = get_string (&c, "a capability");
          }
        break;
      }
    case BS_AGENT_MSG_PING:
    case BS_AGENT_MSG_PONG:
      msg->seq = get_le (&c, 8, "seq");
      msg->t0 = get_le (&c, 8, "t0");
      msg->t1 = get_le (&c, 8, "t1");
      msg->t2 = get_le (&c, 8, "t2");
      break;
    case BS_AGENT_MSG_MODEL_QUERY:
      get_sha (&c, msg->sha256);
      break;
    case BS_AGENT_MSG_MODEL_STATUS:
      get_sha (&c, msg->sha256);
      msg->have = get_le (&c, 1, "have") != 0;
      break;
    case BS_AGENT_MSG_MODEL_DATA:
      get_sha (&c, msg->sha256);
      msg->data = get_bytes (&c, "the model");
      break;
    case BS_AGENT_MSG_DEVICES_LIST:
      msg->data = get_bytes (&c, "the list");
      if (!c.failed && !g_utf8_validate (g_bytes_get_data (msg->data, NULL),
                                         (gssize) g_bytes_get_size (msg->data), NULL))
        fail (&c, "the list", "is not UTF-8");
      break;
    case BS_AGENT_MSG_OPEN:
      get_sha (&c, msg->sha256);
      msg->spec = get_string (&c, "the backend spec");
      break;
    case BS_AGENT_MSG_OPENED:
      msg->n_ops = get_le (&c, 4, "n_ops");
      msg->n_logits = get_le (&c, 4, "n_logits");
      msg->image_size = get_le (&c, 4, "image_size");
      msg->text = get_string (&c, "the description");
      if (!c.failed && (msg->n_ops <= 0 || msg->n_logits <= 0 || msg->image_size == 0))
        fail (&c, "the plan's sizes", "are not positive");
      break;
    case BS_AGENT_MSG_RUN:
      msg->n_images = get_le (&c, 4, "n_images");
      msg->data = get_bytes (&c, "the images");
      break;
    case BS_AGENT_MSG_EVENTS:
      {
        uint32_t n = get_le (&c, 4, "the event count");

        if (!c.failed && (n > BS_AGENT_MAX_EVENTS || (gsize) n * EVENT_WIRE_SIZE != c.left))
          {
            fail (&c, "the event count", "does not match the message's size");
            break;
          }
        if (c.failed)
          break;
        msg->events = g_array_sized_new (FALSE, FALSE, sizeof (BsLayerEvent), n);
        for (uint32_t i = 0; i < n; i++)
          {
            BsLayerEvent e;
            uint32_t clock;

            e.inference = (int32_t) get_le (&c, 4, "an event");
            e.op = (int32_t) get_le (&c, 4, "an event");
            e.t_start_ns = (int64_t) get_le (&c, 8, "an event");
            e.t_end_ns = (int64_t) get_le (&c, 8, "an event");
            clock = get_le (&c, 1, "an event");
            if (e.inference < 0 || e.op < 0 || clock > BS_CLOCK_MODELLED
                || e.t_end_ns < e.t_start_ns)
              {
                fail (&c, "an event", "has a negative index, an unknown clock or ends before it starts");
                break;
              }
            e.clock = clock;
            g_array_append_val (msg->events, e);
          }
        break;
      }
    case BS_AGENT_MSG_RUN_END:
      msg->n_images = get_le (&c, 4, "n_done");
      msg->code = get_le (&c, 4, "the status");
      msg->data = get_bytes (&c, "the logits");
      msg->text = get_string (&c, "the message");
      if (!c.failed && g_bytes_get_size (msg->data) % 4 != 0)
        fail (&c, "the logits", "are not whole int32 values");
      break;
    case BS_AGENT_MSG_ERROR:
      msg->code = get_le (&c, 4, "the code");
      msg->text = get_string (&c, "the message");
      if (!c.failed && msg->code == 0)
        fail (&c, "the code", "is 0 (no error)");
      break;
    case BS_AGENT_MSG_CANCEL:
    case BS_AGENT_MSG_BYE:
    case BS_AGENT_MSG_DEVICES:
      break;
    default:
      fail (&c, "the type", "is unknown");
    }
  if (!c.failed && c.left != 0)
    fail (&c, "the payload", "has bytes after its last field");
  return c.failed ? NULL : g_steal_pointer (&msg);
}

BsAgentMsg *
bs_agent_msg_decode (const uint8_t *data, gsize size, gsize *consumed, GError **error)
{
  BsAgentMsgType type;
  uint32_t length;
  BsAgentMsg *msg;

  if (size < BS_AGENT_HEADER_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "agent protocol: %zu bytes are not a frame header", size);
      return NULL;
    }
  if (!bs_agent_header_parse (data, &type, &length, error))
    return NULL;
  if (length > size - BS_AGENT_HEADER_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "agent protocol: a %s frame of %u bytes is cut short",
                   bs_agent_msg_type_to_string (type), length);
      return NULL;
    }
  msg = bs_agent_msg_decode_payload (type, data + BS_AGENT_HEADER_SIZE, length, error);
  if (msg != NULL && consumed != NULL)
    *consumed = BS_AGENT_HEADER_SIZE + length;
  return msg;
}

BsAgentMsg *
bs_agent_msg_read (GInputStream *in, GCancellable *cancellable, GError **error)
{
  uint8_t header[BS_AGENT_HEADER_SIZE];
  g_autofree uint8_t *payload = NULL;
  BsAgentMsgType type;
  uint32_t length;
  gsize got = 0;

  if (!g_input_stream_read_all (in, header, sizeof header, &got, cancellable, error))
    return NULL;
  if (got == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           "the agent's stream ended");
      return NULL;
    }
  if (got < sizeof header)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   "the agent's stream ended inside a frame header (%zu of %d bytes)", got,
                   BS_AGENT_HEADER_SIZE);
      return NULL;
    }
  if (!bs_agent_header_parse (header, &type, &length, error))
    return NULL;
  payload = g_malloc (MAX (length, 1));
  if (!g_input_stream_read_all (in, payload, length, &got, cancellable, error))
    return NULL;
  if (got < length)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   "the agent's stream ended inside a %s message (%zu of %u bytes)",
                   bs_agent_msg_type_to_string (type), got, length);
      return NULL;
    }
  return bs_agent_msg_decode_payload (type, payload, length, error);
}

gboolean
bs_agent_msg_write (GOutputStream *out, const BsAgentMsg *msg, GCancellable *cancellable,
                    GError **error)
{
  g_autoptr (GBytes) frame = bs_agent_msg_encode (msg, error);
  gsize size;
  const void *data;

  if (frame == NULL)
    return FALSE;
  data = g_bytes_get_data (frame, &size);
  return g_output_stream_write_all (out, data, size, NULL, cancellable, error)
         && g_output_stream_flush (out, cancellable, error);
}

uint32_t
bs_agent_error_to_code (const GError *error)
{
  if (error != NULL && error->domain == G_IO_ERROR && error->code >= 0 && error->code < 1000)
    return (uint32_t) error->code + 1;
  return G_IO_ERROR_FAILED + 1;
}

void
bs_agent_set_error_from_code (GError **error, uint32_t code, const char *text)
{
  int c = code >= 1 && code <= 1000 ? (int) code - 1 : G_IO_ERROR_FAILED;

  g_set_error_literal (error, G_IO_ERROR, c, text && *text ? text : "the agent gave no reason");
}

int64_t
bs_agent_clock_offset (int64_t t0, int64_t t1, int64_t t2, int64_t t3, int64_t *rtt)
{
  if (rtt != NULL)
    *rtt = (t3 - t0) - (t2 - t1);
  /* Halves first: no overflow for clocks within 2^62 ns of each other. */
  return (t1 - t0) / 2 + (t2 - t3) / 2;
}
