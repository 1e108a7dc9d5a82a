/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-spec.h: spec strings, "name:key=value<sep>key=value", the one parser behind backend
 * specs ("cpu:threads=2,isa=avx2", separator ',') and probe specs
 * ("sigrok:demo:samplerate=10:channels=A0,A1", separator ':').
 *
 * After the name and the first ':' come parts split on the separator (a backslash
 * escapes the separator and itself). A part with '=' is an option; a bare first part
 * that is a name is the spec's word ("demo"); any other bare part continues the value
 * before it, so addresses such as "bdf=0000:3b:00.1" need no escaping. Nothing after
 * the ':' ("cpu:") means no options. Names and keys are letters, digits, '-', '_', '.'.
 * Syntax errors are BS_SPEC_ERROR; what options and values mean is the caller's. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BS_SPEC_ERROR (bs_spec_error_quark ())
GQuark bs_spec_error_quark (void);

typedef enum
{
  BS_SPEC_ERROR_NAME,           /* the name is empty or not a name */
  BS_SPEC_ERROR_NOT_KEY_VALUE,  /* a part that is neither key=value, the word nor a continuation */
  BS_SPEC_ERROR_KEY,            /* the key before '=' is empty or not a name */
  BS_SPEC_ERROR_DUPLICATE,      /* a key given twice */
} BsSpecError;

typedef struct
{
  char *name;
  char *word;                   /* the bare first part after the name, or NULL */
  GPtrArray *keys;              /* char*, in the order given */
  GPtrArray *values;            /* char*, same length as keys */
  char separator;               /* between options; bs_spec_to_string() writes it */
} BsSpec;

BsSpec *bs_spec_parse (const char *text, char separator, GError **error);
BsSpec *bs_spec_new (const char *name, char separator);
void bs_spec_free (BsSpec *spec);
BsSpec *bs_spec_copy (const BsSpec *spec);
/* The value of @key, or NULL. */
const char *bs_spec_get (const BsSpec *spec, const char *key);
/* Replaces the value of @key, or appends the option. */
void bs_spec_set (BsSpec *spec, const char *key, const char *value);
/* Back to text that parses to the same spec. */
char *bs_spec_to_string (const BsSpec *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsSpec, bs_spec_free)

G_END_DECLS
