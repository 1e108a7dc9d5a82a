/* blendscope.c: the GTK workbench. Everything is in ui/ (BsApplication); this is main. */
#include <locale.h>

#include "bs-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (BsApplication) app = NULL;

  setlocale (LC_ALL, "");
  g_set_application_name ("blendscope");
  g_set_prgname ("org.blendscope.Blendscope");
  app = bs_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
