/* SPDX-License-Identifier: MIT */
/* FULLY_CONNECTED (int8): hand-checked cases, batches, keep_num_dims,
 * per-channel scales, bias checks, int32 wrap-around, rejects, and a
 * randomized differential test against an independent TFLite reference. */
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

/* ---- FULLY_CONNECTED ------------------------------------------------------ */

static tb_field fc_fields[3];

/* FullyConnectedOptions: activation(0) weights_format(1) keep_num_dims(2). */
static opspec fc_spec(int act, int weights_format, int keep_num_dims)
{
	const tb_field f[3] = {
		TB_FIELD_I8(0, act), TB_FIELD_I8(1, weights_format),
		TB_FIELD_BOOL(2, keep_num_dims),
	};
	const opspec op = { 9, 8, fc_fields, 3 };

	memcpy(fc_fields, f, sizeof(f));
	return op;
}

/*
 * Hand-checked FC.  Input scale 0.5 zp -1 (offset +1), filter [2,3] scale
 * 0.5 zp 0 = [[1, 2, 3], [-2, 0, 1]], bias [2, -3] (scale 0.25), output
 * scale 1 zp 5.  Multiplier float(0.5 * 0.5) / 1 = 0.25 = 0.5 * 2^-1:
 * m = 2^30, shift -1: SRDHM(acc, 2^30) = acc/2 rounded half up, then
 * RoundingDivideByPOT(., 1) = /2 rounded half away from zero.
 *   row [3, -2, 5] -> x' = [4, -1, 6]
 *     acc0 = 4 - 2 + 18 + 2 = 22  -> 11 -> 5.5 -> 6 -> +5 = 11
 *     acc1 = -8 + 0 + 6 - 3 = -5  -> -2.5 -> -2 -> -1 -> +5 = 4
 *   row [-1, -1, -1] -> x' = 0: acc = bias
 *     acc0 = 2  -> 1 -> 0.5 -> 1 -> 6
 *     acc1 = -3 -> -1.5 -> -1 -> -0.5 -> -1 -> 4
 *   row [9, 0, -3] -> x' = [10, 1, -2]
 *     acc0 = 10 + 2 - 6 + 2 = 8      -> 4 -> 2 -> 7
 *     acc1 = -20 + 0 - 2 - 3 = -25   -> -12.5 -> -12 -> -6 -> -1
 */
static const int8_t fc_in[9] = { 3, -2, 5, -1, -1, -1, 9, 0, -3 };
static const int8_t fc_w[6] = { 1, 2, 3, -2, 0, 1 };
static const int32_t fc_bias[2] = { 2, -3 };

static void test_fc_hand(void **state)
{
	const int8_t want[6] = { 11, 4, 6, 4, 7, -1 };
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3), 0.5f, -1, fc_in, 3, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, fc_w, 6, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0.25f, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 2), 1.0f, 5, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, 2);

	/* three batches */
	ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(3, 3), 0.5f, -1, fc_in, 9, 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(3, 2), 1.0f, 5, NULL, 0, 0 };
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, 6);
}

/*
 * Bias absent: row 0 acc0 = 20 -> 10 -> 5 -> 10, acc1 = -2 -> -1 ->
 * RDBPOT(-1, 1) = -0.5 -> -1 -> 4.  Both as 2 inputs and as input -1.
 */
static void test_fc_no_bias(void **state)
{
	const int8_t want[2] = { 10, 4 };
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3), 0.5f, -1, fc_in, 3, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, fc_w, 6, 1 },
		{ .type = -1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2), 1.0f, 5, NULL, 0, 0 };
	int8_t got[2];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want, 2);
	memset(got, 0, sizeof(got));
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, 2);
}

/*
 * keep_num_dims: input [1, 3, 3] (the three rows above, 9 elements, depth
 * 3) gives 3 rows; the output may be [1, 3, 2] (keep_num_dims) or [3, 2]
 * - same bytes.  An output whose last dimension is not the unit count, or
 * whose size is not rows * units, is rejected, and so is an input that is
 * not whole rows.
 */
