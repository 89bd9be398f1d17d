/* SPDX-License-Identifier: MIT */
/*
 * Classifier detector (lib/detect/detector.c): the int8 -> Q15 score
 * mapping against a double reference (exact: the products involved fit a
 * double) and hand values at extreme scales and zero points; every rule of
 * tinysense/detector.h in isolation (threshold edge, averaging window
 * fill-up and rounding, k consecutive with gaps, refractory boundaries in
 * both scopes, ignored labels, margin ties) and combined; reset; argument
 * checks.  Expected values are worked out by hand in the comments.
 *
 * Most tests use the usual softmax quantization (scale 1/256, zero point
 * -128), where score = (q + 128) * 128: a score of u "units" (0..255) is
 * q = u - 128 and 128 * u in Q15.  Thresholds of 128 units are 0.5.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <tinysense/detector.h>

#include "detect/detector_impl.h"

#define U(u) ((uint16_t)((u) * 128))  /* units -> Q15 */

static const float softmax_scale = 1.0f / 256.0f;
static const int32_t softmax_zp = -128;

static void init_det(ts_detector *det, const ts_detector_config *cfg)
{
	assert_int_equal(ts_detector_init(det, cfg, softmax_scale, softmax_zp), TS_OK);
}

/* One inference with scores given in units; returns whether it detected. */
static bool step_units(ts_detector *det, uint64_t t, const int *units, size_t n,
		       ts_detection *d)
{
	int8_t q[TS_DETECTOR_MAX_CLASSES];
	bool detected = true;

	for (size_t i = 0; i < n; i++)
		q[i] = (int8_t)(units[i] - 128);
	memset(d, 0xA5, sizeof(*d));
	assert_int_equal(ts_detector_process(det, q, n, t, d, &detected), TS_OK);
	return detected;
}

static bool step2(ts_detector *det, uint64_t t, int u0, int u1, ts_detection *d)
{
	const int u[2] = { u0, u1 };

	return step_units(det, t, u, 2, d);
}

static void assert_detection(const ts_detection *d, uint64_t t, unsigned cls,
			     uint16_t score, uint16_t avg)
{
	assert_int_equal(d->timestamp_ns, t);
	assert_int_equal(d->class_index, cls);
	assert_int_equal(d->score_q15, score);
	assert_int_equal(d->average_q15, avg);
}

/* ---- score mapping ----------------------------------------------------------- */

/* clamp(round_half_up(scale * (q - zp) * 32768), 0, 32768) in double: the
 * product of a float (24 bits), |q - zp| <= 255 (8 bits) and 2^15 is exact
 * in a double, so is + 0.5 for the values that matter, and floor is exact. */
static uint16_t ref_score(float scale, int32_t zp, int q)
{
	const double v = (double)scale * (double)(q - zp) * 32768.0;

	if (v <= 0.0)
		return 0;
	if (v >= 32768.0)
		return 32768;
	return (uint16_t)floor(v + 0.5);
}

static void check_table_against_reference(float scale, int32_t zp)
{
	uint16_t table[256];

	assert_int_equal(ts_det_score_table(scale, zp, table), 0);
	for (int q = -128; q <= 127; q++)
		assert_int_equal(table[q + 128], ref_score(scale, zp, q));
}

