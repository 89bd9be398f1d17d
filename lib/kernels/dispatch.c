/* SPDX-License-Identifier: MIT */
/* The one place that knows which kernel sets exist. */
#include "kernels.h"
#include "arm_dsp.h"
#include "../core/names.h"

const ts_kernel_table ts_kernels_ref = {
	.name = "ref",
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

/* Slowest first: the last one is the default. */
static const ts_kernel_table *const kernel_sets[] = {
	&ts_kernels_ref,
#if TS_KERNELS_ARM_DSP
	&ts_kernels_armdsp,
#endif
};

const ts_kernel_table *ts_kernels_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kernel_sets) / sizeof(kernel_sets[0]); i++)
		if (name && ts_name_eq(kernel_sets[i]->name, name))
			return kernel_sets[i];
	return NULL;
}

const ts_kernel_table *ts_kernels_best(void)
{
	return kernel_sets[sizeof(kernel_sets) / sizeof(kernel_sets[0]) - 1];
}
