/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the streaming front-ends (ts_audio_frontend,
 * ts_spectrum, ts_window_stats).
 *
 * Input: HDR_BYTES of selectors (which front-end, configuration fields,
 * chunking seed), then int16 samples (little-endian), optionally repeated.
 * Configurations are built inside the documented ranges; init may still
 * refuse some combinations (then the input is skipped).  Each stream is run
 * twice: once in one push (the reference) and once in random chunks with
 * random max_frames (0..3) and, for spectrum/stats, s16 and s32 pushes
 * mixed.  The documented promises are checked and abort() on violation:
 *   - k <= max_frames, *consumed <= n, progress whenever max_frames > 0,
 *   - the one-push frame count equals *_for(total) and consumes everything,
 *   - any chunking gives the same bytes as the one push.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/audio_frontend.h"
#include "tinysense/spectrum.h"
#include "tinysense/window_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR_BYTES 48
#define MAX_VALUES 8192

struct hdr {
	const uint8_t *p;
	size_t i;
};

static uint8_t h8(struct hdr *h)
{
	uint8_t v = h->p[h->i % HDR_BYTES];

	h->i++;
	return v;
}

static uint16_t h16(struct hdr *h)
{
	uint16_t lo = h8(h);

	return (uint16_t)(lo | (uint16_t)h8(h) << 8);
}

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* ---- audio --------------------------------------------------------------- */

static void run_audio(struct hdr *h, const int16_t *s, size_t n)
{
	static ts_audio_frontend fe;
	ts_audio_frontend_config cfg = *ts_audio_frontend_preset("micro_speech");
	uint8_t variant = h8(h) % 4;
	size_t fb, expect, got, used, pos, total;
	int8_t *ref, *out;

	if (variant == 1) {
		cfg.stride_samples = (uint16_t)(1 + h16(h) % cfg.window_samples);
	} else if (variant == 2) {
		cfg.window_samples = (uint16_t)(16 + h16(h) % (TS_AUDIO_FRONTEND_MAX_FFT - 15));
		cfg.stride_samples = (uint16_t)(1 + h16(h) % cfg.window_samples);
		cfg.num_channels = (uint16_t)(1 + h8(h) % TS_AUDIO_FRONTEND_MAX_CHANNELS);
		cfg.sample_rate_hz = (h8(h) & 1) ? 8000 : 16000;
		cfg.lower_band_hz = 20 + h8(h) * 4u;
		cfg.upper_band_hz = cfg.lower_band_hz + 100 +
				    h16(h) % (cfg.sample_rate_hz / 2 - cfg.lower_band_hz - 101);
	} else if (variant == 3) {
		uint8_t f = h8(h);

		cfg.noise_reduction = f & 1;
		cfg.pcan = (f >> 1) & 1;
		cfg.nr_clamping = (f >> 2) & 1;
		cfg.stride_samples = (uint16_t)(1 + h16(h) % cfg.window_samples);
		cfg.out_zero_point = (int8_t)h8(h);
	}
	if (ts_audio_frontend_init(&fe, &cfg) != TS_OK)
		return;
	fb = ts_audio_frontend_frame_bytes(&fe);
	CHECK(fb == cfg.num_channels);
	expect = ts_audio_frontend_frames_for(&fe, n);
	ref = malloc(expect * fb + 1);
	out = malloc(expect * fb + 1);
	CHECK(ref && out);

	/* Reference: one push. */
	got = ts_audio_frontend_push(&fe, s, n, &used, ref, expect);
	CHECK(got == expect && used == n);
	CHECK(ts_audio_frontend_frames_for(&fe, 0) == 0);

	/* Chunked. */
	ts_audio_frontend_reset(&fe);
	pos = 0;
	total = 0;
	while (pos < n) {
		size_t chunk = 1 + rng() % 700, cap = rng() % 4, k;

		if (chunk > n - pos)
			chunk = n - pos;
		if (total + cap > expect)
			cap = expect - total;
		k = ts_audio_frontend_push(&fe, s + pos, chunk, &used,
					   out + total * fb, cap);
		CHECK(k <= cap && used <= chunk);
		if (cap && used < chunk)
			CHECK(k == cap); /* stopped early only when out of room */
		pos += used;
		total += k;
		CHECK(total <= expect);
	}
	CHECK(total == expect);
	CHECK(!memcmp(ref, out, expect * fb));
	free(ref);
	free(out);
}

/* ---- spectrum ------------------------------------------------------------ */

static const float scales[] = { 1.0f / 256, 0.05f, 1.0f, 0.25f, 3.5f, 100.0f, 1e-3f, 17.0f };

/* A framed front-end (spectrum or window statistics) seen through one
 * interface, for the streaming check below. */
struct framed {
	void *st;
	size_t (*push16)(void *st, const int16_t *f, size_t n, size_t *used, int8_t *out, size_t cap);
	size_t (*push32)(void *st, const int32_t *f, size_t n, size_t *used, int8_t *out, size_t cap);
	void (*reset)(void *st);
};

