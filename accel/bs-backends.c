/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-backends.c: the registry, one table of backend classes. */
#include "bs-backend.h"
#include "cpu/bs-cpu-backend.h"
#include "csim/bs-csim-backend.h"
#include "remote/bs-ssh-backend.h"
#include "xrt/bs-xrt-backend.h"

static const BsBackendClass *const classes[] = {
  &bs_cpu_backend_class,
  &bs_csim_backend_class,
  &bs_xrt_backend_class,
  &bs_ssh_backend_class,
  NULL
};

const BsBackendClass *const *
bs_backend_list (void)
{
  return classes;
}
