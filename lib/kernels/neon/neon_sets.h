/* SPDX-License-Identifier: MIT */
/*
 * Which ARM kernel sets this build contains.  Only the compiler's target
 * decides (never its -mfpu / -march flags): every aarch64 build has "neon"
 * (Advanced SIMD is part of ARMv8-A) and "dotprod" (SDOT, ARMv8.2; its code
 * is compiled for it function by function); a 32-bit ARMv7-A build with a
 * hardware floating-point unit has "neon", compiled for NEON file by file
 * even when the base build assumes only VFPv3-D16 (Debian armhf).  Whether
 * the CPU has them is the caller's knowledge (TS_CPU_* bits from HWCAP);
 * everywhere else (x86, Cortex-M) these files compile to nothing.
 */
#ifndef TS_KERNELS_NEON_SETS_H
#define TS_KERNELS_NEON_SETS_H

#if defined(__aarch64__) && defined(__GNUC__) && !defined(__ARM_BIG_ENDIAN)
#define TS_KERNELS_NEON 1
#define TS_KERNELS_DOTPROD 1
#elif defined(__arm__) && defined(__GNUC__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7 && \
	defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'A' && !defined(__SOFTFP__) && \
	!defined(__ARM_BIG_ENDIAN)
#define TS_KERNELS_NEON 1
#endif

#endif /* TS_KERNELS_NEON_SETS_H */
