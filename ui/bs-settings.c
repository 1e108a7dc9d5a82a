/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-settings.c: finding the schema. */
#include "bs-settings.h"

#ifndef BS_BUILD_SCHEMA_DIR
#define BS_BUILD_SCHEMA_DIR ""
#endif

GSettings *
bs_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettingsSchemaSource) build = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BS_SETTINGS_SCHEMA_ID, TRUE);
  /* A run from the build tree: the schema meson compiled next to data/. */
  if (schema == NULL && *BS_BUILD_SCHEMA_DIR
      && g_file_test (BS_BUILD_SCHEMA_DIR "/gschemas.compiled", G_FILE_TEST_EXISTS))
    {
      build = g_settings_schema_source_new_from_directory (BS_BUILD_SCHEMA_DIR, source, FALSE, NULL);
      if (build != NULL)
        schema = g_settings_schema_source_lookup (build, BS_SETTINGS_SCHEMA_ID, TRUE);
    }
  if (schema == NULL)
    {
      g_warning ("GSettings schema %s not found: preferences will not be kept",
                 BS_SETTINGS_SCHEMA_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}
