/* SPDX-License-Identifier: MIT */
/* Hann window table, windowing, and the FFT input auto-scale. */
#include "audio_frontend_impl.h"
#include "exact_math.h"

void ts_af_hann_build(int16_t *h, size_t n, unsigned bits)
{
	for (size_t i = 0; i < n; i++) {
		int64_t s, c;

		/* 2^bits * (1 - cos(pi (2i + 1) / n)) / 2, rounded; the value
		 * is irrational, so there are no ties to break. */
		ts_q56_sincospi(2 * i + 1, n, &s, &c);
		h[i] = (int16_t)ts_asr64(TS_Q56_ONE - c + ((int64_t)1 << (56 - bits)),
					 57 - bits);
	}
}

void ts_af_window_apply(const int16_t *x, const int16_t *h, size_t n,
			unsigned shift, int16_t *out)
{
	for (size_t i = 0; i < n; i++) {
		const int32_t v = ts_asr32((int32_t)x[i] * h[i], shift);

		out[i] = (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
	}
}

unsigned ts_af_auto_scale(int16_t *buf, size_t n)
{
	/* The reference keeps the running maximum in an int16: -(-32768)
	 * does not fit, so after a -32768 the "maximum" is -32768 and any
	 * later sample replaces it.  A negative final maximum reads as a
	 * 32-bit value with its top bit set: no scaling. */
	int16_t max = 0;
	unsigned bitlen, shift;

	for (size_t i = 0; i < n; i++) {
		const int16_t v = buf[i];

		if (v > max)
			max = v;
		else if (-v > max)
			max = ts_wrap16(-v);
	}
	bitlen = max < 0 ? 32 : (unsigned)ts_bitlen64((uint64_t)max);
	/* msb(0) counts as 32 too: an all-zero frame is not scaled. */
	if (max == 0 || bitlen >= 15)
		return 0;
	shift = 15 - bitlen;
	for (size_t i = 0; i < n; i++)
		buf[i] = ts_wrap16((int32_t)((uint32_t)(int32_t)buf[i] << shift));
	return shift;
}
