/* SPDX-License-Identifier: MIT */
/*
 * Private layout of ts_audio_frontend and the front-end's stages, one file
 * each (window.c, rfft_q15.c, mel_filterbank.c, noise_reduction.c, pcan.c,
 * log_scale.c).  Each stage has a table builder (init time, exact integer
 * math) and a kernel (per frame).  Tests include this header to check the
 * tables and the stages on their own.
 */
#ifndef TS_DSP_AUDIO_FRONTEND_IMPL_H
#define TS_DSP_AUDIO_FRONTEND_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tinysense/audio_frontend.h"

#define TS_AF_MAX_FFT      TS_AUDIO_FRONTEND_MAX_FFT
#define TS_AF_MAX_CHANNELS TS_AUDIO_FRONTEND_MAX_CHANNELS
#define TS_AF_MAX_BINS     (TS_AF_MAX_FFT / 2 + 1)
/* Mel weights: every bin once, plus alignment/block padding (at most 1 + 3
 * per channel) and one block of zeros. */
#define TS_AF_MAX_WEIGHTS  (TS_AF_MAX_BINS + 4 * (TS_AF_MAX_CHANNELS + 1) + 4)
#define TS_AF_PCAN_LUT_SIZE 125  /* 4 * 32 - 3: 32 octaves of the input */
#define TS_AF_LOG_LUT_SIZE  130  /* 128 segments + 1, + 1 padding */

typedef struct ts_cpx16 {
	int16_t r, i;
} ts_cpx16;

/* ---- window.c: Hann window, auto-scale ---------------------------------- */

/* h[i] = round(2^bits * (0.5 - 0.5 cos(2 pi (i + 0.5) / n))). */
void ts_af_hann_build(int16_t *h, size_t n, unsigned bits);
/* out[i] = sat16((x[i] * h[i]) >> shift). */
void ts_af_window_apply(const int16_t *x, const int16_t *h, size_t n,
			unsigned shift, int16_t *out);
/* Scales buf up to use the int16 range (TFLM FftAutoScale, with its
 * int16 max-abs, -32768 included); returns the shift. */
unsigned ts_af_auto_scale(int16_t *buf, size_t n);

/* ---- rfft_q15.c: kissfft v130 FIXED_POINT=16 kiss_fftr ----------------- */

typedef struct ts_rfft_q15 {
	uint16_t n;                          /* real length (power of 2) */
	uint8_t nstages;
	uint8_t radix[12];                   /* stage radices, outermost first */
	ts_cpx16 tw[TS_AF_MAX_FFT / 2];      /* twiddles of the n/2 complex FFT */
	ts_cpx16 super_tw[TS_AF_MAX_FFT / 4];
	uint16_t perm[TS_AF_MAX_FFT / 2];    /* input index of each output slot */
} ts_rfft_q15;

/* n: power of two, 4..TS_AF_MAX_FFT.  0 on success, -1 otherwise. */
int ts_rfft_q15_init(ts_rfft_q15 *f, unsigned n);
/* in: n int16; work: n/2 complex; out: n/2 + 1 complex. */
void ts_rfft_q15_apply(const ts_rfft_q15 *f, const int16_t *in, ts_cpx16 *work,
		       ts_cpx16 *out);

/* The same transform, bit for bit, for lengths up to 1024 (the spectrum
 * front-end); only the tables are larger, so the audio front-end keeps the
 * 512-point ts_rfft_q15 above and its state size. */
#define TS_RFFT_Q15_1K_MAX 1024

typedef struct ts_rfft_q15_1k {
	uint16_t n;
	uint8_t nstages;
	uint8_t radix[12];
	ts_cpx16 tw[TS_RFFT_Q15_1K_MAX / 2];
	ts_cpx16 super_tw[TS_RFFT_Q15_1K_MAX / 4];
	uint16_t perm[TS_RFFT_Q15_1K_MAX / 2];
} ts_rfft_q15_1k;

/* n: power of two, 4..TS_RFFT_Q15_1K_MAX.  0 on success, -1 otherwise. */
int ts_rfft_q15_1k_init(ts_rfft_q15_1k *f, unsigned n);
/* in: n int16; work: n/2 complex; out: n/2 + 1 complex. */
void ts_rfft_q15_1k_apply(const ts_rfft_q15_1k *f, const int16_t *in,
			  ts_cpx16 *work, ts_cpx16 *out);

/* ---- mel_filterbank.c: energy, mel accumulation, square root ----------- */

typedef struct ts_mel_fb {
	uint16_t num_channels;
	uint16_t start_index;                /* energy bins [start, end) */
	uint16_t end_index;
	uint16_t num_weights;
	int16_t freq_starts[TS_AF_MAX_CHANNELS + 1];
	int16_t weight_starts[TS_AF_MAX_CHANNELS + 1];
	int16_t widths[TS_AF_MAX_CHANNELS + 1];
	int16_t weights[TS_AF_MAX_WEIGHTS];
	int16_t unweights[TS_AF_MAX_WEIGHTS];
} ts_mel_fb;

/* TFLM's filter-bank tables (float32 arithmetic replayed exactly).
 * 0 on success, -1 when the parameters do not fit. */
