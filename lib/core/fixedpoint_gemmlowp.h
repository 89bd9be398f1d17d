/* SPDX-License-Identifier: MIT */
/*
 * gemmlowp's fixed-point math functions (fixedpoint/fixedpoint.h), which
 * TFLite's int8 SOFTMAX, LOGISTIC and TANH are built on, specialised to the
 * scalar int32 (and, for HARD_SWISH, int16) raw types.  A value with "ib"
 * integer bits is a raw int32 r meaning r / 2^(31 - ib).  Additions wrap
 * through unsigned arithmetic where gemmlowp would overflow (it never does for
 * the ranges TFLite uses), so there is no undefined behaviour.
 */
#ifndef TS_CORE_FIXEDPOINT_GEMMLOWP_H
#define TS_CORE_FIXEDPOINT_GEMMLOWP_H

#include <stdint.h>

#include "fixedpoint.h"

static inline int32_t ts_gl_add(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t ts_gl_sub(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a - (uint32_t)b);
}

static inline int32_t ts_gl_neg(int32_t a)
{
	return (int32_t)(0u - (uint32_t)a);
}

static inline int32_t ts_gl_mul(int32_t a, int32_t b)
{
	return ts_sat_rounding_doubling_high_mul(a, b);
}

/* SaturatingRoundingMultiplyByPOT<e>: saturating x * 2^e for e > 0,
 * rounding x / 2^-e for e < 0 (-31 <= e <= 31). */
static inline int32_t ts_gl_mul_pot(int32_t x, int e)
{
	int32_t threshold;

	if (e < 0)
		return ts_rounding_divide_by_pot(x, -e);
	if (e == 0)
		return x;
	threshold = (int32_t)(((int64_t)1 << (31 - e)) - 1);
	if (x > threshold)
		return INT32_MAX;
	if (x < -threshold)
		return INT32_MIN;
	return (int32_t)((int64_t)x * ((int64_t)1 << e));
}

/* Rescale<dst>(x with src integer bits). */
static inline int32_t ts_gl_rescale(int32_t x, int src_ib, int dst_ib)
{
	return ts_gl_mul_pot(x, src_ib - dst_ib);
}

