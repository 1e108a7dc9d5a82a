/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xclbin-writer.c: metadata-only xclbins (xclbin-writer.h). */
#include "xclbin-writer.h"
#include "kernel/bs-kernel-abi.h"

#include <stddef.h>
#include <string.h>
#include <xclbin.h>

static const XclbinArg contract_args[BS_KERNEL_N_ARGS] = {
  { "desc", TRUE }, { "weights", TRUE }, { "arena", TRUE }, { "profile", TRUE },
  { "first", FALSE }, { "count", FALSE },
};

XclbinSpec
xclbin_spec_default (uint32_t clock_mhz)
{
  XclbinSpec spec = { BS_KERNEL_NAME, clock_mhz, contract_args, BS_KERNEL_N_ARGS, -1, FALSE };

  return spec;
}

/* The kernel metadata XRT parses (xclbin_parser.cpp): kernels, ports, arguments with
 * their register offsets, the compute unit instance and the kernel clock. Pointer
 * arguments take 12 bytes of register space, as Vitis lays them out. */
static char *
metadata_xml (const XclbinSpec *spec)
{
  GString *xml = g_string_new (NULL);
  uint32_t offset = 0x10;

  g_string_append_printf (xml,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<project name=\"blendscope-test\">\n"
    " <platform vendor=\"xilinx\" boardid=\"noop\" name=\"noop\" featureRomTime=\"0\">\n"
    "  <version major=\"1\" minor=\"0\"/>\n"
    "  <description/>\n"
    "  <board name=\"noop\" vendor=\"xilinx\" fpga=\"\"/>\n"
    "  <build_flow/>\n"
    "  <host architecture=\"x86_64\"/>\n"
    "  <device name=\"fpga0\" fpgaDevice=\"\" addrWidth=\"0\">\n"
    "   <core name=\"OCL_REGION_0\" target=\"hw\" type=\"clc_region\" clockFreq=\"0MHz\" numComputeUnits=\"1\">\n");
  if (spec->clock_mhz > 0)
    g_string_append_printf (xml, "    <kernelClocks><clock port=\"KERNEL_CLK\" frequency=\"%uMHz\"/></kernelClocks>\n",
                            spec->clock_mhz);
  g_string_append_printf (xml,
    "    <kernel name=\"%s\" language=\"c\" vlnv=\"blendscope:hls:%s:1.0\" preferredWorkGroupSizeMultiple=\"0\" "
    "workGroupSize=\"1\" debug=\"false\" interrupt=\"true\" hwControlProtocol=\"ap_ctrl_hs\">\n"
    "     <port name=\"M_AXI_GMEM\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" dataWidth=\"64\" portType=\"addressable\" base=\"0x0\"/>\n"
    "     <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x1000\" dataWidth=\"32\" portType=\"addressable\" base=\"0x0\"/>\n",
    spec->kernel, spec->kernel);
  for (int i = 0; i < spec->n_args; i++)
    {
      const XclbinArg *arg = &spec->args[i];

      g_string_append_printf (xml,
        "     <arg name=\"%s\" addressQualifier=\"%d\" id=\"%d\" port=\"%s\" size=\"0x%x\" offset=\"0x%X\" "
        "hostOffset=\"0x0\" hostSize=\"0x%x\" type=\"%s\"/>\n",
        arg->name, arg->buffer ? 1 : 0, i, arg->buffer ? "M_AXI_GMEM" : "S_AXI_CONTROL",
        arg->buffer ? 8 : 4, offset, arg->buffer ? 8 : 4, arg->buffer ? "ulong*" : "uint");
      offset += arg->buffer ? 12 : 8;
    }
  g_string_append_printf (xml,
    "     <instance name=\"%s_1\"><addrRemap base=\"0x0\" range=\"0x10000\" port=\"S_AXI_CONTROL\"/></instance>\n"
    "    </kernel>\n"
    "   </core>\n"
    "  </device>\n"
    " </platform>\n"
    "</project>\n", spec->kernel);
  return g_string_free (xml, FALSE);
}

typedef struct
{
  uint32_t kind;
  GBytes *data;
} Section;

static void
add_section (GArray *sections, uint32_t kind, gconstpointer data, gsize size)
{
  Section s = { kind, g_bytes_new (data, size) };

  g_array_append_val (sections, s);
}

