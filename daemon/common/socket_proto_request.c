/* SPDX-License-Identifier: MIT */
/* The socket protocol's requests: decoded as the daemon reads them, with
 * every string checked, and encoded as tinysensectl sends them. */
#include "socket_proto.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define JSON_DEPTH 8 /* a request nests no deeper */
#define KEY_SHOWN 32 /* bytes of a key an error message quotes */

static const char *const cmd_names[] = {
	[SP_CMD_LIST] = "list",     [SP_CMD_STATUS] = "status", [SP_CMD_WATCH] = "watch",
	[SP_CMD_UNWATCH] = "unwatch", [SP_CMD_LAST] = "last",
};

#define N_CMDS (sizeof(cmd_names) / sizeof(cmd_names[0]))

const char *sp_cmd_name(enum sp_cmd cmd)
{
	return (size_t)cmd < N_CMDS ? cmd_names[cmd] : "";
}

/* ---- the strings of a request ------------------------------------------------------ */

/* Where the walk is in the request: a stack of containers. */
struct frame {
	bool object;
	bool want_key;        /* object: the next string is a key */
	const char *key;      /* object: the last key, raw */
	size_t key_len, index; /* array: the element's index */
};

struct walk {
	struct frame f[JSON_DEPTH + 1];
	size_t depth;
};

/* "pipelines"[0] (or "the request" at the top). */
static void field_path(const struct walk *w, bool is_key, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < w->depth && len < size; i++) {
		const struct frame *f = &w->f[i];
		bool last = i + 1 == w->depth;

		if (f->object && !(last && is_key) && f->key)
			len += (size_t)snprintf(buf + len, size - len, "%s\"%.*s\"%s",
						len ? "." : "",
						(int)(f->key_len < KEY_SHOWN ? f->key_len : KEY_SHOWN),
						f->key, f->key_len > KEY_SHOWN ? "..." : "");
		else if (!f->object)
			len += (size_t)snprintf(buf + len, size - len, "[%zu]", f->index);
	}
	if (!buf[0])
		snprintf(buf, size, "the request");
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			      c - 'A' + 10);
	}
	return v;
}

/* The string literal at text[*i] (just after its quote): its first problem
 * or NULL; *i ends after the closing quote.  text is JSON json-c accepted. */
static const char *string_problem(const char *text, size_t len, size_t *i)
{
	const char *problem = NULL;

	while (*i < len && text[*i] != '"') {
		if (text[*i] == '\\') {
			if (*i + 1 < len && text[*i + 1] == 'u' && *i + 6 <= len) {
				int c = hex4(text + *i + 2);

				*i += 6;
				if (c == 0)
					problem = problem ? problem : "NUL (\\u0000) inside a string";
				else if (c >= 0xdc00 && c <= 0xdfff)
					problem = problem ? problem : "lone UTF-16 surrogate escape";
				else if (c >= 0xd800 && c <= 0xdbff) {
					if (*i + 6 <= len && text[*i] == '\\' && text[*i + 1] == 'u' &&
					    hex4(text + *i + 2) >= 0xdc00 && hex4(text + *i + 2) <= 0xdfff)
						*i += 6;
					else
						problem = problem ? problem : "lone UTF-16 surrogate escape";
				}
			} else {
				*i += 2;
			}
			continue;
		}
		{
			const char *p = NULL;
			size_t n = utf8_char(text + *i, len - *i, &p);

			if (!n) {
				problem = problem ? problem : p;
				n = 1;
			}
			*i += n;
		}
	}
	(*i)++;
	return problem;
}

/* Every key and string of the request text is valid UTF-8 without NUL;
 * else the error names the field.  text is JSON that json-c accepted, so
 * this only follows its structure. */
