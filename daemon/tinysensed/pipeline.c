/* SPDX-License-Identifier: MIT */
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "chain.h"
#include "log.h"
#include "source.h"
#include "spsc_ring.h"

#define BLOCK_MAX_FRAMES 1024
#define IN_SLOTS 32         /* sample blocks in flight, loop -> worker */
#define OUT_SLOTS 256       /* results in flight, worker -> loop */
#define START_RETRY_MIN_USEC (1000 * 1000ull)  /* a source that failed to start */
#define START_RETRY_MAX_USEC (30 * 1000 * 1000ull)
/* How long Stop() waits for the worker to finish its inference before it
 * goes on without it (state "stopping", then "stopped" when it is done). */
#define STOP_WAIT_NS (100 * 1000 * 1000l)

/* A block of samples, loop -> worker.  frames == 0 && end: end of stream. */
struct sample_block {
	uint64_t mono_ns;
	uint64_t realtime_us;
	uint32_t frames;
	uint32_t rate;
	uint16_t channels;
	uint8_t format;    /* enum sample_format */
	bool end;
	_Alignas(8) uint8_t samples[]; /* frames * channels values */
};

enum result_kind { RESULT_DETECTION, RESULT_SCORES, RESULT_END };

struct result {
	enum result_kind kind;
	ts_detection det;               /* RESULT_DETECTION */
	uint64_t mono_ns;               /* RESULT_SCORES */
	uint64_t realtime_us;
	uint16_t n_scores;
	uint16_t scores[PC_MAX_LABELS]; /* RESULT_SCORES: averaged, Q15 */
};

struct pipeline {
	struct pipeline_env env;
	struct pipeline_sink sink;
	struct pipeline_config *cfg;    /* owned */
	struct chain *chain;
	struct source source;
	enum pipeline_state state;
	char sha256[65];

	/* Loop <-> worker. */
	struct spsc_ring in, out;
	int in_fd, out_fd;              /* eventfds: "look at the ring" */
	sd_event_source *out_src;
	pthread_t worker;
	bool worker_running;            /* created and not yet joined */
	atomic_bool stop_worker;
	atomic_int fate;                /* enum worker_fate */
	atomic_uint_fast64_t inferences, inference_ns, results_dropped;
	pthread_mutex_t threshold_lock;
	uint16_t thresholds[PC_MAX_LABELS]; /* Q15, per class */
	atomic_uint threshold_generation;
	atomic_bool want_scores;

	/* Loop-side state. */
	sd_event_source *start_retry;   /* armed while a failed start waits to retry */
	uint64_t start_backoff_usec;
	bool waiting_for_space;         /* emit took less than offered */
	bool source_ended, finished;
	uint64_t stream_start_ns;
	enum source_state sensor_state;
	uint64_t samples, detections;
	bool has_last;
	struct detection_event last;
	char last_error[256];
	/* What the worker remembers of the block being fed (worker only). */
	uint64_t block_mono_ns, block_realtime_us;
};

/* Who frees the worker's half: the loop after a join, or the worker itself
 * when pipeline_free() could not wait for it (orphaned). */
enum worker_fate { WORKER_RUNNING, WORKER_EXITED, WORKER_ORPHANED };

const char *pipeline_state_name(enum pipeline_state s)
{
	static const char *const names[] = { "stopped", "running", "degraded", "failed",
					     "stopping" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static void wake(int fd)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the wake is pending. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_error("eventfd write: %m");
}

static void drain_fd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
}

/* ---- worker thread ------------------------------------------------------ */

static void push_result(struct pipeline *p, const struct result *r)
{
	struct result *slot = ring_claim(&p->out);

	if (!slot) {
		atomic_fetch_add(&p->results_dropped, 1);
		return;
	}
	*slot = *r;
	ring_push(&p->out);
}

static void on_detection(void *user, const ts_detection *det)
{
	struct pipeline *p = user;
	struct result r = { .kind = RESULT_DETECTION, .det = *det };

	r.realtime_us = p->block_realtime_us + (det->timestamp_ns - p->block_mono_ns) / 1000;
	push_result(p, &r);
}

