/* SPDX-License-Identifier: MIT */
/*
 * The spectrum front-end: a ring of the last fft_len values of every
 * analysed channel, and per hop: DC removal -> window -> block scaling ->
 * 16-bit real FFT (rfft_q15.c, shared with the audio front-end) -> exact
 * magnitudes -> band means -> log2 -> int8.
 */
#include <string.h>

#include "../core/names.h"
#include "tinysense/spectrum.h"

#include "audio_frontend_impl.h"
#include "core/quant.h"
#include "exact_math.h"

#define SP_MAGIC 0x74735350u     /* "tsSP" */
#define SP_MAX_BINS (TS_SPECTRUM_MAX_FFT / 2 + 1)
/* The FFT input is scaled so that |sample| <= 2^FFT_IN_BITS (see rfft_q15.c:
 * no overflow below 2^14 sqrt(2) plus rounding). */
#define FFT_IN_BITS 14
/* Magnitudes, band means and log2 values are Q16. */
#define FRAC_BITS 16
#define MAX_OFFSET ((int64_t)1 << 60)

_Static_assert(TS_SPECTRUM_MAX_FFT <= TS_RFFT_Q15_1K_MAX, "FFT tables too small");

typedef struct sp_state {
	uint32_t magic;
	ts_spectrum_config cfg;
	uint16_t n_bins;          /* fft_len / 2 + 1 */
	uint16_t values;          /* output values per channel */
	uint8_t log2_len;
	uint32_t fft_gain_q30;    /* 1 / (the FFT's fixed-point gain), Q30 */
	/* quantization: q = zero_point +- round(|v| * q_mult / 2^q_rshift) */
	uint8_t q_rshift;
	uint8_t q_negative;
	uint32_t q_mult;
	int32_t zero_point;
	uint16_t edges[TS_SPECTRUM_MAX_BANDS + 1];   /* bands modes */

	/* stream */
	uint16_t pos;             /* ring slot of the next frame (the oldest) */
	uint32_t until;           /* frames until the next vector completes */

	/* tables */
	uint16_t window[TS_SPECTRUM_MAX_FFT];        /* Q15 */
	ts_rfft_q15_1k fft;

	/* channel c's last fft_len values: ring[c * fft_len ...] */
	int32_t ring[TS_SPECTRUM_MAX_SAMPLES];

	/* scratch of one window */
	int16_t frame[TS_SPECTRUM_MAX_FFT];
	ts_cpx16 work[TS_SPECTRUM_MAX_FFT / 2];
	ts_cpx16 spec[SP_MAX_BINS];
	uint32_t root[SP_MAX_BINS + 3];              /* magnitudes, in blocks of 4 */
} sp_state;

_Static_assert(sizeof(sp_state) <= sizeof(ts_spectrum),
	       "TS_SPECTRUM_STATE_BYTES is too small for sp_state");
_Static_assert(sizeof(ts_spectrum) - sizeof(sp_state) < 256,
	       "TS_SPECTRUM_STATE_BYTES wastes memory: shrink it");
_Static_assert(_Alignof(sp_state) <= _Alignof(ts_spectrum),
	       "ts_spectrum is not aligned enough for sp_state");

static const ts_spectrum_config vibration = {
	.frame_channels = 3,
	.num_channels = 3,
	.channels = { 0, 1, 2 },
	.fft_len = 256,
	.hop = 128,
	.window = TS_SPECTRUM_HANN,
	.remove_dc = 1,
	.output = TS_SPECTRUM_LOG2,
	.bands = TS_SPECTRUM_EQUAL_BANDS,
	.num_bands = 32,
	.first_bin = 1,
	.end_bin = 129,
	.offset_q16 = 0,
	.gain_q16 = 65536,
};

static const struct {
	const char *name;
	const ts_spectrum_config *cfg;
} presets[] = {
	{ "vibration", &vibration },
};

const ts_spectrum_config *ts_spectrum_preset(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (ts_name_eq(name, presets[i].name))
			return presets[i].cfg;
	return NULL;
}

static sp_state *state_of(ts_spectrum *sp)
{
	sp_state *st = (sp_state *)(void *)sp;

	return st && st->magic == SP_MAGIC ? st : NULL;
}

static const sp_state *const_state_of(const ts_spectrum *sp)
{
	return state_of((ts_spectrum *)(uintptr_t)sp);
}

/* ---- init ---------------------------------------------------------------- */

