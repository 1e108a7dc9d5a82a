/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-agent-proto.c: the agent protocol's frames (accel/remote/bs-agent-proto.c):
 * every message survives encode → decode with its fields, bounds are enforced on both
 * sides, truncated and corrupt frames are refused with G_IO_ERROR_INVALID_DATA, and the
 * NTP-style offset recovers a known offset. */
#include "remote/bs-agent-proto.h"

#include <string.h>

static const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static BsAgentMsg *
round_trip (const BsAgentMsg *msg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) frame = bs_agent_msg_encode (msg, &error);
  gsize size, consumed = 0;
  const uint8_t *data;
  BsAgentMsg *back;

  g_assert_no_error (error);
  data = g_bytes_get_data (frame, &size);
  g_assert_cmpuint (size, >=, BS_AGENT_HEADER_SIZE);
  g_assert_cmpmem (data, 4, "BSAG", 4);
  back = bs_agent_msg_decode (data, size, &consumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, size);
  g_assert_cmpint (back->type, ==, msg->type);
  /* Every strict prefix is refused, never read past. */
  for (gsize n = 0; n < size; n += 1 + n / 7)
    {
      g_autofree uint8_t *copy = g_memdup2 (data, n);
      g_autoptr (GError) e = NULL;
      g_assert_null (bs_agent_msg_decode (copy, n, NULL, &e));
      g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
  return back;
}

