/* SPDX-License-Identifier: MIT */
/*
 * The alsa plugin: captures from any ALSA PCM (plugins/alsa/README.md).
 *
 *   [Source]
 *   Plugin=alsa
 *   Device=default       any PCM name: hw:1,0, plughw:1,0, or one from an asoundrc
 *   Rate=16000           Hz, exactly (hw: devices take only their own rates)
 *   Channels=1
 *   Format=S16_LE        or S32_LE
 *   PeriodMs=20          or PeriodFrames=N: how much one wakeup reads
 *   BufferPeriods=4      the device's buffer, in periods
 *
 * The PCM is opened non-blocking and watched on the daemon's loop through
 * its poll descriptors; every wakeup reads what is available, stamped with
 * the device's CLOCK_MONOTONIC timestamp (snd_pcm_htimestamp) or, without
 * one, with the arrival time minus the frames' duration.  Three fallbacks
 * keep the loop from spinning or blocking:
 *
 *   - descriptors ready with less than a period to read: a period timer
 *     until data flows, then the descriptors again;
 *   - a PCM that is always ready (a full buffer the moment it starts: not
 *     paced by any clock, such as the `file` plugin): read by the clock, a
 *     period's worth per period, stamped from the clock;
 *   - suspend (-ESTRPIPE): snd_pcm_resume() retried on a timer, never slept
 *     on (snd_pcm_recover() would sleep).
 *
 * Overruns (-EPIPE, and blocks the pipeline had no room for) are recovered
 * and counted: the source is DEGRADED with LastError "N overruns" until
 * CLEAN_NS pass without one.  Any other error (-ENODEV: the USB microphone
 * was unplugged) closes the PCM: FAILED, reopened on a timer from 0.5 s
 * doubling to 30 s, RUNNING again when it opens.  A device that cannot be
 * opened at open() (absent, busy) is not a configuration error: capture
 * starts when it appears.  An undefined PCM name is one.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <tinysense/plugin.h>

#include "alsa_pcm.h"

#define NS_PER_S 1000000000ull
#define ALSA_MAX_FDS 16
#define RETRY_FIRST_US 500000ull   /* the first reopen, after a failure */
#define RETRY_MAX_US 30000000ull   /* doubling up to this */
#define RESUME_EVERY_US 100000ull  /* snd_pcm_resume() while it says -EAGAIN */
#define CLEAN_NS (10 * NS_PER_S)   /* DEGRADED back to RUNNING after this long clean */
#define REPORT_EVERY_NS NS_PER_S   /* LastError counts updated at most this often */

enum capture_mode {
	MODE_IDLE,     /* nothing pending: stopped, or a reopen/resume timer */
	MODE_POLL,     /* woken by the PCM's poll descriptors */
	MODE_FALLBACK, /* ready descriptors gave nothing: a period timer until data flows */
	MODE_PACED,    /* an always-ready PCM: read by the clock, per period */
};

struct alsa {
	ts_source *src;
	const ts_plugin_host *host;
	struct alsa_settings set;
	ts_channel_info info[ALSA_MAX_CHANNELS];
	char names[ALSA_MAX_CHANNELS][8];

	snd_pcm_t *pcm;                /* NULL while the device is gone */
	struct alsa_params params;
	size_t frame_bytes;
	uint8_t *buf;                  /* buf_frames frames */
	snd_pcm_uframes_t buf_frames;

	enum capture_mode mode;
	bool cannot_poll;              /* the descriptors cannot be watched: timers only */
	struct pollfd pfd[ALSA_MAX_FDS];
	void *watch[ALSA_MAX_FDS];
	unsigned n_watch;
	void *timer;                   /* the one pending timer, if any */

	uint64_t pace_start_ns;        /* MODE_PACED: when frame 0 was captured */
	uint64_t pace_frames;          /* frames read since */

	unsigned overruns, suspends;   /* since start() */
	uint64_t problem_ns;           /* the last overrun or suspend */
	uint64_t reported_ns;          /* when their counts last changed LastError */
	ts_source_state state;         /* as last reported */
	char error[512];               /* LastError as last reported */
	uint64_t retry_us;             /* the next reopen's delay */
};

