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

#ifdef X86_DPBUSD
/*
 * VNNI: the row holds x + 128 as uint8 (x86_kernels.h), quads of it
 * broadcast against [blocks][k2 / 4][VL][4] weights.
 */
typedef uint8_t row_t;

/* The n outputs of one pixel: row (g->k2 values) times the packed filter,
 * plus extra in every accumulator. */
static void gemm_pixel(const struct ts_x86_gemm *g, const uint8_t *row, int32_t extra, int32_t n,
		       int32_t out_off, int32_t act_min, int32_t act_max, int8_t *dst)
{
	const int32_t quads = g->k2 / 4;
	const size_t bstride = (size_t)g->k2 * VL; /* bytes per block */
	const vec vextra = v_set1(extra), voff = v_set1(out_off);
	const vec vmin = v_set1(act_min), vmax = v_set1(act_max);
	const int8_t *wts = g->w;
	int32_t b = 0;

	for (; b + 4 <= g->blocks; b += 4) {
		const int8_t *w = wts + (size_t)b * bstride;
		vec a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();

		for (int32_t j = 0; j < quads; j++) {
			const vec x = v_bcast_quad(row + 4 * j);
			const int8_t *wj = w + (size_t)j * 4 * VL;

			a0 = X86_DPBUSD(a0, x, v_load_s8(wj));
			a1 = X86_DPBUSD(a1, x, v_load_s8(wj + bstride));
			a2 = X86_DPBUSD(a2, x, v_load_s8(wj + 2 * bstride));
			a3 = X86_DPBUSD(a3, x, v_load_s8(wj + 3 * bstride));
		}
		finish_block(g->q, b, a0, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 1, a1, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 2, a2, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 3, a3, vextra, n, voff, vmin, vmax, dst);
	}
	for (; b < g->blocks; b++) {
		const int8_t *w = wts + (size_t)b * bstride;
		vec a0 = v_zero(), a1 = v_zero();
		int32_t j = 0;

		for (; j + 2 <= quads; j += 2) {
			a0 = X86_DPBUSD(a0, v_bcast_quad(row + 4 * j), v_load_s8(w + (size_t)j * 4 * VL));
			a1 = X86_DPBUSD(a1, v_bcast_quad(row + 4 * j + 4),
					v_load_s8(w + (size_t)(j + 1) * 4 * VL));
		}
		if (j < quads)
			a0 = X86_DPBUSD(a0, v_bcast_quad(row + 4 * j), v_load_s8(w + (size_t)j * 4 * VL));
		finish_block(g->q, b, v_add(a0, a1), vextra, n, voff, vmin, vmax, dst);
	}
}

/* dst[i] = src[i] + 128 for i < n, sixteen (then eight) at a time, reading
 * nothing past src + n. */
static inline void row_from_s8(uint8_t *dst, const int8_t *src, int32_t n)
{
	const __m128i flip = _mm_set1_epi8((char)0x80);
	int32_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(dst + i),
				 _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(src + i)),
					       flip));
	if (i + 8 <= n) {
		_mm_storel_epi64((__m128i *)(void *)(dst + i),
				 _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(const void *)(src + i)),
					       flip));
		i += 8;
	}
	for (; i < n; i++)
		dst[i] = (uint8_t)(src[i] ^ 0x80);
}

/* n padded taps holding the zero point v (stored as v + 128). */
static inline void row_fill(uint8_t *dst, int16_t v, int32_t n)
{
	const __m128i vv = _mm_set1_epi8((char)(v + 128));
	int32_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(dst + i), vv);
	for (; i < n; i++)
		dst[i] = (uint8_t)(v + 128);
}
#else
typedef int16_t row_t;

/* The n outputs of one pixel: row (g->k2 int16) times the packed filter
 * ([blocks][k2 / 2][VL][2] int16), plus extra in every accumulator. */
