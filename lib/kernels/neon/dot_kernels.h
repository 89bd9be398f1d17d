/* SPDX-License-Identifier: MIT */
/*
 * CONV_2D, FULLY_CONNECTED and one-input-channel DEPTHWISE_CONV_2D built on
 * int8 dot products, included once per dot-product flavour: neon_dot.c
 * (SMULL + SADALP, ARMv7 and ARMv8.0) and dotprod_dot.c (SDOT, ARMv8.2).
 * It defines conv_by_rows() and dwconv_by_rows() for the includer's conv and
 * depthwise kernels (used where its packed filters do not apply), and the
 * fc kernel.  The includer defines TS_DOT_FN(name), the name of a function
 * in its set, and three static inline helpers:
 *   ts_dot16(acc, a, b)  acc lanes += sums of products of a and b's bytes
 *   ts_dot8(acc, a, b)   the same for eight bytes
 *   ts_wsum16(acc, w)    acc lanes += sums of w's bytes
 * which may spread a sum over the four lanes in any way: only the total of
 * the lanes is used.
 *
 * The kernels rewrite the reference's sum of w * (x + input_offset) as
 * sum(w * x) + input_offset * sum(w): int8 products that the hardware sums
 * directly, and a correction per output channel.  int32 sums wrap the same
 * way in any order, so the bytes equal the reference's.  A convolution tap
 * that falls in the padding reads the input zero point instead, which
 * contributes w * (zero_point + input_offset) = 0, as the reference's
 * skipped tap does; so the correction is the same at every position.
 */
#ifndef TS_KERNELS_NEON_DOT_KERNELS_H
#define TS_KERNELS_NEON_DOT_KERNELS_H

/* Lane r: sum over k < depth of w[r * stride + k] * x[k]. */
static inline int32x4_t dot_rows4(const int8_t *x, const int8_t *w, size_t stride, int32_t depth)
{
	const int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
	int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
	int32_t k = 0;

	for (; k + 16 <= depth; k += 16) {
		const int8x16_t xv = vld1q_s8(x + k);

		a0 = ts_dot16(a0, vld1q_s8(w0 + k), xv);
		a1 = ts_dot16(a1, vld1q_s8(w1 + k), xv);
		a2 = ts_dot16(a2, vld1q_s8(w2 + k), xv);
		a3 = ts_dot16(a3, vld1q_s8(w3 + k), xv);
	}
	if (k + 8 <= depth) {
		const int8x8_t xv = vld1_s8(x + k);

		a0 = ts_dot8(a0, vld1_s8(w0 + k), xv);
		a1 = ts_dot8(a1, vld1_s8(w1 + k), xv);
		a2 = ts_dot8(a2, vld1_s8(w2 + k), xv);
		a3 = ts_dot8(a3, vld1_s8(w3 + k), xv);
		k += 8;
	}
	if (k < depth) {
		int32_t tail[4] = { 0, 0, 0, 0 };

		for (; k < depth; k++) {
			tail[0] += w0[k] * x[k];
			tail[1] += w1[k] * x[k];
			tail[2] += w2[k] * x[k];
			tail[3] += w3[k] * x[k];
		}
		return vaddq_s32(ts_neon_hsum4(a0, a1, a2, a3), vld1q_s32(tail));
	}
	return ts_neon_hsum4(a0, a1, a2, a3);
}

