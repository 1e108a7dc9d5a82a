/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-json-reader.c: the JSON grammar, one token at a time. */
#include "bs-json-reader.h"

#include <errno.h>
#include <gio/gio.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

void
bs_json_reader_init (BsJsonReader *r, const char *text, gsize len)
{
  memset (r, 0, sizeof *r);
  r->text = text;
  r->p = text;
  r->end = text + len;
  r->depth = 0;
}

gboolean
bs_json_failed (const BsJsonReader *r)
{
  return r->error != NULL;
}

gboolean
bs_json_fail (BsJsonReader *r, const char *format, ...)
{
  va_list args;

  if (r->error != NULL)
    return FALSE;
  va_start (args, format);
  r->error = g_strdup_vprintf (format, args);
  va_end (args);
  r->error_at = r->p;
  return FALSE;
}

static void
skip_ws (BsJsonReader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

/* What is at the current position, for messages. */
static char *
describe_here (BsJsonReader *r)
{
  if (r->p >= r->end)
    return g_strdup ("the end of the text");
  if ((unsigned char) *r->p < 0x20 || (unsigned char) *r->p >= 0x7f)
    return g_strdup_printf ("byte 0x%02x", (unsigned char) *r->p);
  return g_strdup_printf ("'%c'", *r->p);
}

static gboolean
expected (BsJsonReader *r, const char *what)
{
  g_autofree char *here = describe_here (r);
  return bs_json_fail (r, "expected %s, found %s", what, here);
}

gboolean
bs_json_reader_end (BsJsonReader *r, GError **error)
{
  if (r->error == NULL)
    {
      skip_ws (r);
      if (r->p < r->end)
        expected (r, "the end of the text");
    }
  if (r->error != NULL)
    {
      int line = 1, column = 1;

      for (const char *q = r->text; q < r->error_at && q < r->end; q++)
        {
          if (*q == '\n')
            {
              line++;
              column = 1;
            }
          else if (((unsigned char) *q & 0xc0) != 0x80)
            column++;
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "line %d, column %d: %s", line,
                   column, r->error);
      g_clear_pointer (&r->error, g_free);
      return FALSE;
    }
  return TRUE;
}

BsJsonType
bs_json_peek (BsJsonReader *r)
{
  if (r->error != NULL)
    return BS_JSON_INVALID;
  skip_ws (r);
  if (r->p >= r->end)
    return BS_JSON_INVALID;
  switch (*r->p)
    {
    case '{': return BS_JSON_OBJECT;
    case '[': return BS_JSON_ARRAY;
    case '"': return BS_JSON_STRING;
    case 't': case 'f': return BS_JSON_BOOL;
    case 'n': return BS_JSON_NULL;
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    case '8': case '9':
      return BS_JSON_NUMBER;
    default:
      return BS_JSON_INVALID;
    }
}

static gboolean
consume (BsJsonReader *r, char c, const char *what)
{
  if (r->error != NULL)
    return FALSE;
  skip_ws (r);
  if (r->p < r->end && *r->p == c)
    {
      r->p++;
      return TRUE;
    }
  return expected (r, what);
}

static gboolean
literal (BsJsonReader *r, const char *word)
{
  size_t n = strlen (word);

  if ((size_t) (r->end - r->p) >= n && memcmp (r->p, word, n) == 0)
    {
      r->p += n;
      return TRUE;
    }
  return expected (r, "a value");
}

static gboolean
push (BsJsonReader *r)
{
  if (r->depth >= BS_JSON_MAX_DEPTH)
    return bs_json_fail (r, "nested deeper than %d levels", BS_JSON_MAX_DEPTH);
  r->first[r->depth++] = TRUE;
  return TRUE;
}

gboolean
bs_json_begin_object (BsJsonReader *r)
{
  return consume (r, '{', "an object ('{')") && push (r);
}

gboolean
bs_json_begin_array (BsJsonReader *r)
{
  return consume (r, '[', "an array ('[')") && push (r);
}

/* Before the next member or element: the closing `close` (FALSE), or a comma unless
 * this is the first. */
static gboolean
next_item (BsJsonReader *r, char close)
{
  if (r->error != NULL || r->depth == 0)
    return FALSE;
  skip_ws (r);
  if (r->p < r->end && *r->p == close)
    {
      r->p++;
      r->depth--;
      return FALSE;
    }
  if (r->first[r->depth - 1])
    {
      r->first[r->depth - 1] = FALSE;
      return TRUE;
    }
  return consume (r, ',', close == '}' ? "',' or '}'" : "',' or ']'");
}

gboolean
bs_json_next_member (BsJsonReader *r, char **key)
{
  *key = NULL;
  if (!next_item (r, '}'))
    return FALSE;
  if (!bs_json_read_string (r, key))
    return FALSE;
  if (!consume (r, ':', "':'"))
    {
      g_clear_pointer (key, g_free);
      return FALSE;
    }
  return TRUE;
}

gboolean
bs_json_next_element (BsJsonReader *r)
{
  return next_item (r, ']');
}

static int
hex4 (const char *p)
{
  int v = 0;

  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

gboolean
bs_json_read_string (BsJsonReader *r, char **out)
{
  GString *s;

  *out = NULL;
  if (!consume (r, '"', "a string"))
    return FALSE;
  s = g_string_new (NULL);
  for (;;)
    {
      const char *run = r->p;

      /* Plain bytes in one go: exports are mostly names and numbers. */
      while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (unsigned char) *r->p >= 0x20)
        r->p++;
      g_string_append_len (s, run, r->p - run);
      if (r->p >= r->end)
        {
          bs_json_fail (r, "a string is not closed");
          break;
        }
      if (*r->p == '"')
        {
          r->p++;
          if (!g_utf8_validate (s->str, s->len, NULL))
            {
              bs_json_fail (r, "a string is not valid UTF-8");
              break;
            }
          *out = g_string_free (s, FALSE);
          return TRUE;
        }
      if ((unsigned char) *r->p < 0x20)
        {
          bs_json_fail (r, "a control character inside a string");
          break;
        }
      /* An escape. */
      if (r->end - r->p < 2)
        {
          bs_json_fail (r, "a string is not closed");
          break;
        }
      r->p++;
      switch (*r->p++)
        {
        case '"': g_string_append_c (s, '"'); continue;
        case '\\': g_string_append_c (s, '\\'); continue;
        case '/': g_string_append_c (s, '/'); continue;
        case 'b': g_string_append_c (s, '\b'); continue;
        case 'f': g_string_append_c (s, '\f'); continue;
        case 'n': g_string_append_c (s, '\n'); continue;
        case 'r': g_string_append_c (s, '\r'); continue;
        case 't': g_string_append_c (s, '\t'); continue;
        case 'u':
          {
            int cp = r->end - r->p >= 4 ? hex4 (r->p) : -1;

            if (cp < 0)
              {
                bs_json_fail (r, "a \\u escape needs four hex digits");
                goto fail;
              }
            r->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00)
              {
                int lo = r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' ? hex4 (r->p + 2) : -1;
                if (lo < 0xdc00 || lo >= 0xe000)
                  {
                    bs_json_fail (r, "a lone UTF-16 surrogate in a \\u escape");
                    goto fail;
                  }
                r->p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              }
            else if (cp >= 0xdc00 && cp < 0xe000)
              {
                bs_json_fail (r, "a lone UTF-16 surrogate in a \\u escape");
                goto fail;
              }
            g_string_append_unichar (s, (gunichar) cp);
            continue;
          }
        default:
          r->p--;
          bs_json_fail (r, "an unknown escape in a string");
          goto fail;
        }
    }
fail:
  g_string_free (s, TRUE);
  return FALSE;
}

