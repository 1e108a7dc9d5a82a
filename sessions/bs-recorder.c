/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-recorder.c: the writer thread, its bounded queue, and the run lifecycle.
 *
 * The queue is a pair of batches: producers append to `pending` under the lock; the
 * writer swaps it with an empty one and writes it in a single transaction while the
 * producers carry on. Per stream (channel and quantity) the writer keeps the chunk it
 * is filling; each commit rewrites that chunk's row in place (an upsert on its sequence
 * number), so what is committed is always everything pushed before the swap — a chunk
 * does not have to be full to be durable.
 *
 * The connection belongs to the caller's thread outside a run and to the writer
 * thread during it; they never use it at the same time.
 */
#include "bs-recorder.h"
#include "bs-codec.h"
#include "bs-queries.h"
#include "bs-store-private.h"

#include <string.h>

/* Wake the writer early when this much is pending... */
#define WAKE_EVENTS 16384
#define WAKE_SAMPLES 65536
/* ...and make producers wait beyond this. Sized so that one batch is written well
 * within a second even on a slow disk. */
#define MAX_EVENTS 131072
#define MAX_SAMPLES 262144
/* A chunk still open after this many commits (10 s by default) is sealed as it is: a
 * slow meter's chunk would otherwise be rewritten with every commit for minutes. */
#define SEAL_AFTER_COMMITS 50
/* BEGIN IMMEDIATE waits up to the busy timeout (5 s) per attempt. */
#define BUSY_ATTEMPTS 12

typedef struct
{
  GArray *events;    /* BsLayerEvent */
  GArray *samples;   /* BsSample */
  GArray *markers;   /* BsMarker */
} Batch;

typedef struct
{
  int64_t key;
  int64_t row_id;    /* channels.id */
  double resolution;
  BsSample proto;
  int64_t seq;
  GArray *open;      /* BsSample: the chunk being filled */
  gboolean dirty;
  int commits;       /* the open chunk has been written this many times */
} Stream;

struct _BsRecorder
{
  BsStore *store;
  GThread *thread;

  GMutex lock;
  GCond wake;        /* the writer waits for work */
  GCond space;       /* producers wait for room */
  Batch pending;
  gboolean stopping;
  gboolean failed;
  GError *error;     /* the first failure */
  gint64 commit_interval_us;

  /* The writer's, during a run. */
  int64_t run;
  int64_t t0_ns;
  Batch spare;
  GHashTable *streams;        /* &Stream.key -> Stream */
  int64_t event_seq;
  GArray *open_events;        /* BsLayerEvent: the chunk being filled */
  gboolean events_dirty;
  int event_commits;
  int64_t n_events;
  int64_t n_samples;
  int64_t last_t_ns;
  GByteArray *scratch;
  sqlite3_stmt *put_samples;
  sqlite3_stmt *put_events;
  sqlite3_stmt *put_marker;
  sqlite3_stmt *put_progress;

  int64_t committed_events;   /* under the lock */
  int64_t committed_samples;
};

static void
clear_marker (gpointer p)
{
  BsMarker *m = p;
  g_free (m->label);
}

static void
batch_init (Batch *b)
{
  b->events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  b->samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
  b->markers = g_array_new (FALSE, TRUE, sizeof (BsMarker));
  g_array_set_clear_func (b->markers, clear_marker);
}

static void
batch_clear (Batch *b)
{
  g_clear_pointer (&b->events, g_array_unref);
  g_clear_pointer (&b->samples, g_array_unref);
  g_clear_pointer (&b->markers, g_array_unref);
}

static void
batch_empty (Batch *b)
{
  g_array_set_size (b->events, 0);
  g_array_set_size (b->samples, 0);
  g_array_set_size (b->markers, 0);
}

static gboolean
batch_is_empty (const Batch *b)
{
  return b->events->len == 0 && b->samples->len == 0 && b->markers->len == 0;
}

static gboolean
batch_is_large (const Batch *b)
{
  return b->events->len >= WAKE_EVENTS || b->samples->len >= WAKE_SAMPLES;
}

