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
#include "../../core/arena.h"

/*
 * CONV_2D with constant weights and one group, and DEPTHWISE_CONV_2D with
 * constant weights and one input channel (the same convolution with the
 * filter transposed): the prepare hooks pack the filter for SDOT's indexed
 * form, where one instruction adds, for four output channels, the dot
 * product of their four weights with four consecutive patch bytes chosen by
 * a lane index.  A tile of four output
 * positions times eight output channels then costs, per sixteen patch
 * bytes, four patch loads, eight weight loads and 32 SDOTs (512 products),
 * and no horizontal sums.
 */
#define PACK_OC 8 /* output channels per packed block */
#define TILE 4    /* output positions per tile */

struct dotprod_conv {
	ts_conv_params p;       /* first, as kernels.h asks */
	/* NULL: conv_by_rows.  Else [blocks][depth_pad / 4][PACK_OC][4],
	 * zero weights past depth and past out_c. */
	const int8_t *packed;
	/* Per output channel, padded to blocks * PACK_OC: bias + input_offset *
	 * sum(w), the multiplier and the shift. */
	const int32_t *fixed, *mult, *shift;
	int32_t depth_pad;      /* taps * in_c rounded up to 8 */
	int32_t blocks;
};

/* The packed filter of p's convolution, whose weight k of output channel oc
 * is filter[oc * oc_stride + k * k_stride]; c->packed stays NULL when the
 * shape does not suit it. */
static struct dotprod_conv *pack_conv(struct ts_arena *a, const ts_conv_params *p,
				      const int8_t *filter, size_t oc_stride, size_t k_stride,
				      const int32_t *bias)
{
	struct dotprod_conv *c = ts_arena_take(a, sizeof(*c), _Alignof(struct dotprod_conv));
	const int32_t depth = p->k_h * p->k_w * p->in_c;
	const int32_t depth_pad = (depth + 7) & ~7;
	int8_t *packed;
	int32_t *fixed, *mult, *shift;
	size_t channels;

	if (!c)
		return NULL;
	c->p = *p;
	c->packed = NULL;
	if (!filter || !ts_neon_offset_ok(p->input_offset) || depth_pad > TS_NEON_PATCH_MAX)
		return c;
	c->depth_pad = depth_pad;
	c->blocks = (p->out_c + PACK_OC - 1) / PACK_OC;
	channels = (size_t)c->blocks * PACK_OC;
	packed = ts_arena_take(a, channels * (size_t)depth_pad, 16);
	fixed = ts_arena_take(a, channels * sizeof(int32_t), 16);
	mult = ts_arena_take(a, channels * sizeof(int32_t), 16);
	shift = ts_arena_take(a, channels * sizeof(int32_t), 16);
	if (!packed || !fixed || !mult || !shift)
		return NULL;
	for (size_t oc = 0; oc < channels; oc++) {
		const int real = oc < (size_t)p->out_c;
		uint32_t wsum = 0;

		for (int32_t k = 0; k < depth_pad; k++) {
			const int8_t v = real && k < depth ?
					 filter[oc * oc_stride + (size_t)k * k_stride] : 0;

			packed[((oc / PACK_OC * (size_t)(depth_pad / 4) + (size_t)k / 4) * PACK_OC +
				oc % PACK_OC) * 4 + (size_t)k % 4] = v;
			wsum += (uint32_t)v;
		}
		fixed[oc] = (int32_t)((real && bias ? (uint32_t)bias[oc] : 0u) +
				      (uint32_t)p->input_offset * wsum);
		mult[oc] = real ? p->out_mult[oc] : 0;
		shift[oc] = real ? p->out_shift[oc] : 0;
	}
	c->packed = packed;
	c->fixed = fixed;
	c->mult = mult;
	c->shift = shift;
	return c;
}

/* Convolutions of one group. */
void *ts_conv_prepare_dotprod(struct ts_arena *a, const ts_conv_params *p, const int8_t *filter,
			      const int32_t *bias)
{
	const int32_t depth = p->k_h * p->k_w * p->depth_multiplier;

	return pack_conv(a, p, p->depth_multiplier == p->in_c ? filter : NULL, (size_t)depth, 1,
			 bias);
}

/* Depthwise with one input channel: the convolution of the transposed
 * [k_h][k_w][out_c] filter. */
void *ts_dwconv_prepare_dotprod(struct ts_arena *a, const ts_conv_params *p,
				const int8_t *filter, const int32_t *bias)
{
	return pack_conv(a, p, p->in_c == 1 ? filter : NULL, 1, (size_t)p->out_c, bias);
}

