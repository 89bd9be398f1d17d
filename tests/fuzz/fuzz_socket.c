/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the socket protocol, through its decoder
 * (daemon/common/socket_proto.c) directly and through the real server
 * (daemon/tinysensed/socket_server.c) on a real sd-event loop and a real
 * Unix socket.  Each input is one client session:
 *
 *   byte 0       low 4 bits: how the rest is cut into writes (16 chunk
 *                sizes, so lines arrive whole, split or several at once;
 *                at most MAX_CHUNKS writes);
 *                high 4 bits: detections published after each chunk (0..15,
 *                at most MAX_DETECTIONS in all); 15 makes the client a slow
 *                reader instead, which reads only when its writes block, and
 *                publishes up to MAX_DETECTIONS_SLOW, so that its queue
 *                overflows (DROPPED)
 *   bytes 1..    what the client sends: request lines, garbage, NULs,
 *                overlong lines
 *
 * The server holds two pipelines ("kws", and "k\xc3\xa9" whose name and one
 * label are not ASCII (names that are not UTF-8 are refused by the
 * configuration); built from ../shared like the integration tests,
 * never started: requests see a fixed set) so that watch, last and the
 * event paths (DETECTION, STATE, DROPPED, history) run; without ../shared
 * it serves an empty set.  After each chunk the loop runs until idle and
 * the client drains what came back.  Then the client shuts down its side;
 * the server must answer, close the connection and free the client.
 *
 * First, every line of the input goes through sp_request_decode alone: a
 * request it accepts must carry only valid UTF-8 without NUL, and encode
 * (as tinysensectl does) and decode back to the same request; a refused one
 * must have a message.
 *
 * Oracles besides ASan/UBSan/LeakSanitizer: every line the server sends is
 * one JSON object with a "class" string, in valid UTF-8, and no client is
 * left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "daemon.h"
#include "log.h"
#include "manager.h"
#include "socket_proto.h"
#include "utf8.h"
#include "socket_server.h"

#define MAX_DETECTIONS 64           /* per input (speed) */
#define MAX_DETECTIONS_SLOW 4096    /* with a slow reader: enough to overflow it */
#define MAX_CHUNKS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_state {
	struct daemon d;
	char dir[64];
	struct pipeline *kws, *bad; /* bad: a name that is not ASCII */
	struct sp_decoder *dec;
	json_tokener *tok;
	char out[SOCKET_MAX_LINE * 64];
	size_t out_len;
};

static struct fuzz_state *state;

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp))
		abort();
}

/* Writes pipelines.d/FILE.conf: a pipeline NAME with LABELS on the
 * micro_speech model and a recording from shared. */
static void write_pipeline(struct fuzz_state *s, const char *shared, const char *file,
			   const char *name, const char *labels)
{
	char path[512], text[2048];

	snprintf(text, sizeof(text),
		 "[Pipeline]\nName=%s\n[Source]\nPlugin=replay\n"
		 "Path=%s/frontend/stream_yes_silence_no_noise.wav\nPace=fast\n"
		 "[Frontend]\nType=audio\nPreset=micro_speech\n"
		 "[Model]\nPath=%s/conformance/micro-speech.tflite\n"
		 "Labels=%s\n[Detect]\nThreshold=0.8\n",
		 name, shared, shared, labels);
	snprintf(path, sizeof(path), "%s/pipelines.d/%s.conf", s->dir, file);
	write_file(path, text);
}

/* Two pipelines from ../shared (TS_SHARED overrides), built but not
 * started. */
static void load_pipeline(struct fuzz_state *s)
{
	const char *shared = getenv("TS_SHARED") ? getenv("TS_SHARED") : "../shared";
	char path[512];
	struct config_error err = { "" };

	snprintf(path, sizeof(path), "%s/conformance/micro-speech.tflite", shared);
	if (access(path, R_OK)) {
		fprintf(stderr, "fuzz_socket: no %s: serving an empty set\n", path);
		return;
	}
	snprintf(path, sizeof(path), "%s/pipelines.d", s->dir);
	if (mkdir(path, 0700))
		abort();
	write_pipeline(s, shared, "kws", "kws", "silence,unknown,yes,no");
	write_pipeline(s, shared, "bad", "k\xc3\xa9", "silence,unknown,yes,n\xc3\xa9");
	if (manager_check(&s->d.manager, &err)) {
		fprintf(stderr, "fuzz_socket: %s\n", err.text);
		abort();
	}
	s->kws = manager_find(&s->d.manager, "kws");
	s->bad = manager_find(&s->d.manager, "k\xc3\xa9");
}

