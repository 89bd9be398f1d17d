/* SPDX-License-Identifier: MIT */
/*
 * int8 activations: LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6.
 * Each prepare computes TFLite Micro's op data exactly as its prepare does
 * and evaluates TFLite's reference int8 kernel on all 256 inputs into a
 * lookup table; eval is the table pass (lut_op.c).
 */
#include "op.h"
#include "lut_op.h"

#include "../core/fixedpoint.h"
#include "../core/fixedpoint_gemmlowp.h"
#include "../core/quant.h"

typedef int32_t (*act_fn)(int32_t in, const void *ctx);

/* Table of f over every int8 input, clamped to int8. */
static ts_status fill_lut(ts_prepare_ctx *c, act_fn f, const void *ctx)
{
	int8_t *lut = ts_lut_op_alloc(c);

	if (!lut)
		return TS_ERR_ARENA_TOO_SMALL;
	for (int32_t v = INT8_MIN; v <= INT8_MAX; v++)
		lut[v + 128] = (int8_t)ts_clamp_i32(f(v, ctx), INT8_MIN, INT8_MAX);
	return TS_OK;
}

static ts_status int8_io(ts_prepare_ctx *c, ts_tensor **in, ts_tensor **out)
{
	return ts_lut_op_io(c, TS_TYPE_INT8, TS_TYPE_INT8, in, out);
}

static ts_status expect_out_quant(ts_prepare_ctx *c, const ts_tensor *out,
				  float scale, int32_t zero_point,
				  const char *scale_text TS_DIAG_ONLY)
{
	if (out->scale != scale || out->zero_point != zero_point)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "int8 output must have scale %s and zero point %" PRId32
				       " (has zero point %" PRId32 ")",
				       scale_text, zero_point, out->zero_point);
	return TS_OK;
}

/* ---- LOGISTIC and TANH ------------------------------------------------ */

/* OpDataLogistic / tanh OpData for int8 (logistic_common.cc, tanh.cc). */
struct sigmoid_data {
	int32_t zero_point;
	int32_t multiplier;
	int32_t shift;
	int32_t radius;
};

/*
 * input_real_multiplier = scale * 2^27 (4 integer bits); frexp gives the
 * shift and round(q * 2^31) the multiplier (no QuantizeMultiplier here);
 * CalculateInputRadius(4, shift, 31).  q has float's 24 significant bits, so
 * q * 2^31 is an exact integer below 2^31.  TFLite's arithmetic is undefined
 * for shifts outside 0..62 (input scales below 2^-28 or above 2^35).
 */
static ts_status sigmoid_prepare(ts_prepare_ctx *c, const ts_tensor *in,
				 struct sigmoid_data *d)
{
	const double real = (double)in->scale * (double)(1 << (31 - 4));
	int shift;
	const double q = ts_frexp(real, &shift);

	if (shift < 0 || shift > 62)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "input scale out of the range TFLite's int8 kernel handles");
	d->zero_point = in->zero_point;
	d->multiplier = (int32_t)ts_round(q * 2147483648.0);
	d->shift = shift;
	d->radius = ts_input_radius(4, shift, 31);
	return TS_OK;
}

/* The input in Q4.27, or saturation: 1 below -radius, 2 above radius. */
static int sigmoid_input(const struct sigmoid_data *d, int32_t v, int32_t *q4)
{
	const int32_t x = v - d->zero_point;

	if (x <= -d->radius)
		return 1;
	if (x >= d->radius)
		return 2;
	/* |x| < radius keeps shift <= 30 and x * 2^shift within int32. */
	*q4 = ts_mul_by_quantized_multiplier(x, d->multiplier, d->shift);
	return 0;
}

/* reference_integer_ops::Logistic (int8). */
static int32_t logistic_one(int32_t v, const void *ctx)
{
	int32_t q4;

	switch (sigmoid_input(ctx, v, &q4)) {
	case 1:
		return INT8_MIN;
	case 2:
		return INT8_MAX;
	}
	return ts_rounding_divide_by_pot(ts_gl_logistic(q4, 4), 31 - 8) - 128;
}

