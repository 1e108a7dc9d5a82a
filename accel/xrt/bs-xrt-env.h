/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-env.h: the process environment Debian's XRT 2.13 needs before its first
 * call, and XRT's log. XRT aborts the process when XILINX_XRT is unset, when
 * $XILINX_XRT/lib lacks its shims (Debian keeps them in the multiarch folder), or
 * when XCL_EMULATION_MODE is set but empty; its error details go to its log only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes the environment safe for XRT, once per process (later calls return the first
 * answer): keeps a usable XILINX_XRT, else points it at a private folder whose lib/
 * links the shims found in shim_dir; unsets an empty XCL_EMULATION_MODE; refuses
 * emulation modes that need AMD's tools. FALSE with *reason (g_free it) when XRT
 * cannot be used safely. Not thread-safe with respect to other setenv() callers:
 * call it before XRT is used, as bs-xrt-api.c does. */
gboolean bs_xrt_env_prepare (const char *shim_dir, char **reason);

/* Whether XCL_EMULATION_MODE=noop: XRT's mock device, which executes nothing. */
gboolean bs_xrt_env_is_noop (void);

/* Whether XRT has a device to open, judged without calling XRT (which would read its
 * settings for good): the noop device, or a function bound to AMD's xocl (PCIe) or
 * zocl (embedded) driver. FALSE with *reason otherwise. */
gboolean bs_xrt_env_has_device (char **reason);

/* The file XRT's runtime log goes to (Runtime.runtime_log), private to this process;
 * NULL before bs_xrt_env_prepare. */
const char *bs_xrt_env_log_path (void);

/* The log's length now, to read what a call adds. */
goffset bs_xrt_env_log_mark (void);

/* XRT's error messages logged since mark, joined with "; ", or NULL. */
char *bs_xrt_env_log_errors_since (goffset mark);

G_END_DECLS