static void on_scores(void *user, const uint16_t *scores_q15, size_t n, uint64_t timestamp_ns)
{
	struct pipeline *p = user;
	struct result r = { .kind = RESULT_SCORES, .mono_ns = timestamp_ns };

	if (!atomic_load(&p->want_scores) || n > PC_MAX_LABELS)
		return;
	r.realtime_us = p->block_realtime_us + (timestamp_ns - p->block_mono_ns) / 1000;
	r.n_scores = (uint16_t)n;
	memcpy(r.scores, scores_q15, n * sizeof(scores_q15[0]));
	push_result(p, &r);
}

static void apply_thresholds(struct pipeline *p, unsigned *seen)
{
	unsigned gen = atomic_load(&p->threshold_generation);
	uint16_t copy[PC_MAX_LABELS];

	if (gen == *seen)
		return;
	pthread_mutex_lock(&p->threshold_lock);
	memcpy(copy, p->thresholds, sizeof(copy));
	pthread_mutex_unlock(&p->threshold_lock);
	chain_set_thresholds(p->chain, copy, p->cfg->n_labels);
	*seen = gen;
}

static void feed_block(struct pipeline *p, const struct sample_block *b)
{
	struct chain_stats st;

	p->block_mono_ns = b->mono_ns;
	p->block_realtime_us = b->realtime_us;
	/* -EINVAL is checked at start (cannot happen for a matching source);
	 * -ECANCELED: stopping, the rest of the block is dropped. */
	chain_feed(p->chain, b->samples, (enum sample_format)b->format, b->frames, b->channels,
		   b->mono_ns, b->rate, on_detection, p);
	chain_get_stats(p->chain, &st);
	atomic_store(&p->inferences, st.inferences);
	atomic_store(&p->inference_ns, st.inference_ns);
}

static void free_worker_half(struct pipeline *p);

static void *worker_main(void *arg)
{
	struct pipeline *p = arg;
	unsigned seen_generation = 0;
	uint64_t v;

	while (!atomic_load(&p->stop_worker)) {
		struct sample_block *b;
		bool any = false;

		apply_thresholds(p, &seen_generation);
		while ((b = ring_peek(&p->in))) {
			if (b->end) {
				struct result r = { .kind = RESULT_END };

				push_result(p, &r);
			} else {
				feed_block(p, b);
			}
			ring_pop(&p->in);
			any = true;
			if (atomic_load(&p->stop_worker))
				break;
		}
		if (any)
			wake(p->out_fd); /* results, and room for more blocks */
		/* Sleep until the loop posts more (blocking read on the eventfd). */
		if (read(p->in_fd, &v, sizeof(v)) < 0 && errno != EINTR && errno != EAGAIN)
			break;
	}
	/* The loop joins us when told; orphaned, we clean up after ourselves. */
	if (atomic_exchange(&p->fate, WORKER_EXITED) == WORKER_ORPHANED)
		free_worker_half(p);
	else
		wake(p->out_fd);
	return NULL;
}

/* ---- loop side ------------------------------------------------------------ */

/* Takes as many of the n frames as the ring has room for, split into
 * blocks; fewer than n means full: the source keeps the rest and is told
 * to go on with ops->resume when the worker has made room.  A stopped
 * pipeline takes nothing (pipeline_start() restarts the source). */
static size_t emit(void *pipeline, const void *frames, size_t n, uint64_t mono_ns,
		   uint64_t realtime_us)
{
	struct pipeline *p = pipeline;
	const uint16_t ch = p->source.channels;
	const size_t frame_size = ch * sample_size(p->source.format);
	size_t done = 0;

	if (!p->worker_running)
		return 0;
	while (done < n) {
		struct sample_block *b = ring_claim(&p->in);
		size_t take = n - done < BLOCK_MAX_FRAMES ? n - done : BLOCK_MAX_FRAMES;

		if (!b)
			break;
		b->mono_ns = mono_ns + done * 1000000000ull / p->source.rate;
		b->realtime_us = realtime_us + done * 1000000ull / p->source.rate;
		b->frames = (uint32_t)take;
		b->rate = p->source.rate;
		b->channels = ch;
		b->format = (uint8_t)p->source.format;
		b->end = false;
		memcpy(b->samples, (const uint8_t *)frames + done * frame_size, take * frame_size);
		ring_push(&p->in);
		done += take;
	}
	if (done < n)
		p->waiting_for_space = true;
	if (!done)
		return 0;
	if (!p->samples)
		p->stream_start_ns = mono_ns;
	p->samples += done;
	wake(p->in_fd);
	return done;
}

