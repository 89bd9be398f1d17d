/* SPDX-License-Identifier: MIT */
/*
 * Windowed statistics: a ring of the last N values of every channel, and
 * per hop one pass of exact sums (64-bit, squares in 128-bit), then each
 * selected statistic rounded once to Q16 and quantized.
 */
#include <string.h>

#include "../core/names.h"
#include "tinysense/window_stats.h"

#include "core/quant.h"
#include "exact_math.h"

#define WS_MAGIC 0x74735753u     /* "tsWS" */
#define FRAC_BITS 16
#define MAX_OFFSET ((int64_t)1 << 60)

typedef struct ws_quant {
	uint32_t mult;               /* q = zp +- round(|v - offset| * mult / 2^rshift) */
	uint8_t rshift;
	uint8_t negative;            /* gain < 0 */
} ws_quant;

typedef struct ws_state {
	uint32_t magic;
	ts_window_stats_config cfg;
	uint16_t feature_bytes;
	int32_t zero_point;
	ws_quant quant[TS_WINDOW_STATS_MAX_CHANNELS][TS_STAT_COUNT];

	/* stream */
	uint16_t pos;                /* ring slot of the next frame (the oldest) */
	uint32_t until;              /* frames until the next vector completes */
	/* channel c's last N values: ring[c * N ...] */
	int32_t ring[TS_WINDOW_STATS_MAX_SAMPLES];
} ws_state;

_Static_assert(sizeof(ws_state) <= sizeof(ts_window_stats),
	       "TS_WINDOW_STATS_STATE_BYTES is too small for ws_state");
_Static_assert(sizeof(ts_window_stats) - sizeof(ws_state) < 256,
	       "TS_WINDOW_STATS_STATE_BYTES wastes memory: shrink it");
_Static_assert(_Alignof(ws_state) <= _Alignof(ts_window_stats),
	       "ts_window_stats is not aligned enough for ws_state");
_Static_assert(TS_STAT_COUNT <= 16, "stats must fit the uint16_t mask");

#define UNIT_GAINS { 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536 }
#define UNIT_CHANNEL(i) { .index = (i), .gain_q16 = UNIT_GAINS }

static const ts_window_stats_config minute = {
	.frame_channels = 1,
	.window = 60,
	.hop = 60,
	.num_channels = 1,
	.channel = {
		{ .index = 0,
		  .stats = TS_STAT_BIT(TS_STAT_MEAN) | TS_STAT_BIT(TS_STAT_MIN) |
			   TS_STAT_BIT(TS_STAT_MAX) | TS_STAT_BIT(TS_STAT_STD) |
			   TS_STAT_BIT(TS_STAT_SLOPE),
		  .gain_q16 = UNIT_GAINS },
		UNIT_CHANNEL(1), UNIT_CHANNEL(2), UNIT_CHANNEL(3), UNIT_CHANNEL(4),
		UNIT_CHANNEL(5), UNIT_CHANNEL(6), UNIT_CHANNEL(7), UNIT_CHANNEL(8),
		UNIT_CHANNEL(9), UNIT_CHANNEL(10), UNIT_CHANNEL(11), UNIT_CHANNEL(12),
		UNIT_CHANNEL(13), UNIT_CHANNEL(14), UNIT_CHANNEL(15),
	},
};

static const struct {
	const char *name;
	const ts_window_stats_config *cfg;
} presets[] = {
	{ "minute", &minute },
};

const ts_window_stats_config *ts_window_stats_preset(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (ts_name_eq(name, presets[i].name))
			return presets[i].cfg;
	return NULL;
}

static ws_state *state_of(ts_window_stats *ws)
{
	ws_state *st = (ws_state *)(void *)ws;

	return st && st->magic == WS_MAGIC ? st : NULL;
}

static const ws_state *const_state_of(const ts_window_stats *ws)
{
	return state_of((ts_window_stats *)(uintptr_t)ws);
}

/* ---- init ---------------------------------------------------------------- */

