/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-export-perfetto.c: a run as Chrome trace-event JSON, which ui.perfetto.dev and
 * chrome://tracing read.
 *
 * Events carry no lane, so lanes are derived: slices are laid onto tracks so that on
 * each track they nest properly (a slice either contains the next or ends before it
 * starts). A sequential backend gets one track with each inference enclosing its
 * layers; overlapping ops (a skip path running beside the main path) open more tracks.
 * Power and other channels become counters in their SI unit (watts for power).
 */
#include "bs-export-private.h"
#include "bs-run-data.h"

#include <stdlib.h>

typedef struct
{
  int64_t start;
  int64_t end;
  guint index;         /* into the events, or the inference spans */
  guint8 is_layer;
  int lane;
} Slice;

typedef struct
{
  int32_t inference;
  int64_t start;
  int64_t end;
} Span;

/* Longer slices first at equal starts, and an inference before its layers, so a
 * container is always placed before what it contains. */
static int
compare_slices (const void *x, const void *y)
{
  const Slice *a = x, *b = y;

  if (a->start != b->start)
    return a->start < b->start ? -1 : 1;
  if (a->end != b->end)
    return a->end > b->end ? -1 : 1;
  if (a->is_layer != b->is_layer)
    return a->is_layer - b->is_layer;
  return (a->index > b->index) - (a->index < b->index);
}

static GArray *
inference_spans (GArray *events)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (Span));
  GHashTable *by_inference = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint i = 0; i < events->len; i++)
    {
      const BsLayerEvent *e = &g_array_index (events, BsLayerEvent, i);
      gpointer found = g_hash_table_lookup (by_inference, GINT_TO_POINTER (e->inference));
      Span *s;

      if (found == NULL)
        {
          Span fresh = { e->inference, e->t_start_ns, e->t_end_ns };
          g_array_append_val (spans, fresh);
          g_hash_table_insert (by_inference, GINT_TO_POINTER (e->inference),
                               GUINT_TO_POINTER (spans->len));
          continue;
        }
      s = &g_array_index (spans, Span, GPOINTER_TO_UINT (found) - 1);
      s->start = MIN (s->start, e->t_start_ns);
      s->end = MAX (s->end, e->t_end_ns);
    }
  g_hash_table_unref (by_inference);
  return spans;
}

/* Each lane is a stack of the ends of its open slices. */
static int
place (GPtrArray *lanes, const Slice *s)
{
  for (guint k = 0; k < lanes->len; k++)
    {
      GArray *stack = lanes->pdata[k];

      while (stack->len > 0 && g_array_index (stack, int64_t, stack->len - 1) <= s->start)
        g_array_set_size (stack, stack->len - 1);
      if (stack->len == 0 || g_array_index (stack, int64_t, stack->len - 1) >= s->end)
        {
          g_array_append_val (stack, s->end);
          return (int) k;
        }
    }
  g_ptr_array_add (lanes, g_array_new (FALSE, FALSE, sizeof (int64_t)));
  g_array_append_val ((GArray *) lanes->pdata[lanes->len - 1], s->end);
  return (int) lanes->len - 1;
}

static GArray *
lay_out (GArray *events, GArray *spans, int *n_lanes)
{
  GArray *slices = g_array_sized_new (FALSE, FALSE, sizeof (Slice), events->len + spans->len);
  g_autoptr (GPtrArray) lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < spans->len; i++)
    {
      const Span *s = &g_array_index (spans, Span, i);
      Slice slice = { s->start, s->end, i, 0, 0 };
      g_array_append_val (slices, slice);
    }
  for (guint i = 0; i < events->len; i++)
    {
      const BsLayerEvent *e = &g_array_index (events, BsLayerEvent, i);
      Slice slice = { e->t_start_ns, MAX (e->t_end_ns, e->t_start_ns), i, 1, 0 };
      g_array_append_val (slices, slice);
    }
  qsort (slices->data, slices->len, sizeof (Slice), compare_slices);
  for (guint i = 0; i < slices->len; i++)
    {
      Slice *s = &g_array_index (slices, Slice, i);
      s->lane = place (lanes, s);
    }
  *n_lanes = (int) lanes->len;
  return slices;
}

static void
write_metadata (BsExportWriter *w, const BsRun *r, int n_lanes)
{
  g_autofree char *process = g_strdup_printf ("run %" G_GINT64_FORMAT ": %s on %s", r->id,
                                              r->model_name, r->backend);

  bs_export_printf (w, "{\"ph\":\"M\",\"pid\":%" G_GINT64_FORMAT ",\"tid\":0,"
                    "\"name\":\"process_name\",\"args\":{\"name\":", r->id);
  bs_export_json_string (w, process);
  bs_export_puts (w, "}}");
  for (int lane = 0; lane < n_lanes; lane++)
    {
      g_autofree char *name = g_strdup_printf ("%s lane %d", r->backend, lane);

      bs_export_printf (w, ",\n{\"ph\":\"M\",\"pid\":%" G_GINT64_FORMAT ",\"tid\":%d,"
                        "\"name\":\"thread_name\",\"args\":{\"name\":", r->id, lane + 1);
      bs_export_json_string (w, name);
      bs_export_puts (w, "}}");
    }
}

