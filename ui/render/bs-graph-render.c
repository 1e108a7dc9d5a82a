/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-render.c: module boxes, edges with rounded elbows and arrowheads, nodes,
 * header and legend. */
#include "bs-graph-render.h"

#include <math.h>
#include <string.h>

#define HEADER_PAD 10
/* Type below this is not legible: a name that would be smaller is drawn at this size
 * while its box has room, and not at all once it has none. */
#define MIN_TEXT_PX 8.5

/* A sequential purple ramp (after ColorBrewer's Purples): it shares no hue with the
 * precision colours, reads in greyscale, and its lightness falls monotonically. */
static const guint32 heat_light[] = { 0xf4f1f9, 0xdcd6ec, 0xbcb3da, 0x998ac6, 0x7760b0, 0x5a3696, 0x3f0f7a };
/* On black the order turns: more is brighter. */
static const guint32 heat_demo[] = { 0x2b2140, 0x43336b, 0x5e4a96, 0x7c66bd, 0x9d8bd6, 0xc2b6ea, 0xeae4fb };

BsColor
bs_graph_heat_color (const BsChartStyle *style, double f)
{
  const guint32 *ramp = bs_chart_style_on_dark (style) ? heat_demo : heat_light;
  int n = G_N_ELEMENTS (heat_light);
  double pos, t;
  int k;
  BsColor c;

  f = isfinite (f) ? CLAMP (f, 0, 1) : 0;
  pos = f * (n - 1);
  k = MIN ((int) floor (pos), n - 2);
  t = pos - k;
  c.r = ((1 - t) * (ramp[k] >> 16 & 0xff) + t * (ramp[k + 1] >> 16 & 0xff)) / 255.0;
  c.g = ((1 - t) * (ramp[k] >> 8 & 0xff) + t * (ramp[k + 1] >> 8 & 0xff)) / 255.0;
  c.b = ((1 - t) * (ramp[k] & 0xff) + t * (ramp[k + 1] & 0xff)) / 255.0;
  c.a = 1;
  return c;
}

static double
luminance (const BsColor *c)
{
  return 0.2126 * c->r + 0.7152 * c->g + 0.0722 * c->b;
}

/* Type scaled with the graph, but never below legibility. */
static double
legible (double size)
{
  return MAX (size, MIN_TEXT_PX);
}

static double
header_height (const BsChartStyle *style)
{
  return 8 + style->title_size * 1.4 + style->font_size * 1.8 + HEADER_PAD;
}

static char *
format_value (const BsGraphData *data, double v)
{
  if (!isfinite (v))
    return g_strdup ("—");
  switch (data->format)
    {
    case BS_GRAPH_VALUE_SHARE:
      return g_strdup_printf ("%.1f %%", 100 * v);
    case BS_GRAPH_VALUE_RATIO:
      return g_strdup_printf ("×%.2f", v);
    case BS_GRAPH_VALUE_SI:
    default:
      return bs_format_si (v, data->unit != NULL ? data->unit : "");
    }
}