static void gemm_pixel(const struct ts_x86_gemm *g, const int16_t *row, int32_t extra, int32_t n,
		       int32_t out_off, int32_t act_min, int32_t act_max, int8_t *dst)
{
	const int32_t pairs = g->k2 / 2;
	const size_t bstride = (size_t)g->k2 * VL; /* int16 per block */
	const vec vextra = v_set1(extra), voff = v_set1(out_off);
	const vec vmin = v_set1(act_min), vmax = v_set1(act_max);
	const int16_t *wts = g->w;
	int32_t b = 0;

	/* Four blocks at a time: each broadcast row pair feeds four PMADDWDs. */
	for (; b + 4 <= g->blocks; b += 4) {
		const int16_t *w = wts + (size_t)b * bstride;
		vec a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();
		int32_t j = 0;

		for (; j + 2 <= pairs; j += 2) {
			const vec x0 = v_bcast_pair(row + 2 * j), x1 = v_bcast_pair(row + 2 * j + 2);
			const int16_t *wj = w + (size_t)j * 2 * VL;

			a0 = v_add(a0, v_madd16(v_load16(wj), x0));
			a1 = v_add(a1, v_madd16(v_load16(wj + bstride), x0));
			a2 = v_add(a2, v_madd16(v_load16(wj + 2 * bstride), x0));
			a3 = v_add(a3, v_madd16(v_load16(wj + 3 * bstride), x0));
			a0 = v_add(a0, v_madd16(v_load16(wj + 2 * VL), x1));
			a1 = v_add(a1, v_madd16(v_load16(wj + bstride + 2 * VL), x1));
			a2 = v_add(a2, v_madd16(v_load16(wj + 2 * bstride + 2 * VL), x1));
			a3 = v_add(a3, v_madd16(v_load16(wj + 3 * bstride + 2 * VL), x1));
		}
		if (j < pairs) {
			const vec x = v_bcast_pair(row + 2 * j);
			const int16_t *wj = w + (size_t)j * 2 * VL;

			a0 = v_add(a0, v_madd16(v_load16(wj), x));
			a1 = v_add(a1, v_madd16(v_load16(wj + bstride), x));
			a2 = v_add(a2, v_madd16(v_load16(wj + 2 * bstride), x));
			a3 = v_add(a3, v_madd16(v_load16(wj + 3 * bstride), x));
		}
		finish_block(g->q, b, a0, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 1, a1, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 2, a2, vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 3, a3, vextra, n, voff, vmin, vmax, dst);
	}
	for (; b < g->blocks; b++) {
		const int16_t *w = wts + (size_t)b * bstride;
		vec a0 = v_zero(), a1 = v_zero();
		int32_t j = 0;

		for (; j + 4 <= pairs; j += 4) {
			const int16_t *wj = w + (size_t)j * 2 * VL;

			a0 = v_add(a0, v_madd16(v_load16(wj), v_bcast_pair(row + 2 * j)));
			a1 = v_add(a1, v_madd16(v_load16(wj + 2 * VL), v_bcast_pair(row + 2 * j + 2)));
			a0 = v_add(a0, v_madd16(v_load16(wj + 4 * VL), v_bcast_pair(row + 2 * j + 4)));
			a1 = v_add(a1, v_madd16(v_load16(wj + 6 * VL), v_bcast_pair(row + 2 * j + 6)));
		}
		for (; j < pairs; j++)
			a0 = v_add(a0, v_madd16(v_load16(w + (size_t)j * 2 * VL),
						v_bcast_pair(row + 2 * j)));
		finish_block(g->q, b, v_add(a0, a1), vextra, n, voff, vmin, vmax, dst);
	}
}

/* dst[i] = src[i] for i < n, eight at a time (SSE4.1, which every x86
 * set has), reading nothing past src + n. */
static inline void row_from_s8(int16_t *dst, const int8_t *src, int32_t n)
{
	int32_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(dst + i),
				 _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(src + i))));
	for (; i < n; i++)
		dst[i] = src[i];
}

static inline void row_fill(int16_t *dst, int16_t v, int32_t n)
{
	const __m128i vv = _mm_set1_epi16(v);
	int32_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(dst + i), vv);
	for (; i < n; i++)
		dst[i] = v;
}

