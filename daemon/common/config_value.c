/* SPDX-License-Identifier: MIT */
#include "config_value.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "value_parse.h"

int config_value_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why,
		      size_t why_size)
{
	unsigned long long v;

	if (parse_uint_range(s, min, max, &v)) {
		snprintf(why, why_size, "expected a whole number in %" PRIu64 "..%" PRIu64, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int config_value_int(const char *s, int64_t min, int64_t max, int64_t *out, char *why,
		     size_t why_size)
{
	long long v;

	if (parse_int_range(s, min, max, &v)) {
		snprintf(why, why_size, "expected a whole number in %" PRId64 "..%" PRId64, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int config_value_double(const char *s, double min, double max, double *out, char *why,
			size_t why_size)
{
	if (parse_decimal(s, min, max, out)) {
		snprintf(why, why_size, "expected a decimal number from %.15g to %.15g", min, max);
		return -EINVAL;
	}
	return 0;
}

int config_value_duration(const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out,
			  char *why, size_t why_size)
{
	char lo[32], hi[32];
	uint64_t v;

	if (parse_duration_ns(s, &v, why, why_size))
		return -EINVAL;
	if (v < min_ns || v > max_ns) {
		format_duration(lo, sizeof(lo), min_ns);
		format_duration(hi, sizeof(hi), max_ns);
		if (min_ns)
			snprintf(why, why_size, "expected a duration from %s to %s", lo, hi);
		else
			snprintf(why, why_size, "expected a duration up to %s", hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int config_value_bool(const char *s, bool *out, char *why, size_t why_size)
{
	int b;

	if (parse_bool(s, &b)) {
		snprintf(why, why_size, "expected yes or no (or true/false, on/off, 1/0)");
		return -EINVAL;
	}
	*out = b;
	return 0;
}

int config_value_enum(const char *s, const char *const *names, unsigned *out, char *why,
		      size_t why_size)
{
	size_t len;
	unsigned n = 0;

	if (names && !parse_choice(s, names, out))
		return 0;
	/* "expected a, b or c" */
	snprintf(why, why_size, "expected");
	while (names && names[n])
		n++;
	for (unsigned i = 0; i < n; i++) {
		len = strlen(why);
		snprintf(why + len, why_size - len, "%s%s", i == 0 ? " " : i + 1 == n ? " or " : ", ",
			 names[i]);
	}
	return -EINVAL;
}

int config_value_list(const char *s, char *items, size_t item_size, size_t max_items,
		      size_t *n, char *why, size_t why_size)
{
	size_t count;

	if (parse_list(s, items, item_size, max_items, &count) || !count) {
		snprintf(why, why_size,
			 "expected a comma-separated list of 1 to %zu items of at most %zu characters, none empty",
			 max_items, item_size ? item_size - 1 : 0);
		return -EINVAL;
	}
	*n = count;
	return 0;
}