/*
 * nframes frames of fc values, fed once in one push (s32 values s << shift
 * when shift > 0), then again after a reset in random chunks with random
 * output room, s16 and s32 mixed: the same expect vectors of fb bytes, and
 * each push takes what it can without exceeding its room.
 */
static void check_streaming(const struct framed *f, const int16_t *s, size_t nframes,
			    size_t fc, size_t fb, size_t expect, unsigned shift)
{
	static int32_t wide[MAX_VALUES];
	size_t got, used, pos, total;
	int8_t *ref, *out;

	for (size_t i = 0; i < nframes * fc; i++)
		wide[i] = (int32_t)((uint32_t)(int32_t)s[i] << shift);
	ref = malloc(expect * fb + 1);
	out = malloc(expect * fb + 1);
	CHECK(ref && out);

	if (shift)
		got = f->push32(f->st, wide, nframes, &used, ref, expect);
	else
		got = f->push16(f->st, s, nframes, &used, ref, expect);
	CHECK(got == expect && used == nframes);

	f->reset(f->st);
	pos = total = 0;
	while (pos < nframes) {
		size_t chunk = 1 + rng() % 300, cap = rng() % 4, k;
		int use32 = shift || (rng() & 1);

		if (chunk > nframes - pos)
			chunk = nframes - pos;
		if (total + cap > expect)
			cap = expect - total;
		if (use32)
			k = f->push32(f->st, wide + pos * fc, chunk, &used, out + total * fb, cap);
		else
			k = f->push16(f->st, s + pos * fc, chunk, &used, out + total * fb, cap);
		CHECK(k <= cap && used <= chunk);
		if (cap && used < chunk)
			CHECK(k == cap);
		pos += used;
		total += k;
		CHECK(total <= expect);
	}
	CHECK(total == expect);
	CHECK(!memcmp(ref, out, expect * fb));
	free(ref);
	free(out);
}

static size_t sp_push16(void *st, const int16_t *f, size_t n, size_t *used, int8_t *out, size_t cap)
{
	return ts_spectrum_push_s16(st, f, n, used, out, cap);
}

static size_t sp_push32(void *st, const int32_t *f, size_t n, size_t *used, int8_t *out, size_t cap)
{
	return ts_spectrum_push_s32(st, f, n, used, out, cap);
}

static void sp_reset(void *st)
{
	ts_spectrum_reset(st);
}

static size_t ws_push16(void *st, const int16_t *f, size_t n, size_t *used, int8_t *out, size_t cap)
{
	return ts_window_stats_push_s16(st, f, n, used, out, cap);
}

static size_t ws_push32(void *st, const int32_t *f, size_t n, size_t *used, int8_t *out, size_t cap)
{
	return ts_window_stats_push_s32(st, f, n, used, out, cap);
}

static void ws_reset(void *st)
{
	ts_window_stats_reset(st);
}

static void run_spectrum(struct hdr *h, const int16_t *s, size_t nvals)
{
	static ts_spectrum sp;
	ts_spectrum_config cfg;
	size_t fc, nframes, fb, bins;
	unsigned shift;
	int32_t zp;
	float scale;

	memset(&cfg, 0, sizeof(cfg));
	cfg.frame_channels = (uint16_t)(1 + h8(h) % 4);
	cfg.fft_len = (uint16_t)(TS_SPECTRUM_MIN_FFT << (h8(h) % 8));
	cfg.num_channels = (uint8_t)(1 + h8(h) % TS_SPECTRUM_MAX_CHANNELS);
	if ((size_t)cfg.num_channels * cfg.fft_len > TS_SPECTRUM_MAX_SAMPLES)
		cfg.num_channels = (uint8_t)(TS_SPECTRUM_MAX_SAMPLES / cfg.fft_len);
	for (size_t i = 0; i < cfg.num_channels; i++)
		cfg.channels[i] = (uint8_t)(h8(h) % cfg.frame_channels);
	cfg.hop = (uint16_t)(1 + h16(h) % (2u * cfg.fft_len));
	cfg.window = h8(h) % 3;
	cfg.remove_dc = h8(h) & 1;
	cfg.output = h8(h) % 2;
	cfg.bands = h8(h) % 3;
	bins = cfg.fft_len / 2u + 1;
	if (cfg.bands == TS_SPECTRUM_EQUAL_BANDS) {
		size_t first = h8(h) % (bins - 1), end = first + 1 + h16(h) % (bins - first);
		size_t w = end - first, nb = 1 + h8(h) % (w < TS_SPECTRUM_MAX_BANDS ? w : TS_SPECTRUM_MAX_BANDS);

		cfg.first_bin = (uint16_t)first;
		cfg.end_bin = (uint16_t)(end == bins && (h8(h) & 1) ? 0 : end);
		cfg.num_bands = (uint16_t)nb;
	} else if (cfg.bands == TS_SPECTRUM_BAND_EDGES) {
		size_t e = h8(h) % 4, nb = 0;

		cfg.band_edges[0] = (uint16_t)e;
		while (nb < TS_SPECTRUM_MAX_BANDS) {
			size_t next = e + 1 + h8(h) % 8;

			if (next > bins)
				break;
			cfg.band_edges[++nb] = (uint16_t)next;
			e = next;
			if (h8(h) < 16)
				break;
		}
		if (!nb)
			return;
		cfg.num_bands = (uint16_t)nb;
	}
	cfg.offset_q16 = (int64_t)(int16_t)h16(h) * ((int64_t)1 << (h8(h) % 40));
	cfg.gain_q16 = (int32_t)(int16_t)h16(h) * (1 << (h8(h) % 12));
	if (!cfg.gain_q16)
		cfg.gain_q16 = 65536;
	scale = scales[h8(h) % 8];
	zp = (int8_t)h8(h);
	shift = h8(h) % 17; /* s32 values: s16 << shift (0..16) */

	if (ts_spectrum_init(&sp, &cfg, scale, zp) != TS_OK)
		return;
	fc = cfg.frame_channels;
	nframes = nvals / fc;
	fb = ts_spectrum_feature_bytes(&sp);
	CHECK(fb == cfg.num_channels * (cfg.bands ? cfg.num_bands : bins));
	check_streaming(&(struct framed){ &sp, sp_push16, sp_push32, sp_reset }, s, nframes, fc,
			fb, ts_spectrum_features_for(&sp, nframes), shift);
}

