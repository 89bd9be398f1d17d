/* SPDX-License-Identifier: MIT */
/*
 * The JSON-lines socket (protocol in socket_server.h).
 *
 * Everything runs on the event-loop thread.  A message is serialized once
 * and shared by reference among the clients it goes to; each client keeps a
 * ring of references, bounded in bytes and in count.  Events may be dropped
 * (oldest first, counted, announced with DROPPED); replies never are:
 * instead a client whose queue is half full is not read from until it
 * catches up.  Replies are written at once; events are written by one
 * flush of every client after the loop has dispatched what was pending
 * (a low-priority defer source), so that a burst of detections costs each
 * client one write, not one per event.  What a write leaves waits for
 * EPOLLOUT.
 */
#include "socket_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "daemon.h"
#include "log.h"
#include "manager.h"
#include "pipeline.h"
#include "publisher.h"
#include "version.h"

#define SOCKET_GROUP "tinysense"
#define ACCEPT_BATCH 64
#define ACCEPT_RETRY_USEC (250 * 1000)
#define BIND_RETRY_MIN_USEC (250 * 1000)     /* a socket path that cannot be made yet */
#define BIND_RETRY_MAX_USEC (30 * 1000 * 1000)
#define WRITE_IOV 32
#define JSON_DEPTH 8

/* One serialized line (newline included), shared by every client it goes to. */
struct message {
	unsigned refs;
	size_t len;
	char text[];
};

struct queued {
	struct message *msg;
	bool event; /* may be dropped when the client falls behind */
};

struct client {
	struct socket_server *server;
	struct client *prev, *next;
	int fd;
	sd_event_source *io;
	uint32_t io_events;

	char in[SOCKET_MAX_LINE + 1]; /* one request line and its newline */
	size_t in_len;
	bool eof;      /* the peer will send nothing more */
	bool closing;  /* send what is queued, then disconnect */

	struct queued *q; /* ring */
	size_t q_cap, q_head, q_len;
	size_t q_bytes;   /* of every queued message, the head's sent part too */
	size_t head_sent; /* bytes of the head already written */
	uint64_t dropped; /* events lost since the last DROPPED notice */

	bool watching;
	bool scores;                /* watch also every inference's scores */
	char (*watch)[PC_NAME_LEN]; /* NULL: every pipeline */
	size_t n_watch;
};

struct history_entry {
	char label[PC_LABEL_LEN];
	uint16_t score_q15, average_q15;
	uint64_t mono_ns, realtime_us;
};

/* The last SOCKET_HISTORY detections of one pipeline, by name: pipeline
 * objects are replaced on reload, names carry over. */
struct history {
	char pipeline[PC_NAME_LEN];
	struct history_entry e[SOCKET_HISTORY];
	size_t next, n;
};

struct socket_server {
	struct daemon *d;
	int fd;
	char *path;        /* the file this server created, unlinked at free */
	sd_event_source *listen;
	sd_event_source *accept_retry;
	bool accept_failing; /* logged once until an accept succeeds */
	sd_event_source *bind_retry; /* while the socket path cannot be made */
	sd_event_source *flush;      /* oneshot: events were queued to idle clients */
	uint64_t bind_backoff_usec;
	struct client *clients;
	size_t n_clients;
	struct history *histories[MANAGER_MAX_PIPELINES];
	size_t n_histories;
	json_tokener *tok;
	struct message *version;
};

/* ---- messages --------------------------------------------------------------- */

static struct message *message_ref(struct message *m)
{
	m->refs++;
	return m;
}

static void message_unref(struct message *m)
{
	if (m && --m->refs == 0)
		free(m);
}

/* Serializes o into a new message (one reference) and drops o.  NULL when
 * out of memory. */
static struct message *message_from_json(struct json_object *o)
{
	struct message *m = NULL;
	const char *text;
	size_t len;

	if (!o)
		return NULL;
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text)
		m = malloc(sizeof(*m) + len + 1);
	if (m) {
		m->refs = 1;
		m->len = len + 1;
		memcpy(m->text, text, len);
		m->text[len] = '\n';
	}
	json_object_put(o);
	return m;
}

static struct json_object *json_class(const char *class)
{
	struct json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "class", json_object_new_string(class));
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

static struct json_object *json_detection_fields(struct json_object *o,
						 const struct history_entry *e)
{
	json_object_object_add(o, "label", json_object_new_string(e->label));
	json_object_object_add(o, "score", json_score(e->score_q15));
	json_object_object_add(o, "average", json_score(e->average_q15));
	json_object_object_add(o, "time", json_time(e->realtime_us));
	json_object_object_add(o, "mono_usec", json_object_new_int64((int64_t)(e->mono_ns / 1000)));
	return o;
}

static struct message *error_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct message *error_message(const char *fmt, ...)
{
	struct json_object *o = json_class("ERROR");
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (o)
		json_object_object_add(o, "message", json_object_new_string(text));
	return message_from_json(o);
}

static struct message *version_message(void)
{
	struct json_object *o = json_class("VERSION");

