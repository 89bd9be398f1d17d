/* SPDX-License-Identifier: MIT */
/*
 * Spectrum front-end (lib/dsp/spectrum.c) and the 1024-point extension of
 * the real FFT (lib/dsp/rfft_q15.c).
 *
 * The reference is computed here, independently, in long double with libm:
 * window weights round(32768 w(n)) from cosl, the mean and the windowed
 * frame as the header defines them, a direct DFT, band means, log2,
 * (value - offset) * gain and zero_point + round(feature / scale).
 *
 * Tolerance.  The library's FFT is 16-bit fixed point on a frame scaled
 * into +-2^14, so its magnitudes carry an error of a few output steps
 * u = 2^(bitlen(max |x' w_q15|) - 29) input units, plus a small relative
 * error (the twiddles are 32767 / 32768 long).  Every output byte must lie
 * between the bytes the reference gives for value - e and value + e with
 *
 *     e = ABS_STEPS u + REL m + 2^-16   (m: the band's mean magnitude;
 *                                        2^-16: the Q16 roundings)
 *
 * (log2 outputs: the logs of those bounds, floored at 2^-16, +-2^-15 for
 * the integer log).  test_precision measures the actual error in units of
 * u and prints it; ABS_STEPS and REL are set above what it finds.  Most
 * bytes have a single allowed value; the share is printed.
 *
 * Exact, hand-checked cases: a sine centred on a bin peaks there (A/2
 * rectangular, A/4 Hann with A/8 next to it), a constant lands in bin 0 (or
 * nowhere with DC removal), an impulse gives a flat spectrum.  Streaming in
 * chunks of 1, 7, hop and random sizes gives the bytes of one push.
 * int16 full scale and int32 extremes run without overflow (ASan+UBSan
 * builds).  Invalid configurations are refused.  Per-frame cost is printed.
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, for the cost test */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tinysense/audio_frontend.h>
#include <tinysense/spectrum.h>

#include "dsp/audio_frontend_impl.h"

#define ABS_STEPS 4.0L
#define REL 7e-4L
#define PI_LD 3.141592653589793238462643383279502884L
#define MAX_N TS_SPECTRUM_MAX_FFT

static uint64_t rng_state = 0x243F6A8885A308D3u;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 32);
}

static int32_t rnd_range(int32_t lo, int32_t hi)
{
	return (int32_t)((int64_t)lo + (int64_t)(rnd() % (uint32_t)((int64_t)hi - lo + 1)));
}

static long double rnd_unit(void)
{
	return rnd() / 4294967296.0L;
}

