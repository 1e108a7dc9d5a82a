/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-layout.c: columns, module boxes, lanes, nodes, then edges routed around the
 * nodes with axis-parallel segments. */
#include "bs-graph-layout.h"

#include <math.h>
#include <string.h>

void
bs_graph_layout_options_init (BsGraphLayoutOptions *o)
{
  o->node_width = 150;
  o->node_height = 34;
  o->lane_gap = 18;
  o->row_gap = 16;
  o->module_gap = 26;
  o->module_pad = 10;
  o->header_height = 20;
  o->stage_header_height = 24;
  o->column_gap = 56;
  o->margin = 20;
  o->modules_per_column = 0;
}

void
bs_graph_layout_free (BsGraphLayout *layout)
{
  if (layout == NULL)
    return;
  for (int i = 0; i < layout->n_nodes; i++)
    {
      g_free (layout->nodes[i].label);
      g_free (layout->nodes[i].detail);
    }
  for (int i = 0; i < layout->n_modules; i++)
    {
      g_free (layout->modules[i].name);
      g_free (layout->modules[i].kind);
    }
  for (int i = 0; i < layout->n_stages; i++)
    g_free (layout->stages[i].name);
  g_free (layout->stages);
  g_free (layout->nodes);
  g_free (layout->edges);
  g_free (layout->modules);
  g_free (layout->node_of_layer);
  g_free (layout->model_name);
  g_free (layout);
}

/* Text */

static char *
short_label (const BsModel *model, const BsLayer *l)
{
  if (l->module >= 0)
    {
      const BsModule *m = &g_array_index (model->modules, BsModule, l->module);
      size_t n = strlen (m->name);

      if (strncmp (l->name, m->name, n) == 0 && l->name[n] == '.' && l->name[n + 1] != '\0')
        return g_strdup (l->name + n + 1);
    }
  return g_strdup (l->name);
}

static char *
channels (const BsLayer *l)
{
  int in = l->in_shape[0].c;
  int out = l->out_shape.c > 0 ? l->out_shape.c : l->out_channels;

  if (in > 0 && out > 0)
    return g_strdup_printf (" · %d→%d", in, out);
  if (out > 0)
    return g_strdup_printf (" · %d", out);
  return g_strdup ("");
}

/* " · 16×32×32" when the model was validated (shapes derived). */
static char *
out_shape (const BsLayer *l)
{
  const BsShape *s = &l->out_shape;

  if (s->c <= 0)
    return g_strdup ("");
  if (s->h == 1 && s->w == 1)
    return g_strdup_printf (" · %d", s->c);
  return g_strdup_printf (" · %d×%d×%d", s->c, s->h, s->w);
}

static char *
describe (const BsLayer *l)
{
  g_autofree char *shape = out_shape (l);
  g_autofree char *ch = channels (l);
  g_autofree char *stride = l->stride > 1 ? g_strdup_printf (" /%d", l->stride) : g_strdup ("");
  g_autofree char *bits = l->wbits > 0 ? g_strdup_printf ("%d-bit", l->wbits) : g_strdup ("fixed");

  switch (l->kind)
    {
    case BS_LAYER_CONV_BINARY:
      return g_strdup_printf ("binary %d×%d%s%s", l->kernel, l->kernel, stride, ch);
    case BS_LAYER_CONV_FIXED:
      return g_strdup_printf ("%s %d×%d%s%s", bits, l->kernel, l->kernel, stride, ch);
    case BS_LAYER_FC_BINARY:
      return g_strdup_printf ("binary FC%s", ch);
    case BS_LAYER_FC_FIXED:
      return g_strdup_printf ("%s FC%s", bits, ch);
    case BS_LAYER_BATCHNORM:
      return g_strdup_printf ("batch norm%s", shape);
    case BS_LAYER_SIGN:
      return g_strdup_printf ("sign%s", shape);
    case BS_LAYER_ADD:
      return g_strdup_printf ("add%s", shape);
    case BS_LAYER_AVGPOOL:
      return g_strdup_printf ("avg pool %d×%d%s%s", l->kernel, l->kernel, stride, shape);
    case BS_LAYER_GLOBAL_AVGPOOL:
      return g_strdup_printf ("global avg pool%s", shape);
    case BS_LAYER_QUANTIZE_INPUT:
      return g_strdup_printf ("quantize input%s", shape);
    case BS_LAYER_THERMOMETER:
      return g_strdup_printf ("thermometer, %d levels%s", l->levels, shape);
    case BS_LAYER_CONCAT:
      return g_strdup_printf ("concat%s", shape);
    case BS_LAYER_TRANSPOSE:
      return g_strdup_printf ("transpose%s", shape);
    case BS_LAYER_N_KINDS:
    default:
      return g_strdup (bs_layer_kind_to_string (l->kind));
    }
}

