/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-number-tile.c: the template is bs-number-tile.ui; sizes and colours are CSS
 * (tile, .demo tile), so the same tile serves the workbench and the demo. */
#include "bs-number-tile.h"

#include <string.h>

struct _BsNumberTile
{
  GtkWidget parent_instance;

  GtkLabel *title;
  GtkLabel *value;
  GtkLabel *unit;
  GtkLabel *caption;
};

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_CAPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BsNumberTile, bs_number_tile, GTK_TYPE_WIDGET)

void
bs_number_tile_set_value (BsNumberTile *self, const char *text)
{
  const char *space;

  if (text == NULL || *text == '\0' || g_str_equal (text, "—"))
    {
      gtk_label_set_text (self->value, "—");
      gtk_label_set_text (self->unit, "");
      gtk_widget_add_css_class (GTK_WIDGET (self), "empty");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self), "empty");
  space = strrchr (text, ' ');
  if (space != NULL)
    {
      g_autofree char *number = g_strndup (text, space - text);
      gtk_label_set_text (self->value, number);
      gtk_label_set_text (self->unit, space + 1);
    }
  else
    {
      gtk_label_set_text (self->value, text);
      gtk_label_set_text (self->unit, "");
    }
}

void
bs_number_tile_set_caption (BsNumberTile *self, const char *caption)
{
  gtk_label_set_text (self->caption, caption != NULL ? caption : "");
  gtk_widget_set_visible (GTK_WIDGET (self->caption), caption != NULL && *caption);
}

static void
bs_number_tile_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BS_TYPE_NUMBER_TILE);
  /* The template's root box has no id: dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (bs_number_tile_parent_class)->dispose (object);
}

static void
bs_number_tile_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BsNumberTile *self = BS_NUMBER_TILE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, gtk_label_get_text (self->title));
      break;
    case PROP_CAPTION:
      g_value_set_string (value, gtk_label_get_text (self->caption));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_number_tile_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  BsNumberTile *self = BS_NUMBER_TILE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      gtk_label_set_text (self->title, g_value_get_string (value));
      break;
    case PROP_CAPTION:
      bs_number_tile_set_caption (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_number_tile_class_init (BsNumberTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bs_number_tile_dispose;
  object_class->get_property = bs_number_tile_get_property;
  object_class->set_property = bs_number_tile_set_property;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAPTION] = g_param_spec_string ("caption", NULL, NULL, NULL,
                                                  G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/blendscope/Blendscope/ui/bs-number-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, BsNumberTile, title);
  gtk_widget_class_bind_template_child (widget_class, BsNumberTile, value);
  gtk_widget_class_bind_template_child (widget_class, BsNumberTile, unit);
  gtk_widget_class_bind_template_child (widget_class, BsNumberTile, caption);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tile");
}

static void
bs_number_tile_init (BsNumberTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  bs_number_tile_set_value (self, NULL);
}

GtkWidget *
bs_number_tile_new (const char *title)
{
  return g_object_new (BS_TYPE_NUMBER_TILE, "title", title, NULL);
}
