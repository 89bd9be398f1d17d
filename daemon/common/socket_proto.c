/* SPDX-License-Identifier: MIT */
/* The socket protocol: names, UTF-8 and lines (protocol in socket_proto.h). */
#include "socket_proto.h"
#include "utf8.h"

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

struct json_object *sp_string(const char *s)
{
	size_t len, out = 0;
	struct json_object *o;
	char *fixed;

	if (!s)
		return NULL;
	len = strlen(s);
	if (!utf8_problem(s, len, NULL))
		return json_object_new_string_len(s, (int)len);
	fixed = malloc(len * 3 + 1);
	if (!fixed)
		return NULL;
	for (size_t i = 0; i < len;) {
		const char *problem;
		size_t n = utf8_char(s + i, len - i, &problem);

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
