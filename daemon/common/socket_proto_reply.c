/* SPDX-License-Identifier: MIT */
/* The socket protocol's replies and events, as json-c objects whose
 * strings are valid UTF-8. */
#include "socket_proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

/* ---- replies and events -------------------------------------------------------------- */

static struct json_object *new_class(enum sp_class cls)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "class", json_object_new_string(sp_class_name(cls)));
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
