/* SPDX-License-Identifier: MIT */
/* ADD and SUB (int8): hand-checked rescaling, saturation, activations,
 * broadcasting up to rank 6, TFLite Micro's double (ADD) vs float (SUB)
 * multipliers over every input pair, rejects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

/* ---- ADD / SUB -------------------------------------------------------------- */

static tb_field add_fields[1];

enum { ADD = 0, SUB = 41 };

/* AddOptions (type 11) / SubOptions (type 28): activation(0). */
static opspec add_spec(int builtin, int act)
{
	const tb_field f[1] = { TB_FIELD_I8(0, act) };
	const opspec op = { builtin, (uint8_t)(builtin == ADD ? 11 : 28), add_fields, 1 };

	memcpy(add_fields, f, sizeof(f));
	return op;
}

static int8_t sat8(long v)
{
	return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

/*
 * Same scales, by hand.  Inputs scale 0.5 (zp 3 and -2), output scale 1
 * (zp 1).  TFLite: twice_max = 1.0, input multipliers 0.5 / 1 = 0.5 ->
 * m = 2^30, shift 0; output multiplier 1 / (2^20 * 1) = 2^-20 = 0.5 * 2^-19
 * -> m = 2^30, shift -19.  With a' = a - 3, b' = b + 2:
 *   (a' << 20) * 2^30 / 2^31 = a' * 2^19 exactly (same for b'),
 *   raw = (a' + b') * 2^19, SRDHM(raw, 2^30) = (a' + b') * 2^18,
 *   RoundingDivideByPOT(., 19) = (a' + b') / 2 rounded half away from 0.
 *   a  =  5   0  10  -128  127   3       a' =  2  -3   7  -131  124   0
 *   b  = -1  -2   1  -128  127  -3       b' =  1   0   3  -126  129  -1
 *   a'+b' = 3  -3  10  -257  253  -1  -> /2: 2  -2  5  -129  127  -1
 *   + 1: 3  -1  6  -128  128 -> 127 (saturated)  0
 * SUB: a' - b' = 1  -3  4  -5  -5  1  -> /2: 1  -2  2  -3  -3  1
 *   + 1: 2  -1  3  -2  -2  2
 */
static void test_add_sub_same_scales_hand(void **state)
{
	const int8_t a[6] = { 5, 0, 10, -128, 127, 3 };
	const int8_t b[6] = { -1, -2, 1, -128, 127, -3 };
	const int8_t want_add[6] = { 3, -1, 6, -128, 127, 0 };
	const int8_t want_sub[6] = { 2, -1, 3, -2, -2, 2 };
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 3, a, 6, 0 },
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, -2, b, 6, 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(2, 3), 1.0f, 1, NULL, 0, 0 };
	opspec op = add_spec(ADD, TB_ACT_NONE);
	int8_t got[6];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_add, 6);
	op = add_spec(SUB, TB_ACT_NONE);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_sub, 6);
}

/*
 * Different input scales, still exact: s1 = 0.5 (zp -1), s2 = 0.25 (zp 4),
 * output 0.25 (zp -3).  twice_max = 1: multiplier 1 = 0.5 (2^30, shift 0),
 * multiplier 2 = 0.25 (2^30, shift -1), output 1 / (2^20 * 0.25) = 2^-18
 * (2^30, shift -17).  a' * 2^19 and b' * 2^18 exactly, raw = (2a' + b') *
 * 2^18, SRDHM -> (2a' + b') * 2^17, / 2^17 -> 2a' + b' exactly, i.e.
 * out = -3 + 2 (a + 1) + (b - 4) (SUB: -3 + 2 (a + 1) - (b - 4)),
 * saturated.  Real check: 0.5 a' + 0.25 b' = 0.25 (2a' + b').
 *   a = 0, b = 4:   -3 + 2 + 0 = -1          SUB -1
 *   a = 10, b = 0:  -3 + 22 - 4 = 15         SUB -3 + 22 + 4 = 23
 *   a = -20, b = 9: -3 - 38 + 5 = -36        SUB -3 - 38 - 5 = -46
 *   a = 60, b = 10: -3 + 122 + 6 = 125       SUB -3 + 122 - 6 = 113
 *   a = 61, b = 10: -3 + 124 + 6 = 127       SUB 115
 *   a = 62, b = 10: 129 -> 127               SUB 117
 *   a = -64, b = -128: -3 - 126 - 132 -> -128   SUB -3 - 126 + 132 = 3
 *   a = -64, b = 127: -3 - 126 + 123 = -6    SUB -3 - 126 - 123 -> -128
 * Fused RELU (min zp = -3): values below -3 become -3.
 * Fused RELU6 on SUB: [-3, -3 + round(6 / 0.25)] = [-3, 21].
 */
