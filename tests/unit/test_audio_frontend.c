/* SPDX-License-Identifier: MIT */
/*
 * Audio front-end (lib/dsp/): bit-exactness with TFLM micro_speech's
 * feature pipeline on every golden file of $TS_FRONTEND_DIR
 * (../shared/frontend), fed whole and in irregular chunks; every
 * intermediate stage against stages/; the tables computed at init against
 * the frozen tables (parsed from tables/micro_speech_frontend_tables.h at
 * run time); the streaming API's contract; and wav -> features -> the
 * micro_speech model ($TS_CONFORMANCE_DIR) -> the reference scores.
 *
 * A missing data file fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/audio_frontend.h>
#include <tinysense/tinysense.h>

#include "dsp/audio_frontend_impl.h"
#include "dsp/exact_math.h"
#include "test_files.h"

#define NCH 40

static const char *data_dir(void)
{
	const char *dir = getenv("TS_FRONTEND_DIR");

	return dir && *dir ? dir : "../shared/frontend";
}

static const char *conformance_dir(void)
{
	const char *dir = getenv("TS_CONFORMANCE_DIR");

	return dir && *dir ? dir : "../shared/conformance";
}

static void data_path(char *buf, size_t size, const char *name, const char *suffix)
{
	snprintf(buf, size, "%s/%s%s", data_dir(), name, suffix);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* 16 kHz mono s16 wav -> malloc'ed samples. */
static int16_t *read_wav(const char *path, size_t *n)
{
	struct test_file f;
	const uint8_t *p, *end;
	int16_t *s = NULL;
	int fmt_ok = 0;

	test_file_read(path, &f);
	p = f.data;
	end = p + f.size;
	if (f.size < 12 || memcmp(p, "RIFF", 4) || memcmp(p + 8, "WAVE", 4))
		fail_msg("%s: not a RIFF/WAVE file", path);
	for (p += 12; p + 8 <= end;) {
		const uint32_t len = le32(p + 4);

		if ((size_t)(end - p - 8) < len)
			fail_msg("%s: truncated chunk", path);
		if (!memcmp(p, "fmt ", 4) && len >= 16)
			fmt_ok = le16(p + 8) == 1 && le16(p + 10) == 1 &&
				 le32(p + 12) == 16000 && le16(p + 22) == 16;
		if (!memcmp(p, "data", 4)) {
			if (!fmt_ok)
				fail_msg("%s: not 16 kHz mono s16 PCM", path);
			*n = len / 2;
			s = malloc(*n * sizeof(*s) + 1);
			assert_non_null(s);
			for (size_t i = 0; i < *n; i++)
				s[i] = (int16_t)le16(p + 8 + 2 * i);
			break;
		}
		p += 8 + len + (len & 1);
	}
	if (!s)
		fail_msg("%s: no data chunk", path);
	test_file_free(&f);
	return s;
}

static size_t frames_of(size_t n)
{
	return n < 480 ? 0 : (n - 480) / 320 + 1;
}

/*
 * Feeds samples in chunks of chunks[0], chunks[1], ... (cycling; 0 = all
 * at once), with room for at most cap frames per push, and returns every
 * frame.
 */
static int8_t *run_stream(ts_audio_frontend *fe, const int16_t *s, size_t n,
			  const size_t *chunks, size_t nchunks, size_t cap,
			  size_t *nframes)
{
	const size_t want = frames_of(n);
	int8_t *out = malloc(want * NCH + 1);
	size_t pos = 0, frames = 0, ci = 0;

	assert_non_null(out);
	while (pos < n) {
		size_t len = chunks[ci++ % nchunks], fed = 0;

		if (len == 0 || len > n - pos)
			len = n - pos;
		while (fed < len) {
			size_t used;
			const size_t room = want - frames < cap ? want - frames : cap;
			const size_t k = ts_audio_frontend_push(fe, s + pos + fed, len - fed, &used,
								out + frames * NCH, room);

			assert_true(k <= room);
			assert_true(used > 0 || room == 0);
			if (used == 0)
				fail_msg("push made no progress at sample %zu", pos + fed);
			frames += k;
			fed += used;
		}
		pos += len;
	}
	*nframes = frames;
	return out;
}

