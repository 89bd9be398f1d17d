/* SPDX-License-Identifier: MIT */
/* The one place that knows which kernel sets exist. */
#include "tinysense/kernels.h"

#include "arch.h"
#include "kernels.h"
#include "../core/names.h"

const ts_kernel_table ts_kernels_ref = {
	.name = "ref",
	.cpu_needs = 0,
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

/* Slowest first: the best set for a CPU is the last one it can run. */
static const ts_kernel_table *const kernel_sets[] = {
	&ts_kernels_ref,
#if TS_KERNELS_X86
	&ts_kernels_sse41,
	&ts_kernels_avx2,
	&ts_kernels_avx512vnni,
	&ts_kernels_avxvnni,
#endif
#if TS_KERNELS_NEON
	&ts_kernels_neon,
#endif
#if TS_KERNELS_DOTPROD
	&ts_kernels_dotprod,
#endif
};

#define N_SETS (sizeof(kernel_sets) / sizeof(kernel_sets[0]))

const ts_kernel_table *ts_kernels_find(const char *name)
{
	for (size_t i = 0; name && i < N_SETS; i++)
		if (ts_name_eq(kernel_sets[i]->name, name))
			return kernel_sets[i];
	return NULL;
}

const char *ts_kernels_name(size_t i)
{
	return i < N_SETS ? kernel_sets[i]->name : NULL;
}

ts_status ts_kernels_check(const char *name, uint32_t cpu_features)
{
	const ts_kernel_table *k = ts_kernels_find(name);

	if (!k)
		return TS_ERR_INVALID_ARG;
	return (k->cpu_needs & ~cpu_features) ? TS_ERR_UNSUPPORTED : TS_OK;
}

const char *ts_kernels_best(uint32_t cpu_features)
{
	size_t i = N_SETS - 1;

	while (i > 0 && (kernel_sets[i]->cpu_needs & ~cpu_features))
		i--;
	return kernel_sets[i]->name;
}
