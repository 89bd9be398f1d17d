/* SPDX-License-Identifier: MIT */
/* ADD and SUB, int8, with broadcasting (TFLite reference_integer_ops::Add,
 * reference_ops::Sub and their Broadcast*6DSlow forms: every element is
 * rescaled to a common scale after a left shift of 20, then requantized). */
#include "../kernels.h"
#include "../../core/fixedpoint.h"

static int8_t add_one(const ts_add_params *p, int8_t a, int8_t b)
{
	const int32_t x1 = (int32_t)((uint32_t)(p->input1_offset + a) << p->left_shift);
	const int32_t x2 = (int32_t)((uint32_t)(p->input2_offset + b) << p->left_shift);
	const int32_t s1 = ts_mul_by_quantized_multiplier_smaller_than_one(
		x1, p->input1_mult, p->input1_shift);
	const int32_t s2 = ts_mul_by_quantized_multiplier_smaller_than_one(
		x2, p->input2_mult, p->input2_shift);
	const int32_t raw = p->subtract ? s1 - s2 : s1 + s2;
	const int32_t v = ts_mul_by_quantized_multiplier_smaller_than_one(
		raw, p->output_mult, p->output_shift) + p->output_offset;

	return (int8_t)ts_clamp_i32(v, p->act_min, p->act_max);
}

void ts_add_s8_ref(const ts_add_params *p, const int8_t *a, const int8_t *b,
		   int8_t *out)
{
	const ts_bcast_shape *s = &p->shape;
	size_t o = 0;

	if (s->flat) {
		for (uint32_t i = 0; i < s->count; i++)
			out[i] = add_one(p, a[i], b[i]);
		return;
	}
	for (int32_t i0 = 0; i0 < s->dims[0]; i0++)
	for (int32_t i1 = 0; i1 < s->dims[1]; i1++)
	for (int32_t i2 = 0; i2 < s->dims[2]; i2++)
	for (int32_t i3 = 0; i3 < s->dims[3]; i3++)
	for (int32_t i4 = 0; i4 < s->dims[4]; i4++) {
		const size_t ab = (size_t)i0 * s->a_stride[0] + (size_t)i1 * s->a_stride[1] +
				  (size_t)i2 * s->a_stride[2] + (size_t)i3 * s->a_stride[3] +
				  (size_t)i4 * s->a_stride[4];
		const size_t bb = (size_t)i0 * s->b_stride[0] + (size_t)i1 * s->b_stride[1] +
				  (size_t)i2 * s->b_stride[2] + (size_t)i3 * s->b_stride[3] +
				  (size_t)i4 * s->b_stride[4];

		for (int32_t i5 = 0; i5 < s->dims[5]; i5++)
			out[o++] = add_one(p, a[ab + (size_t)i5 * s->a_stride[5]],
					   b[bb + (size_t)i5 * s->b_stride[5]]);
	}
}