	if (o) {
		json_object_object_add(o, "release", json_object_new_string(TINYSENSE_VERSION));
		json_object_object_add(o, "proto_major", json_object_new_int(SOCKET_PROTO_MAJOR));
		json_object_object_add(o, "proto_minor", json_object_new_int(SOCKET_PROTO_MINOR));
	}
	return message_from_json(o);
}

static struct message *pipelines_message(const struct manager *m)
{
	struct json_object *o = json_class("PIPELINES");
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; list && i < m->n_pipelines; i++) {
		struct pipeline *p = m->pipelines[i];
		const struct pipeline_config *cfg = pipeline_config(p);
		struct json_object *e = json_object_new_object();
		struct json_object *labels = json_object_new_array();

		if (!e) {
			json_object_put(labels);
			continue;
		}
		for (size_t l = 0; labels && l < cfg->n_labels; l++)
			json_object_array_add(labels, json_object_new_string(cfg->labels[l]));
		json_object_object_add(e, "name", json_object_new_string(pipeline_name(p)));
		json_object_object_add(e, "state",
				       json_object_new_string(pipeline_state_name(pipeline_state(p))));
		json_object_object_add(e, "source", json_object_new_string(cfg->source_summary));
		json_object_object_add(e, "model", json_object_new_string(cfg->model_path));
		json_object_object_add(e, "labels", labels);
		json_object_array_add(list, e);
	}
	if (o)
		json_object_object_add(o, "pipelines", list);
	else
		json_object_put(list);
	return message_from_json(o);
}

/* Why the last (re)load was refused, or null. */
static struct json_object *json_config_error(const struct manager *m)
{
	return m->config_error[0] ? json_object_new_string(m->config_error) : NULL;
}

static struct message *status_message(const struct manager *m)
{
	struct json_object *o = json_class("STATUS");
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; list && i < m->n_pipelines; i++) {
		struct pipeline *p = m->pipelines[i];
		struct json_object *e = json_object_new_object();
		struct json_object *last = NULL;
		struct pipeline_stats st;

		if (!e)
			continue;
		pipeline_get_stats(p, &st);
		json_object_object_add(e, "name", json_object_new_string(pipeline_name(p)));
		json_object_object_add(e, "state",
				       json_object_new_string(pipeline_state_name(pipeline_state(p))));
		json_object_object_add(e, "inferences", json_object_new_int64((int64_t)st.inferences));
		json_object_object_add(e, "detections", json_object_new_int64((int64_t)st.detections));
		json_object_object_add(e, "samples", json_object_new_int64((int64_t)st.samples));
		json_object_object_add(e, "mean_inference_usec",
				       json_object_new_int64((int64_t)(st.mean_inference_ns / 1000)));
		if (st.has_last) {
			struct history_entry h = {
				.score_q15 = st.last.score_q15,
				.average_q15 = st.last.average_q15,
				.mono_ns = st.last.mono_ns,
				.realtime_us = st.last.realtime_us,
			};

			snprintf(h.label, sizeof(h.label), "%s", st.last.label ? st.last.label : "");
			last = json_object_new_object();
			if (last)
				json_detection_fields(last, &h);
		}
		json_object_object_add(e, "last", last);
		if (st.last_error[0])
			json_object_object_add(e, "error", json_object_new_string(st.last_error));
		json_object_array_add(list, e);
	}
	if (o) {
		json_object_object_add(o, "pipelines", list);
		json_object_object_add(o, "config_error", json_config_error(m));
	} else {
		json_object_put(list);
	}
	return message_from_json(o);
}

static struct message *config_message(const struct manager *m)
{
	struct json_object *o = json_class("CONFIG");

	if (o)
		json_object_object_add(o, "error", json_config_error(m));
	return message_from_json(o);
}

/* ---- detection history -------------------------------------------------------- */

static struct history *history_find(const struct socket_server *s, const char *pipeline)
{
	for (size_t i = 0; i < s->n_histories; i++)
		if (!strcmp(s->histories[i]->pipeline, pipeline))
			return s->histories[i];
	return NULL;
}

/* Forgets pipelines that are no longer loaded. */
static void history_prune(struct socket_server *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n_histories; i++) {
		if (manager_find(&s->d->manager, s->histories[i]->pipeline))
			s->histories[kept++] = s->histories[i];
		else
			free(s->histories[i]);
	}
	s->n_histories = kept;
}

static struct history *history_get(struct socket_server *s, const char *pipeline)
{
	struct history *h = history_find(s, pipeline);

	if (h)
		return h;
	if (s->n_histories == MANAGER_MAX_PIPELINES)
		history_prune(s);
	if (s->n_histories == MANAGER_MAX_PIPELINES)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->pipeline, sizeof(h->pipeline), "%s", pipeline);
	s->histories[s->n_histories++] = h;
	return h;
}

static void history_add(struct history *h, const struct history_entry *e)
{
	h->e[h->next] = *e;
	h->next = (h->next + 1) % SOCKET_HISTORY;
	if (h->n < SOCKET_HISTORY)
		h->n++;
}

