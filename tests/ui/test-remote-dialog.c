/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-remote-dialog.c: the spec the "Run on another host" dialog makes from its two
 * fields (ui/widgets/bs-remote-dialog.c), and what it refuses. No display needed. */
#include "bs-remote-dialog.h"

static void
check (const char *host, const char *backend, const char *want)
{
  g_autofree char *why = NULL;
  g_autofree char *spec = bs_remote_dialog_spec (host, backend, &why);

  g_assert_cmpstr (spec, ==, want);
  if (want == NULL)
    g_assert_nonnull (why);
}

static void
test_spec (void)
{
  check ("lab@kv260", "cpu", "ssh://lab@kv260/cpu");
  check ("  rack1:2222 ", " xrt:device=0 ", "ssh://rack1:2222/xrt:device=0");
  check ("ssh://board", "csim", "ssh://board/csim");   /* pasted with its scheme */
  check ("board", "", "ssh://board/cpu");              /* the default backend */
  check ("", "cpu", NULL);
  check ("a/b", "cpu", NULL);
  check ("-oProxyCommand=x", "cpu", NULL);             /* never an ssh option */
  check ("board;rm", "cpu", NULL);
  check ("board", "ssh://other/cpu", NULL);            /* not ssh again */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote-dialog/spec", test_spec);
  return g_test_run ();
}