static int bitlen64(uint64_t x)
{
	int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/* ---- the reference ------------------------------------------------------------ */

static void ref_window(unsigned kind, unsigned n, uint16_t *w)
{
	for (unsigned i = 0; i < n; i++) {
		const long double c = cosl(2 * PI_LD * i / n);
		long double v = 1;

		if (kind == TS_SPECTRUM_HANN)
			v = 0.5L - 0.5L * c;
		else if (kind == TS_SPECTRUM_HAMMING)
			v = 0.54L - 0.46L * c;
		w[i] = (uint16_t)floorl(32768 * v + 0.5L);
	}
}

/* Band b of c as bins [*lo, *hi). */
static void ref_band(const ts_spectrum_config *c, unsigned b, unsigned *lo, unsigned *hi)
{
	const unsigned bins = c->fft_len / 2u + 1u;

	if (c->bands == TS_SPECTRUM_BINS) {
		*lo = b;
		*hi = b + 1;
	} else if (c->bands == TS_SPECTRUM_EQUAL_BANDS) {
		const unsigned end = c->end_bin ? c->end_bin : bins, w = end - c->first_bin;

		*lo = c->first_bin + b * w / c->num_bands;
		*hi = c->first_bin + (b + 1) * w / c->num_bands;
	} else {
		*lo = c->band_edges[b];
		*hi = c->band_edges[b + 1];
	}
}

static unsigned ref_values(const ts_spectrum_config *c)
{
	return c->bands == TS_SPECTRUM_BINS ? c->fft_len / 2u + 1u : c->num_bands;
}

static int8_t ref_quantize(long double f, float scale, int32_t zp)
{
	const long double q = zp + roundl(f / scale);

	return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

/* |X[k]| / N of one window x[0..n-1] (exact integer mean and weights) and
 * the FFT's output step u. */
static void ref_magnitudes(const ts_spectrum_config *c, const int32_t *x, long double *m,
			   long double *u)
{
	const unsigned n = c->fft_len;
	static uint16_t w[MAX_N];
	static long double cs[MAX_N], sn[MAX_N], y[MAX_N];
	int64_t mean = 0;
	uint64_t peak = 0;

	ref_window(c->window, n, w);
	for (unsigned i = 0; i < n; i++) {
		cs[i] = cosl(2 * PI_LD * i / n);
		sn[i] = sinl(2 * PI_LD * i / n);
	}
	if (c->remove_dc) {
		int64_t sum = 0;

		for (unsigned i = 0; i < n; i++)
			sum += x[i];
		/* round half up: floor((sum + n/2) / n) */
		mean = sum + n / 2 >= 0 ? (sum + n / 2) / (int64_t)n
					: -((-(sum + n / 2) + n - 1) / (int64_t)n);
	}
	for (unsigned i = 0; i < n; i++) {
		const int64_t yi = (x[i] - mean) * (int64_t)w[i];
		const uint64_t a = yi < 0 ? (uint64_t)-yi : (uint64_t)yi;

		peak = a > peak ? a : peak;
		y[i] = (long double)(x[i] - mean) * w[i] / 32768;
	}
	*u = peak ? ldexpl(1, bitlen64(peak) - 29) : 0;
	for (unsigned k = 0; k <= n / 2; k++) {
		long double re = 0, im = 0;

		for (unsigned i = 0; i < n; i++) {
			const unsigned t = (unsigned)(((uint64_t)k * i) % n);

			re += y[i] * cs[t];
			im -= y[i] * sn[t];
		}
		m[k] = sqrtl(re * re + im * im) / n;
	}
}

/*
 * The range of bytes allowed for every output of the vector over frames
 * [start, start + fft_len) of interleaved int32 frames.
 */
static void ref_vector(const ts_spectrum_config *c, float scale, int32_t zp,
		       const int32_t *frames, size_t start, int8_t *lo, int8_t *hi)
{
	static int32_t x[MAX_N];
	static long double m[MAX_N / 2 + 1];
	const unsigned nv = ref_values(c);
	const long double gain = c->gain_q16 / 65536.0L, off = c->offset_q16 / 65536.0L;

	for (unsigned ch = 0; ch < c->num_channels; ch++) {
		long double u;

		for (unsigned i = 0; i < c->fft_len; i++)
			x[i] = frames[(start + i) * c->frame_channels + c->channels[ch]];
		ref_magnitudes(c, x, m, &u);
		for (unsigned b = 0; b < nv; b++) {
			unsigned k0, k1;
			long double mean = 0, e, vlo, vhi, flo, fhi;

			ref_band(c, b, &k0, &k1);
			for (unsigned k = k0; k < k1; k++)
				mean += m[k];
			mean /= k1 - k0;
			e = ABS_STEPS * u + REL * mean + ldexpl(1, -16);
			vlo = mean - e;
			vhi = mean + e;
			if (c->output == TS_SPECTRUM_LOG2) {
				vlo = log2l(fmaxl(vlo, ldexpl(1, -16))) - ldexpl(1, -15);
				vhi = log2l(fmaxl(vhi, ldexpl(1, -16))) + ldexpl(1, -15);
			}
			flo = (vlo - off) * gain;
			fhi = (vhi - off) * gain;
			if (gain < 0) {
				const long double t = flo;

				flo = fhi;
				fhi = t;
			}
			lo[ch * nv + b] = ref_quantize(flo, scale, zp);
			hi[ch * nv + b] = ref_quantize(fhi, scale, zp);
		}
	}
}

/* ---- running the library ------------------------------------------------------ */

/* Feeds n frames of fc values (int16 when s16, else int32) in chunks
 * (cycling; 0 = the rest), at most cap vectors per push; returns all
 * vectors. */
static int8_t *stream(ts_spectrum *sp, size_t fc, const int16_t *s16, const int32_t *s32,
		      size_t n, const size_t *chunks, size_t nchunks, size_t cap, size_t *nvec)
{
	const size_t bytes = ts_spectrum_feature_bytes(sp);
	const size_t want = ts_spectrum_features_for(sp, n);
	size_t pos = 0, made = 0, ci = 0;
	int8_t *out = malloc(want * bytes + 1);

	assert_non_null(out);
	while (pos < n) {
		size_t len = chunks[ci++ % nchunks], fed = 0;

		if (len == 0 || len > n - pos)
			len = n - pos;
		while (fed < len) {
			const size_t room = want - made < cap ? want - made : cap;
			const size_t at = (pos + fed) * fc;
			size_t used, k;

			k = s16 ? ts_spectrum_push_s16(sp, s16 + at, len - fed, &used,
						       out + made * bytes, room)
				: ts_spectrum_push_s32(sp, s32 + at, len - fed, &used,
						       out + made * bytes, room);
			assert_true(k <= room);
			if (used == 0)
				fail_msg("push made no progress at frame %zu", pos + fed);
			made += k;
			fed += used;
		}
		pos += len;
	}
	*nvec = made;
	return out;
}

static const size_t whole[] = { 0 };

struct tally {
	size_t bytes, single;
};

/* Runs frames (interleaved int32 view `ref`; pushed as s16 when s16 is
 * given) and checks every byte against the reference range. */
static void check_against_reference(const ts_spectrum_config *c, float scale, int32_t zp,
				    const int16_t *s16, const int32_t *frames, size_t n,
				    struct tally *t)
{
	ts_spectrum sp;
	const unsigned nv = ref_values(c);
	const size_t bytes = (size_t)c->num_channels * nv;
	int8_t *got, lo[TS_SPECTRUM_MAX_SAMPLES], hi[TS_SPECTRUM_MAX_SAMPLES];
	size_t nvec;

	assert_int_equal(ts_spectrum_init(&sp, c, scale, zp), TS_OK);
	assert_int_equal(ts_spectrum_feature_bytes(&sp), bytes);
	got = stream(&sp, c->frame_channels, s16, s16 ? NULL : frames, n, whole, 1, SIZE_MAX,
		     &nvec);
	assert_int_equal(nvec, n < c->fft_len ? 0 : (n - c->fft_len) / c->hop + 1);
	for (size_t v = 0; v < nvec; v++) {
		ref_vector(c, scale, zp, frames, v * c->hop, lo, hi);
		for (size_t i = 0; i < bytes; i++) {
			const int8_t q = got[v * bytes + i];

			if (q < lo[i] || q > hi[i])
				fail_msg("N %u window %u dc %u out %u bands %u: vector %zu channel %zu "
					 "value %zu is %d, reference allows %d..%d",
					 c->fft_len, c->window, c->remove_dc, c->output, c->bands, v,
					 i / nv, i % nv, q, lo[i], hi[i]);
			t->bytes++;
			t->single += lo[i] == hi[i];
		}
	}
	free(got);
}

static ts_spectrum_config base_config(unsigned n, unsigned window)
{
	ts_spectrum_config c;

	memset(&c, 0, sizeof(c));
	c.frame_channels = 1;
	c.num_channels = 1;
	c.fft_len = (uint16_t)n;
	c.hop = (uint16_t)n;
	c.window = (uint8_t)window;
	c.output = TS_SPECTRUM_MAGNITUDE;
	c.bands = TS_SPECTRUM_BINS;
	c.gain_q16 = 65536;
	return c;
}

/* ---- the FFT ------------------------------------------------------------------- */

static void test_fft_extension(void **state)
{
	static ts_rfft_q15 small;
	static ts_rfft_q15_1k big;
	static int16_t in[1024];
	static ts_cpx16 work[512], a[513], b[513];
	long double worst = 0;

	(void)state;
	/* up to 512: the same tables and the same bits as the audio FFT */
	for (unsigned n = 4; n <= 512; n *= 2) {
		assert_int_equal(ts_rfft_q15_init(&small, n), 0);
		assert_int_equal(ts_rfft_q15_1k_init(&big, n), 0);
		assert_int_equal(small.nstages, big.nstages);
		assert_memory_equal(small.radix, big.radix, small.nstages);
		assert_memory_equal(small.tw, big.tw, n / 2 * sizeof(ts_cpx16));
		assert_memory_equal(small.super_tw, big.super_tw, n / 4 * sizeof(ts_cpx16));
		assert_memory_equal(small.perm, big.perm, n / 2 * sizeof(uint16_t));
		for (int rep = 0; rep < 20; rep++) {
			for (unsigned i = 0; i < n; i++)
				in[i] = (int16_t)rnd_range(rep & 1 ? -16384 : INT16_MIN,
							   rep & 1 ? 16384 : INT16_MAX);
			ts_rfft_q15_apply(&small, in, work, a);
			ts_rfft_q15_1k_apply(&big, in, work, b);
			assert_memory_equal(a, b, (n / 2 + 1) * sizeof(ts_cpx16));
		}
	}
	assert_int_equal(ts_rfft_q15_init(&small, 1024), -1);
	assert_int_equal(ts_rfft_q15_1k_init(&big, 2048), -1);
	assert_int_equal(ts_rfft_q15_1k_init(&big, 768), -1);

	/* 1024: X[k] / 1024 within a few steps of a long double DFT, inputs
	 * within +-2^14 (the spectrum's scaling) including the worst cases
	 * for growth: constants, alternating signs, a chirp */
	assert_int_equal(ts_rfft_q15_1k_init(&big, 1024), 0);
	assert_int_equal(big.nstages, 5);   /* 512 = 4 4 4 4 2 */
	for (int kind = 0; kind < 8; kind++) {
		for (unsigned i = 0; i < 1024; i++) {
			switch (kind) {
			case 0: in[i] = 16384; break;
			case 1: in[i] = -16384; break;
			case 2: in[i] = i & 1 ? -16384 : 16384; break;
			case 3: in[i] = i == 517 ? -16384 : 0; break;
			case 4: in[i] = (int16_t)lroundl(16384 * cosl(PI_LD * i * i / 1024)); break;
			default: in[i] = (int16_t)rnd_range(-16384, 16384);
			}
		}
		ts_rfft_q15_1k_apply(&big, in, work, b);
		for (unsigned k = 0; k <= 512; k++) {
			long double re = 0, im = 0, err;

			for (unsigned i = 0; i < 1024; i++) {
				const long double ph = 2 * PI_LD * (long double)((k * i) % 1024) / 1024;

				re += in[i] * cosl(ph);
				im -= in[i] * sinl(ph);
			}
			re /= 1024;
			im /= 1024;
			/* up to 6e-4 low: the butterflies scale by
			 * floor(32767 / p) / 2^15, not 1 / p (rounding hides it
			 * when the values divide exactly) */
			err = hypotl(b[k].r - re, b[k].i - im);
			err = err > 7e-4L * hypotl(re, im) ? err - 7e-4L * hypotl(re, im) : 0;
			worst = err > worst ? err : worst;
			if (err > ABS_STEPS)
				fail_msg("1024-point FFT, input %d, bin %u: (%d, %d), reference (%.1Lf, %.1Lf)",
					 kind, k, b[k].r, b[k].i, re, im);
		}
	}
	printf("  1024-point FFT: largest error %.2Lf output steps beyond 7e-4 relative "
	       "(inputs within +-2^14)\n", worst);
}

/* ---- tables -------------------------------------------------------------------- */

static void test_window_tables(void **state)
{
	static uint16_t want[MAX_N], got[MAX_N];
	ts_spectrum sp;

	(void)state;
	for (unsigned n = TS_SPECTRUM_MIN_FFT; n <= MAX_N; n *= 2) {
		for (unsigned kind = 0; kind < 3; kind++) {
			ts_spectrum_config c = base_config(n, kind);

			assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
			ref_window(kind, n, want);
			assert_int_equal(ts_spectrum_window_q15(&sp, got, MAX_N), n);
			assert_memory_equal(got, want, n * sizeof(got[0]));
		}
	}
	/* spot values: Hann 0 at 0 and 1.0 in the middle; Hamming 0.08 and 1 */
	{
		ts_spectrum_config c = base_config(256, TS_SPECTRUM_HANN);

		assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
		assert_int_equal(ts_spectrum_window_q15(&sp, got, 2), 256);
		assert_int_equal(got[0], 0);
		assert_int_equal(got[1], 5);     /* 32768 (1 - cos(2 pi / 256)) / 2 = 4.93 */
		c.window = TS_SPECTRUM_HAMMING;
		assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
		assert_int_equal(ts_spectrum_window_q15(&sp, got, MAX_N), 256);
		assert_int_equal(got[0], 2621);  /* 0.08 * 32768 = 2621.44 */
		assert_int_equal(got[128], 32768);
	}
	assert_int_equal(ts_spectrum_window_q15(NULL, got, MAX_N), 0);
}

/* ---- hand-checked -------------------------------------------------------------- */

static void sine(int32_t *x, size_t n, long double amp, long double cycles_per_n, unsigned len,
		 long double phase)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int32_t)lroundl(amp * cosl(2 * PI_LD * cycles_per_n * i / len + phase));
}

