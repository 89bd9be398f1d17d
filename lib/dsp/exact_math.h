/* SPDX-License-Identifier: MIT */
/*
 * Exact, portable arithmetic for building the front-end's tables at init:
 *
 *   - Q56 fixed point in int64 (56 fraction bits, |value| < 128) with
 *     ln, exp and sin/cos of rational multiples of pi, accurate to a few
 *     units of 2^-56: far finer than any table rounding decision, and the
 *     same bits on every target (no floating point anywhere).
 *   - float32 emulation: values m * 2^e rounded to 24 significant bits,
 *     nearest-even, like IEEE single precision.  The reference tables were
 *     computed in float32; replaying the same operations with the same
 *     roundings (and correctly rounded log1p/pow) reproduces them.
 *
 * Signed right shifts go through ts_asr64/ts_asr32 (floor division by a
 * power of two) and narrowing through ts_wrap16/ts_wrap32 (two's complement
 * wrap, as the C++ reference's casts do).
 */
#ifndef TS_DSP_EXACT_MATH_H
#define TS_DSP_EXACT_MATH_H

#include <stdint.h>

#define TS_Q56_ONE ((int64_t)1 << 56)
/* pi and ln(2) rounded to Q56. */
#define TS_Q56_PI  ((int64_t)0x03243F6A8885A309)
#define TS_Q56_LN2 ((int64_t)0x00B17217F7D1CF7A)

/*
 * Arithmetic shift right, floor(x / 2^s) for 0 <= s < 64 / 32.  C leaves
 * >> of a negative value implementation-defined; every compiler tinysense
 * targets (GCC, Clang, Arm, on every ISA) shifts arithmetically, and this
 * assertion stops the build on one that does not.
 */
_Static_assert((-7 >> 1) == -4 && ((int64_t)-7 >> 1) == -4,
	       "lib/dsp needs arithmetic right shifts of negative values");

static inline int64_t ts_asr64(int64_t x, unsigned s)
{
	return x >> s;
}

static inline int32_t ts_asr32(int32_t x, unsigned s)
{
	return x >> s;
}

/* Two's complement wrap to 16 / 32 bits, without implementation-defined
 * conversions. */
static inline int16_t ts_wrap16(int32_t x)
{
	return (int16_t)((int32_t)(((uint32_t)x & 0xFFFFu) ^ 0x8000u) - 0x8000);
}

static inline int32_t ts_wrap32(uint32_t x)
{
	return x < 0x80000000u ? (int32_t)x : -(int32_t)(~x) - 1;
}

/* Bit length: 0 for 0, else index of the highest set bit + 1. */
static inline int ts_bitlen64(uint64_t x)
{
#if defined(__GNUC__)
	return x ? 64 - __builtin_clzll(x) : 0;
#else
	int n = 0;

	for (int s = 32; s; s >>= 1)
		if (x >> s) {
			x >>= s;
			n += s;
		}
	return n + (int)x;
#endif
}

/* ---- Q56 ------------------------------------------------------------- */

/* a * b / 2^56, rounded to nearest. */
int64_t ts_q56_mul(int64_t a, int64_t b);
/* floor(n * 2^bits / d); needs 0 < d < 2^63 and n / d < 2^(64 - bits).
 * *inexact (optional) is set to whether a remainder was left. */
uint64_t ts_udiv_frac(uint64_t n, uint64_t d, unsigned bits, int *inexact);
/* ln(m * 2^e) for m > 0, in Q56. */
int64_t ts_q56_ln(uint64_t m, int e);
/* exp(y) = *m * 2^*e with 2^56 <= *m < 2^57. */
void ts_q56_exp(int64_t y, uint64_t *m, int *e);
/* sin and cos of pi * p / q (q > 0, p >= 0), in Q56. */
void ts_q56_sincospi(uint64_t p, uint64_t q, int64_t *sin_out, int64_t *cos_out);

/* ---- float32 emulation (non-negative values) --------------------------- */

/* m * 2^e; m == 0 or 2^23 <= m < 2^24. */
typedef struct ts_f32 {
	uint32_t m;
	int32_t e;
} ts_f32;

/* m * 2^e rounded to nearest-even; sticky says the true value is a little
 * above m * 2^e (bits lost below m). */
ts_f32 ts_f32_round(uint64_t m, int e, int sticky);
/* num / den correctly rounded (den > 0). */
ts_f32 ts_f32_ratio(uint64_t num, uint64_t den);
ts_f32 ts_f32_add(ts_f32 a, ts_f32 b);
/* a - b for a >= b (0 otherwise). */
ts_f32 ts_f32_sub(ts_f32 a, ts_f32 b);
ts_f32 ts_f32_mul(ts_f32 a, ts_f32 b);
/* a / b, b != 0. */
ts_f32 ts_f32_div(ts_f32 a, ts_f32 b);
/* -1, 0, 1 as a <, ==, > b. */
int ts_f32_cmp(ts_f32 a, ts_f32 b);
/* The float32 nearest a non-negative Q56 value. */
ts_f32 ts_f32_from_q56(int64_t v);
/* log1pf(x), correctly rounded. */
ts_f32 ts_f32_log1p(ts_f32 x);
/* powf(x, -s) correctly rounded, for x > 0 and s = s_q30 / 2^30. */
ts_f32 ts_f32_pow_neg(ts_f32 x, uint32_t s_q30);
/* floor(a * 2^k) for a small enough to fit (truncation toward zero). */
uint64_t ts_f32_trunc_scaled(ts_f32 a, int k);

#endif /* TS_DSP_EXACT_MATH_H */
