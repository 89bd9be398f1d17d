/* SPDX-License-Identifier: MIT */
/* CONV_2D, DEPTHWISE_CONV_2D (one input channel) and FULLY_CONNECTED for
 * the "dotprod" set: SDOT (ARMv8.2-A dot product, Cortex-A55/A76: Pi 5)
 * sums four int8 products per lane in one instruction.  Only this file is
 * compiled for ARMv8.2 + dotprod; the set runs only where the CPU reports
 * HWCAP_ASIMDDP. */
#include "../arch.h"

#if TS_KERNELS_DOTPROD
#pragma GCC target("arch=armv8.2-a+dotprod")
#include "neon_common.h"
#include "neon_kernels.h"

#define TS_DOT_FN(name) name##_dotprod

static inline int32x4_t ts_dot16(int32x4_t acc, int8x16_t a, int8x16_t b)
{
	return vdotq_s32(acc, a, b);
}

static inline int32x4_t ts_dot8(int32x4_t acc, int8x8_t a, int8x8_t b)
{
	return vdotq_s32(acc, vcombine_s8(a, vdup_n_s8(0)), vcombine_s8(b, vdup_n_s8(0)));
}

static inline int32x4_t ts_wsum16(int32x4_t acc, int8x16_t w)
{
	return vdotq_s32(acc, w, vdupq_n_s8(1));
}

#include "dot_kernels.h"

/*
 * Packed filters (packed_conv.h) for SDOT's indexed form, where one
 * instruction adds, for four output channels, the dot product of their four
 * weights with four consecutive patch bytes chosen by a lane index.  A tile
 * of four output positions times eight output channels costs, per sixteen
 * patch bytes, four patch loads, eight weight loads and 32 SDOTs (512
 * products).
 */
typedef int8_t packed_t;
#define PACK_DEPTH_ALIGN 8
#define PACK_DEPTH_MAX TS_NEON_PATCH_MAX

/* [blocks][depth_pad / 4][TS_NEON_PACK_OC][4]. */
static inline size_t packed_at(size_t oc, int32_t k, int32_t depth_pad)
{
	return ((oc / TS_NEON_PACK_OC * (size_t)(depth_pad / 4) + (size_t)k / 4) * TS_NEON_PACK_OC +
		oc % TS_NEON_PACK_OC) * 4 + (size_t)k % 4;
}

#include "packed_conv.h"

/* acc[i][h] += packed block (lane l of 16 or 8 patch bytes of position i),
 * for output channels 4h .. 4h + 3 of the block; dot: vdotq_laneq_s32 or
 * vdotq_lane_s32. */
#define DOT_LANE(dot, l, w, x0, x1, x2, x3)                                             \
	do {                                                                             \
		const int8x16_t w0_ = vld1q_s8((w) + 32 * (l));                          \
		const int8x16_t w1_ = vld1q_s8((w) + 32 * (l) + 16);                     \
		a00 = dot(a00, w0_, x0, l);                                              \
		a01 = dot(a01, w1_, x0, l);                                              \
		a10 = dot(a10, w0_, x1, l);                                              \
		a11 = dot(a11, w1_, x1, l);                                              \
		a20 = dot(a20, w0_, x2, l);                                              \
		a21 = dot(a21, w1_, x2, l);                                              \
		a30 = dot(a30, w0_, x3, l);                                              \
		a31 = dot(a31, w1_, x3, l);                                              \
	} while (0)

/* Every output channel of TILE positions (the first n real) from their
 * patches x[i] (depth_pad bytes each). */
static void tile_outputs(const struct packed_conv *c, const int8_t *const x[TILE], int n,
			 int8_t *const dst[TILE])
{
	const int32_t depth_pad = c->depth_pad;
	const int8_t *w = c->packed;

	for (int32_t oc = 0; oc < c->blocks * PACK_OC; oc += PACK_OC) {
		int32x4_t a00 = vdupq_n_s32(0), a01 = a00, a10 = a00, a11 = a00;
		int32x4_t a20 = a00, a21 = a00, a30 = a00, a31 = a00;
		int32_t k = 0;

		for (; k + 16 <= depth_pad; k += 16, w += 4 * 32) {
			const int8x16_t x0 = vld1q_s8(x[0] + k), x1 = vld1q_s8(x[1] + k);
			const int8x16_t x2 = vld1q_s8(x[2] + k), x3 = vld1q_s8(x[3] + k);

			DOT_LANE(vdotq_laneq_s32, 0, w, x0, x1, x2, x3);
			DOT_LANE(vdotq_laneq_s32, 1, w, x0, x1, x2, x3);
			DOT_LANE(vdotq_laneq_s32, 2, w, x0, x1, x2, x3);
			DOT_LANE(vdotq_laneq_s32, 3, w, x0, x1, x2, x3);
		}
		if (k < depth_pad) { /* eight bytes left */
			const int8x8_t x0 = vld1_s8(x[0] + k), x1 = vld1_s8(x[1] + k);
			const int8x8_t x2 = vld1_s8(x[2] + k), x3 = vld1_s8(x[3] + k);

			DOT_LANE(vdotq_lane_s32, 0, w, x0, x1, x2, x3);
			DOT_LANE(vdotq_lane_s32, 1, w, x0, x1, x2, x3);
			w += 2 * 32;
		}
		tile_store(c, oc, n, dst, a00, a01, a10, a11, a20, a21, a30, a31);
	}
}

static void conv_packed(const struct packed_conv *c, const int8_t *in, int8_t *out)
{
	const ts_conv_params *p = &c->p;
	const int32_t depth = p->k_h * p->k_w * p->in_c;
	const int32_t positions = p->out_h * p->out_w;
	int8_t patch[TILE][TS_NEON_PATCH_MAX] __attribute__((aligned(16)));

	for (int32_t b = 0; b < p->batches; b++)
		/* (oy, ox): the next position, in raster order (no divisions:
		 * ARMv7-A has none). */
		for (int32_t t = 0, oy = 0, ox = 0; t < positions; t += TILE) {
			const int n = positions - t < TILE ? (int)(positions - t) : TILE;
			const int8_t *x[TILE];
			int8_t *dst[TILE];

			for (int i = 0; i < TILE; i++) {
				/* A short last tile repeats its first position. */
				const int32_t pos = t + (i < n ? i : 0);

				dst[i] = out + ((size_t)b * positions + pos) * p->out_c;
				if (i >= n) {
					x[i] = x[0];
					continue;
				}
				x[i] = conv_patch(p, in, b, oy, ox, 0, p->in_c, patch[i]);
				if (++ox == p->out_w) {
					ox = 0;
					oy++;
				}
				if (depth < c->depth_pad) {
					/* A patch read in place would be read past its end. */
					if (x[i] != patch[i])
						copy_bytes(patch[i], x[i], depth);
					fill_bytes(patch[i] + depth, 0, c->depth_pad - depth);
					x[i] = patch[i];
				}
			}
			tile_outputs(c, x, n, dst);
		}
}
#endif
