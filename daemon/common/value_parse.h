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

/* "1000ms", "1s", "250 ms", "2min", "500us", "0" -> nanoseconds. */
int parse_duration_ns(const char *s, uint64_t *out);

/* Decimal integer in [min, max]. */
int parse_int_range(const char *s, long long min, long long max, long long *out);

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
