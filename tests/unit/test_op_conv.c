/* SPDX-License-Identifier: MIT */
/* CONV_2D (int8): hand-checked cases, padding/stride/dilation/groups,
 * per-channel scales, activations, saturation, rejects, and a randomized
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

/* ---- CONV_2D -------------------------------------------------------------- */

static tb_field conv_fields[6];

/* Conv2DOptions: padding(0) stride_w(1) stride_h(2) activation(3)
 * dilation_w(4) dilation_h(5). */
static opspec conv_spec(int pad, int sw, int sh, int act, int dw, int dh)
{
	const tb_field f[6] = {
		TB_FIELD_I8(0, pad), TB_FIELD_I32(1, sw), TB_FIELD_I32(2, sh),
		TB_FIELD_I8(3, act), TB_FIELD_I32(4, dw), TB_FIELD_I32(5, dh),
	};
	const opspec op = { 3, 1, conv_fields, 6 };

	memcpy(conv_fields, f, sizeof(f));
	return op;
}

/*
 * 1x3x3x1 input, 2x2 filter, VALID, stride 1 -> 1x2x2x1, all by hand.
 *
 * input q (zero point 1, scale 0.5)      x - 1 (input_offset = -1)
 *     3  5  1                              2  4  0
 *    -1  7  9                             -2  6  8
 *     2  0 -4                              1 -1 -5
 * filter (scale 0.25, zp 0): [[1, 2], [-1, 3]]
 *   acc(0,0) = 2*1 + 4*2 + (-2)*(-1) + 6*3 = 2 + 8 + 2 + 18 = 30
 *   acc(0,1) = 4*1 + 0*2 + 6*(-1) + 8*3   = 4 + 0 - 6 + 24 = 22
 *   acc(1,0) = -2*1 + 6*2 + 1*(-1) + (-1)*3 = -2 + 12 - 1 - 3 = 6
 *   acc(1,1) = 6*1 + 8*2 + (-1)*(-1) + (-5)*3 = 6 + 16 + 1 - 15 = 8
 * bias 3 (bias scale 0.5 * 0.25 = 0.125): acc = 33, 25, 9, 11.
 * Multiplier 0.5 * 0.25 / 1.0 = 0.125 = 0.5 * 2^-2: QuantizeMultiplier
 * gives m = 2^30, shift = -2, i.e. SRDHM(acc, 2^30) = acc/2 rounded half
 * up, then RoundingDivideByPOT(., 2) = /4 rounded half away from zero:
 *   33 -> 16.5 -> 17 -> 4.25 -> 4
 *   25 -> 12.5 -> 13 -> 3.25 -> 3
 *    9 ->  4.5 ->  5 -> 1.25 -> 1
 *   11 ->  5.5 ->  6 -> 1.5  -> 2   (double rounding: 11/8 = 1.375 alone
 *                                     would round to 1)
 * output zero point -3: 1, 0, -2, -1.
 * Without bias: 30 -> 15 -> 3.75 -> 4; 22 -> 11 -> 2.75 -> 3;
 *               6 -> 3 -> 0.75 -> 1;  8 -> 4 -> 1     => 1, 0, -2, -2.
 */
static const int8_t hand_in[9] = { 3, 5, 1, -1, 7, 9, 2, 0, -4 };
static const int8_t hand_filter[4] = { 1, 2, -1, 3 };

static void test_conv_hand_valid_bias(void **state)
{
	const int32_t bias[1] = { 3 };
	const int8_t want[4] = { 1, 0, -2, -1 };
	const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 0.5f, 1, hand_in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.25f, 0, hand_filter, 4, 1 },
		{ TB_TYPE_INT32, SHAPE(1), 0.125f, 0, bias, sizeof(bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, -3, NULL, 0, 0 };
	int8_t got[4];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
}

static void test_conv_hand_valid_no_bias(void **state)
{
	const int8_t want[4] = { 1, 0, -2, -2 };
	const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 0.5f, 1, hand_in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.25f, 0, hand_filter, 4, 1 },
		{ .type = -1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, -3, NULL, 0, 0 };
	int8_t got[4];

	(void)state;
	/* two inputs only */
	memset(got, 0x55, sizeof(got));
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
	/* bias given as the optional input -1 */
	memset(got, 0x55, sizeof(got));
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
}

