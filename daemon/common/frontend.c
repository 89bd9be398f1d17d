/* SPDX-License-Identifier: MIT */
#include "frontend.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "value_parse.h"

static int open_audio(struct frontend *fe, struct settings *keys, uint16_t channels,
		      struct config_error *err)
{
	const struct setting *preset = setting_take(keys, "Preset");
	const ts_audio_frontend_config *cfg =
		ts_audio_frontend_preset(preset ? preset->value : "micro_speech");

	if (!cfg)
		return setting_error(err, keys, preset, "unknown preset (known: micro_speech)");
	if (channels != 1)
		return setting_error(err, keys, preset, "the audio front-end takes mono, not %u channels",
				     channels);
	if (ts_audio_frontend_init(&fe->u.audio, cfg) != TS_OK)
		return setting_error(err, keys, preset, "the front-end rejected its parameters");
	fe->rate = cfg->sample_rate_hz;
	fe->feature_bytes = ts_audio_frontend_frame_bytes(&fe->u.audio);
	fe->window = cfg->window_samples;
	fe->hop = cfg->stride_samples;
	return 0;
}

/* Channels=0,1,2: indices into the input frame. */
static int take_channels(struct settings *keys, uint16_t frame_channels, unsigned max,
			 uint8_t *out, unsigned *n, struct config_error *err)
{
	const struct setting *k = setting_take(keys, "Channels");
	char items[16][8];
	size_t count;
	long long v;

	if (!k)
		return 0;
	if (parse_list(k->value, &items[0][0], sizeof(items[0]), max, &count))
		return setting_error(err, keys, k, "expected a list of at most %u channel indices", max);
	for (size_t i = 0; i < count; i++) {
		if (parse_int_range(items[i], 0, frame_channels - 1, &v))
			return setting_error(err, keys, k, "channel '%s' is not 0..%u (the source has %u)",
					     items[i], frame_channels - 1, frame_channels);
		out[i] = (uint8_t)v;
	}
	*n = (unsigned)count;
	return 0;
}

static int take_uint(struct settings *keys, const char *key, long long min, long long max,
		     uint16_t *out, struct config_error *err)
{
	const struct setting *k = setting_take(keys, key);
	long long v;

	if (!k)
		return 0;
	if (parse_int_range(k->value, min, max, &v))
		return setting_error(err, keys, k, "expected a whole number in %lld..%lld", min, max);
	*out = (uint16_t)v;
	return 0;
}

/* Gain=, Offset= as Q16. */
static int take_q16(struct settings *keys, const char *key, int64_t *out, struct config_error *err)
{
	const struct setting *k = setting_take(keys, key);

	if (!k)
		return 0;
	if (parse_fixed(k->value, 16, -((int64_t)1 << 46), (int64_t)1 << 46, out))
		return setting_error(err, keys, k, "expected a decimal number");
	return 0;
}

/* Gain=, Offset= of the stats front-end as Q16: one value for every
 * channel, or a list of one per channel (in Channels= order). */
static int take_q16_per_channel(struct settings *keys, const char *key, unsigned n_ch,
				int64_t min, int64_t max, int64_t *out, struct config_error *err)
{
	const struct setting *k = setting_take(keys, key);
	char items[TS_WINDOW_STATS_MAX_CHANNELS][32];
	size_t n;

	if (!k)
		return 0;
	if (parse_list(k->value, &items[0][0], sizeof(items[0]), TS_WINDOW_STATS_MAX_CHANNELS, &n) ||
	    (n != 1 && n != n_ch))
		return setting_error(err, keys, k, "expected one decimal number, or one per channel (%u)",
				     n_ch);
	for (size_t i = 0; i < n_ch; i++)
		if (parse_fixed(items[n == 1 ? 0 : i], 16, min, max, &out[i]))
			return setting_error(err, keys, k, "'%s' is not a decimal number in range",
					     items[n == 1 ? 0 : i]);
	return 0;
}

static int take_bool(struct settings *keys, const char *key, uint8_t *out,
		     struct config_error *err)
{
	const struct setting *k = setting_take(keys, key);
	int b;

	if (!k)
		return 0;
	if (parse_bool(k->value, &b))
		return setting_error(err, keys, k, "expected yes or no");
	*out = (uint8_t)b;
	return 0;
}

static int take_choice(struct settings *keys, const char *key, const char *const *names,
		       size_t n, uint8_t *out, struct config_error *err)
{
	const struct setting *k = setting_take(keys, key);

	if (!k)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k->value, names[i])) {
			*out = (uint8_t)i;
			return 0;
		}
	return setting_error(err, keys, k, "not one of the allowed values");
}

