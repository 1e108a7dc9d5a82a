/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-export.c: CSV and JSON exports, and the writer the formats share. */
#include "bs-evaluations.h"
#include "bs-run-links.h"
#include "bs-export-private.h"
#include "bs-queries.h"
#include "bs-run-data.h"
#include "bs-store-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_BYTES (256 * 1024)

static const char *const format_names[] = { "csv", "json", "perfetto" };
static const char *const table_names[] = { "events", "samples", "markers", "layers", "stats" };

static gboolean
lookup (const char *const *names, int n, const char *s, int *out)
{
  for (int i = 0; i < n; i++)
    if (g_strcmp0 (names[i], s) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
bs_export_format_from_string (const char *s, BsExportFormat *format)
{
  int i;

  if (!lookup (format_names, G_N_ELEMENTS (format_names), s, &i))
    return FALSE;
  *format = (BsExportFormat) i;
  return TRUE;
}

gboolean
bs_export_table_from_string (const char *s, BsExportTable *table)
{
  int i;

  if (!lookup (table_names, G_N_ELEMENTS (table_names), s, &i))
    return FALSE;
  *table = (BsExportTable) i;
  return TRUE;
}

/* The writer */

void
bs_export_writer_init (BsExportWriter *w, GOutputStream *stream)
{
  w->stream = stream;
  w->buffer = g_string_sized_new (FLUSH_BYTES + 4096);
  w->error = NULL;
}

static void
flush (BsExportWriter *w)
{
  if (w->error == NULL && w->buffer->len > 0)
    g_output_stream_write_all (w->stream, w->buffer->str, w->buffer->len, NULL, NULL, &w->error);
  g_string_truncate (w->buffer, 0);
}

static void
maybe_flush (BsExportWriter *w)
{
  if (w->buffer->len >= FLUSH_BYTES)
    flush (w);
}

gboolean
bs_export_writer_finish (BsExportWriter *w, GError **error)
{
  flush (w);
  if (w->error == NULL)
    g_output_stream_flush (w->stream, NULL, &w->error);
  g_string_free (w->buffer, TRUE);
  w->buffer = NULL;
  if (w->error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&w->error), "writing the export: ");
      return FALSE;
    }
  return TRUE;
}

void
bs_export_puts (BsExportWriter *w, const char *s)
{
  g_string_append (w->buffer, s);
  maybe_flush (w);
}

void
bs_export_printf (BsExportWriter *w, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (w->buffer, format, args);
  va_end (args);
  maybe_flush (w);
}

void
bs_export_json_string (BsExportWriter *w, const char *s)
{
  /* Names and labels come from files and meters; JSON must be UTF-8 (RFC 8259). */
  g_autofree char *valid = g_utf8_make_valid (s ? s : "", -1);

  g_string_append_c (w->buffer, '"');
  for (const unsigned char *p = (const unsigned char *) valid; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (w->buffer, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (w->buffer, "\\u%04x", *p);
      else
        g_string_append_c (w->buffer, (char) *p);
    }
  g_string_append_c (w->buffer, '"');
}

static void
append_double (GString *buffer, double v)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  /* Fifteen digits read back exactly for nearly every measured value; seventeen always. */
  g_ascii_formatd (text, sizeof text, "%.15g", v);
  if (g_ascii_strtod (text, NULL) != v)
    g_ascii_formatd (text, sizeof text, "%.17g", v);
  g_string_append (buffer, text);
}

void
bs_export_json_double (BsExportWriter *w, double v)
{
  if (isfinite (v))
    append_double (w->buffer, v);
  else
    g_string_append (w->buffer, "null");
}

void
bs_export_csv_double (BsExportWriter *w, double v)
{
  if (isfinite (v))
    append_double (w->buffer, v);
}

void
bs_export_micros (BsExportWriter *w, int64_t ns)
{
  uint64_t magnitude = ns < 0 ? (uint64_t) 0 - (uint64_t) ns : (uint64_t) ns;

  g_string_append_printf (w->buffer, "%s%" G_GUINT64_FORMAT ".%03u", ns < 0 ? "-" : "",
                          magnitude / 1000, (unsigned) (magnitude % 1000));
}

