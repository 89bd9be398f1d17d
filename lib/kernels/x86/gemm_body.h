/* SPDX-License-Identifier: MIT */
/* The row-times-packed-filter product of one output pixel (gemm_pixel),
 * and what differs between the two ways to multiply: the row's element
 * type and builders, the weight type and the products of one block and of
 * four: int16 for PMADDWD pairs, x + 128 as uint8 for VPDPBUSD quads
 * (X86_DPBUSD defined).
 * Part of kernels_body.h (compiled once per x86 set). */

#ifdef X86_DPBUSD
/*
 * VNNI: the row holds x + 128 as uint8 (x86_kernels.h), quads of it
 * broadcast against [blocks][k2 / 4][VL][4] weights.
 */
typedef uint8_t row_t;

typedef int8_t weight_t;
#define ROW_GROUP 4 /* row values per multiply */

/* Four blocks' accumulators: the row's quads (k2 / 4) against w, the
 * first block's weights ([k2 / 4][VL][4]), and the next three bstride
 * apart. */
static inline __attribute__((always_inline)) void gemm_block4(const uint8_t *row,
							       int32_t quads, const int8_t *w,
							       size_t bstride, vec acc[4])
{
	vec a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();

	for (int32_t j = 0; j < quads; j++) {
		const vec x = v_bcast_quad(row + 4 * j);
		const int8_t *wj = w + (size_t)j * 4 * VL;

		a0 = X86_DPBUSD(a0, x, v_load_s8(wj));
		a1 = X86_DPBUSD(a1, x, v_load_s8(wj + bstride));
		a2 = X86_DPBUSD(a2, x, v_load_s8(wj + 2 * bstride));
		a3 = X86_DPBUSD(a3, x, v_load_s8(wj + 3 * bstride));
	}
	acc[0] = a0;
	acc[1] = a1;
	acc[2] = a2;
	acc[3] = a3;
}

/* One block's accumulator. */
static inline __attribute__((always_inline)) vec gemm_block1(const uint8_t *row,
							      int32_t quads, const int8_t *w)
{
	vec a0 = v_zero(), a1 = v_zero();
	int32_t j = 0;

	for (; j + 2 <= quads; j += 2) {
		a0 = X86_DPBUSD(a0, v_bcast_quad(row + 4 * j), v_load_s8(w + (size_t)j * 4 * VL));
		a1 = X86_DPBUSD(a1, v_bcast_quad(row + 4 * j + 4),
				v_load_s8(w + (size_t)(j + 1) * 4 * VL));
	}
	if (j < quads)
		a0 = X86_DPBUSD(a0, v_bcast_quad(row + 4 * j), v_load_s8(w + (size_t)j * 4 * VL));
	return v_add(a0, a1);
}

/* dst[i] = src[i] + 128 for i < n, sixteen (then eight) at a time, reading
 * nothing past src + n. */
static inline void row_from_s8(uint8_t *dst, const int8_t *src, int32_t n)
{
	const __m128i flip = _mm_set1_epi8((char)0x80);
	int32_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(dst + i),
				 _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(src + i)),
					       flip));
	if (i + 8 <= n) {
		_mm_storel_epi64((__m128i *)(void *)(dst + i),
				 _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(const void *)(src + i)),
					       flip));
		i += 8;
	}
	for (; i < n; i++)
		dst[i] = (uint8_t)(src[i] ^ 0x80);
}

/* n padded taps holding the zero point v (stored as v + 128). */
static inline void row_fill(uint8_t *dst, int16_t v, int32_t n)
{
	const __m128i vv = _mm_set1_epi8((char)(v + 128));
	int32_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(dst + i), vv);
	for (; i < n; i++)
		dst[i] = (uint8_t)(v + 128);
}
#else
typedef int16_t row_t;

typedef int16_t weight_t;
#define ROW_GROUP 2 /* row values per multiply */

/* Four blocks' accumulators: the row's pairs (k2 / 2) against w, the
 * first block's weights ([k2 / 2][VL][2] int16), and the next three
 * bstride apart; each broadcast row pair feeds four PMADDWDs. */
