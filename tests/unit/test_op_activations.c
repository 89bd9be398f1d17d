/* SPDX-License-Identifier: MIT */
/*
 * LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6 (int8): every input
 * byte against the real-number function (at most 1 LSB off, where TFLite's
 * fixed-point rounding is not reproducible from doubles), exact cases
 * derived by hand from TFLite's integer algorithm, and rejects.  Everything
 * runs through the real loader on one-operator models.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- helpers ---------------------------------------------------------------- */

static const opspec logistic_op = { 14, 0, NULL, 0 };
static const opspec tanh_op = { 28, 0, NULL, 0 };
static const opspec hard_swish_op = { 117, 0, NULL, 0 };
static const opspec relu_op = { 19, 0, NULL, 0 };
static const opspec relu6_op = { 21, 0, NULL, 0 };

static double t_tanh(double x)
{
	const double e = t_exp(-2.0 * (x < 0 ? -x : x));
	const double t = (1.0 - e) / (1.0 + e);

	return x < 0 ? -t : t;
}

static long sat8(long v)
{
	return v < -128 ? -128 : v > 127 ? 127 : v;
}

/* All 256 int8 values, -128 first. */
static void all_bytes(int8_t *v)
{
	for (int i = 0; i < 256; i++)
		v[i] = (int8_t)(i - 128);
}

/* Runs op on all 256 input bytes with the given quantizations. */
static void run_all(const opspec *op, float in_scale, int in_zp,
		    float out_scale, int out_zp, int8_t *got)
{
	int8_t in[256];
	const tspec t = { TB_TYPE_INT8, SHAPE(16, 16), in_scale, in_zp, in, sizeof(in), 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(16, 16), out_scale, out_zp, NULL, 0, 0 };
	ts_diag diag;
	ts_status st;

	all_bytes(in);
	st = run_op(op, &t, 1, &out, got, &diag);
	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
}

typedef double (*real_fn)(double x, double param);

/* Every byte within 1 LSB of out_zp + round(f(x) / out_scale), clamped. */
static void check_real(const opspec *op, real_fn f, double param,
		       float in_scale, int in_zp, float out_scale, int out_zp)
{
	int8_t got[256];

	run_all(op, in_scale, in_zp, out_scale, out_zp, got);
	for (int i = 0; i < 256; i++) {
		const double x = (double)in_scale * (i - 128 - in_zp);
		const long want = sat8(out_zp + rnd(f(x, param) / out_scale));

		if (labs(got[i] - want) > 1)
			print_error("input %d (x %g): got %d want %ld\n", i - 128,
				    x, got[i], want);
		assert_true(labs(got[i] - want) <= 1);
	}
}

static double f_logistic(double x, double p)
{
	(void)p;
	return 1.0 / (1.0 + t_exp(-x));
}

static double f_tanh(double x, double p)
{
	(void)p;
	return t_tanh(x);
}

static double f_hard_swish(double x, double p)
{
	(void)p;
	const double r = x + 3.0 < 0 ? 0 : x + 3.0 > 6 ? 6 : x + 3.0;

	return x * r / 6.0;
}

static double f_leaky(double x, double alpha)
{
	return x > 0 ? x : alpha * x;
}

static double f_relu(double x, double p)
{
	(void)p;
	return x > 0 ? x : 0;
}

static double f_relu6(double x, double p)
{
	(void)p;
	return x < 0 ? 0 : x > 6 ? 6 : x;
}

/* ---- LOGISTIC ------------------------------------------------------------- */

/*
 * Input scale 1: TFLite's input multiplier is 1 * 2^27 = 0.5 * 2^28, so the
 * shift is 28 and the radius floor(15 * 2^27 / 2^28) = 7: inputs at 7 or
 * more from the zero point saturate to 127, at -7 or less to -128.  At the
 * zero point gemmlowp's logistic returns exactly 1/2 (2^30), which rescales
 * to 128 / 256 - 128 = 0.
 */
static void test_logistic_by_hand(void **state)
{
	int8_t got[256];

	(void)state;
	run_all(&logistic_op, 1.0f, 3, 1.0f / 256, -128, got);
	assert_int_equal(got[3 + 128], 0);
	assert_int_equal(got[3 + 7 + 128], 127);
	assert_int_equal(got[3 - 7 + 128], -128);
	assert_int_equal(got[127 + 128], 127);
	assert_int_equal(got[-128 + 128], -128);
	/* sigmoid(1) * 256 = 187.14 -> 59, sigmoid(-1) * 256 = 68.86 -> -59 */
	assert_true(abs(got[4 + 128] - 59) <= 1);
	assert_true(abs(got[2 + 128] + 59) <= 1);
}

