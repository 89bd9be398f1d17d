/* SPDX-License-Identifier: MIT */
/*
 * Prepare-time quantization arithmetic (lib/core/quant.c) against libm and
 * TFLite's formulas, and the integer requantization primitives
 * (lib/core/fixedpoint.h) against exact 64-bit references written from the
 * real-number definitions.  Needs -lm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/fixedpoint.h"
#include "core/quant.h"

/* ---- inputs ----------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd64(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double bits_double(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

static uint64_t double_bits(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* A random int32 with a random magnitude (so small values and exact ties
 * show up often), or one of the edge values. */
static int32_t rnd_i32(void)
{
	static const int32_t edges[] = {
		0, 1, -1, 2, -2, 3, -3, INT32_MIN, INT32_MIN + 1, INT32_MAX,
		INT32_MAX - 1, 1 << 30, -(1 << 30), (1 << 30) + 1, -(1 << 30) - 1,
		(1 << 30) - 1, 1 << 15, -(1 << 15), 1 << 16, 3 << 14, 255, -128, 127,
	};
	const uint64_t r = rnd64();

	if ((r & 7) == 0)
		return edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
	return (int32_t)(uint32_t)(r >> 32) >> ((r >> 3) & 31);
}

/* Doubles worth comparing: every kind of bit pattern (subnormals, huge,
 * NaN, inf) plus ordinary magnitudes, halves and their neighbours. */
static double rnd_double(void)
{
	const uint64_t r = rnd64();

	switch (r & 7) {
	case 0:
	case 1:
		return bits_double(rnd64()); /* anything at all */
	case 2: /* subnormal, either sign */
		return bits_double((rnd64() & 0x000fffffffffffffull) | (r & 0x8000000000000000ull));
	case 3: /* k + 0.5 */
		return (double)((int64_t)(rnd64() >> 20) - ((int64_t)1 << 43)) + 0.5;
	case 4: /* next to a half */
		return nextafter((double)((int32_t)(rnd64() >> 40) - (1 << 23)) + 0.5,
				 (r & 8) ? INFINITY : -INFINITY);
	case 5: /* near 2^52 and 2^53 where doubles stop having fractions */
		return ((r & 8) ? -1 : 1) * (ldexp(1.0, 52 + (int)((r >> 4) & 1)) +
					      (double)((int)((r >> 8) & 63) - 32) * 0.5);
	default: /* log-uniform-ish magnitudes 2^-40 .. 2^40 */
		return ((r & 8) ? -1 : 1) * ldexp((double)(rnd64() >> 11) / 9007199254740992.0,
						  (int)((r >> 16) % 81) - 40);
	}
}

/* ---- ts_frexp / ts_round / ts_floor against libm ------------------------------- */

static const double special_doubles[] = {
	0.0, 1.0, -1.0, 0.5, -0.5, 0.75, 1.5, -1.5, 2.5, -2.5, 3.5, -3.5,
	0.49999999999999994, -0.49999999999999994, 0.5000000000000001,
	4503599627370495.5, -4503599627370495.5, 4503599627370496.0,
	4503599627370497.0, 9007199254740993.0, 1e300, -1e300, 1e-300, -1e-300,
	DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, 4.9406564584124654e-324,
	-4.9406564584124654e-324, 2.2250738585072009e-308, 1e-12, 1e6,
	2147483648.0, 2147483647.5, -2147483648.5, 9.2233720368547758e18,
	-9.2233720368547758e18, 1.8446744073709552e19,
};

static void check_frexp(double x)
{
	int e_ref = 12345, e_got = 54321;
	const double ref = frexp(x, &e_ref);
	const double got = ts_frexp(x, &e_got);

	if (isnan(x)) {
		assert_true(isnan(got));
		return;
	}
	if (double_bits(ref) != double_bits(got))
		fail_msg("ts_frexp(%a) = %a, frexp gives %a", x, got, ref);
	if (isfinite(x) && e_ref != e_got) /* exp unspecified for inf */
		fail_msg("ts_frexp(%a): exponent %d, frexp gives %d", x, e_got, e_ref);
}

/* Values must match; the sign of a zero result is checked separately in
 * test_round_floor_signed_zero. */
