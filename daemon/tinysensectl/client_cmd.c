/* SPDX-License-Identifier: MIT */
/* tinysensectl status | list | watch | last: the daemon's JSON-lines socket
 * (protocol in daemon/common/socket_proto.h, whose encoders and decoders
 * this uses), printed as aligned columns, or as the raw lines with --json. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "commands.h"
#include "socket_proto.h"

#define DEFAULT_SOCKET "/run/tinysense/tinysense.sock"
#define USER_SOCKET "tinysense.sock" /* in $XDG_RUNTIME_DIR */
#define REPLY_TIMEOUT_SEC 10
#define MAX_WATCH SP_MAX_WATCH
#define TABLE_COLS 6

struct client_args {
	const char *cmd;
	const char *socket;
	bool user;
	bool json;
	long count;                   /* watch --count; 0: forever */
	long n;                       /* last -n */
	const char *names[MAX_WATCH]; /* watch filter, or the pipeline of last */
	size_t n_names;
};

struct connection {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	FILE *in;
	char *line;
	size_t line_size;
};

static const char *const client_commands[] = { "status", "list", "watch", "last" };

_Bool cmd_client_handles(const char *name)
{
	for (size_t i = 0; i < sizeof(client_commands) / sizeof(client_commands[0]); i++)
		if (!strcmp(name, client_commands[i]))
			return true;
	return false;
}

static void client_usage(FILE *f)
{
	fputs("Usage: tinysensectl [OPTIONS] status | list | watch [PIPELINE...] [--count N]\n"
	      "                    | last PIPELINE [-n N]\n"
	      "  --socket PATH   the daemon's socket (default " DEFAULT_SOCKET ",\n"
	      "                  $XDG_RUNTIME_DIR/" USER_SOCKET " with --user; $TINYSENSE_SOCKET\n"
	      "                  overrides the default)\n"
	      "  --user          the user daemon's socket\n"
	      "  --json          print the daemon's JSON lines as they come\n", f);
}

static int parse_count(const char *opt, const char *val, long *out)
{
	char *end;

	errno = 0;
	*out = val ? strtol(val, &end, 10) : 0;
	if (!val || errno || *end || *out < 1 || *out > 1000000000) {
		fprintf(stderr, "tinysensectl: %s needs a number in 1..1000000000\n", opt);
		return -1;
	}
	return 0;
}

/* argv[0] is the command. */
static int parse_args(int argc, char **argv, struct client_args *a)
{
	a->cmd = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--json")) {
			a->json = true;
		} else if (!strcmp(opt, "--user")) {
			a->user = true;
		} else if (!strcmp(opt, "--socket")) {
			if (!val) {
				fprintf(stderr, "tinysensectl: --socket needs a path\n");
				return -1;
			}
			a->socket = val;
			i++;
		} else if (!strcmp(opt, "--count") && !strcmp(a->cmd, "watch")) {
			if (parse_count(opt, val, &a->count))
				return -1;
			i++;
		} else if (!strcmp(opt, "-n") && !strcmp(a->cmd, "last")) {
			if (parse_count(opt, val, &a->n))
				return -1;
			i++;
		} else if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			client_usage(stdout);
			return 1;
		} else if (opt[0] == '-' || (strcmp(a->cmd, "watch") && strcmp(a->cmd, "last")) ||
			   (!strcmp(a->cmd, "last") && a->n_names == 1) ||
			   a->n_names == MAX_WATCH) {
			fprintf(stderr, "tinysensectl: %s: unexpected argument '%s'\n", a->cmd, opt);
			return -1;
		} else {
			a->names[a->n_names++] = opt;
		}
	}
	if (!strcmp(a->cmd, "last") && a->n_names != 1) {
		fprintf(stderr, "tinysensectl: last needs a PIPELINE\n");
		return -1;
	}
	if (!a->n)
		a->n = 10;
	return 0;
}

