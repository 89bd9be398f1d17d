/* SPDX-License-Identifier: MIT */
/* DEPTHWISE_CONV_2D (int8): depth multipliers and channel order, padding,
 * strides, dilation, per-channel scales, rejects, and a randomized
 * differential test against an independent TFLite reference (its shared
 * parts in op_model.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- DEPTHWISE_CONV_2D ----------------------------------------------------- */

static tb_field dw_fields[7];

/* DepthwiseConv2DOptions: padding(0) stride_w(1) stride_h(2)
 * depth_multiplier(3) activation(4) dilation_w(5) dilation_h(6). */
static opspec dw_spec(int pad, int sw, int sh, int dm, int act, int dw, int dh)
{
	const tb_field f[7] = {
		TB_FIELD_I8(0, pad), TB_FIELD_I32(1, sw), TB_FIELD_I32(2, sh),
		TB_FIELD_I32(3, dm), TB_FIELD_I8(4, act), TB_FIELD_I32(5, dw),
		TB_FIELD_I32(6, dh),
	};
	const opspec op = { 4, 2, dw_fields, 7 };

	memcpy(dw_fields, f, sizeof(f));
	return op;
}

/*
 * Unit multiplier throughout the hand cases: scales 1 * 1 / 1 -> m = 2^30,
 * shift +1, out = acc exactly.
 *
 * depth multiplier 1: 1x2x2x2 input, channel 0 = [1, 2, 3, 4] and channel 1
 * = [10, 20, 30, 40] over pixels (0,0) (0,1) (1,0) (1,1) (stored
 * interleaved: 1,10, 2,20, 3,30, 4,40); filter [1,2,2,2] with channel 0
 * taps [1, 0, 0, 1] and channel 1 taps [0, 1, -1, 0] (stored per tap:
 * 1,0, 0,1, 0,-1, 1,0).  VALID -> 1x1x1x2:
 *   out c0 = 1*1 + 4*1 = 5;   out c1 = 20*1 + 30*(-1) = -10.
 * Each channel sees only its own input channel.
 * With bias [100, -100]: 105, -110.
 */
static void test_dw_multiplier1(void **state)
{
	const int8_t in[8] = { 1, 10, 2, 20, 3, 30, 4, 40 };
	const int8_t f[8] = { 1, 0, 0, 1, 0, -1, 1, 0 };
	const int32_t bias[2] = { 100, -100 };
	const int8_t want[2] = { 5, -10 };
	const int8_t want_bias[2] = { 105, -110 };
	const opspec op = dw_spec(TB_PAD_VALID, 1, 1, 1, TB_ACT_NONE, 1, 1);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 1.0f, 0, in, 8, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 1.0f, 0, f, 8, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 1.0f, 0, bias, sizeof(bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 1, 2), 1.0f, 0, NULL, 0, 0 };
	int8_t got[2];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want_bias, sizeof(want_bias));
}

/*
 * depth multiplier 2: output channel = in_channel * 2 + m.  Input 1x1x2x2,
 * pixel 0 = [3, -5], pixel 1 = [-4, 6]; 1x1 filter, weights per output
 * channel [1, 2, 10, -1]:
 *   oc0 = ic0 * 1, oc1 = ic0 * 2, oc2 = ic1 * 10, oc3 = ic1 * -1
 *   pixel 0: 3, 6, -50, 5         pixel 1: -4, -8, 60, -6
 * (the other order, oc = m * in_c + ic, would give oc1 = -5 * 2 = -10.)
 * With bias [1, 2, 3, 4]: 4, 8, -47, 9 / -3, -6, 63, -2.
 */
static void test_dw_multiplier2_order(void **state)
{
	const int8_t in[4] = { 3, -5, -4, 6 };
	const int8_t f[4] = { 1, 2, 10, -1 };
	const int32_t bias[4] = { 1, 2, 3, 4 };
	const int8_t want[8] = { 3, 6, -50, 5, -4, -8, 60, -6 };
	const int8_t want_bias[8] = { 4, 8, -47, 9, -3, -6, 63, -2 };
	opspec op = dw_spec(TB_PAD_VALID, 1, 1, 2, TB_ACT_NONE, 1, 1);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 1, 2, 2), 1.0f, 0, in, 4, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 4), 1.0f, 0, f, 4, 1 },
		{ TB_TYPE_INT32, SHAPE(4), 0.0f, 0, bias, sizeof(bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 2, 4), 1.0f, 0, NULL, 0, 0 };
	int8_t got[8];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want_bias, sizeof(want_bias));
	/* depth_multiplier 0 in the options (old converters): taken from the
	 * filter */
	op = dw_spec(TB_PAD_VALID, 1, 1, 0, TB_ACT_NONE, 1, 1);
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want_bias, sizeof(want_bias));
}

