/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-model-format.c: the tables and helpers the .bsm reader and writer share, and the
 * one rule for names that both the writer and bs_model_validate() apply. */
#include "bs-model-format.h"

#include <stdarg.h>
#include <string.h>

const guint8 bsm_magic[8] = { 0x89, 'B', 'S', 'M', '\r', '\n', 0x1a, '\n' };

const Param bsm_layer_params[BSM_N_LAYER_PARAMS] = {
  { "out_channels", PARAM_INT, G_STRUCT_OFFSET (BsLayer, out_channels) },
  { "kernel", PARAM_INT, G_STRUCT_OFFSET (BsLayer, kernel) },
  { "stride", PARAM_INT, G_STRUCT_OFFSET (BsLayer, stride) },
  { "pad", PARAM_INT, G_STRUCT_OFFSET (BsLayer, pad) },
  { "wbits", PARAM_INT, G_STRUCT_OFFSET (BsLayer, wbits) },
  { "weights", PARAM_TENSOR, G_STRUCT_OFFSET (BsLayer, weights) },
  { "bias", PARAM_TENSOR, G_STRUCT_OFFSET (BsLayer, bias) },
  { "levels", PARAM_INT, G_STRUCT_OFFSET (BsLayer, levels) },
  { "mul", PARAM_TENSOR, G_STRUCT_OFFSET (BsLayer, bn_mul) },
  { "add", PARAM_TENSOR, G_STRUCT_OFFSET (BsLayer, bn_add) },
  { "shift", PARAM_TENSOR, G_STRUCT_OFFSET (BsLayer, bn_shift) },
  { "out_bits", PARAM_INT, G_STRUCT_OFFSET (BsLayer, out_bits) },
  { "relu", PARAM_BOOL, G_STRUCT_OFFSET (BsLayer, relu) },
};

const BsmKindKeys bsm_kind_keys[BS_LAYER_N_KINDS] = {
  [BS_LAYER_QUANTIZE_INPUT] = { 0, 0 },
  [BS_LAYER_THERMOMETER] = { 0, K_LEVELS },
  [BS_LAYER_CONV_FIXED] = { K_CONV | K_WBITS, K_BIAS },
  [BS_LAYER_CONV_BINARY] = { K_CONV, 0 },
  [BS_LAYER_FC_FIXED] = { K_OUT_CHANNELS | K_WBITS | K_WEIGHTS, K_BIAS },
  [BS_LAYER_FC_BINARY] = { K_OUT_CHANNELS | K_WEIGHTS, 0 },
  [BS_LAYER_BATCHNORM] = { K_MUL | K_ADD | K_SHIFT | K_OUT_BITS, K_RELU },
  [BS_LAYER_SIGN] = { 0, 0 },
  [BS_LAYER_ADD] = { 0, 0 },
  [BS_LAYER_AVGPOOL] = { K_KERNEL | K_STRIDE, 0 },
  [BS_LAYER_GLOBAL_AVGPOOL] = { 0, 0 },
  [BS_LAYER_CONCAT] = { 0, 0 },
  [BS_LAYER_TRANSPOSE] = { 0, 0 },
};

gboolean
bsm_fail (GError **error, BsModelError code, const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BS_MODEL_ERROR, code, message);
  g_free (message);
  return FALSE;
}

guint64
bsm_align64 (guint64 n)
{
  return (n + ALIGNMENT - 1) & ~(guint64) (ALIGNMENT - 1);
}

void
bsm_sha256 (const guint8 *data, gsize length, guint8 digest[SHA256_SIZE])
{
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize digest_len = SHA256_SIZE;

  g_checksum_update (checksum, data, (gssize) length);
  g_checksum_get_digest (checksum, digest, &digest_len);
  g_checksum_free (checksum);
}

/* A name must survive being a key-file group name ("[layer NAME]") and an element of a
 * ';'-separated list, and must read back identically through GKeyFile and Python's
 * configparser (which strip surrounding whitespace). */
gboolean
bs_model_name_is_valid (const char *name)
{
  const char *end;

  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, &end))
    return FALSE;
  if (g_ascii_isspace (name[0]) || g_ascii_isspace (end[-1]))
    return FALSE;
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == '[' || c == ']' || c == ';')
        return FALSE;
    }
  return TRUE;
}

/* A provenance key is a key-file key: a valid name without '=', not a comment, and not
 * GKeyFile's reserved "Encoding". */
gboolean
bs_model_provenance_key_is_valid (const char *key)
{
  return bs_model_name_is_valid (key) && strchr (key, '=') == NULL && key[0] != '#'
         && strcmp (key, "Encoding") != 0;
}
