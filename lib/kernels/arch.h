/* SPDX-License-Identifier: MIT */
/*
 * Which optimized kernel sets this compilation builds.  Nothing here
 * assumes the CPU has them: the base flags stay the architecture's baseline
 * (x86-64, armv7-a+vfpv3-d16, armv8-a), the SIMD functions are compiled with
 * target attributes, and the caller's cpu_features decide at run time.
 * Each file of an optimized set is guarded by its macro, so lib/ builds
 * unchanged for every other target (Cortex-M included).
 */
#ifndef TS_KERNELS_ARCH_H
#define TS_KERNELS_ARCH_H

#if defined(__x86_64__) && defined(__GNUC__)
#define TS_KERNELS_X86 1
#else
#define TS_KERNELS_X86 0
#endif

#endif /* TS_KERNELS_ARCH_H */