static void test_score_map_hand_values(void **state)
{
	uint16_t t[256];

	(void)state;
	/* Softmax: (q + 128) * 128, exact. */
	assert_int_equal(ts_det_score_table(1.0f / 256, -128, t), 0);
	assert_int_equal(t[0], 0);              /* q = -128 */
	assert_int_equal(t[127], 127 * 128);    /* q = -1 */
	assert_int_equal(t[128], 16384);        /* q = 0: 0.5 */
	assert_int_equal(t[255], 32640);        /* q = 127: 255/256 */

	/* 1/255 (float 0x3B808081, slightly above 1/255), zp -128: q = 127 is
	 * 255 * fl(1/255) * 32768 = 32768.0000x -> clamped to 32768 (1.0);
	 * q = -127: 32768 / 255 = 128.502 -> 129; q = -1: 127 * 128.502 =
	 * 16319.75 -> 16320. */
	assert_int_equal(ts_det_score_table(1.0f / 255, -128, t), 0);
	assert_int_equal(t[0], 0);
	assert_int_equal(t[1], 129);
	assert_int_equal(t[127], 16320);
	assert_int_equal(t[255], 32768);

	/* Scale 1.0: every q above the zero point saturates at 1.0. */
	assert_int_equal(ts_det_score_table(1.0f, -128, t), 0);
	assert_int_equal(t[0], 0);
	assert_int_equal(t[1], 32768);
	assert_int_equal(t[255], 32768);

	/* zp = 127: q - zp <= 0 everywhere: all 0. */
	assert_int_equal(ts_det_score_table(1.0f / 256, 127, t), 0);
	for (int i = 0; i < 256; i++)
		assert_int_equal(t[i], 0);

	/* 2^-16, zp -128: (q + 128) / 2, ties up: 0, 1 (0.5), 1, 2 (1.5),
	 * ..., 127 (255/2 = 127.5 -> 128). */
	assert_int_equal(ts_det_score_table(1.0f / 65536, -128, t), 0);
	assert_int_equal(t[0], 0);
	assert_int_equal(t[1], 1);
	assert_int_equal(t[2], 1);
	assert_int_equal(t[3], 2);
	assert_int_equal(t[255], 128);

	/* 2^-15, zp 0: max(q, 0). */
	assert_int_equal(ts_det_score_table(1.0f / 32768, 0, t), 0);
	assert_int_equal(t[0], 0);
	assert_int_equal(t[128], 0);
	assert_int_equal(t[129], 1);
	assert_int_equal(t[255], 127);

	/* Smallest subnormal: 255 * 2^-149 * 2^15 rounds to 0. */
	assert_int_equal(ts_det_score_table(1.4e-45f, -128, t), 0);
	for (int i = 0; i < 256; i++)
		assert_int_equal(t[i], 0);

	/* Largest float: saturates above the zero point, 0 at or below. */
	assert_int_equal(ts_det_score_table(3.4028234e38f, 0, t), 0);
	assert_int_equal(t[128], 0);
	assert_int_equal(t[127], 0);
	assert_int_equal(t[129], 32768);
}

static void test_score_map_against_reference(void **state)
{
	static const float scales[] = {
		1.0f / 256, 1.0f / 255, 1.0f / 128, 1.0f / 100, 0.00390625f,
		0.0039215689f, 0.1f, 0.5f, 1.0f, 3.0f, 1e-3f, 1e-5f, 3e-6f,
		1.0f / 65536, 1.0f / 32768, 1.0f / 3, 7.62939453125e-06f,
		1.4e-45f, 1e-38f, 3.4028234e38f,
	};
	static const int32_t zps[] = { -128, -127, -100, -1, 0, 1, 64, 126, 127 };

	(void)state;
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++)
		for (size_t j = 0; j < sizeof(zps) / sizeof(zps[0]); j++)
			check_table_against_reference(scales[i], zps[j]);
}

static void test_score_map_rejects_bad_quantization(void **state)
{
	uint16_t t[256];
	ts_detector det;
	ts_detector_config cfg;

	(void)state;
	assert_int_equal(ts_det_score_table(0.0f, 0, t), -1);
	assert_int_equal(ts_det_score_table(-0.0f, 0, t), -1);
	assert_int_equal(ts_det_score_table(-1.0f / 256, 0, t), -1);
	assert_int_equal(ts_det_score_table(NAN, 0, t), -1);
	assert_int_equal(ts_det_score_table(INFINITY, 0, t), -1);
	assert_int_equal(ts_det_score_table(1.0f / 256, 128, t), -1);
	assert_int_equal(ts_det_score_table(1.0f / 256, -129, t), -1);

	ts_detector_config_init(&cfg, 2);
	assert_int_equal(ts_detector_init(&det, &cfg, 0.0f, 0), TS_ERR_QUANT);
	assert_int_equal(ts_detector_init(&det, &cfg, 1.0f / 256, 200), TS_ERR_QUANT);
}

