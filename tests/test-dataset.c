/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-dataset.c: the IDX reader (core/bs-idx.c) on hand-built headers, the labelled data
 * set loaders (core/bs-dataset.c) on files written here, and the accuracy tally
 * (core/bs-accuracy.c) on an example worked out by hand. */
#include "bs-accuracy.h"
#include "bs-dataset.h"
#include "bs-idx.h"
#include "bs-npy.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

/* An IDX file: magic 0 0 8 n, big-endian dims, then n_data bytes of value 7. */
static GByteArray *
make_idx (int n_dims, const uint32_t *dims, gsize n_data)
{
  GByteArray *b = g_byte_array_new ();
  uint8_t head[4] = { 0, 0, 8, (uint8_t) n_dims };

  g_byte_array_append (b, head, 4);
  for (int d = 0; d < n_dims; d++)
    {
      uint8_t be[4] = { dims[d] >> 24, dims[d] >> 16, dims[d] >> 8, dims[d] };
      g_byte_array_append (b, be, 4);
    }
  for (gsize i = 0; i < n_data; i++)
    g_byte_array_append (b, (const uint8_t *) "\x07", 1);
  return b;
}

static void
assert_idx_fails (const GByteArray *b, const char *message)
{
  g_autoptr (GError) error = NULL;
  BsIdxArray a;

  g_assert_false (bs_idx_parse (b->data, b->len, "x.idx", &a, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, message));
  g_assert_null (a.data);
}

static void
test_idx_parse (void)
{
  uint32_t dims[3] = { 2, 3, 4 };
  g_autoptr (GByteArray) b = make_idx (3, dims, 24);
  g_autoptr (GError) error = NULL;
  BsIdxArray a;

  g_assert_true (bs_idx_parse (b->data, b->len, "x.idx", &a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (a.n_dims, ==, 3);
  g_assert_cmpuint (a.dims[0], ==, 2);
  g_assert_cmpuint (a.dims[2], ==, 4);
  g_assert_cmpuint (a.n_elements, ==, 24);
  g_assert_cmpuint (a.data[23], ==, 7);
  bs_idx_array_clear (&a);
}

static void
test_idx_errors (void)
{
  uint32_t dims[3] = { 2, 3, 4 };
  uint32_t zero[2] = { 5, 0 };
  uint32_t huge[3] = { 0xffffffffu, 0xffffffffu, 0xffffffffu };
  g_autoptr (GByteArray) b = NULL;

  b = make_idx (3, dims, 23);
  assert_idx_fails (b, "need 24 bytes of data, the file has 23");
  g_byte_array_unref (b);
  b = make_idx (3, dims, 25);
  assert_idx_fails (b, "need 24 bytes of data, the file has 25");
  b->data[0] = 1;
  assert_idx_fails (b, "bad magic");
  b->data[0] = 0;
  b->data[2] = 0x0d;   /* float */
  assert_idx_fails (b, "type 0x0d");
  b->data[2] = 8;
  b->data[3] = 0;
  assert_idx_fails (b, "0 dimensions");
  b->data[3] = 5;
  assert_idx_fails (b, "5 dimensions");
  g_byte_array_set_size (b, 9);
  b->data[3] = 3;
  assert_idx_fails (b, "truncated header");
  g_byte_array_set_size (b, 3);
  assert_idx_fails (b, "bad magic");
  g_byte_array_unref (b);
  b = make_idx (2, zero, 0);
  assert_idx_fails (b, "dimension 1 is 0");
  g_byte_array_unref (b);
  b = make_idx (3, huge, 0);
  assert_idx_fails (b, "multiply to more than");
}

/* gzip through GIO's compressor: the loader's decompressor is what is under test. */
static void
write_gzip (const char *path, const GByteArray *bytes)
{
  g_autoptr (GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) raw = g_file_replace (file, NULL, FALSE, 0, NULL, NULL);
  g_autoptr (GOutputStream) out = g_converter_output_stream_new (G_OUTPUT_STREAM (raw),
                                                                  G_CONVERTER (gz));

  g_assert_true (g_output_stream_write_all (out, bytes->data, bytes->len, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
}

/* A Fashion-MNIST-like folder: n images of h x w (pixel = image index), n_labels labels
 * (label = index mod 10). */
static char *
make_fmnist_dir (int n, int h, int w, int n_labels)
{
  char *dir = g_dir_make_tmp ("bs-test-fmnist-XXXXXX", NULL);
  uint32_t idims[3] = { n, h, w }, ldims[1] = { n_labels };
  g_autoptr (GByteArray) images = make_idx (3, idims, (gsize) n * h * w);
  g_autoptr (GByteArray) labels = make_idx (1, ldims, n_labels);
  g_autofree char *ipath = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  g_autofree char *lpath = g_build_filename (dir, "t10k-labels-idx1-ubyte.gz", NULL);

  for (int i = 0; i < n; i++)
    memset (images->data + 16 + (gsize) i * h * w, i, (gsize) h * w);
  for (int i = 0; i < n_labels; i++)
    labels->data[8 + i] = i % 10;
  write_gzip (ipath, images);
  write_gzip (lpath, labels);
  return dir;
}

static void
remove_fmnist_dir (const char *dir)
{
  g_autofree char *ipath = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  g_autofree char *lpath = g_build_filename (dir, "t10k-labels-idx1-ubyte.gz", NULL);

  g_remove (ipath);
  g_remove (lpath);
  g_rmdir (dir);
}

static const BsShape mnist_shape = { 1, 28, 28 };

static void
test_fashion_mnist_from_gzip (void)
{
  g_autofree char *dir = make_fmnist_dir (12, 28, 28, 12);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsDataset) set = bs_dataset_load_fashion_mnist (dir, mnist_shape, &error);

  g_assert_no_error (error);
  g_assert_cmpint (set->images->n_images, ==, 12);
  for (int i = 0; i < 12; i++)
    {
      g_assert_cmpint (bs_image_batch_image (set->images, i)[0], ==, i);
      g_assert_cmpint (bs_image_batch_image (set->images, i)[28 * 28 - 1], ==, i);
      g_assert_cmpint (set->labels[i], ==, i % 10);
    }
  remove_fmnist_dir (dir);
}

static void
assert_fmnist_fails (const char *dir, BsShape shape, GQuark domain, int code, const char *msg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsDataset) set = bs_dataset_load_fashion_mnist (dir, shape, &error);

  g_assert_null (set);
  g_test_message ("%s", error->message);
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, msg));
}

