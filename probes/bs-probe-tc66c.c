/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-tc66c.c: the RDTech TC66C USB-C power meter over its USB CDC serial port, read
 * by blendscope itself (libsigrok 0.5.2 has no driver). Written from the public protocol
 * description, not from other code.
 *
 * Spec: tc66c:port=/dev/ttyACM0[:rate=10][:timeout=1s]
 *
 * Protocol: the host writes "getva"; the meter answers with 192 bytes, AES-256-ECB
 * encrypted under a fixed key that protocol write-ups publish. Decrypted: three 64-byte
 * blocks starting "pac1", "pac2", "pac3", each with a CRC-16/MODBUS of its first 60 bytes
 * at 60 (little-endian). pac1: voltage LE32 at 48 (×1e-4 V), current LE32 at 52
 * (×1e-5 A). pac2: temperature sign LE32 at 24 (1 = negative) and value LE32 at 28 (°C).
 * Power is V×I. AES is Debian's nettle; no cipher is written here. */
#include "bs-serial-meter.h"

#include <nettle/aes.h>
#include <string.h>

#define TC66C_FRAME_LEN 192
#define TC66C_BLOCK_LEN 64

/* The TC66C's AES-256 key, from public protocol write-ups (a fixed key in the meter's
 * firmware; the Python TC66C readers carry the same 32 bytes). */
static const guint8 tc66c_key[AES256_KEY_SIZE] = {
  0x58, 0x21, 0xfa, 0x56, 0x01, 0xb2, 0xf0, 0x26, 0x87, 0xff, 0x12, 0x04, 0x62, 0x2a, 0x4f, 0xb0,
  0x86, 0xf4, 0x02, 0x60, 0x81, 0x6f, 0x9a, 0x0b, 0xa7, 0xf1, 0x06, 0x61, 0x9a, 0xb8, 0x72, 0x88,
};

static const guint8 tc66c_request[] = { 'g', 'e', 't', 'v', 'a' };

static const BsSerialMeterChannel tc66c_channels[] = {
  { "voltage", BS_QUANTITY_VOLTAGE, FALSE, 0.0, 30.0 },
  { "current", BS_QUANTITY_CURRENT, FALSE, 0.0, 6.0 },
  { "power", BS_QUANTITY_POWER, TRUE, 0.0, 180.0 },
  { "temperature", BS_QUANTITY_TEMPERATURE, FALSE, -40.0, 125.0 },
};

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

/* CRC-16/MODBUS: reflected polynomial 0xA001, initial value 0xFFFF. */
static guint16
crc16_modbus (const guint8 *data, gsize n)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < n; i++)
    {
      crc ^= data[i];
      for (int bit = 0; bit < 8; bit++)
        crc = (crc & 1) != 0 ? (guint16) ((crc >> 1) ^ 0xA001) : (guint16) (crc >> 1);
    }
  return crc;
}

static gboolean
check_block (const guint8 *block, int index, char **why)
{
  char magic[5];
  guint16 stored = (guint16) (block[60] | (block[61] << 8));

  g_snprintf (magic, sizeof magic, "pac%d", index + 1);
  if (memcmp (block, magic, 4) != 0)
    {
      *why = g_strdup_printf ("block %d does not start with '%s' (wrong key or not a TC66C)",
                              index + 1, magic);
      return FALSE;
    }
  if (crc16_modbus (block, 60) != stored)
    {
      *why = g_strdup_printf ("bad checksum in block %s (0x%04X, computed 0x%04X)", magic, stored,
                              crc16_modbus (block, 60));
      return FALSE;
    }
  return TRUE;
}

static gboolean
tc66c_decode (const guint8 *frame, double *values, char **why)
{
  guint8 plain[TC66C_FRAME_LEN];
  struct aes256_ctx aes;
  const guint8 *pac1 = plain, *pac2 = plain + TC66C_BLOCK_LEN;

  aes256_set_decrypt_key (&aes, tc66c_key);
  aes256_decrypt (&aes, TC66C_FRAME_LEN, plain, frame);
  for (int b = 0; b < 3; b++)
    if (!check_block (plain + b * TC66C_BLOCK_LEN, b, why))
      return FALSE;
  values[0] = le32 (pac1 + 48) * 1e-4;
  values[1] = le32 (pac1 + 52) * 1e-5;
  values[2] = values[0] * values[1];
  values[3] = (le32 (pac2 + 24) == 1 ? -1.0 : 1.0) * le32 (pac2 + 28);
  return TRUE;
}

static const BsSerialMeterProtocol tc66c_protocol = {
  "TC66C", 115200, tc66c_request, sizeof tc66c_request, TC66C_FRAME_LEN, tc66c_channels,
  G_N_ELEMENTS (tc66c_channels), tc66c_decode,
};

/* Its USB ids are not known here for certain, and "getva" is not something to send to
 * every ACM device: a TC66C is listed when its port is given. */
static void
tc66c_list (const BsSpec *spec, GPtrArray *devices)
{
  bs_serial_meter_list (&bs_probe_tc66c_class, &tc66c_protocol, spec, NULL, devices);
}

static BsProbe *
tc66c_open (const BsSpec *spec, GError **error)
{
  return bs_serial_meter_open (&bs_probe_tc66c_class, &tc66c_protocol, spec, error);
}

const BsProbeClass bs_probe_tc66c_class = {
  .name = "tc66c",
  .description = "RDTech TC66C USB-C power meter over its USB serial port",
  .list = tc66c_list,
  .open = tc66c_open,
  .start = bs_serial_meter_start,
  .stop = bs_serial_meter_stop,
  .close = bs_serial_meter_close,
};