static void test_sine_on_bin(void **state)
{
	static int32_t x32[1024];
	static int16_t x16[1024];
	int8_t out[513];
	ts_spectrum sp;
	size_t used;

	(void)state;
	for (unsigned n = 256; n <= 1024; n *= 4) {
		const unsigned k0 = n == 256 ? 10 : 301;

		/* rectangular: A / 2 = 5000 at k0 -> 100 at scale 50; 0 elsewhere */
		for (int is32 = 0; is32 < 2; is32++) {
			ts_spectrum_config c = base_config(n, TS_SPECTRUM_RECTANGULAR);
			const long double amp = is32 ? 10000.0L * 65536 : 10000.0L;

			sine(x32, n, amp, k0, n, 0.3L);
			for (unsigned i = 0; i < n; i++)
				x16[i] = (int16_t)x32[i];
			assert_int_equal(ts_spectrum_init(&sp, &c, is32 ? 50.0f * 65536 : 50.0f, 0), TS_OK);
			assert_int_equal(is32 ? ts_spectrum_push_s32(&sp, x32, n, &used, out, 1)
					      : ts_spectrum_push_s16(&sp, x16, n, &used, out, 1), 1);
			for (unsigned k = 0; k <= n / 2; k++)
				if (out[k] != (k == k0 ? 100 : 0))
					fail_msg("N %u rectangular: bin %u is %d", n, k, out[k]);

			/* Hann: A / 4 at k0 (50), A / 8 next to it (25) */
			c.window = TS_SPECTRUM_HANN;
			assert_int_equal(ts_spectrum_init(&sp, &c, is32 ? 50.0f * 65536 : 50.0f, 0), TS_OK);
			assert_int_equal(is32 ? ts_spectrum_push_s32(&sp, x32, n, &used, out, 1)
					      : ts_spectrum_push_s16(&sp, x16, n, &used, out, 1), 1);
			for (unsigned k = 0; k <= n / 2; k++) {
				const int want = k == k0 ? 50 : k + 1 == k0 || k == k0 + 1 ? 25 : 0;

				if (out[k] != want)
					fail_msg("N %u Hann: bin %u is %d, want %d", n, k, out[k], want);
			}
		}
	}
}

