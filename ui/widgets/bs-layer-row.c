/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-layer-row.c: properties: op, name, kind, precision (text), precision-class (the CSS
 * class of its chip), path, group, ops (MACs), ops-text, time-ns, time-text, share,
 * share-text, energy-j, energy-text. */
#include "bs-layer-row.h"

#include <math.h>

#include "bs-chart-axis.h"
#include "bs-chart-style.h"

struct _BsLayerRow
{
  GObject parent_instance;

  int op;
  char *name;
  char *kind;
  BsPrecision precision;
  char *path;
  char *group;
  uint64_t ops;
  char *ops_text;
  double time_ns;
  double share;
  double energy_j;
  double energy_ci_j;
};

enum
{
  PROP_0,
  PROP_OP,
  PROP_NAME,
  PROP_KIND,
  PROP_PRECISION,
  PROP_PRECISION_CLASS,
  PROP_PATH,
  PROP_GROUP,
  PROP_OPS,
  PROP_OPS_TEXT,
  PROP_TIME_NS,
  PROP_TIME_TEXT,
  PROP_SHARE,
  PROP_SHARE_TEXT,
  PROP_ENERGY_J,
  PROP_ENERGY_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BsLayerRow, bs_layer_row, G_TYPE_OBJECT)

/* Sorting puts rows without a figure last in either direction only if they compare
 * below everything: -1 does that for quantities that are never negative. */
static double
sortable (double v)
{
  return isnan (v) ? -1 : v;
}

static char *
ops_text (const BsOpInfo *info)
{
  g_autofree char *bin = bs_format_count (info->binary_macs);
  g_autofree char *fix = bs_format_count (info->fixed_macs);

  if (info->binary_macs > 0 && info->fixed_macs > 0)
    return g_strdup_printf ("%s bin + %s fixed", bin, fix);
  if (info->binary_macs > 0)
    return g_strdup_printf ("%s bin", bin);
  if (info->fixed_macs > 0)
    return g_strdup_printf ("%s fixed", fix);
  return g_strdup ("—");
}

static void
bs_layer_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BsLayerRow *self = BS_LAYER_ROW (object);

  switch (prop_id)
    {
    case PROP_OP:
      g_value_set_int (value, self->op);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_KIND:
      g_value_set_string (value, self->kind);
      break;
    case PROP_PRECISION:
      g_value_set_string (value, bs_precision_label (self->precision));
      break;
    case PROP_PRECISION_CLASS:
      g_value_set_string (value, bs_precision_to_string (self->precision));
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_GROUP:
      g_value_set_string (value, self->group);
      break;
    case PROP_OPS:
      g_value_set_uint64 (value, self->ops);
      break;
    case PROP_OPS_TEXT:
      g_value_set_string (value, self->ops_text);
      break;
    case PROP_TIME_NS:
      g_value_set_double (value, sortable (self->time_ns));
      break;
    case PROP_TIME_TEXT:
      g_value_take_string (value, bs_format_duration (self->time_ns));
      break;
    case PROP_SHARE:
      g_value_set_double (value, sortable (self->share));
      break;
    case PROP_SHARE_TEXT:
      g_value_take_string (value, isnan (self->share) ? g_strdup ("—")
                                                      : g_strdup_printf ("%.1f %%", self->share * 100));
      break;
    case PROP_ENERGY_J:
      g_value_set_double (value, sortable (self->energy_j));
      break;
    case PROP_ENERGY_TEXT:
      if (isnan (self->energy_j))
        g_value_set_string (value, "—");
      else
        {
          g_autofree char *e = bs_format_si (self->energy_j, "J");
          g_autofree char *ci = bs_format_si (self->energy_ci_j, "J");
          g_value_take_string (value, isnan (self->energy_ci_j) ? g_strdup (e)
                                                                : g_strdup_printf ("%s ± %s", e, ci));
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_layer_row_finalize (GObject *object)
{
  BsLayerRow *self = BS_LAYER_ROW (object);

  g_free (self->name);
  g_free (self->kind);
  g_free (self->path);
  g_free (self->group);
  g_free (self->ops_text);
  G_OBJECT_CLASS (bs_layer_row_parent_class)->finalize (object);
}

static void
bs_layer_row_class_init (BsLayerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bs_layer_row_finalize;
  object_class->get_property = bs_layer_row_get_property;
  properties[PROP_OP] = g_param_spec_int ("op", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, flags);
  properties[PROP_PRECISION] = g_param_spec_string ("precision", NULL, NULL, NULL, flags);
  properties[PROP_PRECISION_CLASS] = g_param_spec_string ("precision-class", NULL, NULL, NULL, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_GROUP] = g_param_spec_string ("group", NULL, NULL, NULL, flags);
  properties[PROP_OPS] = g_param_spec_uint64 ("ops", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_OPS_TEXT] = g_param_spec_string ("ops-text", NULL, NULL, NULL, flags);
  properties[PROP_TIME_NS] = g_param_spec_double ("time-ns", NULL, NULL, -1, G_MAXDOUBLE, -1, flags);
  properties[PROP_TIME_TEXT] = g_param_spec_string ("time-text", NULL, NULL, NULL, flags);
  properties[PROP_SHARE] = g_param_spec_double ("share", NULL, NULL, -1, 1, -1, flags);
  properties[PROP_SHARE_TEXT] = g_param_spec_string ("share-text", NULL, NULL, NULL, flags);
  properties[PROP_ENERGY_J] = g_param_spec_double ("energy-j", NULL, NULL, -1, G_MAXDOUBLE, -1, flags);
  properties[PROP_ENERGY_TEXT] = g_param_spec_string ("energy-text", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bs_layer_row_init (BsLayerRow *self)
{
  self->time_ns = NAN;
  self->share = NAN;
  self->energy_j = NAN;
  self->energy_ci_j = NAN;
}

BsLayerRow *
bs_layer_row_new (const BsOpTable *table, int op)
{
  BsLayerRow *self = g_object_new (BS_TYPE_LAYER_ROW, NULL);
  const BsOpInfo *info = &table->ops[op];

  self->op = op;
  self->name = g_strdup (info->name);
  self->kind = g_strdup (info->kind);
  self->precision = info->precision;
  self->path = g_strdup (bs_path_to_string (info->path));
  self->group = g_strdup (table->groups[info->group].name);
  self->ops = info->binary_macs + info->fixed_macs;
  self->ops_text = ops_text (info);
  return self;
}

int
bs_layer_row_get_op (BsLayerRow *self)
{
  return self->op;
}

BsPrecision
bs_layer_row_get_precision (BsLayerRow *self)
{
  return self->precision;
}

static gboolean
same (double a, double b)
{
  return (isnan (a) && isnan (b)) || a == b;
}

void
bs_layer_row_set_time (BsLayerRow *self, double median_ns, double share)
{
  if (same (self->time_ns, median_ns) && same (self->share, share))
    return;
  self->time_ns = median_ns;
  self->share = share;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_NS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_TEXT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHARE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHARE_TEXT]);
}

void
bs_layer_row_set_energy (BsLayerRow *self, double energy_j, double ci_j)
{
  if (same (self->energy_j, energy_j) && same (self->energy_ci_j, ci_j))
    return;
  self->energy_j = energy_j;
  self->energy_ci_j = ci_j;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENERGY_J]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENERGY_TEXT]);
}
