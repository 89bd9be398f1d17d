/* SPDX-License-Identifier: MIT */
/*
 * QUANTIZE and DEQUANTIZE, the boundary ops (TFLite Micro quantize_common.cc,
 * dequantize_common.cc):
 *   float32 -> int8/int16   reference_ops::AffineQuantize
 *   int -> int              reference_ops::Requantize; between 8-bit types a
 *                           256-entry table run through the lut_s8 kernel
 *   int8/uint8/int16 -> float32   reference_ops::Dequantize
 */
#include <string.h>

#include "op.h"
#include "lut_op.h"

#include "../core/fixedpoint.h"
#include "../core/fixedpoint_gemmlowp.h"
#include "../core/quant.h"
#include "../kernels/kernels.h"

struct quantize_data {
	const int8_t *lut;     /* 8-bit -> 8-bit requantization, else NULL */
	double scale;          /* dequantize: input scale */
	float out_scale;       /* float quantize: output scale */
	int32_t in_zero_point;
	int32_t out_zero_point;
	int32_t multiplier;
	int32_t shift;
	uint8_t in_type;
	uint8_t out_type;
};

static int32_t load_int(const uint8_t *p, uint32_t i, int32_t type)
{
	int16_t h;
	int32_t w;

	switch (type) {
	case TS_TYPE_INT8:
		return (int8_t)p[i];
	case TS_TYPE_UINT8:
		return p[i];
	case TS_TYPE_INT16:
		memcpy(&h, p + 2 * (size_t)i, sizeof(h));
		return h;
	default:
		memcpy(&w, p + 4 * (size_t)i, sizeof(w));
		return w;
	}
}

/* v already lies in the type's range. */
static void store_int(uint8_t *p, uint32_t i, int32_t type, int32_t v)
{
	int16_t h = (int16_t)v;

	switch (type) {
	case TS_TYPE_INT8:
	case TS_TYPE_UINT8:
		p[i] = (uint8_t)(v & 0xff);
		break;
	case TS_TYPE_INT16:
		memcpy(p + 2 * (size_t)i, &h, sizeof(h));
		break;
	default:
		memcpy(p + 4 * (size_t)i, &v, sizeof(v));
		break;
	}
}

static void int_range(int32_t type, int32_t *lo, int32_t *hi)
{
	if (type == TS_TYPE_INT32) {
		*lo = INT32_MIN;
		*hi = INT32_MAX;
	} else {
		ts_type_range(type, lo, hi);
	}
}

/* Requantize's per-element arithmetic (int32 wrapping as in practice). */
static int32_t requantize_one(const struct quantize_data *d, int32_t x)
{
	int32_t lo, hi;
	const int32_t y = ts_gl_add(ts_mul_by_quantized_multiplier(
					    ts_gl_sub(x, d->in_zero_point),
					    d->multiplier, d->shift),
				    d->out_zero_point);

	int_range(d->out_type, &lo, &hi);
	return ts_clamp_i32(y, lo, hi);
}

/*
 * AffineQuantize: zero_point + (int32)round(x / scale) in float, clamped.
 * Where TFLite's float -> int32 conversion is undefined (NaN, |x / scale|
 * >= 2^31) we saturate, NaN giving the zero point.
 */
static int32_t quantize_one(const struct quantize_data *d, float x)
{
	const float q = x / d->out_scale;
	const double r = ts_round((double)q);
	int64_t v;
	int32_t lo, hi;

	if (r != r)
		v = 0;
	else if (r >= 2147483647.0)
		v = INT32_MAX;
	else if (r <= -2147483648.0)
		v = INT32_MIN;
	else
		v = (int64_t)r;
	v += d->out_zero_point;
	int_range(d->out_type, &lo, &hi);
	return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

static ts_status check_quant(ts_prepare_ctx *c, const ts_tensor *t,
			     const char *what TS_DIAG_ONLY)
{
	int32_t lo, hi;

	if (t->nscales == 0)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "%s has no quantization parameters", what);
	if (t->nscales > 1)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%s: per-channel quantization not supported", what);
	if (!ts_scale_ok(t->scale))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "%s has an unusable scale (zero, negative or not finite)",
				       what);
	int_range(t->type, &lo, &hi);
	if (t->zero_point < lo || t->zero_point > hi)
		return ts_prepare_fail(c, TS_ERR_QUANT, "%s zero point %" PRId32
							" outside [%" PRId32 ", %" PRId32 "]",
				       what, t->zero_point, lo, hi);
	return TS_OK;
}

static ts_status check_io(ts_prepare_ctx *c, ts_tensor **in, ts_tensor **out)
{
	*in = ts_prepare_input(c, 0);
	*out = ts_prepare_output(c, 0);
	if (!*in || !*out)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input or output is missing");
	return ts_prepare_expect_dims(c, *out, (*in)->dims, (*in)->rank);
}

/* The type pairs TFLite Micro's QUANTIZE evaluates. */
static bool quantize_supported(int32_t in, int32_t out)
{
	switch (in) {
	case TS_TYPE_FLOAT32:
		return out == TS_TYPE_INT8 || out == TS_TYPE_INT16;
	case TS_TYPE_INT8:
		return out == TS_TYPE_INT8 || out == TS_TYPE_UINT8 ||
		       out == TS_TYPE_INT16 || out == TS_TYPE_INT32;
	case TS_TYPE_UINT8:
		return out == TS_TYPE_INT8;
	case TS_TYPE_INT16:
		return out == TS_TYPE_INT8 || out == TS_TYPE_INT16 ||
		       out == TS_TYPE_INT32;
	case TS_TYPE_INT32:
		return out == TS_TYPE_INT8 || out == TS_TYPE_INT16;
	}
	return false;
}