static void on_fd(ts_source *src, int fd, uint32_t revents, void *user);
static void on_begin(ts_source *src, void *user);
static void on_paced(ts_source *src, void *user);
static void on_fallback(ts_source *src, void *user);
static void on_resume(ts_source *src, void *user);
static void on_reopen(ts_source *src, void *user);

/* ---- time ------------------------------------------------------------------ */

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* The duration of frames, without overflow for any run length. */
static uint64_t frames_ns(const struct alsa *a, uint64_t frames)
{
	return frames / a->set.rate * NS_PER_S + frames % a->set.rate * NS_PER_S / a->set.rate;
}

/* Frames in ns, rounded down. */
static uint64_t ns_frames(const struct alsa *a, uint64_t ns)
{
	return ns / NS_PER_S * a->set.rate + ns % NS_PER_S * a->set.rate / NS_PER_S;
}

static uint64_t period_us(const struct alsa *a)
{
	return frames_ns(a, a->params.period) / 1000;
}

/* ---- state ----------------------------------------------------------------- */

/* Tells the host, when anything changed. */
static void report(struct alsa *a, ts_source_state state, const char *error)
{
	if (state == a->state && !strcmp(error ? error : "", a->error))
		return;
	a->state = state;
	snprintf(a->error, sizeof(a->error), "%s", error ? error : "");
	a->host->set_state(a->src, state, error);
}

static void report_problems(struct alsa *a, uint64_t now)
{
	char msg[96];

	if (a->suspends)
		snprintf(msg, sizeof(msg), "%u overrun%s, %u suspend%s", a->overruns,
			 a->overruns == 1 ? "" : "s", a->suspends, a->suspends == 1 ? "" : "s");
	else
		snprintf(msg, sizeof(msg), "%u overrun%s", a->overruns, a->overruns == 1 ? "" : "s");
	if (a->state != TS_SOURCE_DEGRADED || strcmp(msg, a->error))
		a->reported_ns = now;
	report(a, TS_SOURCE_DEGRADED, msg);
}

/* An overrun or suspend was counted: DEGRADED now, new counts at most once
 * a second after that (deliver() reports the ones held back). */
static void note_problem(struct alsa *a)
{
	const uint64_t now = clock_ns(CLOCK_MONOTONIC);

	a->problem_ns = now;
	if (a->state != TS_SOURCE_DEGRADED || now - a->reported_ns >= REPORT_EVERY_NS)
		report_problems(a, now);
}

/* ---- events ---------------------------------------------------------------- */

static void unwatch(struct alsa *a)
{
	for (unsigned i = 0; i < a->n_watch; i++)
		a->host->unwatch_fd(a->src, a->watch[i]);
	a->n_watch = 0;
}

static void cancel_events(struct alsa *a)
{
	unwatch(a);
	if (a->timer)
		a->host->cancel_timer(a->src, a->timer);
	a->timer = NULL;
	a->mode = MODE_IDLE;
}

static void arm(struct alsa *a, uint64_t usec, ts_timer_callback cb)
{
	int r = a->host->add_timer(a->src, usec, cb, a, &a->timer);

	if (r < 0) {
		a->timer = NULL;
		a->mode = MODE_IDLE;
		a->host->log(a->src, LOG_ERR, "cannot arm a timer: %s", strerror(-r));
		report(a, TS_SOURCE_FAILED, "cannot arm a timer: capture stopped");
	}
}

static int watch_fds(struct alsa *a)
{
	int n = snd_pcm_poll_descriptors_count(a->pcm), r = 0;

	if (n <= 0 || n > ALSA_MAX_FDS)
		return n < 0 ? n : -ENOTSUP;
	n = snd_pcm_poll_descriptors(a->pcm, a->pfd, (unsigned)n);
	if (n <= 0)
		return n < 0 ? n : -ENOTSUP;
	for (int i = 0; i < n && r >= 0; i++) {
		uint32_t events = (uint32_t)a->pfd[i].events & (TS_FD_READABLE | TS_FD_WRITABLE);

		r = a->host->watch_fd(a->src, a->pfd[i].fd, events ? events : TS_FD_READABLE, on_fd,
				      a, &a->watch[i]);
		if (r >= 0)
			a->n_watch++;
	}
	if (r < 0) {
		unwatch(a);
		return r;
	}
	a->mode = MODE_POLL;
	return 0;
}

