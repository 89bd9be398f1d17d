/* SPDX-License-Identifier: MIT */
/*
 * One pipeline's inference chain, from samples to detections:
 * front-end -> frame stack -> model -> detector, all lib/ (integer, the same
 * bytes everywhere).  The daemon's worker thread and `tinysensectl detect`
 * run this same code.  Not thread-safe: one thread feeds a chain.
 */
#ifndef TS_DAEMON_CHAIN_H
#define TS_DAEMON_CHAIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tinysense/detector.h>
#include <tinysense/interpreter.h>

#include "pipeline_config.h"
#include "sample_format.h"

struct chain;

/* Called for each detection; det->timestamp_ns is the completing sample's
 * time on the clock of the t0_ns given to chain_feed(). */
typedef void (*chain_detection_fn)(void *user, const ts_detection *det);

/* Loads, verifies and plans the model (relative Path= under model_dir, if
 * that is not NULL) with the interpreter options given (the kernel set and
 * limits; NULL: defaults): the costly part, safe on any thread.  Errors
 * name the file and the model problem. */
int chain_new(const struct pipeline_config *pc, const char *model_dir,
	      const ts_interpreter_options *opt, struct chain **out, struct config_error *err);

/* Then, once the source's sample format and channels are known: builds the
 * front-end for them and the detector for pc, whose [Frontend] keys it
 * claims (setting_take).  Errors name the file and key. */
int chain_connect(struct chain *c, struct pipeline_config *pc, enum sample_format format,
		  uint16_t channels, struct config_error *err);
struct chain *chain_free(struct chain *c);

/* Samples per second the front-end expects (0: any). */
uint32_t chain_rate(const struct chain *c);
/* SHA-256 of the model file, hex. */
const char *chain_model_sha256(const struct chain *c);

/*
 * Feeds n interleaved frames (int16 or int32 values, as the chain was made
 * for) whose first frame was captured at t0_ns;
 * runs an inference each time a new feature frame completes a full window.
 * Returns 0, -EINVAL (channel count or rate not what the chain expects) or
 * -ECANCELED (chain_set_cancel()).
 */
int chain_feed(struct chain *c, const void *frames, enum sample_format format, size_t n,
	       uint16_t channels, uint64_t t0_ns, uint32_t rate, chain_detection_fn cb,
	       void *user);

/* chain_feed() checks *cancel after every inference and, once it is set,
 * returns -ECANCELED with the rest of its frames unread (the stream is cut:
 * chain_reset() before feeding again).  NULL: never. */
void chain_set_cancel(struct chain *c, const atomic_bool *cancel);

/* Called after every classifier inference with each class's averaged score
 * (Q15) and the inference's timestamp; NULL stops it. */
typedef void (*chain_scores_fn)(void *user, const uint16_t *scores_q15, size_t n,
				uint64_t timestamp_ns);
void chain_set_scores_callback(struct chain *c, chain_scores_fn fn, void *user);

/* Forgets the stream (front-end state, stacked frames, detector history). */
void chain_reset(struct chain *c);

/* Replaces the per-class thresholds (Q15); keeps the stream state. */
int chain_set_thresholds(struct chain *c, const uint16_t *q15, size_t n);

struct chain_stats {
	uint64_t inferences;
	uint64_t inference_ns; /* total time spent in ts_interpreter_invoke */
};
void chain_get_stats(const struct chain *c, struct chain_stats *out);

#endif
