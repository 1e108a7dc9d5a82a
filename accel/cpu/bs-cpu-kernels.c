/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-kernels.c: building the per-ISA kernel tables once, and picking kernels. */
#include "bs-cpu-kernels.h"

typedef struct
{
  BsCpuIsa isa;
  const char *name;
  int base;                              /* the ISA whose table this one starts from, or -1 */
  /* The instructions this CPU lacks for the ISA, as a list ("avx512vnni, ..."), or
   * NULL when it has them all. Compiled without ISA flags: safe on any CPU. */
  char *(*missing) (void);
  /* NULL: not built in. Compiled with the ISA's flags, so it is only ever called after
   * missing() said the CPU has the instructions (GCC may emit them in setup code). */
  void (*install) (BsCpuKernels *table);
} IsaInfo;

static void
install_scalar (BsCpuKernels *k)
{
  k->bconv = bs_bconv_scalar;
  k->qconv[BS_CPU_QX_I8][BS_CPU_QW_I8] = bs_qconv_x8w8_scalar;
  k->qconv[BS_CPU_QX_I8][BS_CPU_QW_I16] = bs_qconv_x8w16_scalar;
  k->qconv[BS_CPU_QX_I16][BS_CPU_QW_I8] = bs_qconv_x16w8_scalar;
  k->qconv[BS_CPU_QX_I16][BS_CPU_QW_I16] = bs_qconv_x16w16_scalar;
  k->qconv[BS_CPU_QX_I32][BS_CPU_QW_I8] = bs_qconv_x32w8_scalar;
  k->qconv[BS_CPU_QX_I32][BS_CPU_QW_I16] = bs_qconv_x32w16_scalar;
  k->ops[BS_PLAN_OP_INPUT] = bs_input_scalar;
  k->ops[BS_PLAN_OP_QUANTIZE_INPUT] = bs_quantize_input_scalar;
  k->ops[BS_PLAN_OP_THERMOMETER] = bs_thermometer_scalar;
  k->ops[BS_PLAN_OP_SIGN] = bs_sign_scalar;
  k->ops[BS_PLAN_OP_ADD] = bs_add_scalar;
  k->ops[BS_PLAN_OP_BATCHNORM] = bs_batchnorm_scalar;
  k->ops[BS_PLAN_OP_AVGPOOL] = bs_avgpool_scalar;
  k->ops[BS_PLAN_OP_GLOBAL_AVGPOOL] = bs_global_avgpool_scalar;
  k->ops[BS_PLAN_OP_CONCAT] = bs_concat_scalar;
  k->ops[BS_PLAN_OP_TRANSPOSE] = bs_transpose_scalar;
}

#if defined(__x86_64__) || defined(__i386__)

/* __builtin_cpu_supports() takes only string literals, hence a macro. libgcc also checks
 * (XGETBV) that the OS saves the AVX/AVX-512 registers. */
#define NOTE_MISSING(list, feature)                                            \
  G_STMT_START                                                                 \
  {                                                                            \
    if (!__builtin_cpu_supports (feature))                                     \
      g_string_append_printf (list, "%s%s", (list)->len ? ", " : "", feature); \
  }                                                                            \
  G_STMT_END

static void
note_missing_avx2 (GString *list)
{
  NOTE_MISSING (list, "avx2");
  NOTE_MISSING (list, "fma");
  NOTE_MISSING (list, "bmi2");
  NOTE_MISSING (list, "popcnt");
}

static char *
missing_list (GString *list)
{
  if (list->len == 0)
    {
      g_string_free (list, TRUE);
      return NULL;
    }
  return g_string_free (list, FALSE);
}

static char *
missing_avx2 (void)
{
  GString *list = g_string_new (NULL);

  __builtin_cpu_init ();
  note_missing_avx2 (list);
  return missing_list (list);
}

static char *
missing_avx512 (void)
{
  GString *list = g_string_new (NULL);

  __builtin_cpu_init ();
  note_missing_avx2 (list);
  NOTE_MISSING (list, "avx512f");
  NOTE_MISSING (list, "avx512bw");
  NOTE_MISSING (list, "avx512vl");
  NOTE_MISSING (list, "avx512vpopcntdq");
  NOTE_MISSING (list, "avx512vnni");
  return missing_list (list);
}

#else /* not x86: the SIMD variants are x86-only and never built (accel/meson.build) */

static char *
missing_avx2 (void)
{
  return g_strdup ("avx2 (an x86-64 instruction set; this CPU is not x86-64)");
}

static char *
missing_avx512 (void)
{
  return g_strdup ("avx512 (an x86-64 instruction set; this CPU is not x86-64)");
}

#endif

/* A SIMD variant adds its files under accel/cpu/ (see accel/meson.build), which
 * defines BS_HAVE_CPU_<ISA> and provides bs_cpu_install_<isa>(). */
#ifdef BS_HAVE_CPU_AVX2
void bs_cpu_install_avx2 (BsCpuKernels *table);
#define INSTALL_AVX2 bs_cpu_install_avx2
#else
#define INSTALL_AVX2 NULL
#endif
#ifdef BS_HAVE_CPU_AVX512
void bs_cpu_install_avx512 (BsCpuKernels *table);
#define INSTALL_AVX512 bs_cpu_install_avx512
#else
#define INSTALL_AVX512 NULL
#endif