/* The mapping through the detector: ts_detector_scores after one inference
 * (A = 1, so the averages equal the scores). */
static void test_scores_through_process(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	const int8_t q[4] = { -128, -1, 0, 127 };
	uint16_t s[4], a[4];
	ts_detection d;
	bool detected;

	(void)state;
	ts_detector_config_init(&cfg, 4);
	init_det(&det, &cfg);
	assert_int_equal(ts_detector_scores(&det, s, a, 4), TS_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s[i], 0); /* nothing yet */
	assert_int_equal(ts_detector_process(&det, q, 4, 10, &d, &detected), TS_OK);
	assert_int_equal(ts_detector_scores(&det, s, a, 4), TS_OK);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], 16256);
	assert_int_equal(s[2], 16384);
	assert_int_equal(s[3], 32640);
	assert_memory_equal(s, a, sizeof(s));
	/* Class 3 (32640) beats class 2 (16384) and its 0.5 threshold. */
	assert_true(detected);
	assert_detection(&d, 10, 3, 32640, 32640);
}

/* ---- rules in isolation --------------------------------------------------------- */

/* Threshold 128 units: 128 (equal) does not qualify, 129 does. */
static void test_threshold_equal_vs_above(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;

	(void)state;
	ts_detector_config_init(&cfg, 2);
	init_det(&det, &cfg);
	assert_false(step2(&det, 0, 128, 0, &d));
	assert_true(step2(&det, 1, 129, 0, &d));
	assert_detection(&d, 1, 0, U(129), U(129));

	/* Per-class thresholds: class 1 needs > 200 units. */
	cfg.threshold_q15[1] = U(200);
	init_det(&det, &cfg);
	assert_false(step2(&det, 0, 0, 200, &d));
	assert_true(step2(&det, 1, 0, 201, &d));
	assert_int_equal(d.class_index, 1);

	/* Threshold 1.0 never passes (a score cannot exceed 1.0); 0 passes
	 * anything above 0. */
	cfg.threshold_q15[0] = TS_DETECTOR_SCORE_ONE;
	cfg.threshold_q15[1] = 0;
	assert_int_equal(ts_detector_init(&det, &cfg, 1.0f, -128), TS_OK);
	assert_false(step2(&det, 0, 255, 0, &d)); /* class 0 at 1.0: not above */
	assert_int_equal(ts_detector_init(&det, &cfg, 1.0f / 256, -128), TS_OK);
	assert_true(step2(&det, 0, 0, 1, &d));    /* class 1: 128 > 0 */
	assert_detection(&d, 0, 1, 128, 128);
}

/* A = 4 with scores 2^-15 * q (scale 2^-15, zero point 0, so score = q for
 * q > 0): the average runs over the inferences seen while the window fills,
 * rounds to nearest with ties up, then slides. */
static void test_average_fill_up_and_rounding(void **state)
{
	static const struct {
		int8_t q;
		uint16_t avg;
	} seq[] = {
		{ 1, 1 },     /* 1/1 */
		{ 2, 2 },     /* 3/2 = 1.5 -> 2 (tie up) */
		{ 1, 1 },     /* 4/3 = 1.33 -> 1 */
		{ 100, 26 },  /* 104/4 = 26 */
		{ 3, 27 },    /* window 2,1,100,3: 106/4 = 26.5 -> 27 */
		{ 0, 26 },    /* 1,100,3,0: 104/4 = 26 */
		{ 0, 26 },    /* 100,3,0,0: 103/4 = 25.75 -> 26 */
		{ 0, 1 },     /* 3,0,0,0: 0.75 -> 1 */
		{ 0, 0 },     /* 0,0,0,0 */
	};
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;
	bool detected;
	uint16_t s[2], a[2];

	(void)state;
	ts_detector_config_init(&cfg, 2);
	cfg.average_window = 4;
	assert_int_equal(ts_detector_init(&det, &cfg, 1.0f / 32768, 0), TS_OK);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		const int8_t q[2] = { seq[i].q, 0 };

		assert_int_equal(ts_detector_process(&det, q, 2, i, &d, &detected), TS_OK);
		assert_int_equal(ts_detector_scores(&det, s, a, 2), TS_OK);
		assert_int_equal(s[0], seq[i].q);
		assert_int_equal(a[0], seq[i].avg);
		assert_int_equal(a[1], 0);
	}
}

