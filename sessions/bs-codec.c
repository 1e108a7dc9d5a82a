/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-codec.c: chunk encodings. docs/sessions-schema.md, "Encodings", is the spec.
 *
 * Both encodings are delta + zigzag + LEB128 varints. Slow meters make timestamps the
 * expensive part, so samples store each interval's distance from the chunk's median
 * interval, in units of the chunk's common divisor (µs clocks give deltas in whole
 * microseconds). Decoders do all arithmetic unsigned, so a hostile chunk that passes
 * the CRC still cannot cause undefined behaviour.
 */
#include "bs-codec.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (bs-codec-error-quark, bs_codec_error)

enum
{
  TAG_SAMPLES_QUANTISED = 'S',
  TAG_SAMPLES_RAW = 'R',
  TAG_EVENTS = 'E',
  VERSION = 1,
};

#define TRAILER_BYTES 4
/* Differences up to this size stay exact when divided by a common divisor. */
#define MAX_EXACT_DELTA (INT64_C (1) << 61)
/* Quantised values must convert to double and back exactly. */
#define MAX_QUANTISED 9007199254740992.0 /* 2^53 */

/* Event head byte. */
#define HEAD_CLOCK_MASK 0x03
#define HEAD_INF_SHIFT 2
#define HEAD_INF_MASK 0x0c
#define HEAD_OP_EXPLICIT 0x10
#define HEAD_RESERVED 0xe0

enum
{
  INF_SAME,
  INF_NEXT,
  INF_EXPLICIT,
};

/* CRC-32 (IEEE 802.3, reflected): the one zlib and PNG use, so chunks can be checked
 * with standard tools. Slicing by eight: eight table lookups per eight bytes. */
static uint32_t crc_tables[8][256];

static gpointer
init_crc_tables (gpointer data)
{
  for (uint32_t i = 0; i < 256; i++)
    {
      uint32_t c = i;
      for (int k = 0; k < 8; k++)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_tables[0][i] = c;
    }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      crc_tables[t][i] = (crc_tables[t - 1][i] >> 8) ^ crc_tables[0][crc_tables[t - 1][i] & 0xff];
  return NULL;
}

