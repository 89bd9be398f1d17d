/* SPDX-License-Identifier: MIT */
/*
 * The anomaly detector: reconstruction error in a common fixed-point
 * domain, calibration of its mean and standard deviation with exact
 * 64/128-bit sums, thresholds and hysteresis.  The arithmetic is documented
 * in tinysense/anomaly.h.
 */
#include <string.h>

#include "anomaly_impl.h"

_Static_assert(sizeof(ts_ad_state) <= sizeof(ts_anomaly),
	       "TS_ANOMALY_STATE_BYTES is too small for ts_ad_state");
_Static_assert(sizeof(ts_anomaly) - sizeof(ts_ad_state) < 256,
	       "TS_ANOMALY_STATE_BYTES wastes memory: shrink it");
_Static_assert(_Alignof(ts_ad_state) <= _Alignof(ts_anomaly),
	       "ts_anomaly is not aligned enough for ts_ad_state");

/* Bit length of the largest |s * (q - zp)| of a quantization, as a power
 * of two: that value is below 2^top. */
static int32_t top_bit(uint32_t m, int32_t e, int32_t zp)
{
	/* max |q - zp| over q in -128..127 (>= 128). */
	const uint32_t dev = (uint32_t)(zp + 128 > 127 - zp ? zp + 128 : 127 - zp);

	return ts_dm_bitlen64((uint64_t)m * dev) + e;
}

int ts_ad_tables(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp,
		 int16_t tab_in[256], int16_t tab_out[256], int32_t *frac_bits)
{
	uint32_t m_in, m_out;
	int32_t e_in, e_out, top, f;

	if (!ts_dm_scale_split(in_scale, &m_in, &e_in) ||
	    !ts_dm_scale_split(out_scale, &m_out, &e_out) ||
	    in_zp < -128 || in_zp > 127 || out_zp < -128 || out_zp > 127)
		return -1;
	top = top_bit(m_in, e_in, in_zp);
	if (top_bit(m_out, e_out, out_zp) > top)
		top = top_bit(m_out, e_out, out_zp);
	f = TS_AD_VALUE_BITS - top;
	for (int32_t q = -128; q <= 127; q++) {
		tab_in[q + 128] = (int16_t)ts_dm_mul_pow2_round(q - in_zp, m_in, e_in + f,
								(int64_t)1 << TS_AD_VALUE_BITS);
		tab_out[q + 128] = (int16_t)ts_dm_mul_pow2_round(q - out_zp, m_out, e_out + f,
								 (int64_t)1 << TS_AD_VALUE_BITS);
	}
	*frac_bits = f;
	return 0;
}

uint32_t ts_ad_mse(const int16_t tab_in[256], const int16_t tab_out[256],
		   const int8_t *in, const int8_t *out, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		const int32_t d = tab_out[out[i] + 128] - tab_in[in[i] + 128];

		sum += (uint32_t)(d * d); /* <= 2^30 */
	}
	return (uint32_t)((sum + n / 2) / n);
}

static ts_ad_state *state_of(ts_anomaly *ad)
{
	ts_ad_state *st = (ts_ad_state *)(void *)ad;

	return st && st->magic == TS_AD_MAGIC ? st : NULL;
}

static const ts_ad_state *const_state_of(const ts_anomaly *ad)
{
	return state_of((ts_anomaly *)(uintptr_t)ad);
}

void ts_anomaly_config_init(ts_anomaly_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->calibration_windows = 100;
	cfg->k_on_q16 = 3u << 16;
	cfg->k_off_q16 = 2u << 16;
	cfg->n_on = 3;
	cfg->n_off = 3;
}

ts_status ts_anomaly_init(ts_anomaly *ad, const ts_anomaly_config *cfg,
			  float input_scale, int32_t input_zero_point,
			  float output_scale, int32_t output_zero_point)
{
	ts_ad_state *st = (ts_ad_state *)(void *)ad;
	int32_t f;

	if (!ad)
		return TS_ERR_INVALID_ARG;
	st->magic = 0;
	if (!cfg || cfg->calibration_windows < 1 || cfg->k_off_q16 > cfg->k_on_q16 ||
	    cfg->n_on < 1 || cfg->n_off < 1)
		return TS_ERR_INVALID_ARG;
	if (ts_ad_tables(input_scale, input_zero_point, output_scale, output_zero_point,
			 st->tab_in, st->tab_out, &f))
		return TS_ERR_QUANT;
	st->frac_bits = 2 * f;
	st->calibration_windows = cfg->calibration_windows;
	st->k_on_q16 = cfg->k_on_q16;
	st->k_off_q16 = cfg->k_off_q16;
	st->n_on = cfg->n_on;
	st->n_off = cfg->n_off;
	st->magic = TS_AD_MAGIC;
	ts_anomaly_reset(ad);
	return TS_OK;
}