/* The i-th of the last n entries, oldest first. */
static const struct history_entry *history_at(const struct history *h, size_t n, size_t i)
{
	return &h->e[(h->next + SOCKET_HISTORY - n + i) % SOCKET_HISTORY];
}

/* ---- client output queue -------------------------------------------------------- */

static struct queued *queue_at(struct client *c, size_t i)
{
	return &c->q[(c->q_head + i) % c->q_cap];
}

static int queue_grow(struct client *c)
{
	size_t cap = c->q_cap ? c->q_cap * 2 : 16;
	struct queued *q;

	if (c->q_len < c->q_cap)
		return 0;
	q = malloc(cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < c->q_len; i++)
		q[i] = *queue_at(c, i);
	free(c->q);
	c->q = q;
	c->q_cap = cap;
	c->q_head = 0;
	return 0;
}

static int queue_push(struct client *c, struct message *m, bool event)
{
	if (queue_grow(c))
		return -ENOMEM;
	*queue_at(c, c->q_len) = (struct queued){ message_ref(m), event };
	c->q_len++;
	c->q_bytes += m->len;
	return 0;
}

static int queue_push_front(struct client *c, struct message *m)
{
	if (queue_grow(c))
		return -ENOMEM;
	c->q_head = (c->q_head + c->q_cap - 1) % c->q_cap;
	c->q[c->q_head] = (struct queued){ message_ref(m), false };
	c->q_len++;
	c->q_bytes += m->len;
	return 0;
}

static void queue_pop(struct client *c)
{
	struct message *m = c->q[c->q_head].msg;

	c->q_bytes -= m->len;
	message_unref(m);
	c->q_head = (c->q_head + 1) % c->q_cap;
	c->q_len--;
	c->head_sent = 0;
}

/* Removes the oldest event not being written; false when there is none.
 * The entries before it (usually none or one) move up by one. */
static bool queue_drop_oldest_event(struct client *c)
{
	for (size_t i = c->head_sent ? 1 : 0; i < c->q_len; i++) {
		struct queued *e = queue_at(c, i);

		if (!e->event)
			continue;
		c->q_bytes -= e->msg->len;
		message_unref(e->msg);
		for (; i > 0; i--)
			*queue_at(c, i) = *queue_at(c, i - 1);
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
		c->dropped++;
		return true;
	}
	return false;
}

static bool queue_full(const struct client *c, size_t more)
{
	return c->q_bytes + more > SOCKET_QUEUE_BYTES || c->q_len >= SOCKET_QUEUE_EVENTS;
}

/* Requests are not read while replies could pile up. */
static bool client_backlogged(const struct client *c)
{
	return c->q_bytes >= SOCKET_QUEUE_BYTES / 2 || c->q_len >= SOCKET_QUEUE_EVENTS / 2;
}

/* A full queue loses its oldest events down to three quarters: gaps, and
 * the DROPPED notices that mark them, come in batches. */
static void client_send_event(struct client *c, struct message *m)
{
	if (queue_full(c, m->len))
		while ((c->q_bytes + m->len > SOCKET_QUEUE_BYTES / 4 * 3 ||
			c->q_len >= SOCKET_QUEUE_EVENTS / 4 * 3) && queue_drop_oldest_event(c))
			;
	if (queue_full(c, m->len) || queue_push(c, m, true))
		c->dropped++;
}

/* A reply: never dropped.  Out of memory closes the connection. */
static void client_reply(struct client *c, struct message *m)
{
	if (!m || queue_push(c, m, false))
		c->closing = true;
	message_unref(m);
}

static struct message *dropped_message(uint64_t count)
{
	struct json_object *o = json_class("DROPPED");

	if (o)
		json_object_object_add(o, "count", json_object_new_int64((int64_t)count));
	return message_from_json(o);
}

/* Writes as much as the socket takes.  Negative: the connection is dead or
 * done (closing and drained); the caller frees the client. */
static int client_flush(struct client *c)
{
	while (c->q_len || c->dropped) {
		struct iovec iov[WRITE_IOV];
		struct msghdr mh = { .msg_iov = iov };
		ssize_t n;

		/* The gap left by dropped events is announced where it is. */
		if (c->dropped && c->head_sent == 0) {
			struct message *m = dropped_message(c->dropped);

			if (!m || queue_push_front(c, m)) {
				message_unref(m);
				return -ENOMEM;
			}
			message_unref(m);
			c->dropped = 0;
		}
		for (size_t i = 0; i < c->q_len && mh.msg_iovlen < WRITE_IOV; i++) {
			struct message *m = queue_at(c, i)->msg;
			size_t skip = i ? 0 : c->head_sent;

			iov[mh.msg_iovlen++] = (struct iovec){ m->text + skip, m->len - skip };
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		while (n > 0) {
			size_t left = c->q[c->q_head].msg->len - c->head_sent;

			if ((size_t)n < left) {
				c->head_sent += (size_t)n;
				break;
			}
			n -= (ssize_t)left;
			queue_pop(c);
		}
	}
	if (c->closing && !c->q_len)
		return -ESHUTDOWN;
	return 0;
}

static void client_update_events(struct client *c)
{
	uint32_t want = 0;

	if (!c->closing && !c->eof && !client_backlogged(c) && c->in_len < sizeof(c->in))
		want |= EPOLLIN;
	if (c->q_len || c->dropped)
		want |= EPOLLOUT;
	if (want != c->io_events && sd_event_source_set_io_events(c->io, want) >= 0)
		c->io_events = want;
}

/* Scores flow from the pipelines only while some client watches them. */
static void update_scores_wanted(struct socket_server *s)
{
	bool any = false;

	for (struct client *c = s->clients; c && !any; c = c->next)
		any = c->watching && c->scores;
	if (any != s->d->manager.scores_wanted)
		manager_want_scores(&s->d->manager, any);
}

static void client_free(struct client *c)
{
	struct socket_server *s = c->server;
	const bool had_scores = c->watching && c->scores;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_clients--;
	sd_event_source_disable_unref(c->io);
	/* Unread input would turn our close into ECONNRESET for the peer
	 * before it reads our last words (an overlong line's ERROR). */
	for (int i = 0; i < 16 && recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT) > 0; i++)
		;
	close(c->fd);
	while (c->q_len)
		queue_pop(c);
	free(c->q);
	free(c->watch);
	free(c);
	if (had_scores)
		update_scores_wanted(s);
}

