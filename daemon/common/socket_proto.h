/* SPDX-License-Identifier: MIT */
/*
 * The local socket's protocol, without I/O: request lines decoded into a
 * struct sp_request (socket_proto_request.c), replies and events encoded as
 * json-c objects (socket_proto_reply.c) and serialized into lines, and the
 * decoders tinysensectl reads them with (socket_proto_read.c).
 * tinysensed's socket_server.c carries the lines; tinysensectl's
 * client_cmd.c speaks it.
 *
 * JSON lines over a Unix stream socket, in the spirit of gpsd's protocol.
 * One object per line each way.
 *
 * Server to client, on connect:
 *   {"class":"VERSION","release":"0.1.0","proto_major":1,"proto_minor":0}
 * Requests and their replies:
 *   {"cmd":"list"}                -> {"class":"PIPELINES","pipelines":[{"name","state",
 *                                      "source","model","labels":[...]},...]}
 *   {"cmd":"status"}              -> {"class":"STATUS","pipelines":[{"name","state",
 *                                      "inferences","detections","samples",
 *                                      "mean_inference_usec","last":{"label","score",
 *                                      "time","mono_usec"}|null[,"error"]},...],
 *                                      "config_error":"..."|null}
 *                                      config_error: why the last load or reload
 *                                      was refused (the last good set runs on)
 *   {"cmd":"watch","pipelines":[...],"scores":false}
 *                                 -> {"class":"WATCH","enable":true,"pipelines":[...]|null,
 *                                      "scores":false}, then events of those pipelines
 *                                      (all when "pipelines" is absent or null; at most
 *                                      SP_MAX_WATCH names)
 *   {"cmd":"unwatch"}             -> {"class":"WATCH","enable":false}
 *   {"cmd":"last","pipeline":P,"n":N}
 *                                 -> {"class":"LAST","pipeline":P,"detections":[...]}
 *                                      the last N (default 64; N >= 1, more than
 *                                      64 gives the 64 kept), oldest first
 * Events (to watchers):
 *   {"class":"DETECTION","pipeline","label","score":0.970,"average":0.950,
 *    "time":"2026-11-22T04:20:31.123456Z","mono_usec":N}
 *   {"class":"SCORES","pipeline","scores":{"label":0.970,...},"time","mono_usec"}
 *                                 every inference's averaged scores, to watchers
 *                                 that asked ("scores":true)
 *   {"class":"STATE","pipeline","state"[,"error"]}
 *   {"class":"PIPELINES",...}     the set changed (start-up, reload)
 *   {"class":"CONFIG","error":"..."|null}
 *                                 a load or reload finished: refused (why) or done
 *   {"class":"DROPPED","count":N} N events were lost here because the client
 *                                 read too slowly (the oldest go first)
 * Errors: {"class":"ERROR","message":"..."}; the connection stays open,
 * except after a request line longer than SOCKET_MAX_LINE bytes, after
 * SocketIdleTimeout= (tinysense.conf) without a valid command since the
 * connection was made ("idle timeout: ..."), and when the server already
 * has SocketMaxClients= clients: it then sends VERSION and
 * {"class":"ERROR","message":"too many clients (N); try again later"} and
 * closes.
 *
 * Strings.  Every line is UTF-8.  Requests: every string and key must be
 * valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF,
 * no lone \uD800-\uDFFF escape) without NUL (raw or \u0000); the ERROR
 * names the offending field, e.g. "pipelines"[1].  Replies and events: a
 * name, label, path or message that is not valid UTF-8 (a pipeline file
 * may hold any bytes) goes out with each invalid byte replaced by U+FFFD,
 * so one such pipeline never breaks list or status for the others; it can
 * be watched only with a watch of every pipeline (its name as sent does
 * not match the file's bytes).
 */
#ifndef TS_DAEMON_SOCKET_PROTO_H
#define TS_DAEMON_SOCKET_PROTO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline_config.h"

#define SOCKET_PROTO_MAJOR 1
#define SOCKET_PROTO_MINOR 0
#define SOCKET_MAX_LINE 4096 /* request bytes, newline excluded */
#define SOCKET_HISTORY 64    /* detections kept per pipeline, LAST's default */
#define SP_MAX_WATCH 32      /* names in a watch request */
#define SP_MESSAGE_LEN 256   /* an ERROR's message, NUL included */

struct json_object;

/* ---- requests ---------------------------------------------------------------- */

enum sp_cmd { SP_CMD_LIST, SP_CMD_STATUS, SP_CMD_WATCH, SP_CMD_UNWATCH, SP_CMD_LAST };

struct sp_request {
	enum sp_cmd cmd;
	/* watch */
	bool all;                              /* no "pipelines" (or null): every one */
	size_t n_pipelines;
	char pipelines[SP_MAX_WATCH][PC_NAME_LEN];
	bool scores;
	/* last */
	char pipeline[PC_NAME_LEN];
	uint64_t n;                            /* >= 1; SOCKET_HISTORY when absent */
};

/* The command's name on the wire ("list", ...). */
const char *sp_cmd_name(enum sp_cmd cmd);

struct sp_decoder;

/* A decoder (it keeps a json-c tokener); NULL when out of memory. */
struct sp_decoder *sp_decoder_new(void);
void sp_decoder_free(struct sp_decoder *dec);

enum sp_decode_result { SP_DECODED = 0, SP_EMPTY = 1, SP_INVALID = -1 };

