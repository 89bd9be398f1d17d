/* SPDX-License-Identifier: MIT */
/*
 * The capture thread, for contexts whose buffers libiio cannot hand to an
 * event loop: in libiio 0.24 only the local backend has a buffer poll fd
 * and a non-blocking mode, so over ip: (iiod), usb: or serial: every refill
 * and attribute read blocks until data or the context's timeout.  The
 * thread does those blocking calls, and the fault handling around them
 * (backoff, reconnect), and queues what it gets for the loop:
 *
 *   thread: refill/read -> slot[head] -> head++ -> eventfd
 *   loop:   eventfd readable -> iio_worker_drain(): slot[tail] -> cb -> tail++
 *
 * Block slots are written in place and dropped (counted) when the loop is
 * behind; state changes wait for room, so that none is lost.  The thread
 * never calls the host.  Stopping cancels a refill in progress
 * (iio_buffer_cancel); a connection attempt in progress (at most libiio's
 * 5 s connect timeout) or an attribute read cannot be cancelled and is
 * waited for.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <iio.h>

#include "iio_source.h"

#define WORKER_SLOTS 16

struct slot {
	struct iio_msg msg;
	uint8_t *data;
};

struct iio_worker {
	struct iio_session *s;
	pthread_t thread;
	int efd;
	pthread_mutex_t lock;
	pthread_cond_t cond;          /* room in the queue, or stop */
	bool stop;
	struct iio_buffer *cancel;    /* the buffer a stop must cancel */
	struct slot slot[WORKER_SLOTS];
	unsigned head, tail;          /* free-running; head - tail queued */
	uint64_t dropped;
	uint8_t *scratch;             /* a refill with no free slot lands here */
};

static bool stopping(struct iio_worker *w)
{
	bool stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void wake_loop(struct iio_worker *w)
{
	const uint64_t one = 1;

	if (write(w->efd, &one, sizeof(one)) < 0) {
		/* the counter is full: the loop has a wake-up pending anyway */
	}
}

/* Sleeps until deadline (CLOCK_MONOTONIC ns) or a stop; false on stop. */
static bool sleep_until(struct iio_worker *w, uint64_t deadline)
{
	const struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull),
				     .tv_nsec = (long)(deadline % 1000000000ull) };
	bool stop;

	pthread_mutex_lock(&w->lock);
	while (!w->stop && iio_clock_ns(CLOCK_MONOTONIC) < deadline)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
			break;
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return !stop;
}

static void post_state(struct iio_worker *w, ts_source_state state, const char *error)
{
	struct slot *sl;

	pthread_mutex_lock(&w->lock);
	while (!w->stop && w->head - w->tail == WORKER_SLOTS)
		pthread_cond_wait(&w->cond, &w->lock);
	if (w->stop) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	sl = &w->slot[w->head % WORKER_SLOTS];
	sl->msg.kind = IIO_MSG_STATE;
	sl->msg.state = state;
	snprintf(sl->msg.error, sizeof(sl->msg.error), "%s", error ? error : "");
	w->head++;
	pthread_mutex_unlock(&w->lock);
	wake_loop(w);
}

/* Where the next block goes: the head slot, or scratch when the queue is full. */
static uint8_t *claim(struct iio_worker *w)
{
	uint8_t *dst;

	pthread_mutex_lock(&w->lock);
	dst = w->head - w->tail < WORKER_SLOTS ? w->slot[w->head % WORKER_SLOTS].data : w->scratch;
	pthread_mutex_unlock(&w->lock);
	return dst;
}

static void commit(struct iio_worker *w, uint8_t *dst, uint32_t frames, const struct iio_times *t)
{
	struct slot *sl = &w->slot[w->head % WORKER_SLOTS];

	pthread_mutex_lock(&w->lock);
	if (dst == w->scratch) {
		w->dropped++;
		pthread_mutex_unlock(&w->lock);
		return;
	}
	sl->msg.kind = IIO_MSG_BLOCK;
	sl->msg.frames = frames;
	sl->msg.times = *t;
	w->head++;
	pthread_mutex_unlock(&w->lock);
	wake_loop(w);
}

/* A refill may wait this long: two buffers' worth, at least 5 s. */
static unsigned refill_timeout_ms(const struct iio_session *s)
{
	const double ms = 2000.0 * s->buffer_size / s->rate + 1000;

	return ms < 5000 ? 5000 : ms > 600000 ? 600000 : (unsigned)ms;
}

/* Connects when needed and, in buffer mode, opens a (blocking) buffer. */
static int open_capture(struct iio_worker *w, struct iio_error *err)
{
	struct iio_session *s = w->s;
	bool stop;
	int r;

	if (!s->ctx) {
		r = iio_session_connect(s, s->cfg, err);
		if (!r && (r = iio_session_setup(s, err)))
			iio_session_disconnect(s);
		if (r)
			return r;
	}
	if (!s->buffered)
		return 0;
	if (iio_context_set_timeout(s->ctx, refill_timeout_ms(s)) < 0) {
		/* not every backend has one; refills then use its default */
	}
	r = iio_session_buffer_open(s, false, err);
	if (r) {
		iio_session_disconnect(s);
		return r;
	}
	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	if (!stop)
		w->cancel = s->buf; /* from now on a stop cancels its refills */
	pthread_mutex_unlock(&w->lock);
	if (stop) {
		iio_session_buffer_close(s);
		err->key = NULL;
		snprintf(err->text, sizeof(err->text), "stopped");
		return -ECANCELED;
	}
	return 0;
}