static void test_dc_and_impulse(void **state)
{
	static int16_t x[256];
	int8_t out[129];
	ts_spectrum sp;
	ts_spectrum_config c = base_config(256, TS_SPECTRUM_RECTANGULAR);
	size_t used;

	(void)state;
	/* a constant: all of it in bin 0 (1234 -> 123.4 -> 123) */
	for (int i = 0; i < 256; i++)
		x[i] = 1234;
	assert_int_equal(ts_spectrum_init(&sp, &c, 10.0f, 0), TS_OK);
	assert_int_equal(ts_spectrum_push_s16(&sp, x, 256, &used, out, 1), 1);
	assert_int_equal(out[0], 123);
	for (int k = 1; k <= 128; k++)
		assert_int_equal(out[k], 0);
	/* negative, full scale: |-32768| = 32768 -> 109.2 at scale 300 */
	for (int i = 0; i < 256; i++)
		x[i] = INT16_MIN;
	assert_int_equal(ts_spectrum_init(&sp, &c, 300.0f, -1), TS_OK);
	assert_int_equal(ts_spectrum_push_s16(&sp, x, 256, &used, out, 1), 1);
	assert_int_equal(out[0], 108);
	for (int k = 1; k <= 128; k++)
		assert_int_equal(out[k], -1);

	/* DC removal leaves nothing: every log2 is the floor, -16 */
	c.remove_dc = 1;
	c.output = TS_SPECTRUM_LOG2;
	for (int i = 0; i < 256; i++)
		x[i] = 1234;
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
	assert_int_equal(ts_spectrum_push_s16(&sp, x, 256, &used, out, 1), 1);
	for (int k = 0; k <= 128; k++)
		assert_int_equal(out[k], -16);

	/* an impulse: flat, A / N = 12800 / 256 = 50 (10 at scale 5) with the
	 * rectangular window, and with Hann when it sits in the middle
	 * (weight 1); anywhere else A w[n0] / N, still flat */
	for (unsigned w = 0; w < 2; w++) {
		c = base_config(256, w);
		memset(x, 0, sizeof(x));
		x[w ? 128 : 37] = 12800;
		assert_int_equal(ts_spectrum_init(&sp, &c, 5.0f, -100), TS_OK);
		assert_int_equal(ts_spectrum_push_s16(&sp, x, 256, &used, out, 1), 1);
		for (int k = 0; k <= 128; k++)
			if (out[k] != -90)
				fail_msg("impulse, window %u: bin %d is %d, want -90 (flat)", w, k, out[k]);
	}
	{
		uint16_t w[256];
		int8_t lo = 127, hi = -128;

		c = base_config(256, TS_SPECTRUM_HANN);
		memset(x, 0, sizeof(x));
		x[37] = 12800;
		ref_window(TS_SPECTRUM_HANN, 256, w);
		/* 12800 w[37] / 32768 / 256 = 9.66.  Each bin is only ~39 FFT
		 * steps u (0.25 here: the energy is spread over 256 bins), and
		 * the error stays within 2 u: at scale 1 every bin reads 9 or 10 */
		assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
		assert_int_equal(ts_spectrum_push_s16(&sp, x, 256, &used, out, 1), 1);
		for (int k = 0; k <= 128; k++) {
			lo = out[k] < lo ? out[k] : lo;
			hi = out[k] > hi ? out[k] : hi;
		}
		assert_int_equal(lroundl(12800.0L * w[37] / 32768 / 256), 10);
		assert_true(lo >= 9 && hi <= 10);
	}
}

/* ---- against the reference ----------------------------------------------------- */

/* Random signals of the given type on fc interleaved channels. */
static void make_signal(int32_t *f, int16_t *f16, size_t n, size_t fc, int is32)
{
	const long double full = is32 ? 2147483647.0L : 32767.0L;

	for (size_t ch = 0; ch < fc; ch++) {
		const int kind = (int)(rnd() % 4);
		const long double amp = full * ldexpl(1, -(int)(rnd() % (is32 ? 30 : 14)));
		const long double dc = (rnd_unit() - 0.5L) * amp;
		const long double f1 = rnd_unit() * 0.5L, f2 = rnd_unit() * 0.5L;

		for (size_t i = 0; i < n; i++) {
			long double v;

			switch (kind) {
			case 0: /* two tones and a DC offset */
				v = dc + 0.5L * amp * cosl(2 * PI_LD * f1 * i) +
				    0.3L * amp * sinl(2 * PI_LD * f2 * i + 1);
				break;
			case 1: /* noise */
				v = (rnd_unit() * 2 - 1) * amp;
				break;
			case 2: /* a tone and a little noise */
				v = amp * 0.9L * cosl(2 * PI_LD * f1 * i) + (rnd_unit() - 0.5L) * amp * 0.01L;
				break;
			default: /* square wave */
				v = ((size_t)(i * f1 * 2) & 1) ? amp : -amp;
			}
			if (v > full)
				v = full;
			if (v < -full - 1)
				v = -full - 1;
			f[i * fc + ch] = (int32_t)lroundl(v);
			if (f16)
				f16[i * fc + ch] = (int16_t)f[i * fc + ch];
		}
	}
}

