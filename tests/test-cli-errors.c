/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-errors.c: blendscope-cli run, record, bench and explore on their error paths (bad
 * arguments, an input that cannot be read) exit with the documented status and a clear
 * message. In the sanitizer build (scripts/test runs the core suite with
 * ASAN_OPTIONS=detect_leaks=1) LeakSanitizer also makes any leak on those paths fail
 * the test: the CLI then exits with LeakSanitizer's status, not 1 or 2, and says so. */
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <string.h>

typedef struct
{
  const char *name;
  const char *args;      /* MODEL stands for a bundled model, DIR for a temporary folder */
  int status;
  const char *message;   /* in stderr */
} Case;

static const Case cases[] = {
  { "run-no-model", "run --input DIR/in.npy --logits-out DIR/out.npy --backend cpu", 2,
    "expected one MODEL" },
  { "run-bad-input", "run MODEL --input DIR/missing.npy --backend cpu", 1, "missing.npy" },
  { "record-no-model", "record --input DIR/in.npy --db DIR/runs.db --session s --notes n "
    "--tag a --tag b --backend cpu --probe synthetic", 2, "expected one MODEL" },
  { "record-bad-input", "record MODEL --input DIR/missing.npy --db DIR/runs.db --session s "
    "--notes n --tag a --backend cpu --probe synthetic -n 1", 1, "missing.npy" },
  { "bench-no-model", "bench --input DIR/in.npy --backend cpu --isa scalar", 2, "MODEL" },
  { "bench-bad-input", "bench MODEL --input DIR/missing.npy --backend cpu", 1, "missing.npy" },
  { "run-csim-unbuilt", "run MODEL --backend csim:pe=5", 1, "no kernel built for pe=5" },
  { "explore-no-board", "explore MODEL", 2, "--board NAME" },
  { "explore-bad-board", "explore MODEL --board vc707", 2, "unknown board 'vc707'" },
  { "explore-bad-clock", "explore MODEL --board kv260 --clock 200,fast", 2, "--clock" },
  { "explore-bad-model", "explore DIR/missing.bsm --board kv260", 1, "missing.bsm" },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  const char *cli = g_getenv ("BS_CLI");
  g_autofree char *model = g_build_filename (g_getenv ("BS_SOURCE_ROOT"), "data", "models",
                                             "blendnet20.bsm", NULL);
  g_autofree char *dir = g_dir_make_tmp ("bs-test-cli-XXXXXX", NULL);
  g_autoptr (GRegex) model_re = g_regex_new ("\\bMODEL\\b", 0, 0, NULL);
  g_autoptr (GRegex) dir_re = g_regex_new ("\\bDIR\\b", 0, 0, NULL);
  g_autofree char *with_model = g_regex_replace_literal (model_re, c->args, -1, 0, model, 0, NULL);
  g_autofree char *args = g_regex_replace_literal (dir_re, with_model, -1, 0, dir, 0, NULL);
  /* A cross build's CLI runs under Meson's exe wrapper (qemu-aarch64), as this test does. */
  const char *wrapper = g_getenv ("MESON_EXE_WRAPPER");
  g_autofree char *command = g_strdup_printf ("%s%s%s %s", wrapper ? wrapper : "", wrapper ? " " : "",
                                              cli, args);
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  int wait_status;

  if (cli == NULL)
    {
      g_test_skip ("BS_CLI is set by meson test");
      return;
    }
  g_assert_true (g_shell_parse_argv (command, NULL, &argv, &error));
  g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &wait_status, &error));
  g_test_message ("%s\n→ %s", command, err);
  g_assert_null (strstr (err, "LeakSanitizer"));
  g_assert_null (strstr (err, "AddressSanitizer"));
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, c->status);
  g_assert_nonnull (strstr (err, c->message));
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/cli-errors/", cases[i].name, NULL);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  return g_test_run ();
}
