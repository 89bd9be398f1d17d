/* SPDX-License-Identifier: MIT */
/*
 * The "armdsp" kernel set: Cortex-M cores with the DSP extension (M4, M7,
 * M33, M55 as built by GCC for those -mcpu values), whose SMLAD does two
 * 16x16 multiply-accumulates per instruction.  The set is compiled exactly
 * when the compiler targets such a core (__ARM_FEATURE_DSP); like every
 * optimized set it still needs its TS_CPU_* bit (TS_CPU_ARM_DSP) in the
 * caller's cpu_features, which a Cortex-M firmware passes because its build
 * knows the core (tests/mcu/model_main.c).  Byte-identical with ref: the products and the wrapping int32
 * sums are the same integers, only grouped two by two.
 */
#ifndef TS_KERNELS_ARM_DSP_H
#define TS_KERNELS_ARM_DSP_H

#include "kernels.h"

#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(__ARM_FEATURE_DSP) && \
	defined(__ARM_FEATURE_SIMD32)
#define TS_KERNELS_ARM_DSP 1
extern const ts_kernel_table ts_kernels_armdsp;
#else
#define TS_KERNELS_ARM_DSP 0
#endif

#endif /* TS_KERNELS_ARM_DSP_H */