/* Columns: by stage, "stage1.0" -> "stage1"; "mixer0.token" -> "mixer0". */
static char *
stage_of (const char *module_name)
{
  const char *dot = strrchr (module_name, '.');
  return dot != NULL ? g_strndup (module_name, dot - module_name) : g_strdup (module_name);
}

/* Building */

typedef struct
{
  const BsModel *model;
  BsGraphLayoutOptions o;
  GArray *nodes;       /* BsGraphNode */
  GArray *edges;       /* BsGraphEdge */
  GArray *modules;     /* BsGraphModuleBox */
  GArray *stages;      /* BsGraphStageHeader */
  GArray *col_bottom;  /* double, per column: where the next item goes */
  gboolean after_module;  /* the last item placed in the column was a module */
  double module_w;
  int column;
  int input_node, output_node;
} Builder;

static double
column_x (const Builder *b, int column)
{
  return b->o.margin + column * (b->module_w + b->o.column_gap);
}

static double
column_centre (const Builder *b, int column)
{
  return column_x (b, column) + b->module_w / 2;
}

static double *
cursor (Builder *b)
{
  while ((int) b->col_bottom->len <= b->column)
    {
      /* A new column starts a little down, so the edge from the previous one has room
       * to come in from above. */
      double y = b->o.margin + (b->col_bottom->len > 0 ? b->o.module_gap : 0);
      g_array_append_val (b->col_bottom, y);
    }
  return &g_array_index (b->col_bottom, double, b->column);
}

static int
add_node (Builder *b, BsGraphNodeKind kind, int layer, double x, double y, double w, double h)
{
  BsGraphNode n = { .kind = kind, .layer = layer, .module = -1, .column = b->column,
                    .precision = BS_PRECISION_FIXED, .path = BS_PATH_STEM,
                    .box = { x, y, w, h } };

  if (kind == BS_GRAPH_NODE_LAYER)
    {
      const BsLayer *l = bs_model_layer (b->model, layer);
      n.module = l->module;
      n.precision = l->precision;
      n.path = l->path;
      n.label = short_label (b->model, l);
      n.detail = describe (l);
    }
  else if (kind == BS_GRAPH_NODE_INPUT)
    {
      const BsShape *s = &b->model->input_shape;
      n.label = g_strdup ("input");
      n.detail = s->c > 0 ? g_strdup_printf ("%d×%d×%d", s->c, s->h, s->w) : g_strdup ("");
    }
  else
    {
      n.label = g_strdup ("output");
      n.detail = g_strdup ("");
    }
  g_array_append_val (b->nodes, n);
  return (int) b->nodes->len - 1;
}

/* A free-standing node (stem, head, terminals), centred in the current column. */
/* Where the next item's top goes: modules keep a wider gap from their neighbours
 * than nodes within a lane, so the edges between them have room to turn. */
static double
next_top (Builder *b, gboolean is_module)
{
  double *y = cursor (b);
  gboolean column_start = *y == b->o.margin + (b->column > 0 ? b->o.module_gap : 0);

  if (!column_start && (is_module || b->after_module))
    *y += b->o.module_gap - b->o.row_gap;
  b->after_module = is_module;
  return *y;
}

static int
place_free (Builder *b, BsGraphNodeKind kind, int layer, int *node_of_layer)
{
  double *y;

  next_top (b, FALSE);
  y = cursor (b);
  double w = kind == BS_GRAPH_NODE_LAYER ? b->o.node_width : round (b->o.node_width * 0.8);
  double h = kind == BS_GRAPH_NODE_LAYER ? b->o.node_height : round (b->o.node_height * 0.7);
  int n = add_node (b, kind, layer, column_centre (b, b->column) - w / 2, *y, w, h);

  if (layer >= 0)
    node_of_layer[layer] = n;
  *y += h + b->o.row_gap;
  return n;
}

