/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-import.c: a JSON run export back into a store.
 *
 * Three steps, so that a bad file changes nothing: parse everything into memory
 * (Parsed), check that the parts agree, then write — the data through the recorder (the
 * same chunking and summaries as a live recording), then in one transaction what the
 * recorder does not know: the original start date, t0 and duration, and the markers
 * with their ends and notes. If that last step fails the new run is deleted again.
 */
#include "bs-import.h"
#include "bs-budget.h"
#include "bs-json-reader.h"
#include "bs-evaluations.h"
#include "bs-run-links.h"
#include "bs-markers.h"
#include "bs-record.h"
#include "bs-runs.h"
#include "bs-store-private.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (bs-import-error-quark, bs_import_error)

#define FORMAT_NAME "blendscope-run"
#define FORMAT_VERSION 1

typedef struct
{
  char *status;
  char *model;
  char *model_sha256;
  char *backend;
  char *device;
  char *host;
  char *config;
  char *notes;
  char *session;
  GPtrArray *tags;
  char *started;
  int64_t t0_ns;
  int64_t duration_ns;       /* -1: null */
  int64_t clock_offset_ns;
  double clock_rate;
} RunMeta;

typedef struct
{
  int32_t channel;
  BsQuantity quantity;
  char *name;
  double resolution;
  GArray *t_ns;              /* int64, relative to t0 */
  GArray *value;             /* double */
} ChannelData;

typedef struct
{
  int64_t t_ns;              /* relative to t0 */
  int64_t end_ns;            /* relative, or BS_MARKER_NO_END */
  char *label;
  char *note;
} MarkerData;

typedef struct
{
  char *format;
  int64_t version;
  gboolean has_run;
  RunMeta run;
  GArray *layers;            /* BsRunLayer by op */
  GArray *channels;          /* ChannelData */
  GArray *markers;           /* MarkerData */
  BsRunEvaluation *evaluation;  /* the run's stored accuracy, when the export has one */
  BsRunLink *link;              /* a run on another host; t_ref_ns relative to t0 */
  GArray *ev_inference;      /* int64 */
  GArray *ev_op;             /* int64 */
  GArray *ev_start;          /* int64 */
  GArray *ev_end;            /* int64 */
  GArray *ev_clock;          /* int (BsClockSource) */
} Parsed;

static void
clear_layer (gpointer p)
{
  g_free (((BsRunLayer *) p)->name);
}

static void
clear_channel (gpointer p)
{
  ChannelData *c = p;
  g_free (c->name);
  g_clear_pointer (&c->t_ns, g_array_unref);
  g_clear_pointer (&c->value, g_array_unref);
}

static void
clear_marker (gpointer p)
{
  MarkerData *m = p;
  g_free (m->label);
  g_free (m->note);
}

static void
parsed_init (Parsed *d)
{
  memset (d, 0, sizeof *d);
  d->version = -1;
  d->run.duration_ns = -1;
  d->run.clock_rate = 1.0;
  d->run.tags = g_ptr_array_new_with_free_func (g_free);
  d->layers = g_array_new (FALSE, TRUE, sizeof (BsRunLayer));
  g_array_set_clear_func (d->layers, clear_layer);
  d->channels = g_array_new (FALSE, TRUE, sizeof (ChannelData));
  g_array_set_clear_func (d->channels, clear_channel);
  d->markers = g_array_new (FALSE, TRUE, sizeof (MarkerData));
  g_array_set_clear_func (d->markers, clear_marker);
  d->ev_inference = g_array_new (FALSE, FALSE, sizeof (int64_t));
  d->ev_op = g_array_new (FALSE, FALSE, sizeof (int64_t));
  d->ev_start = g_array_new (FALSE, FALSE, sizeof (int64_t));
  d->ev_end = g_array_new (FALSE, FALSE, sizeof (int64_t));
  d->ev_clock = g_array_new (FALSE, FALSE, sizeof (int));
}

static void
parsed_clear (Parsed *d)
{
  RunMeta *r = &d->run;

  g_free (d->format);
  g_free (r->status);
  g_free (r->model);
  g_free (r->model_sha256);
  g_free (r->backend);
  g_free (r->device);
  g_free (r->host);
  g_free (r->config);
  g_free (r->notes);
  g_free (r->session);
  g_free (r->started);
  g_ptr_array_unref (r->tags);
  g_array_unref (d->layers);
  g_array_unref (d->channels);
  g_array_unref (d->markers);
  g_clear_pointer (&d->evaluation, bs_run_evaluation_free);
  g_clear_pointer (&d->link, bs_run_link_free);
  g_array_unref (d->ev_inference);
  g_array_unref (d->ev_op);
  g_array_unref (d->ev_start);
  g_array_unref (d->ev_end);
  g_array_unref (d->ev_clock);
}

