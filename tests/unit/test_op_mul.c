/* SPDX-License-Identifier: MIT */
/* MUL (int8): exact hand-checked cases, broadcasting, rounding, rejects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- MUL ------------------------------------------------------------------ */

static const tb_field no_act[] = { TB_FIELD_I8(0, TB_ACT_NONE) };
static const opspec mul_op = { 18, 21, no_act, 1 };

/* Scales 0.5 * 0.5 / 0.25 = 1 exactly: QuantizeMultiplier gives 2^30 with
 * shift 1, so out = a * b with no rounding at all. */
static void test_mul_exact_same_shape(void **state)
{
	const int8_t a[] = { 1, 2, -3, 10, 0, -11 };
	const int8_t b[] = { 4, -5, 6, 12, 99, -11 };
	const int8_t want[] = { 4, -10, -18, 120, 0, 121 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, b, sizeof(b), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(2, 3), 0.25f, 0, NULL, 0, 0 };
	int8_t got[6];
	ts_diag diag;

	(void)state;
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want, sizeof(want));
}

/* Same unit multiplier: products beyond int8 saturate at -128 / 127. */
static void test_mul_saturates(void **state)
{
	const int8_t a[] = { 127, -128, -128, 12, -12, 11 };
	const int8_t b[] = { 127, 127, -128, 11, 11, -12 };
	const int8_t want[] = { 127, -128, 127, 127, -128, -128 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(6), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(6), 0.5f, 0, b, sizeof(b), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(6), 0.25f, 0, NULL, 0, 0 };
	int8_t got[6];
	ts_diag diag;

	(void)state;
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want, sizeof(want));
}

/*
 * TFLite's rounding, by hand.  Scales 1 * 0.5 / 1: multiplier 2^30, shift 0,
 * so out = SaturatingRoundingDoublingHighMul(x, 2^30) = (x * 2^30 + nudge) /
 * 2^31 truncated, nudge = 2^30 for x >= 0 and 1 - 2^30 below: x = 3 gives
 * 1.5 -> 2 but x = -3 gives -1.5 -> -1 and x = -1 gives -0.5 -> 0 (ties go
 * up).  Scales 1 * 0.25 / 1: multiplier 2^30, shift -1, then
 * RoundingDivideByPOT(., 1) rounds ties away from zero: x = 6: SRDHM 3 ->
 * 1.5 -> 2; x = -6: SRDHM (-6 * 2^30 + 1 - 2^30) / 2^31 = -3 -> -1.5 -> -2;
 * x = 2: 1 -> 0.5 -> 1; x = -2: SRDHM -1 -> -0.5 -> -1.
 */
static void test_mul_rounding_by_hand(void **state)
{
	const int8_t a[] = { 3, -3, 1, -1, 5 };
	const int8_t one[] = { 1, 1, 1, 1, 1 };
	const int8_t want_half[] = { 2, -1, 1, 0, 3 };
	const int8_t a2[] = { 6, -6, 2, -2, 7 };
	const int8_t want_quarter[] = { 2, -2, 1, -1, 2 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(5), 1.0f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(5), 0.5f, 0, one, sizeof(one), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(5), 1.0f, 0, NULL, 0, 0 };
	int8_t got[5];
	ts_diag diag;

	(void)state;
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want_half, sizeof(want_half));
	in[0].data = a2;
	in[1].scale = 0.25f;
	/* 7 / 4 = 1.75 -> 2 */
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want_quarter, sizeof(want_quarter));
}

/* b is one element: every a is multiplied by it (rank 2 x rank 1 and
 * rank 2 x rank 0). */
static void test_mul_broadcast_scalar(void **state)
{
	const int8_t a[] = { 1, -2, 3, -4, 5, -6 };
	const int8_t b[] = { 3 };
	const int8_t want[] = { 3, -6, 9, -12, 15, -18 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(1), 0.5f, 0, b, sizeof(b), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(2, 3), 0.25f, 0, NULL, 0, 0 };
	int8_t got[6];
	ts_diag diag;

	(void)state;
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want, sizeof(want));
	in[1].rank = 0;
	memset(got, 0, sizeof(got));
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want, sizeof(want));
	/* Scalar first. */
	in[1] = in[0];
	in[0] = (tspec){ TB_TYPE_INT8, SHAPE(1), 0.5f, 0, b, sizeof(b), 0 };
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want, sizeof(want));
}

/* A row vector [3] against [2, 3]; and a column [2, 1] against [2, 3]. */
static void test_mul_broadcast_row_and_column(void **state)
{
	const int8_t a[] = { 1, 2, 3, 4, 5, 6 };
	const int8_t row[] = { 1, -1, 2 };
	const int8_t col[] = { 2, -3 };
	const int8_t want_row[] = { 1, -2, 6, 4, -5, 12 };
	const int8_t want_col[] = { 2, 4, 6, -12, -15, -18 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(3), 0.5f, 0, row, sizeof(row), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(2, 3), 0.25f, 0, NULL, 0, 0 };
	int8_t got[6];
	ts_diag diag;

	(void)state;
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want_row, sizeof(want_row));
	in[1] = (tspec){ TB_TYPE_INT8, SHAPE(2, 1), 0.5f, 0, col, sizeof(col), 0 };
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want_col, sizeof(want_col));
}

/* 4D, both inputs broadcast: [2,1,3,1] x [1,2,1,2] -> [2,2,3,2]; the
 * expectation indexes the inputs directly. */
