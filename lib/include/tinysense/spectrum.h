/* SPDX-License-Identifier: MIT */
/*
 * Spectrum front-end: interleaved int16 or int32 sensor frames in (an
 * accelerometer's x, y, z, any IIO scan), one int8 spectral feature vector
 * per hop out, for vibration and other periodic signals.
 *
 * Per window of fft_len samples of each analysed channel:
 *
 *   x'[n] = x[n] - round(mean(x))            (remove_dc; else x' = x)
 *   y[n]  = x'[n] * w[n]                     (rectangular, Hann or Hamming)
 *   m[k]  = |sum_n y[n] e^(-2 pi i k n / N)| / N,   k = 0 .. N/2
 *   band value  = mean of m[k] over the band's bins (or every bin alone)
 *   value       = band value, or log2(band value) (log2: values below 2^-16
 *                 count as 2^-16)
 *   feature     = (value - offset) * gain
 *   q           = clamp(zero_point + round(feature / scale), -128, 127)
 *
 * m[k] is in input units (a sine of amplitude A centred on bin k gives
 * A / 2 there with the rectangular window, A / 4 with Hann; a constant c
 * gives c in bin 0).  scale and zero_point are the model input tensor's;
 * init turns gain / scale into an integer multiplier once.
 *
 * Arithmetic: integers only per frame, the same bytes on every target.
 * The window (Q15, 32768 = 1.0) is computed at init with exact fixed-point
 * math.  Each window is scaled by a power of two into +-2^14 (block
 * floating point) for the 16-bit fixed-point FFT of the audio front-end
 * (lib/dsp/rfft_q15.c), so the spectrum keeps about 14 bits of precision
 * relative to the window's largest windowed sample whatever the input's
 * magnitude: with u = 2^(bitlen(max |x'[n] w[n] 2^15|) - 29) input units
 * (the FFT's output step), |m[k] - exact| stays within 4 u + 7e-4 m
 * (tests/unit/test_spectrum.c measures about 2.2 u and 3e-4).  Magnitudes
 * are exact rounded square roots in Q16, corrected once for the FFT's
 * fixed-point gain (its butterflies scale by floor(32767 / p) / 2^15, not
 * 1 / p), band means round to nearest, log2 is an integer log in Q16
 * (within 2^-15) and the final rounding is to nearest, ties away from zero
 * (as TFLite's QUANTIZE), from a multiplier with 31 significant bits.
 *
 * Cost (x86-64, one channel): about 5.5 us per 256-point and 24 us per
 * 1024-point window; the FFT and the 513 square roots take a third each.
 *
 * Streaming: feature vector j (0, 1, ...) is computed over input frames
 * [j * hop, j * hop + fft_len), so n frames give
 * floor((n - fft_len) / hop) + 1 vectors (none before fft_len).  hop may
 * exceed fft_len (frames in between are skipped).  Any chunking of the
 * stream gives the same bytes.
 *
 * Output layout: one vector of num_channels * values bytes, channel-major:
 * [channel (in cfg.channels order)][band (or bin), lowest frequency first],
 * where values is num_bands, or fft_len / 2 + 1 with TS_SPECTRUM_BINS.
 *
 * Lifetimes and ownership
 *   - The caller owns the ts_spectrum object (static, on the stack or
 *     inside its own structure; TS_SPECTRUM_STATE_BYTES bytes, 8-byte
 *     aligned).  Its contents are private.  Nothing is allocated; there is
 *     no destroy call.  The object may be copied bytewise (a snapshot of
 *     the stream) and is not thread-safe: one object per stream.
 *   - Configurations are copied by init; presets are static and read-only.
 */
#ifndef TINYSENSE_SPECTRUM_H
#define TINYSENSE_SPECTRUM_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_SPECTRUM_MIN_FFT 8
#define TS_SPECTRUM_MAX_FFT 1024
/* Channels analysed, and values in one input frame. */
#define TS_SPECTRUM_MAX_CHANNELS       16
#define TS_SPECTRUM_MAX_FRAME_CHANNELS 256
/* num_channels * fft_len: e.g. 4 channels of 1024, 16 of 256. */
#define TS_SPECTRUM_MAX_SAMPLES 4096
/* Bands of TS_SPECTRUM_EQUAL_BANDS and TS_SPECTRUM_BAND_EDGES. */
#define TS_SPECTRUM_MAX_BANDS 64

/* Size of the state object; checked against the private layout at build
 * time. */
#define TS_SPECTRUM_STATE_BYTES 31120

/* Storage for one spectrum front-end.  The fields are private. */
typedef struct ts_spectrum {
	uint64_t private_[TS_SPECTRUM_STATE_BYTES / 8];
} ts_spectrum;

typedef enum ts_spectrum_window {
	TS_SPECTRUM_RECTANGULAR = 0,
	TS_SPECTRUM_HANN,      /* 0.5 - 0.5 cos(2 pi n / N), periodic */
	TS_SPECTRUM_HAMMING,   /* 0.54 - 0.46 cos(2 pi n / N), periodic */
} ts_spectrum_window;

