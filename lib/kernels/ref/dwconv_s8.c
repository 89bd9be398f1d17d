/* SPDX-License-Identifier: MIT */
/* DEPTHWISE_CONV_2D, int8, per-channel requantization
 * (TFLite reference_integer_ops::DepthwiseConvPerChannel). */
#include "../kernels.h"
#include "../../core/fixedpoint.h"

void ts_dwconv_s8_ref(const ts_conv_params *p, const int8_t *in,
		      const int8_t *filter, const int32_t *bias, int8_t *out)
{
	/* Filter is [1][k_h][k_w][out_c]; out channel = ic * dm + m. */
	const int32_t dm = p->depth_multiplier;

	for (int32_t b = 0; b < p->batches; b++) {
		for (int32_t oy = 0; oy < p->out_h; oy++) {
			const int32_t y0 = oy * p->stride_h - p->pad_h;

			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const int32_t x0 = ox * p->stride_w - p->pad_w;

				for (int32_t ic = 0; ic < p->in_c; ic++) {
					for (int32_t m = 0; m < dm; m++) {
						const int32_t oc = ic * dm + m;
						uint32_t acc = 0;

						for (int32_t ky = 0; ky < p->k_h; ky++) {
							const int32_t y = y0 + ky * p->dil_h;

							if (y < 0 || y >= p->in_h)
								continue;
							for (int32_t kx = 0; kx < p->k_w; kx++) {
								const int32_t x = x0 + kx * p->dil_w;
								int32_t iv, fv;

								if (x < 0 || x >= p->in_w)
									continue;
								iv = in[(((size_t)b * p->in_h + y) * p->in_w + x) * p->in_c + ic];
								fv = filter[((size_t)ky * p->k_w + kx) * p->out_c + oc];
								acc += (uint32_t)(fv * (iv + p->input_offset));
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
}
