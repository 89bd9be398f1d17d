/* SPDX-License-Identifier: MIT */
/*
 * The x86 kernels, written once over the vector primitives of vec_<isa>.h
 * (VL int32 lanes) and compiled once per instruction set by
 * kernels_<isa>.c, which defines X86_ISA (the function name suffix) and
 * includes its vec header first.  How and why the results equal the
 * reference: x86_kernels.h.
 */
#define X86_CAT2(a, b) a##_##b
#define X86_CAT(a, b) X86_CAT2(a, b)
#define X86_FN(name) X86_CAT(name, X86_ISA)

/* Adds the block's bias and extra, requantizes, offsets, clamps and stores
 * output channels [b * VL, n) of this block. */
static inline void finish_block(const int32_t *q, int32_t b, vec acc, vec extra, int32_t n,
				vec out_off, vec act_min, vec act_max, int8_t *dst)
{
	const int32_t *qb = q + (size_t)b * TS_X86_Q_FIELDS * VL;
	const int32_t first = b * VL;
	vec v = v_add(acc, v_add(v_load(qb + TS_X86_Q_BIAS * VL), extra));

	v = v_min(v_max(v_add(v_requant(v, qb), out_off), act_min), act_max);
	if (first + VL <= n) {
		v_store_s8(dst + first, v);
	} else if (first < n) {
		int8_t tail[VL];

		v_store_s8(tail, v);
		__builtin_memcpy(dst + first, tail, (size_t)(n - first));
	}
}

/* The n outputs of one pixel: row (g->k2 int16) times the packed filter,
 * plus extra in every accumulator. */
static void gemm_pixel(const struct ts_x86_gemm *g, const int16_t *row, int32_t extra, int32_t n,
		       int32_t out_off, int32_t act_min, int32_t act_max, int8_t *dst)
{
	const int32_t pairs = g->k2 / 2;
	const size_t bstride = (size_t)g->k2 * VL; /* bytes per block */
	const vec vextra = v_set1(extra), voff = v_set1(out_off);
	const vec vmin = v_set1(act_min), vmax = v_set1(act_max);
	int32_t b = 0;

	/* Four blocks at a time: each broadcast row pair feeds four PMADDWDs. */
	for (; b + 4 <= g->blocks; b += 4) {
		const int8_t *w = g->w + (size_t)b * bstride;
		vec a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();

		for (int32_t j = 0; j < pairs; j++) {
			const vec x = v_bcast_pair(row + 2 * j);
			const int8_t *wj = w + (size_t)j * 2 * VL;

			a0 = v_add(a0, v_madd16(v_load_s8_s16(wj), x));
			a1 = v_add(a1, v_madd16(v_load_s8_s16(wj + bstride), x));
			a2 = v_add(a2, v_madd16(v_load_s8_s16(wj + 2 * bstride), x));
			a3 = v_add(a3, v_madd16(v_load_s8_s16(wj + 3 * bstride), x));
		}
		finish_block(g->q, b, a0, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 1, a1, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 2, a2, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 3, a3, vextra, n, voff, vmin, vmax, dst);
	}
	for (; b < g->blocks; b++) {
		const int8_t *w = g->w + (size_t)b * bstride;
		vec a0 = v_zero(), a1 = v_zero();
		int32_t j = 0;

		for (; j + 2 <= pairs; j += 2) {
			a0 = v_add(a0, v_madd16(v_load_s8_s16(w + (size_t)j * 2 * VL),
						v_bcast_pair(row + 2 * j)));
			a1 = v_add(a1, v_madd16(v_load_s8_s16(w + (size_t)(j + 1) * 2 * VL),
						v_bcast_pair(row + 2 * j + 2)));
		}
		if (j < pairs)
			a0 = v_add(a0, v_madd16(v_load_s8_s16(w + (size_t)j * 2 * VL),
						v_bcast_pair(row + 2 * j)));
		finish_block(g->q, b, v_add(a0, a1), vextra, n, voff, vmin, vmax, dst);
	}
}

static inline void widen_s8(int16_t *dst, const int8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		dst[i] = src[i];
}

static inline void fill_s16(int16_t *dst, int16_t v, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		dst[i] = v;
}

/* First and one-past-last taps k with 0 <= origin + k * dilation < size. */
static inline void valid_taps(int32_t origin, int32_t dilation, int32_t size, int32_t taps,
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

/* The im2col row of output pixel (oy, ox) of image `in`: [k_h][k_w][in_c],
 * taps outside the input hold the zero point zp. */
static void conv_row(const ts_conv_params *p, const int8_t *in, int32_t oy, int32_t ox,
		     int16_t zp, int16_t *row)
{
	const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
	const int32_t run = p->k_w * p->in_c;
	int32_t kx0, kx1;

	valid_taps(x0, p->dil_w, p->in_w, p->k_w, &kx0, &kx1);
	for (int32_t ky = 0; ky < p->k_h; ky++, row += run) {
		const int32_t y = y0 + ky * p->dil_h;
		const int8_t *src;

		if (y < 0 || y >= p->in_h) {
			fill_s16(row, zp, run);
			continue;
		}
		src = in + (size_t)y * p->in_w * p->in_c;
		fill_s16(row, zp, kx0 * p->in_c);
		if (p->dil_w == 1) {
			/* The valid taps are one contiguous run of the input row (a
			 * 1x1 convolution's row is just its pixel). */
			widen_s8(row + kx0 * p->in_c, src + (size_t)(x0 + kx0) * p->in_c,
				 (kx1 - kx0) * p->in_c);
		} else {
			for (int32_t kx = kx0; kx < kx1; kx++)
				widen_s8(row + kx * p->in_c,
					 src + (size_t)(x0 + kx * p->dil_w) * p->in_c, p->in_c);
		}
		fill_s16(row + kx1 * p->in_c, zp, (p->k_w - kx1) * p->in_c);
	}
}

static void conv_gemm(const struct ts_x86_conv *x, const int8_t *in, int8_t *out)
{
	const ts_conv_params *p = &x->p;
	const int16_t zp = (int16_t)-p->input_offset;
	int16_t row[TS_X86_MAX_ROW];

	row[x->g.k2 - 1] = 0; /* the odd row's padding pair (weight 0) */
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->in_c;

		for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) *
						    p->out_c;

				conv_row(p, image, oy, ox, zp, row);
				gemm_pixel(&x->g, row, 0, p->out_c, p->output_offset, p->act_min,
					   p->act_max, dst);
			}
	}
}