static void test_logistic_real(void **state)
{
	(void)state;
	check_real(&logistic_op, f_logistic, 0, 0.1f, 0, 1.0f / 256, -128);
	check_real(&logistic_op, f_logistic, 0, 0.0625f, -128, 1.0f / 256, -128);
	check_real(&logistic_op, f_logistic, 0, 0.037f, 127, 1.0f / 256, -128);
	check_real(&logistic_op, f_logistic, 0, 0.003f, 20, 1.0f / 256, -128);
	check_real(&logistic_op, f_logistic, 0, 2.5f, -7, 1.0f / 256, -128);
}

static void test_logistic_rejects(void **state)
{
	const float f[4] = { 0 };
	const int8_t q[4] = { 0 };
	tspec in = { TB_TYPE_INT8, SHAPE(4), 0.1f, 0, q, sizeof(q), 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(4), 1.0f / 256, 0, NULL, 0, 0 };

	(void)state;
	/* TFLM requires the zero point -128; scale 1/256 as TFLite does. */
	expect_reject(&logistic_op, &in, 1, &out, TS_ERR_QUANT, "zero point -128");
	out.zp = -128;
	out.scale = 1.0f / 128;
	expect_reject(&logistic_op, &in, 1, &out, TS_ERR_QUANT, "1/256");
	out = (tspec){ TB_TYPE_FLOAT32, SHAPE(4), 0, 0, NULL, 0, 0 };
	in = (tspec){ TB_TYPE_FLOAT32, SHAPE(4), 0, 0, f, sizeof(f), 0 };
	expect_reject(&logistic_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "float32");
	in = (tspec){ TB_TYPE_INT8, SHAPE(4), 0, 0, q, sizeof(q), 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(4), 1.0f / 256, -128, NULL, 0, 0 };
	expect_reject(&logistic_op, &in, 1, &out, TS_ERR_QUANT, "quantization");
	in.scale = 0.1f;
	out = (tspec){ TB_TYPE_INT8, SHAPE(2, 2), 1.0f / 256, -128, NULL, 0, 0 };
	expect_reject(&logistic_op, &in, 1, &out, TS_ERR_SHAPE, "shape");
}

/* ---- TANH ------------------------------------------------------------------- */

/* Same radius 7 at input scale 1; tanh(0) is exactly 0. */
static void test_tanh_by_hand(void **state)
{
	int8_t got[256];

	(void)state;
	run_all(&tanh_op, 1.0f, -10, 1.0f / 128, 0, got);
	assert_int_equal(got[-10 + 128], 0);
	assert_int_equal(got[-10 + 7 + 128], 127);
	assert_int_equal(got[-10 - 7 + 128], -128);
	assert_int_equal(got[127 + 128], 127);
	assert_int_equal(got[0], -128);
	/* tanh(1) * 128 = 97.48 */
	assert_true(abs(got[-9 + 128] - 97) <= 1);
	assert_true(abs(got[-11 + 128] + 97) <= 1);
}

static void test_tanh_real(void **state)
{
	(void)state;
	check_real(&tanh_op, f_tanh, 0, 0.05f, 0, 1.0f / 128, 0);
	check_real(&tanh_op, f_tanh, 0, 0.02f, -128, 1.0f / 128, 0);
	check_real(&tanh_op, f_tanh, 0, 0.013f, 127, 1.0f / 128, 0);
	check_real(&tanh_op, f_tanh, 0, 0.5f, 40, 1.0f / 128, 0);
}

static void test_tanh_rejects(void **state)
{
	const int8_t q[4] = { 0 };
	const tspec in = { TB_TYPE_INT8, SHAPE(4), 0.1f, 0, q, sizeof(q), 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(4), 1.0f / 128, -128, NULL, 0, 0 };

	(void)state;
	expect_reject(&tanh_op, &in, 1, &out, TS_ERR_QUANT, "1/128");
	out.zp = 0;
	out.scale = 1.0f / 256;
	expect_reject(&tanh_op, &in, 1, &out, TS_ERR_QUANT, "1/128");
	out = (tspec){ TB_TYPE_INT16, SHAPE(4), 1.0f / 128, 0, NULL, 0, 0 };
	expect_reject(&tanh_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "int16");
}

/* ---- HARD_SWISH ---------------------------------------------------------- */

