/* SPDX-License-Identifier: MIT */
/*
 * Anomaly detector (lib/detect/anomaly.c): the common fixed-point domain and
 * its tables against a double reference and hand values; the
 * reconstruction-error score against the exact double MSE within the bound
 * documented in tinysense/anomaly.h; calibration mean/std by hand (including
 * sums past 2^64) and against a double reference; the 128-bit helpers
 * against unsigned __int128; thresholds and hysteresis on a constructed
 * score sequence; reset; argument checks.  Needs -lm.
 *
 * Tolerances (from anomaly.h):
 *   score: |score - MSE * 2^2F| <= 2 * mean(|D_i|) + 3/2, D_i the exact
 *          difference in units of 2^-F;
 *   mean:  within 1/2 of the mean of the integer scores;
 *   std:   within 1/2 + 1/M of the population std of the integer scores;
 *   against the real-valued MSEs both widen by the largest score error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <tinysense/anomaly.h>

#include "detect/anomaly_impl.h"
#include "detect/detect_math.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int8_t rnd_i8(void)
{
	return (int8_t)(int)(rnd64() % 256 - 128);
}

/* ---- 128-bit helpers --------------------------------------------------------- */

typedef unsigned __int128 u128;

static u128 to_native(ts_u128 v)
{
	return (u128)v.hi << 64 | v.lo;
}

static ts_u128 from_native(u128 v)
{
	ts_u128 r = { (uint64_t)(v >> 64), (uint64_t)v };

	return r;
}

/* floor(sqrt(v)) checked by definition: r^2 <= v < (r + 1)^2. */
static void check_isqrt(u128 v)
{
	const uint64_t r = ts_u128_isqrt(from_native(v));
	const u128 r1 = (u128)r + 1;

	assert_true((u128)r * r <= v);
	assert_true(r1 * r1 > v); /* callers keep v < 2^126: no overflow */
}

static void test_u128_helpers(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		const uint64_t a = rnd64() >> (rnd64() % 64), b = rnd64() >> (rnd64() % 64);
		const u128 x = (u128)rnd64() << 64 | rnd64(), y = (u128)rnd64() << 64 | rnd64();

		assert_true(to_native(ts_u128_mul64(a, b)) == (u128)a * b);
		assert_true(to_native(ts_u128_add(from_native(x), from_native(y))) == x + y);
		assert_true(to_native(ts_u128_sub(from_native(x), from_native(y))) == x - y);
		assert_int_equal(ts_u128_cmp(from_native(x), from_native(y)),
				 x < y ? -1 : x > y ? 1 : 0);
		if (x >> 126 == 0) /* keep (r + 1)^2 representable */
			check_isqrt(x >> (rnd64() % 126));
	}
	/* Hand values. */
	assert_int_equal(ts_u128_isqrt(from_native(0)), 0);
	assert_int_equal(ts_u128_isqrt(from_native(1)), 1);
	assert_int_equal(ts_u128_isqrt(from_native(3)), 1);
	assert_int_equal(ts_u128_isqrt(from_native(4)), 2);
	assert_int_equal(ts_u128_isqrt(from_native((u128)1 << 124)), (uint64_t)1 << 62);
	assert_int_equal(ts_u128_isqrt(from_native(((u128)1 << 124) - 1)), ((uint64_t)1 << 62) - 1);
	/* (2^64 - 1)^2 and 2^128 - 1 both have root 2^64 - 1. */
	assert_true(ts_u128_isqrt(from_native((u128)UINT64_MAX * UINT64_MAX)) == UINT64_MAX);
	assert_true(ts_u128_isqrt(from_native(~(u128)0)) == UINT64_MAX);
	assert_true(ts_u128_isqrt(from_native((u128)UINT64_MAX * UINT64_MAX - 1)) ==
		    UINT64_MAX - 1);
}

/* ---- tables ------------------------------------------------------------------ */

/* Largest F with every |s * (q - zp)| * 2^F < 2^14 (ldexp is exact). */
static int ref_frac(float s_in, int32_t zp_in, float s_out, int32_t zp_out)
{
	const double dev_in = zp_in + 128 > 127 - zp_in ? zp_in + 128 : 127 - zp_in;
	const double dev_out = zp_out + 128 > 127 - zp_out ? zp_out + 128 : 127 - zp_out;
	const double a = (double)s_in * dev_in, b = (double)s_out * dev_out;
	const double maxv = a > b ? a : b;
	int f = 0;

	while (ldexp(maxv, f) >= 16384.0)
		f--;
	while (ldexp(maxv, f + 1) < 16384.0)
		f++;
	return f;
}

