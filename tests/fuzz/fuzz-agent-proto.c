/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-agent-proto.c: the agent protocol's decoder (accel/remote/bs-agent-proto.c), the
 * path every byte from a remote agent (or from a host that prints something else) takes.
 * The input is a stream of frames, decoded one after another as the ssh backend reads
 * them. A decoded message must encode again, and that frame must decode to a message
 * that encodes to the same bytes; a refusal is G_IO_ERROR_INVALID_DATA with a UTF-8
 * message. */
#include "remote/bs-agent-proto.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_refusal (GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA)
      || !g_utf8_validate (error->message, -1, NULL))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  while (size > 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (BsAgentMsg) msg = NULL;
      g_autoptr (GBytes) again = NULL;
      gsize consumed = 0;

      msg = bs_agent_msg_decode (data, size, &consumed, &error);
      if (msg == NULL)
        {
          check_refusal (error);
          return 0;
        }
      if (consumed < BS_AGENT_HEADER_SIZE || consumed > size)
        abort ();
      /* Another version's HELLO carries only its version: nothing to re-encode. */
      if (!(msg->type == BS_AGENT_MSG_HELLO && msg->version != BS_AGENT_PROTOCOL_VERSION))
        {
          g_autoptr (BsAgentMsg) back = NULL;
          g_autoptr (GBytes) twice = NULL;
          gsize n;
          const uint8_t *frame;

          again = bs_agent_msg_encode (msg, &error);
          if (again == NULL)
            abort ();
          frame = g_bytes_get_data (again, &n);
          back = bs_agent_msg_decode (frame, n, NULL, &error);
          if (back == NULL)
            abort ();
          twice = bs_agent_msg_encode (back, &error);
          if (twice == NULL || !g_bytes_equal (again, twice))
            abort ();
        }
      data += consumed;
      size -= consumed;
    }
  return 0;
}