/* Reading what the formats need */

typedef struct
{
  BsRun *run;
  GArray *layers;      /* BsRunLayer */
  GArray *events;      /* BsLayerEvent */
} RunData;

static void
run_data_clear (RunData *d)
{
  g_clear_pointer (&d->run, bs_run_free);
  g_clear_pointer (&d->layers, g_array_unref);
  g_clear_pointer (&d->events, g_array_unref);
}

static const char *
layer_name (GArray *layers, int op)
{
  return op >= 0 && op < (int) layers->len ? g_array_index (layers, BsRunLayer, op).name : "";
}

static const BsRunLayer *
layer_at (GArray *layers, int op)
{
  return op >= 0 && op < (int) layers->len ? &g_array_index (layers, BsRunLayer, op) : NULL;
}

static const char *
precision_name (const BsRunLayer *l)
{
  return l != NULL && l->kind != BS_LAYER_N_KINDS ? bs_precision_to_string (l->precision) : "";
}

static const char *
path_name (const BsRunLayer *l)
{
  return l != NULL && l->kind != BS_LAYER_N_KINDS ? bs_path_to_string (l->path) : "";
}

/* CSV */

/* A spreadsheet runs a cell starting with = + - @ as a formula ("=HYPERLINK(...)" in a
 * marker label); plain numbers such as -3.5 must stay numbers. */
static gboolean
csv_reads_as_formula (const char *s)
{
  return s[0] != '\0' && strchr ("=+-@", s[0]) != NULL
         && !g_regex_match_simple ("^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$", s,
                                   G_REGEX_DOLLAR_ENDONLY, 0);
}

static void
csv_field (BsExportWriter *w, const char *text)
{
  g_autofree char *guarded = csv_reads_as_formula (text) ? g_strconcat ("'", text, NULL) : NULL;
  const char *s = guarded != NULL ? guarded : text;

  if (strpbrk (s, ",\"\n\r") == NULL)
    {
      g_string_append (w->buffer, s);
      return;
    }
  g_string_append_c (w->buffer, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (w->buffer, '"');
      g_string_append_c (w->buffer, *p);
    }
  g_string_append_c (w->buffer, '"');
}

static void
csv_events (BsExportWriter *w, RunData *d)
{
  bs_export_puts (w, "inference,op,layer,precision,path,start_ns,end_ns,duration_ns,clock\n");
  for (guint i = 0; i < d->events->len; i++)
    {
      const BsLayerEvent *e = &g_array_index (d->events, BsLayerEvent, i);
      const BsRunLayer *l = layer_at (d->layers, e->op);

      bs_export_printf (w, "%d,%d,", e->inference, e->op);
      csv_field (w, layer_name (d->layers, e->op));
      bs_export_printf (w, ",%s,%s,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                        ",%s\n", precision_name (l), path_name (l), e->t_start_ns - d->run->t0_ns,
                        e->t_end_ns - d->run->t0_ns, e->t_end_ns - e->t_start_ns,
                        bs_clock_source_to_string (e->clock));
    }
}

static gboolean
csv_samples (BsStore *store, BsExportWriter *w, RunData *d, GError **error)
{
  g_autoptr (GArray) channels = bs_store_get_channels (store, d->run->id, error);

  if (channels == NULL)
    return FALSE;
  bs_export_puts (w, "t_ns,channel,name,quantity,unit,value\n");
  for (guint c = 0; c < channels->len; c++)
    {
      const BsChannel *ch = &g_array_index (channels, BsChannel, c);
      g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));

      if (!bs_store_read_samples (store, ch, INT64_MIN, INT64_MAX, samples, error))
        return FALSE;
      for (guint i = 0; i < samples->len; i++)
        {
          const BsSample *s = &g_array_index (samples, BsSample, i);

          bs_export_printf (w, "%" G_GINT64_FORMAT ",%d,", s->t_ns - d->run->t0_ns, ch->channel);
          csv_field (w, ch->name);
          bs_export_printf (w, ",%s,%s,", bs_quantity_to_string (ch->quantity),
                            bs_unit_to_string (bs_quantity_unit (ch->quantity)));
          bs_export_csv_double (w, s->value);
          bs_export_puts (w, "\n");
        }
    }
  return TRUE;
}