/* round(s * (q - zp) * 2^F), ties away from zero: the product is exact in
 * double, and so is round(). */
static int16_t ref_value(float s, int32_t zp, int q, int f)
{
	return (int16_t)round(ldexp((double)s * (q - zp), f));
}

static void ref_tables(float s_in, int32_t zp_in, float s_out, int32_t zp_out,
		       int16_t *tin, int16_t *tout, int *f)
{
	*f = ref_frac(s_in, zp_in, s_out, zp_out);
	for (int q = -128; q <= 127; q++) {
		tin[q + 128] = ref_value(s_in, zp_in, q, *f);
		tout[q + 128] = ref_value(s_out, zp_out, q, *f);
	}
}

static const float scales[] = {
	1.0f / 256, 1.0f / 255, 0.1f, 0.5f, 1.0f, 3.7f, 1e-3f, 2.5e-5f,
	1.0f / 16384, 0.0123f, 17.0f, 1e-20f, 1e20f,
};
static const int32_t zps[] = { -128, -100, -1, 0, 1, 50, 127 };
#define NSCALES (sizeof(scales) / sizeof(scales[0]))
#define NZPS (sizeof(zps) / sizeof(zps[0]))

static void test_tables_hand_values(void **state)
{
	int16_t tin[256], tout[256];
	int32_t f;

	(void)state;
	/* 1/256, zp 0, both: max |value| = 128/256 = 2^-1, so F = 14
	 * (2^13 < 2^14, F = 15 would reach 2^14): X(q) = 64 q. */
	assert_int_equal(ts_ad_tables(1.0f / 256, 0, 1.0f / 256, 0, tin, tout, &f), 0);
	assert_int_equal(f, 14);
	for (int q = -128; q <= 127; q++) {
		assert_int_equal(tin[q + 128], 64 * q);
		assert_int_equal(tout[q + 128], 64 * q);
	}
	/* Input 1.0 with zp -128 (values 0..255, below 2^8: F = 6, X = 64
	 * (q + 128)); output 2^-20 with zp 0: |q| / 2^20 * 2^6 <= 128 / 2^14
	 * rounds to 0. */
	assert_int_equal(ts_ad_tables(1.0f, -128, 1.0f / 1048576, 0, tin, tout, &f), 0);
	assert_int_equal(f, 6);
	assert_int_equal(tin[0], 0);
	assert_int_equal(tin[255], 64 * 255);
	for (int i = 0; i < 256; i++)
		assert_int_equal(tout[i], 0);
	/* Input 1/256 zp 0 (F = 14), output 2^-14 zp 0: X_out(q) = q. */
	assert_int_equal(ts_ad_tables(1.0f / 256, 0, 1.0f / 16384, 0, tin, tout, &f), 0);
	assert_int_equal(f, 14);
	assert_int_equal(tout[0], -128);
	assert_int_equal(tout[255], 127);
	/* zp 127 and -128 at 1/256: max |value| 255/256 < 1, F = 14; X_in =
	 * 64 (q - 127) reaches -16320, X_out = 64 (q + 128) reaches 16320. */
	assert_int_equal(ts_ad_tables(1.0f / 256, 127, 1.0f / 256, -128, tin, tout, &f), 0);
	assert_int_equal(f, 14);
	assert_int_equal(tin[0], -16320);
	assert_int_equal(tout[255], 16320);
	/* Rounding ties away from zero: 1/3 * 2^F is never a tie, so take
	 * 2^-15 with F = 14 (set by the other tensor): q / 2 -> -64 for -128,
	 * -1 for -1 (-0.5), 1 for 1 (0.5), 2 for 3 (1.5), 64 for 127 (63.5). */
	assert_int_equal(ts_ad_tables(1.0f / 32768, 0, 1.0f / 256, 0, tin, tout, &f), 0);
	assert_int_equal(f, 14);
	assert_int_equal(tin[0], -64);
	assert_int_equal(tin[127], -1);
	assert_int_equal(tin[129], 1);
	assert_int_equal(tin[131], 2);
	assert_int_equal(tin[255], 64);

	/* Bad quantization. */
	assert_int_equal(ts_ad_tables(0.0f, 0, 1.0f, 0, tin, tout, &f), -1);
	assert_int_equal(ts_ad_tables(1.0f, 0, -1.0f, 0, tin, tout, &f), -1);
	assert_int_equal(ts_ad_tables(NAN, 0, 1.0f, 0, tin, tout, &f), -1);
	assert_int_equal(ts_ad_tables(1.0f, 0, INFINITY, 0, tin, tout, &f), -1);
	assert_int_equal(ts_ad_tables(1.0f, 128, 1.0f, 0, tin, tout, &f), -1);
	assert_int_equal(ts_ad_tables(1.0f, 0, 1.0f, -129, tin, tout, &f), -1);
}