#endif

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
		     int16_t zp, row_t *row)
{
	const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
	const int32_t run = p->k_w * p->in_c;
	int32_t kx0, kx1;

	valid_taps(x0, p->dil_w, p->in_w, p->k_w, &kx0, &kx1);
	if (p->dil_w == 1 && kx0 == 0 && kx1 == p->k_w && y0 >= 0 &&
	    y0 + (p->k_h - 1) * p->dil_h < p->in_h) {
		/* The whole window inside the input: k_h contiguous runs. */
		const int8_t *src = in + ((size_t)y0 * p->in_w + x0) * p->in_c;
		const size_t step = (size_t)p->dil_h * p->in_w * p->in_c;

		for (int32_t ky = 0; ky < p->k_h; ky++, row += run, src += step)
			row_from_s8(row, src, run);
		return;
	}
	for (int32_t ky = 0; ky < p->k_h; ky++, row += run) {
		const int32_t y = y0 + ky * p->dil_h;
		const int8_t *src;

		if (y < 0 || y >= p->in_h) {
			row_fill(row, zp, run);
			continue;
		}
		src = in + (size_t)y * p->in_w * p->in_c;
		row_fill(row, zp, kx0 * p->in_c);
		if (p->dil_w == 1) {
			/* The valid taps are one contiguous run of the input row (a
			 * 1x1 convolution's row is just its pixel). */
			row_from_s8(row + kx0 * p->in_c, src + (size_t)(x0 + kx0) * p->in_c,
				 (kx1 - kx0) * p->in_c);
		} else {
			for (int32_t kx = kx0; kx < kx1; kx++)
				row_from_s8(row + kx * p->in_c,
					 src + (size_t)(x0 + kx * p->dil_w) * p->in_c, p->in_c);
		}
		row_fill(row + kx1 * p->in_c, zp, (p->k_w - kx1) * p->in_c);
	}
}

static void conv_gemm(const struct ts_x86_conv *x, const int8_t *in, int8_t *out)
{
	const ts_conv_params *p = &x->p;
	const int16_t zp = (int16_t)-p->input_offset;
	row_t row[TS_X86_MAX_ROW];

	/* The row's padding to the weight group meets zero weights. */
	__builtin_memset(row + x->g.k, 0, (size_t)(x->g.k2 - x->g.k) * sizeof(row[0]));
	if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
	    p->pad_h == 0 && p->pad_w == 0) {
		/* Pointwise: each output pixel's row is its input pixel. */
		const size_t pixels = (size_t)p->batches * p->out_h * p->out_w;

		for (size_t i = 0; i < pixels; i++) {
			row_from_s8(row, in + i * p->in_c, p->in_c);
			gemm_pixel(&x->g, row, 0, p->out_c, p->output_offset, p->act_min,
				   p->act_max, out + i * p->out_c);
		}
		return;
	}
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

/* The valid tap window of a depthwise output pixel. */
struct dw_window {
	const int8_t *image;
	int32_t y0, x0, ky0, ky1, kx0, kx1;
};

/* Depthwise, depth multiplier 1: channels [c0, c0 + 2 VL) over the
 * window's taps, (x + in_off) * w exact in int16, summed in int32. */
static inline void dw_group(const struct ts_x86_conv *x, const struct dw_window *win, int32_t c0,
			    vec *lo, vec *hi)
{
	const ts_conv_params *p = &x->p;
	const vec off = v_set1_16((int16_t)p->input_offset);
	vec l = v_zero(), h = v_zero();

	for (int32_t ky = win->ky0; ky < win->ky1; ky++) {
		const int8_t *src = win->image +
				    ((size_t)(win->y0 + ky * p->dil_h) * p->in_w + win->x0) * p->in_c + c0;
		const int16_t *w = x->dw_w + (size_t)ky * p->k_w * x->dw_cpad + c0;

		for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
			const vec prod = v_mullo16(
				v_add16(v_load_s8_s16(src + (size_t)kx * p->dil_w * p->in_c), off),
				v_load16(w + (size_t)kx * x->dw_cpad));

			l = v_add(l, v_widen_lo16(prod));
			h = v_add(h, v_widen_hi16(prod));
		}
	}
	*lo = l;
	*hi = h;
}

/* Channels [c0, c0 + n), n <= VL, in int32 lanes (n < VL: through a copy,
 * reading nothing past the image's last channel). */
