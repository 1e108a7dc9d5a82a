/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-model-file.c: the .bsm reader and writer (docs/model-format.md, sections 1–3 and 6).
 *
 * Models are built in memory, written, read back and compared field by field and byte
 * by byte. Corrupt files are made by editing a good one; header edits are re-checksummed
 * by the test's own writer of the preamble, so that the header checks, not the
 * checksum, are what refuses them.
 *
 * `test-model-file --write-seeds DIR` writes the fuzzing seed corpus (tests/fuzz/).
 */
#include "bs-model.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bs-test-models.h"


static GBytes *
serialize (const BsModel *m)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = bs_model_serialize (m, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static GBytes *
blend_file (void)
{
  g_autoptr(BsModel) m = build_blend_model ();

  return serialize (m);
}

/* The test's own view of the layout, written from the spec, not from the code. */

static guint64
get_u64 (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static void
put_u64 (guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
put_sha256 (guint8 *file, gsize length)
{
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 32;

  g_checksum_update (checksum, file + 128, (gssize) (length - 128));
  g_checksum_get_digest (checksum, file + 40, &len);
  g_checksum_free (checksum);
}

/* A complete file from header text and a data region. */
static GBytes *
make_file (const char *header, const guint8 *data, gsize data_length)
{
  static const guint8 magic[8] = { 0x89, 'B', 'S', 'M', '\r', '\n', 0x1a, '\n' };
  gsize header_length = strlen (header);
  gsize data_offset = (128 + header_length + 63) / 64 * 64;
  gsize length = data_offset + data_length;
  guint8 *file = g_malloc0 (length);

  memcpy (file, magic, 8);
  file[8] = 1;
  put_u64 (file + 16, header_length);
  put_u64 (file + 24, data_offset);
  put_u64 (file + 32, data_length);
  memcpy (file + 128, header, header_length);
  if (data_length > 0)
    memcpy (file + data_offset, data, data_length);
  put_sha256 (file, length);
  return g_bytes_new_take (file, length);
}

static char *
file_header (GBytes *file)
{
  const guint8 *p = g_bytes_get_data (file, NULL);

  return g_strndup ((const char *) p + 128, get_u64 (p + 16));
}

static GBytes *
file_with_header (GBytes *file, const char *header)
{
  gsize length;
  const guint8 *p = g_bytes_get_data (file, &length);
  guint64 data_offset = get_u64 (p + 24);

  return make_file (header, p + data_offset, length - data_offset);
}

static GBytes *
rechecksum (GBytes *file)
{
  gsize length;
  guint8 *copy = g_memdup2 (g_bytes_get_data (file, &length), g_bytes_get_size (file));

  put_sha256 (copy, length);
  return g_bytes_new_take (copy, length);
}

static GBytes *
load_error (GBytes *file, BsModelError code, const char *needle1, const char *needle2)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsModel) model = bs_model_load_from_bytes (file, &error);

  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, BS_MODEL_ERROR, (gint) code);
  if (needle1 != NULL && strstr (error->message, needle1) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, needle1);
  if (needle2 != NULL && strstr (error->message, needle2) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, needle2);
  return file;
}

static BsModel *
load_ok (GBytes *file)
{
  g_autoptr(GError) error = NULL;
  BsModel *model = bs_model_load_from_bytes (file, &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

/* Comparing models */

static void
assert_shape_equal (BsShape a, BsShape b)
{
  g_assert_cmpint (a.c, ==, b.c);
  g_assert_cmpint (a.h, ==, b.h);
  g_assert_cmpint (a.w, ==, b.w);
}

static void
assert_tensors_equal (const BsTensor *a, const BsTensor *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpint (a->dtype, ==, b->dtype);
  g_assert_cmpint (a->n_dims, ==, b->n_dims);
  for (int d = 0; d < a->n_dims; d++)
    g_assert_cmpint (a->dims[d], ==, b->dims[d]);
  g_assert_cmpmem (a->data, a->n_bytes, b->data, b->n_bytes);
  g_assert_cmpuint ((guintptr) b->data % 64, ==, 0);
}

static void
assert_layers_equal (const BsLayer *a, const BsLayer *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpint (a->precision, ==, b->precision);
  g_assert_cmpint (a->path, ==, b->path);
  g_assert_cmpint (a->module, ==, b->module);
  g_assert_cmpint (a->n_inputs, ==, b->n_inputs);
  g_assert_cmpint (a->inputs[0], ==, b->inputs[0]);
  g_assert_cmpint (a->inputs[1], ==, b->inputs[1]);
  g_assert_cmpint (a->out_channels, ==, b->out_channels);
  g_assert_cmpint (a->kernel, ==, b->kernel);
  g_assert_cmpint (a->stride, ==, b->stride);
  g_assert_cmpint (a->pad, ==, b->pad);
  g_assert_cmpint (a->wbits, ==, b->wbits);
  g_assert_cmpint (a->out_bits, ==, b->out_bits);
  g_assert_cmpint (a->levels, ==, b->levels);
  g_assert_cmpint (a->relu, ==, b->relu);
  g_assert_cmpint (a->weights, ==, b->weights);
  g_assert_cmpint (a->bias, ==, b->bias);
  g_assert_cmpint (a->bn_mul, ==, b->bn_mul);
  g_assert_cmpint (a->bn_add, ==, b->bn_add);
  g_assert_cmpint (a->bn_shift, ==, b->bn_shift);
  for (int i = 0; i < a->n_inputs; i++)
    {
      assert_shape_equal (a->in_shape[i], b->in_shape[i]);
      g_assert_cmpint (a->in_type[i], ==, b->in_type[i]);
    }
  assert_shape_equal (a->out_shape, b->out_shape);
  g_assert_cmpint (a->out_type, ==, b->out_type);
}

static void
assert_models_equal (const BsModel *a, const BsModel *b)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->description, ==, b->description);
  assert_shape_equal (a->input_shape, b->input_shape);
  g_assert_cmpint (a->labels == NULL, ==, b->labels == NULL);
  if (a->labels != NULL)
    g_assert_true (g_strv_equal ((const char *const *) a->labels, (const char *const *) b->labels));
  g_assert_cmpuint (g_hash_table_size (a->provenance), ==, g_hash_table_size (b->provenance));
  g_hash_table_iter_init (&iter, a->provenance);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (value, ==, g_hash_table_lookup (b->provenance, key));
  g_assert_cmpuint (a->modules->len, ==, b->modules->len);
  for (guint i = 0; i < a->modules->len; i++)
    {
      g_assert_cmpstr (g_array_index (a->modules, BsModule, i).name, ==,
                       g_array_index (b->modules, BsModule, i).name);
      g_assert_cmpstr (g_array_index (a->modules, BsModule, i).kind, ==,
                       g_array_index (b->modules, BsModule, i).kind);
    }
  g_assert_cmpuint (a->tensors->len, ==, b->tensors->len);
  for (guint i = 0; i < a->tensors->len; i++)
    assert_tensors_equal (bs_model_tensor (a, (int) i), bs_model_tensor (b, (int) i));
  g_assert_cmpint (bs_model_n_layers (a), ==, bs_model_n_layers (b));
  for (int i = 0; i < bs_model_n_layers (a); i++)
    assert_layers_equal (bs_model_layer (a, i), bs_model_layer (b, i));
}

