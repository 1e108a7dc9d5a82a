/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-meter-store.h: what calibration learnt about each meter, kept between runs in
 * g_get_user_config_dir()/blendscope/meters.ini, one group per meter id
 * (bs_probe_get_meter_id()). */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

char *bs_meter_store_path (void);
/* TRUE and the stored latency when @meter_id has been calibrated; @origin (may be NULL)
 * gets a description such as "calibrated 2024-05-02T10:11:12Z (meters.ini)". */
gboolean bs_meter_store_lookup (const char *meter_id, int64_t *latency_ns, char **origin);
/* Records a calibration, keeping the other meters' entries. */
gboolean bs_meter_store_save (const char *meter_id, int64_t latency_ns, double correlation,
                              GError **error);

G_END_DECLS