static void test_tables_against_reference(void **state)
{
	int16_t tin[256], tout[256], rin[256], rout[256];
	int32_t f;
	int rf;

	(void)state;
	for (size_t a = 0; a < NSCALES; a++)
		for (size_t b = 0; b < NSCALES; b++)
			for (size_t z = 0; z < NZPS; z++) {
				const int32_t zi = zps[z], zo = zps[(z * 3 + a + b) % NZPS];

				assert_int_equal(ts_ad_tables(scales[a], zi, scales[b], zo,
							      tin, tout, &f), 0);
				ref_tables(scales[a], zi, scales[b], zo, rin, rout, &rf);
				assert_int_equal(f, rf);
				assert_memory_equal(tin, rin, sizeof(tin));
				assert_memory_equal(tout, rout, sizeof(tout));
			}
}

/* ---- score ------------------------------------------------------------------- */

static ts_anomaly_config cfg_with(uint32_t m, uint32_t k_on, uint32_t k_off,
				  uint16_t n_on, uint16_t n_off)
{
	ts_anomaly_config c;

	ts_anomaly_config_init(&c);
	c.calibration_windows = m;
	c.k_on_q16 = k_on;
	c.k_off_q16 = k_off;
	c.n_on = n_on;
	c.n_off = n_off;
	return c;
}

static uint32_t score_of(ts_anomaly *ad, const int8_t *in, const int8_t *out, size_t n,
			 uint64_t t, ts_anomaly_result *r)
{
	assert_int_equal(ts_anomaly_process(ad, in, out, n, t, r), TS_OK);
	assert_int_equal(r->timestamp_ns, t);
	return r->score;
}

static void test_score_hand_values(void **state)
{
	ts_anomaly ad;
	ts_anomaly_config cfg = cfg_with(1000, 3u << 16, 2u << 16, 1, 1);
	ts_anomaly_result r;
	int32_t fb;

	(void)state;
	/* X(q) = 64 q both (F = 14, frac bits 28). */
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 0, 1.0f / 256, 0), TS_OK);
	assert_int_equal(ts_anomaly_score_frac_bits(&ad, &fb), TS_OK);
	assert_int_equal(fb, 28);
	{
		/* d = 64, -64, 128, 0: (4096 + 4096 + 16384) / 4 = 6144, i.e.
		 * MSE = 6144 / 2^28 = (1 + 1 + 4) / 4 / 256^2. */
		const int8_t in[4] = { 0, 0, 0, 0 }, out[4] = { 1, -1, 2, 0 };

		assert_int_equal(score_of(&ad, in, out, 4, 7, &r), 6144);
		assert_int_equal(r.state, TS_ANOMALY_CALIBRATING);
		assert_int_equal(r.previous, TS_ANOMALY_CALIBRATING);
		assert_int_equal(r.event, 0);
	}
	{
		/* Offsets cancel: in = out gives 0 whatever the values. */
		const int8_t v[3] = { -128, 5, 127 };

		assert_int_equal(score_of(&ad, v, v, 3, 8, &r), 0);
	}
	{
		/* Rounding: (4096 + 4096 + 0) / 3 = 2730.67 -> 2731. */
		const int8_t in[3] = { 3, -2, 9 }, out[3] = { 4, -3, 9 };

		assert_int_equal(score_of(&ad, in, out, 3, 9, &r), 2731);
	}
	/* Largest score: d = 16320 - (-16320) = 32640 everywhere. */
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 127, 1.0f / 256, -128), TS_OK);
	{
		int8_t in[640], out[640];

		memset(in, -128, sizeof(in));
		memset(out, 127, sizeof(out));
		assert_int_equal(score_of(&ad, in, out, 640, 1, &r), 32640u * 32640u);
	}
}

