/* SPDX-License-Identifier: MIT */
/* CONCATENATION: every axis, 3+ inputs, other types, TFLM's rejections. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- CONCATENATION -------------------------------------------------------- */

static void concat_run(int32_t axis, const tspec *in, size_t n,
		       const tspec *out, void *got)
{
	const tb_field opt[] = { TB_FIELD_I32(0, axis), TB_FIELD_I8(1, 0) };
	const opspec op = { 2, 10, opt, 2 };
	ts_diag diag;
	ts_status st = run_op(&op, in, n, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
}

/* A = 1..8 and B = 11..18 as [2,2,2], along each axis (and axis -1). */
static void test_concat_each_axis_3d(void **state)
{
	const int8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const int8_t b[8] = { 11, 12, 13, 14, 15, 16, 17, 18 };
	const int8_t want0[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
				   11, 12, 13, 14, 15, 16, 17, 18 };
	const int8_t want1[16] = { 1, 2, 3, 4, 11, 12, 13, 14,
				   5, 6, 7, 8, 15, 16, 17, 18 };
	const int8_t want2[16] = { 1, 2, 11, 12, 3, 4, 13, 14,
				   5, 6, 15, 16, 7, 8, 17, 18 };
	const tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 2, 2), 0.1f, 3, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(2, 2, 2), 0.1f, 3, b, sizeof(b), 0 },
	};
	const tspec out0 = { TB_TYPE_INT8, SHAPE(4, 2, 2), 0.1f, 3, NULL, 0, 0 };
	const tspec out1 = { TB_TYPE_INT8, SHAPE(2, 4, 2), 0.1f, 3, NULL, 0, 0 };
	const tspec out2 = { TB_TYPE_INT8, SHAPE(2, 2, 4), 0.1f, 3, NULL, 0, 0 };
	int8_t got[16];

	(void)state;
	concat_run(0, in, 2, &out0, got);
	assert_memory_equal(got, want0, 16);
	concat_run(1, in, 2, &out1, got);
	assert_memory_equal(got, want1, 16);
	concat_run(2, in, 2, &out2, got);
	assert_memory_equal(got, want2, 16);
	concat_run(-1, in, 2, &out2, got);
	assert_memory_equal(got, want2, 16);
	concat_run(-3, in, 2, &out0, got);
	assert_memory_equal(got, want0, 16);
}

/* Three inputs of widths 1, 2, 3 along the last axis; the middle one a
 * constant tensor in the model. */
