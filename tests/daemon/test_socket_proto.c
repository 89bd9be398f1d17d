/* SPDX-License-Identifier: MIT */
/*
 * The socket protocol module (daemon/common/socket_proto.h): requests
 * encoded as tinysensectl does and decoded as the daemon does, every error
 * a request can get (with the field it names), the exact bytes of each
 * reply and event class, tinysensectl's decoders on them, and UTF-8: what
 * requests may not carry, and outgoing strings that are always valid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "socket_proto.h"
#include "utf8.h"

struct fixture {
	struct sp_decoder *dec;
	struct sp_request req;
	char err[SP_MESSAGE_LEN];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->dec = sp_decoder_new())) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sp_decoder_free(f->dec);
	free(f);
	return 0;
}

static enum sp_decode_result decode_len(struct fixture *f, const char *line, size_t len)
{
	return sp_request_decode(f->dec, line, len, &f->req, f->err);
}

static enum sp_decode_result decode(struct fixture *f, const char *line)
{
	return decode_len(f, line, strlen(line));
}

/* line is refused with an error containing want. */
static void expect_error(struct fixture *f, const char *line, const char *want)
{
	enum sp_decode_result r = decode(f, line);

	struct json_object *o;
	size_t len;
	const char *text;

	if (r != SP_INVALID || !strstr(f->err, want))
		fail_msg("%s: result %d, error \"%s\", wanted \"%s\"", line, r, f->err, want);
	/* the ERROR carrying it is valid UTF-8 */
	o = sp_encode_error("%s", f->err);
	assert_non_null(o);
	text = sp_line(o, &len);
	assert_null(utf8_problem(text, len, NULL));
	json_object_put(o);
}

/* o's line, which o keeps; compared and dropped by expect_line. */
static void expect_line(struct json_object *o, const char *want)
{
	size_t len;
	const char *line;

	assert_non_null(o);
	line = sp_line(o, &len);
	assert_non_null(line);
	assert_int_equal(len, strlen(line));
	assert_string_equal(line, want);
	assert_null(utf8_problem(line, len, NULL));
	json_object_put(o);
}

/* ---- requests: round trips ------------------------------------------------------------ */

static void round_trip(struct fixture *f, const struct sp_request *in)
{
	struct json_object *o = sp_request_encode(in);
	size_t len;
	const char *line;

	assert_non_null(o);
	line = sp_line(o, &len);
	assert_int_equal(decode_len(f, line, len), SP_DECODED);
	assert_int_equal(f->req.cmd, in->cmd);
	assert_int_equal(f->req.all, in->all);
	assert_int_equal(f->req.scores, in->scores);
	assert_int_equal(f->req.n_pipelines, in->n_pipelines);
	for (size_t i = 0; i < in->n_pipelines; i++)
		assert_string_equal(f->req.pipelines[i], in->pipelines[i]);
	assert_string_equal(f->req.pipeline, in->pipeline);
	if (in->cmd == SP_CMD_LAST)
		assert_int_equal(f->req.n, in->n);
	json_object_put(o);
}

static void test_request_round_trips(void **state)
{
	struct fixture *f = *state;
	struct sp_request watch = { .cmd = SP_CMD_WATCH, .n_pipelines = 3, .scores = true };

	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_LIST });
	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_STATUS });
	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_UNWATCH });
	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_WATCH, .all = true });
	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_WATCH, .all = true, .scores = true });
	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_WATCH }); /* an empty list */
	strcpy(watch.pipelines[0], "kws");
	strcpy(watch.pipelines[1], "k\xc3\xbc" "che");                 /* küche */
	strcpy(watch.pipelines[2], "\xf0\x9f\x94\x8a quote\" back\\ tab\t"); /* U+1F50A */
	round_trip(f, &watch);
	for (int i = 0; i < SP_MAX_WATCH; i++)
		snprintf(watch.pipelines[i], PC_NAME_LEN, "%0*d", PC_NAME_LEN - 1, i);
	watch.n_pipelines = SP_MAX_WATCH;
	round_trip(f, &watch);
	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_LAST, .pipeline = "kws", .n = 1 });
	round_trip(f, &(struct sp_request){ .cmd = SP_CMD_LAST, .pipeline = "kws", .n = 1000000000 });
}