/* Flushes; frees the client when it is finished.  False when it was freed. */
static bool client_flush_or_free(struct client *c)
{
	int r = client_flush(c);

	if (r < 0) {
		if (r != -ESHUTDOWN && r != -EPIPE && r != -ECONNRESET)
			log_debug("socket client: %s", strerror(-r));
		client_free(c);
		return false;
	}
	client_update_events(c);
	return true;
}

static bool client_watches(const struct client *c, const char *pipeline)
{
	if (!c->watching || c->closing)
		return false;
	if (!c->watch)
		return true;
	for (size_t i = 0; i < c->n_watch; i++)
		if (!strcmp(c->watch[i], pipeline))
			return true;
	return false;
}

static int on_flush(sd_event_source *es, void *userdata)
{
	struct socket_server *s = userdata;
	struct client *next;

	(void)es;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		/* Those waiting for EPOLLOUT are written to when it comes. */
		if ((c->q_len || c->dropped) && !(c->io_events & EPOLLOUT))
			client_flush_or_free(c);
	}
	return 0;
}

/* Events were queued to an idle client: flush when the loop has nothing
 * more urgent (the rest of this burst) to dispatch.  Negative when that
 * cannot be arranged (the caller waits for EPOLLOUT instead). */
static int schedule_flush(struct socket_server *s)
{
	int r;

	if (!s->flush) {
		r = sd_event_add_defer(s->d->event, &s->flush, on_flush, s);
		if (r >= 0)
			r = sd_event_source_set_priority(s->flush, SD_EVENT_PRIORITY_NORMAL + 1);
		if (r < 0) {
			s->flush = sd_event_source_disable_unref(s->flush);
			return r;
		}
	}
	return sd_event_source_set_enabled(s->flush, SD_EVENT_ONESHOT);
}

/* Sends m (consumed) to every watcher of pipeline (every watcher if NULL). */
static void broadcast(struct socket_server *s, const char *pipeline, struct message *m)
{
	struct client *next;

	if (!m)
		return;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		if (!(pipeline ? client_watches(c, pipeline) : c->watching && !c->closing))
			continue;
		client_send_event(c, m);
		/* A client with a backlog waits for EPOLLOUT; the others are
		 * written to by the flush, once for all of this burst. */
		if ((c->io_events & EPOLLOUT) || schedule_flush(s) < 0)
			client_update_events(c);
	}
	message_unref(m);
}

/* ---- requests ------------------------------------------------------------------ */

typedef void (*command_fn)(struct client *c, struct json_object *req);