static int socket_path(const struct client_args *a, char *buf, size_t size)
{
	const char *env = getenv("TINYSENSE_SOCKET");
	int n;

	if (a->socket) {
		n = snprintf(buf, size, "%s", a->socket);
	} else if (env && env[0]) {
		n = snprintf(buf, size, "%s", env);
	} else if (a->user) {
		const char *dir = getenv("XDG_RUNTIME_DIR");

		if (!dir || !dir[0]) {
			fprintf(stderr, "tinysensectl: --user needs XDG_RUNTIME_DIR (or use --socket)\n");
			return -1;
		}
		n = snprintf(buf, size, "%s/%s", dir, USER_SOCKET);
	} else {
		n = snprintf(buf, size, "%s", DEFAULT_SOCKET);
	}
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "tinysensectl: socket path too long: %s\n", buf);
		return -1;
	}
	return 0;
}

static void connection_close(struct connection *c)
{
	if (c->in)
		fclose(c->in); /* closes fd */
	else if (c->fd >= 0)
		close(c->fd);
	free(c->line);
}

/* Reads one line into c->line; 0, or -1 with the message printed. */
static int read_line(struct connection *c)
{
	ssize_t n = getline(&c->line, &c->line_size, c->in);

	if (n < 0) {
		if (ferror(c->in) && (errno == EAGAIN || errno == EWOULDBLOCK))
			fprintf(stderr, "tinysensectl: %s: no answer from the daemon\n", c->path);
		else if (ferror(c->in))
			fprintf(stderr, "tinysensectl: %s: %s\n", c->path, strerror(errno));
		else
			fprintf(stderr, "tinysensectl: %s: connection closed by the daemon\n", c->path);
		return -1;
	}
	if (n && c->line[n - 1] == '\n')
		c->line[n - 1] = '\0';
	return 0;
}

/* Decodes c->line into a message and its class; NULL (message printed)
 * if it is not one. */
static struct json_object *parse_line(const struct connection *c, enum sp_class *cls)
{
	struct json_object *o;

	if (sp_message_decode(c->line, &o, cls)) {
		fprintf(stderr, "tinysensectl: %s: not a tinysense daemon reply: %.80s\n", c->path,
			c->line);
		return NULL;
	}
	return o;
}

/* An ERROR's message, as the daemon put it ("too many clients ...", an
 * idle timeout, a refused request). */
static void print_error(struct json_object *o)
{
	fprintf(stderr, "tinysensectl: %s\n", sp_decode_error(o));
}

/* Connects and checks the greeting. */
static int connection_open(struct connection *c, const struct client_args *a)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_SEC };
	struct json_object *o;
	struct sp_version_view v;
	enum sp_class cls;

	c->fd = -1;
	if (socket_path(a, c->path, sizeof(c->path)))
		return -1;
	memcpy(sa.sun_path, c->path, sizeof(c->path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "tinysensectl: cannot connect to %s: %s\n", c->path, strerror(errno));
		return -1;
	}
	/* Until the reply: a daemon that does not answer is an error. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->in = fdopen(c->fd, "r");
	if (!c->in) {
		fprintf(stderr, "tinysensectl: %s\n", strerror(errno));
		return -1;
	}
	if (read_line(c) || !(o = parse_line(c, &cls)))
		return -1;
	if (cls == SP_ERROR) {
		print_error(o);
		json_object_put(o);
		return -1;
	}
	sp_decode_version(o, &v);
	if (cls != SP_VERSION || v.major != SOCKET_PROTO_MAJOR) {
		fprintf(stderr, "tinysensectl: %s: the daemon speaks protocol %lld, this tool %d\n",
			c->path, (long long)v.major, SOCKET_PROTO_MAJOR);
		json_object_put(o);
		return -1;
	}
	json_object_put(o);
	return 0;
}

/* After a failed send: the daemon may have said why before it closed
 * (too many clients, an idle timeout).  True when it did (printed). */
static bool told_why(struct connection *c)
{
	struct timeval tv = { .tv_sec = 1 };

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < 16; i++) {
		struct json_object *o;
		enum sp_class cls;

		if (getline(&c->line, &c->line_size, c->in) < 0 ||
		    sp_message_decode(c->line, &o, &cls))
			return false;
		if (cls == SP_ERROR) {
			c->line[strcspn(c->line, "\n")] = '\0';
			print_error(o);
		}
		json_object_put(o);
		if (cls == SP_ERROR)
			return true;
	}
	return false;
}