void ts_anomaly_reset(ts_anomaly *ad)
{
	ts_ad_state *st = state_of(ad);

	if (!st)
		return;
	st->state = TS_ANOMALY_CALIBRATING;
	st->run = 0;
	st->windows = 0;
	st->mean = 0;
	st->std = 0;
	st->threshold_on = 0;
	st->threshold_off = 0;
	st->s1 = 0;
	st->s2.hi = 0;
	st->s2.lo = 0;
}

/* mean + round(k * std / 2^16); < 2^49, no overflow. */
static uint64_t threshold(uint32_t mean, uint32_t std, uint32_t k_q16)
{
	return mean + (((uint64_t)k_q16 * std + ((uint64_t)1 << 15)) >> 16);
}

static void set_thresholds(ts_ad_state *st, uint32_t mean, uint32_t std)
{
	st->mean = mean;
	st->std = std;
	st->threshold_on = threshold(mean, std, st->k_on_q16);
	st->threshold_off = threshold(mean, std, st->k_off_q16);
	st->state = TS_ANOMALY_NORMAL;
	st->run = 0;
}

/* Adds one calibration score; after the M-th, the statistics. */
static void calibrate(ts_ad_state *st, uint32_t score)
{
	const uint64_t m = ++st->windows;
	ts_u128 var_num;
	uint64_t root;

	st->s1 += score;                                   /* < 2^62 */
	st->s2 = ts_u128_add(st->s2, ts_u128_mul64(score, score)); /* < 2^92 */
	if (m < st->calibration_windows)
		return;
	/* M * S2 - S1^2 >= 0 (Cauchy-Schwarz), both < 2^124.  M * S2 is
	 * formed as M * hi * 2^64 + M * lo (M * hi < 2^60). */
	var_num = ts_u128_mul64(m, st->s2.lo);
	var_num.hi += m * st->s2.hi;
	var_num = ts_u128_sub(var_num, ts_u128_mul64(st->s1, st->s1));
	root = ts_u128_isqrt(var_num);                     /* < 2^62 */
	set_thresholds(st, (uint32_t)((st->s1 + m / 2) / m),
		       (uint32_t)((root + m / 2) / m));
}

ts_status ts_anomaly_process(ts_anomaly *ad, const int8_t *input,
			     const int8_t *output, size_t n,
			     uint64_t timestamp_ns, ts_anomaly_result *result)
{
	ts_ad_state *st = state_of(ad);
	uint32_t score;
	uint8_t before;

	if (!ad || !input || !output || !result || n < 1)
		return TS_ERR_INVALID_ARG;
#if SIZE_MAX > UINT32_MAX
	/* The sums below count at most 2^32 elements. */
	if (n > UINT32_MAX)
		return TS_ERR_INVALID_ARG;
#endif
	if (!st)
		return TS_ERR_STATE;

	score = ts_ad_mse(st->tab_in, st->tab_out, input, output, n);
	before = st->state;
	switch (st->state) {
	case TS_ANOMALY_CALIBRATING:
		calibrate(st, score);
		break;
	case TS_ANOMALY_NORMAL:
		st->run = score > st->threshold_on ? (uint16_t)(st->run + 1) : 0;
		if (st->run >= st->n_on) {
			st->state = TS_ANOMALY_ANOMALOUS;
			st->run = 0;
		}
		break;
	default:
		st->run = score < st->threshold_off ? (uint16_t)(st->run + 1) : 0;
		if (st->run >= st->n_off) {
			st->state = TS_ANOMALY_NORMAL;
			st->run = 0;
		}
		break;
	}
	result->timestamp_ns = timestamp_ns;
	result->score = score;
	result->state = (ts_anomaly_state)st->state;
	result->previous = (ts_anomaly_state)before;
	result->event = st->state != before;
	return TS_OK;
}

ts_status ts_anomaly_score_frac_bits(const ts_anomaly *ad, int32_t *frac_bits)
{
	const ts_ad_state *st = const_state_of(ad);

	if (!ad || !frac_bits)
		return TS_ERR_INVALID_ARG;
	if (!st)
		return TS_ERR_STATE;
	*frac_bits = st->frac_bits;
	return TS_OK;
}

ts_status ts_anomaly_get_calibration(const ts_anomaly *ad,
				     ts_anomaly_calibration *cal)
{
	const ts_ad_state *st = const_state_of(ad);

	if (!ad || !cal)
		return TS_ERR_INVALID_ARG;
	if (!st || st->state == TS_ANOMALY_CALIBRATING)
		return TS_ERR_STATE;
	cal->mean = st->mean;
	cal->std = st->std;
	cal->threshold_on = st->threshold_on;
	cal->threshold_off = st->threshold_off;
	return TS_OK;
}

ts_status ts_anomaly_set_calibration(ts_anomaly *ad, uint32_t mean, uint32_t std)
{
	ts_ad_state *st = state_of(ad);

	if (!ad)
		return TS_ERR_INVALID_ARG;
	if (!st)
		return TS_ERR_STATE;
	set_thresholds(st, mean, std);
	return TS_OK;
}
