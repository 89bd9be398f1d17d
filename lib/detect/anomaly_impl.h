/* SPDX-License-Identifier: MIT */
/*
 * Private layout of ts_anomaly and its reconstruction-error tables.  Tests
 * include this header to check the tables and the score on their own.
 */
#ifndef TS_DETECT_ANOMALY_IMPL_H
#define TS_DETECT_ANOMALY_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "detect_math.h"
#include "tinysense/anomaly.h"

#define TS_AD_MAGIC 0x74734144u  /* "tsAD" */

/* |table entries| <= 2^TS_AD_VALUE_BITS. */
#define TS_AD_VALUE_BITS 14

/*
 * The common domain of two quantizations: *frac_bits = F (see anomaly.h)
 * and tab_x[q + 128] = round(s_x * (q - zp_x) * 2^F).  0 on success, -1
 * when a scale is not finite and > 0 or a zero point is outside -128..127
 * (outputs untouched).
 */
int ts_ad_tables(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp,
		 int16_t tab_in[256], int16_t tab_out[256], int32_t *frac_bits);

/* (sum (tab_out[out_i] - tab_in[in_i])^2 + n / 2) / n, n >= 1, n < 2^32. */
uint32_t ts_ad_mse(const int16_t tab_in[256], const int16_t tab_out[256],
		   const int8_t *in, const int8_t *out, size_t n);

typedef struct ts_ad_state {
	uint32_t magic;
	uint8_t state;              /* ts_anomaly_state */
	uint16_t n_on, n_off;
	uint16_t run;               /* consecutive high (NORMAL) or low
				     * (ANOMALOUS) windows */
	int32_t frac_bits;          /* 2F */
	uint32_t calibration_windows;
	uint32_t k_on_q16, k_off_q16;
	uint32_t windows;           /* calibration windows seen */
	uint32_t mean, std;
	uint64_t threshold_on, threshold_off;
	uint64_t s1;                /* sum of scores */
	ts_u128 s2;                 /* sum of squared scores */
	int16_t tab_in[256];
	int16_t tab_out[256];
} ts_ad_state;

#endif /* TS_DETECT_ANOMALY_IMPL_H */
