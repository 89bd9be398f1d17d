/* SPDX-License-Identifier: MIT */
/* AVERAGE_POOL_2D and MAX_POOL_2D, int8 (TFLite reference_integer_ops
 * AveragePool / MaxPool): padding cells are left out of the window. */
#include "../kernels.h"
#include "../window.h"
#include "../../core/fixedpoint.h"

static int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }

void ts_avgpool_s8_ref(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	for (int32_t b = 0; b < p->batches; b++)
	for (int32_t oy = 0; oy < p->out_h; oy++)
	for (int32_t ox = 0; ox < p->out_w; ox++) {
		const struct ts_pool_window w = ts_pool_window_at(p, oy, ox);
		int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->depth;

		for (int32_t c = 0; c < p->depth; c++) {
			/* 64 bits: no overflow even for huge windows. */
			int64_t acc = 0, count = 0;

			for (int32_t fy = w.fy0; fy < w.fy1; fy++)
				for (int32_t fx = w.fx0; fx < w.fx1; fx++) {
					acc += in[(((size_t)b * p->in_h + w.y0 + fy) * p->in_w +
						   w.x0 + fx) * p->depth + c];
					count++;
				}
			/* An empty window cannot occur with prepared shapes;
			 * the reference gives up there, we write the floor. */
			if (count == 0) {
				dst[c] = (int8_t)p->act_min;
				continue;
			}
			acc = acc > 0 ? (acc + count / 2) / count
				      : (acc - count / 2) / count;
			dst[c] = (int8_t)ts_clamp_i32((int32_t)(acc < -128 ? -128 : acc > 127 ? 127 : acc),
						      p->act_min, p->act_max);
		}
	}
}

void ts_maxpool_s8_ref(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	for (int32_t b = 0; b < p->batches; b++)
	for (int32_t oy = 0; oy < p->out_h; oy++)
	for (int32_t ox = 0; ox < p->out_w; ox++) {
		const struct ts_pool_window w = ts_pool_window_at(p, oy, ox);
		int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->depth;

		for (int32_t c = 0; c < p->depth; c++) {
			int32_t m = -128;

			for (int32_t fy = w.fy0; fy < w.fy1; fy++)
				for (int32_t fx = w.fx0; fx < w.fx1; fx++)
					m = max_i32(m, in[(((size_t)b * p->in_h + w.y0 + fy) *
							   p->in_w + w.x0 + fx) * p->depth + c]);
			dst[c] = (int8_t)ts_clamp_i32(m, p->act_min, p->act_max);
		}
	}
}