/* RoundingHalfSum: (a + b) / 2 rounded half away from zero. */
static inline int32_t ts_gl_rounding_half_sum(int32_t a, int32_t b)
{
	const int64_t sum = (int64_t)a + b;

	return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* exp(a) for a in [-1/4, 0), Q0 in and out. */
static inline int32_t ts_gl_exp_neg_quarter_to_0(int32_t a)
{
	const int32_t constant_term = 1895147668; /* exp(-1/8) */
	const int32_t one_third = 715827883;
	const int32_t x = ts_gl_add(a, (int32_t)1 << 28); /* a + 1/8 */
	const int32_t x2 = ts_gl_mul(x, x);
	const int32_t x3 = ts_gl_mul(x2, x);
	const int32_t x4 = ts_gl_mul(x2, x2);
	const int32_t x4_over_4 = ts_gl_mul_pot(x4, -2);
	const int32_t poly = ts_gl_mul_pot(
		ts_gl_add(ts_gl_mul(ts_gl_add(x4_over_4, x3), one_third), x2), -1);

	return ts_gl_add(constant_term,
			 ts_gl_mul(constant_term, ts_gl_add(x, poly)));
}

/* exp(a) for a <= 0 with ib integer bits (0 <= ib <= 29); result Q0. */
static inline int32_t ts_gl_exp_on_negative_values(int32_t a, int ib)
{
	/* exp(-2^e) in Q0 for e = -2 .. 4 */
	static const int32_t barrel[7] = {
		1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242,
	};
	const int fb = 31 - ib;
	const int32_t one_quarter = (int32_t)1 << (fb - 2);
	const int32_t a_mod_quarter_minus_quarter =
		ts_gl_sub(a & (one_quarter - 1), one_quarter);
	const int32_t remainder = ts_gl_sub(a_mod_quarter_minus_quarter, a);
	int32_t result = ts_gl_exp_neg_quarter_to_0(
		ts_gl_rescale(a_mod_quarter_minus_quarter, ib, 0));

	for (int e = -2; e <= 4; e++)
		if (ib > e && (remainder & ((int32_t)1 << (fb + e))))
			result = ts_gl_mul(result, barrel[e + 2]);
	if (ib > 5 && a < -((int32_t)1 << (36 - ib)))
		result = 0; /* below -32 */
	if (a == 0)
		result = INT32_MAX;
	return result;
}

/* Newton-Raphson reciprocal of (1 + a) / 2 shared by the two below: returns
 * x ~ 2 / (1 + a) with 2 integer bits, for a in [0, 1) Q0. */
static inline int32_t ts_gl_nr_reciprocal(int32_t a)
{
	const int32_t half_denominator = ts_gl_rounding_half_sum(a, INT32_MAX);
	const int32_t one_f2 = (int32_t)1 << 29; /* 1.0 in Q2.29 */
	int32_t x = ts_gl_add(1515870810,                   /* 48/17, Q2 */
			      ts_gl_mul(half_denominator, -1010580540)); /* -32/17 */

	for (int i = 0; i < 3; i++) {
		const int32_t hd_x = ts_gl_mul(half_denominator, x);
		const int32_t one_minus = ts_gl_sub(one_f2, hd_x);

		x = ts_gl_add(x, ts_gl_rescale(ts_gl_mul(x, one_minus), 4, 2));
	}
	return x;
}

/* 1 / (1 + a) for a in [0, 1), Q0 in and out. */
static inline int32_t ts_gl_one_over_one_plus_x(int32_t a)
{
	/* ExactMulByPot<-1> then Rescale<0>: from 1 integer bit to 0 */
	return ts_gl_rescale(ts_gl_nr_reciprocal(a), 1, 0);
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0 in and out. */
static inline int32_t ts_gl_one_minus_x_over_one_plus_x(int32_t a)
{
	return ts_gl_rescale(ts_gl_sub(ts_gl_nr_reciprocal(a), (int32_t)1 << 29),
			     2, 0);
}

/* gemmlowp::logistic(a with ib integer bits), result Q0. */
static inline int32_t ts_gl_logistic(int32_t a, int ib)
{
	int32_t pos;

	if (a == 0)
		return (int32_t)1 << 30;
	/* logistic(|a|) = 1 / (1 + exp(-|a|)) */
	pos = ts_gl_one_over_one_plus_x(
		ts_gl_exp_on_negative_values(a > 0 ? ts_gl_neg(a) : a, ib));
	return a > 0 ? pos : ts_gl_sub(INT32_MAX, pos);
}

/* gemmlowp::tanh(a with ib integer bits), result Q0. */
static inline int32_t ts_gl_tanh(int32_t a, int ib)
{
	int32_t t;

	if (a == 0)
		return 0;
	/* -tanh(n) for n = -|a|: (1 - exp(2n)) / (1 + exp(2n)); 2n is n's raw
	 * value read with one more integer bit (ExactMulByPot<1>). */
	t = ts_gl_one_minus_x_over_one_plus_x(
		ts_gl_exp_on_negative_values(a < 0 ? a : ts_gl_neg(a), ib + 1));
	return a < 0 ? ts_gl_neg(t) : t;
}

static inline int ts_gl_clz32(uint32_t x)
{
	int n = 0;

	if (x == 0)
		return 32;
	while (!(x & 0x80000000u)) {
		x <<= 1;
		n++;
	}
	return n;
}

/*
 * TFLite GetReciprocal: 1 / x for x > 0 with x_integer_digits integer bits,
 * as a Q0 value times 2^-*num_bits_over_unit.
 */
static inline int32_t ts_gl_reciprocal(int32_t x, int x_integer_digits,
				       int *num_bits_over_unit)
{
	const int headroom_plus_one = ts_gl_clz32((uint32_t)x);
	const uint32_t shifted = headroom_plus_one < 32 ?
		(uint32_t)x << headroom_plus_one : 0;

	*num_bits_over_unit = x_integer_digits - headroom_plus_one;
	return ts_gl_one_over_one_plus_x((int32_t)(shifted - 0x80000000u));
}

/* ---- int16 raw type (HARD_SWISH) ------------------------------------- */

/* int32 -> int16 keeping the low 16 bits, as a C++ narrowing cast does. */
static inline int16_t ts_gl_wrap16(int32_t v)
{
	const uint32_t u = (uint32_t)v & 0xffffu;

	return (int16_t)(u >= 0x8000u ? (int32_t)u - 0x10000 : (int32_t)u);
}

/* gemmlowp SaturatingRoundingDoublingHighMul on int16. */
static inline int16_t ts_gl_mul16(int16_t a, int16_t b)
{
	int32_t ab;

	if (a == INT16_MIN && b == INT16_MIN)
		return INT16_MAX;
	ab = (int32_t)a * b;
	return ts_gl_wrap16((ab + (ab >= 0 ? (1 << 14) : (1 - (1 << 14)))) /
			    (1 << 15));
}

/* gemmlowp RoundingDivideByPOT on int16 (0 <= exponent <= 31), including
 * its int16 truncation of the mask for exponents of 16 and more. */
static inline int16_t ts_gl_rdbpot16(int16_t x, int exponent)
{
	const int16_t mask = ts_gl_wrap16((int32_t)(((int64_t)1 << exponent) - 1));
	const int16_t remainder = (int16_t)(x & mask);
	const int16_t threshold = ts_gl_wrap16((mask >> 1) + (x < 0 ? 1 : 0));

	return ts_gl_wrap16((x >> exponent) + (remainder > threshold ? 1 : 0));
}

#endif /* TS_CORE_FIXEDPOINT_GEMMLOWP_H */