static void source_end(void *pipeline)
{
	struct pipeline *p = pipeline;
	struct sample_block *b = ring_claim(&p->in);

	p->source_ended = true;
	if (!b) {
		/* Full: the marker goes in when space frees (on_results). */
		p->waiting_for_space = true;
		return;
	}
	memset(b, 0, sizeof(*b));
	b->end = true;
	ring_push(&p->in);
	wake(p->in_fd);
}

static void tell_state(struct pipeline *p)
{
	if (p->sink.state)
		p->sink.state(p->sink.user, p);
}

/* The source's state: a running pipeline whose source has problems or has
 * failed (and is retrying) is degraded; it recovers with the source. */
static void source_state(void *pipeline, enum source_state state, const char *message)
{
	struct pipeline *p = pipeline;
	enum pipeline_state old = p->state;
	const bool changed = state != p->sensor_state ||
			     strcmp(message ? message : "", p->last_error);

	p->sensor_state = state;
	snprintf(p->last_error, sizeof(p->last_error), "%s", message ? message : "");
	if (message && changed)
		log_warning("%s: source: %s", p->cfg->name, message);
	if (p->state == PIPELINE_RUNNING && state != SOURCE_RUNNING)
		p->state = PIPELINE_DEGRADED;
	else if (p->state == PIPELINE_DEGRADED && state == SOURCE_RUNNING)
		p->state = PIPELINE_RUNNING;
	if (p->state != old || changed)
		tell_state(p);
}

static void publish(struct pipeline *p, const struct result *r)
{
	struct detection_event ev = {
		.label = p->cfg->labels[r->det.class_index],
		.class_index = r->det.class_index,
		.score_q15 = r->det.score_q15,
		.average_q15 = r->det.average_q15,
		.mono_ns = r->det.timestamp_ns,
		.realtime_us = r->realtime_us,
	};

	if (r->det.class_index >= p->cfg->n_labels)
		return;
	p->detections++;
	p->last = ev;
	p->has_last = true;
	if (p->sink.detection)
		p->sink.detection(p->sink.user, p, &ev);
}

static void finish_stop(struct pipeline *p);

static int on_results(sd_event_source *es, int fd, uint32_t revents, void *user)
{
	struct pipeline *p = user;
	struct result *r;

	(void)es;
	(void)revents;
	drain_fd(fd);
	if (p->state == PIPELINE_STOPPING && atomic_load(&p->fate) == WORKER_EXITED) {
		finish_stop(p);
		return 0;
	}
	while ((r = ring_peek(&p->out))) {
		struct result copy = *r;

		ring_pop(&p->out);
		if (copy.kind == RESULT_DETECTION) {
			publish(p, &copy);
		} else if (copy.kind == RESULT_SCORES) {
			const struct scores_event ev = { copy.scores, copy.n_scores, copy.mono_ns,
							 copy.realtime_us };

			if (p->sink.scores)
				p->sink.scores(p->sink.user, p, &ev);
		} else if (!p->finished) {
			p->finished = true;
			if (p->sink.finished)
				p->sink.finished(p->sink.user, p);
		}
	}
	/* A stopped pipeline's source stays stopped until pipeline_start(). */
	if (p->worker_running && p->waiting_for_space && !ring_full(&p->in)) {
		p->waiting_for_space = false;
		if (p->source_ended && !p->finished)
			source_end(p); /* the end marker did not fit before */
		else if (p->source.ops->resume)
			p->source.ops->resume(&p->source);
		/* Live sources (plugins) do not wait: they counted an overrun. */
	}
	return 0;
}

/* ---- creation, start, stop ----------------------------------------------- */

/* A label's threshold from the configuration: Thresholds= or Threshold=. */
static uint16_t config_threshold(const struct pipeline_config *cfg, size_t idx)
{
	const struct detect_config *d = &cfg->detect;

	for (size_t i = 0; i < d->n_per_label; i++)
		if (!strcmp(d->per_label[i].label, cfg->labels[idx]))
			return (uint16_t)d->per_label[i].q15;
	return (uint16_t)d->threshold_q15;
}