static void test_fc_keep_num_dims(void **state)
{
	const int8_t want[6] = { 11, 4, 6, 4, 7, -1 };
	opspec op = fc_spec(TB_ACT_NONE, 0, 1);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3, 3), 0.5f, -1, fc_in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, fc_w, 6, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0.25f, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 3, 2), 1.0f, 5, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, 6);
	op = fc_spec(TB_ACT_NONE, 0, 0);
	out = (tspec){ TB_TYPE_INT8, SHAPE(3, 2), 1.0f, 5, NULL, 0, 0 };
	memset(got, 0, sizeof(got));
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, 6);

	out = (tspec){ TB_TYPE_INT8, SHAPE(2, 3), 1.0f, 5, NULL, 0, 0 };
	expect_reject(&op, ins, 3, &out, TS_ERR_SHAPE, "output");
	out = (tspec){ TB_TYPE_INT8, SHAPE(4, 2), 1.0f, 5, NULL, 0, 0 };
	expect_reject(&op, ins, 3, &out, TS_ERR_SHAPE, "output");
	ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(2, 4), 0.5f, -1, fc_in, 8, 0 };
	expect_reject(&op, ins, 3, &out, TS_ERR_SHAPE, "depth");
}

/*
 * Per-channel filter scales [0.5, 0.25] (dimension 0): channel 0 keeps the
 * 0.25 multiplier, channel 1 gets 0.5 * 0.25 / 1 = 0.125 (m 2^30, shift -2):
 *   row 0 acc1 = -5:  SRDHM -2.5 -> -2, RDBPOT(-2, 2) = -0.5 -> -1 -> 4
 *   row 1 acc1 = -3:  -1.5 -> -1, -0.25 -> 0 -> 5
 *   row 2 acc1 = -25: -12.5 -> -12, -3 -> 2
 * channel 0 as before: 11, 6, 7.  The bias scale is not checked per
 * channel (TFLite does not either).  Wrong scale count or dimension:
 * rejected.
 */
static void test_fc_per_channel(void **state)
{
	const float scales[2] = { 0.5f, 0.25f };
	const int8_t want[6] = { 11, 4, 6, 5, 7, 2 };
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(3, 3), 0.5f, -1, fc_in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.0f, 0, fc_w, 6, 1, scales, 2, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0.0f, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(3, 2), 1.0f, 5, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, 6);
	ins[1].qdim = 1;
	expect_reject(&op, ins, 3, &out, TS_ERR_QUANT, "dimension");
}

/*
 * Filter zero point on the per-tensor path: TFLite's per-tensor
 * FullyConnected adds weights_offset = -filter_zp.  Filter zp 2:
 * w' = [[-1, 0, 1], [-4, -2, -1]], row 0 x' = [4, -1, 6]:
 *   acc0 = -4 + 0 + 6 + 2 = 4      -> 2 -> 1 -> 6
 *   acc1 = -16 + 2 - 6 - 3 = -23   -> -11.5 -> -11 -> -5.5 -> -6 -> -1
 */
static void test_fc_filter_zero_point_per_tensor(void **state)
{
	const int8_t want[2] = { 6, -1 };
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3), 0.5f, -1, fc_in, 3, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 2, fc_w, 6, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0.25f, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2), 1.0f, 5, NULL, 0, 0 };
	int8_t got[2];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want, 2);
}

/*
 * Per-channel with a non-zero filter zero point: TFLite Micro's
 * FullyConnectedPerChannel ignores weights_offset (per-channel weights are
 * symmetric by spec), so the model must either be rejected or give the
 * zero-offset result: with scales [0.5, 0.5] and zp 2 on row 0 that is the
 * per-tensor hand result 11, 4 (not the offset result 6, -1).
 */
static void test_fc_per_channel_filter_zero_point(void **state)
{
	const float scales[2] = { 0.5f, 0.5f };
	const int8_t want[2] = { 11, 4 };
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3), 0.5f, -1, fc_in, 3, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.0f, 2, fc_w, 6, 1, scales, 2, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0.0f, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2), 1.0f, 5, NULL, 0, 0 };
	int8_t got[2];
	ts_diag diag;
	ts_status st;

	(void)state;
	st = run_op_ex(&op, ins, 3, &out, got, sizeof(got), &diag, 1);
	if (st == TS_OK) {
		if (memcmp(got, want, 2) != 0)
			print_error("accepted, got %d %d; TFLM gives %d %d\n",
				    got[0], got[1], want[0], want[1]);
		assert_memory_equal(got, want, 2);
	}
}

/*
 * A filter zero point outside int8 makes (w - zp) * (x - in_zp) overflow
 * int32 in the kernel (zp 10^7: 10^7 * 255 > 2^31), so the model must be
 * rejected at create (TFLite requires it to be 0).  Only create is run.
 */
