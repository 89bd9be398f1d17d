/* SPDX-License-Identifier: MIT */
/*
 * A configuration value read as a typed setting, with the sentence a user
 * sees when it is wrong: what plugin_source.c's typed getters (the plugin
 * ABI's config_uint ... config_list) and the plugins' fake test host both
 * say, after "FILE:LINE: [Section] Key=value: ".  Parsing is value_parse.c's.
 * Each returns 0, or -EINVAL with why set (why may not be NULL).
 */
#ifndef TS_DAEMON_CONFIG_VALUE_H
#define TS_DAEMON_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_WHY_MAX 256

int config_value_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why,
		      size_t why_size);
int config_value_int(const char *s, int64_t min, int64_t max, int64_t *out, char *why,
		     size_t why_size);
int config_value_double(const char *s, double min, double max, double *out, char *why,
			size_t why_size);
/* Nanoseconds in [min_ns, max_ns]. */
int config_value_duration(const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out,
			  char *why, size_t why_size);
int config_value_bool(const char *s, bool *out, char *why, size_t why_size);
/* The index of s in names (NULL-terminated), case-insensitive. */
int config_value_enum(const char *s, const char *const *names, unsigned *out, char *why,
		      size_t why_size);
/* "a, b,c": at most max_items items copied into items[][item_size],
 * trimmed; empty items, an empty list and items that do not fit are
 * errors. */
int config_value_list(const char *s, char *items, size_t item_size, size_t max_items,
		      size_t *n, char *why, size_t why_size);

#endif
