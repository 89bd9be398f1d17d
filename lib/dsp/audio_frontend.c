/* SPDX-License-Identifier: MIT */
/*
 * The audio front-end: framing of a sample stream and the per-frame
 * pipeline window -> auto-scale -> FFT -> energy -> mel filterbank ->
 * square root -> noise reduction -> PCAN -> log -> int8.
 */
#include <string.h>

#include "../core/names.h"
#include "audio_frontend_impl.h"

_Static_assert(sizeof(ts_af_state) <= sizeof(ts_audio_frontend),
	       "TS_AUDIO_FRONTEND_STATE_BYTES is too small for ts_af_state");
_Static_assert(sizeof(ts_audio_frontend) - sizeof(ts_af_state) < 256,
	       "TS_AUDIO_FRONTEND_STATE_BYTES wastes memory: shrink it");
_Static_assert(_Alignof(ts_af_state) <= _Alignof(ts_audio_frontend),
	       "ts_audio_frontend is not aligned enough for ts_af_state");

static const ts_audio_frontend_config micro_speech = {
	.sample_rate_hz = 16000,
	.window_samples = 480,
	.stride_samples = 320,
	.window_bits = 12,
	.filterbank_bits = 12,
	.num_channels = 40,
	.lower_band_hz = 125,
	.upper_band_hz = 7500,
	.noise_reduction = 1,
	.nr_smoothing_bits = 10,
	.nr_subtraction_bits = 14,
	.nr_clamping = 0,
	.nr_even_smoothing = 409,
	.nr_odd_smoothing = 983,
	.nr_min_signal_remaining = 819,
	.pcan = 1,
	.pcan_gain_bits = 21,
	.pcan_snr_shift = 6,
	.pcan_strength_q30 = 1020054720u,  /* 0.95f = 15938355 / 2^24 */
	.pcan_offset_q16 = 80u << 16,
	.log_scale_bits = 6,
	.out_mul = 256,
	.out_div = 666,                    /* (int)(25.6 * 26 + 0.5) */
	.out_zero_point = -128,
};

static const struct {
	const char *name;
	const ts_audio_frontend_config *cfg;
} presets[] = {
	{ "micro_speech", &micro_speech },
};

const ts_audio_frontend_config *ts_audio_frontend_preset(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (ts_name_eq(name, presets[i].name))
			return presets[i].cfg;
	return NULL;
}

ts_af_state *ts_af_state_of(ts_audio_frontend *fe)
{
	ts_af_state *st = (ts_af_state *)(void *)fe;

	return st && st->magic == TS_AF_MAGIC ? st : NULL;
}

static const ts_af_state *const_state_of(const ts_audio_frontend *fe)
{
	return ts_af_state_of((ts_audio_frontend *)(uintptr_t)fe);
}

static unsigned log2_pow2(unsigned n)
{
	unsigned k = 0;

	while ((1u << k) < n)
		k++;
	return k;
}

static int config_ok(const ts_audio_frontend_config *c, unsigned fft_log2)
{
	const unsigned half_bits = c->filterbank_bits / 2u;

	return c->sample_rate_hz > 0 &&
	       c->window_samples >= 16 && c->window_samples <= TS_AF_MAX_FFT &&
	       c->stride_samples >= 1 && c->stride_samples <= c->window_samples &&
	       c->window_bits >= 1 && c->window_bits <= 14 &&
	       c->filterbank_bits >= 2 && c->filterbank_bits <= 14 &&
	       c->filterbank_bits % 2 == 0 && half_bits <= fft_log2 &&
	       c->num_channels >= 1 && c->num_channels <= TS_AF_MAX_CHANNELS &&
	       c->lower_band_hz < c->upper_band_hz &&
	       (uint64_t)c->upper_band_hz * 2 < c->sample_rate_hz &&
	       c->nr_smoothing_bits <= 16 &&
	       c->nr_subtraction_bits >= 1 && c->nr_subtraction_bits <= 16 &&
	       c->nr_even_smoothing <= (1u << c->nr_subtraction_bits) &&
	       c->nr_odd_smoothing <= (1u << c->nr_subtraction_bits) &&
	       (!c->pcan || (c->pcan_gain_bits >= 1 && c->pcan_gain_bits <= 30 &&
			     c->pcan_snr_shift <= 31 && c->pcan_strength_q30 > 0 &&
			     c->nr_smoothing_bits >= fft_log2 - half_bits)) &&
	       c->log_scale_bits <= 15 &&
	       c->out_div > 0 && c->out_mul > 0;
}