static void
metric_range (const BsGraphData *data, double *lo, double *hi)
{
  double mn = INFINITY, mx = -INFINITY;

  for (int i = 0; data->metric != NULL && i < data->layout->n_layers; i++)
    if (isfinite (data->metric[i]))
      {
        mn = MIN (mn, data->metric[i]);
        mx = MAX (mx, data->metric[i]);
      }
  *lo = isfinite (data->metric_min) ? data->metric_min
        : data->format == BS_GRAPH_VALUE_SHARE ? 0 : mn;
  *hi = isfinite (data->metric_max) ? data->metric_max : mx;
  if (!isfinite (*lo) || !isfinite (*hi))
    {
      *lo = 0;
      *hi = 1;
    }
}

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* Text in a layout of at most max_w, ellipsized; nothing when too small to read. */
static void
text_fit (cairo_t *cr, const BsChartStyle *style, double size, gboolean bold, const BsColor *color,
          const char *text, double x, double y, double max_w, BsAlign halign)
{
  PangoLayout *layout;
  PangoRectangle logical;

  if (size < 5 || max_w < size * 2 || text == NULL || *text == '\0')
    return;
  layout = bs_chart_layout_new (cr, style, size, bold, text);
  pango_layout_set_width (layout, (int) (max_w * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  bs_chart_set_color (cr, color);
  cairo_move_to (cr, halign == BS_ALIGN_END ? x + max_w - logical.width : x, y - logical.height / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

typedef struct
{
  double s, ox, oy;
} Xf;

static inline double
tx (const Xf *t, double x)
{
  return t->ox + x * t->s;
}

static inline double
ty (const Xf *t, double y)
{
  return t->oy + y * t->s;
}

static void
draw_modules (cairo_t *cr, const BsGraphLayout *layout, const Xf *t, const BsChartStyle *style)
{
  double fs = legible (style->font_size * 0.95 * t->s);
  BsColor fill = style->text, border = style->text;

  fill.a = bs_chart_style_on_dark (style) ? 0.06 : 0.028;
  border.a = bs_chart_style_on_dark (style) ? 0.25 : 0.14;
  for (int i = 0; i < layout->n_modules; i++)
    {
      const BsGraphModuleBox *m = &layout->modules[i];
      double x = tx (t, m->box.x), y = ty (t, m->box.y);
      double w = m->box.width * t->s, h = m->box.height * t->s;
      double hy = y + layout->options.header_height * t->s * 0.55;
      double pad = layout->options.module_pad * t->s;

      rounded_rect (cr, x, y, w, h, 8 * t->s);
      bs_chart_set_color (cr, &fill);
      cairo_fill_preserve (cr);
      bs_chart_set_color (cr, &border);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      /* The name on the left, the kind on the right: the middle of the header stays
       * free for the edge that enters the module there. */
      /* The name may reach a little into the padding below the header. */
      if (layout->options.header_height * t->s < fs * 0.9)
        continue;
      text_fit (cr, style, fs, TRUE, &style->text_dim, m->name, x + pad, hy, w / 2 - pad - 12 * t->s,
                BS_ALIGN_START);
      text_fit (cr, style, fs * 0.92, FALSE, &style->text_dim, m->kind, x + w / 2 + 12 * t->s, hy,
                w / 2 - pad - 12 * t->s, BS_ALIGN_END);
    }
}

static void
draw_stages (cairo_t *cr, const BsGraphLayout *layout, const Xf *t, const BsChartStyle *style)
{
  double fs = legible (style->font_size * 1.15 * t->s);

  for (int i = 0; i < layout->n_stages; i++)
    {
      const BsGraphStageHeader *h = &layout->stages[i];
      double x = tx (t, h->box.x), y = ty (t, h->box.y);
      double w = h->box.width * t->s, hh = h->box.height * t->s;
      if (hh < fs)
        continue;
      /* The name left, "continued" right: the column's incoming edge runs down the
       * middle. */
      text_fit (cr, style, fs, TRUE, h->continued ? &style->text_dim : &style->text, h->name, x,
                y + hh * 0.45, w / 2 - 10 * t->s, BS_ALIGN_START);
      if (h->continued)
        text_fit (cr, style, fs * 0.9, FALSE, &style->text_dim, "continued", x + w / 2 + 10 * t->s,
                  y + hh * 0.45, w / 2 - 10 * t->s, BS_ALIGN_START);
      bs_chart_set_color (cr, &style->grid);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, x, floor (y + hh - 3 * t->s) + 0.5);
      cairo_line_to (cr, x + w / 2 - 14 * t->s, floor (y + hh - 3 * t->s) + 0.5);
      cairo_stroke (cr);
    }
}

static void
draw_edges (cairo_t *cr, const BsGraphLayout *layout, const Xf *t, const BsChartStyle *style)
{
  BsColor c = style->text;
  double head = 5 * t->s;

  c.a = bs_chart_style_on_dark (style) ? 0.6 : 0.42;
  bs_chart_set_color (cr, &c);
  cairo_set_line_width (cr, MAX (1, 1.2 * t->s));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (int i = 0; i < layout->n_edges; i++)
    {
      const BsGraphEdge *e = &layout->edges[i];

      if (e->n_points < 2)
        continue;
      cairo_move_to (cr, tx (t, e->x[0]), ty (t, e->y[0]));
      /* Each elbow rounded with a radius that fits both of its segments. */
      for (int k = 1; k < e->n_points - 1; k++)
        {
          double x0 = e->x[k - 1], y0 = e->y[k - 1], x1 = e->x[k], y1 = e->y[k];
          double x2 = e->x[k + 1], y2 = e->y[k + 1];
          double l0 = hypot (x1 - x0, y1 - y0), l1 = hypot (x2 - x1, y2 - y1);
          double r = MIN (6, MIN (l0, l1) / 2);

          if (r < 0.5 || l0 == 0 || l1 == 0)
            {
              cairo_line_to (cr, tx (t, x1), ty (t, y1));
              continue;
            }
          cairo_line_to (cr, tx (t, x1 - (x1 - x0) / l0 * r), ty (t, y1 - (y1 - y0) / l0 * r));
          cairo_curve_to (cr, tx (t, x1), ty (t, y1), tx (t, x1), ty (t, y1),
                          tx (t, x1 + (x2 - x1) / l1 * r), ty (t, y1 + (y2 - y1) / l1 * r));
        }
      /* Stop short of the box: the arrowhead ends on it. */
      cairo_line_to (cr, tx (t, e->x[e->n_points - 1]), ty (t, e->y[e->n_points - 1]) - head * 0.8);
      cairo_stroke (cr);
      {
        double ex = tx (t, e->x[e->n_points - 1]), ey = ty (t, e->y[e->n_points - 1]);
        cairo_move_to (cr, ex, ey);
        cairo_line_to (cr, ex - head * 0.65, ey - head);
        cairo_line_to (cr, ex + head * 0.65, ey - head);
        cairo_close_path (cr);
        cairo_fill (cr);
      }
    }
}

/* "main.conv" where it fits, else "conv": the lane already says main or skip, and a
 * whole last word reads better than "ma…". */
static const char *
name_that_fits (cairo_t *cr, const BsChartStyle *style, double size, const char *name, double room)
{
  const char *last = strrchr (name, '.');

  if (last == NULL || last[1] == '\0' || bs_chart_text_width (cr, style, size, FALSE, name) <= room)
    return name;
  return last + 1;
}

static void
draw_node (cairo_t *cr, const BsGraphData *data, const BsGraphNode *n, const Xf *t, double lo,
           double hi, const BsChartStyle *style, BsGraphInfo *info)
{
  double x = tx (t, n->box.x), y = ty (t, n->box.y);
  double w = n->box.width * t->s, h = n->box.height * t->s;
  double r = 4 * t->s;
  double fs, small = legible (style->font_size * 0.86 * t->s);
  BsRect label;
  const BsColor *prec = &style->precision[n->precision];
  const BsColor *ink = &style->text, *dim = &style->text_dim;
  BsColor fill, light_ink = { 1, 1, 1, 1 }, light_dim = { 1, 1, 1, 0.8 };
  double v = NAN;
  gboolean heat = data->coloring == BS_GRAPH_COLOR_HEAT && n->kind == BS_GRAPH_NODE_LAYER;

  if (n->kind != BS_GRAPH_NODE_LAYER)
    {
      /* Input and output: pills. */
      BsColor pill = style->text;
      pill.a = 0.07;
      rounded_rect (cr, x, y, w, h, h / 2);
      bs_chart_set_color (cr, &pill);
      cairo_fill_preserve (cr);
      bs_chart_set_color (cr, &style->axis);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      {
        g_autofree char *text = n->detail && *n->detail ? g_strdup_printf ("%s  %s", n->label, n->detail)
                                                        : g_strdup (n->label);
        double tw = bs_chart_text_width (cr, style, small, FALSE, text);
        text_fit (cr, style, small, FALSE, ink, text, x + MAX (h / 2, (w - tw) / 2), y + h / 2,
                  w - h / 2, BS_ALIGN_START);
      }
      return;
    }

  if (heat)
    {
      v = data->metric != NULL && n->layer < data->layout->n_layers ? data->metric[n->layer] : NAN;
      if (isfinite (v))
        {
          fill = bs_graph_heat_color (style, hi > lo ? (v - lo) / (hi - lo) : 1);
          if (luminance (&fill) < 0.48)
            {
              ink = &light_ink;
              dim = &light_dim;
            }
        }
      else
        fill = style->plot_background;
    }
  else
    {
      /* The precision colour, lightened onto the background. */
      double a = bs_chart_style_on_dark (style) ? 0.3 : 0.17;
      fill.r = style->background.r + a * (prec->r - style->background.r);
      fill.g = style->background.g + a * (prec->g - style->background.g);
      fill.b = style->background.b + a * (prec->b - style->background.b);
      fill.a = 1;
    }

  rounded_rect (cr, x, y, w, h, r);
  bs_chart_set_color (cr, &fill);
  cairo_fill_preserve (cr);
  cairo_save (cr);
  cairo_clip (cr);
  if (heat && !isfinite (v))
    bs_chart_hatch (cr, &(BsRect) { x, y, w, h }, &style->missing);
  /* The precision stripe. */
  bs_chart_fill_rect (cr, &(BsRect) { x, y, MAX (3, 5 * t->s), h }, prec);
  cairo_restore (cr);
  {
    BsColor border = heat ? style->axis : *prec;
    if (!heat)
      border.a = 0.7;
    rounded_rect (cr, x + 0.5, y + 0.5, w - 1, h - 1, r);
    bs_chart_set_color (cr, &border);
    cairo_set_line_width (cr, 1);
    cairo_stroke (cr);
  }

  if (bs_graph_label_rect (info, n, style, &label, &fs))
    {
      double line1 = label.y + label.height / 2;


      if (heat && isfinite (v))
        {
          g_autofree char *value = format_value (data, v);
          double vw = bs_chart_text_width (cr, style, fs, TRUE, value);
          double room = label.width - vw - 6 * t->s;

          text_fit (cr, style, fs, TRUE, ink, value, label.x, line1, label.width, BS_ALIGN_END);
          text_fit (cr, style, fs, FALSE, ink, name_that_fits (cr, style, fs, n->label, room), label.x,
                    line1, room, BS_ALIGN_START);
        }
      else
        text_fit (cr, style, fs, FALSE, ink, name_that_fits (cr, style, fs, n->label, label.width),
                  label.x, line1, label.width, BS_ALIGN_START);
      info->n_labels_drawn++;
      /* The detail only where a second line fits below the name. */
      if (h >= 2.6 * fs)
        text_fit (cr, style, fs * 0.86, FALSE, dim, n->detail, label.x, y + h * 0.7, label.width,
                  BS_ALIGN_START);
    }

  if (n->layer == data->selected_layer)
    {
      BsColor glow = style->text;
      glow.a = 0.18;
      rounded_rect (cr, x - 3.5, y - 3.5, w + 7, h + 7, r + 3);
      bs_chart_set_color (cr, &glow);
      cairo_set_line_width (cr, 4);
      cairo_stroke (cr);
      rounded_rect (cr, x - 1, y - 1, w + 2, h + 2, r + 1);
      bs_chart_set_color (cr, &style->text);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }
}

static void
draw_header (cairo_t *cr, const BsGraphData *data, double lo, double hi,
             const BsChartStyle *style, BsGraphInfo *info)
{
  const BsGraphLayout *layout = data->layout;
  double fs = style->font_size;
  double y2 = 8 + style->title_size * 1.4 + fs * 0.9;
  g_autofree char *sub = NULL;
  double w;

  w = bs_chart_draw_text (cr, style, style->title_size, TRUE, &style->text,
                          data->title ? data->title : layout->model_name ? layout->model_name : "",
                          12, 8, BS_ALIGN_START, BS_ALIGN_START);
  {
    int n_layers = 0;
    for (int i = 0; i < layout->n_nodes; i++)
      n_layers += layout->nodes[i].kind == BS_GRAPH_NODE_LAYER;
    sub = data->subtitle != NULL ? g_strdup (data->subtitle)
          : g_strdup_printf ("%d layers · %d modules · main path left, skip path right", n_layers,
                             layout->n_modules);
  }
  bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, sub, 12 + w + 10,
                      8 + style->title_size - fs, BS_ALIGN_START, BS_ALIGN_START);

  /* Second row: the legend. */
  {
    double x = 12;
    static const BsPrecision order[] = { BS_PRECISION_BINARY, BS_PRECISION_FIXED, BS_PRECISION_FLOAT };

    if (data->coloring == BS_GRAPH_COLOR_HEAT)
      {
        g_autofree char *lo_text = format_value (data, lo);
        g_autofree char *hi_text = format_value (data, hi);
        double bar_w = 160, bar_h = round (fs * 0.9);
        BsRect bar;

        x += bs_chart_draw_text (cr, style, fs, TRUE, &style->text,
                                 data->metric_name ? data->metric_name : "Metric", x, y2,
                                 BS_ALIGN_START, BS_ALIGN_CENTER) + 10;
        x += bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, lo_text, x, y2,
                                 BS_ALIGN_START, BS_ALIGN_CENTER) + 6;
        bar = (BsRect) { round (x), round (y2 - bar_h / 2), bar_w, bar_h };
        for (int c = 0; c < (int) bar_w; c++)
          {
            BsColor col = bs_graph_heat_color (style, c / (bar_w - 1));
            bs_chart_fill_rect (cr, &(BsRect) { bar.x + c, bar.y, 1, bar.height }, &col);
          }
        bs_chart_set_color (cr, &style->axis);
        cairo_set_line_width (cr, 1);
        cairo_rectangle (cr, bar.x - 0.5, bar.y - 0.5, bar.width + 1, bar.height + 1);
        cairo_stroke (cr);
        info->gradient = bar;
        x += bar_w + 6;
        x += bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, hi_text, x, y2,
                                 BS_ALIGN_START, BS_ALIGN_CENTER) + 18;
        {
          BsRect none = { round (x), round (y2 - bar_h / 2), bar_h * 1.6, bar_h };
          bs_chart_fill_rect (cr, &none, &style->plot_background);
          bs_chart_hatch (cr, &none, &style->missing);
          bs_chart_set_color (cr, &style->axis);
          cairo_rectangle (cr, none.x - 0.5, none.y - 0.5, none.width + 1, none.height + 1);
          cairo_stroke (cr);
          x += none.width + 6;
          x += bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, "no figure", x, y2,
                                   BS_ALIGN_START, BS_ALIGN_CENTER) + 24;
        }
        x += bs_chart_draw_text (cr, style, fs, FALSE, &style->text_dim, "stripe:", x, y2,
                                 BS_ALIGN_START, BS_ALIGN_CENTER) + 8;
      }
    for (guint k = 0; k < G_N_ELEMENTS (order); k++)
      {
        x += bs_chart_draw_legend_item (cr, style, &style->precision[order[k]],
                                        bs_precision_label (order[k]), x, y2);
        x += 16;
      }
  }
}

