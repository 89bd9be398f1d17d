/* SPDX-License-Identifier: MIT */
/* AVERAGE_POOL_2D and MAX_POOL_2D (int8): rounding, padding excluded from
 * the count, SAME/VALID, strides larger than the window, fused
 * activations, rejects, and every small window against plain formulas. */
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

/* ---- AVERAGE_POOL_2D / MAX_POOL_2D ---------------------------------------- */

static tb_field pool_fields[6];

enum { AVG = 1, MAX = 17 };

/* Pool2DOptions: padding(0) stride_w(1) stride_h(2) filter_width(3)
 * filter_height(4) activation(5). */
static opspec pool_spec(int builtin, int pad, int sw, int sh, int fw, int fh, int act)
{
	const tb_field f[6] = {
		TB_FIELD_I8(0, pad), TB_FIELD_I32(1, sw), TB_FIELD_I32(2, sh),
		TB_FIELD_I32(3, fw), TB_FIELD_I32(4, fh), TB_FIELD_I8(5, act),
	};
	const opspec op = { builtin, 5, pool_fields, 6 };

	memcpy(pool_fields, f, sizeof(f));
	return op;
}

/*
 * AVERAGE_POOL_2D rounding: TFLite rounds the sum / count half away from
 * zero ((sum + n/2) / n for sum > 0, (sum - n/2) / n otherwise, C
 * division).  1x1x2x8 input, window 1x2 VALID: channel c averages the
 * pair (x = 0, x = 1):
 *   (1, 2)       sum 3:    (3 + 1) / 2 = 2
 *   (-1, -2)     sum -3:   (-3 - 1) / 2 = -2
 *   (2, 3)       sum 5:    3
 *   (-2, -3)     sum -5:   -3
 *   (0, 1)       sum 1:    (1 + 1) / 2 = 1
 *   (0, -1)      sum -1:   (-1 - 1) / 2 = -1
 *   (127, 126)   sum 253:  254 / 2 = 127
 *   (-128, -127) sum -255: -256 / 2 = -128
 * Window of 3 (1x3): (1, 1, 2) sum 4: (4 + 1) / 3 = 1; (-1, -1, -2): -5/3
 * = -1; (2, 2, 1): 6/3 = 2; (-2, -2, -1): (-5 - 1)/3 = -2.
 */
static void test_avg_rounding(void **state)
{
	const int8_t in[16] = { 1, -1, 2, -2, 0, 0, 127, -128,
				2, -2, 3, -3, 1, -1, 126, -127 };
	const int8_t want[8] = { 2, -2, 3, -3, 1, -1, 127, -128 };
	const int8_t in3[12] = { 1, -1, 2, -2, 1, -1, 2, -2, 2, -2, 1, -1 };
	const int8_t want3[4] = { 1, -1, 2, -2 };
	opspec op = pool_spec(AVG, TB_PAD_VALID, 1, 1, 2, 1, TB_ACT_NONE);
	tspec in_t = { TB_TYPE_INT8, SHAPE(1, 1, 2, 8), 0.5f, 0, in, 16, 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 1, 8), 0.5f, 0, NULL, 0, 0 };
	int8_t got[8];

	(void)state;
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want, 8);

	op = pool_spec(AVG, TB_PAD_VALID, 1, 1, 3, 1, TB_ACT_NONE);
	in_t = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 3, 4), 0.5f, 0, in3, 12, 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 4), 0.5f, 0, NULL, 0, 0 };
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want3, 4);
}

/*
 * SAME padding cells are left out of the count.  3x3 input 1..9, 2x2
 * window, stride 1: out 3x3, padding 0 top/left, 1 bottom/right:
 *   (0,0) (1+2+4+5)/4 = 3     (0,1) (2+3+5+6)/4 = 4    (0,2) (3+6)/2 = 4.5 -> 5
 *   (1,0) (4+5+7+8)/4 = 6     (1,1) (5+6+8+9)/4 = 7    (1,2) (6+9)/2 = 7.5 -> 8
 *   (2,0) (7+8)/2 = 7.5 -> 8  (2,1) (8+9)/2 = 8.5 -> 9 (2,2) 9/1 = 9
 * (counting the padding, (2,2) would be 9/4 -> 2.)
 * 3x3 window SAME (padding 1 each side):
 *   (0,0) (1+2+4+5)/4 = 3       (1,1) 45/9 = 5
 *   (0,1) (1+2+3+4+5+6)/6 = 3.5 -> 4   (2,2) (5+6+8+9)/4 = 7
 */
