/* SPDX-License-Identifier: MIT */
/* The AVX-VNNI kernels (VEX VPDPBUSD on 256-bit vectors, Intel gateway
 * CPUs since Alder Lake): kernels_body.h compiled for AVX2 + AVX-VNNI, the
 * convolutions' and fully connected layers' products with VPDPBUSD. */
#include "../arch.h"

#if TS_KERNELS_X86
#include <immintrin.h>
/* Everything below is compiled for the set's instructions (GCC: the
 * pragma; clang, as the fuzzing build uses: the same attribute pushed). */
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,avxvnni"))), apply_to = function)
#else
#pragma GCC target("avx2,avxvnni")
#endif

#include "vec_avx2.h"

#define X86_ISA avxvnni
#define X86_DPBUSD(acc, u8, s8) _mm256_dpbusd_avx_epi32(acc, u8, s8)
#include "kernels_body.h"

#ifdef __clang__
#pragma clang attribute pop
#endif
#endif