/* gain / scale as round(|v| * mult / 2^rshift) for Q16 values v. */
static int quant_build(ws_quant *q, int32_t gain_q16, float scale)
{
	double ratio;
	int32_t mult;
	int shift;

	if (gain_q16 == 0)
		return -1;
	/* A Q16 value v contributes v * (|gain_q16| / scale) / 2^32, and
	 * ts_quantize_multiplier(|gain_q16| / scale) = mult 2^(shift - 31):
	 * the factor is mult / 2^(63 - shift). */
	ratio = (gain_q16 < 0 ? -(double)gain_q16 : (double)gain_q16) / (double)scale;
	ts_quantize_multiplier(ratio, &mult, &shift);
	if (mult <= 0 || shift > 63 || shift < -31)
		return -1;
	q->mult = (uint32_t)mult;
	q->rshift = (uint8_t)(63 - shift);   /* 0..94 */
	q->negative = gain_q16 < 0;
	return 0;
}

static int config_ok(const ts_window_stats_config *c)
{
	if (c->frame_channels < 1 || c->frame_channels > TS_WINDOW_STATS_MAX_FRAME_CHANNELS ||
	    c->window < 2 || c->window > TS_WINDOW_STATS_MAX_WINDOW || c->hop < 1 ||
	    c->num_channels < 1 || c->num_channels > TS_WINDOW_STATS_MAX_CHANNELS ||
	    (unsigned)c->num_channels * c->window > TS_WINDOW_STATS_MAX_SAMPLES)
		return 0;
	for (unsigned i = 0; i < c->num_channels; i++) {
		const ts_window_stats_channel *ch = &c->channel[i];

		if (ch->index >= c->frame_channels || ch->stats == 0 ||
		    ch->stats >> TS_STAT_COUNT)
			return 0;
	}
	return 1;
}

ts_status ts_window_stats_init(ts_window_stats *ws, const ts_window_stats_config *cfg,
			       float scale, int32_t zero_point)
{
	ws_state *st = (ws_state *)(void *)ws;
	unsigned bytes = 0;

	if (!ws)
		return TS_ERR_INVALID_ARG;
	st->magic = 0;
	if (!cfg)
		cfg = &minute;
	if (!config_ok(cfg) || !ts_scale_ok(scale) || zero_point < INT8_MIN ||
	    zero_point > INT8_MAX)
		return TS_ERR_INVALID_ARG;
	st->cfg = *cfg;
	memset(st->quant, 0, sizeof(st->quant));
	for (unsigned c = 0; c < cfg->num_channels; c++) {
		const ts_window_stats_channel *ch = &cfg->channel[c];

		for (unsigned s = 0; s < TS_STAT_COUNT; s++) {
			if (!(ch->stats & TS_STAT_BIT(s)))
				continue;
			if (ch->offset_q16[s] > MAX_OFFSET || ch->offset_q16[s] < -MAX_OFFSET ||
			    quant_build(&st->quant[c][s], ch->gain_q16[s], scale))
				return TS_ERR_INVALID_ARG;
			bytes++;
		}
	}
	st->feature_bytes = (uint16_t)bytes;
	st->zero_point = zero_point;
	st->magic = WS_MAGIC;
	ts_window_stats_reset(ws);
	return TS_OK;
}

void ts_window_stats_reset(ts_window_stats *ws)
{
	ws_state *st = state_of(ws);

	if (!st)
		return;
	st->pos = 0;
	st->until = st->cfg.window;
}

size_t ts_window_stats_feature_bytes(const ts_window_stats *ws)
{
	const ws_state *st = const_state_of(ws);

	return st ? st->feature_bytes : 0;
}

size_t ts_window_stats_features_for(const ts_window_stats *ws, size_t n)
{
	const ws_state *st = const_state_of(ws);

	if (!st || n < st->until)
		return 0;
	return (n - st->until) / st->cfg.hop + 1;
}

/* ---- 128-bit unsigned helpers -------------------------------------------- */

typedef struct u128 {
	uint64_t hi, lo;
} u128;

static u128 mul64(uint64_t a, uint64_t b)
{
	const uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32;
	const uint64_t bl = b & 0xFFFFFFFFu, bh = b >> 32;
	const uint64_t ll = al * bl, lh = al * bh, hl = ah * bl;
	const uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
	const u128 r = { ah * bh + (lh >> 32) + (hl >> 32) + (mid >> 32),
			 (mid << 32) | (ll & 0xFFFFFFFFu) };

	return r;
}

static u128 add64(u128 a, uint64_t b)
{
	a.lo += b;
	a.hi += a.lo < b;
	return a;
}

/* a - b, a >= b */
static u128 sub(u128 a, u128 b)
{
	const u128 r = { a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo };

	return r;
}

/* a * m for a * m < 2^128 */
static u128 mul_small(u128 a, uint64_t m)
{
	u128 r = mul64(a.lo, m);

	r.hi += a.hi * m;
	return r;
}

