/* SPDX-License-Identifier: MIT */
/*
 * What this CPU can run, as the TS_CPU_* bits lib/ takes
 * (tinysense/kernels.h), and the kernel set a host tool uses.  lib/ never
 * asks the OS itself: this is the host side's job (cpuid + xgetbv on
 * x86-64, getauxval(AT_HWCAP) on ARM Linux).
 */
#ifndef TS_DAEMON_CPU_FEATURES_H
#define TS_DAEMON_CPU_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/* TS_CPU_* bits of the CPU this process runs on. */
uint32_t cpu_features_probe(void);

/* The set to run: `requested` (a --kernels or TINYSENSE_KERNELS value)
 * when this build has it and this CPU can run it, the fastest this CPU can
 * run when requested is NULL or "".  NULL with a sentence in err (naming
 * what `origin` gave and the sets there are) otherwise. */
/* The returned name is requested itself or a static string. */
const char *kernels_choose(const char *requested, const char *origin, uint32_t cpu_features,
			   char *err, size_t err_size);

#endif