static void to_fallback(struct alsa *a)
{
	unwatch(a);
	a->mode = MODE_FALLBACK;
	arm(a, period_us(a), on_fallback);
}

/* ---- opening ---------------------------------------------------------------- */

static int fit_buffer(struct alsa *a)
{
	uint8_t *b;

	if (a->buf_frames >= a->params.buffer)
		return 0;
	b = realloc(a->buf, a->params.buffer * a->frame_bytes);
	if (!b)
		return -ENOMEM;
	a->buf = b;
	a->buf_frames = a->params.buffer;
	return 0;
}

static void log_opened(struct alsa *a)
{
	a->host->log(a->src, LOG_INFO,
		     "Device=%s: %u Hz, %u channel%s, %s, periods of %lu frames, buffer %lu frames, %s timestamps",
		     a->set.device, a->set.rate, a->set.channels, a->set.channels == 1 ? "" : "s",
		     snd_pcm_format_name(a->set.format), (unsigned long)a->params.period,
		     (unsigned long)a->params.buffer,
		     a->params.htstamp ? "device (monotonic)" : "arrival");
}

/* Opens and configures the device again: 0, or -errno after reporting
 * FAILED with why. */
static int reopen(struct alsa *a)
{
	struct alsa_problem p = { 0 };
	char msg[sizeof(a->error)];
	bool unknown;
	int r = alsa_pcm_open(a->set.device, &a->pcm, &p, &unknown);

	if (r >= 0) {
		r = alsa_pcm_configure(a->pcm, &a->set, &a->params, &p);
		if (r >= 0 && (r = fit_buffer(a)) < 0)
			snprintf(p.text, sizeof(p.text), "%s", strerror(-r));
		if (r < 0) {
			snd_pcm_close(a->pcm);
			a->pcm = NULL;
		}
	}
	if (r < 0) {
		snprintf(msg, sizeof(msg), "%s=%.96s: %.380s; retrying", p.key ? p.key : "Device",
			 p.key ? p.value : a->set.device, p.text);
		report(a, TS_SOURCE_FAILED, msg);
		return r;
	}
	log_opened(a);
	a->retry_us = RETRY_FIRST_US;
	report(a, TS_SOURCE_RUNNING, NULL);
	return 0;
}

static void schedule_reopen(struct alsa *a)
{
	a->host->log(a->src, LOG_DEBUG, "Device=%s: reopening in %llu ms", a->set.device,
		     (unsigned long long)(a->retry_us / 1000));
	arm(a, a->retry_us, on_reopen);
	a->retry_us = a->retry_us * 2 > RETRY_MAX_US ? RETRY_MAX_US : a->retry_us * 2;
}

/* A fatal error: close, FAILED, reopen later.  Returns err. */
static int fail(struct alsa *a, int err, const char *what)
{
	char msg[sizeof(a->error)];

	cancel_events(a);
	if (a->pcm)
		snd_pcm_close(a->pcm);
	a->pcm = NULL;
	snprintf(msg, sizeof(msg), "Device=%s: %s (%s); reopening", a->set.device,
		 snd_strerror(err), what);
	report(a, TS_SOURCE_FAILED, msg);
	a->retry_us = RETRY_FIRST_US;
	schedule_reopen(a);
	return err;
}

/* ---- capture ----------------------------------------------------------------- */

/* Starts a prepared PCM (capture does not start by itself). */
static int kick(struct alsa *a)
{
	return snd_pcm_state(a->pcm) == SND_PCM_STATE_PREPARED ? snd_pcm_start(a->pcm) : 0;
}

/* 0 resumed, 1 still suspended (a timer retries), <0 failed (closed). */
static int resume(struct alsa *a)
{
	int r = snd_pcm_resume(a->pcm);

	if (r == -EAGAIN) {
		cancel_events(a);
		arm(a, RESUME_EVERY_US, on_resume);
		return 1;
	}
	if (r < 0) /* cannot resume (-ENOSYS): start over */
		r = snd_pcm_prepare(a->pcm);
	if (r >= 0)
		r = kick(a);
	return r < 0 ? fail(a, r, "snd_pcm_resume") : 0;
}