/* Parsing. Unknown keys are skipped, so a later minor addition to the format reads. */

static gboolean
read_text (BsJsonReader *r, char **field)
{
  g_clear_pointer (field, g_free);
  return bs_json_read_string (r, field);
}

static gboolean
parse_run (BsJsonReader *r, RunMeta *m)
{
  char *key;

  if (!bs_json_begin_object (r))
    return FALSE;
  while (bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;
      gboolean ok;

      if (g_str_equal (k, "status"))
        ok = read_text (r, &m->status);
      else if (g_str_equal (k, "model"))
        ok = read_text (r, &m->model);
      else if (g_str_equal (k, "model_sha256"))
        ok = read_text (r, &m->model_sha256);
      else if (g_str_equal (k, "backend"))
        ok = read_text (r, &m->backend);
      else if (g_str_equal (k, "device"))
        ok = read_text (r, &m->device);
      else if (g_str_equal (k, "host"))
        ok = read_text (r, &m->host);
      else if (g_str_equal (k, "config"))
        ok = read_text (r, &m->config);
      else if (g_str_equal (k, "notes"))
        ok = read_text (r, &m->notes);
      else if (g_str_equal (k, "started"))
        ok = read_text (r, &m->started);
      else if (g_str_equal (k, "session"))
        {
          g_clear_pointer (&m->session, g_free);
          ok = bs_json_read_string_or_null (r, &m->session);
        }
      else if (g_str_equal (k, "tags"))
        {
          ok = bs_json_begin_array (r);
          while (ok && bs_json_next_element (r))
            {
              char *tag;
              if ((ok = bs_json_read_string (r, &tag)))
                g_ptr_array_add (m->tags, tag);
            }
          ok = ok && !bs_json_failed (r);
        }
      else if (g_str_equal (k, "t0_ns"))
        ok = bs_json_read_int64 (r, &m->t0_ns);
      else if (g_str_equal (k, "duration_ns"))
        {
          if (bs_json_peek (r) == BS_JSON_NULL)
            {
              m->duration_ns = -1;
              ok = bs_json_skip (r);
            }
          else
            ok = bs_json_read_int64 (r, &m->duration_ns);
        }
      else if (g_str_equal (k, "clock_offset_ns"))
        ok = bs_json_read_int64 (r, &m->clock_offset_ns);
      else if (g_str_equal (k, "clock_rate"))
        ok = bs_json_read_double (r, &m->clock_rate);
      else
        ok = bs_json_skip (r);
      if (!ok)
        return FALSE;
    }
  return !bs_json_failed (r);
}

static gboolean
read_uint64 (BsJsonReader *r, uint64_t *out)
{
  int64_t v;

  if (!bs_json_read_int64 (r, &v))
    return FALSE;
  if (v < 0)
    return bs_json_fail (r, "a count cannot be negative");
  *out = (uint64_t) v;
  return TRUE;
}

static gboolean
parse_fixed_macs (BsJsonReader *r, BsRunLayer *l)
{
  char *key;
  int k = 0;

  if (!bs_json_begin_object (r))
    return FALSE;
  while (bs_json_next_member (r, &key))
    {
      g_autofree char *bits_text = key;
      guint64 bits;

      if (!g_ascii_string_to_unsigned (bits_text, 10, 1, 1024, &bits, NULL))
        return bs_json_fail (r, "fixed_macs keys are bit widths, not '%s'", bits_text);
      if (k >= BS_RUN_MAX_MAC_WIDTHS)
        return bs_json_fail (r, "more than %d fixed-point MAC widths", BS_RUN_MAX_MAC_WIDTHS);
      l->fixed_macs[k].bits = (int) bits;
      if (!read_uint64 (r, &l->fixed_macs[k].macs))
        return FALSE;
      k++;
    }
  return !bs_json_failed (r);
}