static void
test_fashion_mnist_errors (void)
{
  g_autofree char *counts = make_fmnist_dir (5, 28, 28, 4);
  g_autofree char *small = make_fmnist_dir (5, 14, 14, 5);
  g_autofree char *corrupt = make_fmnist_dir (5, 28, 28, 5);
  g_autofree char *corrupt_path = g_build_filename (corrupt, "t10k-labels-idx1-ubyte.gz", NULL);
  BsShape rgb = { 3, 28, 28 };

  assert_fmnist_fails ("/nonexistent/bs-fmnist", mnist_shape, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "install Debian's dataset-fashion-mnist package");
  assert_fmnist_fails (counts, mnist_shape, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE,
                       "has 5 images but t10k-labels has 4 labels");
  assert_fmnist_fails (small, mnist_shape, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE,
                       "holds 1x14x14 images, the model takes 1x28x28");
  assert_fmnist_fails (counts, rgb, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE,
                       "holds 1x28x28 images, the model takes 3x28x28");
  g_assert_true (g_file_set_contents (corrupt_path, "\x1f\x8b\x08\x00garbage", 12, NULL));
  /* A gzip header and then no deflate stream: the decompressor wants more input. */
  assert_fmnist_fails (corrupt, mnist_shape, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       "t10k-labels-idx1-ubyte.gz");
  remove_fmnist_dir (counts);
  remove_fmnist_dir (small);
  remove_fmnist_dir (corrupt);
}

/* The real test set, when Debian's package is installed: 10 000 images, 1 000 of each
 * of the 10 classes (as the data set's documentation says). */