static void test_avg_same_excludes_padding(void **state)
{
	const int8_t in[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const int8_t want[9] = { 3, 4, 5, 6, 7, 8, 8, 9, 9 };
	opspec op = pool_spec(AVG, TB_PAD_SAME, 1, 1, 2, 2, TB_ACT_NONE);
	const tspec in_t = { TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, in, 9, 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 3, 3, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[9];

	(void)state;
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want, 9);

	op = pool_spec(AVG, TB_PAD_SAME, 1, 1, 3, 3, TB_ACT_NONE);
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 4);
	assert_int_equal(got[4], 5);
	assert_int_equal(got[8], 7);
}

/*
 * MAX_POOL_2D, input all negative in(y,x) = -(4y + x) - 1 (-1 .. -16), so
 * a padding cell counted as 0 would show.
 * VALID 2x2 stride 2: block maxima = top-left cells -1, -3, -9, -11.
 * SAME 2x2 stride 1: padding 0 top/left, 1 bottom/right; the window's
 * top-left cell is the largest, so out = in; (3,3) sees only in(3,3) = -16.
 * (padding on the top/left instead would make out(1,1) = in(0,0) = -1.)
 * SAME 3x3 stride 2: out 2x2, padding 0/1: maxima at the top-left cells
 * (0,0) (0,2) (2,0) (2,2) = -1, -3, -9, -11.
 * Two batches and two channels: channel 1 holds the negation, and batch 1
 * is batch 0 minus 1 on channel 0, to check batch and channel offsets.
 */
static void test_max_same_valid(void **state)
{
	int8_t in[16], in2[64], want2[16];
	const int8_t want_valid[4] = { -1, -3, -9, -11 };
	opspec op = pool_spec(MAX, TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_NONE);
	tspec in_t = { TB_TYPE_INT8, SHAPE(1, 4, 4, 1), 1.0f, 0, in, 16, 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[64];

	(void)state;
	for (int i = 0; i < 16; i++)
		in[i] = (int8_t)(-i - 1);
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_valid, 4);

	op = pool_spec(MAX, TB_PAD_SAME, 1, 1, 2, 2, TB_ACT_NONE);
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 4, 4, 1), 1.0f, 0, NULL, 0, 0 };
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in, 16);

	op = pool_spec(MAX, TB_PAD_SAME, 2, 2, 3, 3, TB_ACT_NONE);
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 1.0f, 0, NULL, 0, 0 };
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_valid, 4);

	/* [2, 4, 4, 2]: channel 1 = -channel 0 (1 .. 16), batch 1 = batch 0 - 1
	 * on channel 0.  VALID 2x2 stride 2: channel 0 maxima as above,
	 * channel 1 maxima = bottom-right cells 6, 8, 14, 16. */
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < 16; i++) {
			in2[(b * 16 + i) * 2] = (int8_t)(in[i] - b);
			in2[(b * 16 + i) * 2 + 1] = (int8_t)(-in[i]);
		}
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < 4; i++) {
			const int8_t ch1[4] = { 6, 8, 14, 16 };

			want2[(b * 4 + i) * 2] = (int8_t)(want_valid[i] - b);
			want2[(b * 4 + i) * 2 + 1] = ch1[i];
		}
	op = pool_spec(MAX, TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_NONE);
	in_t = (tspec){ TB_TYPE_INT8, SHAPE(2, 4, 4, 2), 1.0f, 0, in2, 64, 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(2, 2, 2, 2), 1.0f, 0, NULL, 0, 0 };
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want2, 16);
}

