/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-sigrok-config.h: libsigrok options given as text ("samplerate=10", "conn=/dev/ttyUSB0",
 * "A0.amplitude=2"), parsed as sigrok-cli parses them, and set on a device. Errors are
 * BS_PROBE_ERROR_SPEC, naming the option. */
#pragma once

#include <glib.h>
#include <libsigrok/libsigrok.h>

/* sr_config_new() and sr_config_free() are private to libsigrok. */
struct sr_config *bs_sigrok_config_new (uint32_t key, GVariant *value);
void bs_sigrok_config_free (gpointer config);

/* The value of libsigrok config key @key from @value, floating; its key in @sr_key. */
GVariant *bs_sigrok_config_value (const char *key, const char *value, uint32_t *sr_key,
                                  GError **error);

gboolean bs_sigrok_is_scan_key (struct sr_dev_driver *driver, const char *key);
gboolean bs_sigrok_key_supported (const struct sr_dev_inst *sdi,
                                  const struct sr_channel_group *cg, uint32_t key, uint32_t op);

/* Sets @key (named @name in messages) on the device, else on every channel group made only
 * of enabled channels. Consumes a floating @value. */
gboolean bs_sigrok_set_option (struct sr_dev_inst *sdi, const char *driver_name, const char *name,
                               uint32_t key, GVariant *value, GError **error);
/* "GROUP.key" = @text on that channel group only. */
gboolean bs_sigrok_set_group_option (struct sr_dev_inst *sdi, const char *driver_name,
                                     const char *qualified, const char *text, GError **error);