static void
test_fashion_mnist_installed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsDataset) set = NULL;
  int per_class[10] = { 0 };

  if (!g_file_test (BS_FASHION_MNIST_DIR "/t10k-labels-idx1-ubyte.gz", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  set = bs_dataset_load_fashion_mnist (NULL, mnist_shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (set->images->n_images, ==, 10000);
  for (int i = 0; i < 10000; i++)
    {
      g_assert_cmpint (set->labels[i], >=, 0);
      g_assert_cmpint (set->labels[i], <, 10);
      per_class[set->labels[i]]++;
    }
  for (int c = 0; c < 10; c++)
    g_assert_cmpint (per_class[c], ==, 1000);
}

static char *
save_npy (const char *dir, const char *name, BsNpyType type, int n_dims, const int64_t *dims,
          const void *data)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (bs_npy_write (path, type, n_dims, dims, data, NULL));
  return path;
}

/* int64 labels as NumPy writes them (bs_npy_write writes uint8 and int32 only). */
static char *
save_i64_labels (const char *dir, const char *name, const int64_t *labels, int n)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *header = g_strdup_printf ("{'descr': '<i8', 'fortran_order': False, "
                                             "'shape': (%d,), }", n);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  uint8_t pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };

  pre[8] = (uint8_t) strlen (header);
  g_byte_array_append (b, pre, 10);
  g_byte_array_append (b, (const uint8_t *) header, strlen (header));
  g_byte_array_append (b, (const uint8_t *) labels, n * sizeof (int64_t));
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
  return path;
}

static void
assert_npy_fails (const char *images, const char *labels, BsShape shape, const char *msg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsDataset) set = bs_dataset_load_npy (images, labels, shape, &error);

  g_assert_null (set);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, msg));
}

static void
test_npy_dataset (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bs-test-npyset-XXXXXX", NULL);
  uint8_t pixels[3 * 2 * 2] = { 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 };
  int64_t nhw[3] = { 3, 2, 2 }, nchw[4] = { 3, 1, 2, 2 }, n3[1] = { 3 }, n2[1] = { 2 };
  int64_t n3x1[2] = { 3, 1 };
  int64_t labels64[3] = { 4, 0, 9 }, negative64[3] = { 1, -1, 2 };
  int64_t too_big64[3] = { 1, (int64_t) 1 << 40, 2 };
  uint8_t labels8[3] = { 7, 8, 9 };
  int32_t labels32[3] = { 1, 2, 3 };
  BsShape gray = { 1, 2, 2 }, rgb = { 3, 2, 2 };
  g_autofree char *hw = save_npy (dir, "hw.npy", BS_NPY_U8, 3, nhw, pixels);
  g_autofree char *chw = save_npy (dir, "chw.npy", BS_NPY_U8, 4, nchw, pixels);
  g_autofree char *l64 = save_i64_labels (dir, "l64.npy", labels64, 3);
  g_autofree char *neg = save_i64_labels (dir, "neg.npy", negative64, 3);
  g_autofree char *big = save_i64_labels (dir, "big.npy", too_big64, 3);
  g_autofree char *l8 = save_npy (dir, "l8.npy", BS_NPY_U8, 1, n3, labels8);
  g_autofree char *l32 = save_npy (dir, "l32.npy", BS_NPY_I32, 1, n3, labels32);
  g_autofree char *l2 = save_npy (dir, "l2.npy", BS_NPY_I32, 1, n2, labels32);
  g_autofree char *l2d = save_npy (dir, "l2d.npy", BS_NPY_I32, 2, n3x1, labels32);
  g_autoptr (GError) error = NULL;
  g_autoptr (BsDataset) a = bs_dataset_load_npy (hw, l64, gray, &error);
  g_autoptr (BsDataset) b = bs_dataset_load_npy (chw, l8, gray, &error);
  g_autoptr (BsDataset) c = bs_dataset_load_npy (chw, l32, gray, &error);

  g_assert_no_error (error);
  g_assert_cmpint (a->images->n_images, ==, 3);
  g_assert_cmpint (bs_image_batch_image (a->images, 2)[3], ==, 3);
  g_assert_cmpint (a->labels[0], ==, 4);
  g_assert_cmpint (a->labels[2], ==, 9);
  g_assert_cmpstr (a->name, ==, "hw.npy");
  g_assert_cmpint (b->labels[1], ==, 8);
  g_assert_cmpint (c->labels[2], ==, 3);
  g_assert_cmpint (bs_image_batch_image (c->images, 1)[0], ==, 2);

  assert_npy_fails (hw, l64, rgb, "want uint8 images of shape (N, 3, 2, 2)");
  assert_npy_fails (chw, l2, gray, "has 3 images but");
  assert_npy_fails (chw, l2d, gray, "want labels of shape (N,)");
  assert_npy_fails (chw, neg, gray, "label 1 is negative or too large");
  assert_npy_fails (chw, big, gray, "label 1 is negative or too large");
  assert_npy_fails (l8, l8, gray, "want uint8 images");
  for (const char *const *f = (const char *const[]) { hw, chw, l64, neg, big, l8, l32, l2, l2d, NULL };
       *f; f++)
    g_remove (*f);
  g_rmdir (dir);
}

