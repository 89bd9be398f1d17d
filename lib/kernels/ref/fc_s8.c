/* SPDX-License-Identifier: MIT */
/* FULLY_CONNECTED, int8 (TFLite reference_integer_ops::FullyConnected and
 * FullyConnectedPerChannel). */
#include "../kernels.h"
#include "../../core/fixedpoint.h"

void ts_fc_s8_ref(const ts_fc_params *p, const int8_t *in,
		  const int8_t *filter, const int32_t *bias, int8_t *out)
{
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *x = in + (size_t)b * p->accum_depth;

		for (int32_t o = 0; o < p->out_depth; o++) {
			const int8_t *w = filter + (size_t)o * p->accum_depth;
			const int32_t ch = p->per_channel ? o : 0;
			uint32_t acc = 0;
			int32_t v;

			if (p->filter_offset == 0) {
				/* The usual case: symmetric int8 weights. */
				for (int32_t d = 0; d < p->accum_depth; d++)
					acc += (uint32_t)(w[d] * (x[d] + p->input_offset));
			} else {
				for (int32_t d = 0; d < p->accum_depth; d++)
					acc += (uint32_t)((w[d] + p->filter_offset) *
							  (x[d] + p->input_offset));
			}
			if (bias)
				acc += (uint32_t)bias[o];
			v = ts_mul_by_quantized_multiplier((int32_t)acc, p->out_mult[ch],
							   p->out_shift[ch]);
			v = ts_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
			out[(size_t)b * p->out_depth + o] = (int8_t)v;
		}
	}
}