/* Sends req as one line. */
static int send_request(struct connection *c, const struct sp_request *req)
{
	struct json_object *o = sp_request_encode(req);
	size_t len = 0, off = 0;
	const char *text = o ? sp_line(o, &len) : NULL;
	char *line = text ? malloc(len + 1) : NULL;
	int r = 0;

	if (!line) {
		fprintf(stderr, "tinysensectl: out of memory\n");
		json_object_put(o);
		return -1;
	}
	memcpy(line, text, len);
	line[len++] = '\n';
	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			if (!told_why(c))
				fprintf(stderr, "tinysensectl: %s: %s\n", c->path, strerror(err));
			r = -1;
			break;
		}
		off += (size_t)n;
	}
	free(line);
	json_object_put(o);
	return r;
}

/* Reads until the reply of class want; events before it are skipped.  An
 * ERROR reply is printed.  NULL on any failure. */
static struct json_object *read_reply(struct connection *c, enum sp_class want)
{
	for (;;) {
		struct json_object *o;
		enum sp_class cls;

		if (read_line(c) || !(o = parse_line(c, &cls)))
			return NULL;
		if (cls == want)
			return o;
		if (cls == SP_ERROR) {
			print_error(o);
			json_object_put(o);
			return NULL;
		}
		json_object_put(o);
	}
}

/* ---- aligned columns ------------------------------------------------------- */

struct table {
	size_t cols, rows, cap;
	char **cells; /* rows x cols, owned */
	size_t width[TABLE_COLS];
};

static void table_add(struct table *t, const char *const *row)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **cells = realloc(t->cells, cap * t->cols * sizeof(*cells));

		if (!cells)
			return;
		t->cells = cells;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->cols; i++) {
		char *v = strdup(row[i] ? row[i] : "");
		size_t w = v ? strlen(v) : 0;

		t->cells[t->rows * t->cols + i] = v;
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->rows++;
}

/* Prints and frees; the last column is not padded. */
static void table_print(struct table *t)
{
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t i = 0; i < t->cols; i++) {
			const char *v = t->cells[r * t->cols + i];

			if (i + 1 < t->cols)
				printf("%-*s  ", (int)t->width[i], v ? v : "");
			else
				printf("%s\n", v ? v : "");
			free(t->cells[r * t->cols + i]);
		}
	}
	free(t->cells);
}

/* ---- commands ----------------------------------------------------------------- */

static int print_list(struct json_object *reply)
{
	struct table t = { .cols = 5 };
	size_t n = sp_entries(reply);

	table_add(&t, (const char *const[]){ "NAME", "STATE", "SOURCE", "MODEL", "LABELS" });
	for (size_t i = 0; i < n; i++) {
		struct sp_pipeline_view p;
		char text[1024] = "";
		size_t len = 0;
		const char *label;

		sp_decode_pipeline(reply, i, &p);
		for (size_t l = 0; (label = sp_label(&p, l)) && len < sizeof(text); l++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, l ? ",%s" : "%s",
						label);
		table_add(&t, (const char *const[]){ p.name, p.state, p.source, p.model, text });
	}
	table_print(&t);
	return 0;
}

static int print_status(struct json_object *reply)
{
	struct table t = { .cols = 6 };
	size_t n = sp_entries(reply);

	table_add(&t, (const char *const[]){ "NAME", "STATE", "INFERENCES", "DETECTIONS",
					     "MEAN-US", "LAST" });
	for (size_t i = 0; i < n; i++) {
		struct sp_pipeline_view p;
		char inf[24], det[24], mean[24], text[256] = "-";

		sp_decode_pipeline(reply, i, &p);
		snprintf(inf, sizeof(inf), "%lld", (long long)p.inferences);
		snprintf(det, sizeof(det), "%lld", (long long)p.detections);
		snprintf(mean, sizeof(mean), "%lld", (long long)p.mean_inference_usec);
		if (p.has_last)
			snprintf(text, sizeof(text), "%s %s %s", p.last.label, p.last.score,
				 p.last.time);
		table_add(&t, (const char *const[]){ p.name, p.state, inf, det, mean, text });
	}
	table_print(&t);
	return 0;
}

