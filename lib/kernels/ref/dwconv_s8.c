/* SPDX-License-Identifier: MIT */
/* DEPTHWISE_CONV_2D, int8, per-channel requantization
 * (TFLite reference_integer_ops::DepthwiseConvPerChannel).  Taps outside
 * the input (zero padding) are skipped; the window's valid range is
 * computed once per output position instead of tested per tap. */
#include "../kernels.h"
#include "../../core/fixedpoint.h"

/* First and one-past-last filter taps k with 0 <= origin + k * dilation < size. */
static void valid_taps(int32_t origin, int32_t dilation, int32_t size, int32_t taps,
		       int32_t *first, int32_t *end)
{
	int32_t k0 = 0, k1 = taps;

	if (origin < 0)
		k0 = (-origin + dilation - 1) / dilation;
	if (origin + (taps - 1) * dilation >= size)
		k1 = size - origin > 0 ? (size - origin + dilation - 1) / dilation : 0;
	*first = k0;
	*end = k1 > k0 ? k1 : k0;
}

void ts_dwconv_s8_ref(const ts_conv_params *p, const int8_t *in,
		      const int8_t *filter, const int32_t *bias, int8_t *out)
{
	/* Filter is [1][k_h][k_w][out_c]; out channel = ic * dm + m. */
	const int32_t dm = p->depth_multiplier;

	for (int32_t b = 0; b < p->batches; b++) {
		for (int32_t oy = 0; oy < p->out_h; oy++) {
			const int32_t y0 = oy * p->stride_h - p->pad_h;
			int32_t ky0, ky1;

			valid_taps(y0, p->dil_h, p->in_h, p->k_h, &ky0, &ky1);
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const int32_t x0 = ox * p->stride_w - p->pad_w;
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
				int32_t kx0, kx1;

				valid_taps(x0, p->dil_w, p->in_w, p->k_w, &kx0, &kx1);
				for (int32_t ic = 0; ic < p->in_c; ic++) {
					for (int32_t m = 0; m < dm; m++) {
						const int32_t oc = ic * dm + m;
						uint32_t acc = 0;
						int32_t v;

						for (int32_t ky = ky0; ky < ky1; ky++) {
							const int32_t y = y0 + ky * p->dil_h;
							const int8_t *row = in + (((size_t)b * p->in_h + y) * p->in_w) * p->in_c + ic;
							const int8_t *frow = filter + (size_t)ky * p->k_w * p->out_c + oc;

							for (int32_t kx = kx0; kx < kx1; kx++) {
								const int32_t x = x0 + kx * p->dil_w;

								acc += (uint32_t)(frow[(size_t)kx * p->out_c] *
										  (row[(size_t)x * p->in_c] + p->input_offset));
							}
						}
						if (bias)
							acc += (uint32_t)bias[oc];
						v = ts_mul_by_quantized_multiplier((int32_t)acc, p->out_mult[oc],
										   p->out_shift[oc]);
						dst[oc] = (int8_t)ts_clamp_i32(v + p->output_offset, p->act_min,
									       p->act_max);
					}
				}
			}
		}
	}
}