/* An error from the PCM while capturing; always returns a negative value.
 * Afterwards a->mode says what goes on: unchanged when recovered in place,
 * MODE_IDLE when a reopen or resume timer took over. */
static int handle_error(struct alsa *a, int err, const char *what)
{
	int r;

	switch (err) {
	case -EPIPE:
		r = snd_pcm_recover(a->pcm, err, 1);
		if (r >= 0)
			r = kick(a);
		if (r < 0)
			return fail(a, r, "snd_pcm_recover");
		a->overruns++;
		note_problem(a);
		return err;
	case -ESTRPIPE:
		a->suspends++;
		note_problem(a);
		resume(a);
		return err;
	default:
		return fail(a, err, what);
	}
}

static void swap_bytes(struct alsa *a, snd_pcm_uframes_t frames)
{
	const size_t n = frames * a->set.channels;

	if (a->set.format == SND_PCM_FORMAT_S32_LE || a->set.format == SND_PCM_FORMAT_S32_BE) {
		uint32_t *v = (uint32_t *)(void *)a->buf;

		for (size_t i = 0; i < n; i++)
			v[i] = __builtin_bswap32(v[i]);
	} else {
		uint16_t *v = (uint16_t *)(void *)a->buf;

		for (size_t i = 0; i < n; i++)
			v[i] = __builtin_bswap16(v[i]);
	}
}

/* Hands frames read into buf to the host; first_ns: CLOCK_MONOTONIC of the
 * first one. */
static void deliver(struct alsa *a, snd_pcm_uframes_t frames, uint64_t first_ns)
{
	const uint64_t mono = clock_ns(CLOCK_MONOTONIC), real = clock_ns(CLOCK_REALTIME);
	ts_sample_block block = {
		.struct_size = sizeof(block),
		.frames = (uint32_t)frames,
		.data = a->buf,
		.mono_ns = first_ns,
		.realtime_ns = real - (mono - first_ns),
	};

	if (snd_pcm_format_cpu_endian(a->set.format) == 0)
		swap_bytes(a, frames);
	if (a->host->emit(a->src, &block) == -EAGAIN) {
		a->overruns++; /* the pipeline had no room: dropped */
		note_problem(a);
		return;
	}
	if (a->state == TS_SOURCE_DEGRADED) {
		if (mono - a->problem_ns >= CLEAN_NS) {
			a->host->log(a->src, LOG_INFO, "Device=%s: no overrun for %llu s: %s",
				     a->set.device, CLEAN_NS / NS_PER_S, a->error);
			report(a, TS_SOURCE_RUNNING, NULL);
		} else if (mono - a->reported_ns >= REPORT_EVERY_NS) {
			report_problems(a, mono);
		}
	}
}

/* Reads what the PCM has (MODE_POLL, MODE_FALLBACK): frames read, 0 when
 * nothing, <0 after handle_error(). */
static snd_pcm_sframes_t capture(struct alsa *a)
{
	snd_pcm_uframes_t avail = 0;
	snd_htimestamp_t ts = { 0, 0 };
	snd_pcm_sframes_t r;
	const uint64_t now = clock_ns(CLOCK_MONOTONIC);
	uint64_t first, stamp;

	if (a->params.htstamp) {
		r = snd_pcm_htimestamp(a->pcm, &avail, &ts);
	} else {
		r = snd_pcm_avail_update(a->pcm);
		avail = r > 0 ? (snd_pcm_uframes_t)r : 0;
	}
	if (r < 0)
		return handle_error(a, (int)r, "snd_pcm_avail_update");
	if (!avail)
		return 0;
	/* The device's stamp says when it had avail frames; arrival time
	 * otherwise (or when the stamp is not plausible). */
	stamp = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	if (!a->params.htstamp || !stamp || stamp > now + NS_PER_S / 1000 ||
	    stamp + NS_PER_S < now)
		stamp = now;
	first = stamp - frames_ns(a, avail);
	if (avail > a->buf_frames)
		avail = a->buf_frames;
	r = snd_pcm_readi(a->pcm, a->buf, avail);
	if (r == -EAGAIN || r == 0)
		return 0;
	if (r < 0)
		return handle_error(a, (int)r, "snd_pcm_readi");
	deliver(a, (snd_pcm_uframes_t)r, first);
	return r;
}