static void reply_error(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply_error(struct client *c, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	client_reply(c, error_message("%s", text));
}

static void cmd_list(struct client *c, struct json_object *req)
{
	(void)req;
	client_reply(c, pipelines_message(&c->server->d->manager));
}

static void cmd_status(struct client *c, struct json_object *req)
{
	(void)req;
	client_reply(c, status_message(&c->server->d->manager));
}

static void cmd_watch(struct client *c, struct json_object *req)
{
	const struct manager *m = &c->server->d->manager;
	struct json_object *names = NULL, *scores = NULL, *o, *list = NULL;
	char (*watch)[PC_NAME_LEN] = NULL;
	size_t n = 0;

	json_object_object_get_ex(req, "pipelines", &names);
	json_object_object_get_ex(req, "scores", &scores);
	if (scores && !json_object_is_type(scores, json_type_boolean)) {
		reply_error(c, "watch: \"scores\" must be true or false");
		return;
	}
	if (names && !json_object_is_type(names, json_type_array)) {
		reply_error(c, "watch: \"pipelines\" must be an array of names");
		return;
	}
	if (names) {
		n = json_object_array_length(names);
		if (n > MANAGER_MAX_PIPELINES) {
			reply_error(c, "watch: more than %d pipelines", MANAGER_MAX_PIPELINES);
			return;
		}
		watch = calloc(n ? n : 1, sizeof(*watch));
		if (!watch) {
			reply_error(c, "watch: out of memory");
			return;
		}
		for (size_t i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(names, i);
			const char *name = json_object_get_string(v);

			if (!json_object_is_type(v, json_type_string)) {
				reply_error(c, "watch: \"pipelines\" must be an array of names");
				free(watch);
				return;
			}
			if (!manager_find(m, name)) {
				reply_error(c, "watch: no pipeline '%.64s'", name);
				free(watch);
				return;
			}
			snprintf(watch[i], sizeof(watch[i]), "%s", name);
		}
	}
	free(c->watch);
	c->watch = watch;
	c->n_watch = n;
	c->watching = true;
	c->scores = scores && json_object_get_boolean(scores);
	update_scores_wanted(c->server);

	o = json_class("WATCH");
	if (watch) {
		list = json_object_new_array();
		for (size_t i = 0; list && i < n; i++)
			json_object_array_add(list, json_object_new_string(watch[i]));
	}
	if (o) {
		json_object_object_add(o, "enable", json_object_new_boolean(1));
		json_object_object_add(o, "pipelines", list);
		json_object_object_add(o, "scores", json_object_new_boolean(c->scores));
	} else {
		json_object_put(list);
	}
	client_reply(c, message_from_json(o));
}

static void cmd_unwatch(struct client *c, struct json_object *req)
{
	struct json_object *o = json_class("WATCH");

	(void)req;
	c->watching = false;
	c->scores = false;
	update_scores_wanted(c->server);
	free(c->watch);
	c->watch = NULL;
	c->n_watch = 0;
	if (o)
		json_object_object_add(o, "enable", json_object_new_boolean(0));
	client_reply(c, message_from_json(o));
}

static void cmd_last(struct client *c, struct json_object *req)
{
	struct socket_server *s = c->server;
	struct json_object *name_o = NULL, *n_o = NULL, *o, *list;
	const struct history *h;
	const char *name;
	int64_t n = SOCKET_HISTORY;
	size_t count;

	json_object_object_get_ex(req, "pipeline", &name_o);
	json_object_object_get_ex(req, "n", &n_o);
	if (!name_o || !json_object_is_type(name_o, json_type_string)) {
		reply_error(c, "last: \"pipeline\" must be a pipeline name");
		return;
	}
	if (n_o) {
		if (!json_object_is_type(n_o, json_type_int) || json_object_get_int64(n_o) < 1) {
			reply_error(c, "last: \"n\" must be a positive integer");
			return;
		}
		n = json_object_get_int64(n_o);
	}
	name = json_object_get_string(name_o);
	if (!manager_find(&s->d->manager, name)) {
		reply_error(c, "last: no pipeline '%.64s'", name);
		return;
	}
	h = history_find(s, name);
	count = h ? h->n : 0;
	if ((uint64_t)n < count)
		count = (size_t)n;

	o = json_class("LAST");
	list = json_object_new_array();
	for (size_t i = 0; list && i < count; i++) {
		struct json_object *e = json_object_new_object();

		if (e)
			json_detection_fields(e, history_at(h, count, i));
		json_object_array_add(list, e);
	}
	if (o) {
		json_object_object_add(o, "pipeline", json_object_new_string(name));
		json_object_object_add(o, "detections", list);
	} else {
		json_object_put(list);
	}
	client_reply(c, message_from_json(o));
}

static const struct command {
	const char *name;
	command_fn run;
} commands[] = {
	{ "list", cmd_list },
	{ "status", cmd_status },
	{ "watch", cmd_watch },
	{ "unwatch", cmd_unwatch },
	{ "last", cmd_last },
};

/* line: NUL-terminated, len bytes, no newline. */
static void client_handle_line(struct client *c, char *line, size_t len)
{
	json_tokener *tok = c->server->tok;
	enum json_tokener_error jerr;
	struct json_object *req, *cmd;
	const char *name;
	size_t i;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	if (!len)
		return;
	if (strlen(line) != len) {
		reply_error(c, "malformed JSON: NUL byte in request");
		return;
	}
	json_tokener_reset(tok);
	req = json_tokener_parse_ex(tok, line, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	if (jerr != json_tokener_success) {
		reply_error(c, "malformed JSON: %s", json_tokener_error_desc(jerr));
		return;
	}
	if (!json_object_is_type(req, json_type_object)) {
		reply_error(c, "request is not a JSON object");
		json_object_put(req);
		return;
	}
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		reply_error(c, "request has no \"cmd\" string");
		json_object_put(req);
		return;
	}
	name = json_object_get_string(cmd);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			break;
	if (i < sizeof(commands) / sizeof(commands[0]))
		commands[i].run(c, req);
	else
		reply_error(c, "unknown command '%.64s' (known: list, status, watch, unwatch, last)",
			    name);
	json_object_put(req);
}

/* Handles complete lines while the queue has room. */
static void client_process_lines(struct client *c)
{
	size_t start = 0;

	while (!c->closing && !client_backlogged(c)) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		size_t len;

		if (!nl) {
			if (start == 0 && c->in_len == sizeof(c->in)) {
				client_reply(c, error_message("request line longer than %d bytes",
							      SOCKET_MAX_LINE));
				c->closing = true;
				c->in_len = 0;
				return;
			}
			if (!c->eof || start == c->in_len)
				break;
			nl = c->in + c->in_len; /* a last line without a newline */
		}
		len = (size_t)(nl - (c->in + start));
		if (nl < c->in + c->in_len) {
			*nl = '\0';
			client_handle_line(c, c->in + start, len);
			start += len + 1;
		} else {
			/* the unterminated last line: make room for its NUL */
			char line[sizeof(c->in) + 1];

			memcpy(line, c->in + start, len);
			line[len] = '\0';
			client_handle_line(c, line, len);
			start = c->in_len;
		}
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->eof && !c->in_len)
		c->closing = true;
}

