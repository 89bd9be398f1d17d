/* SPDX-License-Identifier: MIT */
/* CONV_2D, DEPTHWISE_CONV_2D (one input channel) and FULLY_CONNECTED for
 * the "neon" set, with what NEON has on every ARMv7-A and ARMv8-A core:
 * int8 products widened to int16 (SMULL) and summed pairwise into int32
 * (SADALP), and int16 multiply-accumulates by lane (VMLAL). */
#include "neon_common.h"

#if TS_KERNELS_NEON
#include "neon_kernels.h"

#define TS_DOT_FN(name) name##_neon

static inline int32x4_t ts_dot16(int32x4_t acc, int8x16_t a, int8x16_t b)
{
	acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
	return vpadalq_s16(acc, ts_neon_mull_high_s8(a, b));
}

static inline int32x4_t ts_dot8(int32x4_t acc, int8x8_t a, int8x8_t b)
{
	return vpadalq_s16(acc, vmull_s8(a, b));
}

static inline int32x4_t ts_wsum16(int32x4_t acc, int8x16_t w)
{
	return vpadalq_s16(acc, vpaddlq_s8(w));
}

#include "dot_kernels.h"

/*
 * Packed filters (packed_conv.h): int16 weights, so that VMLAL by lane
 * multiplies four channels' weights by one widened patch value and adds to
 * int32 lanes (exact: |w * x| <= 2^14).  A tile of four output positions
 * times eight output channels costs, per four patch values, four patch
 * loads, four weight loads and 32 VMLALs (128 products).
 */
#define PATCH16_MAX 2048 /* widened patch values a tile keeps per position */

typedef int16_t packed_t;
#define PACK_DEPTH_ALIGN 4
#define PACK_DEPTH_MAX PATCH16_MAX

/* [blocks][depth_pad][TS_NEON_PACK_OC]. */
static inline size_t packed_at(size_t oc, int32_t k, int32_t depth_pad)
{
	return (oc / TS_NEON_PACK_OC * (size_t)depth_pad + (size_t)k) * TS_NEON_PACK_OC +
	       oc % TS_NEON_PACK_OC;
}

#include "packed_conv.h"

/* acc[i][h] += weights of output channels 4h .. 4h + 3 at patch value
 * (lane l of x_i). */
#define MLAL_LANE(l, w, x0, x1, x2, x3)                                            \
	do {                                                                        \
		const int16x8_t wv_ = vld1q_s16((w) + 8 * (l));                     \
		const int16x4_t wl_ = vget_low_s16(wv_), wh_ = vget_high_s16(wv_);  \
		a00 = vmlal_lane_s16(a00, wl_, x0, l);                              \
		a01 = vmlal_lane_s16(a01, wh_, x0, l);                              \
		a10 = vmlal_lane_s16(a10, wl_, x1, l);                              \
		a11 = vmlal_lane_s16(a11, wh_, x1, l);                              \
		a20 = vmlal_lane_s16(a20, wl_, x2, l);                              \
		a21 = vmlal_lane_s16(a21, wh_, x2, l);                              \
		a30 = vmlal_lane_s16(a30, wl_, x3, l);                              \
		a31 = vmlal_lane_s16(a31, wh_, x3, l);                              \
	} while (0)

/* Every output channel of TILE positions (the first n real) from their
 * widened patches x[i] (depth_pad values each). */
static void tile_outputs(const struct packed_conv *c, const int16_t *const x[TILE], int n,
			 int8_t *const dst[TILE])
{
	const int16_t *w = c->packed;

	for (int32_t oc = 0; oc < c->blocks * PACK_OC; oc += PACK_OC) {
		int32x4_t a00 = vdupq_n_s32(0), a01 = a00, a10 = a00, a11 = a00;
		int32x4_t a20 = a00, a21 = a00, a30 = a00, a31 = a00;

		for (int32_t k = 0; k < c->depth_pad; k += 4, w += 4 * PACK_OC) {
			const int16x4_t x0 = vld1_s16(x[0] + k), x1 = vld1_s16(x[1] + k);
			const int16x4_t x2 = vld1_s16(x[2] + k), x3 = vld1_s16(x[3] + k);

			MLAL_LANE(0, w, x0, x1, x2, x3);
			MLAL_LANE(1, w, x0, x1, x2, x3);
			MLAL_LANE(2, w, x0, x1, x2, x3);
			MLAL_LANE(3, w, x0, x1, x2, x3);
		}
		tile_store(c, oc, n, dst, a00, a01, a10, a11, a20, a21, a30, a31);
	}
}

/* x[0 .. n) widened to int16, then zeros up to n_pad. */
static void widen(int16_t *dst, const int8_t *x, int32_t n, int32_t n_pad)
{
	int32_t k = 0;

	for (; k + 16 <= n; k += 16) {
		const int8x16_t v = vld1q_s8(x + k);

		vst1q_s16(dst + k, vmovl_s8(vget_low_s8(v)));
		vst1q_s16(dst + k + 8, vmovl_s8(vget_high_s8(v)));
	}
	for (; k < n; k++)
		dst[k] = x[k];
	for (; k < n_pad; k++)
		dst[k] = 0;
}

static void conv_packed(const struct packed_conv *c, const int8_t *in, int8_t *out)
{
	const ts_conv_params *p = &c->p;
	const int32_t depth = p->k_h * p->k_w * p->in_c;
	const int32_t positions = p->out_h * p->out_w;
	int8_t patch[TS_NEON_PATCH_MAX] __attribute__((aligned(16)));
	int16_t wide[TILE][PATCH16_MAX] __attribute__((aligned(16)));

	for (int32_t b = 0; b < p->batches; b++)
		/* (oy, ox): the next position, in raster order (no divisions:
		 * ARMv7-A has none). */
		for (int32_t t = 0, oy = 0, ox = 0; t < positions; t += TILE) {
			const int n = positions - t < TILE ? (int)(positions - t) : TILE;
			const int16_t *x[TILE];
			int8_t *dst[TILE];

			for (int i = 0; i < TILE; i++) {
				/* A short last tile repeats its first position. */
				const int32_t pos = t + (i < n ? i : 0);

				dst[i] = out + ((size_t)b * positions + pos) * p->out_c;
				if (i >= n) {
					x[i] = x[0];
					continue;
				}
				widen(wide[i], conv_patch(p, in, b, oy, ox, 0, p->in_c, patch), depth,
				      c->depth_pad);
				x[i] = wide[i];
				if (++ox == p->out_w) {
					ox = 0;
					oy++;
				}
			}
			tile_outputs(c, x, n, dst);
		}
}
#endif
