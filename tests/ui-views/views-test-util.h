/* SPDX-License-Identifier: GPL-3.0-or-later */
/* views-test-util.h: canvases and pixel checks for the headless renderer tests. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bs-chart-style.h"

G_BEGIN_DECLS

typedef struct
{
  cairo_surface_t *surface;
  cairo_t *cr;
  int width, height;
} Canvas;

Canvas canvas_new (int width, int height);
void canvas_free (Canvas *c);
/* BS_TEST_OUTPUT=dir keeps the image as dir/name.png for a look (saved before checks). */
void canvas_save (Canvas *c, const char *name);

/* The colour at (x, y), as r, g, b in 0..1. */
void canvas_pixel (Canvas *c, int x, int y, double rgb[3]);
/* Sum of absolute channel differences to `color` (its alpha ignored). */
double color_distance (const double rgb[3], const BsColor *color);
/* The pixel at (x, y) is `color` within tol (summed over channels). */
gboolean canvas_is (Canvas *c, int x, int y, const BsColor *color, double tol);
/* Pixels of `color` (within tol) inside the rectangle. */
int canvas_count (Canvas *c, int x, int y, int w, int h, const BsColor *color, double tol);

double color_luminance (const double rgb[3]);

/* $BS_SOURCE_ROOT/rel (or the source tree this was built from). */
char *test_source_path (const char *rel);

G_END_DECLS
