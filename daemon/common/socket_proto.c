/* SPDX-License-Identifier: MIT */
/* The socket protocol without I/O (protocol in socket_proto.h). */
#include "socket_proto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#define JSON_DEPTH 8 /* a request nests no deeper */
#define KEY_SHOWN 32 /* bytes of a key an error message quotes */

static const char *const cmd_names[] = {
	[SP_CMD_LIST] = "list",     [SP_CMD_STATUS] = "status", [SP_CMD_WATCH] = "watch",
	[SP_CMD_UNWATCH] = "unwatch", [SP_CMD_LAST] = "last",
};

static const char *const class_names[] = {
	[SP_VERSION] = "VERSION",     [SP_PIPELINES] = "PIPELINES", [SP_STATUS] = "STATUS",
	[SP_WATCH] = "WATCH",         [SP_LAST] = "LAST",           [SP_DETECTION] = "DETECTION",
	[SP_SCORES] = "SCORES",       [SP_STATE] = "STATE",         [SP_CONFIG] = "CONFIG",
	[SP_DROPPED] = "DROPPED",     [SP_ERROR] = "ERROR",
};

#define N_CMDS (sizeof(cmd_names) / sizeof(cmd_names[0]))
#define N_CLASSES (sizeof(class_names) / sizeof(class_names[0]))

const char *sp_cmd_name(enum sp_cmd cmd)
{
	return (size_t)cmd < N_CMDS ? cmd_names[cmd] : "";
}

const char *sp_class_name(enum sp_class cls)
{
	return (size_t)cls < N_CLASSES ? class_names[cls] : "";
}

/* ---- UTF-8 ------------------------------------------------------------------------ */

/* The length of the valid UTF-8 sequence at s (NUL is one), or 0 with
 * *problem set. */
static size_t utf8_seq(const unsigned char *s, size_t len, const char **problem)
{
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
		size_t n = u[i] ? utf8_seq(u + i, len - i, &problem) : 0;

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
	const unsigned char *u = (const unsigned char *)s;
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
		size_t n = utf8_seq(u + i, len - i, &problem);

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
	const unsigned char *u = (const unsigned char *)text;
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
			size_t n = utf8_seq(u + *i, len - *i, &p);

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

/* ---- replies and events -------------------------------------------------------------- */

static struct json_object *new_class(enum sp_class cls)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "class", json_object_new_string(class_names[cls]));
	return o;
}

/* Q15 score as a number with three decimals, e.g. 0.970. */
static struct json_object *json_score(uint16_t q15)
{
	char text[16];
	double v = (double)q15 / PC_SCORE_ONE;

	snprintf(text, sizeof(text), "%.3f", v);
	return json_object_new_double_s(v, text);
}

/* RFC 3339 UTC with microseconds: 2026-11-22T04:20:31.123456Z */
static struct json_object *json_time(uint64_t realtime_us)
{
	char text[64];
	time_t sec = (time_t)(realtime_us / 1000000);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&sec, &tm))
		return NULL;
	n = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(text + n, sizeof(text) - n, ".%06uZ", (unsigned)(realtime_us % 1000000));
	return json_object_new_string(text);
}

static struct json_object *detection_fields(struct json_object *o, const struct sp_detection *d)
{
	json_object_object_add(o, "label", sp_string(d->label ? d->label : ""));
	json_object_object_add(o, "score", json_score(d->score_q15));
	json_object_object_add(o, "average", json_score(d->average_q15));
	json_object_object_add(o, "time", json_time(d->realtime_us));
	json_object_object_add(o, "mono_usec", json_object_new_int64((int64_t)(d->mono_ns / 1000)));
	return o;
}

struct json_object *sp_encode_version(const char *release)
{
	struct json_object *o = new_class(SP_VERSION);

	if (o) {
		json_object_object_add(o, "release", sp_string(release));
		json_object_object_add(o, "proto_major", json_object_new_int(SOCKET_PROTO_MAJOR));
		json_object_object_add(o, "proto_minor", json_object_new_int(SOCKET_PROTO_MINOR));
	}
	return o;
}

/* A message of class cls with an empty array under key; NULL when out of
 * memory. */
static struct json_object *with_list(enum sp_class cls, const char *key)
{
	struct json_object *o = new_class(cls), *list = json_object_new_array();

	if (!o || !list || json_object_object_add(o, key, list)) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	return o;
}

static int list_add(struct json_object *msg, const char *key, struct json_object *e)
{
	struct json_object *list;

	if (!e)
		return -ENOMEM;
	if (!json_object_object_get_ex(msg, key, &list) || json_object_array_add(list, e)) {
		json_object_put(e);
		return -ENOMEM;
	}
	return 0;
}

struct json_object *sp_encode_pipelines(void)
{
	return with_list(SP_PIPELINES, "pipelines");
}

