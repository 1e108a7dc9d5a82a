/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-settings.h: the application's GSettings, also when run from the build tree. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BS_SETTINGS_SCHEMA_ID "org.blendscope.Blendscope"

/* The settings, from the installed schema or the build tree's compiled one; NULL (and a
 * warning) when neither is found: the application then runs with defaults and does not
 * remember anything. */
GSettings *bs_settings_new (void);

G_END_DECLS