/* The stage's name above its first module in the current column. */
static void
place_stage_header (Builder *b, const char *stage, gboolean continued)
{
  BsGraphStageHeader h = { .name = g_strdup (stage), .column = b->column, .continued = continued };
  double *y;

  next_top (b, TRUE);
  y = cursor (b);
  h.box = (BsRect) { column_x (b, b->column), *y, b->module_w, b->o.stage_header_height };
  g_array_append_val (b->stages, h);
  /* The module right below keeps to its header, not a module's gap away (next_top
   * adds that gap back). */
  *y += b->o.stage_header_height - (b->o.module_gap - b->o.row_gap);
}

static void
place_module (Builder *b, int module, GArray *layers, int *node_of_layer)
{
  const BsModule *m = &g_array_index (b->model->modules, BsModule, module);
  const BsGraphLayoutOptions *o = &b->o;
  double top = next_top (b, TRUE);
  double *cur = cursor (b);
  double x = column_x (b, b->column);
  double main_left = x + o->module_pad;
  double skip_left = main_left + o->node_width + o->lane_gap;
  double centre_left = x + b->module_w / 2 - o->node_width / 2;
  double pitch = o->node_height + o->row_gap;
  double y = top + o->header_height + o->module_pad / 2;
  gboolean branched = FALSE;
  int n_main = 0, n_skip = 0;
  BsGraphModuleBox box = { .module = module, .name = g_strdup (m->name),
                           .kind = g_strdup (m->kind != NULL ? m->kind : ""),
                           .column = b->column,
                           .main_x = main_left + o->node_width / 2,
                           .skip_x = skip_left + o->node_width / 2 };

  /* Merge-path layers before the first branch lead into it (a mixer's transpose);
   * the rest close the module. */
  for (guint k = 0; k < layers->len; k++)
    {
      int i = g_array_index (layers, int, k);
      const BsLayer *l = bs_model_layer (b->model, i);

      if (l->path == BS_PATH_MAIN || l->path == BS_PATH_SKIP)
        {
          branched = TRUE;
          continue;
        }
      if (branched)
        continue;
      node_of_layer[i] = add_node (b, BS_GRAPH_NODE_LAYER, i, centre_left, y, o->node_width,
                                   o->node_height);
      y += pitch;
    }
  for (guint k = 0; k < layers->len; k++)
    {
      int i = g_array_index (layers, int, k);
      const BsLayer *l = bs_model_layer (b->model, i);

      if (l->path == BS_PATH_MAIN)
        node_of_layer[i] = add_node (b, BS_GRAPH_NODE_LAYER, i, main_left, y + pitch * n_main++,
                                     o->node_width, o->node_height);
      else if (l->path == BS_PATH_SKIP)
        node_of_layer[i] = add_node (b, BS_GRAPH_NODE_LAYER, i, skip_left, y + pitch * n_skip++,
                                     o->node_width, o->node_height);
    }
  y += pitch * MAX (n_main, n_skip);
  branched = FALSE;
  for (guint k = 0; k < layers->len; k++)
    {
      int i = g_array_index (layers, int, k);
      const BsLayer *l = bs_model_layer (b->model, i);

      if (l->path == BS_PATH_MAIN || l->path == BS_PATH_SKIP)
        {
          branched = TRUE;
          continue;
        }
      if (!branched)
        continue;
      node_of_layer[i] = add_node (b, BS_GRAPH_NODE_LAYER, i, centre_left, y, o->node_width,
                                   o->node_height);
      y += pitch;
    }
  box.box = (BsRect) { x, top, b->module_w, y - o->row_gap + o->module_pad - top };
  g_array_append_val (b->modules, box);
  *cur = box.box.y + box.box.height + o->row_gap;
}

/* Routing */

typedef struct
{
  const BsGraphLayout *layout;
  int skip_a, skip_b;  /* the edge's own nodes, which it may touch */
} Obstacles;

/* No node box (other than the edge's own) within 3 px of the vertical segment. */
static gboolean
free_v (const Obstacles *ob, double x, double y0, double y1)
{
  double lo = MIN (y0, y1), hi = MAX (y0, y1);

  for (int i = 0; i < ob->layout->n_nodes; i++)
    {
      const BsRect *r = &ob->layout->nodes[i].box;

      if (i == ob->skip_a || i == ob->skip_b)
        continue;
      if (x >= r->x - 3 && x <= r->x + r->width + 3 && hi > r->y - 3 && lo < r->y + r->height + 3)
        return FALSE;
    }
  return TRUE;
}

