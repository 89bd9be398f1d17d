/* SPDX-License-Identifier: MIT */
/*
 * A plugin in a child process of its own (tinysense-plugin(7), "Process
 * model").  The parent's side is a source like any other; the child runs
 * plugin_source_ops unchanged on its own sd-event loop, with a host whose
 * emit, end and state go over a SOCK_SEQPACKET socketpair (isolated_child.c).
 * A crash, an exit or a hang (no answer to pings) of the child makes the
 * source failed with a LastError saying which, and the child is restarted
 * with a backoff, 1 s doubling to 30 s; the daemon and other pipelines are
 * not touched.
 *
 * Open and start wait for the child's answer (bounded: OPEN_TIMEOUT_USEC,
 * START_TIMEOUT_USEC); everything else is asynchronous.  Sample blocks the
 * pipeline cannot take are kept and the socket is not read until resume:
 * the child's sends then fail with EAGAIN and its plugin counts an overrun,
 * as in-process plugins do when the pipeline is full.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isolated.h"
#include "log.h"

#define OPEN_TIMEOUT_USEC (10 * 1000 * 1000ull)
#define START_TIMEOUT_USEC (5 * 1000 * 1000ull)
#define CLOSE_TIMEOUT_MSEC 1000
#define PING_USEC (1000 * 1000ull)
#define HANG_USEC (5 * 1000 * 1000ull)   /* no pong for this long: hung */
#define RESTART_MIN_USEC (1000 * 1000ull)
#define RESTART_MAX_USEC (30 * 1000 * 1000ull)
#define STABLE_USEC (5 * 1000 * 1000ull)  /* a child that answered this long starts the backoff over */

