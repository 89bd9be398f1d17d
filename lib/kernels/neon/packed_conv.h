/* SPDX-License-Identifier: MIT */
/*
 * CONV_2D with constant weights and one group, and DEPTHWISE_CONV_2D with
 * constant weights and one input channel (the convolution of the filter
 * transposed), on a filter packed at prepare: both dot-product flavours
 * (neon_dot.c, dotprod_dot.c) pack eight output channels per block, keep
 * bias + input_offset * sum(w) per channel, and run tiles of TILE output
 * positions times eight channels with no horizontal sums.  This holds
 * what they share: the packed filter, its prepare hooks, the conv and
 * depthwise entry points and the tiles' requantization.  What differs, the
 * includer defines before including this (after dot_kernels.h):
 *   packed_t            a packed weight, and a patch value as the tiles read it
 *   PACK_DEPTH_ALIGN    taps * in_c padded to a multiple of it (zero weights)
 *   PACK_DEPTH_MAX      the most padded taps a packed filter takes
 *   packed_at(oc, k, depth_pad)  where weight k of output channel oc goes
 * and after it conv_packed (declared below): the tiles' products, and the
 * loop over tiles with the patches made as its products read them (widened
 * to int16, or padded bytes).  That loop stays in each flavour's file:
 * written once here, GCC allocated registers worse on 32-bit ARM (4% more
 * instructions on micro-speech with "neon" under qemu-arm).
 */
#ifndef TS_KERNELS_NEON_PACKED_CONV_H
#define TS_KERNELS_NEON_PACKED_CONV_H

#include "../../core/arena.h"
#include "../window.h"

#define PACK_OC TS_NEON_PACK_OC /* output channels per packed block */
#define TILE TS_NEON_TILE       /* output positions per tile */

struct packed_conv {
	ts_conv_params p;       /* first, as kernels.h asks */
	/* NULL: conv_by_rows / dwconv_by_rows.  Else [blocks] of PACK_OC
	 * channels' depth_pad weights as packed_at places them, zero weights
	 * past depth and past out_c. */
	const packed_t *packed;
	/* Per output channel, padded to blocks * PACK_OC: bias + input_offset *
	 * sum(w), the multiplier and the shift. */
	const int32_t *fixed, *mult, *shift;
	int32_t depth_pad;      /* taps * in_c rounded up to PACK_DEPTH_ALIGN */
	int32_t blocks;
};

/* Packs p's convolution, whose weight k of output channel oc is
 * filter[oc * oc_stride + k * k_stride]; c->packed stays NULL when the
 * shape does not suit it. */
static struct packed_conv *pack_conv(struct ts_arena *a, const ts_conv_params *p,
				     const int8_t *filter, size_t oc_stride, size_t k_stride,
				     const int32_t *bias)
{
	struct packed_conv *c;
	int64_t depth64 = (int64_t)p->k_h * p->k_w * p->in_c;
	int32_t depth, depth_pad;
	packed_t *packed;
	int32_t *fixed, *mult, *shift;
	size_t channels;

	/* NULL with the arena not short: a window out of range (the op
	 * refuses it first; kernels.h). */
	if (!ts_conv_window_ok(p))
		return NULL;
	c = ts_arena_take(a, sizeof(*c), _Alignof(struct packed_conv));
	if (!c)
		return NULL;
	if (depth64 > PACK_DEPTH_MAX)
		depth64 = PACK_DEPTH_MAX + 1; /* too deep to pack, see below */
	depth = (int32_t)depth64;
	depth_pad = (depth + PACK_DEPTH_ALIGN - 1) & ~(PACK_DEPTH_ALIGN - 1);
	c->p = *p;
	c->packed = NULL;
	if (!filter || !ts_neon_offset_ok(p->input_offset) || depth_pad > PACK_DEPTH_MAX)
		return c;
	c->depth_pad = depth_pad;
	c->blocks = (p->out_c + PACK_OC - 1) / PACK_OC;
	channels = (size_t)c->blocks * PACK_OC;
	packed = ts_arena_take(a, channels * (size_t)depth_pad * sizeof(packed_t), 16);
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

			packed[packed_at(oc, k, depth_pad)] = v;
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
void *TS_DOT_FN(ts_conv_prepare)(struct ts_arena *a, const ts_conv_params *p,
				 const int8_t *filter, const int32_t *bias)
{
	const int32_t depth = p->k_h * p->k_w * p->depth_multiplier;

	return pack_conv(a, p, p->depth_multiplier == p->in_c ? filter : NULL, (size_t)depth, 1,
			 bias);
}

/* Depthwise with one input channel: the convolution of the transposed
 * [k_h][k_w][out_c] filter. */
void *TS_DOT_FN(ts_dwconv_prepare)(struct ts_arena *a, const ts_conv_params *p,
				   const int8_t *filter, const int32_t *bias)
{
	return pack_conv(a, p, p->in_c == 1 ? filter : NULL, 1, (size_t)p->out_c, bias);
}

/* The includer's: every output of the convolution from the packed filter. */
static void conv_packed(const struct packed_conv *c, const int8_t *in, int8_t *out);

/* Accumulators a<i><h> of channels oc + 4h .. oc + 4h + 3 of position i
 * requantized to dst[i] (the first n positions). */
static inline void tile_store(const struct packed_conv *c, int32_t oc, int n,
			      int8_t *const dst[TILE], int32x4_t a00, int32x4_t a01,
			      int32x4_t a10, int32x4_t a11, int32x4_t a20, int32x4_t a21,
			      int32x4_t a30, int32x4_t a31)
{
	ts_neon_requant_store8(&c->p, c->fixed, c->mult, c->shift, oc, a00, a01, dst[0]);
	if (n > 1)
		ts_neon_requant_store8(&c->p, c->fixed, c->mult, c->shift, oc, a10, a11, dst[1]);
	if (n > 2)
		ts_neon_requant_store8(&c->p, c->fixed, c->mult, c->shift, oc, a20, a21, dst[2]);
	if (n > 3)
		ts_neon_requant_store8(&c->p, c->fixed, c->mult, c->shift, oc, a30, a31, dst[3]);
}

/* params: struct packed_conv from the conv prepare hook. */
void TS_DOT_FN(ts_conv_s8)(const ts_conv_params *params, const int8_t *in, const int8_t *filter,
			   const int32_t *bias, int8_t *out)
{
	const struct packed_conv *c = (const struct packed_conv *)(const void *)params;

	if (c->packed)
		conv_packed(c, in, out);
	else
		conv_by_rows(&c->p, in, filter, bias, out);
}

/* params: struct packed_conv from the depthwise prepare hook. */
void TS_DOT_FN(ts_dwconv_s8)(const ts_conv_params *params, const int8_t *in,
			     const int8_t *filter, const int32_t *bias, int8_t *out)
{
	const struct packed_conv *c = (const struct packed_conv *)(const void *)params;

	if (c->packed)
		conv_packed(c, in, out);
	else
		dwconv_by_rows(&c->p, in, filter, bias, out);
}

#endif /* TS_KERNELS_NEON_PACKED_CONV_H */
