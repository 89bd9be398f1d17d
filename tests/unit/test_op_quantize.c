/* SPDX-License-Identifier: MIT */
/*
 * QUANTIZE (float32 -> int8/int16, requantization between integer types)
 * and DEQUANTIZE (int8/uint8/int16 -> float32): rounding of .5 cases,
 * saturation, extreme zero points, multipliers above and below 1, exact
 * expectations derived by hand from TFLite's arithmetic, rejects.
 * Everything runs through the real loader on one-operator models.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

static const opspec quantize_op = { 114, 0, NULL, 0 };
static const opspec dequantize_op = { 6, 0, NULL, 0 };

static long clampl(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- float32 -> int8 / int16 ------------------------------------------------ */

/*
 * zero_point + round(x / scale), ties away from zero, clamped.  Scale 0.5:
 * 0.25 / 0.5 = 0.5 -> 1, -0.75 -> -1.5 -> -2, 1.25 -> 2.5 -> 3, 0.2 -> 0.4
 * -> 0, 63.75 -> 127.5 -> 128 -> 127, -64.25 -> -128.5 -> -129 -> -128.
 */
static void test_quantize_float_rounding(void **state)
{
	const float x[] = { 0.25f, -0.25f, 0.75f, -0.75f, 1.25f, -1.25f, 0.2f,
			    1000.0f, -1000.0f, 63.75f, -64.25f, 0.0f };
	const int8_t want[] = { 1, -1, 2, -2, 3, -3, 0, 127, -128, 127, -128, 0 };
	const tspec in = { TB_TYPE_FLOAT32, SHAPE(12), 0, 0, x, sizeof(x), 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(12), 0.5f, 0, NULL, 0, 0 };
	int8_t got[12];

	(void)state;
	run_ok(&quantize_op, &in, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
}

/* Extreme zero points.  0.05f is exactly half of 0.1f, so 0.05 / 0.1 is a
 * tie: 0.5 -> 1 -> -127 and -0.5 -> -1 -> -129 -> -128. */
static void test_quantize_float_zero_points(void **state)
{
	const float x[] = { 0.05f, -0.05f, 0.0f, 25.5f, 25.45f, 1e30f };
	const int8_t want_lo[] = { -127, -128, -128, 127, 127, 127 };
	const float y[] = { 0.5f, -0.5f, -255.5f, -254.0f, 0.0f, -1e30f };
	const int8_t want_hi[] = { 127, 126, -128, -127, 127, -128 };
	tspec in = { TB_TYPE_FLOAT32, SHAPE(6), 0, 0, x, sizeof(x), 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(6), 0.1f, -128, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&quantize_op, &in, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_lo, sizeof(want_lo));
	in.data = y;
	out.scale = 1.0f;
	out.zp = 127;
	run_ok(&quantize_op, &in, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want_hi, sizeof(want_hi));
}

static void test_quantize_float_to_int16(void **state)
{
	const float x[] = { 1.125f, -1.125f, 10000.0f, -10000.0f, 3.0f };
	const int16_t want[] = { 5, -5, 32767, -32768, 12 };
	const tspec in = { TB_TYPE_FLOAT32, SHAPE(5), 0, 0, x, sizeof(x), 0 };
	const tspec out = { TB_TYPE_INT16, SHAPE(5), 0.25f, 0, NULL, 0, 0 };
	int16_t got[5];

	(void)state;
	run_ok(&quantize_op, &in, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
}

/* ---- integer requantization -------------------------------------------------- */

/* Scale ratio 0.5 / 0.25 = 2 exactly: out = -20 + 2 * (x - 10), clamped. */
static void test_requantize_exact(void **state)
{
	int8_t x[256], got[256];
	const tspec in = { TB_TYPE_INT8, SHAPE(256), 0.5f, 10, x, sizeof(x), 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(256), 0.25f, -20, NULL, 0, 0 };

	(void)state;
	for (int i = 0; i < 256; i++)
		x[i] = (int8_t)(i - 128);
	run_ok(&quantize_op, &in, 1, &out, got, sizeof(got));
	for (int i = 0; i < 256; i++)
		assert_int_equal(got[i], clampl(-20 + 2 * (x[i] - 10), -128, 127));
}

/*
 * TFLite's rounding, by hand.  Ratio 0.5 / 1 = 0.5: multiplier 2^30, shift
 * 0, so out = SaturatingRoundingDoublingHighMul(x, 2^30) = trunc((x * 2^30
 * + nudge) / 2^31) with nudge 2^30 (x >= 0) or 1 - 2^30: x = 3 -> 2, x = -3
 * -> trunc(-1.99..) = -1 (not -2: negative ties go up here), x = 1 -> 1,
 * x = -1 -> 0, x = 5 -> 3, x = -5 -> -2.
 */
static void test_requantize_rounding_by_hand(void **state)
{
	const int8_t x[] = { 3, -3, 1, -1, 5, -5 };
	const int8_t want[] = { 2, -1, 1, 0, 3, -2 };
	const tspec in = { TB_TYPE_INT8, SHAPE(6), 0.5f, 0, x, sizeof(x), 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(6), 1.0f, 0, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	run_ok(&quantize_op, &in, 1, &out, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
}

/* Against the real-number requantization, at most 1 LSB off. */
static void check_requantize_real(float s_in, int z_in, float s_out, int z_out)
{
	int8_t x[256], got[256];
	const tspec in = { TB_TYPE_INT8, SHAPE(256), s_in, z_in, x, sizeof(x), 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(256), s_out, z_out, NULL, 0, 0 };

	for (int i = 0; i < 256; i++)
		x[i] = (int8_t)(i - 128);
	run_ok(&quantize_op, &in, 1, &out, got, sizeof(got));
	for (int i = 0; i < 256; i++) {
		const long want = clampl(z_out + rnd((double)s_in * (x[i] - z_in) / s_out),
					 -128, 127);

		if (labs(got[i] - want) > 1)
			print_error("x %d: got %d want %ld\n", x[i], got[i], want);
		assert_true(labs(got[i] - want) <= 1);
	}
}

static void test_requantize_real(void **state)
{
	(void)state;
	check_requantize_real(0.03f, -128, 0.07f, 127);  /* multiplier < 1 */
	check_requantize_real(0.07f, 127, 0.03f, -128);  /* multiplier > 1 */
	check_requantize_real(0.011f, 5, 0.0107f, -3);
	check_requantize_real(0.5f, 0, 0.001f, 0);       /* mostly saturated */
}

/* Same scale, zero points 128 apart: int8 <-> uint8 is x + 128. */
static void test_requantize_uint8(void **state)
{
	int8_t s[256], s_got[256];
	uint8_t u[256], u_got[256];
	tspec in = { TB_TYPE_INT8, SHAPE(256), 0.1f, -3, s, sizeof(s), 0 };
	tspec out = { TB_TYPE_UINT8, SHAPE(256), 0.1f, 125, NULL, 0, 0 };

	(void)state;
	for (int i = 0; i < 256; i++) {
		s[i] = (int8_t)(i - 128);
		u[i] = (uint8_t)i;
	}
	run_ok(&quantize_op, &in, 1, &out, u_got, sizeof(u_got));
	for (int i = 0; i < 256; i++)
		assert_int_equal(u_got[i], s[i] + 128);
	in = (tspec){ TB_TYPE_UINT8, SHAPE(256), 0.1f, 125, u, sizeof(u), 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(256), 0.1f, -3, NULL, 0, 0 };
	run_ok(&quantize_op, &in, 1, &out, s_got, sizeof(s_got));
	for (int i = 0; i < 256; i++)
		assert_int_equal(s_got[i], u[i] - 128);
	/* uint8 -> int8 with a halved scale: (u - 128) * 2, clamped */
	in.zp = 128;
	out.scale = 0.05f;
	out.zp = 0;
	run_ok(&quantize_op, &in, 1, &out, s_got, sizeof(s_got));
	for (int i = 0; i < 256; i++)
		assert_int_equal(s_got[i], clampl(2 * (u[i] - 128), -128, 127));
}

/* Wider types: exact power-of-two ratios. */
static void test_requantize_wide(void **state)
{
	const int8_t x[] = { -128, -1, 0, 3, 127 };
	const int16_t w[] = { -32768, -300, 0, 299, 32767 };
	int16_t got16[5];
	int32_t got32[5];
	int8_t got8[5];
	tspec in = { TB_TYPE_INT8, SHAPE(5), 0.5f, 3, x, sizeof(x), 0 };
	tspec out = { TB_TYPE_INT16, SHAPE(5), 0.125f, 0, NULL, 0, 0 };

	(void)state;
	run_ok(&quantize_op, &in, 1, &out, got16, sizeof(got16));
	for (int i = 0; i < 5; i++)
		assert_int_equal(got16[i], 4 * (x[i] - 3));
	out = (tspec){ TB_TYPE_INT32, SHAPE(5), 0.5f, 1000, NULL, 0, 0 };
	run_ok(&quantize_op, &in, 1, &out, got32, sizeof(got32));
	for (int i = 0; i < 5; i++)
		assert_int_equal(got32[i], x[i] - 3 + 1000);
	/* int16 -> int8, ratio 0.25 / 1: x / 4, with TFLite's ties (299 / 4
	 * = 74.75 -> 75; -300 / 4 = -75 exactly) and saturation */
	in = (tspec){ TB_TYPE_INT16, SHAPE(5), 0.25f, 0, w, sizeof(w), 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(5), 1.0f, 0, NULL, 0, 0 };
	run_ok(&quantize_op, &in, 1, &out, got8, sizeof(got8));
	assert_int_equal(got8[0], -128);
	assert_int_equal(got8[1], -75);
	assert_int_equal(got8[2], 0);
	assert_int_equal(got8[3], 75);
	assert_int_equal(got8[4], 127);
}

/* ---- DEQUANTIZE ---------------------------------------------------------------- */

/* scale * (x - zero_point), computed in double from the float scale. */
static void test_dequantize(void **state)
{
	int8_t x[256];
	uint8_t u[256];
	const int16_t w[] = { -32768, -1, 0, 1, 32767 };
	float got[256];
	tspec in = { TB_TYPE_INT8, SHAPE(256), 0.5f, -3, x, sizeof(x), 0 };
	tspec out = { TB_TYPE_FLOAT32, SHAPE(256), 0, 0, NULL, 0, 0 };

	(void)state;
	for (int i = 0; i < 256; i++) {
		x[i] = (int8_t)(i - 128);
		u[i] = (uint8_t)i;
	}
	run_ok(&dequantize_op, &in, 1, &out, got, sizeof(got));
	for (int i = 0; i < 256; i++)
		assert_true(got[i] == 0.5f * (float)(x[i] + 3)); /* exact */
	in.scale = 0.1f;
	in.zp = 127;
	run_ok(&dequantize_op, &in, 1, &out, got, sizeof(got));
	for (int i = 0; i < 256; i++) {
		const double want = 0.1 * (x[i] - 127);

		assert_true(got[i] == (float)((double)0.1f * (x[i] - 127)));
		assert_true(got[i] - want < 1e-5 && want - got[i] < 1e-5);
	}
	in = (tspec){ TB_TYPE_UINT8, SHAPE(256), 0.25f, 128, u, sizeof(u), 0 };
	run_ok(&dequantize_op, &in, 1, &out, got, sizeof(got));
	for (int i = 0; i < 256; i++)
		assert_true(got[i] == 0.25f * (float)(i - 128));
	in = (tspec){ TB_TYPE_INT16, SHAPE(5), 0.125f, 0, w, sizeof(w), 0 };
	out = (tspec){ TB_TYPE_FLOAT32, SHAPE(5), 0, 0, NULL, 0, 0 };
	run_ok(&dequantize_op, &in, 1, &out, got, sizeof(got));
	for (int i = 0; i < 5; i++)
		assert_true(got[i] == 0.125f * (float)w[i]);
}

/* ---- rejects -------------------------------------------------------------------- */

static void test_quantize_rejects(void **state)
{
	const float f[4] = { 0 };
	const int8_t q[4] = { 0 };
	const int32_t w[4] = { 0 };
	tspec in = { TB_TYPE_FLOAT32, SHAPE(4), 0, 0, f, sizeof(f), 0 };
	tspec out = { TB_TYPE_UINT8, SHAPE(4), 0.1f, 0, NULL, 0, 0 };

	(void)state;
	/* TFLM's QUANTIZE evaluates float32 -> int8 / int16 only */
	expect_reject(&quantize_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "not supported");
	out = (tspec){ TB_TYPE_INT8, SHAPE(4), 0, 0, NULL, 0, 0 };
	expect_reject(&quantize_op, &in, 1, &out, TS_ERR_QUANT, "no quantization");
	out = (tspec){ TB_TYPE_INT8, SHAPE(2, 2), 0.1f, 0, NULL, 0, 0 };
	expect_reject(&quantize_op, &in, 1, &out, TS_ERR_SHAPE, "shape");
	in = (tspec){ TB_TYPE_INT32, SHAPE(4), 0.1f, 0, w, sizeof(w), 0 };
	out = (tspec){ TB_TYPE_INT32, SHAPE(4), 0.1f, 0, NULL, 0, 0 };
	expect_reject(&quantize_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "int32 input to int32");
	in = (tspec){ TB_TYPE_INT8, SHAPE(4), 0, 0, q, sizeof(q), 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(4), 0.1f, 0, NULL, 0, 0 };
	expect_reject(&quantize_op, &in, 1, &out, TS_ERR_QUANT, "input has no quantization");
	in.scale = 0.1f;
	out.zp = 200;
	expect_reject(&quantize_op, &in, 1, &out, TS_ERR_QUANT, "zero point 200");
	out.zp = 0;
	out.scale = 1e-30f;
	expect_reject(&quantize_op, &in, 1, &out, TS_ERR_QUANT, "not representable");
}

static void test_dequantize_rejects(void **state)
{
	const float f[4] = { 0 };
	const int8_t q[4] = { 0 };
	tspec in = { TB_TYPE_INT8, SHAPE(4), 0.1f, 0, q, sizeof(q), 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(4), 0.1f, 0, NULL, 0, 0 };

	(void)state;
	expect_reject(&dequantize_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "float32 only");
	out = (tspec){ TB_TYPE_FLOAT32, SHAPE(4), 0, 0, NULL, 0, 0 };
	in.scale = 0;
	expect_reject(&dequantize_op, &in, 1, &out, TS_ERR_QUANT, "no quantization");
	in = (tspec){ TB_TYPE_FLOAT32, SHAPE(4), 0, 0, f, sizeof(f), 0 };
	expect_reject(&dequantize_op, &in, 1, &out, TS_ERR_UNSUPPORTED, "float32 not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantize_float_rounding),
		cmocka_unit_test(test_quantize_float_zero_points),
		cmocka_unit_test(test_quantize_float_to_int16),
		cmocka_unit_test(test_requantize_exact),
		cmocka_unit_test(test_requantize_rounding_by_hand),
		cmocka_unit_test(test_requantize_real),
		cmocka_unit_test(test_requantize_uint8),
		cmocka_unit_test(test_requantize_wide),
		cmocka_unit_test(test_dequantize),
		cmocka_unit_test(test_quantize_rejects),
		cmocka_unit_test(test_dequantize_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