static double
fit_scale (const BsGraphLayout *layout, int width, int height, double header)
{
  double s = MIN ((width - 8) / MAX (layout->width, 1), (height - header - 4) / MAX (layout->height, 1));

  /* Never above 1: type is already at its size. */
  return CLAMP (s, BS_GRAPH_SCALE_MIN, 1.0);
}

static void
viewport_fit_below (const BsGraphLayout *layout, int width, int height, double header,
                             BsGraphViewport *vp)
{
  vp->scale = fit_scale (layout, width, height, header);
  vp->x = -round ((width - layout->width * vp->scale) / 2) / vp->scale;
  vp->y = 0;
}

void
bs_graph_viewport_fit (const BsGraphLayout *layout, int width, int height,
                       const BsChartStyle *style, BsGraphViewport *vp)
{
  viewport_fit_below (layout, width, height, header_height (style), vp);
}

void
bs_graph_viewport_zoom (BsGraphViewport *vp, double factor, double ax, double ay,
                        const BsChartStyle *style)
{
  double header = header_height (style);
  double lx = vp->x + ax / vp->scale, ly = vp->y + (ay - header) / vp->scale;

  vp->scale = CLAMP (vp->scale * factor, BS_GRAPH_SCALE_MIN, BS_GRAPH_SCALE_MAX);
  vp->x = lx - ax / vp->scale;
  vp->y = ly - (ay - header) / vp->scale;
}

