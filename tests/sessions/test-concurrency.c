/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-concurrency.c: two processes on one database at once — a recording process
 * (the CLI) and this one (the app), which reads the run in progress, edits it, and
 * records and deletes runs of its own meanwhile. Neither may see an error. */
#include "bs-queries.h"
#include "bs-record.h"
#include "bs-recorder.h"
#include "bs-run-data.h"
#include "bs-runs.h"
#include "session-test-util.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  GPid pid;
  int fd;
  GString *out;
  int64_t run;
  int64_t done_events;
  int64_t done_samples;
} Child;

static void
child_poll (Child *c, int timeout_ms)
{
  struct pollfd pfd = { c->fd, POLLIN, 0 };
  char buf[4096];
  ssize_t got;
  const char *line;

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return;
  while ((got = read (c->fd, buf, sizeof buf)) > 0)
    g_string_append_len (c->out, buf, got);
  line = strstr (c->out->str, "R ");
  if (c->run < 0 && line != NULL && strchr (line, '\n') != NULL)
    c->run = g_ascii_strtoll (line + 2, NULL, 10);
  line = strstr (c->out->str, "\nD ");
  if (line != NULL && strchr (line + 1, '\n') != NULL)
    sscanf (line + 1, "D %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &c->done_events, &c->done_samples);
}

static int64_t
record_own (const char *path, int i)
{
  const int64_t durations[4] = { 100, 200, 300, 400 };
  g_autoptr (BsModel) model = bs_test_model_new ("app-model", 4);
  g_autoptr (GArray) events = bs_test_events (250, 4, 1000000 * (int64_t) (i + 1), durations,
                                              BS_CLOCK_HOST);
  BsRunInfo info = { .backend = "cpu", .session = "app" };
  BsRecordData data = { (const BsLayerEvent *) (void *) events->data, events->len };
  g_autoptr (GError) error = NULL;
  int64_t run = bs_record_run (path, model, &info, &data, BS_RUN_COMPLETE, &error);

  g_assert_no_error (error);
  return run;
}

/* One round of what the app does while the other process records. */
static void
app_round (BsStore *store, const char *path, int64_t cli_run, int i, int64_t *last_events,
           GArray *own_runs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = bs_store_list_runs (store, NULL, &error);
  g_autoptr (BsRun) r = bs_store_get_run (store, cli_run, &error);
  g_autoptr (GArray) stats = NULL;
  g_autofree char *notes = g_strdup_printf ("watched %d times", i + 1);
  int64_t own = record_own (path, i);

  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, >=, 1);
  g_assert_cmpint (r->n_events, >=, *last_events);
  *last_events = r->n_events;
  stats = bs_query_layer_stats (store, cli_run, &error);
  g_assert_no_error (error);
  g_assert_true (bs_store_set_run_notes (store, cli_run, notes, &error));
  g_assert_true (bs_store_tag_run (store, cli_run, i % 2 ? "odd" : "even", TRUE, &error));
  g_assert_no_error (error);
  g_array_append_val (own_runs, own);
  if (own_runs->len > 2)
    {
      g_assert_true (bs_store_delete_run (store, g_array_index (own_runs, int64_t, 0), &error));
      g_assert_no_error (error);
      g_array_remove_index (own_runs, 0);
    }
}

static void
test_two_processes (void)
{
  char *dir = bs_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "shared.db", NULL);
  const char *argv[] = { g_getenv ("BS_RECORD_HELPER"), "paced", path, "3", NULL };
  g_autoptr (GArray) own_runs = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GError) error = NULL;
  g_autoptr (BsStore) store = NULL;
  g_autoptr (BsRun) r = NULL;
  Child c = { .run = -1, .out = g_string_new (NULL) };
  int64_t last_events = 0, start = g_get_monotonic_time ();
  int rounds = 0, status;

  g_assert_nonnull (argv[0]);
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &c.pid, NULL, &c.fd, NULL, &error);
  g_assert_no_error (error);
  fcntl (c.fd, F_SETFL, fcntl (c.fd, F_GETFL) | O_NONBLOCK);
  while (c.run < 0 && g_get_monotonic_time () < start + 20 * G_USEC_PER_SEC)
    child_poll (&c, 100);
  g_assert_cmpint (c.run, >, 0);

  store = bs_store_open (path, BS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  while (c.done_events == 0 && g_get_monotonic_time () < start + 60 * G_USEC_PER_SEC)
    {
      app_round (store, path, c.run, rounds++, &last_events, own_runs);
      child_poll (&c, 0);
    }
  g_assert_cmpint (waitpid (c.pid, &status, 0), ==, c.pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  child_poll (&c, 100);
  g_test_message ("%d app rounds while the other process recorded %" G_GINT64_FORMAT
                  " events and %" G_GINT64_FORMAT " samples", rounds, c.done_events, c.done_samples);
  g_assert_cmpint (rounds, >=, 3);
  g_assert_cmpint (c.done_events, >, 0);

  /* The recording is whole, and the app's edits were kept alongside it. */
  r = bs_store_get_run (store, c.run, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->status, ==, BS_RUN_COMPLETE);
  g_assert_cmpint (r->n_events, ==, c.done_events);
  g_assert_cmpint (r->n_samples, ==, c.done_samples);
  g_assert_true (g_str_has_prefix (r->notes, "watched "));
  g_assert_true (g_strv_contains ((const char *const *) r->tags, "even"));
  {
    g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (BsLayerEvent));
    g_autoptr (GArray) markers = bs_store_get_markers (store, c.run, &error);
    g_autoptr (GPtrArray) runs = bs_store_list_runs (store, NULL, &error);

    g_assert_true (bs_store_read_events (store, c.run, events, &error));
    g_assert_cmpint (events->len, ==, c.done_events);
    g_assert_cmpuint (markers->len, >, 0);
    g_assert_cmpuint (runs->len, ==, 1 + own_runs->len);
  }
  g_assert_true (bs_store_check (store, &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, bs_store_close);
  close (c.fd);
  g_string_free (c.out, TRUE);
  bs_test_tmpdir_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/concurrency/two-processes", test_two_processes);
  return g_test_run ();
}