static gboolean
parse_layer (BsJsonReader *r, Parsed *d)
{
  BsRunLayer l = { .kind = BS_LAYER_N_KINDS, .precision = BS_PRECISION_FLOAT, .path = BS_PATH_MAIN };
  int64_t op = -1;
  char *key;
  gboolean ok = bs_json_begin_object (r);

  while (ok && bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;
      g_autofree char *text = NULL;

      if (g_str_equal (k, "op"))
        ok = bs_json_read_int64 (r, &op);
      else if (g_str_equal (k, "name"))
        ok = read_text (r, &l.name);
      else if (g_str_equal (k, "kind"))
        {
          ok = bs_json_read_string (r, &text);
          /* "unknown": an op the run's table lacked; it stays unknown. */
          if (ok && !bs_layer_kind_from_string (text, &l.kind))
            l.kind = BS_LAYER_N_KINDS;
        }
      else if (g_str_equal (k, "precision"))
        {
          ok = bs_json_read_string (r, &text);
          if (ok && *text != '\0' && !bs_precision_from_string (text, &l.precision))
            ok = bs_json_fail (r, "unknown precision '%s'", text);
        }
      else if (g_str_equal (k, "path"))
        {
          ok = bs_json_read_string (r, &text);
          if (ok && *text != '\0' && !bs_path_from_string (text, &l.path))
            ok = bs_json_fail (r, "unknown path '%s'", text);
        }
      else if (g_str_equal (k, "binary_macs"))
        ok = read_uint64 (r, &l.binary_macs);
      else if (g_str_equal (k, "fixed_macs"))
        ok = parse_fixed_macs (r, &l);
      else if (g_str_equal (k, "param_bits"))
        ok = read_uint64 (r, &l.param_bits);
      else if (g_str_equal (k, "activation_bytes"))
        ok = read_uint64 (r, &l.activation_bytes);
      else
        ok = bs_json_skip (r);
    }
  ok = ok && !bs_json_failed (r);
  if (ok && (op < 0 || op > 1000000))
    ok = bs_json_fail (r, "a layer needs an op number from 0 to 1000000");
  if (ok && op < (int64_t) d->layers->len
      && g_array_index (d->layers, BsRunLayer, op).name != NULL)
    ok = bs_json_fail (r, "op %" G_GINT64_FORMAT " appears twice in the layer table", op);
  if (!ok)
    {
      g_free (l.name);
      return FALSE;
    }
  if (l.name == NULL)
    l.name = g_strdup_printf ("op %" G_GINT64_FORMAT, op);
  if (op >= (int64_t) d->layers->len)
    g_array_set_size (d->layers, (guint) op + 1);
  g_array_index (d->layers, BsRunLayer, op) = l;
  return TRUE;
}

static gboolean
parse_int64_array (BsJsonReader *r, GArray *out)
{
  if (!bs_json_begin_array (r))
    return FALSE;
  while (bs_json_next_element (r))
    {
      int64_t v;
      if (!bs_json_read_int64 (r, &v))
        return FALSE;
      g_array_append_val (out, v);
    }
  return !bs_json_failed (r);
}

static gboolean
parse_double_array (BsJsonReader *r, GArray *out)
{
  if (!bs_json_begin_array (r))
    return FALSE;
  while (bs_json_next_element (r))
    {
      double v;
      if (!bs_json_read_double (r, &v))
        return FALSE;
      g_array_append_val (out, v);
    }
  return !bs_json_failed (r);
}

static gboolean
quantity_from_string (const char *s, BsQuantity *out)
{
  for (int q = 0; q < BS_N_QUANTITIES; q++)
    if (g_strcmp0 (s, bs_quantity_to_string ((BsQuantity) q)) == 0)
      {
        *out = (BsQuantity) q;
        return TRUE;
      }
  return FALSE;
}