/*
 * By hand from TFLite's int16 algorithm: at the zero point the input is 0,
 * so its pre-shift output value is 0 and the result is exactly the output
 * zero point.  At x <= -3 the "reluish" value saturates to -32768, which
 * maps to (-32768 + 32768) >> 1 = 0, so the result is again exactly the
 * output zero point.  Input scale 0.05: x = -3 is 60 below the zero point.
 */
static void test_hard_swish_by_hand(void **state)
{
	int8_t got[256];

	(void)state;
	run_all(&hard_swish_op, 0.05f, 20, 0.03f, -100, got);
	assert_int_equal(got[20 + 128], -100);
	for (int v = -128; v <= 20 - 60; v++)
		assert_int_equal(got[v + 128], -100);
	/* x = 107 * 0.05 = 5.35 >= 3: the output is x itself, 5.35 / 0.03
	 * = 178.3 above -100. */
	assert_true(abs(got[127 + 128] - 78) <= 1);
}

static void test_hard_swish_real(void **state)
{
	(void)state;
	check_real(&hard_swish_op, f_hard_swish, 0, 0.05f, 20, 0.03f, -100);
	check_real(&hard_swish_op, f_hard_swish, 0, 0.04f, -128, 0.04f, -128);
	check_real(&hard_swish_op, f_hard_swish, 0, 0.04f, 127, 0.02f, 127);
	/* input scale > 3 / 256: a left-shifting reluish multiplier */
	check_real(&hard_swish_op, f_hard_swish, 0, 0.2f, 0, 0.1f, -30);
	/* small input scale: right shifts */
	check_real(&hard_swish_op, f_hard_swish, 0, 0.001f, -5, 0.0005f, 3);
}

static void test_hard_swish_rejects(void **state)
{
	const int8_t q[4] = { 0 };
	const tspec in = { TB_TYPE_INT8, SHAPE(4), 1.0f, 0, q, sizeof(q), 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(4), 0.001f, 0, NULL, 0, 0 };

	(void)state;
	/* input_scale / 128 / output_scale = 7.8 > 1: TFLM's
	 * output_multiplier_exponent <= 0 check fails. */
	expect_reject(&hard_swish_op, &in, 1, &out, TS_ERR_QUANT, "exponent");
}

/* ---- LEAKY_RELU ---------------------------------------------------------- */

static void leaky_op(float alpha, tb_field *field, opspec *op)
{
	*field = (tb_field)TB_FIELD_F32(0, alpha);
	*op = (opspec){ 98, 75, field, 1 };
}

/*
 * Same scale 0.5 in and out, zero points 0: the identity multiplier is 1
 * (2^30, shift 1), exact.  alpha 0.25 gives 2^30 with shift -1: for x = -6
 * SaturatingRoundingDoublingHighMul(-6, 2^30) = trunc((-6 * 2^30 + 1 -
 * 2^30) / 2^31) = -3, then RoundingDivideByPOT(-3, 1) = -2 (ties away from
 * zero); x = -2 -> -1 -> -1; x = -1 -> 0; x = -128 -> -64 -> -32.
 */
