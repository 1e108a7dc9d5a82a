/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-dataset.c: loading labelled test images. The formats' own parsers (bs-idx.c,
 * bs-npy.c) check the files; this file checks that images, labels and model agree. */
#include "bs-dataset.h"
#include "bs-budget.h"
#include "bs-idx.h"
#include "bs-npy.h"

#include <gio/gio.h>
#include <string.h>

#define FASHION_MNIST_PACKAGE "dataset-fashion-mnist"
#define GZIP_CHUNK (64 * 1024)

void
bs_dataset_free (BsDataset *set)
{
  if (set == NULL)
    return;
  g_free (set->name);
  bs_image_batch_free (set->images);
  g_free (set->labels);
  g_free (set);
}

/* Appends what stream gives to bytes, refusing more than the input budget (a small
 * gzip file can inflate to anything). */
static gboolean
read_all_within_budget (GInputStream *stream, const char *what, GByteArray *bytes,
                        GError **error)
{
  uint8_t chunk[GZIP_CHUNK];

  for (;;)
    {
      gssize n = g_input_stream_read (stream, chunk, sizeof chunk, NULL, error);

      if (n < 0)
        {
          g_prefix_error (error, "%s: ", what);
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      g_byte_array_append (bytes, chunk, (guint) n);
      if (!bs_budget_check_input (bytes->len, what, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                  error))
        return FALSE;
    }
}

static GByteArray *
read_gzip (const char *path, const char *what, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) raw = g_file_read (file, NULL, error);
  g_autoptr (GZlibDecompressor) gunzip = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  if (raw == NULL)
    return NULL;
  gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  stream = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (gunzip));
  if (!read_all_within_budget (stream, what, bytes, error))
    return NULL;
  return g_steal_pointer (&bytes);
}

/* One gzip'd IDX file of dir, with a missing file named with the package to install. */
static gboolean
load_idx_gz (const char *dir, const char *name, BsIdxArray *out, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *what = g_filename_display_name (path);
  g_autoptr (GByteArray) bytes = NULL;

  memset (out, 0, sizeof *out);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "the Fashion-MNIST test set is not installed: %s is missing (install "
                   "Debian's %s package: apt install %s)", what, FASHION_MNIST_PACKAGE,
                   FASHION_MNIST_PACKAGE);
      return FALSE;
    }
  bytes = read_gzip (path, what, error);
  return bytes != NULL && bs_idx_parse (bytes->data, bytes->len, what, out, error);
}

static gboolean
shape_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
shape_error (GError **error, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error_literal (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE, msg);
  return FALSE;
}

static BsImageBatch *
batch_take (BsShape shape, int n_images, void *pixels)
{
  BsImageBatch *batch = g_new0 (BsImageBatch, 1);

  batch->shape = shape;
  batch->n_images = n_images;
  batch->pixels = pixels;
  return batch;
}

static gboolean
check_counts (int n_images, gint64 n_labels, const char *images, const char *labels,
              GError **error)
{
  if (n_labels != n_images)
    return shape_error (error, "%s has %d images but %s has %" G_GINT64_FORMAT " labels",
                        images, n_images, labels, n_labels);
  return TRUE;
}

static BsDataset *
dataset_from_idx (BsIdxArray *images, BsIdxArray *labels, BsShape expected, GError **error)
{
  BsDataset *set;

  if (images->n_dims != 3)
    {
      shape_error (error, "t10k-images has %d dimensions, want 3 (N, H, W)", images->n_dims);
      return NULL;
    }
  if (expected.c != 1 || (int64_t) images->dims[1] != expected.h
      || (int64_t) images->dims[2] != expected.w)
    {
      shape_error (error, "t10k-images holds 1x%ux%u images, the model takes %dx%dx%d",
                   images->dims[1], images->dims[2], expected.c, expected.h, expected.w);
      return NULL;
    }
  if (labels->n_dims != 1)
    {
      shape_error (error, "Fashion-MNIST labels file has %d dimensions, want 1", labels->n_dims);
      return NULL;
    }
  if (images->dims[0] > G_MAXINT
      || !check_counts ((int) images->dims[0], labels->dims[0], "t10k-images", "t10k-labels",
                        error))
    return NULL;
  set = g_new0 (BsDataset, 1);
  set->name = g_strdup ("fashion-mnist (t10k)");
  set->images = batch_take (expected, (int) images->dims[0], g_steal_pointer (&images->data));
  set->labels = g_new (int32_t, labels->dims[0]);
  for (uint32_t i = 0; i < labels->dims[0]; i++)
    set->labels[i] = labels->data[i];
  return set;
}

