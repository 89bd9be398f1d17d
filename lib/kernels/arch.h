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

/*
 * ARM (lib/kernels/neon/): every aarch64 build has "neon" (Advanced SIMD is
 * part of ARMv8-A) and "dotprod" (SDOT, ARMv8.2-A, compiled for it file by
 * file); a 32-bit ARMv7-A build with hardware floating point has "neon",
 * compiled for NEON file by file while the base build assumes only
 * VFPv3-D16 (Debian armhf).  Cortex-M and soft-float builds have neither.
 * The per-file target pragmas are GCC's: clang builds have neither.
 */
#if defined(__aarch64__) && defined(__GNUC__) && !defined(__clang__) && \
	!defined(__ARM_BIG_ENDIAN)
#define TS_KERNELS_NEON 1
#define TS_KERNELS_DOTPROD 1
#elif defined(__arm__) && defined(__GNUC__) && !defined(__clang__) && \
	defined(__ARM_ARCH) && __ARM_ARCH >= 7 && defined(__ARM_ARCH_PROFILE) && \
	__ARM_ARCH_PROFILE == 'A' && !defined(__SOFTFP__) && !defined(__ARM_BIG_ENDIAN)
#define TS_KERNELS_NEON 1
#define TS_KERNELS_DOTPROD 0
#else
#define TS_KERNELS_NEON 0
#define TS_KERNELS_DOTPROD 0
#endif

#endif /* TS_KERNELS_ARCH_H */