static void on_fd(ts_source *src, int fd, uint32_t revents, void *user)
{
	struct alsa *a = user;
	unsigned short ready = 0;
	snd_pcm_sframes_t r = 0;

	(void)src;
	for (unsigned i = 0; i < a->n_watch; i++)
		a->pfd[i].revents = a->pfd[i].fd == fd ? (short)revents : 0;
	if (snd_pcm_poll_descriptors_revents(a->pcm, a->pfd, a->n_watch, &ready) < 0)
		ready = POLLERR;
	if (ready & (POLLIN | POLLERR))
		r = capture(a);
	/* Woken with less than a period: do not spin on a descriptor that
	 * stays ready; a timer until data flows. */
	if (a->mode == MODE_POLL && r >= 0 && (snd_pcm_uframes_t)r < a->params.period)
		to_fallback(a);
}

static void on_fallback(ts_source *src, void *user)
{
	struct alsa *a = user;
	snd_pcm_sframes_t r;

	(void)src;
	a->timer = NULL;
	r = capture(a);
	if (a->mode != MODE_FALLBACK)
		return; /* an error took over */
	if (r > 0 && !a->cannot_poll && watch_fds(a) == 0)
		return; /* data flows: back to the descriptors */
	arm(a, period_us(a), on_fallback);
}

/* MODE_PACED: every period the clock says is due since the start (all of
 * them when the timer was late), then sleep until the next one is due. */
static void on_paced(ts_source *src, void *user)
{
	struct alsa *a = user;
	uint64_t now = clock_ns(CLOCK_MONOTONIC), due, next;

	(void)src;
	a->timer = NULL;
	due = ns_frames(a, now - a->pace_start_ns) - a->pace_frames;
	while (due >= a->params.period) {
		const snd_pcm_uframes_t want = due > a->buf_frames ? a->buf_frames : due;
		const snd_pcm_sframes_t r = snd_pcm_readi(a->pcm, a->buf, want);

		if (r == -EAGAIN || r == 0)
			break;
		if (r < 0) {
			handle_error(a, (int)r, "snd_pcm_readi");
			if (a->mode != MODE_PACED)
				return;
			/* What the clock says was captured went with the overrun:
			 * go on from now, or the next timer is due at once, and
			 * again, as long as the device keeps failing. */
			a->pace_frames = ns_frames(a, now - a->pace_start_ns);
			break;
		}
		deliver(a, (snd_pcm_uframes_t)r, a->pace_start_ns + frames_ns(a, a->pace_frames));
		a->pace_frames += (uint64_t)r;
		due -= (uint64_t)r;
	}
	next = a->pace_start_ns + frames_ns(a, a->pace_frames + a->params.period);
	now = clock_ns(CLOCK_MONOTONIC);
	arm(a, next > now ? (next - now + 999) / 1000 : 0, on_paced);
}

/* Starts the PCM and picks how to wait for it. */
static void begin_capture(struct alsa *a)
{
	snd_pcm_sframes_t avail;
	snd_pcm_state_t st;
	int r = 0;

	cancel_events(a);
	st = snd_pcm_state(a->pcm);
	if (st != SND_PCM_STATE_PREPARED && st != SND_PCM_STATE_RUNNING)
		r = snd_pcm_prepare(a->pcm);
	if (r >= 0)
		r = kick(a);
	if (r < 0) {
		fail(a, r, "snd_pcm_start");
		return;
	}
	/* A full buffer the moment it starts: nothing paces this PCM. */
	avail = snd_pcm_avail_update(a->pcm);
	if (avail > 0 && (snd_pcm_uframes_t)avail >= a->params.buffer) {
		a->host->log(a->src, LOG_INFO,
			     "Device=%s is always ready (not paced by a clock): read by the clock, %lu frames a period",
			     a->set.device, (unsigned long)a->params.period);
		a->mode = MODE_PACED;
		a->pace_start_ns = clock_ns(CLOCK_MONOTONIC);
		a->pace_frames = 0;
		arm(a, period_us(a), on_paced);
		return;
	}
	/* Errors (avail < 0) come back through the descriptors. */
	r = watch_fds(a);
	if (r < 0) {
		a->host->log(a->src, LOG_WARNING,
			     "Device=%s: cannot watch its poll descriptors (%s): reading every period",
			     a->set.device, strerror(-r));
		a->cannot_poll = true;
		a->mode = MODE_FALLBACK;
		arm(a, period_us(a), on_fallback);
	}
}