static gboolean
csv_markers (BsStore *store, BsExportWriter *w, RunData *d, GError **error)
{
  g_autoptr (GArray) markers = bs_store_get_markers (store, d->run->id, error);

  if (markers == NULL)
    return FALSE;
  bs_export_puts (w, "t_ns,label\n");
  for (guint i = 0; i < markers->len; i++)
    {
      const BsMarker *m = &g_array_index (markers, BsMarker, i);
      bs_export_printf (w, "%" G_GINT64_FORMAT ",", m->t_ns - d->run->t0_ns);
      csv_field (w, m->label);
      bs_export_puts (w, "\n");
    }
  return TRUE;
}

static void
csv_layers (BsExportWriter *w, RunData *d)
{
  bs_export_puts (w, "op,name,kind,precision,path,binary_macs,fixed_macs,fixed_macs_by_bits,"
                     "param_bits,activation_bytes\n");
  for (guint i = 0; i < d->layers->len; i++)
    {
      const BsRunLayer *l = &g_array_index (d->layers, BsRunLayer, i);

      bs_export_printf (w, "%u,", i);
      csv_field (w, l->name);
      bs_export_printf (w, ",%s,%s,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",",
                        bs_runs_kind_name (l->kind), precision_name (l), path_name (l),
                        l->binary_macs, bs_run_layer_fixed_macs (l));
      for (int k = 0; k < BS_RUN_MAX_MAC_WIDTHS && l->fixed_macs[k].bits > 0; k++)
        bs_export_printf (w, "%s%d:%" G_GUINT64_FORMAT, k ? " " : "", l->fixed_macs[k].bits,
                          l->fixed_macs[k].macs);
      bs_export_printf (w, ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "\n", l->param_bits,
                        l->activation_bytes);
    }
}

static gboolean
csv_stats (BsStore *store, BsExportWriter *w, RunData *d, GError **error)
{
  g_autoptr (GArray) stats = bs_query_layer_stats (store, d->run->id, error);

  if (stats == NULL)
    return FALSE;
  bs_export_puts (w, "op,layer,precision,path,clock,n,mean_ns,median_ns,p5_ns,p95_ns,sd_ns,"
                     "min_ns,max_ns,energy_j,energy_lo_j,energy_hi_j\n");
  for (guint i = 0; i < stats->len; i++)
    {
      const BsLayerStats *st = &g_array_index (stats, BsLayerStats, i);
      const double values[] = {
        st->time_ns.mean, st->time_ns.median, st->time_ns.p5, st->time_ns.p95, st->time_ns.sd,
        st->time_ns.min, st->time_ns.max, st->energy_j, st->energy_lo_j, st->energy_hi_j,
      };

      bs_export_printf (w, "%d,", st->op);
      csv_field (w, st->name);
      bs_export_printf (w, ",%s,%s,%s,%" G_GINT64_FORMAT, st->kind == BS_LAYER_N_KINDS ? ""
                        : bs_precision_to_string (st->precision),
                        st->kind == BS_LAYER_N_KINDS ? "" : bs_path_to_string (st->path),
                        bs_clock_mask_to_string (st->clocks), st->time_ns.n);
      for (guint k = 0; k < G_N_ELEMENTS (values); k++)
        {
          bs_export_puts (w, ",");
          bs_export_csv_double (w, values[k]);
        }
      bs_export_puts (w, "\n");
    }
  return TRUE;
}