/* The lines today's clients send, byte for byte. */
static void test_request_lines(void **state)
{
	struct fixture *f = *state;

	expect_line(sp_request_encode(&(struct sp_request){ .cmd = SP_CMD_STATUS }),
		    "{\"cmd\":\"status\"}");
	expect_line(sp_request_encode(&(struct sp_request){ .cmd = SP_CMD_WATCH, .all = true }),
		    "{\"cmd\":\"watch\"}");
	expect_line(sp_request_encode(&(struct sp_request){ .cmd = SP_CMD_WATCH, .n_pipelines = 1,
							    .pipelines = { "kws" } }),
		    "{\"cmd\":\"watch\",\"pipelines\":[\"kws\"]}");
	expect_line(sp_request_encode(&(struct sp_request){ .cmd = SP_CMD_LAST, .pipeline = "kws",
							    .n = 10 }),
		    "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":10}");
	/* and the daemon's defaults for what they leave out */
	assert_int_equal(decode(f, "{\"cmd\":\"last\",\"pipeline\":\"kws\"}"), SP_DECODED);
	assert_int_equal(f->req.n, SOCKET_HISTORY);
	assert_int_equal(decode(f, "{\"cmd\":\"watch\",\"pipelines\":null}"), SP_DECODED);
	assert_true(f->req.all);
	assert_false(f->req.scores);
	assert_int_equal(decode(f, "{\"cmd\":\"watch\",\"scores\":false,\"x\":[1,{}]}"), SP_DECODED);
	assert_true(f->req.all);
	/* n above what is kept: clamped by the server, as before */
	assert_int_equal(decode(f, "{\"cmd\":\"last\",\"pipeline\":\"a\",\"n\":100000}"), SP_DECODED);
	assert_int_equal(f->req.n, 100000);
	assert_int_equal(decode(f, "{\"cmd\":\"last\",\"pipeline\":\"a\",\"n\":18446744073709551615}"),
			 SP_DECODED);
	assert_true(f->req.n > SOCKET_HISTORY);
}

static void test_blank_lines_and_trailing_space(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(decode(f, ""), SP_EMPTY);
	assert_int_equal(decode(f, " \t\r"), SP_EMPTY);
	assert_int_equal(decode(f, "{\"cmd\":\"list\"}\r"), SP_DECODED);
	assert_int_equal(f->req.cmd, SP_CMD_LIST);
	assert_int_equal(decode(f, "  {\"cmd\":\"status\"} \t "), SP_DECODED);
	assert_int_equal(f->req.cmd, SP_CMD_STATUS);
	/* the line need not be NUL-terminated */
	assert_int_equal(decode_len(f, "{\"cmd\":\"list\"}GARBAGE", 14), SP_DECODED);
}

/* ---- requests: every error --------------------------------------------------------------- */

static void test_request_errors(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "{\"cmd\":\"list\"", "malformed JSON: " },
		{ "{\"cmd\":\"list\"} x", "malformed JSON: " },
		{ "{\"cmd\":\"list\"}{\"cmd\":\"list\"}", "malformed JSON: " },
		{ "{'cmd':'list'}", "malformed JSON: " },
		{ "[[[[[[[[[1]]]]]]]]]", "malformed JSON: nesting too deep" },
		{ "[1,2]", "request is not a JSON object" },
		{ "\"list\"", "request is not a JSON object" },
		{ "{}", "request has no \"cmd\" string" },
		{ "{\"cmd\":5}", "request has no \"cmd\" string" },
		{ "{\"cmd\":null}", "request has no \"cmd\" string" },
		{ "{\"cmd\":\"frobnicate\"}",
		  "unknown command 'frobnicate' (known: list, status, watch, unwatch, last)" },
		{ "{\"cmd\":\"LIST\"}", "unknown command 'LIST'" },
		{ "{\"cmd\":\"watch\",\"scores\":1}", "watch: \"scores\" must be true or false" },
		{ "{\"cmd\":\"watch\",\"scores\":\"yes\"}", "watch: \"scores\" must be true or false" },
		{ "{\"cmd\":\"watch\",\"pipelines\":\"kws\"}", "watch: \"pipelines\" must be an array of names" },
		{ "{\"cmd\":\"watch\",\"pipelines\":{}}", "watch: \"pipelines\" must be an array of names" },
		{ "{\"cmd\":\"watch\",\"pipelines\":[\"kws\",1]}", "watch: \"pipelines\" must be an array of names" },
		{ "{\"cmd\":\"watch\",\"pipelines\":[null]}", "watch: \"pipelines\" must be an array of names" },
		{ "{\"cmd\":\"last\"}", "last: \"pipeline\" must be a pipeline name" },
		{ "{\"cmd\":\"last\",\"pipeline\":5}", "last: \"pipeline\" must be a pipeline name" },
		{ "{\"cmd\":\"last\",\"pipeline\":[\"kws\"]}", "last: \"pipeline\" must be a pipeline name" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":\"ten\"}", "last: \"n\" must be a positive integer" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":0}", "last: \"n\" must be a positive integer" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":-1}", "last: \"n\" must be a positive integer" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":-9223372036854775808}", "last: \"n\" must be a positive integer" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":1.5}", "last: \"n\" must be a positive integer" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":3.0}", "last: \"n\" must be a positive integer" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":1e2}", "last: \"n\" must be a positive integer" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\",\"n\":true}", "last: \"n\" must be a positive integer" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(f, cases[i].line, cases[i].error);
}

