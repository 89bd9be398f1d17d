/* SPDX-License-Identifier: MIT */
/*
 * Real FFT in int16 (Q15) with the exact arithmetic of kissfft v130 built
 * with FIXED_POINT=16 (kiss_fftr), which TFLM's signal library uses:
 *
 *   - the n/2-point complex FFT is mixed radix, radix 4 first then one
 *     radix 2 if needed, decimation in time;
 *   - every butterfly first divides its inputs by its radix, as
 *     (x * (32767 / radix) + 2^14) >> 15;
 *   - complex products round as (a*b + 2^14) >> 15 and every result is
 *     stored in int16 (two's complement wrap);
 *   - twiddles are floor(0.5 + 32767 * cos/sin(phase)) (computed here with
 *     exact fixed-point trigonometry);
 *   - the real-input split halves both halves again and uses the
 *     "super twiddles" exp(-i pi ((k + 1) / (n/2) + 1/2)).
 *
 * The butterflies of one stage are independent, so this runs the stages
 * iteratively after one input permutation; the arithmetic, and so every
 * output bit, is the same as kissfft's recursion.
 *
 * Every butterfly divides by its radix, so the outputs are X[k] / n: an
 * input whose components stay within +-2^14 cannot overflow (a stage never
 * grows the largest complex magnitude, at most 2^14 sqrt(2) at the start,
 * beyond a few units of rounding).
 */
#include "audio_frontend_impl.h"
#include "exact_math.h"

/* floor(0.5 + 32767 * v), v in Q56. */
static int16_t twiddle_q15(int64_t v)
{
	return (int16_t)ts_asr64(ts_asr64(v, 20) * 32767 + ((int64_t)1 << 35), 36);
}

/*
 * The tables live in one of two holders (ts_rfft_q15 up to 512 points for
 * the audio front-end, ts_rfft_q15_1k up to 1024): the code below works on
 * the arrays and does not depend on which.
 */
struct plan {
	unsigned n, nstages;
	const uint8_t *radix;
	const ts_cpx16 *tw, *super_tw;
	const uint16_t *perm;
};

static int plan_build(unsigned n, unsigned max_n, uint8_t *nstages, uint8_t *radix,
		      ts_cpx16 *tw, ts_cpx16 *super_tw, uint16_t *perm)
{
	const unsigned n2 = n / 2;
	unsigned left, m, stages = 0;

	if (n < 4 || n > max_n || (n & (n - 1)))
		return -1;
	for (left = n2; left % 4 == 0; left /= 4)
		radix[stages++] = 4;
	if (left == 2)
		radix[stages++] = 2;
	*nstages = (uint8_t)stages;

	for (unsigned i = 0; i < n2; i++) {
		int64_t s, c;

		/* phase -2 pi i / (n/2) */
		ts_q56_sincospi(2 * i, n2, &s, &c);
		tw[i].r = twiddle_q15(c);
		tw[i].i = twiddle_q15(-s);
	}
	for (unsigned i = 0; i < n2 / 2; i++) {
		int64_t s, c;

		/* phase -pi ((i + 1) / (n/2) + 1/2) */
		ts_q56_sincospi(2 * (i + 1) + n2, 2 * n2, &s, &c);
		super_tw[i].r = twiddle_q15(c);
		super_tw[i].i = twiddle_q15(-s);
	}
	/* Input i = q0 + p0 (q1 + p1 (q2 + ...)) lands in slot sum qj * mj,
	 * mj = n2 / (p0 ... pj): mixed-radix digit reversal. */
	for (unsigned i = 0; i < n2; i++) {
		unsigned rest = i, slot = 0;

		m = n2;
		for (unsigned j = 0; j < stages; j++) {
			m /= radix[j];
			slot += (rest % radix[j]) * m;
			rest /= radix[j];
		}
		perm[slot] = (uint16_t)i;
	}
	return 0;
}

static inline int16_t sround(int32_t x)
{
	return ts_wrap16(ts_asr32(x + (1 << 14), 15));
}

static inline ts_cpx16 cdiv(ts_cpx16 a, int32_t k)
{
	const ts_cpx16 r = { sround(a.r * k), sround(a.i * k) };

	return r;
}

static inline ts_cpx16 cmul(ts_cpx16 a, ts_cpx16 b)
{
	const ts_cpx16 r = {
		sround((int32_t)a.r * b.r - (int32_t)a.i * b.i),
		sround((int32_t)a.r * b.i + (int32_t)a.i * b.r),
	};

	return r;
}

static inline ts_cpx16 cadd(ts_cpx16 a, ts_cpx16 b)
{
	const ts_cpx16 r = { ts_wrap16(a.r + b.r), ts_wrap16(a.i + b.i) };

	return r;
}

static inline ts_cpx16 csub(ts_cpx16 a, ts_cpx16 b)
{
	const ts_cpx16 r = { ts_wrap16(a.r - b.r), ts_wrap16(a.i - b.i) };

	return r;
}

