/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-model-validate.c: bs_model_validate() (docs/model-format.md, sections 4–6).
 *
 * Models are built in memory; each rule is broken by one mutation of a valid model and
 * must be refused with BS_MODEL_ERROR_INVALID and a message naming the layer (or
 * tensor, module, model) and the reason. The overflow bounds are tested exactly at
 * their edges.
 */
#include "bs-budget.h"
#include "bs-counts.h"
#include "bs-model.h"

#include <string.h>

#include "bs-test-models.h"


/* Access by name, for mutations. */

static BsLayer *
L (BsModel *m, const char *name)
{
  int i = bs_model_find_layer (m, name);

  g_assert_cmpint (i, >=, 0);
  return bs_model_layer (m, i);
}

static BsTensor *
T (BsModel *m, const char *name)
{
  int i = bs_model_find_tensor (m, name);

  g_assert_cmpint (i, >=, 0);
  return &g_array_index (m->tensors, BsTensor, i);
}

static void
assert_invalid (BsModel *m, const char *needle1, const char *needle2)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (bs_model_validate (m, &error));
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID);
  if (needle1 != NULL && strstr (error->message, needle1) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, needle1);
  if (needle2 != NULL && strstr (error->message, needle2) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, needle2);
}

static void
assert_valid (BsModel *m)
{
  g_autoptr(GError) error = NULL;

  if (!bs_model_validate (m, &error))
    g_error ("unexpected: %s", error->message);
}

static void
assert_shape (BsShape s, int c, int h, int w)
{
  g_assert_cmpint (s.c, ==, c);
  g_assert_cmpint (s.h, ==, h);
  g_assert_cmpint (s.w, ==, w);
}

static void
set_name (char **field, const char *name)
{
  g_free (*field);
  *field = g_strdup (name);
}

/* Shape and type inference on the reference models. */

static void
test_infer_blend (void)
{
  g_autoptr(BsModel) m = build_blend_model ();
  const struct { const char *layer; int c, h, w; BsActType type; } expected[] = {
    { "quant", 3, 8, 8, BS_ACT_I8 },
    { "stem.conv", 4, 8, 8, BS_ACT_I32 },
    { "stem.bn", 4, 8, 8, BS_ACT_I8 },
    { "stage1.0.main.sign", 4, 8, 8, BS_ACT_BITS },
    { "stage1.0.main.conv", 4, 4, 4, BS_ACT_I32 },   /* (8 + 2 - 3) / 2 + 1 */
    { "stage1.0.main.bn", 4, 4, 4, BS_ACT_I16 },
    { "stage1.0.skip.conv", 4, 4, 4, BS_ACT_I32 },   /* (8 - 1) / 2 + 1 */
    { "stage1.0.skip.bn", 4, 4, 4, BS_ACT_I16 },
    { "stage1.0.merge.add", 4, 4, 4, BS_ACT_I32 },
    { "stage1.0.merge.bn", 4, 4, 4, BS_ACT_I8 },
    { "pool", 4, 2, 2, BS_ACT_I8 },
    { "cat", 8, 2, 2, BS_ACT_I8 },
    { "gap", 8, 1, 1, BS_ACT_I8 },
    { "fc", 10, 1, 1, BS_ACT_I32 },
  };

  assert_valid (m);
  g_assert_cmpint (bs_model_n_layers (m), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const BsLayer *layer = bs_model_layer (m, (int) i);

      g_assert_cmpstr (layer->name, ==, expected[i].layer);
      assert_shape (layer->out_shape, expected[i].c, expected[i].h, expected[i].w);
      g_assert_cmpint (layer->out_type, ==, expected[i].type);
    }
  /* Inputs are the producers' outputs. */
  assert_shape (L (m, "quant")->in_shape[0], 3, 8, 8);
  g_assert_cmpint (L (m, "quant")->in_type[0], ==, BS_ACT_U8);
  g_assert_cmpint (L (m, "stage1.0.merge.add")->in_type[0], ==, BS_ACT_I16);
  g_assert_cmpint (L (m, "stage1.0.merge.add")->in_type[1], ==, BS_ACT_I16);
  assert_shape (bs_model_output_shape (m), 10, 1, 1);

  /* Validation is idempotent. */
  assert_valid (m);
  assert_shape (bs_model_output_shape (m), 10, 1, 1);
}

static void
test_infer_mixer (void)
{
  g_autoptr(BsModel) m = build_mixer_model ();

  assert_valid (m);
  assert_shape (L (m, "therm")->out_shape, 16, 4, 4);        /* 2 channels x 8 levels */
  g_assert_cmpint (L (m, "therm")->out_type, ==, BS_ACT_BITS);
  assert_shape (L (m, "tokens")->out_shape, 16, 16, 1);      /* (H·W, C, 1) */
  g_assert_cmpint (L (m, "tokens")->out_type, ==, BS_ACT_BITS);
  assert_shape (L (m, "token.fc")->out_shape, 8, 16, 1);
  assert_shape (L (m, "token.bn")->out_shape, 8, 16, 1);
  g_assert_cmpint (L (m, "token.bn")->out_type, ==, BS_ACT_I8);
  assert_shape (L (m, "channels")->out_shape, 16, 8, 1);
  g_assert_cmpint (L (m, "channels")->out_type, ==, BS_ACT_I8);
  assert_shape (bs_model_output_shape (m), 3, 8, 1);
}

static void
test_no_layers (void)
{
  g_autoptr(BsModel) m = bs_model_new ("empty", (BsShape) { 3, 8, 8 });

  assert_invalid (m, "model: no layers", NULL);
}

/* Output shapes for stride, pad and kernel combinations, against the spec's formula. */
static void
test_conv_geometry (void)
{
  const struct { int h, w, k, s, p; } cases[] = {
    { 8, 8, 3, 1, 1 }, { 8, 8, 3, 3, 0 }, { 7, 5, 3, 2, 1 }, { 1, 1, 3, 1, 1 },
    { 15, 15, 15, 1, 0 }, { 9, 4, 5, 8, 4 }, { 2, 3, 1, 8, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BsModel) m = bs_model_new ("geom", (BsShape) { 2, cases[i].h, cases[i].w });
      int q = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
      int c = add_conv (m, "c", BS_LAYER_CONV_FIXED, BS_PATH_MAIN, q, 2, 3, cases[i].k, cases[i].s,
                        cases[i].p, 8, FALSE);
      int ho = (cases[i].h + 2 * cases[i].p - cases[i].k) / cases[i].s + 1;
      int wo = (cases[i].w + 2 * cases[i].p - cases[i].k) / cases[i].s + 1;

      assert_valid (m);
      assert_shape (bs_model_layer (m, c)->out_shape, 3, ho, wo);
    }
}

/* Mutations of the Blend model, each breaking one rule. */

typedef void (*Mutate) (BsModel *m);

typedef struct
{
  const char *test;
  Mutate mutate;
  const char *needle1;
  const char *needle2;
} Case;

