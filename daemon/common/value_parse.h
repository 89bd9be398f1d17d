/* SPDX-License-Identifier: MIT */
/*
 * Parsers for configuration values: decimal fractions to fixed point (no
 * floating point, so "0.8" means the same on every machine), durations
 * with units, integers with ranges, and comma-separated lists.
 * Each returns 0 or -EINVAL; outputs are meaningful only on success.
 */
#ifndef TS_DAEMON_VALUE_PARSE_H
#define TS_DAEMON_VALUE_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* "0.8", "1", ".25", "0.8125" in [min_q, max_q] -> value * 2^frac_bits,
 * rounded to nearest (ties up). */
int parse_fixed(const char *s, unsigned frac_bits, int64_t min_q, int64_t max_q,
		int64_t *out);

/*
 * A duration -> nanoseconds, in integers: a decimal number with an optional
 * fraction, optional spaces, then a unit: us, ms, s, min or h ("1000ms",
 * "1.5s", "0.25 s", "2min", "6h").  "0" alone needs no unit; any other bare
 * number is an error.  Values that overflow 64 bits or are not a whole
 * number of nanoseconds are errors.  When why is not NULL it receives what
 * is wrong, for a user after the value ("a duration needs a unit, such as
 * 250ms or 250s").
 */
int parse_duration_ns(const char *s, uint64_t *out, char *why, size_t why_size);

/* ns as a user writes it: "0", "250ms", "10s", "1h", else "1.5s". */
void format_duration(char *buf, size_t size, uint64_t ns);

/* Decimal integer in [min, max]. */
int parse_int_range(const char *s, long long min, long long max, long long *out);

/* Decimal integer without a sign in [min, max], up to UINT64_MAX. */
int parse_uint_range(const char *s, unsigned long long min, unsigned long long max,
		     unsigned long long *out);

/* A decimal number as parse_fixed reads it ("12.5", "-3", ".25"; no
 * exponent, no inf or nan) in [min, max], as the nearest double. */
int parse_decimal(const char *s, double min, double max, double *out);

/* The index of s (trimmed, case-insensitive) in names, a NULL-terminated
 * list. */
int parse_choice(const char *s, const char *const *names, unsigned *out);

/* "yes", "true", "on", "1" / "no", "false", "off", "0". */
int parse_bool(const char *s, int *out);

/*
 * Splits "a, b,c" into at most max items copied into out[][item_size],
 * trimming spaces; empty items are an error.  *n receives the count.
 */
int parse_list(const char *s, char *out, size_t item_size, size_t max, size_t *n);

/* Copies s trimmed of leading and trailing whitespace; -EINVAL if it does
 * not fit. */
int copy_trimmed(char *dst, size_t size, const char *s);

#endif
