/* SPDX-License-Identifier: MIT */
/*
 * The JSON-lines socket's transport (the protocol: daemon/common/socket_proto.h).
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
#include "socket_proto.h"

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
#define FILE_CHECK_USEC (2 * 1000 * 1000)  /* is the socket file still ours? */
#define WRITE_IOV 32

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
	sd_event_source *idle; /* until the first command: closes a silent client */

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
	sd_event_source *file_check; /* is our socket file still there? */
	dev_t dev;                   /* of the socket file we made */
	ino_t ino;
	sd_event_source *flush;      /* oneshot: events were queued to idle clients */
	uint64_t bind_backoff_usec;
	struct client *clients;
	size_t n_clients;
	struct history *histories[MANAGER_MAX_PIPELINES];
	size_t n_histories;
	struct sp_decoder *decoder;
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

/* Serializes o (from socket_proto) into a new message (one reference)
 * and drops o.  NULL when out of memory. */
static struct message *message_from_json(struct json_object *o)
{
	struct message *m = NULL;
	const char *text;
	size_t len;

	if (!o)
		return NULL;
	text = sp_line(o, &len);
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

static struct message *error_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct message *error_message(const char *fmt, ...)
{
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = sp_encode_errorv(fmt, ap);
	va_end(ap);
	return message_from_json(o);
}

static struct message *pipelines_message(const struct manager *m)
{
	struct json_object *o = sp_encode_pipelines();

	for (size_t i = 0; o && i < m->n_pipelines; i++) {
		struct pipeline *p = m->pipelines[i];
		const struct pipeline_config *cfg = pipeline_config(p);
		const struct sp_pipeline_info info = {
			.name = pipeline_name(p),
			.state = pipeline_state_name(pipeline_state(p)),
			.source = cfg->source_summary,
			.model = cfg->model_path,
			.labels = (const char (*)[PC_LABEL_LEN])cfg->labels,
			.n_labels = cfg->n_labels,
		};

		sp_pipelines_add(o, &info);
	}
	return message_from_json(o);
}

static struct message *status_message(const struct manager *m)
{
	struct json_object *o = sp_encode_status(m->config_error);