static void m_input_zero (BsModel *m) { m->input_shape.h = 0; }
static void m_input_negative (BsModel *m) { m->input_shape.c = -3; }
static void m_input_huge (BsModel *m) { m->input_shape = (BsShape) { 32768, 32768, 32768 }; }
static void m_input_over (BsModel *m) { m->input_shape = (BsShape) { 1, 16385, 16384 }; }
static void m_name_empty (BsModel *m) { set_name (&L (m, "gap")->name, ""); }
static void m_name_semicolon (BsModel *m) { set_name (&L (m, "gap")->name, "g;ap"); }
static void m_name_bracket (BsModel *m) { set_name (&L (m, "gap")->name, "g]ap"); }
static void m_name_space (BsModel *m) { set_name (&L (m, "gap")->name, "gap "); }
static void m_name_control (BsModel *m) { set_name (&L (m, "gap")->name, "g\tap"); }
static void m_name_not_utf8 (BsModel *m) { set_name (&L (m, "gap")->name, "g\xff"); }
static void m_name_null (BsModel *m) { set_name (&L (m, "gap")->name, NULL); }
static void m_name_dup (BsModel *m) { set_name (&L (m, "gap")->name, "cat"); }
static void m_name_input (BsModel *m) { set_name (&L (m, "gap")->name, "input"); }
static void m_tensor_dup (BsModel *m) { set_name (&T (m, "fc.bias")->name, "fc.weight"); }
static void m_tensor_bad_name (BsModel *m) { set_name (&T (m, "fc.bias")->name, "[fc]"); }
static void m_tensor_bytes (BsModel *m) { T (m, "stem.conv.weight")->n_bytes = 107; }
static void m_tensor_dims0 (BsModel *m) { T (m, "stem.conv.weight")->n_dims = 0; }
static void m_tensor_dims5 (BsModel *m) { T (m, "stem.conv.weight")->n_dims = 5; }
static void m_tensor_dim_zero (BsModel *m) { T (m, "stem.conv.weight")->dims[2] = 0; }
static void m_tensor_dim_huge (BsModel *m) { T (m, "stem.conv.weight")->dims[0] = G_MAXINT64; }
static void m_tensor_dtype (BsModel *m) { T (m, "stem.conv.weight")->dtype = 9; }
static void m_tensor_no_data (BsModel *m) { T (m, "stem.conv.weight")->data = NULL; }
static void m_module_kind (BsModel *m) { set_name (&g_array_index (m->modules, BsModule, 0).kind, "bottleneck"); }
static void m_module_dup (BsModel *m) { bs_model_add_module (m, "stage1.0", "blend"); }
static void m_module_index (BsModel *m) { L (m, "gap")->module = 5; }
static void m_module_negative (BsModel *m) { L (m, "gap")->module = -7; }
static void m_kind_range (BsModel *m) { L (m, "gap")->kind = BS_LAYER_N_KINDS; }
static void m_kind_negative (BsModel *m) { L (m, "gap")->kind = -1; }
static void m_precision_range (BsModel *m) { L (m, "gap")->precision = 3; }
static void m_path_range (BsModel *m) { L (m, "gap")->path = 5; }
static void m_unused_kernel (BsModel *m) { L (m, "stage1.0.main.sign")->kernel = 3; }
static void m_unused_wbits (BsModel *m) { L (m, "stage1.0.main.conv")->wbits = 8; }
static void m_unused_relu (BsModel *m) { L (m, "stem.conv")->relu = TRUE; }
static void m_unused_weights (BsModel *m) { L (m, "stem.bn")->weights = 0; }
static void m_unused_bias (BsModel *m) { L (m, "stage1.0.main.conv")->bias = 1; }
static void m_unused_levels (BsModel *m) { L (m, "gap")->levels = 32; }
static void m_unused_slot (BsModel *m) { L (m, "gap")->inputs[1] = 0; }
static void m_inputs_zero (BsModel *m) { L (m, "gap")->n_inputs = 0; }
static void m_inputs_two (BsModel *m) { L (m, "gap")->n_inputs = 2; L (m, "gap")->inputs[1] = 0; }
static void m_inputs_one (BsModel *m) { L (m, "stage1.0.merge.add")->n_inputs = 1; L (m, "stage1.0.merge.add")->inputs[1] = BS_NONE; }
static void m_inputs_three (BsModel *m) { L (m, "gap")->n_inputs = 3; }
static void m_input_self (BsModel *m) { L (m, "gap")->inputs[0] = bs_model_find_layer (m, "gap"); }
static void m_input_later (BsModel *m) { L (m, "gap")->inputs[0] = bs_model_find_layer (m, "fc"); }
static void m_input_out_of_range (BsModel *m) { L (m, "gap")->inputs[0] = 999; }
static void m_input_negative_index (BsModel *m) { L (m, "gap")->inputs[0] = -5; }
static void m_prec_binary_conv (BsModel *m) { L (m, "stage1.0.main.conv")->precision = BS_PRECISION_FIXED; }
static void m_prec_fixed_conv (BsModel *m) { L (m, "stem.conv")->precision = BS_PRECISION_BINARY; }
static void m_prec_float (BsModel *m) { L (m, "stem.bn")->precision = BS_PRECISION_FLOAT; }
static void m_prec_sign (BsModel *m) { L (m, "stage1.0.main.sign")->precision = BS_PRECISION_FIXED; }
static void m_prec_concat_ints (BsModel *m) { L (m, "cat")->precision = BS_PRECISION_BINARY; }
static void m_quantize_i8 (BsModel *m) { L (m, "stage1.0.main.sign")->kind = BS_LAYER_QUANTIZE_INPUT; L (m, "stage1.0.main.sign")->precision = BS_PRECISION_FIXED; }
static void m_out_channels_zero (BsModel *m) { L (m, "stem.conv")->out_channels = 0; }
static void m_out_channels_big (BsModel *m) { L (m, "fc")->out_channels = 65537; }
static void m_kernel_zero (BsModel *m) { L (m, "stem.conv")->kernel = 0; }
static void m_kernel_big (BsModel *m) { L (m, "stem.conv")->kernel = 16; }
static void m_stride_zero (BsModel *m) { L (m, "stem.conv")->stride = 0; }
static void m_stride_big (BsModel *m) { L (m, "stem.conv")->stride = 9; }
static void m_pad_negative (BsModel *m) { L (m, "stem.conv")->pad = -1; }
static void m_pad_kernel (BsModel *m) { L (m, "stem.conv")->pad = 3; }
static void m_wbits_zero (BsModel *m) { L (m, "stem.conv")->wbits = 0; }
static void m_wbits_7 (BsModel *m) { L (m, "stem.conv")->wbits = 7; }
static void m_wbits_32 (BsModel *m) { L (m, "fc")->wbits = 32; }
static void m_wbits_dtype (BsModel *m) { L (m, "stem.conv")->wbits = 16; }
static void m_weights_none (BsModel *m) { L (m, "stem.conv")->weights = BS_NONE; }
static void m_weights_index (BsModel *m) { L (m, "stem.conv")->weights = 999; }
static void m_weights_dtype_binary (BsModel *m) { L (m, "stage1.0.main.conv")->weights = bs_model_find_tensor (m, "stem.conv.weight"); }
static void m_weights_count (BsModel *m) { L (m, "stem.conv")->out_channels = 3; }
static void m_bias_dtype (BsModel *m) { L (m, "stem.conv")->bias = bs_model_find_tensor (m, "stem.bn.add"); }
static void m_bias_count (BsModel *m) { L (m, "fc")->bias = bs_model_find_tensor (m, "stem.conv.bias"); }
static void m_kernel_too_big (BsModel *m) { L (m, "pool")->kernel = 5; }
static void m_conv_kernel_too_big (BsModel *m) { BsLayer *fc = L (m, "fc"); fc->kind = BS_LAYER_CONV_FIXED; fc->kernel = 3; fc->stride = 1; }
static void m_conv_u8 (BsModel *m) { L (m, "stem.conv")->inputs[0] = BS_INPUT_MODEL; }
static void m_conv_bits (BsModel *m) { L (m, "stage1.0.skip.conv")->inputs[0] = bs_model_find_layer (m, "stage1.0.main.sign"); }
static void m_binary_int (BsModel *m) { L (m, "stage1.0.main.conv")->inputs[0] = bs_model_find_layer (m, "stem.bn"); }
static void m_out_bits (BsModel *m) { L (m, "stem.bn")->out_bits = 5; }
static void m_bn_mul_dtype (BsModel *m) { L (m, "stem.bn")->bn_mul = bs_model_find_tensor (m, "stem.bn.add"); }
static void m_bn_add_dtype (BsModel *m) { L (m, "stem.bn")->bn_add = bs_model_find_tensor (m, "stem.bn.mul"); }
static void m_bn_shift_count (BsModel *m) { L (m, "stem.bn")->bn_shift = bs_model_find_tensor (m, "stem.conv.weight"); }
static void m_bn_missing (BsModel *m) { L (m, "stem.bn")->bn_add = BS_NONE; }
static void m_bn_bits (BsModel *m) { L (m, "stage1.0.main.bn")->inputs[0] = bs_model_find_layer (m, "stage1.0.main.sign"); }
static void m_bn_u8 (BsModel *m) { L (m, "stem.bn")->inputs[0] = BS_INPUT_MODEL; }
static void m_sign_bits (BsModel *m) { BsLayer *gap = L (m, "gap"); gap->kind = BS_LAYER_SIGN; gap->precision = BS_PRECISION_BINARY; gap->inputs[0] = bs_model_find_layer (m, "stage1.0.main.sign"); }
static void m_sign_u8 (BsModel *m) { L (m, "stage1.0.main.sign")->inputs[0] = BS_INPUT_MODEL; }
static void m_add_shape (BsModel *m) { L (m, "stage1.0.merge.add")->inputs[1] = bs_model_find_layer (m, "stem.bn"); }
static void m_add_bits (BsModel *m) { L (m, "stage1.0.merge.add")->inputs[0] = bs_model_find_layer (m, "stage1.0.main.sign"); }
static void m_pool_bits (BsModel *m) { L (m, "pool")->inputs[0] = bs_model_find_layer (m, "stage1.0.main.sign"); }
static void m_gap_u8 (BsModel *m) { L (m, "gap")->inputs[0] = BS_INPUT_MODEL; }
static void m_concat_types (BsModel *m) { L (m, "cat")->inputs[1] = bs_model_find_layer (m, "stage1.0.merge.add"); L (m, "cat")->inputs[0] = bs_model_find_layer (m, "stage1.0.merge.bn"); }
static void m_concat_size (BsModel *m) { L (m, "cat")->inputs[1] = bs_model_find_layer (m, "stage1.0.merge.bn"); }
static void m_fc_channels (BsModel *m) { L (m, "fc")->inputs[0] = bs_model_find_layer (m, "pool"); }
static void m_fc_binary_int (BsModel *m) { L (m, "fc")->kind = BS_LAYER_FC_BINARY; L (m, "fc")->precision = BS_PRECISION_BINARY; L (m, "fc")->wbits = 0; L (m, "fc")->bias = BS_NONE; }
static void m_output_bits (BsModel *m) { add_layer (m, "out", BS_LAYER_SIGN, BS_PATH_HEAD, bs_model_n_layers (m) - 1, NO_INPUT); }
static void m_output_u8 (BsModel *m) { add_layer (m, "out", BS_LAYER_TRANSPOSE, BS_PATH_HEAD, BS_INPUT_MODEL, NO_INPUT); }
static void m_label_empty (BsModel *m) { set_name (&m->labels[2], ""); }
static void m_label_not_utf8 (BsModel *m) { set_name (&m->labels[2], "\xc3"); }
static void m_model_name (BsModel *m) { set_name (&m->name, NULL); }
static void m_description (BsModel *m) { set_name (&m->description, "\xff"); }
static void m_provenance_key (BsModel *m) { g_hash_table_insert (m->provenance, g_strdup ("a=b"), g_strdup ("x")); }
static void m_provenance_comment (BsModel *m) { g_hash_table_insert (m->provenance, g_strdup ("#x"), g_strdup ("x")); }
static void m_u1_padding (BsModel *m)
{
  /* 2 × 15 bits = 30 bits in 4 bytes: the top 2 bits of the last byte are unused. */
  int64_t dims[2] = { 2, 15 };
  guint8 bits[4] = { 0, 0, 0, 0x40 };

  bs_model_add_tensor (m, "padded", BS_DTYPE_U1, 2, dims, bits, 4);
}

