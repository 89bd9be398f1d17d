/* SPDX-License-Identifier: MIT */
/* The x86-64 kernel sets.  Kernels SIMD does not pay for yet are ref's. */
#include "../arch.h"

#if TS_KERNELS_X86
#include "tinysense/kernels.h"
#include "x86_kernels.h"

static void *conv_prepare_sse41(struct ts_arena *a, const ts_conv_params *p,
				const int8_t *filter, const int32_t *bias)
{
	return ts_x86_conv_prepare(a, p, filter, bias, 4);
}

static void *dwconv_prepare_sse41(struct ts_arena *a, const ts_conv_params *p,
				  const int8_t *filter, const int32_t *bias)
{
	return ts_x86_dwconv_prepare(a, p, filter, bias, 4);
}

static void *fc_prepare_sse41(struct ts_arena *a, const ts_fc_params *p, const int8_t *filter,
			      const int32_t *bias)
{
	return ts_x86_fc_prepare(a, p, filter, bias, 4);
}

static void *conv_prepare_avx2(struct ts_arena *a, const ts_conv_params *p,
			       const int8_t *filter, const int32_t *bias)
{
	return ts_x86_conv_prepare(a, p, filter, bias, 8);
}

static void *dwconv_prepare_avx2(struct ts_arena *a, const ts_conv_params *p,
				 const int8_t *filter, const int32_t *bias)
{
	return ts_x86_dwconv_prepare(a, p, filter, bias, 8);
}

static void *fc_prepare_avx2(struct ts_arena *a, const ts_fc_params *p, const int8_t *filter,
			     const int32_t *bias)
{
	return ts_x86_fc_prepare(a, p, filter, bias, 8);
}

const ts_kernel_table ts_kernels_sse41 = {
	.name = "sse41",
	.cpu_needs = TS_CPU_SSE41,
	.conv_s8_prepare = conv_prepare_sse41,
	.dwconv_s8_prepare = dwconv_prepare_sse41,
	.fc_s8_prepare = fc_prepare_sse41,
	.conv_s8 = ts_conv_s8_sse41,
	.dwconv_s8 = ts_dwconv_s8_sse41,
	.fc_s8 = ts_fc_s8_sse41,
	.avgpool_s8 = ts_avgpool_s8_ref,
	.maxpool_s8 = ts_maxpool_s8_ref,
	.add_s8 = ts_add_s8_sse41,
	.mul_s8 = ts_mul_s8_ref,
	.softmax_s8 = ts_softmax_s8_ref,
	.mean_s8 = ts_mean_s8_ref,
	.lut_s8 = ts_lut_s8_ref,
};

const ts_kernel_table ts_kernels_avx2 = {
	.name = "avx2",
	.cpu_needs = TS_CPU_SSE41 | TS_CPU_AVX2,
	.conv_s8_prepare = conv_prepare_avx2,
	.dwconv_s8_prepare = dwconv_prepare_avx2,
	.fc_s8_prepare = fc_prepare_avx2,
	.conv_s8 = ts_conv_s8_avx2,
	.dwconv_s8 = ts_dwconv_s8_avx2,
	.fc_s8 = ts_fc_s8_avx2,
	.avgpool_s8 = ts_avgpool_s8_ref,
	.maxpool_s8 = ts_maxpool_s8_ref,
	.add_s8 = ts_add_s8_avx2,
	.mul_s8 = ts_mul_s8_ref,
	.softmax_s8 = ts_softmax_s8_ref,
	.mean_s8 = ts_mean_s8_ref,
	.lut_s8 = ts_lut_s8_ref,
};
#endif