static void
stream_free (gpointer p)
{
  Stream *s = p;
  g_array_unref (s->open);
  g_free (s);
}

static int64_t
stream_key (int32_t channel, BsQuantity quantity)
{
  return (int64_t) channel * BS_N_QUANTITIES + quantity;
}

BsRecorder *
bs_recorder_new (const char *path, GError **error)
{
  g_autoptr (BsStore) store = bs_store_open (path, BS_STORE_OPEN_CREATE | BS_STORE_OPEN_DURABLE,
                                             error);
  BsRecorder *rec;

  if (store == NULL)
    return NULL;
  rec = g_new0 (BsRecorder, 1);
  rec->store = g_steal_pointer (&store);
  g_mutex_init (&rec->lock);
  g_cond_init (&rec->wake);
  g_cond_init (&rec->space);
  batch_init (&rec->pending);
  batch_init (&rec->spare);
  rec->open_events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  rec->scratch = g_byte_array_new ();
  rec->streams = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, stream_free);
  rec->commit_interval_us = BS_RECORDER_COMMIT_INTERVAL_MS * G_TIME_SPAN_MILLISECOND;
  return rec;
}

void
bs_recorder_set_commit_interval (BsRecorder *rec, guint ms)
{
  g_return_if_fail (ms >= 1 && ms <= 1000);
  g_mutex_lock (&rec->lock);
  rec->commit_interval_us = ms * G_TIME_SPAN_MILLISECOND;
  g_mutex_unlock (&rec->lock);
}

void
bs_recorder_free (BsRecorder *rec)
{
  if (rec == NULL)
    return;
  if (rec->thread != NULL)
    bs_recorder_end_run (rec, BS_RUN_ABORTED, NULL);
  batch_clear (&rec->pending);
  batch_clear (&rec->spare);
  g_array_unref (rec->open_events);
  g_byte_array_unref (rec->scratch);
  g_hash_table_unref (rec->streams);
  g_clear_error (&rec->error);
  g_mutex_clear (&rec->lock);
  g_cond_clear (&rec->wake);
  g_cond_clear (&rec->space);
  bs_store_close (rec->store);
  g_free (rec);
}

/* Writing, on the writer thread */

static Stream *
add_stream (BsRecorder *rec, const BsChannelInfo *info, GError **error)
{
  BsChannelInfo described = *info;
  Stream *s;

  if (!(described.resolution > 0 && described.resolution < 1e6))
    described.resolution = bs_channel_default_resolution (info->quantity);
  s = g_new0 (Stream, 1);
  s->key = stream_key (info->channel, info->quantity);
  s->resolution = described.resolution;
  s->proto.channel = info->channel;
  s->proto.quantity = info->quantity;
  s->proto.unit = bs_quantity_unit (info->quantity);
  s->open = g_array_new (FALSE, FALSE, sizeof (BsSample));
  s->row_id = bs_runs_insert_channel (rec->store, rec->run, &described, error);
  if (s->row_id < 0)
    {
      stream_free (s);
      return NULL;
    }
  g_hash_table_insert (rec->streams, &s->key, s);
  return s;
}

static Stream *
find_stream (BsRecorder *rec, const BsSample *sample, GError **error)
{
  int64_t key = stream_key (sample->channel, sample->quantity);
  Stream *s = g_hash_table_lookup (rec->streams, &key);
  BsChannelInfo info = { sample->channel, sample->quantity, NULL, 0 };

  return s != NULL ? s : add_stream (rec, &info, error);
}

static void
time_range (const int64_t *t, gsize stride, guint n, int64_t *min, int64_t *max)
{
  *min = INT64_MAX;
  *max = INT64_MIN;
  for (guint i = 0; i < n; i++)
    {
      int64_t v = *(const int64_t *) (const void *) ((const char *) t + i * stride);
      *min = MIN (*min, v);
      *max = MAX (*max, v);
    }
}