static void cleanup(void)
{
	char path[512];

	if (!state)
		return;
	state->d.sockets = socket_server_free(state->d.sockets);
	manager_free(&state->d.manager);
	sd_event_unref(state->d.event);
	snprintf(path, sizeof(path), "%s/pipelines.d/kws.conf", state->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pipelines.d/bad.conf", state->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pipelines.d", state->dir);
	rmdir(path);
	rmdir(state->dir);
	json_tokener_free(state->tok);
	sp_decoder_free(state->dec);
	free(state);
	state = NULL;
}

static struct fuzz_state *setup(void)
{
	struct fuzz_state *s = calloc(1, sizeof(*s));
	char pipelines[128];

	if (!s)
		abort();
	log_init(LOG_CRIT); /* every malformed request would be logged */
	snprintf(s->dir, sizeof(s->dir), "/tmp/fuzz_socket.XXXXXX");
	if (!mkdtemp(s->dir) || sd_event_new(&s->d.event) < 0)
		abort();
	snprintf(pipelines, sizeof(pipelines), "%s/pipelines.d", s->dir);
	manager_init(&s->d.manager, s->d.event, pipelines);
	snprintf(s->d.cfg.socket_path, sizeof(s->d.cfg.socket_path), "%s/sock", s->dir);
	load_pipeline(s);
	if (socket_server_new(&s->d, &s->d.sockets) < 0)
		abort();
	s->tok = json_tokener_new();
	s->dec = sp_decoder_new();
	if (!s->tok || !s->dec)
		abort();
	state = s;
	atexit(cleanup);
	return s;
}

static void run_until_idle(struct fuzz_state *s)
{
	for (int i = 0; i < 1000; i++)
		if (sd_event_run(s->d.event, 0) <= 0)
			return;
}

/* Every complete line the server sent is a JSON object with a class, in
 * valid UTF-8. */
static void check_lines(struct fuzz_state *s)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(s->out + start, '\n', s->out_len - start))) {
		size_t len = (size_t)(nl - (s->out + start));
		struct json_object *o, *class;

		if (utf8_problem(s->out + start, len, NULL)) {
			fprintf(stderr, "fuzz_socket: the server sent a line that is not UTF-8: %.*s\n",
				(int)len, s->out + start);
			abort();
		}
		json_tokener_reset(s->tok);
		o = json_tokener_parse_ex(s->tok, s->out + start, (int)len);
		if (!o || !json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, "class", &class) ||
		    !json_object_is_type(class, json_type_string)) {
			fprintf(stderr, "fuzz_socket: the server sent a bad line: %.*s\n", (int)len,
				s->out + start);
			abort();
		}
		json_object_put(o);
		start += len + 1;
	}
	memmove(s->out, s->out + start, s->out_len - start);
	s->out_len -= start;
}

