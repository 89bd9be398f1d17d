/* SPDX-License-Identifier: MIT */
/*
 * One pipeline: source -> front-end -> model -> detector -> publish.
 *
 * The event-loop thread owns the pipeline object, its source and its
 * publishing; a worker thread owns the inference chain.  Sample blocks go to
 * the worker through a bounded single-producer/single-consumer ring, results
 * come back through another, each with an eventfd; the loop never waits on
 * the worker.  Everything in this header is called from the loop thread.
 */
#ifndef TS_DAEMON_PIPELINE_H
#define TS_DAEMON_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>
#include <tinysense/interpreter.h>

#include "pipeline_config.h"

struct pipeline;

enum pipeline_state {
	PIPELINE_STOPPED,
	PIPELINE_RUNNING,
	PIPELINE_DEGRADED, /* running, but its source reports errors */
	PIPELINE_FAILED,   /* could not start, or its source gave up */
	PIPELINE_STOPPING, /* Stop() waits for the inference in progress */
};

const char *pipeline_state_name(enum pipeline_state s);

/* A detection as published (D-Bus signal, socket event, journal). */
struct detection_event {
	const char *label;
	uint16_t class_index;
	uint16_t score_q15;       /* this inference's score, 0..32768 */
	uint16_t average_q15;     /* the averaged score the rules used */
	uint64_t mono_ns;         /* CLOCK_MONOTONIC of the completing sample */
	uint64_t realtime_us;     /* CLOCK_REALTIME of the completing sample */
};

/* One inference's averaged scores, one per label (Q15). */
struct scores_event {
	const uint16_t *scores_q15;
	size_t n;
	uint64_t mono_ns;
	uint64_t realtime_us;
};

/* Counters and last values, as the bus and socket layers show them. */
struct pipeline_stats {
	uint64_t inferences;
	uint64_t detections;
	uint64_t samples;
	uint64_t mean_inference_ns;
	bool has_last;
	struct detection_event last;     /* label points at the pipeline's labels */
	char last_error[256];
};

/* Where a pipeline runs, given by whoever creates it; must outlive it. */
struct pipeline_env {
	sd_event *event;
	const char *model_dir;               /* relative model paths resolve here */
	const char *plugin_dir;              /* sensor plugins are loaded from here */
	const ts_interpreter_options *interp; /* kernel set and limits for the model */
};

/* Who hears what a pipeline has to say: called on the loop thread, any of
 * them may be NULL.  The pipeline knows nothing else of the outside. */
struct pipeline_sink {
	void *user;
	void (*detection)(void *user, struct pipeline *p, const struct detection_event *ev);
	/* Every inference's scores, while pipeline_want_scores() is on. */
	void (*scores)(void *user, struct pipeline *p, const struct scores_event *ev);
	/* State, sensor state or LastError changed. */
	void (*state)(void *user, struct pipeline *p);
	/* The source ended and everything it gave was processed. */
	void (*finished)(void *user, struct pipeline *p);
};

/* A pipeline is made in two steps.  pipeline_prepare() takes over cfg
 * (freed with the pipeline, also on failure; settings inside point into it,
 * so it is never copied) and loads, verifies and plans the model: the
 * costly part, on any thread, touching no loop.  pipeline_attach(), on the
 * loop thread, opens the source, builds the front-end and detector for its
 * format and joins the loop.  Nothing runs until pipeline_start().  Each
 * returns 0, or -errno with err set; a pipeline that failed either is
 * freed with pipeline_free().  pipeline_new() is both. */
int pipeline_prepare(const struct pipeline_env *env, struct pipeline_config *cfg,
		     struct pipeline **out, struct config_error *err);
int pipeline_attach(struct pipeline *p, const struct pipeline_sink *sink,
		    struct config_error *err);
int pipeline_new(const struct pipeline_env *env, const struct pipeline_sink *sink,
		 struct pipeline_config *cfg, struct pipeline **out, struct config_error *err);

/* Stops the source and the worker; an inference in progress that takes
 * longer than 100 ms is not waited for: the state is "stopping" until it
 * ends, then "stopped" (told to the sink).  pipeline_free() never waits
 * longer either: a busy worker frees its own half when it is done. */
struct pipeline *pipeline_free(struct pipeline *p);
/* -EALREADY running, -EBUSY still stopping. */
int pipeline_start(struct pipeline *p);
/* 0 (stopped or stopping), -EALREADY stopped already. */
int pipeline_stop(struct pipeline *p);

/* Read-only views. */
const char *pipeline_name(const struct pipeline *p);
const struct pipeline_config *pipeline_config(const struct pipeline *p);
enum pipeline_state pipeline_state(const struct pipeline *p);
const char *pipeline_model_sha256(const struct pipeline *p); /* hex */
void pipeline_get_stats(const struct pipeline *p, struct pipeline_stats *out);
/* Source facts for the Sensor object. */
uint32_t pipeline_source_rate(const struct pipeline *p);
uint32_t pipeline_source_channels(const struct pipeline *p);
/* Current threshold of a label (Q15), -1 when the label is unknown. */
int32_t pipeline_threshold(const struct pipeline *p, const char *label);

/* Send every inference's scores to the sink, or not. */
void pipeline_want_scores(struct pipeline *p, bool on);

/* Changes one label's threshold (Q15) on the fly: -EINVAL unknown label. */
int pipeline_set_threshold(struct pipeline *p, const char *label, int32_t q15);

/* CLOCK_MONOTONIC time of the first sample since the last start (0: none
 * yet): detection times minus this are positions in the stream. */
uint64_t pipeline_stream_start_ns(const struct pipeline *p);

/* Channel i of the source: name, unit, and physical = (raw + offset) * scale.
 * False past the last channel.  Strings live as long as the pipeline. */
bool pipeline_channel(const struct pipeline *p, uint16_t i, const char **name,
		      const char **unit, double *scale, double *offset);

/* The sensor's (source's) state: running, degraded, failed or stopped. */
const char *pipeline_sensor_state(const struct pipeline *p);

/* True when the pipeline's source has ended and everything was processed. */
bool pipeline_finished(const struct pipeline *p);

#endif
