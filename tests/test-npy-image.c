/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for .npy and PNG input decoding. */
#include "bs-image.h"
#include "bs-labels.h"
#include "bs-npy.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <png.h>
#include <string.h>

static char *
temp_path (const char *name)
{
  static char *dir = NULL;

  if (dir == NULL)
    dir = g_dir_make_tmp ("bs-test-npy-XXXXXX", NULL);
  return g_build_filename (dir, name, NULL);
}

static void
test_npy_round_trip (void)
{
  g_autofree char *path = temp_path ("logits.npy");
  int32_t values[6] = { -1, 0, 1, 2147483647, -2147483647 - 1, 42 };
  int64_t dims[2] = { 2, 3 };
  BsNpyArray array;
  g_autoptr (GError) error = NULL;

  g_assert_true (bs_npy_write (path, BS_NPY_I32, 2, dims, values, &error));
  g_assert_no_error (error);
  g_assert_true (bs_npy_read (path, &array, &error));
  g_assert_cmpint (array.type, ==, BS_NPY_I32);
  g_assert_cmpint (array.n_dims, ==, 2);
  g_assert_cmpint (array.dims[0], ==, 2);
  g_assert_cmpint (array.dims[1], ==, 3);
  g_assert_cmpmem (array.data, sizeof values, values, sizeof values);
  bs_npy_array_clear (&array);
}

static void
test_npy_one_dim (void)
{
  g_autofree char *path = temp_path ("one.npy");
  uint8_t values[5] = { 1, 2, 3, 4, 5 };
  int64_t dims[1] = { 5 };
  BsNpyArray array;
  g_autofree char *contents = NULL;

  g_assert_true (bs_npy_write (path, BS_NPY_U8, 1, dims, values, NULL));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  /* NumPy's own writer: a 1-tuple, header padded so the data starts at a multiple of 64. */
  g_assert_nonnull (strstr (contents + 10, "'shape': (5,)"));
  g_assert_cmpint ((strchr (contents + 10, '\n') - contents + 1) % 64, ==, 0);
  g_assert_true (bs_npy_read (path, &array, NULL));
  g_assert_cmpint (array.n_elements, ==, 5);
  bs_npy_array_clear (&array);
}

