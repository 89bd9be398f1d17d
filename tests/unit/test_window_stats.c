/* SPDX-License-Identifier: MIT */
/*
 * Windowed statistics (lib/dsp/window_stats.c).
 *
 * Expected values are computed here independently: exact integer sums and
 * rounding for int16-range data, long double (libm) for int32 extremes.
 *
 *   - Hand-checked sequences give exact int8 outputs.
 *   - Every statistic in Q16 exactly: with scale 2^-16, gain 1, zero point 0
 *     and offset = the expected Q16 value, the output byte is the library's
 *     Q16 value minus the expected one, so it must be 0 (int16 data: exact;
 *     int32 extremes: RMS, STD and SLOPE within 1 Q16 LSB because the long
 *     double reference itself rounds).
 *   - Quantization with random scales, zero points, gains and offsets
 *     within 1 of zero_point + round((stat - offset) * gain / scale) from
 *     the exact statistic (the library rounds the statistic to Q16 first
 *     and its multiplier has 31 significant bits: a difference only next
 *     to a rounding tie; the share of exact bytes is printed).
 *   - Streaming: chunks of 1, 7, hop and random sizes, and room for one
 *     vector per push, give the bytes of one whole push; hop < = > window.
 *   - Invalid configurations are refused with TS_ERR_INVALID_ARG.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/window_stats.h>

#define ALL_STATS ((1u << TS_STAT_COUNT) - 1)
#define Q16_SCALE (1.0f / 65536.0f)

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 32);
}

static int32_t rnd_range(int32_t lo, int32_t hi)
{
	return (int32_t)((int64_t)lo + (int64_t)(rnd() % (uint32_t)((int64_t)hi - lo + 1)));
}

/* One channel, every gain 1, offsets 0. */
static ts_window_stats_config one_channel(uint16_t window, uint16_t hop, uint16_t stats,
					  int32_t threshold)
{
	ts_window_stats_config c = *ts_window_stats_preset("minute");

	c.frame_channels = 1;
	c.window = window;
	c.hop = hop;
	c.num_channels = 1;
	c.channel[0].index = 0;
	c.channel[0].stats = stats;
	c.channel[0].threshold = threshold;
	return c;
}

/* Runs exactly one window of x through a fresh object. */
static void one_window(const ts_window_stats_config *c, float scale, int32_t zp,
		       const int32_t *x, int8_t *out)
{
	ts_window_stats ws;
	size_t used;

	assert_int_equal(ts_window_stats_init(&ws, c, scale, zp), TS_OK);
	assert_int_equal(ts_window_stats_push_s32(&ws, x, c->window, &used, out, 1), 1);
	assert_int_equal(used, c->window);
}

/* ---- hand-checked ---------------------------------------------------------- */