static gboolean
free_h (const Obstacles *ob, double y, double x0, double x1)
{
  double lo = MIN (x0, x1), hi = MAX (x0, x1);

  for (int i = 0; i < ob->layout->n_nodes; i++)
    {
      const BsRect *r = &ob->layout->nodes[i].box;

      if (i == ob->skip_a || i == ob->skip_b)
        continue;
      if (y >= r->y - 3 && y <= r->y + r->height + 3 && hi > r->x - 3 && lo < r->x + r->width + 3)
        return FALSE;
    }
  return TRUE;
}

static void
point (BsGraphEdge *e, double x, double y)
{
  /* Collinear repeats add nothing. */
  if (e->n_points > 0 && fabs (e->x[e->n_points - 1] - x) < 1e-9 && fabs (e->y[e->n_points - 1] - y) < 1e-9)
    return;
  g_assert (e->n_points < BS_GRAPH_EDGE_MAX_POINTS);
  e->x[e->n_points] = x;
  e->y[e->n_points] = y;
  e->n_points++;
}

/* Around the nodes between (sx, sy) and (dx, dy) through lane x = lx. */
static gboolean
try_lane (const Obstacles *ob, BsGraphEdge *e, double sx, double ya, double dx, double dy,
          double lx, double gap, gboolean force)
{
  double yb = dy - gap / 2;

  if (!force && !(free_h (ob, ya, sx, lx) && free_v (ob, lx, ya, yb) && free_h (ob, yb, lx, dx)))
    return FALSE;
  point (e, sx, ya);
  point (e, lx, ya);
  point (e, lx, yb);
  point (e, dx, yb);
  point (e, dx, dy);
  return TRUE;
}

/* From (sx, sy), already in e, to (dx, dy) below it in the same column. A turn below
 * the source is made at ya (below the source's module when it leaves one). */
static void
route_down (const Obstacles *ob, const BsGraphLayoutOptions *o, BsGraphEdge *e, double sx,
            double sy, double ya, double dx, double dy, const double *lanes, int n_lanes,
            gboolean prefer_lane)
{
  double gap = o->row_gap;

  if (!prefer_lane)
    {
      if (fabs (sx - dx) < 0.5 && free_v (ob, sx, sy, dy))
        {
          point (e, dx, dy);
          return;
        }
      if (fabs (sx - dx) >= 0.5)
        {
          double ym = dy - gap / 2;

          /* The fork (or join) just above the target reads best; else just below the
           * source. */
          if (free_v (ob, sx, sy, ym) && free_h (ob, ym, sx, dx))
            {
              point (e, sx, ym);
              point (e, dx, ym);
              point (e, dx, dy);
              return;
            }
          ym = ya;
          if (free_h (ob, ym, sx, dx) && free_v (ob, dx, ym, dy))
            {
              point (e, sx, ym);
              point (e, dx, ym);
              point (e, dx, dy);
              return;
            }
        }
    }
  for (int k = 0; k < n_lanes; k++)
    if (try_lane (ob, e, sx, ya, dx, dy, lanes[k], gap, FALSE))
      return;
  try_lane (ob, e, sx, ya, dx, dy, lanes[n_lanes - 1], gap, TRUE);
}

static const BsGraphModuleBox *
module_box_of (const BsGraphLayout *layout, int module)
{
  for (int i = 0; i < layout->n_modules; i++)
    if (layout->modules[i].module == module)
      return &layout->modules[i];
  return NULL;
}

/* The top of what starts at y in a column: the stage header right above it, if any, so
 * an edge coming in from another column crosses above the header, not through it. */
static double
top_above (const BsGraphLayout *layout, int column, double y)
{
  for (int i = 0; i < layout->n_stages; i++)
    {
      const BsRect *h = &layout->stages[i].box;

      if (layout->stages[i].column == column && fabs (h->y + h->height - y) < 0.5)
        return h->y;
    }
  return y;
}