static char *
sha256_hex (GBytes *file)
{
  gsize length;
  const guint8 *p = g_bytes_get_data (file, &length);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, p + 128, length - 128);
}

/* Round trips */

static void
round_trip (BsModel *built)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) file = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(BsModel) loaded = NULL;
  g_autofree char *sha = NULL;

  g_assert_true (bs_model_validate (built, &error));
  g_assert_no_error (error);
  file = serialize (built);
  loaded = load_ok (file);
  assert_models_equal (built, loaded);
  sha = sha256_hex (file);
  g_assert_cmpstr (loaded->sha256, ==, sha);
  g_assert_cmpstr (built->sha256, ==, "");

  /* Deterministic: the loaded model writes the very same bytes. */
  again = serialize (loaded);
  g_assert_true (g_bytes_equal (file, again));
}

static void
test_round_trip_blend (void)
{
  g_autoptr(BsModel) m = build_blend_model ();

  round_trip (m);
}

static void
test_round_trip_mixer (void)
{
  g_autoptr(BsModel) m = build_mixer_model ();

  round_trip (m);
}

static void
test_round_trip_minimal (void)
{
  g_autoptr(BsModel) m = bs_model_new ("minimal", (BsShape) { 1, 1, 1 });

  add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  g_assert_null (m->labels);
  g_assert_null (m->description);
  round_trip (m);
}

/* The spec's layout, checked field by field against the test's own reading. */
static void
test_layout (void)
{
  g_autoptr(BsModel) m = build_blend_model ();
  g_autoptr(GBytes) file = serialize (m);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *header = file_header (file);
  g_autofree char *input = NULL;
  gsize length;
  const guint8 *p = g_bytes_get_data (file, &length);
  guint64 header_length = get_u64 (p + 16);
  guint64 data_offset = get_u64 (p + 24);
  guint64 data_length = get_u64 (p + 32);
  g_autofree char *sha = sha256_hex (file);
  char stored[65];

  g_assert_cmpmem (p, 8, "\x89" "BSM\r\n\x1a\n", 8);
  g_assert_cmpuint (get_u64 (p + 8) & 0xffffffff, ==, 1);
  g_assert_cmpuint (get_u64 (p + 8) >> 32, ==, 0);
  for (int i = 72; i < 128; i++)
    g_assert_cmpuint (p[i], ==, 0);
  g_assert_cmpuint (data_offset, ==, (128 + header_length + 63) / 64 * 64);
  g_assert_cmpuint (data_offset + data_length, ==, length);
  for (guint64 i = 128 + header_length; i < data_offset; i++)
    g_assert_cmpuint (p[i], ==, 0);
  for (int i = 0; i < 32; i++)
    g_snprintf (stored + 2 * i, 3, "%02x", p[40 + i]);
  g_assert_cmpstr (stored, ==, sha);

  g_assert_true (g_str_has_prefix (header, "[model]\nname=blend-test\ninput=3;8;8\n"));
  g_assert_nonnull (strstr (header, "labels=zero;one;two;three;four;five;six;seven;eight;nine\\;semicolon\n"));
  g_assert_true (g_key_file_load_from_data (keyfile, header, -1, G_KEY_FILE_NONE, NULL));
  input = g_key_file_get_value (keyfile, "model", "input", NULL);
  g_assert_cmpstr (input, ==, "3;8;8");

  /* Every tensor is where its group says, 64-aligned, with the model's bytes. */
  for (guint i = 0; i < m->tensors->len; i++)
    {
      const BsTensor *t = bs_model_tensor (m, (int) i);
      g_autofree char *group = g_strconcat ("tensor ", t->name, NULL);
      guint64 offset = (guint64) g_key_file_get_int64 (keyfile, group, "offset", NULL);
      guint64 size = (guint64) g_key_file_get_int64 (keyfile, group, "size", NULL);

      g_assert_cmpuint (offset % 64, ==, 0);
      g_assert_cmpuint (size, ==, t->n_bytes);
      g_assert_cmpuint (offset + size, <=, data_length);
      g_assert_cmpmem (p + data_offset + offset, size, t->data, t->n_bytes);
    }
}

static void
test_save_load_mapped (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsModel) m = build_blend_model ();
  g_autoptr(BsModel) loaded = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bsm-XXXXXX", &error);
  g_autofree char *path1 = g_build_filename (dir, "a.bsm", NULL);
  g_autofree char *path2 = g_build_filename (dir, "b.bsm", NULL);
  g_autofree char *c1 = NULL;
  g_autofree char *c2 = NULL;
  gsize l1, l2;
  const char *base;
  gsize map_length;

  g_assert_no_error (error);
  g_assert_true (bs_model_validate (m, &error));
  g_assert_true (bs_model_save (m, path1, &error));
  g_assert_no_error (error);
  loaded = bs_model_load (path1, &error);
  g_assert_no_error (error);
  assert_models_equal (m, loaded);

  /* Tensors point into the mapping, 64-byte aligned. */
  g_assert_nonnull (loaded->mapping);
  base = g_mapped_file_get_contents (loaded->mapping);
  map_length = g_mapped_file_get_length (loaded->mapping);
  for (guint i = 0; i < loaded->tensors->len; i++)
    {
      const BsTensor *t = bs_model_tensor (loaded, (int) i);

      g_assert_true ((const char *) t->data >= base);
      g_assert_true ((const char *) t->data + t->n_bytes <= base + map_length);
      g_assert_cmpuint ((guintptr) t->data % 64, ==, 0);
    }

  /* Saving twice, once from the loaded model, gives identical files. */
  g_assert_true (bs_model_save (loaded, path2, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path1, &c1, &l1, NULL));
  g_assert_true (g_file_get_contents (path2, &c2, &l2, NULL));
  g_assert_cmpmem (c1, l1, c2, l2);

  g_unlink (path1);
  g_unlink (path2);
  g_rmdir (dir);
}

