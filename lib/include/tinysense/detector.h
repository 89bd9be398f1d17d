/* SPDX-License-Identifier: MIT */
/*
 * Classifier detector: turns a classification model's int8 output vector,
 * one per inference, into detections {class index, score, timestamp}.
 *
 * Scores are fixed point "0..1" in Q15: TS_DETECTOR_SCORE_ONE (32768) is
 * 1.0.  The int8 output q of the model (scale s, zero point zp, read from
 * the output tensor once at init) maps to
 *
 *     score = clamp(round(s * (q - zp) * 32768), 0, 32768)
 *
 * rounded to nearest with ties up, computed exactly from the bits of the
 * float32 scale (no floating-point arithmetic, at init or later).  Outputs
 * meant as probabilities (softmax, logistic) fit; a negative real value
 * counts as 0 and one above 1.0 as 1.0.  The usual softmax output
 * (s = 1/256, zp = -128) gives score = (q + 128) * 128 exactly.
 *
 * Rules, applied in this order at every inference (timestamp t):
 *
 *   1. Score every class as above: s[c].
 *   2. Average: a[c] = the mean of s[c] over the last A inferences,
 *      (sum + w / 2) / w in integers (rounded to nearest, ties up), where
 *      w = min(A, inferences since init or reset): while the window fills
 *      up, the average is over the inferences seen so far.
 *   3. Top-1: the winner W is the class with the highest a[] (the lowest
 *      index among equal averages); the runner-up R is the highest a[] of
 *      the other classes (0 when there is one class).  Ignored classes take
 *      part in this ranking: they are real answers of the model ("nothing
 *      happened"), so when one of them wins, nothing is detected.
 *   4. W qualifies when all hold:
 *        - W is not ignored;
 *        - a[W] > threshold[W]      (strictly: equal does not qualify);
 *        - a[W] - a[R] > M           (strictly: with M = 0 the winner must
 *                                     still beat the runner-up; a tie never
 *                                     qualifies).
 *   5. Consecutive count: when W qualifies and is the class of the current
 *      run, the run grows by one; when W qualifies and is another class, a
 *      new run of W starts at 1; when W does not qualify, the run ends
 *      (count 0).  Any inference without a qualified W is a gap.
 *   6. Trigger: the run's count is at least k.
 *   7. Refractory: the trigger is suppressed when an earlier detection in
 *      scope happened less than refractory_ns before t (t - t_prev <
 *      refractory_ns; at exactly refractory_ns it is allowed again).  Scope
 *      GLOBAL: the last detection of any class; PER_LABEL: the last
 *      detection of W.  Suppression does not end the run.
 *   8. Detect: {W, s[W], a[W], t}, and remember t as W's detection time.
 *      The run goes on: a class that keeps qualifying is detected again as
 *      soon as its refractory period is over (at every inference when
 *      refractory_ns is 0).
 *
 * So each inference gives zero or one detection.  Labels (strings) are not
 * known here: the caller maps class indices to names.
 *
 * Timestamps are the monotonic time (nanoseconds) of the sample that
 * completed the model's input window; they must not decrease.
 *
 * Lifetimes and ownership
 *   - The caller owns the ts_detector object (static, on the stack or inside
 *     its own structure; TS_DETECTOR_STATE_BYTES bytes, 8-byte aligned).
 *     Its contents are private.  Nothing is allocated; there is no destroy
 *     call.  The object may be copied bytewise (a snapshot of the stream
 *     state) and is not thread-safe: one object per stream.
 *   - The configuration is copied by init.  Output vectors are only read
 *     during the call.
 */
#ifndef TINYSENSE_DETECTOR_H
#define TINYSENSE_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_DETECTOR_MAX_CLASSES 64
#define TS_DETECTOR_MAX_AVERAGE 32

/* 1.0 in Q15, the largest score. */
#define TS_DETECTOR_SCORE_ONE 32768

/* Size of the state object; checked against the private layout at build
 * time. */
#define TS_DETECTOR_STATE_BYTES 5888