static inline __attribute__((always_inline)) void gemm_block4(const int16_t *row,
							       int32_t pairs, const int16_t *w,
							       size_t bstride, vec acc[4])
{
	vec a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();
	int32_t j = 0;

	for (; j + 2 <= pairs; j += 2) {
		const vec x0 = v_bcast_pair(row + 2 * j), x1 = v_bcast_pair(row + 2 * j + 2);
		const int16_t *wj = w + (size_t)j * 2 * VL;

		a0 = v_add(a0, v_madd16(v_load16(wj), x0));
		a1 = v_add(a1, v_madd16(v_load16(wj + bstride), x0));
		a2 = v_add(a2, v_madd16(v_load16(wj + 2 * bstride), x0));
		a3 = v_add(a3, v_madd16(v_load16(wj + 3 * bstride), x0));
		a0 = v_add(a0, v_madd16(v_load16(wj + 2 * VL), x1));
		a1 = v_add(a1, v_madd16(v_load16(wj + bstride + 2 * VL), x1));
		a2 = v_add(a2, v_madd16(v_load16(wj + 2 * bstride + 2 * VL), x1));
		a3 = v_add(a3, v_madd16(v_load16(wj + 3 * bstride + 2 * VL), x1));
	}
	if (j < pairs) {
		const vec x = v_bcast_pair(row + 2 * j);
		const int16_t *wj = w + (size_t)j * 2 * VL;

		a0 = v_add(a0, v_madd16(v_load16(wj), x));
		a1 = v_add(a1, v_madd16(v_load16(wj + bstride), x));
		a2 = v_add(a2, v_madd16(v_load16(wj + 2 * bstride), x));
		a3 = v_add(a3, v_madd16(v_load16(wj + 3 * bstride), x));
	}
	acc[0] = a0;
	acc[1] = a1;
	acc[2] = a2;
	acc[3] = a3;
}

/* One block's accumulator. */
static inline __attribute__((always_inline)) vec gemm_block1(const int16_t *row,
							      int32_t pairs, const int16_t *w)
{
	vec a0 = v_zero(), a1 = v_zero();
	int32_t j = 0;

	for (; j + 4 <= pairs; j += 4) {
		const int16_t *wj = w + (size_t)j * 2 * VL;

		a0 = v_add(a0, v_madd16(v_load16(wj), v_bcast_pair(row + 2 * j)));
		a1 = v_add(a1, v_madd16(v_load16(wj + 2 * VL), v_bcast_pair(row + 2 * j + 2)));
		a0 = v_add(a0, v_madd16(v_load16(wj + 4 * VL), v_bcast_pair(row + 2 * j + 4)));
		a1 = v_add(a1, v_madd16(v_load16(wj + 6 * VL), v_bcast_pair(row + 2 * j + 6)));
	}
	for (; j < pairs; j++)
		a0 = v_add(a0, v_madd16(v_load16(w + (size_t)j * 2 * VL), v_bcast_pair(row + 2 * j)));
	return v_add(a0, a1);
}

/* dst[i] = src[i] for i < n, eight at a time (SSE4.1, which every x86
 * set has), reading nothing past src + n. */
static inline void row_from_s8(int16_t *dst, const int8_t *src, int32_t n)
{
	int32_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(dst + i),
				 _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(src + i))));
	for (; i < n; i++)
		dst[i] = src[i];
}

static inline void row_fill(int16_t *dst, int16_t v, int32_t n)
{
	const __m128i vv = _mm_set1_epi16(v);
	int32_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(dst + i), vv);
	for (; i < n; i++)
		dst[i] = v;
}

#endif

/* The n outputs of one pixel: row (g->k2 values) times the packed filter
 * ([blocks][k2 / group][VL][group] weights), plus extra in every
 * accumulator; four blocks at a time, then one. */
static void gemm_pixel(const struct ts_x86_gemm *g, const row_t *row, int32_t extra, int32_t n,
		       int32_t out_off, int32_t act_min, int32_t act_max, int8_t *dst)
{
	const int32_t groups = g->k2 / ROW_GROUP;
	const size_t bstride = (size_t)g->k2 * VL; /* weights per block */
	const vec vextra = v_set1(extra), voff = v_set1(out_off);
	const vec vmin = v_set1(act_min), vmax = v_set1(act_max);
	const weight_t *wts = g->w;
	int32_t b = 0;

	for (; b + 4 <= g->blocks; b += 4) {
		vec acc[4];

		gemm_block4(row, groups, wts + (size_t)b * bstride, bstride, acc);
		finish_block(g->q, b, acc[0], vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 1, acc[1], vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 2, acc[2], vextra, n, voff, vmin, vmax, dst);
		finish_block(g->q, b + 3, acc[3], vextra, n, voff, vmin, vmax, dst);
	}
	for (; b < g->blocks; b++)
		finish_block(g->q, b, gemm_block1(row, groups, wts + (size_t)b * bstride), vextra, n,
			     voff, vmin, vmax, dst);
}