static void
test_io_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsModel) m = build_blend_model ();
  g_autoptr(BsModel) loaded = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bsm-XXXXXX", &error);
  g_autofree char *missing = g_build_filename (dir, "missing.bsm", NULL);
  g_autofree char *nodir = g_build_filename (dir, "no", "such", "dir.bsm", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.bsm", NULL);

  loaded = bs_model_load (missing, &error);
  g_assert_null (loaded);
  g_assert_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.bsm"));
  g_clear_error (&error);

  g_assert_false (bs_model_save (m, nodir, &error));
  g_assert_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "dir.bsm"));
  g_clear_error (&error);

  /* An empty file maps to no contents at all. */
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  loaded = bs_model_load (empty, &error);
  g_assert_null (loaded);
  g_assert_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "empty.bsm: byte 0"));
  g_clear_error (&error);

  /* A directory. */
  loaded = bs_model_load (dir, &error);
  g_assert_null (loaded);
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_unlink (empty);
  g_rmdir (dir);
}

/* The writer refuses what the header cannot represent, without crashing. */
static void
test_serialize_errors (void)
{
  struct { const char *name; int what; } cases[] = {
    { "a;b", 0 }, { "[x]", 0 }, { " lead", 0 }, { "", 0 }, { "line\nbreak", 0 },
    { "dup", 1 }, { "tensor;x", 2 }, { "bad-input", 3 }, { "bad-tensor", 4 },
    { "bad-kind", 5 }, { "bad-prov", 6 }, { "empty-label", 7 }, { "bad-module", 8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BsModel) m = build_blend_model ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      BsLayer *layer = bs_model_layer (m, 1);

      switch (cases[i].what)
        {
        case 0:
          g_free (layer->name);
          layer->name = g_strdup (cases[i].name);
          break;
        case 1:
          g_free (layer->name);
          layer->name = g_strdup (bs_model_layer (m, 0)->name);
          break;
        case 2:
          g_free (g_array_index (m->tensors, BsTensor, 0).name);
          g_array_index (m->tensors, BsTensor, 0).name = g_strdup (cases[i].name);
          break;
        case 3: layer->inputs[0] = 99; break;
        case 4: layer->weights = 99; break;
        case 5: layer->kind = BS_LAYER_N_KINDS; break;
        case 6: g_hash_table_insert (m->provenance, g_strdup ("a=b"), g_strdup ("x")); break;
        case 7: g_free (m->labels[3]); m->labels[3] = g_strdup (""); break;
        case 8: layer->module = 7; break;
        default: g_assert_not_reached ();
        }
      bytes = bs_model_serialize (m, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "(none)");
      g_assert_null (bytes);
      g_assert_error (error, BS_MODEL_ERROR, BS_MODEL_ERROR_INVALID);
    }
}

/* Another writer's style: comments, blank lines, lists with GLib's trailing ';',
 * trailing blanks, tensors after the layers that use them, no [provenance]. */
static void
test_hand_written (void)
{
  static const char header[] =
    "# written by hand\n"
    "[model]\n"
    "name = tiny\n"
    "input=1;1;1;\n"
    "\n"
    "[layer q]\n"
    "kind=quantize_input\n"
    "precision=fixed\n"
    "path=stem\n"
    "inputs=input\n"
    "\n"
    "[layer fc]\n"
    "kind=fc_fixed   \n"
    "precision=fixed\n"
    "path=head\n"
    "inputs=q\n"
    "out_channels=2\n"
    "wbits=8\n"
    "weights=fc.w\n"
    "bias=fc.b\n"
    "[tensor fc.w]\n"
    "dtype=i8\n"
    "shape=2;1\n"
    "offset=0\n"
    "size=2\n"
    "[tensor fc.b]\n"
    "dtype=i32\n"
    "shape=2\n"
    "offset=64\n"
    "size=8\n";
  guint8 data[72] = { 0 };
  int32_t bias[2] = { 5, -6 };
  g_autoptr(GBytes) file = NULL;
  g_autoptr(BsModel) m = NULL;
  const BsLayer *fc;

  data[0] = 3;
  data[1] = (guint8) -4;
  memcpy (data + 64, bias, sizeof bias);
  file = make_file (header, data, sizeof data);
  m = load_ok (file);
  g_assert_cmpstr (m->name, ==, "tiny");
  g_assert_cmpint (bs_model_n_layers (m), ==, 2);
  fc = bs_model_layer (m, 1);
  g_assert_cmpint (fc->kind, ==, BS_LAYER_FC_FIXED);
  g_assert_cmpint (fc->inputs[0], ==, 0);
  g_assert_cmpint (bs_tensor_get_int (bs_model_tensor (m, fc->weights), 0), ==, 3);
  g_assert_cmpint (bs_tensor_get_int (bs_model_tensor (m, fc->weights), 1), ==, -4);
  g_assert_cmpint (bs_tensor_get_int (bs_model_tensor (m, fc->bias), 1), ==, -6);
  assert_shape_equal (bs_model_output_shape (m), (BsShape) { 2, 1, 1 });
  g_assert_cmpint (fc->out_type, ==, BS_ACT_I32);
  g_assert_cmpuint (g_hash_table_size (m->provenance), ==, 0);
}

