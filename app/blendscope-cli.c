/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blendscope-cli: the headless front end. One subcommand per file (bs-cli-*.c). */
#include "bs-cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  const char *name;
  const char *summary;
  int (*main) (int argc, char **argv);
} Command;

static const Command commands[] = {
  { "info", "MODEL: the per-layer table and binary/fixed-point totals", bs_cli_info },
  { "run", "MODEL: run inferences, print top classes and per-layer timings", bs_cli_run },
  { "eval", "MODEL: accuracy on labelled images (top-1, top-5, per class, confusion matrix)",
    bs_cli_eval },
  { "bench", "MODEL: per-layer and total time, throughput, fraction of the popcount peak",
    bs_cli_bench },
  { "explore", "MODEL --board NAME: Pareto front of the FPGA kernel's parameters (modelled)",
    bs_cli_explore },
  { "devices", "backends and XRT devices on this machine (or why there are none)", bs_cli_devices },
  { "probes", "[SPEC...]: power probes and devices on this machine (--read SECONDS)", bs_cli_probes },
  { "calibrate", "SPEC: measure a power meter's latency with an idle/busy load, store it",
    bs_cli_calibrate },
  { "sweep", "MODEL: per-layer power and energy by looping each layer under a meter",
    bs_cli_sweep },
  { "record", "MODEL: run and record timing and power to the session database", bs_cli_record },
  { "runs", "list recorded runs (--session, --model, --tag, --limit)", bs_cli_runs },
  { "sessions", "list sessions (named sets of runs)", bs_cli_sessions },
  { "show", "RUN: a recorded run's per-layer statistics, energy and binary/fixed split",
    bs_cli_show },
  { "compare", "RUN RUN [RUN [RUN]]: per-layer deltas, ratios and significance", bs_cli_compare },
  { "export", "RUN --format csv|json|perfetto: export a run", bs_cli_export },
  { "delete", "RUN...: delete recorded runs", bs_cli_delete },
  { "check", "the session database's integrity (--repair: copy intact runs to a new file)",
    bs_cli_check },
  { "agent", "serve the remote protocol on stdin/stdout (for ssh://HOST/BACKEND)", bs_cli_agent },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: blendscope-cli COMMAND [OPTIONS] ARGS\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n'blendscope-cli COMMAND --help' describes a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].main (argc - 1, argv + 1);
  fprintf (stderr, "blendscope-cli: unknown command '%s'\n\n", argv[1]);
  usage (stderr);
  return 2;
}