int sp_pipelines_add(struct json_object *msg, const struct sp_pipeline_info *p)
{
	struct json_object *e = json_object_new_object(), *labels = json_object_new_array();

	if (!e || !labels) {
		json_object_put(e);
		json_object_put(labels);
		return -ENOMEM;
	}
	for (size_t l = 0; l < p->n_labels; l++)
		json_object_array_add(labels, sp_string(p->labels[l]));
	json_object_object_add(e, "name", sp_string(p->name));
	json_object_object_add(e, "state", sp_string(p->state));
	json_object_object_add(e, "source", sp_string(p->source));
	json_object_object_add(e, "model", sp_string(p->model));
	json_object_object_add(e, "labels", labels);
	return list_add(msg, "pipelines", e);
}

struct json_object *sp_encode_status(const char *config_error)
{
	struct json_object *o = with_list(SP_STATUS, "pipelines");

	if (o)
		json_object_object_add(o, "config_error",
				       config_error && config_error[0] ? sp_string(config_error) : NULL);
	return o;
}

int sp_status_add(struct json_object *msg, const struct sp_pipeline_status *p)
{
	struct json_object *e = json_object_new_object(), *last = NULL;

	if (!e)
		return -ENOMEM;
	json_object_object_add(e, "name", sp_string(p->name));
	json_object_object_add(e, "state", sp_string(p->state));
	json_object_object_add(e, "inferences", json_object_new_int64((int64_t)p->inferences));
	json_object_object_add(e, "detections", json_object_new_int64((int64_t)p->detections));
	json_object_object_add(e, "samples", json_object_new_int64((int64_t)p->samples));
	json_object_object_add(e, "mean_inference_usec",
			       json_object_new_int64((int64_t)(p->mean_inference_ns / 1000)));
	if (p->last) {
		last = json_object_new_object();
		if (last)
			detection_fields(last, p->last);
	}
	json_object_object_add(e, "last", last);
	if (p->error && p->error[0])
		json_object_object_add(e, "error", sp_string(p->error));
	return list_add(msg, "pipelines", e);
}

struct json_object *sp_encode_watch(const char (*names)[PC_NAME_LEN], size_t n, bool scores)
{
	struct json_object *o = new_class(SP_WATCH), *list = NULL;

	if (!o)
		return NULL;
	if (names) {
		list = json_object_new_array();
		for (size_t i = 0; list && i < n; i++)
			json_object_array_add(list, sp_string(names[i]));
	}
	json_object_object_add(o, "enable", json_object_new_boolean(1));
	json_object_object_add(o, "pipelines", list);
	json_object_object_add(o, "scores", json_object_new_boolean(scores));
	return o;
}

struct json_object *sp_encode_unwatch(void)
{
	struct json_object *o = new_class(SP_WATCH);

	if (o)
		json_object_object_add(o, "enable", json_object_new_boolean(0));
	return o;
}

struct json_object *sp_encode_last_begin(const char *pipeline)
{
	struct json_object *o = new_class(SP_LAST), *list = json_object_new_array();

	if (!o || !list) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	json_object_object_add(o, "pipeline", sp_string(pipeline));
	json_object_object_add(o, "detections", list);
	return o;
}

int sp_last_add(struct json_object *msg, const struct sp_detection *d)
{
	struct json_object *e = json_object_new_object();

	return list_add(msg, "detections", e ? detection_fields(e, d) : NULL);
}

struct json_object *sp_encode_detection(const char *pipeline, const struct sp_detection *d)
{
	struct json_object *o = new_class(SP_DETECTION);

	if (o) {
		json_object_object_add(o, "pipeline", sp_string(pipeline));
		detection_fields(o, d);
	}
	return o;
}

struct json_object *sp_encode_scores(const char *pipeline, const char (*labels)[PC_LABEL_LEN],
				     const uint16_t *scores_q15, size_t n, uint64_t mono_ns,
				     uint64_t realtime_us)
{
	struct json_object *o = new_class(SP_SCORES), *values = json_object_new_object();

	if (!o || !values) {
		json_object_put(o);
		json_object_put(values);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		/* a key is a string too: the same replacement as values */
		struct json_object *key = sp_string(labels[i]);

		if (key)
			json_object_object_add(values, json_object_get_string(key),
					       json_score(scores_q15[i]));
		json_object_put(key);
	}
	json_object_object_add(o, "pipeline", sp_string(pipeline));
	json_object_object_add(o, "scores", values);
	json_object_object_add(o, "time", json_time(realtime_us));
	json_object_object_add(o, "mono_usec", json_object_new_int64((int64_t)(mono_ns / 1000)));
	return o;
}

struct json_object *sp_encode_state(const char *pipeline, const char *state, const char *error)
{
	struct json_object *o = new_class(SP_STATE);