/* Header structure the group edits cannot express. */
static void
test_header_structure (void)
{
  const struct { const char *header; const char *needle; } cases[] = {
    { "", "header: missing group [model]" },
    { "[provenance]\ngenerator=x\n", "header: missing group [model]" },
    { "name=x\n[model]\nname=x\ninput=1;1;1\n", "header: " },
    { "[model]\nname=x\ninput=1;1;1\n", NULL },
    { "[model]\nname=x\ninput=1;1;1\nlabels=a\\qb\n[layer q]\n", "key 'labels'" },
    { "[model]\nname=x\ninput=1;1;1\n[module]\nkind=blend\n", "unknown group [module]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) file = make_file (cases[i].header, NULL, 0);

      if (cases[i].needle != NULL)
        load_error (file, BS_MODEL_ERROR_FORMAT, cases[i].needle, NULL);
      else
        load_error (file, BS_MODEL_ERROR_INVALID, "model: no layers", NULL);
    }
}

/* Preamble and checksum */

static GBytes *
patched (GBytes *file, gsize offset, guint8 value)
{
  gsize length;
  guint8 *copy = g_memdup2 (g_bytes_get_data (file, &length), g_bytes_get_size (file));

  copy[offset] = value;
  return g_bytes_new_take (copy, length);
}

static GBytes *
patched_u64 (GBytes *file, gsize offset, guint64 value)
{
  gsize length;
  guint8 *copy = g_memdup2 (g_bytes_get_data (file, &length), g_bytes_get_size (file));

  put_u64 (copy + offset, value);
  return g_bytes_new_take (copy, length);
}

static void
test_preamble (void)
{
  g_autoptr(GBytes) file = blend_file ();
  const guint8 *p = g_bytes_get_data (file, NULL);
  guint64 header_length = get_u64 (p + 16);
  guint64 data_offset = get_u64 (p + 24);
  guint64 data_length = get_u64 (p + 32);
  g_autoptr(GBytes) b = NULL;

#define EXPECT(bytes, code, needle) \
  G_STMT_START { GBytes *tmp_ = (bytes); load_error (tmp_, code, needle, NULL); g_bytes_unref (tmp_); } G_STMT_END

  EXPECT (patched (file, 1, 'b'), BS_MODEL_ERROR_FORMAT, "byte 1: bad magic");
  EXPECT (patched (file, 4, '\n'), BS_MODEL_ERROR_FORMAT, "byte 4: bad magic");
  EXPECT (patched (file, 8, 2), BS_MODEL_ERROR_FORMAT, "byte 8: format version 2");
  EXPECT (patched (file, 11, 1), BS_MODEL_ERROR_FORMAT, "byte 8: format version 16777217");
  EXPECT (patched (file, 12, 1), BS_MODEL_ERROR_FORMAT, "byte 12: unknown flags 0x00000001");
  EXPECT (patched (file, 15, 0x80), BS_MODEL_ERROR_FORMAT, "byte 12: unknown flags 0x80000000");
  EXPECT (patched (file, 72, 1), BS_MODEL_ERROR_FORMAT, "byte 72: reserved");
  EXPECT (patched (file, 127, 1), BS_MODEL_ERROR_FORMAT, "byte 127: reserved");
  EXPECT (patched_u64 (file, 16, g_bytes_get_size (file)), BS_MODEL_ERROR_FORMAT,
          "byte 16: header length");
  EXPECT (patched_u64 (file, 16, G_MAXUINT64), BS_MODEL_ERROR_FORMAT, "byte 16: header length");
  EXPECT (patched_u64 (file, 16, header_length + 64), BS_MODEL_ERROR_FORMAT, "byte 24: data offset");
  EXPECT (patched_u64 (file, 24, data_offset + 64), BS_MODEL_ERROR_FORMAT, "byte 24: data offset");
  EXPECT (patched_u64 (file, 24, data_offset - 1), BS_MODEL_ERROR_FORMAT, "byte 24: data offset");
  EXPECT (patched_u64 (file, 24, G_MAXUINT64), BS_MODEL_ERROR_FORMAT, "byte 24: data offset");
  EXPECT (patched_u64 (file, 32, data_length + 1), BS_MODEL_ERROR_FORMAT, "byte 32: data offset");
  EXPECT (patched_u64 (file, 32, G_MAXUINT64), BS_MODEL_ERROR_FORMAT, "byte 32");
  EXPECT (patched (file, 40, p[40] ^ 1), BS_MODEL_ERROR_CORRUPT, "byte 40: SHA-256 mismatch");

  /* A header length that keeps the data offset: the header now ends in the padding,
   * which is not zero any more once the header is extended over it. Only possible
   * when the padding is non-empty. */
  if (128 + header_length < data_offset)
    {
      b = patched (file, 128 + header_length, 'x');
      EXPECT (rechecksum (b), BS_MODEL_ERROR_FORMAT, "padding between header and data");
    }
#undef EXPECT
}

/* Every truncation, and an extension, is a format error naming a byte offset. */
static void
test_truncated (void)
{
  g_autoptr(GBytes) file = blend_file ();
  gsize length;
  const guint8 *p = g_bytes_get_data (file, &length);
  g_autoptr(GBytes) longer = NULL;
  guint8 *extended;

  for (gsize n = 0; n < length; n++)
    {
      g_autoptr(GBytes) part = g_bytes_new (p, n);

      load_error (part, BS_MODEL_ERROR_FORMAT, "byte ", NULL);
    }
  extended = g_malloc0 (length + 1);
  memcpy (extended, p, length);
  longer = g_bytes_new_take (extended, length + 1);
  load_error (longer, BS_MODEL_ERROR_FORMAT, "byte 32", "truncated or extended");
}

/* Flipping any byte of the preamble gives the error of its field; any byte after it, a
 * checksum error. */
static void
test_flipped (void)
{
  g_autoptr(GBytes) file = blend_file ();
  gsize length;
  const guint8 *p = g_bytes_get_data (file, &length);

  for (gsize i = 0; i < length; i++)
    {
      g_autoptr(GBytes) b = patched (file, i, p[i] ^ (guint8) (1u << (i % 8)));
      g_autofree char *needle = NULL;
      BsModelError code = BS_MODEL_ERROR_FORMAT;
      gsize field;

      if (i < 8)
        field = i;
      else if (i < 40)
        field = i < 12 ? 8 : i < 16 ? 12 : i < 24 ? 16 : i < 32 ? 24 : 32;
      else if (i < 72 || i >= 128)
        {
          field = 40;
          code = BS_MODEL_ERROR_CORRUPT;
        }
      else
        field = i;
      /* Length fields fail at whichever of them first disagrees. */
      needle = i >= 16 && i < 40 ? g_strdup ("byte ") : g_strdup_printf ("byte %" G_GSIZE_FORMAT ":", field);
      load_error (b, code, needle, NULL);
    }
}

/* Header edits */

typedef struct
{
  const char *test;
  const char *group;      /* NULL: append `value` to the header */
  const char *key;        /* "+key" adds a line even if the key exists */
  const char *value;      /* NULL with a key: delete the line */
  const char *key2;       /* optional second edit in the same group */
  const char *value2;
  gboolean ok;            /* the edit is harmless */
  BsModelError code;
  const char *needle1;
  const char *needle2;
} HeaderCase;

static void
edit_key (GPtrArray *lines, const char *group, const char *key, const char *value)
{
  g_autofree char *group_line = g_strdup_printf ("[%s]", group);
  gboolean add = key[0] == '+';
  g_autofree char *prefix = g_strconcat (add ? key + 1 : key, "=", NULL);
  guint start = 0, end;

  while (start < lines->len && strcmp (lines->pdata[start], group_line) != 0)
    start++;
  g_assert_cmpuint (start, <, lines->len);
  for (end = start + 1; end < lines->len && ((char *) lines->pdata[end])[0] != '['; end++)
    if (!add && g_str_has_prefix (lines->pdata[end], prefix))
      {
        if (value == NULL)
          g_ptr_array_remove_index (lines, end);
        else
          {
            g_free (lines->pdata[end]);
            lines->pdata[end] = g_strconcat (prefix, value, NULL);
          }
        return;
      }
  g_assert_nonnull (value);
  g_ptr_array_insert (lines, (int) start + 1, g_strconcat (prefix, value, NULL));
}

static GBytes *
edited_file (GBytes *file, const HeaderCase *c)
{
  g_autofree char *header = file_header (file);
  g_auto(GStrv) split = g_strsplit (header, "\n", -1);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; split[i] != NULL; i++)
    g_ptr_array_add (lines, g_strdup (split[i]));
  if (c->group != NULL)
    {
      edit_key (lines, c->group, c->key, c->value);
      if (c->key2 != NULL)
        edit_key (lines, c->group, c->key2, c->value2);
    }
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "\n" : "", (char *) lines->pdata[i]);
  if (c->group == NULL)
    g_string_append (text, c->value);
  return file_with_header (file, text->str);
}

