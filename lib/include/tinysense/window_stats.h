/* SPDX-License-Identifier: MIT */
/*
 * Windowed statistics: interleaved int16 or int32 frames of slow sensors
 * (temperature, pressure, current, GPIO levels) in, one int8 feature
 * vector per hop out.
 *
 * Over each window of N = window samples x[0..N-1] (oldest first) of a
 * channel, in the channel's input units:
 *
 *   MEAN            sum x / N
 *   RMS             sqrt(sum x^2 / N)
 *   MIN, MAX        min x, max x
 *   PEAK_TO_PEAK    max - min
 *   STD             population standard deviation sqrt(sum (x - mean)^2 / N)
 *   SLOPE           least-squares slope of x against i, input units per
 *                   sample: sum (i - (N-1)/2) x[i] / sum (i - (N-1)/2)^2
 *   ZERO_CROSSING_RATE  changes of side / (N - 1), where a sample's side
 *                   is x >= threshold (threshold 0: sign changes, 0 counted
 *                   positive)
 *   RISING_EDGES    count of i with x[i-1] < threshold <= x[i] (pulses of
 *                   a GPIO line with threshold 1)
 *   LEVEL_CHANGES   count of i with (x[i-1] >= threshold) != (x[i] >= threshold)
 *
 * (pairs i-1, i both inside the window.)  Each selected statistic s of a
 * channel becomes one int8:
 *
 *   feature = (s - offset) * gain                   (per channel and statistic)
 *   q       = clamp(zero_point + round(feature / scale), -128, 127)
 *
 * with the model input tensor's scale and zero point.
 *
 * Arithmetic: integers only per window, the same bytes on every target;
 * sums in 64 bits (squares in 128), statistics exact and rounded once to
 * Q16 (nearest, ties away from zero; RMS and STD from an exact integer
 * square root), then q with an integer multiplier computed at init
 * (31 significant bits), rounded to nearest, ties away from zero (as
 * TFLite's QUANTIZE).
 *
 * Streaming: vector j is computed over frames [j * hop, j * hop + window),
 * so n frames give floor((n - window) / hop) + 1 vectors; hop may exceed
 * window.  Any chunking of the stream gives the same bytes.
 *
 * Output layout: for each channel in cfg.channel order, its selected
 * statistics in the order of ts_window_stat (MEAN first).
 *
 * Lifetimes and ownership
 *   - The caller owns the ts_window_stats object (TS_WINDOW_STATS_STATE_BYTES
 *     bytes, 8-byte aligned; private fields).  Nothing is allocated; there
 *     is no destroy call.  It may be copied bytewise (a snapshot of the
 *     stream) and is not thread-safe: one object per stream.
 *   - Configurations are copied by init; presets are static and read-only.
 */
#ifndef TINYSENSE_WINDOW_STATS_H
#define TINYSENSE_WINDOW_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_WINDOW_STATS_MAX_CHANNELS       16
#define TS_WINDOW_STATS_MAX_FRAME_CHANNELS 256
#define TS_WINDOW_STATS_MAX_WINDOW         4096
/* num_channels * window */
#define TS_WINDOW_STATS_MAX_SAMPLES        4096

#define TS_WINDOW_STATS_STATE_BYTES 19776

typedef struct ts_window_stats {
	uint64_t private_[TS_WINDOW_STATS_STATE_BYTES / 8];
} ts_window_stats;

typedef enum ts_window_stat {
	TS_STAT_MEAN = 0,
	TS_STAT_RMS,
	TS_STAT_MIN,
	TS_STAT_MAX,
	TS_STAT_PEAK_TO_PEAK,
	TS_STAT_STD,
	TS_STAT_SLOPE,
	TS_STAT_ZERO_CROSSING_RATE,
	TS_STAT_RISING_EDGES,
	TS_STAT_LEVEL_CHANGES,
	TS_STAT_COUNT
} ts_window_stat;

#define TS_STAT_BIT(stat) (1u << (stat))

typedef struct ts_window_stats_channel {
	uint16_t index;      /* position of the value in the input frame */
	uint16_t stats;      /* TS_STAT_BIT()s of the statistics wanted, >= 1 */
	int32_t threshold;   /* crossings and edges (see above) */
	/* Per statistic: gain in Q16 (65536 = 1.0, negative flips, 0 is
	 * invalid for a selected statistic) and offset in the statistic's
	 * units, Q16 (|offset| <= 2^60).  |gain| / scale must lie in
	 * [2^-48, 2^47). */
	int32_t gain_q16[TS_STAT_COUNT];
	int64_t offset_q16[TS_STAT_COUNT];
} ts_window_stats_channel;

typedef struct ts_window_stats_config {
	uint16_t frame_channels;   /* values per input frame, 1..MAX_FRAME_CHANNELS */
	uint16_t window;           /* N, 2..MAX_WINDOW */
	uint16_t hop;              /* >= 1 */
	uint8_t num_channels;      /* 1..MAX_CHANNELS */
	ts_window_stats_channel channel[TS_WINDOW_STATS_MAX_CHANNELS];
} ts_window_stats_config;

/*
 * A static preset by name, NULL when unknown:
 *   "minute": one value per frame; windows of 60 with hop 60 (one vector a
 *   minute at 1 Hz); mean, min, max, std and slope; gains 1, offsets 0.
 * Every gain of every channel is 1.0 in presets, so selecting more
 * statistics or channels needs no other change.
 */
const ts_window_stats_config *ts_window_stats_preset(const char *name);

/*
 * Validates cfg (NULL: the "minute" preset), computes the multipliers for
 * the model input's scale (> 0, finite) and zero_point (-128..127) and
 * starts an empty stream.  TS_ERR_INVALID_ARG when ws is NULL or a
 * parameter is out of range; ws is then left unusable.
 */
ts_status ts_window_stats_init(ts_window_stats *ws, const ts_window_stats_config *cfg,
			       float scale, int32_t zero_point);

/* Starts a new stream: drops buffered frames. */
void ts_window_stats_reset(ts_window_stats *ws);

/* Bytes of one feature vector (the number of selected statistics); 0 when
 * ws is not initialized. */
size_t ts_window_stats_feature_bytes(const ts_window_stats *ws);

/* How many vectors pushing n more frames would complete. */
size_t ts_window_stats_features_for(const ts_window_stats *ws, size_t n);

/*
 * Feeds up to n frames (n * frame_channels interleaved values) and writes
 * every completed vector to features (feature_bytes each), at most
 * max_features; returns how many.  Takes as many frames as it can without
 * completing more than max_features vectors; *consumed (optional) says how
 * many.  Returns 0 and consumes nothing when ws is not initialized, frames
 * is NULL with n > 0, or features is NULL with max_features > 0.
 */
size_t ts_window_stats_push_s16(ts_window_stats *ws, const int16_t *frames, size_t n,
				size_t *consumed, int8_t *features, size_t max_features);
size_t ts_window_stats_push_s32(ts_window_stats *ws, const int32_t *frames, size_t n,
				size_t *consumed, int8_t *features, size_t max_features);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_WINDOW_STATS_H */
