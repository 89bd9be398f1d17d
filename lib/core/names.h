/* SPDX-License-Identifier: MIT */
/* String equality for preset and kernel-set names (lib/ has no strcmp). */
#ifndef TS_CORE_NAMES_H
#define TS_CORE_NAMES_H

#include <stdbool.h>

static inline bool ts_name_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

#endif /* TS_CORE_NAMES_H */