static void
write_slice (BsExportWriter *w, const BsRun *r, const Slice *s, GArray *events, GArray *spans,
             GArray *layers)
{
  bs_export_printf (w, ",\n{\"ph\":\"X\",\"pid\":%" G_GINT64_FORMAT ",\"tid\":%d,\"ts\":",
                    r->id, s->lane + 1);
  bs_export_micros (w, s->start - r->t0_ns);
  bs_export_puts (w, ",\"dur\":");
  bs_export_micros (w, s->end - s->start);
  if (!s->is_layer)
    {
      const Span *span = &g_array_index (spans, Span, s->index);
      bs_export_printf (w, ",\"name\":\"inference %d\",\"cat\":\"inference\",\"args\":"
                        "{\"inference\":%d}}", span->inference, span->inference);
      return;
    }
  {
    const BsLayerEvent *e = &g_array_index (events, BsLayerEvent, s->index);
    const BsRunLayer *l = e->op >= 0 && e->op < (int) layers->len
                            ? &g_array_index (layers, BsRunLayer, e->op) : NULL;
    gboolean known = l != NULL && l->kind != BS_LAYER_N_KINDS;
    g_autofree char *fallback = l == NULL ? g_strdup_printf ("op %d", e->op) : NULL;

    bs_export_puts (w, ",\"name\":");
    bs_export_json_string (w, l != NULL ? l->name : fallback);
    bs_export_printf (w, ",\"cat\":\"%s\",\"args\":{\"op\":%d,\"inference\":%d,"
                      "\"precision\":\"%s\",\"path\":\"%s\",\"clock\":\"%s\"}}",
                      known ? bs_precision_to_string (l->precision) : "unknown", e->op,
                      e->inference, known ? bs_precision_to_string (l->precision) : "unknown",
                      known ? bs_path_to_string (l->path) : "unknown",
                      bs_clock_source_to_string (e->clock));
  }
}

static gboolean
write_counters (BsStore *store, BsExportWriter *w, const BsRun *r, GError **error)
{
  g_autoptr (GArray) channels = bs_store_get_channels (store, r->id, error);

  if (channels == NULL)
    return FALSE;
  for (guint c = 0; c < channels->len; c++)
    {
      const BsChannel *ch = &g_array_index (channels, BsChannel, c);
      const char *unit = bs_unit_to_string (bs_quantity_unit (ch->quantity));
      g_autofree char *name = g_strdup_printf ("%s %s (%s)", ch->name,
                                               bs_quantity_to_string (ch->quantity), unit);
      g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));

      if (!bs_store_read_samples (store, ch, INT64_MIN, INT64_MAX, samples, error))
        return FALSE;
      for (guint i = 0; i < samples->len; i++)
        {
          const BsSample *s = &g_array_index (samples, BsSample, i);

          bs_export_printf (w, ",\n{\"ph\":\"C\",\"pid\":%" G_GINT64_FORMAT ",\"tid\":0,\"ts\":",
                            r->id);
          bs_export_micros (w, s->t_ns - r->t0_ns);
          bs_export_puts (w, ",\"name\":");
          bs_export_json_string (w, name);
          bs_export_puts (w, ",\"args\":{");
          bs_export_json_string (w, unit);
          bs_export_puts (w, ":");
          bs_export_json_double (w, s->value);
          bs_export_puts (w, "}}");
        }
    }
  return TRUE;
}

static gboolean
write_markers (BsStore *store, BsExportWriter *w, const BsRun *r, GError **error)
{
  g_autoptr (GArray) markers = bs_store_get_markers (store, r->id, error);

  if (markers == NULL)
    return FALSE;
  for (guint i = 0; i < markers->len; i++)
    {
      const BsMarker *m = &g_array_index (markers, BsMarker, i);

      bs_export_printf (w, ",\n{\"ph\":\"i\",\"s\":\"p\",\"pid\":%" G_GINT64_FORMAT
                        ",\"tid\":0,\"ts\":", r->id);
      bs_export_micros (w, m->t_ns - r->t0_ns);
      bs_export_puts (w, ",\"name\":");
      bs_export_json_string (w, m->label);
      bs_export_puts (w, "}");
    }
  return TRUE;
}

static void
write_other_data (BsExportWriter *w, const BsRun *r)
{
  bs_export_printf (w, "\"otherData\":{\"run\":%" G_GINT64_FORMAT ",\"model\":", r->id);
  bs_export_json_string (w, r->model_name);
  bs_export_puts (w, ",\"model_sha256\":");
  bs_export_json_string (w, r->model_sha256);
  bs_export_puts (w, ",\"backend\":");
  bs_export_json_string (w, r->backend);
  bs_export_puts (w, ",\"device\":");
  bs_export_json_string (w, r->device);
  bs_export_printf (w, ",\"status\":\"%s\",\"t0_ns\":%" G_GINT64_FORMAT "}",
                    bs_run_status_to_string (r->status), r->t0_ns);
}

gboolean
bs_export_perfetto (BsStore *store, const BsRun *r, BsExportWriter *w, GError **error)
{
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  g_autoptr (GArray) layers = NULL;
  g_autoptr (GArray) spans = NULL;
  g_autoptr (GArray) slices = NULL;
  int n_lanes;

  if (!bs_store_read_events (store, r->id, events, error))
    return FALSE;
  layers = bs_store_get_run_layers (store, r->id, error);
  if (layers == NULL)
    return FALSE;
  spans = inference_spans (events);
  slices = lay_out (events, spans, &n_lanes);

  bs_export_puts (w, "{\"displayTimeUnit\":\"ns\",");
  write_other_data (w, r);
  bs_export_puts (w, ",\"traceEvents\":[\n");
  write_metadata (w, r, MAX (n_lanes, 1));
  for (guint i = 0; i < slices->len; i++)
    write_slice (w, r, &g_array_index (slices, Slice, i), events, spans, layers);
  if (!write_counters (store, w, r, error) || !write_markers (store, w, r, error))
    return FALSE;
  bs_export_puts (w, "\n]}\n");
  return TRUE;
}
