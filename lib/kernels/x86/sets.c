/* SPDX-License-Identifier: MIT */
/* The x86-64 kernel sets. */
#include "../arch.h"

#if TS_KERNELS_X86
#include "tinysense/kernels.h"
#include "x86_kernels.h"

/* How each set packs filters (x86_kernels.h). */
static const struct ts_x86_shape pairs4 = { 4, 2 }, pairs8 = { 8, 2 }, quads8 = { 8, 4 };

#define X86_PREPARE_HOOKS(isa, shape)                                                   \
	static void *conv_prepare_##isa(struct ts_arena *a, const ts_conv_params *p,     \
					const int8_t *filter, const int32_t *bias)       \
	{                                                                                \
		return ts_x86_conv_prepare(a, p, filter, bias, &shape);                  \
	}                                                                                \
	static void *dwconv_prepare_##isa(struct ts_arena *a, const ts_conv_params *p,   \
					  const int8_t *filter, const int32_t *bias)     \
	{                                                                                \
		return ts_x86_dwconv_prepare(a, p, filter, bias, &shape);                \
	}                                                                                \
	static void *fc_prepare_##isa(struct ts_arena *a, const ts_fc_params *p,         \
				      const int8_t *filter, const int32_t *bias)         \
	{                                                                                \
		return ts_x86_fc_prepare(a, p, filter, bias, &shape);                    \
	}

X86_PREPARE_HOOKS(sse41, pairs4)
X86_PREPARE_HOOKS(avx2, pairs8)
X86_PREPARE_HOOKS(vnni, quads8)

/* A set: its own conv, depthwise, fully connected, pooling and ADD/SUB;
 * MUL, softmax, MEAN and the lookup tables are ref's (they cost little in
 * these models). */
#define X86_SET(isa, needs, hooks)                                                      \
	const ts_kernel_table ts_kernels_##isa = {                                       \
		.name = #isa,                                                            \
		.cpu_needs = needs,                                                      \
		.conv_s8_prepare = conv_prepare_##hooks,                                 \
		.dwconv_s8_prepare = dwconv_prepare_##hooks,                             \
		.fc_s8_prepare = fc_prepare_##hooks,                                     \
		.conv_s8 = ts_conv_s8_##isa,                                             \
		.dwconv_s8 = ts_dwconv_s8_##isa,                                         \
		.fc_s8 = ts_fc_s8_##isa,                                                 \
		.avgpool_s8 = ts_avgpool_s8_##isa,                                       \
		.maxpool_s8 = ts_maxpool_s8_##isa,                                       \
		.add_s8 = ts_add_s8_##isa,                                               \
		.mul_s8 = ts_mul_s8_ref,                                                 \
		.softmax_s8 = ts_softmax_s8_ref,                                         \
		.mean_s8 = ts_mean_s8_ref,                                               \
		.lut_s8 = ts_lut_s8_ref,                                                 \
	}

X86_SET(sse41, TS_CPU_SSE41, sse41);
X86_SET(avx2, TS_CPU_SSE41 | TS_CPU_AVX2, avx2);
X86_SET(avx512vnni, TS_CPU_SSE41 | TS_CPU_AVX2 | TS_CPU_AVX512VNNI, vnni);
X86_SET(avxvnni, TS_CPU_SSE41 | TS_CPU_AVX2 | TS_CPU_AVXVNNI, vnni);
#endif