static void random_config(ts_spectrum_config *c, float *scale, int32_t *zp, int is32)
{
	static const unsigned lens[] = { 8, 16, 32, 64, 128, 256, 512, 1024 };
	const unsigned n = lens[rnd() % 8];
	const unsigned bins = n / 2 + 1;
	const long double full = is32 ? 2147483647.0L : 32767.0L;

	memset(c, 0, sizeof(*c));
	c->frame_channels = (uint16_t)(1 + rnd() % 5);
	c->num_channels = (uint8_t)(1 + rnd() % c->frame_channels);
	while ((unsigned)c->num_channels * n > TS_SPECTRUM_MAX_SAMPLES)
		c->num_channels--;
	for (unsigned i = 0; i < c->num_channels; i++)
		c->channels[i] = (uint8_t)(rnd() % c->frame_channels);
	c->fft_len = (uint16_t)n;
	c->hop = (uint16_t)(1 + rnd() % (2 * n));
	c->window = (uint8_t)(rnd() % 3);
	c->remove_dc = (uint8_t)(rnd() % 2);
	c->output = (uint8_t)(rnd() % 2);
	c->bands = (uint8_t)(rnd() % 3);
	if (c->bands == TS_SPECTRUM_EQUAL_BANDS) {
		c->first_bin = (uint16_t)(rnd() % (bins / 2));
		c->end_bin = (uint16_t)(rnd() % 2 ? 0 : c->first_bin + 1 + rnd() % (bins - c->first_bin));
		{
			const unsigned w = (c->end_bin ? c->end_bin : bins) - c->first_bin;
			const unsigned maxb = w < TS_SPECTRUM_MAX_BANDS ? w : TS_SPECTRUM_MAX_BANDS;

			c->num_bands = (uint16_t)(1 + rnd() % maxb);
		}
	} else if (c->bands == TS_SPECTRUM_BAND_EDGES) {
		unsigned e = rnd() % 3;

		c->num_bands = 0;
		c->band_edges[0] = (uint16_t)e;
		while (c->num_bands < TS_SPECTRUM_MAX_BANDS && e + 1 <= bins) {
			e += 1 + rnd() % (1 + bins / 8);
			if (e > bins)
				break;
			c->band_edges[++c->num_bands] = (uint16_t)e;
		}
		if (c->num_bands == 0) {
			c->band_edges[0] = 0;
			c->band_edges[1] = (uint16_t)bins;
			c->num_bands = 1;
		}
	}
	c->gain_q16 = rnd_range(16384, 4 * 65536) * (rnd() % 4 ? 1 : -1);
	*zp = rnd_range(-128, 127);
	if (c->output == TS_SPECTRUM_LOG2) {
		/* log2 of magnitudes: -16 .. 31; steps of 1/8 .. 1/2 */
		*scale = (float)(0.125L + rnd_unit() * 0.375L);
		c->offset_q16 = (int64_t)rnd_range(-4, is32 ? 28 : 12) * 65536 + rnd_range(0, 65535);
	} else {
		/* magnitudes up to ~full / 2: scale so the largest fills ~200 steps */
		*scale = (float)(full * ldexpl(1, -(int)(rnd() % (is32 ? 30 : 14))) / 200);
		c->offset_q16 = rnd() % 2 ? 0 : (int64_t)(*scale * 65536.0L * rnd_range(-50, 50));
	}
}

static void test_against_reference(void **state)
{
	enum { FRAMES = 2600 };
	int32_t *f = malloc(FRAMES * 5 * sizeof(*f));
	int16_t *f16 = malloc(FRAMES * 5 * sizeof(*f16));
	struct tally t = { 0, 0 };
	int configs = 0;

	(void)state;
	assert_non_null(f);
	assert_non_null(f16);
	for (int rep = 0; rep < 60; rep++) {
		const int is32 = rep % 3 == 2;
		ts_spectrum_config c;
		float scale;
		int32_t zp;
		size_t n;

		random_config(&c, &scale, &zp, is32);
		/* a handful of vectors each: enough frames for 2..6 windows */
		n = c.fft_len + (size_t)c.hop * (1 + rnd() % 5);
		if (n > FRAMES)
			n = FRAMES;
		make_signal(f, is32 ? NULL : f16, n, c.frame_channels, is32);
		check_against_reference(&c, scale, zp, is32 ? NULL : f16, f, n, &t);
		configs++;
	}
	printf("  %d random configurations: %zu bytes within the reference range, %zu (%.1f%%) "
	       "of them the only byte allowed\n", configs, t.bytes, t.single,
	       100.0 * t.single / t.bytes);
	assert_true(t.single * 10 >= t.bytes * 8);
	free(f16);
	free(f);
}

/* Measured magnitude error in steps u: the offset trick (linear output,
 * scale u / 16, offset = the reference magnitude) shows
 * 16 * (m - m_ref) / u per bin. */