static int check_strings(const char *text, size_t len, char err[SP_MESSAGE_LEN])
{
	struct walk w = { .depth = 0 };

	for (size_t i = 0; i < len;) {
		char c = text[i];
		struct frame *top = w.depth ? &w.f[w.depth - 1] : NULL;

		if (c == '{' || c == '[') {
			if (w.depth == JSON_DEPTH + 1)
				return 0; /* json-c refuses deeper */
			w.f[w.depth++] = (struct frame){ .object = c == '{', .want_key = c == '{' };
			i++;
		} else if (c == '}' || c == ']') {
			if (w.depth)
				w.depth--;
			i++;
		} else if (c == ',') {
			if (top && top->object)
				top->want_key = true;
			else if (top)
				top->index++;
			i++;
		} else if (c == '"') {
			bool is_key = top && top->object && top->want_key;
			size_t start = ++i;
			const char *problem = string_problem(text, len, &i);

			if (problem) {
				char path[128];

				field_path(&w, is_key, path, sizeof(path));
				snprintf(err, SP_MESSAGE_LEN, "invalid string in %s%s: %s",
					 is_key ? "a key of " : "", path, problem);
				return -EINVAL;
			}
			if (is_key) {
				top->key = text + start;
				top->key_len = i - 1 - start;
				top->want_key = false;
			}
		} else {
			i++;
		}
	}
	return 0;
}

/* ---- requests ----------------------------------------------------------------------- */

struct sp_decoder {
	json_tokener *tok;
	char line[SOCKET_MAX_LINE + 1];
};

struct sp_decoder *sp_decoder_new(void)
{
	struct sp_decoder *dec = calloc(1, sizeof(*dec));

	if (dec)
		dec->tok = json_tokener_new_ex(JSON_DEPTH);
	if (!dec || !dec->tok) {
		sp_decoder_free(dec);
		return NULL;
	}
	json_tokener_set_flags(dec->tok, JSON_TOKENER_STRICT);
	return dec;
}

void sp_decoder_free(struct sp_decoder *dec)
{
	if (!dec)
		return;
	if (dec->tok)
		json_tokener_free(dec->tok);
	free(dec);
}

static int fail(char err[SP_MESSAGE_LEN], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char err[SP_MESSAGE_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, SP_MESSAGE_LEN, fmt, ap);
	va_end(ap);
	return SP_INVALID;
}

/* A pipeline name of the request into out[PC_NAME_LEN]. */
static int copy_name(struct json_object *v, char *out, const char *cmd, const char *field,
		     char err[SP_MESSAGE_LEN])
{
	size_t len = (size_t)json_object_get_string_len(v);

	if (len >= PC_NAME_LEN)
		return fail(err, "%s: \"%s\": a pipeline name is at most %d bytes", cmd, field,
			    PC_NAME_LEN - 1);
	memcpy(out, json_object_get_string(v), len + 1);
	return 0;
}

static int decode_watch(struct json_object *o, struct sp_request *req, char err[SP_MESSAGE_LEN])
{
	struct json_object *names = NULL, *scores = NULL;

	json_object_object_get_ex(o, "pipelines", &names);
	json_object_object_get_ex(o, "scores", &scores);
	if (scores && !json_object_is_type(scores, json_type_boolean))
		return fail(err, "watch: \"scores\" must be true or false");
	if (names && !json_object_is_type(names, json_type_array))
		return fail(err, "watch: \"pipelines\" must be an array of names");
	req->scores = scores && json_object_get_boolean(scores);
	req->all = !names;
	if (!names)
		return 0;
	req->n_pipelines = json_object_array_length(names);
	if (req->n_pipelines > SP_MAX_WATCH)
		return fail(err, "watch: more than %d pipelines", SP_MAX_WATCH);
	for (size_t i = 0; i < req->n_pipelines; i++) {
		struct json_object *v = json_object_array_get_idx(names, i);

		if (!json_object_is_type(v, json_type_string))
			return fail(err, "watch: \"pipelines\" must be an array of names");
		if (copy_name(v, req->pipelines[i], "watch", "pipelines", err))
			return SP_INVALID;
	}
	return 0;
}