static void check_round_floor(double x)
{
	const double r_ref = round(x), r_got = ts_round(x);
	const double f_ref = floor(x), f_got = ts_floor(x);

	if (isnan(x)) {
		assert_true(isnan(r_got));
		assert_true(isnan(f_got));
		return;
	}
	if (r_ref != r_got)
		fail_msg("ts_round(%a = %.17g) = %.17g, round gives %.17g", x, x, r_got, r_ref);
	if (f_ref != f_got)
		fail_msg("ts_floor(%a = %.17g) = %.17g, floor gives %.17g", x, x, f_got, f_ref);
}

static void test_frexp_matches_libm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(special_doubles) / sizeof(special_doubles[0]); i++) {
		check_frexp(special_doubles[i]);
		check_frexp(-special_doubles[i]);
	}
	check_frexp(-0.0);
	check_frexp(INFINITY);
	check_frexp(-INFINITY);
	check_frexp(NAN);
	/* Every power of two, normal and subnormal. */
	for (int e = -1074; e <= 1023; e++) {
		check_frexp(ldexp(1.0, e));
		check_frexp(-ldexp(1.0, e));
		check_frexp(ldexp(1.5, e - 1));
	}
	for (int i = 0; i < 2000000; i++)
		check_frexp(rnd_double());
	/* Hand-checked: 8 = 0.5 * 2^4, -0.75 = -0.75 * 2^0, min subnormal
	 * 2^-1074 = 0.5 * 2^-1073. */
	{
		int e;

		assert_true(ts_frexp(8.0, &e) == 0.5 && e == 4);
		assert_true(ts_frexp(-0.75, &e) == -0.75 && e == 0);
		assert_true(ts_frexp(4.9406564584124654e-324, &e) == 0.5 && e == -1073);
		assert_true(ts_frexp(0.0, &e) == 0.0 && e == 0);
	}
}

static void test_round_floor_match_libm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(special_doubles) / sizeof(special_doubles[0]); i++) {
		check_round_floor(special_doubles[i]);
		check_round_floor(-special_doubles[i]);
	}
	check_round_floor(INFINITY);
	check_round_floor(-INFINITY);
	check_round_floor(NAN);
	for (int i = 0; i < 2000000; i++)
		check_round_floor(rnd_double());
	/* Ties go away from zero (hand values). */
	assert_true(ts_round(0.5) == 1.0);
	assert_true(ts_round(-0.5) == -1.0);
	assert_true(ts_round(2.5) == 3.0);
	assert_true(ts_round(-2.5) == -3.0);
	/* The largest double below 0.5 rounds to 0 (a floor(x + 0.5)
	 * implementation gets 1). */
	assert_true(ts_round(0.49999999999999994) == 0.0);
	/* 2^52 + 0.5 does not exist; 2^52 - 0.5 does and is a tie. */
	assert_true(ts_round(4503599627370495.5) == 4503599627370496.0);
	assert_true(ts_floor(-0.5) == -1.0);
	assert_true(ts_floor(-4503599627370495.5) == -4503599627370496.0);
	assert_true(ts_floor(1e300) == 1e300);
}

/*
 * round() and floor() keep the sign of zero: round(-0.0) = round(-0.3) =
 * -0.0, floor(-0.0) = -0.0.  ts_round/ts_floor truncate through int64_t and
 * return +0.0 there.  Harmless for today's callers (they convert the result
 * to an integer or add a zero point), but it is a difference from libm.
 */
static void test_round_floor_signed_zero(void **state)
{
	const double xs[] = { -0.0, -0.3, -0.49999999999999994, -1e-300,
			      -4.9406564584124654e-324 };

	(void)state;
	for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		if (signbit(ts_round(xs[i])) != signbit(round(xs[i])))
			fail_msg("ts_round(%a) = %a, round gives %a", xs[i], ts_round(xs[i]),
				 round(xs[i]));
	}
	if (signbit(ts_floor(-0.0)) != signbit(floor(-0.0)))
		fail_msg("ts_floor(-0.0) = %a, floor gives %a", ts_floor(-0.0), floor(-0.0));
	/* And the positive side: +0.0 stays +0.0. */
	assert_false(signbit(ts_round(0.3)));
	assert_false(signbit(ts_floor(0.3)));
}