/* dot_rows4, and in *wsum lane r the sum of w[r][k]. */
static inline int32x4_t dot_wsum_rows4(const int8_t *x, const int8_t *const w[4],
				       int32_t depth, int32x4_t *wsum)
{
	int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
	int32x4_t s0 = a0, s1 = a0, s2 = a0, s3 = a0;
	int32_t tail[4] = { 0, 0, 0, 0 }, stail[4] = { 0, 0, 0, 0 };
	int32_t k = 0;

	for (; k + 16 <= depth; k += 16) {
		const int8x16_t xv = vld1q_s8(x + k);
		const int8x16_t w0 = vld1q_s8(w[0] + k), w1 = vld1q_s8(w[1] + k);
		const int8x16_t w2 = vld1q_s8(w[2] + k), w3 = vld1q_s8(w[3] + k);

		a0 = ts_dot16(a0, w0, xv);
		s0 = ts_wsum16(s0, w0);
		a1 = ts_dot16(a1, w1, xv);
		s1 = ts_wsum16(s1, w1);
		a2 = ts_dot16(a2, w2, xv);
		s2 = ts_wsum16(s2, w2);
		a3 = ts_dot16(a3, w3, xv);
		s3 = ts_wsum16(s3, w3);
	}
	for (; k < depth; k++)
		for (int r = 0; r < 4; r++) {
			tail[r] += w[r][k] * x[k];
			stail[r] += w[r][k];
		}
	*wsum = vaddq_s32(ts_neon_hsum4(s0, s1, s2, s3), vld1q_s32(stail));
	return vaddq_s32(ts_neon_hsum4(a0, a1, a2, a3), vld1q_s32(tail));
}

/* Sum of w[0..depth). */
static inline int32_t row_sum(const int8_t *w, int32_t depth)
{
	int32x4_t s = vdupq_n_s32(0);
	int32_t k = 0, total;

	for (; k + 16 <= depth; k += 16)
		s = ts_wsum16(s, vld1q_s8(w + k));
	total = ts_neon_hsum(s);
	for (; k < depth; k++)
		total += w[k];
	return total;
}

/* ---- CONV_2D -------------------------------------------------------------- */

/* n bytes from src to dst (no overlap); short runs are common (one tap of a
 * few channels), so no call to memcpy. */
static inline void copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
	int32_t i = 0;

	if (n >= 16) {
		for (; i + 16 <= n; i += 16)
			vst1q_s8(dst + i, vld1q_s8(src + i));
		if (i < n)
			vst1q_s8(dst + n - 16, vld1q_s8(src + n - 16));
		return;
	}
	if (n >= 8) {
		vst1_s8(dst, vld1_s8(src));
		vst1_s8(dst + n - 8, vld1_s8(src + n - 8));
		return;
	}
	for (; i < n; i++)
		dst[i] = src[i];
}

/* n bytes of v at dst. */
static inline void fill_bytes(int8_t *dst, int8_t v, int32_t n)
{
	int32_t i = 0;

	if (n >= 16) {
		const int8x16_t vv = vdupq_n_s8(v);

		for (; i + 16 <= n; i += 16)
			vst1q_s8(dst + i, vv);
		if (i < n)
			vst1q_s8(dst + n - 16, vv);
		return;
	}
	if (n >= 8) {
		vst1_s8(dst, vdup_n_s8(v));
		vst1_s8(dst + n - 8, vdup_n_s8(v));
		return;
	}
	for (; i < n; i++)
		dst[i] = v;
}

/* The taps of output (b, oy, ox) for input channels c0 .. c0 + group_c - 1,
 * as [k_h][k_w][group_c] like a filter row; padding reads the zero point.
 * A 1x1 filter reads the input in place. */