/* The averaged score is what the threshold sees, during fill-up too. */
static void test_average_feeds_threshold(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;

	(void)state;
	ts_detector_config_init(&cfg, 2);
	cfg.average_window = 3;
	init_det(&det, &cfg);
	/* 1st: average of one = 250 > 128: detected at once. */
	assert_true(step2(&det, 0, 250, 0, &d));
	assert_detection(&d, 0, 0, U(250), U(250));
	/* 2nd: (250 + 0) / 2 = 125: not above. */
	assert_false(step2(&det, 1, 0, 0, &d));
	/* 3rd: (250 + 0 + 140) / 3 = 130: above; score 140, average 130. */
	assert_true(step2(&det, 2, 140, 0, &d));
	assert_detection(&d, 2, 0, U(140), U(130));
	/* 4th: 250 leaves: (0 + 140 + 200) / 3 = 113.33 units = 14506.67 ->
	 * 14507 in Q15 (43520 / 3 rounded). */
	assert_false(step2(&det, 3, 200, 0, &d));
	{
		uint16_t a[2];

		assert_int_equal(ts_detector_scores(&det, NULL, a, 2), TS_OK);
		assert_int_equal(a[0], 14507);
	}
}

/* k = 3: a gap (an inference where the winner does not qualify) or another
 * qualifying class restarts the count. */
static void test_k_consecutive_with_gap(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;

	(void)state;
	ts_detector_config_init(&cfg, 2);
	cfg.trigger_count = 3;
	init_det(&det, &cfg);
	assert_false(step2(&det, 0, 200, 0, &d));  /* run 1 */
	assert_false(step2(&det, 1, 200, 0, &d));  /* run 2 */
	assert_false(step2(&det, 2, 100, 0, &d));  /* gap: 100 <= 128 */
	assert_false(step2(&det, 3, 200, 0, &d));  /* run 1 */
	assert_false(step2(&det, 4, 200, 0, &d));  /* run 2 */
	assert_true(step2(&det, 5, 200, 0, &d));   /* run 3: detected */
	assert_detection(&d, 5, 0, U(200), U(200));
	/* No refractory period: the run goes on and detects again. */
	assert_true(step2(&det, 6, 210, 0, &d));
	assert_detection(&d, 6, 0, U(210), U(210));

	/* Switching class restarts the run. */
	ts_detector_reset(&det);
	assert_false(step2(&det, 0, 200, 0, &d));  /* class 0 run 1 */
	assert_false(step2(&det, 1, 200, 0, &d));  /* class 0 run 2 */
	assert_false(step2(&det, 2, 0, 200, &d));  /* class 1 run 1 */
	assert_false(step2(&det, 3, 0, 200, &d));  /* class 1 run 2 */
	assert_true(step2(&det, 4, 0, 200, &d));   /* class 1 run 3 */
	assert_int_equal(d.class_index, 1);
}

/* Refractory 1000 ns: at t_prev + 999 blocked, at t_prev + 1000 allowed. */
static void test_refractory_global_boundary(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;

	(void)state;
	ts_detector_config_init(&cfg, 2);
	cfg.refractory_ns = 1000;
	init_det(&det, &cfg);
	assert_true(step2(&det, 5000, 200, 0, &d));
	assert_false(step2(&det, 5500, 0, 200, &d));   /* other class: global */
	assert_false(step2(&det, 5999, 200, 0, &d));
	assert_true(step2(&det, 6000, 0, 200, &d));    /* exactly the period */
	assert_detection(&d, 6000, 1, U(200), U(200));
	assert_false(step2(&det, 6999, 200, 0, &d));   /* from 6000 now */
	assert_true(step2(&det, 7000, 200, 0, &d));
	assert_int_equal(d.class_index, 0);
}

