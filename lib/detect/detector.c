/* SPDX-License-Identifier: MIT */
/*
 * The classifier detector: score mapping, moving average, top-1 with
 * margin, per-class thresholds, consecutive count, refractory period.  The
 * rules and their order are documented in tinysense/detector.h.
 */
#include <string.h>

#include "detect_math.h"
#include "detector_impl.h"

_Static_assert(sizeof(ts_det_state) <= sizeof(ts_detector),
	       "TS_DETECTOR_STATE_BYTES is too small for ts_det_state");
_Static_assert(sizeof(ts_detector) - sizeof(ts_det_state) < 256,
	       "TS_DETECTOR_STATE_BYTES wastes memory: shrink it");
_Static_assert(_Alignof(ts_det_state) <= _Alignof(ts_detector),
	       "ts_detector is not aligned enough for ts_det_state");
/* A sum of A scores fits its uint32. */
_Static_assert((uint64_t)TS_DETECTOR_MAX_AVERAGE * TS_DETECTOR_SCORE_ONE <= UINT32_MAX,
	       "score sums overflow");

int ts_det_score_table(float scale, int32_t zero_point, uint16_t table[256])
{
	uint32_t m;
	int32_t e;

	if (!ts_dm_scale_split(scale, &m, &e) || zero_point < -128 || zero_point > 127)
		return -1;
	for (int32_t q = -128; q <= 127; q++) {
		const int64_t v = ts_dm_mul_pow2_round(q - zero_point, m, e + 15,
						       TS_DETECTOR_SCORE_ONE);

		table[q + 128] = (uint16_t)(v > 0 ? v : 0);
	}
	return 0;
}

static ts_det_state *state_of(ts_detector *det)
{
	ts_det_state *st = (ts_det_state *)(void *)det;

	return st && st->magic == TS_DET_MAGIC ? st : NULL;
}

static const ts_det_state *const_state_of(const ts_detector *det)
{
	return state_of((ts_detector *)(uintptr_t)det);
}

static uint64_t class_bit(unsigned c)
{
	return (uint64_t)1 << c;
}

void ts_detector_config_init(ts_detector_config *cfg, uint16_t num_classes)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->num_classes = num_classes;
	cfg->average_window = 1;
	cfg->trigger_count = 1;
	cfg->refractory_scope = TS_DETECTOR_REFRACTORY_GLOBAL;
	for (unsigned c = 0; c < TS_DETECTOR_MAX_CLASSES; c++)
		cfg->threshold_q15[c] = TS_DETECTOR_SCORE_ONE / 2;
}

static int config_ok(const ts_detector_config *c)
{
	if (c->num_classes < 1 || c->num_classes > TS_DETECTOR_MAX_CLASSES ||
	    c->average_window < 1 || c->average_window > TS_DETECTOR_MAX_AVERAGE ||
	    c->trigger_count < 1 || c->margin_q15 > TS_DETECTOR_SCORE_ONE ||
	    (c->refractory_scope != TS_DETECTOR_REFRACTORY_GLOBAL &&
	     c->refractory_scope != TS_DETECTOR_REFRACTORY_PER_LABEL))
		return 0;
	if (c->num_classes < 64 && c->ignore_mask >> c->num_classes)
		return 0;
	for (unsigned i = 0; i < c->num_classes; i++)
		if (c->threshold_q15[i] > TS_DETECTOR_SCORE_ONE)
			return 0;
	return 1;
}

ts_status ts_detector_init(ts_detector *det, const ts_detector_config *cfg,
			   float scale, int32_t zero_point)
{
	ts_det_state *st = (ts_det_state *)(void *)det;

	if (!det)
		return TS_ERR_INVALID_ARG;
	st->magic = 0;
	if (!cfg || !config_ok(cfg))
		return TS_ERR_INVALID_ARG;
	if (ts_det_score_table(scale, zero_point, st->table))
		return TS_ERR_QUANT;
	st->num_classes = cfg->num_classes;
	st->average_window = cfg->average_window;
	st->trigger_count = cfg->trigger_count;
	st->margin = cfg->margin_q15;
	st->per_label = cfg->refractory_scope == TS_DETECTOR_REFRACTORY_PER_LABEL;
	st->refractory_ns = cfg->refractory_ns;
	st->ignore_mask = cfg->ignore_mask;
	memset(st->threshold, 0, sizeof(st->threshold));
	memcpy(st->threshold, cfg->threshold_q15, cfg->num_classes * sizeof(st->threshold[0]));
	st->magic = TS_DET_MAGIC;
	ts_detector_reset(det);
	return TS_OK;
}