static void test_concat_three_inputs(void **state)
{
	const int8_t a[2] = { 1, 2 };
	const int8_t b[4] = { 10, 11, 20, 21 };
	const int8_t c[6] = { -1, -2, -3, -4, -5, -6 };
	const int8_t want[12] = { 1, 10, 11, -1, -2, -3,
				  2, 20, 21, -4, -5, -6 };
	const tspec in[3] = {
		{ TB_TYPE_INT8, SHAPE(2, 1), 0.5f, -1, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(2, 2), 0.5f, -1, b, sizeof(b), 1 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, -1, c, sizeof(c), 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(2, 6), 0.5f, -1, NULL, 0, 0 };
	int8_t got[12];

	(void)state;
	concat_run(1, in, 3, &out, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* NHWC channel concat [1,2,2,1] + [1,2,2,2] on axis 3, and the same
 * tensors' widths along axis 2 with matching channels. */
static void test_concat_4d(void **state)
{
	const int8_t a[4] = { 1, 2, 3, 4 };
	const int8_t b[8] = { 10, 11, 20, 21, 30, 31, 40, 41 };
	const int8_t want3[12] = { 1, 10, 11, 2, 20, 21,
				   3, 30, 31, 4, 40, 41 };
	const int8_t c[4] = { 5, 6, 7, 8 };
	const int8_t want2[8] = { 1, 2, 5, 6, 3, 4, 7, 8 };
	const tspec in3[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 0.5f, 0, b, sizeof(b), 0 },
	};
	const tspec out3 = { TB_TYPE_INT8, SHAPE(1, 2, 2, 3), 0.5f, 0, NULL, 0, 0 };
	const tspec in2[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.5f, 0, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.5f, 0, c, sizeof(c), 0 },
	};
	const tspec out2 = { TB_TYPE_INT8, SHAPE(1, 2, 4, 1), 0.5f, 0, NULL, 0, 0 };
	int8_t got[12];

	(void)state;
	concat_run(3, in3, 2, &out3, got);
	assert_memory_equal(got, want3, sizeof(want3));
	concat_run(2, in2, 2, &out2, got);
	assert_memory_equal(got, want2, sizeof(want2));
}

/* Data movement by element size: float32 and int32. */
static void test_concat_float_and_int32(void **state)
{
	const float fa[2] = { 1.5f, -2.0f }, fb[2] = { 3.25f, 4.0f };
	const float fwant[4] = { 1.5f, 3.25f, -2.0f, 4.0f };
	const int32_t ia[3] = { 100000, -7, 8 }, ib[1] = { 1 << 30 };
	const int32_t iwant[4] = { 100000, -7, 8, 1 << 30 };
	const tspec fin[2] = {
		{ TB_TYPE_FLOAT32, SHAPE(2, 1), 0, 0, fa, sizeof(fa), 0 },
		{ TB_TYPE_FLOAT32, SHAPE(2, 1), 0, 0, fb, sizeof(fb), 0 },
	};
	const tspec fout = { TB_TYPE_FLOAT32, SHAPE(2, 2), 0, 0, NULL, 0, 0 };
	const tspec iin[2] = {
		{ TB_TYPE_INT32, SHAPE(3), 0, 0, ia, sizeof(ia), 0 },
		{ TB_TYPE_INT32, SHAPE(1), 0, 0, ib, sizeof(ib), 0 },
	};
	const tspec iout = { TB_TYPE_INT32, SHAPE(4), 0, 0, NULL, 0, 0 };
	float fgot[4];
	int32_t igot[4];

	(void)state;
	concat_run(1, fin, 2, &fout, fgot);
	assert_memory_equal(fgot, fwant, sizeof(fwant));
	concat_run(0, iin, 2, &iout, igot);
	assert_memory_equal(igot, iwant, sizeof(iwant));
}

static void test_concat_rejects(void **state)
{
	const int8_t a[4] = { 0 };
	const uint8_t u[4] = { 0 };
	const tb_field ax1[] = { TB_FIELD_I32(0, 1) };
	const tb_field ax2[] = { TB_FIELD_I32(0, 2) };
	const tb_field axm3[] = { TB_FIELD_I32(0, -3) };
	const tb_field relu[] = { TB_FIELD_I32(0, 1), TB_FIELD_I8(1, 1) };
	const opspec op1 = { 2, 10, ax1, 1 }, op2 = { 2, 10, ax2, 1 };
	const opspec opm3 = { 2, 10, axm3, 1 }, oprelu = { 2, 10, relu, 2 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 2), 0.5f, 1, a, sizeof(a), 0 },
		{ TB_TYPE_INT8, SHAPE(2, 2), 0.5f, 1, a, sizeof(a), 0 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(2, 4), 0.5f, 1, NULL, 0, 0 };

	(void)state;
	expect_reject(&op2, in, 2, &out, TS_ERR_SHAPE, "axis 2 out of range");
	expect_reject(&opm3, in, 2, &out, TS_ERR_SHAPE, "axis -3 out of range");
	expect_reject(&oprelu, in, 2, &out, TS_ERR_UNSUPPORTED, "activation");
	/* TFLM: int8 concatenation needs equal scales and zero points */
	in[1].scale = 0.25f;
	expect_reject(&op1, in, 2, &out, TS_ERR_UNSUPPORTED, "input 1 quantization");
	in[1].scale = 0.5f;
	in[1].zp = 2;
	expect_reject(&op1, in, 2, &out, TS_ERR_UNSUPPORTED, "input 1 quantization");
	in[1].zp = 1;
	out.shape[1] = 5;
	expect_reject(&op1, in, 2, &out, TS_ERR_SHAPE, "add up to 4");
	out.shape[1] = 4;
	out.shape[0] = 3;
	expect_reject(&op1, in, 2, &out, TS_ERR_SHAPE, "input 0 dim 0 is 2");
	out.shape[0] = 2;
	in[1] = (tspec){ TB_TYPE_UINT8, SHAPE(2, 2), 0.5f, 1, u, sizeof(u), 0 };
	expect_reject(&op1, in, 2, &out, TS_ERR_UNSUPPORTED, "uint8");
	in[0].type = TB_TYPE_UINT8;
	out.type = TB_TYPE_UINT8;
	expect_reject(&op1, in, 2, &out, TS_ERR_UNSUPPORTED, "type uint8 not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concat_each_axis_3d),
		cmocka_unit_test(test_concat_three_inputs),
		cmocka_unit_test(test_concat_4d),
		cmocka_unit_test(test_concat_float_and_int32),
		cmocka_unit_test(test_concat_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