static void test_bad_pipeline_lists(void **state)
{
	struct fixture *f = *state;
	char line[SOCKET_MAX_LINE], name[PC_NAME_LEN + 1];
	size_t len;

	/* one name more than a watch may hold */
	len = (size_t)snprintf(line, sizeof(line), "{\"cmd\":\"watch\",\"pipelines\":[");
	for (int i = 0; i <= SP_MAX_WATCH; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s\"p%d\"", i ? "," : "", i);
	snprintf(line + len, sizeof(line) - len, "]}");
	expect_error(f, line, "watch: more than 32 pipelines");
	/* names that cannot be a pipeline's */
	memset(name, 'x', PC_NAME_LEN);
	name[PC_NAME_LEN] = '\0';
	snprintf(line, sizeof(line), "{\"cmd\":\"watch\",\"pipelines\":[\"kws\",\"%s\"]}", name);
	expect_error(f, line, "watch: \"pipelines\": a pipeline name is at most 63 bytes");
	snprintf(line, sizeof(line), "{\"cmd\":\"last\",\"pipeline\":\"%s\"}", name);
	expect_error(f, line, "last: \"pipeline\": a pipeline name is at most 63 bytes");
	name[PC_NAME_LEN - 1] = '\0'; /* 63 bytes: fits */
	snprintf(line, sizeof(line), "{\"cmd\":\"last\",\"pipeline\":\"%s\"}", name);
	assert_int_equal(decode(f, line), SP_DECODED);
	assert_string_equal(f->req.pipeline, name);
}

static void test_overlong_line_and_nul_bytes(void **state)
{
	struct fixture *f = *state;
	char *line = malloc(SOCKET_MAX_LINE + 2);
	static const char nul[] = "{\"cmd\":\"list\"}\0{\"cmd\":\"status\"}";

	assert_non_null(line);
	memset(line, ' ', SOCKET_MAX_LINE + 1);
	memcpy(line, "{\"cmd\":\"list\"}", 14);
	line[SOCKET_MAX_LINE] = 'x'; /* 4097 bytes that do not end in spaces */
	assert_int_equal(decode_len(f, line, SOCKET_MAX_LINE + 1), SP_INVALID);
	assert_string_equal(f->err, "request line longer than 4096 bytes");
	line[SOCKET_MAX_LINE] = ' '; /* trailing spaces do not count */
	assert_int_equal(decode_len(f, line, SOCKET_MAX_LINE + 1), SP_DECODED);
	free(line);

	assert_int_equal(decode_len(f, nul, sizeof(nul) - 1), SP_INVALID);
	assert_string_equal(f->err, "malformed JSON: NUL byte in request");
}

