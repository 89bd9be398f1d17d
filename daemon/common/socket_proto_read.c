/* SPDX-License-Identifier: MIT */
/* Reading the socket protocol's replies and events (tinysensectl). */
#include "socket_proto.h"

#include <errno.h>
#include <string.h>

#include <json-c/json.h>

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
	for (int i = 0; i < SP_OTHER; i++)
		if (!strcmp(name, sp_class_name((enum sp_class)i)))
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