static void on_begin(ts_source *src, void *user)
{
	struct alsa *a = user;

	(void)src;
	a->timer = NULL;
	if (!a->pcm && reopen(a) < 0) {
		schedule_reopen(a);
		return;
	}
	begin_capture(a);
}

static void on_reopen(ts_source *src, void *user)
{
	struct alsa *a = user;

	(void)src;
	a->timer = NULL;
	if (reopen(a) < 0) {
		schedule_reopen(a);
		return;
	}
	a->host->log(a->src, LOG_NOTICE, "Device=%s is back", a->set.device);
	begin_capture(a);
}

static void on_resume(ts_source *src, void *user)
{
	struct alsa *a = user;

	(void)src;
	a->timer = NULL;
	if (resume(a) == 0)
		begin_capture(a);
}

/* ---- configuration ------------------------------------------------------------ */

static int read_settings(struct alsa *a)
{
	static const char *const formats[] = { "S16_LE", "S32_LE", NULL };
	struct alsa_settings *s = &a->set;
	const ts_plugin_host *h = a->host;
	const char *device = h->config_get(a->src, "Device");
	uint64_t rate, channels, ms, frames, periods;
	unsigned format;
	int r, ms_given, frames_given;

	if (!device)
		device = "default";
	if (!device[0] || strlen(device) >= sizeof(s->device))
		return h->config_error(a->src, "Device",
				       "expected a PCM name (hw:1,0, plughw:1,0, default, ...) of at most %zu characters",
				       sizeof(s->device) - 1);
	snprintf(s->device, sizeof(s->device), "%s", device);
	if ((r = h->config_enum(a->src, "Format", formats, 0, &format)) < 0 ||
	    (r = h->config_uint(a->src, "Rate", 16000, 1, 768000, &rate)) < 0 ||
	    (r = h->config_uint(a->src, "Channels", 1, 1, ALSA_MAX_CHANNELS, &channels)) < 0 ||
	    (r = ms_given = h->config_uint(a->src, "PeriodMs", 20, 1, 1000, &ms)) < 0 ||
	    (r = frames_given = h->config_uint(a->src, "PeriodFrames", 0, 1, 1048576, &frames)) < 0 ||
	    (r = h->config_uint(a->src, "BufferPeriods", 4, 2, 64, &periods)) < 0)
		return r;
	if (ms_given && frames_given)
		return h->config_error(a->src, "PeriodFrames",
				       "set PeriodMs= or PeriodFrames=, not both");
	s->format = format ? SND_PCM_FORMAT_S32_LE : SND_PCM_FORMAT_S16_LE;
	s->rate = (uint32_t)rate;
	s->channels = (uint16_t)channels;
	s->buffer_periods = (uint32_t)periods;
	if (frames_given) {
		s->period_key = "PeriodFrames";
		s->period_value = (uint32_t)frames;
		s->period_frames = (uint32_t)frames;
	} else {
		s->period_key = "PeriodMs";
		s->period_value = (uint32_t)ms;
		s->period_frames = (uint32_t)(rate * ms / 1000);
		if (!s->period_frames)
			return h->config_error(a->src, "PeriodMs", "less than one frame at Rate=%u",
					       s->rate);
	}
	return 0;
}

