/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-codec.c: chunk encodings — round trips, sizes on realistic meter traces, and
 * damaged or hostile chunks. */
#include "bs-codec.h"

#include <math.h>
#include <string.h>

#define CHUNK BS_CODEC_CHUNK_ITEMS

static void
test_crc (void)
{
  /* The standard check value of CRC-32/ISO-HDLC. */
  g_assert_cmphex (bs_codec_crc32 ((const uint8_t *) "123456789", 9), ==, 0xcbf43926);
  g_assert_cmphex (bs_codec_crc32 (NULL, 0), ==, 0);
}

static void
test_varint (void)
{
  uint8_t buf[10];

  g_assert_cmpuint (bs_codec_put_varint (buf, 0), ==, 1);
  g_assert_cmpuint (bs_codec_put_varint (buf, 127), ==, 1);
  g_assert_cmpuint (bs_codec_put_varint (buf, 128), ==, 2);
  g_assert_cmpuint (buf[0], ==, 0x80);
  g_assert_cmpuint (buf[1], ==, 0x01);
  g_assert_cmpuint (bs_codec_put_varint (buf, 16383), ==, 2);
  g_assert_cmpuint (bs_codec_put_varint (buf, 16384), ==, 3);
  g_assert_cmpuint (bs_codec_put_varint (buf, UINT64_MAX), ==, 10);
}

/* Encodes in recorder-sized chunks; returns the total bytes; checks the round trip
 * against `tolerance` (absolute). */
