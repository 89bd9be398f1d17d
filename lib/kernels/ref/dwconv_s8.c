/* SPDX-License-Identifier: MIT */
/* DEPTHWISE_CONV_2D, int8, per-channel requantization
 * (TFLite reference_integer_ops::DepthwiseConvPerChannel).  Taps outside
 * the input (zero padding) are skipped; the window's valid range is
 * computed once per output position instead of tested per tap.  The sums
 * are the reference's, added in another order: int32 addition wraps the
 * same way in any order, so the bytes are identical. */
#include "../kernels.h"
#include "../window.h"
#include "../../core/fixedpoint.h"

/* Output channels accumulated together, so that each input value is read
 * once per tap and the inner loop runs over contiguous filter weights. */
#define DW_CHANNEL_BLOCK 64

/* Depth multiplier 1: acc[j] += sum over the window of filter[oc] *
 * (input[oc] + offset) for the block's channels oc = c0 + j. */
static void accumulate_block(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			     int32_t b, int32_t y0, int32_t x0, int32_t ky0, int32_t ky1,
			     int32_t kx0, int32_t kx1, int32_t c0, int32_t n, uint32_t *acc)
{
	for (int32_t ky = ky0; ky < ky1; ky++) {
		const int32_t y = y0 + ky * p->dil_h;

		for (int32_t kx = kx0; kx < kx1; kx++) {
			const int32_t x = x0 + kx * p->dil_w;
			const int8_t *src = in + (((size_t)b * p->in_h + y) * p->in_w + x) * p->in_c;
			const int8_t *f = filter + ((size_t)ky * p->k_w + kx) * p->out_c + c0;

			for (int32_t j = 0; j < n; j++)
				acc[j] += (uint32_t)(f[j] * (src[c0 + j] + p->input_offset));
		}
	}
}

/* Depth multiplier > 1 (few input channels, e.g. the first layer of an
 * audio model): one output channel at a time, taps in the inner loop. */
static int32_t accumulate_channel(const ts_conv_params *p, const int8_t *in,
				  const int8_t *filter, int32_t b, int32_t y0, int32_t x0,
				  int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1, int32_t oc,
				  uint32_t acc)
{
	const int32_t ic = oc / p->depth_multiplier;

	for (int32_t ky = ky0; ky < ky1; ky++) {
		const int32_t y = y0 + ky * p->dil_h;
		const int8_t *row = in + (((size_t)b * p->in_h + y) * p->in_w) * p->in_c + ic;
		const int8_t *frow = filter + (size_t)ky * p->k_w * p->out_c + oc;

		for (int32_t kx = kx0; kx < kx1; kx++)
			acc += (uint32_t)(frow[(size_t)kx * p->out_c] *
					  (row[(size_t)(x0 + kx * p->dil_w) * p->in_c] + p->input_offset));
	}
	return (int32_t)acc;
}

void ts_dwconv_s8_ref(const ts_conv_params *p, const int8_t *in,
		      const int8_t *filter, const int32_t *bias, int8_t *out)
{
	/* Filter is [1][k_h][k_w][out_c]; out channel oc reads input ic = oc / dm. */
	uint32_t acc[DW_CHANNEL_BLOCK];

	for (int32_t b = 0; b < p->batches; b++) {
		for (int32_t oy = 0; oy < p->out_h; oy++) {
			const int32_t y0 = oy * p->stride_h - p->pad_h;
			int32_t ky0, ky1;

			ts_valid_taps(y0, p->dil_h, p->in_h, p->k_h, &ky0, &ky1);
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const int32_t x0 = ox * p->stride_w - p->pad_w;
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
				int32_t kx0, kx1;

				ts_valid_taps(x0, p->dil_w, p->in_w, p->k_w, &kx0, &kx1);
				for (int32_t c0 = 0; c0 < p->out_c; c0 += DW_CHANNEL_BLOCK) {
					const int32_t n = p->out_c - c0 < DW_CHANNEL_BLOCK ?
							  p->out_c - c0 : DW_CHANNEL_BLOCK;

					for (int32_t j = 0; j < n; j++)
						acc[j] = bias ? (uint32_t)bias[c0 + j] : 0;
					if (p->depth_multiplier == 1)
						accumulate_block(p, in, filter, b, y0, x0, ky0, ky1,
								 kx0, kx1, c0, n, acc);
					else
						for (int32_t j = 0; j < n; j++)
							acc[j] = (uint32_t)accumulate_channel(
								p, in, filter, b, y0, x0, ky0, ky1, kx0,
								kx1, c0 + j, acc[j]);
					for (int32_t j = 0; j < n; j++) {
						const int32_t oc = c0 + j;
						int32_t v = ts_mul_by_quantized_multiplier(
							(int32_t)acc[j], p->out_mult[oc], p->out_shift[oc]);

						dst[oc] = (int8_t)ts_clamp_i32(v + p->output_offset,
									       p->act_min, p->act_max);
					}
				}
			}
		}
	}
}
