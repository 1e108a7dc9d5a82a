/* SPDX-License-Identifier: GPL-3.0-or-later */
/* views-test-util.c: canvases and pixel checks. */
#include "views-test-util.h"

#include <math.h>

Canvas
canvas_new (int width, int height)
{
  Canvas c = { cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height), NULL, width, height };

  c.cr = cairo_create (c.surface);
  return c;
}

void
canvas_free (Canvas *c)
{
  cairo_destroy (c->cr);
  cairo_surface_destroy (c->surface);
}

void
canvas_save (Canvas *c, const char *name)
{
  const char *dir = g_getenv ("BS_TEST_OUTPUT");

  if (dir != NULL)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s.png", dir, name);
      cairo_surface_write_to_png (c->surface, path);
    }
}

void
canvas_pixel (Canvas *c, int x, int y, double rgb[3])
{
  const unsigned char *data;
  guint32 p;

  cairo_surface_flush (c->surface);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, c->width);
  g_assert_cmpint (y, <, c->height);
  data = cairo_image_surface_get_data (c->surface);
  p = *(const guint32 *) (const void *) (data + y * cairo_image_surface_get_stride (c->surface) + x * 4);
  rgb[0] = (p >> 16 & 0xff) / 255.0;
  rgb[1] = (p >> 8 & 0xff) / 255.0;
  rgb[2] = (p & 0xff) / 255.0;
}

double
color_distance (const double rgb[3], const BsColor *color)
{
  return fabs (rgb[0] - color->r) + fabs (rgb[1] - color->g) + fabs (rgb[2] - color->b);
}

gboolean
canvas_is (Canvas *c, int x, int y, const BsColor *color, double tol)
{
  double rgb[3];

  canvas_pixel (c, x, y, rgb);
  return color_distance (rgb, color) <= tol;
}

int
canvas_count (Canvas *c, int x, int y, int w, int h, const BsColor *color, double tol)
{
  int n = 0;

  for (int j = MAX (y, 0); j < MIN (y + h, c->height); j++)
    for (int i = MAX (x, 0); i < MIN (x + w, c->width); i++)
      n += canvas_is (c, i, j, color, tol);
  return n;
}

double
color_luminance (const double rgb[3])
{
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}

char *
test_source_path (const char *rel)
{
  const char *root = g_getenv ("BS_SOURCE_ROOT");

  return g_build_filename (root != NULL ? root : BS_SOURCE_ROOT_FALLBACK, rel, NULL);
}