#define INV(name) "layer '" name "'"

static const Case rule_cases[] = {
  { "input-zero", m_input_zero, "model: input shape (3, 0, 8)" },
  { "input-negative", m_input_negative, "model: input shape (-3, 8, 8)" },
  { "input-huge", m_input_huge, "model: input shape", "2^28" },
  { "input-over", m_input_over, "model: input shape", "2^28" },
  { "name-empty", m_name_empty, "layer ''", "invalid name" },
  { "name-semicolon", m_name_semicolon, "layer 'g;ap'", "invalid name" },
  { "name-bracket", m_name_bracket, "layer 'g]ap'", "invalid name" },
  { "name-space", m_name_space, "layer 'gap '", "invalid name" },
  { "name-control", m_name_control, "layer 'g\\tap'", "invalid name" },
  { "name-not-utf8", m_name_not_utf8, "layer 'g\\377'", "invalid name" },
  { "name-null", m_name_null, "layer '(null)'", "invalid name" },
  { "name-duplicated", m_name_dup, "layer 'cat'", "used twice" },
  { "name-input", m_name_input, "layer 'input'", "reserved" },
  { "tensor-name-duplicated", m_tensor_dup, "tensor 'fc.weight'", "used twice" },
  { "tensor-name-invalid", m_tensor_bad_name, "tensor '[fc]'", "invalid name" },
  { "tensor-bytes", m_tensor_bytes, "tensor 'stem.conv.weight'", "107 bytes, but 108 elements of i8 need 108" },
  { "tensor-no-dims", m_tensor_dims0, "tensor 'stem.conv.weight'", "1 to 4 dimensions" },
  { "tensor-five-dims", m_tensor_dims5, "tensor 'stem.conv.weight'", "1 to 4 dimensions" },
  { "tensor-zero-dim", m_tensor_dim_zero, "tensor 'stem.conv.weight'", "at least 1" },
  { "tensor-huge-dim", m_tensor_dim_huge, "tensor 'stem.conv.weight'", "2^64" },
  { "tensor-dtype", m_tensor_dtype, "tensor 'stem.conv.weight'", "unknown dtype 9" },
  { "tensor-no-data", m_tensor_no_data, "tensor 'stem.conv.weight'", "no data" },
  { "tensor-u1-padding", m_u1_padding, "tensor 'padded'", "unused bits" },
  { "module-kind", m_module_kind, "module 'stage1.0'", "unknown kind 'bottleneck'" },
  { "module-duplicated", m_module_dup, "module 'stage1.0'", "used twice" },
  { "module-index", m_module_index, "layer 'gap' (global_avgpool)", "module index 5" },
  { "module-negative", m_module_negative, "layer 'gap' (global_avgpool)", "module index -7" },
  { "kind-range", m_kind_range, "layer 'gap' (?)", "unknown kind 13" },
  { "kind-negative", m_kind_negative, "layer 'gap' (?)", "unknown kind -1" },
  { "precision-range", m_precision_range, "layer 'gap' (global_avgpool)", "unknown precision 3" },
  { "path-range", m_path_range, "layer 'gap' (global_avgpool)", "unknown path 5" },
  { "unused-kernel", m_unused_kernel, "layer 'stage1.0.main.sign' (sign)", "'kernel' does not apply" },
  { "unused-wbits", m_unused_wbits, "layer 'stage1.0.main.conv' (conv_binary)", "'wbits' does not apply" },
  { "unused-relu", m_unused_relu, "layer 'stem.conv' (conv_fixed)", "'relu' does not apply" },
  { "unused-weights", m_unused_weights, "layer 'stem.bn' (batchnorm)", "'weights' does not apply" },
  { "unused-bias", m_unused_bias, "layer 'stage1.0.main.conv' (conv_binary)", "'bias' does not apply" },
  { "unused-levels", m_unused_levels, "layer 'gap' (global_avgpool)", "'levels' does not apply" },
  { "unused-input-slot", m_unused_slot, "layer 'gap' (global_avgpool)", "unused input slot 1" },
  { "inputs-zero", m_inputs_zero, "layer 'gap' (global_avgpool)", "0 inputs; this kind takes 1" },
  { "inputs-two", m_inputs_two, "layer 'gap' (global_avgpool)", "2 inputs; this kind takes 1" },
  { "inputs-one-for-add", m_inputs_one, "layer 'stage1.0.merge.add' (add)", "1 inputs; this kind takes 2" },
  { "inputs-three", m_inputs_three, "layer 'gap' (global_avgpool)", "3 inputs" },
  { "input-self", m_input_self, "layer 'gap' (global_avgpool)", "not an earlier layer" },
  { "input-later", m_input_later, "layer 'gap' (global_avgpool)", "not an earlier layer" },
  { "input-out-of-range", m_input_out_of_range, "layer 'gap' (global_avgpool)", "index 999" },
  { "input-negative-index", m_input_negative_index, "layer 'gap' (global_avgpool)", "index -5" },
  { "precision-binary-conv", m_prec_binary_conv, "layer 'stage1.0.main.conv' (conv_binary)", "precision 'fixed' does not match the kind (expected binary)" },
  { "precision-fixed-conv", m_prec_fixed_conv, "layer 'stem.conv' (conv_fixed)", "precision 'binary'" },
  { "precision-float", m_prec_float, "layer 'stem.bn' (batchnorm)", "precision 'float'" },
  { "precision-sign", m_prec_sign, "layer 'stage1.0.main.sign' (sign)", "expected binary" },
  { "precision-concat-ints", m_prec_concat_ints, "layer 'cat' (concat)", "precision 'binary'" },
  { "quantize-i8", m_quantize_i8, "layer 'stage1.0.main.sign' (quantize_input)", "input 'stem.bn' is i8; expected u8" },
  { "out-channels-zero", m_out_channels_zero, "layer 'stem.conv' (conv_fixed)", "out_channels 0 is out of range (1..65536)" },
  { "out-channels-big", m_out_channels_big, "layer 'fc' (fc_fixed)", "out_channels 65537" },
  { "kernel-zero", m_kernel_zero, "layer 'stem.conv' (conv_fixed)", "kernel 0 is out of range (1..15)" },
  { "kernel-big", m_kernel_big, "layer 'stem.conv' (conv_fixed)", "kernel 16" },
  { "stride-zero", m_stride_zero, "layer 'stem.conv' (conv_fixed)", "stride 0 is out of range (1..8)" },
  { "stride-big", m_stride_big, "layer 'stem.conv' (conv_fixed)", "stride 9" },
  { "pad-negative", m_pad_negative, "layer 'stem.conv' (conv_fixed)", "pad -1 is out of range (0..2)" },
  { "pad-kernel", m_pad_kernel, "layer 'stem.conv' (conv_fixed)", "pad 3" },
  { "wbits-zero", m_wbits_zero, "layer 'stem.conv' (conv_fixed)", "wbits 0 is not 4, 8 or 16" },
  { "wbits-7", m_wbits_7, "layer 'stem.conv' (conv_fixed)", "wbits 7" },
  { "wbits-32", m_wbits_32, "layer 'fc' (fc_fixed)", "wbits 32" },
  { "wbits-dtype", m_wbits_dtype, "layer 'stem.conv' (conv_fixed)", "weights tensor 'stem.conv.weight' is i8; expected i16" },
  { "weights-none", m_weights_none, "layer 'stem.conv' (conv_fixed)", "no weights tensor" },
  { "weights-index", m_weights_index, "layer 'stem.conv' (conv_fixed)", "weights tensor index 999" },
  { "weights-dtype-binary", m_weights_dtype_binary, "layer 'stage1.0.main.conv' (conv_binary)", "is i8; expected u1" },
  { "weights-count", m_weights_count, "layer 'stem.conv' (conv_fixed)", "has 108 elements; expected 81" },
  { "bias-dtype", m_bias_dtype, "layer 'stem.conv' (conv_fixed)", "bias tensor 'stem.bn.add' is i64; expected i32" },
  { "bias-count", m_bias_count, "layer 'fc' (fc_fixed)", "bias tensor 'stem.conv.bias' has 4 elements; expected 10" },
  { "pool-kernel-too-big", m_kernel_too_big, "layer 'pool' (avgpool)", "kernel 5 does not fit the 4x4 input (pad 0)" },
  { "conv-kernel-too-big", m_conv_kernel_too_big, "layer 'fc' (conv_fixed)", "kernel 3 does not fit the 1x1 input (pad 0)" },
  { "conv-u8", m_conv_u8, "layer 'stem.conv' (conv_fixed)", "input 'input' is u8; expected i4, i8, i16 or i32" },
  { "conv-bits", m_conv_bits, "layer 'stage1.0.skip.conv' (conv_fixed)", "input 'stage1.0.main.sign' is bits" },
  { "binary-conv-int", m_binary_int, "layer 'stage1.0.main.conv' (conv_binary)", "input 'stem.bn' is i8; expected bits" },
  { "out-bits", m_out_bits, "layer 'stem.bn' (batchnorm)", "out_bits 5 is not 4, 8, 16 or 32" },
  { "bn-mul-dtype", m_bn_mul_dtype, "layer 'stem.bn' (batchnorm)", "mul tensor 'stem.bn.add' is i64; expected i32" },
  { "bn-add-dtype", m_bn_add_dtype, "layer 'stem.bn' (batchnorm)", "add tensor 'stem.bn.mul' is i32; expected i64" },
  { "bn-shift-count", m_bn_shift_count, "layer 'stem.bn' (batchnorm)", "shift tensor 'stem.conv.weight' has 108 elements; expected 4" },
  { "bn-missing", m_bn_missing, "layer 'stem.bn' (batchnorm)", "no add tensor" },
  { "bn-bits", m_bn_bits, "layer 'stage1.0.main.bn' (batchnorm)", "input 'stage1.0.main.sign' is bits" },
  { "bn-u8", m_bn_u8, "layer 'stem.bn' (batchnorm)", "input 'input' is u8" },
  { "sign-bits", m_sign_bits, "layer 'gap' (sign)", "input 'stage1.0.main.sign' is bits" },
  { "sign-u8", m_sign_u8, "layer 'stage1.0.main.sign' (sign)", "input 'input' is u8" },
  { "add-shape", m_add_shape, "layer 'stage1.0.merge.add' (add)", "inputs 'stage1.0.main.bn' (4, 4, 4) and 'stem.bn' (4, 8, 8) differ in shape" },
  { "add-bits", m_add_bits, "layer 'stage1.0.merge.add' (add)", "input 'stage1.0.main.sign' is bits" },
  { "avgpool-bits", m_pool_bits, "layer 'pool' (avgpool)", "is bits" },
  { "global-avgpool-u8", m_gap_u8, "layer 'gap' (global_avgpool)", "is u8" },
  { "concat-types", m_concat_types, "layer 'cat' (concat)", "inputs 'stage1.0.merge.bn' (i8) and 'stage1.0.merge.add' (i32) differ in type" },
  { "concat-size", m_concat_size, "layer 'cat' (concat)", "inputs 'pool' (2x2) and 'stage1.0.merge.bn' (4x4) differ in size" },
  { "fc-channels", m_fc_channels, "layer 'fc' (fc_fixed)", "has 80 elements; expected 40" },
  { "fc-binary-int", m_fc_binary_int, "layer 'fc' (fc_binary)", "input 'gap' is i8; expected bits" },
  { "output-bits", m_output_bits, "layer 'out' (sign)", "the model output (last layer) is bits" },
  { "output-u8", m_output_u8, "layer 'out' (transpose)", "is u8" },
  { "label-empty", m_label_empty, "model: label 2" },
  { "label-not-utf8", m_label_not_utf8, "model: label 2" },
  { "model-name", m_model_name, "model: the name" },
  { "description", m_description, "model: the description" },
  { "provenance-key", m_provenance_key, "model: provenance key 'a=b'" },
  { "provenance-comment", m_provenance_comment, "model: provenance key '#x'" },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(BsModel) m = build_blend_model ();

  assert_valid (m);
  c->mutate (m);
  assert_invalid (m, c->needle1, c->needle2);
}

