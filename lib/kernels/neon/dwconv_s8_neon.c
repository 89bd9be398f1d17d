/* SPDX-License-Identifier: MIT */
/*
 * DEPTHWISE_CONV_2D for the "neon" and "dotprod" sets (one input channel
 * runs as a convolution instead: neon_dot.c, dotprod_dot.c), vectorized
 * over output channels: per tap,
 * sixteen or eight int8 weights times the inputs (SMULL), widened into
 * int32 accumulators.  As in dot_kernels.h, the input offset is applied
 * once per channel, as input_offset * sum(w), and taps in the padding read
 * the input zero point, which then contributes nothing, so the correction
 * is the same at every position and the bytes equal the reference's.  Each
 * position lists where its taps read: the input, or a row of zero points.
 * Depth multiplier 1 loads consecutive inputs; a multiple of 8 repeats one
 * input across the lanes; other multipliers, windows of more than
 * DW_MAX_TAPS taps and more than TS_NEON_CHANNEL_BLOCK input channels use
 * the reference.
 */
#include "neon_common.h"

#if TS_KERNELS_NEON
#include "neon_kernels.h"

#define DW_MAX_TAPS 256

struct dw_position {
	const ts_conv_params *p;
	const int8_t *filter;
	/* Tap t of output channel oc reads tap[t][oc / depth_multiplier]. */
	const int8_t *tap[DW_MAX_TAPS];
};

/* Channels oc .. oc + 7. */
static inline void dw_taps8(const struct dw_position *d, int32_t oc, int32x4_t *lo,
			    int32x4_t *hi)
{
	const ts_conv_params *p = d->p;
	const int32_t taps = p->k_h * p->k_w;
	const int8_t *w = d->filter + oc;
	int32x4_t a0 = *lo, a1 = *hi;

	if (p->depth_multiplier == 1) {
		for (int32_t t = 0; t < taps; t++, w += p->out_c) {
			const int16x8_t prod = vmull_s8(vld1_s8(w), vld1_s8(d->tap[t] + oc));

			a0 = vaddw_s16(a0, vget_low_s16(prod));
			a1 = ts_neon_addw_high_s16(a1, prod);
		}
	} else {
		const int32_t ic = oc / p->depth_multiplier;

		for (int32_t t = 0; t < taps; t++, w += p->out_c) {
			const int16x8_t prod = vmull_s8(vld1_s8(w), vld1_dup_s8(d->tap[t] + ic));

			a0 = vaddw_s16(a0, vget_low_s16(prod));
			a1 = ts_neon_addw_high_s16(a1, prod);
		}
	}
	*lo = a0;
	*hi = a1;
}

/* Channels oc .. oc + 15, depth multiplier 1. */
static inline void dw_taps16(const struct dw_position *d, int32_t oc, int32x4_t acc[4])
{
	const ts_conv_params *p = d->p;
	const int32_t taps = p->k_h * p->k_w;
	const int8_t *w = d->filter + oc;
	int32x4_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];

	for (int32_t t = 0; t < taps; t++, w += p->out_c) {
		const int8x16_t wv = vld1q_s8(w), xv = vld1q_s8(d->tap[t] + oc);
		const int16x8_t plo = vmull_s8(vget_low_s8(wv), vget_low_s8(xv));
		const int16x8_t phi = ts_neon_mull_high_s8(wv, xv);

		a0 = vaddw_s16(a0, vget_low_s16(plo));
		a1 = ts_neon_addw_high_s16(a1, plo);
		a2 = vaddw_s16(a2, vget_low_s16(phi));
		a3 = ts_neon_addw_high_s16(a3, phi);
	}
	acc[0] = a0;
	acc[1] = a1;
	acc[2] = a2;
	acc[3] = a3;
}

/* One channel the vector loops left over. */
static int32_t dw_taps1(const struct dw_position *d, int32_t oc, int32_t acc)
{
	const ts_conv_params *p = d->p;
	const int32_t taps = p->k_h * p->k_w, ic = oc / p->depth_multiplier;
	uint32_t sum = (uint32_t)acc;

	for (int32_t t = 0; t < taps; t++)
		sum += (uint32_t)(d->filter[(size_t)t * p->out_c + oc] * d->tap[t][ic]);
	return (int32_t)sum;
}

/* Output channels c0 .. c0 + n - 1 of one position; corr[j] belongs to
 * channel c0 + j. */
