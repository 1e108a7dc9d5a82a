/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe-capture.h: collecting a probe's samples and faults in a test. */
#pragma once

#include "bs-probe.h"

typedef struct
{
  BsProbeFaultKind kind;
  int32_t channel;
  int64_t t_ns;
  char *message;
} CapturedFault;

typedef struct
{
  GMutex lock;
  GArray *samples;              /* BsSample */
  GArray *faults;               /* CapturedFault */
} Capture;

void capture_start (BsProbe *probe, Capture *c);
void capture_clear (Capture *c);
/* Samples of @channel, in order (a copy). */
GArray *capture_channel (Capture *c, int channel);
guint capture_count_faults (Capture *c, BsProbeFaultKind kind);
