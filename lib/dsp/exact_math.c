/* SPDX-License-Identifier: MIT */
/*
 * Exact table-building arithmetic: Q56 fixed point (ln, exp, sin/cos) and
 * float32 rounding emulation.  Used at init only; speed does not matter,
 * portability and determinism do: only 64-bit integer operations.
 */
#include "dsp/exact_math.h"

#define ONE ((uint64_t)1 << 56)

/* 64 x 64 -> 128-bit product from 32-bit halves. */
static void umul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	const uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32;
	const uint64_t bl = b & 0xFFFFFFFFu, bh = b >> 32;
	const uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	const uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);

	*lo = (mid << 32) | (ll & 0xFFFFFFFFu);
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

int64_t ts_q56_mul(int64_t a, int64_t b)
{
	const int neg = (a < 0) != (b < 0);
	const uint64_t ua = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
	const uint64_t ub = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
	uint64_t hi, lo, r;

	umul128(ua, ub, &hi, &lo);
	lo += (uint64_t)1 << 55;        /* round half away from zero */
	if (lo < ((uint64_t)1 << 55))
		hi++;
	r = (hi << 8) | (lo >> 56);
	return neg ? -(int64_t)r : (int64_t)r;
}

uint64_t ts_udiv_frac(uint64_t n, uint64_t d, unsigned bits, int *inexact)
{
	uint64_t q = n / d, r = n % d;

	while (bits--) {
		r <<= 1;
		q <<= 1;
		if (r >= d) {
			r -= d;
			q |= 1;
		}
	}
	if (inexact)
		*inexact = r != 0;
	return q;
}

/*
 * ln(m * 2^e): m = f * 2^n with f in [1, 2), ln f = 2 atanh(z) with
 * z = (f - 1) / (f + 1) in [0, 1/3), summed until the terms vanish.
 */
int64_t ts_q56_ln(uint64_t m, int e)
{
	const int n = ts_bitlen64(m) - 1;
	uint64_t f;
	int64_t z, z2, term, sum = 0;

	if (n <= 56)
		f = m << (56 - n);
	else
		f = m >> (n - 56);
	z = (int64_t)ts_udiv_frac(f - ONE, f + ONE, 56, 0);
	z2 = ts_q56_mul(z, z);
	term = z;
	for (int64_t i = 1; term; i += 2) {
		sum += term / i;
		term = ts_q56_mul(term, z2);
	}
	return 2 * sum + (int64_t)(e + n) * TS_Q56_LN2;
}

/* exp(y) = 2^k * exp(r), r = y - k ln 2 in [0, ln 2), Taylor series. */
void ts_q56_exp(int64_t y, uint64_t *m, int *e)
{
	int64_t k = y / TS_Q56_LN2, r, term = (int64_t)ONE, sum = (int64_t)ONE;

	if (y - k * TS_Q56_LN2 < 0)
		k--;
	r = y - k * TS_Q56_LN2;
	for (int64_t i = 1; term; i++) {
		term = ts_q56_mul(term, r) / i;
		sum += term;
	}
	*m = (uint64_t)sum;
	*e = (int)k - 56;
}

/* sin and cos of x in [0, pi/4] (Q56) by their Taylor series. */
static void sincos_small(int64_t x, int64_t *s, int64_t *c)
{
	const int64_t x2 = ts_q56_mul(x, x);
	int64_t term, sum;

	sum = 0;
	term = x;
	for (int64_t n = 1; term; n += 2) {
		sum += term;
		term = -ts_q56_mul(term, x2) / ((n + 1) * (n + 2));
	}
	*s = sum;
	sum = 0;
	term = (int64_t)ONE;
	for (int64_t n = 0; term; n += 2) {
		sum += term;
		term = -ts_q56_mul(term, x2) / ((n + 1) * (n + 2));
	}
	*c = sum;
}

void ts_q56_sincospi(uint64_t p, uint64_t q, int64_t *sin_out, int64_t *cos_out)
{
	int sneg = 0, cneg = 0, swap = 0;
	int64_t s, c, x;

	p %= 2 * q;
	if (p >= q) {                   /* pi + t */
		p -= q;
		sneg = !sneg;
		cneg = !cneg;
	}
	if (2 * p > q) {                /* pi - t */
		p = q - p;
		cneg = !cneg;
	}
	if (4 * p > q) {                /* pi/2 - t */
		p = q - 2 * p;
		q *= 2;
		swap = 1;
	}
	x = ts_q56_mul(TS_Q56_PI, (int64_t)ts_udiv_frac(p, q, 56, 0));
	sincos_small(x, &s, &c);
	if (swap) {
		const int64_t t = s;

		s = c;
		c = t;
	}
	*sin_out = sneg ? -s : s;
	*cos_out = cneg ? -c : c;
}

/* ---- float32 emulation ------------------------------------------------ */