static int open_spectrum(struct frontend *fe, struct settings *keys, uint16_t channels,
			 float scale, int32_t zero_point, struct config_error *err)
{
	static const char *const windows[] = { "rectangular", "hann", "hamming" };
	static const char *const outputs[] = { "magnitude", "log2" };
	const struct setting *preset = setting_take(keys, "Preset");
	const ts_spectrum_config *base = ts_spectrum_preset(preset ? preset->value : "vibration");
	ts_spectrum_config cfg;
	unsigned n_ch = 0;
	uint8_t remove_dc;
	int64_t gain = 65536;
	int r;

	if (!base)
		return setting_error(err, keys, preset, "unknown preset (known: vibration)");
	cfg = *base;
	cfg.frame_channels = channels;
	remove_dc = cfg.remove_dc;
	if ((r = take_channels(keys, channels, TS_SPECTRUM_MAX_CHANNELS, cfg.channels, &n_ch, err)) ||
	    (r = take_uint(keys, "FFT", TS_SPECTRUM_MIN_FFT, TS_SPECTRUM_MAX_FFT, &cfg.fft_len, err)) ||
	    (r = take_uint(keys, "Hop", 1, 65535, &cfg.hop, err)) ||
	    (r = take_choice(keys, "Window", windows, 3, &cfg.window, err)) ||
	    (r = take_choice(keys, "Output", outputs, 2, &cfg.output, err)) ||
	    (r = take_uint(keys, "Bands", 1, TS_SPECTRUM_MAX_BANDS, &cfg.num_bands, err)) ||
	    (r = take_uint(keys, "FirstBin", 0, TS_SPECTRUM_MAX_FFT / 2, &cfg.first_bin, err)) ||
	    (r = take_uint(keys, "EndBin", 1, TS_SPECTRUM_MAX_FFT / 2 + 1, &cfg.end_bin, err)) ||
	    (r = take_q16(keys, "Gain", &gain, err)) ||
	    (r = take_q16(keys, "Offset", &cfg.offset_q16, err)))
		return r;
	r = take_bool(keys, "RemoveDC", &remove_dc, err);
	if (r)
		return r;
	cfg.remove_dc = remove_dc;
	cfg.gain_q16 = (int32_t)gain;
	if (n_ch)
		cfg.num_channels = (uint8_t)n_ch;
	else if (cfg.num_channels > channels) /* the preset's default channels */
		cfg.num_channels = (uint8_t)channels;
	if (ts_spectrum_init(&fe->u.spectrum, &cfg, scale, zero_point) != TS_OK)
		return setting_error(err, keys, NULL,
				     "spectrum parameters rejected (FFT a power of two, bins within FFT/2)");
	fe->feature_bytes = ts_spectrum_feature_bytes(&fe->u.spectrum);
	fe->window = cfg.fft_len;
	fe->hop = cfg.hop;
	return 0;
}

static int take_stats(struct settings *keys, uint16_t *mask, struct config_error *err)
{
	static const char *const names[TS_STAT_COUNT] = {
		"mean", "rms", "min", "max", "p2p", "std", "slope", "zcr", "edges", "changes",
	};
	const struct setting *k = setting_take(keys, "Stats");
	char items[TS_STAT_COUNT][16];
	size_t n;

	if (!k)
		return 0;
	if (parse_list(k->value, &items[0][0], sizeof(items[0]), TS_STAT_COUNT, &n))
		return setting_error(err, keys, k, "expected a list of statistics");
	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		size_t s;

		for (s = 0; s < TS_STAT_COUNT && strcmp(items[i], names[s]); s++)
			;
		if (s == TS_STAT_COUNT)
			return setting_error(err, keys, k,
					     "'%s' is not mean, rms, min, max, p2p, std, slope, zcr, edges or changes",
					     items[i]);
		*mask |= (uint16_t)TS_STAT_BIT(s);
	}
	return 0;
}