static bool is_byte_type(int32_t type)
{
	return type == TS_TYPE_INT8 || type == TS_TYPE_UINT8;
}

/* Table indexed by the input byte read as int8, holding output bytes. */
static ts_status requantize_lut(ts_prepare_ctx *c, struct quantize_data *d)
{
	int8_t *lut = ts_prepare_alloc(c, 256, 1);

	if (!lut)
		return TS_ERR_ARENA_TOO_SMALL;
	for (int32_t k = 0; k < 256; k++) {
		const int32_t b = k - 128; /* the byte as int8 */
		const int32_t x = d->in_type == TS_TYPE_UINT8 ? (b & 0xff) : b;
		const int32_t y = requantize_one(d, x);

		lut[k] = (int8_t)(y >= 128 ? y - 256 : y);
	}
	d->lut = lut;
	return TS_OK;
}

static ts_status quantize_prepare(ts_prepare_ctx *c)
{
	struct quantize_data *d;
	ts_tensor *in, *out;
	ts_status st;
	int shift;

	st = check_io(c, &in, &out);
	if (st)
		return st;
	if (!quantize_supported(in->type, out->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%s input to %s output not supported",
				       ts_type_name(in->type), ts_type_name(out->type));
	st = check_quant(c, out, "output");
	if (!st && in->type != TS_TYPE_FLOAT32)
		st = check_quant(c, in, "input");
	if (st)
		return st;
	d = ts_prepare_alloc(c, sizeof(*d), _Alignof(struct quantize_data));
	if (!d)
		return TS_ERR_ARENA_TOO_SMALL;
	c->node->params = d;
	d->in_type = in->type;
	d->out_type = out->type;
	d->out_zero_point = out->zero_point;
	d->out_scale = out->scale;
	if (in->type == TS_TYPE_FLOAT32)
		return TS_OK;
	d->in_zero_point = in->zero_point;
	/* effective_scale = (double)input_scale / (double)output_scale */
	if (!ts_lut_op_multiplier((double)in->scale / (double)out->scale,
				  &d->multiplier, &shift))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "input scale / output scale not representable");
	d->shift = shift;
	if (is_byte_type(in->type) && is_byte_type(out->type))
		return requantize_lut(c, d);
	return TS_OK;
}

static ts_status quantize_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct quantize_data *d = node->params;
	const ts_tensor *in = ts_node_input(ip, node, 0);
	ts_tensor *out = ts_node_output(ip, node, 0);
	const uint32_t n = in->elems;

	if (d->lut) {
		TS_KERNEL(ip->kernels, lut_s8)(d->lut, (const int8_t *)in->data,
				    (int8_t *)out->data, n);
	} else if (d->in_type == TS_TYPE_FLOAT32) {
		for (uint32_t i = 0; i < n; i++) {
			float x;

			memcpy(&x, in->data + 4 * (size_t)i, sizeof(x));
			store_int(out->data, i, d->out_type, quantize_one(d, x));
		}
	} else {
		for (uint32_t i = 0; i < n; i++)
			store_int(out->data, i, d->out_type,
				  requantize_one(d, load_int(in->data, i, d->in_type)));
	}
	return TS_OK;
}

static ts_status dequantize_prepare(ts_prepare_ctx *c)
{
	struct quantize_data *d;
	ts_tensor *in, *out;
	ts_status st;

	st = check_io(c, &in, &out);
	if (st)
		return st;
	if (in->type != TS_TYPE_INT8 && in->type != TS_TYPE_UINT8 &&
	    in->type != TS_TYPE_INT16)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "input type %s not supported (int8, uint8 or int16)",
				       ts_type_name(in->type));
	if (out->type != TS_TYPE_FLOAT32)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "output type %s not supported (float32 only)",
				       ts_type_name(out->type));
	st = check_quant(c, in, "input");
	if (st)
		return st;
	d = ts_prepare_alloc(c, sizeof(*d), _Alignof(struct quantize_data));
	if (!d)
		return TS_ERR_ARENA_TOO_SMALL;
	c->node->params = d;
	d->in_type = in->type;
	d->in_zero_point = in->zero_point;
	d->scale = (double)in->scale;
	return TS_OK;
}

/* Dequantize: (float)(scale * (x - zero_point)) computed in double. */
static ts_status dequantize_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct quantize_data *d = node->params;
	const ts_tensor *in = ts_node_input(ip, node, 0);
	ts_tensor *out = ts_node_output(ip, node, 0);

	for (uint32_t i = 0; i < in->elems; i++) {
		const int32_t x = load_int(in->data, i, d->in_type);
		const float y = (float)(d->scale * (double)(x - d->in_zero_point));

		memcpy(out->data + 4 * (size_t)i, &y, sizeof(y));
	}
	return TS_OK;
}

const ts_op ts_op_quantize = {
	.builtin = TFL_BUILTIN_QUANTIZE,
	.options_type = TFL_OPTIONS_QUANTIZE,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = quantize_prepare,
	.eval = quantize_eval,
};

const ts_op ts_op_dequantize = {
	.builtin = TFL_BUILTIN_DEQUANTIZE,
	.options_type = TFL_OPTIONS_DEQUANTIZE,
	.min_inputs = 1, .max_inputs = 1, .n_outputs = 1,
	.prepare = dequantize_prepare,
	.eval = dequantize_eval,
};
