/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-choice.h: one entry of the backend and probe drop-downs: what to pass on (a spec),
 * what to show, and whether it can be used here (and why not). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BS_TYPE_CHOICE (bs_choice_get_type ())
G_DECLARE_FINAL_TYPE (BsChoice, bs_choice, BS, CHOICE, GObject)

BsChoice *bs_choice_new (const char *id, const char *label, const char *detail,
                         gboolean available, gboolean simulated);
const char *bs_choice_get_id (BsChoice *self);
const char *bs_choice_get_label (BsChoice *self);
const char *bs_choice_get_detail (BsChoice *self);
gboolean bs_choice_get_available (BsChoice *self);
gboolean bs_choice_get_simulated (BsChoice *self);

G_END_DECLS