static void test_hand_sequences(void **state)
{
	int8_t out[TS_STAT_COUNT];
	ts_window_stats_config c;

	(void)state;
	/* 1 2 3 4, scale 1/16: mean 2.5 -> 40, rms sqrt(7.5) = 2.739 -> 43.8 -> 44,
	 * min 16, max 64, p2p 48, std sqrt(1.25) = 1.118 -> 17.9 -> 18,
	 * slope 1 -> 16, no sign change (threshold 0), no edges */
	{
		static const int32_t x[] = { 1, 2, 3, 4 };
		static const int8_t want[] = { 40, 44, 16, 64, 48, 18, 16, 0, 0, 0 };

		c = one_channel(4, 4, ALL_STATS, 0);
		one_window(&c, 1.0f / 16, 0, x, out);
		assert_memory_equal(out, want, sizeof(want));
		/* threshold 3: sides low low high high: one change in 3 pairs,
		 * 16/3 = 5.33 -> 5; one rising edge (16), one change (16) */
		c.channel[0].threshold = 3;
		one_window(&c, 1.0f / 16, 0, x, out);
		assert_int_equal(out[TS_STAT_ZERO_CROSSING_RATE], 5);
		assert_int_equal(out[TS_STAT_RISING_EDGES], 16);
		assert_int_equal(out[TS_STAT_LEVEL_CHANGES], 16);
	}
	/* 10 7 4 1: slope -3, mean 5.5, p2p 9, std sqrt(11.25) = 3.354; scale 1,
	 * zero point -100: mean 5.5 rounds away from zero -> 6 -> -94 */
	{
		static const int32_t x[] = { 10, 7, 4, 1 };
		static const int8_t want[] = { -94, -94, -99, -90, -91, -97, -103, -100, -100, -100 };

		c = one_channel(4, 4, ALL_STATS, 0);
		one_window(&c, 1.0f, -100, x, out);
		/* rms sqrt(166 / 4) = 6.44 -> 6 */
		assert_memory_equal(out, want, sizeof(want));
	}
	/* A GPIO line, threshold 1: rising edges at 1, 4, 7 (3), level changes
	 * 5, crossing rate 5/7 = 0.714 -> 1 at scale 1 and 46 at scale 1/64 */
	{
		static const int32_t x[] = { 0, 1, 1, 0, 1, 0, 0, 1 };
		const uint16_t sel = TS_STAT_BIT(TS_STAT_ZERO_CROSSING_RATE) |
				     TS_STAT_BIT(TS_STAT_RISING_EDGES) |
				     TS_STAT_BIT(TS_STAT_LEVEL_CHANGES);

		c = one_channel(8, 8, sel, 1);
		one_window(&c, 1.0f, 0, x, out);
		assert_int_equal(out[0], 1);
		assert_int_equal(out[1], 3);
		assert_int_equal(out[2], 5);
		one_window(&c, 1.0f / 64, 0, x, out);
		assert_int_equal(out[0], 46);
		assert_int_equal(out[1], 127);   /* 3 * 64 saturates */
	}
	/* Sign changes around 0 (0 counts as positive): -1 0 -1 1 -1 -> 4 */
	{
		static const int32_t x[] = { -1, 0, -1, 1, -1 };

		c = one_channel(5, 5, TS_STAT_BIT(TS_STAT_ZERO_CROSSING_RATE), 0);
		one_window(&c, 1.0f / 100, 0, x, out);
		assert_int_equal(out[0], 100);
	}
	/* gain and offset: (mean - 2.5) * -2 with mean 4 -> -3 */
	{
		static const int32_t x[] = { 3, 5 };

		c = one_channel(2, 2, TS_STAT_BIT(TS_STAT_MEAN), 0);
		c.channel[0].gain_q16[TS_STAT_MEAN] = -2 * 65536;
		c.channel[0].offset_q16[TS_STAT_MEAN] = 5 * 32768;
		one_window(&c, 1.0f, 0, x, out);
		assert_int_equal(out[0], -3);
	}
}

/* ---- exact Q16 ---------------------------------------------------------------- */

static int64_t round_div(int64_t num, int64_t den)
{
	/* nearest, ties away from zero (den > 0) */
	return num >= 0 ? (2 * num + den) / (2 * den) : -((-2 * num + den) / (2 * den));
}

/* Expected Q16 statistics of int16-range data, exact integers except the
 * two square roots (long double; no ties exist: see below). */
static void expect_q16_small(const int32_t *x, int64_t n, int32_t t, int64_t *q)
{
	int64_t s1 = 0, s2 = 0, w = 0, mn = INT32_MAX, mx = INT32_MIN, changes = 0, rising = 0;

	for (int64_t i = 0; i < n; i++) {
		s1 += x[i];
		s2 += (int64_t)x[i] * x[i];
		w += (2 * i - (n - 1)) * x[i];
		mn = x[i] < mn ? x[i] : mn;
		mx = x[i] > mx ? x[i] : mx;
		if (i > 0) {
			changes += (x[i] >= t) != (x[i - 1] >= t);
			rising += x[i] >= t && x[i - 1] < t;
		}
	}
	q[TS_STAT_MEAN] = round_div(s1 * 65536, n);
	/* sqrt(s2 / n) 2^16 is never k + 1/2: that needs s2 2^34 = n (2k+1)^2 */
	q[TS_STAT_RMS] = llroundl(sqrtl((long double)s2 / n) * 65536);
	q[TS_STAT_MIN] = mn * 65536;
	q[TS_STAT_MAX] = mx * 65536;
	q[TS_STAT_PEAK_TO_PEAK] = (mx - mn) * 65536;
	q[TS_STAT_STD] = llroundl(sqrtl((long double)(n * s2 - s1 * s1)) / n * 65536);
	q[TS_STAT_SLOPE] = round_div(6 * w * 65536, n * (n * n - 1));
	q[TS_STAT_ZERO_CROSSING_RATE] = round_div(changes * 65536, n - 1);
	q[TS_STAT_RISING_EDGES] = rising * 65536;
	q[TS_STAT_LEVEL_CHANGES] = changes * 65536;
}

