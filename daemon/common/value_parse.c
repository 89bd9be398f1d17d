/* SPDX-License-Identifier: MIT */
#include "value_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

int copy_trimmed(char *dst, size_t size, const char *s)
{
	const char *end;
	size_t len;

	s = skip_space(s);
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - s);
	if (len + 1 > size)
		return -EINVAL;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

int parse_fixed(const char *s, unsigned frac_bits, int64_t min_q, int64_t max_q,
		int64_t *out)
{
	/* value = (whole * 10^9 + nano) / 10^9, all in integers. */
	const int64_t giga = 1000000000;
	int64_t whole = 0, nano = 0, scale = giga / 10, q, limit;
	int negative = 0, digits = 0;

	if (frac_bits > 30)
		return -EINVAL;
	/* (whole + 1) * 10^9 * 2^frac_bits must fit in int64_t. */
	limit = INT64_MAX / (giga * ((int64_t)1 << frac_bits)) - 1;
	s = skip_space(s);
	if (*s == '-' || *s == '+')
		negative = *s++ == '-';
	while (isdigit((unsigned char)*s)) {
		whole = whole * 10 + (*s++ - '0');
		if (whole > limit)
			return -EINVAL;
		digits++;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			if (scale > 0)
				nano += (*s - '0') * scale;
			scale /= 10;
			s++;
			digits++;
		}
	}
	s = skip_space(s);
	if (!digits || *s)
		return -EINVAL;
	q = ((whole * giga + nano) * ((int64_t)1 << frac_bits) + giga / 2) / giga;
	if (negative)
		q = -q;
	if (q < min_q || q > max_q)
		return -EINVAL;
	*out = q;
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
		{ "sec", 1000000000 }, { "min", 60000000000ull }, { "h", 3600000000000ull },
	};
	char *end;
	unsigned long long v;
	const char *unit;

	s = skip_space(s);
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	unit = skip_space(end);
	if (!*unit) {
		if (v != 0)
			return -EINVAL; /* a unit is required, except for 0 */
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t len = strlen(units[i].unit);

		if (strncmp(unit, units[i].unit, len) == 0 && !*skip_space(unit + len)) {
			if (v > UINT64_MAX / units[i].ns)
				return -EINVAL;
			*out = v * units[i].ns;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_int_range(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	s = skip_space(s);
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *skip_space(end) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	char v[8];

	if (copy_trimmed(v, sizeof(v), s))
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_list(const char *s, char *out, size_t item_size, size_t max, size_t *n)
{
	size_t count = 0;

	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char item[256];

		if (count == max || len >= sizeof(item))
			return -EINVAL;
		memcpy(item, s, len);
		item[len] = '\0';
		if (copy_trimmed(out + count * item_size, item_size, item) ||
		    !out[count * item_size])
			return -EINVAL;
		count++;
		if (!comma)
			break;
		s = comma + 1;
		if (!*skip_space(s))
			return -EINVAL; /* trailing comma */
	}
	*n = count;
	return 0;
}
