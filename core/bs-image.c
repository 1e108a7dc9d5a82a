/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-image.c: decoding inputs into uint8 CHW batches. */
#include "bs-image.h"
#include "bs-npy.h"
#include "bs-budget.h"

#include <stdarg.h>
#include <png.h>
#include <string.h>

G_DEFINE_QUARK (bs-input-error-quark, bs_input_error)

static BsImageBatch *
batch_new (BsShape shape, int n_images)
{
  BsImageBatch *batch = g_new0 (BsImageBatch, 1);

  batch->shape = shape;
  batch->n_images = n_images;
  batch->pixels = g_malloc0 ((gsize) n_images * shape.c * shape.h * shape.w);
  return batch;
}

void
bs_image_batch_free (BsImageBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->pixels);
  g_free (batch);
}

BsImageBatch *
bs_image_batch_random (BsShape shape, int n_images, guint32 seed)
{
  BsImageBatch *batch = batch_new (shape, n_images);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  gsize n = (gsize) n_images * shape.c * shape.h * shape.w;

  for (gsize i = 0; i < n; i++)
    batch->pixels[i] = (uint8_t) g_rand_int_range (rand, 0, 256);
  return batch;
}

/* Messages name the file and may quote its bytes; GTK labels and JSON need UTF-8. */
static void G_GNUC_PRINTF (3, 4)
input_error (GError **error, BsInputError code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;
  g_autofree char *valid = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  valid = g_utf8_make_valid (message, -1);
  g_set_error_literal (error, BS_INPUT_ERROR, code, valid);
}

static BsImageBatch *
decode_png (const uint8_t *bytes, gsize n_bytes, const char *what, BsShape expected,
            GError **error)
{
  png_image image;
  g_autofree uint8_t *hwc = NULL;
  BsImageBatch *batch;

  if (expected.c != 1 && expected.c != 3)
    {
      input_error (error, BS_INPUT_ERROR_SHAPE, "%s: the model takes %d channels; PNG input "
                   "works for 1 or 3 (use .npy)", what, expected.c);
      return NULL;
    }
  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory (&image, bytes, n_bytes))
    {
      input_error (error, BS_INPUT_ERROR_FORMAT, "%s: cannot read PNG: %s", what, image.message);
      return NULL;
    }
  /* Before decoding: the model's input shape bounds what a PNG may make us allocate. */
  if ((int64_t) image.width != expected.w || (int64_t) image.height != expected.h)
    {
      input_error (error, BS_INPUT_ERROR_SHAPE, "%s: image is %u×%u, the model takes %d×%d",
                   what, image.width, image.height, expected.w, expected.h);
      png_image_free (&image);
      return NULL;
    }
  image.format = expected.c == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  hwc = g_malloc (PNG_IMAGE_SIZE (image));
  if (!png_image_finish_read (&image, NULL, hwc, 0, NULL))
    {
      input_error (error, BS_INPUT_ERROR_FORMAT, "%s: cannot decode PNG: %s", what,
                   image.message);
      png_image_free (&image);
      return NULL;
    }

  batch = batch_new (expected, 1);
  for (int c = 0; c < expected.c; c++)
    for (int y = 0; y < expected.h; y++)
      for (int x = 0; x < expected.w; x++)
        batch->pixels[((gsize) c * expected.h + y) * expected.w + x] =
          hwc[((gsize) y * expected.w + x) * expected.c + c];
  return batch;
}

static BsImageBatch *
decode_npy (const uint8_t *bytes, gsize n_bytes, const char *what, BsShape expected,
            GError **error)
{
  BsNpyArray array;
  BsImageBatch *batch;
  int first;
  int64_t n_images;

  if (!bs_npy_parse (bytes, n_bytes, what, &array, error))
    return NULL;
  n_images = array.n_dims == 4 ? array.dims[0] : 1;
  first = array.n_dims == 4 ? 1 : 0;
  if (array.type != BS_NPY_U8 || (array.n_dims != 3 && array.n_dims != 4)
      || array.dims[first] != expected.c || array.dims[first + 1] != expected.h
      || array.dims[first + 2] != expected.w || n_images < 1 || n_images > G_MAXINT)
    {
      input_error (error, BS_INPUT_ERROR_SHAPE, "%s: want uint8 images of shape (%d, %d, %d) "
                   "or (N, %d, %d, %d)", what, expected.c, expected.h, expected.w,
                   expected.c, expected.h, expected.w);
      bs_npy_array_clear (&array);
      return NULL;
    }
  batch = g_new0 (BsImageBatch, 1);
  batch->shape = expected;
  batch->n_images = (int) n_images;
  batch->pixels = g_steal_pointer (&array.data);
  return batch;
}

BsImageBatch *
bs_image_batch_decode (const uint8_t *bytes, gsize n_bytes, const char *name, BsShape expected,
                       GError **error)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  if (g_str_has_suffix (lower, ".png"))
    return decode_png (bytes, n_bytes, name, expected, error);
  if (g_str_has_suffix (lower, ".npy"))
    return decode_npy (bytes, n_bytes, name, expected, error);
  input_error (error, BS_INPUT_ERROR_FORMAT, "%s: unknown input format (want .png or .npy)",
               name);
  return NULL;
}

BsImageBatch *
bs_image_batch_load (const char *path, BsShape expected, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  gsize length;

  if (file == NULL)
    return NULL;
  /* Mapped, so a huge file is refused before any of it is read. */
  length = g_mapped_file_get_length (file);
  if (!bs_budget_check_input (length, display, BS_INPUT_ERROR, BS_INPUT_ERROR_TOO_LARGE, error))
    return NULL;
  /* An empty file maps to NULL. */
  return bs_image_batch_decode ((const uint8_t *) g_mapped_file_get_contents (file), length,
                                display, expected, error);
}
