/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-graph-layout.h: a model drawn as a graph — where every layer's box goes and how
 * the edges between them run. Pure function of the model and the options: the same
 * model always gets the same coordinates (in px at scale 1), so the graph view, its
 * export and its tests agree, and a click maps back to a layer.
 *
 * Data flows top to bottom. Each module (Blend, residual, mixer) is a box: the layers
 * that lead into its branches at the top, its main path (binary in a Blend module) in
 * the left lane and its skip path (fixed point) in the right lane, side by side, and
 * the merge (add, batch norm) below, centred. A residual module without skip layers
 * (an identity shortcut) gets its shortcut drawn in the right lane. The stem above,
 * the head below, both centred. Modules of one stage ("stage1.0" ... "stage1.5") stack
 * in one column under the stage's header ("stage1"); the next stage starts a new column
 * to the right, and the edge between them runs up the gap between the columns. With
 * modules_per_column a long stage continues in the next column, under a header that
 * says so; no column holds two stages.
 */
#pragma once

#include "bs-chart-draw.h"
#include "bs-model.h"

G_BEGIN_DECLS

typedef enum
{
  BS_GRAPH_NODE_LAYER,
  BS_GRAPH_NODE_INPUT,     /* the model input, above everything */
  BS_GRAPH_NODE_OUTPUT,    /* after the last layer */
} BsGraphNodeKind;

typedef struct
{
  BsGraphNodeKind kind;
  int layer;               /* index into the model's layers; -1 for input and output */
  int module;              /* index into the model's modules, or -1 */
  int column;
  BsPrecision precision;
  BsPath path;
  BsRect box;
  char *label;             /* "main.conv", without the module's name; "stem.conv" outside */
  char *detail;            /* "binary conv 3×3 · 16→16" */
} BsGraphNode;

#define BS_GRAPH_EDGE_MAX_POINTS 12

/* A polyline of axis-parallel segments, from the bottom centre of `from` to the top
 * centre of `to`. */
typedef struct
{
  int from, to;            /* node indices */
  int n_points;
  double x[BS_GRAPH_EDGE_MAX_POINTS];
  double y[BS_GRAPH_EDGE_MAX_POINTS];
} BsGraphEdge;

typedef struct
{
  int module;              /* index into the model's modules */
  char *name;              /* "stage1.0" */
  char *kind;              /* "blend" */
  int column;
  BsRect box;
  double main_x, skip_x;   /* centres of the two lanes */
} BsGraphModuleBox;

/* A stage's name ("stage1") above its first module in each column it occupies. */
typedef struct
{
  char *name;              /* "stage1" */
  int column;
  gboolean continued;      /* the stage began in an earlier column */
  BsRect box;
} BsGraphStageHeader;

typedef struct
{
  double node_width, node_height;
  double lane_gap;         /* between the main and skip lanes */
  double row_gap;          /* between nodes stacked in a lane */
  double module_gap;       /* between stacked modules */
  double module_pad;       /* inside a module's box */
  double header_height;    /* the module's name at the top of its box */
  double stage_header_height; /* a stage's name above its modules */
  double column_gap;
  double margin;
  /* A column per stage (module name up to its last '.'); > 0: a stage longer than this
   * many modules continues in the next column, so a wide viewport can trade height for
   * width. */
  int modules_per_column;
} BsGraphLayoutOptions;

typedef struct
{
  char *model_name;
  int n_nodes;
  BsGraphNode *nodes;
  int n_edges;
  BsGraphEdge *edges;
  int n_modules;
  BsGraphModuleBox *modules;
  int n_stages;
  BsGraphStageHeader *stages;
  int n_columns;
  int n_layers;
  int *node_of_layer;      /* node index by model layer */
  double width, height;    /* the whole graph, margins included */
  BsGraphLayoutOptions options;
} BsGraphLayout;

void bs_graph_layout_options_init (BsGraphLayoutOptions *options);

/* options NULL: the defaults. The model needs its layers' precision, path and module;
 * a validated model (bs_model_load) also gets channel counts in the details. */
BsGraphLayout *bs_graph_layout_new (const BsModel *model, const BsGraphLayoutOptions *options);
void bs_graph_layout_free (BsGraphLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsGraphLayout, bs_graph_layout_free)

/* The layer whose box contains (x, y) in layout coordinates, or -1. */
int bs_graph_layout_hit (const BsGraphLayout *layout, double x, double y);

/* The node of a model layer, or NULL. */
const BsGraphNode *bs_graph_layout_node_of_layer (const BsGraphLayout *layout, int layer);

/* The module box of a model module, or NULL. */
const BsGraphModuleBox *bs_graph_layout_module (const BsGraphLayout *layout, int module);

G_END_DECLS
