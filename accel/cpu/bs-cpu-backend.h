/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cpu-backend.h: the CPU backend. Options: threads=N (default 1), isa=scalar|
 * avx2|avx512|auto (default: $BS_CPU_ISA, else the best this CPU supports),
 * split=ops|images (default ops: each op over the threads, for the latency of one
 * image; images: one image per thread, for throughput when a run has many). */
#pragma once

#include "bs-backend.h"
#include "bs-cpu-kernels.h"

G_BEGIN_DECLS

extern const BsBackendClass bs_cpu_backend_class;

BsCpuIsa bs_cpu_backend_get_isa (BsBackend *backend);
int bs_cpu_backend_get_n_threads (BsBackend *backend);

/* Debugging and tests: called during run after each op, outside the timed span, with
 * the op's output buffer (valid only during the call; bs_plan_buffer_to_chw reads
 * it). With split=images it is called from every thread at once. NULL to remove. */
typedef void (*BsCpuOpHook) (int op, const void *output, gpointer user_data);
void bs_cpu_backend_set_op_hook (BsBackend *backend, BsCpuOpHook hook, gpointer user_data);

G_END_DECLS