/* Random quantizations and tensors: the score equals the integer MSE of the
 * test's own reference tables exactly, and the exact double MSE within the
 * documented bound. */
static void test_score_against_reference(void **state)
{
	ts_anomaly ad;
	ts_anomaly_config cfg = cfg_with(1u << 30, 3u << 16, 2u << 16, 1, 1);
	ts_anomaly_result r;
	int16_t rin[256], rout[256];
	int8_t in[700], out[700];
	int f;

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		const float si = scales[rnd64() % NSCALES], so = scales[rnd64() % NSCALES];
		const int32_t zi = zps[rnd64() % NZPS], zo = zps[rnd64() % NZPS];
		const size_t n = 1 + rnd64() % 700;
		const int near = (int)(rnd64() % 2); /* output close to input */
		double mse = 0.0, mean_abs = 0.0;
		uint64_t isum = 0;

		assert_int_equal(ts_anomaly_init(&ad, &cfg, si, zi, so, zo), TS_OK);
		ref_tables(si, zi, so, zo, rin, rout, &f);
		for (size_t i = 0; i < n; i++) {
			in[i] = rnd_i8();
			out[i] = near ? (int8_t)(in[i] / 2 + (int)(rnd64() % 5) - 2) : rnd_i8();
		}
		for (size_t i = 0; i < n; i++) {
			const double d = ldexp((double)so * (out[i] - zo) -
					       (double)si * (in[i] - zi), f);
			const int32_t di = rout[out[i] + 128] - rin[in[i] + 128];

			mse += d * d;
			mean_abs += fabs(d);
			isum += (uint64_t)((int64_t)di * di);
		}
		mse /= (double)n;
		mean_abs /= (double)n;
		score_of(&ad, in, out, n, (uint64_t)iter, &r);
		assert_int_equal(r.score, (isum + n / 2) / n);
		assert_true(fabs((double)r.score - mse) <=
			    2.0 * mean_abs + 1.5 + 1e-9 * mse);
	}
}

/* ---- calibration ------------------------------------------------------------------ */

/* One window of one value with X_in(0) = 0 and X_out(q) = 64 q (both 1/256,
 * zp 0): score = 4096 q^2. */
static ts_anomaly_result window_q(ts_anomaly *ad, int8_t q, uint64_t t)
{
	const int8_t zero = 0;
	ts_anomaly_result r;

	assert_int_equal(ts_anomaly_process(ad, &zero, &q, 1, t, &r), TS_OK);
	return r;
}

static void test_calibration_hand_values(void **state)
{
	ts_anomaly ad;
	/* k_on = 3.0, k_off = 1.5 */
	ts_anomaly_config cfg = cfg_with(4, 3u << 16, 3u << 15, 1, 1);
	ts_anomaly_calibration cal;
	ts_anomaly_result r;

	(void)state;
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 0, 1.0f / 256, 0), TS_OK);
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_ERR_STATE);
	/* Scores 4096, 4096, 4096, 36864. */
	for (int i = 0; i < 3; i++) {
		r = window_q(&ad, 1, 100 + (uint64_t)i);
		assert_int_equal(r.score, 4096);
		assert_int_equal(r.state, TS_ANOMALY_CALIBRATING);
		assert_int_equal(r.event, 0);
	}
	r = window_q(&ad, 3, 103);
	/* The 4th window ends calibration: an event at its timestamp. */
	assert_int_equal(r.score, 36864);
	assert_int_equal(r.event, 1);
	assert_int_equal(r.previous, TS_ANOMALY_CALIBRATING);
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);
	assert_int_equal(r.timestamp_ns, 103);
	/*
	 * mean = 49152 / 4 = 12288.
	 * var  = (3 * 4096^2 + 36864^2) / 4 - 12288^2
	 *      = 352321536 - 150994944 = 201326592 = 3 * 2^26,
	 * std  = 2^13 sqrt(3) = 14188.96 -> 14189.
	 * on   = 12288 + 3 * 14189 = 54855.
	 * off  = 12288 + 1.5 * 14189 = 12288 + 21283.5 (tie up) = 33572.
	 */
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_OK);
	assert_int_equal(cal.mean, 12288);
	assert_int_equal(cal.std, 14189);
	assert_int_equal(cal.threshold_on, 54855);
	assert_int_equal(cal.threshold_off, 33572);
}