/* Precision of data-movement layers follows the data. */
static void
test_precision_data_movement (void)
{
  g_autoptr(BsModel) m = build_mixer_model ();
  g_autoptr(BsModel) b = build_blend_model ();

  /* Transpose of bits: binary or fixed; of integers: fixed only. */
  L (m, "tokens")->precision = BS_PRECISION_FIXED;
  assert_valid (m);
  L (m, "channels")->precision = BS_PRECISION_BINARY;
  assert_invalid (m, "layer 'channels' (transpose)", "precision 'binary'");

  /* Concat of bits tagged binary. */
  L (b, "cat")->inputs[0] = L (b, "cat")->inputs[1] = bs_model_find_layer (b, "stage1.0.main.sign");
  L (b, "cat")->precision = BS_PRECISION_BINARY;
  assert_invalid (b, "layer 'gap' (global_avgpool)", "input 'cat' is bits");
  g_assert_cmpint (L (b, "cat")->out_type, ==, BS_ACT_BITS);
  assert_shape (L (b, "cat")->out_shape, 8, 8, 8);
}

/* Small models around one fc_fixed: input (c, 1, 1) u8 → quantize (i8) → optional
 * batchnorm to in_bits → fc with the given weights and bias. */
static BsModel *
fc_model (int cin, int in_bits, int wbits, int cout, const int64_t *weights, const int64_t *bias)
{
  BsModel *m = bs_model_new ("fc", (BsShape) { cin, 1, 1 });
  int64_t wdims[2] = { cout, cin };
  int64_t bdims[1] = { cout };
  int64_t cdims[1] = { cin };
  g_autofree int64_t *ones = g_new (int64_t, cin);
  g_autofree int64_t *zeros = g_new0 (int64_t, cin);
  int in = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  int fc;

  for (int i = 0; i < cin; i++)
    ones[i] = 1;
  if (in_bits != 8)
    {
      BsLayer *bn;

      in = add_layer (m, "bn", BS_LAYER_BATCHNORM, BS_PATH_STEM, in, NO_INPUT);
      bn = bs_model_layer (m, in);
      bn->out_bits = in_bits;
      bn->bn_mul = tensor_values (m, "bn.mul", BS_DTYPE_I32, 1, cdims, ones);
      bn->bn_add = tensor_values (m, "bn.add", BS_DTYPE_I64, 1, cdims, zeros);
      bn->bn_shift = tensor_values (m, "bn.shift", BS_DTYPE_I8, 1, cdims, zeros);
    }
  fc = add_layer (m, "fc", BS_LAYER_FC_FIXED, BS_PATH_HEAD, in, NO_INPUT);
  bs_model_layer (m, fc)->out_channels = cout;
  bs_model_layer (m, fc)->wbits = wbits;
  bs_model_layer (m, fc)->weights = tensor_values (m, "fc.w", wbits == 16 ? BS_DTYPE_I16 : BS_DTYPE_I8,
                                                   2, wdims, weights);
  if (bias != NULL)
    bs_model_layer (m, fc)->bias = tensor_values (m, "fc.b", BS_DTYPE_I32, 1, bdims, bias);
  return m;
}