static void test_fc_filter_zero_point_out_of_range(void **state)
{
	const int8_t w[2] = { 1, 1 };
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 2), 1.0f, -128, fc_in, 2, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2), 1.0f, 10000000, w, 2, 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1), 1.0f, 0, NULL, 0, 0 };
	ts_diag diag;
	ts_status st;

	(void)state;
	st = run_op_ex(&op, ins, 2, &out, NULL, 0, &diag, 0);
	if (st == TS_OK)
		print_error("filter zero point 10000000 accepted\n");
	assert_int_not_equal(st, TS_OK);
}

/*
 * The bias-scale check of the per-tensor path (TFLite
 * GetQuantizedConvolutionMultipler): |input*filter scale - bias scale| /
 * output scale must be <= 0.02.  Here 0.25 vs bias 0.5: 0.25 / 1 -> reject;
 * bias 0.26: 0.01 -> accepted; output scale 0.4 makes the same 0.01
 * difference 0.025 (rejected), 0.6 makes it 0.0167 (accepted).  With
 * the matching bias scale 0.25 the hand result 11, 4 comes back.
 */
static void test_fc_bias_scale_check(void **state)
{
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3), 0.5f, -1, fc_in, 3, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, fc_w, 6, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0.5f, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 2), 1.0f, 5, NULL, 0, 0 };
	int8_t got[2];

	(void)state;
	expect_reject(&op, ins, 3, &out, TS_ERR_QUANT, "bias scale");
	ins[2].scale = 0.26f;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	out.scale = 0.4f;
	expect_reject(&op, ins, 3, &out, TS_ERR_QUANT, "bias scale");
	out.scale = 0.6f;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	ins[2].scale = 0.25f;
	out.scale = 1.0f;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_int_equal(got[0], 11);
	assert_int_equal(got[1], 4);
}

/*
 * Per-tensor multiplier from the float product of the scales (TFLite
 * GetQuantizedConvolutionMultipler: double(input_scale * filter_scale)).
 * Input 0.1f, filter 0.3f, output 1024: the float product 0.030000001192
 * / 1024 = 0.96000003814697266 * 2^-15 gives m = 2061584384 (shift -15);
 * the double product 0.030000001639 would give m = 2061584415.
 * acc = bias = -3601066 (input 0, zp 0):
 *   float:  SRDHM = round(-3601066 * 2061584384 / 2^31) = round(-3457023.497)
 *           = -3457023; / 2^15 = -105.49997 -> -105
 *   double: round(-3457023.549) = -3457024; / 2^15 = -105.5 exactly -> -106
 * TFLite gives -105.  (Per-channel uses the double product; see above.)
 */
static void test_fc_per_tensor_uses_float_product(void **state)
{
	const int8_t x[1] = { 0 }, w[1] = { 1 };
	const int32_t bias[1] = { -3601066 };
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 1), 0.1f, 0, x, 1, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 1), 0.3f, 0, w, 1, 1 },
		{ TB_TYPE_INT32, SHAPE(1), 0.1f * 0.3f, 0, bias, sizeof(bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1), 1024.0f, 0, NULL, 0, 0 };
	int8_t got[1];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_int_equal(got[0], -105);
}

/*
 * TFLite's bias check uses the double product double(input scale) *
 * double(filter scale) (kernel_util.cc, the overload taking the bias);
 * only the multiplier uses the float product.  Input 0.1f, filter 0.3f:
 * double product 0.030000001639127749, float product 0.030000001192092896.
 * Bias scale 0x1.9999a2p-5 (0.0500000156) and output scale 0x1.00000cp+0:
 *   |0.030000001639 - 0.0500000156| / 1.00000072 <= 0.02 (TFLite accepts)
 *   |0.030000001192 - 0.0500000156| / 1.00000072 >  0.02
 * so a check done on the float product rejects a model TFLite runs.
 */
static void test_fc_bias_scale_check_uses_double_product(void **state)
{
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	const float in_s = 0.1f, f_s = 0.3f, b_s = 0x1.9999a2p-5f, o_s = 0x1.00000cp+0f;
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3), in_s, -1, fc_in, 3, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), f_s, 0, fc_w, 6, 1 },
		{ TB_TYPE_INT32, SHAPE(2), b_s, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 2), o_s, 5, NULL, 0, 0 };
	const double dp = (double)in_s * (double)f_s;
	const double fp = (double)(float)(in_s * f_s);
	int8_t got[2];

	(void)state;
	/* the premise: the two products fall on either side of the limit */
	assert_true(fabs(dp - (double)b_s) / (double)o_s <= 0.02);
	assert_false(fabs(fp - (double)b_s) / (double)o_s <= 0.02);
	run_ok(&op, ins, 3, &out, got, sizeof(got));
}