static void test_refractory_per_label_boundary(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;

	(void)state;
	ts_detector_config_init(&cfg, 2);
	cfg.refractory_ns = 1000;
	cfg.refractory_scope = TS_DETECTOR_REFRACTORY_PER_LABEL;
	init_det(&det, &cfg);
	assert_true(step2(&det, 0, 200, 0, &d));       /* class 0 at 0 */
	assert_true(step2(&det, 500, 0, 200, &d));     /* class 1: its own clock */
	assert_int_equal(d.class_index, 1);
	assert_false(step2(&det, 999, 200, 0, &d));    /* class 0: 999 < 1000 */
	assert_true(step2(&det, 1000, 200, 0, &d));    /* class 0: = 1000 */
	assert_false(step2(&det, 1499, 0, 200, &d));   /* class 1: 999 */
	assert_true(step2(&det, 1500, 0, 200, &d));    /* class 1: 1000 */
	assert_detection(&d, 1500, 1, U(200), U(200));
}

/* A run that reaches k inside the refractory period keeps counting and is
 * detected at the first inference after the period. */
static void test_refractory_keeps_run(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;

	(void)state;
	ts_detector_config_init(&cfg, 2);
	cfg.trigger_count = 2;
	cfg.refractory_ns = 1000;
	init_det(&det, &cfg);
	assert_false(step2(&det, 0, 200, 0, &d));
	assert_true(step2(&det, 100, 200, 0, &d));     /* run 2 */
	for (uint64_t t = 200; t < 1100; t += 100)
		assert_false(step2(&det, t, 200, 0, &d)); /* runs 3..11, blocked */
	assert_true(step2(&det, 1100, 200, 0, &d));    /* 1100 - 100 = 1000 */
	assert_detection(&d, 1100, 0, U(200), U(200));
}

/* Ignored classes are never reported, even when they are top with every
 * other rule passing; they still rank, so a winning ignored class means no
 * detection (and a gap in runs). */
static void test_ignored_labels(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;
	int u[3];

	(void)state;
	ts_detector_config_init(&cfg, 3);
	cfg.ignore_mask = 1u << 0;          /* class 0: "silence" */
	for (int c = 0; c < 3; c++)
		cfg.threshold_q15[c] = 0;
	init_det(&det, &cfg);
	for (uint64_t t = 0; t < 10; t++) {
		u[0] = 255; u[1] = 0; u[2] = 0;
		assert_false(step_units(&det, t, u, 3, &d));
	}
	/* Silence on top, class 2 also above its threshold: still nothing. */
	u[0] = 200; u[1] = 0; u[2] = 150;
	assert_false(step_units(&det, 10, u, 3, &d));
	/* Class 2 on top: detected. */
	u[0] = 150; u[1] = 0; u[2] = 200;
	assert_true(step_units(&det, 11, u, 3, &d));
	assert_int_equal(d.class_index, 2);

	/* An ignored winner is a gap for runs (k = 2). */
	cfg.trigger_count = 2;
	init_det(&det, &cfg);
	u[0] = 0; u[1] = 0; u[2] = 200;
	assert_false(step_units(&det, 0, u, 3, &d));   /* class 2 run 1 */
	u[0] = 255;
	assert_false(step_units(&det, 1, u, 3, &d));   /* silence wins: gap */
	u[0] = 0;
	assert_false(step_units(&det, 2, u, 3, &d));   /* class 2 run 1 */
	assert_true(step_units(&det, 3, u, 3, &d));    /* run 2 */

	/* All 64 classes ignored: never anything. */
	ts_detector_config_init(&cfg, 64);
	cfg.ignore_mask = UINT64_MAX;
	init_det(&det, &cfg);
	{
		int all[64];

		for (int c = 0; c < 64; c++)
			all[c] = c == 63 ? 255 : 0;
		assert_false(step_units(&det, 0, all, 64, &d));
	}
	/* Only bits below N may be set. */
	ts_detector_config_init(&cfg, 3);
	cfg.ignore_mask = 1u << 3;
	assert_int_equal(ts_detector_init(&det, &cfg, softmax_scale, softmax_zp),
			 TS_ERR_INVALID_ARG);
}

