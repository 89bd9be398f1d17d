/* SPDX-License-Identifier: MIT */
/* STRIDED_SLICE: masks, negative indices and strides, shrink, offset, rejects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- STRIDED_SLICE -------------------------------------------------------- */

struct ss_case {
	int32_t begin[4], end[4], strides[4];
	int32_t begin_mask, end_mask, shrink_mask;
	bool offset;
};

/* Slices in (int8 unless in->type says otherwise) with the case's vectors
 * as int32 constants; returns the status. */
static ts_status ss_try(const struct ss_case *k, const tspec *in,
			const tspec *out, void *got, ts_diag *diag)
{
	const tb_field opt[] = {
		TB_FIELD_I32(0, k->begin_mask), TB_FIELD_I32(1, k->end_mask),
		TB_FIELD_I32(4, k->shrink_mask), TB_FIELD_BOOL(5, k->offset),
	};
	const opspec op = { 45, 32, opt, 4 };
	const size_t r = in->rank;
	const tspec ins[4] = {
		*in,
		{ TB_TYPE_INT32, { (int32_t)r }, 1, 0, 0, k->begin, r * 4, 1 },
		{ TB_TYPE_INT32, { (int32_t)r }, 1, 0, 0, k->end, r * 4, 1 },
		{ TB_TYPE_INT32, { (int32_t)r }, 1, 0, 0, k->strides, r * 4, 1 },
	};

	return run_op(&op, ins, 4, out, got, diag);
}

static void ss_run(const struct ss_case *k, const tspec *in, const tspec *out,
		   void *got)
{
	ts_diag diag;
	ts_status st = ss_try(k, in, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
}

static const int8_t iota[24] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23 };

/* x = 0..7: [1:6:2], [-3:-1], [-1:0:-1], [6:1:-2], [::-1] by masks,
 * [-100:100] clamped. */
static void test_ss_1d(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(8), 0.5f, 0, iota, 8, 0 };
	const struct ss_case c1 = { { 1 }, { 6 }, { 2 }, 0, 0, 0, false };
	const struct ss_case c2 = { { -3 }, { -1 }, { 1 }, 0, 0, 0, false };
	const struct ss_case c3 = { { -1 }, { 0 }, { -1 }, 0, 0, 0, false };
	const struct ss_case c4 = { { 6 }, { 1 }, { -2 }, 0, 0, 0, false };
	const struct ss_case c5 = { { 3 }, { 5 }, { -1 }, 1, 1, 0, false };
	const struct ss_case c6 = { { -100 }, { 100 }, { 3 }, 0, 0, 0, false };
	const tspec o3 = OUT8(3), o2 = OUT8(2), o7 = OUT8(7), o8 = OUT8(8);
	const int8_t w1[] = { 1, 3, 5 }, w2[] = { 5, 6 };
	const int8_t w3[] = { 7, 6, 5, 4, 3, 2, 1 }, w4[] = { 6, 4, 2 };
	const int8_t w5[] = { 7, 6, 5, 4, 3, 2, 1, 0 }, w6[] = { 0, 3, 6 };
	int8_t got[8];

	(void)state;
	ss_run(&c1, &in, &o3, got);
	assert_memory_equal(got, w1, 3);
	ss_run(&c2, &in, &o2, got);
	assert_memory_equal(got, w2, 2);
	ss_run(&c3, &in, &o7, got);
	assert_memory_equal(got, w3, 7);
	ss_run(&c4, &in, &o3, got);
	assert_memory_equal(got, w4, 3);
	ss_run(&c5, &in, &o8, got);
	assert_memory_equal(got, w5, 8);
	ss_run(&c6, &in, &o3, got);
	assert_memory_equal(got, w6, 3);
}