gboolean
bs_json_read_string_or_null (BsJsonReader *r, char **out)
{
  *out = NULL;
  if (bs_json_peek (r) == BS_JSON_NULL)
    return literal (r, "null");
  return bs_json_read_string (r, out);
}

/* The extent of a number token by the JSON grammar; *integral when it has neither
 * fraction nor exponent. */
static gboolean
number_token (BsJsonReader *r, const char **start, gboolean *integral)
{
  const char *p;

  if (r->error != NULL)
    return FALSE;
  skip_ws (r);
  p = *start = r->p;
  *integral = TRUE;
  if (p < r->end && *p == '-')
    p++;
  if (p < r->end && *p == '0')
    p++;
  else if (p < r->end && *p >= '1' && *p <= '9')
    while (p < r->end && g_ascii_isdigit (*p))
      p++;
  else
    return expected (r, "a number");
  if (p < r->end && *p == '.')
    {
      *integral = FALSE;
      p++;
      if (p >= r->end || !g_ascii_isdigit (*p))
        {
          r->p = p;
          return expected (r, "a digit");
        }
      while (p < r->end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < r->end && (*p == 'e' || *p == 'E'))
    {
      *integral = FALSE;
      p++;
      if (p < r->end && (*p == '+' || *p == '-'))
        p++;
      if (p >= r->end || !g_ascii_isdigit (*p))
        {
          r->p = p;
          return expected (r, "a digit");
        }
      while (p < r->end && g_ascii_isdigit (*p))
        p++;
    }
  r->p = p;
  return TRUE;
}

gboolean
bs_json_read_int64 (BsJsonReader *r, int64_t *out)
{
  const char *start;
  gboolean integral;
  char buf[32];
  gsize len;
  char *endp;
  gint64 v;

  if (!number_token (r, &start, &integral))
    return FALSE;
  len = r->p - start;
  if (!integral || len >= sizeof buf)
    {
      r->p = start;
      return bs_json_fail (r, "expected a whole number (64-bit)");
    }
  memcpy (buf, start, len);
  buf[len] = '\0';
  errno = 0;
  v = g_ascii_strtoll (buf, &endp, 10);
  if (errno != 0 || *endp != '\0')
    {
      r->p = start;
      return bs_json_fail (r, "a whole number out of the 64-bit range");
    }
  *out = v;
  return TRUE;
}

gboolean
bs_json_read_double (BsJsonReader *r, double *out)
{
  const char *start;
  gboolean integral;
  char stack[64];
  char *buf;
  gsize len;

  if (bs_json_peek (r) == BS_JSON_NULL)
    {
      *out = NAN;
      return literal (r, "null");
    }
  if (!number_token (r, &start, &integral))
    return FALSE;
  len = r->p - start;
  /* strtod needs a terminator; the text is not ours to write. */
  buf = len < sizeof stack ? stack : g_malloc (len + 1);
  memcpy (buf, start, len);
  buf[len] = '\0';
  *out = g_ascii_strtod (buf, NULL);
  if (buf != stack)
    g_free (buf);
  return TRUE;
}

gboolean
bs_json_skip (BsJsonReader *r)
{
  switch (bs_json_peek (r))
    {
    case BS_JSON_NULL:
      return literal (r, "null");
    case BS_JSON_BOOL:
      return *r->p == 't' ? literal (r, "true") : literal (r, "false");
    case BS_JSON_NUMBER:
      {
        const char *start;
        gboolean integral;
        return number_token (r, &start, &integral);
      }
    case BS_JSON_STRING:
      {
        g_autofree char *s = NULL;
        return bs_json_read_string (r, &s);
      }
    case BS_JSON_ARRAY:
      if (!bs_json_begin_array (r))
        return FALSE;
      while (bs_json_next_element (r))
        if (!bs_json_skip (r))
          return FALSE;
      return !bs_json_failed (r);
    case BS_JSON_OBJECT:
      {
        char *key;

        if (!bs_json_begin_object (r))
          return FALSE;
        while (bs_json_next_member (r, &key))
          {
            g_free (key);
            if (!bs_json_skip (r))
              return FALSE;
          }
        return !bs_json_failed (r);
      }
    case BS_JSON_INVALID:
    default:
      return r->error == NULL ? expected (r, "a value") : FALSE;
    }
}