/*
 * SAME, stride 2, two channels: 4x4 input, channel 0 in(y,x) = 4y + x,
 * channel 1 all ones; 3x3 filter of ones for both.  out 2x2, total padding
 * (2-1)*2 + 3 - 4 = 1: 0 top/left, 1 bottom/right.
 *   channel 0: (0,0) rows 0-2 cols 0-2 = 45, (0,1) rows 0-2 cols 2-3 = 39,
 *              (1,0) rows 2-3 cols 0-2 = 66, (1,1) rows 2-3 cols 2-3 = 50
 *   channel 1: in-image cell counts 9, 6, 6, 4.
 * VALID stride 1 on the same input: 2x2 windows at rows 0-2/1-3, cols
 * 0-2/1-3: channel 0 = 45, 54, 81, 90 (each step right +9, down +36);
 * channel 1 = 9 everywhere.
 */
static void test_dw_same_valid_stride(void **state)
{
	int8_t in[32];
	int8_t f[18];
	const int8_t want_same[8] = { 45, 9, 39, 6, 66, 6, 50, 4 };
	const int8_t want_valid[8] = { 45, 9, 54, 9, 81, 9, 90, 9 };
	opspec op = dw_spec(TB_PAD_SAME, 2, 2, 1, TB_ACT_NONE, 1, 1);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 4, 4, 2), 1.0f, 0, in, 32, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 2), 1.0f, 0, f, 18, 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 1.0f, 0, NULL, 0, 0 };
	int8_t got[8];

	(void)state;
	for (int i = 0; i < 16; i++) {
		in[2 * i] = (int8_t)i;
		in[2 * i + 1] = 1;
	}
	memset(f, 1, sizeof(f));
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_same, sizeof(want_same));
	op = dw_spec(TB_PAD_VALID, 1, 1, 1, TB_ACT_NONE, 1, 1);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_valid, sizeof(want_valid));
}

/*
 * Dilation 2 with depth multiplier 2: 5x5x1 input in(y,x) = 5y + x, 2x2
 * filter spanning 3x3; m = 0 taps [[1,-1],[2,0]], m = 1 the negation.
 *   m0: in(y,x) - in(y,x+2) + 2 in(y+2,x) = 18 + 10y + 2x  (y, x in 0..2)
 *   m1: -(18 + 10y + 2x)
 * Dilation only along h (dilation_h 2, dilation_w 1): out 3x4,
 *   m0: in(y,x) - in(y,x+1) + 2 in(y+2,x) = -1 + 2(5y + 10 + x) - 0
 *       = 5y + x - 5y - x - 1 + 10y + 20 + 2x = 19 + 10y + 2x.
 */
static void test_dw_dilation(void **state)
{
	int8_t in[25], want[24];
	const int8_t f[8] = { 1, -1, -1, 1, 2, -2, 0, 0 };
	opspec op = dw_spec(TB_PAD_VALID, 1, 1, 2, TB_ACT_NONE, 2, 2);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 5, 5, 1), 1.0f, 0, in, 25, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 1.0f, 0, f, 8, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 3, 3, 2), 1.0f, 0, NULL, 0, 0 };
	int8_t got[24];

	(void)state;
	for (int i = 0; i < 25; i++)
		in[i] = (int8_t)i;
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 3; x++) {
			want[(y * 3 + x) * 2] = (int8_t)(18 + 10 * y + 2 * x);
			want[(y * 3 + x) * 2 + 1] = (int8_t)-(18 + 10 * y + 2 * x);
		}
	run_ok(&op, ins, 2, &out, got, 18);
	assert_memory_equal(got, want, 18);

	op = dw_spec(TB_PAD_VALID, 1, 1, 2, TB_ACT_NONE, 1, 2);
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 3, 4, 2), 1.0f, 0, NULL, 0, 0 };
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 4; x++) {
			want[(y * 4 + x) * 2] = (int8_t)(19 + 10 * y + 2 * x);
			want[(y * 4 + x) * 2 + 1] = (int8_t)-(19 + 10 * y + 2 * x);
		}
	run_ok(&op, ins, 2, &out, got, 24);
	assert_memory_equal(got, want, 24);
}