static int declare_format(struct alsa *a)
{
	ts_stream_format f = {
		.struct_size = sizeof(f),
		.format = a->set.format == SND_PCM_FORMAT_S32_LE ? TS_SAMPLE_S32 : TS_SAMPLE_S16,
		.rate_hz = a->set.rate,
		.channels = a->set.channels,
		.channel = a->info,
	};
	const double full_scale = a->set.format == SND_PCM_FORMAT_S32_LE ? 2147483648.0 : 32768.0;

	for (unsigned c = 0; c < a->set.channels; c++) {
		if (a->set.channels == 1)
			snprintf(a->names[c], sizeof(a->names[c]), "mono");
		else if (a->set.channels == 2)
			snprintf(a->names[c], sizeof(a->names[c]), "%s", c ? "right" : "left");
		else
			snprintf(a->names[c], sizeof(a->names[c]), "ch%u", c);
		/* Physical values in full-scale units, -1..1. */
		a->info[c] = (ts_channel_info){ .name = a->names[c], .unit = "",
						.scale = 1.0 / full_scale };
	}
	return a->host->set_format(a->src, &f);
}

/* ---- the plugin callbacks ------------------------------------------------------ */

static void alsa_free(struct alsa *a)
{
	if (a->pcm)
		snd_pcm_close(a->pcm);
	free(a->buf);
	free(a);
}

static int alsa_open(ts_source *src, const ts_plugin_host *host, void **priv)
{
	struct alsa *a = calloc(1, sizeof(*a));
	struct alsa_problem p = { 0 };
	bool unknown;
	int r;

	if (!a)
		return -ENOMEM;
	/* The typed getters are ABI 1.1: a 1.0 daemon has none. */
	if (!TS_PLUGIN_HOST_HAS(host, config_list)) {
		free(a);
		host->log(src, LOG_ERR, "needs tinysensed with plugin ABI 1.1 or later");
		return -EPROTO;
	}
	a->src = src;
	a->host = host;
	a->state = TS_SOURCE_RUNNING;
	r = read_settings(a);
	if (r)
		goto fail;
	a->frame_bytes = (size_t)snd_pcm_format_physical_width(a->set.format) / 8 * a->set.channels;
	r = alsa_pcm_open(a->set.device, &a->pcm, &p, &unknown);
	if (r < 0 && unknown) {
		r = host->config_error(src, "Device", "%s; `arecord -L` lists the PCM names", p.text);
		goto fail;
	}
	if (r < 0) {
		/* Absent or busy now: not a configuration error. */
		host->log(src, LOG_WARNING, "Device=%s: %s: capture starts when it opens", p.value,
			  p.text);
	} else {
		r = alsa_pcm_configure(a->pcm, &a->set, &a->params, &p);
		if (r < 0) {
			const bool given = host->config_get(src, p.key) != NULL;

			r = host->config_error(src, p.key, "%s%s%s", given ? "" : p.value,
					       given ? "" : " (the default): ", p.text);
			goto fail;
		}
		r = fit_buffer(a);
		if (r < 0)
			goto fail;
		log_opened(a);
	}
	r = declare_format(a);
	if (r < 0)
		goto fail;
	*priv = a;
	return 0;
fail:
	alsa_free(a);
	return r < 0 ? r : -EINVAL;
}

static int alsa_start(void *priv)
{
	struct alsa *a = priv;

	cancel_events(a);
	a->overruns = a->suspends = 0;
	a->state = TS_SOURCE_RUNNING; /* as the host sets it on start */
	a->error[0] = '\0';
	a->retry_us = RETRY_FIRST_US;
	/* The rest on the loop, so that states reach a running pipeline. */
	arm(a, 0, on_begin);
	return a->timer ? 0 : -ENOMEM;
}

static void alsa_stop(void *priv)
{
	struct alsa *a = priv;

	cancel_events(a);
	if (a->pcm)
		snd_pcm_drop(a->pcm);
}

static void alsa_close(void *priv)
{
	struct alsa *a = priv;

	cancel_events(a);
	alsa_free(a);
}

TS_PLUGIN_DESCRIPTOR = {
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(ts_plugin),
	.name = "alsa",
	.description = "ALSA capture: microphones and line inputs",
	.open = alsa_open,
	.start = alsa_start,
	.stop = alsa_stop,
	.close = alsa_close,
};