static gboolean
clock_from_string (const char *s, int *out)
{
  for (int c = BS_CLOCK_HOST; c <= BS_CLOCK_MODELLED; c++)
    if (g_strcmp0 (s, bs_clock_source_to_string ((BsClockSource) c)) == 0)
      {
        *out = c;
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_channel (BsJsonReader *r, Parsed *d)
{
  ChannelData c = { .quantity = BS_N_QUANTITIES, .resolution = 0 };
  gboolean has_channel = FALSE;
  char *key;
  gboolean ok = bs_json_begin_object (r);

  c.t_ns = g_array_new (FALSE, FALSE, sizeof (int64_t));
  c.value = g_array_new (FALSE, FALSE, sizeof (double));
  while (ok && bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;
      g_autofree char *text = NULL;

      if (g_str_equal (k, "channel"))
        {
          int64_t v = 0;
          ok = bs_json_read_int64 (r, &v);
          if (ok && (v < G_MININT32 || v > G_MAXINT32))
            ok = bs_json_fail (r, "a channel number out of range");
          c.channel = (int32_t) v;
          has_channel = TRUE;
        }
      else if (g_str_equal (k, "name"))
        ok = read_text (r, &c.name);
      else if (g_str_equal (k, "quantity"))
        {
          ok = bs_json_read_string (r, &text);
          if (ok && !quantity_from_string (text, &c.quantity))
            ok = bs_json_fail (r, "unknown quantity '%s'", text);
        }
      else if (g_str_equal (k, "resolution"))
        ok = bs_json_read_double (r, &c.resolution);
      else if (g_str_equal (k, "t_ns"))
        ok = parse_int64_array (r, c.t_ns);
      else if (g_str_equal (k, "value"))
        ok = parse_double_array (r, c.value);
      else
        ok = bs_json_skip (r);
    }
  ok = ok && !bs_json_failed (r);
  if (ok && (!has_channel || c.quantity == BS_N_QUANTITIES))
    ok = bs_json_fail (r, "a channel needs its number and quantity");
  if (ok && c.t_ns->len != c.value->len)
    ok = bs_json_fail (r, "channel %d has %u times but %u values", c.channel, c.t_ns->len,
                       c.value->len);
  for (guint i = 0; ok && i < d->channels->len; i++)
    {
      const ChannelData *o = &g_array_index (d->channels, ChannelData, i);
      if (o->channel == c.channel && o->quantity == c.quantity)
        ok = bs_json_fail (r, "channel %d (%s) appears twice", c.channel,
                           bs_quantity_to_string (c.quantity));
    }
  if (!ok)
    {
      clear_channel (&c);
      return FALSE;
    }
  g_array_append_val (d->channels, c);
  return TRUE;
}

static gboolean
parse_marker (BsJsonReader *r, Parsed *d)
{
  MarkerData m = { .end_ns = BS_MARKER_NO_END };
  gboolean has_t = FALSE;
  char *key;
  gboolean ok = bs_json_begin_object (r);

  while (ok && bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;

      if (g_str_equal (k, "t_ns"))
        {
          ok = bs_json_read_int64 (r, &m.t_ns);
          has_t = TRUE;
        }
      else if (g_str_equal (k, "label"))
        ok = read_text (r, &m.label);
      /* Ranges and notes (bs-markers.h), when the export carries them. */
      else if (g_str_equal (k, "end_ns") && bs_json_peek (r) != BS_JSON_NULL)
        ok = bs_json_read_int64 (r, &m.end_ns);
      else if (g_str_equal (k, "note") && bs_json_peek (r) != BS_JSON_NULL)
        ok = read_text (r, &m.note);
      else
        ok = bs_json_skip (r);
    }
  ok = ok && !bs_json_failed (r);
  if (ok && !has_t)
    ok = bs_json_fail (r, "a marker needs its time (t_ns)");
  if (ok && m.end_ns != BS_MARKER_NO_END && m.end_ns < m.t_ns)
    ok = bs_json_fail (r, "a marker range ends before it starts");
  if (!ok)
    {
      clear_marker (&m);
      return FALSE;
    }
  g_array_append_val (d->markers, m);
  return TRUE;
}

/* "evaluation": {...} or null. Counts are checked when stored (bs-evaluations.c). */
static gboolean
parse_evaluation (BsJsonReader *r, Parsed *d)
{
  BsRunEvaluation *e;
  char *key;
  gboolean ok;

  if (bs_json_peek (r) == BS_JSON_NULL)
    return bs_json_skip (r);
  e = g_new0 (BsRunEvaluation, 1);
  e->n_images = e->float_agree = -1;
  ok = bs_json_begin_object (r);
  while (ok && bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;

      if (g_str_equal (k, "dataset"))
        ok = read_text (r, &e->dataset);
      else if (g_str_equal (k, "engine"))
        ok = read_text (r, &e->engine);
      else if (g_str_equal (k, "n_images"))
        ok = bs_json_read_int64 (r, &e->n_images);
      else if (g_str_equal (k, "top1_correct"))
        ok = bs_json_read_int64 (r, &e->top1_correct);
      else if (g_str_equal (k, "top5_correct"))
        ok = bs_json_read_int64 (r, &e->top5_correct);
      else if (g_str_equal (k, "float_checkpoint"))
        ok = read_text (r, &e->float_checkpoint);
      else if (g_str_equal (k, "float_agree"))
        ok = bs_json_read_int64 (r, &e->float_agree);
      else
        ok = bs_json_skip (r);
    }
  g_clear_pointer (&d->evaluation, bs_run_evaluation_free);
  d->evaluation = e;
  return ok && !bs_json_failed (r);
}

/* "link": {...} or null. Values are checked when stored (bs-run-links.c). */
static gboolean
parse_link (BsJsonReader *r, Parsed *d)
{
  BsRunLink *l;
  char *key;
  gboolean ok;

  if (bs_json_peek (r) == BS_JSON_NULL)
    return bs_json_skip (r);
  l = g_new0 (BsRunLink, 1);
  l->rtt_ns = l->uncertainty_ns = -1;
  ok = bs_json_begin_object (r);
  while (ok && bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;

      if (g_str_equal (k, "remote"))
        ok = read_text (r, &l->remote);
      else if (g_str_equal (k, "software"))
        ok = read_text (r, &l->software);
      else if (g_str_equal (k, "cpu"))
        ok = read_text (r, &l->cpu);
      else if (g_str_equal (k, "kernel"))
        ok = read_text (r, &l->kernel);
      else if (g_str_equal (k, "rtt_ns"))
        ok = bs_json_read_int64 (r, &l->rtt_ns);
      else if (g_str_equal (k, "t_ref_ns"))
        ok = bs_json_read_int64 (r, &l->t_ref_ns);
      else if (g_str_equal (k, "offset_ns"))
        ok = bs_json_read_int64 (r, &l->offset_ns);
      else if (g_str_equal (k, "uncertainty_ns"))
        ok = bs_json_read_int64 (r, &l->uncertainty_ns);
      else if (g_str_equal (k, "n_exchanges"))
        ok = bs_json_read_int64 (r, &l->n_exchanges);
      else if (g_str_equal (k, "drift_ppm"))
        ok = (l->drift_fitted = bs_json_read_double (r, &l->drift_ppm));
      else
        ok = bs_json_skip (r);
    }
  g_clear_pointer (&d->link, bs_run_link_free);
  d->link = l;
  return ok && !bs_json_failed (r);
}

static gboolean
parse_array_of (BsJsonReader *r, Parsed *d, gboolean (*element) (BsJsonReader *, Parsed *))
{
  if (!bs_json_begin_array (r))
    return FALSE;
  while (bs_json_next_element (r))
    if (!element (r, d))
      return FALSE;
  return !bs_json_failed (r);
}

static gboolean
parse_events (BsJsonReader *r, Parsed *d)
{
  char *key;

  if (!bs_json_begin_object (r))
    return FALSE;
  while (bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;
      gboolean ok;

      if (g_str_equal (k, "inference"))
        ok = parse_int64_array (r, d->ev_inference);
      else if (g_str_equal (k, "op"))
        ok = parse_int64_array (r, d->ev_op);
      else if (g_str_equal (k, "start_ns"))
        ok = parse_int64_array (r, d->ev_start);
      else if (g_str_equal (k, "end_ns"))
        ok = parse_int64_array (r, d->ev_end);
      else if (g_str_equal (k, "clock"))
        {
          ok = bs_json_begin_array (r);
          while (ok && bs_json_next_element (r))
            {
              g_autofree char *text = NULL;
              int clock;

              ok = bs_json_read_string (r, &text);
              if (ok && !clock_from_string (text, &clock))
                ok = bs_json_fail (r, "unknown clock '%s'", text);
              if (ok)
                g_array_append_val (d->ev_clock, clock);
            }
          ok = ok && !bs_json_failed (r);
        }
      else
        ok = bs_json_skip (r);
      if (!ok)
        return FALSE;
    }
  return !bs_json_failed (r);
}

static gboolean
parse_document (BsJsonReader *r, Parsed *d)
{
  char *key;

  if (bs_json_peek (r) != BS_JSON_OBJECT)
    return bs_json_fail (r, "a run export is a JSON object");
  bs_json_begin_object (r);
  while (bs_json_next_member (r, &key))
    {
      g_autofree char *k = key;
      gboolean ok;

      if (g_str_equal (k, "format"))
        ok = read_text (r, &d->format);
      else if (g_str_equal (k, "version"))
        ok = bs_json_read_int64 (r, &d->version);
      else if (g_str_equal (k, "run"))
        {
          d->has_run = TRUE;
          ok = parse_run (r, &d->run);
        }
      else if (g_str_equal (k, "layers"))
        ok = parse_array_of (r, d, parse_layer);
      else if (g_str_equal (k, "channels"))
        ok = parse_array_of (r, d, parse_channel);
      else if (g_str_equal (k, "markers"))
        ok = parse_array_of (r, d, parse_marker);
      else if (g_str_equal (k, "evaluation"))
        ok = parse_evaluation (r, d);
      else if (g_str_equal (k, "link"))
        ok = parse_link (r, d);
      else if (g_str_equal (k, "events"))
        ok = parse_events (r, d);
      else
        ok = bs_json_skip (r);   /* "totals", "stats": recomputed */
      if (!ok)
        return FALSE;
      /* Say "not ours" at once rather than after reading a large foreign file. */
      if (g_str_equal (k, "format") && g_strcmp0 (d->format, FORMAT_NAME) != 0)
        return bs_json_fail (r, "the format is '%s', not '" FORMAT_NAME "'", d->format);
    }
  return !bs_json_failed (r);
}

/* Checks that parsing cannot do: the parts agree. */
static gboolean
check_parsed (Parsed *d, const char *source, GError **error)
{
  guint n = d->ev_op->len;

  if (d->format == NULL || d->version < 0 || !d->has_run)
    {
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_FORMAT,
                   "%s is not a blendscope run export: it lacks %s", source,
                   d->format == NULL ? "\"format\": \"" FORMAT_NAME "\""
                   : d->version < 0 ? "a \"version\"" : "the \"run\" record");
      return FALSE;
    }
  if (d->version > FORMAT_VERSION)
    {
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_VERSION,
                   "%s is a run export of format version %" G_GINT64_FORMAT ", written by a "
                   "newer blendscope; this one reads version %d", source, d->version,
                   FORMAT_VERSION);
      return FALSE;
    }
  if (d->run.backend == NULL || *d->run.backend == '\0')
    {
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_INVALID,
                   "%s: the run record names no backend", source);
      return FALSE;
    }
  if (d->ev_inference->len != n || d->ev_start->len != n || d->ev_end->len != n
      || d->ev_clock->len != n)
    {
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_INVALID,
                   "%s: the event columns differ in length (inference %u, op %u, start_ns %u, "
                   "end_ns %u, clock %u)", source, d->ev_inference->len, n, d->ev_start->len,
                   d->ev_end->len, d->ev_clock->len);
      return FALSE;
    }
  /* A table with holes (never written by bs_export) gets the placeholders the store
   * reads for ops it lacks. */
  for (guint i = 0; i < d->layers->len; i++)
    {
      BsRunLayer *l = &g_array_index (d->layers, BsRunLayer, i);
      if (l->name == NULL)
        *l = (BsRunLayer) { .name = g_strdup_printf ("op %u", i), .kind = BS_LAYER_N_KINDS,
                            .precision = BS_PRECISION_FLOAT, .path = BS_PATH_MAIN };
    }
  for (guint i = 0; i < n; i++)
    {
      int64_t inf = g_array_index (d->ev_inference, int64_t, i);
      int64_t op = g_array_index (d->ev_op, int64_t, i);

      if (inf < G_MININT32 || inf > G_MAXINT32 || op < 0 || op > G_MAXINT32
          || g_array_index (d->ev_end, int64_t, i) < g_array_index (d->ev_start, int64_t, i))
        {
          g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_INVALID,
                       "%s: event %u is impossible (inference %" G_GINT64_FORMAT ", op %"
                       G_GINT64_FORMAT ", or it ends before it starts)", source, i, inf, op);
          return FALSE;
        }
    }
  return TRUE;
}