/* The library's Q16 statistics minus want[], through the offset trick. */
static void q16_diff(const int32_t *x, uint16_t n, int32_t t, const int64_t *want, int8_t *diff)
{
	ts_window_stats_config c = one_channel(n, n, ALL_STATS, t);

	for (int s = 0; s < TS_STAT_COUNT; s++)
		c.channel[0].offset_q16[s] = want[s];
	one_window(&c, Q16_SCALE, 0, x, diff);
}

static void test_exact_q16(void **state)
{
	static const uint16_t sizes[] = { 2, 3, 4, 5, 17, 60, 64, 255, 1000, 4096 };
	int32_t *x = malloc(4096 * sizeof(*x));
	int8_t diff[TS_STAT_COUNT];
	int64_t want[TS_STAT_COUNT];
	size_t windows = 0;

	(void)state;
	assert_non_null(x);
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (int rep = 0; rep < 20; rep++) {
			const uint16_t n = sizes[si];
			const int kind = rep % 5;
			const int32_t t = kind == 4 ? rnd_range(-100, 100) : 0;

			for (uint16_t i = 0; i < n; i++) {
				switch (kind) {
				case 0:  /* full int16 range */
					x[i] = rnd_range(INT16_MIN, INT16_MAX);
					break;
				case 1:  /* small, around an offset */
					x[i] = 1000 + rnd_range(-3, 3);
					break;
				case 2:  /* ramp plus noise: a clear slope */
					x[i] = (int32_t)i * 7 - 9000 + rnd_range(-50, 50);
					break;
				case 3:  /* extremes */
					x[i] = rnd() & 1 ? INT16_MIN : INT16_MAX;
					break;
				default: /* GPIO-like levels */
					x[i] = (rnd() % 5 == 0) ? t + 1 : t - 1;
				}
			}
			expect_q16_small(x, n, t, want);
			q16_diff(x, n, t, want, diff);
			for (int s = 0; s < TS_STAT_COUNT; s++)
				if (diff[s] != 0)
					fail_msg("N %u kind %d stat %d: Q16 %lld, expected %lld", n, kind, s,
						 (long long)(want[s] + diff[s]), (long long)want[s]);
			windows++;
		}
	}
	printf("  %zu windows: every statistic equals the exact Q16 value\n", windows);
	free(x);
}

/* int32 extremes: no overflow (UBSan) and values within 1 Q16 LSB of long
 * double references (mean, min, max, p2p exact). */