static inline vec dw_block(const struct ts_x86_conv *x, const struct dw_window *win, int32_t c0,
			   int32_t n)
{
	const ts_conv_params *p = &x->p;
	const vec off = v_set1(p->input_offset);
	vec acc = v_zero();

	for (int32_t ky = win->ky0; ky < win->ky1; ky++) {
		const int8_t *src = win->image +
				    ((size_t)(win->y0 + ky * p->dil_h) * p->in_w + win->x0) * p->in_c + c0;
		const int16_t *w = x->dw_w + (size_t)ky * p->k_w * x->dw_cpad + c0;

		for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
			const int8_t *s = src + (size_t)kx * p->dil_w * p->in_c;
			int8_t part[VL] = { 0 };

			if (n < VL) {
				__builtin_memcpy(part, s, (size_t)n);
				s = part;
			}
			acc = v_add(acc, v_mullo32(v_add(v_load_s8_s32(s), off),
						   v_load16_s32(w + (size_t)kx * x->dw_cpad)));
		}
	}
	return acc;
}

/* Channels [c0, c0 + 2 VL) over every tap, two at a time (tap lists and
 * weights: x86_kernels.h). */
static inline void dw_group_pairs(const struct ts_x86_conv *x, const int8_t *const *taps,
				  int32_t c0, vec *b0, vec *b1)
{
	const vec off = v_set1_16((int16_t)x->p.input_offset);
	const int16_t *w = x->dw_pairs + (size_t)(c0 / (2 * VL)) * x->dw_taps * 2 * VL;
	vec lo = v_zero(), hi = v_zero();

	for (int32_t t = 0; t < x->dw_taps; t += 2, w += 4 * VL) {
		const vec x0 = v_add16(v_load_s8_s16(taps[t] + c0), off);
		const vec x1 = v_add16(v_load_s8_s16(taps[t + 1] + c0), off);

		lo = v_add(lo, v_madd16(v_unpacklo16(x0, x1), v_load16(w)));
		hi = v_add(hi, v_madd16(v_unpackhi16(x0, x1), v_load16(w + 2 * VL)));
	}
	v_unpacked_blocks(lo, hi, b0, b1);
}

static void dw_pixel_pairs(const struct ts_x86_conv *x, const int8_t *image, int32_t oy,
			   int32_t ox, const ptrdiff_t *tap_offset, int8_t *dst)
{
	const ts_conv_params *p = &x->p;
	const int32_t channels = p->out_c;
	const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
	const vec voff = v_set1(p->output_offset), vmin = v_set1(p->act_min);
	const vec vmax = v_set1(p->act_max);
	const int8_t *taps[TS_X86_MAX_TAPS];
	int32_t t = 0, c0 = 0;

	const bool inside = y0 >= 0 && y0 + (p->k_h - 1) * p->dil_h < p->in_h && x0 >= 0 &&
			    x0 + (p->k_w - 1) * p->dil_w < p->in_w;

	if (inside) {
		/* Every tap at its offset from the first. */
		const int8_t *first = image + ((size_t)y0 * p->in_w + x0) * channels;

		for (; t < p->k_h * p->k_w; t++)
			taps[t] = first + tap_offset[t];
	}
	for (int32_t ky = 0; ky < p->k_h && !inside; ky++) {
		const int32_t y = y0 + ky * p->dil_h;

		for (int32_t kx = 0; kx < p->k_w; kx++, t++) {
			const int32_t xx = x0 + kx * p->dil_w;

			taps[t] = y >= 0 && y < p->in_h && xx >= 0 && xx < p->in_w ?
				  image + ((size_t)y * p->in_w + xx) * channels : x->dw_zero_row;
		}
	}
	if (t < x->dw_taps)
		taps[t] = x->dw_zero_row;
	for (; c0 + 2 * VL <= channels; c0 += 2 * VL) {
		vec b0, b1;

		dw_group_pairs(x, taps, c0, &b0, &b1);
		finish_block(x->dw_q, c0 / VL, b0, v_zero(), channels, voff, vmin, vmax, dst);
		finish_block(x->dw_q, c0 / VL + 1, b1, v_zero(), channels, voff, vmin, vmax, dst);
	}
	if (c0 < channels) {
		struct dw_window win = { image, y0, x0, 0, 0, 0, 0 };

		valid_taps(y0, p->dil_h, p->in_h, p->k_h, &win.ky0, &win.ky1);
		valid_taps(x0, p->dil_w, p->in_w, p->k_w, &win.kx0, &win.kx1);
		for (; c0 < channels; c0 += VL)
			finish_block(x->dw_q, c0 / VL,
				     dw_block(x, &win, c0, channels - c0 < VL ? channels - c0 : VL),
				     v_zero(), channels, voff, vmin, vmax, dst);
	}
}