typedef enum ts_spectrum_output {
	TS_SPECTRUM_MAGNITUDE = 0,
	TS_SPECTRUM_LOG2,      /* log2 of the magnitude (gain 6.0206 gives dB) */
} ts_spectrum_output;

typedef enum ts_spectrum_bands {
	TS_SPECTRUM_BINS = 0,       /* every bin 0 .. fft_len / 2, no averaging */
	TS_SPECTRUM_EQUAL_BANDS,    /* num_bands equal bands over [first_bin, end_bin) */
	TS_SPECTRUM_BAND_EDGES,     /* band b = bins [band_edges[b], band_edges[b + 1]) */
} ts_spectrum_bands;

/*
 * Parameters.  Start from a preset or zeros, set fields, pass to init.
 */
typedef struct ts_spectrum_config {
	uint16_t frame_channels;   /* values per input frame, 1..MAX_FRAME_CHANNELS */
	uint8_t num_channels;      /* channels analysed, 1..MAX_CHANNELS */
	uint8_t channels[TS_SPECTRUM_MAX_CHANNELS]; /* their indices in the frame,
						     * in output order */
	uint16_t fft_len;          /* window length: power of two, MIN_FFT..MAX_FFT */
	uint16_t hop;              /* frames from one window's start to the next, >= 1 */
	uint8_t window;            /* ts_spectrum_window */
	uint8_t remove_dc;         /* 1: subtract each window's mean first */
	uint8_t output;            /* ts_spectrum_output */
	uint8_t bands;             /* ts_spectrum_bands */
	uint16_t num_bands;        /* EQUAL_BANDS, BAND_EDGES: 1..MAX_BANDS */
	/* EQUAL_BANDS: band b = bins [first + floor(b W / num_bands),
	 * first + floor((b + 1) W / num_bands)), W = end - first, so every band
	 * has at least one bin (num_bands <= W).  end_bin 0 means fft_len / 2 + 1. */
	uint16_t first_bin;
	uint16_t end_bin;
	/* BAND_EDGES: num_bands + 1 strictly increasing bin indices, the last
	 * <= fft_len / 2 + 1. */
	uint16_t band_edges[TS_SPECTRUM_MAX_BANDS + 1];
	/* feature = (value - offset_q16 / 65536) * gain_q16 / 65536: offset in
	 * the value's units (log2 units with LOG2), |offset_q16| <= 2^60;
	 * gain 65536 = 1.0, negative flips the sign, 0 is invalid.
	 * |gain| / scale must lie in [2^-48, 2^47). */
	int64_t offset_q16;
	int32_t gain_q16;
} ts_spectrum_config;

/*
 * A static preset by name, NULL when unknown:
 *   "vibration": 3 values per frame (x, y, z), all analysed; 256-point
 *   Hann windows every 128 frames, DC removed; log2 magnitude averaged in
 *   32 equal bands over bins 1..128; offset 0, gain 1.
 */
const ts_spectrum_config *ts_spectrum_preset(const char *name);

/*
 * Computes the tables for cfg (NULL: the "vibration" preset) and the
 * quantization to the model input (scale > 0 and finite, zero_point in
 * -128..127), and starts an empty stream.  TS_ERR_INVALID_ARG when sp is
 * NULL or a parameter is out of range; sp is then left unusable.
 */
ts_status ts_spectrum_init(ts_spectrum *sp, const ts_spectrum_config *cfg,
			   float scale, int32_t zero_point);

/* Starts a new stream: drops buffered frames.  The tables are kept. */
void ts_spectrum_reset(ts_spectrum *sp);

/* Bytes of one feature vector (num_channels * values); 0 when sp is not
 * initialized. */
size_t ts_spectrum_feature_bytes(const ts_spectrum *sp);

/* How many vectors pushing n more frames would complete (all of them
 * accepted); 0 when sp is not initialized. */
size_t ts_spectrum_features_for(const ts_spectrum *sp, size_t n);

/*
 * Feeds up to n frames (n * frame_channels interleaved values) and writes
 * every completed feature vector to features (feature_bytes each, one after
 * the other), at most max_features of them.  Returns the number written.
 * It takes as many frames as it can without completing more than
 * max_features vectors (with no room left it stops one frame short of the
 * next vector); *consumed (optional) says how many, push the rest again.
 * The two functions may be mixed on one stream.
 *
 * Returns 0 and consumes nothing when sp is not initialized, frames is
 * NULL with n > 0, or features is NULL with max_features > 0.
 */
size_t ts_spectrum_push_s16(ts_spectrum *sp, const int16_t *frames, size_t n,
			    size_t *consumed, int8_t *features, size_t max_features);
size_t ts_spectrum_push_s32(ts_spectrum *sp, const int32_t *frames, size_t n,
			    size_t *consumed, int8_t *features, size_t max_features);

/*
 * Copies the window weights (Q15, 32768 = 1.0; fft_len values) to
 * weights_q15, at most max of them; returns how many there are (0 when sp
 * is not initialized).  For inspection and tools.
 */
size_t ts_spectrum_window_q15(const ts_spectrum *sp, uint16_t *weights_q15,
			      size_t max);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_SPECTRUM_H */
