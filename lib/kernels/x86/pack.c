/* SPDX-License-Identifier: MIT */
/* Prepare hooks of the x86 sets: pack filters and requantization data once.
 * Plain C for the x86-64 baseline (no SIMD needed to run prepare). */
#include "../arch.h"

#if TS_KERNELS_X86
#include "x86_kernels.h"
#include "../window.h"
#include "../../core/arena.h"

/* Weight k of output channel oc is base[oc * oc_stride + k * k_stride]. */
struct filter_view {
	const int8_t *base;
	size_t oc_stride, k_stride;
};

static int8_t weight(const struct filter_view *f, int32_t oc, int32_t k)
{
	return f->base[(size_t)oc * f->oc_stride + (size_t)k * f->k_stride];
}

/* The requantization the lanes can run exactly (x86_kernels.h). */
static bool requant_ok(int32_t mult, int32_t shift)
{
	return mult >= 0 && shift >= -31 && shift <= 31;
}

/* Fills block data for n channels (padding lanes requantize harmlessly);
 * bias_eff[oc] for oc < n (NULL: 0).  False when a channel's requantization is not
 * one the kernels handle. */
static bool fill_requant(int32_t *q, int32_t lanes, int32_t blocks, int32_t n,
			 const int32_t *mult, const int32_t *shift, bool per_channel,
			 const uint32_t *bias_eff)
{
	for (int32_t oc = 0; oc < blocks * lanes; oc++) {
		int32_t *lane = q + (size_t)(oc / lanes) * TS_X86_Q_FIELDS * lanes + oc % lanes;
		const int32_t ch = per_channel ? oc : 0;
		const int32_t m = oc < n ? mult[ch] : 0;
		const int32_t s = oc < n ? shift[ch] : 0;
		const int32_t left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;

		if (!requant_ok(m, s))
			return false;
		lane[TS_X86_Q_BIAS * lanes] = oc < n && bias_eff ? (int32_t)bias_eff[oc] : 0;
		lane[TS_X86_Q_MULT * lanes] = m;
		lane[TS_X86_Q_LMUL * lanes] = (int32_t)((uint32_t)1 << left);
		lane[TS_X86_Q_RSH * lanes] = right;
		lane[TS_X86_Q_RPOW * lanes] = (int32_t)((uint32_t)1 << (31 - right));
		lane[TS_X86_Q_RMASK * lanes] = (int32_t)(((uint32_t)1 << right) - 1);
	}
	return true;
}

/*
 * Packs n output channels of k weights for the row product and their
 * requantization.  `group` consecutive weights of a channel sit together
 * (2: PMADDWD pairs over an int16 row; 4: VPDPBUSD quads over a row of
 * x + 128 as uint8, which adds 128 * sum_k w, taken back here).
 * bias_eff[oc] = bias[oc] + (in_off - row bias) * sum_k w + extra, wrapping
 * as the reference's accumulator.  False when it cannot (the caller then
 * keeps the reference kernel) or the arena is full.
 */