/* acc[i][h] += packed block (lane l of 16 or 8 patch bytes of position i),
 * for output channels 4h .. 4h + 3 of the block. */
#define DOT_LANE(l, w, x0, x1, x2, x3)                                                  \
	do {                                                                             \
		const int8x16_t w0_ = vld1q_s8((w) + 32 * (l));                          \
		const int8x16_t w1_ = vld1q_s8((w) + 32 * (l) + 16);                     \
		a00 = vdotq_laneq_s32(a00, w0_, x0, l);                                  \
		a01 = vdotq_laneq_s32(a01, w1_, x0, l);                                  \
		a10 = vdotq_laneq_s32(a10, w0_, x1, l);                                  \
		a11 = vdotq_laneq_s32(a11, w1_, x1, l);                                  \
		a20 = vdotq_laneq_s32(a20, w0_, x2, l);                                  \
		a21 = vdotq_laneq_s32(a21, w1_, x2, l);                                  \
		a30 = vdotq_laneq_s32(a30, w0_, x3, l);                                  \
		a31 = vdotq_laneq_s32(a31, w1_, x3, l);                                  \
	} while (0)

#define DOT_LANE8(l, w, x0, x1, x2, x3)                                                 \
	do {                                                                             \
		const int8x16_t w0_ = vld1q_s8((w) + 32 * (l));                          \
		const int8x16_t w1_ = vld1q_s8((w) + 32 * (l) + 16);                     \
		a00 = vdotq_lane_s32(a00, w0_, x0, l);                                   \
		a01 = vdotq_lane_s32(a01, w1_, x0, l);                                   \
		a10 = vdotq_lane_s32(a10, w0_, x1, l);                                   \
		a11 = vdotq_lane_s32(a11, w1_, x1, l);                                   \
		a20 = vdotq_lane_s32(a20, w0_, x2, l);                                   \
		a21 = vdotq_lane_s32(a21, w1_, x2, l);                                   \
		a30 = vdotq_lane_s32(a30, w0_, x3, l);                                   \
		a31 = vdotq_lane_s32(a31, w1_, x3, l);                                   \
	} while (0)

static inline void tile_store(const struct dotprod_conv *c, int32_t oc, int32x4_t lo4,
			      int32x4_t hi4, int8_t *dst)
{
	ts_neon_requant_store8(&c->p, c->fixed, c->mult, c->shift, oc, lo4, hi4, dst);
}

/* Every output channel of TILE positions (the first n real) from their
 * patches x[i] (depth_pad bytes each). */
static void tile_outputs(const struct dotprod_conv *c, const int8_t *const x[TILE], int n,
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

			DOT_LANE(0, w, x0, x1, x2, x3);
			DOT_LANE(1, w, x0, x1, x2, x3);
			DOT_LANE(2, w, x0, x1, x2, x3);
			DOT_LANE(3, w, x0, x1, x2, x3);
		}
		if (k < depth_pad) { /* eight bytes left */
			const int8x8_t x0 = vld1_s8(x[0] + k), x1 = vld1_s8(x[1] + k);
			const int8x8_t x2 = vld1_s8(x[2] + k), x3 = vld1_s8(x[3] + k);

			DOT_LANE8(0, w, x0, x1, x2, x3);
			DOT_LANE8(1, w, x0, x1, x2, x3);
			w += 2 * 32;
		}
		tile_store(c, oc, a00, a01, dst[0]);
		if (n > 1)
			tile_store(c, oc, a10, a11, dst[1]);
		if (n > 2)
			tile_store(c, oc, a20, a21, dst[2]);
		if (n > 3)
			tile_store(c, oc, a30, a31, dst[3]);
	}
}

static void conv_packed(const struct dotprod_conv *c, const int8_t *in, int8_t *out)
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

/* params: struct dotprod_conv from ts_conv_prepare_dotprod. */
void ts_conv_s8_dotprod(const ts_conv_params *params, const int8_t *in, const int8_t *filter,
			const int32_t *bias, int8_t *out)
{
	const struct dotprod_conv *c = (const struct dotprod_conv *)(const void *)params;

	if (c->packed)
		conv_packed(c, in, out);
	else
		conv_by_rows(&c->p, in, filter, bias, out);
}

/* params: struct dotprod_conv from ts_dwconv_prepare_dotprod. */
void ts_dwconv_s8_dotprod(const ts_conv_params *params, const int8_t *in, const int8_t *filter,
			  const int32_t *bias, int8_t *out)
{
	const struct dotprod_conv *c = (const struct dotprod_conv *)(const void *)params;

	if (c->packed)
		conv_packed(c, in, out);
	else
		dwconv_by_rows(&c->p, in, filter, bias, out);
}
#endif