static void dw_pixel(const struct ts_x86_conv *x, const int8_t *image, int32_t oy, int32_t ox,
		     int8_t *dst)
{
	const ts_conv_params *p = &x->p;
	const int32_t channels = p->out_c;
	const vec voff = v_set1(p->output_offset), vmin = v_set1(p->act_min);
	const vec vmax = v_set1(p->act_max);
	struct dw_window win = { image, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w,
				 0, 0, 0, 0 };
	int32_t c0 = 0;

	valid_taps(win.y0, p->dil_h, p->in_h, p->k_h, &win.ky0, &win.ky1);
	valid_taps(win.x0, p->dil_w, p->in_w, p->k_w, &win.kx0, &win.kx1);
	for (; c0 + 2 * VL <= channels; c0 += 2 * VL) {
		vec lo, hi;

		dw_group(x, &win, c0, &lo, &hi);
		finish_block(x->dw_q, c0 / VL, lo, v_zero(), channels, voff, vmin, vmax, dst);
		finish_block(x->dw_q, c0 / VL + 1, hi, v_zero(), channels, voff, vmin, vmax, dst);
	}
	for (; c0 < channels; c0 += VL)
		finish_block(x->dw_q, c0 / VL,
			     dw_block(x, &win, c0, channels - c0 < VL ? channels - c0 : VL),
			     v_zero(), channels, voff, vmin, vmax, dst);
}

static void dw_direct(const struct ts_x86_conv *x, const int8_t *in, int8_t *out)
{
	const ts_conv_params *p = &x->p;
	ptrdiff_t tap_offset[TS_X86_MAX_TAPS];

	/* Where each tap of a window inside the image is, from its first. */
	for (int32_t ky = 0; x->dw_pairs && ky < p->k_h; ky++)
		for (int32_t kx = 0; kx < p->k_w; kx++)
			tap_offset[ky * p->k_w + kx] =
				((ptrdiff_t)ky * p->dil_h * p->in_w + (ptrdiff_t)kx * p->dil_w) * p->in_c;

	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->in_c;

		for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) *
						    p->out_c;

				if (x->dw_pairs && p->out_c >= 2 * VL)
					dw_pixel_pairs(x, image, oy, ox, tap_offset, dst);
				else
					dw_pixel(x, image, oy, ox, dst);
			}
	}
}

/* One requantization block with the same data in every lane. */
static void uniform_block(int32_t *q, int32_t mult, int32_t left, int32_t right)
{
	for (int32_t l = 0; l < VL; l++) {
		q[TS_X86_Q_BIAS * VL + l] = 0;
		q[TS_X86_Q_MULT * VL + l] = mult;
		q[TS_X86_Q_LMUL * VL + l] = (int32_t)((uint32_t)1 << left);
		q[TS_X86_Q_RSH * VL + l] = right;
		q[TS_X86_Q_RPOW * VL + l] = (int32_t)((uint32_t)1 << (31 - right));
		q[TS_X86_Q_RMASK * VL + l] = (int32_t)(((uint32_t)1 << right) - 1);
	}
}

static bool add_lanes_ok(int32_t mult, int32_t shift)
{
	return mult >= 0 && shift <= 0 && shift >= -31;
}

/* n elements of ADD / SUB, a and b contiguous: TFLite's rescaling, lane by
 * lane with the same rounding (v_requant with 2^left_shift as lmul). */