struct iso {
	struct source *s;
	struct settings *keys;
	char name[64];
	pid_t pid;                /* 0: no child */
	int fd, pidfd;
	sd_event_source *io, *exited, *ping, *restart;
	uint32_t gen;             /* of the current start; older blocks are stale */
	bool wanted;              /* the pipeline started the source */
	bool eof;                 /* the child closed its end */
	const char *kill_reason;  /* set when we killed it */
	uint64_t last_pong, spawned_at, backoff;
	/* A block the pipeline did not take whole: offered again on resume. */
	size_t pend_frames;
	uint64_t pend_mono_ns, pend_realtime_us;
	uint8_t *pend;
	uint8_t *buf;             /* one message */
	char why[200];
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

static size_t frame_bytes(const struct iso *c)
{
	return (size_t)c->s->channels * sample_size(c->s->format);
}

static void send_cmd(struct iso *c, uint32_t type)
{
	const struct iso_msg_head h = { type, c->gen };

	if (c->pid && !c->eof)
		(void)send(c->fd, &h, sizeof(h), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* ---- blocks and messages from the child ---------------------------------------- */

static void set_reading(struct iso *c, bool on)
{
	if (c->io)
		sd_event_source_set_enabled(c->io, on && !c->eof ? SD_EVENT_ON : SD_EVENT_OFF);
}

/* Offers the kept frames again; true when none are left. */
static bool offer_pending(struct iso *c)
{
	const size_t fb = frame_bytes(c);
	size_t taken;

	if (!c->pend_frames)
		return true;
	taken = c->s->host.emit(c->s->host.pipeline, c->pend, c->pend_frames, c->pend_mono_ns,
				c->pend_realtime_us);
	if (taken > c->pend_frames)
		taken = c->pend_frames;
	c->pend_frames -= taken;
	c->pend_mono_ns += taken * 1000000000ull / c->s->rate;
	c->pend_realtime_us += taken * 1000000ull / c->s->rate;
	if (c->pend_frames && taken)
		memmove(c->pend, c->pend + taken * fb, c->pend_frames * fb);
	return !c->pend_frames;
}

static void on_block(struct iso *c, const struct iso_msg_block *b, size_t len)
{
	const size_t fb = frame_bytes(c);

	if (b->h.gen != c->gen || !c->wanted || c->pend_frames)
		return; /* stale, stopped, or (waiting for an answer) full: dropped */
	if (len < sizeof(*b) || !b->frames || b->frames > (len - sizeof(*b)) / fb)
		return;
	memcpy(c->pend, b->data, b->frames * fb);
	c->pend_frames = b->frames;
	c->pend_mono_ns = b->mono_ns;
	c->pend_realtime_us = b->realtime_us;
	if (!offer_pending(c))
		set_reading(c, false); /* until resume */
}

static void dispatch(struct iso *c, size_t len)
{
	const struct iso_msg_head *h = (const void *)c->buf;

	if (len < sizeof(*h))
		return;
	switch (h->type) {
	case ISO_BLOCK:
		on_block(c, (const void *)c->buf, len);
		break;
	case ISO_END:
		if (h->gen == c->gen && c->wanted)
			c->s->host.end(c->s->host.pipeline);
		break;
	case ISO_STATE:
		if (len >= sizeof(struct iso_msg_state)) {
			struct iso_msg_state *m = (void *)c->buf;

			if (m->state < SOURCE_RUNNING || m->state > SOURCE_FAILED)
				break; /* a confused child's */
			m->message[sizeof(m->message) - 1] = '\0';
			c->s->host.state(c->s->host.pipeline, (enum source_state)m->state,
					 m->has_message ? m->message : NULL);
		}
		break;
	case ISO_PONG:
		c->last_pong = now_usec();
		break;
	default:
		break; /* a late answer */
	}
}

/* One message into c->buf: its length, 0 when none waits, -1 at the end. */
static ssize_t receive(struct iso *c)
{
	ssize_t n = recv(c->fd, c->buf, ISO_MSG_MAX, MSG_DONTWAIT);

	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	c->eof = true;
	set_reading(c, false);
	return -1;
}

static int on_readable(sd_event_source *es, int fd, uint32_t revents, void *user)
{
	struct iso *c = user;

	(void)es, (void)fd, (void)revents;
	/* A bounded batch, so that one chatty child cannot hold the loop. */
	for (int i = 0; i < 64 && !c->pend_frames && !c->eof; i++) {
		ssize_t n = receive(c);

		if (n <= 0)
			break;
		dispatch(c, (size_t)n);
	}
	return 0;
}

/* ---- the child's end ----------------------------------------------------------- */

/* Waits for the child to exit and says how it ended in c->why. */
static void reap(struct iso *c, bool block)
{
	siginfo_t si = { 0 };
	const char *sig;

	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | (block ? 0 : WNOHANG)) < 0 || !si.si_pid) {
		snprintf(c->why, sizeof(c->why), "plugin %s ended", c->name);
		return;
	}
	sig = si.si_code == CLD_EXITED ? NULL : sigabbrev_np(si.si_status);
	if (c->kill_reason)
		snprintf(c->why, sizeof(c->why), "plugin %s %s", c->name, c->kill_reason);
	else if (si.si_code == CLD_EXITED)
		snprintf(c->why, sizeof(c->why), "plugin %s exited with status %d", c->name,
			 si.si_status);
	else if (sig)
		snprintf(c->why, sizeof(c->why), "plugin %s crashed: SIG%s", c->name, sig);
	else
		snprintf(c->why, sizeof(c->why), "plugin %s crashed: signal %d", c->name,
			 si.si_status);
}

/* Forgets the child (reaped or to be reaped by the caller). */
static void drop_child(struct iso *c)
{
	c->io = sd_event_source_disable_unref(c->io);
	c->exited = sd_event_source_disable_unref(c->exited);
	c->ping = sd_event_source_disable_unref(c->ping);
	if (c->fd >= 0)
		close(c->fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->fd = c->pidfd = -1;
	c->pid = 0;
	c->eof = false;
	c->kill_reason = NULL;
	c->pend_frames = 0;
}

static void kill_child(struct iso *c, const char *reason)
{
	if (!c->pid)
		return;
	if (!c->kill_reason)
		c->kill_reason = reason;
	kill(c->pid, SIGKILL);
	reap(c, true);
	drop_child(c);
}

/* A child that is ending by itself (told to close, or after a failed
 * open) gets CLOSE_TIMEOUT_MSEC to do so, then is killed. */
static void end_child(struct iso *c)
{
	struct pollfd pf = { c->pidfd, POLLIN, 0 };

	if (!c->pid)
		return;
	if (poll(&pf, 1, CLOSE_TIMEOUT_MSEC) <= 0)
		kill(c->pid, SIGKILL);
	reap(c, true);
	drop_child(c);
}

static int spawn(struct iso *c, struct config_error *err);
static int start_child(struct iso *c);

static void schedule_restart(struct iso *c);

static int on_restart(sd_event_source *es, uint64_t usec, void *user)
{
	struct iso *c = user;
	struct config_error err = { "" };
	int r;

	(void)es, (void)usec;
	if (!c->wanted)
		return 0;
	log_info("%s: restarting plugin %s", c->s->plugin_name, c->name);
	r = c->pid ? 0 : spawn(c, &err);
	if (r < 0) {
		snprintf(c->why, sizeof(c->why), "%s", err.text);
	} else {
		r = start_child(c);
		if (r < 0 && c->pid)
			snprintf(c->why, sizeof(c->why), "plugin %s failed to start: %s", c->name,
				 strerror(-r));
	}
	if (r < 0) {
		schedule_restart(c);
		return 0;
	}
	c->s->host.state(c->s->host.pipeline, SOURCE_RUNNING, NULL);
	return 0;
}

/* The source is failed (c->why), restarting after the backoff. */
static void schedule_restart(struct iso *c)
{
	char msg[300];
	uint64_t delay = c->backoff ? c->backoff : RESTART_MIN_USEC;
	int r;

	c->backoff = delay * 2 > RESTART_MAX_USEC ? RESTART_MAX_USEC : delay * 2;
	if (c->restart)
		r = sd_event_source_set_time_relative(c->restart, delay);
	else
		r = sd_event_add_time_relative(c->s->event, &c->restart, CLOCK_MONOTONIC, delay, 0,
					       on_restart, c);
	if (r >= 0)
		r = sd_event_source_set_enabled(c->restart, SD_EVENT_ONESHOT);
	if (r < 0)
		log_error("plugin %s: cannot arm the restart: %s", c->name, strerror(-r));
	snprintf(msg, sizeof(msg), "%s; restarting in %llu s", c->why,
		 (unsigned long long)(delay / 1000000));
	c->s->host.state(c->s->host.pipeline, SOURCE_FAILED, msg);
}

/* The child died while running (pidfd readable). */
static int on_exited(sd_event_source *es, int fd, uint32_t revents, void *user)
{
	struct iso *c = user;

	(void)es, (void)fd, (void)revents;
	/* What it said before it died still counts (its last blocks, states). */
	for (ssize_t n; !c->eof && !c->pend_frames && (n = receive(c)) > 0;)
		dispatch(c, (size_t)n);
	reap(c, true);
	drop_child(c);
	log_warning("%s", c->why);
	if (c->last_pong - c->spawned_at >= STABLE_USEC)
		c->backoff = 0;
	if (c->wanted)
		schedule_restart(c);
	return 0;
}

static int on_ping(sd_event_source *es, uint64_t usec, void *user)
{
	struct iso *c = user;

	(void)usec;
	/* While the pipeline is full we do not read: no pongs then. */
	if (c->pend_frames)
		c->last_pong = now_usec();
	if (now_usec() - c->last_pong > HANG_USEC) {
		kill(c->pid, SIGKILL); /* on_exited reports it */
		c->kill_reason = "stopped answering (killed)";
		return 0;
	}
	send_cmd(c, ISO_PING);
	sd_event_source_set_time_relative(es, PING_USEC);
	sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
	return 0;
}

/* Waits (bounded) for a message of type want in c->buf, dispatching
 * others: its length, -ECHILD when the child died, -ETIMEDOUT. */
static ssize_t await(struct iso *c, uint32_t want, uint64_t timeout_usec)
{
	const uint64_t deadline = now_usec() + timeout_usec;

	for (;;) {
		struct pollfd pf[2] = { { c->eof ? -1 : c->fd, POLLIN, 0 }, { c->pidfd, POLLIN, 0 } };
		const uint64_t now = now_usec();
		ssize_t n;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(pf, 2, (int)((deadline - now + 999) / 1000)) < 0 && errno != EINTR)
			return -errno;
		if (pf[0].revents) {
			n = receive(c);
			if (n > 0 && ((const struct iso_msg_head *)c->buf)->type == want)
				return n;
			if (n > 0)
				dispatch(c, (size_t)n);
			continue;
		}
		if (pf[1].revents)
			return -ECHILD;
	}
}

/* What the child said when it died or did not answer, in c->why. */
static void lost(struct iso *c, ssize_t r)
{
	if (r == -ETIMEDOUT)
		kill_child(c, "stopped answering (killed)");
	else if (r == -ECHILD) {
		reap(c, true);
		drop_child(c);
	} else
		kill_child(c, "could not be waited for (killed)");
}

/* ---- spawning ------------------------------------------------------------------- */

static int watch_child(struct iso *c)
{
	sd_event *e = c->s->event;
	int r;

	c->last_pong = now_usec();
	r = sd_event_add_io(e, &c->io, c->fd, EPOLLIN, on_readable, c);
	if (r >= 0)
		r = sd_event_add_io(e, &c->exited, c->pidfd, EPOLLIN, on_exited, c);
	if (r >= 0)
		r = sd_event_add_time_relative(e, &c->ping, CLOCK_MONOTONIC, PING_USEC, 0, on_ping,
					       c);
	return r < 0 ? r : 0;
}

/* The first open sets the format; a restarted child must give the same. */
static int take_format(struct iso *c, const struct iso_msg_opened *m, size_t len,
		       bool first, struct config_error *err)
{
	struct source *s = c->s;

	if (!first) {
		if (m->format != s->format || m->rate != s->rate || m->channels != s->channels) {
			snprintf(err->text, sizeof(err->text),
				 "plugin %s changed its stream format on restart", c->name);
			return -EPROTO;
		}
		return 0;
	}
	s->format = (enum sample_format)m->format;
	s->rate = m->rate;
	s->channels = m->channels;
	if (m->has_meta && len >= sizeof(*m) + m->channels * sizeof(struct channel_meta)) {
		struct channel_meta *meta = calloc(m->channels, sizeof(*meta));

		if (!meta)
			return -ENOMEM;
		memcpy(meta, m->meta, m->channels * sizeof(*meta));
		free(s->channel_meta);
		s->channel_meta = meta;
	}
	/* The child checked that every key was claimed; the copy here
	 * must pass source_open()'s check too. */
	for (size_t i = 0; i < c->keys->n; i++)
		c->keys->items[i].taken = true;
	return 0;
}

static int spawn(struct iso *c, struct config_error *err)
{
	const bool first = !c->s->rate;
	const struct iso_msg_opened *m;
	int sv[2];
	ssize_t n;
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		r = -errno;
		c->pid = 0;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (!c->pid) {
		close(sv[0]);
		isolated_child_main(c->s, c->keys, c->name, sv[1]);
	}
	close(sv[1]);
	c->fd = sv[0];
	c->spawned_at = now_usec();
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0) {
		r = -errno;
		kill_child(c, "could not be watched");
		return r;
	}
	n = await(c, ISO_OPENED, OPEN_TIMEOUT_USEC);
	if (n < (ssize_t)sizeof(*m)) {
		lost(c, n < 0 ? n : -EPROTO);
		snprintf(err->text, sizeof(err->text), "%s: [%s] Plugin=%s: %s while opening",
			 c->keys->file, c->keys->section, c->name, c->why);
		return -ECHILD;
	}
	m = (const void *)c->buf;
	if (m->result < 0) {
		snprintf(err->text, sizeof(err->text), "%.*s", (int)sizeof(m->error) - 1, m->error);
		r = m->result;
		end_child(c); /* it closes the plugin and exits */
		return r;
	}
	r = take_format(c, m, (size_t)n, first, err);
	if (!r)
		r = watch_child(c);
	if (r < 0) {
		if (!err->text[0])
			snprintf(err->text, sizeof(err->text), "plugin %s: %s", c->name, strerror(-r));
		kill_child(c, "was refused");
	}
	return r;
}