/* reference_integer_ops::Tanh (int8). */
static int32_t tanh_one(int32_t v, const void *ctx)
{
	int32_t q4;

	switch (sigmoid_input(ctx, v, &q4)) {
	case 1:
		return INT8_MIN;
	case 2:
		return INT8_MAX;
	}
	return ts_rounding_divide_by_pot(ts_gl_tanh(q4, 4), 31 - 7);
}

static ts_status logistic_prepare(ts_prepare_ctx *c)
{
	struct sigmoid_data d = { 0 };
	ts_tensor *in, *out;
	ts_status st;

	st = int8_io(c, &in, &out);
	/* TFLM checks the zero point; the kernel's output is in 1/256 units
	 * (TFLite checks that scale too). */
	if (!st)
		st = expect_out_quant(c, out, 1.0f / 256.0f, -128, "1/256");
	if (!st)
		st = sigmoid_prepare(c, in, &d);
	return st ? st : fill_lut(c, logistic_one, &d);
}

static ts_status tanh_prepare(ts_prepare_ctx *c)
{
	struct sigmoid_data d = { 0 };
	ts_tensor *in, *out;
	ts_status st;

	st = int8_io(c, &in, &out);
	/* The kernel's output is in 1/128 units around 0. */
	if (!st)
		st = expect_out_quant(c, out, 1.0f / 128.0f, 0, "1/128");
	if (!st)
		st = sigmoid_prepare(c, in, &d);
	return st ? st : fill_lut(c, tanh_one, &d);
}

/* ---- HARD_SWISH -------------------------------------------------------- */

/* HardSwishParams (hard_swish_common.cc). */
struct hard_swish_data {
	int16_t input_zero_point;
	int16_t output_zero_point;
	int16_t reluish_multiplier;
	int16_t output_multiplier;
	int reluish_exponent;
	int output_exponent;
};

/* DownScaleInt32ToInt16Multiplier. */
static int16_t downscale_multiplier(int32_t m)
{
	if (m >= INT32_MAX - (1 << 15))
		return INT16_MAX;
	return (int16_t)((m + (1 << 15)) >> 16);
}

/* reference_ops::SaturatingLeftShift (amount <= 30). */
static int16_t sat_left_shift16(int16_t v, int amount)
{
	const int64_t r = (int64_t)v * ((int64_t)1 << amount);

	return (int16_t)(r > INT16_MAX ? INT16_MAX : r < INT16_MIN ? INT16_MIN : r);
}

/* reference_ops::SaturatingDoublingHighMul: truncating, not rounding. */
static int16_t sat_doubling_high_mul16(int16_t a, int16_t b)
{
	if (a == INT16_MIN && b == INT16_MIN)
		return INT16_MAX;
	return (int16_t)(((int32_t)a * b) / (1 << 15));
}

/* reference_ops::HardSwish<int8_t>, all in int16 as TFLite does. */
static int32_t hard_swish_one(int32_t v, const void *ctx)
{
	const struct hard_swish_data *d = ctx;
	const int16_t x = ts_gl_wrap16(v - d->input_zero_point);
	const int16_t hires = ts_gl_wrap16(x * (1 << 7));
	const int16_t preshift_out = ts_gl_mul16(hires, d->output_multiplier);
	int16_t reluish = hires, out;

	if (d->reluish_exponent > 0)
		reluish = sat_left_shift16(reluish, d->reluish_exponent - 1);
	reluish = ts_gl_mul16(reluish, d->reluish_multiplier);
	if (d->reluish_exponent > 0)
		reluish = sat_left_shift16(reluish, 1);
	if (d->reluish_exponent < 0)
		reluish = ts_gl_rdbpot16(reluish, -d->reluish_exponent);
	/* [-1, 1] -> [0, 1] */
	reluish = ts_gl_wrap16((reluish + (1 << 15)) >> 1);
	out = ts_gl_rdbpot16(sat_doubling_high_mul16(reluish, preshift_out),
			     -d->output_exponent);
	return ts_gl_wrap16(out + d->output_zero_point);
}