/* One [Source] is the pipeline's source; several are joined into one. */
static int open_source(struct pipeline *p, struct config_error *err)
{
	p->source.event = p->env.event;
	p->source.plugin_dir = p->env.plugin_dir;
	p->source.host = (struct source_host){ p, emit, source_end, source_state };
	if (p->cfg->n_sources > 1)
		return join_source_open(&p->source, p->cfg->sources, p->cfg->n_sources,
					p->cfg->clock, err);
	return source_open(&p->source, &p->cfg->sources[0], err);
}

int pipeline_prepare(const struct pipeline_env *env, struct pipeline_config *cfg,
		     struct pipeline **out, struct config_error *err)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	int r;

	if (!p) {
		free(cfg);
		return -ENOMEM;
	}
	p->env = *env;
	p->cfg = cfg;
	p->in_fd = p->out_fd = -1;
	pthread_mutex_init(&p->threshold_lock, NULL);
	r = chain_new(p->cfg, env->model_dir, env->interp, &p->chain, err);
	if (r) {
		pipeline_free(p); /* and cfg */
		return r;
	}
	snprintf(p->sha256, sizeof(p->sha256), "%s", chain_model_sha256(p->chain));
	for (size_t i = 0; i < p->cfg->n_labels; i++)
		p->thresholds[i] = config_threshold(p->cfg, i);
	*out = p;
	return 0;
}

int pipeline_attach(struct pipeline *p, const struct pipeline_sink *sink,
		    struct config_error *err)
{
	int r;

	p->sink = *sink;
	r = open_source(p, err);
	if (!r)
		r = chain_connect(p->chain, p->cfg, p->source.format, p->source.channels, err);
	if (r)
		goto fail;
	if (chain_rate(p->chain) && chain_rate(p->chain) != p->source.rate) {
		snprintf(err->text, sizeof(err->text),
			 "%s: the source gives %u Hz, the front-end needs %u Hz", p->cfg->file,
			 p->source.rate, chain_rate(p->chain));
		r = -EINVAL;
		goto fail;
	}
	chain_set_scores_callback(p->chain, on_scores, p);
	/* Stop() ends a long block after the inference in progress. */
	chain_set_cancel(p->chain, &p->stop_worker);
	r = -ENOMEM;
	if (ring_init(&p->in, IN_SLOTS, sizeof(struct sample_block) +
		      ((size_t)BLOCK_MAX_FRAMES * p->source.channels *
		       sample_size(p->source.format) + 7) / 8 * 8) ||
	    ring_init(&p->out, OUT_SLOTS, sizeof(struct result)))
		goto fail;
	p->in_fd = eventfd(0, EFD_CLOEXEC);
	p->out_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->in_fd < 0 || p->out_fd < 0) {
		r = -errno;
		goto fail;
	}
	r = sd_event_add_io(p->env.event, &p->out_src, p->out_fd, EPOLLIN, on_results, p);
	if (r < 0)
		goto fail;
	return 0;
fail:
	if (!err->text[0])
		snprintf(err->text, sizeof(err->text), "%s: %s", p->cfg->file, strerror(-r));
	return r;
}

int pipeline_new(const struct pipeline_env *env, const struct pipeline_sink *sink,
		 struct pipeline_config *cfg, struct pipeline **out, struct config_error *err)
{
	int r = pipeline_prepare(env, cfg, out, err);

	if (!r && (r = pipeline_attach(*out, sink, err)))
		*out = pipeline_free(*out);
	return r;
}

static int on_start_retry(sd_event_source *es, uint64_t usec, void *user)
{
	struct pipeline *p = user;

	(void)es;
	(void)usec;
	log_info("%s: starting again", p->cfg->name);
	pipeline_start(p);
	return 0;
}

/* A source that failed to start gets another go later (a device that is
 * not there yet), with a backoff; Start(), Stop() and a reload end it.
 * Returns the delay. */
static uint64_t schedule_start_retry(struct pipeline *p)
{
	uint64_t delay = p->start_backoff_usec ? p->start_backoff_usec : START_RETRY_MIN_USEC;
	int r;

	p->start_backoff_usec = delay * 2 > START_RETRY_MAX_USEC ? START_RETRY_MAX_USEC : delay * 2;
	if (p->start_retry)
		r = sd_event_source_set_time_relative(p->start_retry, delay);
	else
		r = sd_event_add_time_relative(p->env.event, &p->start_retry, CLOCK_MONOTONIC, delay,
					       0, on_start_retry, p);
	if (r >= 0)
		r = sd_event_source_set_enabled(p->start_retry, SD_EVENT_ONESHOT);
	if (r < 0)
		log_error("%s: cannot arm the start retry: %s", p->cfg->name, strerror(-r));
	return delay;
}

