/* SPDX-License-Identifier: MIT */
/* CONV_2D, int8 activations and filter, int32 bias, per-channel requantization
 * (TFLite reference_integer_ops::ConvPerChannel, with filter groups). */
#include "../kernels.h"
#include "../../core/fixedpoint.h"

void ts_conv_s8_ref(const ts_conv_params *p, const int8_t *in,
		    const int8_t *filter, const int32_t *bias, int8_t *out)
{
	/* Filter is [out_c][k_h][k_w][group_c]; groups = in_c / group_c. */
	const int32_t group_c = p->depth_multiplier;
	const int32_t per_group = p->out_c / (p->in_c / group_c);

	for (int32_t b = 0; b < p->batches; b++) {
		for (int32_t oy = 0; oy < p->out_h; oy++) {
			const int32_t y0 = oy * p->stride_h - p->pad_h;

			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const int32_t x0 = ox * p->stride_w - p->pad_w;

				for (int32_t oc = 0; oc < p->out_c; oc++) {
					const int32_t ic0 = (oc / per_group) * group_c;
					const int8_t *f = filter + (size_t)oc * p->k_h * p->k_w * group_c;
					/* Wrapping sum: the reference's int32 accumulator. */
					uint32_t acc = 0;

					for (int32_t ky = 0; ky < p->k_h; ky++) {
						const int32_t y = y0 + ky * p->dil_h;

						if (y < 0 || y >= p->in_h)
							continue;
						for (int32_t kx = 0; kx < p->k_w; kx++) {
							const int32_t x = x0 + kx * p->dil_w;
							const int8_t *src, *w;

							if (x < 0 || x >= p->in_w)
								continue;
							src = in + (((size_t)b * p->in_h + y) * p->in_w + x) * p->in_c + ic0;
							w = f + ((size_t)ky * p->k_w + kx) * group_c;
							for (int32_t c = 0; c < group_c; c++)
								acc += (uint32_t)(w[c] * (src[c] + p->input_offset));
						}
					}
					if (bias)
						acc += (uint32_t)bias[oc];
					int32_t v = ts_mul_by_quantized_multiplier((int32_t)acc,
										   p->out_mult[oc],
										   p->out_shift[oc]);
					v = ts_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
					out[(((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] = (int8_t)v;
				}
			}
		}
	}
}