static gboolean
write_sample_chunk (BsRecorder *rec, Stream *s, GError **error)
{
  const BsSample *samples = (const BsSample *) (void *) s->open->data;
  int64_t t_min, t_max;

  time_range (&samples[0].t_ns, sizeof (BsSample), s->open->len, &t_min, &t_max);
  g_byte_array_set_size (rec->scratch, 0);
  bs_codec_encode_samples (samples, s->open->len, s->resolution, rec->scratch);
  sqlite3_bind_int64 (rec->put_samples, 1, s->row_id);
  sqlite3_bind_int64 (rec->put_samples, 2, s->seq);
  sqlite3_bind_int64 (rec->put_samples, 3, s->open->len);
  sqlite3_bind_int64 (rec->put_samples, 4, t_min);
  sqlite3_bind_int64 (rec->put_samples, 5, t_max);
  sqlite3_bind_blob (rec->put_samples, 6, rec->scratch->data, (int) rec->scratch->len,
                     SQLITE_STATIC);
  rec->last_t_ns = MAX (rec->last_t_ns, t_max);
  return bs_store_step_done (rec->store, rec->put_samples, error, "writing samples");
}

static gboolean
write_event_chunk (BsRecorder *rec, GError **error)
{
  const BsLayerEvent *events = (const BsLayerEvent *) (void *) rec->open_events->data;
  guint n = rec->open_events->len;
  int32_t inf_min = INT32_MAX, inf_max = INT32_MIN;
  int64_t t_min, t_max, end_min, end_max;

  for (guint i = 0; i < n; i++)
    {
      inf_min = MIN (inf_min, events[i].inference);
      inf_max = MAX (inf_max, events[i].inference);
    }
  time_range (&events[0].t_start_ns, sizeof (BsLayerEvent), n, &t_min, &t_max);
  time_range (&events[0].t_end_ns, sizeof (BsLayerEvent), n, &end_min, &end_max);
  g_byte_array_set_size (rec->scratch, 0);
  bs_codec_encode_events (events, n, rec->scratch);
  sqlite3_bind_int64 (rec->put_events, 1, rec->run);
  sqlite3_bind_int64 (rec->put_events, 2, rec->event_seq);
  sqlite3_bind_int64 (rec->put_events, 3, n);
  sqlite3_bind_int64 (rec->put_events, 4, inf_min);
  sqlite3_bind_int64 (rec->put_events, 5, inf_max);
  sqlite3_bind_int64 (rec->put_events, 6, MIN (t_min, end_min));
  sqlite3_bind_int64 (rec->put_events, 7, MAX (t_max, end_max));
  sqlite3_bind_blob (rec->put_events, 8, rec->scratch->data, (int) rec->scratch->len,
                     SQLITE_STATIC);
  rec->last_t_ns = MAX (rec->last_t_ns, MAX (t_max, end_max));
  return bs_store_step_done (rec->store, rec->put_events, error, "writing layer events");
}

static void
seal_stream (Stream *s)
{
  s->seq++;
  g_array_set_size (s->open, 0);
  s->dirty = FALSE;
  s->commits = 0;
}

static gboolean
add_samples (BsRecorder *rec, GArray *samples, GError **error)
{
  const BsSample *in = (const BsSample *) (void *) samples->data;
  Stream *s = NULL;

  for (guint i = 0; i < samples->len; i++)
    {
      if (s == NULL || s->proto.channel != in[i].channel || s->proto.quantity != in[i].quantity)
        s = find_stream (rec, &in[i], error);
      if (s == NULL)
        return FALSE;
      g_array_append_val (s->open, in[i]);
      s->dirty = TRUE;
      if (s->open->len == BS_CODEC_CHUNK_ITEMS)
        {
          if (!write_sample_chunk (rec, s, error))
            return FALSE;
          seal_stream (s);
        }
    }
  rec->n_samples += samples->len;
  return TRUE;
}

static gboolean
flush_open_samples (BsRecorder *rec, GError **error)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, rec->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Stream *s = value;

      if (!s->dirty || s->open->len == 0)
        continue;
      if (!write_sample_chunk (rec, s, error))
        return FALSE;
      s->dirty = FALSE;
      if (++s->commits >= SEAL_AFTER_COMMITS)
        seal_stream (s);
    }
  return TRUE;
}

