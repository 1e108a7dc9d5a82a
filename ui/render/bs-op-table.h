/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-op-table.h: what the views know about each plan op (the unit a backend times):
 * its name, kind, precision, path, the group it is drawn in (a Blend module, the stem,
 * the head) and its op counts. Built once per model from the compiled plan, shared by the
 * timeline, the layer table and the breakdown, so that all of them agree. What a run
 * stores of its ops is built by sessions/bs-run-layers.c, from the same plan. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-model.h"
#include "bs-plan.h"

G_BEGIN_DECLS

typedef struct
{
  char *name;            /* the primary layer's: "stage1.0.main.conv" */
  char *kind;            /* "conv_binary + batchnorm + sign" */
  BsLayerKind layer_kind; /* the primary layer's */
  BsPrecision precision; /* the primary layer's (the one that dominates a fused op) */
  BsPath path;
  int group;             /* index into groups */
  uint64_t binary_macs;  /* per inference, summed over the fused layers */
  uint64_t fixed_macs;
  uint64_t param_bits;
  uint64_t activation_bytes;
} BsOpInfo;

typedef struct
{
  char *name;            /* "stem", "stage1.0", "head" */
  char *kind;            /* the module kind ("blend"), or NULL outside modules */
  int first_op, last_op;
} BsOpGroup;

typedef struct
{
  int n_ops;
  BsOpInfo *ops;
  int n_groups;
  BsOpGroup *groups;
  char *model_name;
} BsOpTable;

/* @plan compiled from a validated model. */
BsOpTable *bs_op_table_new (const BsPlan *plan);
void bs_op_table_free (BsOpTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsOpTable, bs_op_table_free)

/* A table from plain arrays, for tests and benchmarks: @precisions and @groups per op. */
BsOpTable *bs_op_table_new_synthetic (int n_ops, const BsPrecision *precisions,
                                      const int *groups, int n_groups);

G_END_DECLS
