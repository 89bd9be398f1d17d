/* SPDX-License-Identifier: MIT */
/* The x86-64 kernel sets: each kernel is the fastest of its set's
 * instructions, or ref's where SIMD gains nothing. */
#include "../arch.h"

#if TS_KERNELS_X86
#include "tinysense/kernels.h"
#include "../kernels.h"

const ts_kernel_table ts_kernels_sse41 = {
	.name = "sse41",
	.cpu_needs = TS_CPU_SSE41,
	.conv_s8 = ts_conv_s8_ref,
	.dwconv_s8 = ts_dwconv_s8_ref,
	.fc_s8 = ts_fc_s8_ref,
	.avgpool_s8 = ts_avgpool_s8_ref,
	.maxpool_s8 = ts_maxpool_s8_ref,
	.add_s8 = ts_add_s8_ref,
	.mul_s8 = ts_mul_s8_ref,
	.softmax_s8 = ts_softmax_s8_ref,
	.mean_s8 = ts_mean_s8_ref,
	.lut_s8 = ts_lut_s8_ref,
};

const ts_kernel_table ts_kernels_avx2 = {
	.name = "avx2",
	.cpu_needs = TS_CPU_SSE41 | TS_CPU_AVX2,
	.conv_s8 = ts_conv_s8_ref,
	.dwconv_s8 = ts_dwconv_s8_ref,
	.fc_s8 = ts_fc_s8_ref,
	.avgpool_s8 = ts_avgpool_s8_ref,
	.maxpool_s8 = ts_maxpool_s8_ref,
	.add_s8 = ts_add_s8_ref,
	.mul_s8 = ts_mul_s8_ref,
	.softmax_s8 = ts_softmax_s8_ref,
	.mean_s8 = ts_mean_s8_ref,
	.lut_s8 = ts_lut_s8_ref,
};
#endif
