/* SPDX-License-Identifier: MIT */
/*
 * The iio plugin: Linux Industrial I/O sensors through libiio, locally or
 * from a remote iiod (plugins/iio/README.md for users).
 *
 * open() reads the keys, finds the device and channels and declares the
 * stream.  Capture then runs one of three ways:
 *
 *   local buffer  a non-blocking libiio buffer whose poll fd the host
 *                 watches; each readiness refills and emits.  (A poll fd
 *                 epoll refuses, as an emulated device's regular file, is
 *                 refilled on a timer, one buffer per buffer period.)
 *   local poll    a host timer at Rate= reads the channels' raw attributes:
 *                 one frame per tick.
 *   remote        libiio 0.24 has no poll fd or non-blocking mode for
 *                 ip:/usb:/serial: buffers, so a capture thread
 *                 (iio_worker.c) does the blocking I/O and queues blocks
 *                 and state changes, which the loop emits and reports.
 *
 * iio_session.c finds the device, iio_capture.c reads it (both shared with
 * the thread); iio_config.c reads the keys.
 *
 * A fault (refill or read error: the device vanished) tears the buffer and
 * the context down, reports TS_SOURCE_FAILED with the error as LastError,
 * and retries with a backoff of 0.5 s doubling to 30 s, looking the context
 * and device up again; RUNNING once it works.  Nothing on the loop blocks
 * on the device, except what the local backend does synchronously (sysfs
 * attribute reads, whose duration is the driver's) and open() on a remote
 * context (libiio's connect timeout, 5 s at most).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "iio_source.h"

/* Refills per readiness at most, so that a busy device cannot hold the loop. */
#define REFILLS_PER_WAKEUP 8
/* DEGRADED (overruns) clears after this long without one. */
#define OVERRUN_QUIET_NS (10 * 1000000000ull)

struct iio_src {
	ts_source *src;
	const ts_plugin_host *host;
	struct iio_config cfg;
	struct iio_session ses;
	bool started;

	/* capture on the loop (local contexts) */
	bool capturing;
	void *watch;                 /* the buffer's poll fd */
	void *tick;                  /* poll ticks, or refills of an unpollable fd */
	uint64_t next_tick_ns, tick_period_ns;
	void *frames;                /* ses.buffer_size frames */

	/* capture in a thread (remote contexts) */
	struct iio_worker *worker;
	void *worker_watch;

	/* faults and retries */
	ts_source_state state;
	void *retry;
	char pending[IIO_ERROR_MAX]; /* a fault found in start(), reported from the loop */
	uint32_t backoff_ms;
	bool ever_failed;
	uint64_t recovered_at;

	/* overruns */
	uint64_t dropped;
	uint64_t last_drop_ns, last_drop_report_ns;
	bool ts_warned;
	char ts_clock_name[24];

	char names[IIO_MAX_CHANNELS][IIO_NAME_MAX];
	ts_channel_info info[IIO_MAX_CHANNELS];
};

static void set_state(struct iio_src *p, ts_source_state state, const char *error)
{
	p->state = state;
	p->host->set_state(p->src, state, error);
}

/* ---- delivery ----------------------------------------------------------------- */

static void overrun(struct iio_src *p, uint64_t blocks)
{
	const uint64_t now = iio_clock_ns(CLOCK_MONOTONIC);
	char text[96];

	p->dropped += blocks;
	p->last_drop_ns = now;
	if (p->state == TS_SOURCE_FAILED ||
	    (p->state == TS_SOURCE_DEGRADED && now - p->last_drop_report_ns < 1000000000ull))
		return;
	p->last_drop_report_ns = now;
	snprintf(text, sizeof(text), "%llu blocks dropped: the pipeline is full",
		 (unsigned long long)p->dropped);
	if (p->state != TS_SOURCE_DEGRADED)
		p->host->log(p->src, LOG_WARNING, "%s", text);
	set_state(p, TS_SOURCE_DEGRADED, text);
}

static void deliver(struct iio_src *p, const void *data, uint32_t frames, const struct iio_times *t)
{
	const ts_sample_block b = { .struct_size = sizeof(b), .frames = frames, .data = data,
				    .mono_ns = t->mono_ns, .realtime_ns = t->realtime_ns };

	/* (p->ses belongs to the capture thread, if there is one) */
	if (t->implausible && !p->ts_warned) {
		p->host->log(p->src, LOG_WARNING,
			     "the device's timestamps are implausible on the %s clock (its current_timestamp_clock): timing blocks by arrival",
			     p->ts_clock_name);
		p->ts_warned = true;
	}
	if (p->host->emit(p->src, &b) == -EAGAIN) {
		overrun(p, 1);
		return;
	}
	if (p->state == TS_SOURCE_DEGRADED &&
	    iio_clock_ns(CLOCK_MONOTONIC) - p->last_drop_ns >= OVERRUN_QUIET_NS)
		set_state(p, TS_SOURCE_RUNNING, NULL);
}