/* Writing */

static BsModel *
model_for (Parsed *d)
{
  BsModel *model = bs_model_new (d->run.model != NULL ? d->run.model : "imported", (BsShape) { 0, 0, 0 });
  const char *sha = d->run.model_sha256;

  /* The model is known by its hash; layers only give the table its size. */
  if (sha != NULL && strlen (sha) == 64)
    memcpy (model->sha256, sha, 65);
  for (guint i = 0; i < d->layers->len; i++)
    {
      const BsRunLayer *l = &g_array_index (d->layers, BsRunLayer, i);
      BsLayer layer = bs_layer_init (l->name ? l->name : "", l->kind == BS_LAYER_N_KINDS
                                                               ? BS_LAYER_ADD : l->kind,
                                     l->precision, l->path);
      bs_model_add_layer (model, &layer);
    }
  return model;
}

static gboolean
finish_import (BsStore *store, int64_t run, Parsed *d, BsRunStatus status, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = bs_store_prepare (store,
    "UPDATE runs SET started_us = coalesce(?2, started_us), t0_ns = ?3, "
    "duration_ns = coalesce(?4, duration_ns), status = ?5 WHERE id = ?1", error);
  g_autoptr (GDateTime) started = d->run.started != NULL && *d->run.started != '\0'
                                    ? g_date_time_new_from_iso8601 (d->run.started, NULL) : NULL;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run);
  if (started != NULL)
    sqlite3_bind_int64 (stmt, 2, g_date_time_to_unix (started) * G_USEC_PER_SEC);
  sqlite3_bind_int64 (stmt, 3, d->run.t0_ns);
  if (d->run.duration_ns >= 0)
    sqlite3_bind_int64 (stmt, 4, d->run.duration_ns);
  sqlite3_bind_text (stmt, 5, bs_run_status_to_string (status), -1, SQLITE_STATIC);
  if (!bs_store_step_done (store, stmt, error, "restoring an imported run's times"))
    return FALSE;
  return TRUE;
}

