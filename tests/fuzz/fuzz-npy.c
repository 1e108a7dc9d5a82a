/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-npy.c: libFuzzer target for the .npy reader (core/bs-npy.c) and its use as an
 * image batch (core/bs-image.c). Beyond "no crash, no leak, no undefined behaviour":
 * a parsed array has exactly the bytes its shape needs, errors are G_IO_ERROR or
 * BS_INPUT_ERROR with a UTF-8 message, and a batch has the shape it was asked for.
 */
#include "bs-image.h"
#include "bs-npy.h"

#include <gio/gio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_error (const GError *error)
{
  if (error == NULL || (error->domain != G_IO_ERROR && error->domain != BS_INPUT_ERROR))
    g_error ("failed without a G_IO_ERROR or BS_INPUT_ERROR");
  if (!g_utf8_validate (error->message, -1, NULL))
    g_error ("error message is not UTF-8");
}

/* The array as a batch of the shape its last three dimensions give. */
static void
decode_as_batch (const uint8_t *data, size_t size, const BsNpyArray *array)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsImageBatch) batch = NULL;
  int first = array->n_dims - 3;
  BsShape shape;

  if (first < 0 || array->dims[first] > G_MAXINT32 || array->dims[first + 1] > G_MAXINT32
      || array->dims[first + 2] > G_MAXINT32)
    return;
  shape = (BsShape) { (int32_t) array->dims[first], (int32_t) array->dims[first + 1],
                      (int32_t) array->dims[first + 2] };
  batch = bs_image_batch_decode (data, size, "fuzz.npy", shape, &error);
  if (batch == NULL)
    {
      check_error (error);
      return;
    }
  if (batch->shape.c != shape.c || batch->shape.h != shape.h || batch->shape.w != shape.w
      || (uint64_t) batch->n_images * shape.c * shape.h * shape.w != array->n_elements)
    g_error ("the batch does not have the array's shape");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  setenv ("G_SLICE", "always-malloc", 1);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  BsNpyArray array;

  if (!bs_npy_parse (data, size, "fuzz.npy", &array, &error))
    {
      check_error (error);
      return 0;
    }
  g_assert (array.n_elements * bs_npy_type_size (array.type) <= size);
  decode_as_batch (data, size, &array);
  bs_npy_array_clear (&array);
  return 0;
}