/* Q15 weights, rounded to nearest from exact Q56 cosines (the values are
 * irrational or exact: no ties). */
static void window_build(uint16_t *w, unsigned n, unsigned kind)
{
	for (unsigned i = 0; i < n; i++) {
		int64_t s, c;

		ts_q56_sincospi(2 * i, n, &s, &c);   /* cos(2 pi i / n) */
		if (kind == TS_SPECTRUM_HANN) {
			/* 2^15 (1 - c) / 2 */
			w[i] = (uint16_t)((TS_Q56_ONE - c + ((int64_t)1 << 41)) >> 42);
		} else if (kind == TS_SPECTRUM_HAMMING) {
			/* 2^15 (54 - 46 c) / 100; num <= 100 * 2^56 < 2^63 */
			const int64_t num = 54 * TS_Q56_ONE - 46 * c;
			const int64_t den = (int64_t)100 << 41;

			w[i] = (uint16_t)((num + den / 2) / den);
		} else {
			w[i] = 32768;
		}
	}
}

/* Band edges for the bands modes; 0 when they are valid. */
static int bands_build(sp_state *st)
{
	const ts_spectrum_config *c = &st->cfg;
	const unsigned nb = c->num_bands;

	if (nb < 1 || nb > TS_SPECTRUM_MAX_BANDS)
		return -1;
	if (c->bands == TS_SPECTRUM_EQUAL_BANDS) {
		const unsigned end = c->end_bin ? c->end_bin : st->n_bins;
		const unsigned first = c->first_bin;

		if (first >= end || end > st->n_bins || nb > end - first)
			return -1;
		for (unsigned b = 0; b <= nb; b++)
			st->edges[b] = (uint16_t)(first + b * (end - first) / nb);
	} else {
		for (unsigned b = 0; b <= nb; b++) {
			if (b > 0 && c->band_edges[b] <= c->band_edges[b - 1])
				return -1;
			st->edges[b] = c->band_edges[b];
		}
		if (st->edges[nb] > st->n_bins)
			return -1;
	}
	st->values = (uint16_t)nb;
	return 0;
}

static int config_ok(const ts_spectrum_config *c)
{
	const unsigned n = c->fft_len;

	if (c->frame_channels < 1 || c->frame_channels > TS_SPECTRUM_MAX_FRAME_CHANNELS ||
	    c->num_channels < 1 || c->num_channels > TS_SPECTRUM_MAX_CHANNELS ||
	    n < TS_SPECTRUM_MIN_FFT || n > TS_SPECTRUM_MAX_FFT || (n & (n - 1)) ||
	    (unsigned)c->num_channels * n > TS_SPECTRUM_MAX_SAMPLES ||
	    c->hop < 1 || c->window > TS_SPECTRUM_HAMMING || c->remove_dc > 1 ||
	    c->output > TS_SPECTRUM_LOG2 || c->bands > TS_SPECTRUM_BAND_EDGES ||
	    c->gain_q16 == 0 || c->offset_q16 > MAX_OFFSET || c->offset_q16 < -MAX_OFFSET)
		return 0;
	for (unsigned i = 0; i < c->num_channels; i++)
		if (c->channels[i] >= c->frame_channels)
			return 0;
	return 1;
}

/* gain / scale as round(|v| * mult / 2^rshift) for Q16 values v. */
static int quant_build(sp_state *st, float scale, int32_t zero_point)
{
	const int32_t g = st->cfg.gain_q16;
	double ratio;
	int32_t mult;
	int shift;

	if (!ts_scale_ok(scale) || zero_point < INT8_MIN || zero_point > INT8_MAX)
		return -1;
	/* A Q16 value v contributes v * (|gain_q16| / scale) / 2^32, and
	 * ts_quantize_multiplier(|gain_q16| / scale) = mult 2^(shift - 31):
	 * the factor is mult / 2^(63 - shift). */
	ratio = (g < 0 ? -(double)g : (double)g) / (double)scale;
	ts_quantize_multiplier(ratio, &mult, &shift);
	if (mult <= 0 || shift > 63 || shift < -31)
		return -1;
	st->q_mult = (uint32_t)mult;
	st->q_rshift = (uint8_t)(63 - shift);   /* 0..94 */
	st->q_negative = g < 0;
	st->zero_point = zero_point;
	return 0;
}