static void add_run(const ts_add_params *p, const int32_t *q1, const int32_t *q2,
		    const int32_t *qo, const int8_t *a, const int8_t *b, int8_t *out, size_t n)
{
	const vec off1 = v_set1(p->input1_offset), off2 = v_set1(p->input2_offset);
	const vec voff = v_set1(p->output_offset), vmin = v_set1(p->act_min);
	const vec vmax = v_set1(p->act_max);
	size_t i = 0;

	for (; i + VL <= n; i += VL) {
		const vec s1 = v_requant(v_add(v_load_s8_s32(a + i), off1), q1);
		const vec s2 = v_requant(v_add(v_load_s8_s32(b + i), off2), q2);
		const vec raw = p->subtract ? v_sub(s1, s2) : v_add(s1, s2);

		v_store_s8(out + i, v_min(v_max(v_add(v_requant(raw, qo), voff), vmin), vmax));
	}
	if (i < n) {
		int8_t ta[VL] = { 0 }, tb[VL] = { 0 }, to[VL];

		__builtin_memcpy(ta, a + i, n - i);
		__builtin_memcpy(tb, b + i, n - i);
		add_run(p, q1, q2, qo, ta, tb, to, VL);
		__builtin_memcpy(out + i, to, n - i);
	}
}

void X86_FN(ts_add_s8)(const ts_add_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
	const ts_bcast_shape *s = &p->shape;
	int32_t q1[TS_X86_Q_FIELDS * VL], q2[TS_X86_Q_FIELDS * VL], qo[TS_X86_Q_FIELDS * VL];
	size_t o = 0;

	if (!add_lanes_ok(p->input1_mult, p->input1_shift) ||
	    !add_lanes_ok(p->input2_mult, p->input2_shift) ||
	    !add_lanes_ok(p->output_mult, p->output_shift) || p->left_shift < 0 ||
	    p->left_shift > 31 || (!s->flat && (s->a_stride[5] != 1 || s->b_stride[5] != 1))) {
		ts_add_s8_ref(p, a, b, out);
		return;
	}
	uniform_block(q1, p->input1_mult, p->left_shift, -p->input1_shift);
	uniform_block(q2, p->input2_mult, p->left_shift, -p->input2_shift);
	uniform_block(qo, p->output_mult, 0, -p->output_shift);
	if (s->flat) {
		add_run(p, q1, q2, qo, a, b, out, s->count);
		return;
	}
	/* Broadcasting: the innermost dimension is contiguous in both. */
	for (int32_t i0 = 0; i0 < s->dims[0]; i0++)
	for (int32_t i1 = 0; i1 < s->dims[1]; i1++)
	for (int32_t i2 = 0; i2 < s->dims[2]; i2++)
	for (int32_t i3 = 0; i3 < s->dims[3]; i3++)
	for (int32_t i4 = 0; i4 < s->dims[4]; i4++) {
		const size_t ab = (size_t)i0 * s->a_stride[0] + (size_t)i1 * s->a_stride[1] +
				  (size_t)i2 * s->a_stride[2] + (size_t)i3 * s->a_stride[3] +
				  (size_t)i4 * s->a_stride[4];
		const size_t bb = (size_t)i0 * s->b_stride[0] + (size_t)i1 * s->b_stride[1] +
				  (size_t)i2 * s->b_stride[2] + (size_t)i3 * s->b_stride[3] +
				  (size_t)i4 * s->b_stride[4];

		add_run(p, q1, q2, qo, a + ab, b + bb, out + o, (size_t)s->dims[5]);
		o += (size_t)s->dims[5];
	}
}

/* The window of pool output (oy, ox) clipped to the input, as ref's. */
struct pool_window {
	int32_t y0, x0, fy0, fy1, fx0, fx1;
};

static inline struct pool_window pool_window_at(const ts_pool_params *p, int32_t oy, int32_t ox)
{
	struct pool_window w;

	w.y0 = oy * p->stride_h - p->pad_h;
	w.x0 = ox * p->stride_w - p->pad_w;
	w.fy0 = w.y0 < 0 ? -w.y0 : 0;
	w.fy1 = p->in_h - w.y0 < p->filter_h ? p->in_h - w.y0 : p->filter_h;
	w.fx0 = w.x0 < 0 ? -w.x0 : 0;
	w.fx1 = p->in_w - w.x0 < p->filter_w ? p->in_w - w.x0 : p->filter_w;
	return w;
}

/* Sums of channels [c0, c0 + VL) over the window, in int32 (windows of
 * fewer than 2^23 cells: no overflow); n < VL reads through a copy. */
