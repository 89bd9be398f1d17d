/* SPDX-License-Identifier: MIT */
/* SQUEEZE and EXPAND_DIMS: with and without squeeze_dims, negative axes, rejects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- SQUEEZE and EXPAND_DIMS ---------------------------------------------- */

static const int8_t six[6] = { 1, -2, 3, -4, 5, -6 };

static void sq_run(const int32_t *dims, size_t n, const tspec *in,
		   const tspec *out)
{
	const tb_field opt[] = { TB_FIELD_VEC_I32(0, dims, n) };
	const opspec op = { 43, 30, opt, dims ? 1 : 0 };
	int8_t got[64];
	ts_diag diag;
	ts_status st = run_op(&op, in, 1, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
	assert_memory_equal(got, in->data, in->bytes);
}

static void test_squeeze(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(1, 3, 1, 2), 0.5f, 0, six, 6, 0 };
	const tspec o32 = OUT8(3, 2), o312 = OUT8(3, 1, 2), o132 = OUT8(1, 3, 2);
	const int32_t d0[1] = { 0 }, dm2[1] = { -2 }, d02[2] = { 2, 0 };
	const int32_t twice[2] = { 0, -4 };
	const float f[2] = { 1.0f, -2.0f };
	const tspec fin = { TB_TYPE_FLOAT32, SHAPE(1, 2, 1), 0, 0, f, sizeof(f), 0 };
	const tspec fout = { TB_TYPE_FLOAT32, SHAPE(2), 0, 0, NULL, 0, 0 };

	(void)state;
	sq_run(NULL, 0, &in, &o32);     /* no squeeze_dims: every 1 goes */
	sq_run(d0, 0, &in, &o32);       /* an empty list means the same */
	sq_run(d0, 1, &in, &o312);
	sq_run(dm2, 1, &in, &o132);
	sq_run(d02, 2, &in, &o32);
	sq_run(twice, 2, &in, &o312);   /* 0 and -4 name the same dim */
	sq_run(NULL, 0, &fin, &fout);
}

static void test_squeeze_rejects(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(1, 3, 1, 2), 0.5f, 0, six, 6, 0 };
	const tspec o32 = OUT8(3, 2), o6 = OUT8(6);
	const int32_t d1[1] = { 1 }, d4[1] = { 4 }, dm5[1] = { -5 };
	const tb_field f1[] = { TB_FIELD_VEC_I32(0, d1, 1) };
	const tb_field f4[] = { TB_FIELD_VEC_I32(0, d4, 1) };
	const tb_field fm5[] = { TB_FIELD_VEC_I32(0, dm5, 1) };
	const opspec op1 = { 43, 30, f1, 1 }, op4 = { 43, 30, f4, 1 };
	const opspec opm5 = { 43, 30, fm5, 1 }, op = { 43, 30, NULL, 0 };

	(void)state;
	expect_reject(&op1, &in, 1, &o32, TS_ERR_SHAPE, "dim 1 of size 3, not 1");
	expect_reject(&op4, &in, 1, &o32, TS_ERR_SHAPE, "value 4 out of range");
	expect_reject(&opm5, &in, 1, &o32, TS_ERR_SHAPE, "value -5 out of range");
	expect_reject(&op, &in, 1, &o6, TS_ERR_SHAPE, "computed [3,2]");
}

static void ed_run(int32_t axis, const tspec *in, const tspec *out)
{
	const int32_t a[1] = { axis };
	const opspec op = { 70, 52, NULL, 0 };
	const tspec ins[2] = {
		*in, { TB_TYPE_INT32, SHAPE(1), 0, 0, a, 4, 1 },
	};
	int8_t got[64];
	ts_diag diag;
	ts_status st = run_op(&op, ins, 2, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
	assert_memory_equal(got, in->data, in->bytes);
}

static void test_expand_dims(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(3, 2), 0.5f, 0, six, 6, 0 };
	const tspec o132 = OUT8(1, 3, 2), o312 = OUT8(3, 1, 2), o321 = OUT8(3, 2, 1);
	const int16_t s[2] = { -300, 300 };
	const tspec sin = { TB_TYPE_INT16, SHAPE(2), 0, 0, s, sizeof(s), 0 };
	const tspec sout = { TB_TYPE_INT16, SHAPE(2, 1), 0, 0, NULL, 0, 0 };

	(void)state;
	ed_run(0, &in, &o132);
	ed_run(1, &in, &o312);
	ed_run(2, &in, &o321);
	ed_run(-1, &in, &o321);  /* -1: after the last dim */
	ed_run(-2, &in, &o312);
	ed_run(-3, &in, &o132);
	ed_run(-1, &sin, &sout);
}

static void test_expand_dims_rejects(void **state)
{
	const opspec op = { 70, 52, NULL, 0 };
	const int32_t a3[1] = { 3 }, am4[1] = { -4 }, a0[1] = { 0 }, two[2] = { 0, 1 };
	const int64_t a64[1] = { 0 };
	const int32_t i32[6] = { 0 };
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(3, 2), 0.5f, 0, six, 6, 0 },
		{ TB_TYPE_INT32, SHAPE(1), 0, 0, a3, 4, 1 },
	};
	tspec out = OUT8(3, 2, 1);

	(void)state;
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "axis 3 out of range");
	ins[1].data = am4;
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "axis -4 out of range");
	ins[1].data = a0;
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "computed [1,3,2]");
	ins[1].is_const = 0;
	expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "axis must be a constant");
	ins[1] = (tspec){ TB_TYPE_INT64, SHAPE(1), 0, 0, a64, 8, 1 };
	expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "axis has type int64");
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(2), 0, 0, two, 8, 1 };
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "one value");
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(1), 0, 0, a0, 4, 1 };
	ins[0] = (tspec){ TB_TYPE_INT32, SHAPE(3, 2), 0, 0, i32, sizeof(i32), 0 };
	out = (tspec){ TB_TYPE_INT32, SHAPE(1, 3, 2), 0, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "int32 not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_squeeze),
		cmocka_unit_test(test_squeeze_rejects),
		cmocka_unit_test(test_expand_dims),
		cmocka_unit_test(test_expand_dims_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