/* Alternating 0 and the largest score a = 32640^2 = 1065369600 (about
 * 2^30) over 1000 windows: S2 = 500 a^2 ~ 5.7e20 needs more than 64 bits;
 * mean = std = a / 2 = 532684800 exactly.  With M = 3 (a, a, 0): mean =
 * 2a/3 = 710246400, std = a sqrt(2) / 3 = 502218077.3. */
static void test_calibration_wide_sums(void **state)
{
	ts_anomaly ad;
	ts_anomaly_config cfg = cfg_with(1000, 1u << 16, 1u << 16, 1, 1);
	ts_anomaly_calibration cal;
	ts_anomaly_result r;
	const int8_t lo = -128, hi = 127, in0 = 127, in1 = -128;
	const uint32_t a = 1065369600u;

	(void)state;
	/* X_in = 64 (q - 127), X_out = 64 (q + 128). */
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 127, 1.0f / 256, -128), TS_OK);
	for (int i = 0; i < 1000; i++) {
		/* even: d = 0 (in 127, out -128); odd: d = 32640. */
		const int8_t *in = i % 2 ? &in1 : &in0, *out = i % 2 ? &hi : &lo;

		assert_int_equal(ts_anomaly_process(&ad, in, out, 1, (uint64_t)i, &r), TS_OK);
		assert_int_equal(r.score, i % 2 ? a : 0);
	}
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_OK);
	assert_int_equal(cal.mean, 532684800u);
	assert_int_equal(cal.std, 532684800u);
	assert_int_equal(cal.threshold_on, 1065369600u);

	cfg.calibration_windows = 3;
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 127, 1.0f / 256, -128), TS_OK);
	ts_anomaly_process(&ad, &in1, &hi, 1, 0, &r);
	ts_anomaly_process(&ad, &in1, &hi, 1, 1, &r);
	ts_anomaly_process(&ad, &in0, &lo, 1, 2, &r);
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_OK);
	assert_int_equal(cal.mean, 710246400u);
	assert_true(fabs((double)cal.std - (double)a * sqrt(2.0) / 3.0) <= 0.5 + 1.0 / 3);
}

/* Random windows: mean and std against double statistics of (a) the exact
 * integer scores of the reference tables and (b) the real-valued MSEs. */
static void test_calibration_against_reference(void **state)
{
	enum { M = 257, N = 64 };
	static const struct {
		float si, so;
		int32_t zi, zo;
	} q[] = {
		{ 1.0f / 256, 1.0f / 256, 0, 0 },
		{ 0.1f, 0.0123f, -1, 50 },
		{ 3.7f, 1.0f / 255, -128, 127 },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
		ts_anomaly ad;
		ts_anomaly_config cfg = cfg_with(M, 3u << 16, 2u << 16, 1, 1);
		ts_anomaly_calibration cal;
		ts_anomaly_result r;
		int16_t rin[256], rout[256];
		double s_i = 0, s_i2 = 0, s_r = 0, s_r2 = 0, max_err = 0;
		int f;

		assert_int_equal(ts_anomaly_init(&ad, &cfg, q[k].si, q[k].zi, q[k].so, q[k].zo),
				 TS_OK);
		ref_tables(q[k].si, q[k].zi, q[k].so, q[k].zo, rin, rout, &f);
		for (int w = 0; w < M; w++) {
			int8_t in[N], out[N];
			/* A spread of error levels from window to window. */
			const int spread = 1 + (int)(rnd64() % 40);
			double mse = 0, mean_abs = 0;
			uint64_t isum = 0;
			uint64_t iscore;

			for (int i = 0; i < N; i++) {
				int v;

				in[i] = rnd_i8();
				v = in[i] + (int)(rnd64() % (2 * spread + 1)) - spread;
				out[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
			}
			for (int i = 0; i < N; i++) {
				const double d = ldexp((double)q[k].so * (out[i] - q[k].zo) -
						       (double)q[k].si * (in[i] - q[k].zi), f);
				const int32_t di = rout[out[i] + 128] - rin[in[i] + 128];

				mse += d * d;
				mean_abs += fabs(d);
				isum += (uint64_t)((int64_t)di * di);
			}
			mse /= N;
			mean_abs /= N;
			iscore = (isum + N / 2) / N;
			assert_int_equal(ts_anomaly_process(&ad, in, out, N, (uint64_t)w, &r), TS_OK);
			assert_int_equal(r.score, iscore);
			if (2 * mean_abs + 1.5 > max_err)
				max_err = 2 * mean_abs + 1.5;
			s_i += (double)iscore;
			s_i2 += (double)iscore * (double)iscore;
			s_r += mse;
			s_r2 += mse * mse;
		}
		assert_int_equal(r.event, 1);
		assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_OK);
		{
			const double mi = s_i / M, sdi = sqrt(fmax(0, s_i2 / M - mi * mi));
			const double mr = s_r / M, sdr = sqrt(fmax(0, s_r2 / M - mr * mr));
			const double eps = 1e-9 * (mi + sdi + 1);

			assert_true(fabs(cal.mean - mi) <= 0.5 + eps);
			assert_true(fabs(cal.std - sdi) <= 0.5 + 1.0 / M + eps);
			assert_true(fabs(cal.mean - mr) <= max_err + 0.5 + eps);
			assert_true(fabs(cal.std - sdr) <= max_err + 0.5 + 1.0 / M + eps);
			/* thresholds: mean + round(k * std) */
			assert_int_equal(cal.threshold_on, (uint64_t)cal.mean + 3ull * cal.std);
			assert_int_equal(cal.threshold_off, (uint64_t)cal.mean + 2ull * cal.std);
		}
	}
}