/* True when a retry was pending. */
static bool cancel_start_retry(struct pipeline *p)
{
	int on = SD_EVENT_OFF;

	if (!p->start_retry || sd_event_source_get_enabled(p->start_retry, &on) < 0)
		return false;
	sd_event_source_set_enabled(p->start_retry, SD_EVENT_OFF);
	return on != SD_EVENT_OFF;
}

int pipeline_start(struct pipeline *p)
{
	int r;

	if (p->state == PIPELINE_STOPPING)
		return -EBUSY;
	if (p->worker_running)
		return -EALREADY;
	cancel_start_retry(p);
	chain_reset(p->chain);
	atomic_store(&p->stop_worker, false);
	atomic_store(&p->fate, WORKER_RUNNING);
	p->finished = p->source_ended = p->waiting_for_space = false;
	p->samples = 0;
	p->stream_start_ns = 0;
	r = pthread_create(&p->worker, NULL, worker_main, p);
	if (r)
		return -r;
	p->worker_running = true;
	p->sensor_state = SOURCE_RUNNING;
	p->last_error[0] = '\0';
	/* Running before the source starts, so that a state the source
	 * reports from start() (e.g. failed, retrying) applies. */
	p->state = PIPELINE_RUNNING;
	r = p->source.ops->start(&p->source);
	if (r < 0) {
		uint64_t delay;

		pipeline_stop(p);
		delay = schedule_start_retry(p);
		snprintf(p->last_error, sizeof(p->last_error),
			 "source failed to start: %s; retrying in %llu s", strerror(-r),
			 (unsigned long long)(delay / 1000000));
		p->state = PIPELINE_FAILED;
		tell_state(p);
		return r;
	}
	p->start_backoff_usec = 0;
	if (p->state == PIPELINE_RUNNING)
		tell_state(p);
	return 0;
}

/* Asks the worker to end and waits for it at most STOP_WAIT_NS: true when
 * it was joined. */
static bool end_worker(struct pipeline *p)
{
	struct timespec until;

	atomic_store(&p->stop_worker, true);
	wake(p->in_fd);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += STOP_WAIT_NS;
	if (until.tv_nsec >= 1000000000l) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000l;
	}
	if (pthread_timedjoin_np(p->worker, NULL, &until))
		return false;
	p->worker_running = false;
	return true;
}

/* The worker is gone: what it left belongs to the stopped stream. */
static void finish_stop(struct pipeline *p)
{
	if (p->worker_running) {
		pthread_join(p->worker, NULL); /* it has exited: no wait */
		p->worker_running = false;
	}
	while (ring_peek(&p->in))
		ring_pop(&p->in);
	p->state = PIPELINE_STOPPED;
	tell_state(p);
}

int pipeline_stop(struct pipeline *p)
{
	if (cancel_start_retry(p) && !p->worker_running) {
		/* Failed and waiting to retry: stopping ends the retries. */
		p->start_backoff_usec = 0;
		p->state = PIPELINE_STOPPED;
		tell_state(p);
		return 0;
	}
	if (p->state == PIPELINE_STOPPING)
		return 0;
	if (!p->worker_running)
		return -EALREADY;
	p->source.ops->stop(&p->source);
	p->waiting_for_space = false;
	if (end_worker(p)) {
		finish_stop(p);
		return 0;
	}
	/* A long inference: never wait for it on the loop.  on_results()
	 * finishes the stop when the worker says it has exited. */
	log_info("%s: stopping after the inference in progress", p->cfg->name);
	p->state = PIPELINE_STOPPING;
	tell_state(p);
	return 0;
}

/* What the worker uses: freed by whichever of the two ends last. */
static void free_worker_half(struct pipeline *p)
{
	if (p->in_fd >= 0)
		close(p->in_fd);
	if (p->out_fd >= 0)
		close(p->out_fd);
	ring_free(&p->in);
	ring_free(&p->out);
	chain_free(p->chain);
	pthread_mutex_destroy(&p->threshold_lock);
	free(p->cfg);
	free(p);
}