BsDataset *
bs_dataset_load_fashion_mnist (const char *dir, BsShape expected, GError **error)
{
  BsIdxArray images = { 0 }, labels = { 0 };
  BsDataset *set = NULL;

  if (dir == NULL)
    dir = BS_FASHION_MNIST_DIR;
  if (load_idx_gz (dir, "t10k-images-idx3-ubyte.gz", &images, error)
      && load_idx_gz (dir, "t10k-labels-idx1-ubyte.gz", &labels, error))
    set = dataset_from_idx (&images, &labels, expected, error);
  bs_idx_array_clear (&images);
  bs_idx_array_clear (&labels);
  return set;
}

/* (N,C,H,W), or (N,H,W) when the model takes one channel. */
static gboolean
npy_images_match (const BsNpyArray *a, BsShape expected)
{
  if (a->type != BS_NPY_U8 || a->dims[0] < 1 || a->dims[0] > G_MAXINT)
    return FALSE;
  if (a->n_dims == 4)
    return a->dims[1] == expected.c && a->dims[2] == expected.h && a->dims[3] == expected.w;
  return a->n_dims == 3 && expected.c == 1 && a->dims[1] == expected.h
         && a->dims[2] == expected.w;
}

static gboolean
npy_label_at (const BsNpyArray *a, uint64_t i, int32_t *out)
{
  int64_t v;

  switch (a->type)
    {
    case BS_NPY_U8:
      v = ((const uint8_t *) a->data)[i];
      break;
    case BS_NPY_I32:
      v = ((const int32_t *) a->data)[i];
      break;
    case BS_NPY_I64:
    default:
      v = ((const int64_t *) a->data)[i];
      break;
    }
  *out = (int32_t) v;
  return v >= 0 && v <= G_MAXINT32;
}

static int32_t *
labels_from_npy (const BsNpyArray *a, const char *what, GError **error)
{
  g_autofree int32_t *labels = NULL;

  if (a->n_dims != 1)
    {
      shape_error (error, "%s: want labels of shape (N,), not %d dimensions", what, a->n_dims);
      return NULL;
    }
  labels = g_new (int32_t, MAX (a->n_elements, 1));
  for (uint64_t i = 0; i < a->n_elements; i++)
    if (!npy_label_at (a, i, &labels[i]))
      {
        shape_error (error, "%s: label %" G_GUINT64_FORMAT " is negative or too large", what, i);
        return NULL;
      }
  return g_steal_pointer (&labels);
}

static BsDataset *
dataset_from_npy (BsNpyArray *images, BsNpyArray *labels, const char *images_what,
                  const char *labels_what, BsShape expected, GError **error)
{
  g_autofree int32_t *label_values = NULL;
  BsDataset *set;

  if (!npy_images_match (images, expected))
    {
      shape_error (error, "%s: want uint8 images of shape (N, %d, %d, %d)%s", images_what,
                   expected.c, expected.h, expected.w,
                   expected.c == 1 ? " or (N, H, W)" : "");
      return NULL;
    }
  if ((label_values = labels_from_npy (labels, labels_what, error)) == NULL
      || !check_counts ((int) images->dims[0], labels->dims[0], images_what, labels_what,
                        error))
    return NULL;
  set = g_new0 (BsDataset, 1);
  set->name = g_path_get_basename (images_what);
  set->images = batch_take (expected, (int) images->dims[0], g_steal_pointer (&images->data));
  set->labels = g_steal_pointer (&label_values);
  return set;
}

BsDataset *
bs_dataset_load_npy (const char *images_path, const char *labels_path, BsShape expected,
                     GError **error)
{
  g_autofree char *images_what = g_filename_display_name (images_path);
  g_autofree char *labels_what = g_filename_display_name (labels_path);
  BsNpyArray images = { 0 }, labels = { 0 };
  BsDataset *set = NULL;

  if (bs_npy_read (images_path, &images, error) && bs_npy_read (labels_path, &labels, error))
    set = dataset_from_npy (&images, &labels, images_what, labels_what, expected, error);
  bs_npy_array_clear (&images);
  bs_npy_array_clear (&labels);
  return set;
}