static gboolean
export_csv (BsStore *store, BsExportTable table, RunData *d, BsExportWriter *w, GError **error)
{
  switch (table)
    {
    case BS_EXPORT_TABLE_EVENTS:
      csv_events (w, d);
      return TRUE;
    case BS_EXPORT_TABLE_SAMPLES:
      return csv_samples (store, w, d, error);
    case BS_EXPORT_TABLE_MARKERS:
      return csv_markers (store, w, d, error);
    case BS_EXPORT_TABLE_LAYERS:
      csv_layers (w, d);
      return TRUE;
    case BS_EXPORT_TABLE_STATS:
      return csv_stats (store, w, d, error);
    default:
      g_return_val_if_reached (FALSE);
    }
}

/* JSON */

static void
json_key_string (BsExportWriter *w, const char *key, const char *value, gboolean comma)
{
  bs_export_printf (w, "%s\"%s\":", comma ? "," : "", key);
  bs_export_json_string (w, value);
}

static void
json_run (BsExportWriter *w, const BsRun *r)
{
  g_autoptr (GDateTime) started = g_date_time_new_from_unix_utc (r->started_us / G_USEC_PER_SEC);
  g_autofree char *iso = started ? g_date_time_format_iso8601 (started) : g_strdup ("");

  bs_export_printf (w, "\"run\":{\"id\":%" G_GINT64_FORMAT, r->id);
  json_key_string (w, "status", bs_run_status_to_string (r->status), TRUE);
  json_key_string (w, "model", r->model_name, TRUE);
  json_key_string (w, "model_sha256", r->model_sha256, TRUE);
  json_key_string (w, "backend", r->backend, TRUE);
  json_key_string (w, "device", r->device, TRUE);
  json_key_string (w, "host", r->host, TRUE);
  json_key_string (w, "config", r->config, TRUE);
  json_key_string (w, "notes", r->notes, TRUE);
  bs_export_puts (w, ",\"session\":");
  if (r->session != NULL)
    bs_export_json_string (w, r->session);
  else
    bs_export_puts (w, "null");
  bs_export_puts (w, ",\"tags\":[");
  for (int i = 0; r->tags[i] != NULL; i++)
    {
      if (i > 0)
        bs_export_puts (w, ",");
      bs_export_json_string (w, r->tags[i]);
    }
  bs_export_puts (w, "]");
  json_key_string (w, "started", iso, TRUE);
  bs_export_printf (w, ",\"t0_ns\":%" G_GINT64_FORMAT ",\"duration_ns\":", r->t0_ns);
  if (r->duration_ns >= 0)
    bs_export_printf (w, "%" G_GINT64_FORMAT, r->duration_ns);
  else
    bs_export_puts (w, "null");
  bs_export_printf (w, ",\"clock_offset_ns\":%" G_GINT64_FORMAT ",\"clock_rate\":", r->clock_offset_ns);
  bs_export_json_double (w, r->clock_rate);
  bs_export_puts (w, "}");
}

static void
json_layers (BsExportWriter *w, GArray *layers)
{
  bs_export_puts (w, ",\"layers\":[");
  for (guint i = 0; i < layers->len; i++)
    {
      const BsRunLayer *l = &g_array_index (layers, BsRunLayer, i);

      bs_export_printf (w, "%s{\"op\":%u", i ? "," : "", i);
      json_key_string (w, "name", l->name, TRUE);
      json_key_string (w, "kind", bs_runs_kind_name (l->kind), TRUE);
      json_key_string (w, "precision", precision_name (l), TRUE);
      json_key_string (w, "path", path_name (l), TRUE);
      bs_export_printf (w, ",\"binary_macs\":%" G_GUINT64_FORMAT ",\"fixed_macs\":{",
                        l->binary_macs);
      for (int k = 0; k < BS_RUN_MAX_MAC_WIDTHS && l->fixed_macs[k].bits > 0; k++)
        bs_export_printf (w, "%s\"%d\":%" G_GUINT64_FORMAT, k ? "," : "", l->fixed_macs[k].bits,
                          l->fixed_macs[k].macs);
      bs_export_printf (w, "},\"param_bits\":%" G_GUINT64_FORMAT ",\"activation_bytes\":%"
                        G_GUINT64_FORMAT "}", l->param_bits, l->activation_bytes);
    }
  bs_export_puts (w, "]");
}

