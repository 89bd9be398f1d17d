/* SPDX-License-Identifier: MIT */
#include "quant.h"

#include <string.h>

static uint64_t bits_of(double x)
{
	uint64_t b;

	memcpy(&b, &x, sizeof(b));
	return b;
}

static double double_of(uint64_t b)
{
	double x;

	memcpy(&x, &b, sizeof(x));
	return x;
}

double ts_frexp(double x, int *exp)
{
	uint64_t b = bits_of(x);
	int e = (int)((b >> 52) & 0x7ff);
	int bias = 0;

	*exp = 0;
	if (e == 0x7ff || x == 0.0)
		return x;
	if (e == 0) {
		/* Subnormal: scale into the normal range first (exact). */
		x *= 18014398509481984.0; /* 2^54 */
		b = bits_of(x);
		e = (int)((b >> 52) & 0x7ff);
		bias = -54;
	}
	*exp = e - 1022 + bias;
	b = (b & ~((uint64_t)0x7ff << 52)) | ((uint64_t)1022 << 52);
	return double_of(b);
}

/* t with the sign of x when t is zero (libm keeps -0.0). */
static double zero_signed_like(double t, double x)
{
	if (t == 0.0)
		return double_of(bits_of(x) & ((uint64_t)1 << 63));
	return t;
}

double ts_round(double x)
{
	const double big = 4503599627370496.0; /* 2^52: no fraction bits left */
	double t;

	if (!(x > -big && x < big))
		return x; /* also NaN */
	t = (double)(int64_t)x; /* truncation */
	if (x - t >= 0.5)
		t += 1.0;
	else if (t - x >= 0.5)
		t -= 1.0;
	return zero_signed_like(t, x);
}

double ts_floor(double x)
{
	const double big = 4503599627370496.0;
	double t;

	if (!(x > -big && x < big))
		return x;
	t = (double)(int64_t)x;
	return zero_signed_like(t > x ? t - 1.0 : t, x);
}

void ts_quantize_multiplier(double real, int32_t *multiplier, int *shift)
{
	int64_t q_fixed;
	double q;

	if (real == 0.0) {
		*multiplier = 0;
		*shift = 0;
		return;
	}
	q = ts_frexp(real, shift);
	q_fixed = (int64_t)ts_round(q * 2147483648.0);
	if (q_fixed == ((int64_t)1 << 31)) {
		q_fixed /= 2;
		++*shift;
	}
	if (*shift < -31) {
		*shift = 0;
		q_fixed = 0;
	}
	*multiplier = (int32_t)q_fixed;
}

bool ts_quantize_multiplier_gt_one(double real, int32_t *multiplier, int *shift)
{
	if (!(real > 1.0))
		return false;
	ts_quantize_multiplier(real, multiplier, shift);
	return *shift >= 0;
}

bool ts_quantize_multiplier_lt_one(double real, int32_t *multiplier, int *shift)
{
	if (!(real > 0.0 && real < 1.0))
		return false;
	ts_quantize_multiplier(real, multiplier, shift);
	return *shift <= 0;
}

/* zero_point + round(f / scale), computed in float as TFLite does. */
static int32_t quantize_value(float f, float scale, int32_t zero_point)
{
	const float q = f / scale;
	const double v = (double)zero_point + ts_round((double)q);

	/* Saturate: the caller clamps to the type's range anyway. */
	if (v >= 2147483647.0)
		return INT32_MAX;
	if (v <= -2147483648.0)
		return INT32_MIN;
	return (int32_t)v;
}

bool ts_activation_range(int32_t activation, float scale, int32_t zero_point,
			 int32_t qmin, int32_t qmax, int32_t *lo, int32_t *hi)
{
	int32_t l = qmin, h = qmax, v;

	switch (activation) {
	case 0: /* NONE */
		break;
	case 1: /* RELU */
		v = quantize_value(0.0f, scale, zero_point);
		l = v > qmin ? v : qmin;
		break;
	case 3: /* RELU6 */
		v = quantize_value(0.0f, scale, zero_point);
		l = v > qmin ? v : qmin;
		v = quantize_value(6.0f, scale, zero_point);
		h = v < qmax ? v : qmax;
		break;
	case 2: /* RELU_N1_TO_1 */
		v = quantize_value(-1.0f, scale, zero_point);
		l = v > qmin ? v : qmin;
		v = quantize_value(1.0f, scale, zero_point);
		h = v < qmax ? v : qmax;
		break;
	default:
		return false;
	}
	*lo = l;
	*hi = h;
	return true;
}

int32_t ts_input_radius(int input_integer_bits, int input_left_shift,
			int total_signed_bits)
{
	const double max_input_rescaled =
		1.0 * (double)((1 << input_integer_bits) - 1) *
		(double)((int64_t)1 << (total_signed_bits - input_integer_bits)) /
		(double)((int64_t)1 << input_left_shift);

	return (int32_t)ts_floor(max_input_rescaled);
}

bool ts_scale_ok(float scale)
{
	/* Rejects 0, negatives, NaN and infinities. */
	return scale > 0.0f && scale <= 3.4028234663852886e38f;
}
