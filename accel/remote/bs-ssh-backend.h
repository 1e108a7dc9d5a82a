/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-ssh-backend.h: a backend on another machine, reached with OpenSSH
 * (`ssh HOST blendscope-cli agent`, docs/agent-protocol.md). Spec:
 * ssh://[user@]host[:port]/BACKEND[:options], e.g. ssh://lab@kv260/cpu:threads=2. */
#pragma once

#include "bs-backend.h"

G_BEGIN_DECLS

extern const BsBackendClass bs_ssh_backend_class;

/* The link of an open ssh backend: the agent's clock minus ours (NTP-style, from the
 * exchange with the smallest round trip) and that round trip, the uncertainty of the
 * offset; the agent's software, CPU and kernel. FALSE for other backends. */
gboolean bs_ssh_backend_get_link (BsBackend *backend, int64_t *offset_ns, int64_t *rtt_ns,
                                  const char **software, const char **cpu, const char **kernel);

G_END_DECLS
