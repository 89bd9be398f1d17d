/* SPDX-License-Identifier: MIT */
/* The AVX-512 VNNI kernels (EVEX VPDPBUSD, here on 256-bit vectors: server
 * CPUs since Cascade Lake, and AMD Zen 4): kernels_body.h compiled for AVX2
 * + AVX-512 VNNI/VL, the convolutions' and fully connected layers'
 * products with VPDPBUSD. */
#include "../arch.h"

#if TS_KERNELS_X86
#include <immintrin.h>
/* Everything below is compiled for the set's instructions (GCC: the
 * pragma; clang, as the fuzzing build uses: the same attribute pushed). */
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,avx512vnni,avx512vl"))), apply_to = function)
#else
#pragma GCC target("avx2,avx512vnni,avx512vl")
#endif

#include "vec_avx2.h"

#define X86_ISA avx512vnni
#define X86_DPBUSD(acc, u8, s8) _mm256_dpbusd_epi32(acc, u8, s8)
#include "kernels_body.h"

#ifdef __clang__
#pragma clang attribute pop
#endif
#endif