static const IsaInfo isas[BS_CPU_N_ISAS] = {
  { BS_CPU_ISA_SCALAR, "scalar", -1, NULL, install_scalar },
  { BS_CPU_ISA_AVX2, "avx2", BS_CPU_ISA_SCALAR, missing_avx2, INSTALL_AVX2 },
  { BS_CPU_ISA_AVX512, "avx512", BS_CPU_ISA_AVX2, missing_avx512, INSTALL_AVX512 },
};

static BsCpuKernels tables[BS_CPU_N_ISAS];
static char *unusable_reason[BS_CPU_N_ISAS]; /* NULL: usable */

/* Decides first, from the CPU's features alone, which ISAs may run; only then calls
 * the install functions of those (an ISA's base is always usable when it is). */
static gpointer
build_tables (gpointer data)
{
  for (int i = 0; i < BS_CPU_N_ISAS; i++)
    {
      g_autofree char *missing = isas[i].missing != NULL ? isas[i].missing () : NULL;

      if (missing != NULL)
        unusable_reason[i] = g_strdup_printf ("this CPU lacks %s", missing);
      else if (isas[i].install == NULL)
        unusable_reason[i] = g_strdup ("not built in");
      else if (isas[i].base >= 0 && unusable_reason[isas[i].base] != NULL)
        unusable_reason[i] = g_strdup_printf ("needs %s: %s", isas[isas[i].base].name,
                                              unusable_reason[isas[i].base]);
    }
  /* isas[] lists every base before the ISAs built on it. */
  for (int i = 0; i < BS_CPU_N_ISAS; i++)
    {
      if (unusable_reason[i] != NULL)
        continue;
      if (isas[i].base >= 0)
        tables[i] = tables[isas[i].base];
      isas[i].install (&tables[i]);
    }
  return NULL;
}

static void
ensure_tables (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, build_tables, NULL);
}

const char *
bs_cpu_isa_to_string (BsCpuIsa isa)
{
  g_return_val_if_fail ((int) isa >= 0 && isa < BS_CPU_N_ISAS, "?");
  return isas[isa].name;
}

gboolean
bs_cpu_isa_from_string (const char *s, BsCpuIsa *isa)
{
  for (int i = 0; i < BS_CPU_N_ISAS; i++)
    if (g_strcmp0 (s, isas[i].name) == 0)
      {
        *isa = (BsCpuIsa) i;
        return TRUE;
      }
  return FALSE;
}

const BsCpuKernels *
bs_cpu_kernels_get (BsCpuIsa isa, char **reason)
{
  g_return_val_if_fail ((int) isa >= 0 && isa < BS_CPU_N_ISAS, NULL);
  ensure_tables ();
  if (unusable_reason[isa] == NULL)
    return &tables[isa];
  if (reason != NULL)
    *reason = g_strdup (unusable_reason[isa]);
  return NULL;
}

BsCpuIsa
bs_cpu_isa_best (void)
{
  ensure_tables ();
  for (int i = BS_CPU_N_ISAS - 1; i > 0; i--)
    if (unusable_reason[i] == NULL)
      return (BsCpuIsa) i;
  return BS_CPU_ISA_SCALAR;
}

static BsCpuQconvInput
qconv_input (BsActType type)
{
  switch (type)
    {
    case BS_ACT_I4:
    case BS_ACT_I8:
      return BS_CPU_QX_I8;
    case BS_ACT_I16:
      return BS_CPU_QX_I16;
    case BS_ACT_I32:
      return BS_CPU_QX_I32;
    case BS_ACT_U8:
    case BS_ACT_BITS:
    default:
      g_assert_not_reached ();
    }
}

BsCpuKernelFunc
bs_cpu_kernels_select (const BsCpuKernels *kernels, const BsPlan *plan, const BsPlanOp *op,
                       BsCpuPackFunc *pack)
{
  BsCpuKernelFunc func;

  *pack = NULL;
  switch (op->kind)
    {
    case BS_PLAN_OP_BCONV:
      *pack = kernels->bconv_pack;
      func = kernels->bconv;
      break;
    case BS_PLAN_OP_QCONV:
      {
        BsCpuQconvInput x = qconv_input (plan->buffers[op->inputs[0]].type);
        BsCpuQconvWeight w = op->weight_type == BS_DTYPE_I16 ? BS_CPU_QW_I16 : BS_CPU_QW_I8;

        *pack = kernels->qconv_pack[x][w];
        func = kernels->qconv[x][w];
      }
      break;
    case BS_PLAN_OP_INPUT:
    case BS_PLAN_OP_QUANTIZE_INPUT:
    case BS_PLAN_OP_THERMOMETER:
    case BS_PLAN_OP_SIGN:
    case BS_PLAN_OP_ADD:
    case BS_PLAN_OP_BATCHNORM:
    case BS_PLAN_OP_AVGPOOL:
    case BS_PLAN_OP_GLOBAL_AVGPOOL:
    case BS_PLAN_OP_CONCAT:
    case BS_PLAN_OP_TRANSPOSE:
      *pack = kernels->ops_pack[op->kind];
      func = kernels->ops[op->kind];
      break;
    case BS_PLAN_OP_N_KINDS:
    default:
      g_assert_not_reached ();
    }
  g_assert (func != NULL);
  return func;
}
