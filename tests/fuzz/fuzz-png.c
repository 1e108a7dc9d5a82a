/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-png.c: libFuzzer target for PNG input decoding (core/bs-image.c, libpng's
 * simplified API). Each input is decoded for 1 and for 3 channels at the size its
 * header gives (when that is small enough to decode quickly), and at a size it does
 * not have. Errors must be BS_INPUT_ERROR with a UTF-8 message.
 */
#include "bs-image.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAX_PIXELS (1 << 20)

static void
decode (const uint8_t *data, size_t size, BsShape shape)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsImageBatch) batch = bs_image_batch_decode (data, size, "fuzz.png", shape, &error);

  if (batch != NULL)
    {
      g_assert (batch->n_images == 1);
      return;
    }
  if (error == NULL || error->domain != BS_INPUT_ERROR)
    g_error ("failed without a BS_INPUT_ERROR");
  if (!g_utf8_validate (error->message, -1, NULL))
    g_error ("error message is not UTF-8");
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
  png_image image;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory (&image, data, size))
    {
      guint32 w = image.width, h = image.height;

      png_image_free (&image);
      if ((uint64_t) w * h <= MAX_PIXELS)
        {
          decode (data, size, (BsShape) { 1, (int32_t) h, (int32_t) w });
          decode (data, size, (BsShape) { 3, (int32_t) h, (int32_t) w });
        }
    }
  decode (data, size, (BsShape) { 3, 2, 3 });
  return 0;
}