void ts_detector_reset(ts_detector *det)
{
	ts_det_state *st = state_of(det);

	if (!st)
		return;
	st->filled = 0;
	st->head = 0;
	st->have_time = 0;
	st->run_class = 0;
	st->run_count = 0;
	st->last_time = 0;
	st->detected_mask = 0;
	st->global_detect = 0;
	memset(st->last_detect, 0, sizeof(st->last_detect));
	memset(st->sum, 0, sizeof(st->sum));
	memset(st->score, 0, sizeof(st->score));
	memset(st->avg, 0, sizeof(st->avg));
	memset(st->hist, 0, sizeof(st->hist));
}

/* Steps 1 and 2: scores, window, averages. */
static void score_and_average(ts_det_state *st, const int8_t *output)
{
	const unsigned n = st->num_classes;
	uint16_t *row = st->hist[st->head];
	uint32_t w;

	if (st->filled < st->average_window)
		st->filled++;
	w = st->filled;
	for (unsigned c = 0; c < n; c++) {
		const uint16_t s = st->table[output[c] + 128];

		/* The row being overwritten is the oldest one once the window
		 * is full, and all zero before. */
		st->sum[c] = st->sum[c] - row[c] + s;
		row[c] = s;
		st->score[c] = s;
		st->avg[c] = (uint16_t)((st->sum[c] + w / 2) / w);
	}
	st->head = (uint8_t)(st->head + 1 == st->average_window ? 0 : st->head + 1);
}

/* Steps 3 and 4: the winner when it qualifies, else -1. */
static int qualified_winner(const ts_det_state *st)
{
	const unsigned n = st->num_classes;
	unsigned win = 0;
	uint16_t runner_up = 0;

	for (unsigned c = 1; c < n; c++) {
		if (st->avg[c] > st->avg[win]) {
			runner_up = st->avg[win];
			win = c;
		} else if (st->avg[c] > runner_up) {
			runner_up = st->avg[c];
		}
	}
	if (st->ignore_mask & class_bit(win))
		return -1;
	if (st->avg[win] <= st->threshold[win])
		return -1;
	if (st->avg[win] - runner_up <= st->margin)
		return -1;
	return (int)win;
}

/* Step 7: whether a detection of class c at t is blocked. */
static int refractory(const ts_det_state *st, unsigned c, uint64_t t)
{
	uint64_t prev;

	if (st->per_label) {
		if (!(st->detected_mask & class_bit(c)))
			return 0;
		prev = st->last_detect[c];
	} else {
		if (!st->detected_mask)
			return 0;
		prev = st->global_detect;
	}
	return t - prev < st->refractory_ns;
}

ts_status ts_detector_process(ts_detector *det, const int8_t *output, size_t n,
			      uint64_t timestamp_ns, ts_detection *detection,
			      bool *detected)
{
	ts_det_state *st = state_of(det);
	int win;

	if (!det || !output || !detection || !detected)
		return TS_ERR_INVALID_ARG;
	if (!st)
		return TS_ERR_STATE;
	if (n != st->num_classes || (st->have_time && timestamp_ns < st->last_time))
		return TS_ERR_INVALID_ARG;
	st->have_time = 1;
	st->last_time = timestamp_ns;

	score_and_average(st, output);
	win = qualified_winner(st);

	/* Step 5. */
	if (win < 0) {
		st->run_count = 0;
	} else if (st->run_count && st->run_class == (unsigned)win) {
		if (st->run_count < UINT16_MAX)
			st->run_count++;
	} else {
		st->run_class = (uint16_t)win;
		st->run_count = 1;
	}

	/* Steps 6 to 8. */
	*detected = false;
	if (win < 0 || st->run_count < st->trigger_count ||
	    refractory(st, (unsigned)win, timestamp_ns))
		return TS_OK;
	st->detected_mask |= class_bit((unsigned)win);
	st->last_detect[win] = timestamp_ns;
	st->global_detect = timestamp_ns;
	detection->timestamp_ns = timestamp_ns;
	detection->class_index = (uint16_t)win;
	detection->score_q15 = st->score[win];
	detection->average_q15 = st->avg[win];
	*detected = true;
	return TS_OK;
}

ts_status ts_detector_scores(const ts_detector *det, uint16_t *scores_q15,
			     uint16_t *averages_q15, size_t n)
{
	const ts_det_state *st = const_state_of(det);

	if (!det)
		return TS_ERR_INVALID_ARG;
	if (!st)
		return TS_ERR_STATE;
	if (n != st->num_classes)
		return TS_ERR_INVALID_ARG;
	if (scores_q15)
		memcpy(scores_q15, st->score, n * sizeof(*scores_q15));
	if (averages_q15)
		memcpy(averages_q15, st->avg, n * sizeof(*averages_q15));
	return TS_OK;
}