/* ---- ts_quantize_multiplier ------------------------------------------------------ */

/* TFLite QuantizeMultiplier (quantization_util.cc), written with libm. */
static void ref_quantize_multiplier(double real, int32_t *multiplier, int *shift)
{
	double q;
	int64_t q_fixed;

	if (real == 0.0) {
		*multiplier = 0;
		*shift = 0;
		return;
	}
	q = frexp(real, shift);
	q_fixed = (int64_t)round(q * (double)(1ll << 31));
	assert_true(q_fixed <= (1ll << 31));
	if (q_fixed == (1ll << 31)) {
		q_fixed /= 2;
		++*shift;
	}
	assert_true(q_fixed <= INT32_MAX);
	if (*shift < -31) {
		*shift = 0;
		q_fixed = 0;
	}
	*multiplier = (int32_t)q_fixed;
}

static void check_qm(double real)
{
	int32_t m_ref, m_got = -7;
	int s_ref, s_got = -7;

	ref_quantize_multiplier(real, &m_ref, &s_ref);
	ts_quantize_multiplier(real, &m_got, &s_got);
	if (m_ref != m_got || s_ref != s_got)
		fail_msg("ts_quantize_multiplier(%.17g = %a) = (%d, %d), TFLite gives (%d, %d)",
			 real, real, m_got, s_got, m_ref, s_ref);
	/* Independent of both: for positive reals not flushed to zero,
	 * m in [2^30, 2^31) and m is real * 2^(31 - shift) rounded to
	 * nearest, i.e. within half a unit (exact in double: a power-of-two
	 * scaling). */
	if (real > 0 && m_got != 0) {
		const double exact = ldexp(real, 31 - s_got);

		assert_true(m_got >= (1 << 30));
		if (!(fabs((double)m_got - exact) <= 0.5))
			fail_msg("ts_quantize_multiplier(%.17g): %d * 2^(%d - 31) is not the nearest",
				 real, m_got, s_got);
	}
}

static void test_quantize_multiplier_sweep(void **state)
{
	const int n = 200000;
	const double lo = log(1e-12), hi = log(1e6);

	(void)state;
	/* Log-spaced 1e-12 .. 1e6. */
	for (int i = 0; i <= n; i++)
		check_qm(exp(lo + (hi - lo) * i / n));
	/* Exact powers of two and their neighbours. */
	for (int e = -70; e <= 70; e++) {
		const double p = ldexp(1.0, e);

		check_qm(p);
		check_qm(nextafter(p, 0.0));
		check_qm(nextafter(p, INFINITY));
		check_qm(-p);
	}
	/* Random magnitudes and signs. */
	for (int i = 0; i < 500000; i++) {
		const double x = rnd_double();

		if (isfinite(x) && fabs(x) < 1e300 && fabs(x) > 1e-300)
			check_qm(x);
	}
	check_qm(0.0);
}

/*
 * Values just below a power of two whose mantissa rounds up to 2^31: then
 * TFLite halves the multiplier and bumps the shift.  q * 2^31 >= 2^31 - 0.5
 * rounds up, i.e. q >= 1 - 2^-32.
 */
static void test_quantize_multiplier_round_up_to_2_31(void **state)
{
	const double below[] = {
		nextafter(1.0, 0.0),           /* 1 - 2^-53 */
		1.0 - ldexp(1.0, -40),
		1.0 - ldexp(1.0, -33),
		1.0 - ldexp(1.0, -32),         /* exactly the tie: rounds up */
	};
	int32_t m;
	int s;

	(void)state;
	for (size_t i = 0; i < sizeof(below) / sizeof(below[0]); i++) {
		for (int e = -30; e <= 30; e += 5) {
			const double x = ldexp(below[i], e);

			ts_quantize_multiplier(x, &m, &s);
			/* Hand: multiplier 2^30, shift e + 1 (x ~ 2^e = 0.5 * 2^(e+1)). */
			if (m != (1 << 30) || s != e + 1)
				fail_msg("ts_quantize_multiplier(%a) = (%d, %d), expected (%d, %d)",
					 x, m, s, 1 << 30, e + 1);
			check_qm(x);
		}
	}
	/* 1 - 2^-31: q * 2^31 = 2^31 - 1 exactly, no round up. */
	ts_quantize_multiplier(1.0 - ldexp(1.0, -31), &m, &s);
	assert_int_equal(m, INT32_MAX);
	assert_int_equal(s, 0);
	/* 1 - 3 * 2^-33: 2^31 - 0.75 -> 2^31 - 1. */
	ts_quantize_multiplier(1.0 - 3 * ldexp(1.0, -33), &m, &s);
	assert_int_equal(m, INT32_MAX);
	assert_int_equal(s, 0);
}