/* a * 2^s, 0 < s < 64 */
static u128 shl(u128 a, unsigned s)
{
	const u128 r = { (a.hi << s) | (a.lo >> (64 - s)), a.lo << s };

	return r;
}

static unsigned bit_at(u128 a, unsigned b)
{
	return (unsigned)((b >= 64 ? a.hi >> (b - 64) : a.lo >> b) & 1);
}

/* floor(sqrt(x)) for x < 2^122, two bits at a time from the top: the
 * remainder stays at most 2 root < 2^62. */
static uint64_t isqrt128(u128 x)
{
	uint64_t root = 0, rem = 0;

	for (int pair = 60; pair >= 0; pair--) {
		const uint64_t trial = (root << 2) | 1;

		rem = (rem << 2) | (bit_at(x, 2u * (unsigned)pair + 1) << 1) |
		      bit_at(x, 2u * (unsigned)pair);
		if (rem >= trial) {
			rem -= trial;
			root = (root << 1) | 1;
		} else {
			root <<= 1;
		}
	}
	return root;
}

/* floor(n / d) for 0 < d < 2^63 and a quotient below 2^64. */
static uint64_t div128(u128 n, uint64_t d)
{
	uint64_t q = 0, r = 0;

	for (int b = 127; b >= 0; b--) {
		r = (r << 1) | bit_at(n, (unsigned)b);
		q <<= 1;
		if (r >= d) {
			r -= d;
			q |= 1;
		}
	}
	return q;
}

/* ---- per window ---------------------------------------------------------- */

/* num / den rounded to nearest, ties away from zero; |num| < 2^62. */
static int64_t div_round(int64_t num, uint64_t den)
{
	const uint64_t a = num < 0 ? 0 - (uint64_t)num : (uint64_t)num;
	const int64_t q = (int64_t)((2 * a + den) / (2 * den));

	return num < 0 ? -q : q;
}

/* round(sqrt(t) / n) from isqrt(4 t) (t < 2^120): floor(sqrt(t) / n + 1/2)
 * = floor((2 sqrt(t) + n) / (2 n)) = floor((floor(sqrt(4 t)) + n) / (2 n)). */
static int64_t sqrt_div_round(u128 t4, uint64_t n)
{
	return (int64_t)((isqrt128(t4) + n) / (2 * n));
}

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

static int8_t quantize(const ws_state *st, const ws_quant *qp, int64_t v)
{
	const uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int64_t q = (int64_t)mul_round_shift(a, qp->mult, qp->rshift);

	if ((v < 0) != qp->negative)
		q = -q;
	q += st->zero_point;
	return (int8_t)(q < INT8_MIN ? INT8_MIN : q > INT8_MAX ? INT8_MAX : q);
}

/* Sums of one window. */
struct sums {
	int64_t s1;        /* sum x, |.| < 2^43 */
	u128 s2;           /* sum x^2 < 2^74 */
	int64_t w;         /* sum (2i - (N-1)) x, |.| < 2^55 */
	int32_t min, max;
	uint32_t changes, rising;
};

static void window_sums(const ws_state *st, unsigned c, struct sums *s)
{
	const unsigned n = st->cfg.window;
	const int32_t *ring = st->ring + (size_t)c * n;
	const int32_t t = st->cfg.channel[c].threshold;
	unsigned k = st->pos;
	int prev_high = 0;

	memset(s, 0, sizeof(*s));
	s->min = INT32_MAX;
	s->max = INT32_MIN;
	for (unsigned i = 0; i < n; i++) {
		const int32_t x = ring[k];
		const int high = x >= t;

		k = k + 1 == n ? 0 : k + 1;
		s->s1 += x;
		s->s2 = add64(s->s2, (uint64_t)((int64_t)x * x));
		s->w += ((int64_t)2 * i - (n - 1)) * x;
		if (x < s->min)
			s->min = x;
		if (x > s->max)
			s->max = x;
		if (i > 0) {
			s->changes += high != prev_high;
			s->rising += high && !prev_high;
		}
		prev_high = high;
	}
}