static void
json_summary (BsExportWriter *w, const char *key, const BsSummary *s)
{
  const char *names[] = { "mean", "sd", "median", "p5", "p95", "min", "max" };
  const double values[] = { s->mean, s->sd, s->median, s->p5, s->p95, s->min, s->max };

  bs_export_printf (w, ",\"%s\":{\"n\":%" G_GINT64_FORMAT, key, s->n);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      bs_export_printf (w, ",\"%s\":", names[i]);
      bs_export_json_double (w, values[i]);
    }
  bs_export_puts (w, "}");
}

static void
json_number (BsExportWriter *w, const char *key, double v)
{
  bs_export_printf (w, ",\"%s\":", key);
  bs_export_json_double (w, v);
}

static gboolean
json_stats (BsStore *store, BsExportWriter *w, int64_t run, GError **error)
{
  g_autoptr (GArray) stats = bs_query_layer_stats (store, run, error);
  BsRunTotals t;

  if (stats == NULL || !bs_query_run_totals (store, run, &t, error))
    return FALSE;
  bs_export_printf (w, ",\"totals\":{\"inferences\":%" G_GINT64_FORMAT ",\"events\":%"
                    G_GINT64_FORMAT ",\"samples\":%" G_GINT64_FORMAT ",\"span_ns\":%"
                    G_GINT64_FORMAT, t.n_inferences, t.n_events, t.n_samples, t.span_ns);
  json_key_string (w, "clock", bs_clock_mask_to_string (t.clocks), TRUE);
  json_summary (w, "latency_ns", &t.latency_ns);
  json_number (w, "busy_ns", t.busy_ns);
  json_number (w, "throughput_per_s", t.throughput);
  json_number (w, "energy_j", t.energy_j);
  json_number (w, "mean_power_w", t.mean_power_w);
  json_number (w, "energy_per_inference_j", t.energy_per_inference_j);
  bs_export_puts (w, ",\"split\":{");
  for (int p = 0; p < 3; p++)
    {
      bs_export_printf (w, "%s\"%s\":{\"time_ns\":", p ? "," : "",
                        bs_precision_to_string ((BsPrecision) p));
      bs_export_json_double (w, t.split.time_ns[p]);
      json_number (w, "energy_j", t.split.energy_j[p]);
      bs_export_printf (w, ",\"macs\":%" G_GUINT64_FORMAT "}", t.split.macs[p]);
    }
  bs_export_puts (w, "}}");

  bs_export_puts (w, ",\"stats\":[");
  for (guint i = 0; i < stats->len; i++)
    {
      const BsLayerStats *st = &g_array_index (stats, BsLayerStats, i);

      bs_export_printf (w, "%s{\"op\":%d", i ? "," : "", st->op);
      json_key_string (w, "name", st->name, TRUE);
      json_key_string (w, "clock", bs_clock_mask_to_string (st->clocks), TRUE);
      json_summary (w, "time_ns", &st->time_ns);
      json_number (w, "energy_j", st->energy_j);
      json_number (w, "energy_lo_j", st->energy_lo_j);
      json_number (w, "energy_hi_j", st->energy_hi_j);
      bs_export_puts (w, "}");
    }
  bs_export_puts (w, "]");
  return TRUE;
}

static gboolean
json_markers (BsStore *store, BsExportWriter *w, int64_t run, int64_t t0, GError **error)
{
  g_autoptr (GArray) markers = bs_store_get_markers (store, run, error);

  if (markers == NULL)
    return FALSE;
  bs_export_puts (w, ",\"markers\":[");
  for (guint i = 0; i < markers->len; i++)
    {
      const BsMarker *m = &g_array_index (markers, BsMarker, i);
      bs_export_printf (w, "%s{\"t_ns\":%" G_GINT64_FORMAT, i ? "," : "", m->t_ns - t0);
      json_key_string (w, "label", m->label, TRUE);
      bs_export_puts (w, "}");
    }
  bs_export_puts (w, "]");
  return TRUE;
}

