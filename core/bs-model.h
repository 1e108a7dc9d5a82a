/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-model.h: the model IR. A BsModel is a list of layers in execution order over
 * a table of tensors; docs/model-format.md defines every layer's integer semantics.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BS_MODEL_ERROR (bs_model_error_quark ())
GQuark bs_model_error_quark (void);

typedef enum
{
  BS_MODEL_ERROR_IO,        /* the file cannot be read or written */
  BS_MODEL_ERROR_FORMAT,    /* bytes that are not a .bsm file of a known version */
  BS_MODEL_ERROR_CORRUPT,   /* checksum mismatch */
  BS_MODEL_ERROR_INVALID,   /* a well-formed file describing an impossible network */
} BsModelError;

/* The model input is referred to by this index in BsLayer.inputs. */
#define BS_INPUT_MODEL (-1)
#define BS_NONE (-1)

typedef enum
{
  BS_PRECISION_BINARY,
  BS_PRECISION_FIXED,
  BS_PRECISION_FLOAT,
} BsPrecision;

typedef enum
{
  BS_PATH_STEM,
  BS_PATH_MAIN,
  BS_PATH_SKIP,
  BS_PATH_MERGE,
  BS_PATH_HEAD,
} BsPath;

typedef enum
{
  BS_LAYER_QUANTIZE_INPUT,
  BS_LAYER_THERMOMETER,
  BS_LAYER_CONV_FIXED,
  BS_LAYER_CONV_BINARY,
  BS_LAYER_FC_FIXED,
  BS_LAYER_FC_BINARY,
  BS_LAYER_BATCHNORM,
  BS_LAYER_SIGN,
  BS_LAYER_ADD,
  BS_LAYER_AVGPOOL,
  BS_LAYER_GLOBAL_AVGPOOL,
  BS_LAYER_CONCAT,
  BS_LAYER_TRANSPOSE,
  BS_LAYER_N_KINDS
} BsLayerKind;

/* Activation types (docs/model-format.md, section 4). */
typedef enum
{
  BS_ACT_U8,
  BS_ACT_BITS,
  BS_ACT_I4,
  BS_ACT_I8,
  BS_ACT_I16,
  BS_ACT_I32,
} BsActType;

/* Tensor storage types (section 3). */
typedef enum
{
  BS_DTYPE_U1,
  BS_DTYPE_I8,
  BS_DTYPE_I16,
  BS_DTYPE_I32,
  BS_DTYPE_I64,
} BsDType;

#define BS_TENSOR_MAX_DIMS 4

typedef struct
{
  char *name;
  BsDType dtype;
  int n_dims;
  int64_t dims[BS_TENSOR_MAX_DIMS];
  const void *data;   /* 64-byte aligned; owned by the model (mapped or allocated) */
  uint64_t n_bytes;
} BsTensor;

typedef struct
{
  int32_t c, h, w;
} BsShape;

typedef struct
{
  char *name;
  BsLayerKind kind;
  BsPrecision precision;
  BsPath path;
  int module;            /* index into BsModel.modules, or BS_NONE */
  int n_inputs;
  int inputs[2];         /* earlier layer indices or BS_INPUT_MODEL */

  /* Parameters; which ones apply depends on kind (section 5). Unused ones are 0. */
  int32_t out_channels;
  int32_t kernel;
  int32_t stride;
  int32_t pad;
  int32_t wbits;
  int32_t out_bits;
  int32_t levels;
  gboolean relu;

  /* Tensor indices into BsModel.tensors, or BS_NONE. */
  int weights;
  int bias;
  int bn_mul;
  int bn_add;
  int bn_shift;

  /* Derived by bs_model_validate(). */
  BsShape in_shape[2];
  BsActType in_type[2];
  BsShape out_shape;
  BsActType out_type;
} BsLayer;

typedef struct
{
  char *name;
  char *kind;            /* "blend", "residual", "mixer" */
} BsModule;

