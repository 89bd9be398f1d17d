/* SPDX-License-Identifier: MIT */
/*
 * SOFTMAX (int8 -> int8, output scale 1/256 zero point -128): rows against
 * the real softmax (at most 1 LSB off), exact cases derived by hand from
 * TFLite's integer algorithm, beta, several rows, long rows, rejects.
 * Everything runs through the real loader on one-operator models.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

static long sat8(long v)
{
	return v < -128 ? -128 : v > 127 ? 127 : v;
}

static _Alignas(16) int8_t got_buf[4096];

/* Runs SOFTMAX over rows x depth values with the given beta. */
static ts_status softmax(const int8_t *in, int rows, int depth, float scale,
			 int zp, float beta, ts_diag *diag)
{
	const tb_field opt[] = { TB_FIELD_F32(0, beta) };
	const opspec op = { 25, 9, opt, 1 };
	const tspec t = { TB_TYPE_INT8, SHAPE(rows, depth), scale, zp, in,
			  (size_t)rows * (size_t)depth, 0 };
	const tspec out = { TB_TYPE_INT8, SHAPE(rows, depth), 1.0f / 256, -128,
			    NULL, 0, 0 };

	return run_op(&op, &t, 1, &out, got_buf, diag);
}

/* Every output within 1 LSB of round(256 * softmax) - 128. */
static void check_real(const int8_t *in, int rows, int depth, float scale,
		       int zp, float beta)
{
	ts_diag diag;
	ts_status st = softmax(in, rows, depth, scale, zp, beta, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
	for (int r = 0; r < rows; r++) {
		const int8_t *x = in + r * depth;
		double sum = 0;
		int max = -128;

		for (int c = 0; c < depth; c++)
			max = x[c] > max ? x[c] : max;
		for (int c = 0; c < depth; c++)
			sum += t_exp((double)beta * scale * (x[c] - max));
		for (int c = 0; c < depth; c++) {
			const double p = t_exp((double)beta * scale * (x[c] - max)) / sum;
			const long want = sat8(rnd(256.0 * p) - 128);
			const int g = got_buf[r * depth + c];

			if (labs(g - want) > 1)
				print_error("row %d col %d: got %d want %ld\n", r, c, g, want);
			assert_true(labs(g - want) <= 1);
		}
	}
}

/*
 * All-equal rows, by hand: every difference is 0, exp(0) is gemmlowp's
 * One() = 2^31 - 1, rescaled to Q12.19 as 2^19, so a row of 4 sums to 2^21.
 * GetReciprocal: 2^21 has 10 leading zeros, so num_bits_over_unit = 2 and
 * 1 / (1 + 0) ~ 2^31 - 1; the exponent is 2 + 31 - 8 = 25 and each output
 * (2^31 - 2) / 2^25 rounds to 64: 64 - 128 = -64 (a quarter is 64 / 256).
 * Likewise 2 values give 128 - 128 = 0 and 1 value 256 -> 127 (saturated).
 */
static void test_softmax_all_equal(void **state)
{
	int8_t in[8];
	ts_diag diag;

	(void)state;
	memset(in, 37, sizeof(in));
	assert_int_equal(softmax(in, 2, 4, 0.1f, 0, 1.0f, &diag), TS_OK);
	for (int i = 0; i < 8; i++)
		assert_int_equal(got_buf[i], -64);
	assert_int_equal(softmax(in, 4, 2, 0.1f, 0, 1.0f, &diag), TS_OK);
	for (int i = 0; i < 8; i++)
		assert_int_equal(got_buf[i], 0);
	assert_int_equal(softmax(in, 8, 1, 0.1f, 0, 1.0f, &diag), TS_OK);
	for (int i = 0; i < 8; i++)
		assert_int_equal(got_buf[i], 127);
}

/*
 * One dominant input, by hand: input scale 1, beta 1 give the real
 * multiplier 2^26 = 0.5 * 2^27, so input_left_shift = 27 and diff_min =
 * -floor(31 * 2^26 / 2^27) = -15.  Differences below -15 contribute nothing
 * and output -128; the maximum alone sums to 1.0 and outputs 256 -> 127.
 */
static void test_softmax_dominant(void **state)
{
	const int8_t in[] = { -128, 127, -128, 100, 111, 112 };
	const int8_t want[] = { -128, 127, -128, -128, -128, -128 };
	ts_diag diag;

	(void)state;
	assert_int_equal(softmax(in, 1, 6, 1.0f, 0, 1.0f, &diag), TS_OK);
	assert_memory_equal(got_buf, want, sizeof(want));
	/* 112 (difference -15) is still counted: exp(-15) * 256 rounds to 0 */
	check_real(in, 1, 6, 1.0f, 0, 1.0f);
}

static void test_softmax_real(void **state)
{
	int8_t in[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		in[i] = (int8_t)((i * 73 + 19) % 256 - 128);
	check_real(in, 1, 64, 0.02f, 0, 1.0f);
	check_real(in, 4, 16, 0.05f, -128, 1.0f);
	check_real(in, 8, 8, 0.1f, 127, 1.0f);
	check_real(in, 16, 4, 0.01f, 3, 1.0f);
	check_real(in, 2, 32, 0.2f, 0, 1.0f);
	for (int i = 0; i < 64; i++)
		in[i] = (int8_t)(i % 5 - 2);
	check_real(in, 8, 8, 0.3f, 0, 1.0f);
}

/* beta scales the input like the scale does: beta 2 at scale 0.05 equals
 * beta 1 at scale 0.1, within the 1 LSB both are allowed. */
static void test_softmax_beta(void **state)
{
	int8_t in[40];

	(void)state;
	for (int i = 0; i < 40; i++)
		in[i] = (int8_t)((i * 37) % 90 - 45);
	check_real(in, 4, 10, 0.05f, 0, 2.0f);
	check_real(in, 4, 10, 0.1f, 0, 0.5f);
	check_real(in, 2, 20, 0.02f, 10, 0.25f);
	check_real(in, 2, 20, 0.02f, 10, 7.0f);
}

/* A 1001-class row with one peak and a gentle ramp (the sum stays < 512). */
static void test_softmax_long_row(void **state)
{
	static int8_t in[1001];

	(void)state;
	for (int i = 0; i < 1001; i++)
		in[i] = (int8_t)(-100 + (i % 40));
	in[500] = 120;
	check_real(in, 1, 1001, 0.1f, 0, 1.0f);
}

/*
 * Flat long rows: 300 equal values give 256 / 300 = 0.85 -> -127.  From 512
 * equal values on, TFLite's exponent passes 31 and TFLite Micro aborts
 * (TFLITE_CHECK); we output -128, which is the real 256 / n rounded.
 */
static void test_softmax_flat_long_rows(void **state)
{
	static int8_t in[1001];
	ts_diag diag;

	(void)state;
	memset(in, -3, sizeof(in));
	assert_int_equal(softmax(in, 1, 300, 0.1f, 0, 1.0f, &diag), TS_OK);
	for (int i = 0; i < 300; i++)
		assert_int_equal(got_buf[i], -127);
	assert_int_equal(softmax(in, 1, 1001, 0.1f, 0, 1.0f, &diag), TS_OK);
	for (int i = 0; i < 1001; i++)
		assert_int_equal(got_buf[i], -128);
	check_real(in, 1, 600, 0.1f, 0, 1.0f);
}

static void test_softmax_rejects(void **state)
{
	const int8_t q[4] = { 0 };
	const float f[4] = { 0 };
	const tb_field opt[] = { TB_FIELD_F32(0, 1.0f) };
	const opspec op = { 25, 9, opt, 1 };
	const opspec no_opts = { 25, 0, NULL, 0 };
	const tb_field zero_beta[] = { TB_FIELD_F32(0, 0.0f) };
	const opspec zero_op = { 25, 9, zero_beta, 1 };
	tspec in = { TB_TYPE_INT8, SHAPE(1, 4), 0.1f, 0, q, sizeof(q), 0 };
	tspec out = { TB_TYPE_INT8, SHAPE(1, 4), 1.0f / 256, 0, NULL, 0, 0 };

	(void)state;
	expect_reject(&op, &in, 1, &out, TS_ERR_QUANT, "zero point -128");
	out.zp = -128;
	out.scale = 1.0f / 255;
	expect_reject(&op, &in, 1, &out, TS_ERR_QUANT, "1/256");
	out.scale = 1.0f / 256;
	/* beta 0 (also the default without options): TFLite's
	 * QuantizeMultiplierGreaterThanOne check fails */
	expect_reject(&zero_op, &in, 1, &out, TS_ERR_QUANT, "beta");
	expect_reject(&no_opts, &in, 1, &out, TS_ERR_QUANT, "beta");
	out = (tspec){ TB_TYPE_INT16, SHAPE(1, 4), 1.0f / 65536, -32768, NULL, 0, 0 };
	expect_reject(&op, &in, 1, &out, TS_ERR_UNSUPPORTED, "int16");
	in = (tspec){ TB_TYPE_FLOAT32, SHAPE(1, 4), 0, 0, f, sizeof(f), 0 };
	out = (tspec){ TB_TYPE_FLOAT32, SHAPE(1, 4), 0, 0, NULL, 0, 0 };
	expect_reject(&op, &in, 1, &out, TS_ERR_UNSUPPORTED, "float32");
	in = (tspec){ TB_TYPE_INT8, SHAPE(1, 4), 0.1f, 0, q, sizeof(q), 0 };
	out = (tspec){ TB_TYPE_INT8, SHAPE(4, 1), 1.0f / 256, -128, NULL, 0, 0 };
	expect_reject(&op, &in, 1, &out, TS_ERR_SHAPE, "shape");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_softmax_all_equal),
		cmocka_unit_test(test_softmax_dominant),
		cmocka_unit_test(test_softmax_real),
		cmocka_unit_test(test_softmax_beta),
		cmocka_unit_test(test_softmax_long_row),
		cmocka_unit_test(test_softmax_flat_long_rows),
		cmocka_unit_test(test_softmax_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
