/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 as the daemon's outside world wants it: D-Bus refuses a string that
 * is not valid UTF-8 (and fails the whole message), JSON must be valid
 * UTF-8.  Valid means RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF.
 */
#ifndef TS_DAEMON_UTF8_H
#define TS_DAEMON_UTF8_H

#include <stddef.h>

/* The length of the valid UTF-8 character at s[0..len), len > 0 (NUL
 * counts as one), or 0 with *problem set. */
size_t utf8_char(const char *s, size_t len, const char **problem);

/* The first problem of s[0..len) (invalid byte, overlong form, surrogate,
 * above U+10FFFF, NUL inside); NULL when it is valid.  *at (if not NULL):
 * where. */
const char *utf8_problem(const char *s, size_t len, size_t *at);

/* Copies src into dst[size] with every byte that is not part of valid
 * UTF-8 replaced by U+FFFD, cut at a character boundary to fit; always
 * NUL-terminated (size > 0).  Returns dst. */
char *utf8_sanitize(char *dst, size_t size, const char *src);

#endif