/*
 * Unit multiplier below: scales 1 * 1 / 1 = 1.0 = 0.5 * 2^1, so m = 2^30,
 * shift = +1: the accumulator is doubled then halved exactly (out = acc).
 *
 * SAME, 3x3 input (odd), 2x2 filter, stride 1: out 3x3, total padding
 * (3-1)*1 + 2 - 3 = 1, split 0 top/left and 1 bottom/right (TFLite puts
 * the extra on the bottom/right).  input 1..9 row-major, filter
 * [[1,2],[3,4]]; window (y..y+1, x..x+1), cells past the edge are zero:
 *   (0,0) 1*1+2*2+4*3+5*4 = 37   (0,1) 2+6+15+24 = 47   (0,2) 3+18 = 21
 *   (1,0) 4+10+21+32 = 67        (1,1) 5+12+24+36 = 77  (1,2) 6+27 = 33
 *   (2,0) 7+16 = 23              (2,1) 8+18 = 26        (2,2) 9
 * (with the padding on the top/left instead, (0,0) would be 1*4 = 4.)
 */
static void test_conv_same_odd(void **state)
{
	const int8_t in[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const int8_t f[4] = { 1, 2, 3, 4 };
	const int8_t want[9] = { 37, 47, 21, 67, 77, 33, 23, 26, 9 };
	const opspec op = conv_spec(TB_PAD_SAME, 1, 1, TB_ACT_NONE, 1, 1);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, 0, f, 4, 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[9];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
}

/*
 * SAME, 4x4 input (even), 3x3 filter of ones.
 * Stride 1: out 4x4, total padding 3 + 3 - 4 = 2, 1 on each side; input
 * all ones, so out = number of in-image cells: corners 4, edges 6, inner 9.
 * Stride 2: out ceil(4/2) = 2, total padding (2-1)*2 + 3 - 4 = 1 -> 0
 * top/left, 1 bottom/right.  input in(y,x) = 4y + x (0..15):
 *   (0,0) rows 0-2, cols 0-2: 0+1+2+4+5+6+8+9+10 = 45
 *   (0,1) rows 0-2, cols 2-3: 2+3+6+7+10+11     = 39
 *   (1,0) rows 2-3, cols 0-2: 8+9+10+12+13+14   = 66
 *   (1,1) rows 2-3, cols 2-3: 10+11+14+15       = 50
 * (padding top/left 1 would give (0,0) = 0+1+4+5 = 10.)
 */
static void test_conv_same_even_and_stride2(void **state)
{
	int8_t ones[16], ramp[16];
	const int8_t f[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	const int8_t want1[16] = { 4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4 };
	const int8_t want2[4] = { 45, 39, 66, 50 };
	opspec op = conv_spec(TB_PAD_SAME, 1, 1, TB_ACT_NONE, 1, 1);
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 4, 4, 1), 1.0f, 0, ones, 16, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, f, 9, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 4, 4, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[16];

	(void)state;
	for (int i = 0; i < 16; i++) {
		ones[i] = 1;
		ramp[i] = (int8_t)i;
	}
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want1, sizeof(want1));

	op = conv_spec(TB_PAD_SAME, 2, 2, TB_ACT_NONE, 1, 1);
	ins[0].data = ramp;
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, 0, NULL, 0, 0 };
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want2, sizeof(want2));
}

/*
 * VALID, stride 2: 5x5 input in(y,x) = 5y + x - 12, 3x3 filter with 1 at
 * (0,0), 2 at (2,2), 0 elsewhere: out 2x2 = (5 - 3 + 2) / 2,
 * out(oy,ox) = in(2oy, 2ox) + 2 * in(2oy+2, 2ox+2):
 *   (0,0) in(0,0) + 2 in(2,2) = -12 + 2*0  = -12
 *   (0,1) in(0,2) + 2 in(2,4) = -10 + 2*2  = -6
 *   (1,0) in(2,0) + 2 in(4,2) =  -2 + 2*10 = 18
 *   (1,1) in(2,2) + 2 in(4,4) =   0 + 2*12 = 24
 * Different strides per axis, stride_h 1, stride_w 2: out 3x2,
 *   out(oy,ox) = in(oy, 2ox) + 2 in(oy+2, 2ox+2) = (5oy + 2ox - 12) +
 *   2 (5oy + 10 + 2ox + 2 - 12) = 15 oy + 6 ox - 12:
 *   -12, -6 / 3, 9 / 18, 24.
 */