ts_f32 ts_f32_round(uint64_t m, int e, int sticky)
{
	ts_f32 r = { 0, 0 };
	const int n = ts_bitlen64(m);
	uint64_t q, rem, half;
	int sh;

	if (!m)
		return r;
	if (n <= 24) {
		r.m = (uint32_t)(m << (24 - n));
		r.e = e - (24 - n);
		return r;
	}
	sh = n - 24;
	q = m >> sh;
	rem = m & (((uint64_t)1 << sh) - 1);
	half = (uint64_t)1 << (sh - 1);
	if (rem > half || (rem == half && (sticky || (q & 1))))
		q++;
	e += sh;
	if (q >> 24) {
		q >>= 1;
		e++;
	}
	r.m = (uint32_t)q;
	r.e = e;
	return r;
}

ts_f32 ts_f32_ratio(uint64_t num, uint64_t den)
{
	const int t = ts_bitlen64(num) - ts_bitlen64(den);
	int inexact;
	uint64_t q;

	if (!num)
		return ts_f32_round(0, 0, 0);
	if (t > 40) {
		q = num / den;
		return ts_f32_round(q, 0, num % den != 0);
	}
	q = ts_udiv_frac(num, den, (unsigned)(40 - t), &inexact);
	return ts_f32_round(q, t - 40, inexact);
}

/* Aligns b (a.e >= b.e) to a's mantissa shifted up by 39 bits. */
static uint64_t align_to(ts_f32 a, ts_f32 b, int *sticky)
{
	const int d = a.e - b.e;

	*sticky = 0;
	if (d <= 39)
		return (uint64_t)b.m << (39 - d);
	if (d - 39 >= 64) {
		*sticky = b.m != 0;
		return 0;
	}
	*sticky = (b.m & (((uint64_t)1 << (d - 39)) - 1)) != 0;
	return (uint64_t)b.m >> (d - 39);
}

ts_f32 ts_f32_add(ts_f32 a, ts_f32 b)
{
	int sticky;
	uint64_t bs;

	if (!a.m)
		return b;
	if (!b.m)
		return a;
	if (a.e < b.e) {
		const ts_f32 t = a;

		a = b;
		b = t;
	}
	bs = align_to(a, b, &sticky);
	return ts_f32_round(((uint64_t)a.m << 39) + bs, a.e - 39, sticky);
}

ts_f32 ts_f32_sub(ts_f32 a, ts_f32 b)
{
	int sticky;
	uint64_t bs;

	if (ts_f32_cmp(a, b) <= 0)
		return ts_f32_round(0, 0, 0);
	if (!b.m)
		return a;
	bs = align_to(a, b, &sticky);
	return ts_f32_round(((uint64_t)a.m << 39) - bs - (uint64_t)sticky,
			    a.e - 39, sticky);
}

ts_f32 ts_f32_mul(ts_f32 a, ts_f32 b)
{
	return ts_f32_round((uint64_t)a.m * b.m, a.e + b.e, 0);
}

ts_f32 ts_f32_div(ts_f32 a, ts_f32 b)
{
	int inexact;
	const uint64_t q = ts_udiv_frac(a.m, b.m, 40, &inexact);

	return ts_f32_round(q, a.e - b.e - 40, inexact);
}

int ts_f32_cmp(ts_f32 a, ts_f32 b)
{
	if (!a.m || !b.m)
		return a.m ? 1 : b.m ? -1 : 0;
	if (a.e != b.e)
		return a.e < b.e ? -1 : 1;
	return a.m < b.m ? -1 : a.m > b.m ? 1 : 0;
}

ts_f32 ts_f32_from_q56(int64_t v)
{
	return ts_f32_round(v > 0 ? (uint64_t)v : 0, -56, 0);
}

ts_f32 ts_f32_log1p(ts_f32 x)
{
	uint64_t m;
	int e;

	if (!x.m)
		return x;
	if (x.e >= 0) {
		m = ((uint64_t)x.m << x.e) + 1;
		e = 0;
	} else if (x.e >= -38) {
		m = ((uint64_t)1 << -x.e) + x.m;
		e = x.e;
	} else {                        /* x < 2^-14: far below any input here */
		m = ((uint64_t)1 << 38) + (x.m >> (-x.e - 38));
		e = -38;
	}
	return ts_f32_from_q56(ts_q56_ln(m, e));
}

ts_f32 ts_f32_pow_neg(ts_f32 x, uint32_t s_q30)
{
	const int64_t t = -ts_q56_mul((int64_t)s_q30 << 26, ts_q56_ln(x.m, x.e));
	uint64_t m;
	int e;

	ts_q56_exp(t, &m, &e);
	return ts_f32_round(m, e, 0);
}

uint64_t ts_f32_trunc_scaled(ts_f32 a, int k)
{
	const int sh = a.e + k;

	if (sh >= 0)
		return sh < 40 ? (uint64_t)a.m << sh : UINT64_MAX;
	return -sh < 32 ? a.m >> -sh : 0;
}