	if (o) {
		json_object_object_add(o, "pipeline", sp_string(pipeline));
		json_object_object_add(o, "state", sp_string(state));
		if (error && error[0])
			json_object_object_add(o, "error", sp_string(error));
	}
	return o;
}

struct json_object *sp_encode_config(const char *error)
{
	struct json_object *o = new_class(SP_CONFIG);

	if (o)
		json_object_object_add(o, "error", error && error[0] ? sp_string(error) : NULL);
	return o;
}

struct json_object *sp_encode_dropped(uint64_t count)
{
	struct json_object *o = new_class(SP_DROPPED);

	if (o)
		json_object_object_add(o, "count", json_object_new_int64((int64_t)count));
	return o;
}

struct json_object *sp_encode_errorv(const char *fmt, va_list ap)
{
	struct json_object *o = new_class(SP_ERROR);
	char text[SP_MESSAGE_LEN];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (o)
		json_object_object_add(o, "message", sp_string(text));
	return o;
}

struct json_object *sp_encode_error(const char *fmt, ...)
{
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = sp_encode_errorv(fmt, ap);
	va_end(ap);
	return o;
}

const char *sp_line(struct json_object *o, size_t *len)
{
	return json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

/* ---- reading replies and events --------------------------------------------------------- */

int sp_message_decode(const char *line, struct json_object **out, enum sp_class *cls)
{
	struct json_object *o = json_tokener_parse(line), *c;
	const char *name;

	*out = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "class", &c) || !json_object_is_type(c, json_type_string)) {
		json_object_put(o);
		return -EINVAL;
	}
	name = json_object_get_string(c);
	*cls = SP_OTHER;
	for (size_t i = 0; i < N_CLASSES; i++)
		if (!strcmp(name, class_names[i]))
			*cls = (enum sp_class)i;
	*out = o;
	return 0;
}

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "";
	return json_object_get_string(v);
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static struct json_object *get_array(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

void sp_decode_version(struct json_object *msg, struct sp_version_view *v)
{
	v->release = get_string(msg, "release");
	v->major = get_int(msg, "proto_major");
	v->minor = get_int(msg, "proto_minor");
}

void sp_decode_detection(struct json_object *o, struct sp_detection_view *v)
{
	v->pipeline = get_string(o, "pipeline");
	v->label = get_string(o, "label");
	v->score = get_string(o, "score");
	v->average = get_string(o, "average");
	v->time = get_string(o, "time");
	v->mono_usec = get_int(o, "mono_usec");
}

static struct json_object *entries(struct json_object *msg)
{
	struct json_object *list = get_array(msg, "pipelines");

	return list ? list : get_array(msg, "detections");
}

size_t sp_entries(struct json_object *msg)
{
	struct json_object *list = entries(msg);

	return list ? json_object_array_length(list) : 0;
}

void sp_decode_pipeline(struct json_object *msg, size_t i, struct sp_pipeline_view *v)
{
	struct json_object *list = entries(msg);
	struct json_object *p = list ? json_object_array_get_idx(list, i) : NULL, *last;

	memset(v, 0, sizeof(*v));
	v->name = get_string(p, "name");
	v->state = get_string(p, "state");
	v->source = get_string(p, "source");
	v->model = get_string(p, "model");
	v->labels = get_array(p, "labels");
	v->inferences = get_int(p, "inferences");
	v->detections = get_int(p, "detections");
	v->samples = get_int(p, "samples");
	v->mean_inference_usec = get_int(p, "mean_inference_usec");
	v->error = get_string(p, "error");
	v->has_last = json_object_object_get_ex(p, "last", &last) &&
		      json_object_is_type(last, json_type_object);
	sp_decode_detection(v->has_last ? last : NULL, &v->last);
}

void sp_decode_last_entry(struct json_object *msg, size_t i, struct sp_detection_view *v)
{
	struct json_object *list = get_array(msg, "detections");

	sp_decode_detection(list ? json_object_array_get_idx(list, i) : NULL, v);
	if (!v->pipeline[0])
		v->pipeline = get_string(msg, "pipeline");
}

void sp_decode_state(struct json_object *msg, struct sp_state_view *v)
{
	v->pipeline = get_string(msg, "pipeline");
	v->state = get_string(msg, "state");
	v->error = get_string(msg, "error");
}

uint64_t sp_decode_dropped(struct json_object *msg)
{
	int64_t n = get_int(msg, "count");

	return n > 0 ? (uint64_t)n : 0;
}

const char *sp_decode_error(struct json_object *msg)
{
	return get_string(msg, "message");
}

const char *sp_label(const struct sp_pipeline_view *v, size_t i)
{
	if (!v->labels || i >= json_object_array_length(v->labels))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(v->labels, i));
}