static void close_capture(struct iio_worker *w, bool disconnect)
{
	pthread_mutex_lock(&w->lock);
	w->cancel = NULL;
	pthread_mutex_unlock(&w->lock);
	if (disconnect)
		iio_session_disconnect(w->s);
	else
		iio_session_buffer_close(w->s);
}

/* Captures until a fault (-errno, err filled) or a stop (0). */
static int capture(struct iio_worker *w, struct iio_error *err)
{
	struct iio_session *s = w->s;
	const uint64_t period = (uint64_t)(1e9 / s->rate);
	uint64_t next = iio_clock_ns(CLOCK_MONOTONIC);
	struct iio_times t;
	int r;

	for (;;) {
		uint8_t *dst;

		if (!s->buffered && !sleep_until(w, next))
			return 0;
		dst = claim(w);
		if (s->buffered) {
			r = iio_session_buffer_read(s, dst, &t, err);
		} else {
			r = iio_session_poll_read(s, dst, err);
			t = (struct iio_times){ .mono_ns = iio_clock_ns(CLOCK_MONOTONIC),
						.realtime_ns = iio_clock_ns(CLOCK_REALTIME) };
			r = r ? r : 1;
			next += period;
			if (next + period < t.mono_ns) /* far behind: skip the missed ticks */
				next = t.mono_ns + period;
		}
		if (stopping(w))
			return 0;
		if (r < 0)
			return r;
		if (r > 0)
			commit(w, dst, (uint32_t)r, &t);
	}
}

static void *worker_main(void *arg)
{
	struct iio_worker *w = arg;
	struct iio_error err;
	uint32_t backoff = 0;
	uint64_t recovered_at = 0;
	bool failed = false, ever_failed = false;

	while (!stopping(w)) {
		int r = open_capture(w, &err);

		if (!r) {
			if (failed) {
				post_state(w, TS_SOURCE_RUNNING, NULL);
				recovered_at = iio_clock_ns(CLOCK_MONOTONIC);
				failed = false;
			}
			r = capture(w, &err);
			if (!r) /* stopped */
				break;
			close_capture(w, true); /* look the device up again */
		}
		if (stopping(w))
			break;
		if (!failed && (!ever_failed ||
				iio_clock_ns(CLOCK_MONOTONIC) - recovered_at >= IIO_STABLE_NS))
			backoff = 0;
		failed = ever_failed = true;
		post_state(w, TS_SOURCE_FAILED, err.text);
		backoff = iio_backoff_next(backoff);
		if (!sleep_until(w, iio_clock_ns(CLOCK_MONOTONIC) + backoff * 1000000ull))
			break;
	}
	close_capture(w, false); /* a stopped source keeps its context */
	return NULL;
}

int iio_worker_start(struct iio_session *s, struct iio_worker **out)
{
	const size_t bytes = (size_t)s->buffer_size * s->n_chan * (s->s32 ? 4 : 2);
	struct iio_worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int r = -ENOMEM;

	if (!w)
		return -ENOMEM;
	w->s = s;
	w->efd = -1;
	w->scratch = malloc(bytes);
	if (!w->scratch)
		goto err_free;
	for (unsigned i = 0; i < WORKER_SLOTS; i++) {
		w->slot[i].data = malloc(bytes);
		if (!w->slot[i].data)
			goto err_free;
		w->slot[i].msg.data = w->slot[i].data;
	}
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		r = -errno;
		goto err_free;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	r = -pthread_create(&w->thread, NULL, worker_main, w);
	if (r) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		goto err_free;
	}
	*out = w;
	return 0;

err_free:
	if (w->efd >= 0)
		close(w->efd);
	for (unsigned i = 0; i < WORKER_SLOTS; i++)
		free(w->slot[i].data);
	free(w->scratch);
	free(w);
	return r;
}

int iio_worker_fd(const struct iio_worker *w)
{
	return w->efd;
}

uint64_t iio_worker_drain(struct iio_worker *w, void (*cb)(void *user, const struct iio_msg *m),
			  void *user)
{
	uint64_t v, dropped;

	if (read(w->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: a previous drain took these messages already */
	}
	for (;;) {
		const struct slot *sl;

		pthread_mutex_lock(&w->lock);
		if (w->tail == w->head) {
			dropped = w->dropped;
			w->dropped = 0;
			pthread_mutex_unlock(&w->lock);
			return dropped;
		}
		sl = &w->slot[w->tail % WORKER_SLOTS];
		pthread_mutex_unlock(&w->lock);
		cb(user, &sl->msg); /* the thread does not touch a queued slot */
		pthread_mutex_lock(&w->lock);
		w->tail++;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
}

void iio_worker_stop(struct iio_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	if (w->cancel)
		iio_buffer_cancel(w->cancel);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	close(w->efd);
	for (unsigned i = 0; i < WORKER_SLOTS; i++)
		free(w->slot[i].data);
	free(w->scratch);
	free(w);
}