/*
 * HardSwishPrepare: the ratios are float divisions widened to double:
 * hires_input_scale = input_scale / 128, reluish scale 3 / 32768.
 */
static ts_status hard_swish_prepare(ts_prepare_ctx *c)
{
	const float reluish_scale = 3.0f / 32768.0f;
	struct hard_swish_data d = { 0 };
	ts_tensor *in, *out;
	float hires, ratio;
	int32_t m;
	ts_status st;

	st = int8_io(c, &in, &out);
	if (st)
		return st;
	d.input_zero_point = (int16_t)in->zero_point;
	d.output_zero_point = (int16_t)out->zero_point;
	hires = (1.0f / 128.0f) * in->scale;
	ratio = hires / out->scale;
	if (!ts_lut_op_multiplier((double)ratio, &m, &d.output_exponent) ||
	    d.output_exponent > 0)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "input scale / 128 must not exceed the output scale (TFLite's output multiplier exponent <= 0)");
	d.output_multiplier = downscale_multiplier(m);
	ratio = hires / reluish_scale;
	if (!ts_lut_op_multiplier((double)ratio, &m, &d.reluish_exponent))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "input scale too large for TFLite's int8 kernel");
	d.reluish_multiplier = downscale_multiplier(m);
	return fill_lut(c, hard_swish_one, &d);
}

/* ---- LEAKY_RELU ---------------------------------------------------------- */

/* LeakyReluOpData (leaky_relu_common.cc). */
struct leaky_relu_data {
	int32_t input_zero_point;
	int32_t output_zero_point;
	int32_t alpha_multiplier; /* may be negative */
	int32_t identity_multiplier;
	int alpha_shift;
	int identity_shift;
};

/* reference_ops::QuantizeLeakyRelu<int8_t>; a negative alpha multiplier is
 * applied as its magnitude, then negated. */
static int32_t leaky_relu_one(int32_t v, const void *ctx)
{
	const struct leaky_relu_data *d = ctx;
	const int32_t x = v - d->input_zero_point;
	const bool negative_alpha = d->alpha_multiplier < 0;
	int32_t y;

	if (x >= 0) {
		y = ts_mul_by_quantized_multiplier(x, d->identity_multiplier,
						   d->identity_shift);
	} else {
		y = ts_mul_by_quantized_multiplier(x, negative_alpha ?
						   -d->alpha_multiplier :
						   d->alpha_multiplier,
						   d->alpha_shift);
		if (negative_alpha)
			y = ts_gl_neg(y);
	}
	return ts_gl_add(d->output_zero_point, y);
}

/* CalculateOpDataLeakyRelu: (input_scale * alpha / output_scale) and
 * (input_scale / output_scale) in float, widened to double. */
static ts_status leaky_relu_prepare(ts_prepare_ctx *c)
{
	/* LeakyReluOptions.alpha (field 0), schema default 0. */
	const float alpha = ts_option_f32(c, 0, 0.0f);
	struct leaky_relu_data d = { 0 };
	ts_tensor *in, *out;
	float scaled_alpha, ratio;
	ts_status st;

	st = int8_io(c, &in, &out);
	if (st)
		return st;
	d.input_zero_point = in->zero_point;
	d.output_zero_point = out->zero_point;
	scaled_alpha = in->scale * alpha;
	ratio = scaled_alpha / out->scale;
	if (!ts_lut_op_multiplier((double)ratio, &d.alpha_multiplier,
				  &d.alpha_shift) || d.alpha_multiplier == INT32_MIN)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "alpha * input scale / output scale not representable");
	ratio = in->scale / out->scale;
	if (!ts_lut_op_multiplier((double)ratio, &d.identity_multiplier,
				  &d.identity_shift))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "input scale / output scale not representable");
	return fill_lut(c, leaky_relu_one, &d);
}

/* ---- RELU and RELU6 ------------------------------------------------------ */

