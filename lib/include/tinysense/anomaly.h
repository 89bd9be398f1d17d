/* SPDX-License-Identifier: MIT */
/*
 * Anomaly detector for autoencoder models: the score of a window is the
 * reconstruction error (mean squared error) between the model's int8 input
 * and output tensors; the first M windows learn the score's mean and
 * standard deviation; then thresholds mean + k * std with hysteresis decide
 * between "normal" and "anomalous", and every change of state is reported as
 * an event with its timestamp and score.
 *
 * Score (integer arithmetic only, the same bits on every target)
 *   The tensors have their own quantization (s_in, zp_in), (s_out, zp_out).
 *   At init both are put into one fixed-point domain of F fraction bits: F
 *   is the largest integer for which every dequantized value of either
 *   tensor, |s * (q - zp)|, stays below 2^14 / 2^F, and two 256-entry tables
 *   hold X(q) = round(s * (q - zp) * 2^F) (ties away from zero, exact from
 *   the bits of the float32 scale).  Then, over the n values of a window,
 *
 *       d_i   = X_out(out_i) - X_in(in_i)             |d_i| <= 2^15
 *       score = (sum d_i^2 + n / 2) / n                score <= 2^30
 *
 *   (sum in uint64, rounded to nearest, ties up): the MSE in units of
 *   2^-score_frac_bits, score_frac_bits = 2F, i.e. MSE = score * 2^-2F
 *   (ts_anomaly_score_frac_bits()).  Each X is within half a unit (2^-F-1)
 *   of the real value, so each d_i within one unit of the exact difference
 *   D_i, d_i^2 within 2 |D_i| + 1 of D_i^2, and the score within
 *   2 mean(|D_i|) + 3/2 units of the exact MSE of the dequantized tensors
 *   (units of 2^-F for D, 2^-2F for the MSE).  With equal scales one int8
 *   step is at least 2^14 / 256 = 64 units of 2^-F, so this rounding is far
 *   below the quantization of the tensors themselves.
 *
 * Calibration (state CALIBRATING, the first M windows)
 *   Exact sums S1 = sum score (uint64) and S2 = sum score^2 (128 bits) over
 *   the M windows, then (population statistics, rounded to nearest):
 *
 *       mean = (S1 + M / 2) / M
 *       std  = (isqrt(M * S2 - S1^2) + M / 2) / M
 *
 *   isqrt is the exact integer floor square root, so mean is within 1/2
 *   unit and std within 1/2 + 1/M unit of the exact values.
 *   Thresholds, with k in Q16 (3.0 = 196608), products rounded ties up:
 *
 *       threshold_on  = mean + (k_on  * std + 2^15) >> 16
 *       threshold_off = mean + (k_off * std + 2^15) >> 16
 *
 *   The M-th window ends calibration (event CALIBRATING -> NORMAL at its
 *   timestamp); it is not itself tested against the thresholds.
 *
 * Hysteresis (after calibration)
 *   NORMAL: a window with score > threshold_on (strictly) extends the run
 *   of high windows, any other ends it; after n_on high windows in a row
 *   the state becomes ANOMALOUS (event at that window).
 *   ANOMALOUS: a window with score < threshold_off (strictly) extends the
 *   run of low windows, any other ends it; after n_off low windows in a row
 *   the state becomes NORMAL (event at that window).  A window between the
 *   two thresholds (or equal to one) ends either run.
 *
 * Lifetimes and ownership
 *   - The caller owns the ts_anomaly object (static, on the stack or inside
 *     its own structure; TS_ANOMALY_STATE_BYTES bytes, 8-byte aligned).
 *     Its contents are private.  Nothing is allocated; there is no destroy
 *     call.  The object may be copied bytewise (a snapshot) and is not
 *     thread-safe: one object per stream.
 *   - The configuration is copied by init.  Tensors are only read during
 *     the call.
 */
#ifndef TINYSENSE_ANOMALY_H
#define TINYSENSE_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of the state object; checked against the private layout at build
 * time. */
#define TS_ANOMALY_STATE_BYTES 1152