static inline vec pool_sum(const ts_pool_params *p, const int8_t *image,
			   const struct pool_window *w, int32_t c0, int32_t n)
{
	vec acc = v_zero();

	for (int32_t fy = w->fy0; fy < w->fy1; fy++)
		for (int32_t fx = w->fx0; fx < w->fx1; fx++) {
			const int8_t *src = image + ((size_t)(w->y0 + fy) * p->in_w + w->x0 + fx) *
						    p->depth + c0;
			int8_t part[VL] = { 0 };

			if (n < VL) {
				__builtin_memcpy(part, src, (size_t)n);
				src = part;
			}
			acc = v_add(acc, v_load_s8_s32(src));
		}
	return acc;
}

void X86_FN(ts_avgpool_s8)(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	if ((int64_t)p->filter_h * p->filter_w >= (1 << 23)) {
		ts_avgpool_s8_ref(p, in, out);
		return;
	}
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->depth;

		for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const struct pool_window w = pool_window_at(p, oy, ox);
				const int32_t count = (w.fy1 > w.fy0 ? w.fy1 - w.fy0 : 0) *
						      (w.fx1 > w.fx0 ? w.fx1 - w.fx0 : 0);
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) *
						    p->depth;

				for (int32_t c0 = 0; c0 < p->depth; c0 += VL) {
					const int32_t n = p->depth - c0 < VL ? p->depth - c0 : VL;
					int32_t sums[VL];

					v_store(sums, pool_sum(p, image, &w, c0, n));
					/* ref's rounding division, lane by lane (an empty
					 * window writes the floor, as ref does). */
					for (int32_t i = 0; i < n; i++) {
						int32_t v = count == 0 ? p->act_min :
							    sums[i] > 0 ? (sums[i] + count / 2) / count :
									  (sums[i] - count / 2) / count;

						v = v < p->act_min ? p->act_min : v;
						dst[c0 + i] = (int8_t)(v > p->act_max ? p->act_max : v);
					}
				}
			}
	}
}

void X86_FN(ts_maxpool_s8)(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	const __m128i lo = _mm_set1_epi8((char)p->act_min), hi = _mm_set1_epi8((char)p->act_max);

	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->depth;

		for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const struct pool_window w = pool_window_at(p, oy, ox);
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) *
						    p->depth;

				/* Sixteen channels at a time with PMAXSB. */
				for (int32_t c0 = 0; c0 < p->depth; c0 += 16) {
					const int32_t n = p->depth - c0 < 16 ? p->depth - c0 : 16;
					__m128i m = _mm_set1_epi8(-128);
					int8_t part[16];

					for (int32_t fy = w.fy0; fy < w.fy1; fy++)
						for (int32_t fx = w.fx0; fx < w.fx1; fx++) {
							const int8_t *src = image +
								((size_t)(w.y0 + fy) * p->in_w + w.x0 + fx) *
								p->depth + c0;

							if (n < 16) {
								__builtin_memcpy(part, src, (size_t)n);
								src = part;
							}
							m = _mm_max_epi8(m, _mm_loadu_si128(
								(const __m128i *)(const void *)src));
						}
					m = _mm_min_epi8(_mm_max_epi8(m, lo), hi);
					if (n == 16) {
						_mm_storeu_si128((__m128i *)(void *)(dst + c0), m);
					} else {
						_mm_storeu_si128((__m128i *)(void *)part, m);
						__builtin_memcpy(dst + c0, part, (size_t)n);
					}
				}
			}
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
	row_t row[TS_X86_MAX_ROW];

	if (!x->packed) {
		ts_fc_s8_ref(p, in, filter, bias, out);
		return;
	}
	__builtin_memset(row + x->g.k, 0, (size_t)(x->g.k2 - x->g.k) * sizeof(row[0]));
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *src = in + (size_t)b * p->accum_depth;
		uint32_t sum = 0;

		row_from_s8(row, src, p->accum_depth);
		if (p->filter_offset)
			for (int32_t i = 0; i < p->accum_depth; i++)
				sum += (uint32_t)src[i];
		/* The per-inference part of the filter offset (pack.c). */
		gemm_pixel(&x->g, row, (int32_t)(sum * (uint32_t)p->filter_offset), p->out_depth,
			   p->output_offset, p->act_min, p->act_max,
			   out + (size_t)b * p->out_depth);
	}
}