/*
 * int32 accumulator overflow wraps (the reference's int32 sum, which in
 * practice wraps), without UB in lib/ (make test-asan runs UBSan).
 * accum_depth 70000, every x = 127 with input zp -128 (x' = 255), every
 * w = -128: acc = 70000 * -32640 = -2284800000, which wraps to
 * 2^32 - 2284800000 = 2010167296.  Scales 1 * 1 / 2^24: m = 2^30, shift
 * -23.  SRDHM: 2010167296 / 2 = 1005083648; / 2^23 = 119.81... -> 120.
 * (Without the wrap, the result would saturate to -128.)
 */
static void test_fc_accumulator_wraps(void **state)
{
	enum { DEPTH = 70000 };
	int8_t *x = malloc(DEPTH), *w = malloc(DEPTH);
	const opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	int8_t got[1];

	(void)state;
	assert_non_null(x);
	assert_non_null(w);
	memset(x, 127, DEPTH);
	memset(w, -128, DEPTH);
	{
		const tspec ins[2] = {
			{ TB_TYPE_INT8, SHAPE(1, DEPTH), 1.0f, -128, x, DEPTH, 0 },
			{ TB_TYPE_INT8, SHAPE(1, DEPTH), 1.0f, 0, w, DEPTH, 1 },
		};
		const tspec out = { TB_TYPE_INT8, SHAPE(1, 1), 16777216.0f, 0, NULL, 0, 0 };

		run_ok(&op, ins, 2, &out, got, sizeof(got));
	}
	assert_int_equal(got[0], 120);
	free(x);
	free(w);
}

/*
 * Fused activations and saturation with the hand model: output scale
 * 0.0625 (multiplier 4: m 2^30, shift 3) zp 0: row 0 acc 22 -> 88,
 * acc -5 -> -20; row 2: 8 -> 32, -25 -> -100; row 1: 2 -> 8, -3 -> -12.
 * RELU: negatives -> 0.  RELU6: max round(6 / 0.0625) = 96: 88 stays.
 * Output scale 0.03125 (x8): 176 -> 127, -40, 16, -24, 64, -200 -> -128.
 * (The bias scale 0.25 equals the input * filter scale, so the bias check
 * passes for any output scale.)
 */
static void test_fc_activation_and_saturation(void **state)
{
	const int8_t want_none[6] = { 88, -20, 8, -12, 32, -100 };
	const int8_t want_relu[6] = { 88, 0, 8, 0, 32, 0 };
	const int8_t want_sat[6] = { 127, -40, 16, -24, 64, -128 };
	opspec op = fc_spec(TB_ACT_NONE, 0, 0);
	const tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(3, 3), 0.5f, -1, fc_in, 9, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, fc_w, 6, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0.25f, 0, fc_bias, sizeof(fc_bias), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(3, 2), 0.0625f, 0, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want_none, 6);
	op = fc_spec(TB_ACT_RELU, 0, 0);
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want_relu, 6);
	op = fc_spec(TB_ACT_RELU6, 0, 0);
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want_relu, 6);
	op = fc_spec(TB_ACT_NONE, 0, 0);
	out.scale = 0.03125f;
	run_ok(&op, ins, 3, &out, got, sizeof(got));
	assert_memory_equal(got, want_sat, 6);
}

static void test_fc_rejects(void **state)
{
	const int32_t bias3[3] = { 0, 0, 0 };
	opspec op = fc_spec(TB_ACT_NONE, 1, 0);
	tspec ins[3] = {
		{ TB_TYPE_INT8, SHAPE(1, 3), 0.5f, -1, fc_in, 3, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, fc_w, 6, 1 },
		{ TB_TYPE_INT32, SHAPE(3), 0.0f, 0, bias3, sizeof(bias3), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(1, 2), 1.0f, 5, NULL, 0, 0 };

	(void)state;
	/* SHUFFLED4x16INT8 weights */
	expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "shuffled");
	op = fc_spec(TB_ACT_NONE, 0, 0);
	/* bias of 3 for 2 units */
	expect_reject(&op, ins, 3, &out, TS_ERR_SHAPE, "bias");
	/* filter of rank 3; filter not quantized */
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 3), 0.5f, 0, fc_w, 6, 1 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "filter");
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(2, 3), 0.0f, 0, fc_w, 6, 1 };
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "filter");
	ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, fc_w, 6, 1 };
	/* output scale 0, tanh */
	out.scale = 0.0f;
	expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "output");
	out.scale = 1.0f;
	op = fc_spec(TB_ACT_TANH, 0, 0);
	expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "activation");
}