struct pipeline *pipeline_free(struct pipeline *p)
{
	bool joined = true;
	pthread_t worker;

	if (!p)
		return NULL;
	if (p->worker_running) {
		if (p->state != PIPELINE_STOPPING)
			p->source.ops->stop(&p->source);
		joined = end_worker(p);
	}
	/* The loop's half: the worker never touches these. */
	sd_event_source_disable_unref(p->start_retry);
	if (p->source.ops && p->source.ops->close)
		p->source.ops->close(&p->source);
	free(p->source.channel_meta);
	sd_event_source_disable_unref(p->out_src);
	if (!joined) {
		worker = p->worker;
		log_info("%s: the worker ends after its inference", p->cfg->name);
		if (atomic_exchange(&p->fate, WORKER_ORPHANED) != WORKER_EXITED) {
			/* Still inferring: it frees its half (and p) when done. */
			pthread_detach(worker);
			return NULL;
		}
		pthread_join(worker, NULL);
	}
	free_worker_half(p);
	return NULL;
}

/* ---- views ------------------------------------------------------------------ */

const char *pipeline_name(const struct pipeline *p) { return p->cfg->name; }
const struct pipeline_config *pipeline_config(const struct pipeline *p) { return p->cfg; }
enum pipeline_state pipeline_state(const struct pipeline *p) { return p->state; }
const char *pipeline_model_sha256(const struct pipeline *p) { return p->sha256; }
uint32_t pipeline_source_rate(const struct pipeline *p) { return p->source.rate; }
uint32_t pipeline_source_channels(const struct pipeline *p) { return p->source.channels; }
bool pipeline_finished(const struct pipeline *p) { return p->finished; }
uint64_t pipeline_stream_start_ns(const struct pipeline *p) { return p->stream_start_ns; }

bool pipeline_channel(const struct pipeline *p, uint16_t i, const char **name,
		      const char **unit, double *scale, double *offset)
{
	static const char *const empty = "";

	if (i >= p->source.channels)
		return false;
	if (p->source.channel_meta) {
		*name = p->source.channel_meta[i].name;
		*unit = p->source.channel_meta[i].unit;
		*scale = p->source.channel_meta[i].scale;
		*offset = p->source.channel_meta[i].offset;
	} else {
		*name = *unit = empty;
		*scale = 1.0;
		*offset = 0.0;
	}
	return true;
}

const char *pipeline_sensor_state(const struct pipeline *p)
{
	if (!p->worker_running)
		return p->state == PIPELINE_FAILED ? "failed" : "stopped";
	switch (p->sensor_state) {
	case SOURCE_DEGRADED: return "degraded";
	case SOURCE_FAILED: return "failed";
	default: return "running";
	}
}

void pipeline_get_stats(const struct pipeline *p, struct pipeline_stats *out)
{
	struct pipeline *mut = (struct pipeline *)p; /* atomics are read-only here */
	const uint64_t n = atomic_load(&mut->inferences);

	memset(out, 0, sizeof(*out));
	out->inferences = n;
	out->mean_inference_ns = n ? atomic_load(&mut->inference_ns) / n : 0;
	out->detections = p->detections;
	out->samples = p->samples;
	out->has_last = p->has_last;
	out->last = p->last;
	snprintf(out->last_error, sizeof(out->last_error), "%s", p->last_error);
}

int32_t pipeline_threshold(const struct pipeline *p, const char *label)
{
	int idx = pipeline_config_label_index(p->cfg, label);

	return idx < 0 ? -1 : p->thresholds[idx];
}

void pipeline_want_scores(struct pipeline *p, bool on)
{
	atomic_store(&p->want_scores, on);
}

int pipeline_set_threshold(struct pipeline *p, const char *label, int32_t q15)
{
	int idx = pipeline_config_label_index(p->cfg, label);

	if (idx < 0)
		return -ENOENT;
	if (q15 < 0 || q15 > PC_SCORE_ONE)
		return -EINVAL;
	pthread_mutex_lock(&p->threshold_lock);
	p->thresholds[idx] = (uint16_t)q15;
	pthread_mutex_unlock(&p->threshold_lock);
	atomic_fetch_add(&p->threshold_generation, 1);
	wake(p->in_fd);
	return 0;
}
