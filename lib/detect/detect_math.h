/* SPDX-License-Identifier: MIT */
/*
 * Exact integer helpers of the detection stage (lib/detect/): splitting a
 * float32 quantization scale into an integer mantissa and exponent (done
 * once at init, on the float's bits, so no floating-point arithmetic is
 * involved at all), rounding d * scale * 2^shift exactly, and the 128-bit
 * unsigned arithmetic the anomaly statistics need (portable: two uint64
 * halves, no __int128, so 32-bit Arm computes the same bits).
 */
#ifndef TS_DETECT_MATH_H
#define TS_DETECT_MATH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * scale = *m * 2^*e exactly, with *m < 2^24.  False (outputs untouched)
 * when scale is not a finite value > 0 (zero, negative, NaN, infinity).
 * Subnormal scales are accepted.
 */
bool ts_dm_scale_split(float scale, uint32_t *m, int32_t *e);

/*
 * round(d * m * 2^shift), ties away from zero, saturated to [-lim, lim],
 * for |d| < 2^9, m < 2^24, 0 <= lim < 2^62.  Exact: no intermediate
 * rounding.
 */
int64_t ts_dm_mul_pow2_round(int32_t d, uint32_t m, int32_t shift, int64_t lim);

/* Bit length: 0 for 0, else index of the highest set bit + 1. */
int ts_dm_bitlen64(uint64_t x);

typedef struct ts_u128 {
	uint64_t hi, lo;
} ts_u128;

/* a * b, exact. */
ts_u128 ts_u128_mul64(uint64_t a, uint64_t b);
/* a + b modulo 2^128. */
ts_u128 ts_u128_add(ts_u128 a, ts_u128 b);
/* a - b modulo 2^128 (exact when a >= b). */
ts_u128 ts_u128_sub(ts_u128 a, ts_u128 b);
/* -1, 0, 1 as a <, ==, > b. */
int ts_u128_cmp(ts_u128 a, ts_u128 b);
/* floor(sqrt(v)), exact (digit by digit). */
uint64_t ts_u128_isqrt(ts_u128 v);

#endif /* TS_DETECT_MATH_H */
