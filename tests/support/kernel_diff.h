/* SPDX-License-Identifier: MIT */
/*
 * Randomized differential test of a kernel set against the reference
 * kernels: the case generator and the comparison, shared by the CMocka
 * front-end (tests/unit/test_kernels_diff.c, `make test`) and the
 * dependency-free runner that is cross-built and run under qemu
 * (tests/cross/kernels_diff_main.c, `make check-cross`).
 *
 * Each kernel gets its own random cases: conv (shapes, strides, paddings,
 * dilations, filter groups, 1x1, tall audio and large filters, more taps
 * than a kernel's scratch), depthwise (depth multipliers, one input channel
 * with many outputs, more channels than a kernel's block), fully connected
 * (filter offsets, per-channel), average and max pooling (windows larger
 * than 256 cells), add and sub (flat and broadcast); all with random zero
 * points, per-channel multipliers and shifts (rounding ties, extreme
 * shifts), activation ranges, with and without bias, inputs sometimes only
 * -128 and 127.  A set's prepare hook makes the kernel's params from a
 * fresh arena, given the filter as a constant or not (NULL), as the
 * interpreter does.  Every output byte and 64 bytes past the output must
 * equal the reference's.
 */
#ifndef TS_TEST_KERNEL_DIFF_H
#define TS_TEST_KERNEL_DIFF_H

#include <stdint.h>

#include "kernels/kernels.h"

/* The kernels compared, in the order the front-ends run them. */
enum kdiff_kernel {
	KDIFF_CONV,
	KDIFF_DWCONV,
	KDIFF_FC,
	KDIFF_AVGPOOL,
	KDIFF_MAXPOOL,
	KDIFF_ADD,
	KDIFF_KERNELS
};

#define KDIFF_DEFAULT_CASES 400
#define KDIFF_DEFAULT_SEED 0x7e57c0de5eedULL

/* "conv", "dwconv", "fc", "avgpool", "maxpool", "add". */
const char *kdiff_kernel_name(enum kdiff_kernel k);

/* A run's random generator, buffers and arena (several MB: on the heap).
 * NULL when out of memory. */
struct kdiff *kdiff_new(void);
void kdiff_free(struct kdiff *d);

/* `cases` random cases of kernel k of set, the generator seeded with seed
 * (> 0): 0 when every output equals ref's; -1 at the first that does not,
 * described by kdiff_report (the set, kernel, case, first differing byte,
 * the case's parameters and the seed). */
int kdiff_run(struct kdiff *d, const ts_kernel_table *set, enum kdiff_kernel k, int cases,
	      uint64_t seed);
const char *kdiff_report(const struct kdiff *d);

/* The harness itself: for every kernel, ref with that kernel's last output
 * byte wrong, and ref's conv writing one byte past its output, must each be
 * caught.  0 when they are; else -1 and kdiff_report says which was not. */
int kdiff_self_check(struct kdiff *d, uint64_t seed);

/* On a build with NEON kernels (run it only where the CPU has NEON): the
 * NEON requantization primitives (lib/kernels/neon/neon_common.h) lane for
 * lane equal to the scalar ones on edge values, for every multiplier range
 * and every shift.  The number of values checked; 0 in a build without
 * NEON; -1 at a mismatch, described by kdiff_report. */
long kdiff_neon_requant(struct kdiff *d);

#endif
