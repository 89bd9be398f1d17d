/* SPDX-License-Identifier: MIT */
/* Reference int8 MEAN: reference_ops::QuantizedMeanOrSum (compute_sum false). */
#include <string.h>

#include "../kernels.h"
#include "../mean.h"
#include "../../core/fixedpoint.h"

/* Sum of the reduced elements under in, with int32 wraparound (TFLite's
 * AddTensorValuesWithExpectedOverflow; order does not matter mod 2^32). */
static uint32_t mean_sum(const struct ts_mean_params *p, const int8_t *in)
{
	const int32_t *d = p->red_dims, *s = p->red_stride;
	uint32_t sum = 0;

	for (int32_t i0 = 0; i0 < d[0]; i0++)
	for (int32_t i1 = 0; i1 < d[1]; i1++)
	for (int32_t i2 = 0; i2 < d[2]; i2++)
	for (int32_t i3 = 0; i3 < d[3]; i3++)
	for (int32_t i4 = 0; i4 < d[4]; i4++) {
		const int8_t *row = in + i0 * s[0] + i1 * s[1] + i2 * s[2] +
				    i3 * s[3] + i4 * s[4];

		for (int32_t i5 = 0; i5 < d[5]; i5++)
			sum += (uint32_t)(int32_t)row[i5 * s[5]];
	}
	return sum;
}

static int8_t mean_finish(const struct ts_mean_params *p, uint32_t sum)
{
	/* int32 sum - int64 zp * count, narrowed back to int32 as TFLite. */
	const uint64_t t = (uint64_t)sum - (uint64_t)((int64_t)p->input_zp * p->count);
	const int32_t shifted = (int32_t)(uint32_t)t;
	const int32_t scaled = ts_mul_by_quantized_multiplier(shifted, p->mult,
							      p->shift);
	const int32_t r = (int32_t)((uint32_t)scaled + (uint32_t)p->output_zp);

	return (int8_t)ts_clamp_i32(r, -128, 127);
}

void ts_mean_s8_ref(const struct ts_mean_params *p, const int8_t *in,
		    int8_t *out)
{
	const int32_t *d = p->out_dims, *s = p->out_stride;

	if (p->zero_fill) {
		memset(out, 0, p->out_count);
		return;
	}
	for (int32_t i0 = 0; i0 < d[0]; i0++)
	for (int32_t i1 = 0; i1 < d[1]; i1++)
	for (int32_t i2 = 0; i2 < d[2]; i2++)
	for (int32_t i3 = 0; i3 < d[3]; i3++)
	for (int32_t i4 = 0; i4 < d[4]; i4++) {
		const int8_t *base = in + i0 * s[0] + i1 * s[1] + i2 * s[2] +
				     i3 * s[3] + i4 * s[4];

		for (int32_t i5 = 0; i5 < d[5]; i5++)
			*out++ = mean_finish(p, mean_sum(p, base + i5 * s[5]));
	}
}