static void check_int32_window(const int32_t *x, uint16_t n)
{
	long double s1 = 0, mean, var = 0, s2 = 0, w = 0;
	int64_t is1 = 0, mn = INT32_MAX, mx = INT32_MIN, want[TS_STAT_COUNT];
	int8_t diff[TS_STAT_COUNT];

	for (uint16_t i = 0; i < n; i++) {
		is1 += x[i];
		s1 += x[i];
		s2 += (long double)x[i] * x[i];
		w += ((long double)i - (n - 1) / 2.0L) * x[i];
		mn = x[i] < mn ? x[i] : mn;
		mx = x[i] > mx ? x[i] : mx;
	}
	mean = s1 / n;
	for (uint16_t i = 0; i < n; i++)
		var += (x[i] - mean) * (x[i] - mean);
	var /= n;
	/* is1 * 65536 < 2^59 */
	want[TS_STAT_MEAN] = round_div(is1 * 65536, n);
	want[TS_STAT_RMS] = llroundl(sqrtl(s2 / n) * 65536);
	want[TS_STAT_MIN] = mn * 65536;
	want[TS_STAT_MAX] = mx * 65536;
	want[TS_STAT_PEAK_TO_PEAK] = (mx - mn) * 65536;
	want[TS_STAT_STD] = llroundl(sqrtl(var) * 65536);
	want[TS_STAT_SLOPE] = llroundl(w / ((long double)n * ((long double)n * n - 1) / 12) * 65536);
	want[TS_STAT_ZERO_CROSSING_RATE] = 0;
	want[TS_STAT_RISING_EDGES] = 0;
	want[TS_STAT_LEVEL_CHANGES] = 0;
	{
		int64_t ch = 0, ri = 0;

		for (uint16_t i = 1; i < n; i++) {
			ch += (x[i] >= 0) != (x[i - 1] >= 0);
			ri += x[i] >= 0 && x[i - 1] < 0;
		}
		want[TS_STAT_ZERO_CROSSING_RATE] = round_div(ch * 65536, n - 1);
		want[TS_STAT_RISING_EDGES] = ri * 65536;
		want[TS_STAT_LEVEL_CHANGES] = ch * 65536;
	}
	q16_diff(x, n, 0, want, diff);
	for (int s = 0; s < TS_STAT_COUNT; s++) {
		const int tol = s == TS_STAT_RMS || s == TS_STAT_STD || s == TS_STAT_SLOPE;

		if (diff[s] > tol || diff[s] < -tol)
			fail_msg("int32 N %u stat %d: Q16 differs by %d from %lld", n, s, diff[s],
				 (long long)want[s]);
	}
}

static void test_int32_extremes(void **state)
{
	int32_t *x = malloc(4096 * sizeof(*x));

	(void)state;
	assert_non_null(x);
	/* the two ends: mean -0.5, p2p 2^32 - 1, std (2^32 - 1) / 2, slope 2^32 - 1 */
	x[0] = INT32_MIN;
	x[1] = INT32_MAX;
	check_int32_window(x, 2);
	{
		int64_t want[TS_STAT_COUNT] = { 0 };
		int8_t diff[TS_STAT_COUNT];

		want[TS_STAT_MEAN] = -32768;
		want[TS_STAT_MIN] = (int64_t)INT32_MIN * 65536;
		want[TS_STAT_MAX] = (int64_t)INT32_MAX * 65536;
		want[TS_STAT_PEAK_TO_PEAK] = ((int64_t)1 << 48) - 65536;
		want[TS_STAT_STD] = ((int64_t)1 << 47) - 32768;
		want[TS_STAT_SLOPE] = ((int64_t)1 << 48) - 65536;
		/* sqrt((2^62 + (2^31 - 1)^2) / 2) = 2^31 - 1/2 - 2^-34...: 2^47 - 32768 */
		want[TS_STAT_RMS] = ((int64_t)1 << 47) - 32768;
		want[TS_STAT_ZERO_CROSSING_RATE] = 65536;
		want[TS_STAT_RISING_EDGES] = 65536;
		want[TS_STAT_LEVEL_CHANGES] = 65536;
		q16_diff(x, 2, 0, want, diff);
		for (int s = 0; s < TS_STAT_COUNT; s++)
			assert_int_equal(diff[s], 0);
	}
	/* 4096 x INT32_MIN: sum x^2 = 2^74 (the 128-bit path), rms 2^31 */
	for (int i = 0; i < 4096; i++)
		x[i] = INT32_MIN;
	check_int32_window(x, 4096);
	/* alternating ends, 4096 of them; and a full-range ramp */
	for (int i = 0; i < 4096; i++)
		x[i] = i & 1 ? INT32_MAX : INT32_MIN;
	check_int32_window(x, 4096);
	for (int i = 0; i < 4096; i++)
		x[i] = (int32_t)((int64_t)INT32_MIN + (int64_t)i * 1048576 + 1048575);
	check_int32_window(x, 4096);
	/* random full range */
	for (int rep = 0; rep < 20; rep++) {
		const uint16_t n = (uint16_t)(2 + rnd() % 4095);

		for (uint16_t i = 0; i < n; i++)
			x[i] = (int32_t)rnd();
		check_int32_window(x, n);
	}
	free(x);
}

