/* SPDX-License-Identifier: MIT */
/*
 * Audio front-end: 16-bit PCM in, log-mel feature frames out.
 *
 * The "micro_speech" preset is TensorFlow Lite Micro's micro_speech feature
 * pipeline (its audio_preprocessor_int8.tflite: Hann window, auto-scaled
 * 512-point int16 FFT, 40 mel channels 125..7500 Hz, noise reduction, PCAN
 * gain control, log, int8), bit-exact: every feature byte equals what TFLM
 * computes.  One frame of num_channels int8 values is produced per stride
 * (320 samples, 20 ms at 16 kHz) once a full window (480 samples, 30 ms) is
 * in, so N samples give floor((N - window) / stride) + 1 frames.  The noise
 * estimate carries over from frame to frame until reset.
 *
 * Everything is integer arithmetic; the constant tables (window, FFT
 * twiddles, filterbank weights, PCAN gain curve, log table) are computed by
 * ts_audio_frontend_init() from the configuration's parameters with exact
 * fixed-point math, so every target computes the same tables and bytes.
 *
 * Lifetimes and ownership
 *   - The caller owns the ts_audio_frontend object (static, on the stack or
 *     inside its own structure; TS_AUDIO_FRONTEND_STATE_BYTES bytes, 8-byte
 *     aligned).  Its contents are private.  Nothing is allocated; there is
 *     no destroy call.  The object may be copied bytewise (a snapshot of the
 *     stream state) and is not thread-safe: one object per stream.
 *   - Configurations are copied by init; presets are static and read-only.
 */
#ifndef TINYSENSE_AUDIO_FRONTEND_H
#define TINYSENSE_AUDIO_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of one front-end: FFT length (the window rounded up to a power of
 * two) and mel channels. */
#define TS_AUDIO_FRONTEND_MAX_FFT      512
#define TS_AUDIO_FRONTEND_MAX_CHANNELS 64

/* Size of the state object; checked against the private layout at build
 * time. */
#define TS_AUDIO_FRONTEND_STATE_BYTES 11520

/* Storage for one front-end.  The fields are private: use the functions. */
typedef struct ts_audio_frontend {
	uint64_t private_[TS_AUDIO_FRONTEND_STATE_BYTES / 8];
} ts_audio_frontend;

/*
 * Parameters.  Start from a preset, change fields, pass to init.  Only the
 * micro_speech values are checked bit for bit against a reference; other
 * values run the same integer algorithm with tables computed the same way.
 * Fixed-point fields say their format; "Qn" means value * 2^n.
 */
typedef struct ts_audio_frontend_config {
	uint32_t sample_rate_hz;  /* 16000 */
	uint16_t window_samples;  /* 480: Hann window; FFT length is the next
				   * power of two (16..MAX_FFT) */
	uint16_t stride_samples;  /* 320: 1..window_samples */
	uint8_t window_bits;      /* 12: Hann weights in Q12 (1..14) */
	uint8_t filterbank_bits;  /* 12: mel weights in Q12 (2..14, even) */
	uint16_t num_channels;    /* 40: 1..MAX_CHANNELS */
	uint32_t lower_band_hz;   /* 125 */
	uint32_t upper_band_hz;   /* 7500: below sample_rate_hz / 2 */

	/* Noise reduction (spectral subtraction).  The noise estimate is kept
	 * whenever noise_reduction or pcan is on; noise_reduction = 0 only
	 * skips the subtraction. */
	uint8_t noise_reduction;          /* 1 */
	uint8_t nr_smoothing_bits;        /* 10 */
	uint8_t nr_subtraction_bits;      /* 14: Q of the three values below */
	uint8_t nr_clamping;              /* 0: 1 clamps the estimate to the signal */
	uint16_t nr_even_smoothing;       /* 409 (0.025): even channels */
	uint16_t nr_odd_smoothing;        /* 983 (0.06): odd channels */
	uint16_t nr_min_signal_remaining; /* 819 (0.05) */

	/* PCAN automatic gain control. */
	uint8_t pcan;                /* 1 */
	uint8_t pcan_gain_bits;      /* 21 */
	uint8_t pcan_snr_shift;      /* 6 */
	uint32_t pcan_strength_q30;  /* 1020054720: 0.95f (float32) exactly */
	uint32_t pcan_offset_q16;    /* 80 << 16 */

	/* Log and int8 output: v = log(x) * 2^log_scale_bits (int16), then
	 * q = clamp((v * out_mul + out_div / 2) / out_div + out_zero_point) with
	 * C (truncating) division. */
	uint8_t log_scale_bits;   /* 6 */
	int32_t out_mul;          /* 256 */
	int32_t out_div;          /* 666 */
	int32_t out_zero_point;   /* -128 */
} ts_audio_frontend_config;

/*
 * A static preset by name: "micro_speech" (TFLM micro_speech, 16 kHz).
 * NULL when the name is unknown.
 */
const ts_audio_frontend_config *ts_audio_frontend_preset(const char *name);

/*
 * Computes the tables for cfg (NULL: the micro_speech preset) and starts an
 * empty stream with a zero noise estimate.  TS_ERR_INVALID_ARG when fe is
 * NULL or a parameter is out of range; fe is then left unusable.
 */
ts_status ts_audio_frontend_init(ts_audio_frontend *fe,
				 const ts_audio_frontend_config *cfg);

/* Starts a new stream: drops buffered samples, zeroes the noise estimate.
 * The tables are kept. */
void ts_audio_frontend_reset(ts_audio_frontend *fe);

/* Bytes of one feature frame (num_channels); 0 when fe is not initialized. */
size_t ts_audio_frontend_frame_bytes(const ts_audio_frontend *fe);

/* How many frames pushing n more samples would complete (all of them
 * accepted); 0 when fe is not initialized. */
size_t ts_audio_frontend_frames_for(const ts_audio_frontend *fe, size_t n);

/*
 * Feeds up to n samples and writes every completed frame to features
 * (frame_bytes each, frame after frame), at most max_frames of them.
 * Returns the number of frames written.  It takes as many samples as it can
 * without completing more than max_frames frames (with no room left it stops
 * one sample short of the next frame); *consumed (optional) says how many,
 * push the rest again.  Any chunking of a stream gives the same frames.
 * Typical loop:
 *
 *     while (n) {
 *         size_t used, k = ts_audio_frontend_push(fe, s, n, &used, buf, cap);
 *         handle(buf, k);
 *         s += used; n -= used;
 *     }
 *
 * Returns 0 and consumes nothing when fe is not initialized, samples is NULL
 * with n > 0, or features is NULL with max_frames > 0.
 */
size_t ts_audio_frontend_push(ts_audio_frontend *fe, const int16_t *samples,
			      size_t n, size_t *consumed, int8_t *features,
			      size_t max_frames);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_AUDIO_FRONTEND_H */