/*
 * Each butterfly of radix p (and the final split, p = 2) scales its inputs
 * by floor(32767 / p) / 2^15 instead of 1 / p: 0.99939 overall at 1024
 * points.  The inverse of that product, rounded to Q30 factor by factor.
 * (Multiplications by the twiddles, 32767 / 32768 in magnitude, remain: a
 * few 1e-5.)
 */
static uint32_t fft_gain_correction_q30(const ts_rfft_q15_1k *f)
{
	uint64_t c = (uint64_t)1 << 30;

	for (unsigned j = 0; j <= f->nstages; j++) {
		const uint64_t p = j < f->nstages ? f->radix[j] : 2;
		const uint64_t kp = (32767 / p) * p;

		c = (c * 32768 + kp / 2) / kp;
	}
	return (uint32_t)c;
}

ts_status ts_spectrum_init(ts_spectrum *sp, const ts_spectrum_config *cfg,
			   float scale, int32_t zero_point)
{
	sp_state *st = (sp_state *)(void *)sp;

	if (!sp)
		return TS_ERR_INVALID_ARG;
	st->magic = 0;
	if (!cfg)
		cfg = &vibration;
	if (!config_ok(cfg))
		return TS_ERR_INVALID_ARG;
	st->cfg = *cfg;
	st->n_bins = (uint16_t)(cfg->fft_len / 2 + 1);
	st->log2_len = (uint8_t)(ts_bitlen64(cfg->fft_len) - 1);
	if (cfg->bands == TS_SPECTRUM_BINS)
		st->values = st->n_bins;
	else if (bands_build(st))
		return TS_ERR_INVALID_ARG;
	if (quant_build(st, scale, zero_point))
		return TS_ERR_INVALID_ARG;
	window_build(st->window, cfg->fft_len, cfg->window);
	if (ts_rfft_q15_1k_init(&st->fft, cfg->fft_len))
		return TS_ERR_INVALID_ARG;
	st->fft_gain_q30 = fft_gain_correction_q30(&st->fft);
	st->magic = SP_MAGIC;
	ts_spectrum_reset(sp);
	return TS_OK;
}

void ts_spectrum_reset(ts_spectrum *sp)
{
	sp_state *st = state_of(sp);

	if (!st)
		return;
	/* The ring is filled completely before the first vector. */
	st->pos = 0;
	st->until = st->cfg.fft_len;
}

size_t ts_spectrum_feature_bytes(const ts_spectrum *sp)
{
	const sp_state *st = const_state_of(sp);

	return st ? (size_t)st->cfg.num_channels * st->values : 0;
}

size_t ts_spectrum_features_for(const ts_spectrum *sp, size_t n)
{
	const sp_state *st = const_state_of(sp);

	if (!st || n < st->until)
		return 0;
	return (n - st->until) / st->cfg.hop + 1;
}

size_t ts_spectrum_window_q15(const ts_spectrum *sp, uint16_t *weights_q15,
			      size_t max)
{
	const sp_state *st = const_state_of(sp);
	size_t n;

	if (!st)
		return 0;
	n = st->cfg.fft_len;
	if (weights_q15)
		memcpy(weights_q15, st->window, (max < n ? max : n) * sizeof(*weights_q15));
	return n;
}

/* ---- per window ---------------------------------------------------------- */

/*
 * round(a * m / 2^r), ties up, for a < 2^62, m < 2^31, r <= 94, saturated
 * at 2^32: a * m = hi 2^32 + lo with hi < 2^61 and lo < 2^63, and for
 * r > 32, floor((hi 2^32 + lo + 2^(r-1)) / 2^r) =
 * floor((hi + 2^(r-33) + floor(lo / 2^32)) / 2^(r-32)).
 */
static uint64_t mul_round_shift(uint64_t a, uint32_t m, unsigned r)
{
	const uint64_t lo = (a & 0xFFFFFFFFu) * m, hi = (a >> 32) * m;
	const uint64_t sat = (uint64_t)1 << 32;
	uint64_t q;

	if (r < 32) {
		if (hi >> r)
			return sat;
		q = (hi << (32 - r)) + ((lo + (r ? (uint64_t)1 << (r - 1) : 0)) >> r);
	} else if (r == 32) {
		q = hi + ((lo + ((uint64_t)1 << 31)) >> 32);
	} else {
		q = (hi + ((uint64_t)1 << (r - 33)) + (lo >> 32)) >> (r - 32);
	}
	return q < sat ? q : sat;
}