static bool client_has_line(const struct client *c)
{
	return c->in_len && (c->eof || c->in_len == sizeof(c->in) ||
			     memchr(c->in, '\n', c->in_len));
}

static int client_read(struct client *c)
{
	ssize_t n;

	if (c->in_len == sizeof(c->in) || c->eof || c->closing)
		return 0;
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	if (n == 0)
		c->eof = true;
	c->in_len += (size_t)n;
	return 0;
}

static int on_client_io(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
	struct client *c = userdata;
	int r = 0;

	(void)es;
	(void)fd;
	if (revents & EPOLLIN)
		r = client_read(c);
	if (r >= 0 && (revents & EPOLLERR))
		r = -ECONNRESET;
	if (r >= 0 && (revents & EPOLLHUP) && !(revents & EPOLLIN))
		r = -ECONNRESET; /* gone both ways, and nothing left to read */
	/* Answer, send, and go on while sending made room for more answers
	 * (the lines are those of one buffer: this ends). */
	while (r >= 0) {
		client_process_lines(c);
		r = client_flush(c);
		if (r < 0 || !client_has_line(c) || client_backlogged(c) || c->closing)
			break;
	}
	if (r >= 0 && c->closing && !c->q_len)
		r = -ESHUTDOWN;
	if (r < 0) {
		if (r != -ESHUTDOWN && r != -EPIPE && r != -ECONNRESET)
			log_debug("socket client: %s", strerror(-r));
		client_free(c);
		return 0;
	}
	client_update_events(c);
	return 0;
}

/* ---- listening ------------------------------------------------------------------ */

static void client_new(struct socket_server *s, int fd)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	c->server = s;
	c->fd = fd;
	c->io_events = EPOLLIN;
	if (sd_event_add_io(s->d->event, &c->io, fd, c->io_events, on_client_io, c) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->n_clients++;
	client_reply(c, message_ref(s->version));
	client_flush_or_free(c);
}

/* Tells a client beyond the limit why, without waiting for it. */
static void refuse_client(struct socket_server *s, int fd)
{
	struct message *m = error_message("too many clients (%d)", SOCKET_MAX_CLIENTS);

	if (m) {
		(void)!send(fd, s->version->text, s->version->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)!send(fd, m->text, m->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		message_unref(m);
	}
	close(fd);
}

static int on_accept_retry(sd_event_source *es, uint64_t usec, void *userdata)
{
	struct socket_server *s = userdata;

	(void)es;
	(void)usec;
	sd_event_source_set_enabled(s->listen, SD_EVENT_ON);
	return 0;
}

/* Out of descriptors or memory: stop accepting for a moment rather than
 * spin on a listener that stays readable. */
static void pause_accepting(struct socket_server *s, int err)
{
	uint64_t now;

	if (!s->accept_failing)
		log_warning("socket %s: cannot accept clients: %s; retrying every %d ms",
			    s->path ? s->path : "(activated)", strerror(err),
			    ACCEPT_RETRY_USEC / 1000);
	s->accept_failing = true;
	sd_event_source_set_enabled(s->listen, SD_EVENT_OFF);
	if (sd_event_now(s->d->event, CLOCK_MONOTONIC, &now) < 0)
		now = 0;
	if (s->accept_retry) {
		sd_event_source_set_time(s->accept_retry, now + ACCEPT_RETRY_USEC);
		sd_event_source_set_enabled(s->accept_retry, SD_EVENT_ONESHOT);
	} else if (sd_event_add_time(s->d->event, &s->accept_retry, CLOCK_MONOTONIC,
				     now + ACCEPT_RETRY_USEC, 0, on_accept_retry, s) < 0) {
		sd_event_source_set_enabled(s->listen, SD_EVENT_ON);
	}
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
	struct socket_server *s = userdata;

	(void)es;
	(void)revents;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			pause_accepting(s, errno);
			break;
		}
		s->accept_failing = false;
		if (s->n_clients >= SOCKET_MAX_CLIENTS)
			refuse_client(s, cfd);
		else
			client_new(s, cfd);
	}
	return 0;
}

/* A systemd-passed listening AF_UNIX stream socket: the one bound to path
 * if there is one, else the first; -ENOENT when none. */
