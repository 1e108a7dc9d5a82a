/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-choice.c: a plain value object with read-only properties for list factories. */
#include "bs-choice.h"

struct _BsChoice
{
  GObject parent_instance;

  char *id;
  char *label;
  char *detail;
  gboolean available;
  gboolean simulated;
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_LABEL,
  PROP_DETAIL,
  PROP_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BsChoice, bs_choice, G_TYPE_OBJECT)

static void
bs_choice_finalize (GObject *object)
{
  BsChoice *self = BS_CHOICE (object);

  g_free (self->id);
  g_free (self->label);
  g_free (self->detail);
  G_OBJECT_CLASS (bs_choice_parent_class)->finalize (object);
}

static void
bs_choice_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BsChoice *self = BS_CHOICE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_DETAIL:
      g_value_set_string (value, self->detail);
      break;
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_choice_class_init (BsChoiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bs_choice_finalize;
  object_class->get_property = bs_choice_get_property;
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DETAIL] = g_param_spec_string ("detail", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AVAILABLE] = g_param_spec_boolean ("available", NULL, NULL, TRUE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bs_choice_init (BsChoice *self)
{
}

BsChoice *
bs_choice_new (const char *id, const char *label, const char *detail, gboolean available,
               gboolean simulated)
{
  BsChoice *self = g_object_new (BS_TYPE_CHOICE, NULL);

  self->id = g_strdup (id);
  self->label = g_strdup (label);
  self->detail = g_strdup (detail != NULL ? detail : "");
  self->available = available;
  self->simulated = simulated;
  return self;
}

const char *
bs_choice_get_id (BsChoice *self)
{
  return self->id;
}

const char *
bs_choice_get_label (BsChoice *self)
{
  return self->label;
}

const char *
bs_choice_get_detail (BsChoice *self)
{
  return self->detail;
}

gboolean
bs_choice_get_available (BsChoice *self)
{
  return self->available;
}

gboolean
bs_choice_get_simulated (BsChoice *self)
{
  return self->simulated;
}