static void test_mul_broadcast_4d(void **state)
{
	const int8_t a[6] = { 1, 2, 3, -1, -2, -3 };
	const int8_t b[4] = { 1, 2, 5, -7 };
	int8_t want[24], got[24];
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 1, 3, 1), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 1, 2), 0.5f, 0, b, sizeof(b), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(2, 2, 3, 2), 0.25f, 0, NULL, 0, 0 };
	ts_diag diag;

	(void)state;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			for (int k = 0; k < 3; k++)
				for (int l = 0; l < 2; l++)
					want[((i * 2 + j) * 3 + k) * 2 + l] =
						(int8_t)(a[i * 3 + k] * b[j * 2 + l]);
	assert_int_equal(run_op(&mul_op, in, 2, &out, got, &diag), TS_OK);
	assert_memory_equal(got, want, sizeof(want));
}

/* Extreme zero points and an inexact multiplier, against the real-number
 * product (at most 1 LSB off), plus RELU / RELU6 clamping. */
static void check_mul_real(int32_t z1, int32_t z2, int32_t zo, float s1,
			   float s2, float so, int act)
{
	int8_t a[256], b[256], got[256];
	const tb_field opt[] = { TB_FIELD_I8(0, act) };
	const opspec op = { 18, 21, opt, 1 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(16, 16), s1, z1, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(16, 16), s2, z2, b, sizeof(b), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(16, 16), so, zo, NULL, 0, 0 };
	ts_diag diag;

	for (int i = 0; i < 256; i++) {
		a[i] = (int8_t)(i - 128);
		b[i] = (int8_t)((i * 37 + 11) % 256 - 128);
	}
	assert_int_equal(run_op(&op, in, 2, &out, got, &diag), TS_OK);
	for (int i = 0; i < 256; i++) {
		const double real = (double)s1 * (a[i] - z1) * s2 * (b[i] - z2);
		long lo = -128, hi = 127, want = rnd(zo + real / so);

		if (act == TB_ACT_RELU || act == TB_ACT_RELU6)
			lo = zo > -128 ? zo : -128;
		if (act == TB_ACT_RELU6 && zo + rnd(6.0 / so) < 127)
			hi = zo + rnd(6.0 / so);
		want = want < lo ? lo : want > hi ? hi : want;
		if (got[i] - want > 1 || want - got[i] > 1)
			print_error("i %d: a %d b %d got %d want %ld\n", i, a[i],
				    b[i], got[i], want);
		assert_true(got[i] - want <= 1 && want - got[i] <= 1);
	}
}

static void test_mul_real_formula(void **state)
{
	(void)state;
	check_mul_real(-128, 127, -128, 0.02f, 0.013f, 0.17f, TB_ACT_NONE);
	check_mul_real(127, -128, 127, 0.031f, 0.007f, 0.09f, TB_ACT_NONE);
	check_mul_real(3, -5, 10, 0.05f, 0.04f, 0.3f, TB_ACT_NONE);
	check_mul_real(3, -5, -20, 0.05f, 0.04f, 0.03f, TB_ACT_RELU);
	check_mul_real(0, 0, -100, 0.05f, 0.04f, 0.04f, TB_ACT_RELU6);
	/* real multiplier > 1: a left shift */
	check_mul_real(-1, 2, 0, 0.5f, 0.25f, 0.01f, TB_ACT_NONE);
}

static void test_mul_rejects(void **state)
{
	const int8_t a[6] = { 0 };
	const int16_t w[6] = { 0 };
	const tb_field tanh_opt[] = { TB_FIELD_I8(0, TB_ACT_TANH) };
	const opspec tanh_op = { 18, 21, tanh_opt, 1 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(2), 0.5f, 0, a, 2, 0 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(2, 3), 0.25f, 0, NULL, 0, 0 };

	(void)state;
	expect_reject(&mul_op, in, 2, &out, TS_ERR_SHAPE, "broadcast");
	in[1] = in[0];
	expect_reject(&tanh_op, in, 2, &out, TS_ERR_UNSUPPORTED, "activation");
	in[1] = (tspec){ TB_TYPE_INT16, SHAPE(2, 3), 0.5f, 0, w, sizeof(w), 0 };
	expect_reject(&mul_op, in, 2, &out, TS_ERR_UNSUPPORTED, "int16");
	in[1] = in[0];
	in[1].scale = 0.0f;
	expect_reject(&mul_op, in, 2, &out, TS_ERR_QUANT, "input 2");
	/* same-shape inputs smaller than the output (TFLM's non-broadcast path
	 * would write only one element) */
	in[0] = (tspec){ TB_TYPE_INT8, SHAPE(1), 0.5f, 0, a, 1, 0 };
	in[1] = in[0];
	out = (tspec){ TB_TYPE_INT8, SHAPE(3), 0.25f, 0, NULL, 0, 0 };
	expect_reject(&mul_op, in, 2, &out, TS_ERR_SHAPE, "do not broadcast");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul_exact_same_shape),
		cmocka_unit_test(test_mul_saturates),
		cmocka_unit_test(test_mul_rounding_by_hand),
		cmocka_unit_test(test_mul_broadcast_scalar),
		cmocka_unit_test(test_mul_broadcast_row_and_column),
		cmocka_unit_test(test_mul_broadcast_4d),
		cmocka_unit_test(test_mul_real_formula),
		cmocka_unit_test(test_mul_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
