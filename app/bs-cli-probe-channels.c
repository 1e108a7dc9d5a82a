/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cli-probe-channels.c: a probe's channels as a run records them; shared by the
 * subcommands that record power (record, eval --probe). Apart from bs-cli-common.c,
 * which builds without probes/. */
#include "bs-cli.h"
#include "bs-probe.h"
#include "bs-runs.h"

GArray *
bs_cli_channel_table (BsProbe *probe)
{
  guint n = bs_probe_get_n_channels (probe);
  GArray *channels = g_array_sized_new (FALSE, TRUE, sizeof (BsChannelInfo), n);

  for (guint i = 0; i < n; i++)
    {
      const BsProbeChannel *pc = bs_probe_get_channel (probe, i);
      BsChannelInfo info = { (int32_t) i, pc->quantity, pc->name, pc->resolution };
      g_array_append_val (channels, info);
    }
  return channels;
}