GBytes *
xclbin_build (const XclbinSpec *spec)
{
  g_autoptr (GArray) sections = g_array_new (FALSE, FALSE, sizeof (Section));
  g_autofree char *xml = metadata_xml (spec);
  g_autofree struct connectivity *conn = NULL;
  struct mem_topology mem = { 0 };
  struct ip_layout ip = { 0 };
  gsize conn_size, header, total;
  int n_conn = 0;
  uint8_t *file;
  struct axlf *top;

  /* One DDR bank of 4 GiB. */
  mem.m_count = 1;
  mem.m_mem_data[0].m_type = MEM_DDR4;
  mem.m_mem_data[0].m_used = 1;
  mem.m_mem_data[0].m_size = 4 * 1024 * 1024;   /* KiB */
  mem.m_mem_data[0].m_base_address = G_GUINT64_CONSTANT (0x4000000000);
  strcpy ((char *) mem.m_mem_data[0].m_tag, "bank0");

  /* One compute unit, handshake control. */
  ip.m_count = 1;
  ip.m_ip_data[0].m_type = IP_KERNEL;
  ip.m_ip_data[0].properties = AP_CTRL_HS << IP_CONTROL_SHIFT;
  ip.m_ip_data[0].m_base_address = 0x1800000;
  g_snprintf ((char *) ip.m_ip_data[0].m_name, sizeof ip.m_ip_data[0].m_name, "%s:%s_1",
              spec->kernel, spec->kernel);

  /* Every buffer argument in the bank. */
  conn_size = offsetof (struct connectivity, m_connection) + sizeof (struct connection) * MAX (spec->n_args, 1);
  conn = g_malloc0 (conn_size);
  for (int i = 0; i < spec->n_args; i++)
    if (spec->args[i].buffer && i != spec->unconnected_arg)
      conn->m_connection[n_conn++] = (struct connection) { i, 0, 0 };
  conn->m_count = n_conn;

  add_section (sections, EMBEDDED_METADATA, xml, strlen (xml) + 1);
  add_section (sections, MEM_TOPOLOGY, &mem, sizeof mem);
  add_section (sections, CONNECTIVITY, conn, conn_size);
  if (!spec->no_ip_layout)
    add_section (sections, IP_LAYOUT, &ip, sizeof ip);

  header = offsetof (struct axlf, m_sections) + sections->len * sizeof (struct axlf_section_header);
  total = (header + 7) / 8 * 8;
  for (guint i = 0; i < sections->len; i++)
    total += (g_bytes_get_size (g_array_index (sections, Section, i).data) + 7) / 8 * 8;
  file = g_malloc0 (total);
  top = (struct axlf *) file;
  memcpy (top->m_magic, "xclbin2", 8);
  top->m_signature_length = -1;
  memset (top->reserved, 0xff, sizeof top->reserved);
  memset (top->m_keyBlock, 0xff, sizeof top->m_keyBlock);
  top->m_uniqueId = g_random_int ();
  top->m_header.m_length = total;
  top->m_header.m_versionMajor = 2;
  top->m_header.m_versionMinor = 13;
  top->m_header.m_mode = XCLBIN_FLAT;
  strcpy ((char *) top->m_header.m_platformVBNV, "xilinx_noop_blendscope");
  for (gsize i = 0; i < sizeof top->m_header.uuid; i++)
    top->m_header.uuid[i] = (unsigned char) g_random_int ();
  top->m_header.m_numSections = sections->len;

  total = (header + 7) / 8 * 8;
  for (guint i = 0; i < sections->len; i++)
    {
      Section *s = &g_array_index (sections, Section, i);
      gsize size = g_bytes_get_size (s->data);

      top->m_sections[i].m_sectionKind = s->kind;
      g_snprintf (top->m_sections[i].m_sectionName, sizeof top->m_sections[i].m_sectionName, "s%u", i);
      top->m_sections[i].m_sectionOffset = total;
      top->m_sections[i].m_sectionSize = size;
      memcpy (file + total, g_bytes_get_data (s->data, NULL), size);
      total += (size + 7) / 8 * 8;
      g_bytes_unref (s->data);
    }
  return g_bytes_new_take (file, total);
}

gboolean
xclbin_write (const char *path, const XclbinSpec *spec, GError **error)
{
  g_autoptr (GBytes) bytes = xclbin_build (spec);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return g_file_set_contents (path, data, (gssize) size, error);
}
