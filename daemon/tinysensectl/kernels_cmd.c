/* SPDX-License-Identifier: MIT */
/* tinysensectl kernels: the kernel sets of this build and whether this CPU
 * runs them, one per line ("NAME yes|no", the default marked "best"). */
#include <stdio.h>
#include <string.h>

#include <tinysense/kernels.h>

#include "commands.h"
#include "cpu_features.h"

int cmd_kernels(int argc, char **argv)
{
	const uint32_t cpu = cpu_features_probe();
	const char *best = ts_kernels_best(cpu);
	const char *name;

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "tinysensectl: kernels takes no arguments\n");
		return 2;
	}
	for (size_t i = 0; (name = ts_kernels_name(i)); i++)
		printf("%s %s%s\n", name, ts_kernels_check(name, cpu) == TS_OK ? "yes" : "no",
		       strcmp(name, best) == 0 ? " best" : "");
	return 0;
}