/* Four classes, five images; ranks and the confusion matrix worked out by hand. */
static void
test_accuracy_tally (void)
{
  static const int32_t logits[5][4] = {
    { 1, 9, 3, 2 },    /* predicted 1; label 1: top-1 */
    { 5, 5, 0, 0 },    /* tie: predicted 0 (lower index); label 1 ranks 1 */
    { 0, 0, 0, 0 },    /* all equal: predicted 0; label 3 ranks 3 */
    { -4, -3, -2, -1 },/* predicted 3; label 0 ranks 3 */
    { 7, 1, 7, 7 },    /* predicted 0; label 2 ranks 1 */
  };
  static const int labels[5] = { 1, 1, 3, 0, 2 };
  g_autoptr (BsAccuracy) acc = bs_accuracy_new (4);

  g_assert_cmpint (bs_accuracy_rank (logits[1], 4, 1), ==, 1);
  g_assert_cmpint (bs_accuracy_rank (logits[2], 4, 3), ==, 3);
  g_assert_cmpint (bs_accuracy_rank (logits[4], 4, 3), ==, 2);
  g_assert_cmpint (bs_accuracy_argmax (logits[3], 4), ==, 3);
  for (int i = 0; i < 5; i++)
    bs_accuracy_add (acc, logits[i], labels[i]);
  g_assert_cmpint (acc->n_images, ==, 5);
  g_assert_cmpint (acc->top1_hits, ==, 1);
  g_assert_cmpint (acc->top5_hits, ==, 5);         /* 4 classes: everything is in the top 5 */
  g_assert_cmpfloat_with_epsilon (bs_accuracy_top1 (acc), 0.2, 1e-12);
  g_assert_cmpint (acc->confusion[1 * 4 + 1], ==, 1);
  g_assert_cmpint (acc->confusion[1 * 4 + 0], ==, 1);
  g_assert_cmpint (acc->confusion[3 * 4 + 0], ==, 1);
  g_assert_cmpint (acc->confusion[0 * 4 + 3], ==, 1);
  g_assert_cmpint (acc->confusion[2 * 4 + 0], ==, 1);
  g_assert_cmpint (bs_accuracy_class_total (acc, 1), ==, 2);
  g_assert_cmpint (bs_accuracy_class_hits (acc, 1), ==, 1);
  g_assert_cmpint (bs_accuracy_class_total (acc, 2), ==, 1);
  g_assert_cmpint (bs_accuracy_class_hits (acc, 2), ==, 0);
}

/* Top-5 among 7 classes: the label ranked 5th (0-based 4) counts, 6th does not. */
static void
test_accuracy_top5_boundary (void)
{
  static const int32_t logits[7] = { 70, 60, 50, 40, 30, 20, 10 };
  g_autoptr (BsAccuracy) acc = bs_accuracy_new (7);

  bs_accuracy_add (acc, logits, 4);
  bs_accuracy_add (acc, logits, 5);
  g_assert_cmpint (acc->top5_hits, ==, 1);
  g_assert_cmpint (acc->top1_hits, ==, 0);
  g_assert_cmpfloat (bs_accuracy_top5 (acc), ==, 0.5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/idx/parse", test_idx_parse);
  g_test_add_func ("/idx/errors", test_idx_errors);
  g_test_add_func ("/dataset/fashion-mnist-gzip", test_fashion_mnist_from_gzip);
  g_test_add_func ("/dataset/fashion-mnist-errors", test_fashion_mnist_errors);
  g_test_add_func ("/dataset/fashion-mnist-installed", test_fashion_mnist_installed);
  g_test_add_func ("/dataset/npy", test_npy_dataset);
  g_test_add_func ("/accuracy/tally", test_accuracy_tally);
  g_test_add_func ("/accuracy/top5-boundary", test_accuracy_top5_boundary);
  return g_test_run ();
}
