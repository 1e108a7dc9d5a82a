/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-application.h: the blendscope GtkApplication: one run controller, the preferences,
 * and the application actions (app.*), exported on D-Bus at /org/blendscope/Blendscope. */
#pragma once

#include <gtk/gtk.h>

#include "bs-run-controller.h"

G_BEGIN_DECLS

#define BS_TYPE_APPLICATION (bs_application_get_type ())
G_DECLARE_FINAL_TYPE (BsApplication, bs_application, BS, APPLICATION, GtkApplication)

BsApplication *bs_application_new (void);
BsRunController *bs_application_get_controller (BsApplication *self);
/* The window's probe scan: when no probe choice is saved, the first real meter found
 * (bs_probe_choose_default) becomes the probe in place of the demo meter, unsaved. */
void bs_application_offer_discovered_probes (BsApplication *self, const GPtrArray *devices);

G_END_DECLS