/* Statistic in Q16: exact, rounded once (nearest, ties away from zero). */
static int64_t stat_q16(unsigned stat, const struct sums *s, uint64_t n)
{
	const int64_t one = (int64_t)1 << FRAC_BITS;

	switch (stat) {
	case TS_STAT_MEAN:
		return div_round(s->s1 * one, n);
	case TS_STAT_RMS:
		/* sqrt(s2 / n) 2^16 = sqrt(s2 n 2^32) / n; 4 s2 n 2^32 < 2^121 */
		return sqrt_div_round(shl(mul_small(s->s2, n), 34), n);
	case TS_STAT_MIN:
		return s->min * one;
	case TS_STAT_MAX:
		return s->max * one;
	case TS_STAT_PEAK_TO_PEAK:
		return ((int64_t)s->max - s->min) * one;
	case TS_STAT_STD: {
		/* sqrt(n s2 - s1^2) / n, 2^16; n s2 - s1^2 >= 0 (Cauchy-Schwarz) */
		const uint64_t a1 = s->s1 < 0 ? 0 - (uint64_t)s->s1 : (uint64_t)s->s1;
		const u128 d = sub(mul_small(s->s2, n), mul64(a1, a1));

		return sqrt_div_round(shl(d, 34), n);
	}
	case TS_STAT_SLOPE: {
		/* sum (i - (N-1)/2) x / sum (i - (N-1)/2)^2 = 6 w / (N (N^2 - 1)) */
		const uint64_t aw = s->w < 0 ? 0 - (uint64_t)s->w : (uint64_t)s->w;
		const uint64_t den = n * (n * n - 1);     /* < 2^36 */
		const u128 num2 = mul64(aw, (uint64_t)12 << FRAC_BITS);  /* 2 * 6 w 2^16 */
		const int64_t q = (int64_t)div128(add64(num2, den), 2 * den);

		return s->w < 0 ? -q : q;
	}
	case TS_STAT_ZERO_CROSSING_RATE:
		return div_round((int64_t)s->changes * one, n - 1);
	case TS_STAT_RISING_EDGES:
		return (int64_t)s->rising * one;
	default: /* TS_STAT_LEVEL_CHANGES */
		return (int64_t)s->changes * one;
	}
}

static void emit(const ws_state *st, int8_t *out)
{
	const ts_window_stats_config *cfg = &st->cfg;

	for (unsigned c = 0; c < cfg->num_channels; c++) {
		const ts_window_stats_channel *ch = &cfg->channel[c];
		struct sums s;

		window_sums(st, c, &s);
		for (unsigned stat = 0; stat < TS_STAT_COUNT; stat++) {
			if (!(ch->stats & TS_STAT_BIT(stat)))
				continue;
			/* |stat| < 2^49, |offset| <= 2^60 */
			*out++ = quantize(st, &st->quant[c][stat],
					  stat_q16(stat, &s, cfg->window) - ch->offset_q16[stat]);
		}
	}
}

/* One of s16 / s32 is non-NULL (or n is 0). */
static size_t push(ts_window_stats *ws, const int16_t *s16, const int32_t *s32, size_t n,
		   size_t *consumed, int8_t *features, size_t max_features)
{
	ws_state *st = state_of(ws);
	size_t used = 0, made = 0;

	if (consumed)
		*consumed = 0;
	if (!st || (!s16 && !s32 && n) || (!features && max_features))
		return 0;
	{
		const ts_window_stats_config *c = &st->cfg;
		const size_t fc = c->frame_channels;
		const unsigned len = c->window;

		for (; used < n; used++) {
			const size_t base = used * fc;

			/* stop before the frame that would complete a vector
			 * there is no room for */
			if (st->until == 1 && made == max_features)
				break;
			for (unsigned ch = 0; ch < c->num_channels; ch++) {
				const size_t i = base + c->channel[ch].index;

				st->ring[ch * len + st->pos] = s16 ? s16[i] : s32[i];
			}
			st->pos = (uint16_t)(st->pos + 1u == len ? 0 : st->pos + 1u);
			if (--st->until == 0) {
				emit(st, features + made * st->feature_bytes);
				made++;
				st->until = c->hop;
			}
		}
	}
	if (consumed)
		*consumed = used;
	return made;
}

size_t ts_window_stats_push_s16(ts_window_stats *ws, const int16_t *frames, size_t n,
				size_t *consumed, int8_t *features, size_t max_features)
{
	return push(ws, frames, NULL, n, consumed, features, max_features);
}

size_t ts_window_stats_push_s32(ts_window_stats *ws, const int32_t *frames, size_t n,
				size_t *consumed, int8_t *features, size_t max_features)
{
	return push(ws, NULL, frames, n, consumed, features, max_features);
}