static int start_child(struct iso *c)
{
	const struct iso_msg_started *m;
	ssize_t n;

	c->gen++;
	send_cmd(c, ISO_START);
	n = await(c, ISO_STARTED, START_TIMEOUT_USEC);
	if (n < (ssize_t)sizeof(*m)) {
		lost(c, n < 0 ? n : -EPROTO);
		snprintf(c->why + strlen(c->why), sizeof(c->why) - strlen(c->why), " while starting");
		log_warning("%s", c->why);
		return -ECONNRESET;
	}
	m = (const void *)c->buf;
	return m->result;
}

/* ---- the source's operations ---------------------------------------------------- */

static int iso_open(struct source *s, struct settings *keys, struct config_error *err)
{
	struct iso *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	s->priv = c;
	c->s = s;
	c->keys = keys;
	c->fd = c->pidfd = -1;
	snprintf(c->name, sizeof(c->name), "%s", s->plugin_name);
	c->buf = malloc(ISO_MSG_MAX);
	c->pend = malloc(ISO_MSG_MAX);
	if (!c->buf || !c->pend)
		return -ENOMEM;
	return spawn(c, err);
}

static int iso_start(struct source *s)
{
	struct iso *c = s->priv;
	struct config_error err = { "" };
	int r;

	c->wanted = true;
	c->backoff = 0;
	if (c->restart)
		sd_event_source_set_enabled(c->restart, SD_EVENT_OFF);
	c->pend_frames = 0;
	set_reading(c, true);
	if (!c->pid) {
		r = spawn(c, &err);
		if (r < 0) {
			log_warning("%s", err.text);
			return r;
		}
	}
	return start_child(c);
}

static void iso_stop(struct source *s)
{
	struct iso *c = s->priv;

	c->wanted = false;
	if (c->restart)
		sd_event_source_set_enabled(c->restart, SD_EVENT_OFF);
	c->pend_frames = 0;
	set_reading(c, true);
	send_cmd(c, ISO_STOP);
}

static void iso_resume(struct source *s)
{
	struct iso *c = s->priv;

	if (offer_pending(c)) {
		c->last_pong = now_usec();
		set_reading(c, true);
	}
}

static void iso_close(struct source *s)
{
	struct iso *c = s->priv;

	if (!c)
		return;
	c->restart = sd_event_source_disable_unref(c->restart);
	if (c->pid) {
		send_cmd(c, ISO_CLOSE);
		shutdown(c->fd, SHUT_WR);
		end_child(c);
	}
	free(c->buf);
	free(c->pend);
	free(c);
	s->priv = NULL;
}

const struct source_ops isolated_source_ops = {
	.name = "isolated plugin",
	.open = iso_open,
	.start = iso_start,
	.stop = iso_stop,
	.resume = iso_resume,
	.close = iso_close,
};