static void test_precision(void **state)
{
	static int32_t x[1024];
	static long double m[513];
	long double worst_abs = 0, worst_rel = 0;
	int measured = 0;

	(void)state;
	for (int rep = 0; rep < 24; rep++) {
		const unsigned n = rep % 2 ? 1024 : 256;
		ts_spectrum_config c = base_config(n, (unsigned)(rep / 2) % 3);
		const int is32 = rep % 4 >= 2;
		long double u;

		c.remove_dc = (uint8_t)(rep % 3 == 0);
		if (rep % 3 == 1) {
			/* a strong tone: the bins far above u show the relative error */
			sine(x, n, is32 ? 2e9L : 32000.0L, (long double)(rnd() % (n / 2 - 2) + 1) +
			     (rep % 2 ? 0.0L : 0.37L), n, 0.1L);
		} else {
			make_signal(x, NULL, n, 1, is32);
		}
		ref_magnitudes(&c, x, m, &u);
		for (int j = 0; j < 12; j++) {
			unsigned k = j < 3 ? (unsigned)j * (n / 4) : rnd() % (n / 2 + 1);
			ts_spectrum sp;
			int8_t out[513];
			size_t used;
			long double err;

			if (u == 0)
				break;
			if (j == 3) {
				/* and the largest bin */
				for (unsigned i = 0; i <= n / 2; i++)
					k = m[i] > m[k] ? i : k;
			}
			c.offset_q16 = llroundl(m[k] * 65536);
			assert_int_equal(ts_spectrum_init(&sp, &c, (float)(u / 16), 0), TS_OK);
			assert_int_equal(ts_spectrum_push_s32(&sp, x, n, &used, out, 1), 1);
			err = out[k] / 16.0L;
			if (out[k] == 127 || out[k] == -128)
				fail_msg("N %u bin %u: error beyond 8 steps (m %.1Lf, u %Lg)", n, k, m[k], u);
			if (fabsl(err) > ABS_STEPS + REL * m[k] / u)
				fail_msg("N %u bin %u: error %.3Lf steps, m / u = %.0Lf", n, k, err, m[k] / u);
			if (m[k] / u < 1000)
				worst_abs = fmaxl(worst_abs, fabsl(err));
			else if (m[k] / u > 4000)
				worst_rel = fmaxl(worst_rel, fabsl(err) * u / m[k]);
			measured++;
		}
	}
	printf("  %d bins measured: error up to %.2Lf steps u (bins below 1000 u), %.1Le relative "
	       "(bins above 4000 u); tolerance %.0Lf u + %.0Le\n", measured, worst_abs, worst_rel,
	       ABS_STEPS, REL);
}

static void test_edge_values(void **state)
{
	enum { N = 512, FRAMES = 2 * N };
	static int32_t f[FRAMES * 2];
	static int16_t f16[FRAMES * 2];
	struct tally t = { 0, 0 };

	(void)state;
	for (int kind = 0; kind < 6; kind++) {
		for (int is32 = 0; is32 < 2; is32++) {
			const int32_t lo = is32 ? INT32_MIN : INT16_MIN, hi = is32 ? INT32_MAX : INT16_MAX;

			for (int i = 0; i < FRAMES; i++) {
				int32_t a, b;

				switch (kind) {
				case 0: a = i & 1 ? lo : hi; break;            /* Nyquist */
				case 1: a = lo; break;                         /* constant */
				case 2: a = hi; break;
				case 3: a = (i / 7) & 1 ? lo : hi; break;      /* square */
				case 4: a = i % 97 == 0 ? lo : 0; break;       /* impulses */
				default: a = is32 ? (int32_t)rnd() : rnd_range(lo, hi);
				}
				b = kind == 5 ? (i & 2 ? lo : hi) : (int32_t)(rnd() & 1 ? lo : hi);
				f[2 * i] = a;
				f[2 * i + 1] = b;
				f16[2 * i] = (int16_t)a;
				f16[2 * i + 1] = (int16_t)b;
			}
			for (int dc = 0; dc < 2; dc++) {
				for (unsigned w = 0; w < 3; w++) {
					ts_spectrum_config c = base_config(N, w);
					const float full = is32 ? 2147483648.0f : 32768.0f;

					c.frame_channels = 2;
					c.num_channels = 2;
					c.channels[0] = 0;
					c.channels[1] = 1;
					c.hop = N / 2;
					c.remove_dc = (uint8_t)dc;
					check_against_reference(&c, full / 127, -128, is32 ? NULL : f16, f,
								FRAMES, &t);
					c.output = TS_SPECTRUM_LOG2;
					c.bands = TS_SPECTRUM_EQUAL_BANDS;
					c.num_bands = 16;
					check_against_reference(&c, 0.25f, -128, is32 ? NULL : f16, f,
								FRAMES, &t);
				}
			}
		}
	}
	printf("  int16 and int32 extremes: %zu bytes within the reference range\n", t.bytes);
}

/* ---- layout and streaming ------------------------------------------------------- */

static void test_layout(void **state)
{
	enum { N = 256, FC = 4 };
	static int16_t f[N * FC];
	int8_t out[2 * 8];
	ts_spectrum_config c = base_config(N, TS_SPECTRUM_HANN);
	ts_spectrum sp;
	size_t used;

	(void)state;
	/* frame: [noise, tone in band 5, tone in band 1, noise]; analyse
	 * channels 2 then 1 in 8 equal bands of 16 bins over bins 0..127 */
	for (int i = 0; i < N; i++) {
		f[i * FC + 0] = (int16_t)rnd_range(-30000, 30000);
		f[i * FC + 1] = (int16_t)lroundl(20000 * cosl(2 * PI_LD * 88 * i / N));
		f[i * FC + 2] = (int16_t)lroundl(20000 * cosl(2 * PI_LD * 24 * i / N));
		f[i * FC + 3] = (int16_t)rnd_range(-30000, 30000);
	}
	c.frame_channels = FC;
	c.num_channels = 2;
	c.channels[0] = 2;
	c.channels[1] = 1;
	c.bands = TS_SPECTRUM_EQUAL_BANDS;
	c.num_bands = 8;
	c.first_bin = 0;
	c.end_bin = 128;
	c.output = TS_SPECTRUM_LOG2;
	assert_int_equal(ts_spectrum_init(&sp, &c, 0.125f, -128), TS_OK);
	assert_int_equal(ts_spectrum_feature_bytes(&sp), 16);
	assert_int_equal(ts_spectrum_push_s16(&sp, f, N, &used, out, 1), 1);
	for (int ch = 0; ch < 2; ch++) {
		const int band = ch == 0 ? 1 : 5;   /* bin 24 -> band 1, bin 88 -> band 5 */

		for (int b = 0; b < 8; b++)
			if (b != band)
				assert_true(out[ch * 8 + band] > out[ch * 8 + b] + 40);
	}
}