/* ---- quantization -------------------------------------------------------------- */

static long double exact_stat(int s, const int32_t *x, int n, int32_t t)
{
	long double s1 = 0, s2 = 0, w = 0, mean, var = 0, mn = x[0], mx = x[0];
	int ch = 0, ri = 0;

	for (int i = 0; i < n; i++) {
		s1 += x[i];
		s2 += (long double)x[i] * x[i];
		w += (i - (n - 1) / 2.0L) * x[i];
		mn = x[i] < mn ? x[i] : mn;
		mx = x[i] > mx ? x[i] : mx;
		if (i > 0) {
			ch += (x[i] >= t) != (x[i - 1] >= t);
			ri += x[i] >= t && x[i - 1] < t;
		}
	}
	mean = s1 / n;
	for (int i = 0; i < n; i++)
		var += (x[i] - mean) * (x[i] - mean);
	switch (s) {
	case TS_STAT_MEAN: return mean;
	case TS_STAT_RMS: return sqrtl(s2 / n);
	case TS_STAT_MIN: return mn;
	case TS_STAT_MAX: return mx;
	case TS_STAT_PEAK_TO_PEAK: return mx - mn;
	case TS_STAT_STD: return sqrtl(var / n);
	case TS_STAT_SLOPE: return w / ((long double)n * ((long double)n * n - 1) / 12);
	case TS_STAT_ZERO_CROSSING_RATE: return (long double)ch / (n - 1);
	case TS_STAT_RISING_EDGES: return ri;
	default: return ch;
	}
}

static int quantize_ref(long double f, float scale, int32_t zp)
{
	const long double q = zp + roundl(f / scale);

	return q < -128 ? -128 : q > 127 ? 127 : (int)q;
}

static void test_quantization(void **state)
{
	enum { N = 50 };
	int32_t x[N];
	int8_t out[TS_STAT_COUNT];
	size_t total = 0, exact = 0, saturated = 0;

	(void)state;
	for (int rep = 0; rep < 400; rep++) {
		ts_window_stats_config c = one_channel(N, N, ALL_STATS, rnd_range(-50, 50));
		const float scale = ldexpf(1.0f + (float)(rnd() % 1000) / 1000.0f,
					   (int)(rnd() % 12) - 6);
		const int32_t zp = rnd_range(-128, 127);
		const int32_t base = rnd_range(-2000, 2000), amp = rnd_range(1, 300);

		for (int i = 0; i < N; i++)
			x[i] = base + rnd_range(-amp, amp) + (rep & 1) * i * 3;
		for (int s = 0; s < TS_STAT_COUNT; s++) {
			/* an offset near the statistic, so that most bytes land
			 * inside -128..127 rather than saturate */
			const long double st = exact_stat(s, x, N, c.channel[0].threshold);
			long double span;

			c.channel[0].gain_q16[s] = rnd_range(-4 * 65536, 4 * 65536);
			if (c.channel[0].gain_q16[s] == 0)
				c.channel[0].gain_q16[s] = 1;
			span = 150.0L * scale / fabsl(c.channel[0].gain_q16[s] / 65536.0L);
			c.channel[0].offset_q16[s] =
				llroundl((st + span * ((int32_t)(rnd() % 2001) - 1000) / 1000.0L) * 65536);
		}
		/* the gain must keep |gain| / scale >= 2^-16 */
		if (ts_window_stats_init(&(ts_window_stats){ 0 }, &c, scale, zp) != TS_OK)
			continue;
		one_window(&c, scale, zp, x, out);
		for (int s = 0; s < TS_STAT_COUNT; s++) {
			const long double f = (exact_stat(s, x, N, c.channel[0].threshold) -
					       c.channel[0].offset_q16[s] / 65536.0L) *
					      (c.channel[0].gain_q16[s] / 65536.0L);
			const int want = quantize_ref(f, scale, zp);

			if (abs(out[s] - want) > 1)
				fail_msg("rep %d stat %d: %d, expected %d (f / scale = %Lg)", rep, s,
					 out[s], want, f / scale);
			total++;
			exact += out[s] == want;
			saturated += want == -128 || want == 127;
		}
	}
	printf("  %zu bytes: %zu exact, %zu off by one; %zu saturated\n", total, exact,
	       total - exact, saturated);
	assert_true(exact * 100 >= total * 99);
	assert_true(saturated < total / 2);
}