/* ---- window statistics --------------------------------------------------- */

static void run_stats(struct hdr *h, const int16_t *s, size_t nvals)
{
	static ts_window_stats ws;
	ts_window_stats_config cfg;
	size_t fc, nframes, fb, nstats = 0;
	unsigned shift;
	int32_t zp;
	float scale;

	memset(&cfg, 0, sizeof(cfg));
	cfg.frame_channels = (uint16_t)(1 + h8(h) % 4);
	cfg.window = (uint16_t)(2 + h16(h) % 600);
	cfg.hop = (uint16_t)(1 + h16(h) % (2u * cfg.window));
	cfg.num_channels = (uint8_t)(1 + h8(h) % TS_WINDOW_STATS_MAX_CHANNELS);
	if ((size_t)cfg.num_channels * cfg.window > TS_WINDOW_STATS_MAX_SAMPLES)
		cfg.num_channels = (uint8_t)(TS_WINDOW_STATS_MAX_SAMPLES / cfg.window);
	for (size_t c = 0; c < cfg.num_channels; c++) {
		ts_window_stats_channel *ch = &cfg.channel[c];

		ch->index = (uint16_t)(h8(h) % cfg.frame_channels);
		ch->stats = (uint16_t)(1 + h16(h) % ((1u << TS_STAT_COUNT) - 1));
		ch->threshold = (int16_t)h16(h) >> (h8(h) % 16);
		for (int k = 0; k < TS_STAT_COUNT; k++) {
			ch->gain_q16[k] = (int32_t)(int16_t)h16(h) * (1 << (h8(h) % 12));
			if (!ch->gain_q16[k])
				ch->gain_q16[k] = -65536;
			ch->offset_q16[k] = (int64_t)(int16_t)h16(h) * ((int64_t)1 << (h8(h) % 44));
			if (ch->stats & (1u << k))
				nstats++;
		}
	}
	scale = scales[h8(h) % 8];
	zp = (int8_t)h8(h);
	shift = h8(h) % 17;

	if (ts_window_stats_init(&ws, &cfg, scale, zp) != TS_OK)
		return;
	fc = cfg.frame_channels;
	nframes = nvals / fc;
	fb = ts_window_stats_feature_bytes(&ws);
	CHECK(fb == nstats);
	check_streaming(&(struct framed){ &ws, ws_push16, ws_push32, ws_reset }, s, nframes, fc,
			fb, ts_window_stats_features_for(&ws, nframes), shift);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int16_t samples[MAX_VALUES];
	struct hdr h = { data, 1 };
	size_t raw, n, reps;
	uint8_t which;

	if (size < HDR_BYTES + 2)
		return 0;
	which = data[0];
	rng_state = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < 8; i++)
		rng_state = rng_state * 131 + data[HDR_BYTES - 8 + i];
	if (!rng_state)
		rng_state = 1;
	raw = (size - HDR_BYTES) / 2;
	if (raw > MAX_VALUES)
		raw = MAX_VALUES;
	reps = 1 + ((which >> 4) & 7);
	n = raw * reps > MAX_VALUES ? MAX_VALUES : raw * reps;
	for (size_t i = 0; i < n; i++) {
		size_t j = HDR_BYTES + 2 * (i % raw);

		samples[i] = (int16_t)(data[j] | (uint16_t)data[j + 1] << 8);
	}

	switch (which & 3) {
	case 0:
		run_audio(&h, samples, n);
		break;
	case 1:
		run_spectrum(&h, samples, n);
		break;
	case 2:
		run_stats(&h, samples, n);
		break;
	default:
		run_audio(&h, samples, n);
		run_spectrum(&h, samples, n);
		run_stats(&h, samples, n);
		break;
	}
	return 0;
}
