/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-explore.c: `blendscope-cli explore MODEL --board NAME`: the Pareto front of
 * the bs_blend kernel's configurations for a model on a board, latency MODELLED and
 * resources ESTIMATED (accel/explore/bs-explore.h does the search). */
#include "bs-cli.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "explore/bs-boards.h"
#include "explore/bs-explore.h"
#include "explore/bs-explore-report.h"

#include <stdio.h>

/* "200,250" → kHz; MHz with a dot whatever the locale. */
static GArray *
parse_clocks (const char *list)
{
  g_auto (GStrv) items = g_strsplit (list, ",", -1);
  g_autoptr (GArray) clocks = g_array_new (FALSE, FALSE, sizeof (uint32_t));

  for (int i = 0; items[i] != NULL; i++)
    {
      char *end = NULL;
      double mhz = g_ascii_strtod (items[i], &end);
      uint32_t khz = (uint32_t) (mhz * 1000 + 0.5);

      if (end == items[i] || *end != '\0' || !(mhz >= 1 && mhz <= 1000))
        return NULL;
      g_array_append_val (clocks, khz);
    }
  return clocks->len > 0 ? g_steal_pointer (&clocks) : NULL;
}

static int
explore (const char *model_path, const BsBoard *board, const GArray *clocks, gboolean all)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsModel) model = bs_model_load (model_path, &error);
  g_autoptr (BsPlan) plan = NULL;
  g_autoptr (GArray) points = NULL;
  g_autofree char *report = NULL;

  if (model == NULL || (plan = bs_plan_compile (model, &error)) == NULL
      || (points = bs_explore (plan, board, (const uint32_t *) (const void *) clocks->data, clocks->len,
                               &error)) == NULL)
    return bs_cli_fail (error);
  report = bs_explore_report (points, board, model->name, all);
  fputs (report, stdout);
  return 0;
}

int
bs_cli_explore (int argc, char **argv)
{
  g_autofree char *board_name = NULL;
  g_autofree char *clock_list = NULL;
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "board", 0, 0, G_OPTION_ARG_STRING, &board_name,
      "Target board: kv260, zcu104, ultra96v2, u50, u250, u280", "NAME" },
    { "clock", 0, 0, G_OPTION_ARG_STRING, &clock_list, "Kernel clocks to sweep, MHz (200)",
      "MHZ[,MHZ...]" },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, "Print every point, not only the front", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL");
  g_autoptr (GArray) clocks = NULL;
  const BsBoard *board;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Sweep the accelerator kernel's parameters (PEs, XNOR "
                                         "lanes per PE, MACs per PE, XNOR on DSPs or LUTs, clock) and "
                                         "print the Pareto front of MODELLED latency against "
                                         "ESTIMATED resources that fit the board. Each point runs "
                                         "with the csim backend spec it prints.");
  if (!bs_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || board_name == NULL)
    {
      fprintf (stderr, "blendscope-cli explore: expected one MODEL and --board NAME\n");
      return 2;
    }
  if ((board = bs_board_find (board_name)) == NULL)
    {
      g_autofree char *known = bs_boards_list ();

      fprintf (stderr, "blendscope-cli explore: unknown board '%s' (%s)\n", board_name, known);
      return 2;
    }
  if ((clocks = parse_clocks (clock_list ? clock_list : "200")) == NULL)
    {
      fprintf (stderr, "blendscope-cli explore: --clock: expected MHz values 1 to 1000, "
                       "comma-separated\n");
      return 2;
    }
  return explore (argv[1], board, clocks, all);
}