/* ReluOpData for int8 (CalculateReluOpData): act_min = max(-128, output zero
 * point + round(0 / scale)), act_max = 127. */
struct relu_data {
	int32_t input_zero_point;
	int32_t output_zero_point;
	int32_t multiplier;
	int shift;
	int32_t act_min;
};

/* ReluQuantized<int8_t>. */
static int32_t relu_one(int32_t v, const void *ctx)
{
	const struct relu_data *d = ctx;
	const int32_t y = ts_gl_add(d->output_zero_point,
				    ts_mul_by_quantized_multiplier(
					    v - d->input_zero_point,
					    d->multiplier, d->shift));

	return y < d->act_min ? d->act_min : y;
}

static ts_status relu_prepare(ts_prepare_ctx *c)
{
	struct relu_data d = { 0 };
	ts_tensor *in, *out;
	float ratio;
	ts_status st;

	st = int8_io(c, &in, &out);
	if (st)
		return st;
	ratio = in->scale / out->scale;
	if (!ts_lut_op_multiplier((double)ratio, &d.multiplier, &d.shift))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "input scale / output scale not representable");
	d.input_zero_point = in->zero_point;
	d.output_zero_point = out->zero_point;
	d.act_min = out->zero_point > INT8_MIN ? out->zero_point : INT8_MIN;
	return fill_lut(c, relu_one, &d);
}

/* Relu6OpData: the clamp bounds in the input's quantization. */
struct relu6_data {
	int32_t zero;
	int32_t six;
};

/* Relu6Quantized<int8_t>: a clamp, no requantization. */
static int32_t relu6_one(int32_t v, const void *ctx)
{
	const struct relu6_data *d = ctx;

	return v > d->six ? d->six : v < d->zero ? d->zero : v;
}

/*
 * Relu6Prepare: six = FloatToQuantizedType<int8_t>(6, scale, zero point) =
 * clamp(round(6.0f / scale) + zero point).  TFLM copies the input's
 * quantization to the output unchanged, so we require the output to have
 * the same quantization rather than produce values in the wrong scale.
 */
static ts_status relu6_prepare(ts_prepare_ctx *c)
{
	struct relu6_data d = { 0 };
	ts_tensor *in, *out;
	double six;
	float q;
	ts_status st;

	st = int8_io(c, &in, &out);
	if (st)
		return st;
	if (out->scale != in->scale || out->zero_point != in->zero_point)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "output quantization differs from the input's (TFLite Micro's RELU6 does not requantize)");
	q = 6.0f / in->scale;
	six = ts_round((double)q) + (double)in->zero_point;
	d.zero = in->zero_point;
	d.six = six > INT8_MAX ? INT8_MAX : six < INT8_MIN ? INT8_MIN : (int32_t)six;
	return fill_lut(c, relu6_one, &d);
}

const ts_op ts_op_logistic = {
	.builtin = TFL_BUILTIN_LOGISTIC,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = logistic_prepare,
	.eval = ts_lut_op_eval,
};

const ts_op ts_op_tanh = {
	.builtin = TFL_BUILTIN_TANH,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = tanh_prepare,
	.eval = ts_lut_op_eval,
};

const ts_op ts_op_hard_swish = {
	.builtin = TFL_BUILTIN_HARD_SWISH,
	.options_type = TFL_OPTIONS_HARD_SWISH,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = hard_swish_prepare,
	.eval = ts_lut_op_eval,
};

const ts_op ts_op_leaky_relu = {
	.builtin = TFL_BUILTIN_LEAKY_RELU,
	.options_type = TFL_OPTIONS_LEAKY_RELU,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = leaky_relu_prepare,
	.eval = ts_lut_op_eval,
};

const ts_op ts_op_relu = {
	.builtin = TFL_BUILTIN_RELU,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = relu_prepare,
	.eval = ts_lut_op_eval,
};

const ts_op ts_op_relu6 = {
	.builtin = TFL_BUILTIN_RELU6,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = relu6_prepare,
	.eval = ts_lut_op_eval,
};
