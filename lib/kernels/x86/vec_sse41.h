/* SPDX-License-Identifier: MIT */
/* The vector primitives of kernels_body.h for SSE4.1: 4 int32 lanes (or 8
 * int16).  Included after `#pragma GCC target("sse4.1")`. */
#ifndef TS_KERNELS_X86_VEC_SSE41_H
#define TS_KERNELS_X86_VEC_SSE41_H

#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define VL 4
typedef __m128i vec;

static inline vec v_zero(void) { return _mm_setzero_si128(); }
static inline vec v_set1(int32_t x) { return _mm_set1_epi32(x); }
static inline vec v_set1_16(int16_t x) { return _mm_set1_epi16(x); }
static inline vec v_add(vec a, vec b) { return _mm_add_epi32(a, b); }
static inline vec v_add16(vec a, vec b) { return _mm_add_epi16(a, b); }
static inline vec v_mullo16(vec a, vec b) { return _mm_mullo_epi16(a, b); }
static inline vec v_madd16(vec a, vec b) { return _mm_madd_epi16(a, b); }
static inline vec v_max(vec a, vec b) { return _mm_max_epi32(a, b); }
static inline vec v_min(vec a, vec b) { return _mm_min_epi32(a, b); }

static inline vec v_sub(vec a, vec b) { return _mm_sub_epi32(a, b); }

/* VL int8 widened to int32. */
static inline vec v_load_s8_s32(const int8_t *p)
{
	int32_t four;

	__builtin_memcpy(&four, p, sizeof(four));
	return _mm_cvtepi8_epi32(_mm_cvtsi32_si128(four));
}

static inline vec v_mullo32(vec a, vec b) { return _mm_mullo_epi32(a, b); }

/* VL int16 widened to int32. */
static inline vec v_load16_s32(const int16_t *p)
{
	return _mm_cvtepi16_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p));
}

/* Interleaved int16 of a and b, PUNPCKL/HWD. */
static inline vec v_unpacklo16(vec a, vec b) { return _mm_unpacklo_epi16(a, b); }
static inline vec v_unpackhi16(vec a, vec b) { return _mm_unpackhi_epi16(a, b); }

/* PMADDWD results of the low and high interleavings: channels 0-3, 4-7. */
static inline void v_unpacked_blocks(vec lo, vec hi, vec *b0, vec *b1)
{
	*b0 = lo;
	*b1 = hi;
}

static inline void v_store(int32_t *p, vec v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
}

static inline vec v_load(const int32_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Packed int16 data of the arena, always 16-byte aligned: an aligned load
 * is what SSE (unlike VEX) folds into PMADDWD's memory operand. */
static inline vec v_load16(const int16_t *p)
{
	return _mm_load_si128((const __m128i *)(const void *)p);
}

/* 2 * VL int8 widened to int16. */
static inline vec v_load_s8_s16(const int8_t *p)
{
	return _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)p));
}

/* The int16 pair at p in every int32 lane. */
static inline vec v_bcast_pair(const int16_t *p)
{
	int32_t pair;

	__builtin_memcpy(&pair, p, sizeof(pair));
	return _mm_set1_epi32(pair);
}

/* int16 lanes 0..VL-1 / VL..2VL-1 widened to int32. */
static inline vec v_widen_lo16(vec v) { return _mm_cvtepi16_epi32(v); }
static inline vec v_widen_hi16(vec v) { return _mm_cvtepi16_epi32(_mm_srli_si128(v, 8)); }

/* floor(u / 2^r) lane by lane for 0 <= u < 2^31, with pow = 2^(31 - r):
 * (u * pow) >> 31 (SSE has no per-lane shift). */
static inline vec shift_right_lanes(vec u, vec pow)
{
	const vec even = _mm_srli_epi64(_mm_mul_epu32(u, pow), 31);
	const vec odd = _mm_slli_epi64(_mm_mul_epu32(_mm_srli_epi64(u, 32), _mm_srli_epi64(pow, 32)),
				       1);

	return _mm_blend_epi16(even, odd, 0xcc);
}

/* ts_mul_by_quantized_multiplier on every lane, with the lanes' data of a
 * requantization block (x86_kernels.h). */
static inline vec v_requant(vec acc, const int32_t *q)
{
	const vec m = v_load(q + TS_X86_Q_MULT * VL);
	const vec x = _mm_mullo_epi32(acc, v_load(q + TS_X86_Q_LMUL * VL));
	const vec ax = _mm_abs_epi32(x);
	const vec neg = _mm_srli_epi32(x, 31);
	const vec half = _mm_set1_epi64x(1 << 30);
	const vec low32 = _mm_set1_epi64x(0xffffffff);
	/* |x| * m + 2^30 (- 1 when x < 0), >> 31 (see vec_avx2.h). */
	const vec even = _mm_srli_epi64(
		_mm_add_epi64(_mm_mul_epu32(ax, m), _mm_sub_epi64(half, _mm_and_si128(neg, low32))),
		31);
	const vec odd = _mm_slli_epi64(
		_mm_add_epi64(_mm_mul_epu32(_mm_srli_epi64(ax, 32), _mm_srli_epi64(m, 32)),
			      _mm_sub_epi64(half, _mm_srli_epi64(neg, 32))), 1);
	const vec y = _mm_sign_epi32(_mm_blend_epi16(even, odd, 0xcc), x);
	/* Rounding divide by 2^right, ties away from zero; the arithmetic
	 * shift as a logical one of y ^ sign, flipped back. */
	const vec mask = v_load(q + TS_X86_Q_RMASK * VL);
	const vec rem = _mm_and_si128(y, mask);
	const vec thr = _mm_sub_epi32(_mm_srli_epi32(mask, 1), _mm_cmpgt_epi32(_mm_setzero_si128(), y));
	const vec sign = _mm_srai_epi32(y, 31);
	const vec shifted = _mm_xor_si128(
		shift_right_lanes(_mm_xor_si128(y, sign), v_load(q + TS_X86_Q_RPOW * VL)), sign);

	return _mm_sub_epi32(shifted, _mm_cmpgt_epi32(rem, thr));
}

/* VL int32 lanes already within [-128, 127] to VL bytes. */
static inline void v_store_s8(int8_t *dst, vec v)
{
	const vec w = _mm_packs_epi32(v, v);
	const int32_t bytes = _mm_cvtsi128_si32(_mm_packs_epi16(w, w));

	__builtin_memcpy(dst, &bytes, sizeof(bytes));
}

#endif /* TS_KERNELS_X86_VEC_SSE41_H */
