/* SPDX-License-Identifier: MIT */
/*
 * Every optimized kernel set this build has and this CPU runs, byte-equal
 * to the reference kernels on random cases (tests/support/kernel_diff.h:
 * the cases, the comparison, the harness's self-check), one CMocka test
 * per set and kernel.  tests/cross/kernels_diff_main.c runs the same cases
 * without CMocka, natively and under qemu for the ARM sets.
 *
 * TS_DIFF_SEED=N reruns with another seed; TS_DIFF_CASES=N changes the
 * number of cases per kernel (default 400).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "tinysense/kernels.h"
#include "kernel_diff.h"
#include "cpu_features.h"

/* One test: a set's kernel, run in the shared harness. */
struct diff_test {
	const char *set;
	enum kdiff_kernel kernel;
	struct kdiff *d;
	char name[48];
};

static int cases(void)
{
	const char *env = getenv("TS_DIFF_CASES");

	return env && atoi(env) > 0 ? atoi(env) : KDIFF_DEFAULT_CASES;
}

static uint64_t seed(void)
{
	const char *env = getenv("TS_DIFF_SEED");
	const uint64_t s = env && *env ? strtoull(env, NULL, 10) : KDIFF_DEFAULT_SEED;

	return s ? s : 1;
}

static void test_kernel(void **state)
{
	const struct diff_test *t = *state;

	if (kdiff_run(t->d, ts_kernels_find(t->set), t->kernel, cases(), seed()) != 0)
		fail_msg("%s", kdiff_report(t->d));
}

/* A kernel one byte off must fail the comparison: the harness compares. */
static void test_harness_catches_a_difference(void **state)
{
	const struct diff_test *t = *state;

	if (kdiff_self_check(t->d, seed()) != 0)
		fail_msg("%s", kdiff_report(t->d));
}

#define MAX_TESTS 64

int main(void)
{
	static struct diff_test diffs[MAX_TESTS];
	static struct CMUnitTest tests[MAX_TESTS];
	const uint32_t cpu = cpu_features_probe();
	struct kdiff *d = kdiff_new();
	size_t n = 0;
	const char *set;
	int failed;

	if (!d) {
		fprintf(stderr, "kernels_diff: out of memory\n");
		return 1;
	}
	diffs[n] = (struct diff_test){ .set = "ref", .d = d };
	tests[n] = (struct CMUnitTest){ "harness_catches_a_difference",
					test_harness_catches_a_difference, NULL, NULL, &diffs[n] };
	n++;
	for (size_t i = 1; (set = ts_kernels_name(i)) && n + KDIFF_KERNELS <= MAX_TESTS; i++) {
		if (ts_kernels_check(set, cpu) != TS_OK) {
			printf("kernel set %s: this CPU lacks it, not tested\n", set);
			continue;
		}
		for (int k = 0; k < KDIFF_KERNELS; k++, n++) {
			diffs[n] = (struct diff_test){ .set = set, .kernel = (enum kdiff_kernel)k,
						       .d = d };
			snprintf(diffs[n].name, sizeof(diffs[n].name), "%s_%s", set,
				 kdiff_kernel_name((enum kdiff_kernel)k));
			tests[n] = (struct CMUnitTest){ diffs[n].name, test_kernel, NULL, NULL,
							&diffs[n] };
		}
	}
	failed = _cmocka_run_group_tests("kernels_diff", tests, n, NULL, NULL);
	kdiff_free(d);
	return failed;
}