static void test_add_sub_different_scales(void **state)
{
	const int8_t a[8] = { 0, 10, -20, 60, 61, 62, -64, -64 };
	const int8_t b[8] = { 4, 0, 9, 10, 10, 10, -128, 127 };
	const int8_t want_add[8] = { -1, 15, -36, 125, 127, 127, -128, -6 };
	const int8_t want_sub[8] = { -1, 23, -46, 113, 115, 117, 3, -128 };
	const int8_t want_add_relu[8] = { -1, 15, -3, 125, 127, 127, -3, -3 };
	const int8_t want_sub_relu6[8] = { -1, 21, -3, 21, 21, 21, 3, -3 };
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(8), 0.5f, -1, a, 8, 0 },
		{ TB_TYPE_INT8, SHAPE(8), 0.25f, 4, b, 8, 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(8), 0.25f, -3, NULL, 0, 0 };
	opspec op = add_spec(ADD, TB_ACT_NONE);
	int8_t got[8];

	(void)state;
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_add, 8);
	op = add_spec(SUB, TB_ACT_NONE);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_sub, 8);
	op = add_spec(ADD, TB_ACT_RELU);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_add_relu, 8);
	op = add_spec(SUB, TB_ACT_RELU6);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, want_sub_relu6, 8);
}

/* ---- broadcasting, with the exact scales above -------------------------- */

/* out = -3 + 2 (a + 1) +/- (b - 4), saturated (see the derivation above). */
static int8_t exact_formula(int sub, int a, int b)
{
	return sat8(-3 + 2 * (a + 1) + (sub ? -(b - 4) : (b - 4)));
}

/* Element of a (dims ad, rank ar) that numpy broadcasting pairs with output
 * element i (dims od, rank orank). */
static size_t bcast_index(const int32_t *ad, size_t ar, const int32_t *od,
			  size_t orank, size_t i)
{
	size_t coord[6], idx = 0;

	for (size_t k = orank; k-- > 0;) {
		coord[k] = i % (size_t)od[k];
		i /= (size_t)od[k];
	}
	for (size_t k = 0; k < ar; k++) {
		const size_t c = ad[k] == 1 ? 0 : coord[k + orank - ar];

		idx = idx * (size_t)ad[k] + c;
	}
	return idx;
}

static void check_broadcast(const int32_t *ad, size_t ar, const int32_t *bd,
			    size_t br, const int32_t *od, size_t orank)
{
	int8_t a[256], b[256], got[1024], want[1024];
	size_t na = 1, nb = 1, no = 1;
	tspec ins[2] = {
		{ TB_TYPE_INT8, { 0 }, ar, 0.5f, -1, a, 0, 0 },
		{ TB_TYPE_INT8, { 0 }, br, 0.25f, 4, b, 0, 0 },
	};
	tspec out = { TB_TYPE_INT8, { 0 }, orank, 0.25f, -3, NULL, 0, 0 };

	for (size_t k = 0; k < ar; k++) {
		ins[0].shape[k] = ad[k];
		na *= (size_t)ad[k];
	}
	for (size_t k = 0; k < br; k++) {
		ins[1].shape[k] = bd[k];
		nb *= (size_t)bd[k];
	}
	for (size_t k = 0; k < orank; k++) {
		out.shape[k] = od[k];
		no *= (size_t)od[k];
	}
	assert_true(na <= 256 && nb <= 256 && no <= 1024);
	ins[0].bytes = na;
	ins[1].bytes = nb;
	for (size_t i = 0; i < na; i++)
		a[i] = (int8_t)((int)(i * 7 % 41) - 20);
	for (size_t i = 0; i < nb; i++)
		b[i] = (int8_t)((int)(i * 13 % 53) - 26);
	for (int sub = 0; sub < 2; sub++) {
		const opspec op = add_spec(sub ? SUB : ADD, TB_ACT_NONE);

		for (size_t i = 0; i < no; i++)
			want[i] = exact_formula(sub, a[bcast_index(ad, ar, od, orank, i)],
						b[bcast_index(bd, br, od, orank, i)]);
		memset(got, 0x5a, sizeof(got));
		run_ok(&op, ins, 2, &out, got, sizeof(got));
		assert_memory_equal(got, want, no);
	}
}

#define DIMS(...) ((const int32_t[]){ __VA_ARGS__ }), N_OF(((int32_t[]){ __VA_ARGS__ }))