static void radix4(ts_cpx16 *x, const ts_cpx16 *tw, unsigned fstride, unsigned m)
{
	for (unsigned k = 0; k < m; k++) {
		const ts_cpx16 a0 = cdiv(x[k], 32767 / 4);
		const ts_cpx16 a1 = cdiv(x[k + m], 32767 / 4);
		const ts_cpx16 a2 = cdiv(x[k + 2 * m], 32767 / 4);
		const ts_cpx16 a3 = cdiv(x[k + 3 * m], 32767 / 4);
		const ts_cpx16 b1 = cmul(a1, tw[k * fstride]);
		const ts_cpx16 b2 = cmul(a2, tw[2 * k * fstride]);
		const ts_cpx16 b3 = cmul(a3, tw[3 * k * fstride]);
		const ts_cpx16 d02 = csub(a0, b2), s02 = cadd(a0, b2);
		const ts_cpx16 s13 = cadd(b1, b3), d13 = csub(b1, b3);

		x[k] = cadd(s02, s13);
		x[k + 2 * m] = csub(s02, s13);
		/* d02 -/+ i * d13 */
		x[k + m].r = ts_wrap16(d02.r + d13.i);
		x[k + m].i = ts_wrap16(d02.i - d13.r);
		x[k + 3 * m].r = ts_wrap16(d02.r - d13.i);
		x[k + 3 * m].i = ts_wrap16(d02.i + d13.r);
	}
}

static void radix2(ts_cpx16 *x, const ts_cpx16 *tw, unsigned fstride, unsigned m)
{
	for (unsigned k = 0; k < m; k++) {
		const ts_cpx16 a = cdiv(x[k], 32767 / 2);
		const ts_cpx16 b = cmul(cdiv(x[k + m], 32767 / 2), tw[k * fstride]);

		x[k + m] = csub(a, b);
		x[k] = cadd(a, b);
	}
}

static void plan_run(const struct plan *f, const int16_t *in, ts_cpx16 *work,
		     ts_cpx16 *out)
{
	const unsigned n2 = f->n / 2u;
	unsigned fstride[12], m[12];

	for (unsigned o = 0; o < n2; o++) {
		work[o].r = in[2u * f->perm[o]];
		work[o].i = in[2u * f->perm[o] + 1u];
	}

	/* Stage j: radix p, span m = n2 / (p0 ... pj), twiddle stride
	 * p0 ... p(j-1); innermost stage first. */
	fstride[0] = 1;
	m[0] = n2 / f->radix[0];
	for (unsigned j = 1; j < f->nstages; j++) {
		fstride[j] = fstride[j - 1] * f->radix[j - 1];
		m[j] = m[j - 1] / f->radix[j];
	}
	for (unsigned j = f->nstages; j-- > 0;) {
		const unsigned block = f->radix[j] * m[j];

		for (unsigned b = 0; b < n2; b += block) {
			if (f->radix[j] == 4)
				radix4(work + b, f->tw, fstride[j], m[j]);
			else
				radix2(work + b, f->tw, fstride[j], m[j]);
		}
	}

	/* Split into the spectrum of the real input. */
	{
		const ts_cpx16 dc = cdiv(work[0], 32767 / 2);

		out[0].r = ts_wrap16(dc.r + dc.i);
		out[0].i = 0;
		out[n2].r = ts_wrap16(dc.r - dc.i);
		out[n2].i = 0;
	}
	for (unsigned k = 1; k <= n2 / 2; k++) {
		const ts_cpx16 nk = { work[n2 - k].r, ts_wrap16(-work[n2 - k].i) };
		const ts_cpx16 fk = cdiv(work[k], 32767 / 2);
		const ts_cpx16 fnk = cdiv(nk, 32767 / 2);
		const ts_cpx16 sum = cadd(fk, fnk);
		const ts_cpx16 t = cmul(csub(fk, fnk), f->super_tw[k - 1]);

		out[k].r = (int16_t)ts_asr32(sum.r + t.r, 1);
		out[k].i = (int16_t)ts_asr32(sum.i + t.i, 1);
		/* k == n2/2 writes the same bin twice; the second one stays. */
		out[n2 - k].r = (int16_t)ts_asr32(sum.r - t.r, 1);
		out[n2 - k].i = (int16_t)ts_asr32(t.i - sum.i, 1);
	}
}

int ts_rfft_q15_init(ts_rfft_q15 *f, unsigned n)
{
	if (plan_build(n, TS_AF_MAX_FFT, &f->nstages, f->radix, f->tw, f->super_tw, f->perm))
		return -1;
	f->n = (uint16_t)n;
	return 0;
}

void ts_rfft_q15_apply(const ts_rfft_q15 *f, const int16_t *in, ts_cpx16 *work,
		       ts_cpx16 *out)
{
	const struct plan p = { f->n, f->nstages, f->radix, f->tw, f->super_tw, f->perm };

	plan_run(&p, in, work, out);
}

int ts_rfft_q15_1k_init(ts_rfft_q15_1k *f, unsigned n)
{
	if (plan_build(n, TS_RFFT_Q15_1K_MAX, &f->nstages, f->radix, f->tw, f->super_tw,
		       f->perm))
		return -1;
	f->n = (uint16_t)n;
	return 0;
}

void ts_rfft_q15_1k_apply(const ts_rfft_q15_1k *f, const int16_t *in,
			  ts_cpx16 *work, ts_cpx16 *out)
{
	const struct plan p = { f->n, f->nstages, f->radix, f->tw, f->super_tw, f->perm };

	plan_run(&p, in, work, out);
}
