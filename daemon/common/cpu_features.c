/* SPDX-License-Identifier: MIT */
#include "cpu_features.h"

#include <stdio.h>
#include <string.h>

#include <tinysense/kernels.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XCR0: the OS saves these register states on a context switch. */
static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

uint32_t cpu_features_probe(void)
{
	const uint64_t ymm = 0x6, zmm = 0xe6; /* XMM|YMM; + opmask, ZMM_Hi256, Hi16_ZMM */
	unsigned a, b, c, d;
	uint32_t f = 0;
	uint64_t xcr0 = 0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (c & bit_SSE4_1)
		f |= TS_CPU_SSE41;
	if ((c & bit_OSXSAVE) && (c & bit_AVX))
		xcr0 = xgetbv0();
	if ((xcr0 & ymm) != ymm || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return f;
	if (b & bit_AVX2)
		f |= TS_CPU_AVX2;
	if ((xcr0 & zmm) == zmm && (b & bit_AVX512F) && (b & bit_AVX512BW) &&
	    (b & bit_AVX512VL) && (c & bit_AVX512VNNI))
		f |= TS_CPU_AVX512VNNI;
	/* AVX-VNNI: leaf 7 subleaf 1, EAX bit 4. */
	if ((f & TS_CPU_AVX2) && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4)))
		f |= TS_CPU_AVXVNNI;
	return f;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif

uint32_t cpu_features_probe(void)
{
	const unsigned long hw = getauxval(AT_HWCAP);
	uint32_t f = TS_CPU_NEON; /* Advanced SIMD is part of ARMv8-A */

	if (hw & HWCAP_ASIMDDP)
		f |= TS_CPU_DOTPROD;
	return f;
}

#elif defined(__arm__) && defined(__linux__)
#include <sys/auxv.h>

#ifndef HWCAP_NEON
#define HWCAP_NEON (1UL << 12)
#endif

uint32_t cpu_features_probe(void)
{
	return (getauxval(AT_HWCAP) & HWCAP_NEON) ? TS_CPU_NEON : 0;
}

#else

uint32_t cpu_features_probe(void)
{
	return 0;
}

#endif

const char *kernels_choose(const char *requested, const char *origin, uint32_t cpu_features,
			   char *err, size_t err_size)
{
	char sets[128] = "";
	size_t used = 0;
	const char *name;
	ts_status st;

	if (!requested || !*requested)
		return ts_kernels_best(cpu_features);
	st = ts_kernels_check(requested, cpu_features);
	if (st == TS_OK)
		return requested;
	for (size_t i = 0; (name = ts_kernels_name(i)) && used < sizeof(sets); i++) {
		if (ts_kernels_check(name, cpu_features) != TS_OK)
			continue;
		int n = snprintf(sets + used, sizeof(sets) - used, "%s%s", used ? ", " : "", name);

		if (n > 0)
			used += (size_t)n;
	}
	snprintf(err, err_size, "%s '%s': %s (this CPU runs: %s)", origin, requested,
		 st == TS_ERR_UNSUPPORTED ? "this CPU lacks the instructions it needs" :
					    "no such kernel set in this build",
		 sets);
	return NULL;
}