/* Margin: winner - runner-up must be > M.  Ties never qualify, and the
 * lowest index wins a tie for the ranking. */
static void test_margin_and_ties(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;
	int u[3];

	(void)state;
	ts_detector_config_init(&cfg, 3);
	init_det(&det, &cfg);                  /* M = 0 */
	u[0] = 200; u[1] = 200; u[2] = 0;
	assert_false(step_units(&det, 0, u, 3, &d)); /* exact tie */
	u[0] = 200; u[1] = 201; u[2] = 0;
	assert_true(step_units(&det, 1, u, 3, &d));  /* beats by 1 unit */
	assert_int_equal(d.class_index, 1);

	cfg.margin_q15 = U(2);                 /* 256 */
	init_det(&det, &cfg);
	u[0] = 140; u[1] = 138; u[2] = 0;      /* 17920 - 17664 = 256 = M */
	assert_false(step_units(&det, 0, u, 3, &d));
	u[0] = 140; u[1] = 137; u[2] = 0;      /* 384 > 256 */
	assert_true(step_units(&det, 1, u, 3, &d));
	assert_detection(&d, 1, 0, U(140), U(140));
	/* Runner-up among the others, here class 2. */
	u[0] = 1; u[1] = 142; u[2] = 140;
	assert_false(step_units(&det, 2, u, 3, &d));
	u[0] = 1; u[1] = 143; u[2] = 140;
	assert_true(step_units(&det, 3, u, 3, &d));
	assert_int_equal(d.class_index, 1);

	/* An ignored class counts as runner-up. */
	cfg.ignore_mask = 1u << 0;
	cfg.margin_q15 = U(10);
	init_det(&det, &cfg);
	u[0] = 195; u[1] = 205; u[2] = 0;      /* 10 units: not > 10 */
	assert_false(step_units(&det, 0, u, 3, &d));
	u[0] = 194;
	assert_true(step_units(&det, 1, u, 3, &d));

	/* One class: the runner-up is 0. */
	ts_detector_config_init(&cfg, 1);
	cfg.threshold_q15[0] = 0;
	cfg.margin_q15 = U(100);
	init_det(&det, &cfg);
	u[0] = 100;
	assert_false(step_units(&det, 0, u, 1, &d));
	u[0] = 101;
	assert_true(step_units(&det, 1, u, 1, &d));
}

/* ---- combined ---------------------------------------------------------------------- */

/*
 * Four classes: 0 silence and 1 unknown (ignored), 2 "yes" (threshold 128
 * units), 3 "no" (160 units); A = 2, k = 2, M = 16 units, refractory 500 ns
 * global.  Per step: scores, averages of yes/no, and what happens.
 */