static void dw_position(const struct dw_position *d, int32_t c0, int32_t n,
			const int32_t *corr, int8_t *dst)
{
	const ts_conv_params *p = d->p;
	const int32x4_t out_offset = vdupq_n_s32(p->output_offset);
	const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
	int32_t j = 0;

	if (p->depth_multiplier == 1)
		for (; j + 16 <= n; j += 16) {
			const int32_t oc = c0 + j;
			int32x4_t acc[4];

			for (int q = 0; q < 4; q++)
				acc[q] = vld1q_s32(corr + j + 4 * q);
			dw_taps16(d, oc, acc);
			for (int q = 0; q < 4; q++)
				acc[q] = ts_neon_requant(acc[q], vld1q_s32(p->out_mult + oc + 4 * q),
							 vld1q_s32(p->out_shift + oc + 4 * q),
							 out_offset, lo, hi);
			vst1q_s8(dst + oc, vcombine_s8(ts_neon_narrow8(acc[0], acc[1]),
						       ts_neon_narrow8(acc[2], acc[3])));
		}
	for (; j + 8 <= n; j += 8) {
		const int32_t oc = c0 + j;
		int32x4_t a0 = vld1q_s32(corr + j), a1 = vld1q_s32(corr + j + 4);

		dw_taps8(d, oc, &a0, &a1);
		a0 = ts_neon_requant(a0, vld1q_s32(p->out_mult + oc), vld1q_s32(p->out_shift + oc),
				     out_offset, lo, hi);
		a1 = ts_neon_requant(a1, vld1q_s32(p->out_mult + oc + 4),
				     vld1q_s32(p->out_shift + oc + 4), out_offset, lo, hi);
		vst1_s8(dst + oc, ts_neon_narrow8(a0, a1));
	}
	for (; j < n; j++) {
		const int32_t oc = c0 + j;
		const int32_t v = ts_mul_by_quantized_multiplier(dw_taps1(d, oc, corr[j]),
								  p->out_mult[oc], p->out_shift[oc]);

		dst[oc] = (int8_t)ts_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
	}
}

/* Where the taps of the window at (y0, x0) read, at the edge of the input. */
static void window_taps(const ts_conv_params *p, const int8_t *image, int32_t y0, int32_t x0,
			const int8_t *padding, const int8_t **tap)
{
	for (int32_t ky = 0; ky < p->k_h; ky++) {
		const int32_t y = y0 + ky * p->dil_h;

		for (int32_t kx = 0; kx < p->k_w; kx++) {
			const int32_t x = x0 + kx * p->dil_w;

			*tap++ = y >= 0 && y < p->in_h && x >= 0 && x < p->in_w ?
				 image + ((size_t)y * p->in_w + x) * p->in_c : padding;
		}
	}
}

void ts_dwconv_s8_channels(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			   const int32_t *bias, int8_t *out)
{
	const int32_t taps = p->k_h * p->k_w;
	const int32_t span_h = (p->k_h - 1) * p->dil_h, span_w = (p->k_w - 1) * p->dil_w;
	int32_t corr[TS_NEON_CHANNEL_BLOCK], tap_offset[DW_MAX_TAPS];
	/* What a tap in the padding reads: the input zero point. */
	int8_t padding[TS_NEON_CHANNEL_BLOCK];
	struct dw_position d;

	if (!ts_neon_offset_ok(p->input_offset) || taps > DW_MAX_TAPS ||
	    p->in_c > TS_NEON_CHANNEL_BLOCK ||
	    (p->depth_multiplier != 1 && p->depth_multiplier % 8 != 0)) {
		ts_dwconv_s8_ref(p, in, filter, bias, out);
		return;
	}
	memset(padding, (int8_t)-p->input_offset, sizeof(padding));
	for (int32_t t = 0; t < taps; t++)
		tap_offset[t] = ((t / p->k_w) * p->dil_h * p->in_w + (t % p->k_w) * p->dil_w) * p->in_c;
	d.p = p;
	d.filter = filter;
	for (int32_t c0 = 0; c0 < p->out_c; c0 += TS_NEON_CHANNEL_BLOCK) {
		const int32_t n = p->out_c - c0 < TS_NEON_CHANNEL_BLOCK ?
				  p->out_c - c0 : TS_NEON_CHANNEL_BLOCK;

		/* bias + input_offset * sum(w), wrapping like the reference. */
		for (int32_t j = 0; j < n; j++) {
			uint32_t wsum = 0;

			for (int32_t t = 0; t < taps; t++)
				wsum += (uint32_t)filter[(size_t)t * p->out_c + c0 + j];
			corr[j] = (int32_t)((bias ? (uint32_t)bias[c0 + j] : 0u) +
					    (uint32_t)p->input_offset * wsum);
		}
		for (int32_t b = 0; b < p->batches; b++) {
			const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->in_c;

			for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const int32_t y0 = oy * p->stride_h - p->pad_h;
				const int32_t x0 = ox * p->stride_w - p->pad_w;

				if (y0 >= 0 && y0 + span_h < p->in_h && x0 >= 0 && x0 + span_w < p->in_w) {
					const int8_t *origin = image + ((size_t)y0 * p->in_w + x0) * p->in_c;

					for (int32_t t = 0; t < taps; t++)
						d.tap[t] = origin + tap_offset[t];
				} else {
					window_taps(p, image, y0, x0, padding, d.tap);
				}
				dw_position(&d, c0, n, corr,
					    out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c);
			}
		}
	}
}
#endif /* TS_KERNELS_NEON */
