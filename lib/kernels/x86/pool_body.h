/* SPDX-License-Identifier: MIT */
/* AVERAGE_POOL_2D and MAX_POOL_2D.
 * Part of kernels_body.h (compiled once per x86 set). */

/* Sums of channels [c0, c0 + VL) over the window, in int32 (windows of
 * fewer than 2^23 cells: no overflow); n < VL reads through a copy. */
static inline vec pool_sum(const ts_pool_params *p, const int8_t *image,
			   const struct ts_pool_window *w, int32_t c0, int32_t n)
{
	vec acc = v_zero();

	for (int32_t fy = w->fy0; fy < w->fy1; fy++)
		for (int32_t fx = w->fx0; fx < w->fx1; fx++) {
			const int8_t *src = image + ((size_t)(w->y0 + fy) * p->in_w + w->x0 + fx) *
						    p->depth + c0;
			int8_t part[VL] = { 0 };

			if (n < VL) {
				__builtin_memcpy(part, src, (size_t)n);
				src = part;
			}
			acc = v_add(acc, v_load_s8_s32(src));
		}
	return acc;
}

void X86_FN(ts_avgpool_s8)(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	if ((int64_t)p->filter_h * p->filter_w >= (1 << 23)) {
		ts_avgpool_s8_ref(p, in, out);
		return;
	}
	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->depth;

		for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const struct ts_pool_window w = ts_pool_window_at(p, oy, ox);
				const int32_t count = ts_pool_window_cells(&w);
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) *
						    p->depth;

				for (int32_t c0 = 0; c0 < p->depth; c0 += VL) {
					const int32_t n = p->depth - c0 < VL ? p->depth - c0 : VL;
					int32_t sums[VL];

					v_store(sums, pool_sum(p, image, &w, c0, n));
					/* ref's rounding division, lane by lane (an empty
					 * window writes the floor, as ref does). */
					for (int32_t i = 0; i < n; i++) {
						int32_t v = count == 0 ? p->act_min :
							    sums[i] > 0 ? (sums[i] + count / 2) / count :
									  (sums[i] - count / 2) / count;

						v = v < p->act_min ? p->act_min : v;
						dst[c0 + i] = (int8_t)(v > p->act_max ? p->act_max : v);
					}
				}
			}
	}
}

void X86_FN(ts_maxpool_s8)(const ts_pool_params *p, const int8_t *in, int8_t *out)
{
	const __m128i lo = _mm_set1_epi8((char)p->act_min), hi = _mm_set1_epi8((char)p->act_max);

	for (int32_t b = 0; b < p->batches; b++) {
		const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->depth;

		for (int32_t oy = 0; oy < p->out_h; oy++)
			for (int32_t ox = 0; ox < p->out_w; ox++) {
				const struct ts_pool_window w = ts_pool_window_at(p, oy, ox);
				int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) *
						    p->depth;

				/* Sixteen channels at a time with PMAXSB. */
				for (int32_t c0 = 0; c0 < p->depth; c0 += 16) {
					const int32_t n = p->depth - c0 < 16 ? p->depth - c0 : 16;
					__m128i m = _mm_set1_epi8(-128);
					int8_t part[16];

					for (int32_t fy = w.fy0; fy < w.fy1; fy++)
						for (int32_t fx = w.fx0; fx < w.fx1; fx++) {
							const int8_t *src = image +
								((size_t)(w.y0 + fy) * p->in_w + w.x0 + fx) *
								p->depth + c0;

							if (n < 16) {
								__builtin_memcpy(part, src, (size_t)n);
								src = part;
							}
							m = _mm_max_epi8(m, _mm_loadu_si128(
								(const __m128i *)(const void *)src));
						}
					m = _mm_min_epi8(_mm_max_epi8(m, lo), hi);
					if (n == 16) {
						_mm_storeu_si128((__m128i *)(void *)(dst + c0), m);
					} else {
						_mm_storeu_si128((__m128i *)(void *)part, m);
						__builtin_memcpy(dst + c0, part, (size_t)n);
					}
				}
			}
	}
}