/*
 * Per-channel scales along dimension 3.  Input 1x1x2x1 [10, -7], depth
 * multiplier 3, filter [1,1,1,3] of ones, scales [1, 0.5, 0.25], output
 * scale 1: multipliers 1 (2^30, +1), 0.5 (2^30, 0), 0.25 (2^30, -1):
 *   oc0: 10, -7
 *   oc1: SRDHM(10, 2^30) = 5; SRDHM(-7, 2^30) = -3.5 -> -3 (half up)
 *   oc2: 5 -> RDBPOT(5, 1) = 2.5 -> 3;  -3 -> -1.5 -> -2
 * Per-tensor 0.25: 3, 3, 3 / -2, -2, -2.
 * Fused RELU with output zp -1: min -1 -> oc values -7, -3, -2 become -1
 * after adding the zero point (-8, -4, -3 -> -1); 9, 4, 2 stay.
 */
static void test_dw_per_channel(void **state)
{
	const int8_t in[2] = { 10, -7 };
	const int8_t f[3] = { 1, 1, 1 };
	const float scales[3] = { 1.0f, 0.5f, 0.25f };
	const int8_t want_pc[6] = { 10, 5, 3, -7, -3, -2 };
	const int8_t want_pt[6] = { 3, 3, 3, -2, -2, -2 };
	const int8_t want_relu[6] = { 9, 4, 2, -1, -1, -1 };
	opspec op = dw_spec(TB_PAD_VALID, 1, 1, 3, TB_ACT_NONE, 1, 1);
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 1, 2, 1), 1.0f, 0, in, 2, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 3), 0.0f, 0, f, 3, 1, scales, 3, 3 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 2, 3), 1.0f, 0, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_pc, sizeof(want_pc));

	out.zp = -1;
	op = dw_spec(TB_PAD_VALID, 1, 1, 3, TB_ACT_RELU, 1, 1);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_relu, sizeof(want_relu));
	out.zp = 0;
	op = dw_spec(TB_PAD_VALID, 1, 1, 3, TB_ACT_NONE, 1, 1);

	ins[1].nscales = 0;
	ins[1].scale = 0.25f;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_pt, sizeof(want_pt));

	/* depthwise filters are quantized along dimension 3, not 0 */
	ins[1].nscales = 3;
	ins[1].qdim = 0;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "dimension");
	ins[1].qdim = 3;
	ins[1].nscales = 2;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "scales");
	/* filter zero point must be 0 */
	ins[1].nscales = 0;
	ins[1].zp = 1;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "filter zero point");
}

static void test_dw_rejects(void **state)
{
	const int8_t in[8] = { 0 };
	const int8_t f[16] = { 0 };
	opspec op = dw_spec(TB_PAD_VALID, 1, 1, 3, TB_ACT_NONE, 1, 1);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 0.5f, 0, in, 8, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 4), 0.5f, 0, f, 4, 1 },
		{ TB_TYPE_INT32, SHAPE(3), 0.0f, 0, f, 12, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 4), 1.0f, 0, NULL, 0, 0 };

	(void)state;
	/* filter of 4 channels on 2 input channels is multiplier 2, option 3 */
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "depth_multiplier");
	op = dw_spec(TB_PAD_VALID, 1, 1, 1, TB_ACT_NONE, 1, 1);
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "depth_multiplier");
	op = dw_spec(TB_PAD_VALID, 1, 1, 2, TB_ACT_NONE, 1, 1);
	/* output shape disagreeing with the computed one */
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 1.0f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "output shape");
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 4), 1.0f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "output shape");
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 2, 4), 1.0f, 0, NULL, 0, 0 };
	/* bias of 3 for 4 output channels */
	expect_reject(&op, ins, 3, &out, TS_ERR_SHAPE, "bias");
	/* 3 filter channels for 2 input channels; filter dim 0 not 1 */
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 3), 0.5f, 0, f, 3, 1 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "filter");
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(2, 1, 1, 4), 0.5f, 0, f, 8, 1 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "filter");
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 4), 0.5f, 0, f, 4, 1 };
	/* strides, dilations */
	op = dw_spec(TB_PAD_VALID, 0, 1, 2, TB_ACT_NONE, 1, 1);
	expect_reject(&op, ins, 2, &out, TS_ERR_MALFORMED, "stride");
	op = dw_spec(TB_PAD_VALID, 1, 1, 2, TB_ACT_NONE, 1, 0);
	expect_reject(&op, ins, 2, &out, TS_ERR_MALFORMED, "dilation");
	op = dw_spec(TB_PAD_VALID, 1, 1, 2, TB_ACT_TANH, 1, 1);
	expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "activation");
}

/* ---- randomized differential test against the in-file reference -------- */