static int activated_socket(const char *path)
{
	int n = sd_listen_fds(0), fallback = -ENOENT;

	for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
		if (path[0] && sd_is_socket_unix(fd, SOCK_STREAM, 1, path, 0) > 0)
			return fd;
		if (fallback < 0 && sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0)
			fallback = fd;
	}
	return fallback;
}

/* Removes a socket left by a daemon that is gone; -EADDRINUSE when one
 * still answers there, -EEXIST when path is not a socket. */
static int remove_stale_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	r = r == 0 || errno == EAGAIN || errno == EINPROGRESS ? -EADDRINUSE : 0;
	close(fd);
	if (r == 0 && unlink(path) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

static void set_socket_group(const char *path)
{
	struct group gr, *found = NULL;
	char buf[4096];

	if (getgrnam_r(SOCKET_GROUP, &gr, buf, sizeof(buf), &found) || !found)
		return; /* no such group: leave the owner's */
	if (chown(path, (uid_t)-1, gr.gr_gid) < 0)
		log_warning("socket %s: cannot give it to group %s: %s", path, SOCKET_GROUP,
			    strerror(errno));
}

/* The directories of path, when they are missing (a --user run, a hand
 * start without systemd's RuntimeDirectory=, /run cleaned under us). */
static void make_parents(const char *path)
{
	char dir[PC_PATH_LEN];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_debug("socket: mkdir %s: %s", dir, strerror(errno));
			return;
		}
		*slash = '/';
	}
}

static int bind_socket(struct socket_server *s, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (!path[0])
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	make_parents(path);
	r = remove_stale_socket(path, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* Not yet listening: nobody can connect before the mode is right. */
	if (chmod(path, 0660) < 0 || listen(fd, SOMAXCONN) < 0)
		r = -errno;
	else if (!(s->path = strdup(path)))
		r = -ENOMEM;
	if (r < 0) {
		unlink(path);
		close(fd);
		return r;
	}
	set_socket_group(path);
	s->fd = fd;
	return 0;
}

static int start_listening(struct socket_server *s)
{
	int r = sd_event_add_io(s->d->event, &s->listen, s->fd, EPOLLIN, on_accept, s);

	if (r < 0)
		log_error("socket: cannot watch the listener: %s", strerror(-r));
	else
		log_info("socket: listening on %s", s->path ? s->path : "the socket passed by systemd");
	return r;
}

static int on_bind_retry(sd_event_source *es, uint64_t usec, void *userdata)
{
	struct socket_server *s = userdata;
	int r;

	(void)es;
	(void)usec;
	r = bind_socket(s, s->d->cfg.socket_path);
	if (r == 0) {
		s->bind_retry = sd_event_source_disable_unref(s->bind_retry);
		if (start_listening(s) < 0)
			sd_event_exit(s->d->event, -EIO); /* out of resources: let systemd restart us */
		return 0;
	}
	s->bind_backoff_usec = s->bind_backoff_usec * 2 > BIND_RETRY_MAX_USEC ?
				       BIND_RETRY_MAX_USEC : s->bind_backoff_usec * 2;
	if (sd_event_source_set_time_relative(s->bind_retry, s->bind_backoff_usec) < 0 ||
	    sd_event_source_set_enabled(s->bind_retry, SD_EVENT_ONESHOT) < 0)
		log_error("socket %s: cannot arm the retry timer; no socket", s->d->cfg.socket_path);
	return 0;
}

/* The socket path cannot be made now (its directory cannot be created, a
 * file is in the way, ...): run without the socket and try again, with a
 * backoff up to BIND_RETRY_MAX_USEC, until it can.  0, or a negative errno
 * when even the timer cannot be set up. */
static int retry_binding(struct socket_server *s, int err)
{
	int r;

	log_error("socket %s: %s; running without it, retrying", s->d->cfg.socket_path,
		  strerror(-err));
	s->bind_backoff_usec = BIND_RETRY_MIN_USEC;
	r = sd_event_add_time_relative(s->d->event, &s->bind_retry, CLOCK_MONOTONIC,
				       s->bind_backoff_usec, 0, on_bind_retry, s);
	if (r < 0)
		log_error("socket: cannot arm the retry timer: %s", strerror(-r));
	return r;
}

/* ---- publisher ------------------------------------------------------------------- */

static void on_detection(void *user, const struct pipeline *p, const struct detection_event *ev)
{
	struct socket_server *s = user;
	const char *name = pipeline_name(p);
	struct history_entry e = {
		.score_q15 = ev->score_q15,
		.average_q15 = ev->average_q15,
		.mono_ns = ev->mono_ns,
		.realtime_us = ev->realtime_us,
	};
	struct history *h = history_get(s, name);
	struct json_object *o;

	snprintf(e.label, sizeof(e.label), "%s", ev->label ? ev->label : "");
	if (h)
		history_add(h, &e);
	o = json_class("DETECTION");
	if (o) {
		json_object_object_add(o, "pipeline", json_object_new_string(name));
		json_detection_fields(o, &e);
	}
	broadcast(s, name, message_from_json(o));
}

/* SCORES: every inference's averaged score per label, to the clients that
 * asked for them ("scores": true) and watch the pipeline. */
static void on_scores(void *user, const struct pipeline *p, const struct scores_event *ev)
{
	struct socket_server *s = user;
	const struct pipeline_config *cfg = pipeline_config(p);
	const char *name = pipeline_name(p);
	struct json_object *o = json_class("SCORES"), *values = json_object_new_object();
	struct message *m;
	struct client *next;

	if (!o || !values) {
		json_object_put(o);
		json_object_put(values);
		return;
	}
	for (size_t i = 0; i < ev->n && i < cfg->n_labels; i++)
		json_object_object_add(values, cfg->labels[i], json_score(ev->scores_q15[i]));
	json_object_object_add(o, "pipeline", json_object_new_string(name));
	json_object_object_add(o, "scores", values);
	json_object_object_add(o, "time", json_time(ev->realtime_us));
	json_object_object_add(o, "mono_usec", json_object_new_int64((int64_t)(ev->mono_ns / 1000)));
	m = message_from_json(o);
	if (!m)
		return;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		if (!c->scores || !client_watches(c, name))
			continue;
		client_send_event(c, m);
		if ((c->io_events & EPOLLOUT) || schedule_flush(s) < 0)
			client_update_events(c);
	}
	message_unref(m);
}