static int8_t quantize(const sp_state *st, int64_t v)
{
	const uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int64_t q = (int64_t)mul_round_shift(a, st->q_mult, st->q_rshift);

	if ((v < 0) != st->q_negative)
		q = -q;
	q += st->zero_point;
	return (int8_t)(q < INT8_MIN ? INT8_MIN : q > INT8_MAX ? INT8_MAX : q);
}

/*
 * log2(x) in Q16 for x >= 1: the integer part from the bit length, each
 * fraction bit by squaring the mantissa (1.31 fixed point, truncated);
 * within 2^-15 of the true value.
 */
static int32_t log2_q16(uint64_t x)
{
	const int n = ts_bitlen64(x) - 1;
	uint64_t y = n >= 31 ? x >> (n - 31) : x << (31 - n);   /* [2^31, 2^32) */
	int32_t r = n * (1 << FRAC_BITS);

	for (int b = FRAC_BITS - 1; b >= 0; b--) {
		y = (y * y) >> 31;                            /* [2^31, 2^33) */
		if (y >> 32) {
			y >>= 1;
			r |= 1 << b;
		}
	}
	return r;
}

/*
 * v[i] = round(sqrt(v[i]) * 2^16) = round(sqrt(v[i] 2^32)) for v[i] <= 2^31,
 * four at a time: digit by digit, two bits of the radicand per step, with
 * no branch on the data, then up by one when the remainder exceeds the
 * root (x >= r^2 + r + 1/4 <=> x - r^2 > r).  Four independent chains run
 * 2.5 times faster than one (each step depends on the previous one).
 */
static void sqrt_q16_x4(uint32_t *v)
{
	uint64_t x[4], root[4] = { 0, 0, 0, 0 };

	for (unsigned l = 0; l < 4; l++)
		x[l] = (uint64_t)v[l] << 32;
	for (uint64_t bit = (uint64_t)1 << 62; bit; bit >>= 2) {
		for (unsigned l = 0; l < 4; l++) {
			const uint64_t t = root[l] + bit;
			const uint64_t take = 0 - (uint64_t)(x[l] >= t);

			x[l] -= t & take;
			root[l] = (root[l] >> 1) + (bit & take);
		}
	}
	for (unsigned l = 0; l < 4; l++)
		v[l] = (uint32_t)(root[l] + (x[l] > root[l]));
}

/*
 * st->root[k] = round(|X_s[k]| 2^16) for the bins [k0, k1) the output
 * uses (in blocks of four; bins past the spectrum count as 0).
 */
static void roots_q16(sp_state *st, unsigned k0, unsigned k1)
{
	for (unsigned k = k0; k < k1; k += 4) {
		for (unsigned l = k; l < k + 4; l++) {
			const ts_cpx16 v = l < st->n_bins ? st->spec[l] : (ts_cpx16){ 0, 0 };

			/* |v|^2 <= 2^31 */
			st->root[l] = (uint32_t)((int32_t)v.r * v.r) +
				      (uint32_t)((int32_t)v.i * v.i);
		}
		sqrt_q16_x4(st->root + k);
	}
}

/*
 * |X[k]| / N in Q16 input units from r = round(|out| 2^16).  The FFT output
 * is X_s[k] / N of the scaled frame y * 2^-shift, y = x' * w * 2^15, so
 * |X[k]| / N = |out| * 2^(shift - 15), in Q16 r * 2^(shift - 15); times the
 * gain correction (Q30), rounded half up once.  r < 2^31.5 and the
 * correction < 2^30.01, so their product fits; -13 <= shift <= 33
 * (|y| < 2^47).
 */
static uint64_t magnitude_q16(uint32_t r, int shift, uint32_t corr_q30)
{
	const uint64_t rc = (uint64_t)r * corr_q30;
	const unsigned rs = (unsigned)(45 - shift);   /* 12..58 */

	return (rc + ((uint64_t)1 << (rs - 1))) >> rs;
}