/* ---- capture on the loop ------------------------------------------------------- */

static void fault(struct iio_src *p, const char *error);

static void on_readable(ts_source *src, int fd, uint32_t revents, void *user)
{
	struct iio_src *p = user;
	struct iio_error err;
	struct iio_times t;
	int n = 0;

	(void)src;
	(void)fd;
	for (int i = 0; i < REFILLS_PER_WAKEUP; i++) {
		n = iio_session_buffer_read(&p->ses, p->frames, &t, &err);
		if (n < 0) {
			fault(p, err.text);
			return;
		}
		if (!n)
			break;
		deliver(p, p->frames, (uint32_t)n, &t);
	}
	if (!n && (revents & (TS_FD_ERROR | TS_FD_HANGUP)))
		fault(p, "poll: the device reports an error or hang-up");
}

static int arm_tick(struct iio_src *p);

static void on_tick(ts_source *src, void *user)
{
	struct iio_src *p = user;
	struct iio_error err;
	struct iio_times t;
	int n;

	(void)src;
	p->tick = NULL;
	if (p->ses.buffered) {
		n = iio_session_buffer_read(&p->ses, p->frames, &t, &err);
	} else {
		n = iio_session_poll_read(&p->ses, p->frames, &err);
		t = (struct iio_times){ .mono_ns = iio_clock_ns(CLOCK_MONOTONIC),
					.realtime_ns = iio_clock_ns(CLOCK_REALTIME) };
		n = n ? n : 1;
	}
	if (n < 0) {
		fault(p, err.text);
		return;
	}
	if (n > 0)
		deliver(p, p->frames, (uint32_t)n, &t);
	if (p->capturing && arm_tick(p) < 0)
		fault(p, "cannot arm a timer");
}

/* The next tick on a fixed grid; missed ticks are skipped, not caught up. */
static int arm_tick(struct iio_src *p)
{
	const uint64_t now = iio_clock_ns(CLOCK_MONOTONIC);

	p->next_tick_ns += p->tick_period_ns;
	if (p->next_tick_ns + p->tick_period_ns < now)
		p->next_tick_ns = now + p->tick_period_ns;
	return p->host->add_timer(p->src, p->next_tick_ns > now ? (p->next_tick_ns - now) / 1000 : 0,
				  on_tick, p, &p->tick);
}

static int start_ticks(struct iio_src *p, uint64_t period_ns)
{
	p->tick_period_ns = period_ns ? period_ns : 1;
	p->next_tick_ns = iio_clock_ns(CLOCK_MONOTONIC);
	return p->host->add_timer(p->src, 0, on_tick, p, &p->tick);
}

static void capture_close(struct iio_src *p, bool disconnect)
{
	p->capturing = false;
	if (p->watch)
		p->host->unwatch_fd(p->src, p->watch);
	if (p->tick)
		p->host->cancel_timer(p->src, p->tick);
	p->watch = p->tick = NULL;
	if (disconnect)
		iio_session_disconnect(&p->ses);
	else
		iio_session_buffer_close(&p->ses);
}

/* Connects when needed (after a fault), then starts capturing. */
static int capture_open(struct iio_src *p, struct iio_error *err)
{
	struct iio_session *s = &p->ses;
	int r, fd;

	if (!s->ctx) {
		r = iio_session_connect(s, &p->cfg, err);
		if (!r && (r = iio_session_setup(s, err)))
			iio_session_disconnect(s);
		if (r)
			return r;
	}
	p->capturing = true;
	if (!s->buffered) {
		r = start_ticks(p, (uint64_t)(1e9 / s->rate));
		goto out;
	}
	r = iio_session_buffer_open(s, true, err);
	if (r) {
		p->capturing = false;
		iio_session_disconnect(s);
		return r;
	}
	fd = iio_session_buffer_fd(s);
	r = fd < 0 ? fd : p->host->watch_fd(p->src, fd, TS_FD_READABLE, on_readable, p, &p->watch);
	if (r < 0) {
		/* epoll takes no regular files: an emulated device node */
		p->host->log(p->src, LOG_INFO,
			     "the buffer's fd cannot be polled (%s): refilling every %u samples' time",
			     strerror(-r), s->buffer_size);
		r = start_ticks(p, (uint64_t)(1e9 * s->buffer_size / s->rate));
	}
out:
	if (r < 0) {
		capture_close(p, true);
		err->key = NULL;
		snprintf(err->text, sizeof(err->text), "cannot watch the device: %s", strerror(-r));
	}
	return r;
}