int ts_mel_fb_init(ts_mel_fb *fb, uint32_t sample_rate, unsigned fft_len,
		   unsigned num_channels, uint32_t lower_hz, uint32_t upper_hz,
		   unsigned bits);
/* energy[k] = re^2 + im^2 for start <= k < end, 0 for other k < n_bins. */
void ts_af_energy(const ts_mel_fb *fb, const ts_cpx16 *spec, size_t n_bins,
		  uint32_t *energy);
/* out[0..num_channels] (out[0] is scratch). */
void ts_mel_fb_accumulate(const ts_mel_fb *fb, const uint32_t *energy,
			  uint64_t *out);
/* Integer square root rounded to nearest, TFLM Sqrt64 (its 32-bit shortcut
 * saturates at 0xFFFF). */
uint32_t ts_af_sqrt64(uint64_t x);

/* ---- noise_reduction.c: spectral subtraction --------------------------- */

typedef struct ts_nr_params {
	uint16_t num_channels;
	uint8_t smoothing_bits, subtraction_bits, clamping, subtract;
	uint16_t even_smoothing, even_one_minus;
	uint16_t odd_smoothing, odd_one_minus;
	uint16_t min_signal_remaining;
} ts_nr_params;

/* Updates noise[] from in[]; out[] = in minus noise (subtract) or in. */
void ts_af_noise_reduction(const ts_nr_params *p, const uint32_t *in,
			   uint32_t *noise, uint32_t *out);

/* ---- pcan.c: per-channel automatic gain control ------------------------ */

/* TFLM's wide dynamic function LUT for gain(x) = 2^gain_bits *
 * (x / 2^input_bits + offset)^-strength, from float32 replayed exactly. */
void ts_af_pcan_lut_build(int16_t *lut, uint32_t strength_q30,
			  uint32_t offset_q16, unsigned input_bits,
			  unsigned gain_bits);
int16_t ts_af_pcan_gain(const int16_t *lut, uint32_t x);
void ts_af_pcan_apply(const int16_t *lut, unsigned snr_shift,
		      const uint32_t *noise, uint32_t *x, size_t n);

/* ---- log_scale.c: log and int8 ----------------------------------------- */

/* lut[i] = round(2^16 * (log2(1 + i/128) - i/128)), i <= 128; lut[129] = 0. */
void ts_af_log_lut_build(uint16_t *lut);
/* TFLM Log32: ln(x) * out_scale, x > 0, with the table above. */
uint32_t ts_af_log32(const uint16_t *lut, uint32_t x, uint32_t out_scale);
/* out[i] = min(log32(in[i] << correction_bits), INT16_MAX) or 0 for <= 1. */
void ts_af_log_apply(const uint16_t *lut, const uint32_t *in, size_t n,
		     unsigned correction_bits, uint32_t out_scale, int16_t *out);

/* ---- audio_frontend.c: the pipeline ------------------------------------ */

#define TS_AF_MAGIC 0x74734146u  /* "tsAF" */

typedef struct ts_af_state {
	uint32_t magic;
	ts_audio_frontend_config cfg;
	uint16_t fft_len;
	uint8_t correction_bits;        /* log2(fft) - filterbank_bits / 2 */
	uint16_t fill;                  /* samples buffered */

	/* tables */
	int16_t hann[TS_AF_MAX_FFT];
	ts_rfft_q15 fft;
	ts_mel_fb fb;
	ts_nr_params nr;
	int16_t pcan_lut[TS_AF_PCAN_LUT_SIZE];
	uint16_t log_lut[TS_AF_LOG_LUT_SIZE];

	/* stream */
	uint32_t noise[TS_AF_MAX_CHANNELS];
	int16_t samples[TS_AF_MAX_FFT];

	/* scratch of one frame */
	union {
		int16_t frame[TS_AF_MAX_FFT];
		uint32_t energy[TS_AF_MAX_BINS];
	} a;
	ts_cpx16 work[TS_AF_MAX_FFT / 2];
	ts_cpx16 spec[TS_AF_MAX_BINS];
	uint64_t fbank[TS_AF_MAX_CHANNELS + 1];
	uint32_t chan[TS_AF_MAX_CHANNELS];
	int16_t logv[TS_AF_MAX_CHANNELS];
} ts_af_state;

/* Every intermediate of one frame, for tests (stages/ files). */
typedef struct ts_af_trace {
	int32_t shift;
	uint64_t fbank[TS_AF_MAX_CHANNELS];
	uint32_t sqrt[TS_AF_MAX_CHANNELS];
	uint32_t nr[TS_AF_MAX_CHANNELS];
	uint32_t noise[TS_AF_MAX_CHANNELS];
	uint32_t pcan[TS_AF_MAX_CHANNELS];
	int16_t log[TS_AF_MAX_CHANNELS];
} ts_af_trace;

/* The state inside fe, NULL when fe is NULL or not initialized. */
ts_af_state *ts_af_state_of(ts_audio_frontend *fe);
/* Runs one frame of window_samples samples; trace may be NULL. */
void ts_af_process_frame(ts_af_state *st, const int16_t *x, int8_t *out,
			 ts_af_trace *trace);

#endif /* TS_DSP_AUDIO_FRONTEND_IMPL_H */