/*
 * Stride larger than the window: 1x1x5x1 input [5, -1, 100, 7, 9], 1x2
 * window, stride 3, VALID: out width (5 + 3 - 2) / 3 = 2, windows x 0-1
 * and 3-4 (100 is skipped): max 5, 9; average (4 + 1) / 2 = 2, 16 / 2 = 8.
 * SAME on width 4 [5, -1, 100, 7]: out ceil(4/3) = 2, total padding
 * (2-1)*3 + 2 - 4 = 1 -> 0 left: windows 0-1 and 3 (+ padding):
 * max 5, 7; average 2, 7.  Stride 2 along h only with a 3x1 window on a
 * 5x1 column [1..5] VALID: rows 0-2, 2-4: max 3, 5; average 2, 4.
 */
static void test_pool_stride_gt_filter(void **state)
{
	const int8_t in5[5] = { 5, -1, 100, 7, 9 };
	const int8_t col[5] = { 1, 2, 3, 4, 5 };
	const int8_t want_max[2] = { 5, 9 }, want_avg[2] = { 2, 8 };
	const int8_t want_max_same[2] = { 5, 7 }, want_avg_same[2] = { 2, 7 };
	const int8_t want_col_max[2] = { 3, 5 }, want_col_avg[2] = { 2, 4 };
	opspec op = pool_spec(MAX, TB_PAD_VALID, 3, 1, 2, 1, TB_ACT_NONE);
	tspec in_t = { TB_TYPE_INT8, SHAPE(1, 1, 5, 1), 1.0f, 0, in5, 5, 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 2, 1), 1.0f, 0, NULL, 0, 0 };
	int8_t got[2];

	(void)state;
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_max, 2);
	op = pool_spec(AVG, TB_PAD_VALID, 3, 1, 2, 1, TB_ACT_NONE);
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_avg, 2);

	in_t = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 4, 1), 1.0f, 0, in5, 4, 0 };
	op = pool_spec(MAX, TB_PAD_SAME, 3, 1, 2, 1, TB_ACT_NONE);
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_max_same, 2);
	op = pool_spec(AVG, TB_PAD_SAME, 3, 1, 2, 1, TB_ACT_NONE);
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_avg_same, 2);

	in_t = (tspec){ TB_TYPE_INT8, SHAPE(1, 5, 1, 1), 1.0f, 0, col, 5, 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 1, 1), 1.0f, 0, NULL, 0, 0 };
	op = pool_spec(MAX, TB_PAD_VALID, 1, 2, 1, 3, TB_ACT_NONE);
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_col_max, 2);
	op = pool_spec(AVG, TB_PAD_VALID, 1, 2, 1, 3, TB_ACT_NONE);
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_col_avg, 2);
}

/*
 * Fused RELU6 / RELU with scale 0.25, zp -100: RELU6 range [-100 +
 * round(0), -100 + round(6 / 0.25)] = [-100, -76]; RELU [-100, 127].
 * 1x1 windows (identity) on [-128, -101, -100, -90, -76, -75, 0, 127].
 */
