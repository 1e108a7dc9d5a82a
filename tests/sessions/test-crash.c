/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-crash.c: a recording process killed with SIGKILL at random moments, many times.
 *
 * After each kill the database must pass PRAGMA integrity_check, the run must be found
 * 'interrupted', everything the recorder reported committed must be there, and so must
 * every sample and event stamped more than one second before the kill. Runs recorded
 * (and killed) earlier in the same file must be untouched.
 */
#include "bs-run-data.h"
#include "bs-runs.h"
#include "bs-store.h"
#include "session-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GROUPS 6
#define KILLS_PER_GROUP 4       /* kills into one file before starting a fresh one */
#define EARLY_KILLS_PER_GROUP 1 /* of which this many before the run is even begun */
#define SECOND 1000000000

typedef struct
{
  int64_t n_samples;
  int64_t t_samples;
  int64_t n_events;
  int64_t t_events;
} Progress;

typedef struct
{
  GPid pid;
  int fd;
  GString *pending;
  int64_t run;
  GArray *progress;      /* Progress */
  int64_t committed_events;
  int64_t committed_samples;
  gboolean eof;
} Child;

static void
parse_line (Child *c, const char *line)
{
  Progress p;

  if (sscanf (line, "R %" G_GINT64_FORMAT, &c->run) == 1)
    return;
  if (sscanf (line, "P %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %"
              G_GINT64_FORMAT, &p.n_samples, &p.t_samples, &p.n_events, &p.t_events) == 4)
    {
      g_array_append_val (c->progress, p);
      return;
    }
  if (sscanf (line, "C %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &c->committed_events,
              &c->committed_samples) == 2)
    return;
  g_error ("record-helper said: %s", line);
}

/* Reads what is there, waiting up to timeout_ms for something. */
static void
child_read (Child *c, int timeout_ms)
{
  struct pollfd pfd = { c->fd, POLLIN, 0 };
  char buf[65536];
  ssize_t got;
  char *newline;

  if (c->eof || poll (&pfd, 1, timeout_ms) <= 0)
    return;
  got = read (c->fd, buf, sizeof buf);
  if (got <= 0)
    {
      if (got == 0 || errno != EAGAIN)
        c->eof = TRUE;
      return;
    }
  g_string_append_len (c->pending, buf, got);
  while ((newline = strchr (c->pending->str, '\n')) != NULL)
    {
      *newline = '\0';
      parse_line (c, c->pending->str);
      g_string_erase (c->pending, 0, newline - c->pending->str + 1);
    }
}

static void
child_spawn (Child *c, const char *db)
{
  const char *helper = g_getenv ("BS_RECORD_HELPER");
  const char *argv[] = { helper, "fast", db, NULL };
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (helper);
  memset (c, 0, sizeof *c);
  c->run = -1;
  c->pending = g_string_new (NULL);
  c->progress = g_array_new (FALSE, FALSE, sizeof (Progress));
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &c->pid, NULL, &c->fd, NULL, &error);
  g_assert_no_error (error);
  fcntl (c->fd, F_SETFL, fcntl (c->fd, F_GETFL) | O_NONBLOCK);
}

static void
child_clear (Child *c)
{
  close (c->fd);
  g_string_free (c->pending, TRUE);
  g_array_unref (c->progress);
}

/* Kills the child, reaps it, and collects every line it wrote before dying. Returns
 * the time of the kill. */
static int64_t
child_kill (Child *c)
{
  int64_t t_kill = bs_clock_now_ns ();
  int status;

  g_assert_cmpint (kill (c->pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (c->pid, &status, 0), ==, c->pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  while (!c->eof)
    child_read (c, 1000);
  return t_kill;
}

/* What must have survived: pushed more than a second before the kill. */
static Progress
required (Child *c, int64_t t_kill)
{
  Progress need = { 0 };

  for (guint i = 0; i < c->progress->len; i++)
    {
      const Progress *p = &g_array_index (c->progress, Progress, i);
      if (p->t_samples < t_kill - SECOND)
        need.n_samples = MAX (need.n_samples, p->n_samples);
      if (p->t_events < t_kill - SECOND)
        need.n_events = MAX (need.n_events, p->n_events);
    }
  return need;
}

/* The stored events are exactly the first n the helper made, in order. */
static int64_t
check_events (BsStore *store, int64_t run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
  int64_t last_end = INT64_MIN;

  g_assert_true (bs_store_read_events (store, run, events, &error));
  g_assert_no_error (error);
  for (guint j = 0; j < events->len; j++)
    {
      const BsLayerEvent *e = &g_array_index (events, BsLayerEvent, j);

      g_assert_cmpint (e->inference, ==, j / 60);
      g_assert_cmpint (e->op, ==, j % 60);
      g_assert_cmpint (e->t_end_ns - e->t_start_ns, ==, 5 + j % 5);
      g_assert_cmpint (e->t_start_ns, >, last_end);
      last_end = e->t_end_ns;
    }
  return events->len;
}

static int64_t
check_samples (BsStore *store, int64_t run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) channels = bs_store_get_channels (store, run, &error);
  int64_t per_channel[2] = { 0, 0 };

  g_assert_no_error (error);
  g_assert_cmpuint (channels->len, ==, 2);
  for (guint c = 0; c < 2; c++)
    {
      g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (BsSample));
      int64_t last_t = INT64_MIN;

      g_assert_true (bs_store_read_samples (store, &g_array_index (channels, BsChannel, c),
                                            INT64_MIN, INT64_MAX, samples, &error));
      g_assert_no_error (error);
      for (guint m = 0; m < samples->len; m++)
        {
          const BsSample *s = &g_array_index (samples, BsSample, m);

          g_assert_cmpfloat (s->value, ==, (double) (m % 100000) / 1000);
          g_assert_cmpint (s->t_ns, >, last_t);
          last_t = s->t_ns;
        }
      per_channel[c] = samples->len;
    }
  /* Samples alternate between the channels, and pushes are committed whole. */
  g_assert_cmpint (per_channel[0] - per_channel[1], >=, 0);
  g_assert_cmpint (per_channel[0] - per_channel[1], <=, 1);
  return per_channel[0] + per_channel[1];
}