/* ---- thresholds and hysteresis ---------------------------------------------------- */

/* Input 1/256 and output 2^-14, zp 0 (F = 14): X_in(0) = 0, X_out(v) = v,
 * so a one-value window with output v scores v^2. */
static ts_anomaly_result window_v(ts_anomaly *ad, int8_t v, uint64_t t)
{
	const int8_t zero = 0;
	ts_anomaly_result r;

	assert_int_equal(ts_anomaly_process(ad, &zero, &v, 1, t, &r), TS_OK);
	assert_int_equal(r.score, (uint32_t)(v * v));
	assert_int_equal(r.timestamp_ns, t);
	return r;
}

static void test_hysteresis_sequence(void **state)
{
	/*
	 * mean 400, std 100, k_on 12.0, k_off 5.0: on = 1600 (40^2), off =
	 * 900 (30^2).  n_on = 2, n_off = 3.  Scores: 41^2 = 1681 above on,
	 * 40^2 on exactly, 35^2 = 1225 between, 30^2 off exactly, 29^2 = 841
	 * below off.
	 */
	static const struct {
		int8_t v;
		ts_anomaly_state state;
		uint8_t event;
	} seq[] = {
		{ 41, TS_ANOMALY_NORMAL, 0 },     /* high 1 */
		{ 40, TS_ANOMALY_NORMAL, 0 },     /* equal: run ends */
		{ 41, TS_ANOMALY_NORMAL, 0 },     /* high 1 */
		{ 41, TS_ANOMALY_ANOMALOUS, 1 },  /* high 2 = n_on */
		{ 29, TS_ANOMALY_ANOMALOUS, 0 },  /* low 1 */
		{ 30, TS_ANOMALY_ANOMALOUS, 0 },  /* equal: run ends */
		{ 29, TS_ANOMALY_ANOMALOUS, 0 },  /* low 1 */
		{ 35, TS_ANOMALY_ANOMALOUS, 0 },  /* between: run ends */
		{ 29, TS_ANOMALY_ANOMALOUS, 0 },  /* low 1 */
		{ 0, TS_ANOMALY_ANOMALOUS, 0 },   /* low 2 */
		{ 41, TS_ANOMALY_ANOMALOUS, 0 },  /* high: run ends */
		{ 29, TS_ANOMALY_ANOMALOUS, 0 },  /* low 1 */
		{ 29, TS_ANOMALY_ANOMALOUS, 0 },  /* low 2 */
		{ 29, TS_ANOMALY_NORMAL, 1 },     /* low 3 = n_off */
		{ 35, TS_ANOMALY_NORMAL, 0 },     /* between */
		{ 41, TS_ANOMALY_NORMAL, 0 },     /* high 1 */
		{ 41, TS_ANOMALY_ANOMALOUS, 1 },  /* high 2 */
	};
	ts_anomaly ad;
	ts_anomaly_config cfg = cfg_with(10, 12u << 16, 5u << 16, 2, 3);
	ts_anomaly_calibration cal;
	ts_anomaly_state prev = TS_ANOMALY_NORMAL;
	int32_t fb;

	(void)state;
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 0, 1.0f / 16384, 0), TS_OK);
	assert_int_equal(ts_anomaly_score_frac_bits(&ad, &fb), TS_OK);
	assert_int_equal(fb, 28);
	assert_int_equal(ts_anomaly_set_calibration(&ad, 400, 100), TS_OK);
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_OK);
	assert_int_equal(cal.mean, 400);
	assert_int_equal(cal.std, 100);
	assert_int_equal(cal.threshold_on, 1600);
	assert_int_equal(cal.threshold_off, 900);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		const ts_anomaly_result r = window_v(&ad, seq[i].v, 1000 * (uint64_t)i);

		assert_int_equal(r.previous, prev);
		assert_int_equal(r.state, seq[i].state);
		assert_int_equal(r.event, seq[i].event);
		prev = r.state;
	}
}