	for (size_t i = 0; o && i < m->n_pipelines; i++) {
		struct pipeline *p = m->pipelines[i];
		struct pipeline_stats st;
		struct sp_detection last;

		pipeline_get_stats(p, &st);
		last = (struct sp_detection){
			.label = st.last.label,
			.score_q15 = st.last.score_q15,
			.average_q15 = st.last.average_q15,
			.mono_ns = st.last.mono_ns,
			.realtime_us = st.last.realtime_us,
		};
		sp_status_add(o, &(const struct sp_pipeline_status){
			.name = pipeline_name(p),
			.state = pipeline_state_name(pipeline_state(p)),
			.inferences = st.inferences,
			.detections = st.detections,
			.samples = st.samples,
			.mean_inference_ns = st.mean_inference_ns,
			.last = st.has_last ? &last : NULL,
			.error = st.last_error,
		});
	}
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
			struct message *m = message_from_json(sp_encode_dropped(c->dropped));

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
	sd_event_source_disable_unref(c->idle);
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

/* A client that sent a command is no longer idle: it may stay silent
 * (a watcher) as long as it likes. */
static void client_commanded(struct client *c)
{
	c->idle = sd_event_source_disable_unref(c->idle);
}

/* A watch may name every pipeline the manager can hold. */
_Static_assert(SP_MAX_WATCH >= MANAGER_MAX_PIPELINES, "watch lists too short");

static void reply_error(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply_error(struct client *c, const char *fmt, ...)
{
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = sp_encode_errorv(fmt, ap);
	va_end(ap);
	client_reply(c, message_from_json(o));
}

static void cmd_watch(struct client *c, const struct sp_request *req)
{
	const struct manager *m = &c->server->d->manager;
	char (*watch)[PC_NAME_LEN] = NULL;

	for (size_t i = 0; i < req->n_pipelines; i++) {
		if (!manager_find(m, req->pipelines[i])) {
			reply_error(c, "watch: no pipeline '%.64s'", req->pipelines[i]);
			return;
		}
	}
	if (!req->all) {
		watch = calloc(req->n_pipelines ? req->n_pipelines : 1, sizeof(*watch));
		if (!watch) {
			reply_error(c, "watch: out of memory");
			return;
		}
		memcpy(watch, req->pipelines, req->n_pipelines * sizeof(*watch));
	}
	free(c->watch);
	c->watch = watch;
	c->n_watch = req->n_pipelines;
	c->watching = true;
	c->scores = req->scores;
	update_scores_wanted(c->server);
	client_reply(c, message_from_json(sp_encode_watch((const char (*)[PC_NAME_LEN])watch,
							  c->n_watch, c->scores)));
}

static void cmd_unwatch(struct client *c)
{
	c->watching = false;
	c->scores = false;
	update_scores_wanted(c->server);
	free(c->watch);
	c->watch = NULL;
	c->n_watch = 0;
	client_reply(c, message_from_json(sp_encode_unwatch()));
}

static void cmd_last(struct client *c, const struct sp_request *req)
{
	struct socket_server *s = c->server;
	const struct history *h;
	struct json_object *o;
	size_t count;

	if (!manager_find(&s->d->manager, req->pipeline)) {
		reply_error(c, "last: no pipeline '%.64s'", req->pipeline);
		return;
	}
	h = history_find(s, req->pipeline);
	count = h ? h->n : 0;
	if (req->n < count)
		count = (size_t)req->n;
	o = sp_encode_last_begin(req->pipeline);
	for (size_t i = 0; o && i < count; i++) {
		const struct history_entry *e = history_at(h, count, i);

		sp_last_add(o, &(const struct sp_detection){
			.label = e->label,
			.score_q15 = e->score_q15,
			.average_q15 = e->average_q15,
			.mono_ns = e->mono_ns,
			.realtime_us = e->realtime_us,
		});
	}
	client_reply(c, message_from_json(o));
}

/* line: len bytes, no newline. */
static void client_handle_line(struct client *c, const char *line, size_t len)
{
	struct sp_request req;
	char err[SP_MESSAGE_LEN];

	switch (sp_request_decode(c->server->decoder, line, len, &req, err)) {
	case SP_EMPTY:
		return;
	case SP_INVALID:
		reply_error(c, "%s", err);
		return;
	case SP_DECODED:
		break;
	}
	client_commanded(c);
	switch (req.cmd) {
	case SP_CMD_LIST:
		client_reply(c, pipelines_message(&c->server->d->manager));
		break;
	case SP_CMD_STATUS:
		client_reply(c, status_message(&c->server->d->manager));
		break;
	case SP_CMD_WATCH:
		cmd_watch(c, &req);
		break;
	case SP_CMD_UNWATCH:
		cmd_unwatch(c);
		break;
	case SP_CMD_LAST:
		cmd_last(c, &req);
		break;
	}
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
		client_handle_line(c, c->in + start, len);
		start += nl < c->in + c->in_len ? len + 1 : len;
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

/* SocketIdleTimeout= passed without a command: say so and disconnect. */
static int on_client_idle(sd_event_source *es, uint64_t usec, void *userdata)
{
	struct client *c = userdata;

	(void)es;
	(void)usec;
	c->idle = sd_event_source_disable_unref(c->idle);
	if (c->closing)
		return 0;
	reply_error(c, "idle timeout: no command within %g s; closing",
		    (double)c->server->d->cfg.socket_idle_usec / 1e6);
	c->closing = true;
	client_flush_or_free(c);
	return 0;
}

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
	if (sd_event_add_io(s->d->event, &c->io, fd, c->io_events, on_client_io, c) < 0 ||
	    (s->d->cfg.socket_idle_usec &&
	     sd_event_add_time_relative(s->d->event, &c->idle, CLOCK_MONOTONIC,
					s->d->cfg.socket_idle_usec, 0, on_client_idle, c) < 0)) {
		sd_event_source_disable_unref(c->io);
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

static unsigned max_clients(const struct socket_server *s)
{
	return s->d->cfg.socket_max_clients ? s->d->cfg.socket_max_clients : SOCKET_MAX_CLIENTS;
}

/* Tells a client beyond the limit why, without waiting for it. */
static void refuse_client(struct socket_server *s, int fd)
{
	struct message *m = error_message("too many clients (%u); try again later",
					  max_clients(s));

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
		if (s->n_clients >= max_clients(s))
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
 * start without systemd's RuntimeDirectory=, /run cleaned under us).  0,
 * or why one could not be made (a full disk says ENOSPC, not ENOENT). */
static int make_parents(const char *path)
{
	char dir[PC_PATH_LEN];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			const int e = errno; /* logging may change errno */

			log_debug("socket: mkdir %s: %s", dir, strerror(e));
			return -e;
		}
		*slash = '/';
	}
	return 0;
}

static int bind_socket(struct socket_server *s, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r, parents;

	if (!path[0])
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	parents = make_parents(path);
	r = remove_stale_socket(path, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno == ENOENT && parents < 0 ? parents : -errno;
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
	if (lstat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	s->fd = fd;
	return 0;
}

static int retry_binding(struct socket_server *s, int err);
static int start_listening(struct socket_server *s);

/* Every FILE_CHECK_USEC while we listen on a file of ours: a socket file
 * deleted (or replaced) under us is made again, so that new clients can
 * connect; connected clients keep their connections. */
static int on_file_check(sd_event_source *es, uint64_t usec, void *userdata)
{
	struct socket_server *s = userdata;
	struct stat st;
	int r;

	(void)usec;
	if (s->fd >= 0 && s->path && lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino) {
		sd_event_source_set_time_relative(es, FILE_CHECK_USEC);
		sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
		return 0;
	}
	if (s->fd < 0)
		return 0; /* retry_binding() is at work */
	log_warning("socket %s: the file was removed or replaced; making it again", s->path);
	s->listen = sd_event_source_disable_unref(s->listen);
	close(s->fd);
	s->fd = -1;
	free(s->path); /* not unlinked: what is there now is not ours */
	s->path = NULL;
	r = bind_socket(s, s->d->cfg.socket_path);
	if (r == 0)
		r = start_listening(s);
	else if (!s->bind_retry)
		r = retry_binding(s, r);
	if (r < 0)
		log_error("socket %s: no socket until the daemon restarts", s->d->cfg.socket_path);
	return 0;
}

static int start_listening(struct socket_server *s)
{
	int r = sd_event_add_io(s->d->event, &s->listen, s->fd, EPOLLIN, on_accept, s);

	if (r < 0) {
		log_error("socket: cannot watch the listener: %s", strerror(-r));
		return r;
	}
	log_info("socket: listening on %s", s->path ? s->path : "the socket passed by systemd");
	if (!s->path)
		return 0;
	if (!s->file_check)
		r = sd_event_add_time_relative(s->d->event, &s->file_check, CLOCK_MONOTONIC,
					       FILE_CHECK_USEC, 0, on_file_check, s);
	else
		r = sd_event_source_set_time_relative(s->file_check, FILE_CHECK_USEC);
	if (r >= 0)
		r = sd_event_source_set_enabled(s->file_check, SD_EVENT_ONESHOT);
	if (r < 0)
		log_warning("socket %s: cannot watch the file: %s", s->path, strerror(-r));
	return 0;
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

	snprintf(e.label, sizeof(e.label), "%s", ev->label ? ev->label : "");
	if (h)
		history_add(h, &e);
	broadcast(s, name, message_from_json(sp_encode_detection(name, &(const struct sp_detection){
		.label = e.label,
		.score_q15 = e.score_q15,
		.average_q15 = e.average_q15,
		.mono_ns = e.mono_ns,
		.realtime_us = e.realtime_us,
	})));
}

/* SCORES: every inference's averaged score per label, to the clients that
 * asked for them ("scores": true) and watch the pipeline. */
static void on_scores(void *user, const struct pipeline *p, const struct scores_event *ev)
{
	struct socket_server *s = user;
	const struct pipeline_config *cfg = pipeline_config(p);
	const char *name = pipeline_name(p);
	size_t n = ev->n < cfg->n_labels ? ev->n : cfg->n_labels;
	struct message *m;
	struct client *next;

	m = message_from_json(sp_encode_scores(name, (const char (*)[PC_LABEL_LEN])cfg->labels,
					       ev->scores_q15, n, ev->mono_ns, ev->realtime_us));
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
	enum pipeline_state state = pipeline_state(p);
	struct pipeline_stats st = { .last_error = "" };

	if (state == PIPELINE_DEGRADED || state == PIPELINE_FAILED)
		pipeline_get_stats(p, &st);
	broadcast(s, pipeline_name(p),
		  message_from_json(sp_encode_state(pipeline_name(p), pipeline_state_name(state),
						    st.last_error)));
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

	broadcast(s, NULL, message_from_json(sp_encode_config(error)));
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
	s->decoder = sp_decoder_new();
	s->version = message_from_json(sp_encode_version(TINYSENSE_VERSION));
	if (!s->decoder || !s->version) {
		r = -ENOMEM;
		log_error("socket: out of memory");
		goto err;
	}

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
	sd_event_source_disable_unref(s->file_check);
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
	sp_decoder_free(s->decoder);
	free(s);
	return NULL;
}

size_t socket_server_client_count(const struct socket_server *s)
{
	return s ? s->n_clients : 0;
}