static void test_conv_valid_stride2(void **state)
{
	int8_t in[25];
	const int8_t f[9] = { 1, 0, 0, 0, 0, 0, 0, 0, 2 };
	const int8_t want[4] = { -12, -6, 18, 24 };
	const int8_t want_hw[6] = { -12, -6, 3, 9, 18, 24 };
	opspec op = conv_spec(TB_PAD_VALID, 2, 2, TB_ACT_NONE, 1, 1);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 5, 5, 1), 1.0f, 0, in, 25, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, f, 9, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	for (int i = 0; i < 25; i++)
		in[i] = (int8_t)(i - 12);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));

	op = conv_spec(TB_PAD_VALID, 2, 1, TB_ACT_NONE, 1, 1);
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 3, 2, 1), 1.0f, 0, NULL, 0, 0 };
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_hw, sizeof(want_hw));
}

/*
 * Dilation 2, VALID: 5x5 input in(y,x) = 5y + x, 2x2 filter
 * [[1,-1],[2,0]] spans 3x3 -> out 3x3,
 *   out(y,x) = in(y,x) - in(y,x+2) + 2 in(y+2,x)
 *            = (5y+x) - (5y+x+2) + 2(5y+10+x) = 18 + 10y + 2x.
 * SAME with dilation 2: effective 3, total padding 4 + 3 - 5 = 2, 1 per
 * side, out 5x5; out(y,x) = sum over taps (y-1+2i, x-1+2j) in the image:
 *   (0,0): taps (-1,-1) (-1,1) (1,-1) outside, (1,1) weight 0 -> 0
 *   (1,1): in(0,0) - in(0,2) + 2 in(2,0) + 0 = 0 - 2 + 20 = 18
 *   (2,2): in(1,1) - in(1,3) + 2 in(3,1) = 6 - 8 + 32 = 30
 *   (4,4): tap (3,3) only in: in(3,3) = 18 (others past the edge)
 *   (0,4): tap (-1,3) out, (-1,5) out, (1,3): 2 in(1,3) = 16, (1,5) out
 */
static void test_conv_dilation2(void **state)
{
	int8_t in[25], want[9];
	const int8_t f[4] = { 1, -1, 2, 0 };
	opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 2, 2);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 5, 5, 1), 1.0f, 0, in, 25, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, 0, f, 4, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[25];

	(void)state;
	for (int i = 0; i < 25; i++)
		in[i] = (int8_t)i;
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 3; x++)
			want[y * 3 + x] = (int8_t)(18 + 10 * y + 2 * x);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));

	op = conv_spec(TB_PAD_SAME, 1, 1, TB_ACT_NONE, 2, 2);
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 5, 5, 1), 1.0f, 0, NULL, 0, 0 };
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1 * 5 + 1], 18);
	assert_int_equal(got[2 * 5 + 2], 30);
	assert_int_equal(got[4 * 5 + 4], 18);
	assert_int_equal(got[0 * 5 + 4], 16);
}

/*
 * Grouped convolution: 4 input channels [1, 2, 3, 4], filter [4,1,1,2]
 * (2 input channels per filter -> 2 groups, 2 filters per group).
 * Output channels 0,1 read input channels 0,1; 2,3 read 2,3:
 *   oc0 [1, 1]:  1 + 2 = 3      oc1 [1,-1]: 1 - 2 = -1
 *   oc2 [1, 1]:  3 + 4 = 7      oc3 [2, 0]: 2*3   = 6
 * (without groups, oc2 and oc3 would read channels 0,1: 3 and 2.)
 * A filter whose depth does not divide the input channels is rejected, and
 * so are output channels that do not split into the groups.
 */
