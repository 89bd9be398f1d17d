/* SPDX-License-Identifier: MIT */
/*
 * The "armdsp" kernel set (arm_dsp.h): CONV_2D (two output channels at a
 * time, whole filter rows as one run when the window is inside the input)
 * and FULLY_CONNECTED with SMLAD dot products; every other kernel is ref's.
 *
 * Four int8 weights and four int8 inputs are loaded as one word each and
 * split into even and odd bytes sign-extended to int16 pairs (SXTB16); the
 * input's offset (-zero point) is added in the same step (SXTAB16), giving
 * values in [-255, 255]; SMLAD adds both products to the accumulator.  Its
 * additions wrap like ref's uint32 sum, so every accumulator, and then the
 * requantization (the same code as ref), is identical.
 */
#include "arm_dsp.h"

#if TS_KERNELS_ARM_DSP

#include <arm_acle.h>

#include "tinysense/kernels.h"

#include "../core/fixedpoint.h"

/* acc + sum over i < n of w[i] * (x[i] + offset), wrapping; off2 holds the
 * offset in both halfwords. */
static inline uint32_t dot_s8(const int8_t *w, const int8_t *x, int32_t n, int32_t offset,
			      int16x2_t off2, uint32_t acc)
{
	int32_t sum = (int32_t)acc;
	int32_t i = 0;

	for (; i + 4 <= n; i += 4) {
		uint32_t wv, xv;

		/* Unaligned word loads (fine on Armv7-M/v8-M); lib/ is built
		 * -ffreestanding, so plain memcpy would be a call. */
		__builtin_memcpy(&wv, w + i, 4);
		__builtin_memcpy(&xv, x + i, 4);
		sum = __smlad(__sxtb16((int8x4_t)wv), __sxtab16(off2, (int8x4_t)xv), sum);
		sum = __smlad(__sxtb16((int8x4_t)((wv >> 8) | (wv << 24))),
			      __sxtab16(off2, (int8x4_t)((xv >> 8) | (xv << 24))), sum);
	}
	acc = (uint32_t)sum;
	for (; i < n; i++)
		acc += (uint32_t)(w[i] * (x[i] + offset));
	return acc;
}

static int16x2_t pair(int32_t offset)
{
	return (int16x2_t)(((uint32_t)offset & 0xffffu) | ((uint32_t)offset << 16));
}

/* Two filters against one input run: acc[k] += sum w_k[i] * (x[i] + offset).
 * The input is loaded and widened once for both. */
static inline void dot2_s8(const int8_t *w0, const int8_t *w1, const int8_t *x, int32_t n,
			   int32_t offset, int16x2_t off2, uint32_t acc[2])
{
	int32_t s0 = (int32_t)acc[0], s1 = (int32_t)acc[1];
	int32_t i = 0;

	for (; i + 4 <= n; i += 4) {
		uint32_t xv, wv0, wv1;

		__builtin_memcpy(&xv, x + i, 4);
		__builtin_memcpy(&wv0, w0 + i, 4);
		__builtin_memcpy(&wv1, w1 + i, 4);
		const int16x2_t x02 = __sxtab16(off2, (int8x4_t)xv);
		const int16x2_t x13 = __sxtab16(off2, (int8x4_t)((xv >> 8) | (xv << 24)));

		s0 = __smlad(__sxtb16((int8x4_t)wv0), x02, s0);
		s0 = __smlad(__sxtb16((int8x4_t)((wv0 >> 8) | (wv0 << 24))), x13, s0);
		s1 = __smlad(__sxtb16((int8x4_t)wv1), x02, s1);
		s1 = __smlad(__sxtb16((int8x4_t)((wv1 >> 8) | (wv1 << 24))), x13, s1);
	}
	acc[0] = (uint32_t)s0;
	acc[1] = (uint32_t)s1;
	for (; i < n; i++) {
		acc[0] += (uint32_t)(w0[i] * (x[i] + offset));
		acc[1] += (uint32_t)(w1[i] * (x[i] + offset));
	}
}

/*
 * The window of one output pixel against filters f0 and f1 (the same
 * group).  Without groups and dilation, a filter row [kx][c] is one
 * contiguous run of the input row when the window lies inside it: one dot
 * product per row.  Otherwise one per tap, skipping the padding as ref does.
 */