static bool pack_gemm(struct ts_arena *a, struct ts_x86_gemm *g, const struct filter_view *f,
		      int32_t n, int32_t k, const struct ts_x86_shape *shape, const int32_t *bias,
		      int32_t in_off, uint32_t extra, const int32_t *mult, const int32_t *shift,
		      bool per_channel)
{
	const int32_t lanes = shape->lanes, group = shape->group;
	const int32_t row_bias = group == 4 ? 128 : 0;
	int8_t *w;
	int32_t *q;
	uint32_t *bias_eff;

	g->k = k;
	g->k2 = (k + group - 1) / group * group;
	g->blocks = (n + lanes - 1) / lanes;
	if (g->k2 > TS_X86_MAX_ROW)
		return false;
	/* Pairs are stored widened to int16: PMADDWD reads them from memory. */
	w = ts_arena_take(a, (size_t)g->blocks * g->k2 * lanes * (group == 2 ? 2 : 1), 16);
	q = ts_arena_take(a, (size_t)g->blocks * TS_X86_Q_FIELDS * lanes * sizeof(int32_t), 16);
	bias_eff = ts_arena_take(a, (size_t)n * sizeof(uint32_t), sizeof(uint32_t));
	if (!w || !q || !bias_eff)
		return false;
	for (int32_t oc = 0; oc < n; oc++) {
		const size_t block = (size_t)(oc / lanes) * g->k2 * lanes;
		int32_t sum = 0;

		for (int32_t i = 0; i < k; i++) {
			const int8_t v = weight(f, oc, i);
			/* [group index][lane][group] */
			const size_t at = block + ((size_t)(i / group) * lanes + oc % lanes) * group +
					  i % group;

			if (group == 2)
				((int16_t *)(void *)w)[at] = v;
			else
				w[at] = v;
			sum += v;
		}
		bias_eff[oc] = (bias ? (uint32_t)bias[oc] : 0) +
			       (uint32_t)(in_off - row_bias) * (uint32_t)sum + extra;
	}
	g->w = w;
	g->q = q;
	return fill_requant(q, lanes, g->blocks, n, mult, shift, per_channel, bias_eff);
}

/* A padded tap holds the input zero point, which must be an int8. */
static bool zero_point_fits(int32_t in_off)
{
	return in_off >= -127 && in_off <= 128;
}

/* NULL with the arena not short when the window is out of range (the op
 * refuses it first; kernels.h). */
static struct ts_x86_conv *new_conv(struct ts_arena *a, const ts_conv_params *p)
{
	struct ts_x86_conv *x;

	if (!ts_conv_window_ok(p))
		return NULL;
	x = ts_arena_take(a, sizeof(*x), _Alignof(struct ts_x86_conv));

	if (x) {
		x->p = *p;
		x->kind = TS_X86_REF;
	}
	return x;
}

void *ts_x86_conv_prepare(struct ts_arena *a, const ts_conv_params *p, const int8_t *filter,
			  const int32_t *bias, const struct ts_x86_shape *shape)
{
	struct ts_x86_conv *x = new_conv(a, p);
	/* At most the filter's elements (in_c is depth_multiplier when used). */
	const int32_t k = p->k_h * p->k_w * p->depth_multiplier;
	const struct filter_view f = { filter, (size_t)k, 1 };

	if (!x)
		return NULL;
	/* Filter groups (depth_multiplier is the channels per group) stay ref. */
	if (!filter || p->depth_multiplier != p->in_c || !zero_point_fits(p->input_offset))
		return x;
	if (pack_gemm(a, &x->g, &f, p->out_c, k, shape, bias, p->input_offset, 0, p->out_mult,
		      p->out_shift, true))
		x->kind = TS_X86_GEMM;
	return a->short_by ? NULL : x;
}

/*
 * The paired depthwise layout (x86_kernels.h).  PUNPCKLWD / PUNPCKHWD work
 * within 128-bit halves of eight int16: the low one interleaves elements
 * 0..3 of each half, the high one 4..7, so lane l of the low result's pair
 * is channel (l / 4) * 8 + l % 4 of the group, of the high result that + 4.
 */
static bool pack_dw_pairs(struct ts_arena *a, struct ts_x86_conv *x, const int8_t *filter,
			  int32_t lanes)
{
	const ts_conv_params *p = &x->p;
	const int32_t taps = p->k_h * p->k_w, group = 2 * lanes;
	const int32_t groups = p->out_c / group, npairs = (taps + 1) / 2;
	int16_t *w = ts_arena_take(a, (size_t)groups * npairs * 2 * group * sizeof(int16_t), 16);
	int8_t *zero_row = ts_arena_take(a, (size_t)x->dw_cpad, 16);

	if (!w || !zero_row)
		return false;
	for (int32_t c = 0; c < x->dw_cpad; c++)
		zero_row[c] = (int8_t)-p->input_offset;
	for (int32_t g = 0; g < groups; g++)
		for (int32_t pr = 0; pr < npairs; pr++)
			for (int32_t half = 0; half < 2; half++)
				for (int32_t l = 0; l < lanes; l++) {
					const int32_t c = g * group + (l / 4) * 8 + half * 4 + l % 4;
					int16_t *dst = w + ((((size_t)g * npairs + pr) * 2 + half) * lanes + l) * 2;

					for (int32_t i = 0; i < 2; i++) {
						const int32_t t = 2 * pr + i;

						dst[i] = t < taps ? filter[(size_t)t * p->out_c + c] : 0;
					}
				}
	x->dw_pairs = w;
	x->dw_zero_row = zero_row;
	x->dw_taps = 2 * npairs;
	return true;
}

