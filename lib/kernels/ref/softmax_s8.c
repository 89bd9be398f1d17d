/* SPDX-License-Identifier: MIT */
/*
 * int8 SOFTMAX, TFLite reference_ops::Softmax<int8_t, int8_t>: input
 * differences to the row maximum are scaled into Q5.26, exponentiated with
 * gemmlowp's exp_on_negative_values, summed in Q12.19 and divided through a
 * fixed-point reciprocal.
 */
#include "../kernels.h"
#include "../softmax.h"
#include "../../core/fixedpoint_gemmlowp.h"

enum { SCALED_DIFF_BITS = 5, ACCUM_BITS = 12 };

/* MultiplyByQuantizedMultiplierGreaterThanOne, then exp: Q0 result. */
static int32_t exp_of_diff(const struct ts_softmax_params *p, int32_t diff)
{
	const int32_t shifted = (int32_t)((uint32_t)diff << p->input_left_shift);

	return ts_gl_exp_on_negative_values(
		ts_gl_mul(shifted, p->input_multiplier), SCALED_DIFF_BITS);
}

static void softmax_row(const struct ts_softmax_params *p, const int8_t *in,
			int8_t *out)
{
	const int32_t depth = p->depth;
	int64_t sum = 0;
	int32_t max = INT8_MIN, scale, unsat;
	int bits_over_unit, exponent;

	if (depth <= 0)
		return;
	for (int32_t c = 0; c < depth; c++)
		max = in[c] > max ? in[c] : max;
	for (int32_t c = 0; c < depth; c++) {
		const int32_t diff = in[c] - max;

		if (diff >= p->diff_min)
			sum += ts_gl_rescale(exp_of_diff(p, diff), 0, ACCUM_BITS);
	}
	/*
	 * A sum of 2^28 (512.0) or more makes TFLite's exponent exceed 31,
	 * where it aborts (TFLITE_CHECK); every output is then below half an
	 * LSB, so we give -128 throughout.  The row maximum contributes 1.0,
	 * so the sum is at least 2^19.
	 */
	if (sum >= ((int64_t)1 << 28)) {
		for (int32_t c = 0; c < depth; c++)
			out[c] = INT8_MIN;
		return;
	}
	scale = ts_gl_reciprocal((int32_t)sum, ACCUM_BITS, &bits_over_unit);
	exponent = bits_over_unit + 31 - 8;
	for (int32_t c = 0; c < depth; c++) {
		const int32_t diff = in[c] - max;

		if (diff < p->diff_min) {
			out[c] = INT8_MIN;
			continue;
		}
		unsat = ts_rounding_divide_by_pot(
			ts_gl_mul(scale, exp_of_diff(p, diff)), exponent);
		out[c] = (int8_t)ts_clamp_i32(unsat - 128, INT8_MIN, INT8_MAX);
	}
}

void ts_softmax_s8_ref(const struct ts_softmax_params *p, const int8_t *in,
		       int8_t *out)
{
	for (int32_t r = 0; r < p->rows; r++)
		softmax_row(p, in + (size_t)r * (size_t)p->depth,
			    out + (size_t)r * (size_t)p->depth);
}
