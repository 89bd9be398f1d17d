/* SPDX-License-Identifier: MIT */
/* DEPTHWISE_CONV_2D: channel-parallel for depth multiplier 1, the
 * row product for one input channel (conv_body.h's conv_gemm).
 * Part of kernels_body.h (compiled once per x86 set). */

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
		/* The row, then a column inside it: x0 may be in the padding, so
		 * no pointer is made from it alone. */
		const int8_t *row = win->image +
				    (size_t)(win->y0 + ky * p->dil_h) * p->in_w * p->in_c + c0;
		const int16_t *w = x->dw_w + (size_t)ky * p->k_w * x->dw_cpad + c0;

		for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
			const int8_t *src = row + (size_t)(win->x0 + kx * p->dil_w) * p->in_c;
			const vec prod = v_mullo16(
				v_add16(v_load_s8_s16(src), off),
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
		/* As dw_group: the row, then a column inside it. */
		const int8_t *row = win->image +
				    (size_t)(win->y0 + ky * p->dil_h) * p->in_w * p->in_c + c0;
		const int16_t *w = x->dw_w + (size_t)ky * p->k_w * x->dw_cpad + c0;

		for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
			const int8_t *s = row + (size_t)(win->x0 + kx * p->dil_w) * p->in_c;
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

		ts_valid_taps(y0, p->dil_h, p->in_h, p->k_h, &win.ky0, &win.ky1);
		ts_valid_taps(x0, p->dil_w, p->in_w, p->k_w, &win.kx0, &win.kx1);
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

	ts_valid_taps(win.y0, p->dil_h, p->in_h, p->k_h, &win.ky0, &win.ky1);
	ts_valid_taps(win.x0, p->dil_w, p->in_w, p->k_w, &win.kx0, &win.kx1);
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
