/* bs-backends.c: the registry, one table of backend classes. */
#include "bs-backend.h"
#include "cpu/bs-cpu-backend.h"

static const BsBackendClass *const classes[] = {
  &bs_cpu_backend_class,
  /* csim, xrt: to come */
  NULL
};

const BsBackendClass *const *
bs_backend_list (void)
{
  return classes;
}