typedef struct
{
  char *name;
  char *description;
  BsShape input_shape;   /* one uint8 image, CHW */
  GStrv labels;          /* may be NULL */
  GHashTable *provenance; /* char* -> char* */

  GArray *layers;        /* BsLayer */
  GArray *modules;       /* BsModule */
  GArray *tensors;       /* BsTensor */

  /* Backing storage: the mapped file, or a list of allocations for built models. */
  GMappedFile *mapping;
  GPtrArray *owned;
  char sha256[65];       /* of the file it came from; empty for built models */
} BsModel;

/* Construction (used by the loader, tests and tools). */
BsModel *bs_model_new (const char *name, BsShape input_shape);
void bs_model_free (BsModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsModel, bs_model_free)

/* Copies data; returns the tensor index. n_bytes must match dtype and dims. */
int bs_model_add_tensor (BsModel *model, const char *name, BsDType dtype, int n_dims,
                         const int64_t *dims, const void *data, uint64_t n_bytes);
/* Copies the layer (and its name); returns the layer index. */
int bs_model_add_layer (BsModel *model, const BsLayer *layer);
int bs_model_add_module (BsModel *model, const char *name, const char *kind);

/* A layer with all indices BS_NONE and the given name and kind. */
BsLayer bs_layer_init (const char *name, BsLayerKind kind, BsPrecision precision, BsPath path);

static inline BsLayer *
bs_model_layer (const BsModel *model, int i)
{
  return &g_array_index (model->layers, BsLayer, i);
}

static inline const BsTensor *
bs_model_tensor (const BsModel *model, int i)
{
  return i == BS_NONE ? NULL : &g_array_index (model->tensors, BsTensor, i);
}

static inline int
bs_model_n_layers (const BsModel *model)
{
  return (int) model->layers->len;
}

int bs_model_find_layer (const BsModel *model, const char *name);
int bs_model_find_tensor (const BsModel *model, const char *name);

/* Checks everything section 6 lists and fills the derived fields of every layer.
 * Errors name the layer and the reason. */
gboolean bs_model_validate (BsModel *model, GError **error);

/* The shape and type of the model output (the last layer). */
BsShape bs_model_output_shape (const BsModel *model);

/* Reading and writing .bsm files (bs-model-read.c, bs-model-write.c). load validates. */
BsModel *bs_model_load (const char *path, GError **error);
BsModel *bs_model_load_from_bytes (GBytes *bytes, GError **error);
gboolean bs_model_save (const BsModel *model, const char *path, GError **error);
GBytes *bs_model_serialize (const BsModel *model, GError **error);

/* The one rule for names (layers, tensors, modules) and provenance keys, applied by the
 * writer and by bs_model_validate() alike (bs-model-format.c). */
gboolean bs_model_name_is_valid (const char *name);
gboolean bs_model_provenance_key_is_valid (const char *key);

/* Names as used in the file format. */
const char *bs_layer_kind_to_string (BsLayerKind kind);
gboolean bs_layer_kind_from_string (const char *s, BsLayerKind *kind);
const char *bs_precision_to_string (BsPrecision precision);
gboolean bs_precision_from_string (const char *s, BsPrecision *precision);
const char *bs_path_to_string (BsPath path);
gboolean bs_path_from_string (const char *s, BsPath *path);
const char *bs_dtype_to_string (BsDType dtype);
gboolean bs_dtype_from_string (const char *s, BsDType *dtype);
const char *bs_act_type_to_string (BsActType type);

/* Bytes a dtype needs for n elements (u1 packs 8 per byte). */
uint64_t bs_dtype_n_bytes (BsDType dtype, uint64_t n_elements);

/* Element access for weights, in PyTorch order (flattened index n). */
int32_t bs_tensor_get_int (const BsTensor *tensor, uint64_t n);
/* u1 tensors: +1 or -1. */
int32_t bs_tensor_get_sign (const BsTensor *tensor, uint64_t n);

G_END_DECLS