static void test_combined_rules(void **state)
{
	static const struct {
		uint64_t t;
		int u[4];
		int detect;           /* -1: none, else the class */
		uint16_t score, avg;
	} seq[] = {
		/* avg [200,0,50,5]: silence wins (ignored): nothing. */
		{ 0, { 200, 0, 50, 5 }, -1, 0, 0 },
		/* avg [100,0,150,5]: yes 150 > 128, 150-100 > 16: run 1. */
		{ 100, { 0, 0, 250, 5 }, -1, 0, 0 },
		/* avg yes 250: run 2 = k, no detection before: detect. */
		{ 200, { 0, 0, 250, 5 }, 2, U(250), U(250) },
		/* run 3, 300 - 200 < 500: blocked. */
		{ 300, { 0, 0, 250, 5 }, -1, 0, 0 },
		/* avg yes 175, no 77.5: run 4, blocked. */
		{ 400, { 0, 0, 100, 150 }, -1, 0, 0 },
		/* avg yes 100, no 150: no wins, 150 <= 160: gap. */
		{ 500, { 0, 0, 100, 150 }, -1, 0, 0 },
		/* avg yes 95, no 160 = threshold: gap. */
		{ 600, { 0, 0, 90, 170 }, -1, 0, 0 },
		/* avg yes 90, no 171: run(no) 1. */
		{ 700, { 0, 0, 90, 172 }, -1, 0, 0 },
		/* avg no 172: run 2, 800 - 200 >= 500: detect "no". */
		{ 800, { 0, 0, 90, 172 }, 3, U(172), U(172) },
		/* avg yes 125, no 169: run 3, 900 - 800 < 500: blocked. */
		{ 900, { 0, 0, 160, 166 }, -1, 0, 0 },
		/* avg yes 163, no 168: margin 5 <= 16: gap. */
		{ 1000, { 0, 0, 166, 170 }, -1, 0, 0 },
		/* avg yes 83, no 185: run 1. */
		{ 1300, { 0, 0, 0, 200 }, -1, 0, 0 },
		/* avg no 200: run 2, 1400 - 800 >= 500: detect. */
		{ 1400, { 0, 0, 0, 200 }, 3, U(200), U(200) },
	};
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;

	(void)state;
	ts_detector_config_init(&cfg, 4);
	cfg.ignore_mask = (1u << 0) | (1u << 1);
	cfg.threshold_q15[2] = U(128);
	cfg.threshold_q15[3] = U(160);
	cfg.average_window = 2;
	cfg.trigger_count = 2;
	cfg.margin_q15 = U(16);
	cfg.refractory_ns = 500;
	init_det(&det, &cfg);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		const bool got = step_units(&det, seq[i].t, seq[i].u, 4, &d);

		if (seq[i].detect < 0) {
			assert_false(got);
		} else {
			assert_true(got);
			assert_detection(&d, seq[i].t, (unsigned)seq[i].detect,
					 seq[i].score, seq[i].avg);
		}
	}
	{
		/* The last averages: yes (0 + 0) / 2, no (200 + 200) / 2. */
		uint16_t a[4];

		assert_int_equal(ts_detector_scores(&det, NULL, a, 4), TS_OK);
		assert_int_equal(a[2], U(0));
		assert_int_equal(a[3], U(200));
	}
}

/* ---- reset and API --------------------------------------------------------------- */

static void test_reset(void **state)
{
	ts_detector det;
	ts_detector_config cfg;
	ts_detection d;
	uint16_t s[2], a[2];

	(void)state;
	ts_detector_config_init(&cfg, 2);
	cfg.trigger_count = 2;
	cfg.average_window = 4;
	cfg.refractory_ns = 1000000;
	init_det(&det, &cfg);
	assert_false(step2(&det, 100, 250, 0, &d));
	assert_true(step2(&det, 200, 250, 0, &d));
	assert_false(step2(&det, 300, 250, 0, &d));    /* refractory */
	assert_false(step2(&det, 400, 0, 0, &d));      /* average 187.5: run 4 */

	ts_detector_reset(&det);
	assert_int_equal(ts_detector_scores(&det, s, a, 2), TS_OK);
	assert_int_equal(s[0], 0);
	assert_int_equal(a[0], 0);
	/* Time may start over; the window is empty (average 200, not
	 * (250 * 3 + 0 + 200) / 5), the run restarts at 1, and the
	 * refractory period is forgotten. */
	assert_false(step2(&det, 0, 200, 0, &d));
	assert_int_equal(ts_detector_scores(&det, NULL, a, 2), TS_OK);
	assert_int_equal(a[0], U(200));
	assert_true(step2(&det, 1, 200, 0, &d));
	assert_detection(&d, 1, 0, U(200), U(200));
}

