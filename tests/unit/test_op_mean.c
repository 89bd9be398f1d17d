/* SPDX-License-Identifier: MIT */
/* MEAN (int8): H,W and other axes, keep_dims, requantization, rounding, rejects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- MEAN ----------------------------------------------------------------- */

static void mean_run(bool keep, const tspec *in, size_t n, const tspec *out,
		     void *got)
{
	const tb_field opt[] = { TB_FIELD_BOOL(0, keep) };
	const opspec op = { 40, 27, opt, 1 };
	ts_diag diag;
	ts_status st = run_op(&op, in, n, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
}

#define AXES(a, ...) { TB_TYPE_INT32, SHAPE(__VA_ARGS__), 0, 0, a, sizeof(a), 1 }

/*
 * Global average pool, equal quantization (0.5, 0): real multiplier 1 is
 * 2^30 with shift 1; count 4 gives shift = log2(4) = 2, multiplier
 * (2^30 << 2) / 4 = 2^30, shift -1.  Channel 0 sums 12 -> 3, channel 1
 * sums -16 -> -4, both exact.
 */
static void test_mean_hw_keep_and_drop(void **state)
{
	const int8_t x[8] = { 1, -1, 2, -2, 3, -3, 6, -10 };
	const int32_t axes[2] = { 1, 2 };
	const int8_t want[2] = { 3, -4 };
	const tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 2, 2), 0.5f, 0, x, sizeof(x), 0 },
		AXES(axes, 2),
	};
	const tspec keep = { TB_TYPE_INT8, SHAPE(1, 1, 1, 2), 0.5f, 0, NULL, 0, 0 };
	const tspec drop = { TB_TYPE_INT8, SHAPE(1, 2), 0.5f, 0, NULL, 0, 0 };
	int8_t got[2];

	(void)state;
	mean_run(true, in, 2, &keep, got);
	assert_memory_equal(got, want, 2);
	memset(got, 0, sizeof(got));
	mean_run(false, in, 2, &drop, got);
	assert_memory_equal(got, want, 2);
}

/*
 * TFLite's rounding of the division, by hand (equal quantization, scale 1):
 * count 2: multiplier 2^30 shift 0, so out = SRDHM(sum, 2^30): 3 -> 1.5 -> 2,
 * -3 -> -1.5 -> -1 (ties up).  count 3: shift 1, multiplier (2^31) / 3
 * truncated = 715827882, shift 0: sum 4 -> (4 * 715827882 + 2^30) / 2^31 =
 * 1.83 -> 1; sum 5 -> 2.17 -> 2; sum -5 -> -1.67 -> -2.
 */
static void test_mean_rounding_by_hand(void **state)
{
	const int8_t x2[4] = { 1, 2, -1, -2 };
	const int8_t x3[9] = { 1, 1, 2, 2, 2, 1, -2, -2, -1 };
	const int32_t axes[1] = { -1 };
	const int8_t want2[2] = { 2, -1 }, want3[3] = { 1, 2, -2 };
	const tspec in2[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 2), 1.0f, 0, x2, sizeof(x2), 0 },
		AXES(axes, 1),
	};
	const tspec out2 = { TB_TYPE_INT8, SHAPE(2), 1.0f, 0, NULL, 0, 0 };
	const tspec in3[2] = {
		{ TB_TYPE_INT8, SHAPE(3, 3), 1.0f, 0, x3, sizeof(x3), 0 },
		AXES(axes, 1),
	};
	const tspec out3 = { TB_TYPE_INT8, SHAPE(3), 1.0f, 0, NULL, 0, 0 };
	int8_t got[3];

	(void)state;
	mean_run(false, in2, 2, &out2, got);
	assert_memory_equal(got, want2, 2);
	mean_run(false, in3, 2, &out3, got);
	assert_memory_equal(got, want3, 3);
}

