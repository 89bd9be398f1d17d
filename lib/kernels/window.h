/* SPDX-License-Identifier: MIT */
/*
 * The part of a convolution's or a pool's window that lies inside the
 * input, as every kernel set computes it (ref, lib/kernels/neon/,
 * lib/kernels/x86/): taps outside are skipped (pools, ref's depthwise) or
 * read the input zero point, which contributes nothing.
 */
#ifndef TS_KERNELS_WINDOW_H
#define TS_KERNELS_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"

/*
 * The largest input size, filter span ((taps - 1) * dilation), stride,
 * dilation, padding and last window origin a window may have: the kernels
 * compute coordinates such as origin + tap * dilation, size - origin +
 * dilation - 1 in int32, sums of at most four such values, which stay
 * below 2^31 when each is at most 2^28.  Prepare refuses anything larger
 * (ts_window_axis_ok, in 64-bit arithmetic), so no kernel set ever sees it.
 */
#define TS_WINDOW_MAX ((int64_t)1 << 28)

/* One axis of a window: in and out sizes, taps, stride, dilation and the
 * leading padding, all within TS_WINDOW_MAX (see above). */
static inline bool ts_window_axis_ok(int32_t in, int32_t out, int32_t taps, int32_t stride,
				     int32_t dilation, int32_t pad)
{
	const int64_t span = (int64_t)(taps - 1) * dilation;
	const int64_t last = out > 0 ? (int64_t)(out - 1) * stride : 0;

	return in >= 0 && in <= TS_WINDOW_MAX && out >= 0 && out <= TS_WINDOW_MAX &&
	       taps >= 1 && stride >= 1 && stride <= TS_WINDOW_MAX && dilation >= 1 &&
	       dilation <= TS_WINDOW_MAX && span <= TS_WINDOW_MAX && pad >= 0 &&
	       pad <= TS_WINDOW_MAX && last + span <= TS_WINDOW_MAX;
}

/* Both axes of a convolution's or depthwise convolution's window. */
static inline bool ts_conv_window_ok(const ts_conv_params *p)
{
	return ts_window_axis_ok(p->in_h, p->out_h, p->k_h, p->stride_h, p->dil_h, p->pad_h) &&
	       ts_window_axis_ok(p->in_w, p->out_w, p->k_w, p->stride_w, p->dil_w, p->pad_w);
}

/* Both axes of a pool's window. */
static inline bool ts_pool_window_ok(const ts_pool_params *p)
{
	return ts_window_axis_ok(p->in_h, p->out_h, p->filter_h, p->stride_h, 1, p->pad_h) &&
	       ts_window_axis_ok(p->in_w, p->out_w, p->filter_w, p->stride_w, 1, p->pad_w);
}

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