/* ---- randomized differential test against the in-file reference -------- */

struct fc_case {
	int32_t batches, depth, units, in_zp, out_zp, filter_zp, act;
	float in_scale, out_scale, f_scales[16];
	int per_channel, has_bias, bias_quant, in_shape, keep_dims;
};

/* TFLite FullyConnected (per tensor: float product of the scales, filter
 * offset applied) and FullyConnectedPerChannel (double product, no filter
 * offset), written out plainly. */
static void ref_fc(const struct fc_case *c, const int8_t *in, const int8_t *w,
		   const int32_t *bias, int8_t *out)
{
	int32_t m[16], lo, hi;
	int shift[16];

	for (int32_t o = 0; o < c->units; o++) {
		double real;

		if (c->per_channel) {
			real = (double)c->in_scale * (double)c->f_scales[o] /
			       (double)c->out_scale;
		} else {
			const float product = c->in_scale * c->f_scales[0];

			real = (double)product / (double)c->out_scale;
		}
		ref_quantize_multiplier(real, &m[o], &shift[o]);
	}
	ref_act_range(c->act, c->out_scale, c->out_zp, &lo, &hi);
	for (int32_t b = 0; b < c->batches; b++)
		for (int32_t o = 0; o < c->units; o++) {
			const int32_t w_off = c->per_channel ? 0 : -c->filter_zp;
			uint32_t acc = 0;

			for (int32_t d = 0; d < c->depth; d++)
				acc += (uint32_t)((w[o * c->depth + d] + w_off) *
						  (in[b * c->depth + d] - c->in_zp));
			if (bias)
				acc += (uint32_t)bias[o];
			out[b * c->units + o] = ref_requant((int32_t)acc, m[o], shift[o],
							    c->out_zp, lo, hi);
		}
}

