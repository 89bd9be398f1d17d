/* SPDX-License-Identifier: MIT */
/* The ARM kernel sets.  "neon": ARMv7-A NEON or ARMv8-A Advanced SIMD
 * (TS_CPU_NEON); "dotprod": the same with SDOT for the dot-product kernels
 * (TS_CPU_DOTPROD, aarch64 only).  Kernels without a NEON version are
 * ref's: softmax, mean, mul and the lookup table cost little in the
 * conformance models. */
#include "../arch.h"

#if TS_KERNELS_NEON
#include "tinysense/kernels.h"
#include "neon_kernels.h"

/* The two sets differ in their conv, depthwise and fully connected kernels
 * (the dot-product flavour, neon_dot.c or dotprod_dot.c) and share the
 * rest. */
#define NEON_SET(set, needs)                                                            \
	const ts_kernel_table ts_kernels_##set = {                                       \
		.name = #set,                                                            \
		.cpu_needs = needs,                                                      \
		.conv_s8_prepare = ts_conv_prepare_##set,                                \
		.dwconv_s8_prepare = ts_dwconv_prepare_##set,                            \
		.fc_s8_prepare = ts_fc_prepare_neon,                                     \
		.conv_s8 = ts_conv_s8_##set,                                             \
		.dwconv_s8 = ts_dwconv_s8_##set,                                         \
		.fc_s8 = ts_fc_s8_##set,                                                 \
		.avgpool_s8 = ts_avgpool_s8_neon,                                        \
		.maxpool_s8 = ts_maxpool_s8_neon,                                        \
		.add_s8 = ts_add_s8_neon,                                                \
		.mul_s8 = ts_mul_s8_ref,                                                 \
		.softmax_s8 = ts_softmax_s8_ref,                                         \
		.mean_s8 = ts_mean_s8_ref,                                               \
		.lut_s8 = ts_lut_s8_ref,                                                 \
	}

NEON_SET(neon, TS_CPU_NEON);
#endif

#if TS_KERNELS_DOTPROD
NEON_SET(dotprod, TS_CPU_NEON | TS_CPU_DOTPROD);
#endif