static const int8_t *conv_patch(const ts_conv_params *p, const int8_t *in, int32_t b,
				int32_t oy, int32_t ox, int32_t c0, int32_t group_c,
				int8_t *patch)
{
	const int8_t zero_point = (int8_t)-p->input_offset;
	const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
	const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->in_c;
	const int32_t row_bytes = p->k_w * group_c;
	/* A row's taps are one contiguous run of the input. */
	const int contiguous = p->dil_w == 1 && group_c == p->in_c;
	int8_t *dst = patch;

	if (p->k_h == 1 && p->k_w == 1 && y0 >= 0 && y0 < p->in_h && x0 >= 0 && x0 < p->in_w)
		return image + ((size_t)y0 * p->in_w + x0) * p->in_c + c0;
	for (int32_t ky = 0; ky < p->k_h; ky++, dst += row_bytes) {
		const int32_t y = y0 + ky * p->dil_h;
		const int8_t *row;

		if (y < 0 || y >= p->in_h) {
			fill_bytes(dst, zero_point, row_bytes);
			continue;
		}
		row = image + (size_t)y * p->in_w * p->in_c + c0;
		if (contiguous && x0 >= 0 && x0 + p->k_w <= p->in_w) {
			copy_bytes(dst, row + (size_t)x0 * p->in_c, row_bytes);
			continue;
		}
		if (contiguous) {
			/* Taps k0 .. k1 - 1 are inside the row: one copy, and
			 * zero points on either side. */
			const int32_t k0 = x0 >= 0 ? 0 : -x0 < p->k_w ? -x0 : p->k_w;
			const int32_t k1 = p->in_w - x0 >= p->k_w ? p->k_w :
					   p->in_w - x0 > k0 ? p->in_w - x0 : k0;

			fill_bytes(dst, zero_point, k0 * group_c);
			if (k1 > k0)
				copy_bytes(dst + k0 * group_c, row + (size_t)(x0 + k0) * p->in_c,
					   (k1 - k0) * group_c);
			fill_bytes(dst + k1 * group_c, zero_point, (p->k_w - k1) * group_c);
			continue;
		}
		for (int32_t kx = 0; kx < p->k_w; kx++) {
			const int32_t x = x0 + kx * p->dil_w;

			if (x < 0 || x >= p->in_w)
				fill_bytes(dst + kx * group_c, zero_point, group_c);
			else
				copy_bytes(dst + kx * group_c, row + (size_t)x * p->in_c, group_c);
		}
	}
	return patch;
}

/* The requantization constants every channel shares, as vectors. */
struct requant4 {
	int32x4_t out_offset, lo, hi;
};

static inline int32x4_t conv_requant4(const ts_conv_params *p, const struct requant4 *r,
				      int32x4_t acc, const int32_t *corr, int32_t oc)
{
	return ts_neon_requant(vaddq_s32(acc, vld1q_s32(corr)), vld1q_s32(p->out_mult + oc),
			       vld1q_s32(p->out_shift + oc), r->out_offset, r->lo, r->hi);
}

/* Output channels oc0 .. oc0 + n - 1 of one position from its patch x;
 * corr[j] belongs to channel oc0 + j. */
static inline void conv_outputs(const ts_conv_params *p, const struct requant4 *r,
				const int8_t *x, const int8_t *filter, int32_t depth,
				int32_t oc0, int32_t n, const int32_t *corr, int8_t *dst)
{
	const size_t stride = (size_t)depth;
	const int8_t *w = filter + (size_t)oc0 * stride;
	int32_t j = 0;

	for (; j + 8 <= n; j += 8, w += 8 * stride) {
		const int32x4_t a = conv_requant4(p, r, dot_rows4(x, w, stride, depth),
						  corr + j, oc0 + j);
		const int32x4_t b = conv_requant4(p, r, dot_rows4(x, w + 4 * stride, stride, depth),
						  corr + j + 4, oc0 + j + 4);

		vst1_s8(dst + oc0 + j, ts_neon_narrow8(a, b));
	}
	if (j + 4 <= n) {
		const int32x4_t a = conv_requant4(p, r, dot_rows4(x, w, stride, depth),
						  corr + j, oc0 + j);

		ts_neon_store4(dst + oc0 + j, a, 4);
		j += 4;
		w += 4 * stride;
	}
	/* 1 to 3 channels left, one at a time. */
	for (; j < n; j++, w += stride) {
		const uint32_t acc = (uint32_t)vgetq_lane_s32(dot_rows4(x, w, 0, depth), 0) +
				     (uint32_t)corr[j];
		const int32_t v = ts_mul_by_quantized_multiplier((int32_t)acc, p->out_mult[oc0 + j],
								  p->out_shift[oc0 + j]);

		dst[oc0 + j] = (int8_t)ts_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
	}
}

/* The convolution one output position at a time, four output channels a
 * dot_rows4.  Any shape (larger patches go to the reference kernel). */
