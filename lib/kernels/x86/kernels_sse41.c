/* SPDX-License-Identifier: MIT */
/* The sse4.1 kernels: kernels_body.h compiled for sse4.1 only (the rest of lib/
 * assumes the x86-64 baseline; the set runs only where cpu_features has it). */
#include "../arch.h"

#if TS_KERNELS_X86
#pragma GCC target("sse4.1")

#include "vec_sse41.h"

#define X86_ISA sse41
#include "kernels_body.h"
#endif