static int decode_last(struct json_object *o, struct sp_request *req, char err[SP_MESSAGE_LEN])
{
	struct json_object *name = NULL, *n = NULL;

	json_object_object_get_ex(o, "pipeline", &name);
	json_object_object_get_ex(o, "n", &n);
	if (!name || !json_object_is_type(name, json_type_string))
		return fail(err, "last: \"pipeline\" must be a pipeline name");
	req->n = SOCKET_HISTORY;
	if (n) {
		/* json-c keeps integers beyond INT64_MAX as unsigned: the
		 * int64 of those is INT64_MAX */
		if (!json_object_is_type(n, json_type_int) || json_object_get_int64(n) < 1)
			return fail(err, "last: \"n\" must be a positive integer");
		req->n = json_object_get_uint64(n);
	}
	return copy_name(name, req->pipeline, "last", "pipeline", err);
}

static int decode_object(struct json_object *o, struct sp_request *req, char err[SP_MESSAGE_LEN])
{
	struct json_object *cmd;
	const char *name;
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, "request is not a JSON object");
	if (!json_object_object_get_ex(o, "cmd", &cmd) || !json_object_is_type(cmd, json_type_string))
		return fail(err, "request has no \"cmd\" string");
	name = json_object_get_string(cmd);
	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(name, cmd_names[i]))
			break;
	if (i == N_CMDS)
		return fail(err, "unknown command '%.64s' (known: list, status, watch, unwatch, last)",
			    name);
	req->cmd = (enum sp_cmd)i;
	if (req->cmd == SP_CMD_WATCH)
		return decode_watch(o, req, err);
	if (req->cmd == SP_CMD_LAST)
		return decode_last(o, req, err);
	return 0;
}

enum sp_decode_result sp_request_decode(struct sp_decoder *dec, const char *line, size_t len,
					struct sp_request *req, char err[SP_MESSAGE_LEN])
{
	enum json_tokener_error jerr;
	struct json_object *o;
	int r;

	memset(req, 0, sizeof(*req));
	err[0] = '\0';
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (!len)
		return SP_EMPTY;
	if (len > SOCKET_MAX_LINE)
		return fail(err, "request line longer than %d bytes", SOCKET_MAX_LINE);
	if (memchr(line, '\0', len))
		return fail(err, "malformed JSON: NUL byte in request");
	memcpy(dec->line, line, len);
	dec->line[len] = '\0';
	json_tokener_reset(dec->tok);
	o = json_tokener_parse_ex(dec->tok, dec->line, (int)len + 1);
	jerr = json_tokener_get_error(dec->tok);
	if (jerr != json_tokener_success) {
		json_object_put(o);
		return fail(err, "malformed JSON: %s", json_tokener_error_desc(jerr));
	}
	r = check_strings(dec->line, len, err);
	if (!r)
		r = decode_object(o, req, err);
	json_object_put(o);
	if (r)
		memset(req, 0, sizeof(*req));
	return r ? SP_INVALID : SP_DECODED;
}

struct json_object *sp_request_encode(const struct sp_request *req)
{
	struct json_object *o = json_object_new_object(), *list;

	if (!o)
		return NULL;
	json_object_object_add(o, "cmd", json_object_new_string(sp_cmd_name(req->cmd)));
	if (req->cmd == SP_CMD_WATCH) {
		if (!req->all) {
			list = json_object_new_array();
			for (size_t i = 0; list && i < req->n_pipelines; i++)
				json_object_array_add(list, json_object_new_string(req->pipelines[i]));
			json_object_object_add(o, "pipelines", list);
		}
		if (req->scores)
			json_object_object_add(o, "scores", json_object_new_boolean(1));
	} else if (req->cmd == SP_CMD_LAST) {
		json_object_object_add(o, "pipeline", json_object_new_string(req->pipeline));
		json_object_object_add(o, "n", json_object_new_uint64(req->n));
	}
	return o;
}