static void test_conv_grouped(void **state)
{
	const int8_t in[4] = { 1, 2, 3, 4 };
	const int8_t f[8] = { 1, 1, 1, -1, 1, 1, 2, 0 };
	const int8_t want[4] = { 3, -1, 7, 6 };
	const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 4), 1.0f, 0, in, 4, 0 },
		{ TB_TYPE_INT8, SHAPE(4, 1, 1, 2), 1.0f, 0, f, 8, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 1, 4), 1.0f, 0, NULL, 0, 0 };
	int8_t got[4];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));

	/* filter depth 3 does not divide 4 input channels */
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(2, 1, 1, 3), 1.0f, 0, f, 6, 1 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 2), 1.0f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "filter");
	/* 3 output channels for 2 groups */
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(3, 1, 1, 2), 1.0f, 0, f, 6, 1 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 3), 1.0f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "groups");
}

/*
 * Per-channel vs per-tensor filter scales.  1x1x2x1 input [10, -7]
 * (scale 1, zp 0), filter [3,1,1,1] of ones, output scale 1.
 * Per-channel scales [1, 0.5, 0.25] give multipliers 1 (m 2^30, shift 1),
 * 0.5 (m 2^30, shift 0) and 0.25 (m 2^30, shift -1):
 *   oc0: 10 -> 10;  -7 -> -7
 *   oc1: SRDHM(10, 2^30) = 5;  SRDHM(-7, 2^30) = -3.5 rounded half up = -3
 *   oc2: 10 -> 5 -> RDBPOT(5,1) = 2.5 -> 3;  -7 -> -3 -> -1.5 -> -2
 * Per-tensor scale 0.5 on every channel: 5, 5, 5 / -3, -3, -3.
 */
static void test_conv_per_channel_vs_per_tensor(void **state)
{
	const int8_t in[2] = { 10, -7 };
	const int8_t f[3] = { 1, 1, 1 };
	const float scales[3] = { 1.0f, 0.5f, 0.25f };
	const int8_t want_pc[6] = { 10, 5, 3, -7, -3, -2 };
	const int8_t want_pt[6] = { 5, 5, 5, -3, -3, -3 };
	const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 1, 2, 1), 1.0f, 0, in, 2, 0 },
		{ TB_TYPE_INT8, SHAPE(3, 1, 1, 1), 0.0f, 0, f, 3, 1, scales, 3, 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 2, 3), 1.0f, 0, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_pc, sizeof(want_pc));

	ins[1].nscales = 0;
	ins[1].scale = 0.5f;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_pt, sizeof(want_pt));

	/* 2 scales for 3 output channels */
	ins[1].nscales = 2;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "scales");
	/* right count, wrong dimension (conv filters are quantized along 0) */
	ins[1].nscales = 3;
	ins[1].qdim = 3;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "dimension");
	/* no filter quantization at all */
	ins[1].nscales = 0;
	ins[1].scale = 0.0f;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "filter");
}

/*
 * Fused activations.  1x1 conv with weight 1, input scale 0.5 zp 0, filter
 * scale 1, output scale 0.5 zp -10: multiplier 1, out = x - 10.
 *   x:          -20  -5   0   5  11  12  13  40  100
 *   raw:        -30 -15 -10  -5   1   2   3  30   90
 * RELU: min = zp + round(0/0.5) = -10.
 * RELU6: max = -10 + round(6/0.5) = 2.
 * RELU_N1_TO_1: [-10 + round(-2), -10 + round(2)] = [-12, -8].
 */
static void test_conv_fused_activations(void **state)
{
	const int8_t in[9] = { -20, -5, 0, 5, 11, 12, 13, 40, 100 };
	const int8_t f[1] = { 1 };
	const int8_t want_none[9] = { -30, -15, -10, -5, 1, 2, 3, 30, 90 };
	const int8_t want_relu[9] = { -10, -10, -10, -5, 1, 2, 3, 30, 90 };
	const int8_t want_relu6[9] = { -10, -10, -10, -5, 1, 2, 2, 2, 2 };
	const int8_t want_n1[9] = { -12, -12, -10, -8, -8, -8, -8, -8, -8 };
	const int acts[4] = { TB_ACT_NONE, TB_ACT_RELU, TB_ACT_RELU6, TB_ACT_RELU_N1_TO_1 };
	const int8_t *wants[4] = { want_none, want_relu, want_relu6, want_n1 };
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 0.5f, 0, in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 1), 1.0f, 0, f, 1, 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 0.5f, -10, NULL, 0, 0 };
	int8_t got[9];

	(void)state;
	for (int a = 0; a < 4; a++) {
		const opspec op = conv_spec(TB_PAD_VALID, 1, 1, acts[a], 1, 1);

		run_ok(&op, ins, 2, &out, got, sizeof(got));
		assert_memory_equal(got, wants[a], 9);
	}
	{
		const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_TANH, 1, 1);

		expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "activation");
	}
}