static void test_quantize_multiplier_hand_values(void **state)
{
	int32_t m;
	int s;

	(void)state;
	/* 1.0 = 0.5 * 2^1 -> (2^30, 1). */
	ts_quantize_multiplier(1.0, &m, &s);
	assert_int_equal(m, 1 << 30);
	assert_int_equal(s, 1);
	/* 0.75 = 0.75 * 2^0 -> (0.75 * 2^31, 0). */
	ts_quantize_multiplier(0.75, &m, &s);
	assert_int_equal(m, 1610612736);
	assert_int_equal(s, 0);
	/* -0.75 -> (-0.75 * 2^31, 0). */
	ts_quantize_multiplier(-0.75, &m, &s);
	assert_int_equal(m, -1610612736);
	assert_int_equal(s, 0);
	/* 0.1 = 0.8 * 2^-3; 0.8 * 2^31 = 1717986918.4 -> 1717986918. */
	ts_quantize_multiplier(0.1, &m, &s);
	assert_int_equal(m, 1717986918);
	assert_int_equal(s, -3);
	/* 2^-32 = 0.5 * 2^-31: shift -31 is still kept. */
	ts_quantize_multiplier(ldexp(1.0, -32), &m, &s);
	assert_int_equal(m, 1 << 30);
	assert_int_equal(s, -31);
	/* Just below 2^-32 the mantissa (1 - 2^-53) rounds up to 2^31, so
	 * the shift comes back to -31: (2^30, -31) again. */
	ts_quantize_multiplier(nextafter(ldexp(1.0, -32), 0.0), &m, &s);
	assert_int_equal(m, 1 << 30);
	assert_int_equal(s, -31);
	/* 2^-32 - 2^-63 = (1 - 2^-31) * 2^-32: mantissa 2^31 - 1, shift -32:
	 * TFLite flushes shifts below -31 to (0, 0). */
	ts_quantize_multiplier(ldexp(1.0 - ldexp(1.0, -31), -32), &m, &s);
	assert_int_equal(m, 0);
	assert_int_equal(s, 0);
	ts_quantize_multiplier(ldexp(1.0, -33), &m, &s);
	assert_int_equal(m, 0);
	assert_int_equal(s, 0);
	ts_quantize_multiplier(1e-12, &m, &s);
	assert_int_equal(m, 0);
	assert_int_equal(s, 0);
	ts_quantize_multiplier(0.0, &m, &s);
	assert_int_equal(m, 0);
	assert_int_equal(s, 0);
	/* 1e6 = 0.95367431640625 * 2^20, exactly 2048000000 / 2^31. */
	ts_quantize_multiplier(1e6, &m, &s);
	assert_int_equal(m, 2048000000);
	assert_int_equal(s, 20);
}

static void test_quantize_multiplier_gt_lt_one(void **state)
{
	int32_t m;
	int s;

	(void)state;
	assert_true(ts_quantize_multiplier_gt_one(1.5, &m, &s));
	assert_int_equal(m, 1610612736); /* 0.75 * 2^31 */
	assert_int_equal(s, 1);
	assert_false(ts_quantize_multiplier_gt_one(1.0, &m, &s));
	assert_false(ts_quantize_multiplier_gt_one(0.5, &m, &s));
	assert_false(ts_quantize_multiplier_gt_one(NAN, &m, &s));
	assert_true(ts_quantize_multiplier_lt_one(0.5, &m, &s));
	assert_int_equal(m, 1 << 30);
	assert_int_equal(s, 0);
	assert_true(ts_quantize_multiplier_lt_one(0.1, &m, &s));
	assert_int_equal(s, -3);
	assert_false(ts_quantize_multiplier_lt_one(1.0, &m, &s));
	assert_false(ts_quantize_multiplier_lt_one(0.0, &m, &s));
	assert_false(ts_quantize_multiplier_lt_one(-0.5, &m, &s));
	assert_false(ts_quantize_multiplier_lt_one(NAN, &m, &s));
	/* Below 1 but rounding up to 2^31 gives shift 1: TFLite's
	 * QuantizeMultiplierSmallerThanOneExp would fail its CHECK. */
	assert_false(ts_quantize_multiplier_lt_one(1.0 - ldexp(1.0, -40), &m, &s));
}