static void
seal_events (BsRecorder *rec)
{
  rec->event_seq++;
  g_array_set_size (rec->open_events, 0);
  rec->events_dirty = FALSE;
  rec->event_commits = 0;
}

static gboolean
add_events (BsRecorder *rec, GArray *events, GError **error)
{
  const BsLayerEvent *in = (const BsLayerEvent *) (void *) events->data;
  guint i = 0;

  while (i < events->len)
    {
      guint room = BS_CODEC_CHUNK_ITEMS - rec->open_events->len;
      guint take = MIN (room, events->len - i);

      g_array_append_vals (rec->open_events, in + i, take);
      rec->events_dirty = TRUE;
      i += take;
      if (rec->open_events->len == BS_CODEC_CHUNK_ITEMS)
        {
          if (!write_event_chunk (rec, error))
            return FALSE;
          seal_events (rec);
        }
    }
  rec->n_events += events->len;
  if (!rec->events_dirty || rec->open_events->len == 0)
    return TRUE;
  if (!write_event_chunk (rec, error))
    return FALSE;
  rec->events_dirty = FALSE;
  if (++rec->event_commits >= SEAL_AFTER_COMMITS)
    seal_events (rec);
  return TRUE;
}

static gboolean
add_markers (BsRecorder *rec, GArray *markers, GError **error)
{
  for (guint i = 0; i < markers->len; i++)
    {
      const BsMarker *m = &g_array_index (markers, BsMarker, i);

      sqlite3_bind_int64 (rec->put_marker, 1, rec->run);
      sqlite3_bind_int64 (rec->put_marker, 2, m->t_ns);
      sqlite3_bind_text (rec->put_marker, 3, m->label, -1, SQLITE_STATIC);
      if (!bs_store_step_done (rec->store, rec->put_marker, error, "writing a marker"))
        return FALSE;
    }
  return TRUE;
}

static gboolean
write_progress (BsRecorder *rec, GError **error)
{
  sqlite3_bind_int64 (rec->put_progress, 1, rec->n_events);
  sqlite3_bind_int64 (rec->put_progress, 2, rec->n_samples);
  if (rec->last_t_ns != INT64_MIN)
    sqlite3_bind_int64 (rec->put_progress, 3, rec->last_t_ns);
  else
    sqlite3_bind_null (rec->put_progress, 3);
  sqlite3_bind_int64 (rec->put_progress, 4, rec->run);
  return bs_store_step_done (rec->store, rec->put_progress, error, "recording progress");
}

typedef enum
{
  WRITE_OK,
  WRITE_BUSY,        /* nothing was written: the batch can be retried as it is */
  WRITE_FAILED,
} WriteResult;

static WriteResult
write_batch (BsRecorder *rec, Batch *b, GError **error)
{
  if (!bs_store_begin (rec->store, error))
    return g_error_matches (*error, BS_STORE_ERROR, BS_STORE_ERROR_BUSY) ? WRITE_BUSY
                                                                          : WRITE_FAILED;
  /* Past BEGIN, a failure leaves the in-memory chunks ahead of the file: the recorder
   * stops there rather than guess. */
  if (!add_samples (rec, b->samples, error) || !flush_open_samples (rec, error)
      || !add_events (rec, b->events, error) || !add_markers (rec, b->markers, error)
      || !write_progress (rec, error) || !bs_store_commit (rec->store, error))
    {
      bs_store_rollback (rec->store);
      return WRITE_FAILED;
    }
  return WRITE_OK;
}