ts_status ts_audio_frontend_init(ts_audio_frontend *fe,
				 const ts_audio_frontend_config *cfg)
{
	ts_af_state *st = (ts_af_state *)(void *)fe;
	unsigned fft_log2;

	if (!fe)
		return TS_ERR_INVALID_ARG;
	st->magic = 0;
	if (!cfg)
		cfg = &micro_speech;
	fft_log2 = log2_pow2(cfg->window_samples);
	if (!config_ok(cfg, fft_log2))
		return TS_ERR_INVALID_ARG;

	st->cfg = *cfg;
	st->fft_len = (uint16_t)(1u << fft_log2);
	st->correction_bits = (uint8_t)(fft_log2 - cfg->filterbank_bits / 2u);

	ts_af_hann_build(st->hann, cfg->window_samples, cfg->window_bits);
	if (ts_rfft_q15_init(&st->fft, st->fft_len))
		return TS_ERR_INVALID_ARG;
	if (ts_mel_fb_init(&st->fb, cfg->sample_rate_hz, st->fft_len, cfg->num_channels,
			   cfg->lower_band_hz, cfg->upper_band_hz, cfg->filterbank_bits))
		return TS_ERR_INVALID_ARG;

	st->nr.num_channels = cfg->num_channels;
	st->nr.smoothing_bits = cfg->nr_smoothing_bits;
	st->nr.subtraction_bits = cfg->nr_subtraction_bits;
	st->nr.clamping = cfg->nr_clamping;
	st->nr.subtract = cfg->noise_reduction;
	st->nr.even_smoothing = cfg->nr_even_smoothing;
	st->nr.even_one_minus = (uint16_t)((1u << cfg->nr_subtraction_bits) - cfg->nr_even_smoothing);
	st->nr.odd_smoothing = cfg->nr_odd_smoothing;
	st->nr.odd_one_minus = (uint16_t)((1u << cfg->nr_subtraction_bits) - cfg->nr_odd_smoothing);
	st->nr.min_signal_remaining = cfg->nr_min_signal_remaining;

	if (cfg->pcan)
		ts_af_pcan_lut_build(st->pcan_lut, cfg->pcan_strength_q30, cfg->pcan_offset_q16,
				     cfg->nr_smoothing_bits - st->correction_bits,
				     cfg->pcan_gain_bits);
	ts_af_log_lut_build(st->log_lut);

	st->magic = TS_AF_MAGIC;
	ts_audio_frontend_reset(fe);
	return TS_OK;
}

void ts_audio_frontend_reset(ts_audio_frontend *fe)
{
	ts_af_state *st = ts_af_state_of(fe);

	if (!st)
		return;
	memset(st->noise, 0, sizeof(st->noise));
	st->fill = 0;
}

size_t ts_audio_frontend_frame_bytes(const ts_audio_frontend *fe)
{
	const ts_af_state *st = const_state_of(fe);

	return st ? st->cfg.num_channels : 0;
}

size_t ts_audio_frontend_frames_for(const ts_audio_frontend *fe, size_t n)
{
	const ts_af_state *st = const_state_of(fe);
	size_t have;

	if (!st)
		return 0;
	have = st->fill + n;
	if (have < st->cfg.window_samples)
		return 0;
	return (have - st->cfg.window_samples) / st->cfg.stride_samples + 1;
}

