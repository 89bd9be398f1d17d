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

const ts_kernel_table ts_kernels_neon = {
	.name = "neon",
	.cpu_needs = TS_CPU_NEON,
	.conv_s8_prepare = ts_conv_prepare_neon,
	.dwconv_s8_prepare = ts_dwconv_prepare_neon,
	.fc_s8_prepare = ts_fc_prepare_neon,
	.conv_s8 = ts_conv_s8_neon,
	.dwconv_s8 = ts_dwconv_s8_neon,
	.fc_s8 = ts_fc_s8_neon,
	.avgpool_s8 = ts_avgpool_s8_neon,
	.maxpool_s8 = ts_maxpool_s8_neon,
	.add_s8 = ts_add_s8_neon,
	.mul_s8 = ts_mul_s8_ref,
	.softmax_s8 = ts_softmax_s8_ref,
	.mean_s8 = ts_mean_s8_ref,
	.lut_s8 = ts_lut_s8_ref,
};
#endif

#if TS_KERNELS_DOTPROD
const ts_kernel_table ts_kernels_dotprod = {
	.name = "dotprod",
	.cpu_needs = TS_CPU_NEON | TS_CPU_DOTPROD,
	.conv_s8_prepare = ts_conv_prepare_dotprod,
	.dwconv_s8_prepare = ts_dwconv_prepare_dotprod,
	.fc_s8_prepare = ts_fc_prepare_neon,
	.conv_s8 = ts_conv_s8_dotprod,
	.dwconv_s8 = ts_dwconv_s8_dotprod,
	.fc_s8 = ts_fc_s8_dotprod,
	.avgpool_s8 = ts_avgpool_s8_neon,
	.maxpool_s8 = ts_maxpool_s8_neon,
	.add_s8 = ts_add_s8_neon,
	.mul_s8 = ts_mul_s8_ref,
	.softmax_s8 = ts_softmax_s8_ref,
	.mean_s8 = ts_mean_s8_ref,
	.lut_s8 = ts_lut_s8_ref,
};
#endif
