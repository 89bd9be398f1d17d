/* SPDX-License-Identifier: MIT */
/* RESHAPE: with the shape input (int32, int64), with the new_shape option
 * only, with neither; other element types; element count and type
 * mismatches rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- RESHAPE ---------------------------------------------------------------- */

static void test_reshape_shape_input(void **state)
{
	const int8_t in[6] = { 1, -2, 3, -4, 5, -6 };
	const int32_t shape32[2] = { 3, 2 };
	const int64_t shape64[2] = { 3, 2 };
	const tb_field opts[1] = { TB_FIELD_VEC_I32(0, shape32, 2) };
	const opspec op_opts = { 22, 17, opts, 1 };
	const opspec op_none = { 22, 0, NULL, 0 };
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, -1, in, 6, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0.0f, 0, shape32, sizeof(shape32), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(3, 2), 0.5f, -1, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	/* constant int32 shape input, no options */
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, in, 6);
	/* shape input and new_shape option together */
	memset(got, 0, sizeof(got));
	run_ok(&op_opts, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, in, 6);
	/* int64 shape input */
	ins[1] = (tspec){ TB_TYPE_INT64, SHAPE(2), 0.0f, 0, shape64, sizeof(shape64), 1 };
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, in, 6);
}

static void test_reshape_without_shape_input(void **state)
{
	const int8_t in[24] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
				15, 16, 17, 18, 19, 20, 21, 22, 23 };
	const int32_t new_shape[1] = { 24 };
	const tb_field opts[1] = { TB_FIELD_VEC_I32(0, new_shape, 1) };
	const opspec op_opts = { 22, 17, opts, 1 };
	const opspec op_none = { 22, 0, NULL, 0 };
	const tspec ins[1] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 3, 4), 0.25f, 7, in, 24, 0 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(24), 0.25f, 7, NULL, 0, 0 };
	int8_t got[24];

	(void)state;
	/* new_shape option only */
	run_ok(&op_opts, ins, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in, 24);
	/* no options at all: the output tensor's shape rules */
	out = (tspec){ TB_TYPE_INT8, SHAPE(4, 1, 6), 0.25f, 7, NULL, 0, 0 };
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in, 24);
	/* rank 6 */
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 1, 3, 2, 2), 0.25f, 7, NULL, 0, 0 };
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in, 24);
}

/* Other element types pass through unchanged (bytes are bytes). */
static void test_reshape_other_types(void **state)
{
	const int16_t in16[4] = { -300, 2, 32767, -32768 };
	const float inf[6] = { 1.5f, -2.0f, 0.0f, 3.25f, -0.5f, 8.0f };
	const opspec op = { 22, 0, NULL, 0 };
	tspec in_t = { TB_TYPE_INT16, SHAPE(4), 0.0f, 0, in16, sizeof(in16), 0 };
	tspec out = { TB_TYPE_INT16, SHAPE(2, 2), 0.0f, 0, NULL, 0, 0 };
	uint8_t got[24];

	(void)state;
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in16, sizeof(in16));
	in_t = (tspec){ TB_TYPE_FLOAT32, SHAPE(2, 3), 0.0f, 0, inf, sizeof(inf), 0 };
	out = (tspec){ TB_TYPE_FLOAT32, SHAPE(3, 1, 2), 0.0f, 0, NULL, 0, 0 };
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, inf, sizeof(inf));
}

static void test_reshape_rejects(void **state)
{
	const int8_t in[6] = { 0 };
	const int32_t shape[2] = { 2, 2 };
	const opspec op = { 22, 0, NULL, 0 };
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, in, 6, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0.0f, 0, shape, sizeof(shape), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(2, 2), 0.5f, 0, NULL, 0, 0 };

	(void)state;
	/* 6 elements into 4, with and without the shape input */
	expect_reject(&op, ins, 1, &out, TS_ERR_SHAPE, "elements");
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "elements");
	/* 6 into 12 */
	out = (tspec){ TB_TYPE_INT8, SHAPE(2, 3, 2), 0.5f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 1, &out, TS_ERR_SHAPE, "elements");
	/* a type change is not a reshape */
	out = (tspec){ TB_TYPE_INT16, SHAPE(3, 2), 0.5f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 1, &out, TS_ERR_UNSUPPORTED, "type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reshape_shape_input),
		cmocka_unit_test(test_reshape_without_shape_input),
		cmocka_unit_test(test_reshape_other_types),
		cmocka_unit_test(test_reshape_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