static int8_t to_int8(const ts_audio_frontend_config *c, int16_t v)
{
	int32_t q = ((int32_t)v * c->out_mul + c->out_div / 2) / c->out_div + c->out_zero_point;

	return (int8_t)(q < INT8_MIN ? INT8_MIN : q > INT8_MAX ? INT8_MAX : q);
}

void ts_af_process_frame(ts_af_state *st, const int16_t *x, int8_t *out,
			 ts_af_trace *trace)
{
	const ts_audio_frontend_config *c = &st->cfg;
	const unsigned nch = c->num_channels;
	const size_t n_bins = st->fft_len / 2u + 1u;
	unsigned shift;

	ts_af_window_apply(x, st->hann, c->window_samples, c->window_bits, st->a.frame);
	shift = ts_af_auto_scale(st->a.frame, c->window_samples);
	memset(st->a.frame + c->window_samples, 0,
	       (st->fft_len - c->window_samples) * sizeof(st->a.frame[0]));
	ts_rfft_q15_apply(&st->fft, st->a.frame, st->work, st->spec);

	ts_af_energy(&st->fb, st->spec, n_bins, st->a.energy);
	ts_mel_fb_accumulate(&st->fb, st->a.energy, st->fbank);
	for (unsigned i = 0; i < nch; i++)
		st->chan[i] = ts_af_sqrt64(st->fbank[i + 1]) >> shift;
	if (trace) {
		trace->shift = (int32_t)shift;
		memcpy(trace->fbank, st->fbank + 1, nch * sizeof(trace->fbank[0]));
		memcpy(trace->sqrt, st->chan, nch * sizeof(trace->sqrt[0]));
	}

	if (c->noise_reduction || c->pcan)
		ts_af_noise_reduction(&st->nr, st->chan, st->noise, st->chan);
	if (trace) {
		memcpy(trace->nr, st->chan, nch * sizeof(trace->nr[0]));
		memcpy(trace->noise, st->noise, nch * sizeof(trace->noise[0]));
	}
	if (c->pcan)
		ts_af_pcan_apply(st->pcan_lut, c->pcan_snr_shift, st->noise, st->chan, nch);
	if (trace)
		memcpy(trace->pcan, st->chan, nch * sizeof(trace->pcan[0]));

	ts_af_log_apply(st->log_lut, st->chan, nch, st->correction_bits,
			1u << c->log_scale_bits, st->logv);
	if (trace)
		memcpy(trace->log, st->logv, nch * sizeof(trace->log[0]));
	for (unsigned i = 0; i < nch; i++)
		out[i] = to_int8(c, st->logv[i]);
}

size_t ts_audio_frontend_push(ts_audio_frontend *fe, const int16_t *samples,
			      size_t n, size_t *consumed, int8_t *features,
			      size_t max_frames)
{
	ts_af_state *st = ts_af_state_of(fe);
	size_t used = 0, frames = 0;

	if (consumed)
		*consumed = 0;
	if (!st || (!samples && n) || (!features && max_frames))
		return 0;
	while (used < n) {
		const size_t need = (size_t)st->cfg.window_samples - st->fill;
		size_t take = n - used < need ? n - used : need;

		/* Stop right before the sample that would complete a frame
		 * there is no room for. */
		if (take == need && frames == max_frames)
			take = need - 1;
		memcpy(st->samples + st->fill, samples + used, take * sizeof(*samples));
		st->fill = (uint16_t)(st->fill + take);
		used += take;
		if (st->fill < st->cfg.window_samples)
			break;
		ts_af_process_frame(st, st->samples,
				    features + frames * st->cfg.num_channels, NULL);
		frames++;
		st->fill = (uint16_t)(st->cfg.window_samples - st->cfg.stride_samples);
		memmove(st->samples, st->samples + st->cfg.stride_samples,
			st->fill * sizeof(st->samples[0]));
	}
	if (consumed)
		*consumed = used;
	return frames;
}