static void
test_round_trip (void)
{
  const char *caps[] = { "cpu", "csim", NULL };
  BsAgentMsg m = { 0 };
  g_autoptr (BsAgentMsg) hello = NULL, pong = NULL, data = NULL, open = NULL, opened = NULL,
                         events = NULL, end = NULL, err = NULL, bye = NULL, status = NULL,
                         devices = NULL, list = NULL;
  BsLayerEvent ev[2] = { { 3, 7, -5, 1000000000000, BS_CLOCK_HOST },
                         { 3, 8, 1000000000001, 1000000000002, BS_CLOCK_MODELLED } };
  int32_t logits[3] = { -1, 0, 2147483647 };

  m.type = BS_AGENT_MSG_HELLO;
  m.version = BS_AGENT_PROTOCOL_VERSION;
  m.software = "blendscope 0.1.0";
  m.cpu = "AMD EPYC";
  m.kernel = "Linux 6.1 aarch64";
  m.capabilities = (char **) caps;
  m.t0 = -3;
  m.t1 = G_MAXINT64;
  m.t2 = G_MININT64;
  hello = round_trip (&m);
  g_assert_cmpuint (hello->version, ==, BS_AGENT_PROTOCOL_VERSION);
  g_assert_cmpstr (hello->software, ==, "blendscope 0.1.0");
  g_assert_cmpstr (hello->kernel, ==, "Linux 6.1 aarch64");
  g_assert_cmpstr (hello->capabilities[1], ==, "csim");
  g_assert_null (hello->capabilities[2]);
  g_assert_cmpint (hello->t0, ==, -3);
  g_assert_cmpint (hello->t1, ==, G_MAXINT64);
  g_assert_cmpint (hello->t2, ==, G_MININT64);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_PONG;
  m.seq = 42;
  m.t0 = 1;
  m.t1 = 2;
  m.t2 = 3;
  pong = round_trip (&m);
  g_assert_cmpuint (pong->seq, ==, 42);
  g_assert_cmpint (pong->t2, ==, 3);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_MODEL_STATUS;
  memcpy (m.sha256, sha, 65);
  m.have = TRUE;
  status = round_trip (&m);
  g_assert_cmpstr (status->sha256, ==, sha);
  g_assert_true (status->have);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_MODEL_DATA;
  memcpy (m.sha256, sha, 65);
  m.data = g_bytes_new_static ("BSM\0xyz", 7);
  data = round_trip (&m);
  g_assert_true (g_bytes_equal (data->data, m.data));
  g_bytes_unref (m.data);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_OPEN;
  memcpy (m.sha256, sha, 65);
  m.spec = "cpu:threads=2,isa=scalar";
  open = round_trip (&m);
  g_assert_cmpstr (open->spec, ==, m.spec);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_OPENED;
  m.n_ops = 12;
  m.n_logits = 10;
  m.image_size = 3072;
  m.text = "CPU, scalar kernels";
  opened = round_trip (&m);
  g_assert_cmpint (opened->n_ops, ==, 12);
  g_assert_cmpuint (opened->image_size, ==, 3072);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_EVENTS;
  m.events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  g_array_append_vals (m.events, ev, 2);
  events = round_trip (&m);
  g_assert_cmpuint (events->events->len, ==, 2);
  for (int i = 0; i < 2; i++)
    {
      const BsLayerEvent *e = &g_array_index (events->events, BsLayerEvent, i);
      g_assert_cmpint (e->inference, ==, ev[i].inference);
      g_assert_cmpint (e->op, ==, ev[i].op);
      g_assert_cmpint (e->t_start_ns, ==, ev[i].t_start_ns);
      g_assert_cmpint (e->t_end_ns, ==, ev[i].t_end_ns);
      g_assert_cmpint (e->clock, ==, ev[i].clock);
    }
  g_array_unref (m.events);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_RUN_END;
  m.n_images = 1;
  m.data = g_bytes_new_static (logits, sizeof logits);
  m.code = G_IO_ERROR_CANCELLED + 1;
  m.text = "cancelled";
  end = round_trip (&m);
  g_assert_true (g_bytes_equal (end->data, m.data));
  g_assert_cmpuint (end->code, ==, G_IO_ERROR_CANCELLED + 1);
  g_bytes_unref (m.data);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_ERROR;
  m.code = G_IO_ERROR_NOT_FOUND + 1;
  m.text = "no backend called 'gpu'";
  err = round_trip (&m);
  {
    g_autoptr (GError) e = NULL;
    bs_agent_set_error_from_code (&e, err->code, err->text);
    g_assert_error (e, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_cmpstr (e->message, ==, "no backend called 'gpu'");
    g_assert_cmpuint (bs_agent_error_to_code (e), ==, err->code);
  }

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_BYE;
  bye = round_trip (&m);

  memset (&m, 0, sizeof m);
  m.type = BS_AGENT_MSG_DEVICES;
  devices = round_trip (&m);
  m.type = BS_AGENT_MSG_DEVICES_LIST;
  m.data = g_bytes_new_static ("Backends:\n  cpu  available  µ\n", strlen ("Backends:\n  cpu  available  µ\n"));
  list = round_trip (&m);
  g_assert_true (g_bytes_equal (list->data, m.data));
  g_bytes_unref (m.data);
}

static void
expect_invalid (const uint8_t *frame, gsize size, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (bs_agent_msg_decode (frame, size, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' does not say '%s'", error->message, fragment);
}

static void
test_refused (void)
{
  /* magic, type, reserved, length */
  uint8_t big[12] = { 'B', 'S', 'A', 'G', 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
  uint8_t motd[16] = "Welcome to Ubun";
  uint8_t type[12] = { 'B', 'S', 'A', 'G', 99, 0, 0, 0, 0, 0, 0, 0 };
  uint8_t events[12 + 4 + 25] = { 'B', 'S', 'A', 'G', 10, 0, 0, 0, 29, 0, 0, 0, 2, 0, 0, 0 };
  uint8_t str[12 + 8] = { 'B', 'S', 'A', 'G', 13, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f };
  uint8_t extra[12 + 1] = { 'B', 'S', 'A', 'G', 12, 0, 0, 0, 1, 0, 0, 0, 0 };
  uint8_t other[12 + 6] = { 'B', 'S', 'A', 'G', 1, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0xde, 0xad };
  uint8_t list[12 + 6] = { 'B', 'S', 'A', 'G', 16, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 'a', 0xff };
  g_autoptr (GError) error = NULL;
  g_autoptr (BsAgentMsg) hello = NULL;

  expect_invalid (big, sizeof big, "over the limit");
  expect_invalid (motd, sizeof motd, "login script");
  expect_invalid (type, sizeof type, "unknown message type");
  expect_invalid (events, sizeof events, "does not match");
  expect_invalid (str, sizeof str, "longer than the limit");
  expect_invalid (extra, sizeof extra, "after its last field");
  expect_invalid (list, sizeof list, "is not UTF-8");
  /* Another version's HELLO: the version is read, nothing else. */
  hello = bs_agent_msg_decode (other, sizeof other, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hello->version, ==, 7);
  g_assert_null (hello->software);

  /* The encoder keeps the bounds too. */
  {
    g_autofree char *long_text = g_strnfill (BS_AGENT_MAX_STRING + 1, 'x');
    BsAgentMsg m = { .type = BS_AGENT_MSG_ERROR, .code = 1, .text = long_text };
    g_autoptr (GError) e = NULL;
    g_assert_null (bs_agent_msg_encode (&m, &e));
    g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_clock_offset (void)
{
  int64_t rtt;
  /* The agent's clock runs 5 s ahead; 300 us out, 100 us back, 50 us inside the agent. */
  int64_t off = 5000000000, t0 = 1000000, t1 = t0 + 300000 + off, t2 = t1 + 50000,
          t3 = t2 - off + 100000;
  int64_t est = bs_agent_clock_offset (t0, t1, t2, t3, &rtt);

  g_assert_cmpint (rtt, ==, 400000);
  /* Asymmetric paths: the error is half the asymmetry, within rtt / 2. */
  g_assert_cmpint (est - off, ==, (300000 - 100000) / 2);
  g_assert_cmpint (ABS (est - off), <=, rtt / 2);
  est = bs_agent_clock_offset (t0, t0 + 1000 - off, t0 + 2000 - off, t0 + 3000, &rtt);
  g_assert_cmpint (est, ==, -off);
  g_assert_cmpint (rtt, ==, 2000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agent-proto/round-trip", test_round_trip);
  g_test_add_func ("/agent-proto/refused", test_refused);
  g_test_add_func ("/agent-proto/clock-offset", test_clock_offset);
  return g_test_run ();
}
