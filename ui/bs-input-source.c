/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-input-source.c: loading what a run classifies. */
#include "bs-input-source.h"

#include "bs-bundled.h"
#include "bs-labels.h"

#define N_RANDOM_IMAGES 16

void
bs_input_source_free (BsInputSource *source)
{
  if (source == NULL)
    return;
  g_free (source->path);
  bs_image_batch_free (source->images);
  g_free (source->labels);
  g_free (source->description);
  g_free (source);
}

static int
n_classes (const BsModel *model)
{
  BsShape out = bs_model_output_shape (model);
  return out.c * out.h * out.w;
}

/* Labels beside an .npy, if there are any: absent is fine, broken is an error. */
static gboolean
load_labels_beside (const char *path, const BsModel *model, int n_images, int32_t **labels,
                    GError **error)
{
  g_autofree char *labels_path = bs_labels_path_for (path);

  *labels = NULL;
  if (labels_path == NULL || !g_file_test (labels_path, G_FILE_TEST_EXISTS))
    return TRUE;
  *labels = bs_labels_load (labels_path, n_images, n_classes (model), error);
  return *labels != NULL;
}

static char *
describe (const char *what, const BsInputSource *source)
{
  int n = source->images->n_images;

  return g_strdup_printf ("%s · %d image%s, %s", what, n, n == 1 ? "" : "s",
                          source->labels != NULL ? "labelled" : "no labels");
}

BsInputSource *
bs_input_source_load (const char *path, const BsModel *model, GError **error)
{
  g_autoptr (BsInputSource) source = g_new0 (BsInputSource, 1);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *display = g_filename_display_name (base);

  source->path = g_strdup (path);
  source->images = bs_image_batch_load (path, model->input_shape, error);
  if (source->images == NULL)
    return NULL;
  if (!load_labels_beside (path, model, source->images->n_images, &source->labels, error))
    return NULL;
  source->description = describe (display, source);
  return g_steal_pointer (&source);
}

static BsInputSource *
load_bundled (char *(*find) (void), const char *what, const BsModel *model)
{
  g_autofree char *path = find ();
  BsInputSource *source;

  if (path == NULL)
    return NULL;
  /* Not fitting this model is normal here (a 3×32×32 model and the 28×28 gallery). */
  source = bs_input_source_load (path, model, NULL);
  if (source == NULL)
    return NULL;
  g_clear_pointer (&source->path, g_free);
  g_free (source->description);
  source->description = describe (what, source);
  return source;
}

BsInputSource *
bs_input_source_load_default (const BsModel *model)
{
  BsInputSource *source = load_bundled (bs_bundled_gallery_path, "gallery of Fashion-MNIST test images", model);

  if (source == NULL)
    source = load_bundled (bs_bundled_inputs_path, "bundled sample inputs", model);
  if (source == NULL)
    {
      source = g_new0 (BsInputSource, 1);
      source->images = bs_image_batch_random (model->input_shape, N_RANDOM_IMAGES, 1);
      source->description = describe ("seeded random images (nothing bundled fits the model)", source);
    }
  return source;
}
