/* SPDX-License-Identifier: MIT */
/* CONV_2D and FULLY_CONNECTED for the "dotprod" set: SDOT (ARMv8.2-A
 * dot product, Cortex-A55/A76: Pi 5) sums four int8 products per lane in
 * one instruction.  Only this file is compiled for ARMv8.2 + dotprod; the
 * set is used only when the CPU reports HWCAP_ASIMDDP. */
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
#endif
