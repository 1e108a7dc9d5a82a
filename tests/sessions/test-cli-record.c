/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-record.c: `blendscope-cli record` as a process: how signals end it, what its exit
 * status says, and what it does when the disk (here: the file size limit) runs out. Each
 * test starts the real binary on the bundled BlendNet-20 with the CPU backend and the
 * synthetic meter (or a fake hwmon sensor that hangs), and reads the database it leaves
 * behind. */
#include "session-test-util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  char *dir;
  char *db;
  char *err_path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = bs_test_tmpdir_new ();
  f->db = g_build_filename (f->dir, "record.db", NULL);
  f->err_path = g_build_filename (f->dir, "stderr", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_free (f->db);
  g_free (f->err_path);
  bs_test_tmpdir_free (f->dir);
}

typedef enum
{
  CHILD_PLAIN,
  CHILD_IGNORE_SIGINT,    /* as nohup / a background job of a non-interactive shell */
  CHILD_FILE_LIMIT,       /* ulimit -f: RLIMIT_FSIZE */
} ChildSetup;

#define FILE_LIMIT_BYTES (1024 * 1024)

static void
child_setup (gpointer data)
{
  ChildSetup setup = GPOINTER_TO_INT (data);

  /* g_spawn resets nothing: the test runner's dispositions are inherited otherwise. */
  signal (SIGINT, setup == CHILD_IGNORE_SIGINT ? SIG_IGN : SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  signal (SIGXFSZ, SIG_DFL);
  if (setup == CHILD_FILE_LIMIT)
    {
      struct rlimit limit = { FILE_LIMIT_BYTES, FILE_LIMIT_BYTES };
      setrlimit (RLIMIT_FSIZE, &limit);
    }
}

/* Starts `record --duration SECONDS` with stderr to f->err_path. */
static GPid
start_record_with (Fixture *f, const char *probe, const char *seconds, ChildSetup setup)
{
  g_autofree char *model = g_build_filename (g_getenv ("BS_SOURCE_ROOT"), "data", "models",
                                             "blendnet20.bsm", NULL);
  const char *argv[] = { g_getenv ("BS_CLI"), "record", model, "--db", f->db, "--backend", "cpu",
                         "--probe", probe, "--duration", seconds, NULL };
  g_autoptr (GError) error = NULL;
  int err_fd = open (f->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  GPid pid;

  g_assert_cmpint (err_fd, >=, 0);
  g_spawn_async_with_fds (NULL, (char **) argv, NULL,
                          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, child_setup,
                          GINT_TO_POINTER (setup), &pid, -1, -1, err_fd, &error);
  g_assert_no_error (error);
  close (err_fd);
  return pid;
}

static GPid
start_record (Fixture *f, const char *seconds, ChildSetup setup)
{
  return start_record_with (f, "synthetic:rate=50", seconds, setup);
}

/* Waits (at most timeout_s) for the child; returns its exit status, or 128 + signal. */
static int
wait_exit (GPid pid, double timeout_s, double *took_s)
{
  gint64 start = g_get_monotonic_time ();
  int status;

  for (;;)
    {
      pid_t got = waitpid (pid, &status, WNOHANG);
      g_assert_cmpint (got, >=, 0);
      if (got == pid)
        break;
      if (g_get_monotonic_time () - start > timeout_s * G_USEC_PER_SEC)
        {
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          g_error ("blendscope-cli record did not end within %.0f s", timeout_s);
        }
      g_usleep (20000);
    }
  *took_s = (g_get_monotonic_time () - start) / 1e6;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* Until the run is being recorded (its row is committed as 'running' with some events). */
static void
wait_recording (Fixture *f)
{
  for (int i = 0; i < 1000; i++)
    {
      if (g_file_test (f->db, G_FILE_TEST_EXISTS)
          && bs_test_sql_int (f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == 1
          && bs_test_sql_int (f->db, "SELECT count(*) FROM runs WHERE status = 'running' "
                                     "AND n_events > 0") == 1)
        return;
      g_usleep (20000);
    }
  g_error ("the recorder never started recording");
}

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static char *
stderr_of (Fixture *f)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (f->err_path, &text, NULL, NULL));
  return text;
}

static void
check_cut_by (Fixture *f, int signum)
{
  GPid pid = start_record (f, "60", CHILD_PLAIN);
  double took;
  int code;

  wait_recording (f);
  kill (pid, signum);
  code = wait_exit (pid, 30, &took);
  g_assert_cmpint (code, ==, 128 + signum);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM runs WHERE status = 'aborted' "
                                           "AND n_events > 0 AND duration_ns > 0"), ==, 1);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM runs"), ==, 1);
}