/* Symmetric ranges: ±(2^(wbits−1) − 1), never −2^(wbits−1). */
static void
test_weight_ranges (void)
{
  const struct { int wbits; int64_t w; gboolean ok; } cases[] = {
    { 4, 7, TRUE }, { 4, -7, TRUE }, { 4, 8, FALSE }, { 4, -8, FALSE }, { 4, 127, FALSE },
    { 8, 127, TRUE }, { 8, -127, TRUE }, { 8, -128, FALSE },
    { 16, 32767, TRUE }, { 16, -32767, TRUE }, { 16, -32768, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int64_t w[2] = { 0, cases[i].w };
      g_autoptr(BsModel) m = fc_model (2, 4, cases[i].wbits, 1, w, NULL);
      g_autofree char *needle = g_strdup_printf ("weight %" G_GINT64_FORMAT " at element 1 of 'fc.w' "
                                                 "is outside the %d-bit range", cases[i].w,
                                                 cases[i].wbits);

      if (cases[i].ok)
        assert_valid (m);
      else
        assert_invalid (m, "layer 'fc' (fc_fixed)", needle);
    }
}

/* max|x|·Σ|w| + |bias| ≤ 2^31 − 1, exactly at the edge, for each input type. */
static void
test_accumulator_bound (void)
{
  const struct { int in_bits; int64_t max_x; } types[] = {
    { 4, 8 }, { 8, 128 }, { 16, 32768 },
  };

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    for (int sign = -1; sign <= 1; sign += 2)
      {
        /* Two channels; channel 1 carries the bound, channel 0 is harmless. */
        int64_t w[4] = { 1, -1, 32767, -32767 };
        int64_t edge = G_MAXINT32 - types[t].max_x * 2 * 32767;
        int64_t bias_ok[2] = { 0, sign * edge };
        int64_t bias_over[2] = { 0, sign * (edge + 1) };
        g_autoptr(BsModel) ok = NULL;
        g_autoptr(BsModel) over = NULL;

        if (edge < 0)
          {
            /* i16 × 2·32767 exceeds the bound whatever the bias. */
            over = fc_model (2, types[t].in_bits, 16, 2, w, NULL);
            assert_invalid (over, "layer 'fc' (fc_fixed)", "output channel 1 can overflow");
            continue;
          }
        ok = fc_model (2, types[t].in_bits, 16, 2, w, bias_ok);
        over = fc_model (2, types[t].in_bits, 16, 2, w, bias_over);
        assert_valid (ok);
        assert_invalid (over, "layer 'fc' (fc_fixed)", "output channel 1 can overflow the int32 accumulator");
      }
}

static void
test_accumulator_i16_edge (void)
{
  /* i16: 32768 · 2 · 32767 = 2^31 − 65536, so |bias| may be at most 65535. */
  int64_t w[2] = { 32767, 32767 };
  int64_t bias_ok[1] = { -65535 };
  int64_t bias_over[1] = { 65536 };
  g_autoptr(BsModel) ok = fc_model (2, 16, 16, 1, w, bias_ok);
  g_autoptr(BsModel) over = fc_model (2, 16, 16, 1, w, bias_over);

  assert_valid (ok);
  assert_invalid (over, "layer 'fc' (fc_fixed)", "output channel 0 can overflow");
}

static void
test_accumulator_i32 (void)
{
  int64_t zero[1] = { 0 };
  int64_t one[1] = { 1 };
  int64_t bias_max[1] = { G_MAXINT32 };
  int64_t bias_min[1] = { G_MININT32 };
  g_autoptr(BsModel) zero_ok = fc_model (1, 32, 8, 1, zero, bias_max);
  g_autoptr(BsModel) one_bad = fc_model (1, 32, 8, 1, one, NULL);
  g_autoptr(BsModel) min_bad = fc_model (1, 32, 8, 1, zero, bias_min);

  /* An i32 input (max|x| = 2^31) allows only zero weights. */
  assert_valid (zero_ok);
  assert_invalid (one_bad, "layer 'fc' (fc_fixed)", "max|x| 2147483648 x sum|w| 1");
  /* |−2^31| = 2^31 > 2^31 − 1, as the spec's formula says. */
  assert_invalid (min_bad, "layer 'fc' (fc_fixed)", "|bias| 2147483648");
}

/* Binary weights: max|x| = 1 and Σ|w| is the fan-in, far from the bound here. */
static void
test_accumulator_binary (void)
{
  g_autoptr(BsModel) m = build_mixer_model ();

  assert_valid (m);
}

/* A batchnorm with an i32 input (max|x| = 2^31) and one channel. */
static BsModel *
bn_model (int64_t mul, int64_t add, int64_t shift)
{
  BsModel *m = bs_model_new ("bn", (BsShape) { 1, 1, 1 });
  int64_t dims[1] = { 1 };
  int64_t w[1] = { 0 };
  int q = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  int fc = add_layer (m, "fc", BS_LAYER_FC_FIXED, BS_PATH_MAIN, q, NO_INPUT);
  int bn = add_layer (m, "bn", BS_LAYER_BATCHNORM, BS_PATH_MAIN, fc, NO_INPUT);
  BsLayer *layer;

  bs_model_layer (m, fc)->out_channels = 1;
  bs_model_layer (m, fc)->wbits = 8;
  bs_model_layer (m, fc)->weights = tensor_values (m, "fc.w", BS_DTYPE_I8, 1, dims, w);
  layer = bs_model_layer (m, bn);
  layer->out_bits = 32;
  layer->bn_mul = tensor_values (m, "mul", BS_DTYPE_I32, 1, dims, &mul);
  layer->bn_add = tensor_values (m, "add", BS_DTYPE_I64, 1, dims, &add);
  layer->bn_shift = tensor_values (m, "shift", BS_DTYPE_I8, 1, dims, &shift);
  return m;
}

/* max|x|·|mul| + |add| + 2^(shift−1) ≤ 2^63 − 1, exactly at the edge. */
static void
test_batchnorm_bound (void)
{
  const int64_t x = (int64_t) 1 << 31;
  const int64_t mul = G_MAXINT32;
  /* 2^63 − 1 − 2^31·(2^31 − 1) − 2^0 */
  const int64_t edge = G_MAXINT64 - x * mul - 1;
  const struct { int64_t mul, add, shift; gboolean ok; const char *needle; } cases[] = {
    { mul, edge, 1, TRUE },
    { mul, -edge, 1, TRUE },
    { mul, edge + 1, 1, FALSE, "channel 0 can overflow int64" },
    { -mul, -(edge + 1), 1, FALSE, "channel 0 can overflow int64" },
    { mul, edge + 1, 0, TRUE },                      /* no rounding term at shift 0 */
    { G_MININT32, 0, 62, TRUE },                     /* 2^62 + 2^61 */
    { 0, G_MAXINT64, 0, TRUE },
    { 0, G_MININT64, 0, FALSE, "channel 0 can overflow int64" },   /* |−2^63| */
    { 0, G_MAXINT64, 1, FALSE, "channel 0 can overflow int64" },
    { 1, 0, 62, TRUE },
    { 1, 0, 63, FALSE, "shift 63 of channel 0 is out of range (0..62)" },
    { 1, 0, -1, FALSE, "shift -1 of channel 0 is out of range" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BsModel) m = bn_model (cases[i].mul, cases[i].add, cases[i].shift);

      g_test_message ("case %u", i);
      if (cases[i].ok)
        assert_valid (m);
      else
        assert_invalid (m, "layer 'bn' (batchnorm)", cases[i].needle);
    }
}

/* No activation may exceed 2^28 elements. */
static void
test_activation_limit (void)
{
  g_autoptr(BsModel) ok = bs_model_new ("limit", (BsShape) { 1, 4096, 1024 });
  g_autoptr(BsModel) over = bs_model_new ("limit", (BsShape) { 2, 4096, 1024 });
  g_autoptr(BsModel) conv_ok = bs_model_new ("limit", (BsShape) { 1, 64, 64 });
  g_autoptr(BsModel) conv_over = bs_model_new ("limit", (BsShape) { 1, 65, 64 });
  BsModel *models[] = { ok, over };

  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      int t = add_layer (models[i], "therm", BS_LAYER_THERMOMETER, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);

      bs_model_layer (models[i], t)->levels = 64;
      add_layer (models[i], "gap", BS_LAYER_GLOBAL_AVGPOOL, BS_PATH_HEAD, t, NO_INPUT);
    }
  /* 2^22 × 64 = 2^28 bits: allowed, but bits are not logits. */
  assert_invalid (ok, "layer 'gap' (global_avgpool)", "input 'therm' is bits");
  assert_shape (L (ok, "therm")->out_shape, 64, 4096, 1024);
  assert_invalid (over, "layer 'therm' (thermometer)", "output (128, 4096, 1024) exceeds 2^28 elements");

  /* 65536 channels × 64 × 64 = 2^28. */
  {
    BsModel *cm[] = { conv_ok, conv_over };

    for (guint i = 0; i < G_N_ELEMENTS (cm); i++)
      {
        int q = add_layer (cm[i], "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);

        add_conv (cm[i], "c", BS_LAYER_CONV_FIXED, BS_PATH_MAIN, q, 1, 65536, 1, 1, 0, 8, FALSE);
      }
    /* Over the default activation budget (test_budgets); this checks the cap alone. */
    g_setenv ("BS_BUDGET", "activation_bytes=2Gi", TRUE);
    assert_valid (conv_ok);
    g_unsetenv ("BS_BUDGET");
    assert_shape (bs_model_output_shape (conv_ok), 65536, 64, 64);
    assert_invalid (conv_over, "layer 'c' (conv_fixed)", "exceeds 2^28 elements");
  }
}

/* A chain of n 1x1 avgpools over a (c, 1024, 1024) input: no weights, n + 2 activations
 * of c·2^20 elements each, all under the 2^28 cap. */
static BsModel *
build_pool_chain (int c, int n)
{
  BsModel *m = bs_model_new ("chain", (BsShape) { c, 1024, 1024 });
  int prev = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("pool%d", i);

      prev = add_layer (m, name, BS_LAYER_AVGPOOL, BS_PATH_MAIN, prev, NO_INPUT);
      bs_model_layer (m, prev)->kernel = 1;
      bs_model_layer (m, prev)->stride = 1;
    }
  return m;
}

