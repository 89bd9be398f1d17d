/* SPDX-License-Identifier: MIT */
/* CONV_2D and FULLY_CONNECTED for the "neon" set: int8 products widened to
 * int16 (SMULL) and summed pairwise into int32 (SADALP), which NEON has on
 * every ARMv7-A and ARMv8-A core. */
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

void ts_conv_s8_neon(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
		     const int32_t *bias, int8_t *out)
{
	conv_by_rows(p, in, filter, bias, out);
}

void ts_dwconv_s8_neon(const ts_conv_params *p, const int8_t *in, const int8_t *filter,
		       const int32_t *bias, int8_t *out)
{
	dwconv_by_rows(p, in, filter, bias, out);
}
#endif