static void test_streaming(void **state)
{
	enum { FRAMES = 5000, FC = 3 };
	int16_t *s16 = malloc(FRAMES * FC * sizeof(*s16));
	int32_t *s32 = malloc(FRAMES * FC * sizeof(*s32));
	size_t rand_chunks[64];
	const ts_spectrum_config *vib = ts_spectrum_preset("vibration");

	(void)state;
	assert_non_null(s16);
	assert_non_null(s32);
	assert_non_null(vib);
	make_signal(s32, s16, FRAMES, FC, 0);
	for (int i = 0; i < 64; i++)
		rand_chunks[i] = 1 + rnd() % 700;
	for (int cfgi = 0; cfgi < 4; cfgi++) {
		ts_spectrum_config c = *vib;
		ts_spectrum sp;
		size_t hop_chunk[1], nref, ngot;
		static const size_t one[] = { 1 }, seven[] = { 7 };
		int8_t *ref, *got;

		if (cfgi == 1) {
			c.fft_len = 1024;
			c.hop = 100;
			c.bands = TS_SPECTRUM_BINS;
			c.output = TS_SPECTRUM_MAGNITUDE;
		} else if (cfgi == 2) {
			c.fft_len = 64;
			c.hop = 300;        /* longer than the window */
			c.end_bin = 0;      /* bins 1..32 */
			c.num_bands = 8;
			c.num_channels = 2;
			c.channels[0] = 2;
			c.channels[1] = 2;
		} else if (cfgi == 3) {
			c.fft_len = 8;
			c.hop = 1;
			c.bands = TS_SPECTRUM_BAND_EDGES;
			c.num_bands = 2;
			c.band_edges[0] = 0;
			c.band_edges[1] = 2;
			c.band_edges[2] = 5;
		}
		hop_chunk[0] = c.hop;
		assert_int_equal(ts_spectrum_init(&sp, &c, 0.25f, 3), TS_OK);
		ref = stream(&sp, FC, s16, NULL, FRAMES, whole, 1, SIZE_MAX, &nref);
		assert_int_equal(nref, (FRAMES - c.fft_len) / c.hop + 1);
		{
			const struct {
				const size_t *ch;
				size_t n, cap;
			} runs[] = {
				{ one, 1, SIZE_MAX }, { seven, 1, SIZE_MAX }, { hop_chunk, 1, SIZE_MAX },
				{ rand_chunks, 64, SIZE_MAX }, { whole, 1, 1 }, { rand_chunks, 64, 1 },
				{ seven, 1, 3 },
			};

			for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
				ts_spectrum_reset(&sp);
				got = stream(&sp, FC, s16, NULL, FRAMES, runs[r].ch, runs[r].n,
					     runs[r].cap, &ngot);
				assert_int_equal(ngot, nref);
				assert_memory_equal(got, ref, nref * ts_spectrum_feature_bytes(&sp));
				free(got);
			}
			/* the same values as int32 give the same bytes */
			ts_spectrum_reset(&sp);
			got = stream(&sp, FC, NULL, s32, FRAMES, rand_chunks, 64, SIZE_MAX, &ngot);
			assert_int_equal(ngot, nref);
			assert_memory_equal(got, ref, nref * ts_spectrum_feature_bytes(&sp));
			free(got);
		}
		/* mixing s16 and s32 pushes on one stream */
		{
			size_t pos = 0, made = 0, used;
			const size_t bytes = ts_spectrum_feature_bytes(&sp);

			got = malloc(nref * bytes);
			assert_non_null(got);
			ts_spectrum_reset(&sp);
			for (int i = 0; pos < FRAMES; i++) {
				size_t len = rand_chunks[i % 64];

				if (len > FRAMES - pos)
					len = FRAMES - pos;
				made += i & 1 ? ts_spectrum_push_s32(&sp, s32 + pos * FC, len, &used,
								     got + made * bytes, nref - made)
					      : ts_spectrum_push_s16(&sp, s16 + pos * FC, len, &used,
								     got + made * bytes, nref - made);
				assert_int_equal(used, len);
				pos += len;
			}
			assert_int_equal(made, nref);
			assert_memory_equal(got, ref, nref * bytes);
			free(got);
		}
		free(ref);
	}
	free(s32);
	free(s16);
}

