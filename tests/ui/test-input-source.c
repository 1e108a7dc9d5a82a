/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-input-source.c: what a run classifies (ui/bs-input-source.c), no display. With
 * BLENDSCOPE_MODELS_DIR pointing at a temporary folder: the gallery beside the models is
 * the default for a 1×28×28 model, with its labels; a model it does not fit gets seeded
 * random images without labels; an .npy gets NAME-labels.npy when it lies beside it; a
 * wrong shape or bad labels are errors that name the file. */
#include <glib/gstdio.h>
#include <string.h>

#include "bs-bundled.h"
#include "bs-input-source.h"
#include "bs-npy.h"
#include "bs-test-models.h"

static char *root;

/* quantize_input → global_avgpool → fc_fixed: C×H×W in, 10 classes out. */
static BsModel *
tiny_model (int c, int h, int w)
{
  BsShape shape = { c, h, w };
  BsModel *m = bs_model_new ("tiny", shape);
  int q = add_layer (m, "q", BS_LAYER_QUANTIZE_INPUT, BS_PATH_STEM, BS_INPUT_MODEL, NO_INPUT);
  int pool = add_layer (m, "pool", BS_LAYER_GLOBAL_AVGPOOL, BS_PATH_HEAD, q, NO_INPUT);
  g_autoptr (GError) error = NULL;

  add_conv (m, "fc", BS_LAYER_FC_FIXED, BS_PATH_HEAD, pool, c, 10, 1, 1, 0, 8, TRUE);
  if (!bs_model_validate (m, &error))
    g_error ("tiny model: %s", error->message);
  return m;
}

static char *
write_images (const char *folder, const char *name, int n, int c, int h, int w)
{
  char *path = g_build_filename (folder, name, NULL);
  int64_t dims[4] = { n, c, h, w };
  g_autofree uint8_t *pixels = g_malloc0 ((gsize) n * c * h * w);

  for (gsize i = 0; i < (gsize) n * c * h * w; i++)
    pixels[i] = (uint8_t) (i * 7);
  g_assert_true (bs_npy_write (path, BS_NPY_U8, 4, dims, pixels, NULL));
  return path;
}

static void
write_labels (const char *path, int n, uint8_t first)
{
  int64_t dims[1] = { n };
  g_autofree uint8_t *labels = g_malloc (n);

  for (int i = 0; i < n; i++)
    labels[i] = (uint8_t) ((first + i) % 10);
  g_assert_true (bs_npy_write (path, BS_NPY_U8, 1, dims, labels, NULL));
}