static gsize
round_trip_samples (const BsSample *samples, gsize n, double resolution, double tolerance)
{
  g_autoptr (GArray) decoded = g_array_new (FALSE, FALSE, sizeof (BsSample));
  gsize bytes = 0;

  for (gsize first = 0; first < n; first += CHUNK)
    {
      g_autoptr (GByteArray) chunk = g_byte_array_new ();
      g_autoptr (GError) error = NULL;
      gsize count = MIN (CHUNK, n - first);

      bs_codec_encode_samples (samples + first, count, resolution, chunk);
      bytes += chunk->len;
      g_assert_true (bs_codec_decode_samples (chunk->data, chunk->len, &samples[first], decoded,
                                              &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (decoded->len, ==, n);
  for (gsize i = 0; i < n; i++)
    {
      const BsSample *d = &g_array_index (decoded, BsSample, i);

      g_assert_cmpint (d->t_ns, ==, samples[i].t_ns);
      g_assert_cmpint (d->channel, ==, samples[i].channel);
      if (isnan (samples[i].value))
        g_assert_true (isnan (d->value));
      else if (tolerance == 0)
        g_assert_true (d->value == samples[i].value);
      else
        g_assert_cmpfloat (fabs (d->value - samples[i].value), <=, tolerance);
    }
  return bytes;
}

static BsSample
sample (int64_t t, double value)
{
  BsSample s = { t, 2, BS_QUANTITY_POWER, BS_UNIT_WATT, value };
  return s;
}

/* A polled USB meter at 10 Hz (UM25C-like): stamped on arrival, 0.2-12 ms late; reports
 * power in milliwatts. Ten minutes with load steps. */
static GArray *
usb_meter_trace (GRand *rand, gboolean float32)
{
  GArray *trace = g_array_new (FALSE, FALSE, sizeof (BsSample));
  int64_t t0 = 1234567890123;

  for (int i = 0; i < 6000; i++)
    {
      double load = (i / 150) % 2 ? 7.2 : 4.9;
      double v = round ((load + g_rand_double_range (rand, -0.05, 0.05)) * 1000) / 1000;
      int64_t lag = g_rand_int_range (rand, 200000, 12000000);
      BsSample s = sample (t0 + (int64_t) i * 100000000 + lag, float32 ? (double) (float) v : v);
      g_array_append_val (trace, s);
    }
  return trace;
}

/* A 1 kHz rate device (an INA226-like sensor) whose timestamps come from a fitted rate
 * 50 ppm off nominal; power computed as V x I, so values are arbitrary doubles. */
static GArray *
fast_trace (GRand *rand, gboolean microsecond_clock)
{
  GArray *trace = g_array_new (FALSE, FALSE, sizeof (BsSample));
  int64_t t0 = 987654321987;

  for (int i = 0; i < 60000; i++)
    {
      double volts = 12.0 + g_rand_double_range (rand, -0.01, 0.01);
      double amps = 0.8 + 0.2 * sin (i / 500.0) + g_rand_double_range (rand, -0.02, 0.02);
      int64_t t = t0 + llround (i * 1e6 * (1 + 50e-6));
      BsSample s;

      if (microsecond_clock)
        t = (t + g_rand_int_range (rand, 0, 40000)) / 1000 * 1000;
      s = sample (t, volts * amps);
      g_array_append_val (trace, s);
    }
  return trace;
}

static void
check_size (const char *what, GArray *trace, double resolution, double tolerance)
{
  gsize bytes = round_trip_samples ((const BsSample *) (void *) trace->data, trace->len,
                                    resolution, tolerance);
  double per_sample = (double) bytes / trace->len;

  g_test_message ("%s: %u samples, %.2f bytes/sample", what, trace->len, per_sample);
  g_assert_cmpfloat (per_sample, <=, 8.0);
}

static void
test_sample_sizes (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autoptr (GArray) usb = usb_meter_trace (rand, FALSE);
  g_autoptr (GArray) usb32 = usb_meter_trace (rand, TRUE);
  g_autoptr (GArray) fast = fast_trace (rand, FALSE);
  g_autoptr (GArray) fast_us = fast_trace (rand, TRUE);

  /* Values on a millidecimal grid come back exactly, even at a finer resolution. */
  check_size ("10 Hz USB meter, mW values, 1 uW resolution", usb, 1e-6, 0);
  check_size ("10 Hz USB meter, float32 values, 1 uW resolution", usb32, 1e-6, 0.5e-6 + 1e-12);
  check_size ("1 kHz V*I, 1 uW resolution", fast, 1e-6, 0.5e-6 + 1e-12);
  check_size ("1 kHz V*I, microsecond clock, 100 uW resolution", fast_us, 1e-4, 0.5e-4 + 1e-12);
}

static void
test_sample_edges (void)
{
  BsSample one = sample (-5, 3.25);
  BsSample extremes[] = {
    sample (INT64_MIN, -1e-3), sample (INT64_MAX, 1e3), sample (0, 0), sample (INT64_MIN, 2),
  };
  BsSample raw[] = {
    sample (10, NAN), sample (20, INFINITY), sample (30, 1e300), sample (40, -0.0),
    sample (50, 5e-324),
  };
  BsSample backwards[] = { sample (1000, 1), sample (500, 2), sample (1500, 3), sample (1500, 4) };

  round_trip_samples (&one, 1, 1e-6, 0);
  round_trip_samples (extremes, G_N_ELEMENTS (extremes), 1e-3, 0);
  /* A non-finite or huge value keeps the whole chunk as raw doubles, bit for bit. */
  round_trip_samples (raw, G_N_ELEMENTS (raw), 1e-6, 0);
  round_trip_samples (backwards, G_N_ELEMENTS (backwards), 1, 0);
  g_assert_cmpfloat (bs_codec_quantum (61e-6), ==, 1e-5);
  g_assert_cmpfloat (bs_codec_quantum (1e-3), ==, 1e-3);
  g_assert_cmpfloat (bs_codec_quantum (0.5), ==, 0.1);
}

static void
test_sample_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  for (int round = 0; round < 200; round++)
    {
      int n = g_rand_int_range (rand, 1, 600);
      int e = g_rand_int_range (rand, -9, 3);
      double resolution = pow (10, e);
      g_autofree BsSample *s = g_new (BsSample, n);
      int64_t t = (int64_t) g_rand_int (rand) << 20;

      for (int i = 0; i < n; i++)
        {
          t += g_rand_int_range (rand, -1000, 1000000);
          s[i] = sample (t, g_rand_double_range (rand, -1e3, 1e3));
        }
      round_trip_samples (s, (gsize) n, resolution, resolution / 2 * (1 + 1e-9) + 1e-9);
    }
}

static void
check_events (const BsLayerEvent *events, gsize n, gsize *bytes)
{
  g_autoptr (GByteArray) chunk = g_byte_array_new ();
  g_autoptr (GArray) decoded = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  g_autoptr (GError) error = NULL;

  bs_codec_encode_events (events, n, chunk);
  g_assert_true (bs_codec_decode_events (chunk->data, chunk->len, decoded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (decoded->len, ==, n);
  for (gsize i = 0; i < n; i++)
    {
      const BsLayerEvent *d = &g_array_index (decoded, BsLayerEvent, i);

      g_assert_cmpint (d->inference, ==, events[i].inference);
      g_assert_cmpint (d->op, ==, events[i].op);
      g_assert_cmpint (d->t_start_ns, ==, events[i].t_start_ns);
      g_assert_cmpint (d->t_end_ns, ==, events[i].t_end_ns);
      g_assert_cmpint (d->clock, ==, events[i].clock);
    }
  if (bytes != NULL)
    *bytes = chunk->len;
}

static void
test_events_regular (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autofree BsLayerEvent *events = g_new0 (BsLayerEvent, CHUNK);
  int64_t t = 5000000000;
  gsize bytes;

  /* 60 ops per inference, microsecond-scale layers, tens of ns between them. */
  for (int i = 0; i < CHUNK; i++)
    {
      events[i].inference = 17 + i / 60;
      events[i].op = i % 60;
      events[i].t_start_ns = t + g_rand_int_range (rand, 20, 200);
      events[i].t_end_ns = events[i].t_start_ns + g_rand_int_range (rand, 800, 60000);
      events[i].clock = BS_CLOCK_HOST;
      t = events[i].t_end_ns;
    }
  check_events (events, CHUNK, &bytes);
  g_test_message ("events: %.2f bytes/event", (double) bytes / CHUNK);
  g_assert_cmpfloat ((double) bytes / CHUNK, <=, 6.0);
}

static void
test_events_irregular (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);

  for (int round = 0; round < 300; round++)
    {
      int n = g_rand_int_range (rand, 1, 500);
      g_autofree BsLayerEvent *e = g_new0 (BsLayerEvent, n);

      for (int i = 0; i < n; i++)
        {
          int64_t a = (int64_t) g_rand_int (rand) << 31 ^ g_rand_int (rand);
          e[i].inference = g_rand_boolean (rand) ? (int32_t) g_rand_int (rand) : i / 3;
          e[i].op = g_rand_boolean (rand) ? (int32_t) g_rand_int (rand) : i % 3;
          e[i].t_start_ns = g_rand_boolean (rand) ? a : (int64_t) i * 1000;
          e[i].t_end_ns = g_rand_int_range (rand, 0, 4) == 0 ? INT64_MIN + i
                                                              : e[i].t_start_ns + 5 * i;
          e[i].clock = (BsClockSource) g_rand_int_range (rand, 0, 3);
        }
      if (round == 0)
        {
          e[0].t_start_ns = INT64_MAX;
          e[0].inference = INT32_MIN;
          e[0].op = INT32_MAX;
        }
      check_events (e, (gsize) n, NULL);
    }
}

static GByteArray *
small_event_chunk (void)
{
  BsLayerEvent e[3] = {
    { 0, 0, 100, 200, BS_CLOCK_HOST }, { 0, 1, 210, 300, BS_CLOCK_DEVICE },
    { 1, 0, 310, 400, BS_CLOCK_MODELLED },
  };
  GByteArray *chunk = g_byte_array_new ();

  bs_codec_encode_events (e, 3, chunk);
  return chunk;
}

static void
test_damaged (void)
{
  g_autoptr (GByteArray) chunk = small_event_chunk ();
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));

  /* Every single-bit flip is caught by the CRC. */
  for (guint byte = 0; byte < chunk->len; byte++)
    for (int bit = 0; bit < 8; bit++)
      {
        g_autoptr (GError) error = NULL;

        chunk->data[byte] ^= (guint8) (1u << bit);
        g_assert_false (bs_codec_decode_events (chunk->data, chunk->len, out, &error));
        g_assert_nonnull (error);
        g_assert_cmpuint (out->len, ==, 0);
        chunk->data[byte] ^= (guint8) (1u << bit);
      }
  /* Truncations. */
  for (guint len = 0; len < chunk->len; len++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (bs_codec_decode_events (chunk->data, len, out, &error));
      g_assert_nonnull (error);
    }
  /* A samples decoder refuses an events chunk by its tag. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
    BsSample proto = { 0 };

    g_assert_false (bs_codec_decode_samples (chunk->data, chunk->len, &proto, samples, &error));
    g_assert_error (error, BS_CODEC_ERROR, BS_CODEC_ERROR_VERSION);
  }
}

static void
seal (GByteArray *chunk)
{
  uint32_t crc = bs_codec_crc32 (chunk->data, chunk->len - 4);

  for (int i = 0; i < 4; i++)
    chunk->data[chunk->len - 4 + i] = (uint8_t) (crc >> (8 * i));
}

/* Bytes that pass the CRC but were never written by the encoder must be refused or
 * decoded, never overrun a buffer or overflow (run under ASan and UBSan). */
static void
test_hostile (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (99);
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  const uint8_t tags[] = { 'E', 'S', 'R' };
  BsSample proto = { 0 };
  int decoded = 0;

  for (int round = 0; round < 20000; round++)
    {
      g_autoptr (GByteArray) chunk = g_byte_array_new ();
      guint len = (guint) g_rand_int_range (rand, 6, 80);

      g_byte_array_set_size (chunk, len);
      for (guint i = 0; i < len; i++)
        chunk->data[i] = (uint8_t) (g_rand_boolean (rand) ? g_rand_int (rand)
                                                          : (guint32) g_rand_int_range (rand, 0, 4));
      chunk->data[0] = tags[round % 3];
      chunk->data[1] = 1;
      seal (chunk);
      g_array_set_size (events, 0);
      g_array_set_size (samples, 0);
      decoded += bs_codec_decode_events (chunk->data, chunk->len, events, NULL);
      decoded += bs_codec_decode_samples (chunk->data, chunk->len, &proto, samples, NULL);
    }
  g_test_message ("%d of 40000 hostile chunks decoded", decoded);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/codec/crc32", test_crc);
  g_test_add_func ("/codec/varint", test_varint);
  g_test_add_func ("/codec/samples/sizes", test_sample_sizes);
  g_test_add_func ("/codec/samples/edges", test_sample_edges);
  g_test_add_func ("/codec/samples/random", test_sample_random);
  g_test_add_func ("/codec/events/regular", test_events_regular);
  g_test_add_func ("/codec/events/irregular", test_events_irregular);
  g_test_add_func ("/codec/damaged", test_damaged);
  g_test_add_func ("/codec/hostile", test_hostile);
  return g_test_run ();
}