static gboolean
add_markers (BsStore *store, int64_t run, Parsed *d, GError **error)
{
  for (guint i = 0; i < d->markers->len; i++)
    {
      const MarkerData *m = &g_array_index (d->markers, MarkerData, i);
      BsRunMarker rm = {
        .t_ns = d->run.t0_ns + m->t_ns,
        .end_ns = m->end_ns == BS_MARKER_NO_END ? BS_MARKER_NO_END : d->run.t0_ns + m->end_ns,
        .label = m->label, .note = m->note,
      };

      if (bs_store_add_run_marker (store, run, &rm, error) < 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
store_link (BsStore *store, int64_t run, Parsed *d, GError **error)
{
  BsRunLink link = *d->link;

  link.t_ref_ns += d->run.t0_ns;
  return bs_store_set_run_link (store, run, &link, error);
}

static int64_t
write_run (BsStore *store, Parsed *d, const char *session, GError **error)
{
  g_autoptr (BsModel) model = model_for (d);
  g_autoptr (GArray) events = g_array_sized_new (FALSE, FALSE, sizeof (BsLayerEvent), d->ev_op->len);
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  g_autofree BsChannelInfo *channels = g_new0 (BsChannelInfo, MAX (d->channels->len, 1));
  g_autoptr (GPtrArray) tags = g_ptr_array_new ();
  static const BsRunLayer no_layers[1];
  BsRunStatus status = BS_RUN_COMPLETE;
  int64_t t0 = d->run.t0_ns;
  BsRunInfo info = { 0 };
  BsRecordData data = { 0 };
  g_autoptr (GError) local = NULL;
  int64_t run;

  if (d->run.status != NULL && !bs_run_status_from_string (d->run.status, &status))
    status = BS_RUN_FAILED;
  if (status == BS_RUN_RUNNING)
    status = BS_RUN_INTERRUPTED;

  for (guint i = 0; i < d->ev_op->len; i++)
    {
      BsLayerEvent e = {
        (int32_t) g_array_index (d->ev_inference, int64_t, i),
        (int32_t) g_array_index (d->ev_op, int64_t, i),
        t0 + g_array_index (d->ev_start, int64_t, i),
        t0 + g_array_index (d->ev_end, int64_t, i),
        (BsClockSource) g_array_index (d->ev_clock, int, i),
      };
      g_array_append_val (events, e);
    }
  for (guint c = 0; c < d->channels->len; c++)
    {
      const ChannelData *ch = &g_array_index (d->channels, ChannelData, c);

      channels[c] = (BsChannelInfo) { ch->channel, ch->quantity, ch->name, ch->resolution };
      for (guint i = 0; i < ch->t_ns->len; i++)
        {
          BsSample s = { t0 + g_array_index (ch->t_ns, int64_t, i), ch->channel, ch->quantity,
                         bs_quantity_unit (ch->quantity), g_array_index (ch->value, double, i) };
          g_array_append_val (samples, s);
        }
    }
  for (guint i = 0; i < d->run.tags->len; i++)
    g_ptr_array_add (tags, g_ptr_array_index (d->run.tags, i));
  g_ptr_array_add (tags, NULL);

  info.backend = d->run.backend;
  info.device = d->run.device;
  info.host = d->run.host != NULL ? d->run.host : "";
  info.config = d->run.config;
  info.session = session != NULL ? session : d->run.session;
  info.notes = d->run.notes;
  info.tags = (const char *const *) tags->pdata;
  /* 0 would mean "when the run is begun"; finish_import() writes the real t0. */
  info.t0_ns = t0 != 0 ? t0 : 1;
  info.clock_offset_ns = d->run.clock_offset_ns;
  info.clock_rate = isfinite (d->run.clock_rate) ? d->run.clock_rate : 1.0;
  info.layers = d->layers->len > 0 ? (const BsRunLayer *) (void *) d->layers->data : no_layers;
  info.n_layers = d->layers->len;
  info.channels = channels;
  info.n_channels = d->channels->len;

  data.events = (const BsLayerEvent *) (void *) events->data;
  data.n_events = events->len;
  data.samples = (const BsSample *) (void *) samples->data;
  data.n_samples = samples->len;

  /* The recorder ends runs as complete, failed or aborted only; the status is set with
   * the times below. */
  run = bs_record_run (bs_store_get_path (store), model, &info, &data, BS_RUN_COMPLETE, error);
  if (run < 0)
    return -1;

  if (bs_store_begin (store, &local))
    {
      if (finish_import (store, run, d, status, &local) && bs_store_commit (store, &local))
        {
          if (add_markers (store, run, d, &local)
              && (d->evaluation == NULL
                  || bs_store_set_run_evaluation (store, run, d->evaluation, &local))
              && (d->link == NULL || store_link (store, run, d, &local)))
            return run;
        }
      else
        bs_store_rollback (store);
    }
  /* Half an import is worse than none. */
  bs_store_delete_run (store, run, NULL);
  g_propagate_prefixed_error (error, g_steal_pointer (&local), "importing a run: ");
  return -1;
}

int64_t
bs_import_run_from_data (BsStore *store, const char *text, gsize len, const char *source,
                         const char *session, GError **error)
{
  Parsed d;
  BsJsonReader r;
  g_autoptr (GError) local = NULL;
  int64_t run = -1;

  if (source == NULL)
    source = "the import";
  if (!bs_budget_check_input (len, source, BS_IMPORT_ERROR, BS_IMPORT_ERROR_TOO_LARGE, error))
    return -1;
  parsed_init (&d);
  bs_json_reader_init (&r, text, len);
  parse_document (&r, &d);
  if (!bs_json_reader_end (&r, &local))
    g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_FORMAT,
                 "%s is not a blendscope run export: %s", source, local->message);
  else if (check_parsed (&d, source, error))
    run = write_run (store, &d, session, error);
  parsed_clear (&d);
  return run;
}

/* Stops reading as soon as the stream passes the input budget, so an endless stream
 * cannot fill the memory. */
static GBytes *
read_within_budget (GInputStream *in, GError **error)
{
  g_autoptr (GByteArray) text = g_byte_array_new ();
  guint8 buffer[65536];
  gssize n;

  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, error)) > 0)
    {
      g_byte_array_append (text, buffer, (guint) n);
      if (!bs_budget_check_input (text->len, "the run to import", BS_IMPORT_ERROR,
                                  BS_IMPORT_ERROR_TOO_LARGE, error))
        return NULL;
    }
  if (n < 0)
    {
      g_prefix_error (error, "reading the run to import: ");
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&text));
}

int64_t
bs_import_run (BsStore *store, GInputStream *in, const char *session, GError **error)
{
  g_autoptr (GBytes) bytes = read_within_budget (in, error);
  gsize len;
  const char *text;

  if (bytes == NULL)
    return -1;
  text = g_bytes_get_data (bytes, &len);
  return bs_import_run_from_data (store, text != NULL ? text : "", len, NULL, session, error);
}

int64_t
bs_import_run_file (BsStore *store, const char *path, const char *session, GError **error)
{
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  g_autofree char *display = g_filename_display_name (path);
  const char *text;

  if (file == NULL)
    return -1;
  /* An empty file maps to NULL. */
  text = g_mapped_file_get_contents (file);
  return bs_import_run_from_data (store, text != NULL ? text : "", g_mapped_file_get_length (file),
                                  display, session, error);
}
