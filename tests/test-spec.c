/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-spec.c: the spec parser (core/bs-spec.h): both separators, words, continuations,
 * escapes, the round trip, and every syntax error. */
#include "bs-spec.h"

#include <string.h>

static void
test_backend_form (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsSpec) spec = bs_spec_parse ("xrt:device=0,xclbin=/tmp/a b.xclbin,launch=", ',', &error);
  g_autoptr (BsSpec) bare = bs_spec_parse ("cpu", ',', &error);
  g_autoptr (BsSpec) empty = bs_spec_parse ("cpu:", ',', &error);

  g_assert_no_error (error);
  g_assert_cmpstr (spec->name, ==, "xrt");
  g_assert_null (spec->word);
  g_assert_cmpuint (spec->keys->len, ==, 3);
  /* Order is kept. */
  g_assert_cmpstr (spec->keys->pdata[0], ==, "device");
  g_assert_cmpstr (spec->keys->pdata[1], ==, "xclbin");
  g_assert_cmpstr (spec->keys->pdata[2], ==, "launch");
  g_assert_cmpstr (bs_spec_get (spec, "xclbin"), ==, "/tmp/a b.xclbin");
  g_assert_cmpstr (bs_spec_get (spec, "launch"), ==, "");
  g_assert_null (bs_spec_get (spec, "clock"));
  g_assert_cmpstr (bare->name, ==, "cpu");
  g_assert_cmpuint (bare->keys->len, ==, 0);
  g_assert_cmpstr (empty->name, ==, "cpu");
  g_assert_cmpuint (empty->keys->len, ==, 0);
}

static void
test_probe_form (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsSpec) spec = bs_spec_parse ("sigrok:demo:samplerate=10:channels=A0,A1", ':', &error);
  g_autoptr (BsSpec) xmc = bs_spec_parse ("xmc:bdf=0000:3b:00.1:rate=20", ':', &error);
  g_autoptr (BsSpec) escaped = bs_spec_parse ("synthetic:seed=1\\:x=2:path=a\\\\b", ':', &error);

  g_assert_no_error (error);
  g_assert_cmpstr (spec->word, ==, "demo");
  g_assert_cmpstr (bs_spec_get (spec, "channels"), ==, "A0,A1");
  /* A bare part after an option continues its value. */
  g_assert_cmpstr (bs_spec_get (xmc, "bdf"), ==, "0000:3b:00.1");
  g_assert_cmpstr (bs_spec_get (xmc, "rate"), ==, "20");
  g_assert_cmpstr (bs_spec_get (escaped, "seed"), ==, "1:x=2");
  g_assert_cmpstr (bs_spec_get (escaped, "path"), ==, "a\\b");
}

/* to_string and parse are inverse for both separators. */
static void
test_round_trip (void)
{
  const struct { const char *text; char sep; } cases[] = {
    { "sigrok:demo:samplerate=10:channels=A0,A1", ':' },
    { "xmc:bdf=0000:3b:00.1:rate=20", ':' },
    { "synthetic:seed=1\\:x=2", ':' },
    { "cpu:threads=2,isa=avx2", ',' },
    { "xrt:xclbin=a\\,b=c", ',' },
    { "csim", ',' },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (BsSpec) spec = bs_spec_parse (cases[i].text, cases[i].sep, NULL);
      g_autofree char *text = bs_spec_to_string (spec);
      g_autoptr (BsSpec) back = bs_spec_parse (text, cases[i].sep, NULL);
      g_autoptr (BsSpec) copy = bs_spec_copy (spec);
      g_autofree char *copied = bs_spec_to_string (copy);

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_cmpstr (copied, ==, cases[i].text);
      g_assert_cmpuint (back->keys->len, ==, spec->keys->len);
      for (guint k = 0; k < spec->keys->len; k++)
        g_assert_cmpstr (bs_spec_get (back, spec->keys->pdata[k]), ==, spec->values->pdata[k]);
    }
}

static void
test_set (void)
{
  g_autoptr (BsSpec) spec = bs_spec_parse ("cpu:threads=2", ',', NULL);
  g_autofree char *text = NULL;

  bs_spec_set (spec, "threads", "4");
  bs_spec_set (spec, "isa", "scalar");
  text = bs_spec_to_string (spec);
  g_assert_cmpstr (text, ==, "cpu:threads=4,isa=scalar");
}

static void
expect_error (const char *text, char sep, BsSpecError code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BsSpec) spec = bs_spec_parse (text, sep, &error);

  g_assert_null (spec);
  g_assert_error (error, BS_SPEC_ERROR, (int) code);
  g_test_message ("'%s' → %s", text, error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_errors (void)
{
  expect_error ("", ',', BS_SPEC_ERROR_NAME, "empty name");
  expect_error (":threads=2", ',', BS_SPEC_ERROR_NAME, "empty name");
  expect_error ("c p u:threads=2", ',', BS_SPEC_ERROR_NAME, "not a name");
  expect_error ("cpu:a b", ',', BS_SPEC_ERROR_NOT_KEY_VALUE, "missing '='");
  expect_error ("sigrok:demo:other", ':', BS_SPEC_ERROR_NOT_KEY_VALUE, "key=value");
  expect_error ("cpu:=1", ',', BS_SPEC_ERROR_KEY, "empty key");
  expect_error ("cpu:threads=1,=2", ',', BS_SPEC_ERROR_KEY, "empty key");
  expect_error ("cpu:thr eads=1", ',', BS_SPEC_ERROR_KEY, "not an option name");
  expect_error ("cpu:threads=1,threads=2", ',', BS_SPEC_ERROR_DUPLICATE, "'threads' is given twice");
  expect_error ("sigrok:demo:a=1:a=2", ':', BS_SPEC_ERROR_DUPLICATE, "given twice");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spec/backend-form", test_backend_form);
  g_test_add_func ("/spec/probe-form", test_probe_form);
  g_test_add_func ("/spec/round-trip", test_round_trip);
  g_test_add_func ("/spec/set", test_set);
  g_test_add_func ("/spec/errors", test_errors);
  return g_test_run ();
}