/* Strings of a request: the error names the field. */
static void test_request_strings(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *line, *error;
	} cases[] = {
		/* the finding: "kws\u0000junk" was taken as "kws" */
		{ "{\"cmd\":\"watch\",\"pipelines\":[\"kws\\u0000junk\"]}",
		  "invalid string in \"pipelines\"[0]: NUL (\\u0000) inside a string" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"kws\\u0000\"}",
		  "invalid string in \"pipeline\": NUL (\\u0000)" },
		{ "{\"cmd\":\"list\\u0000\"}", "invalid string in \"cmd\": NUL" },
		{ "{\"cmd\":\"watch\",\"pipelines\":[\"kws\",\"\xff\"]}",
		  "invalid string in \"pipelines\"[1]: invalid UTF-8 byte" },
		{ "{\"cmd\":\"watch\",\"pipelines\":[\"\x80kws\"]}",
		  "invalid string in \"pipelines\"[0]: invalid UTF-8 byte (a continuation byte alone)" },
		{ "{\"cmd\":\"\xc0\xae\"}", "invalid string in \"cmd\": overlong UTF-8 encoding" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xc1\xbf\"}", "invalid string in \"pipeline\": overlong" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xe0\x80\xaf\"}", "invalid string in \"pipeline\": overlong" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xf0\x80\x80\xaf\"}", "invalid string in \"pipeline\": overlong" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xed\xa0\x80\"}",
		  "invalid string in \"pipeline\": UTF-16 surrogate encoded in UTF-8" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xed\xbf\xbf\"}", "UTF-16 surrogate encoded in UTF-8" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xf4\x90\x80\x80\"}",
		  "invalid string in \"pipeline\": code point above U+10FFFF" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xf5\x80\x80\x80\"}", "code point above U+10FFFF" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xe2\x82\"}",
		  "invalid string in \"pipeline\": truncated UTF-8 sequence" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\xf0\x9f\x94\"}", "truncated UTF-8 sequence" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\\ud800\"}",
		  "invalid string in \"pipeline\": lone UTF-16 surrogate escape" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\\uDC00x\"}", "lone UTF-16 surrogate escape" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\\ud83d\\u0041\"}", "lone UTF-16 surrogate escape" },
		{ "{\"cmd\":\"last\",\"pipeline\":\"\\ud83d\"}", "lone UTF-16 surrogate escape" },
		/* keys, unknown fields and nesting are checked too */
		{ "{\"cmd\":\"list\",\"\xff\":1}", "invalid string in a key of the request: invalid UTF-8" },
		{ "{\"cmd\":\"list\",\"x\":{\"y\\u0000\":1}}", "invalid string in a key of \"x\": NUL" },
		{ "{\"cmd\":\"list\",\"x\":{\"y\":[1,\"a\",\"\xc0\x80\"]}}",
		  "invalid string in \"x\".\"y\"[2]: overlong UTF-8 encoding" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(f, cases[i].line, cases[i].error);
	/* what is valid stays valid: a pair of escapes, raw 4-byte UTF-8, U+FFFD itself */
	assert_int_equal(decode(f, "{\"cmd\":\"last\",\"pipeline\":\"\\ud83d\\udd0a\xf0\x9f\x94\x8a"
				   "\xef\xbf\xbd\xf4\x8f\xbf\xbf\"}"),
			 SP_DECODED);
	assert_string_equal(f->req.pipeline, "\xf0\x9f\x94\x8a\xf0\x9f\x94\x8a\xef\xbf\xbd\xf4\x8f\xbf\xbf");
	/* escaped quotes and backslashes do not confuse the field walk */
	expect_error(f, "{\"a\\\"\\\\\":[\"\\\"\",{\"b\":\"\xff\"}],\"cmd\":\"list\"}",
		     "invalid string in \"a\\\"\\\\\"[1].\"b\": invalid UTF-8 byte");
}

/* ---- replies and events: the bytes on the wire ------------------------------------------- */

static const struct sp_detection det = {
	.label = "yes",
	.score_q15 = 31785, /* 0.970 */
	.average_q15 = 31130, /* 0.950 */
	.mono_ns = 1234567890123ull,
	.realtime_us = 1795321231123456ull, /* 2026-11-22T04:20:31.123456Z */
};

static void test_event_lines(void **state)
{
	static const char labels[][PC_LABEL_LEN] = { "silence", "yes" };
	static const char one[][PC_NAME_LEN] = { "kws" };
	const uint16_t scores[] = { 0, 32768 };

	(void)state;
	expect_line(sp_encode_version("0.1.0"),
		    "{\"class\":\"VERSION\",\"release\":\"0.1.0\",\"proto_major\":1,\"proto_minor\":0}");
	expect_line(sp_encode_detection("kws", &det),
		    "{\"class\":\"DETECTION\",\"pipeline\":\"kws\",\"label\":\"yes\",\"score\":0.970,"
		    "\"average\":0.950,\"time\":\"2026-11-22T04:20:31.123456Z\",\"mono_usec\":1234567890}");
	expect_line(sp_encode_scores("kws", labels, scores, 2, 2000, 1795321231000000ull),
		    "{\"class\":\"SCORES\",\"pipeline\":\"kws\",\"scores\":{\"silence\":0.000,\"yes\":1.000},"
		    "\"time\":\"2026-11-22T04:20:31.000000Z\",\"mono_usec\":2}");
	expect_line(sp_encode_state("kws", "running", NULL),
		    "{\"class\":\"STATE\",\"pipeline\":\"kws\",\"state\":\"running\"}");
	expect_line(sp_encode_state("kws", "failed", "alsa: /dev/snd gone"),
		    "{\"class\":\"STATE\",\"pipeline\":\"kws\",\"state\":\"failed\",\"error\":\"alsa: /dev/snd gone\"}");
	expect_line(sp_encode_config(""), "{\"class\":\"CONFIG\",\"error\":null}");
	expect_line(sp_encode_config("a.conf:3: bad"), "{\"class\":\"CONFIG\",\"error\":\"a.conf:3: bad\"}");
	expect_line(sp_encode_dropped(17), "{\"class\":\"DROPPED\",\"count\":17}");
	expect_line(sp_encode_error("too many clients (%u); try again later", 1024u),
		    "{\"class\":\"ERROR\",\"message\":\"too many clients (1024); try again later\"}");
	expect_line(sp_encode_watch(NULL, 0, false),
		    "{\"class\":\"WATCH\",\"enable\":true,\"pipelines\":null,\"scores\":false}");
	expect_line(sp_encode_watch(one, 1, true),
		    "{\"class\":\"WATCH\",\"enable\":true,\"pipelines\":[\"kws\"],\"scores\":true}");
	expect_line(sp_encode_unwatch(), "{\"class\":\"WATCH\",\"enable\":false}");
	/* paths keep their slashes */
	expect_line(sp_encode_error("%s", "/a/b"), "{\"class\":\"ERROR\",\"message\":\"/a/b\"}");
}

static void test_reply_lines(void **state)
{
	static const char labels[][PC_LABEL_LEN] = { "yes", "no" };
	struct json_object *o;

	(void)state;
	o = sp_encode_pipelines();
	expect_line(o ? json_object_get(o) : NULL, "{\"class\":\"PIPELINES\",\"pipelines\":[]}");
	assert_int_equal(sp_pipelines_add(o, &(const struct sp_pipeline_info){
		.name = "kws", .state = "running", .source = "replay", .model = "/m/kws.tflite",
		.labels = labels, .n_labels = 2 }), 0);
	expect_line(o, "{\"class\":\"PIPELINES\",\"pipelines\":[{\"name\":\"kws\",\"state\":\"running\","
		       "\"source\":\"replay\",\"model\":\"/m/kws.tflite\",\"labels\":[\"yes\",\"no\"]}]}");

	o = sp_encode_status(NULL);
	assert_int_equal(sp_status_add(o, &(const struct sp_pipeline_status){
		.name = "a", .state = "stopped" }), 0);
	assert_int_equal(sp_status_add(o, &(const struct sp_pipeline_status){
		.name = "b", .state = "degraded", .inferences = 5, .detections = 1, .samples = 16000,
		.mean_inference_ns = 2500, .last = &det, .error = "2 overruns" }), 0);
	expect_line(o, "{\"class\":\"STATUS\",\"pipelines\":["
		       "{\"name\":\"a\",\"state\":\"stopped\",\"inferences\":0,\"detections\":0,\"samples\":0,"
		       "\"mean_inference_usec\":0,\"last\":null},"
		       "{\"name\":\"b\",\"state\":\"degraded\",\"inferences\":5,\"detections\":1,"
		       "\"samples\":16000,\"mean_inference_usec\":2,\"last\":{\"label\":\"yes\","
		       "\"score\":0.970,\"average\":0.950,\"time\":\"2026-11-22T04:20:31.123456Z\","
		       "\"mono_usec\":1234567890},\"error\":\"2 overruns\"}],\"config_error\":null}");
	expect_line(sp_encode_status("x.conf: no"),
		    "{\"class\":\"STATUS\",\"pipelines\":[],\"config_error\":\"x.conf: no\"}");

	o = sp_encode_last_begin("kws");
	assert_int_equal(sp_last_add(o, &det), 0);
	expect_line(o, "{\"class\":\"LAST\",\"pipeline\":\"kws\",\"detections\":[{\"label\":\"yes\","
		       "\"score\":0.970,\"average\":0.950,\"time\":\"2026-11-22T04:20:31.123456Z\","
		       "\"mono_usec\":1234567890}]}");
}

/* ---- tinysensectl's decoders on the encoders' lines ----------------------------------------- */

/* o's line decoded as tinysensectl does; o dropped. */
static struct json_object *through_the_wire(struct json_object *o, enum sp_class want)
{
	struct json_object *back;
	enum sp_class cls;
	char *line;

	assert_non_null(o);
	line = strdup(sp_line(o, NULL));
	json_object_put(o);
	assert_int_equal(sp_message_decode(line, &back, &cls), 0);
	assert_int_equal(cls, want);
	free(line);
	return back;
}

static void test_decoders(void **state)
{
	static const char labels[][PC_LABEL_LEN] = { "yes", "no" };
	struct sp_detection_view d;
	struct sp_pipeline_view p;
	struct sp_state_view st;
	struct sp_version_view v;
	struct json_object *o;
	enum sp_class cls;

	(void)state;
	o = through_the_wire(sp_encode_version("9.9"), SP_VERSION);
	sp_decode_version(o, &v);
	assert_string_equal(v.release, "9.9");
	assert_int_equal(v.major, SOCKET_PROTO_MAJOR);
	assert_int_equal(v.minor, SOCKET_PROTO_MINOR);
	json_object_put(o);

	o = through_the_wire(sp_encode_detection("kws", &det), SP_DETECTION);
	sp_decode_detection(o, &d);
	assert_string_equal(d.pipeline, "kws");
	assert_string_equal(d.label, "yes");
	assert_string_equal(d.score, "0.970"); /* as sent, not re-printed */
	assert_string_equal(d.average, "0.950");
	assert_string_equal(d.time, "2026-11-22T04:20:31.123456Z");
	assert_int_equal(d.mono_usec, 1234567890);
	json_object_put(o);

	o = sp_encode_pipelines();
	sp_pipelines_add(o, &(const struct sp_pipeline_info){ .name = "kws", .state = "running",
		.source = "replay", .model = "/m", .labels = labels, .n_labels = 2 });
	o = through_the_wire(o, SP_PIPELINES);
	assert_int_equal(sp_entries(o), 1);
	sp_decode_pipeline(o, 0, &p);
	assert_string_equal(p.name, "kws");
	assert_string_equal(p.source, "replay");
	assert_string_equal(p.model, "/m");
	assert_string_equal(sp_label(&p, 0), "yes");
	assert_string_equal(sp_label(&p, 1), "no");
	assert_null(sp_label(&p, 2));
	assert_false(p.has_last);
	json_object_put(o);

	o = sp_encode_status(NULL);
	sp_status_add(o, &(const struct sp_pipeline_status){ .name = "a", .state = "failed",
		.inferences = 7, .detections = 3, .mean_inference_ns = 9000, .last = &det,
		.error = "gone" });
	o = through_the_wire(o, SP_STATUS);
	sp_decode_pipeline(o, 0, &p);
	assert_int_equal(p.inferences, 7);
	assert_int_equal(p.detections, 3);
	assert_int_equal(p.mean_inference_usec, 9);
	assert_true(p.has_last);
	assert_string_equal(p.last.label, "yes");
	assert_string_equal(p.last.score, "0.970");
	assert_string_equal(p.error, "gone");
	json_object_put(o);

	o = sp_encode_last_begin("kws");
	sp_last_add(o, &det);
	sp_last_add(o, &(const struct sp_detection){ .label = "no", .score_q15 = 16384 });
	o = through_the_wire(o, SP_LAST);
	assert_int_equal(sp_entries(o), 2);
	sp_decode_last_entry(o, 1, &d);
	assert_string_equal(d.label, "no");
	assert_string_equal(d.score, "0.500");
	assert_string_equal(d.pipeline, "kws");
	json_object_put(o);

	o = through_the_wire(sp_encode_state("kws", "degraded", "3 overruns"), SP_STATE);
	sp_decode_state(o, &st);
	assert_string_equal(st.pipeline, "kws");
	assert_string_equal(st.state, "degraded");
	assert_string_equal(st.error, "3 overruns");
	json_object_put(o);

	o = through_the_wire(sp_encode_dropped(42), SP_DROPPED);
	assert_int_equal(sp_decode_dropped(o), 42);
	json_object_put(o);
	o = through_the_wire(sp_encode_error("no pipeline '%s'", "x"), SP_ERROR);
	assert_string_equal(sp_decode_error(o), "no pipeline 'x'");
	json_object_put(o);
	o = through_the_wire(sp_encode_config(NULL), SP_CONFIG);
	json_object_put(o);
	o = through_the_wire(sp_encode_unwatch(), SP_WATCH);
	json_object_put(o);

	/* what is not a message */
	assert_int_equal(sp_message_decode("{\"class\":\"NEWER\",\"x\":1}", &o, &cls), 0);
	assert_int_equal(cls, SP_OTHER);
	json_object_put(o);
	assert_int_equal(sp_message_decode("{\"klass\":\"ERROR\"}", &o, &cls), -EINVAL);
	assert_null(o);
	assert_int_equal(sp_message_decode("{\"class\":1}", &o, &cls), -EINVAL);
	assert_int_equal(sp_message_decode("[\"ERROR\"]", &o, &cls), -EINVAL);
	assert_int_equal(sp_message_decode("Broken pipe", &o, &cls), -EINVAL);
	assert_int_equal(sp_message_decode("", &o, &cls), -EINVAL);
	/* absent fields read as "" and 0 */
	assert_int_equal(sp_message_decode("{\"class\":\"DETECTION\"}", &o, &cls), 0);
	sp_decode_detection(o, &d);
	assert_string_equal(d.label, "");
	assert_int_equal(d.mono_usec, 0);
	assert_int_equal(sp_entries(o), 0);
	json_object_put(o);
}

/* ---- outgoing strings ---------------------------------------------------------------------- */

static void test_utf8_problem(void **state)
{
	size_t at = 99;

	(void)state;
	assert_null(utf8_problem("", 0, &at));
	assert_null(utf8_problem("k\xc3\xbc\xe2\x82\xac\xf0\x9f\x94\x8a\xf4\x8f\xbf\xbf", 14, &at));
	assert_string_equal(utf8_problem("ab\xff", 3, &at), "invalid UTF-8 byte");
	assert_int_equal(at, 2);
	assert_string_equal(utf8_problem("a\0b", 3, &at), "NUL (\\u0000) inside a string");
	assert_int_equal(at, 1);
	assert_string_equal(utf8_problem("\xc3", 1, &at), "truncated UTF-8 sequence");
	assert_string_equal(utf8_problem("\xc3\xc3\xbc", 3, &at), "truncated UTF-8 sequence");
	assert_int_equal(at, 0);
}

/* s goes out as want (bytes of the JSON string, quotes included). */
static void expect_json_string(const char *s, const char *want)
{
	struct json_object *o = sp_string(s);
	const char *line;
	size_t len;

	assert_non_null(o);
	line = sp_line(o, &len);
	assert_string_equal(line, want);
	assert_null(utf8_problem(line, len, NULL));
	json_object_put(o);
}

static void test_outgoing_strings(void **state)
{
	(void)state;
	assert_null(sp_string(NULL));
	expect_json_string("kws", "\"kws\"");
	expect_json_string("k\xc3\xbc" "che", "\"k\xc3\xbc" "che\"");
	/* each invalid byte becomes one U+FFFD; valid sequences around it stay */
	expect_json_string("bad\xff" "name", "\"bad\xef\xbf\xbd" "name\"");
	expect_json_string("\xc0\xae", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	expect_json_string("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	expect_json_string("\xe2\x82" "x\xe2\x82\xac", "\"\xef\xbf\xbd\xef\xbf\xbd" "x\xe2\x82\xac\"");
	expect_json_string("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* control characters are escaped, as before */
	expect_json_string("a\x01" "b\n", "\"a\\u0001b\\n\"");
}

/* One pipeline with a non-UTF-8 name, label, model path and error does
 * not break the list or status of the others. */
static void test_one_bad_pipeline(void **state)
{
	static const char good[][PC_LABEL_LEN] = { "yes" };
	static const char bad[][PC_LABEL_LEN] = { "s\xe9" "ance", "yes" };
	const uint16_t scores[] = { 100, 200 };
	struct json_object *o = sp_encode_pipelines(), *back;
	struct sp_pipeline_view p;
	enum sp_class cls;
	const char *line;
	size_t len;

	(void)state;
	sp_pipelines_add(o, &(const struct sp_pipeline_info){ .name = "k\xe9", .state = "running",
		.source = "replay", .model = "/m/\xff.tflite", .labels = bad, .n_labels = 2 });
	sp_pipelines_add(o, &(const struct sp_pipeline_info){ .name = "kws", .state = "running",
		.source = "replay", .model = "/m/kws.tflite", .labels = good, .n_labels = 1 });
	line = sp_line(o, &len);
	assert_null(utf8_problem(line, len, NULL));
	assert_int_equal(sp_message_decode(line, &back, &cls), 0);
	assert_int_equal(sp_entries(back), 2);
	sp_decode_pipeline(back, 0, &p);
	assert_string_equal(p.name, "k\xef\xbf\xbd");
	assert_string_equal(p.model, "/m/\xef\xbf\xbd.tflite");
	assert_string_equal(sp_label(&p, 0), "s\xef\xbf\xbd" "ance");
	sp_decode_pipeline(back, 1, &p);
	assert_string_equal(p.name, "kws");
	assert_string_equal(p.model, "/m/kws.tflite");
	json_object_put(back);
	json_object_put(o);

	o = sp_encode_status("/etc/\xff.conf: bad");
	sp_status_add(o, &(const struct sp_pipeline_status){ .name = "k\xe9", .state = "failed",
		.error = "open /dev/\xfe: gone", .last = &(const struct sp_detection){ .label = "\xe9" } });
	line = sp_line(o, &len);
	assert_null(utf8_problem(line, len, NULL));
	json_object_put(o);

	/* labels are SCORES' keys: replaced the same way */
	expect_line(sp_encode_scores("k\xe9", bad, scores, 2, 0, 0),
		    "{\"class\":\"SCORES\",\"pipeline\":\"k\xef\xbf\xbd\",\"scores\":{\"s\xef\xbf\xbd" "ance\":0.003,"
		    "\"yes\":0.006},\"time\":\"1970-01-01T00:00:00.000000Z\",\"mono_usec\":0}");
	expect_line(sp_encode_detection("k\xe9", &(const struct sp_detection){ .label = "\xff" }),
		    "{\"class\":\"DETECTION\",\"pipeline\":\"k\xef\xbf\xbd\",\"label\":\"\xef\xbf\xbd\","
		    "\"score\":0.000,\"average\":0.000,\"time\":\"1970-01-01T00:00:00.000000Z\",\"mono_usec\":0}");
	expect_line(sp_encode_state("\xff", "failed", "\xfe"),
		    "{\"class\":\"STATE\",\"pipeline\":\"\xef\xbf\xbd\",\"state\":\"failed\","
		    "\"error\":\"\xef\xbf\xbd\"}");
	/* an error message quoting a name cut inside a character (%.4s) */
	expect_line(sp_encode_error("no pipeline '%.4s'", "abc\xc3\xbc"),
		    "{\"class\":\"ERROR\",\"message\":\"no pipeline 'abc\xef\xbf\xbd'\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blank_lines_and_trailing_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pipeline_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong_line_and_nul_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_strings, setup, teardown),
		cmocka_unit_test(test_event_lines),
		cmocka_unit_test(test_reply_lines),
		cmocka_unit_test(test_decoders),
		cmocka_unit_test(test_utf8_problem),
		cmocka_unit_test(test_outgoing_strings),
		cmocka_unit_test(test_one_bad_pipeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