/*
 * Saturation and extreme zero points (unit multiplier, out = acc + zp_out).
 * Saturation: weight 2, input [100, -100, 63, 64, -64, -65]:
 *   acc 200 -> 127, -200 -> -128, 126, 128 -> 127, -128, -130 -> -128.
 * Input zp -128 (offset +128), output zp 127, weight -1:
 *   x = -128, -127, -120, 0 -> acc 0, -1, -8, -128 -> 127, 126, 119, -1.
 * Input zp 127 (offset -127), output zp -128, weight -1:
 *   x = 127, 126, 0, -128 -> acc 0, 1, 127, 255 -> -128, -127, -1, 127.
 * Bias near INT32 limits: bias 2^31 - 1 plus acc 1 wraps (the reference's
 * int32 accumulator) to -2^31; the 2^-31 multiplier (m 2^30, shift -30)
 * maps it to -1 (-2^31 * 2^-31 = -1 exactly); bias alone gives 1.
 */
static void test_conv_saturation_and_zero_points(void **state)
{
	const int8_t sat_in[6] = { 100, -100, 63, 64, -64, -65 };
	const int8_t two[1] = { 2 }, minus1[1] = { -1 };
	const int8_t want_sat[6] = { 127, -128, 126, 127, -128, -128 };
	const int8_t lo_in[4] = { -128, -127, -120, 0 };
	const int8_t want_lo[4] = { 127, 126, 119, -1 };
	const int8_t hi_in[4] = { 127, 126, 0, -128 };
	const int8_t want_hi[4] = { -128, -127, -1, 127 };
	const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 1, 6, 1), 1.0f, 0, sat_in, 6, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 1), 1.0f, 0, two, 1, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 6, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_sat, sizeof(want_sat));

	ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 4, 1), 1.0f, -128, lo_in, 4, 0 };
	ins[1].data = minus1;
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 4, 1), 1.0f, 127, NULL, 0, 0 };
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_lo, sizeof(want_lo));

	ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 4, 1), 1.0f, 127, hi_in, 4, 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 4, 1), 1.0f, -128, NULL, 0, 0 };
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_hi, sizeof(want_hi));

	{
		const int8_t x[2] = { 1, 0 };
		const int8_t one[1] = { 1 };
		const int32_t bias[1] = { INT32_MAX };
		const int8_t want[2] = { -1, 1 };

		ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 2, 1), 1.0f, 0, x, 2, 0 };
		ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 1), 0.5f, 0, one, 1, 1 };
		ins[2] = (tspec){ TB_TYPE_INT32, SHAPE(1), 0.0f, 0, bias, 4, 1 };
		/* 1 * 0.5 / 2^30 = 2^-31 */
		out = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 2, 1), 1073741824.0f, 0, NULL, 0, 0 };
		run_ok(&op, ins, 3, &out, got, sizeof(got));
		assert_memory_equal(got, want, sizeof(want));
	}
}

/*
 * CONV_2D's multipliers come from the double product double(input scale) *
 * double(filter scale) / output scale (PopulateConvolutionQuantizationParams,
 * per tensor too), unlike FULLY_CONNECTED's per-tensor float product.
 * Input 0.1f, filter 0.3f, output 1024: double -> m = 2061584415, float ->
 * m = 2061584384 (shift -15 both).  acc = bias = -3601066:
 *   double: SRDHM = round(-3601066 * 2061584415 / 2^31) = round(-3457023.549)
 *           = -3457024; / 2^15 = -105.5 exactly -> -106 (ties away from 0)
 *   float:  round(-3457023.497) = -3457023 -> -105.49997 -> -105
 */