/* ---- streaming --------------------------------------------------------------------- */

/* Feeds frames in chunks (cycling; 0 = the rest), at most cap vectors per
 * push, and returns every vector. */
static int8_t *run_stream(ts_window_stats *ws, const void *frames, int is32, size_t n,
			  size_t fc, const size_t *chunks, size_t nchunks, size_t cap,
			  size_t *nvec)
{
	const size_t bytes = ts_window_stats_feature_bytes(ws);
	const size_t want = ts_window_stats_features_for(ws, n);
	int8_t *out = malloc(want * bytes + 1);
	size_t pos = 0, made = 0, ci = 0;

	assert_non_null(out);
	while (pos < n) {
		size_t len = chunks[ci++ % nchunks], fed = 0;

		if (len == 0 || len > n - pos)
			len = n - pos;
		while (fed < len) {
			const size_t room = want - made < cap ? want - made : cap;
			const size_t at = (pos + fed) * fc;
			size_t used, k;

			k = is32 ? ts_window_stats_push_s32(ws, (const int32_t *)frames + at, len - fed,
							    &used, out + made * bytes, room)
				 : ts_window_stats_push_s16(ws, (const int16_t *)frames + at, len - fed,
							    &used, out + made * bytes, room);
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

static void test_streaming(void **state)
{
	enum { FRAMES = 3000, FC = 4 };
	static const uint16_t windows[] = { 2, 50, 50, 50, 1024 };
	static const uint16_t hops[] = { 1, 7, 50, 120, 333 };
	int16_t *s16 = malloc(FRAMES * FC * sizeof(*s16));
	int32_t *s32 = malloc(FRAMES * FC * sizeof(*s32));
	size_t random_chunks[64];

	(void)state;
	assert_non_null(s16);
	assert_non_null(s32);
	for (size_t i = 0; i < FRAMES; i++) {
		s16[i * FC + 0] = (int16_t)(1000 * sin(i * 0.05) + rnd_range(-20, 20));
		s16[i * FC + 1] = (int16_t)rnd_range(INT16_MIN, INT16_MAX);
		s16[i * FC + 2] = (int16_t)((i / 13) & 1);                 /* GPIO */
		s16[i * FC + 3] = (int16_t)(i * 11 - 16000);
		for (size_t j = 0; j < FC; j++)
			s32[i * FC + j] = j == 1 ? (int32_t)rnd() : s16[i * FC + j] * 65537;
	}
	for (size_t i = 0; i < 64; i++)
		random_chunks[i] = 1 + rnd() % 400;

	for (size_t wi = 0; wi < sizeof(windows) / sizeof(windows[0]); wi++) {
		ts_window_stats_config c = *ts_window_stats_preset("minute");
		const size_t one[] = { 1 }, seven[] = { 7 }, whole[] = { 0 };
		const size_t hop_chunk[] = { hops[wi] };
		ts_window_stats ws;

		c.frame_channels = FC;
		c.window = windows[wi];
		c.hop = hops[wi];
		c.num_channels = 3;
		/* output order follows the configuration, not the frame */
		c.channel[0].index = 3;
		c.channel[0].stats = TS_STAT_BIT(TS_STAT_MEAN) | TS_STAT_BIT(TS_STAT_SLOPE);
		c.channel[1].index = 0;
		c.channel[1].stats = (uint16_t)ALL_STATS;
		c.channel[2].index = 2;
		c.channel[2].threshold = 1;
		c.channel[2].stats = TS_STAT_BIT(TS_STAT_RISING_EDGES) |
				     TS_STAT_BIT(TS_STAT_LEVEL_CHANGES) | TS_STAT_BIT(TS_STAT_MEAN);
		for (int is32 = 0; is32 < 2; is32++) {
			const void *data = is32 ? (const void *)s32 : (const void *)s16;
			const float scale = is32 ? 65537.0f * 0.5f : 0.5f;
			int8_t *ref, *got;
			size_t nref, ngot;

			assert_int_equal(ts_window_stats_init(&ws, &c, scale, -3), TS_OK);
			assert_int_equal(ts_window_stats_feature_bytes(&ws), 2 + TS_STAT_COUNT + 3);
			ref = run_stream(&ws, data, is32, FRAMES, FC, whole, 1, SIZE_MAX, &nref);
			assert_int_equal(nref, FRAMES < windows[wi] ? 0 :
					 (FRAMES - windows[wi]) / hops[wi] + 1);
			/* vector 1 == the stats of frames [hop, hop + window) alone */
			{
				const size_t at = (size_t)hops[wi] * FC;
				int8_t *alone;
				size_t na;

				ts_window_stats_reset(&ws);
				alone = run_stream(&ws, is32 ? (const void *)(s32 + at) : (const void *)(s16 + at),
						   is32, windows[wi], FC, whole, 1, SIZE_MAX, &na);
				assert_int_equal(na, 1);
				assert_memory_equal(alone, ref + ts_window_stats_feature_bytes(&ws),
						    ts_window_stats_feature_bytes(&ws));
				free(alone);
			}
			{
				const struct {
					const size_t *c;
					size_t n, cap;
				} runs[] = {
					{ one, 1, SIZE_MAX }, { seven, 1, SIZE_MAX }, { hop_chunk, 1, SIZE_MAX },
					{ random_chunks, 64, SIZE_MAX }, { whole, 1, 1 }, { seven, 1, 1 },
					{ random_chunks, 64, 2 },
				};

				for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
					ts_window_stats_reset(&ws);
					got = run_stream(&ws, data, is32, FRAMES, FC, runs[r].c, runs[r].n,
							 runs[r].cap, &ngot);
					assert_int_equal(ngot, nref);
					assert_memory_equal(got, ref, nref * ts_window_stats_feature_bytes(&ws));
					free(got);
				}
			}
			free(ref);
		}
	}
	free(s32);
	free(s16);
}

static void test_push_contract(void **state)
{
	ts_window_stats_config c = one_channel(10, 4, TS_STAT_BIT(TS_STAT_MEAN), 0);
	ts_window_stats ws;
	int16_t zeros[100] = { 0 };
	int8_t out[10];
	size_t used;

	(void)state;
	assert_int_equal(ts_window_stats_init(&ws, &c, 1.0f, 0), TS_OK);
	assert_int_equal(ts_window_stats_feature_bytes(&ws), 1);
	assert_int_equal(ts_window_stats_features_for(&ws, 9), 0);
	assert_int_equal(ts_window_stats_features_for(&ws, 10), 1);
	assert_int_equal(ts_window_stats_features_for(&ws, 13), 1);
	assert_int_equal(ts_window_stats_features_for(&ws, 14), 2);
	/* no room: stops one frame short of the first vector */
	assert_int_equal(ts_window_stats_push_s16(&ws, zeros, 100, &used, NULL, 0), 0);
	assert_int_equal(used, 9);
	assert_int_equal(ts_window_stats_features_for(&ws, 1), 1);
	/* room for two: vectors at frames 10 and 14, then stops before 18 */
	assert_int_equal(ts_window_stats_push_s16(&ws, zeros, 100, &used, out, 2), 2);
	assert_int_equal(used, 8);
	assert_int_equal(ts_window_stats_push_s16(&ws, zeros, 100, NULL, out, 10), 10);
	assert_int_equal(ts_window_stats_push_s16(&ws, NULL, 5, &used, out, 1), 0);
	assert_int_equal(used, 0);
	assert_int_equal(ts_window_stats_push_s32(&ws, NULL, 0, &used, out, 1), 0);
	assert_int_equal(ts_window_stats_push_s16(&ws, zeros, 5, &used, NULL, 1), 0);
	assert_int_equal(used, 0);
	/* a reset forgets the buffered frames */
	ts_window_stats_reset(&ws);
	assert_int_equal(ts_window_stats_features_for(&ws, 9), 0);
	ts_window_stats_reset(NULL);
}

static void test_invalid_configs(void **state)
{
	const ts_window_stats_config *p = ts_window_stats_preset("minute");
	ts_window_stats_config c;
	ts_window_stats ws;
	int16_t x[64] = { 0 };
	int8_t out[64];
	size_t used;

	(void)state;
	assert_non_null(p);
	assert_null(ts_window_stats_preset("hour"));
	assert_null(ts_window_stats_preset(NULL));
	assert_int_equal(ts_window_stats_init(NULL, p, 1.0f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, NULL, 1.0f, 0), TS_OK);
	assert_int_equal(ts_window_stats_feature_bytes(&ws), 5);

#define REJECT(stmt) do { \
		c = *p; \
		stmt; \
		assert_int_equal(ts_window_stats_init(&ws, &c, 1.0f, 0), TS_ERR_INVALID_ARG); \
		assert_int_equal(ts_window_stats_feature_bytes(&ws), 0); \
		assert_int_equal(ts_window_stats_push_s16(&ws, x, 64, &used, out, 64), 0); \
		assert_int_equal(used, 0); \
	} while (0)
	REJECT(c.frame_channels = 0);
	REJECT(c.frame_channels = TS_WINDOW_STATS_MAX_FRAME_CHANNELS + 1);
	REJECT(c.window = 1);
	REJECT(c.window = TS_WINDOW_STATS_MAX_WINDOW + 1);
	REJECT(c.hop = 0);
	REJECT(c.num_channels = 0);
	REJECT(c.num_channels = TS_WINDOW_STATS_MAX_CHANNELS + 1);
	REJECT((c.num_channels = 2, c.frame_channels = 2, c.channel[1].index = 1,
		c.channel[1].stats = 1, c.window = 2049));
	REJECT(c.channel[0].index = 1);
	REJECT(c.channel[0].stats = 0);
	REJECT(c.channel[0].stats = 1u << TS_STAT_COUNT);
	REJECT(c.channel[0].gain_q16[TS_STAT_MEAN] = 0);
	REJECT(c.channel[0].offset_q16[TS_STAT_STD] = ((int64_t)1 << 60) + 1);
	REJECT(c.channel[0].offset_q16[TS_STAT_STD] = -((int64_t)1 << 60) - 1);
	REJECT((c.num_channels = 2, c.channel[1].index = 1, c.channel[1].stats = 1));
#undef REJECT
	/* an unselected statistic's gain and offset are not looked at */
	c = *p;
	c.channel[0].gain_q16[TS_STAT_RMS] = 0;
	c.channel[0].offset_q16[TS_STAT_RMS] = INT64_MIN;
	assert_int_equal(ts_window_stats_init(&ws, &c, 1.0f, 0), TS_OK);
	/* 16 channels of 256 fit, 4096 samples */
	c.num_channels = 16;
	c.frame_channels = 16;
	c.window = 256;
	for (int i = 0; i < 16; i++) {
		c.channel[i].index = (uint16_t)i;
		c.channel[i].stats = 1;
	}
	assert_int_equal(ts_window_stats_init(&ws, &c, 1.0f, 0), TS_OK);
	c.window = 257;
	assert_int_equal(ts_window_stats_init(&ws, &c, 1.0f, 0), TS_ERR_INVALID_ARG);

	/* model input quantization */
	c = *p;
	assert_int_equal(ts_window_stats_init(&ws, &c, 0.0f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, &c, -1.0f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, &c, NAN, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, &c, INFINITY, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, &c, 1.0f, 128), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, &c, 1.0f, -129), TS_ERR_INVALID_ARG);
	/* gain / scale outside [2^-48, 2^47) */
	assert_int_equal(ts_window_stats_init(&ws, &c, 1e15f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, &c, 1e-15f, 0), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_window_stats_init(&ws, &c, 1e13f, 0), TS_OK);
	assert_int_equal(ts_window_stats_init(&ws, &c, 1e-13f, 0), TS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_sequences),
		cmocka_unit_test(test_exact_q16),
		cmocka_unit_test(test_int32_extremes),
		cmocka_unit_test(test_quantization),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_push_contract),
		cmocka_unit_test(test_invalid_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