/* Golden features of NAME (dir-relative) against the front-end's output;
 * prints bytes matched and the first difference. */
static void check_features(const char *name, const int8_t *got, size_t got_frames)
{
	char path[1024];
	struct test_file want;
	size_t same = 0, first = (size_t)-1;

	data_path(path, sizeof(path), name, ".int8.bin");
	test_file_read(path, &want);
	for (size_t i = 0; i < want.size && i < got_frames * NCH; i++) {
		if (got[i] == ((const int8_t *)want.data)[i])
			same++;
		else if (first == (size_t)-1)
			first = i;
	}
	printf("  %-36s %zu/%zu bytes match (%zu frames)\n", name, same, want.size,
	       want.size / NCH);
	if (got_frames * NCH != want.size)
		fail_msg("%s: %zu frames, golden has %zu", name, got_frames, want.size / NCH);
	if (same != want.size)
		fail_msg("%s: first difference at frame %zu channel %zu: %d, golden %d", name,
			 first / NCH, first % NCH, got[first], ((const int8_t *)want.data)[first]);
	test_file_free(&want);
}

static void check_file(const char *name, const size_t *chunks, size_t nchunks, size_t cap)
{
	char path[1024];
	ts_audio_frontend fe;
	size_t n, frames;
	int16_t *s;
	int8_t *got;

	data_path(path, sizeof(path), name, ".wav");
	s = read_wav(path, &n);
	assert_int_equal(ts_audio_frontend_init(&fe, ts_audio_frontend_preset("micro_speech")), TS_OK);
	got = run_stream(&fe, s, n, chunks, nchunks, cap, &frames);
	assert_int_equal(frames, frames_of(n));
	check_features(name, got, frames);
	free(got);
	free(s);
}

static const size_t whole[] = { 0 };

/* ---- golden features ---------------------------------------------------- */

static void test_one_second_files(void **state)
{
	static const char *names[] = { "yes_1000ms", "no_1000ms", "noise_1000ms", "silence_1000ms" };

	(void)state;
	for (size_t i = 0; i < 4; i++)
		check_file(names[i], whole, 1, SIZE_MAX);
}

static void test_30ms_files(void **state)
{
	(void)state;
	check_file("yes_30ms", whole, 1, SIZE_MAX);
	check_file("no_30ms", whole, 1, SIZE_MAX);
}

static void test_stream_in_chunks(void **state)
{
	static const size_t ones[] = { 1 }, sevens[] = { 7 }, hops[] = { 160 };
	static const size_t odd[] = { 333 }, mixed[] = { 1, 7, 160, 333, 479, 2, 320, 4001 };

	(void)state;
	check_file("stream_yes_silence_no_noise", whole, 1, SIZE_MAX);
	check_file("stream_yes_silence_no_noise", ones, 1, SIZE_MAX);
	check_file("stream_yes_silence_no_noise", sevens, 1, SIZE_MAX);
	check_file("stream_yes_silence_no_noise", hops, 1, SIZE_MAX);
	check_file("stream_yes_silence_no_noise", odd, 1, SIZE_MAX);
	check_file("stream_yes_silence_no_noise", mixed, 8, SIZE_MAX);
	/* room for one frame per push: the push stops and resumes */
	check_file("stream_yes_silence_no_noise", whole, 1, 1);
	check_file("stream_yes_silence_no_noise", odd, 1, 1);
}

static void test_stress_files(void **state)
{
	static const char *names[] = {
		"clipped_am", "dc_neg_full", "dc_pos_full", "impulses", "neg_peak_spikes",
		"square_pm", "steps", "sweep_full", "sweep_small", "uniform_full", "white1",
		"white10", "white100", "white1000", "white10000", "white3", "zeros",
	};
	static const size_t mixed[] = { 333, 1, 7, 160 };
	char name[64];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(name, sizeof(name), "stress/%s", names[i]);
		check_file(name, i & 1 ? mixed : whole, i & 1 ? 4 : 1, SIZE_MAX);
	}
}