static void test_conv_multiplier_in_double(void **state)
{
	const int8_t x[1] = { 0 }, w[1] = { 1 };
	const int32_t bias[1] = { -3601066 };
	const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 1), 0.1f, 0, x, 1, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 1), 0.3f, 0, w, 1, 1 },
		{ TB_TYPE_INT32, SHAPE(1), 0.0f, 0, bias, sizeof(bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 1, 1), 1024.0f, 0, NULL, 0, 0 };
	int8_t got[1];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_int_equal(got[0], -106);
}

static void test_conv_rejects(void **state)
{
	const int8_t in[9] = { 0 };
	const int8_t f[4] = { 0 };
	const int32_t bias2[2] = { 0, 0 };
	opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 0.5f, 0, in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.25f, 0, f, 4, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0.0f, 0, bias2, sizeof(bias2), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, NULL, 0, 0 };

	(void)state;
	/* the model says 3x3, VALID 2x2 on 3x3 gives 2x2 */
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "output shape");
	/* ... and wrong channel / batch counts */
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 1.0f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "output shape");
	out = (tspec){ TB_TYPE_INT8, SHAPE(2, 2, 2, 1), 1.0f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "output shape");
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, 0, NULL, 0, 0 };

	/* stride 0 (either axis), dilation 0 */
	op = conv_spec(TB_PAD_VALID, 0, 1, TB_ACT_NONE, 1, 1);
	expect_reject(&op, ins, 2, &out, TS_ERR_MALFORMED, "stride");
	op = conv_spec(TB_PAD_VALID, 1, 0, TB_ACT_NONE, 1, 1);
	expect_reject(&op, ins, 2, &out, TS_ERR_MALFORMED, "stride");
	op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 0, 1);
	expect_reject(&op, ins, 2, &out, TS_ERR_MALFORMED, "dilation");
	op = conv_spec(2, 1, 1, TB_ACT_NONE, 1, 1);
	expect_reject(&op, ins, 2, &out, TS_ERR_MALFORMED, "padding");
	op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);

	/* filter zero point must be 0 */
	ins[1].zp = 3;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "filter zero point");
	ins[1].zp = 0;

	/* bias of the wrong size / type */
	expect_reject(&op, ins, 3, &out, TS_ERR_SHAPE, "bias");
	ins[2] = (tspec){ TB_TYPE_INT8, SHAPE(1), 0.0f, 0, f, 1, 1 };
	expect_reject(&op, ins, 3, &out, TS_ERR_UNSUPPORTED, "bias");

	/* unquantized input, zero output scale, wrong ranks and types */
	ins[0].scale = 0.0f;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "input");
	ins[0].scale = 0.5f;
	out.scale = 0.0f;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "output");
	out.scale = 1.0f;
	ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(3, 3, 1), 0.5f, 0, in, 9, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "rank");
	ins[0] = (tspec){ TB_TYPE_UINT8, SHAPE(1, 3, 3, 1), 0.5f, 0, in, 9, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "input");
}

/*
 * An input with 0 channels: a filter of depth 1 "divides" 0 channels, which
 * gives 0 groups, and "2 output channels split into 0 groups" must be
 * rejected, not computed (out_c % groups divides by zero).  Last in the
 * list: a division by zero stops the whole program under UBSan.
 */
static void test_conv_zero_input_channels(void **state)
{
	const int8_t f[2] = { 1, 1 };
	const opspec op = conv_spec(TB_PAD_VALID, 1, 1, TB_ACT_NONE, 1, 1);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 0), 1.0f, 0, f, 0, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 1, 1, 1), 1.0f, 0, f, 2, 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 1.0f, 0, NULL, 0, 0 };
	ts_diag diag;

	(void)state;
	assert_int_equal(run_op_ex(&op, ins, 2, &out, NULL, 0, &diag, 0), TS_ERR_SHAPE);
}

/* ---- randomized differential test against the in-file reference -------- */

struct conv_case {
	int32_t batches, in_h, in_w, in_c, out_c, group_c, k_h, k_w;
	int32_t stride_h, stride_w, dil_h, dil_w, same, act;
	int32_t out_h, out_w, pad_h, pad_w;
	int32_t in_zp, out_zp;
	float in_scale, out_scale, f_scales[16];
	int per_channel, has_bias;
};