static void window_acc(const ts_conv_params *p, const int8_t *in_b, int32_t y0, int32_t x0,
		       int32_t ic0, const int8_t *f0, const int8_t *f1, int16x2_t off2,
		       uint32_t acc[2])
{
	const int32_t gc = p->depth_multiplier;
	const int whole_rows = gc == p->in_c && p->dil_w == 1 && x0 >= 0 && x0 + p->k_w <= p->in_w;

	for (int32_t ky = 0; ky < p->k_h; ky++) {
		const int32_t y = y0 + ky * p->dil_h;
		const size_t fo = (size_t)ky * p->k_w * gc;
		const int8_t *row;

		if (y < 0 || y >= p->in_h)
			continue;
		row = in_b + (size_t)y * p->in_w * p->in_c + ic0;
		if (whole_rows) {
			dot2_s8(f0 + fo, f1 + fo, row + (size_t)x0 * p->in_c, p->k_w * gc,
				p->input_offset, off2, acc);
			continue;
		}
		for (int32_t kx = 0; kx < p->k_w; kx++) {
			const int32_t x = x0 + kx * p->dil_w;

			if (x < 0 || x >= p->in_w)
				continue;
			dot2_s8(f0 + fo + (size_t)kx * gc, f1 + fo + (size_t)kx * gc,
				row + (size_t)x * p->in_c, gc, p->input_offset, off2, acc);
		}
	}
}

static int8_t requantize(const ts_conv_params *p, uint32_t acc, const int32_t *bias, int32_t oc)
{
	if (bias)
		acc += (uint32_t)bias[oc];
	const int32_t v = ts_mul_by_quantized_multiplier((int32_t)acc, p->out_mult[oc],
							 p->out_shift[oc]);
	return (int8_t)ts_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
}

static void conv_s8_armdsp(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
			   const int32_t *bias, int8_t *out)
{
	/* Filter is [out_c][k_h][k_w][group_c]; groups = in_c / group_c. */
	const int32_t group_c = p->depth_multiplier;
	const int32_t per_group = p->out_c / (p->in_c / group_c);
	const size_t filter_size = (size_t)p->k_h * p->k_w * group_c;
	const int16x2_t off2 = pair(p->input_offset);

	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *in_b = in + (size_t)b * p->in_h * p->in_w * p->in_c;

		for (int32_t oy = 0; oy < p->out_h; oy++) {
			const int32_t y0 = oy * p->stride_h - p->pad_h;

			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const int32_t x0 = ox * p->stride_w - p->pad_w;
				int8_t *o = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;

				for (int32_t oc = 0; oc < p->out_c;) {
					/* A pair of channels of one group; at a group's
					 * end or the last channel, oc alone (twice). */
					const int32_t oc1 = oc + 1 < p->out_c &&
							    (oc + 1) / per_group == oc / per_group ? oc + 1 : oc;
					uint32_t acc[2] = { 0, 0 };

					window_acc(p, in_b, y0, x0, (oc / per_group) * group_c,
						   filter + (size_t)oc * filter_size,
						   filter + (size_t)oc1 * filter_size, off2, acc);
					o[oc] = requantize(p, acc[0], bias, oc);
					o[oc1] = requantize(p, acc[1], bias, oc1);
					oc = oc1 + 1;
				}
			}
		}
	}
}

static void fc_s8_armdsp(const ts_fc_params *p, const int8_t *in, const int8_t *filter,
			 const int32_t *bias, int8_t *out)
{
	const int16x2_t off2 = pair(p->input_offset);

	if (p->filter_offset != 0) { /* asymmetric weights: rare, left to ref */
		ts_fc_s8_ref(p, in, filter, bias, out);
		return;
	}
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *x = in + (size_t)b * p->accum_depth;

		for (int32_t o = 0; o < p->out_depth; o++) {
			const int32_t ch = p->per_channel ? o : 0;
			uint32_t acc = dot_s8(filter + (size_t)o * p->accum_depth, x, p->accum_depth,
					      p->input_offset, off2, 0);
			int32_t v;

			if (bias)
				acc += (uint32_t)bias[o];
			v = ts_mul_by_quantized_multiplier((int32_t)acc, p->out_mult[ch],
							   p->out_shift[ch]);
			out[(size_t)b * p->out_depth + o] =
				(int8_t)ts_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
		}
	}
}

/* The other kernels are ref's (NULL, kernels.h). */
const ts_kernel_table ts_kernels_armdsp = {
	.name = "armdsp",
	.cpu_needs = TS_CPU_ARM_DSP,
	.conv_s8 = conv_s8_armdsp,
	.fc_s8 = fc_s8_armdsp,
};

#endif /* TS_KERNELS_ARM_DSP */