/* ---- stages ------------------------------------------------------------- */

struct stage_files {
	struct test_file shift, fbank, sqrt, nr, noise, pcan, log;
};

static void read_stage(const char *name, const char *ext, struct test_file *f)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/stages/%s.%s", data_dir(), name, ext);
	test_file_read(path, f);
}

#define CHECK_STAGE(label, got, file, type)                                        \
	do {                                                                        \
		type want_[NCH];                                                    \
		memcpy(want_, (const uint8_t *)(file).data + fr * sizeof(want_),   \
		       sizeof(want_));                                              \
		for (size_t c_ = 0; c_ < NCH; c_++)                                 \
			if ((got)[c_] != want_[c_])                                 \
				fail_msg("%s frame %zu: %s channel %zu: %lld, reference %lld", \
					 name, fr, label, c_, (long long)(got)[c_],  \
					 (long long)want_[c_]);                      \
	} while (0)

static void check_stages(const char *name)
{
	char path[1024];
	struct stage_files sf;
	ts_audio_frontend fe;
	ts_af_state *st;
	ts_af_trace tr;
	size_t n, frames;
	int16_t *s;
	int8_t out[NCH];

	data_path(path, sizeof(path), name, ".wav");
	s = read_wav(path, &n);
	frames = frames_of(n);
	read_stage(name, "fftshift.i32", &sf.shift);
	read_stage(name, "fbank.u64", &sf.fbank);
	read_stage(name, "sqrt.u32", &sf.sqrt);
	read_stage(name, "nr.u32", &sf.nr);
	read_stage(name, "noise.u32", &sf.noise);
	read_stage(name, "pcan.u32", &sf.pcan);
	read_stage(name, "log.i16", &sf.log);
	assert_int_equal(sf.shift.size, frames * 4);
	assert_int_equal(sf.fbank.size, frames * NCH * 8);
	assert_int_equal(sf.log.size, frames * NCH * 2);

	assert_int_equal(ts_audio_frontend_init(&fe, NULL), TS_OK);
	st = ts_af_state_of(&fe);
	assert_non_null(st);
	for (size_t fr = 0; fr < frames; fr++) {
		int32_t shift;

		ts_af_process_frame(st, s + fr * 320, out, &tr);
		memcpy(&shift, (const uint8_t *)sf.shift.data + fr * 4, 4);
		if (tr.shift != shift)
			fail_msg("%s frame %zu: auto-scale shift %d, reference %d", name, fr,
				 tr.shift, shift);
		CHECK_STAGE("filterbank", tr.fbank, sf.fbank, uint64_t);
		CHECK_STAGE("sqrt", tr.sqrt, sf.sqrt, uint32_t);
		CHECK_STAGE("noise estimate", tr.noise, sf.noise, uint32_t);
		CHECK_STAGE("noise reduction", tr.nr, sf.nr, uint32_t);
		CHECK_STAGE("pcan", tr.pcan, sf.pcan, uint32_t);
		CHECK_STAGE("log", tr.log, sf.log, int16_t);
	}
	printf("  %-36s %zu frames: every stage matches\n", name, frames);
	test_file_free(&sf.shift);
	test_file_free(&sf.fbank);
	test_file_free(&sf.sqrt);
	test_file_free(&sf.nr);
	test_file_free(&sf.noise);
	test_file_free(&sf.pcan);
	test_file_free(&sf.log);
	free(s);
}