static void analyse(sp_state *st, unsigned c, int8_t *out)
{
	const ts_spectrum_config *cfg = &st->cfg;
	const unsigned n = cfg->fft_len, mask = n - 1, pos = st->pos;
	const int32_t *ring = st->ring + (size_t)c * n;
	int64_t mean = 0;
	uint64_t peak = 0;
	int shift;

	if (cfg->remove_dc) {
		int64_t sum = 0;

		for (unsigned i = 0; i < n; i++)
			sum += ring[i];
		mean = ts_asr64(sum + (int64_t)(n / 2), st->log2_len);
	}
	/* |x - mean| < 2^32, times a weight <= 2^15: below 2^47 */
	for (unsigned i = 0; i < n; i++) {
		const int64_t y = (ring[(pos + i) & mask] - mean) * st->window[i];
		const uint64_t a = y < 0 ? 0 - (uint64_t)y : (uint64_t)y;

		if (a > peak)
			peak = a;
	}
	if (peak) {
		/* y * 2^-shift within +-2^14 (rounded half up) */
		shift = ts_bitlen64(peak) - FFT_IN_BITS;
		for (unsigned i = 0; i < n; i++) {
			const int64_t y = (ring[(pos + i) & mask] - mean) * st->window[i];

			st->frame[i] = (int16_t)(shift > 0 ?
				ts_asr64(y + ((int64_t)1 << (shift - 1)), (unsigned)shift) :
				y * ((int64_t)1 << -shift));
		}
		ts_rfft_q15_1k_apply(&st->fft, st->frame, st->work, st->spec);
	} else {
		shift = 15;
		memset(st->spec, 0, st->n_bins * sizeof(st->spec[0]));
	}

	if (cfg->bands == TS_SPECTRUM_BINS)
		roots_q16(st, 0, st->n_bins);
	else
		roots_q16(st, st->edges[0], st->edges[st->values]);
	for (unsigned b = 0; b < st->values; b++) {
		const unsigned lo = cfg->bands == TS_SPECTRUM_BINS ? b : st->edges[b];
		const unsigned hi = cfg->bands == TS_SPECTRUM_BINS ? b + 1 : st->edges[b + 1];
		const unsigned count = hi - lo;
		uint64_t sum = 0, m;
		int64_t v;

		/* each magnitude < 2^51, at most 513 of them */
		for (unsigned k = lo; k < hi; k++)
			sum += magnitude_q16(st->root[k], shift, st->fft_gain_q30);
		m = (sum + count / 2) / count;
		if (cfg->output == TS_SPECTRUM_LOG2)
			v = (int64_t)log2_q16(m ? m : 1) - ((int64_t)FRAC_BITS << FRAC_BITS);
		else
			v = (int64_t)m;
		out[b] = quantize(st, v - cfg->offset_q16);   /* |v| < 2^52 */
	}
}

static void emit(sp_state *st, int8_t *out)
{
	for (unsigned c = 0; c < st->cfg.num_channels; c++)
		analyse(st, c, out + (size_t)c * st->values);
}

/* One of s16 / s32 is non-NULL (or n is 0). */
static size_t push(ts_spectrum *sp, const int16_t *s16, const int32_t *s32, size_t n,
		   size_t *consumed, int8_t *features, size_t max_features)
{
	sp_state *st = state_of(sp);
	size_t used = 0, made = 0;

	if (consumed)
		*consumed = 0;
	if (!st || (!s16 && !s32 && n) || (!features && max_features))
		return 0;
	{
		const ts_spectrum_config *c = &st->cfg;
		const size_t fc = c->frame_channels, len = c->fft_len;
		const size_t bytes = (size_t)c->num_channels * st->values;

		for (; used < n; used++) {
			const size_t base = used * fc;

			/* stop before the frame that would complete a vector
			 * there is no room for */
			if (st->until == 1 && made == max_features)
				break;
			for (unsigned ch = 0; ch < c->num_channels; ch++)
				st->ring[ch * len + st->pos] = s16 ? s16[base + c->channels[ch]] :
								     s32[base + c->channels[ch]];
			st->pos = (uint16_t)((st->pos + 1) & (len - 1));
			if (--st->until == 0) {
				emit(st, features + made * bytes);
				made++;
				st->until = c->hop;
			}
		}
	}
	if (consumed)
		*consumed = used;
	return made;
}

size_t ts_spectrum_push_s16(ts_spectrum *sp, const int16_t *frames, size_t n,
			    size_t *consumed, int8_t *features, size_t max_features)
{
	return push(sp, frames, NULL, n, consumed, features, max_features);
}

size_t ts_spectrum_push_s32(ts_spectrum *sp, const int32_t *frames, size_t n,
			    size_t *consumed, int8_t *features, size_t max_features)
{
	return push(sp, NULL, frames, n, consumed, features, max_features);
}
