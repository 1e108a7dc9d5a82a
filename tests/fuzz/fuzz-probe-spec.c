/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-probe-spec.c: libFuzzer target for the meter configuration reader, the probe
 * spec parser (probes/bs-probe.c: "sigrok:demo:samplerate=10:channels=A0,A1").
 *
 * A spec that parses must print back (bs_spec_to_string, core/bs-spec.c) to text that parses to
 * the same name, word, keys and values; every typed getter must either give a value
 * or fail with BS_PROBE_ERROR. Errors for UTF-8 input must be UTF-8.
 */
#include "bs-probe.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_same (const BsSpec *a, const BsSpec *b)
{
  if (g_strcmp0 (a->name, b->name) != 0 || g_strcmp0 (a->word, b->word) != 0
      || a->keys->len != b->keys->len)
    g_error ("a printed spec reads back differently");
  for (guint i = 0; i < a->keys->len; i++)
    if (strcmp (a->keys->pdata[i], b->keys->pdata[i]) != 0
        || strcmp (a->values->pdata[i], b->values->pdata[i]) != 0)
      g_error ("option %u reads back as %s=%s, was %s=%s", i, (char *) b->keys->pdata[i],
               (char *) b->values->pdata[i], (char *) a->keys->pdata[i],
               (char *) a->values->pdata[i]);
}

static void
check_getters (const BsSpec *spec)
{
  for (guint i = 0; i < spec->keys->len; i++)
    {
      const char *key = spec->keys->pdata[i];
      GError *errors[3] = { NULL };
      double d;
      int64_t ns;

      bs_probe_spec_get_double (spec, key, 0, &d, &errors[0]);
      bs_probe_spec_get_duration (spec, key, 0, &ns, &errors[1]);
      bs_probe_spec_get_rate (spec, key, 1, &d, &errors[2]);
      for (guint e = 0; e < G_N_ELEMENTS (errors); e++)
        if (errors[e] != NULL)
          {
            g_assert (errors[e]->domain == BS_PROBE_ERROR);
            g_error_free (errors[e]);
          }
    }
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
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BsSpec) spec = bs_probe_spec_parse (text, &error);
  g_autoptr(BsSpec) again = NULL;
  g_autofree char *printed = NULL;

  if (spec == NULL)
    {
      g_assert (error != NULL && error->domain == BS_PROBE_ERROR);
      if (g_utf8_validate (text, -1, NULL) && !g_utf8_validate (error->message, -1, NULL))
        g_error ("error message is not UTF-8");
      return 0;
    }
  printed = bs_spec_to_string (spec);
  again = bs_probe_spec_parse (printed, &error);
  if (again == NULL)
    g_error ("'%s' prints as '%s', which does not parse: %s", text, printed, error->message);
  check_same (spec, again);
  check_getters (spec);
  return 0;
}