static void test_add_broadcast_scalar_and_vectors(void **state)
{
	(void)state;
	/* scalar: rank 0 and [1], on either side */
	check_broadcast(DIMS(2, 3), (const int32_t[]){ 0 }, 0, DIMS(2, 3));
	check_broadcast((const int32_t[]){ 0 }, 0, DIMS(2, 3), DIMS(2, 3));
	check_broadcast(DIMS(2, 3), DIMS(1), DIMS(2, 3));
	check_broadcast(DIMS(1), DIMS(4, 5), DIMS(4, 5));
	/* row vector [3] against [2, 3]; [1, 3] too */
	check_broadcast(DIMS(2, 3), DIMS(3), DIMS(2, 3));
	check_broadcast(DIMS(3), DIMS(2, 3), DIMS(2, 3));
	check_broadcast(DIMS(2, 3), DIMS(1, 3), DIMS(2, 3));
	/* column [2, 1] against row [1, 3] (both broadcast) */
	check_broadcast(DIMS(2, 1), DIMS(1, 3), DIMS(2, 3));
	check_broadcast(DIMS(4, 1), DIMS(5), DIMS(4, 5));
}

static void test_add_broadcast_high_rank(void **state)
{
	(void)state;
	/* 4D, broadcasting on every axis, alternating sides */
	check_broadcast(DIMS(2, 1, 3, 1), DIMS(1, 4, 1, 2), DIMS(2, 4, 3, 2));
	/* different ranks */
	check_broadcast(DIMS(4, 1, 3), DIMS(2, 1), DIMS(4, 2, 3));
	check_broadcast(DIMS(3, 1), DIMS(2, 1, 4, 1, 1), DIMS(2, 1, 4, 3, 1));
	/* rank 5 */
	check_broadcast(DIMS(2, 1, 2, 1, 3), DIMS(1, 2, 1, 2, 1), DIMS(2, 2, 2, 2, 3));
	/* rank 6 */
	check_broadcast(DIMS(1, 2, 1, 3, 1, 2), DIMS(2, 1, 2, 1, 2, 1),
			DIMS(2, 2, 2, 3, 2, 2));
	check_broadcast(DIMS(2, 2, 2, 2, 2, 2), DIMS(2, 1, 1, 1, 1, 2),
			DIMS(2, 2, 2, 2, 2, 2));
	/* same shapes at rank 6 (no broadcast) */
	check_broadcast(DIMS(1, 2, 1, 3, 1, 2), DIMS(1, 2, 1, 3, 1, 2),
			DIMS(1, 2, 1, 3, 1, 2));
}

/* ---- float (SUB) vs double (ADD) multipliers -------------------------------- */

/* TFLite Micro's multipliers: add_common.cc in double, sub_common.cc in
 * float (then widened), both through QuantizeMultiplierSmallerThanOneExp. */
struct add_ref {
	int32_t m[3];
	int shift[3];
};

static void ref_add_params(int in_float, float s1, float s2, float so,
			   struct add_ref *r)
{
	double real[3];

	if (!in_float) {
		const double twice_max = 2 * (double)(s1 > s2 ? s1 : s2);

		real[0] = (double)s1 / twice_max;
		real[1] = (double)s2 / twice_max;
		real[2] = twice_max / ((1 << 20) * (double)so);
	} else {
		const float twice_max = 2 * (s1 > s2 ? s1 : s2);

		real[0] = (double)(s1 / twice_max);
		real[1] = (double)(s2 / twice_max);
		real[2] = (double)(twice_max / ((1 << 20) * so));
	}
	for (int i = 0; i < 3; i++) {
		assert_true(real[i] > 0.0 && real[i] < 1.0);
		ref_quantize_multiplier(real[i], &r->m[i], &r->shift[i]);
		assert_true(r->shift[i] <= 0);
	}
}

/* reference_integer_ops::AddElementwise / reference_ops::SubElementwise. */
static int8_t ref_add_one(const struct add_ref *r, int sub, int a, int b,
			  int32_t z1, int32_t z2, int32_t zo, int32_t lo, int32_t hi)
{
	const int32_t x1 = (a - z1) * (1 << 20), x2 = (b - z2) * (1 << 20);
	const int32_t y1 = ref_rdbpot(ref_srdhm(x1, r->m[0]), -r->shift[0]);
	const int32_t y2 = ref_rdbpot(ref_srdhm(x2, r->m[1]), -r->shift[1]);
	int32_t v = ref_rdbpot(ref_srdhm(sub ? y1 - y2 : y1 + y2, r->m[2]), -r->shift[2]) + zo;

	v = v < lo ? lo : v;
	v = v > hi ? hi : v;
	return (int8_t)v;
}