static int open_stats(struct frontend *fe, struct settings *keys, uint16_t channels,
		      float scale, int32_t zero_point, struct config_error *err)
{
	const struct setting *preset = setting_take(keys, "Preset");
	const ts_window_stats_config *base = ts_window_stats_preset(preset ? preset->value : "minute");
	ts_window_stats_config cfg;
	uint8_t idx[TS_WINDOW_STATS_MAX_CHANNELS];
	unsigned n_ch = 0;
	uint16_t mask = 0;
	int64_t gain[TS_WINDOW_STATS_MAX_CHANNELS], offset[TS_WINDOW_STATS_MAX_CHANNELS] = { 0 };
	int64_t threshold = 0;
	const struct setting *k;
	int r;

	if (!base)
		return setting_error(err, keys, preset, "unknown preset (known: minute)");
	cfg = *base;
	cfg.frame_channels = channels;
	mask = cfg.channel[0].stats;
	if ((r = take_channels(keys, channels, TS_WINDOW_STATS_MAX_CHANNELS, idx, &n_ch, err)) ||
	    (r = take_uint(keys, "Window", 2, TS_WINDOW_STATS_MAX_WINDOW, &cfg.window, err)) ||
	    (r = take_uint(keys, "Hop", 1, 65535, &cfg.hop, err)) ||
	    (r = take_stats(keys, &mask, err)))
		return r;
	if (!n_ch) {
		n_ch = channels < cfg.num_channels ? channels : cfg.num_channels;
		for (unsigned i = 0; i < n_ch; i++)
			idx[i] = (uint8_t)i;
	}
	for (unsigned i = 0; i < n_ch; i++)
		gain[i] = 65536;
	if ((r = take_q16_per_channel(keys, "Gain", n_ch, INT32_MIN, INT32_MAX, gain, err)) ||
	    (r = take_q16_per_channel(keys, "Offset", n_ch, -((int64_t)1 << 46), (int64_t)1 << 46,
				      offset, err)))
		return r;
	if ((k = setting_take(keys, "Threshold"))) {
		long long v;

		if (parse_int_range(k->value, INT32_MIN, INT32_MAX, &v))
			return setting_error(err, keys, k, "expected a whole number (raw units)");
		threshold = v;
	}
	cfg.num_channels = (uint8_t)n_ch;
	for (unsigned i = 0; i < n_ch; i++) {
		cfg.channel[i].index = idx[i];
		cfg.channel[i].stats = mask;
		cfg.channel[i].threshold = (int32_t)threshold;
		for (unsigned s = 0; s < TS_STAT_COUNT; s++) {
			cfg.channel[i].gain_q16[s] = (int32_t)gain[i];
			cfg.channel[i].offset_q16[s] = offset[i];
		}
	}
	if (ts_window_stats_init(&fe->u.stats, &cfg, scale, zero_point) != TS_OK)
		return setting_error(err, keys, NULL, "statistics parameters rejected");
	fe->feature_bytes = ts_window_stats_feature_bytes(&fe->u.stats);
	fe->window = cfg.window;
	fe->hop = cfg.hop;
	return 0;
}

int frontend_open(struct frontend *fe, struct pipeline_config *pc, enum sample_format format,
		  uint16_t channels, float scale, int32_t zero_point, struct config_error *err)
{
	struct settings *keys = &pc->frontend_keys;
	int r;

	memset(fe, 0, sizeof(*fe));
	fe->type = pc->frontend;
	fe->format = format;
	fe->channels = channels;
	switch (pc->frontend) {
	case FRONTEND_AUDIO:
		if (format != SAMPLE_S16)
			return setting_error(err, keys, NULL,
					     "the audio front-end takes 16-bit samples, the source gives 32-bit");
		r = open_audio(fe, keys, channels, err);
		break;
	case FRONTEND_SPECTRUM:
		r = open_spectrum(fe, keys, channels, scale, zero_point, err);
		break;
	case FRONTEND_STATS:
		r = open_stats(fe, keys, channels, scale, zero_point, err);
		break;
	default:
		return setting_error(err, keys, NULL, "Type=raw is not available yet");
	}
	return r ? r : settings_check_all_taken(keys, err);
}

size_t frontend_push(struct frontend *fe, const void *frames, size_t n,
		     size_t *consumed, int8_t *features, size_t max_features)
{
	const bool s32 = fe->format == SAMPLE_S32;

	switch (fe->type) {
	case FRONTEND_AUDIO:
		return ts_audio_frontend_push(&fe->u.audio, frames, n, consumed, features,
					      max_features);
	case FRONTEND_SPECTRUM:
		return s32 ? ts_spectrum_push_s32(&fe->u.spectrum, frames, n, consumed, features,
						  max_features)
			   : ts_spectrum_push_s16(&fe->u.spectrum, frames, n, consumed, features,
						  max_features);
	case FRONTEND_STATS:
		return s32 ? ts_window_stats_push_s32(&fe->u.stats, frames, n, consumed, features,
						      max_features)
			   : ts_window_stats_push_s16(&fe->u.stats, frames, n, consumed, features,
						      max_features);
	default:
		*consumed = n;
		return 0;
	}
}

void frontend_reset(struct frontend *fe)
{
	switch (fe->type) {
	case FRONTEND_AUDIO:
		ts_audio_frontend_reset(&fe->u.audio);
		break;
	case FRONTEND_SPECTRUM:
		ts_spectrum_reset(&fe->u.spectrum);
		break;
	case FRONTEND_STATS:
		ts_window_stats_reset(&fe->u.stats);
		break;
	default:
		break;
	}
}
