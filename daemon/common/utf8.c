/* SPDX-License-Identifier: MIT */
/* utf8.h: checking and repairing UTF-8 (RFC 3629). */
#include "utf8.h"

#include <string.h>

size_t utf8_char(const char *c, size_t len, const char **problem)
{
	const unsigned char *s = (const unsigned char *)c;
	unsigned char b = s[0];
	size_t n;

	if (b < 0x80)
		return 1;
	if (b == 0xc0 || b == 0xc1) {
		*problem = "overlong UTF-8 encoding";
		return 0;
	}
	if (b < 0xc0) {
		*problem = "invalid UTF-8 byte (a continuation byte alone)";
		return 0;
	}
	if (b > 0xf7) {
		*problem = "invalid UTF-8 byte";
		return 0;
	}
	n = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
	for (size_t i = 1; i < n; i++) {
		if (i >= len || (s[i] & 0xc0) != 0x80) {
			*problem = "truncated UTF-8 sequence";
			return 0;
		}
	}
	if ((b == 0xe0 && s[1] < 0xa0) || (b == 0xf0 && s[1] < 0x90)) {
		*problem = "overlong UTF-8 encoding";
		return 0;
	}
	if (b == 0xed && s[1] >= 0xa0) {
		*problem = "UTF-16 surrogate encoded in UTF-8";
		return 0;
	}
	if (b > 0xf4 || (b == 0xf4 && s[1] >= 0x90)) {
		*problem = "code point above U+10FFFF";
		return 0;
	}
	return n;
}

const char *utf8_problem(const char *s, size_t len, size_t *at)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *problem = NULL;

	for (size_t i = 0; i < len;) {
		size_t n = u[i] ? utf8_char(s + i, len - i, &problem) : 0;

		if (!u[i])
			problem = "NUL (\\u0000) inside a string";
		if (!n) {
			if (at)
				*at = i;
			return problem;
		}
		i += n;
	}
	return NULL;
}

char *utf8_sanitize(char *dst, size_t size, const char *src)
{
	const size_t len = strlen(src);
	size_t out = 0;

	for (size_t i = 0; i < len;) {
		const char *problem;
		size_t n = utf8_char(src + i, len - i, &problem);
		const char *bytes = n ? src + i : "\xef\xbf\xbd"; /* U+FFFD */
		const size_t take = n ? n : 3;

		if (out + take >= size)
			break; /* cut at a character boundary */
		memcpy(dst + out, bytes, take);
		out += take;
		i += n ? n : 1;
	}
	if (size)
		dst[out] = '\0';
	return dst;
}
