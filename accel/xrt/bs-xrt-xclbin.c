/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-xrt-xclbin.c: checking an xclbin and reading its metadata (bs-xrt-xclbin.h),
 * with the container structs of XRT's own xclbin.h. */
#include "bs-xrt-xclbin.h"
#include "kernel/bs-kernel-abi.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <xclbin.h>

/* The arguments of the contract, by index (bs-kernel-abi.h). */
static const struct
{
  const char *name;
  gboolean buffer;
} contract[BS_KERNEL_N_ARGS] = {
  [BS_KERNEL_ARG_DESC] = { "desc", TRUE },
  [BS_KERNEL_ARG_WEIGHTS] = { "weights", TRUE },
  [BS_KERNEL_ARG_ARENA] = { "arena", TRUE },
  [BS_KERNEL_ARG_PROFILE] = { "profile", TRUE },
  [BS_KERNEL_ARG_FIRST] = { "first", FALSE },
  [BS_KERNEL_ARG_COUNT] = { "count", FALSE },
};

typedef struct
{
  char *name;
  int id;
  int qualifier;            /* 1: global memory, 0: scalar */
} Arg;

typedef struct
{
  const char *want;
  GPtrArray *kernels;       /* char * */
  GPtrArray *args;          /* Arg *, of the wanted kernel */
  gboolean in_want;
  uint32_t clock_khz;
} Metadata;

static void
arg_free (gpointer data)
{
  Arg *arg = data;

  g_free (arg->name);
  g_free (arg);
}

static const char *
attribute (const char **names, const char **values, const char *name)
{
  for (int i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return values[i];
  return NULL;
}

static int
parse_int (const char *s, int fallback)
{
  char *end = NULL;
  gint64 v;

  if (s == NULL)
    return fallback;
  v = g_ascii_strtoll (s, &end, 0);
  return end != s && *end == '\0' && v >= G_MININT && v <= G_MAXINT ? (int) v : fallback;
}

static void
start_element (GMarkupParseContext *context, const char *element, const char **names,
               const char **values, gpointer user_data, GError **error)
{
  Metadata *md = user_data;

  if (strcmp (element, "kernel") == 0)
    {
      const char *name = attribute (names, values, "name");

      if (name != NULL)
        g_ptr_array_add (md->kernels, g_strdup (name));
      md->in_want = g_strcmp0 (name, md->want) == 0;
    }
  else if (strcmp (element, "arg") == 0 && md->in_want)
    {
      Arg *arg = g_new0 (Arg, 1);

      arg->name = g_strdup (attribute (names, values, "name"));
      arg->id = parse_int (attribute (names, values, "id"), -1);
      arg->qualifier = parse_int (attribute (names, values, "addressQualifier"), -1);
      g_ptr_array_add (md->args, arg);
    }
  else if (strcmp (element, "clock") == 0
           && g_strcmp0 (attribute (names, values, "port"), "KERNEL_CLK") == 0)
    {
      const char *freq = attribute (names, values, "frequency");
      double mhz = freq ? g_ascii_strtod (freq, NULL) : 0;

      if (mhz > 0 && mhz < 100000)
        md->clock_khz = (uint32_t) (mhz * 1000 + 0.5);
    }
}

static void
end_element (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  Metadata *md = user_data;

  if (strcmp (element, "kernel") == 0)
    md->in_want = FALSE;
}

static const struct axlf_section_header *
find_section (const struct axlf *top, uint32_t kind)
{
  for (uint32_t i = 0; i < top->m_header.m_numSections; i++)
    if (top->m_sections[i].m_sectionKind == kind)
      return &top->m_sections[i];
  return NULL;
}

static gboolean
invalid (GError **error, const char *path, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "xclbin %s is corrupt: %s", path, what);
  return FALSE;
}

/* Magic, length and a section table whose sections all lie inside the file. */
static gboolean
check_container (const char *path, const uint8_t *data, gsize size, GError **error)
{
  const struct axlf *top = (const struct axlf *) data;
  gsize table = offsetof (struct axlf, m_sections);

  if (size < table || memcmp (top->m_magic, "xclbin2", 8) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not an xclbin (no xclbin2 header)", path);
      return FALSE;
    }
  if (top->m_header.m_length != size)
    {
      g_autofree char *what = g_strdup_printf ("its header says %" G_GUINT64_FORMAT " bytes, the file has %"
                                               G_GSIZE_FORMAT " (truncated or padded)",
                                               (guint64) top->m_header.m_length, size);
      return invalid (error, path, what);
    }
  if (top->m_header.m_numSections == 0 || top->m_header.m_numSections > XCLBIN_MAX_NUM_SECTION
      || table + (gsize) top->m_header.m_numSections * sizeof (struct axlf_section_header) > size)
    return invalid (error, path, "its section table does not fit in the file");
  for (uint32_t i = 0; i < top->m_header.m_numSections; i++)
    {
      const struct axlf_section_header *s = &top->m_sections[i];

      /* The format aligns every section to 8 bytes; the structs in them need it. */
      if (s->m_sectionOffset > size || s->m_sectionSize > size - s->m_sectionOffset
          || s->m_sectionOffset % 8 != 0)
        {
          g_autofree char *what = g_strdup_printf ("section %u (kind %u) lies outside the file or is misaligned", i,
                                                   s->m_sectionKind);
          return invalid (error, path, what);
        }
    }
  if (find_section (top, EMBEDDED_METADATA) == NULL || find_section (top, IP_LAYOUT) == NULL
      || (find_section (top, MEM_TOPOLOGY) == NULL && find_section (top, ASK_GROUP_TOPOLOGY) == NULL)
      || (find_section (top, CONNECTIVITY) == NULL && find_section (top, ASK_GROUP_CONNECTIVITY) == NULL))
    return invalid (error, path, "it lacks metadata, IP layout, memory topology or connectivity");
  return TRUE;
}

