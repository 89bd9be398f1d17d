/* SPDX-License-Identifier: MIT */
/* ADD and SUB for the "neon" (and "dotprod") set: same-shape inputs eight
 * elements at a time with TFLite's rescaling (left shift, two input
 * multipliers, output multiplier), lane for lane the reference's integer
 * steps.  Broadcasts and the last few elements use the reference. */
#include "neon_common.h"

#if TS_KERNELS_NEON
#include "neon_kernels.h"

/* ts_mul_by_quantized_multiplier_smaller_than_one on four lanes. */
static inline int32x4_t mul_smaller(int32x4_t x, int32x4_t mult, int32x4_t neg_exponent)
{
	return ts_neon_rdbpot(vqrdmulhq_s32(x, mult), neg_exponent);
}

/* Input values (offset, shifted left, rescaled) of eight elements. */
static inline void scaled8(int8x8_t v, int32x4_t offset, int32x4_t left_shift, int32x4_t mult,
			   int32x4_t shift, int32x4_t *lo, int32x4_t *hi)
{
	const int16x8_t w = vmovl_s8(v);

	*lo = mul_smaller(vshlq_s32(vaddq_s32(vmovl_s16(vget_low_s16(w)), offset), left_shift),
			  mult, shift);
	*hi = mul_smaller(vshlq_s32(vaddq_s32(vmovl_s16(vget_high_s16(w)), offset), left_shift),
			  mult, shift);
}

void ts_add_s8_neon(const ts_add_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
	const int32x4_t off1 = vdupq_n_s32(p->input1_offset), off2 = vdupq_n_s32(p->input2_offset);
	const int32x4_t mult1 = vdupq_n_s32(p->input1_mult), mult2 = vdupq_n_s32(p->input2_mult);
	const int32x4_t shift1 = vdupq_n_s32(p->input1_shift), shift2 = vdupq_n_s32(p->input2_shift);
	const int32x4_t out_mult = vdupq_n_s32(p->output_mult);
	const int32x4_t out_shift = vdupq_n_s32(p->output_shift);
	const int32x4_t out_offset = vdupq_n_s32(p->output_offset);
	const int32x4_t left = vdupq_n_s32(p->left_shift);
	const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
	ts_add_params rest;
	uint32_t i = 0;

	/* The multipliers are below one: right shifts only, as prepare makes them. */
	if (!p->shape.flat || p->input1_shift > 0 || p->input2_shift > 0 ||
	    p->output_shift > 0 || p->left_shift < 0 || p->left_shift > 31) {
		ts_add_s8_ref(p, a, b, out);
		return;
	}
	for (; i + 8 <= p->shape.count; i += 8) {
		int32x4_t a_lo, a_hi, b_lo, b_hi, r_lo, r_hi;

		scaled8(vld1_s8(a + i), off1, left, mult1, shift1, &a_lo, &a_hi);
		scaled8(vld1_s8(b + i), off2, left, mult2, shift2, &b_lo, &b_hi);
		r_lo = p->subtract ? vsubq_s32(a_lo, b_lo) : vaddq_s32(a_lo, b_lo);
		r_hi = p->subtract ? vsubq_s32(a_hi, b_hi) : vaddq_s32(a_hi, b_hi);
		r_lo = vaddq_s32(mul_smaller(r_lo, out_mult, out_shift), out_offset);
		r_hi = vaddq_s32(mul_smaller(r_hi, out_mult, out_shift), out_offset);
		r_lo = vminq_s32(vmaxq_s32(r_lo, lo), hi);
		r_hi = vminq_s32(vmaxq_s32(r_hi, lo), hi);
		vst1_s8(out + i, ts_neon_narrow8(r_lo, r_hi));
	}
	if (i == p->shape.count)
		return;
	rest = *p;
	rest.shape.count = p->shape.count - i;
	ts_add_s8_ref(&rest, a + i, b + i, out + i);
}
#endif /* TS_KERNELS_NEON */
