/* SPDX-License-Identifier: MIT */
/* PAD and PADV2: asymmetric pads, pad values, 4D/5D, other types, rejects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- PAD / PADV2 ---------------------------------------------------------- */

static const opspec pad_op = { 34, 22, NULL, 0 };
static const opspec padv2_op = { 60, 43, NULL, 0 };

static void pad_run(const opspec *op, const tspec *in, size_t n,
		    const tspec *out, void *got)
{
	ts_diag diag;
	ts_status st = run_op(op, in, n, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
}

#define PADS(p, ...) \
	{ TB_TYPE_INT32, SHAPE(__VA_ARGS__), 0, 0, p, sizeof(p), 1 }

/* [2,3] = 1..6 padded top 1 / bottom 0, left 2 / right 1: the int8 pad
 * value is the output zero point (-5). */
static void test_pad_int8_asymmetric(void **state)
{
	const int8_t x[6] = { 1, 2, 3, 4, 5, 6 };
	const int32_t pads[4] = { 1, 0, 2, 1 };
	const int8_t want[18] = {
		-5, -5, -5, -5, -5, -5,
		-5, -5, 1, 2, 3, -5,
		-5, -5, 4, 5, 6, -5,
	};
	const tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, -5, x, sizeof(x), 0 },
		PADS(pads, 2, 2),
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(3, 6), 0.5f, -5, NULL, 0, 0 };
	int8_t got[18];

	(void)state;
	pad_run(&pad_op, in, 2, &out, got);
	assert_memory_equal(got, want, sizeof(want));
	/* PADV2 without constant_values behaves the same. */
	pad_run(&padv2_op, in, 2, &out, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* PADV2 pads with constant_values (7), constant or fed at run time. */
static void test_padv2_constant(void **state)
{
	const int8_t x[4] = { 1, 2, 3, 4 };
	const int32_t pads[4] = { 0, 1, 1, 1 };
	const int8_t seven[1] = { 7 }, nine[1] = { 9 };
	const int8_t want7[12] = { 7, 1, 2, 7, 7, 3, 4, 7, 7, 7, 7, 7 };
	const int8_t want9[12] = { 9, 1, 2, 9, 9, 3, 4, 9, 9, 9, 9, 9 };
	tspec in[3] = {
		{ TB_TYPE_INT8, SHAPE(2, 2), 0.25f, 3, x, sizeof(x), 0 },
		PADS(pads, 2, 2),
		{ TB_TYPE_INT8, SHAPE(1), 0.25f, 3, seven, 1, 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(3, 4), 0.25f, 3, NULL, 0, 0 };
	int8_t got[12];

	(void)state;
	pad_run(&padv2_op, in, 3, &out, got);
	assert_memory_equal(got, want7, sizeof(want7));
	in[2].data = nine;
	in[2].is_const = 0;
	pad_run(&padv2_op, in, 3, &out, got);
	assert_memory_equal(got, want9, sizeof(want9));
}

/* Image-style [1,2,2,1] -> [1,4,4,1] (zero point 0), int64 paddings. */
static void test_pad_4d_int64_paddings(void **state)
{
	const int8_t x[4] = { 1, 2, 3, 4 };
	const int64_t pads[8] = { 0, 0, 1, 1, 1, 1, 0, 0 };
	const int8_t want[16] = {
		0, 0, 0, 0,
		0, 1, 2, 0,
		0, 3, 4, 0,
		0, 0, 0, 0,
	};
	const tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 1), 0.5f, 0, x, sizeof(x), 0 },
		{ TB_TYPE_INT64, SHAPE(4, 2), 0, 0, pads, sizeof(pads), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 4, 4, 1), 0.5f, 0, NULL, 0, 0 };
	int8_t got[16];

	(void)state;
	pad_run(&pad_op, in, 2, &out, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* 5D: [2,1,1,1,1] -> [3,1,1,1,2] (dim 0 after 1, dim 4 before 1). */
static void test_pad_5d(void **state)
{
	const int8_t x[2] = { 10, 20 };
	const int32_t pads[10] = { 0, 1, 0, 0, 0, 0, 0, 0, 1, 0 };
	const int8_t want[6] = { -1, 10, -1, 20, -1, -1 };
	const tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 1, 1, 1, 1), 0.5f, -1, x, sizeof(x), 0 },
		PADS(pads, 5, 2),
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(3, 1, 1, 1, 2), 0.5f, -1, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	pad_run(&pad_op, in, 2, &out, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* float32 pads with 0.0, int32 / int16 PADV2 with their constant. */
static void test_pad_other_types(void **state)
{
	const float f[2] = { 1.5f, -2.5f };
	const int32_t fp[2] = { 1, 2 };
	const float fwant[5] = { 0.0f, 1.5f, -2.5f, 0.0f, 0.0f };
	const int32_t i32[2] = { 70000, -70000 }, c32[1] = { -1 };
	const int32_t iwant[4] = { 70000, -70000, -1, -1 };
	const int32_t ip[2] = { 0, 2 };
	const int16_t i16[1] = { 300 }, c16[1] = { -300 };
	const int16_t swant[3] = { -300, 300, -300 };
	const int32_t sp[2] = { 1, 1 };
	const tspec fin[2] = {
		{ TB_TYPE_FLOAT32, SHAPE(2), 0, 0, f, sizeof(f), 0 }, PADS(fp, 1, 2),
	};
	const tspec fout = { TB_TYPE_FLOAT32, SHAPE(5), 0, 0, NULL, 0, 0 };
	const tspec iin[3] = {
		{ TB_TYPE_INT32, SHAPE(2), 0, 0, i32, sizeof(i32), 0 },
		PADS(ip, 1, 2),
		{ TB_TYPE_INT32, SHAPE(1), 0, 0, c32, sizeof(c32), 1 },
	};
	const tspec iout = { TB_TYPE_INT32, SHAPE(4), 0, 0, NULL, 0, 0 };
	const tspec sin[3] = {
		{ TB_TYPE_INT16, SHAPE(1), 0, 0, i16, sizeof(i16), 0 },
		PADS(sp, 1, 2),
		{ TB_TYPE_INT16, SHAPE(1), 0, 0, c16, sizeof(c16), 1 },
	};
	const tspec sout = { TB_TYPE_INT16, SHAPE(3), 0, 0, NULL, 0, 0 };
	float fgot[5];
	int32_t igot[4];
	int16_t sgot[3];

	(void)state;
	pad_run(&pad_op, fin, 2, &fout, fgot);
	assert_memory_equal(fgot, fwant, sizeof(fwant));
	pad_run(&padv2_op, iin, 3, &iout, igot);
	assert_memory_equal(igot, iwant, sizeof(iwant));
	pad_run(&padv2_op, sin, 3, &sout, sgot);
	assert_memory_equal(sgot, swant, sizeof(swant));
}

static void test_pad_rejects(void **state)
{
	const int8_t x[4] = { 0 };
	const uint8_t u[4] = { 0 };
	const int8_t cv2[2] = { 0 };
	int32_t pads[4] = { 0, 1, 1, 1 };
	const int32_t three[3] = { 1, 1, 1 };
	tspec in[3] = {
		{ TB_TYPE_INT8, SHAPE(2, 2), 0.5f, 0, x, sizeof(x), 0 },
		PADS(pads, 2, 2),
		{ TB_TYPE_INT8, SHAPE(1), 0.25f, 0, x, 1, 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(3, 4), 0.5f, 0, NULL, 0, 0 };

	(void)state;
	pads[2] = -1;
	expect_reject(&pad_op, in, 2, &out, TS_ERR_UNSUPPORTED,
		      "negative padding -1 for dim 1");
	pads[2] = 1;
	out.shape[1] = 5;
	expect_reject(&pad_op, in, 2, &out, TS_ERR_SHAPE, "output shape [3,5]");
	out.shape[1] = 4;
	/* constant_values must share the output's quantization (TFLM) */
	expect_reject(&padv2_op, in, 3, &out, TS_ERR_QUANT, "constant_values");
	in[2] = (tspec){ TB_TYPE_INT8, SHAPE(2), 0.5f, 0, cv2, 2, 1 };
	expect_reject(&padv2_op, in, 3, &out, TS_ERR_SHAPE, "2 elements");
	in[1] = (tspec){ TB_TYPE_INT32, SHAPE(3), 0, 0, three, sizeof(three), 1 };
	expect_reject(&pad_op, in, 2, &out, TS_ERR_SHAPE, "paddings has 3 values");
	in[1] = (tspec)PADS(pads, 2, 2);
	in[1].is_const = 0;
	expect_reject(&pad_op, in, 2, &out, TS_ERR_UNSUPPORTED, "paddings must be a constant");
	in[1].is_const = 1;
	in[0] = (tspec){ TB_TYPE_UINT8, SHAPE(2, 2), 0.5f, 0, u, sizeof(u), 0 };
	out.type = TB_TYPE_UINT8;
	expect_reject(&pad_op, in, 2, &out, TS_ERR_UNSUPPORTED, "uint8 not supported");
}

static void test_pad_rejects_rank6(void **state)
{
	const int8_t x[1] = { 0 };
	const int32_t pads[12] = { 0 };
	const tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 1, 1, 1, 1, 1), 0.5f, 0, x, 1, 0 },
		PADS(pads, 6, 2),
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1, 1, 1, 1, 1), 0.5f, 0, NULL, 0, 0 };

	(void)state;
	expect_reject(&pad_op, in, 2, &out, TS_ERR_UNSUPPORTED, "rank 6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pad_int8_asymmetric),
		cmocka_unit_test(test_padv2_constant),
		cmocka_unit_test(test_pad_4d_int64_paddings),
		cmocka_unit_test(test_pad_5d),
		cmocka_unit_test(test_pad_other_types),
		cmocka_unit_test(test_pad_rejects),
		cmocka_unit_test(test_pad_rejects_rank6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
