/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-ssh-backend.h: a backend on another machine, reached with OpenSSH
 * (`ssh HOST blendscope-cli agent`, docs/agent-protocol.md). Spec:
 * ssh://[user@]host[:port]/BACKEND[:options], e.g. ssh://lab@kv260/cpu:threads=2. */
#pragma once

#include "bs-backend.h"
#include "remote/bs-link-clock.h"

G_BEGIN_DECLS

extern const BsBackendClass bs_ssh_backend_class;

typedef struct
{
  const char *host;            /* [user@]host, as given to ssh */
  const char *software;        /* the agent's "blendscope VERSION" */
  const char *cpu;
  const char *kernel;
  BsLinkClockEstimate clock;   /* the agent's clock against ours, from every exchange */
} BsRemoteLink;

/* The link of an open ssh backend; the strings live as long as the backend. FALSE for
 * other backends. */
gboolean bs_ssh_backend_get_link (BsBackend *backend, BsRemoteLink *link);

/* What the machine at [user@]host[:port] has, as its `blendscope-cli devices` prints it,
 * headed by the agent's software, CPU and kernel. */
char *bs_ssh_list_devices (const char *host, GError **error);

G_END_DECLS
