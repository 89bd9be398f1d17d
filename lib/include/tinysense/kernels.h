/* SPDX-License-Identifier: MIT */
/*
 * Kernel sets: the portable reference kernels ("ref", which define every
 * result) and the optimized sets built for this architecture ("sse41",
 * "avx2", ... on x86-64; "neon", "dotprod" on ARM).  Every set computes
 * byte-identical outputs; they differ only in speed.
 *
 * lib/ never asks the operating system what the CPU can do: the caller
 * probes it (cpuid, getauxval(AT_HWCAP), a Cortex-M's build flags) and
 * passes the TS_CPU_* bits it found.  lib/ only ever runs a set whose
 * instructions those bits say the CPU has, so a wrong guess is refused
 * (TS_ERR_UNSUPPORTED) instead of ending in SIGILL.
 */
#ifndef TINYSENSE_KERNELS_H
#define TINYSENSE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x86-64 (the baseline SSE2 needs no bit).  The AVX bits also mean the OS
 * saves the registers (XCR0), as cpuid's OSXSAVE + xgetbv tell. */
#define TS_CPU_SSE41       (1u << 0)  /* SSE4.1 */
#define TS_CPU_AVX2        (1u << 1)  /* AVX2 */
#define TS_CPU_AVXVNNI     (1u << 2)  /* AVX-VNNI (VEX vpdpbusd), with AVX2 */
#define TS_CPU_AVX512VNNI  (1u << 3)  /* AVX-512 F+BW+VL+VNNI */
/* ARM. */
#define TS_CPU_NEON        (1u << 8)  /* Advanced SIMD (always on aarch64) */
#define TS_CPU_DOTPROD     (1u << 9)  /* ARMv8.2 SDOT/UDOT */
#define TS_CPU_ARM_DSP     (1u << 16) /* Cortex-M DSP extension */
#define TS_CPU_ARM_MVE     (1u << 17) /* Cortex-M Helium (MVE) */

/* Kernel sets built into this library, slowest first; "ref" is number 0.
 * NULL when i is past the last. */
const char *ts_kernels_name(size_t i);

/* TS_OK when the set exists in this build and cpu_features has everything
 * it needs; TS_ERR_INVALID_ARG for a name this build does not know (NULL
 * included), TS_ERR_UNSUPPORTED when the CPU lacks what it needs. */
ts_status ts_kernels_check(const char *name, uint32_t cpu_features);

/* The fastest set this build has that cpu_features can run (never NULL:
 * "ref" runs everywhere). */
const char *ts_kernels_best(uint32_t cpu_features);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_KERNELS_H */