static void test_pool_fused_relu6(void **state)
{
	const int8_t in[8] = { -128, -101, -100, -90, -76, -75, 0, 127 };
	const int8_t want6[8] = { -100, -100, -100, -90, -76, -76, -76, -76 };
	const int8_t want_relu[8] = { -100, -100, -100, -90, -76, -75, 0, 127 };
	const tspec in_t = { TB_TYPE_INT8, SHAPE(1, 2, 4, 1), 0.25f, -100, in, 8, 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 4, 1), 0.25f, -100, NULL, 0, 0 };
	const int builtins[2] = { AVG, MAX };
	int8_t got[8];

	(void)state;
	for (int k = 0; k < 2; k++) {
		opspec op = pool_spec(builtins[k], TB_PAD_VALID, 1, 1, 1, 1, TB_ACT_RELU6);

		run_ok(&op, &in_t, 1, &out, got, sizeof(got));
		assert_memory_equal(got, want6, 8);
		op = pool_spec(builtins[k], TB_PAD_VALID, 1, 1, 1, 1, TB_ACT_RELU);
		run_ok(&op, &in_t, 1, &out, got, sizeof(got));
		assert_memory_equal(got, want_relu, 8);
	}
	/* RELU6 after a real average: 2x1 windows (-76, -74) = -75 -> -76 */
	{
		const int8_t in2[2] = { -76, -74 };
		const tspec i2 = { TB_TYPE_INT8, SHAPE(1, 1, 2, 1), 0.25f, -100, in2, 2, 0 };
		const tspec o2 = { TB_TYPE_INT8, SHAPE(1, 1, 1, 1), 0.25f, -100, NULL, 0, 0 };
		const opspec op = pool_spec(AVG, TB_PAD_VALID, 1, 1, 2, 1, TB_ACT_RELU6);

		run_ok(&op, &i2, 1, &o2, got, 1);
		assert_int_equal(got[0], -76);
	}
}

static void test_pool_rejects(void **state)
{
	const int8_t in[16] = { 0 };
	opspec op = pool_spec(AVG, TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_NONE);
	tspec in_t = { TB_TYPE_INT8, SHAPE(1, 4, 4, 1), 0.5f, 3, in, 16, 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.25f, 3, NULL, 0, 0 };
	const int builtins[2] = { AVG, MAX };

	(void)state;
	for (int k = 0; k < 2; k++) {
		op = pool_spec(builtins[k], TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_NONE);
		/* input/output quantization mismatch: scale, then zero point */
		out.scale = 0.25f;
		out.zp = 3;
		expect_reject(&op, &in_t, 1, &out, TS_ERR_QUANT, "quantization");
		out.scale = 0.5f;
		out.zp = 4;
		expect_reject(&op, &in_t, 1, &out, TS_ERR_QUANT, "quantization");
		out.zp = 3;
		/* wrong output shape */
		out.shape[1] = 3;
		expect_reject(&op, &in_t, 1, &out, TS_ERR_SHAPE, "output shape");
		out.shape[1] = 2;
		/* filter 0, stride 0 */
		op = pool_spec(builtins[k], TB_PAD_VALID, 2, 2, 0, 2, TB_ACT_NONE);
		expect_reject(&op, &in_t, 1, &out, TS_ERR_MALFORMED, "filter");
		op = pool_spec(builtins[k], TB_PAD_VALID, 2, 0, 2, 2, TB_ACT_NONE);
		expect_reject(&op, &in_t, 1, &out, TS_ERR_MALFORMED, "stride");
		op = pool_spec(builtins[k], TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_TANH);
		expect_reject(&op, &in_t, 1, &out, TS_ERR_UNSUPPORTED, "activation");
		op = pool_spec(builtins[k], TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_NONE);
		/* rank 3 input */
		in_t = (tspec){ TB_TYPE_INT8, SHAPE(4, 4, 1), 0.5f, 3, in, 16, 0 };
		expect_reject(&op, &in_t, 1, &out, TS_ERR_SHAPE, "rank");
		in_t = (tspec){ TB_TYPE_INT8, SHAPE(1, 4, 4, 1), 0.5f, 3, in, 16, 0 };
	}
}

/*
 * TFLite Micro's pooling prepare (pooling_common.cc) accepts input and
 * output scales that differ by at most 1e-6 (and equal zero points): the
 * bytes are the same, no requantization happens.  0.1f and the next float
 * up (0.1f + 7.45e-9) must therefore run, giving plain max / average.
 */