static void conv_by_rows(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			 const int32_t *bias, int8_t *out)
{
	const int32_t group_c = p->depth_multiplier;
	const int32_t groups = p->in_c / group_c;
	const int32_t per_group = p->out_c / groups;
	const int32_t depth = p->k_h * p->k_w * group_c;
	int8_t patch[TS_NEON_PATCH_MAX] __attribute__((aligned(16)));
	int32_t corr[TS_NEON_CHANNEL_BLOCK];
	struct requant4 r;

	r.out_offset = vdupq_n_s32(p->output_offset);
	r.lo = vdupq_n_s32(p->act_min);
	r.hi = vdupq_n_s32(p->act_max);
	if (depth > TS_NEON_PATCH_MAX || !ts_neon_offset_ok(p->input_offset)) {
		ts_conv_s8_ref(p, in, filter, bias, out);
		return;
	}
	for (int32_t g = 0; g < groups; g++)
	for (int32_t oc0 = g * per_group; oc0 < (g + 1) * per_group; oc0 += TS_NEON_CHANNEL_BLOCK) {
		const int32_t end = (g + 1) * per_group;
		const int32_t n = end - oc0 < TS_NEON_CHANNEL_BLOCK ? end - oc0 : TS_NEON_CHANNEL_BLOCK;

		/* bias + input_offset * sum(w), wrapping like the reference. */
		for (int32_t j = 0; j < n; j++)
			corr[j] = (int32_t)((bias ? (uint32_t)bias[oc0 + j] : 0u) +
					    (uint32_t)p->input_offset *
					    (uint32_t)row_sum(filter + (size_t)(oc0 + j) * depth, depth));
		for (int32_t b = 0; b < p->batches; b++)
		for (int32_t oy = 0; oy < p->out_h; oy++)
		for (int32_t ox = 0; ox < p->out_w; ox++) {
			const int8_t *x = conv_patch(p, in, b, oy, ox, g * group_c, group_c, patch);
			int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;

			conv_outputs(p, &r, x, filter, depth, oc0, n, corr, dst);
		}
	}
}

/* ---- DEPTHWISE_CONV_2D with one input channel ----------------------------- */

/* With one input channel (the first layer of an audio model), depthwise is
 * the convolution whose filter is the depthwise one transposed to
 * [out_c][k_h][k_w]: the same sums, computed with dot products over the
 * taps instead of one tap at a time.  Other shapes go to the kernel that
 * runs over channels. */
static void dwconv_by_rows(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			   const int32_t *bias, int8_t *out)
{
	const int32_t taps = p->k_h * p->k_w;
	int8_t conv_filter[TS_NEON_PATCH_MAX] __attribute__((aligned(16)));
	ts_conv_params conv;

	if (p->in_c != 1 || taps * p->out_c > TS_NEON_PATCH_MAX) {
		ts_dwconv_s8_channels(p, in, filter, bias, out);
		return;
	}
	for (int32_t oc = 0; oc < p->out_c; oc++)
		for (int32_t t = 0; t < taps; t++)
			conv_filter[oc * taps + t] = filter[t * p->out_c + oc];
	conv = *p;
	conv.depth_multiplier = 1; /* one group of one input channel */
	conv_by_rows(&conv, in, conv_filter, bias, out);
}

/* ---- FULLY_CONNECTED ------------------------------------------------------ */

/* The output's requantization constants, four outputs from o on. */
static inline void fc_requant_consts(const ts_fc_params *p, int32_t o, int m, int32x4_t *mult,
				     int32x4_t *shift)
{
	if (p->per_channel) {
		*mult = ts_neon_load4(p->out_mult, o, m);
		*shift = ts_neon_load4(p->out_shift, o, m);
	} else {
		*mult = vdupq_n_s32(p->out_mult[0]);
		*shift = vdupq_n_s32(p->out_shift[0]);
	}
}

/* Weights constant at prepare: fixed[o] holds every term but sum(w * x)
 * and filter_offset * sum(x). */
