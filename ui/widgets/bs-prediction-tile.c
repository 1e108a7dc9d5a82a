/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-prediction-tile.c: a widget around bs_prediction_render. */
#include "bs-prediction-tile.h"

#include <math.h>
#include <string.h>

#include "bs-chart-theme.h"
#include "bs-prediction-render.h"

#define CONFIDENCE_NOTE \
  "Confidence: softmax of the logits the engine computed, dequantised with the model's " \
  "logit_scale (real logit = integer × scale, recorded by the exporter). Top-1: every " \
  "inference of this run on a labelled image, not only the images shown."

struct _BsPredictionTile
{
  GtkWidget parent_instance;

  gboolean demo;
  BsChartStyle style;
  /* What is drawn: a copy, so drawing needs nothing else. */
  uint8_t *pixels;
  BsPredictionData data;
  char *predicted;
  char *truth;
  char *caption;
  char *summary;
};

enum
{
  PROP_0,
  PROP_DEMO,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BsPredictionTile, bs_prediction_tile, GTK_TYPE_WIDGET)

static void
bs_prediction_tile_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  BsPredictionTile *self = BS_PREDICTION_TILE (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  bs_prediction_render (cr, &self->data, width, height, &self->style, NULL);
  cairo_destroy (cr);
}

static void
copy_image (BsPredictionTile *self, const BsLiveClassification *c)
{
  gsize n = (gsize) c->shape.c * c->shape.h * c->shape.w;

  g_free (self->pixels);
  self->pixels = g_memdup2 (c->pixels, n);
  self->data.pixels = self->pixels;
  self->data.shape = c->shape;
}

static void
set_text (char **field, char *value)
{
  g_free (*field);
  *field = value;
}

void
bs_prediction_tile_update (BsPredictionTile *self, BsRunController *controller)
{
  BsLiveClassification c = { 0 };
  const BsModel *model = bs_run_controller_get_model (controller);
  const char *source = bs_run_controller_get_input_description (controller);
  char buf[32];
  g_autofree char *tooltip = NULL, *summary = NULL;
  gboolean have = model != NULL && bs_run_controller_get_classification (controller, &c);

  if (have)
    {
      copy_image (self, &c);
      set_text (&self->predicted, g_strdup (bs_model_class_name (model, c.prediction.cls, buf, sizeof buf)));
      set_text (&self->truth, c.label >= 0 ? g_strdup (bs_model_class_name (model, c.label, buf, sizeof buf)) : NULL);
      set_text (&self->caption, g_strdup_printf ("image %d of %d · %s", c.image + 1, c.n_images,
                                                 source != NULL ? source : ""));
      self->data.predicted = self->predicted;
      self->data.truth = self->truth;
      self->data.correct = c.label >= 0 && c.label == c.prediction.cls;
      self->data.confidence = c.prediction.confidence;
    }
  else
    {
      set_text (&self->caption, g_strdup (source));
      memset (&self->data, 0, sizeof self->data);
    }
  self->data.caption = self->caption;
  self->data.n_labelled = c.tally.n_labelled;
  self->data.n_correct = c.tally.n_correct;
  summary = bs_prediction_describe (&self->data);
  if (g_strcmp0 (summary, self->summary) != 0)
    {
      set_text (&self->summary, g_steal_pointer (&summary));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
    }
  tooltip = g_strdup_printf ("%s\n\n%s", self->summary, CONFIDENCE_NOTE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->summary, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
bs_prediction_tile_get_summary (BsPredictionTile *self)
{
  return self->summary != NULL ? self->summary : "Nothing classified yet";
}

static void
set_demo (BsPredictionTile *self, gboolean demo)
{
  self->demo = !!demo;
  bs_chart_style_init (&self->style, self->demo ? BS_CHART_THEME_DEMO : bs_chart_theme_current ());
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
bs_prediction_tile_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_DEMO)
    g_value_set_boolean (value, BS_PREDICTION_TILE (object)->demo);
  else if (prop_id == PROP_SUMMARY)
    g_value_set_string (value, bs_prediction_tile_get_summary (BS_PREDICTION_TILE (object)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
bs_prediction_tile_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  if (prop_id == PROP_DEMO)
    set_demo (BS_PREDICTION_TILE (object), g_value_get_boolean (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
bs_prediction_tile_finalize (GObject *object)
{
  BsPredictionTile *self = BS_PREDICTION_TILE (object);

  g_free (self->pixels);
  g_free (self->predicted);
  g_free (self->truth);
  g_free (self->caption);
  g_free (self->summary);
  G_OBJECT_CLASS (bs_prediction_tile_parent_class)->finalize (object);
}

static void
bs_prediction_tile_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                            int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  BsPredictionTile *self = BS_PREDICTION_TILE (widget);
  /* Natural: a 28×28 image at 4× (demo: 10×) beside its five lines of text. Minimum
   * lower, so that the live page fits a 1024×768 projector (the image scales down). */
  int height = self->demo ? 300 : 150, min_height = self->demo ? 200 : 96;

  *minimum = orientation == GTK_ORIENTATION_VERTICAL ? min_height : 200;
  *natural = orientation == GTK_ORIENTATION_VERTICAL ? height : 480;
}

static void
bs_prediction_tile_class_init (BsPredictionTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bs_prediction_tile_finalize;
  object_class->get_property = bs_prediction_tile_get_property;
  object_class->set_property = bs_prediction_tile_set_property;
  widget_class->snapshot = bs_prediction_tile_snapshot;
  widget_class->measure = bs_prediction_tile_measure;
  properties[PROP_DEMO] = g_param_spec_boolean ("demo", NULL, NULL, FALSE,
                                                G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* bs_prediction_tile_get_summary; notified when it changes. */
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                                                  | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "predictiontile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bs_prediction_tile_init (BsPredictionTile *self)
{
  bs_chart_theme_follow (GTK_WIDGET (self), &self->style);
  self->data.confidence = NAN;
}