/* Calibration then detection on one stream; the last calibration window is
 * not tested against the thresholds. */
static void test_calibrate_then_detect(void **state)
{
	ts_anomaly ad;
	/* M = 3, k_on = 2.0, k_off = 0.5, n_on = n_off = 1. */
	ts_anomaly_config cfg = cfg_with(3, 2u << 16, 1u << 15, 1, 1);
	ts_anomaly_calibration cal;
	ts_anomaly_result r;

	(void)state;
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 0, 1.0f / 16384, 0), TS_OK);
	/* Scores 400, 400, 1600 (the last would be "high"): mean = 800,
	 * var = (2 * 160000 + 2560000) / 3 - 640000 = 320000, std =
	 * 565.685 -> 566.  on = 800 + 1132 = 1932, off = 800 + 283 = 1083. */
	r = window_v(&ad, 20, 1);
	assert_int_equal(r.state, TS_ANOMALY_CALIBRATING);
	r = window_v(&ad, 20, 2);
	r = window_v(&ad, 40, 3);
	assert_int_equal(r.event, 1);
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_OK);
	assert_int_equal(cal.mean, 800);
	assert_int_equal(cal.std, 566);
	assert_int_equal(cal.threshold_on, 1932);
	assert_int_equal(cal.threshold_off, 1083);
	r = window_v(&ad, 43, 4);                  /* 1849 <= 1932 */
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);
	r = window_v(&ad, 44, 5);                  /* 1936 > 1932 */
	assert_int_equal(r.event, 1);
	assert_int_equal(r.state, TS_ANOMALY_ANOMALOUS);
	assert_int_equal(r.score, 1936);
	assert_int_equal(r.timestamp_ns, 5);
	r = window_v(&ad, 33, 6);                  /* 1089 >= 1083 */
	assert_int_equal(r.state, TS_ANOMALY_ANOMALOUS);
	r = window_v(&ad, 32, 7);                  /* 1024 < 1083 */
	assert_int_equal(r.event, 1);
	assert_int_equal(r.previous, TS_ANOMALY_ANOMALOUS);
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);

	/* M = 1: std 0, thresholds = the first score. */
	cfg.calibration_windows = 1;
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 0, 1.0f / 16384, 0), TS_OK);
	r = window_v(&ad, 41, 1);
	assert_int_equal(r.event, 1);
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);
	r = window_v(&ad, 41, 2);                  /* 1681 = on: not above */
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);
	r = window_v(&ad, 42, 3);
	assert_int_equal(r.state, TS_ANOMALY_ANOMALOUS);
}

static void test_reset(void **state)
{
	ts_anomaly ad;
	ts_anomaly_config cfg = cfg_with(2, 1u << 16, 1u << 16, 1, 1);
	ts_anomaly_calibration cal;
	ts_anomaly_result r;

	(void)state;
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f / 256, 0, 1.0f / 16384, 0), TS_OK);
	window_v(&ad, 10, 1);
	window_v(&ad, 10, 2);                      /* mean 100, std 0 */
	r = window_v(&ad, 50, 3);
	assert_int_equal(r.state, TS_ANOMALY_ANOMALOUS);

	ts_anomaly_reset(&ad);
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_ERR_STATE);
	r = window_v(&ad, 50, 4);                  /* calibrating again */
	assert_int_equal(r.state, TS_ANOMALY_CALIBRATING);
	assert_int_equal(r.previous, TS_ANOMALY_CALIBRATING);
	assert_int_equal(r.event, 0);
	r = window_v(&ad, 30, 5);                  /* 2500, 900: mean 1700, std 800 */
	assert_int_equal(r.event, 1);
	assert_int_equal(ts_anomaly_get_calibration(&ad, &cal), TS_OK);
	assert_int_equal(cal.mean, 1700);
	assert_int_equal(cal.std, 800);
	assert_int_equal(cal.threshold_on, 2500);
	r = window_v(&ad, 50, 6);                  /* 2500 = on */
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);

	/* set_calibration from ANOMALOUS: NORMAL, no event, runs empty. */
	assert_int_equal(ts_anomaly_set_calibration(&ad, 0, 0), TS_OK);
	r = window_v(&ad, 1, 7);
	assert_int_equal(r.state, TS_ANOMALY_ANOMALOUS);
	assert_int_equal(ts_anomaly_set_calibration(&ad, 100, 10), TS_OK);
	r = window_v(&ad, 1, 8);
	assert_int_equal(r.previous, TS_ANOMALY_NORMAL);
	assert_int_equal(r.state, TS_ANOMALY_NORMAL);
}