static void
assert_invalid_with_budget (BsModel *m, const char *budget, const char *needle1,
                            const char *needle2)
{
  if (budget != NULL)
    g_setenv ("BS_BUDGET", budget, TRUE);
  assert_invalid (m, needle1, needle2);
  g_unsetenv ("BS_BUDGET");
}

/* Activation memory, weight memory and MACs are each refused over their budget, with
 * the figure and the budget in the message; BS_BUDGET raises or lowers them. */
static void
test_budgets (void)
{
  /* 20 activations of 2^24 elements (64 MiB each in the interpreter), plus the input
   * and q: 22 · 2^26 bytes = 1.375 GiB from a model a few hundred bytes long. */
  g_autoptr(BsModel) chain = build_pool_chain (16, 20);
  g_autoptr(BsModel) small = build_pool_chain (1, 2);
  g_autoptr(BsModel) blend = build_blend_model ();
  g_autoptr(BsModel) one_huge = bs_model_new ("huge", (BsShape) { 1, 64, 64 });
  int q = add_layer (one_huge, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL,
                     NO_INPUT);

  /* One 2^28-element activation (the 90-second, 1.4 GB model of the issue). */
  add_conv (one_huge, "c", BS_LAYER_CONV_FIXED, BS_PATH_MAIN, q, 1, 65536, 1, 1, 0, 8, FALSE);

  assert_invalid (chain, "model: needs 1476395008 bytes of activations (4 bytes x 369098752",
                  "over the budget of 1073741824 (activation_bytes");
  assert_invalid (one_huge, "bytes of activations", "over the budget of 1073741824");
  g_setenv ("BS_BUDGET", "activation_bytes=1476395008", TRUE);
  assert_valid (chain);
  g_unsetenv ("BS_BUDGET");
  assert_valid (small);

  assert_valid (blend);
  assert_invalid_with_budget (blend, "weight_bytes=100", "model: needs 566 bytes of weights",
                              "over the budget of 100 (weight_bytes");
  assert_invalid_with_budget (blend, "macs=1k", "model: needs 9552 MACs per inference",
                              "over the budget of 1000 (macs");
  assert_invalid_with_budget (blend, "macs=lots", "BS_BUDGET", "'lots' is not a count");
  assert_invalid_with_budget (blend, "speed=3", "BS_BUDGET", "unknown key 'speed'");
}

/* A conv or FC with all-zero weights: what counts for the budgets is the size, and
 * zeros build fast and pass every range and accumulator check. */
