/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-budget.h: resource budgets, so that a small file cannot make blendscope allocate
 * or compute without bound (docs/model-format.md, section 6, "Budgets").
 */
#pragma once

#include "bs-model.h"

G_BEGIN_DECLS

typedef struct
{
  uint64_t activation_bytes;  /* 4 bytes per element of the input and of every layer
                               * output: what the reference interpreter allocates */
  uint64_t weight_bytes;      /* tensor data */
  uint64_t macs;              /* binary and fixed-point MACs of one inference */
  uint64_t input_bytes;       /* one input file (.npy, PNG) or one run to import */
} BsBudget;

/* The defaults, then the overrides in the environment variable BS_BUDGET
 * ("macs=100G,activation_bytes=2Gi"); an error names a malformed BS_BUDGET. */
gboolean bs_budget_get (BsBudget *budget, GError **error);
/* Applies "key=value[,key=value...]" to budget; values take k M G T (powers of 1000)
 * or Ki Mi Gi Ti (powers of 1024). Errors are G_OPTION_ERROR_BAD_VALUE. */
gboolean bs_budget_parse (BsBudget *budget, const char *text, GError **error);

/* BS_MODEL_ERROR_INVALID naming the figure and the budget; the model must have passed
 * the rest of bs_model_validate() (it reads the derived shapes). */
gboolean bs_model_check_budget (const BsModel *model, const BsBudget *budget, GError **error);

/* Refuses an input (.npy, PNG, a run to import) of n_bytes over the input budget, as
 * "<what>: N bytes, over the input budget of M (...)" in domain and code. */
gboolean bs_budget_check_input (uint64_t n_bytes, const char *what, GQuark domain, int code,
                                GError **error);

G_END_DECLS