void
bs_graph_viewport_pan (BsGraphViewport *vp, double dx, double dy)
{
  vp->x += dx / vp->scale;
  vp->y += dy / vp->scale;
}

/* [lo, hi] for the view's start along one axis: the graph (extent) within the view
 * (visible) when it fits, else the view within the graph. */
static double
clamp_axis (double v, double extent, double visible)
{
  double a = extent - visible;

  return CLAMP (v, MIN (0, a), MAX (0, a));
}

void
bs_graph_viewport_clamp (BsGraphViewport *vp, const BsGraphLayout *layout, int width, int height,
                         const BsChartStyle *style)
{
  double visible_h = (height - header_height (style)) / vp->scale;

  vp->x = clamp_axis (vp->x, layout->width, width / vp->scale);
  vp->y = clamp_axis (vp->y, layout->height, visible_h);
}

BsGraphLayout *
bs_graph_layout_for_viewport (const BsModel *model, int width, int height, const BsChartStyle *style)
{
  BsGraphLayoutOptions o;
  BsGraphLayout *best = NULL;
  double best_scale = 0, header = header_height (style);

  bs_graph_layout_options_init (&o);
  for (int per_column = 0; per_column <= 8; per_column++)
    {
      BsGraphLayout *layout;
      double s;

      o.modules_per_column = per_column;
      layout = bs_graph_layout_new (model, &o);
      s = fit_scale (layout, width, height, header);
      /* A clearly larger scale only: ties keep the column per stage. */
      if (best == NULL || s > best_scale * 1.02)
        {
          bs_graph_layout_free (best);
          best = layout;
          best_scale = s;
        }
      else
        bs_graph_layout_free (layout);
    }
  return best;
}