static void
setup_bundled (void)
{
  g_autofree char *models = g_build_filename (root, "models", NULL);
  g_autofree char *gallery = g_build_filename (root, "gallery", NULL);
  g_autofree char *images = NULL, *labels = NULL;

  g_assert_cmpint (g_mkdir_with_parents (models, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (gallery, 0700), ==, 0);
  images = write_images (gallery, "fashion-mnist-test.npy", 6, 1, 28, 28);
  labels = g_build_filename (gallery, "fashion-mnist-test-labels.npy", NULL);
  write_labels (labels, 6, 3);
  g_setenv ("BLENDSCOPE_MODELS_DIR", models, TRUE);
}

static void
test_default_is_the_gallery (void)
{
  g_autoptr (BsModel) model = tiny_model (1, 28, 28);
  g_autoptr (BsInputSource) source = bs_input_source_load_default (model);

  g_assert_nonnull (source);
  g_assert_null (source->path);
  g_assert_cmpint (source->images->n_images, ==, 6);
  g_assert_nonnull (source->labels);
  g_assert_cmpint (source->labels[0], ==, 3);
  g_assert_cmpint (source->labels[5], ==, 8);
  g_assert_nonnull (strstr (source->description, "gallery"));
  g_assert_nonnull (strstr (source->description, "labelled"));
}

static void
test_default_when_nothing_fits (void)
{
  g_autoptr (BsModel) model = tiny_model (3, 8, 8);
  g_autoptr (BsInputSource) source = bs_input_source_load_default (model);

  g_assert_nonnull (source);
  g_assert_cmpint (source->images->shape.c, ==, 3);
  g_assert_cmpint (source->images->shape.w, ==, 8);
  g_assert_null (source->labels);
  g_assert_nonnull (strstr (source->description, "random"));
}

static void
test_npy_with_labels_beside (void)
{
  g_autoptr (BsModel) model = tiny_model (1, 28, 28);
  g_autofree char *images = write_images (root, "mine.npy", 3, 1, 28, 28);
  g_autofree char *labels = g_build_filename (root, "mine-labels.npy", NULL);
  g_autofree char *unlabelled = write_images (root, "other.npy", 2, 1, 28, 28);
  g_autoptr (BsInputSource) a = NULL, b = NULL, c = NULL;
  g_autoptr (GError) error = NULL;

  write_labels (labels, 3, 9);
  a = bs_input_source_load (images, model, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->path, ==, images);
  g_assert_nonnull (a->labels);
  g_assert_cmpint (a->labels[1], ==, 0);
  g_assert_nonnull (strstr (a->description, "mine.npy"));

  b = bs_input_source_load (unlabelled, model, &error);
  g_assert_no_error (error);
  g_assert_null (b->labels);
  g_assert_nonnull (strstr (b->description, "no labels"));

  /* Labels for 2 images beside 3: refused, naming the labels file. */
  write_labels (labels, 2, 0);
  c = bs_input_source_load (images, model, &error);
  g_assert_null (c);
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "mine-labels.npy"));
}

static void
test_wrong_shape (void)
{
  g_autoptr (BsModel) model = tiny_model (1, 28, 28);
  g_autofree char *images = write_images (root, "rgb.npy", 2, 3, 32, 32);
  g_autoptr (GError) error = NULL;

  g_assert_null (bs_input_source_load (images, model, &error));
  g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "rgb.npy"));
  g_assert_nonnull (strstr (error->message, "(1, 28, 28)"));
}

static void
test_default_model_rule (void)
{
  g_autofree char *models = g_build_filename (root, "models", NULL);
  g_autofree char *bn20 = g_build_filename (models, "blendnet20.bsm", NULL);
  g_autofree char *fm = g_build_filename (models, "fmnist-blendnet.bsm", NULL);
  g_autofree char *other = g_build_filename (models, "aaa.bsm", NULL);
  g_autofree char *path = NULL;
  g_auto (GStrv) names = NULL;

  g_assert_null (bs_bundled_default_model_path ());
  g_assert_true (g_file_set_contents (other, "x", -1, NULL));
  g_assert_true (g_file_set_contents (bn20, "x", -1, NULL));
  path = bs_bundled_default_model_path ();
  g_assert_cmpstr (path, ==, bn20);
  g_clear_pointer (&path, g_free);
  g_assert_true (g_file_set_contents (fm, "x", -1, NULL));
  path = bs_bundled_default_model_path ();
  g_assert_cmpstr (path, ==, fm);
  names = bs_bundled_models_list ();
  g_assert_cmpstr (names[0], ==, "fmnist-blendnet");
  g_assert_cmpstr (names[1], ==, "blendnet20");
  g_assert_cmpstr (names[2], ==, "aaa");
  g_remove (bn20);
  g_remove (fm);
  g_remove (other);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  root = g_dir_make_tmp ("bs-test-input-XXXXXX", NULL);
  setup_bundled ();
  g_test_add_func ("/input-source/default-is-the-gallery", test_default_is_the_gallery);
  g_test_add_func ("/input-source/default-when-nothing-fits", test_default_when_nothing_fits);
  g_test_add_func ("/input-source/npy-with-labels-beside", test_npy_with_labels_beside);
  g_test_add_func ("/input-source/wrong-shape", test_wrong_shape);
  g_test_add_func ("/input-source/default-model-rule", test_default_model_rule);
  status = g_test_run ();
  g_free (root);
  return status;
}
