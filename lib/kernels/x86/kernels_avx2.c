/* SPDX-License-Identifier: MIT */
/* The avx2 kernels: kernels_body.h compiled for avx2 only (the rest of lib/
 * assumes the x86-64 baseline; the set runs only where cpu_features has it).
 * lib/ is built -ffreestanding (no implicit builtins): small copies here are
 * __builtin_memcpy so that they compile to moves, not calls. */
#include "../arch.h"

#if TS_KERNELS_X86
#include <immintrin.h>
/* Everything below is compiled for the set's instructions (GCC: the
 * pragma; clang, as the fuzzing build uses: the same attribute pushed). */
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC target("avx2")
#endif

#include "vec_avx2.h"

#define X86_ISA avx2
#include "kernels_body.h"

#ifdef __clang__
#pragma clang attribute pop
#endif
#endif