/* Storage for one detector.  The fields are private: use the functions. */
typedef struct ts_detector {
	uint64_t private_[TS_DETECTOR_STATE_BYTES / 8];
} ts_detector;

/* What a refractory period blocks after a detection. */
typedef enum ts_detector_refractory_scope {
	TS_DETECTOR_REFRACTORY_GLOBAL = 0,    /* every class */
	TS_DETECTOR_REFRACTORY_PER_LABEL = 1, /* the detected class only */
} ts_detector_refractory_scope;

/*
 * Parameters.  Start from ts_detector_config_init(), change fields, pass to
 * ts_detector_init().  Scores, thresholds and the margin are Q15
 * (0..TS_DETECTOR_SCORE_ONE).
 */
typedef struct ts_detector_config {
	uint16_t num_classes;     /* N: 1..TS_DETECTOR_MAX_CLASSES, the output
				   * vector's length */
	uint8_t average_window;   /* A: 1..TS_DETECTOR_MAX_AVERAGE inferences
				   * (1: no averaging) */
	uint8_t trigger_count;    /* k: 1..255 consecutive qualifying
				   * inferences */
	uint16_t margin_q15;      /* M: winner - runner-up must be > M */
	uint8_t refractory_scope; /* a ts_detector_refractory_scope */
	uint64_t refractory_ns;   /* 0: none */
	uint64_t ignore_mask;     /* bit c set: class c is never reported
				   * (silence, unknown); only bits < N */
	uint16_t threshold_q15[TS_DETECTOR_MAX_CLASSES]; /* per class; the
				   * average must be > threshold.
				   * TS_DETECTOR_SCORE_ONE: never */
} ts_detector_config;

/* One detection.  Scores are Q15. */
typedef struct ts_detection {
	uint64_t timestamp_ns;  /* the inference's timestamp */
	uint16_t class_index;   /* 0..N-1 */
	uint16_t score_q15;     /* this inference's score of the class */
	uint16_t average_q15;   /* its moving average (what the rules saw) */
} ts_detection;

/*
 * Defaults for num_classes classes: A = 1, k = 1, M = 0, no refractory
 * period (GLOBAL scope), nothing ignored, every threshold 0.5 (16384).
 * Does nothing when cfg is NULL.
 */
void ts_detector_config_init(ts_detector_config *cfg, uint16_t num_classes);

/*
 * Checks cfg, converts the output quantization (scale and zero point of the
 * model's int8 output tensor) to the integer score mapping, and starts an
 * empty stream.  TS_ERR_INVALID_ARG when det or cfg is NULL or a field is
 * out of range; TS_ERR_QUANT when scale is not finite and > 0 or zero_point
 * is outside -128..127.  On error det is left unusable.
 */
ts_status ts_detector_init(ts_detector *det, const ts_detector_config *cfg,
			   float scale, int32_t zero_point);

/* Starts a new stream: empties the averaging window, ends the run, forgets
 * past detections (no refractory period pending) and the last timestamp.
 * The configuration is kept. */
void ts_detector_reset(ts_detector *det);

/*
 * Processes one inference: output holds the N int8 values of the model's
 * output tensor, timestamp_ns the time of the sample that completed the
 * input window.  Returns TS_OK and sets *detected; when true, *detection
 * receives the detection (it is not written otherwise).
 * TS_ERR_INVALID_ARG when a pointer is NULL, n != N, or timestamp_ns is
 * earlier than the previous inference's; TS_ERR_STATE when det is not
 * initialized.  On error the state is unchanged.
 */
ts_status ts_detector_process(ts_detector *det, const int8_t *output, size_t n,
			      uint64_t timestamp_ns, ts_detection *detection,
			      bool *detected);

/*
 * The scores (step 1) and moving averages (step 2) of the last processed
 * inference, n = N values each, into caller buffers; either may be NULL.
 * All zero before the first inference.  TS_ERR_INVALID_ARG when n != N,
 * TS_ERR_STATE when det is not initialized.
 */
ts_status ts_detector_scores(const ts_detector *det, uint16_t *scores_q15,
			     uint16_t *averages_q15, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_DETECTOR_H */