/* TFLite reference_integer_ops::ConvPerChannel, written out plainly. */
static void ref_conv(const struct conv_case *c, const int8_t *in,
		     const int8_t *f, const int32_t *bias, int8_t *out)
{
	const int32_t groups = c->in_c / c->group_c;
	const int32_t per_group = c->out_c / groups;
	int32_t m[16], lo, hi;
	int shift[16];

	for (int32_t oc = 0; oc < c->out_c; oc++) {
		const float fs = c->f_scales[c->per_channel ? oc : 0];

		ref_quantize_multiplier((double)c->in_scale * (double)fs /
					(double)c->out_scale, &m[oc], &shift[oc]);
	}
	ref_act_range(c->act, c->out_scale, c->out_zp, &lo, &hi);
	for (int32_t b = 0; b < c->batches; b++)
	for (int32_t oy = 0; oy < c->out_h; oy++)
	for (int32_t ox = 0; ox < c->out_w; ox++)
	for (int32_t oc = 0; oc < c->out_c; oc++) {
		const int32_t g = oc / per_group;
		uint32_t acc = 0; /* int32 with wrapping */

		for (int32_t ky = 0; ky < c->k_h; ky++)
		for (int32_t kx = 0; kx < c->k_w; kx++) {
			const int32_t y = oy * c->stride_h - c->pad_h + ky * c->dil_h;
			const int32_t x = ox * c->stride_w - c->pad_w + kx * c->dil_w;

			if (y < 0 || y >= c->in_h || x < 0 || x >= c->in_w)
				continue;
			for (int32_t ic = 0; ic < c->group_c; ic++) {
				const int32_t iv = in[((b * c->in_h + y) * c->in_w + x) * c->in_c +
						      g * c->group_c + ic];
				const int32_t fv = f[((oc * c->k_h + ky) * c->k_w + kx) * c->group_c + ic];

				acc += (uint32_t)(fv * (iv - c->in_zp));
			}
		}
		if (bias)
			acc += (uint32_t)bias[oc];
		out[((b * c->out_h + oy) * c->out_w + ox) * c->out_c + oc] =
			ref_requant((int32_t)acc, m[oc], shift[oc], c->out_zp, lo, hi);
	}
}