static void test_stages(void **state)
{
	static const char *names[] = {
		"yes_1000ms", "no_1000ms", "noise_1000ms", "silence_1000ms",
		"yes_30ms", "no_30ms", "stream_yes_silence_no_noise",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_stages(names[i]);
}

/* ---- tables ------------------------------------------------------------- */

/* Values of "NAME[...] = { ... }" in the header text. */
static size_t parse_array(const char *text, const char *name, long *out, size_t max)
{
	char pattern[128];
	const char *p;
	size_t n = 0;

	snprintf(pattern, sizeof(pattern), " %s[", name);
	p = strstr(text, pattern);
	if (!p)
		fail_msg("frozen tables: no array %s", name);
	p = strchr(p, '{');
	assert_non_null(p);
	for (p++; *p && *p != '}';) {
		char *endp;
		const long v = strtol(p, &endp, 10);

		if (endp == p) {
			p++;
			continue;
		}
		if (n == max)
			fail_msg("frozen tables: %s has more than %zu values", name, max);
		out[n++] = v;
		p = endp;
	}
	return n;
}

static long parse_define(const char *text, const char *name)
{
	char pattern[128];
	const char *p;

	snprintf(pattern, sizeof(pattern), "#define %s ", name);
	p = strstr(text, pattern);
	if (!p)
		fail_msg("frozen tables: no #define %s", name);
	return strtol(p + strlen(pattern), NULL, 10);
}

static void expect_table(const char *text, const char *name, const int16_t *got, size_t n)
{
	long want[1024];
	const size_t count = parse_array(text, name, want, 1024);
	size_t same = 0;

	if (count != n)
		fail_msg("%s: %zu frozen values, computed %zu", name, count, n);
	for (size_t i = 0; i < n; i++)
		same += got[i] == want[i];
	printf("  %-36s %zu/%zu values match\n", name, same, n);
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("%s[%zu]: computed %d, frozen %ld", name, i, got[i], want[i]);
}

static void test_tables_match_frozen(void **state)
{
	char path[1024];
	struct test_file f;
	ts_audio_frontend fe;
	const ts_af_state *st;
	const ts_audio_frontend_config *c = ts_audio_frontend_preset("micro_speech");
	const char *text;

	(void)state;
	snprintf(path, sizeof(path), "%s/tables/micro_speech_frontend_tables.h", data_dir());
	test_file_read(path, &f);
	text = f.data;
	assert_int_equal(ts_audio_frontend_init(&fe, c), TS_OK);
	st = ts_af_state_of(&fe);

	expect_table(text, "ms_hann_window_q12", st->hann, 480);
	expect_table(text, "ms_fb_weights_q12", st->fb.weights, st->fb.num_weights);
	expect_table(text, "ms_fb_unweights_q12", st->fb.unweights, st->fb.num_weights);
	expect_table(text, "ms_fb_channel_frequency_starts", st->fb.freq_starts, NCH + 1);
	expect_table(text, "ms_fb_channel_weight_starts", st->fb.weight_starts, NCH + 1);
	expect_table(text, "ms_fb_channel_widths", st->fb.widths, NCH + 1);
	expect_table(text, "ms_pcan_gain_lut", st->pcan_lut, TS_AF_PCAN_LUT_SIZE);

	/* options: the preset and what init derived from it */
	assert_int_equal(parse_define(text, "MS_WINDOW_SAMPLES"), c->window_samples);
	assert_int_equal(parse_define(text, "MS_STRIDE_SAMPLES"), c->stride_samples);
	assert_int_equal(parse_define(text, "MS_FFT_LENGTH"), st->fft_len);
	assert_int_equal(parse_define(text, "MS_NUM_CHANNELS"), c->num_channels);
	assert_int_equal(parse_define(text, "MS_WINDOW_SHIFT"), c->window_bits);
	assert_int_equal(parse_define(text, "MS_ENERGY_START_INDEX"), st->fb.start_index);
	assert_int_equal(parse_define(text, "MS_ENERGY_END_INDEX"), st->fb.end_index);
	assert_int_equal(parse_define(text, "MS_PCAN_SNR_SHIFT"), c->pcan_snr_shift);
	assert_int_equal(parse_define(text, "MS_LOG_INPUT_CORRECTION_BITS"), st->correction_bits);
	assert_int_equal(parse_define(text, "MS_LOG_OUTPUT_SCALE"), 1 << c->log_scale_bits);
	assert_int_equal(parse_define(text, "MS_NR_SMOOTHING"), st->nr.even_smoothing);
	assert_int_equal(parse_define(text, "MS_NR_ONE_MINUS_SMOOTHING"), st->nr.even_one_minus);
	assert_int_equal(parse_define(text, "MS_NR_ALTERNATE_SMOOTHING"), st->nr.odd_smoothing);
	assert_int_equal(parse_define(text, "MS_NR_ALTERNATE_ONE_MINUS_SMOOTHING"),
			 st->nr.odd_one_minus);
	assert_int_equal(parse_define(text, "MS_NR_MIN_SIGNAL_REMAINING"),
			 st->nr.min_signal_remaining);
	assert_int_equal(parse_define(text, "MS_NR_SMOOTHING_BITS"), st->nr.smoothing_bits);
	assert_int_equal(parse_define(text, "MS_NR_SPECTRAL_SUBTRACTION_BITS"),
			 st->nr.subtraction_bits);
	assert_int_equal(parse_define(text, "MS_NR_CLAMPING"), st->nr.clamping);
	test_file_free(&f);
}

/*
 * Independent long double references (series, no libm) for the tables that
 * the frozen file does not hold: FFT twiddles and the log table.
 */
static const long double PI_LD = 3.14159265358979323846264338327950288L;

static long double cos_ld(long double x)
{
	long double sum = 0, term = 1;

	while (x > PI_LD)
		x -= 2 * PI_LD;
	while (x < -PI_LD)
		x += 2 * PI_LD;
	for (int n = 0; n < 60; n += 2) {
		sum += term;
		term *= -x * x / ((n + 1) * (n + 2));
	}
	return sum;
}

static long double ln_ld(long double x) /* x in [1, 2] */
{
	const long double z = (x - 1) / (x + 1);
	long double sum = 0, t = z;

	for (int n = 1; n < 200; n += 2) {
		sum += t / n;
		t *= z * z;
	}
	return 2 * sum;
}

static long floor_ld(long double v)
{
	long i = (long)v;

	return (long double)i > v ? i - 1 : i;
}

static void test_fft_and_log_tables(void **state)
{
	ts_audio_frontend fe;
	const ts_af_state *st;
	const long double ln2 = ln_ld(2.0L);

	(void)state;
	assert_int_equal(ts_audio_frontend_init(&fe, NULL), TS_OK);
	st = ts_af_state_of(&fe);
	assert_int_equal(st->fft.n, 512);
	assert_int_equal(st->fft.nstages, 4);   /* 256 = 4 * 4 * 4 * 4 */
	for (int i = 0; i < 256; i++) {
		/* kissfft: floor(.5 + 32767 * cos / sin(-2 pi i / 256)) */
		const long double ph = -2 * PI_LD * i / 256;

		assert_int_equal(st->fft.tw[i].r, floor_ld(0.5L + 32767 * cos_ld(ph)));
		assert_int_equal(st->fft.tw[i].i, floor_ld(0.5L + 32767 * cos_ld(ph - PI_LD / 2)));
	}
	for (int i = 0; i < 128; i++) {
		const long double ph = -PI_LD * ((long double)(i + 1) / 256 + 0.5L);

		assert_int_equal(st->fft.super_tw[i].r, floor_ld(0.5L + 32767 * cos_ld(ph)));
		assert_int_equal(st->fft.super_tw[i].i,
				 floor_ld(0.5L + 32767 * cos_ld(ph - PI_LD / 2)));
	}
	for (int i = 0; i <= 128; i++) {
		const long double v = 65536 * (ln_ld(1 + i / 128.0L) / ln2 - i / 128.0L);

		assert_int_equal(st->log_lut[i], floor_ld(v + 0.5L));
	}
	/* spot values of TFLM's kLogLut */
	assert_int_equal(st->log_lut[1], 224);
	assert_int_equal(st->log_lut[64], 5568);
	assert_int_equal(st->log_lut[127], 142);
	assert_int_equal(st->log_lut[128], 0);
	printf("  FFT twiddles (256 + 128) and log table (129) match long double references\n");
}

/* ---- API ---------------------------------------------------------------- */

static void test_reset(void **state)
{
	char path[1024];
	ts_audio_frontend fe;
	size_t n, f1, f2, f3;
	int16_t *s;
	int8_t *a, *b, *c;

	(void)state;
	data_path(path, sizeof(path), "stream_yes_silence_no_noise", ".wav");
	s = read_wav(path, &n);
	assert_int_equal(ts_audio_frontend_init(&fe, NULL), TS_OK);
	a = run_stream(&fe, s, n, whole, 1, SIZE_MAX, &f1);

	/* after a reset the same stream gives the same frames: the noise
	 * estimate and the buffered samples are gone */
	ts_audio_frontend_reset(&fe);
	b = run_stream(&fe, s, n, whole, 1, SIZE_MAX, &f2);
	assert_int_equal(f1, f2);
	assert_memory_equal(a, b, f1 * NCH);

	/* a reset in the middle of a frame drops the partial window */
	ts_audio_frontend_reset(&fe);
	{
		size_t used;
		int8_t tmp[NCH];

		assert_int_equal(ts_audio_frontend_push(&fe, s + 5000, 479, &used, tmp, 1), 0);
		assert_int_equal(used, 479);
	}
	ts_audio_frontend_reset(&fe);
	c = run_stream(&fe, s, n, whole, 1, SIZE_MAX, &f3);
	assert_int_equal(f1, f3);
	assert_memory_equal(a, c, f1 * NCH);

	/* what reset clears: the noise estimate (non-zero after a stream) and
	 * the buffered samples (320 left after 64000) */
	{
		const ts_af_state *st = ts_af_state_of(&fe);
		uint32_t noise_sum = 0;

		for (size_t i = 0; i < NCH; i++)
			noise_sum |= st->noise[i];
		assert_true(noise_sum != 0);
		assert_int_equal(st->fill, 320);
		assert_int_equal(ts_audio_frontend_frames_for(&fe, 160), 1);
		ts_audio_frontend_reset(&fe);
		for (size_t i = 0; i < NCH; i++)
			assert_int_equal(st->noise[i], 0);
		assert_int_equal(ts_audio_frontend_frames_for(&fe, 160), 0);
	}
	free(a);
	free(b);
	free(c);
	free(s);
}

static void test_api_contract(void **state)
{
	ts_audio_frontend fe;
	ts_audio_frontend_config bad;
	const ts_audio_frontend_config *ms = ts_audio_frontend_preset("micro_speech");
	int16_t zeros[1000] = { 0 };
	int8_t out[4 * NCH];
	size_t used;

	(void)state;
	assert_non_null(ms);
	assert_int_equal(ms->sample_rate_hz, 16000);
	assert_null(ts_audio_frontend_preset("micro_speech2"));
	assert_null(ts_audio_frontend_preset(""));
	assert_null(ts_audio_frontend_preset(NULL));
	assert_int_equal(ts_audio_frontend_init(NULL, NULL), TS_ERR_INVALID_ARG);

	/* bad parameters leave the object unusable */
	bad = *ms;
	bad.stride_samples = 481;
	assert_int_equal(ts_audio_frontend_init(&fe, &bad), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_audio_frontend_push(&fe, zeros, 1000, &used, out, 3), 0);
	assert_int_equal(used, 0);
	assert_int_equal(ts_audio_frontend_frame_bytes(&fe), 0);
	bad = *ms;
	bad.num_channels = TS_AUDIO_FRONTEND_MAX_CHANNELS + 1;
	assert_int_equal(ts_audio_frontend_init(&fe, &bad), TS_ERR_INVALID_ARG);
	bad = *ms;
	bad.window_samples = TS_AUDIO_FRONTEND_MAX_FFT + 1;
	assert_int_equal(ts_audio_frontend_init(&fe, &bad), TS_ERR_INVALID_ARG);
	bad = *ms;
	bad.upper_band_hz = 8000;
	assert_int_equal(ts_audio_frontend_init(&fe, &bad), TS_ERR_INVALID_ARG);

	assert_int_equal(ts_audio_frontend_init(&fe, ms), TS_OK);
	assert_int_equal(ts_audio_frontend_frame_bytes(&fe), NCH);
	assert_int_equal(ts_audio_frontend_frames_for(&fe, 479), 0);
	assert_int_equal(ts_audio_frontend_frames_for(&fe, 480), 1);
	assert_int_equal(ts_audio_frontend_frames_for(&fe, 16000), 49);
	assert_int_equal(ts_audio_frontend_frames_for(&fe, 64000), 199);

	/* no room: takes everything but the sample that would complete one */
	assert_int_equal(ts_audio_frontend_push(&fe, zeros, 1000, &used, NULL, 0), 0);
	assert_int_equal(used, 479);
	assert_int_equal(ts_audio_frontend_frames_for(&fe, 1), 1);
	/* room for one: completes it, then stops one sample short of the next
	 * (frames end at samples 480, 800, 1120, ...) */
	assert_int_equal(ts_audio_frontend_push(&fe, zeros, 1000, &used, out, 1), 1);
	assert_int_equal(used, 320);
	assert_int_equal(ts_audio_frontend_frames_for(&fe, 1), 1);
	/* 799 in: 1000 more reach 1799, completing 800, 1120, 1440 and 1760 */
	assert_int_equal(ts_audio_frontend_frames_for(&fe, 1000), 4);
	assert_int_equal(ts_audio_frontend_push(&fe, zeros, 1000, &used, out, 4), 4);
	assert_int_equal(used, 1000);
	/* consumed is optional; NULL samples only with n == 0 */
	assert_int_equal(ts_audio_frontend_push(&fe, zeros, 10, NULL, out, 3), 0);
	assert_int_equal(ts_audio_frontend_push(&fe, NULL, 10, &used, out, 3), 0);
	assert_int_equal(used, 0);
	assert_int_equal(ts_audio_frontend_push(&fe, NULL, 0, &used, out, 3), 0);
	/* silence maps to the lowest feature value */
	for (size_t i = 0; i < 4 * NCH; i++)
		assert_int_equal(out[i], -128);
}

/* A configuration other than the preset: 8 kHz, 256-point FFT with one
 * radix-2 stage, 20 channels, no noise reduction or PCAN, another int8
 * scale.  A pure tone must peak in the channel whose band holds it. */
static void test_other_config_tone(void **state)
{
	ts_audio_frontend_config c = *ts_audio_frontend_preset("micro_speech");
	ts_audio_frontend fe;
	const ts_af_state *st;
	int16_t tone[4000];
	int8_t out[48 * 20];
	size_t used, frames;
	const unsigned bin = 40;       /* 40 * 8000 / 256 = 1250 Hz */

	(void)state;
	c.sample_rate_hz = 8000;
	c.window_samples = 200;
	c.stride_samples = 80;
	c.num_channels = 20;
	c.lower_band_hz = 100;
	c.upper_band_hz = 3800;
	c.noise_reduction = 0;
	c.pcan = 0;
	c.out_div = 1332;               /* halves the int8 scale: no clipping */
	assert_int_equal(ts_audio_frontend_init(&fe, &c), TS_OK);
	st = ts_af_state_of(&fe);
	assert_int_equal(st->fft.n, 256);
	assert_int_equal(st->fft.nstages, 4);   /* 128 = 4 * 4 * 4 * 2 */
	assert_int_equal(st->fft.radix[3], 2);
	for (int i = 0; i < 4000; i++) {
		/* cos(2 pi bin i / 256) via the exact-math helper */
		int64_t s, co;

		ts_q56_sincospi((uint64_t)(2 * bin * (unsigned)i), 256, &s, &co);
		tone[i] = (int16_t)ts_asr64(ts_asr64(co, 32) * 8000, 24);
	}
	frames = ts_audio_frontend_push(&fe, tone, 4000, &used, out, 48);
	assert_int_equal(frames, (4000 - 200) / 80 + 1);
	for (size_t f = 0; f < frames; f++) {
		size_t best = 0;
		int hits = 0;

		for (size_t ch = 1; ch < 20; ch++)
			if (out[f * 20 + ch] > out[f * 20 + best])
				best = ch;
		/* the bin lies in channel best's span or the next one's (the
		 * triangles overlap) */
		for (size_t ch = best; ch <= best + 1 && ch <= 20; ch++) {
			const unsigned lo = (unsigned)st->fb.freq_starts[ch];

			hits += bin >= lo && bin < lo + (unsigned)st->fb.widths[ch];
		}
		assert_true(hits > 0);
		assert_true(out[f * 20 + best] < 127);
		/* and stands well above every channel not next to it */
		for (size_t ch = 0; ch < 20; ch++)
			if (ch + 1 < best || ch > best + 1)
				assert_true(out[f * 20 + best] > out[f * 20 + ch] + 40);
	}
}

/* ---- end to end: wav -> features -> micro_speech -> scores --------------- */

static void test_end_to_end_scores(void **state)
{
	static const char *names[] = { "yes_1000ms", "no_1000ms", "noise_1000ms", "silence_1000ms" };
	static _Alignas(16) uint8_t arena[64 * 1024];
	char path[1024];
	struct test_file model;
	ts_interpreter *ip;
	ts_diag diag;

	(void)state;
	snprintf(path, sizeof(path), "%s/micro-speech.tflite", conformance_dir());
	test_file_read(path, &model);
	if (ts_interpreter_create(&ip, model.data, model.size, arena, sizeof(arena), &diag))
		fail_msg("%s: %s", path, diag.text);
	assert_int_equal(ts_tensor_bytes(ts_interpreter_input(ip, 0)), 49 * NCH);
	assert_int_equal(ts_tensor_bytes(ts_interpreter_output(ip, 0)), 4);

	for (size_t i = 0; i < 4; i++) {
		struct test_file want;
		ts_audio_frontend fe;
		size_t n, frames;
		int16_t *s;
		int8_t *features;
		const int8_t *scores;

		data_path(path, sizeof(path), names[i], ".wav");
		s = read_wav(path, &n);
		assert_int_equal(ts_audio_frontend_init(&fe, NULL), TS_OK);
		features = run_stream(&fe, s, n, whole, 1, SIZE_MAX, &frames);
		assert_int_equal(frames, 49);
		memcpy(ts_tensor_data(ts_interpreter_input(ip, 0)), features, 49 * NCH);
		if (ts_interpreter_invoke(ip, &diag))
			fail_msg("invoke: %s", diag.text);
		scores = ts_tensor_data_const(ts_interpreter_output(ip, 0));
		data_path(path, sizeof(path), names[i], ".scores.int8.bin");
		test_file_read(path, &want);
		assert_int_equal(want.size, 4);
		printf("  %-36s scores %4d %4d %4d %4d (silence unknown yes no)\n", names[i],
		       scores[0], scores[1], scores[2], scores[3]);
		assert_memory_equal(scores, want.data, 4);
		test_file_free(&want);
		free(features);
		free(s);
	}
	test_file_free(&model);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_match_frozen),
		cmocka_unit_test(test_fft_and_log_tables),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_one_second_files),
		cmocka_unit_test(test_30ms_files),
		cmocka_unit_test(test_stream_in_chunks),
		cmocka_unit_test(test_stress_files),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_api_contract),
		cmocka_unit_test(test_other_config_tone),
		cmocka_unit_test(test_end_to_end_scores),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