static void test_fc_random_differential(void **state)
{
	const int acts[6] = { TB_ACT_NONE, TB_ACT_NONE, TB_ACT_NONE, TB_ACT_RELU,
			      TB_ACT_RELU6, TB_ACT_RELU_N1_TO_1 };
	int n_pc = 0, n_batched = 0, n_zp = 0;

	(void)state;
	rng_seed(0xfc0123456789ull);
	for (int iter = 0; iter < 400; iter++) {
		struct fc_case c;
		int8_t *in, *w, *want, *got;
		int32_t bias[16];
		size_t n_in, n_w, n_out;
		double target;

		memset(&c, 0, sizeof(c));
		c.batches = rng_int(1, 3) == 1 ? 1 : rng_int(2, 5);
		c.depth = rng_int(1, 4) == 1 ? rng_int(64, 300) : rng_int(1, 40);
		c.units = rng_int(1, 16);
		c.act = acts[rng_int(0, 5)];
		c.in_zp = rng_int(0, 9) == 0 ? (rng_int(0, 1) ? 127 : -128) : rng_int(-128, 127);
		c.out_zp = rng_int(0, 9) == 0 ? (rng_int(0, 1) ? 127 : -128) : rng_int(-128, 127);
		c.per_channel = rng_int(0, 1);
		c.filter_zp = !c.per_channel && rng_int(0, 3) == 0 ? rng_int(-4, 4) : 0;
		c.in_scale = rng_pow2(-10, -2);
		for (int32_t o = 0; o < c.units; o++)
			c.f_scales[o] = rng_pow2(-10, -4);
		c.has_bias = rng_int(0, 3) != 0;
		/* An unquantized bias counts as scale 0 in TFLite's bias check,
		 * which rejects it unless the product scale is tiny: only the
		 * per-channel path (no check; one unit is per-tensor) may leave
		 * it unquantized. */
		c.bias_quant = c.per_channel && c.units > 1 ? rng_int(0, 1) : 1;
		c.in_shape = rng_int(0, 2);
		c.keep_dims = rng_int(0, 1);
		target = rng_int(0, 9) == 0 ? exp2(rng_int(0, 20) / 10.0)
					    : exp2((rng_u32() / 4294967296.0) * 4 - 3) /
					      (256 * sqrt(c.depth));
		c.out_scale = (float)((double)c.in_scale * c.f_scales[0] / target);
		n_in = (size_t)c.batches * c.depth;
		n_w = (size_t)c.units * c.depth;
		n_out = (size_t)c.batches * c.units;
		in = malloc(n_in);
		w = malloc(n_w);
		want = malloc(n_out);
		got = malloc(n_out);
		assert_non_null(in);
		assert_non_null(w);
		assert_non_null(want);
		assert_non_null(got);
		rng_fill_i8(in, n_in, -128, 127);
		rng_fill_i8(w, n_w, -127, 127);
		for (int32_t o = 0; o < c.units; o++)
			bias[o] = rng_int(-30000, 30000);
		ref_fc(&c, in, w, c.has_bias ? bias : NULL, want);
		{
			const opspec op = fc_spec(c.act, 0, c.keep_dims);
			/* bias scale input * filter scale (passes the check) */
			const float bias_scale = c.bias_quant ? c.in_scale * c.f_scales[0] : 0.0f;
			tspec ins[3] = {
				{ TB_TYPE_INT8, { c.batches, c.depth }, 2, c.in_scale, c.in_zp,
				  in, n_in, 0, NULL, 0, 0 },
				{ TB_TYPE_INT8, { c.units, c.depth }, 2, c.f_scales[0], c.filter_zp,
				  w, n_w, 1, c.per_channel ? c.f_scales : NULL,
				  c.per_channel ? (size_t)c.units : 0, 0 },
				{ TB_TYPE_INT32, { c.units }, 1, bias_scale, 0, bias,
				  sizeof(int32_t) * (size_t)c.units, 1, NULL, 0, 0 },
			};
			tspec out = { TB_TYPE_INT8, { c.batches, c.units }, 2, c.out_scale,
				      c.out_zp, NULL, 0, 0, NULL, 0, 0 };

			if (c.in_shape == 1) {
				/* [1, batches, depth] (-> [1, batches, units]) */
				ins[0].shape[0] = 1;
				ins[0].shape[1] = c.batches;
				ins[0].shape[2] = c.depth;
				ins[0].rank = 3;
				if (c.keep_dims) {
					out.shape[0] = 1;
					out.shape[1] = c.batches;
					out.shape[2] = c.units;
					out.rank = 3;
				}
			} else if (c.in_shape == 2) {
				/* flat [batches * depth] */
				ins[0].shape[0] = c.batches * c.depth;
				ins[0].rank = 1;
			}
			memset(got, 0x5a, n_out);
			run_ok(&op, ins, c.has_bias ? 3 : 2, &out, got, n_out);
		}
		if (memcmp(got, want, n_out) != 0) {
			size_t i = 0;

			while (got[i] == want[i])
				i++;
			print_error("case %d: %d x %d -> %d units pc %d filter zp %d bias %d "
				    "act %d zp %d/%d scales %g/%g/%g: element %zu got %d want %d\n",
				    iter, c.batches, c.depth, c.units, c.per_channel, c.filter_zp,
				    c.has_bias, c.act, c.in_zp, c.out_zp, (double)c.in_scale,
				    (double)c.f_scales[0], (double)c.out_scale, i, got[i], want[i]);
			fail();
		}
		n_pc += c.per_channel;
		n_batched += c.batches > 1;
		n_zp += c.filter_zp != 0;
		free(in);
		free(w);
		free(want);
		free(got);
	}
	assert_true(n_pc > 100 && n_batched > 150 && n_zp > 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_hand),
		cmocka_unit_test(test_fc_no_bias),
		cmocka_unit_test(test_fc_keep_num_dims),
		cmocka_unit_test(test_fc_per_channel),
		cmocka_unit_test(test_fc_filter_zero_point_per_tensor),
		cmocka_unit_test(test_fc_per_tensor_uses_float_product),
		cmocka_unit_test(test_fc_per_channel_filter_zero_point),
		cmocka_unit_test(test_fc_filter_zero_point_out_of_range),
		cmocka_unit_test(test_fc_bias_scale_check),
		cmocka_unit_test(test_fc_bias_scale_check_uses_double_product),
		cmocka_unit_test(test_fc_accumulator_wraps),
		cmocka_unit_test(test_fc_activation_and_saturation),
		cmocka_unit_test(test_fc_rejects),
		cmocka_unit_test(test_fc_random_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