/* Depthwise, depth multiplier 1: 2 * VL channels at a time over the
 * pixel's valid taps, (x + in_off) * w exact in int16. */
static void dw_pixel(const struct ts_x86_conv *x, const int8_t *image, int32_t oy, int32_t ox,
		     int8_t *dst)
{
	const ts_conv_params *p = &x->p;
	const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
	const int32_t channels = p->out_c;
	const vec off = v_set1_16((int16_t)p->input_offset);
	const vec voff = v_set1(p->output_offset), vmin = v_set1(p->act_min);
	const vec vmax = v_set1(p->act_max);
	int32_t ky0, ky1, kx0, kx1;

	valid_taps(y0, p->dil_h, p->in_h, p->k_h, &ky0, &ky1);
	valid_taps(x0, p->dil_w, p->in_w, p->k_w, &kx0, &kx1);
	for (int32_t c0 = 0; c0 < channels; c0 += 2 * VL) {
		const int32_t n = channels - c0 < 2 * VL ? channels - c0 : 2 * VL;
		vec lo = v_zero(), hi = v_zero();

		for (int32_t ky = ky0; ky < ky1; ky++) {
			const int8_t *src_row = image + (size_t)(y0 + ky * p->dil_h) * p->in_w * channels;
			const int16_t *w_row = x->dw_w + (size_t)ky * p->k_w * x->dw_cpad + c0;

			for (int32_t kx = kx0; kx < kx1; kx++) {
				const int8_t *src = src_row + (size_t)(x0 + kx * p->dil_w) * channels + c0;
				vec xv, prod;

				if (n == 2 * VL) {
					xv = v_load_s8_s16(src);
				} else {
					/* The last channels of the image: no read past them. */
					int8_t part[2 * VL] = { 0 };

					__builtin_memcpy(part, src, (size_t)n);
					xv = v_load_s8_s16(part);
				}
				prod = v_mullo16(v_add16(xv, off), v_load16(w_row + (size_t)kx * x->dw_cpad));
				lo = v_add(lo, v_widen_lo16(prod));
				hi = v_add(hi, v_widen_hi16(prod));
			}
		}
		finish_block(x->dw_q, c0 / VL, lo, v_zero(), channels, voff, vmin, vmax, dst);
		finish_block(x->dw_q, c0 / VL + 1, hi, v_zero(), channels, voff, vmin, vmax, dst);
	}
}

static void dw_direct(const struct ts_x86_conv *x, const int8_t *in, int8_t *out)
{
	const ts_conv_params *p = &x->p;

	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->in_c;

		for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++)
				dw_pixel(x, image, oy, ox,
					 out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c);
	}
}

void X86_FN(ts_conv_s8)(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			const int32_t *bias, int8_t *out)
{
	const struct ts_x86_conv *x = (const struct ts_x86_conv *)(const void *)p;

	if (x->kind == TS_X86_GEMM)
		conv_gemm(x, in, out);
	else
		ts_conv_s8_ref(p, in, filter, bias, out);
}

void X86_FN(ts_dwconv_s8)(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			  const int32_t *bias, int8_t *out)
{
	const struct ts_x86_conv *x = (const struct ts_x86_conv *)(const void *)p;

	if (x->kind == TS_X86_GEMM)
		conv_gemm(x, in, out); /* one input channel: see pack.c */
	else if (x->kind == TS_X86_DEPTHWISE)
		dw_direct(x, in, out);
	else
		ts_dwconv_s8_ref(p, in, filter, bias, out);
}

void X86_FN(ts_fc_s8)(const ts_fc_params *p, const int8_t *in, const int8_t *filter,
		      const int32_t *bias, int8_t *out)
{
	const struct ts_x86_fc *x = (const struct ts_x86_fc *)(const void *)p;
	int16_t row[TS_X86_MAX_ROW];

	if (!x->packed) {
		ts_fc_s8_ref(p, in, filter, bias, out);
		return;
	}
	row[x->g.k2 - 1] = 0;
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *src = in + (size_t)b * p->accum_depth;
		uint32_t sum = 0;

		for (int32_t i = 0; i < p->accum_depth; i++) {
			row[i] = src[i];
			sum += (uint32_t)src[i];
		}
		/* The per-inference part of the filter offset (pack.c). */
		gemm_pixel(&x->g, row, (int32_t)(sum * (uint32_t)p->filter_offset), p->out_depth,
			   p->output_offset, p->act_min, p->act_max,
			   out + (size_t)b * p->out_depth);
	}
}
