/* SPDX-License-Identifier: MIT */
/*
 * The part of a convolution's or a pool's window that lies inside the
 * input, as every kernel set computes it (ref, lib/kernels/neon/,
 * lib/kernels/x86/): taps outside are skipped (pools, ref's depthwise) or
 * read the input zero point, which contributes nothing.
 */
#ifndef TS_KERNELS_WINDOW_H
#define TS_KERNELS_WINDOW_H

#include <stdint.h>

#include "kernels.h"

/* First and one-past-last taps k with 0 <= origin + k * dilation < size,
 * of taps taps; *end == *first when none is. */
static inline void ts_valid_taps(int32_t origin, int32_t dilation, int32_t size, int32_t taps,
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

/* The window of pool output (oy, ox): its top left cell (y0, x0), maybe
 * in the padding, and the filter cells [fy0, fy1) x [fx0, fx1) inside the
 * input (empty when fy1 <= fy0 or fx1 <= fx0). */
struct ts_pool_window {
	int32_t y0, x0, fy0, fy1, fx0, fx1;
};

static inline struct ts_pool_window ts_pool_window_at(const ts_pool_params *p, int32_t oy,
						      int32_t ox)
{
	struct ts_pool_window w;

	w.y0 = oy * p->stride_h - p->pad_h;
	w.x0 = ox * p->stride_w - p->pad_w;
	w.fy0 = w.y0 < 0 ? -w.y0 : 0;
	w.fy1 = p->in_h - w.y0 < p->filter_h ? p->in_h - w.y0 : p->filter_h;
	w.fx0 = w.x0 < 0 ? -w.x0 : 0;
	w.fx1 = p->in_w - w.x0 < p->filter_w ? p->in_w - w.x0 : p->filter_w;
	return w;
}

/* The number of input cells in the window. */
static inline int32_t ts_pool_window_cells(const struct ts_pool_window *w)
{
	return (w->fy1 > w->fy0 ? w->fy1 - w->fy0 : 0) * (w->fx1 > w->fx0 ? w->fx1 - w->fx0 : 0);
}

#endif /* TS_KERNELS_WINDOW_H */
