/* SPDX-License-Identifier: MIT */
/* TRANSPOSE: 2D to 5D permutations, element sizes, invalid perms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- TRANSPOSE ------------------------------------------------------------ */

static const opspec tr_op = { 39, 26, NULL, 0 };

static void tr_run(const tspec *in, const int32_t *perm, const tspec *out,
		   void *got)
{
	const tspec ins[2] = {
		*in,
		{ TB_TYPE_INT32, { (int32_t)in->rank }, 1, 0, 0, perm, in->rank * 4, 1 },
	};
	ts_diag diag;
	ts_status st = run_op(&tr_op, ins, 2, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
}

static const int8_t iota[48] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
	20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,
	38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
};

static void test_tr_2d(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, iota, 6, 0 };
	const tspec out = OUT8(3, 2);
	const int32_t perm[2] = { 1, 0 }, id[2] = { 0, 1 };
	const int8_t want[6] = { 0, 3, 1, 4, 2, 5 };
	const tspec same = OUT8(2, 3);
	int8_t got[6];

	(void)state;
	tr_run(&in, perm, &out, got);
	assert_memory_equal(got, want, 6);
	tr_run(&in, id, &same, got);
	assert_memory_equal(got, iota, 6);
}

/* [2,3,4] -> perm [2,0,1] -> [4,2,3]: out[a][b][c] = x[b][c][a]. */
static void test_tr_3d(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(2, 3, 4), 0.5f, 0, iota, 24, 0 };
	const tspec out = OUT8(4, 2, 3);
	const int32_t perm[3] = { 2, 0, 1 };
	int8_t want[24], got[24];

	(void)state;
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 2; b++)
			for (int c = 0; c < 3; c++)
				want[(a * 2 + b) * 3 + c] = iota[(b * 3 + c) * 4 + a];
	/* by hand: out[1][0][2] = x[0][2][1] = 9; out[3][1][0] = x[1][0][3] = 15 */
	assert_int_equal(want[(1 * 2 + 0) * 3 + 2], 9);
	assert_int_equal(want[(3 * 2 + 1) * 3 + 0], 15);
	tr_run(&in, perm, &out, got);
	assert_memory_equal(got, want, 24);
}

/* NHWC [1,2,3,2] -> NCHW [1,2,2,3] (perm 0,3,1,2) and 5D reversal. */
static void test_tr_4d_5d(void **state)
{
	const tspec in4 = { TB_TYPE_INT8, SHAPE(1, 2, 3, 2), 0.5f, 0, iota, 12, 0 };
	const tspec out4 = OUT8(1, 2, 2, 3);
	const int32_t perm4[4] = { 0, 3, 1, 2 };
	/* channel 0 is the even elements, channel 1 the odd ones */
	const int8_t want4[12] = { 0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11 };
	const tspec in5 = { TB_TYPE_INT8, SHAPE(2, 1, 1, 1, 3), 0.5f, 0, iota, 6, 0 };
	const tspec out5 = OUT8(3, 1, 1, 1, 2);
	const int32_t perm5[5] = { 4, 3, 2, 1, 0 };
	const int8_t want5[6] = { 0, 3, 1, 4, 2, 5 };
	int8_t got[12];

	(void)state;
	tr_run(&in4, perm4, &out4, got);
	assert_memory_equal(got, want4, 12);
	tr_run(&in5, perm5, &out5, got);
	assert_memory_equal(got, want5, 6);
}

/* float32 and int16 elements; an int64 perm vector. */
static void test_tr_types(void **state)
{
	const float f[6] = { 0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f };
	const float fw[6] = { 0.5f, 3.5f, 1.5f, 4.5f, 2.5f, 5.5f };
	const int16_t s[6] = { -1000, 1, 2000, 3, -4000, 5 };
	const int16_t sw[6] = { -1000, 2000, -4000, 1, 3, 5 };
	const int32_t perm[2] = { 1, 0 };
	const int64_t perm64[2] = { 1, 0 };
	const tspec fin = { TB_TYPE_FLOAT32, SHAPE(2, 3), 0, 0, f, sizeof(f), 0 };
	const tspec fout = { TB_TYPE_FLOAT32, SHAPE(3, 2), 0, 0, NULL, 0, 0 };
	const tspec sin[2] = {
		{ TB_TYPE_INT16, SHAPE(3, 2), 0, 0, s, sizeof(s), 0 },
		{ TB_TYPE_INT64, SHAPE(2), 0, 0, perm64, sizeof(perm64), 1 },
	};
	const tspec sout = { TB_TYPE_INT16, SHAPE(2, 3), 0, 0, NULL, 0, 0 };
	float fg[6];
	int16_t sg[6];
	ts_diag diag;

	(void)state;
	tr_run(&fin, perm, &fout, fg);
	assert_memory_equal(fg, fw, sizeof(fw));
	assert_int_equal(run_op(&tr_op, sin, 2, &sout, sg, &diag), TS_OK);
	assert_memory_equal(sg, sw, sizeof(sw));
}

static void test_tr_rejects(void **state)
{
	const int32_t oob[2] = { 2, 0 }, neg[2] = { -1, 0 }, dup[2] = { 1, 1 };
	const int32_t three[3] = { 0, 1, 2 }, ok[2] = { 1, 0 };
	const int32_t i32[6] = { 0 };
	const int32_t p6[6] = { 0, 1, 2, 3, 4, 5 };
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, iota, 6, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0, 0, oob, 8, 1 },
	};
	tspec out = OUT8(3, 2);

	(void)state;
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "perm[0] = 2 out of range");
	ins[1].data = neg;
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "perm[0] = -1 out of range");
	ins[1].data = dup;
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "not a permutation");
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(3), 0, 0, three, 12, 1 };
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "vector of 2 values");
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(2), 0, 0, ok, 8, 0 };
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_UNSUPPORTED, "perm must be a constant");
	ins[1].is_const = 1;
	out = (tspec)OUT8(2, 3);
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "computed [3,2]");
	ins[0] = (tspec){ TB_TYPE_INT32, SHAPE(2, 3), 0, 0, i32, sizeof(i32), 0 };
	out = (tspec){ TB_TYPE_INT32, SHAPE(3, 2), 0, 0, NULL, 0, 0 };
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_UNSUPPORTED, "int32 not supported");
	ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 1, 1, 1), 0.5f, 0, iota, 1, 0 };
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(6), 0, 0, p6, sizeof(p6), 1 };
	out = (tspec)OUT8(1, 1, 1, 1, 1, 1);
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_UNSUPPORTED, "rank 6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tr_2d),
		cmocka_unit_test(test_tr_3d),
		cmocka_unit_test(test_tr_4d_5d),
		cmocka_unit_test(test_tr_types),
		cmocka_unit_test(test_tr_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