static int
zero_conv (BsModel *m, const char *name, BsLayerKind kind, int in, int cin, int cout, int k,
           int stride)
{
  gboolean fc = kind == BS_LAYER_FC_FIXED || kind == BS_LAYER_FC_BINARY;
  gboolean binary = kind == BS_LAYER_CONV_BINARY || kind == BS_LAYER_FC_BINARY;
  int64_t dims[4] = { cout, cin, k, k };
  BsDType dtype = binary ? BS_DTYPE_U1 : BS_DTYPE_I8;
  uint64_t n_bytes = bs_dtype_n_bytes (dtype, (uint64_t) cout * cin * k * k);
  g_autofree guint8 *zeros = g_malloc0 (n_bytes);
  g_autofree char *wname = g_strconcat (name, ".weight", NULL);
  int i = add_layer (m, name, kind, BS_PATH_MAIN, in, NO_INPUT);
  BsLayer *layer = bs_model_layer (m, i);

  layer->weights = bs_model_add_tensor (m, wname, dtype, fc ? 2 : 4, dims, zeros, n_bytes);
  layer->out_channels = cout;
  layer->wbits = binary ? 0 : 8;
  if (!fc)
    {
      layer->kernel = k;
      layer->stride = stride;
      layer->pad = k / 2;
    }
  return i;
}

/* conv → batchnorm (int8, ReLU) */
static int
conv_bn (BsModel *m, const char *name, int in, int cin, int cout, int k, int stride)
{
  g_autofree char *bn = g_strconcat (name, ".bn", NULL);
  int conv = zero_conv (m, name, BS_LAYER_CONV_FIXED, in, cin, cout, k, stride);

  return add_batchnorm (m, bn, BS_PATH_MAIN, conv, cout, 8, TRUE);
}

/* ResNet-152 for 224x224 inputs with int8 convolutions (60 M weights; the 3x3 max pool
 * is a 2x2 average pool, the only pooling the format has). */
static BsModel *
build_resnet152 (void)
{
  static const int depth[4] = { 3, 8, 36, 3 };
  BsModel *m = bs_model_new ("resnet152", (BsShape) { 3, 224, 224 });
  int x = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  int cin = 64;

  x = conv_bn (m, "stem", x, 3, 64, 7, 2);
  x = add_layer (m, "pool", BS_LAYER_AVGPOOL, BS_PATH_STEM, x, NO_INPUT);
  bs_model_layer (m, x)->kernel = bs_model_layer (m, x)->stride = 2;
  for (int stage = 0; stage < 4; stage++)
    for (int b = 0; b < depth[stage]; b++)
      {
        int width = 64 << stage, stride = stage > 0 && b == 0 ? 2 : 1;
        g_autofree char *p = g_strdup_printf ("s%d.%d", stage, b);
        g_autofree char *n1 = g_strconcat (p, ".c1", NULL), *n2 = g_strconcat (p, ".c2", NULL);
        g_autofree char *n3 = g_strconcat (p, ".c3", NULL), *ns = g_strconcat (p, ".skip", NULL);
        g_autofree char *na = g_strconcat (p, ".add", NULL), *nb = g_strconcat (p, ".out", NULL);
        int main = conv_bn (m, n3, conv_bn (m, n2, conv_bn (m, n1, x, cin, width, 1, 1),
                                             width, width, 3, stride), width, 4 * width, 1, 1);
        int skip = b == 0 ? conv_bn (m, ns, x, cin, 4 * width, 1, stride) : x;

        x = add_batchnorm (m, nb, BS_PATH_MERGE,
                           add_layer (m, na, BS_LAYER_ADD, BS_PATH_MERGE, main, skip),
                           4 * width, 8, TRUE);
        cin = 4 * width;
      }
  x = add_layer (m, "gap", BS_LAYER_GLOBAL_AVGPOOL, BS_PATH_HEAD, x, NO_INPUT);
  zero_conv (m, "fc", BS_LAYER_FC_FIXED, x, 2048, 1000, 1, 1);
  return m;
}

/* sign → fc_binary → batchnorm */
static int
sign_fc_bn (BsModel *m, const char *name, int in, int cin, int cout)
{
  g_autofree char *sign = g_strconcat (name, ".sign", NULL);
  g_autofree char *bn = g_strconcat (name, ".bn", NULL);
  int s = add_layer (m, sign, BS_LAYER_SIGN, BS_PATH_MAIN, in, NO_INPUT);

  return add_batchnorm (m, bn, BS_PATH_MAIN,
                        zero_conv (m, name, BS_LAYER_FC_BINARY, s, cin, cout, 1, 1), cout, 8,
                        FALSE);
}

/* Binary MLP-Mixer-L/16 for 224x224 inputs: 196 tokens, 24 blocks, hidden 1024, token
 * MLP 512, channel MLP 4096. The format's largest stride is 8, so the 16x16 patches are
 * an 8x8 stride-8 conv and a 2x2 average pool. Tokens lie along H, channels along C. */
static BsModel *
build_mixer_l (void)
{
  BsModel *m = bs_model_new ("mixer-l", (BsShape) { 3, 224, 224 });
  int x = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);

  x = zero_conv (m, "patches", BS_LAYER_CONV_FIXED, x, 3, 1024, 8, 8);
  bs_model_layer (m, x)->pad = 0;
  x = add_layer (m, "patches.pool", BS_LAYER_AVGPOOL, BS_PATH_STEM, x, NO_INPUT);
  bs_model_layer (m, x)->kernel = bs_model_layer (m, x)->stride = 2;
  x = add_batchnorm (m, "patches.bn", BS_PATH_STEM, x, 1024, 8, FALSE);
  x = add_layer (m, "tokens", BS_LAYER_TRANSPOSE, BS_PATH_STEM, x, NO_INPUT);      /* 196, 1024, 1 */
  x = add_layer (m, "channels", BS_LAYER_TRANSPOSE, BS_PATH_STEM, x, NO_INPUT);    /* 1024, 196, 1 */
  for (int b = 0; b < 24; b++)
    {
      g_autofree char *p = g_strdup_printf ("b%d", b);
      g_autofree char *t1 = g_strconcat (p, ".t1", NULL), *t2 = g_strconcat (p, ".t2", NULL);
      g_autofree char *tt = g_strconcat (p, ".tt", NULL), *tb = g_strconcat (p, ".tback", NULL);
      g_autofree char *ta = g_strconcat (p, ".tadd", NULL), *tn = g_strconcat (p, ".tbn", NULL);
      g_autofree char *c1 = g_strconcat (p, ".c1", NULL), *c2 = g_strconcat (p, ".c2", NULL);
      g_autofree char *ca = g_strconcat (p, ".cadd", NULL), *cn = g_strconcat (p, ".cbn", NULL);
      int t = add_layer (m, tt, BS_LAYER_TRANSPOSE, BS_PATH_MAIN, x, NO_INPUT);
      int y;

      t = sign_fc_bn (m, t2, sign_fc_bn (m, t1, t, 196, 512), 512, 196);
      t = add_layer (m, tb, BS_LAYER_TRANSPOSE, BS_PATH_MAIN, t, NO_INPUT);
      y = add_batchnorm (m, tn, BS_PATH_MERGE,
                         add_layer (m, ta, BS_LAYER_ADD, BS_PATH_MERGE, x, t), 1024, 8, FALSE);
      t = sign_fc_bn (m, c2, sign_fc_bn (m, c1, y, 1024, 4096), 4096, 1024);
      x = add_batchnorm (m, cn, BS_PATH_MERGE,
                         add_layer (m, ca, BS_LAYER_ADD, BS_PATH_MERGE, y, t), 1024, 8, FALSE);
    }
  x = add_layer (m, "gap", BS_LAYER_GLOBAL_AVGPOOL, BS_PATH_HEAD, x, NO_INPUT);
  zero_conv (m, "fc", BS_LAYER_FC_FIXED, x, 1024, 1000, 1, 1);
  return m;
}