static void test_input_radius_and_scale_ok(void **state)
{
	(void)state;
	/* floor((2^5 - 1) * 2^(31 - 5) / 2^shift): 31 * 2^26 / 2^20 = 1984. */
	assert_int_equal(ts_input_radius(5, 20, 31), 1984);
	assert_int_equal(ts_input_radius(5, 0, 31), 31 * (1 << 26));
	/* 31 * 2^26 / 2^30 = 1.9375 -> 1. */
	assert_int_equal(ts_input_radius(5, 30, 31), 1);
	for (int shift = 0; shift <= 31; shift++)
		assert_int_equal(ts_input_radius(5, shift, 31),
				 (int32_t)floor(31.0 * ldexp(1.0, 26 - shift)));
	assert_int_equal(ts_input_radius(4, 10, 15), 30); /* 15 * 2^11 / 2^10 */

	assert_true(ts_scale_ok(1.0f));
	assert_true(ts_scale_ok(FLT_MAX));
	assert_true(ts_scale_ok(FLT_MIN));
	assert_true(ts_scale_ok(1e-45f)); /* subnormal, still > 0 */
	assert_false(ts_scale_ok(0.0f));
	assert_false(ts_scale_ok(-0.0f));
	assert_false(ts_scale_ok(-1.0f));
	assert_false(ts_scale_ok(INFINITY));
	assert_false(ts_scale_ok(-INFINITY));
	assert_false(ts_scale_ok(NAN));
}

/* ---- fixed point ------------------------------------------------------------------ */

/* Floor division by 2^k of a 64-bit value (k <= 62), written without >>
 * on negative numbers. */
static int64_t floor_div_pot(int64_t v, int k)
{
	const int64_t d = (int64_t)1 << k;

	return v >= 0 ? v / d : -((-v + d - 1) / d);
}

/*
 * gemmlowp/TFLite SaturatingRoundingDoublingHighMul: the integer nearest
 * to a * b / 2^31, ties rounded toward +infinity (its nudge-and-truncate
 * rounds +0.5 to 1 and -0.5 to 0), and INT32_MIN * INT32_MIN (= 2^31, not
 * representable) saturated to INT32_MAX.
 *   nearest, ties up = floor(a * b / 2^31 + 1/2) = floor((a * b + 2^30) / 2^31)
 */
static int32_t ref_srdhm(int32_t a, int32_t b)
{
	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	return (int32_t)floor_div_pot((int64_t)a * b + ((int64_t)1 << 30), 31);
}

/* x / 2^e rounded to nearest, ties away from zero (gemmlowp
 * RoundingDivideByPOT). */
static int32_t ref_rdbpot(int32_t x, int e)
{
	int64_t mag, r;

	if (e == 0)
		return x;
	mag = x < 0 ? -(int64_t)x : (int64_t)x;
	r = (mag + ((int64_t)1 << (e - 1))) / ((int64_t)1 << e);
	return (int32_t)(x < 0 ? -r : r);
}

/* TFLite MultiplyByQuantizedMultiplier: the left shift wraps (two's
 * complement, as the lib documents), then SRDHM, then RDBPOT. */
static int32_t ref_mbqm(int32_t x, int32_t m, int shift)
{
	const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
	const int64_t wide = (int64_t)x * ((int64_t)1 << left);
	const int32_t shifted = (int32_t)(uint32_t)(uint64_t)wide;

	return ref_rdbpot(ref_srdhm(shifted, m), right);
}

