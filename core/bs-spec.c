/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-spec.c: parsing and writing spec strings. */
#include "bs-spec.h"

#include <string.h>

G_DEFINE_QUARK (bs-spec-error-quark, bs_spec_error)

/* Splits on @sep not preceded by '\', and unescapes "\<sep>" and "\\". */
static GPtrArray *
split_escaped (const char *text, char sep)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  GString *part = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\\' && (p[1] == sep || p[1] == '\\'))
        g_string_append_c (part, *++p);
      else if (*p == sep)
        {
          g_ptr_array_add (parts, g_string_free (part, FALSE));
          part = g_string_new (NULL);
        }
      else
        g_string_append_c (part, *p);
    }
  g_ptr_array_add (parts, g_string_free (part, FALSE));
  return parts;
}

static gboolean
is_name (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '_' && *s != '.')
      return FALSE;
  return TRUE;
}

BsSpec *
bs_spec_new (const char *name, char separator)
{
  BsSpec *spec = g_new0 (BsSpec, 1);

  spec->name = g_strdup (name);
  spec->keys = g_ptr_array_new_with_free_func (g_free);
  spec->values = g_ptr_array_new_with_free_func (g_free);
  spec->separator = separator;
  return spec;
}

static gboolean
add_option (BsSpec *spec, const char *part, GError **error)
{
  const char *eq = strchr (part, '=');
  g_autofree char *key = g_strndup (part, eq - part);

  if (!is_name (key))
    {
      g_set_error (error, BS_SPEC_ERROR, BS_SPEC_ERROR_KEY, "'%s' is not an option name%s", key,
                   *key == '\0' ? " (empty key before '=')" : "");
      return FALSE;
    }
  if (bs_spec_get (spec, key) != NULL)
    {
      g_set_error (error, BS_SPEC_ERROR, BS_SPEC_ERROR_DUPLICATE, "option '%s' is given twice", key);
      return FALSE;
    }
  g_ptr_array_add (spec->keys, g_steal_pointer (&key));
  g_ptr_array_add (spec->values, g_strdup (eq + 1));
  return TRUE;
}

/* A bare part after an option was split out of that option's value: join it back. */
static void
continue_last_value (BsSpec *spec, const char *part)
{
  char **last = (char **) &spec->values->pdata[spec->values->len - 1];
  char sep[2] = { spec->separator, '\0' };
  char *joined = g_strconcat (*last, sep, part, NULL);

  g_free (*last);
  *last = joined;
}

static gboolean
add_part (BsSpec *spec, const char *part, gboolean first, GError **error)
{
  if (strchr (part, '=') != NULL)
    return add_option (spec, part, error);
  if (first && is_name (part))
    spec->word = g_strdup (part);
  else if (spec->values->len > 0)
    continue_last_value (spec, part);
  else
    {
      g_set_error (error, BS_SPEC_ERROR, BS_SPEC_ERROR_NOT_KEY_VALUE,
                   "'%s' is not of the form key=value (missing '=')", part);
      return FALSE;
    }
  return TRUE;
}

BsSpec *
bs_spec_parse (const char *text, char separator, GError **error)
{
  const char *colon;
  g_autofree char *name = NULL;
  g_autoptr (GPtrArray) parts = NULL;
  g_autoptr (BsSpec) spec = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  colon = strchr (text, ':');
  name = colon != NULL ? g_strndup (text, colon - text) : g_strdup (text);
  if (!is_name (name))
    {
      g_set_error (error, BS_SPEC_ERROR, BS_SPEC_ERROR_NAME,
                   "%s name: a spec starts with a name, as in NAME:key=value",
                   *name == '\0' ? "empty" : "not a");
      return NULL;
    }
  spec = bs_spec_new (name, separator);
  if (colon == NULL || colon[1] == '\0')
    return g_steal_pointer (&spec);
  parts = split_escaped (colon + 1, separator);
  for (guint i = 0; i < parts->len; i++)
    if (!add_part (spec, parts->pdata[i], i == 0, error))
      return NULL;
  return g_steal_pointer (&spec);
}

void
bs_spec_free (BsSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_free (spec->word);
  g_ptr_array_unref (spec->keys);
  g_ptr_array_unref (spec->values);
  g_free (spec);
}

BsSpec *
bs_spec_copy (const BsSpec *spec)
{
  BsSpec *copy = bs_spec_new (spec->name, spec->separator);

  copy->word = g_strdup (spec->word);
  for (guint i = 0; i < spec->keys->len; i++)
    bs_spec_set (copy, spec->keys->pdata[i], spec->values->pdata[i]);
  return copy;
}

const char *
bs_spec_get (const BsSpec *spec, const char *key)
{
  for (guint i = 0; i < spec->keys->len; i++)
    if (strcmp (spec->keys->pdata[i], key) == 0)
      return spec->values->pdata[i];
  return NULL;
}

void
bs_spec_set (BsSpec *spec, const char *key, const char *value)
{
  for (guint i = 0; i < spec->keys->len; i++)
    if (strcmp (spec->keys->pdata[i], key) == 0)
      {
        g_free (spec->values->pdata[i]);
        spec->values->pdata[i] = g_strdup (value);
        return;
      }
  g_ptr_array_add (spec->keys, g_strdup (key));
  g_ptr_array_add (spec->values, g_strdup (value));
}

/* Values without '=' need no escaping: their split parts read back as continuations. */
static void
append_escaped (GString *out, const char *s, char sep)
{
  if (strchr (s, '=') == NULL && strchr (s, '\\') == NULL)
    {
      g_string_append (out, s);
      return;
    }
  for (; *s != '\0'; s++)
    {
      if (*s == sep || *s == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *s);
    }
}

char *
bs_spec_to_string (const BsSpec *spec)
{
  GString *out = g_string_new (spec->name);
  char sep = ':';

  if (spec->word != NULL)
    {
      g_string_append_printf (out, ":%s", spec->word);
      sep = spec->separator;
    }
  for (guint i = 0; i < spec->keys->len; i++)
    {
      g_string_append_printf (out, "%c%s=", sep, (const char *) spec->keys->pdata[i]);
      append_escaped (out, spec->values->pdata[i], spec->separator);
      sep = spec->separator;
    }
  return g_string_free (out, FALSE);
}