/* x [3,4] = 0..11. */
static void test_ss_2d_masks_shrink_offset(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(3, 4), 0.5f, 0, iota, 12, 0 };
	/* rows 1.. (end by end_mask bit 0), cols 0..2 */
	const struct ss_case m = { { 1, 0 }, { 0, 3 }, { 1, 1 }, 0, 1, 0, false };
	const int8_t wm[] = { 4, 5, 6, 8, 9, 10 };
	/* row 1 shrunk away: [4] */
	const struct ss_case s1 = { { 1, 0 }, { 2, 4 }, { 1, 1 }, 0, 0, 1, false };
	const int8_t ws1[] = { 4, 5, 6, 7 };
	/* row -1 shrunk, end ignored; col -2 shrunk too: a scalar */
	const struct ss_case s2 = { { -1, -2 }, { 0, 0 }, { 1, 1 }, 0, 0, 3, false };
	const int8_t ws2[] = { 10 };
	/* offset: end = begin + [2, 2] */
	const struct ss_case off = { { 1, 1 }, { 2, 2 }, { 1, 1 }, 0, 0, 0, true };
	const int8_t woff[] = { 5, 6, 9, 10 };
	/* both axes reversed by begin/end masks */
	const struct ss_case rev = { { 0, 0 }, { 0, 0 }, { -1, -2 }, 3, 3, 0, false };
	const int8_t wrev[] = { 11, 9, 7, 5, 3, 1 };
	const tspec om = OUT8(2, 3), os1 = OUT8(4), ooff = OUT8(2, 2), orev = OUT8(3, 2);
	const tspec os2 = { TB_TYPE_INT8, { 0 }, 0, 0.5f, 0, NULL, 0, 0 };
	int8_t got[12];

	(void)state;
	ss_run(&m, &in, &om, got);
	assert_memory_equal(got, wm, sizeof(wm));
	ss_run(&s1, &in, &os1, got);
	assert_memory_equal(got, ws1, sizeof(ws1));
	ss_run(&s2, &in, &os2, got);
	assert_memory_equal(got, ws2, sizeof(ws2));
	ss_run(&off, &in, &ooff, got);
	assert_memory_equal(got, woff, sizeof(woff));
	ss_run(&rev, &in, &orev, got);
	assert_memory_equal(got, wrev, sizeof(wrev));
}

/* x [1,2,3,2]: element (i, j, k) = 6i + 2j + k. */
static void test_ss_4d(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(1, 2, 3, 2), 0.5f, 0, iota, 12, 0 };
	/* j in 1..2 */
	const struct ss_case a = { { 0, 0, 1, 0 }, { 1, 2, 3, 2 },
				   { 1, 1, 1, 1 }, 0, 0, 0, false };
	const int8_t wa[] = { 2, 3, 4, 5, 8, 9, 10, 11 };
	/* i reversed, k = 1 shrunk, j stride 2 */
	const struct ss_case b = { { 0, 0, 0, 1 }, { 1, 0, 3, 2 },
				   { 1, -1, 2, 1 }, 2, 2, 8, false };
	const int8_t wb[] = { 7, 11, 1, 5 };
	const tspec oa = OUT8(1, 2, 2, 2), ob = OUT8(1, 2, 2);
	int8_t got[8];

	(void)state;
	ss_run(&a, &in, &oa, got);
	assert_memory_equal(got, wa, sizeof(wa));
	ss_run(&b, &in, &ob, got);
	assert_memory_equal(got, wb, sizeof(wb));
}

static void test_ss_float_int16(void **state)
{
	const float f[4] = { 0.5f, 1.5f, 2.5f, 3.5f };
	const int16_t s[4] = { -300, 300, 1000, -1000 };
	const float fw[2] = { 3.5f, 1.5f };
	const int16_t sw[2] = { 300, 1000 };
	const struct ss_case rv = { { -1 }, { 0 }, { -2 }, 0, 0, 0, false };
	const struct ss_case mid = { { 1 }, { 3 }, { 1 }, 0, 0, 0, false };
	const tspec fin = { TB_TYPE_FLOAT32, SHAPE(4), 0, 0, f, sizeof(f), 0 };
	const tspec fout = { TB_TYPE_FLOAT32, SHAPE(2), 0, 0, NULL, 0, 0 };
	const tspec sin = { TB_TYPE_INT16, SHAPE(4), 0, 0, s, sizeof(s), 0 };
	const tspec sout = { TB_TYPE_INT16, SHAPE(2), 0, 0, NULL, 0, 0 };
	float fg[2];
	int16_t sg[2];

	(void)state;
	ss_run(&rv, &fin, &fout, fg);
	assert_memory_equal(fg, fw, sizeof(fw));
	ss_run(&mid, &sin, &sout, sg);
	assert_memory_equal(sg, sw, sizeof(sw));
}

