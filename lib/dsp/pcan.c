/* SPDX-License-Identifier: MIT */
/*
 * PCAN (per-channel amplitude normalization) gain control, TFLM's
 * ApplyPcanAutoGainControlFixed: each channel is multiplied by a gain that
 * falls with its noise estimate, then compressed by the "shrink" curve.
 *
 * The gain curve gain(x) = 2^gain_bits * (x / 2^input_bits + offset)^-strength
 * is stored as TFLM's wide dynamic function table: gain(0), gain(1), then per
 * octave [2^(k-1), 2^k) the value at its start and two quadratic
 * coefficients (and a zero pad).  The reference computed the samples with
 * float32 powf; they are replayed here in emulated float32 with a correctly
 * rounded pow.
 */
#include "audio_frontend_impl.h"
#include "exact_math.h"

#define SNR_BITS 12
#define OUTPUT_BITS 6
#define OCTAVES 32

/* The reference's PcanGainLookupFunction, step by step in float32. */
static int16_t gain_sample(uint32_t x, uint32_t strength_q30, uint32_t offset_q16,
			   unsigned input_bits, unsigned gain_bits)
{
	ts_f32 v = ts_f32_ratio(x, 1);          /* (float)x */
	ts_f32 g;

	if (v.m)
		v.e -= (int32_t)input_bits;      /* / 2^input_bits, exact */
	v = ts_f32_add(v, ts_f32_ratio(offset_q16, 65536));
	if (!v.m)
		return INT16_MAX;               /* pow(0, -s) is infinite */
	g = ts_f32_pow_neg(v, strength_q30);
	g.e += (int32_t)gain_bits;              /* * 2^gain_bits, exact */
	if (ts_f32_cmp(g, ts_f32_ratio(INT16_MAX, 1)) > 0)
		return INT16_MAX;
	/* (int16_t)(g + 0.5f) */
	return (int16_t)ts_f32_trunc_scaled(ts_f32_add(g, ts_f32_ratio(1, 2)), 0);
}

void ts_af_pcan_lut_build(int16_t *lut, uint32_t strength_q30,
			  uint32_t offset_q16, unsigned input_bits,
			  unsigned gain_bits)
{
	lut[0] = gain_sample(0, strength_q30, offset_q16, input_bits, gain_bits);
	lut[1] = gain_sample(1, strength_q30, offset_q16, input_bits, gain_bits);
	for (unsigned k = 2; k <= OCTAVES; k++) {
		const uint32_t x0 = (uint32_t)1 << (k - 1);
		const uint32_t x1 = x0 + (x0 >> 1);
		const uint32_t x2 = k == OCTAVES ? x0 + (x0 - 1) : 2 * x0;
		const int32_t y0 = gain_sample(x0, strength_q30, offset_q16, input_bits, gain_bits);
		const int32_t y1 = gain_sample(x1, strength_q30, offset_q16, input_bits, gain_bits);
		const int32_t y2 = gain_sample(x2, strength_q30, offset_q16, input_bits, gain_bits);
		const int32_t a1 = 4 * (y1 - y0) - (y2 - y0);
		const int32_t a2 = (y2 - y0) - a1;
		int16_t *seg = lut + 4 * k - 6;

		seg[0] = (int16_t)y0;
		seg[1] = ts_wrap16(a1);
		seg[2] = ts_wrap16(a2);
		if (k < OCTAVES)                /* the last pad is past the end */
			seg[3] = 0;
	}
}

int16_t ts_af_pcan_gain(const int16_t *lut, uint32_t x)
{
	unsigned k;
	int32_t frac, r;

	if (x <= 2)
		return lut[x];
	k = (unsigned)ts_bitlen64(x);
	lut += 4 * k - 6;
	/* the 10 bits below the leading one */
	frac = (int32_t)((k < 11 ? x << (11 - k) : x >> (k - 11)) & 0x3FF);
	r = ts_asr32(lut[2] * frac, 5) + lut[1] * 32;
	r = ts_wrap32((uint32_t)r * (uint32_t)frac);
	r = ts_asr32(ts_wrap32((uint32_t)r + (1u << 14)), 15) + lut[0];
	return ts_wrap16(r);
}

static uint32_t shrink(uint32_t x)
{
	/* x^2 / 4 below 2, x - 1 above; SNR_BITS in, OUTPUT_BITS out */
	if (x < (2u << SNR_BITS))
		return (x * x) >> (2 + 2 * SNR_BITS - OUTPUT_BITS);
	return (x >> (SNR_BITS - OUTPUT_BITS)) - (1u << OUTPUT_BITS);
}

void ts_af_pcan_apply(const int16_t *lut, unsigned snr_shift,
		      const uint32_t *noise, uint32_t *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* the int16 gain widens to uint32 as in the reference */
		const uint32_t gain = (uint32_t)(int32_t)ts_af_pcan_gain(lut, noise[i]);
		const uint32_t snr = (uint32_t)(((uint64_t)x[i] * gain) >> snr_shift);

		x[i] = shrink(snr);
	}
}