static void
route (const BsGraphLayout *layout, BsGraphEdge *e)
{
  const BsGraphLayoutOptions *o = &layout->options;
  const BsGraphNode *src = &layout->nodes[e->from];
  const BsGraphNode *dst = &layout->nodes[e->to];
  const BsGraphModuleBox *mod = dst->module >= 0 ? module_box_of (layout, dst->module) : NULL;
  Obstacles ob = { layout, e->from, e->to };
  double sx = src->box.x + src->box.width / 2, sy = src->box.y + src->box.height;
  double dx = dst->box.x + dst->box.width / 2, dy = dst->box.y;
  double col_w = layout->n_columns > 0
                   ? (layout->width - 2 * o->margin + o->column_gap) / layout->n_columns : 0;
  double lanes[4];
  int n_lanes = 0;
  gboolean shortcut = FALSE;
  double ya = sy + o->row_gap / 2;

  e->n_points = 0;
  point (e, sx, sy);
  if (mod != NULL)
    {
      lanes[n_lanes++] = mod->skip_x;
      lanes[n_lanes++] = mod->main_x;
      lanes[n_lanes++] = mod->box.x + mod->box.width - o->module_pad / 2;
      /* Into the module's closing merge from outside its branches, with no skip path
       * of its own: the identity shortcut, drawn where the skip path would be. */
      shortcut = (dst->path == BS_PATH_MERGE || dst->path == BS_PATH_STEM || dst->path == BS_PATH_HEAD)
                 && src->module != dst->module && dst->box.y > mod->box.y + o->header_height + o->node_height;
    }
  lanes[n_lanes++] = o->margin + dst->column * col_w + col_w - o->column_gap * 0.75;

  if (src->module >= 0 && src->module != dst->module)
    {
      /* Leaving a module: turn below its box, not along its border. */
      const BsGraphModuleBox *from_mod = module_box_of (layout, src->module);
      ya = from_mod->box.y + from_mod->box.height + o->module_gap / 2;
    }
  if (src->column != dst->column)
    {
      /* Out below the source, up the gap right of its column, in above the target's
       * column (or its module), then down as within a column. */
      double gx = o->margin + (src->column + 1) * col_w - o->column_gap / 2;
      double entry = top_above (layout, dst->column, mod != NULL ? mod->box.y : dst->box.y) - o->module_gap / 2;
      double cx = o->margin + dst->column * col_w + (col_w - o->column_gap) / 2;

      point (e, sx, ya);
      point (e, gx, ya);
      point (e, gx, entry);
      point (e, cx, entry);
      route_down (&ob, o, e, cx, entry, entry + o->row_gap / 2, dx, dy, lanes, n_lanes, shortcut);
      return;
    }
  route_down (&ob, o, e, sx, sy, ya, dx, dy, lanes, n_lanes, shortcut);
}

static void
add_edge (Builder *b, int from, int to)
{
  BsGraphEdge e = { from, to, 0, { 0 }, { 0 } };
  g_array_append_val (b->edges, e);
}

