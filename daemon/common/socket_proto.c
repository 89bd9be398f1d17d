/* SPDX-License-Identifier: MIT */
/* The socket protocol: names, UTF-8 and lines (protocol in socket_proto.h). */
#include "socket_proto.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *const class_names[] = {
	[SP_VERSION] = "VERSION",     [SP_PIPELINES] = "PIPELINES", [SP_STATUS] = "STATUS",
	[SP_WATCH] = "WATCH",         [SP_LAST] = "LAST",           [SP_DETECTION] = "DETECTION",
	[SP_SCORES] = "SCORES",       [SP_STATE] = "STATE",         [SP_CONFIG] = "CONFIG",
	[SP_DROPPED] = "DROPPED",     [SP_ERROR] = "ERROR",
};

#define N_CLASSES (sizeof(class_names) / sizeof(class_names[0]))

const char *sp_class_name(enum sp_class cls)
{
	return (size_t)cls < N_CLASSES ? class_names[cls] : "";
}

/* ---- UTF-8 ------------------------------------------------------------------------ */

size_t sp_utf8_char(const char *c, size_t len, const char **problem)
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

const char *sp_utf8_problem(const char *s, size_t len, size_t *at)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *problem = NULL;

	for (size_t i = 0; i < len;) {
		size_t n = u[i] ? sp_utf8_char(s + i, len - i, &problem) : 0;

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

struct json_object *sp_string(const char *s)
{
	size_t len, out = 0;
	struct json_object *o;
	char *fixed;

	if (!s)
		return NULL;
	len = strlen(s);
	if (!sp_utf8_problem(s, len, NULL))
		return json_object_new_string_len(s, (int)len);
	fixed = malloc(len * 3 + 1);
	if (!fixed)
		return NULL;
	for (size_t i = 0; i < len;) {
		const char *problem;
		size_t n = sp_utf8_char(s + i, len - i, &problem);

		if (n) {
			memcpy(fixed + out, s + i, n);
			out += n;
			i += n;
		} else {
			memcpy(fixed + out, "\xef\xbf\xbd", 3); /* U+FFFD */
			out += 3;
			i++;
		}
	}
	o = json_object_new_string_len(fixed, (int)out);
	free(fixed);
	return o;
}

const char *sp_line(struct json_object *o, size_t *len)
{
	return json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, len);
}