static void
test_sigint_aborts_with_130 (Fixture *f, gconstpointer data)
{
  check_cut_by (f, SIGINT);
}

static void
test_sigterm_aborts_with_143 (Fixture *f, gconstpointer data)
{
  check_cut_by (f, SIGTERM);
}

/* A full run exits 0 and is 'complete'. An inherited SIG_IGN for SIGINT is respected. */
static void
test_ignored_sigint_stays_ignored (Fixture *f, gconstpointer data)
{
  GPid pid = start_record (f, "2", CHILD_IGNORE_SIGINT);
  double took;

  wait_recording (f);
  kill (pid, SIGINT);
  g_assert_cmpint (wait_exit (pid, 60, &took), ==, 0);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM runs WHERE status = 'complete'"),
                   ==, 1);
}

/* Past the file size limit the recorder stops at once with a clear message (not killed by
 * SIGXFSZ, not running on to the end of --duration) and what it committed stays. */
static void
test_file_size_limit_stops_at_once (Fixture *f, gconstpointer data)
{
  GPid pid = start_record (f, "120", CHILD_FILE_LIMIT);
  g_autofree char *err = NULL;
  double took;
  int code = wait_exit (pid, 90, &took);

  err = stderr_of (f);
  g_test_message ("exit %d after %.1f s; stderr: %s", code, took, err);
  g_assert_cmpint (code, ==, 1);
  g_assert_cmpfloat (took, <, 60);
  g_assert_nonnull (strstr (err, "file size limit"));
  g_assert_nonnull (strstr (err, "keeps what was committed"));
  /* The committed part is readable: events recorded, the run not lost. */
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT n_events FROM runs WHERE id = 1"), >, 0);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM event_chunks"), >, 0);
}

/* A meter whose read blocks for ever (a hung I2C sensor; here an hwmon power file that is
 * a FIFO nobody writes) is abandoned: the run ends on time, with a "meter stalled" marker,
 * and the readable channels of the same meter are recorded. */
static void
test_stalled_meter_ends_on_time (Fixture *f, gconstpointer data)
{
  g_autofree char *hwmon = g_build_filename (f->dir, "hwmon", "hwmon0", NULL);
  g_autofree char *fifo = g_build_filename (hwmon, "power1_input", NULL);
  g_autofree char *probe = NULL;
  g_autofree char *err = NULL;
  g_autofree char *root = g_path_get_dirname (hwmon);
  GPid pid;
  double took;
  int code;

  g_assert_cmpint (g_mkdir_with_parents (hwmon, 0755), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  write_text (hwmon, "name", "ina226\n");
  write_text (hwmon, "curr1_input", "500\n");
  write_text (hwmon, "in1_input", "5000\n");
  probe = g_strdup_printf ("hwmon:root=%s:rate=10", root);
  pid = start_record_with (f, probe, "4", CHILD_PLAIN);
  code = wait_exit (pid, 60, &took);
  err = stderr_of (f);
  g_test_message ("stalled meter: exit %d after %.2f s wall (4 s asked; the probe's open "
                  "waited one read deadline); run duration %.3f s; stderr: %s", code, took,
                  bs_test_sql_int (f->db, "SELECT duration_ns FROM runs WHERE id = 1") * 1e-9,
                  err);
  g_assert_cmpint (code, ==, 0);
  g_assert_cmpfloat (took, <, 10);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT duration_ns FROM runs WHERE id = 1 AND "
                                           "status = 'complete'"), <, 5000000000);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT count(*) FROM markers WHERE label LIKE "
                                           "'meter stalled:%power1_input%'"), ==, 1);
  g_assert_cmpint (bs_test_sql_int (f->db, "SELECT sum(n) FROM sample_chunks"), >, 10);
  g_assert_nonnull (strstr (err, "did not return"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-record/sigint-aborts-with-130", Fixture, NULL, fixture_set_up,
              test_sigint_aborts_with_130, fixture_tear_down);
  g_test_add ("/cli-record/sigterm-aborts-with-143", Fixture, NULL, fixture_set_up,
              test_sigterm_aborts_with_143, fixture_tear_down);
  g_test_add ("/cli-record/ignored-sigint-stays-ignored", Fixture, NULL, fixture_set_up,
              test_ignored_sigint_stays_ignored, fixture_tear_down);
  g_test_add ("/cli-record/file-size-limit-stops-at-once", Fixture, NULL, fixture_set_up,
              test_file_size_limit_stops_at_once, fixture_tear_down);
  g_test_add ("/cli-record/stalled-meter-ends-on-time", Fixture, NULL, fixture_set_up,
              test_stalled_meter_ends_on_time, fixture_tear_down);
  return g_test_run ();
}
