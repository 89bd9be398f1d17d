/* SPDX-License-Identifier: MIT */
/*
 * The child process of an isolated plugin (isolated_source.c): after fork()
 * it keeps only stdio and its socket, dies with the daemon, and runs the
 * plugin through plugin_source_ops on an sd-event loop of its own.  The
 * plugin's source host sends what it is given to the daemon: blocks (split
 * to fit a message), end of stream and states.  A full socket takes fewer
 * frames than offered; plugin_source keeps the rest and gets resume when
 * the socket has room, and the plugin's next block meanwhile counts as an
 * overrun, as with a full pipeline in-process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "isolated.h"
#include "log.h"

#define CHILD_FD 3

struct child {
	struct source inner;       /* the plugin, as plugin_source.c runs it */
	sd_event *event;
	sd_event_source *io;       /* commands; EPOLLOUT too while the socket was full */
	int fd;
	uint32_t gen;
	bool started;
	uint8_t *buf;
};

static bool send_msg(struct child *k, const void *m, size_t len)
{
	return send(k->fd, m, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len;
}

static size_t child_emit(void *user, const void *frames, size_t n, uint64_t mono_ns,
			 uint64_t realtime_us)
{
	struct child *k = user;
	struct iso_msg_block *b = (void *)k->buf;
	const size_t fb = (size_t)k->inner.channels * sample_size(k->inner.format);
	const size_t per_msg = (ISO_MSG_MAX - sizeof(*b)) / fb;
	size_t done = 0;

	if (!k->started)
		return 0;
	while (done < n) {
		const size_t take = n - done < per_msg ? n - done : per_msg;

		b->h = (struct iso_msg_head){ ISO_BLOCK, k->gen };
		b->frames = (uint32_t)take;
		b->reserved = 0;
		b->mono_ns = mono_ns + done * 1000000000ull / k->inner.rate;
		b->realtime_us = realtime_us + done * 1000000ull / k->inner.rate;
		memcpy(b->data, (const uint8_t *)frames + done * fb, take * fb);
		if (!send_msg(k, b, sizeof(*b) + take * fb)) {
			/* Full (the daemon is not reading): go on when it is. */
			if (errno == EAGAIN)
				sd_event_source_set_io_events(k->io, EPOLLIN | EPOLLOUT);
			break;
		}
		done += take;
	}
	return done;
}

static void child_end(void *user)
{
	struct child *k = user;
	const struct iso_msg_head h = { ISO_END, k->gen };

	send_msg(k, &h, sizeof(h));
}

static void child_state(void *user, enum source_state state, const char *message)
{
	struct child *k = user;
	struct iso_msg_state m = { .h = { ISO_STATE, k->gen }, .state = state };

	m.has_message = message != NULL;
	snprintf(m.message, sizeof(m.message), "%s", message ? message : "");
	send_msg(k, &m, sizeof(m));
}

static void on_writable(struct child *k)
{
	sd_event_source_set_io_events(k->io, EPOLLIN);
	if (k->started && k->inner.ops->resume)
		k->inner.ops->resume(&k->inner);
}

static int on_socket(sd_event_source *es, int fd, uint32_t revents, void *user)
{
	struct child *k = user;
	struct iso_msg_head h;
	ssize_t n;

	(void)es;
	if (revents & EPOLLOUT)
		on_writable(k);
	if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	n = recv(fd, &h, sizeof(h), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < (ssize_t)sizeof(h))
		return sd_event_exit(k->event, 0); /* the daemon is gone */
	switch (h.type) {
	case ISO_START: {
		struct iso_msg_started m = { { ISO_STARTED, h.gen }, 0 };

		k->gen = h.gen;
		k->started = true; /* a plugin may emit from start() */
		m.result = k->inner.ops->start(&k->inner);
		k->started = m.result >= 0;
		send(fd, &m, sizeof(m), MSG_NOSIGNAL);
		break;
	}
	case ISO_STOP:
		if (k->started)
			k->inner.ops->stop(&k->inner);
		k->started = false;
		break;
	case ISO_PING: {
		const struct iso_msg_head pong = { ISO_PONG, k->gen };

		send_msg(k, &pong, sizeof(pong));
		break;
	}
	case ISO_CLOSE:
		return sd_event_exit(k->event, 0);
	default:
		break;
	}
	return 0;
}

/* Only stdio and the socket (as CHILD_FD) stay open; the plugin opens its
 * own devices. */
static int keep_only_socket(int fd)
{
	if (fd != CHILD_FD && dup2(fd, CHILD_FD) < 0)
		return -1;
	close_range(CHILD_FD + 1, ~0u, 0);
	return CHILD_FD;
}

static void become_child(const char *name)
{
	char title[16];
	sigset_t all;

	/* Dies with the daemon; the daemon's signals are not its own: it
	 * ends when told, or when the daemon's end of the socket closes. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(title, sizeof(title), "ts-plugin-%s", name);
	prctl(PR_SET_NAME, title);
	unsetenv("NOTIFY_SOCKET"); /* systemd hears from the daemon only */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
}

/* The open result, the format and the channels, or the error. */
static void send_opened(struct child *k, int r, const struct config_error *err)
{
	const uint16_t ch = r ? 0 : k->inner.channels;
	struct iso_msg_opened *m = (void *)k->buf;
	const bool meta = ch && k->inner.channel_meta;

	memset(m, 0, sizeof(*m));
	m->h = (struct iso_msg_head){ ISO_OPENED, 0 };
	m->result = r;
	m->format = k->inner.format;
	m->rate = k->inner.rate;
	m->channels = ch;
	m->has_meta = meta;
	snprintf(m->error, sizeof(m->error), "%s", err->text);
	if (meta)
		memcpy(m->meta, k->inner.channel_meta, ch * sizeof(struct channel_meta));
	send(k->fd, m, sizeof(*m) + (meta ? ch * sizeof(struct channel_meta) : 0), MSG_NOSIGNAL);
}

_Noreturn void isolated_child_main(const struct source *s, struct settings *keys,
				   const char *name, int fd)
{
	struct child k = { .fd = -1 };
	struct config_error err = { "" };
	int r;

	become_child(name);
	k.fd = keep_only_socket(fd);
	k.buf = malloc(ISO_MSG_MAX);
	if (k.fd < 0 || !k.buf || sd_event_new(&k.event) < 0)
		_exit(127);
	k.inner.event = k.event;
	k.inner.plugin_dir = s->plugin_dir;
	k.inner.plugin_name = s->plugin_name;
	k.inner.host = (struct source_host){ &k, child_emit, child_end, child_state };
	k.inner.ops = &plugin_source_ops;
	r = plugin_source_ops.open(&k.inner, keys, &err);
	if (!r)
		r = settings_check_all_taken(keys, &err);
	send_opened(&k, r, &err);
	if (r) {
		plugin_source_ops.close(&k.inner);
		_exit(0);
	}
	if (sd_event_add_io(k.event, &k.io, k.fd, EPOLLIN, on_socket, &k) < 0)
		_exit(127);
	sd_event_loop(k.event);
	if (k.started)
		plugin_source_ops.stop(&k.inner);
	plugin_source_ops.close(&k.inner);
	_exit(0);
}
