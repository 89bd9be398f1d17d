/* SPDX-License-Identifier: MIT */
/*
 * Shared by the NEON kernel files: NEON enabled for this file on 32-bit ARM
 * (the base build assumes only VFPv3-D16), the few intrinsics that differ
 * between AArch64 and ARMv7, and TFLite's per-channel requantization on four
 * lanes.  Include only from files that build nothing unless
 * TS_KERNELS_NEON (../arch.h).
 */
#ifndef TS_KERNELS_NEON_COMMON_H
#define TS_KERNELS_NEON_COMMON_H

#include "../arch.h"

#if TS_KERNELS_NEON

#if defined(__arm__)
#pragma GCC target("fpu=neon")
#endif
#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#include "../kernels.h"
#include "../../core/fixedpoint.h"

/* Kernels keep their scratch on the stack: a conv input patch (the taps of
 * one output position) and per-channel constants for a block of channels.
 * Larger shapes are handed to the reference kernel. */
#define TS_NEON_PATCH_MAX 4096
#define TS_NEON_CHANNEL_BLOCK 256

/* The packed convolutions (packed_conv.h) run tiles of TS_NEON_TILE output
 * positions times TS_NEON_PACK_OC output channels. */
#define TS_NEON_PACK_OC 8
#define TS_NEON_TILE 4

/* The input offset (minus the input zero point) of an int8 tensor, so that
 * the zero point itself is an int8 value: padding reads it. */
static inline int ts_neon_offset_ok(int32_t input_offset)
{
	return input_offset >= -127 && input_offset <= 128;
}

/* Lane i of the result: the sum of a_i's four lanes. */
static inline int32x4_t ts_neon_hsum4(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3)
{
#if defined(__aarch64__)
	return vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
#else
	const int32x2_t s0 = vadd_s32(vget_low_s32(a0), vget_high_s32(a0));
	const int32x2_t s1 = vadd_s32(vget_low_s32(a1), vget_high_s32(a1));
	const int32x2_t s2 = vadd_s32(vget_low_s32(a2), vget_high_s32(a2));
	const int32x2_t s3 = vadd_s32(vget_low_s32(a3), vget_high_s32(a3));

	return vcombine_s32(vpadd_s32(s0, s1), vpadd_s32(s2, s3));
#endif
}

static inline int32_t ts_neon_hsum(int32x4_t a)
{
#if defined(__aarch64__)
	return vaddvq_s32(a);
#else
	const int32x2_t s = vadd_s32(vget_low_s32(a), vget_high_s32(a));

	return vget_lane_s32(vpadd_s32(s, s), 0);
#endif
}

/* Products of the high halves, widened to int16. */
static inline int16x8_t ts_neon_mull_high_s8(int8x16_t a, int8x16_t b)
{
#if defined(__aarch64__)
	return vmull_high_s8(a, b);
#else
	return vmull_s8(vget_high_s8(a), vget_high_s8(b));
#endif
}

static inline int32x4_t ts_neon_addw_high_s16(int32x4_t acc, int16x8_t v)
{
#if defined(__aarch64__)
	return vaddw_high_s16(acc, v);
#else
	return vaddw_s16(acc, vget_high_s16(v));
#endif
}

/* RoundingDivideByPOT by minus neg_exponent (<= 0 in every lane), as
 * gemmlowp's NEON code does it: negative values are nudged down by one
 * so that the rounding shift (ties up) rounds ties away from zero. */
static inline int32x4_t ts_neon_rdbpot(int32x4_t v, int32x4_t neg_exponent)
{
	const int32x4_t fixup = vshrq_n_s32(vandq_s32(v, neg_exponent), 31);

	return vrshlq_s32(vqaddq_s32(v, fixup), neg_exponent);
}

/* ts_mul_by_quantized_multiplier on four lanes: a wrapping left shift by
 * max(shift, 0), SQRDMULH (which is gemmlowp's saturating rounding doubling
 * high multiply, ties up), a rounding right shift by max(-shift, 0). */
static inline int32x4_t ts_neon_mul_by_qm(int32x4_t x, int32x4_t mult, int32x4_t shift)
{
	const int32x4_t zero = vdupq_n_s32(0);
	const int32x4_t v = vqrdmulhq_s32(vshlq_s32(x, vmaxq_s32(shift, zero)), mult);

	return ts_neon_rdbpot(v, vminq_s32(shift, zero));
}

/* Requantized accumulators plus the output offset, clamped to [lo, hi]. */
static inline int32x4_t ts_neon_requant(int32x4_t acc, int32x4_t mult, int32x4_t shift,
					int32x4_t out_offset, int32x4_t lo, int32x4_t hi)
{
	const int32x4_t v = vaddq_s32(ts_neon_mul_by_qm(acc, mult, shift), out_offset);

	return vminq_s32(vmaxq_s32(v, lo), hi);
}

/* Eight clamped int32 lanes (already in int8 range) to bytes. */
static inline int8x8_t ts_neon_narrow8(int32x4_t lo, int32x4_t hi)
{
	return vmovn_s16(vcombine_s16(vmovn_s32(lo), vmovn_s32(hi)));
}

/* The first n (1..4) of four clamped lanes to dst. */
static inline void ts_neon_store4(int8_t *dst, int32x4_t v, int n)
{
	int8_t bytes[8];

	vst1_s8(bytes, ts_neon_narrow8(v, v));
	memcpy(dst, bytes, (size_t)n);
}

/* Eight accumulators of output channels oc .. oc + 7 of a packed filter
 * (fixed, mult and shift padded to a multiple of 8 channels) requantized to
 * dst[oc ..], of which only the channels below out_c are written. */
static inline void ts_neon_requant_store8(const ts_conv_params *p, const int32_t *fixed,
					  const int32_t *mult, const int32_t *shift, int32_t oc,
					  int32x4_t lo4, int32x4_t hi4, int8_t *dst)
{
	const int32x4_t out_offset = vdupq_n_s32(p->output_offset);
	const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
	int8x8_t bytes;

	lo4 = ts_neon_requant(vaddq_s32(lo4, vld1q_s32(fixed + oc)), vld1q_s32(mult + oc),
			      vld1q_s32(shift + oc), out_offset, lo, hi);
	hi4 = ts_neon_requant(vaddq_s32(hi4, vld1q_s32(fixed + oc + 4)), vld1q_s32(mult + oc + 4),
			      vld1q_s32(shift + oc + 4), out_offset, lo, hi);
	bytes = ts_neon_narrow8(lo4, hi4);
	if (oc + 8 <= p->out_c) {
		vst1_s8(dst + oc, bytes);
	} else {
		int8_t tmp[8];

		vst1_s8(tmp, bytes);
		memcpy(dst + oc, tmp, (size_t)(p->out_c - oc));
	}
}

/* Four int32 values from p[i..i+n), n in 1..4; missing lanes repeat p[i]. */
static inline int32x4_t ts_neon_load4(const int32_t *p, int32_t i, int n)
{
	int32_t v[4];

	if (n == 4)
		return vld1q_s32(p + i);
	for (int j = 0; j < 4; j++)
		v[j] = p[i + (j < n ? j : 0)];
	return vld1q_s32(v);
}

#endif /* TS_KERNELS_NEON */
#endif /* TS_KERNELS_NEON_COMMON_H */