/* All 65536 (a, b) pairs in one run: a [256, 1] x b [1, 256] -> [256, 256].
 * Exact against the reference with the op's own precision; counts how
 * many elements the other precision would change; every element within
 * 1 LSB of the real-number result. */
static void exhaustive_pairs(int sub, float s1, int32_t z1, float s2, int32_t z2,
			     float so, int32_t zo, int act, long *n_other)
{
	static int8_t got[65536];
	int8_t a[256], b[256];
	const opspec op = add_spec(sub ? SUB : ADD, act);
	const tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(256, 1), s1, z1, a, 256, 0 },
		{ TB_TYPE_INT8, SHAPE(1, 256), s2, z2, b, 256, 0 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(256, 256), so, zo, NULL, 0, 0 };
	struct add_ref own, other;
	int32_t lo, hi;

	for (int i = 0; i < 256; i++)
		a[i] = b[i] = (int8_t)(i - 128);
	ref_add_params(sub, s1, s2, so, &own);
	ref_add_params(!sub, s1, s2, so, &other);
	ref_act_range(act, so, zo, &lo, &hi);
	run_ok(&op, ins, 2, &out, got, sizeof(got));
	for (int i = 0; i < 256; i++)
		for (int j = 0; j < 256; j++) {
			const int8_t g = got[i * 256 + j];
			const int8_t w = ref_add_one(&own, sub, a[i], b[j], z1, z2, zo, lo, hi);
			const int8_t w2 = ref_add_one(&other, sub, a[i], b[j], z1, z2, zo, lo, hi);
			double real = ((double)s1 * (a[i] - z1) +
				       (sub ? -1 : 1) * (double)s2 * (b[j] - z2)) / (double)so + zo;

			real = real < lo ? lo : real > hi ? hi : real;
			if (g != w)
				print_error("%s scales %g/%g/%g zp %d/%d/%d: a %d b %d got %d want %d\n",
					    sub ? "SUB" : "ADD", (double)s1, (double)s2,
					    (double)so, z1, z2, zo, a[i], b[j], g, w);
			assert_int_equal(g, w);
			assert_true(fabs(g - real) <= 1.0);
			*n_other += w2 != w;
		}
}

/*
 * Scales 0.07 / 0.05 -> 0.1: float and double give different multipliers
 * (e.g. input 2: 0.05f / 0.14f in float -> 1533916928, in double ->
 * 1533916908), which changes about 1.6% of the 65536 results.  ADD must
 * follow the double results and SUB the float ones, exactly, and both stay
 * within 1 LSB of the real formula.
 */
static void test_add_sub_float_vs_double(void **state)
{
	long n_add_other = 0, n_sub_other = 0;
	struct add_ref d, f;

	(void)state;
	ref_add_params(0, 0.07f, 0.05f, 0.1f, &d);
	ref_add_params(1, 0.07f, 0.05f, 0.1f, &f);
	assert_int_not_equal(d.m[1], f.m[1]);
	exhaustive_pairs(0, 0.07f, 3, 0.05f, -7, 0.1f, -2, TB_ACT_NONE, &n_add_other);
	exhaustive_pairs(1, 0.07f, 3, 0.05f, -7, 0.1f, -2, TB_ACT_NONE, &n_sub_other);
	/* the case really tells the precisions apart */
	assert_true(n_add_other > 100);
	assert_true(n_sub_other > 100);
}

/* Random scales and zero points, every (a, b) pair, both ops, with random
 * fused activations: exact against the reference, within 1 LSB of real. */
static void test_add_sub_random_scales_exhaustive(void **state)
{
	const int acts[4] = { TB_ACT_NONE, TB_ACT_RELU, TB_ACT_RELU6, TB_ACT_RELU_N1_TO_1 };
	long n_other = 0;

	(void)state;
	rng_seed(0xadd5eb0123ull);
	for (int iter = 0; iter < 24; iter++) {
		const float s1 = rng_pow2(-9, -1), s2 = rng_pow2(-9, -1);
		const float so = (float)((s1 > s2 ? s1 : s2) * exp2(rng_int(-10, 30) / 10.0));
		const int32_t z1 = rng_int(-128, 127), z2 = rng_int(-128, 127);
		const int32_t zo = rng_int(-128, 127);

		exhaustive_pairs(iter & 1, s1, z1, s2, z2, so, zo, acts[rng_int(0, 3)], &n_other);
	}
}