void *ts_x86_dwconv_prepare(struct ts_arena *a, const ts_conv_params *p,
			    const int8_t *filter, const int32_t *bias, const struct ts_x86_shape *shape)
{
	const int32_t lanes = shape->lanes;
	struct ts_x86_conv *x = new_conv(a, p);
	const int32_t taps = p->k_h * p->k_w;

	if (!x)
		return NULL;
	if (!filter || !zero_point_fits(p->input_offset))
		return x;
	if (p->in_c == 1) {
		/* One input channel: a plain convolution with out_c filters of
		 * [k_h][k_w] taps, filter [1][k_h][k_w][out_c]. */
		const struct filter_view f = { filter, 1, (size_t)p->out_c };

		if (pack_gemm(a, &x->g, &f, p->out_c, taps, shape, bias, p->input_offset, 0,
			      p->out_mult, p->out_shift, true))
			x->kind = TS_X86_GEMM;
	} else if (p->depth_multiplier == 1) {
		const int32_t group = 2 * lanes;
		const int32_t cpad = (p->out_c + group - 1) / group * group;
		int16_t *w = ts_arena_take(a, (size_t)taps * cpad * sizeof(int16_t), 16);
		int32_t *q = ts_arena_take(a, (size_t)cpad * TS_X86_Q_FIELDS * sizeof(int32_t), 16);

		if (!w || !q)
			return NULL;
		x->dw_cpad = cpad;
		for (int32_t t = 0; t < taps; t++)
			for (int32_t c = 0; c < p->out_c; c++)
				w[(size_t)t * cpad + c] = filter[(size_t)t * p->out_c + c];
		if (taps <= TS_X86_MAX_TAPS && !pack_dw_pairs(a, x, filter, lanes))
			return NULL;
		/* Offsets are added to the input here: the bias is the bias. */
		if (fill_requant(q, lanes, cpad / lanes, p->out_c, p->out_mult, p->out_shift, true,
				 (const uint32_t *)bias)) {
			x->dw_w = w;
			x->dw_q = q;
			x->kind = TS_X86_DEPTHWISE;
		}
	}
	return a->short_by ? NULL : x;
}

void *ts_x86_fc_prepare(struct ts_arena *a, const ts_fc_params *p, const int8_t *filter,
			const int32_t *bias, const struct ts_x86_shape *shape)
{
	struct ts_x86_fc *x = ts_arena_take(a, sizeof(*x), _Alignof(struct ts_x86_fc));
	const struct filter_view f = { filter, (size_t)p->accum_depth, 1 };
	/* sum (w + f_off)(x + in_off) = sum w x + in_off sum w + K f_off in_off
	 * + f_off sum x: the last term is added per inference. */
	const uint32_t extra = (uint32_t)p->accum_depth * (uint32_t)p->filter_offset *
			       (uint32_t)p->input_offset;

	if (!x)
		return NULL;
	x->p = *p;
	if (filter && pack_gemm(a, &x->g, &f, p->out_depth, p->accum_depth, shape, bias,
				p->input_offset, extra, p->out_mult, p->out_shift,
				p->per_channel))
		x->packed = true;
	return a->short_by ? NULL : x;
}
#endif