BsGraphLayout *
bs_graph_layout_new (const BsModel *model, const BsGraphLayoutOptions *options)
{
  BsGraphLayout *layout = g_new0 (BsGraphLayout, 1);
  int n_layers = bs_model_n_layers (model);
  int n_modules = (int) model->modules->len;
  g_autofree gboolean *module_done = g_new0 (gboolean, MAX (n_modules, 1));
  g_autofree char *column_stage = NULL;
  int modules_in_column = 0;
  double bottom = 0;
  Builder b = { 0 };

  if (options != NULL)
    b.o = *options;
  else
    bs_graph_layout_options_init (&b.o);
  b.model = model;
  b.nodes = g_array_new (FALSE, TRUE, sizeof (BsGraphNode));
  b.edges = g_array_new (FALSE, TRUE, sizeof (BsGraphEdge));
  b.modules = g_array_new (FALSE, TRUE, sizeof (BsGraphModuleBox));
  b.stages = g_array_new (FALSE, TRUE, sizeof (BsGraphStageHeader));
  b.col_bottom = g_array_new (FALSE, FALSE, sizeof (double));
  b.module_w = 2 * b.o.node_width + b.o.lane_gap + 2 * b.o.module_pad;

  layout->model_name = g_strdup (model->name);
  layout->options = b.o;
  layout->n_layers = n_layers;
  layout->node_of_layer = g_new (int, MAX (n_layers, 1));
  for (int i = 0; i < n_layers; i++)
    layout->node_of_layer[i] = -1;

  b.input_node = place_free (&b, BS_GRAPH_NODE_INPUT, -1, layout->node_of_layer);

  /* Layers in execution order; a module is placed whole where its first layer is. */
  for (int i = 0; i < n_layers; i++)
    {
      const BsLayer *l = bs_model_layer (model, i);
      int mod = l->module;

      if (mod < 0 || mod >= n_modules)
        {
          place_free (&b, BS_GRAPH_NODE_LAYER, i, layout->node_of_layer);
          continue;
        }
      if (module_done[mod])
        continue;
      module_done[mod] = TRUE;
      {
        const BsModule *m = &g_array_index (model->modules, BsModule, mod);
        g_autofree char *stage = stage_of (m->name);
        g_autoptr (GArray) members = g_array_new (FALSE, FALSE, sizeof (int));
        gboolean new_stage = column_stage == NULL || strcmp (stage, column_stage) != 0;
        gboolean column_full = b.o.modules_per_column > 0 && modules_in_column >= b.o.modules_per_column;

        if ((new_stage || column_full) && modules_in_column > 0)
          {
            b.column++;
            b.after_module = FALSE;
            modules_in_column = 0;
          }
        if (modules_in_column == 0)
          place_stage_header (&b, stage, !new_stage);
        g_free (column_stage);
        column_stage = g_steal_pointer (&stage);
        for (int k = i; k < n_layers; k++)
          if (bs_model_layer (model, k)->module == mod)
            g_array_append_val (members, k);
        place_module (&b, mod, members, layout->node_of_layer);
        modules_in_column++;
      }
    }
  b.output_node = place_free (&b, BS_GRAPH_NODE_OUTPUT, -1, layout->node_of_layer);

  layout->n_columns = b.column + 1;
  layout->width = 2 * b.o.margin + layout->n_columns * b.module_w + (layout->n_columns - 1) * b.o.column_gap;
  for (guint c = 0; c < b.col_bottom->len; c++)
    bottom = MAX (bottom, g_array_index (b.col_bottom, double, c));
  layout->height = bottom - b.o.row_gap + b.o.margin;

  /* Edges: every input of every layer, and the last layer into the output. */
  for (int i = 0; i < n_layers; i++)
    {
      const BsLayer *l = bs_model_layer (model, i);

      for (int k = 0; k < l->n_inputs && k < 2; k++)
        {
          int from = l->inputs[k] == BS_INPUT_MODEL ? b.input_node
                     : l->inputs[k] >= 0 && l->inputs[k] < n_layers ? layout->node_of_layer[l->inputs[k]]
                                                                    : -1;
          if (from >= 0)
            add_edge (&b, from, layout->node_of_layer[i]);
        }
    }
  if (n_layers > 0)
    add_edge (&b, layout->node_of_layer[n_layers - 1], b.output_node);
  else
    add_edge (&b, b.input_node, b.output_node);

  layout->n_nodes = (int) b.nodes->len;
  layout->nodes = (BsGraphNode *) (void *) g_array_free (b.nodes, FALSE);
  layout->n_modules = (int) b.modules->len;
  layout->modules = (BsGraphModuleBox *) (void *) g_array_free (b.modules, FALSE);
  layout->n_stages = (int) b.stages->len;
  layout->stages = (BsGraphStageHeader *) (void *) g_array_free (b.stages, FALSE);
  layout->n_edges = (int) b.edges->len;
  layout->edges = (BsGraphEdge *) (void *) g_array_free (b.edges, FALSE);
  g_array_unref (b.col_bottom);
  for (int i = 0; i < layout->n_edges; i++)
    route (layout, &layout->edges[i]);
  return layout;
}

int
bs_graph_layout_hit (const BsGraphLayout *layout, double x, double y)
{
  for (int i = 0; i < layout->n_nodes; i++)
    {
      const BsGraphNode *n = &layout->nodes[i];

      if (n->kind == BS_GRAPH_NODE_LAYER && x >= n->box.x && x < n->box.x + n->box.width
          && y >= n->box.y && y < n->box.y + n->box.height)
        return n->layer;
    }
  return -1;
}

const BsGraphNode *
bs_graph_layout_node_of_layer (const BsGraphLayout *layout, int layer)
{
  if (layer < 0 || layer >= layout->n_layers || layout->node_of_layer[layer] < 0)
    return NULL;
  return &layout->nodes[layout->node_of_layer[layer]];
}

const BsGraphModuleBox *
bs_graph_layout_module (const BsGraphLayout *layout, int module)
{
  return module_box_of (layout, module);
}
