/* SPDX-License-Identifier: MIT */
/* AVERAGE_POOL_2D and MAX_POOL_2D for the "neon" (and "dotprod") set,
 * sixteen channels at a time.  Same window rules as the reference: padding
 * cells are left out.  The average's rounding division stays scalar. */
#include "neon_common.h"

#if TS_KERNELS_NEON
#include "neon_kernels.h"
#include "../window.h"

/* Sums of up to 256 int8 values fit int16. */
#define AVG_MAX_WINDOW 256

static const int8_t *cell(const ts_pool_params *p, const int8_t *image,
			  const struct ts_pool_window *w, int32_t fy, int32_t fx)
{
	return image + ((size_t)(w->y0 + fy) * p->in_w + w->x0 + fx) * p->depth;
}

/* The reference's rounding division of a window sum by its size. */
static int8_t average(const ts_pool_params *p, int32_t sum, int32_t count)
{
	const int32_t v = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;

	return (int8_t)ts_clamp_i32(v, p->act_min, p->act_max);
}

void ts_avgpool_s8_neon(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	if (p->filter_h * p->filter_w > AVG_MAX_WINDOW) {
		ts_avgpool_s8_ref(p, in, out);
		return;
	}
	for (int32_t b = 0; b < p->batches; b++)
	for (int32_t oy = 0; oy < p->out_h; oy++)
	for (int32_t ox = 0; ox < p->out_w; ox++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->depth;
		const struct ts_pool_window w = ts_pool_window_at(p, oy, ox);
		const int32_t count = ts_pool_window_cells(&w);
		int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->depth;
		int32_t c = 0;

		if (count == 0) {
			/* As the reference: an empty window writes the floor. */
			for (c = 0; c < p->depth; c++)
				dst[c] = (int8_t)p->act_min;
			continue;
		}
		for (; c + 16 <= p->depth; c += 16) {
			int16x8_t s0 = vdupq_n_s16(0), s1 = s0;
			int16_t sums[16];

			for (int32_t fy = w.fy0; fy < w.fy1; fy++)
				for (int32_t fx = w.fx0; fx < w.fx1; fx++) {
					const int8x16_t v = vld1q_s8(cell(p, image, &w, fy, fx) + c);

					s0 = vaddw_s8(s0, vget_low_s8(v));
					s1 = vaddw_s8(s1, vget_high_s8(v));
				}
			vst1q_s16(sums, s0);
			vst1q_s16(sums + 8, s1);
			for (int j = 0; j < 16; j++)
				dst[c + j] = average(p, sums[j], count);
		}
		for (; c < p->depth; c++) {
			int32_t sum = 0;

			for (int32_t fy = w.fy0; fy < w.fy1; fy++)
				for (int32_t fx = w.fx0; fx < w.fx1; fx++)
					sum += cell(p, image, &w, fy, fx)[c];
			dst[c] = average(p, sum, count);
		}
	}
}

void ts_maxpool_s8_neon(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	const int8x16_t lo = vdupq_n_s8((int8_t)ts_clamp_i32(p->act_min, -128, 127));
	const int8x16_t hi = vdupq_n_s8((int8_t)ts_clamp_i32(p->act_max, -128, 127));

	for (int32_t b = 0; b < p->batches; b++)
	for (int32_t oy = 0; oy < p->out_h; oy++)
	for (int32_t ox = 0; ox < p->out_w; ox++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->depth;
		const struct ts_pool_window w = ts_pool_window_at(p, oy, ox);
		int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->depth;
		int32_t c = 0;

		for (; c + 16 <= p->depth; c += 16) {
			int8x16_t m = vdupq_n_s8(-128);

			for (int32_t fy = w.fy0; fy < w.fy1; fy++)
				for (int32_t fx = w.fx0; fx < w.fx1; fx++)
					m = vmaxq_s8(m, vld1q_s8(cell(p, image, &w, fy, fx) + c));
			vst1q_s8(dst + c, vminq_s8(vmaxq_s8(m, lo), hi));
		}
		for (; c < p->depth; c++) {
			int32_t m = -128;

			for (int32_t fy = w.fy0; fy < w.fy1; fy++)
				for (int32_t fx = w.fx0; fx < w.fx1; fx++)
					if (cell(p, image, &w, fy, fx)[c] > m)
						m = cell(p, image, &w, fy, fx)[c];
			dst[c] = (int8_t)ts_clamp_i32(m, p->act_min, p->act_max);
		}
	}
}
#endif /* TS_KERNELS_NEON */
