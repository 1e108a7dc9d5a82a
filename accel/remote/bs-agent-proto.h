/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-agent-proto.h: the blendscope agent protocol (docs/agent-protocol.md), version 1.
 *
 * Length-prefixed binary frames on a byte stream (the agent's stdin/stdout, carried by
 * ssh): a 12-byte header (magic "BSAG", type u16, reserved u16 = 0, payload length u32,
 * all little-endian) and a payload of at most BS_AGENT_MAX_PAYLOAD bytes. This file
 * encodes and decodes frames; it does no IO of its own beyond the two stream helpers.
 * Every decoding error is G_IO_ERROR_INVALID_DATA with a UTF-8 message. */
#pragma once

#include <gio/gio.h>
#include <stdint.h>

#include "bs-events.h"

G_BEGIN_DECLS

#define BS_AGENT_PROTOCOL_VERSION 1
#define BS_AGENT_MAGIC 0x47415342u            /* "BSAG" as little-endian bytes */
#define BS_AGENT_HEADER_SIZE 12
#define BS_AGENT_MAX_PAYLOAD (256u << 20)     /* a model, or a run's images */
#define BS_AGENT_MAX_STRING 4096              /* bytes, every string field */
#define BS_AGENT_MAX_STRINGS 64               /* capabilities */
#define BS_AGENT_MAX_EVENTS (1u << 20)        /* per EVENTS message */
/* In an agent's HELLO: it answers DEVICES (an agent without it would stop at the type). */
#define BS_AGENT_CAPABILITY_DEVICES "devices"

typedef enum
{
  BS_AGENT_MSG_HELLO = 1,        /* both ways, first: version, software, host facts, t0/t1/t2 */
  BS_AGENT_MSG_PING = 2,         /* client: seq, t0 */
  BS_AGENT_MSG_PONG = 3,         /* agent: seq, t0 echoed, t1 received, t2 sent */
  BS_AGENT_MSG_MODEL_QUERY = 4,  /* client: sha256 */
  BS_AGENT_MSG_MODEL_STATUS = 5, /* agent: sha256, have */
  BS_AGENT_MSG_MODEL_DATA = 6,   /* client: sha256, data (the .bsm bytes) */
  BS_AGENT_MSG_OPEN = 7,         /* client: sha256, spec (a local backend spec on the agent) */
  BS_AGENT_MSG_OPENED = 8,       /* agent: n_ops, n_logits, image_size, text (description) */
  BS_AGENT_MSG_RUN = 9,          /* client: n_images, data (n_images * image_size bytes) */
  BS_AGENT_MSG_EVENTS = 10,      /* agent: events of whole inferences, agent clock */
  BS_AGENT_MSG_RUN_END = 11,     /* agent: n_done, data (logits), code + text (0: ok) */
  BS_AGENT_MSG_CANCEL = 12,      /* client: stop the run between inferences */
  BS_AGENT_MSG_ERROR = 13,       /* agent: code (a GIOErrorEnum), text */
  BS_AGENT_MSG_BYE = 14,         /* client: the agent exits */
  BS_AGENT_MSG_DEVICES = 15,     /* client: what the agent's machine has (capability "devices") */
  BS_AGENT_MSG_DEVICES_LIST = 16,/* agent: data (UTF-8 text, `blendscope-cli devices` there) */
  BS_AGENT_MSG_LAST = BS_AGENT_MSG_DEVICES_LIST
} BsAgentMsgType;

/* One message, flat: each type uses the fields its comment above names. Strings are
 * NUL-free UTF-8; decoded messages own everything (bs_agent_msg_free). */
typedef struct
{
  BsAgentMsgType type;
  uint32_t version;          /* HELLO */
  char *software;            /* HELLO: "blendscope 0.1.0" */
  char *cpu;                 /* HELLO (agent) */
  char *kernel;              /* HELLO (agent) */
  char **capabilities;       /* HELLO (agent): NULL-terminated, e.g. available backends */
  uint64_t seq;              /* PING, PONG */
  int64_t t0, t1, t2;        /* HELLO, PING, PONG: ns, t0 client clock, t1/t2 agent clock */
  char sha256[65];           /* MODEL_*, OPEN: 64 lowercase hex digits */
  gboolean have;             /* MODEL_STATUS */
  GBytes *data;              /* MODEL_DATA, RUN (images), RUN_END (int32 logits), DEVICES_LIST */
  char *spec;                /* OPEN */
  int32_t n_ops, n_logits;   /* OPENED */
  uint32_t image_size;       /* OPENED */
  uint32_t n_images;         /* RUN; RUN_END: inferences done */
  GArray *events;            /* EVENTS: BsLayerEvent */
  uint32_t code;             /* RUN_END, ERROR: 0 = ok, else a GIOErrorEnum + 1 */
  char *text;                /* OPENED, RUN_END, ERROR */
} BsAgentMsg;

BsAgentMsg *bs_agent_msg_new (BsAgentMsgType type);
void bs_agent_msg_free (BsAgentMsg *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsAgentMsg, bs_agent_msg_free)

const char *bs_agent_msg_type_to_string (BsAgentMsgType type);

/* The whole frame, header included. Fails (G_IO_ERROR_INVALID_ARGUMENT) when a field
 * is over its bound. */
GBytes *bs_agent_msg_encode (const BsAgentMsg *msg, GError **error);

/* The header: type and payload length, checked against the bounds. */
gboolean bs_agent_header_parse (const uint8_t *header, BsAgentMsgType *type, uint32_t *length,
                                GError **error);
BsAgentMsg *bs_agent_msg_decode_payload (BsAgentMsgType type, const uint8_t *payload,
                                         gsize length, GError **error);
/* One frame from the start of data; *consumed = its size. */
BsAgentMsg *bs_agent_msg_decode (const uint8_t *data, gsize size, gsize *consumed, GError **error);

/* Blocking stream helpers. Read: end of stream before a header is
 * G_IO_ERROR_CONNECTION_CLOSED; inside a frame, G_IO_ERROR_PARTIAL_INPUT. */
BsAgentMsg *bs_agent_msg_read (GInputStream *in, GCancellable *cancellable, GError **error);
gboolean bs_agent_msg_write (GOutputStream *out, const BsAgentMsg *msg, GCancellable *cancellable,
                             GError **error);

/* An error as it travels: code = GIOErrorEnum + 1 for G_IO_ERROR, else G_IO_ERROR_FAILED + 1. */
uint32_t bs_agent_error_to_code (const GError *error);
void bs_agent_set_error_from_code (GError **error, uint32_t code, const char *text);

/* NTP-style: the agent's clock minus ours, from one exchange (t0 sent, t1 received by
 * the agent, t2 sent by it, t3 received); *rtt = (t3 - t0) - (t2 - t1). */
int64_t bs_agent_clock_offset (int64_t t0, int64_t t1, int64_t t2, int64_t t3, int64_t *rtt);

G_END_DECLS
