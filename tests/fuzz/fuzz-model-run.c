/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-model-run.c: libFuzzer target for the whole path a model file takes: load →
 * validate → plan → reference interpreter → cpu backend, once with the scalar kernels
 * and once with the best ISA this machine has (two threads, so the work is split).
 *
 * The interpreter is the oracle: any logit the backend computes differently is a
 * finding, as is a crash, a leak, undefined behaviour, a validated model the backend
 * refuses, or a failed load without a UTF-8 BS_MODEL_ERROR. Inputs are read as is and
 * with the preamble rebuilt (fuzz-bsm.h). Only models within a small budget are run, so
 * that each input takes milliseconds; bigger ones still go through load and validate.
 */
#include "bs-backend.h"
#include "bs-budget.h"
#include "bs-cpu-kernels.h"
#include "bs-image.h"
#include "bs-interp.h"
#include "bs-model.h"
#include "bs-plan.h"
#include "fuzz-bsm.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const BsBudget run_budget = {
  .activation_bytes = 1 << 20,
  .weight_bytes = 1 << 20,
  .macs = 1000000,
};

static char *backend_specs[2];

static int32_t *
run_backend (const char *spec, const BsPlan *plan, const BsImageBatch *image, gsize n_logits)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsBackend) backend = bs_backend_open (spec, &error);
  int32_t *logits = g_new0 (int32_t, n_logits);

  if (backend == NULL)
    g_error ("%s: %s", spec, error->message);
  if (!bs_backend_prepare (backend, plan, &error)
      || !bs_backend_run (backend, image->pixels, 1, logits, NULL, NULL, &error))
    g_error ("%s refuses a validated, compiled model: %s", spec, error->message);
  return logits;
}

static void
compare_engines (const BsModel *model, guint32 seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsPlan) plan = NULL;
  g_autoptr(BsInterp) interp = NULL;
  g_autoptr(BsImageBatch) image = NULL;
  g_autofree int32_t *want = NULL;
  BsShape out = bs_model_output_shape (model);
  gsize n_logits = (gsize) out.c * out.h * out.w;

  if (!bs_model_check_budget (model, &run_budget, NULL))
    return;
  plan = bs_plan_compile (model, &error);
  if (plan == NULL)
    {
      /* Constructs a plan cannot express are refused, not findings; anything else is. */
      if (!g_error_matches (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID))
        g_error ("plan: %s", error->message);
      return;
    }
  image = bs_image_batch_random (model->input_shape, 1, seed);
  interp = bs_interp_new (model);
  want = g_new0 (int32_t, n_logits);
  bs_interp_run (interp, image->pixels, want, NULL);
  for (guint b = 0; b < G_N_ELEMENTS (backend_specs); b++)
    {
      g_autofree int32_t *got = run_backend (backend_specs[b], plan, image, n_logits);

      for (gsize i = 0; i < n_logits; i++)
        if (got[i] != want[i])
          g_error ("%s: logit %" G_GSIZE_FORMAT " is %d; the interpreter says %d",
                   backend_specs[b], i, got[i], want[i]);
    }
}

static void
try_model (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsModel) model = bs_model_load_from_bytes (bytes, &error);

  if (model != NULL)
    {
      compare_engines (model, g_bytes_hash (bytes));
      return;
    }
  if (error == NULL || error->domain != BS_MODEL_ERROR)
    g_error ("load failed without a BS_MODEL_ERROR");
  if (!g_utf8_validate (error->message, -1, NULL))
    g_error ("error message is not UTF-8");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* GSlice's own allocator would hide leaks from ASan. */
  setenv ("G_SLICE", "always-malloc", 1);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  backend_specs[0] = g_strdup ("cpu:isa=scalar,threads=1");
  backend_specs[1] = g_strdup_printf ("cpu:isa=%s,threads=2",
                                      bs_cpu_isa_to_string (bs_cpu_isa_best ()));
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) as_is = g_bytes_new_static (data, size);

  try_model (as_is);
  if (size >= FUZZ_BSM_PREAMBLE)
    {
      g_autoptr(GBytes) rebuilt = fuzz_bsm_with_preamble (data, size);

      try_model (rebuilt);
    }
  return 0;
}