static gboolean
write_with_retries (BsRecorder *rec, Batch *b, GError **error)
{
  for (int attempt = 1;; attempt++)
    {
      g_autoptr (GError) local = NULL;
      WriteResult result = write_batch (rec, b, &local);

      if (result == WRITE_OK)
        return TRUE;
      if (result == WRITE_FAILED || attempt == BUSY_ATTEMPTS)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
}

static void
fail_locked (BsRecorder *rec, GError *error)
{
  rec->failed = TRUE;
  if (rec->error == NULL)
    rec->error = error;
  else
    g_error_free (error);
  batch_empty (&rec->pending);
  g_cond_broadcast (&rec->space);
}

/* Swaps the pending batch out and writes it without holding the lock. */
static void
commit_pending_locked (BsRecorder *rec)
{
  Batch taken = rec->pending;
  GError *error = NULL;
  gboolean ok;

  rec->pending = rec->spare;
  rec->spare = taken;
  g_cond_broadcast (&rec->space);
  g_mutex_unlock (&rec->lock);
  ok = write_with_retries (rec, &rec->spare, &error);
  batch_empty (&rec->spare);
  g_mutex_lock (&rec->lock);
  if (!ok)
    {
      fail_locked (rec, error);
      return;
    }
  rec->committed_events = rec->n_events;
  rec->committed_samples = rec->n_samples;
}

static gpointer
writer_main (gpointer data)
{
  BsRecorder *rec = data;
  gint64 deadline;

  g_mutex_lock (&rec->lock);
  deadline = g_get_monotonic_time () + rec->commit_interval_us;
  for (;;)
    {
      while (!rec->stopping && !batch_is_large (&rec->pending)
             && g_get_monotonic_time () < deadline)
        g_cond_wait_until (&rec->wake, &rec->lock, deadline);
      if (!rec->failed && !batch_is_empty (&rec->pending))
        commit_pending_locked (rec);
      deadline = g_get_monotonic_time () + rec->commit_interval_us;
      if (rec->stopping && (rec->failed || batch_is_empty (&rec->pending)))
        break;
    }
  g_mutex_unlock (&rec->lock);
  return NULL;
}

/* Producers */

typedef enum
{
  QUEUE_EVENTS,
  QUEUE_SAMPLES,
} Queue;

/* The writer swaps the pending arrays: look them up afresh after every wait. */
static gboolean
queue_full_locked (BsRecorder *rec, Queue queue)
{
  return queue == QUEUE_EVENTS ? rec->pending.events->len >= MAX_EVENTS
                               : rec->pending.samples->len >= MAX_SAMPLES;
}

/* Waits for room; FALSE if the recorder failed or no run is active. */
static gboolean
wait_for_room_locked (BsRecorder *rec, Queue queue)
{
  while (!rec->failed && rec->thread != NULL && queue_full_locked (rec, queue))
    g_cond_wait (&rec->space, &rec->lock);
  return !rec->failed && rec->thread != NULL;
}

static void
wake_writer_locked (BsRecorder *rec, guint before, guint after, guint threshold)
{
  if (before < threshold && after >= threshold)
    g_cond_signal (&rec->wake);
}

gboolean
bs_recorder_push_events (BsRecorder *rec, const BsLayerEvent *events, gsize n)
{
  guint before;

  for (gsize i = 0; i < n; i++)
    g_return_val_if_fail ((unsigned) events[i].clock <= BS_CLOCK_MODELLED, FALSE);
  g_mutex_lock (&rec->lock);
  if (!wait_for_room_locked (rec, QUEUE_EVENTS))
    {
      g_mutex_unlock (&rec->lock);
      return FALSE;
    }
  before = rec->pending.events->len;
  g_array_append_vals (rec->pending.events, events, (guint) n);
  wake_writer_locked (rec, before, rec->pending.events->len, WAKE_EVENTS);
  g_mutex_unlock (&rec->lock);
  return TRUE;
}

gboolean
bs_recorder_push_samples (BsRecorder *rec, const BsSample *samples, gsize n)
{
  guint before;

  for (gsize i = 0; i < n; i++)
    g_return_val_if_fail ((unsigned) samples[i].quantity < BS_N_QUANTITIES, FALSE);
  g_mutex_lock (&rec->lock);
  if (!wait_for_room_locked (rec, QUEUE_SAMPLES))
    {
      g_mutex_unlock (&rec->lock);
      return FALSE;
    }
  before = rec->pending.samples->len;
  g_array_append_vals (rec->pending.samples, samples, (guint) n);
  wake_writer_locked (rec, before, rec->pending.samples->len, WAKE_SAMPLES);
  g_mutex_unlock (&rec->lock);
  return TRUE;
}

gboolean
bs_recorder_add_marker (BsRecorder *rec, int64_t t_ns, const char *label)
{
  BsMarker m = { t_ns, g_strdup (label ? label : "") };
  gboolean ok;

  g_mutex_lock (&rec->lock);
  ok = !rec->failed && rec->thread != NULL;
  if (ok)
    g_array_append_val (rec->pending.markers, m);
  else
    g_free (m.label);
  g_mutex_unlock (&rec->lock);
  return ok;
}

void
bs_recorder_get_committed (BsRecorder *rec, int64_t *n_events, int64_t *n_samples)
{
  g_mutex_lock (&rec->lock);
  if (n_events != NULL)
    *n_events = rec->committed_events;
  if (n_samples != NULL)
    *n_samples = rec->committed_samples;
  g_mutex_unlock (&rec->lock);
}

/* Lifecycle */

static gboolean
prepare_statements (BsRecorder *rec, GError **error)
{
  rec->put_samples = bs_store_prepare (rec->store,
    "INSERT INTO sample_chunks (channel_id, seq, n, t_min_ns, t_max_ns, data) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, seq) DO UPDATE SET n = excluded.n, "
    "t_min_ns = excluded.t_min_ns, t_max_ns = excluded.t_max_ns, data = excluded.data", error);
  rec->put_events = rec->put_samples == NULL ? NULL : bs_store_prepare (rec->store,
    "INSERT INTO event_chunks (run_id, seq, n, inference_min, inference_max, t_min_ns, t_max_ns, "
    "data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, seq) DO UPDATE SET n = excluded.n, "
    "inference_min = excluded.inference_min, inference_max = excluded.inference_max, "
    "t_min_ns = excluded.t_min_ns, t_max_ns = excluded.t_max_ns, data = excluded.data", error);
  rec->put_marker = rec->put_events == NULL ? NULL : bs_store_prepare (rec->store,
    "INSERT INTO markers (run_id, t_ns, label) VALUES (?, ?, ?)", error);
  rec->put_progress = rec->put_marker == NULL ? NULL : bs_store_prepare (rec->store,
    "UPDATE runs SET n_events = ?, n_samples = ?, last_t_ns = ? WHERE id = ?", error);
  return rec->put_progress != NULL;
}

static void
finalize_statements (BsRecorder *rec)
{
  g_clear_pointer (&rec->put_samples, sqlite3_finalize);
  g_clear_pointer (&rec->put_events, sqlite3_finalize);
  g_clear_pointer (&rec->put_marker, sqlite3_finalize);
  g_clear_pointer (&rec->put_progress, sqlite3_finalize);
}

static void
reset_run_state (BsRecorder *rec)
{
  g_mutex_lock (&rec->lock);
  rec->stopping = FALSE;
  rec->failed = FALSE;
  g_clear_error (&rec->error);
  rec->committed_events = rec->committed_samples = 0;
  batch_empty (&rec->pending);
  g_mutex_unlock (&rec->lock);
  g_hash_table_remove_all (rec->streams);
  g_array_set_size (rec->open_events, 0);
  rec->events_dirty = FALSE;
  rec->event_commits = 0;
  rec->event_seq = 0;
  rec->n_events = rec->n_samples = 0;
  rec->last_t_ns = INT64_MIN;
  batch_empty (&rec->spare);
}

static gboolean
insert_run (BsRecorder *rec, const BsModel *model, const BsRunInfo *info, GError **error)
{
  BsProcessId me;

  bs_process_id_self (&me);
  rec->t0_ns = info->t0_ns != 0 ? info->t0_ns : bs_clock_now_ns ();
  if (!bs_store_begin (rec->store, error))
    {
      bs_process_id_clear (&me);
      return FALSE;
    }
  rec->run = bs_runs_insert (rec->store, model, info, &me, rec->t0_ns, error);
  bs_process_id_clear (&me);
  for (guint i = 0; rec->run >= 0 && i < info->n_channels; i++)
    {
      int64_t key = stream_key (info->channels[i].channel, info->channels[i].quantity);
      if (!g_hash_table_contains (rec->streams, &key)
          && add_stream (rec, &info->channels[i], error) == NULL)
        rec->run = -1;
    }
  if (rec->run < 0 || !bs_store_commit (rec->store, error))
    {
      bs_store_rollback (rec->store);
      g_hash_table_remove_all (rec->streams);
      return FALSE;
    }
  return TRUE;
}

int64_t
bs_recorder_begin_run (BsRecorder *rec, const BsModel *model, const BsRunInfo *info,
                       GError **error)
{
  GThread *thread;

  g_return_val_if_fail (rec->thread == NULL, -1);
  g_return_val_if_fail (model != NULL && info != NULL && info->backend != NULL, -1);
  for (guint i = 0; i < info->n_channels; i++)
    g_return_val_if_fail ((unsigned) info->channels[i].quantity < BS_N_QUANTITIES, -1);

  reset_run_state (rec);
  if (!prepare_statements (rec, error) || !insert_run (rec, model, info, error))
    {
      finalize_statements (rec);
      return -1;
    }
  thread = g_thread_try_new ("bs-recorder", writer_main, rec, error);
  if (thread == NULL)
    {
      if (bs_store_begin (rec->store, NULL))
        {
          bs_runs_finish (rec->store, rec->run, BS_RUN_FAILED, 0, NULL);
          bs_store_commit (rec->store, NULL);
        }
      finalize_statements (rec);
      return -1;
    }
  g_mutex_lock (&rec->lock);
  rec->thread = thread;
  g_mutex_unlock (&rec->lock);
  return rec->run;
}

static gboolean
finish_run (BsRecorder *rec, BsRunStatus status, int64_t t_end_ns, GError **error)
{
  int64_t duration = MAX (t_end_ns - rec->t0_ns, 0);

  if (!bs_store_begin (rec->store, error))
    return FALSE;
  if (!bs_runs_finish (rec->store, rec->run, status, duration, error)
      || !bs_store_commit (rec->store, error))
    {
      bs_store_rollback (rec->store);
      return FALSE;
    }
  return TRUE;
}

BsStore *
bs_recorder_get_store (BsRecorder *rec)
{
  g_return_val_if_fail (rec->thread == NULL, NULL);
  return rec->store;
}

gboolean
bs_recorder_end_run (BsRecorder *rec, BsRunStatus status, GError **error)
{
  return bs_recorder_end_run_at (rec, status, bs_clock_now_ns (), error);
}

gboolean
bs_recorder_end_run_at (BsRecorder *rec, BsRunStatus status, int64_t t_end_ns, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (rec->thread != NULL, FALSE);
  g_return_val_if_fail (status != BS_RUN_RUNNING && status != BS_RUN_INTERRUPTED, FALSE);
  g_mutex_lock (&rec->lock);
  rec->stopping = TRUE;
  g_cond_signal (&rec->wake);
  g_mutex_unlock (&rec->lock);
  g_thread_join (rec->thread);

  /* Producers still waiting for room give up. */
  g_mutex_lock (&rec->lock);
  rec->thread = NULL;
  g_cond_broadcast (&rec->space);
  g_mutex_unlock (&rec->lock);

  finalize_statements (rec);
  if (rec->failed)
    {
      /* Best effort: the store may be what failed. */
      finish_run (rec, BS_RUN_FAILED, t_end_ns, NULL);
      g_propagate_error (error, g_steal_pointer (&rec->error));
      ok = FALSE;
    }
  else
    {
      ok = finish_run (rec, status, t_end_ns, error);
      /* Summaries can always be recomputed later; failing to make them now loses nothing. */
      if (ok)
        bs_query_refresh_summaries (rec->store, rec->run, NULL);
    }
  g_hash_table_remove_all (rec->streams);
  g_array_set_size (rec->open_events, 0);
  return ok;
}