static int print_last(struct json_object *reply)
{
	struct table t = { .cols = 3 };
	size_t n = sp_entries(reply);

	table_add(&t, (const char *const[]){ "TIME", "LABEL", "SCORE" });
	for (size_t i = 0; i < n; i++) {
		struct sp_detection_view d;

		sp_decode_last_entry(reply, i, &d);
		table_add(&t, (const char *const[]){ d.time, d.label, d.score });
	}
	table_print(&t);
	return 0;
}

/* A pipeline name that fits a request; else the message is printed. */
static int copy_name(char *out, const char *name)
{
	if (strlen(name) >= PC_NAME_LEN) {
		fprintf(stderr, "tinysensectl: pipeline name longer than %d bytes: %.64s...\n",
			PC_NAME_LEN - 1, name);
		return -1;
	}
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

/* One request, one reply. */
static int run_query(struct connection *c, const struct client_args *a)
{
	struct sp_request req = { .cmd = SP_CMD_STATUS };
	enum sp_class want = SP_STATUS;
	struct json_object *reply;
	int r;

	if (!strcmp(a->cmd, "last")) {
		req.cmd = SP_CMD_LAST;
		req.n = (uint64_t)a->n;
		want = SP_LAST;
		if (copy_name(req.pipeline, a->names[0]))
			return 1;
	} else if (!strcmp(a->cmd, "list")) {
		req.cmd = SP_CMD_LIST;
		want = SP_PIPELINES;
	}
	if (send_request(c, &req) || !(reply = read_reply(c, want)))
		return 1;
	if (a->json)
		r = puts(c->line) < 0;
	else if (req.cmd == SP_CMD_LAST)
		r = print_last(reply);
	else if (req.cmd == SP_CMD_LIST)
		r = print_list(reply);
	else
		r = print_status(reply);
	json_object_put(reply);
	return r || fflush(stdout) ? 1 : 0;
}

/* Readable event output: detections on stdout, the rest on stderr. */
static void print_event(enum sp_class cls, struct json_object *o)
{
	struct sp_detection_view d;
	struct sp_state_view st;

	switch (cls) {
	case SP_DETECTION:
		sp_decode_detection(o, &d);
		printf("%s  %-12s  %-10s  %s\n", d.time, d.pipeline, d.label, d.score);
		break;
	case SP_STATE:
		sp_decode_state(o, &st);
		fprintf(stderr, "tinysensectl: %s is %s%s%s\n", st.pipeline, st.state,
			st.error[0] ? ": " : "", st.error);
		break;
	case SP_DROPPED:
		fprintf(stderr, "tinysensectl: %llu events lost (reading too slowly)\n",
			(unsigned long long)sp_decode_dropped(o));
		break;
	case SP_ERROR:
		print_error(o);
		break;
	default:
		break;
	}
}

static int run_watch(struct connection *c, const struct client_args *a)
{
	struct sp_request req = { .cmd = SP_CMD_WATCH, .all = !a->n_names };
	struct json_object *reply;
	struct timeval forever = { 0 };
	long seen = 0;

	for (size_t i = 0; i < a->n_names; i++)
		if (copy_name(req.pipelines[i], a->names[i]))
			return 1;
	req.n_pipelines = a->n_names;
	if (send_request(c, &req) || !(reply = read_reply(c, SP_WATCH)))
		return 1;
	json_object_put(reply);
	if (a->json && puts(c->line) < 0)
		return 1;
	fflush(stdout);
	/* Events may be far apart. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
	while (!a->count || seen < a->count) {
		struct json_object *o;
		enum sp_class cls;

		if (read_line(c) || !(o = parse_line(c, &cls)))
			return 1;
		if (cls == SP_DETECTION)
			seen++;
		if (a->json)
			puts(c->line);
		else
			print_event(cls, o);
		json_object_put(o);
		if (fflush(stdout))
			return 1;
	}
	return 0;
}

int cmd_client(int argc, char **argv)
{
	struct client_args a = { 0 };
	struct connection c = { .fd = -1 };
	int r;

	r = parse_args(argc, argv, &a);
	if (r)
		return r > 0 ? 0 : 2;
	if (connection_open(&c, &a)) {
		connection_close(&c);
		return 1;
	}
	r = !strcmp(a.cmd, "watch") ? run_watch(&c, &a) : run_query(&c, &a);
	connection_close(&c);
	return r;
}
