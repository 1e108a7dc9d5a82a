/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-probe-rdtech-um.c: RDTech UM24C, UM25C and UM34C USB power meters, read over their
 * Bluetooth serial port (/dev/rfcommN) by blendscope itself: libsigrok 0.5.2 has no driver
 * for them. Written from the public protocol description, not from other code.
 *
 * Spec: um24c:port=/dev/rfcomm0[:rate=10][:timeout=1s]   (also um25c, um34c)
 *
 * Protocol: 115200 8N1; the host writes 0xF0 and the meter answers with one 130-byte
 * frame. Big-endian fields: model id at 0 (0x0963 UM24C, 0x09C9 UM25C, 0x0D4C UM34C),
 * voltage at 2 (×0.01 V; UM25C ×0.001 V), current at 4 (×0.001 A; UM25C ×0.0001 A),
 * temperature at 10 (°C), D+/D− at 96/98 (×0.01 V), energy of the recording at 106
 * (BE32, mWh). The frame ends in 0xFF 0xF1 on the UM24C and UM25C; the UM34C ends in a
 * checksum byte instead, taken here as the XOR of bytes 0..128 (public descriptions
 * disagree on which bytes it covers; unverified against a physical meter). Power is V×I. */
#include "bs-serial-meter.h"

#define UM_FRAME_LEN 130

typedef struct
{
  guint16 model_id;
  double volt_scale;
  double amp_scale;
  gboolean xor_checksum;        /* UM34C; else the 0xFFF1 end marker */
} UmModel;

static const UmModel um24c = { 0x0963, 0.01, 0.001, FALSE };
static const UmModel um25c = { 0x09C9, 0.001, 0.0001, FALSE };
static const UmModel um34c = { 0x0D4C, 0.01, 0.001, TRUE };

static const guint8 um_request[] = { 0xF0 };

static const BsSerialMeterChannel um_channels[] = {
  { "voltage", BS_QUANTITY_VOLTAGE, FALSE, 0.0, 40.0 },
  { "current", BS_QUANTITY_CURRENT, FALSE, 0.0, 6.0 },
  { "power", BS_QUANTITY_POWER, TRUE, 0.0, 240.0 },
  { "temperature", BS_QUANTITY_TEMPERATURE, FALSE, -40.0, 125.0 },
};

static guint
be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

static guint8
um_xor (const guint8 *frame)
{
  guint8 x = 0;

  for (guint i = 0; i < UM_FRAME_LEN - 1; i++)
    x ^= frame[i];
  return x;
}

static gboolean
um_check_frame (const UmModel *model, const guint8 *frame, char **why)
{
  if (be16 (frame) != model->model_id)
    {
      *why = g_strdup_printf ("model id 0x%04X, expected 0x%04X", be16 (frame), model->model_id);
      return FALSE;
    }
  if (model->xor_checksum && um_xor (frame) != frame[UM_FRAME_LEN - 1])
    {
      *why = g_strdup_printf ("bad checksum (0x%02X, computed 0x%02X)", frame[UM_FRAME_LEN - 1],
                              um_xor (frame));
      return FALSE;
    }
  if (!model->xor_checksum && be16 (frame + UM_FRAME_LEN - 2) != 0xFFF1)
    {
      *why = g_strdup_printf ("bad end marker 0x%04X (expected 0xFFF1)", be16 (frame + UM_FRAME_LEN - 2));
      return FALSE;
    }
  return TRUE;
}

static gboolean
um_decode (const UmModel *model, const guint8 *frame, double *values, char **why)
{
  if (!um_check_frame (model, frame, why))
    return FALSE;
  values[0] = be16 (frame + 2) * model->volt_scale;
  values[1] = be16 (frame + 4) * model->amp_scale;
  values[2] = values[0] * values[1];
  values[3] = (double) be16 (frame + 10);
  return TRUE;
}

static gboolean
um24c_decode (const guint8 *frame, double *values, char **why)
{
  return um_decode (&um24c, frame, values, why);
}

static gboolean
um25c_decode (const guint8 *frame, double *values, char **why)
{
  return um_decode (&um25c, frame, values, why);
}

static gboolean
um34c_decode (const guint8 *frame, double *values, char **why)
{
  return um_decode (&um34c, frame, values, why);
}

#define UM_PROTOCOL(MODEL, DECODE)                                                          \
  { MODEL, 115200, um_request, sizeof um_request, UM_FRAME_LEN, um_channels,               \
    G_N_ELEMENTS (um_channels), DECODE }

static const BsSerialMeterProtocol um24c_protocol = UM_PROTOCOL ("UM24C", um24c_decode);
static const BsSerialMeterProtocol um25c_protocol = UM_PROTOCOL ("UM25C", um25c_decode);
static const BsSerialMeterProtocol um34c_protocol = UM_PROTOCOL ("UM34C", um34c_decode);

/* The meters pair over Bluetooth SPP: rfcomm ports are where they are found. */
#define UM_PORTS "/dev/rfcomm*"

#define UM_CLASS_FUNCTIONS(NAME)                                                            \
  static void NAME##_list (const BsSpec *spec, GPtrArray *devices)                          \
  {                                                                                         \
    bs_serial_meter_list (&bs_probe_##NAME##_class, &NAME##_protocol, spec, UM_PORTS, devices); \
  }                                                                                         \
  static BsProbe *NAME##_open (const BsSpec *spec, GError **error)                          \
  {                                                                                         \
    return bs_serial_meter_open (&bs_probe_##NAME##_class, &NAME##_protocol, spec, error);  \
  }

UM_CLASS_FUNCTIONS (um24c)
UM_CLASS_FUNCTIONS (um25c)
UM_CLASS_FUNCTIONS (um34c)

#define UM_CLASS(NAME, MODEL)                                                               \
  const BsProbeClass bs_probe_##NAME##_class = {                                            \
    .name = #NAME,                                                                          \
    .description = "RDTech " MODEL " USB power meter over its Bluetooth serial port",       \
    .list = NAME##_list,                                                                    \
    .open = NAME##_open,                                                                    \
    .start = bs_serial_meter_start,                                                         \
    .stop = bs_serial_meter_stop,                                                           \
    .close = bs_serial_meter_close,                                                         \
  };

UM_CLASS (um24c, "UM24C")
UM_CLASS (um25c, "UM25C")
UM_CLASS (um34c, "UM34C")