#define L(name) "layer " name
#define T(name) "tensor " name
#define FORMAT BS_MODEL_ERROR_FORMAT
#define INVALID BS_MODEL_ERROR_INVALID

static const HeaderCase header_cases[] = {
  /* Harmless variations another writer may produce. */
  { "ok-trailing-blanks", L ("stem.conv"), "kernel", "3  ", .ok = TRUE },
  { "ok-trailing-separator", "model", "input", "3;8;8;", .ok = TRUE },
  { "ok-relu-1", L ("stem.bn"), "relu", "1", .ok = TRUE },
  /* 3 channels × the default 32 levels = 96 inputs to the fc. */
  { "levels-default", NULL, NULL, "\n[layer therm]\nkind=thermometer\nprecision=binary\n"
    "path=stem\ninputs=input\n[layer out]\nkind=fc_binary\nprecision=binary\npath=head\n"
    "inputs=therm\nout_channels=1\nweights=stage1.0.main.conv.weight\n",
    .code = INVALID, .needle1 = "layer 'out' (fc_binary)", .needle2 = "has 144 elements; expected 96" },
  { "ok-provenance-free-keys", "provenance", "anything goes", "yes", .ok = TRUE },
  { "ok-comment", NULL, NULL, "\n# a trailing comment\n", .ok = TRUE },

  /* Values */
  { "unknown-kind", L ("stage1.0.main.conv"), "kind", "conv_float", .code = FORMAT,
    .needle1 = "layer 'stage1.0.main.conv'", .needle2 = "unknown kind 'conv_float'" },
  { "bad-wbits", L ("stem.conv"), "wbits", "7", .code = INVALID,
    .needle1 = "layer 'stem.conv' (conv_fixed)", .needle2 = "wbits 7" },
  { "bad-out-bits", L ("stem.bn"), "out_bits", "12", .code = INVALID,
    .needle1 = "layer 'stem.bn' (batchnorm)", .needle2 = "out_bits 12" },
  { "bad-int", L ("stem.conv"), "kernel", "three", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "key 'kernel'" },
  { "int-overflow", L ("stem.conv"), "kernel", "99999999999", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "key 'kernel'" },
  { "int-negative-overflow", L ("stem.conv"), "pad", "-99999999999", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "key 'pad'" },
  { "bad-bool", L ("stem.bn"), "relu", "yes", .code = FORMAT,
    .needle1 = "layer 'stem.bn'", .needle2 = "key 'relu'" },
  { "unknown-precision", L ("fc"), "precision", "half", .code = FORMAT,
    .needle1 = "layer 'fc'", .needle2 = "unknown precision 'half'" },
  { "unknown-path", L ("fc"), "path", "side", .code = FORMAT,
    .needle1 = "layer 'fc'", .needle2 = "unknown path 'side'" },
  { "kernel-range", L ("stem.conv"), "kernel", "16", "pad", "0", .code = INVALID,
    .needle1 = "layer 'stem.conv' (conv_fixed)", .needle2 = "kernel 16" },
  { "stride-range", L ("stem.conv"), "stride", "9", .code = INVALID,
    .needle1 = "layer 'stem.conv' (conv_fixed)", .needle2 = "stride 9" },
  { "pad-range", L ("stem.conv"), "pad", "3", .code = INVALID,
    .needle1 = "layer 'stem.conv' (conv_fixed)", .needle2 = "pad 3" },
  { "out-channels-range", L ("fc"), "out_channels", "2147483647", .code = INVALID,
    .needle1 = "layer 'fc' (fc_fixed)", .needle2 = "out_channels 2147483647" },
  { "levels-range", NULL, NULL, "\n[layer therm]\nkind=thermometer\nprecision=binary\n"
    "path=stem\ninputs=input\nlevels=65\n", .code = INVALID,
    .needle1 = "layer 'therm' (thermometer)", .needle2 = "levels 65" },
  { "precision-mismatch", L ("stage1.0.main.conv"), "precision", "fixed", .code = INVALID,
    .needle1 = "layer 'stage1.0.main.conv' (conv_binary)", .needle2 = "precision 'fixed'" },
  { "precision-float", L ("fc"), "precision", "float", .code = INVALID,
    .needle1 = "layer 'fc' (fc_fixed)", .needle2 = "precision 'float'" },

  /* Escapes: GLib 2.74 returns "a\\q" for a\q and warns ("GError set over the top of a
   * previous GError") for a\q\; both must be refused as format errors. */
  { "ok-escapes", "model", "description", "\\sa\\tb\\nc\\\\d\\r", .ok = TRUE },
  { "ok-label-separator-escape", "model", "labels", "a\\;b;c", .ok = TRUE },
  { "invalid-escape", "model", "name", "a\\q", .code = FORMAT,
    .needle1 = "[model]: key 'name'", .needle2 = "invalid escape '\\q'" },
  { "invalid-escape-twice", "model", "name", "a\\q\\", .code = FORMAT,
    .needle1 = "[model]: key 'name'", .needle2 = "invalid escape '\\q'" },
  { "lone-backslash", "model", "description", "ends in\\", .code = FORMAT,
    .needle1 = "[model]: key 'description'", .needle2 = "lone '\\'" },
  { "separator-escape-outside-list", "model", "name", "a\\;b", .code = FORMAT,
    .needle1 = "[model]: key 'name'", .needle2 = "invalid escape '\\;'" },
  { "invalid-escape-in-label", "model", "labels", "a;b\\é;c", .code = FORMAT,
    .needle1 = "[model]: key 'labels'", .needle2 = "invalid escape '\\é'" },
  { "invalid-escape-in-provenance", "provenance", "seed", "4\\2\\", .code = FORMAT,
    .needle1 = "[provenance]: key 'seed'", .needle2 = "invalid escape '\\2'" },
  { "invalid-escape-in-module-kind", "module stage1.0", "kind", "blend\\", .code = FORMAT,
    .needle1 = "module 'stage1.0': key 'kind'", .needle2 = "lone '\\'" },

  /* Keys */
  { "missing-key", L ("stem.conv"), "stride", NULL, .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "missing key 'stride'" },
  { "missing-kind", L ("gap"), "kind", NULL, .code = FORMAT,
    .needle1 = "layer 'gap'", .needle2 = "missing key 'kind'" },
  { "missing-inputs", L ("gap"), "inputs", NULL, .code = FORMAT,
    .needle1 = "layer 'gap'", .needle2 = "missing key 'inputs'" },
  { "missing-weights", L ("fc"), "weights", NULL, .code = FORMAT,
    .needle1 = "layer 'fc'", .needle2 = "missing key 'weights'" },
  { "missing-tensor-size", T ("fc.bias"), "size", NULL, .code = FORMAT,
    .needle1 = "tensor 'fc.bias'", .needle2 = "missing key 'size'" },
  { "missing-model-name", "model", "name", NULL, .code = FORMAT,
    .needle1 = "[model]", .needle2 = "missing key 'name'" },
  { "missing-model-input", "model", "input", NULL, .code = FORMAT,
    .needle1 = "[model]", .needle2 = "missing key 'input'" },
  { "missing-module-kind", "module stage1.0", "kind", NULL, .code = FORMAT,
    .needle1 = "module 'stage1.0'", .needle2 = "missing key 'kind'" },
  { "unknown-key", L ("stem.conv"), "strides", "1", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "unknown key 'strides'" },
  { "unknown-model-key", "model", "version", "2", .code = FORMAT,
    .needle1 = "[model]", .needle2 = "unknown key 'version'" },
  { "unknown-tensor-key", T ("fc.bias"), "scale", "0.5", .code = FORMAT,
    .needle1 = "tensor 'fc.bias'", .needle2 = "unknown key 'scale'" },
  { "unknown-module-key", "module stage1.0", "depth", "2", .code = FORMAT,
    .needle1 = "module 'stage1.0'", .needle2 = "unknown key 'depth'" },
  { "translated-key", L ("stem.conv"), "kind[de]", "faltung", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "unknown key 'kind[de]'" },
  { "key-does-not-apply", L ("stem.conv"), "levels", "3", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "key 'levels' does not apply to conv_fixed" },
  { "duplicated-key", L ("stem.conv"), "+kernel", "3", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "key 'kernel' appears twice" },
  { "duplicated-provenance-key", "provenance", "+seed", "43", .code = FORMAT,
    .needle1 = "[provenance]", .needle2 = "key 'seed' appears twice" },

  /* Groups */
  { "duplicated-layer-group", NULL, NULL, "\n[layer stem.conv]\nkind=sign\n", .code = FORMAT,
    .needle1 = "group [layer stem.conv] is duplicated" },
  { "duplicated-tensor-group", NULL, NULL, "\n  [tensor fc.bias]  \ndtype=i32\n", .code = FORMAT,
    .needle1 = "group [tensor fc.bias] is duplicated" },
  { "duplicated-model-group", NULL, NULL, "\n[model]\nname=other\n", .code = FORMAT,
    .needle1 = "group [model] is duplicated" },
  { "unknown-group", NULL, NULL, "\n[weights foo]\nx=1\n", .code = FORMAT,
    .needle1 = "unknown group [weights foo]" },
  { "nameless-group", NULL, NULL, "\n[layer ]\nkind=sign\n", .code = FORMAT,
    .needle1 = "group [layer ] has no name" },
  { "syntax-error", NULL, NULL, "\nthis is not a key file line\n", .code = FORMAT,
    .needle1 = "header: " },
  { "unknown-module", L ("stage1.0.main.sign"), "module", "stage9", .code = INVALID,
    .needle1 = "layer 'stage1.0.main.sign'", .needle2 = "module 'stage9' is not defined" },
  { "unknown-module-kind", "module stage1.0", "kind", "bottleneck", .code = INVALID,
    .needle1 = "module 'stage1.0'", .needle2 = "unknown kind 'bottleneck'" },

  /* Graph */
  { "later-input", L ("stem.conv"), "inputs", "stem.bn", .code = INVALID,
    .needle1 = "layer 'stem.conv'", .needle2 = "input 'stem.bn' is not an earlier layer" },
  { "self-input", L ("stem.conv"), "inputs", "stem.conv", .code = INVALID,
    .needle1 = "layer 'stem.conv'", .needle2 = "input 'stem.conv' is not an earlier layer" },
  { "unknown-input", L ("stem.conv"), "inputs", "nope", .code = INVALID,
    .needle1 = "layer 'stem.conv'", .needle2 = "input 'nope' is not a layer" },
  { "empty-inputs", L ("stem.conv"), "inputs", "", .code = FORMAT,
    .needle1 = "layer 'stem.conv'", .needle2 = "key 'inputs'" },
  { "empty-input-name", L ("stage1.0.merge.add"), "inputs", "stage1.0.main.bn;;stage1.0.skip.bn",
    .code = FORMAT, .needle1 = "layer 'stage1.0.merge.add'", .needle2 = "empty list element" },
  { "three-inputs", L ("stage1.0.merge.add"), "inputs", "quant;quant;quant", .code = INVALID,
    .needle1 = "layer 'stage1.0.merge.add'", .needle2 = "3 inputs" },
  { "wrong-arity", L ("gap"), "inputs", "cat;cat", .code = INVALID,
    .needle1 = "layer 'gap' (global_avgpool)", .needle2 = "2 inputs; this kind takes 1" },
  { "shapes-do-not-chain", L ("stage1.0.merge.add"), "inputs", "stage1.0.main.bn;stem.bn",
    .code = INVALID, .needle1 = "layer 'stage1.0.merge.add' (add)", .needle2 = "differ in shape" },
  { "concat-sizes", L ("cat"), "inputs", "pool;stage1.0.merge.bn", .code = INVALID,
    .needle1 = "layer 'cat' (concat)", .needle2 = "differ in size" },
  { "concat-types", L ("cat"), "inputs", "stage1.0.main.bn;stage1.0.merge.add", .code = INVALID,
    .needle1 = "layer 'cat' (concat)", .needle2 = "differ in type" },
  { "bits-into-fixed", L ("stage1.0.main.conv"), "inputs", "stem.bn", .code = INVALID,
    .needle1 = "layer 'stage1.0.main.conv' (conv_binary)", .needle2 = "expected bits" },
  { "u8-into-conv", L ("stem.conv"), "inputs", "input", .code = INVALID,
    .needle1 = "layer 'stem.conv' (conv_fixed)", .needle2 = "input 'input' is u8" },
  { "kernel-does-not-fit", L ("pool"), "kernel", "5", .code = INVALID,
    .needle1 = "layer 'pool' (avgpool)", .needle2 = "does not fit" },
  { "channels-do-not-match", L ("stage1.0.skip.conv"), "inputs", "quant", .code = INVALID,
    .needle1 = "layer 'stage1.0.skip.conv' (conv_fixed)", .needle2 = "has 16 elements; expected 12" },
  { "output-not-integer", NULL, NULL, "\n[layer out]\nkind=sign\nprecision=binary\npath=head\n"
    "inputs=fc\n", .code = INVALID, .needle1 = "layer 'out' (sign)", .needle2 = "logits" },
  { "reserved-layer-name", NULL, NULL, "\n[layer input]\nkind=global_avgpool\nprecision=fixed\n"
    "path=head\ninputs=fc\n", .code = INVALID, .needle1 = "layer 'input'", .needle2 = "reserved" },
  { "accumulator-overflow", L ("stage1.0.skip.conv"), "inputs", "stem.conv", .code = INVALID,
    .needle1 = "layer 'stage1.0.skip.conv' (conv_fixed)", .needle2 = "int32 accumulator" },
  { "huge-input", "model", "input", "65536;65536;65536", .code = INVALID,
    .needle1 = "model: input shape", .needle2 = "2^28" },
  { "zero-input", "model", "input", "3;0;8", .code = INVALID,
    .needle1 = "model: input shape" },
  { "input-two-dims", "model", "input", "3;8", .code = FORMAT,
    .needle1 = "[model]", .needle2 = "key 'input'" },

  /* Tensors */
  { "unknown-tensor", L ("fc"), "weights", "nope", .code = INVALID,
    .needle1 = "layer 'fc'", .needle2 = "weights tensor 'nope' is not defined" },
  { "wrong-dtype-tensor", L ("fc"), "weights", "stem.conv.weight", .code = INVALID,
    .needle1 = "layer 'fc' (fc_fixed)", .needle2 = "weights tensor 'stem.conv.weight' is i8; expected i16" },
  { "wrong-bias-dtype", L ("fc"), "bias", "stem.bn.add", .code = INVALID,
    .needle1 = "layer 'fc' (fc_fixed)", .needle2 = "bias tensor 'stem.bn.add' is i64" },
  { "tensor-out-of-range", T ("stem.conv.weight"), "offset", "1048576", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "outside the data region (file bytes" },
  { "tensor-offset-near-max", T ("stem.conv.weight"), "offset", "18446744073709551552",
    .code = FORMAT, .needle1 = "tensor 'stem.conv.weight'", .needle2 = "outside the data region" },
  { "tensor-offset-too-big", T ("stem.conv.weight"), "offset", "18446744073709551616",
    .code = FORMAT, .needle1 = "tensor 'stem.conv.weight'", .needle2 = "key 'offset'" },
  { "tensor-misaligned", T ("stem.conv.weight"), "offset", "8", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "data offset 8 is not a multiple of 64" },
  { "tensor-overlap", T ("stem.conv.bias"), "offset", "64", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.bias' (file byte ", .needle2 = "overlaps tensor 'stem.conv.weight'" },
  { "tensor-size-mismatch", T ("stem.conv.weight"), "size", "109", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "size 109 does not match its shape (108 bytes" },
  { "tensor-dtype-mismatch", T ("stem.conv.weight"), "dtype", "i16", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "does not match its shape" },
  { "tensor-unknown-dtype", T ("stem.conv.weight"), "dtype", "f32", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "unknown dtype 'f32'" },
  { "tensor-element-count", T ("stem.conv.weight"), "shape", "4;3;3;2", "size", "72",
    .code = INVALID, .needle1 = "layer 'stem.conv' (conv_fixed)", .needle2 = "has 72 elements; expected 108" },
  { "tensor-huge-dims", T ("stem.conv.weight"), "shape", "4294967296;4294967296;16",
    .code = FORMAT, .needle1 = "tensor 'stem.conv.weight'", .needle2 = "2^64" },
  { "tensor-huge-i64", T ("stem.bn.add"), "shape", "9223372036854775807;3", .code = FORMAT,
    .needle1 = "tensor 'stem.bn.add'", .needle2 = "2^64" },
  { "tensor-huge-but-fits-u64", T ("stem.conv.weight"), "shape", "9223372036854775807", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "does not match its shape" },
  { "tensor-zero-dim", T ("stem.conv.weight"), "shape", "0;3", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "key 'shape'" },
  { "tensor-five-dims", T ("stem.conv.weight"), "shape", "1;1;1;1;108", .code = FORMAT,
    .needle1 = "tensor 'stem.conv.weight'", .needle2 = "5 values; expected 1 to 4" },
  { "tensor-shift-range", L ("stem.bn"), "shift", "stem.conv.weight", .code = INVALID,
    .needle1 = "layer 'stem.bn' (batchnorm)", .needle2 = "shift tensor 'stem.conv.weight' has 108 elements" },
};

static void
test_header_case (gconstpointer data)
{
  const HeaderCase *c = data;
  g_autoptr(GBytes) file = blend_file ();
  g_autoptr(GBytes) edited = edited_file (file, c);

  if (c->ok)
    {
      g_autoptr(BsModel) m = load_ok (edited);
      g_autoptr(BsModel) orig = load_ok (file);

      g_assert_cmpint (bs_model_n_layers (m), ==, bs_model_n_layers (orig));
      return;
    }
  load_error (edited, c->code, c->needle1, c->needle2);
}

/* Header bytes that are not text. */
static void
test_header_not_text (void)
{
  g_autoptr(GBytes) file = blend_file ();
  g_autofree char *header = file_header (file);
  char *bad;
  gsize at = 20;

  bad = g_strdup (header);
  bad[at] = (char) 0xff;
  {
    g_autoptr(GBytes) edited = file_with_header (file, bad);
    g_autofree char *needle = g_strdup_printf ("byte %" G_GSIZE_FORMAT ": header is not valid UTF-8", 128 + at);

    load_error (edited, FORMAT, needle, NULL);
  }
  g_free (bad);

  /* A NUL inside the header; make_file() measures with strlen, so build it by hand. */
  {
    gsize length;
    g_autoptr(GBytes) b = patched (file, 128 + at, 0);
    g_autoptr(GBytes) fixed = rechecksum (b);

    g_bytes_get_data (fixed, &length);
    load_error (fixed, FORMAT, "byte 148: header is not valid UTF-8", NULL);
  }
}

/* A weight outside its wbits range, reached through the file's data region. */
static void
test_weight_range_in_file (void)
{
  g_autoptr(GBytes) file = blend_file ();
  const guint8 *p = g_bytes_get_data (file, NULL);
  guint64 data_offset = get_u64 (p + 24);
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GBytes) fixed = NULL;

  /* stem.conv.weight is the first tensor, at data offset 0; -128 is outside ±127. */
  b = patched (file, data_offset + 5, 0x80);
  fixed = rechecksum (b);
  load_error (fixed, INVALID, "layer 'stem.conv' (conv_fixed)",
              "weight -128 at element 5 of 'stem.conv.weight' is outside the 8-bit range");
}