/* A compute unit of the kernel in IP_LAYOUT ("kernel:cu"). */
static gboolean
has_compute_unit (const uint8_t *data, const char *kernel)
{
  const struct axlf *top = (const struct axlf *) data;
  const struct axlf_section_header *s = find_section (top, IP_LAYOUT);
  const struct ip_layout *layout = (const struct ip_layout *) (data + s->m_sectionOffset);
  g_autofree char *prefix = g_strconcat (kernel, ":", NULL);
  gsize header = offsetof (struct ip_layout, m_ip_data);

  if (s->m_sectionSize < header || layout->m_count < 0
      || (guint64) layout->m_count * sizeof (struct ip_data) > s->m_sectionSize - header)
    return FALSE;
  for (int32_t i = 0; i < layout->m_count; i++)
    {
      const struct ip_data *ip = &layout->m_ip_data[i];
      char name[sizeof ip->m_name + 1] = { 0 };

      memcpy (name, ip->m_name, sizeof ip->m_name);
      if (ip->m_type == IP_KERNEL && g_str_has_prefix (name, prefix))
        return TRUE;
    }
  return FALSE;
}

static gboolean
parse_metadata (const char *path, const uint8_t *data, Metadata *md, GError **error)
{
  static const GMarkupParser parser = { start_element, end_element, NULL, NULL, NULL };
  const struct axlf_section_header *s = find_section ((const struct axlf *) data, EMBEDDED_METADATA);
  const char *xml = (const char *) data + s->m_sectionOffset;
  gsize length = strnlen (xml, s->m_sectionSize);
  g_autoptr (GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, md, NULL);
  g_autoptr (GError) local = NULL;

  if (!g_markup_parse_context_parse (context, xml, (gssize) length, &local)
      || !g_markup_parse_context_end_parse (context, &local))
    {
      g_autofree char *what = g_strdup_printf ("its metadata is not valid XML (%s)", local->message);
      return invalid (error, path, what);
    }
  return TRUE;
}

static int
compare_args (gconstpointer a, gconstpointer b)
{
  return (*(Arg *const *) a)->id - (*(Arg *const *) b)->id;
}

static gboolean
check_arguments (const char *kernel, GPtrArray *args, GError **error)
{
  gboolean ok = args->len == BS_KERNEL_N_ARGS;
  g_autoptr (GString) have = g_string_new (NULL);

  g_ptr_array_sort (args, compare_args);
  for (guint i = 0; i < args->len; i++)
    {
      const Arg *arg = args->pdata[i];

      g_string_append_printf (have, "%s%d:%s%s", i ? ", " : "", arg->id, arg->name ? arg->name : "?",
                              arg->qualifier == 1 ? "*" : "");
      if (ok && (arg->id != (int) i || g_strcmp0 (arg->name, contract[i].name) != 0
                 || arg->qualifier != (contract[i].buffer ? 1 : 0)))
        ok = FALSE;
    }
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "kernel %s takes (%s); the accelerator contract is (0:desc*, 1:weights*, 2:arena*, "
                 "3:profile*, 4:first, 5:count), see docs/accelerator.md", kernel, have->str);
  return ok;
}

BsXclbinInfo *
bs_xclbin_inspect (const char *path, const char *kernel, GError **error)
{
  g_autoptr (GMappedFile) file = NULL;
  g_autoptr (GPtrArray) kernels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (arg_free);
  g_autoptr (GError) local = NULL;
  Metadata md = { kernel, kernels, args, FALSE, 0 };
  const uint8_t *data;
  gsize size;
  BsXclbinInfo *info;

  file = g_mapped_file_new (path, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, G_IO_ERROR, local->code == G_FILE_ERROR_NOENT ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_FAILED,
                   "cannot read the xclbin: %s", local->message);
      return NULL;
    }
  data = (const uint8_t *) g_mapped_file_get_contents (file);
  size = g_mapped_file_get_length (file);
  if (!check_container (path, data, size, error) || !parse_metadata (path, data, &md, error))
    return NULL;
  g_ptr_array_add (kernels, NULL);
  if (!g_strv_contains ((const char *const *) kernels->pdata, kernel))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) kernels->pdata);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "xclbin %s has no kernel '%s' (it has: %s)",
                   path, kernel, *list ? list : "none");
      return NULL;
    }
  if (!has_compute_unit (data, kernel))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "xclbin %s has no compute unit of kernel '%s' in its IP layout", path, kernel);
      return NULL;
    }
  if (!check_arguments (kernel, args, error))
    return NULL;

  info = g_new0 (BsXclbinInfo, 1);
  info->path = g_strdup (path);
  info->kernels = (char **) g_ptr_array_free (g_steal_pointer (&kernels), FALSE);
  info->clock_khz = md.clock_khz;
  info->has_bitstream = find_section ((const struct axlf *) data, BITSTREAM) != NULL;
  return info;
}

void
bs_xclbin_info_free (BsXclbinInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_strfreev (info->kernels);
  g_free (info);
}
