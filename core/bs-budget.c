/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-budget.c: resource budgets (docs/model-format.md, section 6, "Budgets").
 *
 * The defaults hold the largest realistic BlendNet, ResNet and MLP-Mixer networks for
 * 224x224 ImageNet inputs with room to spare (test-model-validate builds ResNet-152
 * and Mixer-L/16: 11.5 G and 44.6 G MACs, 288 MB and 621 MB of interpreter
 * activations; Mixer-L/16 with int16 weights would hold 416 MB of them).
 */
#include "bs-budget.h"
#include "bs-counts.h"

#include <stdarg.h>
#include <string.h>

#define GI ((uint64_t) 1 << 30)

static const BsBudget defaults = {
  .activation_bytes = 1 * GI,
  .weight_bytes = 1 * GI,
  .macs = 64000000000u,
  .input_bytes = 1 * GI,
};

static const struct
{
  const char *key;
  gsize offset;
} budget_keys[] = {
  { "activation_bytes", G_STRUCT_OFFSET (BsBudget, activation_bytes) },
  { "weight_bytes", G_STRUCT_OFFSET (BsBudget, weight_bytes) },
  { "macs", G_STRUCT_OFFSET (BsBudget, macs) },
  { "input_bytes", G_STRUCT_OFFSET (BsBudget, input_bytes) },
};

static const struct
{
  const char *suffix;
  uint64_t factor;
} suffixes[] = {
  { "", 1 },
  { "k", 1000 }, { "M", 1000000 }, { "G", 1000000000 }, { "T", 1000000000000 },
  { "Ki", (uint64_t) 1 << 10 }, { "Mi", (uint64_t) 1 << 20 }, { "Gi", (uint64_t) 1 << 30 },
  { "Ti", (uint64_t) 1 << 40 },
};

static uint64_t *
budget_field (BsBudget *budget, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (budget_keys); i++)
    if (strcmp (key, budget_keys[i].key) == 0)
      return G_STRUCT_MEMBER_P (budget, budget_keys[i].offset);
  return NULL;
}

/* "64G" -> 64000000000; FALSE for anything else, or a value above 2^64 - 1. */
static gboolean
parse_amount (const char *text, uint64_t *out)
{
  const char *digits_end = text;
  g_autofree char *digits = NULL;
  guint64 n;

  while (g_ascii_isdigit (*digits_end))
    digits_end++;
  digits = g_strndup (text, (gsize) (digits_end - text));
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &n, NULL))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (strcmp (digits_end, suffixes[i].suffix) == 0)
      return g_uint64_checked_mul (out, n, suffixes[i].factor);
  return FALSE;
}

static gboolean G_GNUC_PRINTF (2, 3)
bad_value (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, message);
  return FALSE;
}

gboolean
bs_budget_parse (BsBudget *budget, const char *text, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      char *item = g_strstrip (items[i]);
      char *eq = strchr (item, '=');
      uint64_t *field;

      if (*item == '\0')
        continue;
      if (eq == NULL)
        return bad_value (error, "budget '%s': expected KEY=VALUE", item);
      *eq = '\0';
      field = budget_field (budget, g_strstrip (item));
      if (field == NULL)
        return bad_value (error, "budget: unknown key '%s' (expected activation_bytes, "
                          "weight_bytes, macs or input_bytes)", item);
      if (!parse_amount (g_strstrip (eq + 1), field))
        return bad_value (error, "budget %s: '%s' is not a count such as 5000000, 64G or "
                          "2Gi", item, eq + 1);
    }
  return TRUE;
}

gboolean
bs_budget_get (BsBudget *budget, GError **error)
{
  const char *env = g_getenv ("BS_BUDGET");

  *budget = defaults;
  if (env == NULL || bs_budget_parse (budget, env, error))
    return TRUE;
  g_prefix_error (error, "environment variable BS_BUDGET: ");
  return FALSE;
}

static uint64_t
saturating_add (uint64_t a, uint64_t b)
{
  uint64_t sum;

  return g_uint64_checked_add (&sum, a, b) ? sum : G_MAXUINT64;
}

static uint64_t
shape_elements (BsShape s)
{
  return (uint64_t) s.c * (uint64_t) s.h * (uint64_t) s.w;
}

/* "model: needs <what>, over the budget of <limit> (<key>; ...)" */
static gboolean G_GNUC_PRINTF (4, 5)
over_budget (GError **error, const char *key, uint64_t limit, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID,
               "model: needs %s, over the budget of %" G_GUINT64_FORMAT " (%s; raise it "
               "with BS_BUDGET=%s=N)", what, limit, key, key);
  return FALSE;
}

gboolean
bs_model_check_budget (const BsModel *model, const BsBudget *budget, GError **error)
{
  uint64_t weight_bytes = 0, activations = shape_elements (model->input_shape), macs = 0;
  uint64_t activation_bytes;

  for (guint i = 0; i < model->tensors->len; i++)
    weight_bytes = saturating_add (weight_bytes, bs_model_tensor (model, (int) i)->n_bytes);
  if (weight_bytes > budget->weight_bytes)
    return over_budget (error, "weight_bytes", budget->weight_bytes,
                        "%" G_GUINT64_FORMAT " bytes of weights", weight_bytes);
  /* Each layer's MACs are at most 2^28 outputs times its weight count, which the weight
   * budget has just bounded, so only the sum can overflow. */
  for (int i = 0; i < bs_model_n_layers (model); i++)
    {
      BsCounts c;

      bs_layer_counts (model, i, &c);
      macs = saturating_add (macs, saturating_add (c.binary_macs, bs_counts_fixed_macs (&c)));
      activations = saturating_add (activations, shape_elements (bs_model_layer (model, i)->out_shape));
    }
  if (!g_uint64_checked_mul (&activation_bytes, activations, 4))
    activation_bytes = G_MAXUINT64;
  if (activation_bytes > budget->activation_bytes)
    return over_budget (error, "activation_bytes", budget->activation_bytes,
                        "%" G_GUINT64_FORMAT " bytes of activations (4 bytes x %"
                        G_GUINT64_FORMAT " elements: the input and every layer output)",
                        activation_bytes, activations);
  if (macs > budget->macs)
    return over_budget (error, "macs", budget->macs, "%" G_GUINT64_FORMAT " MACs per "
                        "inference", macs);
  return TRUE;
}

gboolean
bs_budget_check_input (uint64_t n_bytes, const char *what, GQuark domain, int code,
                       GError **error)
{
  g_autoptr(GError) local_error = NULL;
  BsBudget budget;

  if (!bs_budget_get (&budget, &local_error))
    {
      g_set_error (error, domain, code, "%s: cannot check the input budget: %s", what,
                   local_error->message);
      return FALSE;
    }
  if (n_bytes <= budget.input_bytes)
    return TRUE;
  g_set_error (error, domain, code, "%s: %" G_GUINT64_FORMAT " bytes, over the input budget "
               "of %" G_GUINT64_FORMAT " (input_bytes; raise it with BS_BUDGET=input_bytes=N)",
               what, n_bytes, budget.input_bytes);
  return FALSE;
}