/* Decodes one request line (len bytes, no newline; trailing spaces, tabs
 * and CR are ignored; it need not be NUL-terminated).  SP_DECODED with
 * *req set, SP_EMPTY for a blank line (no reply), or SP_INVALID with the
 * ERROR's message in err[SP_MESSAGE_LEN]. */
enum sp_decode_result sp_request_decode(struct sp_decoder *dec, const char *line, size_t len,
					struct sp_request *req, char err[SP_MESSAGE_LEN]);

/* req as a request object (tinysensectl): "pipelines" only when !all,
 * "scores" only when true, "n" for last.  NULL when out of memory. */
struct json_object *sp_request_encode(const struct sp_request *req);

/* ---- replies and events ---------------------------------------------------------- */

enum sp_class {
	SP_VERSION, SP_PIPELINES, SP_STATUS, SP_WATCH, SP_LAST, SP_DETECTION, SP_SCORES,
	SP_STATE, SP_CONFIG, SP_DROPPED, SP_ERROR,
	SP_OTHER /* a class this side does not know (a newer daemon's) */
};

const char *sp_class_name(enum sp_class cls);

/* A detection as the daemon keeps it. */
struct sp_detection {
	const char *label;
	uint16_t score_q15, average_q15;
	uint64_t mono_ns, realtime_us;
};

struct sp_pipeline_info {
	const char *name, *state, *source, *model;
	const char (*labels)[PC_LABEL_LEN];
	size_t n_labels;
};

struct sp_pipeline_status {
	const char *name, *state;
	uint64_t inferences, detections, samples, mean_inference_ns;
	const struct sp_detection *last; /* NULL: none yet */
	const char *error;               /* NULL or "": none */
};

/* Each returns a new object (one reference) or NULL when out of memory.
 * Strings may be NULL where the protocol has null. */
struct json_object *sp_encode_version(const char *release);
/* PIPELINES and STATUS are built empty, then one pipeline at a time
 * (0, or -ENOMEM). */
struct json_object *sp_encode_pipelines(void);
int sp_pipelines_add(struct json_object *msg, const struct sp_pipeline_info *p);
struct json_object *sp_encode_status(const char *config_error);
int sp_status_add(struct json_object *msg, const struct sp_pipeline_status *p);
/* names NULL: every pipeline ("pipelines":null). */
struct json_object *sp_encode_watch(const char (*names)[PC_NAME_LEN], size_t n, bool scores);
struct json_object *sp_encode_unwatch(void);
/* LAST is built empty, then one detection at a time, oldest first. */
struct json_object *sp_encode_last_begin(const char *pipeline);
int sp_last_add(struct json_object *msg, const struct sp_detection *d);
struct json_object *sp_encode_detection(const char *pipeline, const struct sp_detection *d);
/* scores_q15[i] is labels[i]'s, for the first n labels. */
struct json_object *sp_encode_scores(const char *pipeline, const char (*labels)[PC_LABEL_LEN],
				     const uint16_t *scores_q15, size_t n, uint64_t mono_ns,
				     uint64_t realtime_us);
struct json_object *sp_encode_state(const char *pipeline, const char *state, const char *error);
struct json_object *sp_encode_config(const char *error);
struct json_object *sp_encode_dropped(uint64_t count);
struct json_object *sp_encode_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct json_object *sp_encode_errorv(const char *fmt, va_list ap);

/* The line of o, newline not included, in the wire's style; valid while o
 * is.  NULL when out of memory. */
const char *sp_line(struct json_object *o, size_t *len);

/* ---- reading replies and events (tinysensectl) ------------------------------------ */

/* Parses one line (NUL-terminated, no newline) into *out, an object with a
 * "class" string, and its class.  0, or -EINVAL when it is not one. */
int sp_message_decode(const char *line, struct json_object **out, enum sp_class *cls);

/* Views into a decoded message: the strings belong to it ("" when absent). */
struct sp_version_view {
	const char *release;
	int64_t major, minor;
};
struct sp_detection_view {
	const char *pipeline, *label, *score, *average, *time; /* numbers as sent */
	int64_t mono_usec;
};
struct sp_pipeline_view {
	const char *name, *state, *source, *model;
	struct json_object *labels; /* array of strings, or NULL */
	int64_t inferences, detections, samples, mean_inference_usec;
	bool has_last;
	struct sp_detection_view last;
	const char *error;
};
struct sp_state_view {
	const char *pipeline, *state, *error;
};

void sp_decode_version(struct json_object *msg, struct sp_version_view *v);
/* DETECTION, or one of LAST's detections / STATUS's last. */
void sp_decode_detection(struct json_object *o, struct sp_detection_view *v);
/* PIPELINES' and STATUS's entries, LAST's detections: how many, and the i-th. */
size_t sp_entries(struct json_object *msg);
void sp_decode_pipeline(struct json_object *msg, size_t i, struct sp_pipeline_view *v);
void sp_decode_last_entry(struct json_object *msg, size_t i, struct sp_detection_view *v);
void sp_decode_state(struct json_object *msg, struct sp_state_view *v);
uint64_t sp_decode_dropped(struct json_object *msg);
/* ERROR's message; "" when absent. */
const char *sp_decode_error(struct json_object *msg);
/* The i-th label of a pipeline view; NULL past the end. */
const char *sp_label(const struct sp_pipeline_view *v, size_t i);

/* ---- strings --------------------------------------------------------------------------- */

/* A json-c string of s with every byte that is not part of valid UTF-8
 * replaced by U+FFFD (NULL s: NULL, the JSON null). */
struct json_object *sp_string(const char *s);

#endif