static gboolean
json_channel (BsStore *store, BsExportWriter *w, const BsChannel *ch, int64_t t0, GError **error)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));

  if (!bs_store_read_samples (store, ch, INT64_MIN, INT64_MAX, samples, error))
    return FALSE;
  bs_export_printf (w, "{\"channel\":%d", ch->channel);
  json_key_string (w, "name", ch->name, TRUE);
  json_key_string (w, "quantity", bs_quantity_to_string (ch->quantity), TRUE);
  json_key_string (w, "unit", bs_unit_to_string (bs_quantity_unit (ch->quantity)), TRUE);
  json_number (w, "resolution", ch->resolution);
  bs_export_puts (w, ",\"t_ns\":[");
  for (guint i = 0; i < samples->len; i++)
    bs_export_printf (w, "%s%" G_GINT64_FORMAT, i ? "," : "",
                      g_array_index (samples, BsSample, i).t_ns - t0);
  bs_export_puts (w, "],\"value\":[");
  for (guint i = 0; i < samples->len; i++)
    {
      if (i > 0)
        bs_export_puts (w, ",");
      bs_export_json_double (w, g_array_index (samples, BsSample, i).value);
    }
  bs_export_puts (w, "]}");
  return TRUE;
}

static gboolean
json_channels (BsStore *store, BsExportWriter *w, int64_t run, int64_t t0, GError **error)
{
  g_autoptr (GArray) channels = bs_store_get_channels (store, run, error);

  if (channels == NULL)
    return FALSE;
  bs_export_puts (w, ",\"channels\":[");
  for (guint c = 0; c < channels->len; c++)
    {
      if (c > 0)
        bs_export_puts (w, ",");
      if (!json_channel (store, w, &g_array_index (channels, BsChannel, c), t0, error))
        return FALSE;
    }
  bs_export_puts (w, "]");
  return TRUE;
}

/* Columns rather than one object per event: a third of the size. */
static void
json_events (BsExportWriter *w, RunData *d)
{
  const char *columns[] = { "inference", "op", "start_ns", "end_ns", "clock" };
  GArray *ev = d->events;

  bs_export_puts (w, ",\"events\":{");
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      bs_export_printf (w, "%s\"%s\":[", c ? "," : "", columns[c]);
      for (guint i = 0; i < ev->len; i++)
        {
          const BsLayerEvent *e = &g_array_index (ev, BsLayerEvent, i);
          const char *sep = i ? "," : "";

          switch (c)
            {
            case 0: bs_export_printf (w, "%s%d", sep, e->inference); break;
            case 1: bs_export_printf (w, "%s%d", sep, e->op); break;
            case 2: bs_export_printf (w, "%s%" G_GINT64_FORMAT, sep, e->t_start_ns - d->run->t0_ns); break;
            case 3: bs_export_printf (w, "%s%" G_GINT64_FORMAT, sep, e->t_end_ns - d->run->t0_ns); break;
            default:
              bs_export_printf (w, "%s\"%s\"", sep, bs_clock_source_to_string (e->clock));
            }
        }
      bs_export_puts (w, "]");
    }
  bs_export_puts (w, "}");
}

/* The run's stored accuracy (schema version 3), or null. */
static gboolean
json_evaluation (BsStore *store, BsExportWriter *w, int64_t run, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (BsRunEvaluation) e = bs_store_get_run_evaluation (store, run, &local);

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (e == NULL)
    {
      bs_export_puts (w, ",\"evaluation\":null");
      return TRUE;
    }
  bs_export_puts (w, ",\"evaluation\":{");
  json_key_string (w, "dataset", e->dataset, FALSE);
  json_key_string (w, "engine", e->engine, TRUE);
  bs_export_printf (w, ",\"n_images\":%" G_GINT64_FORMAT ",\"top1_correct\":%" G_GINT64_FORMAT
                    ",\"top5_correct\":%" G_GINT64_FORMAT, e->n_images, e->top1_correct,
                    e->top5_correct);
  if (e->float_checkpoint != NULL)
    {
      json_key_string (w, "float_checkpoint", e->float_checkpoint, TRUE);
      bs_export_printf (w, ",\"float_agree\":%" G_GINT64_FORMAT, e->float_agree);
    }
  bs_export_puts (w, "}");
  return TRUE;
}