static void test_srdhm_hand_values(void **state)
{
	(void)state;
	assert_int_equal(ts_sat_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
	/* INT32_MIN * INT32_MAX / 2^31 = -(2^31 - 1) exactly. */
	assert_int_equal(ts_sat_rounding_doubling_high_mul(INT32_MIN, INT32_MAX), -INT32_MAX);
	assert_int_equal(ts_sat_rounding_doubling_high_mul(INT32_MAX, INT32_MAX), INT32_MAX - 1);
	/* x * 2^30 / 2^31 = x / 2. */
	assert_int_equal(ts_sat_rounding_doubling_high_mul(100, 1 << 30), 50);
	/* 2^15 * 2^15 / 2^31 = 0.5 -> 1; -0.5 -> 0 (toward +inf, gemmlowp). */
	assert_int_equal(ts_sat_rounding_doubling_high_mul(1 << 15, 1 << 15), 1);
	assert_int_equal(ts_sat_rounding_doubling_high_mul(-(1 << 15), 1 << 15), 0);
	/* 3 * 2^14 * 2^16 / 2^31 = 1.5 -> 2; -1.5 -> -1. */
	assert_int_equal(ts_sat_rounding_doubling_high_mul(3 << 14, 1 << 16), 2);
	assert_int_equal(ts_sat_rounding_doubling_high_mul(-(3 << 14), 1 << 16), -1);
	/* Just off the ties: (2^30 + 1) / 2^31 -> 1, -(2^30 + 1) / 2^31 -> -1. */
	assert_int_equal(ts_sat_rounding_doubling_high_mul((1 << 30) + 1, 1), 1);
	assert_int_equal(ts_sat_rounding_doubling_high_mul(-(1 << 30) - 1, 1), -1);
	assert_int_equal(ts_sat_rounding_doubling_high_mul(-(1 << 30) + 1, 1), 0);
	assert_int_equal(ts_sat_rounding_doubling_high_mul(0, INT32_MIN), 0);
}

static void test_rdbpot_hand_values(void **state)
{
	(void)state;
	/* Ties away from zero on both sides. */
	assert_int_equal(ts_rounding_divide_by_pot(3, 1), 2);    /* 1.5 */
	assert_int_equal(ts_rounding_divide_by_pot(-3, 1), -2);  /* -1.5 */
	assert_int_equal(ts_rounding_divide_by_pot(1, 1), 1);    /* 0.5 */
	assert_int_equal(ts_rounding_divide_by_pot(-1, 1), -1);  /* -0.5 */
	assert_int_equal(ts_rounding_divide_by_pot(-6, 2), -2);  /* -1.5 */
	assert_int_equal(ts_rounding_divide_by_pot(-5, 2), -1);  /* -1.25 */
	assert_int_equal(ts_rounding_divide_by_pot(-7, 2), -2);  /* -1.75 */
	assert_int_equal(ts_rounding_divide_by_pot(-2, 2), -1);  /* -0.5 */
	assert_int_equal(ts_rounding_divide_by_pot(2, 2), 1);    /* 0.5 */
	assert_int_equal(ts_rounding_divide_by_pot(12345, 0), 12345);
	assert_int_equal(ts_rounding_divide_by_pot(INT32_MIN, 0), INT32_MIN);
	/* Exponent 31. */
	assert_int_equal(ts_rounding_divide_by_pot(INT32_MIN, 31), -1);   /* -1 exactly */
	assert_int_equal(ts_rounding_divide_by_pot(INT32_MAX, 31), 1);    /* 0.99.. */
	assert_int_equal(ts_rounding_divide_by_pot(1 << 30, 31), 1);      /* 0.5 */
	assert_int_equal(ts_rounding_divide_by_pot(-(1 << 30), 31), -1);  /* -0.5 */
	assert_int_equal(ts_rounding_divide_by_pot((1 << 30) - 1, 31), 0);
	assert_int_equal(ts_rounding_divide_by_pot(-(1 << 30) + 1, 31), 0);
	assert_int_equal(ts_rounding_divide_by_pot(INT32_MIN, 30), -2);
}

static void test_mbqm_hand_values(void **state)
{
	(void)state;
	/* 100 * 0.5 */
	assert_int_equal(ts_mul_by_quantized_multiplier(100, 1 << 30, 0), 50);
	/* 1.0 as (2^30, 1): exact identity, also at the extremes. */
	assert_int_equal(ts_mul_by_quantized_multiplier(-77, 1 << 30, 1), -77);
	assert_int_equal(ts_mul_by_quantized_multiplier((1 << 30) - 1, 1 << 30, 1), (1 << 30) - 1);
	/* Double rounding (TFLite's default): 5 * 0.5 * 2^-1 = 1.25, but
	 * SRDHM(5, 0.5) = round(2.5) = 3 first, then 3 / 2 = 1.5 -> 2. */
	assert_int_equal(ts_mul_by_quantized_multiplier(5, 1 << 30, -1), 2);
	assert_int_equal(ts_mul_by_quantized_multiplier(-5, 1 << 30, -1), -1);
	/* -5 * 0.5 = -2.5 -> SRDHM -2 (tie up), -2 / 2 = -1. */
	/* 1000 * 0.75 * 2^-4 = 46.875 -> 47. */
	assert_int_equal(ts_mul_by_quantized_multiplier(1000, 1610612736, -4), 47);
	assert_int_equal(ts_mul_by_quantized_multiplier(-1000, 1610612736, -4), -47);
	/* Left shift: 3 * 2^4 * 0.75 = 36. */
	assert_int_equal(ts_mul_by_quantized_multiplier(3, 1610612736, 4), 36);
	/* Right shift 31 of (2^31 - 1) * ~1: ~1. */
	assert_int_equal(ts_mul_by_quantized_multiplier(INT32_MAX, INT32_MAX, -31), 1);
	/* INT32_MIN * INT32_MIN saturates inside. */
	assert_int_equal(ts_mul_by_quantized_multiplier(INT32_MIN, INT32_MIN, 0), INT32_MAX);
	/* The left shift wraps: 2^30 << 1 = INT32_MIN, times -1.0-ish. */
	assert_int_equal(ts_mul_by_quantized_multiplier(1 << 30, INT32_MIN, 1), INT32_MAX);
}

static void test_fixedpoint_against_reference(void **state)
{
	(void)state;
	for (int i = 0; i < 3000000; i++) {
		const int32_t a = rnd_i32(), b = rnd_i32();
		const int e = (int)(rnd64() % 32);
		int32_t got, ref;

		got = ts_sat_rounding_doubling_high_mul(a, b);
		ref = ref_srdhm(a, b);
		if (got != ref)
			fail_msg("SRDHM(%d, %d) = %d, expected %d", a, b, got, ref);
		got = ts_rounding_divide_by_pot(a, e);
		ref = ref_rdbpot(a, e);
		if (got != ref)
			fail_msg("RDBPOT(%d, %d) = %d, expected %d", a, e, got, ref);
	}
}

static void test_mbqm_against_reference(void **state)
{
	(void)state;
	for (int i = 0; i < 3000000; i++) {
		const int32_t x = rnd_i32();
		/* Multipliers as QuantizeMultiplier makes them: [2^30, 2^31),
		 * or 0, or any value now and then. */
		const uint64_t r = rnd64();
		const int32_t m = (r & 15) == 0 ? rnd_i32() :
				  (int32_t)((1u << 30) | (uint32_t)(r >> 34));
		const int shift = (int)((r >> 8) % 63) - 31; /* -31 .. 31 */
		const int32_t got = ts_mul_by_quantized_multiplier(x, m, shift);
		const int32_t ref = ref_mbqm(x, m, shift);

		if (got != ref)
			fail_msg("MBQM(%d, %d, %d) = %d, expected %d", x, m, shift, got, ref);
		/* Against the single-rounded real result x * m * 2^(shift - 31),
		 * double rounding is off by at most one (no overflow cases). */
		if (shift <= 0 && m >= 0 && !(x == INT32_MIN && m == INT32_MIN)) {
			const int64_t p = (int64_t)x * m;
			const int k = 31 - shift;                 /* 31 .. 62 */
			const int64_t single = floor_div_pot(p + ((int64_t)1 << (k - 1)), k);
			const int64_t diff = (int64_t)got - single;

			if (diff < -1 || diff > 1)
				fail_msg("MBQM(%d, %d, %d) = %d, real value rounds to %lld",
					 x, m, shift, got, (long long)single);
		}
	}
	/* The variant for multipliers < 1 is the same with shift <= 0. */
	for (int i = 0; i < 200000; i++) {
		const int32_t x = rnd_i32();
		const int32_t m = (int32_t)((1u << 30) | (uint32_t)(rnd64() >> 34));
		const int shift = -(int)(rnd64() % 32);

		assert_int_equal(ts_mul_by_quantized_multiplier_smaller_than_one(x, m, shift),
				 ref_mbqm(x, m, shift));
	}
}

/* ---- fused activation ranges ------------------------------------------------------ */

static void expect_range(int32_t act, float scale, int32_t zp, int32_t qmin, int32_t qmax,
			 int32_t lo, int32_t hi)
{
	int32_t l = 999, h = 999;

	if (!ts_activation_range(act, scale, zp, qmin, qmax, &l, &h))
		fail_msg("activation %d refused", act);
	if (l != lo || h != hi)
		fail_msg("activation %d, scale %g, zp %d: [%d, %d], expected [%d, %d]",
			 act, (double)scale, zp, l, h, lo, hi);
}

static void test_activation_range(void **state)
{
	int32_t l, h;

	(void)state;
	/* NONE: the type range. */
	expect_range(0, 0.5f, -10, -128, 127, -128, 127);
	expect_range(0, 0.5f, -10, 0, 255, 0, 255);
	/* RELU: lo = quantized 0 = zp. */
	expect_range(1, 0.5f, -10, -128, 127, -10, 127);
	expect_range(1, 0.5f, -128, -128, 127, -128, 127);
	expect_range(1, 0.5f, -200, -128, 127, -128, 127);  /* below qmin: clamped */
	expect_range(1, 0.5f, 127, -128, 127, 127, 127);
	/* RELU6: hi = zp + round(6 / scale). */
	expect_range(3, 0.5f, -10, -128, 127, -10, 2);      /* 6/0.5 = 12 */
	expect_range(3, 0.01f, 0, -128, 127, 0, 127);       /* 600: clamped */
	expect_range(3, 4.0f, 0, -128, 127, 0, 2);          /* 1.5 -> 2 (away from 0) */
	expect_range(3, 0.0235294122f, -128, -128, 127, -128, 127); /* 255 - 128 */
	/* RELU_N1_TO_1: [zp + round(-1/scale), zp + round(1/scale)]. */
	expect_range(2, 0.5f, -10, -128, 127, -12, -8);
	expect_range(2, 0.8f, 0, -128, 127, -1, 1);         /* +-1.25 -> +-1 */
	expect_range(2, 0.4f, 0, -128, 127, -3, 3);         /* 1/0.4f = 2.5f -> +-3 */
	expect_range(2, 1.0f / 256, 0, -128, 127, -128, 127);
	expect_range(2, 0.5f, 0, -32768, 32767, -2, 2);     /* int16 range */
	/* TANH (4), SIGN_BIT (5) and junk are not fusable. */
	assert_false(ts_activation_range(4, 0.5f, 0, -128, 127, &l, &h));
	assert_false(ts_activation_range(5, 0.5f, 0, -128, 127, &l, &h));
	assert_false(ts_activation_range(-1, 0.5f, 0, -128, 127, &l, &h));
	assert_false(ts_activation_range(255, 0.5f, 0, -128, 127, &l, &h));
	/* A tiny scale: 6 / 1e-30 is huge, must saturate, not overflow. */
	expect_range(3, 1e-30f, 0, -128, 127, 0, 127);
	expect_range(2, 1e-30f, 0, -128, 127, -128, 127);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frexp_matches_libm),
		cmocka_unit_test(test_round_floor_match_libm),
		cmocka_unit_test(test_round_floor_signed_zero),
		cmocka_unit_test(test_quantize_multiplier_sweep),
		cmocka_unit_test(test_quantize_multiplier_round_up_to_2_31),
		cmocka_unit_test(test_quantize_multiplier_hand_values),
		cmocka_unit_test(test_quantize_multiplier_gt_lt_one),
		cmocka_unit_test(test_input_radius_and_scale_ok),
		cmocka_unit_test(test_srdhm_hand_values),
		cmocka_unit_test(test_rdbpot_hand_values),
		cmocka_unit_test(test_mbqm_hand_values),
		cmocka_unit_test(test_fixedpoint_against_reference),
		cmocka_unit_test(test_mbqm_against_reference),
		cmocka_unit_test(test_activation_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