static void random_conv_case(struct conv_case *c)
{
	const int acts[6] = { TB_ACT_NONE, TB_ACT_NONE, TB_ACT_NONE, TB_ACT_RELU,
			      TB_ACT_RELU6, TB_ACT_RELU_N1_TO_1 };
	int32_t groups, depth;
	double target;

	do {
		memset(c, 0, sizeof(*c));
		c->batches = rng_int(1, 2);
		c->in_h = rng_int(1, 9);
		c->in_w = rng_int(1, 9);
		c->group_c = rng_int(1, 4);
		groups = rng_int(1, 4) == 1 ? rng_int(2, 3) : 1;
		c->in_c = c->group_c * groups;
		c->out_c = groups * rng_int(1, 4);
		c->k_h = rng_int(1, 4);
		c->k_w = rng_int(1, 4);
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
	c->in_zp = rng_int(0, 9) == 0 ? (rng_int(0, 1) ? 127 : -128) : rng_int(-128, 127);
	c->out_zp = rng_int(0, 9) == 0 ? (rng_int(0, 1) ? 127 : -128) : rng_int(-128, 127);
	c->in_scale = rng_pow2(-10, -2);
	c->per_channel = rng_int(0, 1);
	for (int32_t oc = 0; oc < c->out_c; oc++)
		c->f_scales[oc] = rng_pow2(-10, -4);
	c->has_bias = rng_int(0, 3) != 0;
	/* Output scale for a multiplier around 1 / (256 sqrt(depth)), which
	 * spreads the outputs over the int8 range; sometimes > 1. */
	depth = c->k_h * c->k_w * c->group_c;
	target = rng_int(0, 9) == 0 ? exp2(rng_int(0, 20) / 10.0)
				    : exp2((rng_u32() / 4294967296.0) * 4 - 3) / (256 * sqrt(depth));
	c->out_scale = (float)((double)c->in_scale * c->f_scales[0] / target);
}

static void test_conv_random_differential(void **state)
{
	int n_run = 0, n_pc = 0, n_grouped = 0, n_dil = 0, n_same = 0;

	(void)state;
	rng_seed(0x5eed0c0471ull);
	for (int iter = 0; iter < 400; iter++) {
		struct conv_case c;
		int8_t *in, *f, *want, *got;
		int32_t *bias;
		size_t n_in, n_f, n_out;

		random_conv_case(&c);
		n_in = (size_t)c.batches * c.in_h * c.in_w * c.in_c;
		n_f = (size_t)c.out_c * c.k_h * c.k_w * c.group_c;
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
		ref_conv(&c, in, f, c.has_bias ? bias : NULL, want);
		{
			const opspec op = conv_spec(c.same ? TB_PAD_SAME : TB_PAD_VALID,
						    c.stride_w, c.stride_h, c.act,
						    c.dil_w, c.dil_h);
			tspec ins[3] = {
				{ TB_TYPE_INT8, { c.batches, c.in_h, c.in_w, c.in_c }, 4,
				  c.in_scale, c.in_zp, in, n_in, 0, NULL, 0, 0 },
				{ TB_TYPE_INT8, { c.out_c, c.k_h, c.k_w, c.group_c }, 4,
				  c.f_scales[0], 0, f, n_f, 1,
				  c.per_channel ? c.f_scales : NULL,
				  c.per_channel ? (size_t)c.out_c : 0, 0 },
				{ TB_TYPE_INT32, { c.out_c }, 1, 0.0f, 0, bias,
				  sizeof(int32_t) * (size_t)c.out_c, 1, NULL, 0, 0 },
			};
			const tspec out = { TB_TYPE_INT8, { c.batches, c.out_h, c.out_w, c.out_c }, 4,
					    c.out_scale, c.out_zp, NULL, 0, 0, NULL, 0, 0 };

			memset(got, 0x5a, n_out);
			run_ok(&op, ins, c.has_bias ? 3 : 2, &out, got, n_out);
		}
		if (memcmp(got, want, n_out) != 0) {
			size_t i = 0;

			while (got[i] == want[i])
				i++;
			print_error("case %d: in %dx%dx%dx%d filter %dx%dx%dx%d stride %d,%d "
				    "dil %d,%d %s act %d pc %d bias %d zp %d/%d scales %g/%g/%g: "
				    "element %zu got %d want %d\n",
				    iter, c.batches, c.in_h, c.in_w, c.in_c, c.out_c, c.k_h,
				    c.k_w, c.group_c, c.stride_h, c.stride_w, c.dil_h, c.dil_w,
				    c.same ? "SAME" : "VALID", c.act, c.per_channel, c.has_bias,
				    c.in_zp, c.out_zp, (double)c.in_scale,
				    (double)c.f_scales[0], (double)c.out_scale, i, got[i], want[i]);
			fail();
		}
		n_run++;
		n_pc += c.per_channel;
		n_grouped += c.in_c != c.group_c;
		n_dil += c.dil_h > 1 || c.dil_w > 1;
		n_same += c.same;
		free(in);
		free(f);
		free(bias);
		free(want);
		free(got);
	}
	/* the generator really covered the features */
	assert_int_equal(n_run, 400);
	assert_true(n_pc > 100 && n_grouped > 30 && n_dil > 50 && n_same > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_hand_valid_bias),
		cmocka_unit_test(test_conv_hand_valid_no_bias),
		cmocka_unit_test(test_conv_same_odd),
		cmocka_unit_test(test_conv_same_even_and_stride2),
		cmocka_unit_test(test_conv_valid_stride2),
		cmocka_unit_test(test_conv_dilation2),
		cmocka_unit_test(test_conv_grouped),
		cmocka_unit_test(test_conv_per_channel_vs_per_tensor),
		cmocka_unit_test(test_conv_fused_activations),
		cmocka_unit_test(test_conv_saturation_and_zero_points),
		cmocka_unit_test(test_conv_multiplier_in_double),
		cmocka_unit_test(test_conv_rejects),
		cmocka_unit_test(test_conv_random_differential),
		cmocka_unit_test(test_conv_zero_input_channels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
