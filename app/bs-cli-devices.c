/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-devices.c: `blendscope-cli devices`: the backends of this build, whether
 * each can work on this machine (and why not), and the XRT devices it can open (or
 * why there are none), and which CPU kernel sets this CPU can run. */
#include "bs-backend.h"
#include "bs-cli.h"
#include "cpu/bs-cpu-kernels.h"
#include "xrt/bs-xrt-backend.h"

#include <stdio.h>

static void
print_backends (void)
{
  printf ("Backends (--backend NAME[:key=value,...]):\n");
  for (const BsBackendClass *const *k = bs_backend_list (); *k != NULL; k++)
    {
      g_autofree char *reason = NULL;
      gboolean ok = (*k)->available (&reason);

      printf ("  %-6s %-13s %s\n", (*k)->name, ok ? "available" : "unavailable",
              ok ? (*k)->description : (reason ? reason : "no reason given"));
    }
}

/* Which CPU kernel sets this build has and this CPU can run, and the one cpu uses. */
static void
print_cpu_kernel_sets (void)
{
  BsCpuIsa best = bs_cpu_isa_best ();

  printf ("\nCPU kernel sets (--backend cpu:isa=NAME, or BS_CPU_ISA):\n");
  for (int i = 0; i < BS_CPU_N_ISAS; i++)
    {
      g_autofree char *reason = NULL;
      gboolean ok = bs_cpu_kernels_get ((BsCpuIsa) i, &reason) != NULL;

      printf ("  %-6s %-13s %s\n", bs_cpu_isa_to_string ((BsCpuIsa) i),
              ok ? "available" : "unavailable",
              ok ? (i == (int) best ? "chosen by default (the best this CPU runs)" : "") : reason);
    }
}

static void
print_xrt_devices (void)
{
  g_autofree char *reason = NULL;
  g_autoptr (GPtrArray) devices = bs_xrt_list_devices (&reason);

  printf ("\nXRT devices (--backend xrt:device=N,xclbin=PATH):\n");
  if (devices == NULL)
    {
      printf ("  none: %s\n", reason ? reason : "no reason given");
      return;
    }
  for (guint i = 0; i < devices->len; i++)
    printf ("  %s\n", (const char *) devices->pdata[i]);
}

int
bs_cli_devices (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- backends and XRT devices");

  g_option_context_set_summary (context, "Lists the backends this build has, whether each works here, "
                                         "and the XRT devices this process can open.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc > 1)
    {
      fprintf (stderr, "blendscope-cli devices: unexpected argument '%s'\n", argv[1]);
      return 2;
    }
  print_backends ();
  print_cpu_kernel_sets ();
  print_xrt_devices ();
  return 0;
}