struct dw_case {
	int32_t batches, in_h, in_w, in_c, dm, out_c, k_h, k_w;
	int32_t stride_h, stride_w, dil_h, dil_w, same, act;
	int32_t out_h, out_w, pad_h, pad_w;
	int32_t in_zp, out_zp;
	float in_scale, out_scale, f_scales[24];
	int per_channel, has_bias, option_dm;
};

/* TFLite reference_integer_ops::DepthwiseConvPerChannel, written plainly. */
static void ref_dw(const struct dw_case *c, const int8_t *in, const int8_t *f,
		   const int32_t *bias, int8_t *out)
{
	int32_t m[24], lo, hi;
	int shift[24];

	for (int32_t oc = 0; oc < c->out_c; oc++) {
		const float fs = c->f_scales[c->per_channel ? oc : 0];

		ref_quantize_multiplier((double)c->in_scale * (double)fs /
					(double)c->out_scale, &m[oc], &shift[oc]);
	}
	ref_act_range(c->act, c->out_scale, c->out_zp, &lo, &hi);
	for (int32_t b = 0; b < c->batches; b++)
	for (int32_t oy = 0; oy < c->out_h; oy++)
	for (int32_t ox = 0; ox < c->out_w; ox++)
	for (int32_t ic = 0; ic < c->in_c; ic++)
	for (int32_t mm = 0; mm < c->dm; mm++) {
		const int32_t oc = mm + ic * c->dm;
		uint32_t acc = 0;

		for (int32_t ky = 0; ky < c->k_h; ky++)
		for (int32_t kx = 0; kx < c->k_w; kx++) {
			const int32_t y = oy * c->stride_h - c->pad_h + ky * c->dil_h;
			const int32_t x = ox * c->stride_w - c->pad_w + kx * c->dil_w;

			if (y < 0 || y >= c->in_h || x < 0 || x >= c->in_w)
				continue;
			acc += (uint32_t)(f[(ky * c->k_w + kx) * c->out_c + oc] *
					  (in[((b * c->in_h + y) * c->in_w + x) * c->in_c + ic] -
					   c->in_zp));
		}
		if (bias)
			acc += (uint32_t)bias[oc];
		out[((b * c->out_h + oy) * c->out_w + ox) * c->out_c + oc] =
			ref_requant((int32_t)acc, m[oc], shift[oc], c->out_zp, lo, hi);
	}
}

static void random_dw_case(struct dw_case *c)
{
	const int acts[6] = { TB_ACT_NONE, TB_ACT_NONE, TB_ACT_NONE, TB_ACT_RELU,
			      TB_ACT_RELU6, TB_ACT_RELU_N1_TO_1 };
	double target;

	do {
		memset(c, 0, sizeof(*c));
		c->batches = rng_int(1, 2);
		c->in_h = rng_int(1, 10);
		c->in_w = rng_int(1, 10);
		c->in_c = rng_int(1, 6);
		c->dm = rng_int(1, 3) == 1 ? rng_int(2, 4) : 1;
		c->out_c = c->in_c * c->dm;
		c->k_h = rng_int(1, 5);
		c->k_w = rng_int(1, 5);
		c->stride_h = rng_int(1, 3);
		c->stride_w = rng_int(1, 3);
		c->dil_h = rng_int(1, 4) == 1 ? rng_int(2, 3) : 1;
		c->dil_w = rng_int(1, 4) == 1 ? rng_int(2, 3) : 1;
		c->same = rng_int(0, 1);
		c->out_h = ref_out_size(c->same, c->in_h, c->k_h, c->stride_h, c->dil_h);
		c->out_w = ref_out_size(c->same, c->in_w, c->k_w, c->stride_w, c->dil_w);
	} while (c->out_h < 1 || c->out_w < 1);
	c->pad_h = ref_pad(c->stride_h, c->dil_h, c->in_h, c->k_h, c->out_h);
	c->pad_w = ref_pad(c->stride_w, c->dil_w, c->in_w, c->k_w, c->out_w);
	c->act = acts[rng_int(0, 5)];
	c->option_dm = rng_int(0, 4) == 0 ? 0 : c->dm;
	c->in_zp = rng_int(0, 9) == 0 ? (rng_int(0, 1) ? 127 : -128) : rng_int(-128, 127);
	c->out_zp = rng_int(0, 9) == 0 ? (rng_int(0, 1) ? 127 : -128) : rng_int(-128, 127);
	c->in_scale = rng_pow2(-10, -2);
	c->per_channel = rng_int(0, 1);
	for (int32_t oc = 0; oc < c->out_c; oc++)
		c->f_scales[oc] = rng_pow2(-10, -4);
	c->has_bias = rng_int(0, 3) != 0;
	target = rng_int(0, 9) == 0 ? exp2(rng_int(0, 20) / 10.0)
				    : exp2((rng_u32() / 4294967296.0) * 4 - 3) /
				      (256 * sqrt(c->k_h * c->k_w));
	c->out_scale = (float)((double)c->in_scale * c->f_scales[0] / target);
}

