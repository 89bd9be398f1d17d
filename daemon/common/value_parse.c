/* SPDX-License-Identifier: MIT */
#include "value_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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

/* A unit of parse_duration_ns: ns = m * 10^e, so that a fraction is exact
 * in 64-bit integers (m * fraction < 36 * 10^15). */
static const struct duration_unit {
	const char *name;
	uint64_t m;
	unsigned e;
} duration_units[] = {
	{ "us", 1, 3 }, { "ms", 1, 6 }, { "s", 1, 9 }, { "min", 6, 10 }, { "h", 36, 11 },
};

#define FRACTION_DIGITS_MAX 15

static uint64_t pow10_u64(unsigned e)
{
	uint64_t p = 1;

	while (e--)
		p *= 10;
	return p;
}

static void say(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!why || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

int parse_duration_ns(const char *s, uint64_t *out, char *why, size_t why_size)
{
	const char *p = skip_space(s), *number = p, *unit;
	uint64_t whole = 0, frac = 0, ns;
	unsigned frac_digits = 0, zeros = 0;
	int digits = 0;
	size_t number_len, unit_len;

	if (*p == '-') {
		say(why, why_size, "a duration cannot be negative");
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (whole > (UINT64_MAX - 9) / 10) {
			say(why, why_size, "too long: durations end at about 584 years");
			return -EINVAL;
		}
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		/* Trailing zeros are counted, not stored: "1.500000000000000000s". */
		for (p++; isdigit((unsigned char)*p); p++, digits++) {
			if (*p == '0') {
				zeros++;
				continue;
			}
			if (frac_digits + zeros + 1 > FRACTION_DIGITS_MAX) {
				say(why, why_size, "more precise than a nanosecond");
				return -EINVAL;
			}
			frac = frac * pow10_u64(zeros + 1) + (uint64_t)(*p - '0');
			frac_digits += zeros + 1;
			zeros = 0;
		}
	}
	if (!digits) {
		say(why, why_size, "expected a duration such as 250ms or 1.5s (units: us, ms, s, min, h)");
		return -EINVAL;
	}
	number_len = (size_t)(p - number);
	unit = skip_space(p);
	for (unit_len = 0; unit[unit_len] && !isspace((unsigned char)unit[unit_len]); unit_len++)
		;
	if (*skip_space(unit + unit_len)) {
		say(why, why_size, "expected a number and one unit, such as 250ms or 1.5s");
		return -EINVAL;
	}
	if (!unit_len) {
		if (whole || frac) {
			say(why, why_size, "a duration needs a unit, such as %.*sms or %.*ss",
			    (int)number_len, number, (int)number_len, number);
			return -EINVAL;
		}
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		const struct duration_unit *u = &duration_units[i];
		const uint64_t unit_ns = u->m * pow10_u64(u->e);
		uint64_t part;

		if (strlen(u->name) != unit_len || strncmp(unit, u->name, unit_len))
			continue;
		if (whole > UINT64_MAX / unit_ns) {
			say(why, why_size, "too long: durations end at about 584 years");
			return -EINVAL;
		}
		ns = whole * unit_ns;
		/* frac / 10^frac_digits of the unit: frac * m * 10^(e - digits). */
		part = frac * u->m;
		if (frac_digits > u->e) {
			const uint64_t div = pow10_u64(frac_digits - u->e);

			if (part % div) {
				say(why, why_size, "more precise than a nanosecond");
				return -EINVAL;
			}
			part /= div;
		} else {
			part *= pow10_u64(u->e - frac_digits); /* < 3.6 * 10^12 */
		}
		if (part > UINT64_MAX - ns) {
			say(why, why_size, "too long: durations end at about 584 years");
			return -EINVAL;
		}
		*out = ns + part;
		return 0;
	}
	say(why, why_size, "unknown unit '%.*s' (units: us, ms, s, min, h)", (int)unit_len, unit);
	return -EINVAL;
}

void format_duration(char *buf, size_t size, uint64_t ns)
{
	if (!ns) {
		snprintf(buf, size, "0");
		return;
	}
	for (size_t i = sizeof(duration_units) / sizeof(duration_units[0]); i-- > 0;) {
		const struct duration_unit *u = &duration_units[i];
		const uint64_t unit_ns = u->m * pow10_u64(u->e);

		if (ns % unit_ns == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(ns / unit_ns), u->name);
			return;
		}
	}
	/* Not a whole number of microseconds: seconds with their fraction. */
	{
		char frac[16];
		size_t len;

		snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ull));
		len = strlen(frac);
		while (len && frac[len - 1] == '0')
			frac[--len] = '\0';
		snprintf(buf, size, "%llu.%ss", (unsigned long long)(ns / 1000000000ull), frac);
	}
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

int parse_uint_range(const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out)
{
	char *end;
	unsigned long long v;

	s = skip_space(s);
	if (!isdigit((unsigned char)*s)) /* no sign: strtoull takes "-1" as a huge number */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *skip_space(end) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_decimal(const char *s, double min, double max, double *out)
{
	char text[64];
	const char *p;
	int digits = 0;
	size_t len;
	double v;

	s = skip_space(s);
	p = s;
	if (*p == '-' || *p == '+')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	len = (size_t)(p - s);
	if (!digits || *skip_space(p) || len >= sizeof(text))
		return -EINVAL;
	/* The syntax is checked: strtod only converts (correctly rounded). */
	memcpy(text, s, len);
	text[len] = '\0';
	v = strtod(text, NULL);
	if (!(v >= min && v <= max))
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_choice(const char *s, const char *const *names, unsigned *out)
{
	char v[64];

	if (!names || copy_trimmed(v, sizeof(v), s))
		return -EINVAL;
	for (unsigned i = 0; names[i]; i++)
		if (strcasecmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -EINVAL;
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
