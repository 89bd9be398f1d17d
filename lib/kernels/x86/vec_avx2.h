/* SPDX-License-Identifier: MIT */
/* The vector primitives of kernels_body.h for AVX2: 8 int32 lanes (or 16
 * int16).  Included after `#pragma GCC target("avx2")`. */
#ifndef TS_KERNELS_X86_VEC_AVX2_H
#define TS_KERNELS_X86_VEC_AVX2_H

#include <immintrin.h>
#include <string.h>

#include "x86_kernels.h"

#define VL 8
typedef __m256i vec;

static inline vec v_zero(void) { return _mm256_setzero_si256(); }
static inline vec v_set1(int32_t x) { return _mm256_set1_epi32(x); }
static inline vec v_set1_16(int16_t x) { return _mm256_set1_epi16(x); }
static inline vec v_add(vec a, vec b) { return _mm256_add_epi32(a, b); }
static inline vec v_add16(vec a, vec b) { return _mm256_add_epi16(a, b); }
static inline vec v_mullo16(vec a, vec b) { return _mm256_mullo_epi16(a, b); }
static inline vec v_madd16(vec a, vec b) { return _mm256_madd_epi16(a, b); }
static inline vec v_max(vec a, vec b) { return _mm256_max_epi32(a, b); }
static inline vec v_min(vec a, vec b) { return _mm256_min_epi32(a, b); }

static inline vec v_sub(vec a, vec b) { return _mm256_sub_epi32(a, b); }

/* VL int8 widened to int32. */
static inline vec v_load_s8_s32(const int8_t *p)
{
	return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p));
}

static inline vec v_mullo32(vec a, vec b) { return _mm256_mullo_epi32(a, b); }

/* VL int16 widened to int32. */
static inline vec v_load16_s32(const int16_t *p)
{
	return _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* Interleaved int16 of a and b, PUNPCKL/HWD (within 128-bit halves). */
static inline vec v_unpacklo16(vec a, vec b) { return _mm256_unpacklo_epi16(a, b); }
static inline vec v_unpackhi16(vec a, vec b) { return _mm256_unpackhi_epi16(a, b); }

/* PMADDWD results of the low and high interleavings (channels 0-3, 8-11
 * and 4-7, 12-15) as the blocks of channels 0-7 and 8-15. */
static inline void v_unpacked_blocks(vec lo, vec hi, vec *b0, vec *b1)
{
	*b0 = _mm256_permute2x128_si256(lo, hi, 0x20);
	*b1 = _mm256_permute2x128_si256(lo, hi, 0x31);
}

static inline void v_store(int32_t *p, vec v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
}

static inline vec v_load(const int32_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

static inline vec v_load16(const int16_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* 2 * VL int8 widened to int16. */
static inline vec v_load_s8_s16(const int8_t *p)
{
	return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* The int16 pair at p in every int32 lane. */
static inline vec v_bcast_pair(const int16_t *p)
{
	int32_t pair;

	__builtin_memcpy(&pair, p, sizeof(pair));
	return _mm256_set1_epi32(pair);
}

/* The four bytes at p in every int32 lane. */
static inline vec v_bcast_quad(const uint8_t *p)
{
	int32_t quad;

	__builtin_memcpy(&quad, p, sizeof(quad));
	return _mm256_set1_epi32(quad);
}

/* 4 * VL bytes as they are. */
static inline vec v_load_s8(const int8_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* int16 lanes 0..VL-1 / VL..2VL-1 widened to int32. */
static inline vec v_widen_lo16(vec v) { return _mm256_cvtepi16_epi32(_mm256_castsi256_si128(v)); }
static inline vec v_widen_hi16(vec v)
{
	return _mm256_cvtepi16_epi32(_mm256_extracti128_si256(v, 1));
}

/* ts_mul_by_quantized_multiplier on every lane, with the lanes' data of a
 * requantization block (x86_kernels.h). */
static inline vec v_requant(vec acc, const int32_t *q)
{
	const vec m = v_load(q + TS_X86_Q_MULT * VL);
	const vec x = _mm256_mullo_epi32(acc, v_load(q + TS_X86_Q_LMUL * VL));
	const vec ax = _mm256_abs_epi32(x);
	const vec neg = _mm256_srli_epi32(x, 31);
	const vec half = _mm256_set1_epi64x(1 << 30);
	const vec low32 = _mm256_set1_epi64x(0xffffffff);
	/* |x| * m + 2^30 (- 1 when x < 0), >> 31: the even lanes' result in
	 * their low half, the odd lanes' (shifted up by one) in their high. */
	const vec even = _mm256_srli_epi64(
		_mm256_add_epi64(_mm256_mul_epu32(ax, m),
				 _mm256_sub_epi64(half, _mm256_and_si256(neg, low32))), 31);
	const vec odd = _mm256_slli_epi64(
		_mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(ax, 32), _mm256_srli_epi64(m, 32)),
				 _mm256_sub_epi64(half, _mm256_srli_epi64(neg, 32))), 1);
	const vec y = _mm256_sign_epi32(_mm256_blend_epi32(even, odd, 0xaa), x);
	/* Rounding divide by 2^right, ties away from zero. */
	const vec mask = v_load(q + TS_X86_Q_RMASK * VL);
	const vec rem = _mm256_and_si256(y, mask);
	const vec thr = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1),
					 _mm256_cmpgt_epi32(_mm256_setzero_si256(), y));

	return _mm256_sub_epi32(_mm256_srav_epi32(y, v_load(q + TS_X86_Q_RSH * VL)),
				_mm256_cmpgt_epi32(rem, thr));
}

/* VL int32 lanes already within [-128, 127] to VL bytes. */
static inline void v_store_s8(int8_t *dst, vec v)
{
	__m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));

	_mm_storel_epi64((__m128i *)(void *)dst, _mm_packs_epi16(w, w));
}

#endif /* TS_KERNELS_X86_VEC_AVX2_H */
