/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-frame-log.h: with BLENDSCOPE_FRAME_LOG=FILE, the intervals between painted frames
 * during each run are summarised into FILE when the run ends (frames, fps, longest gap):
 * how the end-to-end test checks that runs never stall the UI. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"

G_BEGIN_DECLS

/* Does nothing unless the variable is set. */
void bs_frame_log_attach (GtkWidget *window, BsRunController *controller);

G_END_DECLS
