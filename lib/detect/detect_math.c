/* SPDX-License-Identifier: MIT */
#include "detect_math.h"

#include <string.h>

_Static_assert(sizeof(float) == 4, "lib/detect needs IEEE binary32 floats");

bool ts_dm_scale_split(float scale, uint32_t *m, int32_t *e)
{
	uint32_t bits, exp_field, frac;

	memcpy(&bits, &scale, sizeof(bits));
	exp_field = (bits >> 23) & 0xFFu;
	frac = bits & 0x7FFFFFu;
	if (bits >> 31 || exp_field == 0xFFu || (exp_field == 0 && frac == 0))
		return false;
	if (exp_field == 0) {            /* subnormal: frac * 2^-149 */
		*m = frac;
		*e = -149;
	} else {                         /* (2^23 + frac) * 2^(exp - 150) */
		*m = frac | 0x800000u;
		*e = (int32_t)exp_field - 150;
	}
	return true;
}

int64_t ts_dm_mul_pow2_round(int32_t d, uint32_t m, int32_t shift, int64_t lim)
{
	const uint64_t a = (uint64_t)(d < 0 ? -(int64_t)d : d) * m; /* < 2^33 */
	uint64_t v;

	if (a == 0)
		return 0;
	if (shift >= 0) {
		/* a >= 1, so a * 2^shift >= 2^62 > lim once shift >= 62;
		 * below that a << shift < 2^33 * 2^29 when it does not
		 * already exceed lim by its bit length. */
		if (shift >= 62 || ts_dm_bitlen64(a) + shift > 62)
			v = (uint64_t)lim;
		else
			v = a << shift;
	} else if (shift < -34) {
		v = 0;                   /* a / 2^-shift < 2^33 / 2^35 < 1/2 */
	} else {
		const unsigned r = (unsigned)-shift;

		v = (a + ((uint64_t)1 << (r - 1))) >> r; /* ties away from 0 */
	}
	if (v > (uint64_t)lim)
		v = (uint64_t)lim;
	return d < 0 ? -(int64_t)v : (int64_t)v;
}

int ts_dm_bitlen64(uint64_t x)
{
	int n = 0;

	for (int s = 32; s; s >>= 1)
		if (x >> s) {
			x >>= s;
			n += s;
		}
	return n + (int)x;
}

ts_u128 ts_u128_mul64(uint64_t a, uint64_t b)
{
	const uint64_t a0 = (uint32_t)a, a1 = a >> 32;
	const uint64_t b0 = (uint32_t)b, b1 = b >> 32;
	const uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	/* < 3 * 2^32: no overflow. */
	const uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	ts_u128 r;

	r.lo = (mid << 32) | (uint32_t)p00;
	r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	return r;
}

ts_u128 ts_u128_add(ts_u128 a, ts_u128 b)
{
	ts_u128 r;

	r.lo = a.lo + b.lo;
	r.hi = a.hi + b.hi + (r.lo < a.lo);
	return r;
}

ts_u128 ts_u128_sub(ts_u128 a, ts_u128 b)
{
	ts_u128 r;

	r.lo = a.lo - b.lo;
	r.hi = a.hi - b.hi - (a.lo < b.lo);
	return r;
}

int ts_u128_cmp(ts_u128 a, ts_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

uint64_t ts_u128_isqrt(ts_u128 v)
{
	/* Invariant: rem = (the bits of v brought down so far) - root^2.
	 * Each step brings down two bits; appending a 1 to the root costs
	 * 4 * root + 1.  rem < 2 * root + 1 < 2^65 and 4 * rem + 3 < 2^67,
	 * so it always fits. */
	uint64_t root = 0;
	ts_u128 rem = { 0, 0 };

	for (int i = 63; i >= 0; i--) {
		const unsigned two = i >= 32 ? (unsigned)(v.hi >> (2 * i - 64)) & 3u
					     : (unsigned)(v.lo >> (2 * i)) & 3u;
		ts_u128 trial;

		rem.hi = (rem.hi << 2) | (rem.lo >> 62);
		rem.lo = (rem.lo << 2) | two;
		trial.hi = root >> 62;
		trial.lo = (root << 2) | 1u;
		root <<= 1;
		if (ts_u128_cmp(rem, trial) >= 0) {
			rem = ts_u128_sub(rem, trial);
			root |= 1u;
		}
	}
	return root;
}