/*
 * Different quantization: in (0.5, 2), out (0.25, -3): multiplier 2 is
 * 2^30 shift 2; count 4: shift 0 and multiplier 2^30.  q = 3, 5, 7, 9:
 * sum 24 - 2 * 4 = 16 -> 8, + (-3) = 5.  Real: mean of 0.5, 1.5, 2.5, 3.5
 * is 2.0 = 0.25 * (5 + 3).
 */
static void test_mean_requantize_by_hand(void **state)
{
	const int8_t x[4] = { 3, 5, 7, 9 };
	const int32_t axes[2] = { 0, 1 };
	const int8_t want[1] = { 5 };
	const tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 2), 0.5f, 2, x, sizeof(x), 0 },
		AXES(axes, 2),
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(1, 1), 0.25f, -3, NULL, 0, 0 };
	int8_t got[1];

	(void)state;
	mean_run(true, in, 2, &out, got);
	assert_memory_equal(got, want, 1);
}

/* Means of [2,3,4] over the given axes against the real-number mean. */
static void check_mean_real(const int32_t *axes, size_t n_axes, bool keep,
			    const int32_t *out_shape, size_t out_rank,
			    float si, int32_t zi, float so, int32_t zo)
{
	int8_t x[24], got[24];
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3, 4), si, zi, x, sizeof(x), 0 },
		{ TB_TYPE_INT32, SHAPE(1), 0, 0, axes, n_axes * 4, 1 },
	};
	tspec out = { TB_TYPE_INT8, { 0 }, out_rank, so, zo, NULL, 0, 0 };
	bool red[3] = { false, false, false };
	double sum[24] = { 0 };
	int cnt[24] = { 0 };

	in[1].shape[0] = (int32_t)n_axes;
	if (out_rank)
		memcpy(out.shape, out_shape, out_rank * sizeof(int32_t));
	for (int i = 0; i < 24; i++)
		x[i] = (int8_t)((i * 73 + 5) % 256 - 128);
	for (size_t k = 0; k < n_axes; k++)
		red[axes[k] < 0 ? axes[k] + 3 : axes[k]] = true;
	mean_run(keep, in, 2, &out, got);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++) {
				/* output index: the kept coordinates, row-major */
				int o = 0;

				if (!red[0])
					o = o * 2 + i;
				if (!red[1])
					o = o * 3 + j;
				if (!red[2])
					o = o * 4 + k;
				sum[o] += si * (x[(i * 3 + j) * 4 + k] - zi);
				cnt[o]++;
			}
	for (int o = 0; o < 24 && cnt[o]; o++) {
		long want = rnd(zo + sum[o] / cnt[o] / so);

		want = want < -128 ? -128 : want > 127 ? 127 : want;
		if (got[o] - want > 1 || want - got[o] > 1)
			print_error("output %d: got %d want %ld\n", o, got[o], want);
		assert_true(got[o] - want <= 1 && want - got[o] <= 1);
	}
}

static void test_mean_other_axes_real(void **state)
{
	const int32_t a0[1] = { 0 }, a02[2] = { 0, 2 }, am1[1] = { -1 };
	const int32_t dup[2] = { 1, -2 }, all[3] = { 2, 0, 1 };
	const int32_t s34[2] = { 3, 4 }, s134[3] = { 1, 3, 4 }, s3[1] = { 3 };
	const int32_t s131[3] = { 1, 3, 1 }, s23[2] = { 2, 3 }, s24[2] = { 2, 4 };
	const int32_t s111[3] = { 1, 1, 1 };

	(void)state;
	check_mean_real(a0, 1, false, s34, 2, 0.1f, 0, 0.1f, 0);
	check_mean_real(a0, 1, true, s134, 3, 0.1f, -7, 0.05f, 4);
	check_mean_real(a02, 2, false, s3, 1, 0.1f, 10, 0.02f, -20);
	check_mean_real(a02, 2, true, s131, 3, 0.3f, -128, 0.7f, 127);
	check_mean_real(am1, 1, false, s23, 2, 0.05f, 3, 0.05f, 3);
	check_mean_real(dup, 2, false, s24, 2, 0.05f, 3, 0.011f, -1);
	check_mean_real(all, 3, true, s111, 3, 0.05f, 0, 0.001f, 0);
	check_mean_real(all, 3, false, NULL, 0, 0.05f, 0, 0.002f, 0);
}