static void on_state_changed(void *user, const struct pipeline *p)
{
	struct socket_server *s = user;
	struct json_object *o = json_class("STATE");
	enum pipeline_state state = pipeline_state(p);

	if (o) {
		json_object_object_add(o, "pipeline", json_object_new_string(pipeline_name(p)));
		json_object_object_add(o, "state", json_object_new_string(pipeline_state_name(state)));
		if (state == PIPELINE_DEGRADED || state == PIPELINE_FAILED) {
			struct pipeline_stats st;

			pipeline_get_stats(p, &st);
			if (st.last_error[0])
				json_object_object_add(o, "error", json_object_new_string(st.last_error));
		}
	}
	broadcast(s, pipeline_name(p), message_from_json(o));
}

static void on_pipelines_changed(void *user, const struct set_change *change)
{
	struct socket_server *s = user;

	(void)change; /* PIPELINES lists the whole set */
	history_prune(s);
	broadcast(s, NULL, pipelines_message(&s->d->manager));
}

static void on_config_result(void *user, const char *error)
{
	struct socket_server *s = user;

	(void)error; /* config_message() reads it from the manager */
	broadcast(s, NULL, config_message(&s->d->manager));
}

static const struct publisher_ops socket_publisher_ops = {
	.name = "socket",
	.detection = on_detection,
	.state_changed = on_state_changed,
	.scores = on_scores,
	.pipelines_changed = on_pipelines_changed,
	.config_result = on_config_result,
};

/* ---- life -------------------------------------------------------------------------- */

int socket_server_new(struct daemon *d, struct socket_server **out)
{
	const char *path = d->cfg.socket_path;
	struct socket_server *s;
	int fd, r;

	s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("socket: out of memory");
		return -ENOMEM;
	}
	s->d = d;
	s->fd = -1;
	s->tok = json_tokener_new_ex(JSON_DEPTH);
	s->version = version_message();
	if (!s->tok || !s->version) {
		r = -ENOMEM;
		log_error("socket: out of memory");
		goto err;
	}
	json_tokener_set_flags(s->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

	fd = activated_socket(path);
	if (fd >= 0) {
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			r = -errno;
			log_error("socket: activated socket %d: %s", fd, strerror(-r));
			goto err;
		}
		s->fd = fd;
		r = start_listening(s);
	} else {
		r = bind_socket(s, path);
		if (r == -EADDRINUSE)
			log_error("socket %s: another daemon is listening there", path);
		else if (r == -EEXIST)
			log_error("socket %s: exists and is not a socket", path);
		else if (r == -EINVAL)
			log_error("socket: no SocketPath= and no socket from systemd");
		else if (r < 0)
			r = retry_binding(s, r);
		else
			r = start_listening(s);
	}
	if (r < 0)
		goto err;
	r = manager_add_publisher(&d->manager, &socket_publisher_ops, s);
	if (r < 0) {
		log_error("socket: %s", strerror(-r));
		goto err;
	}
	*out = s;
	return 0;
err:
	socket_server_free(s);
	return r;
}

struct socket_server *socket_server_free(struct socket_server *s)
{
	if (!s)
		return NULL;
	manager_remove_publisher(&s->d->manager, s);
	while (s->clients)
		client_free(s->clients);
	sd_event_source_disable_unref(s->listen);
	sd_event_source_disable_unref(s->accept_retry);
	sd_event_source_disable_unref(s->bind_retry);
	sd_event_source_disable_unref(s->flush);
	if (s->fd >= 0)
		close(s->fd);
	if (s->path) {
		unlink(s->path);
		free(s->path);
	}
	for (size_t i = 0; i < s->n_histories; i++)
		free(s->histories[i]);
	message_unref(s->version);
	if (s->tok)
		json_tokener_free(s->tok);
	free(s);
	return NULL;
}

size_t socket_server_client_count(const struct socket_server *s)
{
	return s ? s->n_clients : 0;
}
