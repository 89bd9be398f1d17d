/* SPDX-License-Identifier: MIT */
/*
 * Integer requantization primitives with TFLite's default ("double
 * rounding") semantics.  Everything here is exact integer arithmetic, so
 * every target computes the same bytes.
 */
#ifndef TS_CORE_FIXEDPOINT_H
#define TS_CORE_FIXEDPOINT_H

#include <stdint.h>

/* Round-to-nearest of a*b/2^31 with ties rounded up (toward +infinity), as
 * gemmlowp does, saturating the one overflowing case INT32_MIN * INT32_MIN. */
static inline int32_t ts_sat_rounding_doubling_high_mul(int32_t a, int32_t b)
{
	int64_t ab, nudge;

	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	ab = (int64_t)a * b;
	nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
	/* Division truncating toward zero, as the reference does. */
	return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent rounded to nearest, ties away from zero (0 <= exponent <= 31). */
static inline int32_t ts_rounding_divide_by_pot(int32_t x, int exponent)
{
	const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
	const int32_t remainder = x & mask;
	const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);

	return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^shift with TFLite's double rounding; shift > 0 is a
 * left shift applied first (wrapping like the reference), shift < 0 a
 * rounding right shift applied last. */
static inline int32_t ts_mul_by_quantized_multiplier(int32_t x, int32_t multiplier,
						     int shift)
{
	const int left = shift > 0 ? shift : 0;
	const int right = shift > 0 ? 0 : -shift;
	const int32_t shifted = (int32_t)((uint32_t)x << left);

	return ts_rounding_divide_by_pot(
		ts_sat_rounding_doubling_high_mul(shifted, multiplier), right);
}

/* Variant for multipliers < 1 given as a non-positive left shift. */
static inline int32_t ts_mul_by_quantized_multiplier_smaller_than_one(
	int32_t x, int32_t multiplier, int left_shift)
{
	return ts_rounding_divide_by_pot(
		ts_sat_rounding_doubling_high_mul(x, multiplier), -left_shift);
}

static inline int32_t ts_clamp_i32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

#endif /* TS_CORE_FIXEDPOINT_H */