static void test_dw_random_differential(void **state)
{
	int n_pc = 0, n_dm = 0, n_dil = 0, n_same = 0, n_stride = 0;

	(void)state;
	rng_seed(0xd3a7e5c0ffeeull);
	for (int iter = 0; iter < 400; iter++) {
		struct dw_case c;
		int8_t *in, *f, *want, *got;
		int32_t *bias;
		size_t n_in, n_f, n_out;

		random_dw_case(&c);
		n_in = (size_t)c.batches * c.in_h * c.in_w * c.in_c;
		n_f = (size_t)c.k_h * c.k_w * c.out_c;
		n_out = (size_t)c.batches * c.out_h * c.out_w * c.out_c;
		in = malloc(n_in);
		f = malloc(n_f);
		bias = malloc(sizeof(int32_t) * (size_t)c.out_c);
		want = malloc(n_out);
		got = malloc(n_out);
		assert_non_null(in);
		assert_non_null(f);
		assert_non_null(bias);
		assert_non_null(want);
		assert_non_null(got);
		rng_fill_i8(in, n_in, -128, 127);
		rng_fill_i8(f, n_f, -127, 127);
		for (int32_t oc = 0; oc < c.out_c; oc++)
			bias[oc] = rng_int(-20000, 20000);
		ref_dw(&c, in, f, c.has_bias ? bias : NULL, want);
		{
			const opspec op = dw_spec(c.same ? TB_PAD_SAME : TB_PAD_VALID,
						  c.stride_w, c.stride_h, c.option_dm,
						  c.act, c.dil_w, c.dil_h);
			tspec ins[3] = {
				{ TB_TYPE_INT8, { c.batches, c.in_h, c.in_w, c.in_c }, 4,
				  c.in_scale, c.in_zp, in, n_in, 0 },
				{ TB_TYPE_INT8, { 1, c.k_h, c.k_w, c.out_c }, 4,
				  c.f_scales[0], 0, f, n_f, 1,
				  c.per_channel ? c.f_scales : NULL,
				  c.per_channel ? (size_t)c.out_c : 0, 3 },
				{ TB_TYPE_INT32, { c.out_c }, 1, 0.0f, 0, bias,
				  sizeof(int32_t) * (size_t)c.out_c, 1 },
			};
			const tspec out = { TB_TYPE_INT8, { c.batches, c.out_h, c.out_w, c.out_c }, 4,
					    c.out_scale, c.out_zp, NULL, 0, 0 };

			memset(got, 0x5a, n_out);
			run_ok(&op, ins, c.has_bias ? 3 : 2, &out, got, n_out);
		}
		if (memcmp(got, want, n_out) != 0) {
			size_t i = 0;

			while (got[i] == want[i])
				i++;
			print_error("case %d: in %dx%dx%dx%d dm %d filter %dx%d stride %d,%d "
				    "dil %d,%d %s act %d pc %d bias %d zp %d/%d scales %g/%g/%g: "
				    "element %zu got %d want %d\n",
				    iter, c.batches, c.in_h, c.in_w, c.in_c, c.dm, c.k_h, c.k_w,
				    c.stride_h, c.stride_w, c.dil_h, c.dil_w,
				    c.same ? "SAME" : "VALID", c.act, c.per_channel, c.has_bias,
				    c.in_zp, c.out_zp, (double)c.in_scale,
				    (double)c.f_scales[0], (double)c.out_scale, i, got[i], want[i]);
			fail();
		}
		n_pc += c.per_channel;
		n_dm += c.dm > 1;
		n_dil += c.dil_h > 1 || c.dil_w > 1;
		n_same += c.same;
		n_stride += c.stride_h > 1 || c.stride_w > 1;
		free(in);
		free(f);
		free(bias);
		free(want);
		free(got);
	}
	assert_true(n_pc > 100 && n_dm > 80 && n_dil > 50 && n_same > 100 && n_stride > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dw_multiplier1),
		cmocka_unit_test(test_dw_multiplier2_order),
		cmocka_unit_test(test_dw_same_valid_stride),
		cmocka_unit_test(test_dw_dilation),
		cmocka_unit_test(test_dw_per_channel),
		cmocka_unit_test(test_dw_rejects),
		cmocka_unit_test(test_dw_random_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