static void test_api_errors(void **state)
{
	ts_detector det, zero;
	ts_detector_config cfg;
	ts_detection d;
	bool detected = false;
	const int8_t q[2] = { 100, -128 };
	uint16_t a[2];

	(void)state;
	memset(&zero, 0, sizeof(zero));
	ts_detector_config_init(&cfg, 2);
	assert_int_equal(ts_detector_init(NULL, &cfg, softmax_scale, softmax_zp), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_detector_init(&det, NULL, softmax_scale, softmax_zp), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_detector_process(&zero, q, 2, 0, &d, &detected), TS_ERR_STATE);
	assert_int_equal(ts_detector_scores(&zero, a, a, 2), TS_ERR_STATE);
	ts_detector_reset(&zero);   /* harmless */
	ts_detector_reset(NULL);
	ts_detector_config_init(NULL, 2);

#define BAD(field, value)                                                          \
	do {                                                                       \
		ts_detector_config c = cfg;                                        \
		c.field = value;                                                   \
		assert_int_equal(ts_detector_init(&det, &c, softmax_scale, softmax_zp), \
				 TS_ERR_INVALID_ARG);                              \
		assert_int_equal(ts_detector_process(&det, q, 2, 0, &d, &detected), \
				 TS_ERR_STATE);                                    \
	} while (0)
	BAD(num_classes, 0);
	BAD(num_classes, TS_DETECTOR_MAX_CLASSES + 1);
	BAD(average_window, 0);
	BAD(average_window, TS_DETECTOR_MAX_AVERAGE + 1);
	BAD(trigger_count, 0);
	BAD(margin_q15, TS_DETECTOR_SCORE_ONE + 1);
	BAD(refractory_scope, 2);
	BAD(threshold_q15[1], TS_DETECTOR_SCORE_ONE + 1);
#undef BAD
	{
		/* Thresholds past N are not looked at. */
		ts_detector_config c = cfg;

		c.threshold_q15[5] = UINT16_MAX;
		assert_int_equal(ts_detector_init(&det, &c, softmax_scale, softmax_zp), TS_OK);
	}

	init_det(&det, &cfg);
	assert_int_equal(ts_detector_process(&det, NULL, 2, 0, &d, &detected), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_detector_process(&det, q, 2, 0, NULL, &detected), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_detector_process(&det, q, 2, 0, &d, NULL), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_detector_process(&det, q, 3, 0, &d, &detected), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_detector_scores(&det, a, a, 3), TS_ERR_INVALID_ARG);

	/* Time going backwards is refused and changes nothing. */
	assert_int_equal(ts_detector_process(&det, q, 2, 1000, &d, &detected), TS_OK);
	assert_true(detected);
	assert_int_equal(ts_detector_process(&det, (const int8_t[2]){ -128, 100 }, 2, 999,
					     &d, &detected), TS_ERR_INVALID_ARG);
	assert_int_equal(ts_detector_scores(&det, NULL, a, 2), TS_OK);
	assert_int_equal(a[0], U(228));
	assert_int_equal(a[1], 0);
	/* The same timestamp again is fine. */
	assert_int_equal(ts_detector_process(&det, q, 2, 1000, &d, &detected), TS_OK);

	/* A copy is a snapshot: it continues on its own. */
	{
		ts_detector copy;

		memcpy(&copy, &det, sizeof(det));
		assert_int_equal(ts_detector_process(&copy, q, 2, 2000, &d, &detected), TS_OK);
		assert_true(detected);
		assert_detection(&d, 2000, 0, U(228), U(228));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_score_map_hand_values),
		cmocka_unit_test(test_score_map_against_reference),
		cmocka_unit_test(test_score_map_rejects_bad_quantization),
		cmocka_unit_test(test_scores_through_process),
		cmocka_unit_test(test_threshold_equal_vs_above),
		cmocka_unit_test(test_average_fill_up_and_rounding),
		cmocka_unit_test(test_average_feeds_threshold),
		cmocka_unit_test(test_k_consecutive_with_gap),
		cmocka_unit_test(test_refractory_global_boundary),
		cmocka_unit_test(test_refractory_per_label_boundary),
		cmocka_unit_test(test_refractory_keeps_run),
		cmocka_unit_test(test_ignored_labels),
		cmocka_unit_test(test_margin_and_ties),
		cmocka_unit_test(test_combined_rules),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_api_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
