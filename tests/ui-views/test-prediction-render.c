/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-prediction-render.c: the image and prediction tile, headless. A checkerboard
 * image is drawn by whole pixels (every screen pixel pure black or white, the squares
 * where they belong); a right and a wrong prediction draw their marks in their own
 * colours and only there; the one-line description says the same as the tile. */
#include <math.h>
#include <string.h>

#include "bs-prediction-render.h"
#include "views-test-util.h"

#define COLOR(hex) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0, 1.0 }

static const BsColor black = { 0, 0, 0, 1 }, white = { 1, 1, 1, 1 };
static const BsColor correct = COLOR (BS_PREDICTION_CORRECT_LIGHT);
static const BsColor wrong = COLOR (BS_PREDICTION_WRONG_LIGHT);

/* 4×4 gray image: 2×2 squares of black and white, a checkerboard. */
static uint8_t checker[16];

static void
fill_checker (void)
{
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++)
      checker[y * 4 + x] = ((x / 2 + y / 2) % 2) ? 255 : 0;
}

static BsPredictionData
sample (const char *truth, gboolean right)
{
  BsPredictionData d = {
    .pixels = checker, .shape = { 1, 4, 4 }, .predicted = "Sneaker", .confidence = 0.92,
    .truth = truth, .correct = right, .n_labelled = 400, .n_correct = 346,
    .caption = "image 7 of 200 · gallery",
  };
  return d;
}

static void
test_image_is_crisp (void)
{
  Canvas c = canvas_new (600, 200);
  BsChartStyle style;
  BsPredictionInfo info;
  BsPredictionData d = sample (NULL, FALSE);
  int x0, y0, z;

  fill_checker ();
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_prediction_render (c.cr, &d, c.width, c.height, &style, &info);
  canvas_save (&c, "prediction-crisp");
  g_assert_cmpint (info.zoom, >=, 10);
  z = info.zoom;
  x0 = (int) info.image.x;
  y0 = (int) info.image.y;
  g_assert_cmpfloat (info.image.width, ==, 4.0 * z);
  /* Every screen pixel of the image is one image pixel's value: no blending at edges. */
  for (int y = 0; y < 4 * z; y++)
    for (int x = 0; x < 4 * z; x++)
      {
        int ix = x / z, iy = y / z;
        const BsColor *want = checker[iy * 4 + ix] ? &white : &black;
        if (!canvas_is (&c, x0 + x, y0 + y, want, 0.01))
          g_error ("pixel (%d, %d) of the image is not its image pixel's colour", x, y);
      }
  canvas_free (&c);
}

static void
test_marks (void)
{
  BsChartStyle style;
  BsPredictionInfo info;
  BsPredictionData right = sample ("Sneaker", TRUE), bad = sample ("Sandal", FALSE);
  Canvas a = canvas_new (700, 220), b = canvas_new (700, 220);

  fill_checker ();
  bs_chart_style_init (&style, BS_CHART_THEME_LIGHT);
  bs_prediction_render (a.cr, &right, a.width, a.height, &style, &info);
  canvas_save (&a, "prediction-right");
  g_assert_cmpfloat (info.mark.width, >, 0);
  g_assert_cmpint (canvas_count (&a, 0, 0, a.width, a.height, &correct, 0.06), >, 20);
  g_assert_cmpint (canvas_count (&a, 0, 0, a.width, a.height, &wrong, 0.06), ==, 0);

  bs_prediction_render (b.cr, &bad, b.width, b.height, &style, &info);
  canvas_save (&b, "prediction-wrong");
  g_assert_cmpint (canvas_count (&b, 0, 0, b.width, b.height, &wrong, 0.06), >, 20);
  g_assert_cmpint (canvas_count (&b, 0, 0, b.width, b.height, &correct, 0.06), ==, 0);
  /* The wrong mark is where the tile says it is. */
  g_assert_cmpint (canvas_count (&b, (int) info.mark.x, (int) info.mark.y, (int) info.mark.width,
                                 (int) info.mark.height, &wrong, 0.06), >, 20);
  canvas_free (&a);
  canvas_free (&b);
}

static void
test_unknown_label_and_nothing_yet (void)
{
  BsChartStyle style;
  BsPredictionInfo info;
  BsPredictionData d = sample (NULL, FALSE), none = { 0 };
  Canvas c = canvas_new (500, 160);

  fill_checker ();
  bs_chart_style_init (&style, BS_CHART_THEME_DEMO);
  bs_prediction_render (c.cr, &d, c.width, c.height, &style, &info);
  g_assert_cmpfloat (info.mark.width, ==, 0);
  bs_prediction_render (c.cr, &none, c.width, c.height, &style, &info);
  g_assert_cmpfloat (info.image.width, ==, 0);
  canvas_free (&c);
}

static void
test_describe (void)
{
  BsPredictionData bad = sample ("Sandal", FALSE), right = sample ("Sneaker", TRUE);
  BsPredictionData unknown = sample (NULL, FALSE), none = { 0 };
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  unknown.confidence = NAN;
  unknown.n_labelled = 0;
  a = bs_prediction_describe (&bad);
  b = bs_prediction_describe (&right);
  c = bs_prediction_describe (&unknown);
  d = bs_prediction_describe (&none);
  /* 346 of 400 = 86.5 %. */
  g_assert_cmpstr (a, ==, "Predicted Sneaker, 92 % confident; ✗ wrong: true class Sandal; "
                          "top-1 so far 86.5 % (346 of 400 labelled inferences); "
                          "image 7 of 200 · gallery");
  g_assert_nonnull (strstr (b, "✓ correct"));
  g_assert_nonnull (strstr (c, "confidence unknown"));
  g_assert_nonnull (strstr (c, "true class unknown"));
  g_assert_nonnull (strstr (c, "no labelled images"));
  g_assert_cmpstr (d, ==, "Nothing classified yet");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prediction/image-is-crisp", test_image_is_crisp);
  g_test_add_func ("/prediction/marks", test_marks);
  g_test_add_func ("/prediction/unknown-label-and-nothing-yet", test_unknown_label_and_nothing_yet);
  g_test_add_func ("/prediction/describe", test_describe);
  return g_test_run ();
}