typedef struct
{
  int64_t run;
  int64_t n_events;
  int64_t n_samples;
} Survivor;

static const Survivor *
find_survivor (GArray *survivors, int64_t run)
{
  for (guint k = 0; k < survivors->len; k++)
    if (g_array_index (survivors, Survivor, k).run == run)
      return &g_array_index (survivors, Survivor, k);
  return NULL;
}

/* Every run in the file is interrupted; a new one's data is a clean prefix whose row
 * counts equal what its chunks hold (they are committed together); one checked after
 * an earlier kill still holds exactly what it held then. */
static void
check_all_runs (BsStore *store, const char *path, GArray *survivors)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = bs_store_list_runs (store, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < runs->len; i++)
    {
      const BsRun *r = runs->pdata[i];
      const Survivor *s = find_survivor (survivors, r->id);
      g_autofree char *sql = g_strdup_printf (
        "SELECT coalesce(sum(n), 0) FROM event_chunks WHERE run_id = %" G_GINT64_FORMAT, r->id);

      g_assert_cmpint (r->status, ==, BS_RUN_INTERRUPTED);
      if (s == NULL)
        {
          g_assert_cmpint (check_events (store, r->id), ==, r->n_events);
          g_assert_cmpint (check_samples (store, r->id), ==, r->n_samples);
          continue;
        }
      g_assert_cmpint (r->n_events, ==, s->n_events);
      g_assert_cmpint (r->n_samples, ==, s->n_samples);
      g_assert_cmpint (bs_test_sql_int (path, sql), ==, s->n_events);
    }
}

static void
kill_once (const char *db, GRand *rand, gboolean early, GArray *survivors)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (BsRun) run = NULL;
  int64_t start = g_get_monotonic_time (), deadline, t_kill;
  Progress need;
  Child c;

  child_spawn (&c, db);
  if (early)
    deadline = start + g_rand_int_range (rand, 0, 40000);
  else
    {
      while (c.run < 0 && !c.eof && g_get_monotonic_time () < start + 20 * G_USEC_PER_SEC)
        child_read (&c, 100);
      g_assert_cmpint (c.run, >, 0);
      deadline = g_get_monotonic_time () + g_rand_int_range (rand, 200000, 2000000);
    }
  while (g_get_monotonic_time () < deadline)
    child_read (&c, (int) MAX (1, (deadline - g_get_monotonic_time ()) / 1000));
  t_kill = child_kill (&c);
  need = required (&c, t_kill);

  /* Killed early enough, the helper may not have created the file yet. */
  store = bs_store_open (db, early ? BS_STORE_OPEN_CREATE : BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (bs_store_check (store, &error));
  g_assert_no_error (error);
  check_all_runs (store, db, survivors);
  if (c.run > 0)
    {
      Survivor s;

      run = bs_store_get_run (store, c.run, &error);
      g_assert_no_error (error);
      g_assert_cmpint (run->status, ==, BS_RUN_INTERRUPTED);
      g_assert_cmpint (run->n_events, >=, c.committed_events);
      g_assert_cmpint (run->n_samples, >=, c.committed_samples);
      g_assert_cmpint (run->n_events, >=, need.n_events);
      g_assert_cmpint (run->n_samples, >=, need.n_samples);
      g_test_message ("killed after %.3f s: %" G_GINT64_FORMAT " events, %" G_GINT64_FORMAT
                      " samples stored (%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT " required, "
                      "%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT " pushed)",
                      (t_kill / 1000 - start) / 1e6, run->n_events, run->n_samples, need.n_events,
                      need.n_samples, c.progress->len ? g_array_index (c.progress, Progress, c.progress->len - 1).n_events : 0,
                      c.progress->len ? g_array_index (c.progress, Progress, c.progress->len - 1).n_samples : 0);
      /* The producer kept going: the bounded queue paces it, never stalls it. */
      if (!early && c.progress->len > 0)
        g_assert_cmpint (g_array_index (c.progress, Progress, c.progress->len - 1).t_samples, >,
                         t_kill - SECOND);
      s = (Survivor) { c.run, run->n_events, run->n_samples };
      g_array_append_val (survivors, s);
    }
  else
    g_test_message ("killed at start-up after %.3f s", (t_kill / 1000 - start) / 1e6);
  child_clear (&c);
}

static void
test_sigkill (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  int64_t start = g_get_monotonic_time ();
  int kills = 0;

  for (int group = 0; group < GROUPS; group++)
    {
      char *dir = bs_test_tmpdir_new ();
      g_autofree char *db = g_build_filename (dir, "crash.db", NULL);
      g_autoptr (GArray) survivors = g_array_new (FALSE, FALSE, sizeof (Survivor));

      for (int i = 0; i < KILLS_PER_GROUP; i++, kills++)
        kill_once (db, rand, i < EARLY_KILLS_PER_GROUP, survivors);
      bs_test_tmpdir_free (dir);
    }
  g_test_message ("%d kills in %.1f s", kills, (g_get_monotonic_time () - start) / 1e6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash/sigkill", test_sigkill);
  return g_test_run ();
}