static void test_add_rejects(void **state)
{
	const int8_t d[64] = { 0 };
	opspec op = add_spec(ADD, TB_ACT_NONE);
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, d, 6, 0 },
		{ TB_TYPE_INT8, SHAPE(4), 0.5f, 0, d, 4, 0 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(2, 3), 1.0f, 0, NULL, 0, 0 };

	(void)state;
	for (int k = 0; k < 2; k++) {
		op = add_spec(k ? SUB : ADD, TB_ACT_NONE);
		/* [2,3] with [4]; [2,3] with [3,2] */
		ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(4), 0.5f, 0, d, 4, 0 };
		out = (tspec){ TB_TYPE_INT8, SHAPE(2, 3), 1.0f, 0, NULL, 0, 0 };
		expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "broadcast");
		ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(3, 2), 0.5f, 0, d, 6, 0 };
		expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "broadcast");
		/* broadcastable inputs, but the output disagrees: [2,3] + [3] -> [2,4] */
		ins[1] = (tspec){ TB_TYPE_INT8, SHAPE(3), 0.5f, 0, d, 3, 0 };
		out = (tspec){ TB_TYPE_INT8, SHAPE(2, 4), 1.0f, 0, NULL, 0, 0 };
		expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "broadcast");
		out = (tspec){ TB_TYPE_INT8, SHAPE(2, 3), 1.0f, 0, NULL, 0, 0 };
		/* output scale so small the output multiplier is >= 1:
		 * 2 * 0.5 / (2^20 * 2^-21) = 2 */
		out.scale = 0x1p-21f;
		expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "");
		out.scale = 1.0f;
		/* quantization missing, type wrong, activation unsupported */
		ins[1].scale = 0.0f;
		expect_reject(&op, ins, 2, &out, TS_ERR_QUANT, "input 2");
		ins[1].scale = 0.5f;
		ins[1].type = TB_TYPE_INT16;
		expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "input 2");
		ins[1].type = TB_TYPE_INT8;
		op = add_spec(k ? SUB : ADD, TB_ACT_TANH);
		expect_reject(&op, ins, 2, &out, TS_ERR_UNSUPPORTED, "activation");
	}
}

/*
 * Inputs of the same shape that are smaller than the output ([1] + [1] ->
 * [3], [1,3] + [1,3] -> [2,3], [3] + [3] -> [2,3]) are not a valid
 * broadcast (numpy gives [1], [1,3], [3]).  They must be rejected:
 * accepting them makes the same-shape fast path read past both inputs.
 * Only create is run.
 */
static void test_add_same_shape_smaller_than_output(void **state)
{
	const int8_t d[8] = { 0 };
	const int32_t cases[3][2][3] = {
		{ { 1, 0, 0 }, { 3, 0, 0 } },
		{ { 1, 3, 0 }, { 2, 3, 0 } },
		{ { 3, 0, 0 }, { 2, 3, 0 } },
	};
	const size_t in_rank[3] = { 1, 2, 1 }, out_rank[3] = { 1, 2, 2 };

	(void)state;
	for (int k = 0; k < 2; k++)
		for (int c = 0; c < 3; c++) {
			const opspec op = add_spec(k ? SUB : ADD, TB_ACT_NONE);
			tspec ins[2] = {
				{ TB_TYPE_INT8, { 0 }, in_rank[c], 0.5f, 0, d, 0, 0 },
				{ TB_TYPE_INT8, { 0 }, in_rank[c], 0.5f, 0, d, 0, 0 },
			};
			tspec out = { TB_TYPE_INT8, { 0 }, out_rank[c], 1.0f, 0, NULL, 0, 0 };
			size_t n = 1;
			ts_diag diag;
			ts_status st;

			for (size_t i = 0; i < in_rank[c]; i++) {
				ins[0].shape[i] = ins[1].shape[i] = cases[c][0][i];
				n *= (size_t)cases[c][0][i];
			}
			ins[0].bytes = ins[1].bytes = n;
			for (size_t i = 0; i < out_rank[c]; i++)
				out.shape[i] = cases[c][1][i];
			st = run_op_ex(&op, ins, 2, &out, NULL, 0, &diag, 0);
			if (st == TS_OK)
				print_error("%s case %d: inputs smaller than the output accepted\n",
					    k ? "SUB" : "ADD", c);
			assert_int_equal(st, TS_ERR_SHAPE);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_sub_same_scales_hand),
		cmocka_unit_test(test_add_sub_different_scales),
		cmocka_unit_test(test_add_broadcast_scalar_and_vectors),
		cmocka_unit_test(test_add_broadcast_high_rank),
		cmocka_unit_test(test_add_sub_float_vs_double),
		cmocka_unit_test(test_add_sub_random_scales_exhaustive),
		cmocka_unit_test(test_add_rejects),
		cmocka_unit_test(test_add_same_shape_smaller_than_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