gboolean
bs_graph_label_rect (const BsGraphInfo *info, const BsGraphNode *n, const BsChartStyle *style,
                     BsRect *rect, double *size)
{
  double s = info->scale;
  double x = info->origin_x + n->box.x * s, y = info->origin_y + n->box.y * s;
  double w = n->box.width * s, h = n->box.height * s;
  double fs = legible (style->font_size * s);
  /* Right of the precision stripe, a little in from the border. */
  double left = x + 11 * s, avail = w - 17 * s;
  /* Two lines (name, detail) where they fit, else the name alone, centred. */
  double centre = h >= 2.6 * fs ? y + h * 0.33 : y + h / 2;

  if (n->kind != BS_GRAPH_NODE_LAYER || h < 1.25 * fs || avail < 3 * fs)
    return FALSE;
  *rect = (BsRect) { left, centre - fs * 0.7, avail, fs * 1.4 };
  *size = fs;
  return TRUE;
}

static void
transform_for (const BsGraphLayout *layout, const BsGraphViewport *vp, int width, int height,
               double header, Xf *t)
{
  if (vp != NULL && vp->scale > 0)
    {
      t->s = vp->scale;
      t->ox = -vp->x * t->s;
      t->oy = header - vp->y * t->s;
      return;
    }
  {
    BsGraphViewport fit;
    viewport_fit_below (layout, width, height, header, &fit);
    transform_for (layout, &fit, width, height, header, t);
  }
}