/* Storage for one anomaly detector.  The fields are private. */
typedef struct ts_anomaly {
	uint64_t private_[TS_ANOMALY_STATE_BYTES / 8];
} ts_anomaly;

typedef enum ts_anomaly_state {
	TS_ANOMALY_CALIBRATING = 0,
	TS_ANOMALY_NORMAL = 1,
	TS_ANOMALY_ANOMALOUS = 2,
} ts_anomaly_state;

/* Parameters.  Start from ts_anomaly_config_init(). */
typedef struct ts_anomaly_config {
	uint32_t calibration_windows;  /* M: >= 1 */
	uint32_t k_on_q16;             /* threshold_on = mean + k_on * std */
	uint32_t k_off_q16;            /* threshold_off = mean + k_off * std;
					* k_off <= k_on */
	uint16_t n_on;                 /* >= 1 windows above threshold_on */
	uint16_t n_off;                /* >= 1 windows below threshold_off */
} ts_anomaly_config;

/* The outcome of one window.  event is 1 when the state changed in this
 * window (previous != state): a transition to report with timestamp_ns and
 * score. */
typedef struct ts_anomaly_result {
	uint64_t timestamp_ns;     /* the window's timestamp */
	uint32_t score;            /* MSE, units of 2^-score_frac_bits */
	ts_anomaly_state state;    /* after this window */
	ts_anomaly_state previous; /* before this window */
	uint8_t event;
} ts_anomaly_result;

/* The learned statistics and thresholds, in score units. */
typedef struct ts_anomaly_calibration {
	uint32_t mean;
	uint32_t std;
	uint64_t threshold_on;
	uint64_t threshold_off;
} ts_anomaly_calibration;

/*
 * Defaults: M = 100 windows, k_on = 3.0, k_off = 2.0, n_on = n_off = 3.
 * Does nothing when cfg is NULL.
 */
void ts_anomaly_config_init(ts_anomaly_config *cfg);

/*
 * Checks cfg, builds the score tables from the quantization of the model's
 * input and output tensors, and starts calibrating.  TS_ERR_INVALID_ARG
 * when ad or cfg is NULL or a field is out of range; TS_ERR_QUANT when a
 * scale is not finite and > 0 or a zero point is outside -128..127.  On
 * error ad is left unusable.
 */
ts_status ts_anomaly_init(ts_anomaly *ad, const ts_anomaly_config *cfg,
			  float input_scale, int32_t input_zero_point,
			  float output_scale, int32_t output_zero_point);

/* Starts over: drops the statistics and calibrates again from the next
 * window.  The configuration and tables are kept. */
void ts_anomaly_reset(ts_anomaly *ad);

/*
 * Scores one window: input and output are the model's input and output
 * tensors, n int8 values each (1 <= n < 2^32), timestamp_ns the window's
 * time.  Fills *result.  TS_ERR_INVALID_ARG when a pointer is NULL or n is
 * out of range, TS_ERR_STATE when ad is not initialized; the state is then
 * unchanged.
 */
ts_status ts_anomaly_process(ts_anomaly *ad, const int8_t *input,
			     const int8_t *output, size_t n,
			     uint64_t timestamp_ns, ts_anomaly_result *result);

/* Fraction bits of the score (2F above; may be negative): MSE =
 * score * 2^-frac_bits.  TS_ERR_STATE when ad is not initialized. */
ts_status ts_anomaly_score_frac_bits(const ts_anomaly *ad, int32_t *frac_bits);

/* The statistics learned by calibration (or set below).  TS_ERR_STATE while
 * calibrating or when ad is not initialized. */
ts_status ts_anomaly_get_calibration(const ts_anomaly *ad,
				     ts_anomaly_calibration *cal);

/*
 * Skips calibration with known statistics (say, saved from an earlier run
 * of the same model): computes the thresholds from mean and std as above
 * and enters NORMAL with empty runs, without an event.  TS_ERR_STATE when ad
 * is not initialized.
 */
ts_status ts_anomaly_set_calibration(ts_anomaly *ad, uint32_t mean, uint32_t std);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_ANOMALY_H */