/* The run's link to another host (schema version 4), or null; t_ref relative to t0. */
static gboolean
json_link (BsStore *store, BsExportWriter *w, int64_t run, int64_t t0_ns, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (BsRunLink) l = bs_store_get_run_link (store, run, &local);

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (l == NULL)
    {
      bs_export_puts (w, ",\"link\":null");
      return TRUE;
    }
  bs_export_puts (w, ",\"link\":{");
  json_key_string (w, "remote", l->remote, FALSE);
  json_key_string (w, "software", l->software, TRUE);
  json_key_string (w, "cpu", l->cpu, TRUE);
  json_key_string (w, "kernel", l->kernel, TRUE);
  bs_export_printf (w, ",\"rtt_ns\":%" G_GINT64_FORMAT ",\"t_ref_ns\":%" G_GINT64_FORMAT
                    ",\"offset_ns\":%" G_GINT64_FORMAT ",\"uncertainty_ns\":%" G_GINT64_FORMAT
                    ",\"n_exchanges\":%" G_GINT64_FORMAT, l->rtt_ns, l->t_ref_ns - t0_ns,
                    l->offset_ns, l->uncertainty_ns, l->n_exchanges);
  if (l->drift_fitted)
    {
      bs_export_puts (w, ",\"drift_ppm\":");
      bs_export_json_double (w, l->drift_ppm);
    }
  bs_export_puts (w, "}");
  return TRUE;
}

static gboolean
export_json (BsStore *store, RunData *d, BsExportWriter *w, GError **error)
{
  bs_export_puts (w, "{\"format\":\"blendscope-run\",\"version\":1,");
  json_run (w, d->run);
  json_layers (w, d->layers);
  if (!json_stats (store, w, d->run->id, error)
      || !json_markers (store, w, d->run->id, d->run->t0_ns, error)
      || !json_evaluation (store, w, d->run->id, error)
      || !json_link (store, w, d->run->id, d->run->t0_ns, error)
      || !json_channels (store, w, d->run->id, d->run->t0_ns, error))
    return FALSE;
  json_events (w, d);
  bs_export_puts (w, "}\n");
  return TRUE;
}

static gboolean
load_run (BsStore *store, int64_t run, RunData *d, GError **error)
{
  d->run = bs_store_get_run (store, run, error);
  if (d->run == NULL)
    return FALSE;
  d->layers = bs_store_get_run_layers (store, run, error);
  if (d->layers == NULL)
    return FALSE;
  d->events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  return bs_store_read_events (store, run, d->events, error);
}

gboolean
bs_export_run (BsStore *store, int64_t run, BsExportFormat format, BsExportTable table,
               GOutputStream *out, GError **error)
{
  RunData d = { 0 };
  BsExportWriter w;
  gboolean ok;

  if (format == BS_EXPORT_PERFETTO)
    {
      g_autoptr (BsRun) r = bs_store_get_run (store, run, error);

      if (r == NULL)
        return FALSE;
      bs_export_writer_init (&w, out);
      ok = bs_export_perfetto (store, r, &w, error);
    }
  else
    {
      if (!load_run (store, run, &d, error))
        {
          run_data_clear (&d);
          return FALSE;
        }
      bs_export_writer_init (&w, out);
      ok = format == BS_EXPORT_CSV ? export_csv (store, table, &d, &w, error)
                                   : export_json (store, &d, &w, error);
      run_data_clear (&d);
    }
  if (!ok)
    {
      bs_export_writer_finish (&w, NULL);
      return FALSE;
    }
  return bs_export_writer_finish (&w, error);
}