void
bs_graph_render (cairo_t *cr, const BsGraphData *data, const BsGraphViewport *vp, int width,
                 int height, const BsChartStyle *style, BsGraphInfo *info)
{
  BsGraphInfo scratch;
  const BsGraphLayout *layout = data->layout;
  double header = header_height (style);
  double lo = 0, hi = 1;
  Xf t;

  if (info == NULL)
    info = &scratch;
  memset (info, 0, sizeof *info);
  if (data->coloring == BS_GRAPH_COLOR_HEAT)
    metric_range (data, &lo, &hi);
  info->metric_min = lo;
  info->metric_max = hi;
  info->header_height = header;
  transform_for (layout, vp, width, height, header, &t);
  info->scale = t.s;
  info->origin_x = t.ox;
  info->origin_y = t.oy;

  cairo_save (cr);
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, width, height }, &style->background);

  cairo_save (cr);
  cairo_rectangle (cr, 0, header, width, MAX (0, height - header));
  cairo_clip (cr);
  draw_modules (cr, layout, &t, style);
  draw_stages (cr, layout, &t, style);
  draw_edges (cr, layout, &t, style);
  for (int i = 0; i < layout->n_nodes; i++)
    {
      const BsGraphNode *n = &layout->nodes[i];
      double x = tx (&t, n->box.x), y = ty (&t, n->box.y);

      /* Only what can be seen. */
      if (x > width || y > height || x + n->box.width * t.s < 0 || y + n->box.height * t.s < header)
        continue;
      draw_node (cr, data, n, &t, lo, hi, style, info);
      info->n_nodes_drawn++;
    }
  cairo_restore (cr);

  /* The header on top of anything scrolled under it. */
  bs_chart_fill_rect (cr, &(BsRect) { 0, 0, width, header - 2 }, &style->background);
  draw_header (cr, data, lo, hi, style, info);
  bs_chart_set_color (cr, &style->grid);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, 0, floor (header - 2) + 0.5);
  cairo_line_to (cr, width, floor (header - 2) + 0.5);
  cairo_stroke (cr);
  cairo_restore (cr);
}

int
bs_graph_content_height (const BsGraphLayout *layout, int width, const BsChartStyle *style)
{
  double s = MIN (1.0, (width - 8) / MAX (layout->width, 1));

  return (int) ceil (header_height (style) + layout->height * s + 4);
}

int
bs_graph_render_hit (const BsGraphData *data, const BsGraphInfo *info, double x, double y)
{
  if (y < info->header_height || info->scale <= 0)
    return -1;
  return bs_graph_layout_hit (data->layout, (x - info->origin_x) / info->scale,
                              (y - info->origin_y) / info->scale);
}