/* ---- faults ------------------------------------------------------------------------ */

static void on_retry(ts_source *src, void *user);

static void schedule_retry(struct iio_src *p)
{
	p->backoff_ms = iio_backoff_next(p->backoff_ms);
	if (p->host->add_timer(p->src, (uint64_t)p->backoff_ms * 1000, on_retry, p, &p->retry) < 0) {
		p->retry = NULL;
		p->host->log(p->src, LOG_ERR, "cannot arm the retry timer: giving up");
		return;
	}
	p->host->log(p->src, LOG_DEBUG, "retrying in %u ms", p->backoff_ms);
}

static void fault(struct iio_src *p, const char *error)
{
	capture_close(p, true); /* the next attempt looks the device up again */
	if (p->state != TS_SOURCE_FAILED &&
	    (!p->ever_failed || iio_clock_ns(CLOCK_MONOTONIC) - p->recovered_at >= IIO_STABLE_NS))
		p->backoff_ms = 0;
	p->ever_failed = true;
	set_state(p, TS_SOURCE_FAILED, error);
	schedule_retry(p);
}

static void on_retry(ts_source *src, void *user)
{
	struct iio_src *p = user;
	struct iio_error err;

	(void)src;
	p->retry = NULL;
	if (p->pending[0]) {
		snprintf(err.text, sizeof(err.text), "%s", p->pending);
		p->pending[0] = '\0';
		fault(p, err.text);
		return;
	}
	if (capture_open(p, &err)) {
		fault(p, err.text);
		return;
	}
	p->recovered_at = iio_clock_ns(CLOCK_MONOTONIC);
	p->host->log(p->src, LOG_INFO, "capturing again");
	set_state(p, TS_SOURCE_RUNNING, NULL);
}

/* ---- capture in a thread ------------------------------------------------------------ */

static void on_message(void *user, const struct iio_msg *m)
{
	struct iio_src *p = user;

	if (m->kind == IIO_MSG_BLOCK)
		deliver(p, m->data, m->frames, &m->times);
	else
		set_state(p, m->state, m->error[0] ? m->error : NULL);
}

static void on_worker(ts_source *src, int fd, uint32_t revents, void *user)
{
	struct iio_src *p = user;
	uint64_t dropped;

	(void)src;
	(void)fd;
	(void)revents;
	dropped = iio_worker_drain(p->worker, on_message, p);
	if (dropped)
		overrun(p, dropped);
}

static void worker_stop(struct iio_src *p)
{
	if (p->worker_watch)
		p->host->unwatch_fd(p->src, p->worker_watch);
	p->worker_watch = NULL;
	iio_worker_stop(p->worker);
	p->worker = NULL;
}

static int worker_start(struct iio_src *p)
{
	int r = iio_worker_start(&p->ses, &p->worker);

	if (r)
		return r;
	r = p->host->watch_fd(p->src, iio_worker_fd(p->worker), TS_FD_READABLE, on_worker, p,
			      &p->worker_watch);
	if (r < 0)
		worker_stop(p);
	return r;
}

/* ---- the descriptor's callbacks ------------------------------------------------------ */

static const char *mode_name(const struct iio_session *s)
{
	return s->buffered ? "buffered capture" : "polling";
}

static void describe(struct iio_src *p)
{
	const struct iio_session *s = &p->ses;
	char list[256] = "", timing[96];

	for (unsigned i = 0; i < s->n_chan; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 p->names[i]);
	if (!s->buffered)
		snprintf(timing, sizeof(timing), "one frame per tick");
	else if (s->ts)
		snprintf(timing, sizeof(timing), "%u samples per refill, kernel timestamps (%s clock)",
			 s->buffer_size, s->ts_clock_name);
	else
		snprintf(timing, sizeof(timing), "%u samples per refill, timed by arrival",
			 s->buffer_size);
	p->host->log(p->src, LOG_INFO, "%s of %s (%s) from %s at %g Hz (context %s), %s%s",
		     mode_name(s), list, s->s32 ? "int32" : "int16", iio_session_device_name(s),
		     s->rate, p->cfg.context, timing, s->local ? "" : ", in a capture thread");
	if (s->buffered && p->cfg.rate && fabs(s->rate - p->cfg.rate) > p->cfg.rate * 0.001)
		p->host->log(p->src, LOG_WARNING, "Rate=%s: the device runs at %g Hz",
			     p->cfg.rate_text, s->rate);
}

