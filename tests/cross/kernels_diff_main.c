/* SPDX-License-Identifier: MIT */
/*
 * Randomized differential test of the kernel sets, dependency-free (no
 * CMocka) so that it is cross-built and run under qemu-user like the
 * conformance runner:
 *
 *   kernels_diff_main [CASES [SEED]]
 *
 * Every optimized kernel set this build has and this CPU runs (the host's
 * probe, daemon/common/cpu_features.c) is compared byte for byte with the
 * reference kernels on CASES random cases per kernel (default 400), the
 * cases of tests/support/kernel_diff.h, which tests/unit/test_kernels_diff.c
 * runs under CMocka.  Before that, deliberately wrong kernels must be
 * caught, and on a CPU with NEON the NEON requantization primitives must
 * equal the scalar ones on edge values for every shift.
 *
 * Prints one line per set and kernel, and for a failing kernel its first
 * mismatching case with the parameters and the seed that reproduce it;
 * exits 1 when any kernel failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tinysense/kernels.h"
#include "kernel_diff.h"
#include "cpu_features.h"

/* Every case of every kernel of one set; the number of failed kernels. */
static int run_set(struct kdiff *d, const char *name, int cases, uint64_t seed)
{
	const ts_kernel_table *set = ts_kernels_find(name);
	int failed = 0;

	for (int k = 0; k < KDIFF_KERNELS; k++) {
		const char *kernel = kdiff_kernel_name((enum kdiff_kernel)k);

		if (kdiff_run(d, set, (enum kdiff_kernel)k, cases, seed) != 0) {
			printf("%s\n%s %s: FAIL (reproduce: kernels_diff_main %d %llu)\n",
			       kdiff_report(d), name, kernel, cases, (unsigned long long)seed);
			failed++;
			continue;
		}
		printf("%s %s: %d random cases byte-equal to ref\n", name, kernel, cases);
	}
	return failed;
}

int main(int argc, char **argv)
{
	const int cases = argc > 1 ? atoi(argv[1]) : KDIFF_DEFAULT_CASES;
	const uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : KDIFF_DEFAULT_SEED;
	const uint32_t cpu = cpu_features_probe();
	int failed = 0, sets = 0;
	struct kdiff *d;
	const char *name;

	if (cases <= 0 || seed == 0) {
		fprintf(stderr, "usage: %s [CASES [SEED]] (both > 0)\n", argv[0]);
		return 2;
	}
	d = kdiff_new();
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 1;
	}
	if (kdiff_self_check(d, seed) != 0) {
		printf("FAIL: %s\n", kdiff_report(d));
		kdiff_free(d);
		return 1;
	}
	printf("self-check: kernels with one wrong output byte, or one past the output, are "
	       "caught\n");
	if (cpu & TS_CPU_NEON) {
		const long checked = kdiff_neon_requant(d);

		if (checked < 0) {
			printf("%s\n", kdiff_report(d));
			failed++;
		} else if (checked > 0) {
			printf("neon requantization: %ld values, multipliers and shifts equal to "
			       "the reference\n", checked);
		}
	}
	for (size_t i = 1; (name = ts_kernels_name(i)); i++) {
		if (ts_kernels_check(name, cpu) != TS_OK) {
			printf("%s: not run by this CPU, skipped\n", name);
			continue;
		}
		sets++;
		failed += run_set(d, name, cases, seed);
	}
	kdiff_free(d);
	printf("%s: %d optimized kernel sets, %d failed kernels (seed %llu)\n",
	       failed ? "FAIL" : "PASS", sets, failed, (unsigned long long)seed);
	return failed ? 1 : 0;
}
