/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blendscope.c: the GTK workbench. Everything is in ui/ (BsApplication); this is main. */
#include <locale.h>
#include <signal.h>

#include "bs-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (BsApplication) app = NULL;

  /* Past a file size limit (ulimit -f) SIGXFSZ would kill the app silently, mid-commit;
   * ignored, the write fails with EFBIG and a recording stops as on a full disk. */
  signal (SIGXFSZ, SIG_IGN);
  setlocale (LC_ALL, "");
  g_set_application_name ("blendscope");
  g_set_prgname ("org.blendscope.Blendscope");
  app = bs_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