/* u1 padding bits must be zero (section 3). */
/* thermometer → fc_binary with 2 outputs × 15 inputs = 30 bits: 4 bytes, the last
 * with 2 unused bits. */
static BsModel *
build_padded_model (void)
{
  BsModel *m = bs_model_new ("pad", (BsShape) { 3, 1, 1 });
  int therm = add_layer (m, "therm", BS_LAYER_THERMOMETER, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);

  bs_model_layer (m, therm)->levels = 5;
  add_conv (m, "fc", BS_LAYER_FC_BINARY, BS_PATH_HEAD, therm, 15, 2, 1, 1, 0, 0, FALSE);
  return m;
}

static void
test_u1_padding (void)
{
  g_autoptr(BsModel) m = build_padded_model ();
  g_autoptr(BsModel) loaded = NULL;
  g_autoptr(GBytes) file = NULL;
  const guint8 *p;
  guint64 data_offset;
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GBytes) fixed = NULL;

  file = serialize (m);
  loaded = load_ok (file);
  p = g_bytes_get_data (file, NULL);
  data_offset = get_u64 (p + 24);
  b = patched (file, data_offset + 3, p[data_offset + 3] | 0x80);
  fixed = rechecksum (b);
  load_error (fixed, INVALID, "tensor 'fc.weight'", "unused bits");
}