uint32_t
bs_codec_crc32 (const uint8_t *data, size_t len)
{
  static GOnce once = G_ONCE_INIT;
  uint32_t c = 0xffffffffu;
  size_t i = 0;

  g_once (&once, init_crc_tables, NULL);
  for (; i + 8 <= len; i += 8)
    {
      const uint8_t *p = data + i;
      uint32_t lo = c ^ ((uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16
                         | (uint32_t) p[3] << 24);

      c = crc_tables[7][lo & 0xff] ^ crc_tables[6][(lo >> 8) & 0xff]
          ^ crc_tables[5][(lo >> 16) & 0xff] ^ crc_tables[4][lo >> 24]
          ^ crc_tables[3][p[4]] ^ crc_tables[2][p[5]] ^ crc_tables[1][p[6]] ^ crc_tables[0][p[7]];
    }
  for (; i < len; i++)
    c = crc_tables[0][(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static inline uint64_t
zigzag (int64_t v)
{
  return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}

static inline int64_t
unzigzag (uint64_t u)
{
  return (int64_t) ((u >> 1) ^ (~(u & 1) + 1));
}

/* a - b without signed overflow; exact whenever the true difference fits in int64. */
static inline int64_t
wrapping_sub (int64_t a, int64_t b)
{
  return (int64_t) ((uint64_t) a - (uint64_t) b);
}

size_t
bs_codec_put_varint (uint8_t *p, uint64_t v)
{
  size_t n = 0;

  while (v >= 0x80)
    {
      p[n++] = (uint8_t) (v | 0x80);
      v >>= 7;
    }
  p[n++] = (uint8_t) v;
  return n;
}

static uint64_t
gcd_u64 (uint64_t a, uint64_t b)
{
  while (b != 0)
    {
      uint64_t t = a % b;
      a = b;
      b = t;
    }
  return a;
}

static uint64_t
abs_u64 (int64_t v)
{
  return v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
}

/* Wirth's selection: the k-th smallest of v[0..n), reordering v. */
static int64_t
select_kth (int64_t *v, gssize n, gssize k)
{
  gssize lo = 0, hi = n - 1;

  while (lo < hi)
    {
      int64_t pivot = v[k];
      gssize i = lo, j = hi;

      do
        {
          while (v[i] < pivot)
            i++;
          while (pivot < v[j])
            j--;
          if (i <= j)
            {
              int64_t t = v[i];
              v[i] = v[j];
              v[j] = t;
              i++;
              j--;
            }
        }
      while (i <= j);
      if (j < k)
        lo = i;
      if (k < i)
        hi = j;
    }
  return v[k];
}

/* Output cursor over a GByteArray grown once to a worst-case bound. */
typedef struct
{
  GByteArray *array;
  guint start;
  uint8_t *p;
} Writer;

static void
writer_init (Writer *w, GByteArray *array, size_t bound)
{
  w->array = array;
  w->start = array->len;
  g_byte_array_set_size (array, array->len + (guint) bound);
  w->p = array->data + w->start;
}

static inline void
put_u8 (Writer *w, uint8_t v)
{
  *w->p++ = v;
}

static inline void
put_varint (Writer *w, uint64_t v)
{
  w->p += bs_codec_put_varint (w->p, v);
}

static inline void
put_svarint (Writer *w, int64_t v)
{
  put_varint (w, zigzag (v));
}

static void
put_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static void
put_double (Writer *w, double v)
{
  uint64_t bits;

  memcpy (&bits, &v, sizeof bits);
  for (int i = 0; i < 8; i++)
    put_u8 (w, (uint8_t) (bits >> (8 * i)));
}

/* Appends the CRC of everything this writer wrote and trims the array. */
static void
writer_finish (Writer *w)
{
  uint8_t *begin = w->array->data + w->start;
  uint32_t crc = bs_codec_crc32 (begin, (size_t) (w->p - begin));

  put_le32 (w->p, crc);
  w->p += TRAILER_BYTES;
  g_byte_array_set_size (w->array, (guint) (w->p - w->array->data));
}

/* Input cursor; every read is bounds-checked and sets `bad` instead of overrunning. */
typedef struct
{
  const uint8_t *p;
  const uint8_t *end;
  gboolean bad;
} Reader;

static inline uint8_t
get_u8 (Reader *r)
{
  if (r->p >= r->end)
    {
      r->bad = TRUE;
      return 0;
    }
  return *r->p++;
}

static inline uint64_t
get_varint (Reader *r)
{
  uint64_t v = 0;

  /* Away from the end no byte needs its own bounds check; most varints here are one
   * or two bytes. */
  if (G_LIKELY (r->end - r->p >= 10))
    {
      uint8_t b = r->p[0];
      int shift = 0;

      if (b < 0x80)
        {
          r->p++;
          return b;
        }
      if (r->p[1] < 0x80)
        {
          v = (uint64_t) (b & 0x7f) | (uint64_t) r->p[1] << 7;
          r->p += 2;
          return v;
        }

      do
        {
          b = *r->p++;
          v |= (uint64_t) (b & 0x7f) << shift;
          shift += 7;
        }
      while ((b & 0x80) && shift < 70);
      if (G_UNLIKELY (b & 0x80))
        r->bad = TRUE;
      return v;
    }
  for (int shift = 0; shift < 64; shift += 7)
    {
      uint8_t b;

      if (r->p >= r->end)
        break;
      b = *r->p++;
      v |= (uint64_t) (b & 0x7f) << shift;
      if (!(b & 0x80))
        return v;
    }
  r->bad = TRUE;
  return 0;
}

static inline int64_t
get_svarint (Reader *r)
{
  return unzigzag (get_varint (r));
}

static double
get_double (Reader *r)
{
  uint64_t bits = 0;
  double v;

  for (int i = 0; i < 8; i++)
    bits |= (uint64_t) get_u8 (r) << (8 * i);
  memcpy (&v, &bits, sizeof v);
  return v;
}

/* Checks the trailer and the tag; leaves the reader on the byte after the version. */
static gboolean
reader_open (Reader *r, const uint8_t *data, size_t len, const uint8_t *tags, int n_tags,
             uint8_t *tag, GError **error)
{
  uint32_t stored;

  if (len < 2 + TRAILER_BYTES)
    {
      g_set_error (error, BS_CODEC_ERROR, BS_CODEC_ERROR_MALFORMED,
                   "chunk of %zu bytes is too short", len);
      return FALSE;
    }
  stored = (uint32_t) data[len - 4] | (uint32_t) data[len - 3] << 8
           | (uint32_t) data[len - 2] << 16 | (uint32_t) data[len - 1] << 24;
  if (bs_codec_crc32 (data, len - TRAILER_BYTES) != stored)
    {
      g_set_error (error, BS_CODEC_ERROR, BS_CODEC_ERROR_CHECKSUM,
                   "chunk checksum mismatch: the stored bytes are damaged");
      return FALSE;
    }
  if (memchr (tags, data[0], (size_t) n_tags) == NULL || data[1] != VERSION)
    {
      g_set_error (error, BS_CODEC_ERROR, BS_CODEC_ERROR_VERSION,
                   "unknown chunk format (tag 0x%02x, version %u)", data[0], data[1]);
      return FALSE;
    }
  *tag = data[0];
  r->p = data + 2;
  r->end = data + len - TRAILER_BYTES;
  r->bad = FALSE;
  return TRUE;
}

static gboolean
malformed (GError **error, const char *what)
{
  g_set_error (error, BS_CODEC_ERROR, BS_CODEC_ERROR_MALFORMED, "malformed chunk: %s", what);
  return FALSE;
}

/* Samples */

static int
quantum_exponent (double resolution)
{
  g_assert (resolution > 0 && isfinite (resolution));
  return CLAMP ((int) floor (log10 (resolution) + 1e-9), -15, 15);
}

double
bs_codec_quantum (double resolution)
{
  return pow (10, quantum_exponent (resolution));
}

/* Powers of ten are exact doubles up to 1e22; dividing by one (rather than multiplying
 * by its inexact reciprocal) returns decimal inputs bit for bit. */
static double
pow10_exact (int e)
{
  double p = 1;

  for (int i = 0; i < e; i++)
    p *= 10;
  return p;
}

static gboolean
quantise_all (const BsSample *samples, size_t n, int e, int64_t *q)
{
  double scale = pow10_exact (e < 0 ? -e : e);

  for (size_t i = 0; i < n; i++)
    {
      double v = e < 0 ? samples[i].value * scale : samples[i].value / scale;

      if (!isfinite (v) || fabs (v) >= MAX_QUANTISED)
        return FALSE;
      q[i] = llround (v);
    }
  return TRUE;
}

static double
dequantise (int64_t q, int e, double scale)
{
  return e < 0 ? (double) q / scale : (double) q * scale;
}

/* The common divisor of the intervals, and the median interval in its units. */
static void
time_model (const BsSample *samples, size_t n, int64_t *scratch, uint64_t *divisor,
            int64_t *period)
{
  uint64_t g = 0;

  for (size_t i = 1; i < n; i++)
    {
      uint64_t d = abs_u64 (wrapping_sub (samples[i].t_ns, samples[i - 1].t_ns));

      if (d > (uint64_t) MAX_EXACT_DELTA)
        {
          g = 1;
          break;
        }
      g = gcd_u64 (g, d);
    }
  *divisor = g == 0 ? 1 : g;
  for (size_t i = 1; i < n; i++)
    scratch[i - 1] = wrapping_sub (samples[i].t_ns, samples[i - 1].t_ns) / (int64_t) *divisor;
  *period = n > 1 ? select_kth (scratch, (gssize) n - 1, ((gssize) n - 1) / 2) : 0;
}

static void
put_time_delta (Writer *w, const BsSample *samples, size_t i, uint64_t divisor,
                int64_t period)
{
  int64_t d = wrapping_sub (samples[i].t_ns, samples[i - 1].t_ns) / (int64_t) divisor;

  put_svarint (w, wrapping_sub (d, period));
}

void
bs_codec_encode_samples (const BsSample *samples, size_t n, double resolution,
                         GByteArray *out)
{
  g_autofree int64_t *q = NULL;
  uint64_t divisor, value_divisor = 0;
  int64_t period;
  int e = quantum_exponent (resolution);
  gboolean quantised;
  Writer w;

  g_assert (n > 0 && n <= BS_CODEC_MAX_ITEMS);
  q = g_new (int64_t, n);
  time_model (samples, n, q, &divisor, &period);
  quantised = quantise_all (samples, n, e, q);
  if (quantised)
    for (size_t i = 1; i < n; i++)
      value_divisor = gcd_u64 (value_divisor, abs_u64 (q[i] - q[i - 1]));
  if (value_divisor == 0)
    value_divisor = 1;

  writer_init (&w, out, 2 + 6 * 10 + 1 + n * 20 + TRAILER_BYTES);
  put_u8 (&w, quantised ? TAG_SAMPLES_QUANTISED : TAG_SAMPLES_RAW);
  put_u8 (&w, VERSION);
  put_varint (&w, n);
  put_svarint (&w, samples[0].t_ns);
  put_varint (&w, divisor);
  put_svarint (&w, period);
  if (quantised)
    {
      put_u8 (&w, (uint8_t) (int8_t) e);
      put_svarint (&w, q[0]);
      put_varint (&w, value_divisor);
      for (size_t i = 1; i < n; i++)
        {
          put_time_delta (&w, samples, i, divisor, period);
          put_svarint (&w, (q[i] - q[i - 1]) / (int64_t) value_divisor);
        }
    }
  else
    {
      for (size_t i = 1; i < n; i++)
        put_time_delta (&w, samples, i, divisor, period);
      for (size_t i = 0; i < n; i++)
        put_double (&w, samples[i].value);
    }
  writer_finish (&w);
}

typedef struct
{
  uint64_t n;
  uint64_t t0;
  uint64_t divisor;
  uint64_t period;
} SampleHeader;

static gboolean
read_sample_header (Reader *r, SampleHeader *h, GError **error)
{
  h->n = get_varint (r);
  h->t0 = (uint64_t) get_svarint (r);
  h->divisor = get_varint (r);
  h->period = (uint64_t) get_svarint (r);
  if (r->bad)
    return malformed (error, "truncated header");
  /* Every sample after the first takes at least one byte: a count larger than the
   * chunk is a lie, and must not size an allocation. */
  if (h->n == 0 || h->n > BS_CODEC_MAX_ITEMS || h->n - 1 > (uint64_t) (r->end - r->p))
    return malformed (error, "impossible sample count");
  if (h->divisor == 0)
    return malformed (error, "zero time divisor");
  return TRUE;
}

static inline uint64_t
next_time (Reader *r, uint64_t t, const SampleHeader *h)
{
  return t + ((uint64_t) get_svarint (r) + h->period) * h->divisor;
}

static gboolean
decode_quantised (Reader *r, const SampleHeader *h, BsSample *s, GError **error)
{
  int e = (int8_t) get_u8 (r);
  uint64_t q = (uint64_t) get_svarint (r);
  uint64_t value_divisor = get_varint (r);
  uint64_t t = h->t0;
  double scale;

  if (r->bad || e < -15 || e > 15 || value_divisor == 0)
    return malformed (error, "bad value scale");
  scale = pow10_exact (e < 0 ? -e : e);
  s[0].t_ns = (int64_t) t;
  s[0].value = dequantise ((int64_t) q, e, scale);
  for (uint64_t i = 1; i < h->n; i++)
    {
      t = next_time (r, t, h);
      q += (uint64_t) get_svarint (r) * value_divisor;
      s[i].t_ns = (int64_t) t;
      s[i].value = dequantise ((int64_t) q, e, scale);
    }
  return TRUE;
}

static gboolean
decode_raw (Reader *r, const SampleHeader *h, BsSample *s, GError **error)
{
  uint64_t t = h->t0;

  s[0].t_ns = (int64_t) t;
  for (uint64_t i = 1; i < h->n; i++)
    {
      t = next_time (r, t, h);
      s[i].t_ns = (int64_t) t;
    }
  for (uint64_t i = 0; i < h->n; i++)
    s[i].value = get_double (r);
  return TRUE;
}

gboolean
bs_codec_decode_samples (const uint8_t *data, size_t len, const BsSample *proto,
                         GArray *out, GError **error)
{
  static const uint8_t tags[] = { TAG_SAMPLES_QUANTISED, TAG_SAMPLES_RAW };
  guint old_len = out->len;
  SampleHeader h;
  BsSample *s;
  uint8_t tag;
  Reader r;
  gboolean ok;

  if (!reader_open (&r, data, len, tags, G_N_ELEMENTS (tags), &tag, error)
      || !read_sample_header (&r, &h, error))
    return FALSE;
  g_array_set_size (out, old_len + (guint) h.n);
  s = &g_array_index (out, BsSample, old_len);
  for (uint64_t i = 0; i < h.n; i++)
    s[i] = *proto;
  ok = tag == TAG_SAMPLES_QUANTISED ? decode_quantised (&r, &h, s, error)
                                    : decode_raw (&r, &h, s, error);
  if (ok && (r.bad || r.p != r.end))
    ok = malformed (error, r.bad ? "truncated samples" : "trailing bytes");
  if (!ok)
    g_array_set_size (out, old_len);
  return ok;
}

/* Events */

static uint64_t
event_time_divisor (const BsLayerEvent *events, size_t n)
{
  int64_t base = events[0].t_start_ns;
  uint64_t g = 0;

  for (size_t i = 0; i < n; i++)
    {
      uint64_t a = abs_u64 (wrapping_sub (events[i].t_start_ns, base));
      uint64_t b = abs_u64 (wrapping_sub (events[i].t_end_ns, base));

      if (a > (uint64_t) MAX_EXACT_DELTA || b > (uint64_t) MAX_EXACT_DELTA)
        return 1;
      g = gcd_u64 (gcd_u64 (g, a), b);
    }
  return g == 0 ? 1 : g;
}

typedef struct
{
  int64_t inference;
  int64_t op;
  int64_t end;
} EventState;

static void
put_event (Writer *w, const BsLayerEvent *e, EventState *st, int64_t divisor)
{
  int64_t inf_delta = (int64_t) e->inference - st->inference;
  int inf_mode = inf_delta == 0 ? INF_SAME : inf_delta == 1 ? INF_NEXT : INF_EXPLICIT;
  int64_t expected_op = inf_mode == INF_SAME ? st->op + 1 : 0;
  uint8_t head = (uint8_t) (((unsigned) e->clock & HEAD_CLOCK_MASK)
                            | (unsigned) inf_mode << HEAD_INF_SHIFT);

  if (e->op != expected_op)
    head |= HEAD_OP_EXPLICIT;
  put_u8 (w, head);
  if (inf_mode == INF_EXPLICIT)
    put_svarint (w, inf_delta);
  if (head & HEAD_OP_EXPLICIT)
    put_svarint (w, e->op - expected_op);
  put_svarint (w, wrapping_sub (e->t_start_ns, st->end) / divisor);
  put_svarint (w, wrapping_sub (e->t_end_ns, e->t_start_ns) / divisor);
  st->inference = e->inference;
  st->op = e->op;
  st->end = e->t_end_ns;
}

void
bs_codec_encode_events (const BsLayerEvent *events, size_t n, GByteArray *out)
{
  uint64_t divisor;
  EventState st;
  Writer w;

  g_assert (n > 0 && n <= BS_CODEC_MAX_ITEMS);
  divisor = event_time_divisor (events, n);
  writer_init (&w, out, 2 + 4 * 10 + n * 41 + TRAILER_BYTES);
  put_u8 (&w, TAG_EVENTS);
  put_u8 (&w, VERSION);
  put_varint (&w, n);
  put_svarint (&w, events[0].inference);
  put_svarint (&w, events[0].t_start_ns);
  put_varint (&w, divisor);

  st.inference = events[0].inference;
  st.op = -1;
  st.end = events[0].t_start_ns;
  for (size_t i = 0; i < n; i++)
    {
      g_assert ((unsigned) events[i].clock <= BS_CLOCK_MODELLED);
      put_event (&w, &events[i], &st, (int64_t) divisor);
    }
  writer_finish (&w);
}

static gboolean
fits_int32 (int64_t v)
{
  return v >= INT32_MIN && v <= INT32_MAX;
}

/* Adds a decoded delta to an int32 quantity, refusing anything that leaves int32. */
static gboolean
add_delta (int64_t base, int64_t delta, int64_t *out)
{
  if (delta < -(INT64_C (1) << 33) || delta > (INT64_C (1) << 33) || !fits_int32 (base + delta))
    return FALSE;
  *out = base + delta;
  return TRUE;
}

static gboolean
get_event (Reader *r, BsLayerEvent *e, EventState *st, uint64_t divisor)
{
  uint8_t head = get_u8 (r);
  int inf_mode = (head & HEAD_INF_MASK) >> HEAD_INF_SHIFT;
  int64_t inference = st->inference, op;
  uint64_t start;

  if ((head & HEAD_RESERVED) || (head & HEAD_CLOCK_MASK) > BS_CLOCK_MODELLED
      || inf_mode > INF_EXPLICIT)
    return FALSE;
  if (inf_mode == INF_NEXT && !add_delta (inference, 1, &inference))
    return FALSE;
  if (inf_mode == INF_EXPLICIT && !add_delta (inference, get_svarint (r), &inference))
    return FALSE;
  op = inf_mode == INF_SAME ? st->op + 1 : 0;
  if ((head & HEAD_OP_EXPLICIT) && !add_delta (op, get_svarint (r), &op))
    return FALSE;
  if (!fits_int32 (op))
    return FALSE;
  start = (uint64_t) st->end + (uint64_t) get_svarint (r) * divisor;
  e->inference = (int32_t) inference;
  e->op = (int32_t) op;
  e->t_start_ns = (int64_t) start;
  e->t_end_ns = (int64_t) (start + (uint64_t) get_svarint (r) * divisor);
  e->clock = (BsClockSource) (head & HEAD_CLOCK_MASK);
  st->inference = inference;
  st->op = op;
  st->end = e->t_end_ns;
  return !r->bad;
}

gboolean
bs_codec_decode_events (const uint8_t *data, size_t len, GArray *out, GError **error)
{
  static const uint8_t tags[] = { TAG_EVENTS };
  guint old_len = out->len;
  uint64_t n, divisor;
  int64_t inf0, base;
  BsLayerEvent *e;
  EventState st;
  uint8_t tag;
  Reader r;

  if (!reader_open (&r, data, len, tags, G_N_ELEMENTS (tags), &tag, error))
    return FALSE;
  n = get_varint (&r);
  inf0 = get_svarint (&r);
  base = get_svarint (&r);
  divisor = get_varint (&r);
  if (r.bad || divisor == 0 || !fits_int32 (inf0))
    return malformed (error, "bad event header");
  /* Each event takes at least three bytes. */
  if (n == 0 || n > BS_CODEC_MAX_ITEMS || n > (uint64_t) (r.end - r.p) / 3)
    return malformed (error, "impossible event count");

  g_array_set_size (out, old_len + (guint) n);
  e = &g_array_index (out, BsLayerEvent, old_len);
  st.inference = inf0;
  st.op = -1;
  st.end = base;
  for (uint64_t i = 0; i < n; i++)
    if (!get_event (&r, &e[i], &st, divisor))
      {
        g_array_set_size (out, old_len);
        return malformed (error, "bad event");
      }
  if (r.p != r.end)
    {
      g_array_set_size (out, old_len);
      return malformed (error, "trailing bytes");
    }
  return TRUE;
}
