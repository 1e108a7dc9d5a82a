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

G_END_DECLS