/* Seeds for the fuzzer (tests/fuzz/corpus). */

static void
write_seed (const char *dir, const char *name, GBytes *bytes)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  g_assert_cmpuint (length, <, 64 * 1024);
  if (!g_file_set_contents (path, data, (gssize) length, &error))
    g_error ("%s", error->message);
  g_print ("%s: %" G_GSIZE_FORMAT " bytes\n", path, length);
}

static int
write_seeds (const char *dir)
{
  g_autoptr(BsModel) blend = build_blend_model ();
  g_autoptr(BsModel) mixer = build_mixer_model ();
  g_autoptr(GBytes) blend_bytes = serialize (blend);
  g_autoptr(GBytes) mixer_bytes = serialize (mixer);
  g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (blend_bytes, 0, g_bytes_get_size (blend_bytes) / 2);
  g_autoptr(GBytes) flipped = patched (blend_bytes, 300, 'Z');
  const char *picks[] = { "later-input", "duplicated-layer-group", "unknown-key",
                          "tensor-overlap", "levels-default", "accumulator-overflow" };

  g_autoptr(BsModel) padded = build_padded_model ();
  g_autoptr(GBytes) padded_bytes = serialize (padded);
  g_autoptr(BsModel) minimal = bs_model_new ("minimal", (BsShape) { 1, 1, 1 });
  g_autoptr(GBytes) minimal_bytes = NULL;

  add_layer (minimal, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  minimal_bytes = serialize (minimal);
  g_mkdir_with_parents (dir, 0755);
  write_seed (dir, "blend.bsm", blend_bytes);
  write_seed (dir, "mixer.bsm", mixer_bytes);
  write_seed (dir, "padded.bsm", padded_bytes);
  write_seed (dir, "minimal.bsm", minimal_bytes);
  write_seed (dir, "broken-truncated.bsm", truncated);
  write_seed (dir, "broken-checksum.bsm", flipped);
  for (guint i = 0; i < G_N_ELEMENTS (picks); i++)
    for (guint k = 0; k < G_N_ELEMENTS (header_cases); k++)
      if (strcmp (header_cases[k].test, picks[i]) == 0)
        {
          g_autoptr(GBytes) edited = edited_file (blend_bytes, &header_cases[k]);
          g_autofree char *name = g_strdup_printf ("broken-%s.bsm", picks[i]);

          write_seed (dir, name, edited);
        }
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "--write-seeds") == 0)
    return write_seeds (argv[2]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model-file/round-trip/blend", test_round_trip_blend);
  g_test_add_func ("/model-file/round-trip/mixer", test_round_trip_mixer);
  g_test_add_func ("/model-file/round-trip/minimal", test_round_trip_minimal);
  g_test_add_func ("/model-file/layout", test_layout);
  g_test_add_func ("/model-file/save-load-mapped", test_save_load_mapped);
  g_test_add_func ("/model-file/io-errors", test_io_errors);
  g_test_add_func ("/model-file/serialize-errors", test_serialize_errors);
  g_test_add_func ("/model-file/hand-written", test_hand_written);
  g_test_add_func ("/model-file/header-structure", test_header_structure);
  g_test_add_func ("/model-file/preamble", test_preamble);
  g_test_add_func ("/model-file/truncated", test_truncated);
  g_test_add_func ("/model-file/flipped", test_flipped);
  g_test_add_func ("/model-file/header-not-text", test_header_not_text);
  g_test_add_func ("/model-file/weight-range", test_weight_range_in_file);
  g_test_add_func ("/model-file/u1-padding", test_u1_padding);
  for (guint i = 0; i < G_N_ELEMENTS (header_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/model-file/header/", header_cases[i].test, NULL);

      g_test_add_data_func (path, &header_cases[i], test_header_case);
    }
  return g_test_run ();
}