static void test_api_errors(void **state)
{
	ts_anomaly ad, zero;
	ts_anomaly_config cfg;
	ts_anomaly_calibration cal;
	ts_anomaly_result r;
	const int8_t v[2] = { 1, 2 };
	int32_t fb;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	ts_anomaly_config_init(&cfg);
	assert_int_equal(cfg.calibration_windows, 100);
	assert_int_equal(cfg.k_on_q16, 3u << 16);
	assert_int_equal(cfg.k_off_q16, 2u << 16);
	ts_anomaly_config_init(NULL);
	assert_int_equal(ts_anomaly_init(NULL, &cfg, 1.0f, 0, 1.0f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_anomaly_init(&ad, NULL, 1.0f, 0, 1.0f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 0.0f, 0, 1.0f, 0), TS_ERR_QUANT);
	assert_int_equal(ts_anomaly_process(&ad, v, v, 2, 0, &r), TS_ERR_STATE);
	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f, 0, 1.0f, 200), TS_ERR_QUANT);
	{
		ts_anomaly_config c = cfg;

		c.calibration_windows = 0;
		assert_int_equal(ts_anomaly_init(&ad, &c, 1.0f, 0, 1.0f, 0), TS_ERR_INVALID_ARG);
		c = cfg;
		c.k_off_q16 = c.k_on_q16 + 1;
		assert_int_equal(ts_anomaly_init(&ad, &c, 1.0f, 0, 1.0f, 0), TS_ERR_INVALID_ARG);
		c = cfg;
		c.n_on = 0;
		assert_int_equal(ts_anomaly_init(&ad, &c, 1.0f, 0, 1.0f, 0), TS_ERR_INVALID_ARG);
		c = cfg;
		c.n_off = 0;
		assert_int_equal(ts_anomaly_init(&ad, &c, 1.0f, 0, 1.0f, 0), TS_ERR_INVALID_ARG);
	}
	assert_int_equal(ts_anomaly_process(&zero, v, v, 2, 0, &r), TS_ERR_STATE);
	assert_int_equal(ts_anomaly_score_frac_bits(&zero, &fb), TS_ERR_STATE);
	assert_int_equal(ts_anomaly_get_calibration(&zero, &cal), TS_ERR_STATE);
	assert_int_equal(ts_anomaly_set_calibration(&zero, 1, 1), TS_ERR_STATE);
	ts_anomaly_reset(&zero);
	ts_anomaly_reset(NULL);

	assert_int_equal(ts_anomaly_init(&ad, &cfg, 1.0f, 0, 1.0f, 0), TS_OK);
	assert_int_equal(ts_anomaly_process(&ad, NULL, v, 2, 0, &r), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_anomaly_process(&ad, v, NULL, 2, 0, &r), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_anomaly_process(&ad, v, v, 2, 0, NULL), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_anomaly_process(&ad, v, v, 0, 0, &r), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_anomaly_score_frac_bits(&ad, NULL), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_anomaly_get_calibration(&ad, NULL), TS_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u128_helpers),
		cmocka_unit_test(test_tables_hand_values),
		cmocka_unit_test(test_tables_against_reference),
		cmocka_unit_test(test_score_hand_values),
		cmocka_unit_test(test_score_against_reference),
		cmocka_unit_test(test_calibration_hand_values),
		cmocka_unit_test(test_calibration_wide_sums),
		cmocka_unit_test(test_calibration_against_reference),
		cmocka_unit_test(test_hysteresis_sequence),
		cmocka_unit_test(test_calibrate_then_detect),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_api_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
