/* SPDX-License-Identifier: MIT */
/* CONV_2D (im2col row per output pixel, one row product) and
 * FULLY_CONNECTED (the input row, one row product per batch).
 * Part of kernels_body.h (compiled once per x86 set). */

/* The im2col row of output pixel (oy, ox) of image `in`: [k_h][k_w][in_c],
 * taps outside the input hold the zero point zp. */
static void conv_row(const ts_conv_params *p, const int8_t *in, int32_t oy, int32_t ox,
		     int16_t zp, row_t *row)
{
	const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
	const int32_t run = p->k_w * p->in_c;
	int32_t kx0, kx1;

	ts_valid_taps(x0, p->dil_w, p->in_w, p->k_w, &kx0, &kx1);
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

void X86_FN(ts_conv_s8)(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			const int32_t *bias, int8_t *out)
{
	const struct ts_x86_conv *x = (const struct ts_x86_conv *)(const void *)p;

	if (x->kind == TS_X86_GEMM)
		conv_gemm(x, in, out);
	else
		ts_conv_s8_ref(p, in, filter, bias, out);
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