static void test_leaky_relu_by_hand(void **state)
{
	const int8_t in_v[] = { -128, -6, -2, -1, 0, 1, 5, 127 };
	const int8_t want[] = { -32, -2, -1, 0, 0, 1, 5, 127 };
	const tspec in = { TB_TYPE_INT8, SHAPE(8), 0.5f, 0, in_v, sizeof(in_v), 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(8), 0.5f, 0, NULL, 0, 0 };
	tb_field field;
	opspec op;
	int8_t got[8];
	ts_diag diag;

	(void)state;
	leaky_op(0.25f, &field, &op);
	assert_int_equal(run_op(&op, &in, 1, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want, sizeof(want));
}

static void test_leaky_relu_real(void **state)
{
	static const float alphas[] = { 0.2f, -0.5f, 0.0f, 1.5f, 0.01f };
	tb_field field;
	opspec op;

	(void)state;
	for (size_t i = 0; i < N_OF(alphas); i++) {
		leaky_op(alphas[i], &field, &op);
		check_real(&op, f_leaky, alphas[i], 0.1f, 0, 0.1f, 0);
		check_real(&op, f_leaky, alphas[i], 0.05f, -128, 0.08f, 127);
		check_real(&op, f_leaky, alphas[i], 0.05f, 127, 0.02f, -128);
		/* multiplier > 1 */
		check_real(&op, f_leaky, alphas[i], 0.3f, 10, 0.07f, -3);
	}
}

/* An absent options table means alpha 0 (the schema default). */
static void test_leaky_relu_default_alpha(void **state)
{
	const opspec op = { 98, 0, NULL, 0 };

	(void)state;
	check_real(&op, f_leaky, 0.0, 0.1f, 5, 0.1f, -5);
}

/* ---- RELU and RELU6 ------------------------------------------------------ */

/*
 * 0.1f / 0.05f is exactly 2 in float, so TFLite's multiplier is 2^30 with
 * shift 2 and the rescaling is exact: out = -128 + 2 * (x - 10) for x >= 10
 * (106 at x = 127) and the activation minimum -128 below.
 */
static void test_relu_by_hand(void **state)
{
	int8_t got[256];

	(void)state;
	run_all(&relu_op, 0.1f, 10, 0.05f, -128, got);
	for (int v = -128; v <= 127; v++)
		assert_int_equal(got[v + 128], sat8(v < 10 ? -128 : -128 + 2 * (v - 10)));
}

static void test_relu_real(void **state)
{
	(void)state;
	check_real(&relu_op, f_relu, 0, 0.1f, 0, 0.1f, 0);
	check_real(&relu_op, f_relu, 0, 0.07f, -128, 0.03f, -128);
	check_real(&relu_op, f_relu, 0, 0.02f, 127, 0.05f, 127);
	check_real(&relu_op, f_relu, 0, 0.02f, 30, 0.05f, -70);
}

/*
 * TFLM's RELU6 clamps in the input's quantization: zero point -100, scale
 * 0.05, so 6 is round(6 / 0.05) - 100 = 20 and out = clamp(x, -100, 20).
 */
static void test_relu6_by_hand(void **state)
{
	int8_t got[256];

	(void)state;
	run_all(&relu6_op, 0.05f, -100, 0.05f, -100, got);
	for (int v = -128; v <= 127; v++)
		assert_int_equal(got[v + 128], v < -100 ? -100 : v > 20 ? 20 : v);
	run_all(&relu6_op, 0.01f, -128, 0.01f, -128, got);
	for (int v = -128; v <= 127; v++)
		assert_int_equal(got[v + 128], v); /* 6 / 0.01 + -128 > 127 */
}

static void test_relu6_real(void **state)
{
	(void)state;
	check_real(&relu6_op, f_relu6, 0, 6.0f / 255, -128, 6.0f / 255, -128);
	check_real(&relu6_op, f_relu6, 0, 0.1f, 127, 0.1f, 127);
	check_real(&relu6_op, f_relu6, 0, 0.03f, 0, 0.03f, 0);
}

static void test_relu_rejects(void **state)
{
	const int8_t q[4] = { 0 };
	const tspec in = { TB_TYPE_INT8, SHAPE(4), 0.1f, 0, q, sizeof(q), 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(4), 0.2f, 0, NULL, 0, 0 };

	(void)state;
	expect_reject(&relu6_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "differs");
	out.scale = 0.1f;
	out.zp = 1;
	expect_reject(&relu6_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "differs");
	out = (tspec){ TB_TYPE_UINT8, SHAPE(4), 0.1f, 0, NULL, 0, 0 };
	expect_reject(&relu_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "uint8");
	/* a scale ratio needing a left shift past 31 */
	out = (tspec){ TB_TYPE_INT8, SHAPE(4), 1e-12f, 0, NULL, 0, 0 };
	expect_reject(&relu_op, &in, 1, &out, TS_ERR_QUANT, "not representable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logistic_by_hand),
		cmocka_unit_test(test_logistic_real),
		cmocka_unit_test(test_logistic_rejects),
		cmocka_unit_test(test_tanh_by_hand),
		cmocka_unit_test(test_tanh_real),
		cmocka_unit_test(test_tanh_rejects),
		cmocka_unit_test(test_hard_swish_by_hand),
		cmocka_unit_test(test_hard_swish_real),
		cmocka_unit_test(test_hard_swish_rejects),
		cmocka_unit_test(test_leaky_relu_by_hand),
		cmocka_unit_test(test_leaky_relu_real),
		cmocka_unit_test(test_leaky_relu_default_alpha),
		cmocka_unit_test(test_relu_by_hand),
		cmocka_unit_test(test_relu_real),
		cmocka_unit_test(test_relu6_by_hand),
		cmocka_unit_test(test_relu6_real),
		cmocka_unit_test(test_relu_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