/* Reads what the server sent; 0 at EOF, 1 otherwise. */
static int drain(struct fuzz_state *s, int fd)
{
	for (;;) {
		ssize_t n;

		if (s->out_len == sizeof(s->out)) {
			fprintf(stderr, "fuzz_socket: a reply line longer than %zu bytes\n",
				sizeof(s->out));
			abort();
		}
		n = recv(fd, s->out + s->out_len, sizeof(s->out) - s->out_len, MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		s->out_len += (size_t)n;
		check_lines(s);
	}
}

static void publish_detections(struct fuzz_state *s, unsigned n, unsigned seed)
{
	static const char *const labels[] = { "yes", "no" };

	if (!s->kws)
		return;
	for (unsigned i = 0; i < n; i++) {
		struct pipeline *p = (seed + i) % 3 == 2 && s->bad ? s->bad : s->kws;
		struct detection_event ev = {
			.label = labels[(seed + i) & 1],
			.class_index = (uint16_t)(2 + ((seed + i) & 1)),
			.score_q15 = (uint16_t)(26000 + 97 * ((seed + i) % 64)),
			.average_q15 = 27000,
			.mono_ns = 1000000000ull * (seed + i),
			.realtime_us = 1795000000000000ull + 1000ull * i,
		};

		publishers_detection(&s->d.manager.publishers, p, &ev);
	}
	if (n && (seed & 7) == 0)
		publishers_state_changed(&s->d.manager.publishers,
					 seed & 8 && s->bad ? s->bad : s->kws);
}

static bool same_request(const struct sp_request *a, const struct sp_request *b)
{
	if (a->cmd != b->cmd || a->all != b->all || a->scores != b->scores ||
	    a->n_pipelines != b->n_pipelines || strcmp(a->pipeline, b->pipeline) ||
	    (a->cmd == SP_CMD_LAST && a->n != b->n))
		return false;
	for (size_t i = 0; i < a->n_pipelines; i++)
		if (strcmp(a->pipelines[i], b->pipelines[i]))
			return false;
	return true;
}

/* A name of an accepted request: valid UTF-8, no NUL, NUL-terminated. */
static void check_name(const char *name)
{
	size_t len = strnlen(name, PC_NAME_LEN);

	if (len == PC_NAME_LEN || utf8_problem(name, len, NULL)) {
		fprintf(stderr, "fuzz_socket: the decoder accepted a bad name\n");
		abort();
	}
}

/* Every line of data through the decoder alone: accepted requests carry
 * clean names and survive a round trip through the encoder. */
static void check_decoder(struct fuzz_state *s, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		struct sp_request req, back;
		char err[SP_MESSAGE_LEN];
		enum sp_decode_result r = sp_request_decode(s->dec, p, len, &req, err);

		if (r == SP_INVALID && !err[0]) {
			fprintf(stderr, "fuzz_socket: a refused request without a message\n");
			abort();
		}
		if (r == SP_DECODED) {
			struct json_object *o = sp_request_encode(&req);
			size_t line_len;
			const char *line = o ? sp_line(o, &line_len) : NULL;

			for (size_t i = 0; i < req.n_pipelines; i++)
				check_name(req.pipelines[i]);
			check_name(req.pipeline);
			if (!line || sp_request_decode(s->dec, line, line_len, &back, err) != SP_DECODED ||
			    !same_request(&req, &back)) {
				fprintf(stderr, "fuzz_socket: a request that does not round-trip: %.*s\n",
					(int)len, p);
				abort();
			}
			json_object_put(o);
		}
		p += len + 1;
	}
}

static int connect_client(struct fuzz_state *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->d.cfg.socket_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunk_sizes[16] = { 1,  2,   3,   7,   16,   64,   255,  256,
						512, 1000, 4095, 4096, 4097, 8192, 16384, 65536 };
	struct fuzz_state *s = state ? state : setup();
	size_t chunk, pos = 1;
	unsigned per_chunk, seed = 0, published = 0;
	bool slow_reader;
	int fd, open_ = 1;

	if (size < 1)
		return 0;
	chunk = chunk_sizes[data[0] & 15];
	if (chunk < size / MAX_CHUNKS)
		chunk = size / MAX_CHUNKS; /* speed: tiny writes of small inputs only */
	per_chunk = data[0] >> 4;
	slow_reader = per_chunk == 15;
	check_decoder(s, data + 1, size - 1);
	s->out_len = 0;
	fd = connect_client(s);
	run_until_idle(s);
	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk, sent = 0;

		/* The server may stop reading while its replies pile up: send
		 * what fits, let it work, read, and go on. */
		for (int tries = 0; sent < n && tries < 10000; tries++) {
			ssize_t w = send(fd, data + pos + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				break; /* the server closed (an overlong line) */
			run_until_idle(s);
			open_ = drain(s, fd);
			if (!open_)
				break;
		}
		if (!open_ || sent < n)
			break;
		pos += n;
		if (published < (slow_reader ? MAX_DETECTIONS_SLOW : MAX_DETECTIONS)) {
			publish_detections(s, per_chunk, seed++);
			published += per_chunk;
		}
		run_until_idle(s);
		if (!slow_reader && !(open_ = drain(s, fd)))
			break;
	}
	shutdown(fd, SHUT_WR);
	for (int i = 0; open_ && i < 10000; i++) {
		run_until_idle(s);
		open_ = drain(s, fd);
	}
	if (open_) {
		fprintf(stderr, "fuzz_socket: the server never closed the session\n");
		abort();
	}
	close(fd);
	run_until_idle(s);
	if (socket_server_client_count(s->d.sockets) != 0) {
		fprintf(stderr, "fuzz_socket: a client was left behind\n");
		abort();
	}
	return 0;
}