/* Keys that only buffered capture uses, on a polled device. */
static int check_mode_keys(struct iio_src *p)
{
	static const char *const keys[] = { "BufferSize", "Watermark", "Trigger" };
	const bool given[] = { p->cfg.buffer_size != 0, p->cfg.watermark != 0,
			       p->cfg.trigger[0] != '\0' };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!p->ses.buffered && given[i])
			return p->host->config_error(p->src, keys[i],
						     "only for Mode=buffer, and this source polls");
	if (!p->ses.buffered && p->cfg.rate > 1000)
		return p->host->config_error(p->src, "Rate", "polling is for at most 1000 Hz: use Mode=buffer");
	if (p->cfg.watermark && !p->ses.local)
		return p->host->config_error(p->src, "Watermark",
					     "only with Context=local (iiod sets the watermark to BufferSize)");
	return 0;
}

static void iio_free(struct iio_src *p)
{
	iio_session_disconnect(&p->ses);
	free(p->frames);
	free(p);
}

static int iio_open(ts_source *src, const ts_plugin_host *host, void **priv)
{
	ts_stream_format format = { .struct_size = sizeof(format) };
	struct iio_src *p;
	struct iio_error err;
	int r;

	if (host->struct_size < offsetof(ts_plugin_host, reserved))
		return -EPROTO;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* The typed getters are ABI 1.1: a 1.0 daemon has none. */
	if (!TS_PLUGIN_HOST_HAS(host, config_list)) {
		free(p);
		host->log(src, LOG_ERR, "needs tinysensed with plugin ABI 1.1 or later");
		return -EPROTO;
	}
	p->src = src;
	p->host = host;
	p->state = TS_SOURCE_RUNNING;
	r = iio_config_parse(src, host, &p->cfg);
	if (r) {
		free(p);
		return r;
	}
	r = iio_session_connect(&p->ses, &p->cfg, &err);
	if (!r && (r = check_mode_keys(p))) {
		iio_free(p);
		return r;
	}
	if (!r)
		r = iio_session_setup(&p->ses, &err);
	if (r) {
		host->config_error(src, err.key ? err.key : "Device", "%s", err.text);
		iio_free(p);
		return -EINVAL;
	}
	p->frames = calloc((size_t)p->ses.buffer_size * p->ses.n_chan, p->ses.s32 ? 4 : 2);
	if (!p->frames) {
		iio_free(p);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < p->ses.n_chan; i++) {
		iio_session_channel_info(&p->ses, i, &p->info[i]);
		snprintf(p->names[i], sizeof(p->names[i]), "%s", p->info[i].name);
		p->info[i].name = p->names[i]; /* libiio's string goes with the context */
	}
	format.format = p->ses.s32 ? TS_SAMPLE_S32 : TS_SAMPLE_S16;
	format.rate_hz = p->ses.rate < 1.5 ? 1 : (uint32_t)lround(p->ses.rate);
	format.channels = (uint16_t)p->ses.n_chan;
	format.channel = p->info;
	r = host->set_format(src, &format);
	if (r) {
		iio_free(p);
		return r;
	}
	snprintf(p->ts_clock_name, sizeof(p->ts_clock_name), "%s", p->ses.ts_clock_name);
	describe(p);
	*priv = p;
	return 0;
}

static void iio_stop(void *priv)
{
	struct iio_src *p = priv;

	p->started = false;
	worker_stop(p);
	if (p->retry)
		p->host->cancel_timer(p->src, p->retry);
	p->retry = NULL;
	p->pending[0] = '\0';
	/* a stopped source keeps its context; after a fault it has none */
	capture_close(p, false);
}

static int iio_start(void *priv)
{
	struct iio_src *p = priv;
	struct iio_error err;
	int r;

	if (p->started)
		return 0;
	p->started = true;
	p->state = TS_SOURCE_RUNNING;
	p->ts_warned = false;
	if (!p->ses.local) {
		r = worker_start(p);
		if (r)
			p->started = false;
		return r;
	}
	if (!capture_open(p, &err))
		return 0;
	/* The pipeline reports its start after this returns: the fault goes
	 * out from the loop, and retries follow. */
	snprintf(p->pending, sizeof(p->pending), "%s", err.text);
	r = p->host->add_timer(p->src, 0, on_retry, p, &p->retry);
	if (r < 0) {
		p->retry = NULL;
		p->started = false;
		return r;
	}
	return 0;
}

static void iio_close(void *priv)
{
	iio_stop(priv);
	iio_free(priv);
}

TS_PLUGIN_DESCRIPTOR = {
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(ts_plugin),
	.name = "iio",
	.description = "Linux IIO sensors through libiio (local or iiod): buffered capture or polling",
	.open = iio_open,
	.start = iio_start,
	.stop = iio_stop,
	.close = iio_close,
};