static void test_push_contract(void **state)
{
	ts_spectrum_config c = base_config(16, TS_SPECTRUM_HANN);
	ts_spectrum sp;
	int16_t zeros[200] = { 0 };
	int8_t out[10 * 9];
	size_t used;

	(void)state;
	c.hop = 4;
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
	assert_int_equal(ts_spectrum_feature_bytes(&sp), 9);
	assert_int_equal(ts_spectrum_features_for(&sp, 15), 0);
	assert_int_equal(ts_spectrum_features_for(&sp, 16), 1);
	assert_int_equal(ts_spectrum_features_for(&sp, 19), 1);
	assert_int_equal(ts_spectrum_features_for(&sp, 20), 2);
	/* no room: stops one frame short of the first vector */
	assert_int_equal(ts_spectrum_push_s16(&sp, zeros, 200, &used, NULL, 0), 0);
	assert_int_equal(used, 15);
	/* room for 2: completes frames 16 and 20, stops before 24 */
	assert_int_equal(ts_spectrum_push_s16(&sp, zeros, 200, &used, out, 2), 2);
	assert_int_equal(used, 8);
	assert_int_equal(ts_spectrum_features_for(&sp, 1), 1);
	/* silence: magnitude 0 everywhere */
	for (int i = 0; i < 18; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(ts_spectrum_push_s16(&sp, zeros, 10, NULL, out, 10), 3);
	assert_int_equal(ts_spectrum_push_s16(&sp, NULL, 5, &used, out, 1), 0);
	assert_int_equal(used, 0);
	assert_int_equal(ts_spectrum_push_s32(&sp, NULL, 0, &used, out, 1), 0);
	assert_int_equal(ts_spectrum_push_s16(&sp, zeros, 5, &used, NULL, 1), 0);
	assert_int_equal(used, 0);
	ts_spectrum_reset(&sp);
	assert_int_equal(ts_spectrum_features_for(&sp, 15), 0);
	ts_spectrum_reset(NULL);
	assert_int_equal(ts_spectrum_feature_bytes(NULL), 0);
	assert_int_equal(ts_spectrum_features_for(NULL, 100), 0);
}

static void test_invalid_configs(void **state)
{
	const ts_spectrum_config *p = ts_spectrum_preset("vibration");
	ts_spectrum_config c;
	ts_spectrum sp;
	int16_t x[3 * 300] = { 0 };
	int8_t out[1024];
	size_t used;

	(void)state;
	assert_non_null(p);
	assert_null(ts_spectrum_preset("vibration2"));
	assert_null(ts_spectrum_preset(NULL));
	assert_int_equal(ts_spectrum_init(NULL, p, 1.0f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, NULL, 1.0f, 0), TS_OK);
	assert_int_equal(ts_spectrum_feature_bytes(&sp), 3 * 32);

#define REJECT(stmt) do { \
		c = *p; \
		stmt; \
		assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_ERR_INVALID_ARG); \
		assert_int_equal(ts_spectrum_feature_bytes(&sp), 0); \
		assert_int_equal(ts_spectrum_push_s16(&sp, x, 300, &used, out, 4), 0); \
		assert_int_equal(used, 0); \
	} while (0)
	REJECT(c.frame_channels = 0);
	REJECT(c.frame_channels = TS_SPECTRUM_MAX_FRAME_CHANNELS + 1);
	REJECT(c.num_channels = 0);
	REJECT(c.num_channels = TS_SPECTRUM_MAX_CHANNELS + 1);
	REJECT(c.channels[2] = 3);
	REJECT(c.fft_len = 4);
	REJECT(c.fft_len = 2048);
	REJECT(c.fft_len = 384);
	REJECT(c.fft_len = 0);
	REJECT((c.fft_len = 1024, c.num_channels = 5, c.frame_channels = 5, c.bands = 0));
	REJECT(c.hop = 0);
	REJECT(c.window = 3);
	REJECT(c.remove_dc = 2);
	REJECT(c.output = 2);
	REJECT(c.bands = 3);
	REJECT(c.gain_q16 = 0);
	REJECT(c.offset_q16 = ((int64_t)1 << 60) + 1);
	REJECT(c.offset_q16 = -((int64_t)1 << 60) - 1);
	/* equal bands */
	REJECT(c.num_bands = 0);
	REJECT(c.num_bands = TS_SPECTRUM_MAX_BANDS + 1);
	REJECT(c.end_bin = 130);                 /* beyond 129 bins */
	REJECT((c.first_bin = 10, c.end_bin = 10));
	REJECT((c.first_bin = 10, c.end_bin = 20, c.num_bands = 11));   /* empty bands */
	/* band edges */
	REJECT((c.bands = TS_SPECTRUM_BAND_EDGES, c.num_bands = 2, c.band_edges[0] = 0,
		c.band_edges[1] = 5, c.band_edges[2] = 5));
	REJECT((c.bands = TS_SPECTRUM_BAND_EDGES, c.num_bands = 2, c.band_edges[0] = 6,
		c.band_edges[1] = 5, c.band_edges[2] = 9));
	REJECT((c.bands = TS_SPECTRUM_BAND_EDGES, c.num_bands = 1, c.band_edges[0] = 0,
		c.band_edges[1] = 130));
#undef REJECT
	/* the limits themselves are fine */
	c = *p;
	c.fft_len = 1024;
	c.num_channels = 4;
	c.frame_channels = 4;
	c.channels[3] = 3;
	c.bands = TS_SPECTRUM_BAND_EDGES;
	c.num_bands = 1;
	c.band_edges[0] = 0;
	c.band_edges[1] = 513;
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
	c.bands = TS_SPECTRUM_BINS;
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
	assert_int_equal(ts_spectrum_feature_bytes(&sp), 4 * 513);
	c.fft_len = 8;
	c.num_channels = 16;
	for (int i = 0; i < 16; i++)
		c.channels[i] = (uint8_t)(i % 4);
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);

	/* model input quantization */
	c = *p;
	assert_int_equal(ts_spectrum_init(&sp, &c, 0.0f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, -0.5f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, NAN, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, INFINITY, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 128), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, -129), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, 1e15f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, 1e-15f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_spectrum_init(&sp, &c, 1e13f, 0), TS_OK);
	assert_int_equal(ts_spectrum_init(&sp, &c, 1e-13f, 0), TS_OK);
	c.gain_q16 = INT32_MIN;
	assert_int_equal(ts_spectrum_init(&sp, &c, 1.0f, 0), TS_OK);
}

/* ---- cost ----------------------------------------------------------------------------- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void test_cost(void **state)
{
	static int16_t x[1024 * 64];
	static int8_t out[129 * 256];

	(void)state;
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		x[i] = (int16_t)rnd_range(-20000, 20000);
	for (unsigned n = 256; n <= 1024; n *= 4) {
		for (int mode = 0; mode < 2; mode++) {
			ts_spectrum_config c = base_config(n, TS_SPECTRUM_HANN);
			ts_spectrum sp;
			const size_t frames = sizeof(x) / sizeof(x[0]);
			size_t vectors = 0, used;
			double t0, best = 1e30;

			c.remove_dc = 1;
			if (mode) {
				c.output = TS_SPECTRUM_LOG2;
				c.bands = TS_SPECTRUM_EQUAL_BANDS;
				c.num_bands = 32;
			}
			assert_int_equal(ts_spectrum_init(&sp, &c, 0.25f, 0), TS_OK);
			for (int rep = 0; rep < 5; rep++) {
				ts_spectrum_reset(&sp);
				t0 = now_us();
				vectors = ts_spectrum_push_s16(&sp, x, frames, &used, out, frames / n);
				best = fmin(best, (now_us() - t0) / vectors);
			}
			assert_int_equal(vectors, frames / n);
			printf("  %4u-point frame, 1 channel, %s: %.1f us\n", n,
			       mode ? "log2, 32 bands" : "magnitude, all bins", best);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fft_extension),
		cmocka_unit_test(test_window_tables),
		cmocka_unit_test(test_sine_on_bin),
		cmocka_unit_test(test_dc_and_impulse),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_edge_values),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_push_contract),
		cmocka_unit_test(test_invalid_configs),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
