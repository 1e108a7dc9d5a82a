/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for bs-predict: argmax and softmax confidence of integer logits. The expected
 * confidences are closed forms (softmax of two values whose real difference is ln 3 is
 * 3/4; of n equal values, 1/n), not outputs of the code under test. */
#include "bs-predict.h"

#include <math.h>

static void
test_argmax (void)
{
  int32_t logits[5] = { -7, 12, 3, 12, -100 };
  BsPrediction p = bs_predict (logits, 5, NAN);

  /* Ties: the lowest index, as torch.argmax and numpy.argmax. */
  g_assert_cmpint (p.cls, ==, 1);
  g_assert_true (isnan (p.confidence));
}

static void
test_softmax_closed_forms (void)
{
  int32_t two[2] = { 1000, 1000 + 4096 };
  int32_t equal[10] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
  /* Real difference (4096 units) × scale = ln 3: p = e^ln3 / (1 + e^ln3) = 3/4. */
  BsPrediction p = bs_predict (two, 2, log (3.0) / 4096);

  g_assert_cmpint (p.cls, ==, 1);
  g_assert_cmpfloat_with_epsilon (p.confidence, 0.75, 1e-12);
  p = bs_predict (equal, 10, 0.01);
  g_assert_cmpint (p.cls, ==, 0);
  g_assert_cmpfloat_with_epsilon (p.confidence, 0.1, 1e-12);
}

static void
test_softmax_extremes (void)
{
  int32_t far[3] = { G_MININT32, G_MAXINT32, 0 };
  BsPrediction p = bs_predict (far, 3, 1.0);

  /* No overflow: the other classes' terms underflow to 0. */
  g_assert_cmpint (p.cls, ==, 1);
  g_assert_cmpfloat (p.confidence, ==, 1.0);
  p = bs_predict (far, 1, 1.0);
  g_assert_cmpint (p.cls, ==, 0);
  g_assert_cmpfloat (p.confidence, ==, 1.0);
  g_assert_true (isnan (bs_predict (far, 3, 0.0).confidence));
  g_assert_true (isnan (bs_predict (far, 3, -1.0).confidence));
}

static void
check_scale (const char *text, double expected)
{
  BsShape shape = { 1, 2, 2 };
  g_autoptr (BsModel) model = bs_model_new ("m", shape);
  double scale;

  if (text != NULL)
    g_hash_table_insert (model->provenance, g_strdup ("logit_scale"), g_strdup (text));
  scale = bs_model_logit_scale (model);
  if (isnan (expected))
    g_assert_true (isnan (scale));
  else
    g_assert_cmpfloat (scale, ==, expected);
}

static void
test_logit_scale (void)
{
  check_scale ("0.001953125", 0.001953125);
  check_scale ("2.5e-4", 2.5e-4);
  check_scale (NULL, NAN);
  check_scale ("", NAN);
  check_scale ("abc", NAN);
  check_scale ("0.5x", NAN);
  check_scale ("-0.5", NAN);
  check_scale ("0", NAN);
  check_scale ("inf", NAN);
  check_scale ("nan", NAN);
}

static void
test_class_name (void)
{
  BsShape shape = { 1, 2, 2 };
  g_autoptr (BsModel) model = bs_model_new ("m", shape);
  const char *labels[] = { "cat", "dog", NULL };
  char buf[32];

  g_assert_cmpstr (bs_model_class_name (model, 1, buf, sizeof buf), ==, "class 1");
  model->labels = g_strdupv ((char **) labels);
  g_assert_cmpstr (bs_model_class_name (model, 1, buf, sizeof buf), ==, "dog");
  g_assert_cmpstr (bs_model_class_name (model, 2, buf, sizeof buf), ==, "class 2");
  g_assert_cmpstr (bs_model_class_name (model, -1, buf, sizeof buf), ==, "class -1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/predict/argmax", test_argmax);
  g_test_add_func ("/predict/softmax-closed-forms", test_softmax_closed_forms);
  g_test_add_func ("/predict/softmax-extremes", test_softmax_extremes);
  g_test_add_func ("/predict/logit-scale", test_logit_scale);
  g_test_add_func ("/predict/class-name", test_class_name);
  return g_test_run ();
}