static void ss_expect_reject(const struct ss_case *k, const tspec *in,
			     const tspec *out, ts_status status,
			     const char *text)
{
	int8_t got[64];
	ts_diag diag;
	ts_status st = ss_try(k, in, out, got, &diag);

	if (st != status || !strstr(diag.text, text))
		print_error("status %d \"%s\", expected %d \"%s\"\n", (int)st,
			    diag.text, (int)status, text);
	assert_int_equal(st, status);
	assert_non_null(strstr(diag.text, text));
}

static void test_ss_rejects(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(3, 4), 0.5f, 0, iota, 12, 0 };
	const tspec in5 = { TB_TYPE_INT8, SHAPE(1, 1, 1, 1, 2), 0.5f, 0, iota, 2, 0 };
	const uint8_t u[4] = { 0 };
	const tspec inu = { TB_TYPE_UINT8, SHAPE(4), 0.5f, 0, u, 4, 0 };
	const struct ss_case zero = { { 0, 0 }, { 3, 4 }, { 1, 0 }, 0, 0, 0, false };
	const struct ss_case all = { { 0, 0 }, { 3, 4 }, { 1, 1 }, 0, 0, 0, false };
	const struct ss_case shr_far = { { 3, 0 }, { 4, 4 }, { 1, 1 }, 0, 0, 1, false };
	const struct ss_case shr_neg = { { 1, 0 }, { 0, 4 }, { -1, 1 }, 0, 0, 1, false };
	const struct ss_case five = { { 0, 0, 0, 0 }, { 1, 1, 1, 1 }, { 1, 1, 1, 1 },
				      0, 0, 0, false };
	const struct ss_case one = { { 0 }, { 4 }, { 1 }, 0, 0, 0, false };
	const tspec o34 = OUT8(3, 4), o33 = OUT8(3, 3), o4 = OUT8(4);
	const tspec o5 = OUT8(1, 1, 1, 1, 2);
	const tspec ou = { TB_TYPE_UINT8, SHAPE(4), 0.5f, 0, NULL, 0, 0 };
	const tb_field ell[] = { TB_FIELD_I32(2, 1) }, nax[] = { TB_FIELD_I32(3, 2) };
	const opspec ell_op = { 45, 32, ell, 1 }, nax_op = { 45, 32, nax, 1 };
	const int32_t b[2] = { 0, 0 }, e[2] = { 3, 4 }, s[2] = { 1, 1 }, b3[3] = { 0 };
	tspec ins[4] = {
		in,
		{ TB_TYPE_INT32, SHAPE(2), 0, 0, b, 8, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0, 0, e, 8, 1 },
		{ TB_TYPE_INT32, SHAPE(2), 0, 0, s, 8, 1 },
	};

	(void)state;
	ss_expect_reject(&zero, &in, &o34, TS_ERR_SHAPE, "stride of axis 1 is 0");
	ss_expect_reject(&all, &in, &o33, TS_ERR_SHAPE, "computed [3,4]");
	ss_expect_reject(&shr_far, &in, &o4, TS_ERR_SHAPE, "begin 3 out of range");
	ss_expect_reject(&shr_neg, &in, &o4, TS_ERR_UNSUPPORTED, "negative stride");
	ss_expect_reject(&five, &in5, &o5, TS_ERR_UNSUPPORTED, "rank 5");
	ss_expect_reject(&one, &inu, &ou, TS_ERR_UNSUPPORTED, "uint8");
	expect_reject(&ell_op, ins, 4, &o34, TS_ERR_UNSUPPORTED, "ellipsis_mask");
	expect_reject(&nax_op, ins, 4, &o34, TS_ERR_UNSUPPORTED, "new_axis_mask");
	ins[1].is_const = 0;
	expect_reject(&ell_op, ins, 4, &o34, TS_ERR_UNSUPPORTED, "begin must be a constant");
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(3), 0, 0, b3, 12, 1 };
	expect_reject(&ell_op, ins, 4, &o34, TS_ERR_SHAPE, "begin has 3 values");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ss_1d),
		cmocka_unit_test(test_ss_2d_masks_shrink_offset),
		cmocka_unit_test(test_ss_4d),
		cmocka_unit_test(test_ss_float_int16),
		cmocka_unit_test(test_ss_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