static void
assert_parse_fails (const char *bytes, gsize n, const char *needle)
{
  BsNpyArray array;
  g_autoptr (GError) error = NULL;

  g_assert_false (bs_npy_parse ((const uint8_t *) bytes, n, "x.npy", &array, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  if (strstr (error->message, needle) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, needle);
}

static gsize
make_npy (char *buf, const char *dict, gsize n_data)
{
  gsize len = strlen (dict);

  memcpy (buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (char) (len & 0xff);
  buf[9] = (char) (len >> 8);
  memcpy (buf + 10, dict, len);
  memset (buf + 10 + len, 7, n_data);
  return 10 + len + n_data;
}

static void
test_npy_errors (void)
{
  char buf[512];
  gsize n;

  assert_parse_fails ("PNG\x00\x00\x00\x00\x00\x00\x00\x00", 12, "bad magic");
  n = make_npy (buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
  assert_parse_fails (buf, n, "unsupported dtype");
  n = make_npy (buf, "{'descr': '|u1', 'fortran_order': True, 'shape': (2,), }", 2);
  assert_parse_fails (buf, n, "C-ordered");
  n = make_npy (buf, "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }", 11);
  assert_parse_fails (buf, n, "needs 12 bytes");
  n = make_npy (buf, "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999, 99999999), }", 0);
  assert_parse_fails (buf, n, "shape");
  n = make_npy (buf, "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }", 12);
  assert_parse_fails (buf, n - 30, "runs past the end");
}

/* Header bytes and file names that are not UTF-8 reach error messages, which go to GTK
 * labels and JSON: the messages must still be UTF-8. */
static void
test_errors_are_utf8 (void)
{
  char buf[512];
  gsize n = make_npy (buf, "{'descr': '\xff\xfe<f4', 'fortran_order': False, 'shape': (2,), }", 8);
  g_autofree char *bad_name = temp_path ("bad-\xff.npy");
  g_autofree char *bad_png = temp_path ("bad-\xfe.png");
  BsNpyArray array;
  BsShape shape = { 3, 2, 2 };
  g_autoptr (GError) error = NULL;

  assert_parse_fails (buf, n, "unsupported dtype");
  g_assert_false (bs_npy_parse ((const uint8_t *) buf, n, "x.npy", &array, &error));
  g_test_message ("%s", error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, "'\xef\xbf\xbd\xef\xbf\xbd<f4'"));   /* U+FFFD twice */
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (bad_name, buf, (gssize) n, NULL));
  g_assert_false (bs_npy_read (bad_name, &array, &error));
  g_test_message ("%s", error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);
  g_assert_null (bs_image_batch_load (bad_name, shape, &error));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (bad_png, "not a PNG", -1, NULL));
  g_assert_null (bs_image_batch_load (bad_png, shape, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_FORMAT);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* Input files over the input budget are refused before they are read. */
static void
test_input_budget (void)
{
  g_autofree char *npy = temp_path ("budget.npy");
  g_autofree char *png = temp_path ("budget.png");
  uint8_t pixels[3 * 2 * 2] = { 0 };
  int64_t dims[3] = { 3, 2, 2 };
  png_image image = { .version = PNG_IMAGE_VERSION, .width = 2, .height = 2,
                      .format = PNG_FORMAT_RGB };
  BsShape shape = { 3, 2, 2 };
  BsNpyArray array;
  g_autoptr (GError) error = NULL;
  g_autoptr (BsImageBatch) batch = NULL;

  g_assert_true (bs_npy_write (npy, BS_NPY_U8, 3, dims, pixels, NULL));
  g_assert_true (png_image_write_to_file (&image, png, 0, pixels, 0, NULL));
  batch = bs_image_batch_load (png, shape, &error);
  g_assert_no_error (error);

  g_setenv ("BS_BUDGET", "input_bytes=40", TRUE);
  g_assert_false (bs_npy_read (npy, &array, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "budget.npy: 140 bytes, over the input budget of 40 "
                                            "(input_bytes"));
  g_clear_error (&error);
  g_assert_null (bs_image_batch_load (npy, shape, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_null (bs_image_batch_load (png, shape, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_TOO_LARGE);
  g_unsetenv ("BS_BUDGET");
}

static void
test_png (void)
{
  g_autofree char *path = temp_path ("img.png");
  uint8_t rgb[4 * 2 * 3];
  png_image image = { 0 };
  BsShape shape = { 3, 2, 4 };
  g_autoptr (BsImageBatch) batch = NULL;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < sizeof rgb; i++)
    rgb[i] = (uint8_t) (i * 10);
  image.version = PNG_IMAGE_VERSION;
  image.width = 4;
  image.height = 2;
  image.format = PNG_FORMAT_RGB;
  g_assert_true (png_image_write_to_file (&image, path, 0, rgb, 0, NULL));

  batch = bs_image_batch_load (path, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (batch->n_images, ==, 1);
  /* HWC in the file, CHW in the batch. */
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 4; x++)
        g_assert_cmpint (batch->pixels[(c * 2 + y) * 4 + x], ==, rgb[(y * 4 + x) * 3 + c]);

  shape.w = 32;
  g_assert_null (bs_image_batch_load (path, shape, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
}

static void
test_npy_batch_shape (void)
{
  g_autofree char *path = temp_path ("batch.npy");
  uint8_t pixels[2 * 3 * 2 * 2];
  int64_t dims[4] = { 2, 3, 2, 2 };
  BsShape ok = { 3, 2, 2 }, wrong = { 1, 2, 2 };
  g_autoptr (BsImageBatch) batch = NULL;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < sizeof pixels; i++)
    pixels[i] = (uint8_t) i;
  g_assert_true (bs_npy_write (path, BS_NPY_U8, 4, dims, pixels, NULL));
  batch = bs_image_batch_load (path, ok, &error);
  g_assert_no_error (error);
  g_assert_cmpint (batch->n_images, ==, 2);
  g_assert_cmpint (bs_image_batch_image (batch, 1)[0], ==, 12);
  g_assert_null (bs_image_batch_load (path, wrong, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
}

static void
test_random_is_seeded (void)
{
  BsShape shape = { 3, 8, 8 };
  g_autoptr (BsImageBatch) a = bs_image_batch_random (shape, 2, 7);
  g_autoptr (BsImageBatch) b = bs_image_batch_random (shape, 2, 7);
  g_autoptr (BsImageBatch) c = bs_image_batch_random (shape, 2, 8);

  g_assert_cmpmem (a->pixels, 2 * 192, b->pixels, 2 * 192);
  g_assert_true (memcmp (a->pixels, c->pixels, 2 * 192) != 0);
}

/* A grayscale 28×28 PNG (Fashion-MNIST's format) for a 1×28×28 model: the gray values
 * unchanged, row by row. */
static void
test_png_gray (void)
{
  g_autofree char *path = temp_path ("gray.png");
  uint8_t gray[28 * 28];
  png_image image = { 0 };
  BsShape shape = { 1, 28, 28 };
  g_autoptr (BsImageBatch) batch = NULL;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < sizeof gray; i++)
    gray[i] = (uint8_t) ((i * 37) % 256);
  image.version = PNG_IMAGE_VERSION;
  image.width = 28;
  image.height = 28;
  image.format = PNG_FORMAT_GRAY;
  g_assert_true (png_image_write_to_file (&image, path, 0, gray, 0, NULL));

  batch = bs_image_batch_load (path, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (batch->n_images, ==, 1);
  g_assert_cmpmem (batch->pixels, sizeof gray, gray, sizeof gray);

  /* The same file for a 32×32 model: a shape error naming both sizes. */
  shape.h = shape.w = 32;
  g_assert_null (bs_image_batch_load (path, shape, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "28×28"));
}

static void
test_labels_path_rule (void)
{
  g_autofree char *a = bs_labels_path_for ("/x/fashion-mnist-test.npy");
  g_autofree char *b = bs_labels_path_for ("IMAGES.NPY");
  g_autofree char *c = bs_labels_path_for ("image.png");

  g_assert_cmpstr (a, ==, "/x/fashion-mnist-test-labels.npy");
  g_assert_cmpstr (b, ==, "IMAGES-labels.npy");
  g_assert_null (c);
}

static void
test_labels_load (void)
{
  g_autofree char *u8 = temp_path ("u8-labels.npy");
  g_autofree char *i32 = temp_path ("i32-labels.npy");
  g_autofree char *flat2 = temp_path ("2d-labels.npy");
  uint8_t small[4] = { 9, 0, 3, 7 };
  int32_t wide[4] = { 1, 2, 3, 12 };
  int64_t dims[1] = { 4 }, dims2[2] = { 2, 2 };
  g_autofree int32_t *labels = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (bs_npy_write (u8, BS_NPY_U8, 1, dims, small, NULL));
  g_assert_true (bs_npy_write (i32, BS_NPY_I32, 1, dims, wide, NULL));
  g_assert_true (bs_npy_write (flat2, BS_NPY_U8, 2, dims2, small, NULL));

  labels = bs_labels_load (u8, 4, 10, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (labels[i], ==, small[i]);
  g_clear_pointer (&labels, g_free);

  /* A class the model does not have. */
  g_assert_null (bs_labels_load (i32, 4, 10, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "label 12 of image 3"));
  g_clear_error (&error);
  labels = bs_labels_load (i32, 4, 13, &error);
  g_assert_no_error (error);
  g_assert_cmpint (labels[3], ==, 12);

  /* One label per image, as a 1-D array. */
  g_assert_null (bs_labels_load (u8, 5, 10, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "4 labels for 5 images"));
  g_clear_error (&error);
  g_assert_null (bs_labels_load (flat2, 4, 10, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_null (bs_labels_load ("/nonexistent/x-labels.npy", 4, 10, &error));
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npy/round-trip", test_npy_round_trip);
  g_test_add_func ("/npy/one-dim", test_npy_one_dim);
  g_test_add_func ("/npy/errors", test_npy_errors);
  g_test_add_func ("/image/png", test_png);
  g_test_add_func ("/npy/errors-are-utf8", test_errors_are_utf8);
  g_test_add_func ("/image/input-budget", test_input_budget);
  g_test_add_func ("/image/npy-batch", test_npy_batch_shape);
  g_test_add_func ("/image/random-seeded", test_random_is_seeded);
  g_test_add_func ("/image/png-gray", test_png_gray);
  g_test_add_func ("/labels/path-rule", test_labels_path_rule);
  g_test_add_func ("/labels/load", test_labels_load);
  return g_test_run ();
}
