/* SPDX-License-Identifier: MIT */
/*
 * Integer natural log (TFLM's Log32): log2 by leading-one position plus a
 * fraction corrected by a 128-segment table of log2(1 + f) - f with linear
 * interpolation, then scaled by ln 2 and the output scale, all in Q16.
 */
#include "audio_frontend_impl.h"
#include "exact_math.h"

#define SEG_BITS 7          /* 128 segments */
#define FRAC_BITS 16

void ts_af_log_lut_build(uint16_t *lut)
{
	for (unsigned i = 0; i <= (1u << SEG_BITS); i++) {
		/* log2(1 + i/128) = ln(128 + i) / ln 2 - 7, in Q56 */
		const uint64_t log2 = ts_udiv_frac((uint64_t)ts_q56_ln(128 + i, 0),
						   (uint64_t)TS_Q56_LN2, 56, 0);
		const int64_t corr = (int64_t)log2 - 7 * TS_Q56_ONE -
				     (int64_t)i * (TS_Q56_ONE >> SEG_BITS);

		lut[i] = (uint16_t)ts_asr64(corr + ((int64_t)1 << 39), 40);
	}
	lut[(1u << SEG_BITS) + 1] = 0;
}

uint32_t ts_af_log32(const uint16_t *lut, uint32_t x, uint32_t out_scale)
{
	/* ln 2 in Q16, rounded: 45426 */
	const uint64_t ln2_q16 = (uint64_t)((TS_Q56_LN2 + ((int64_t)1 << 39)) >> 40);
	const uint32_t half = 1u << (FRAC_BITS - 1);
	const uint32_t integer = (uint32_t)ts_bitlen64(x) - 1;
	int32_t frac = ts_wrap32(x - (1u << integer));
	uint32_t seg, log2, loge;
	int32_t c0, c1, rel;

	if (integer < FRAC_BITS)
		frac = ts_wrap32((uint32_t)frac << (FRAC_BITS - integer));
	else
		frac = ts_asr32(frac, integer - FRAC_BITS);
	seg = (uint32_t)frac >> (FRAC_BITS - SEG_BITS);
	c0 = lut[seg];
	c1 = lut[seg + 1];
	rel = ts_asr32((c1 - c0) * (frac - (int32_t)(seg << (FRAC_BITS - SEG_BITS))), FRAC_BITS);
	log2 = (integer << FRAC_BITS) + (uint32_t)(frac + c0 + rel);
	loge = (uint32_t)((ln2_q16 * log2 + half) >> FRAC_BITS);
	return (out_scale * loge + half) >> FRAC_BITS;
}

void ts_af_log_apply(const uint16_t *lut, const uint32_t *in, size_t n,
		     unsigned correction_bits, uint32_t out_scale, int16_t *out)
{
	for (size_t i = 0; i < n; i++) {
		const uint32_t scaled = in[i] << correction_bits;
		uint32_t v = 0;

		if (scaled > 1) {
			v = ts_af_log32(lut, scaled, out_scale);
			if (v > INT16_MAX)
				v = INT16_MAX;
		}
		out[i] = (int16_t)v;
	}
}