/* Reducing nothing (an empty axis list, here fed as an input since an
 * empty constant buffer is no constant) or only size-1 dims requantizes;
 * a tiny output scale saturates. */
static void test_mean_no_axes_and_saturation(void **state)
{
	const int8_t x[4] = { 10, -10, 100, -100 };
	const int32_t none[1] = { 0 }, one[1] = { 1 };
	const int8_t want_same[4] = { 10, -10, 100, -100 };
	const int8_t want_sat[4] = { 100, -100, 127, -128 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(4), 0.5f, 0, x, sizeof(x), 0 },
		{ TB_TYPE_INT32, SHAPE(0), 0, 0, none, 0, 0 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(4), 0.5f, 0, NULL, 0, 0 };
	const tspec in41[2] = {
		{ TB_TYPE_INT8, SHAPE(4, 1), 0.5f, 0, x, sizeof(x), 0 },
		AXES(one, 1),
	};
	int8_t got[4];

	(void)state;
	mean_run(false, in, 2, &out, got);
	assert_memory_equal(got, want_same, 4);
	mean_run(false, in41, 2, &out, got);
	assert_memory_equal(got, want_same, 4);
	out.scale = 0.05f;
	mean_run(false, in, 2, &out, got);
	assert_memory_equal(got, want_sat, 4);
	mean_run(false, in41, 2, &out, got);
	assert_memory_equal(got, want_sat, 4);
}

static void test_mean_rejects(void **state)
{
	const int8_t x[6] = { 0 };
	const float f[6] = { 0 };
	const int32_t bad_axis[1] = { 2 }, neg_axis[1] = { -3 }, ok_axis[1] = { 1 };
	const int64_t axis64[1] = { 1 };
	const tb_field keep[] = { TB_FIELD_BOOL(0, 1) };
	const opspec op = { 40, 27, NULL, 0 }, keep_op = { 40, 27, keep, 1 };
	tspec in[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, x, sizeof(x), 0 },
		AXES(bad_axis, 1),
	};
	tspec out = { TB_TYPE_INT8, SHAPE(2), 0.5f, 0, NULL, 0, 0 };

	(void)state;
	expect_reject(&op, in, 2, &out, TS_ERR_SHAPE, "axis 2 out of range");
	in[1] = (tspec)AXES(neg_axis, 1);
	expect_reject(&op, in, 2, &out, TS_ERR_SHAPE, "axis -3 out of range");
	in[1] = (tspec){ TB_TYPE_INT64, SHAPE(1), 0, 0, axis64, 8, 1 };
	expect_reject(&op, in, 2, &out, TS_ERR_UNSUPPORTED, "axis has type int64");
	in[1] = (tspec)AXES(ok_axis, 1);
	in[1].is_const = 0;
	expect_reject(&op, in, 2, &out, TS_ERR_UNSUPPORTED, "axis must be a constant");
	in[1].is_const = 1;
	/* keep_dims wants [2,1] */
	expect_reject(&keep_op, in, 2, &out, TS_ERR_SHAPE, "computed [2,1]");
	out.scale = 0.0f;
	expect_reject(&op, in, 2, &out, TS_ERR_QUANT, "output");
	out.scale = 0.5f;
	in[0] = (tspec){ TB_TYPE_FLOAT32, SHAPE(2, 3), 0, 0, f, sizeof(f), 0 };
	out.type = TB_TYPE_FLOAT32;
	expect_reject(&op, in, 2, &out, TS_ERR_UNSUPPORTED, "float32");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_hw_keep_and_drop),
		cmocka_unit_test(test_mean_rounding_by_hand),
		cmocka_unit_test(test_mean_requantize_by_hand),
		cmocka_unit_test(test_mean_other_axes_real),
		cmocka_unit_test(test_mean_no_axes_and_saturation),
		cmocka_unit_test(test_mean_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