static void fc_fixed(const ts_fc_params *p, const int32_t *fixed, const int8_t *in,
		     const int8_t *filter, int8_t *out)
{
	const int32_t depth = p->accum_depth;
	const size_t stride = (size_t)depth;
	const int32x4_t out_offset = vdupq_n_s32(p->output_offset);
	const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);

	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *x = in + (size_t)b * depth;
		const uint32_t fo = (uint32_t)p->filter_offset;
		const int32x4_t xterm = vdupq_n_s32(fo ? (int32_t)(fo * (uint32_t)row_sum(x, depth)) : 0);
		int8_t *dst = out + (size_t)b * p->out_depth;
		int32_t o = 0;

		for (; o + 4 <= p->out_depth; o += 4) {
			int32x4_t acc = dot_rows4(x, filter + (size_t)o * stride, stride, depth);
			int32x4_t mult, shift;

			acc = vaddq_s32(vaddq_s32(acc, vld1q_s32(fixed + o)), xterm);
			fc_requant_consts(p, o, 4, &mult, &shift);
			ts_neon_store4(dst + o, ts_neon_requant(acc, mult, shift, out_offset, lo, hi), 4);
		}
		/* 1 to 3 outputs left, one at a time. */
		for (; o < p->out_depth; o++) {
			const int32_t ch = p->per_channel ? o : 0;
			const uint32_t acc =
				(uint32_t)vgetq_lane_s32(dot_rows4(x, filter + (size_t)o * stride, 0,
								   depth), 0) +
				(uint32_t)fixed[o] + (uint32_t)vgetq_lane_s32(xterm, 0);
			const int32_t v = ts_mul_by_quantized_multiplier((int32_t)acc, p->out_mult[ch],
									  p->out_shift[ch]);

			dst[o] = (int8_t)ts_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
		}
	}
}

/* params: struct ts_neon_fc from ts_fc_prepare_neon. */
void TS_DOT_FN(ts_fc_s8)(const ts_fc_params *params, const int8_t *in, const int8_t *filter,
			 const int32_t *bias, int8_t *out)
{
	const struct ts_neon_fc *f = (const struct ts_neon_fc *)(const void *)params;
	const ts_fc_params *p = &f->p;
	const int32_t depth = p->accum_depth;
	const int32x4_t input_offset = vdupq_n_s32(p->input_offset);
	const int32x4_t out_offset = vdupq_n_s32(p->output_offset);
	const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);

	if (f->fixed) {
		fc_fixed(p, f->fixed, in, filter, out);
		return;
	}
	/* Weights known only now: their sums are taken along the products. */
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *x = in + (size_t)b * depth;
		/* sum((w + fo) * (x + io)) = sum(w * x) + io * sum(w)
		 *                            + fo * sum(x) + depth * fo * io */
		const uint32_t fo = (uint32_t)p->filter_offset, io = (uint32_t)p->input_offset;
		const uint32_t konst = fo ? fo * (uint32_t)row_sum(x, depth) + (uint32_t)depth * fo * io : 0;
		int8_t *dst = out + (size_t)b * p->out_depth;

		for (int32_t o = 0; o < p->out_depth; o += 4) {
			const int m = p->out_depth - o < 4 ? (int)(p->out_depth - o) : 4;
			const int8_t *w[4];
			int32x4_t acc, wsum, mult, shift;

			for (int r = 0; r < 4; r++)
				w[r] = filter + (size_t)(o + (r < m ? r : 0)) * depth;
			acc = dot_wsum_rows4(x, w, depth, &wsum);
			acc = vmlaq_s32(acc, wsum, input_offset);
			acc = vaddq_s32(acc, vdupq_n_s32((int32_t)konst));
			if (bias)
				acc = vaddq_s32(acc, ts_neon_load4(bias, o, m));
			fc_requant_consts(p, o, m, &mult, &shift);
			ts_neon_store4(dst + o, ts_neon_requant(acc, mult, shift, out_offset, lo, hi), m);
		}
	}
}

#endif /* TS_KERNELS_NEON_DOT_KERNELS_H */
