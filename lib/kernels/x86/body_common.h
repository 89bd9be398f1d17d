/* SPDX-License-Identifier: MIT */
/*
 * What the x86 kernel bodies share: function naming per set and the
 * requantize-and-store of one block of output channels.  Part of
 * kernels_body.h (compiled once per x86 set).
 */
#include "../window.h"

#define X86_CAT2(a, b) a##_##b
#define X86_CAT(a, b) X86_CAT2(a, b)
#define X86_FN(name) X86_CAT(name, X86_ISA)

/* Adds the block's bias and extra, requantizes, offsets, clamps and stores
 * output channels [b * VL, n) of this block. */
static inline void finish_block(const int32_t *q, int32_t b, vec acc, vec extra, int32_t n,
				vec out_off, vec act_min, vec act_max, int8_t *dst)
{
	const int32_t *qb = q + (size_t)b * TS_X86_Q_FIELDS * VL;
	const int32_t first = b * VL;
	vec v = v_add(acc, v_add(v_load(qb + TS_X86_Q_BIAS * VL), extra));

	v = v_min(v_max(v_add(v_requant(v, qb), out_off), act_min), act_max);
	if (first + VL <= n) {
		v_store_s8(dst + first, v);
	} else if (first < n) {
		int8_t tail[VL];

		v_store_s8(tail, v);
		__builtin_memcpy(dst + first, tail, (size_t)(n - first));
	}
}