static void test_pool_scale_tolerance(void **state)
{
	const int8_t in[4] = { 1, 4, -3, 8 };
	const float up = 0x1.99999cp-4f; /* 0.1f is 0x1.99999ap-4 */
	const tspec in_t = { TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.1f, 2, in, 4, 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 1, 1), up, 2, NULL, 0, 0 };
	opspec op = pool_spec(MAX, TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_NONE);
	int8_t got[1];

	(void)state;
	assert_true(fabs((double)up - (double)0.1f) <= 1e-6 && up != 0.1f);
	run_ok(&op, &in_t, 1, &out, got, 1);
	assert_int_equal(got[0], 8);
	/* (1 + 4 - 3 + 8) / 4 = 2.5 -> 3 */
	op = pool_spec(AVG, TB_PAD_VALID, 2, 2, 2, 2, TB_ACT_NONE);
	run_ok(&op, &in_t, 1, &out, got, 1);
	assert_int_equal(got[0], 3);
}

/* Every 2x2 window of a random 5x7x3 input, both padding modes and a few
 * strides, against the textbook formulas (average: sum / count rounded
 * half away from zero over the in-image cells; max over them). */
static void test_pool_random_windows(void **state)
{
	int8_t in[2 * 6 * 7 * 3];
	int8_t got[2 * 6 * 7 * 3], want[2 * 6 * 7 * 3];
	uint32_t seed = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++) {
		seed = seed * 1103515245u + 12345u;
		in[i] = (int8_t)(seed >> 24);
	}
	for (int same = 0; same < 2; same++)
	for (int fh = 1; fh <= 3; fh++)
	for (int fw = 1; fw <= 4; fw++)
	for (int sh = 1; sh <= 3; sh++)
	for (int sw = 1; sw <= 3; sw++)
	for (int k = 0; k < 2; k++) {
		const int H = 6, W = 7, C = 3, B = 2;
		const int oh = same ? (H + sh - 1) / sh : (H - fh + sh) / sh;
		const int ow = same ? (W + sw - 1) / sw : (W - fw + sw) / sw;
		const int th = (oh - 1) * sh + fh - H, tw = (ow - 1) * sw + fw - W;
		const int ph = th > 0 ? th / 2 : 0, pw = tw > 0 ? tw / 2 : 0;
		const opspec op = pool_spec(k ? MAX : AVG, same ? TB_PAD_SAME : TB_PAD_VALID,
					    sw, sh, fw, fh, TB_ACT_NONE);
		const tspec in_t = { TB_TYPE_INT8, SHAPE(B, H, W, C), 0.1f, -5, in,
				     sizeof(in), 0 };
		const tspec out = { TB_TYPE_INT8, { B, oh, ow, C }, 4, 0.1f, -5, NULL, 0, 0 };

		for (int b = 0; b < B; b++)
		for (int y = 0; y < oh; y++)
		for (int x = 0; x < ow; x++)
		for (int c = 0; c < C; c++) {
			int sum = 0, n = 0, mx = -128;

			for (int dy = 0; dy < fh; dy++)
				for (int dx = 0; dx < fw; dx++) {
					const int iy = y * sh - ph + dy, ix = x * sw - pw + dx;
					int v;

					if (iy < 0 || iy >= H || ix < 0 || ix >= W)
						continue;
					v = in[((b * H + iy) * W + ix) * C + c];
					sum += v;
					n++;
					mx = v > mx ? v : mx;
				}
			assert_true(n > 0);
			want[((b * oh + y) * ow + x) * C + c] = (int8_t)(
				k ? mx : sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n);
		}
		run_ok(&op, &in_t, 1, &out, got, sizeof(got));
		if (memcmp(got, want, (size_t)(B * oh * ow * C)) != 0)
			print_error("%s %s window %dx%d stride %dx%d differs\n",
				    k ? "MAX" : "AVG", same ? "SAME" : "VALID", fh, fw, sh, sw);
		assert_memory_equal(got, want, (size_t)(B * oh * ow * C));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_avg_rounding),
		cmocka_unit_test(test_avg_same_excludes_padding),
		cmocka_unit_test(test_max_same_valid),
		cmocka_unit_test(test_pool_stride_gt_filter),
		cmocka_unit_test(test_pool_fused_relu6),
		cmocka_unit_test(test_pool_rejects),
		cmocka_unit_test(test_pool_scale_tolerance),
		cmocka_unit_test(test_pool_random_windows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