/* The defaults hold the largest realistic networks for 224x224 ImageNet inputs. */
static void
test_budget_defaults (void)
{
  BsModel *(*builders[]) (void) = { build_resnet152, build_mixer_l };

  for (guint i = 0; i < G_N_ELEMENTS (builders); i++)
    {
      g_autoptr(BsModel) m = builders[i] ();
      BsCounts c;
      uint64_t weights = 0, activations = 3 * 224 * 224;

      assert_valid (m);
      bs_model_counts (m, &c);
      for (guint t = 0; t < m->tensors->len; t++)
        weights += bs_model_tensor (m, (int) t)->n_bytes;
      for (int l = 0; l < bs_model_n_layers (m); l++)
        {
          BsShape s = bs_model_layer (m, l)->out_shape;

          activations += (uint64_t) s.c * s.h * s.w;
        }
      g_test_message ("%s: %d layers, %.2f G MACs, %.1f MB of weights, %.1f MB of "
                      "activations", m->name, bs_model_n_layers (m),
                      (c.binary_macs + bs_counts_fixed_macs (&c)) / 1e9, weights / 1e6,
                      4 * activations / 1e6);
    }
}

static void
test_budget_parse (void)
{
  static const struct
  {
    const char *text;
    gboolean ok;
    uint64_t macs;
  } cases[] = {
    { "macs=64G", TRUE, 64000000000u },
    { " macs = 2Gi ,", TRUE, (uint64_t) 2 << 30 },
    { "macs=7", TRUE, 7 },
    { "macs=18446744073709551615", TRUE, G_MAXUINT64 },
    { "macs=18446744073709551616", FALSE, 0 },
    { "macs=20000000T", FALSE, 0 },
    { "macs=-1", FALSE, 0 },
    { "macs=1g", FALSE, 0 },
    { "macs=", FALSE, 0 },
    { "macs", FALSE, 0 },
    { "mac=1", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      BsBudget budget = { 0 };
      gboolean ok = bs_budget_parse (&budget, cases[i].text, &error);

      g_test_message ("'%s' -> %s", cases[i].text, error ? error->message : "ok");
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_cmpuint (budget.macs, ==, cases[i].macs);
      else
        g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    }
}

/* Kinds with defaults and pass-through types. */
static void
test_pass_through_types (void)
{
  g_autoptr(BsModel) m = bs_model_new ("types", (BsShape) { 2, 6, 6 });
  int64_t dims[1] = { 2 };
  int64_t ones[2] = { 1, 1 };
  int64_t zeros[2] = { 0, 0 };
  int q = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  int bn = add_layer (m, "bn", BS_LAYER_BATCHNORM, BS_PATH_STEM, q, NO_INPUT);
  int pool, gap, cat, tr, add;

  bs_model_layer (m, bn)->out_bits = 4;
  bs_model_layer (m, bn)->relu = TRUE;
  bs_model_layer (m, bn)->bn_mul = tensor_values (m, "mul", BS_DTYPE_I32, 1, dims, ones);
  bs_model_layer (m, bn)->bn_add = tensor_values (m, "add", BS_DTYPE_I64, 1, dims, zeros);
  bs_model_layer (m, bn)->bn_shift = tensor_values (m, "shift", BS_DTYPE_I8, 1, dims, zeros);
  pool = add_layer (m, "pool", BS_LAYER_AVGPOOL, BS_PATH_MAIN, bn, NO_INPUT);
  bs_model_layer (m, pool)->kernel = 3;
  bs_model_layer (m, pool)->stride = 2;
  cat = add_layer (m, "cat", BS_LAYER_CONCAT, BS_PATH_MAIN, pool, pool);
  tr = add_layer (m, "tr", BS_LAYER_TRANSPOSE, BS_PATH_MAIN, cat, NO_INPUT);
  gap = add_layer (m, "gap", BS_LAYER_GLOBAL_AVGPOOL, BS_PATH_MAIN, tr, NO_INPUT);
  add = add_layer (m, "add", BS_LAYER_ADD, BS_PATH_MERGE, gap, gap);

  assert_valid (m);
  g_assert_cmpint (bs_model_layer (m, bn)->out_type, ==, BS_ACT_I4);
  assert_shape (bs_model_layer (m, pool)->out_shape, 2, 2, 2);     /* (6 − 3) / 2 + 1 */
  g_assert_cmpint (bs_model_layer (m, pool)->out_type, ==, BS_ACT_I4);
  assert_shape (bs_model_layer (m, cat)->out_shape, 4, 2, 2);
  assert_shape (bs_model_layer (m, tr)->out_shape, 4, 4, 1);
  g_assert_cmpint (bs_model_layer (m, tr)->out_type, ==, BS_ACT_I4);
  assert_shape (bs_model_layer (m, gap)->out_shape, 4, 1, 1);
  g_assert_cmpint (bs_model_layer (m, gap)->out_type, ==, BS_ACT_I4);
  g_assert_cmpint (bs_model_layer (m, add)->out_type, ==, BS_ACT_I32);
  /* The logits may be any integer type; i4 here would be fine too. */
  g_assert_cmpint (bs_model_layer (m, add)->in_type[1], ==, BS_ACT_I4);
}

static void
test_thermometer_levels (void)
{
  const struct { int levels; gboolean ok; } cases[] = {
    { 1, TRUE }, { 32, TRUE }, { 64, TRUE }, { 0, FALSE }, { 65, FALSE }, { -3, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BsModel) m = bs_model_new ("therm", (BsShape) { 3, 2, 2 });
      int t = add_layer (m, "t", BS_LAYER_THERMOMETER, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);

      bs_model_layer (m, t)->levels = cases[i].levels;
      add_conv (m, "fc", BS_LAYER_FC_BINARY, BS_PATH_HEAD, t, 3 * MAX (cases[i].levels, 1), 2,
                1, 1, 0, 0, FALSE);
      if (cases[i].ok)
        {
          assert_valid (m);
          assert_shape (bs_model_layer (m, t)->out_shape, 3 * cases[i].levels, 2, 2);
        }
      else
        assert_invalid (m, "layer 't' (thermometer)", "levels");
    }
}

/* A quantize_input alone is a valid (if dull) model: its i8 output is integer. */
static void
test_minimal (void)
{
  g_autoptr(BsModel) m = bs_model_new ("minimal", (BsShape) { 1, 1, 1 });

  add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  assert_valid (m);
  g_assert_cmpint (bs_model_layer (m, 0)->out_type, ==, BS_ACT_I8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model-validate/infer/blend", test_infer_blend);
  g_test_add_func ("/model-validate/infer/mixer", test_infer_mixer);
  g_test_add_func ("/model-validate/infer/conv-geometry", test_conv_geometry);
  g_test_add_func ("/model-validate/infer/pass-through-types", test_pass_through_types);
  g_test_add_func ("/model-validate/infer/thermometer-levels", test_thermometer_levels);
  g_test_add_func ("/model-validate/minimal", test_minimal);
  g_test_add_func ("/model-validate/no-layers", test_no_layers);
  g_test_add_func ("/model-validate/precision-data-movement", test_precision_data_movement);
  g_test_add_func ("/model-validate/weight-ranges", test_weight_ranges);
  g_test_add_func ("/model-validate/accumulator/edge", test_accumulator_bound);
  g_test_add_func ("/model-validate/accumulator/i16-edge", test_accumulator_i16_edge);
  g_test_add_func ("/model-validate/accumulator/i32", test_accumulator_i32);
  g_test_add_func ("/model-validate/accumulator/binary", test_accumulator_binary);
  g_test_add_func ("/model-validate/batchnorm-bound", test_batchnorm_bound);
  g_test_add_func ("/model-validate/activation-limit", test_activation_limit);
  g_test_add_func ("/model-validate/budgets", test_budgets);
  g_test_add_func ("/model-validate/budget-parse", test_budget_parse);
  g_test_add_func ("/model-validate/budget-defaults", test_budget_defaults);
  for (guint i = 0; i < G_N_ELEMENTS (rule_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/model-validate/rule/", rule_cases[i].test, NULL);

      g_test_add_data_func (path, &rule_cases[i], test_case);
    }
  return g_test_run ();
}
