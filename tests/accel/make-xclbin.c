/* SPDX-License-Identifier: GPL-3.0-or-later */
/* make-xclbin: writes a metadata-only xclbin of the bs_blend kernel for XRT's noop
 * device (no bitstream: useless on hardware).
 *
 *   make-xclbin [--kernel NAME] [--clock MHZ] OUTPUT.xclbin
 *   XCL_EMULATION_MODE=noop blendscope-cli run --backend xrt:xclbin=OUTPUT.xclbin MODEL
 */
#include <stdio.h>
#include <stdlib.h>

#include "xclbin-writer.h"

int
main (int argc, char **argv)
{
  g_autofree char *kernel = NULL;
  int clock_mhz = 300;
  GOptionEntry entries[] = {
    { "kernel", 0, 0, G_OPTION_ARG_STRING, &kernel, "Kernel name (default bs_blend)", "NAME" },
    { "clock", 0, 0, G_OPTION_ARG_INT, &clock_mhz, "KERNEL_CLK in MHz (default 300; 0 leaves it out)", "MHZ" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("OUTPUT.xclbin");
  g_autoptr (GError) error = NULL;
  XclbinSpec spec;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Writes a metadata-only xclbin of the accelerator kernel "
                                         "for XRT's noop device.");
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || clock_mhz < 0)
    {
      fprintf (stderr, "make-xclbin: %s\n", error ? error->message : "give one output file");
      return 2;
    }
  spec = xclbin_spec_default ((uint32_t) clock_mhz);
  if (kernel != NULL)
    spec.kernel = kernel;
  if (!xclbin_write (argv[1], &spec, &error))
    {
      fprintf (stderr, "make-xclbin: %s\n", error->message);
      return 1;
    }
  return 0;
}
