/* SPDX-License-Identifier: MIT */
/*
 * PAD and PADV2, as TFLite Micro's pad_common.cc / pad.cc (one kernel for
 * both): up to 5 dims, paddings from a constant [rank, 2] tensor, padding
 * with constant_values when given, else with the output zero point (int8)
 * or zero.
 */
#include "op.h"

#include <string.h>

/* reference_ops::PadKernelMaxDimensionCount(). */
#define PAD_DIMS 5

struct pad_params {
	int32_t in_dims[PAD_DIMS];   /* extended to 5 dims with leading 1s */
	int32_t out_dims[PAD_DIMS];
	int32_t left[PAD_DIMS];
	int32_t right[PAD_DIMS];
	uint32_t esize;
	uint8_t value[4];            /* pad value when there is no input 2 */
	bool has_constant;
};

static bool pad_type_ok(int32_t type)
{
	return type == TS_TYPE_FLOAT32 || type == TS_TYPE_INT8 ||
	       type == TS_TYPE_INT16 || type == TS_TYPE_INT32;
}

static ts_status pad_check_tensors(ts_prepare_ctx *c, const ts_tensor *in,
				   const ts_tensor *out)
{
	if (!in)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input is missing");
	if (!pad_type_ok(in->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "type %s not supported", ts_type_name(in->type));
	if (out->type != in->type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "output type %s differs from input type %s",
				       ts_type_name(out->type), ts_type_name(in->type));
	if (in->rank > PAD_DIMS)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "input rank %u, at most %d supported",
				       in->rank, PAD_DIMS);
	if (out->rank != in->rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "output rank %u differs from input rank %u",
				       out->rank, in->rank);
	return TS_OK;
}

/* The pad value: constant_values (a one-element tensor of the input's type
 * and, for int8, the output's quantization) or the output zero point. */
static ts_status pad_value(ts_prepare_ctx *c, struct pad_params *p,
			   const ts_tensor *cv, const ts_tensor *out)
{
	if (cv) {
		if (cv->type != out->type)
			return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
					       "constant_values has type %s, input %s",
					       ts_type_name(cv->type),
					       ts_type_name(out->type));
		if (cv->elems != 1)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "constant_values has %" PRIu32
					       " elements, expected 1",
					       cv->elems);
		if (out->type == TS_TYPE_INT8 &&
		    (cv->scale != out->scale || cv->zero_point != out->zero_point))
			return ts_prepare_fail(c, TS_ERR_QUANT,
					       "constant_values quantization differs from the output's");
		p->has_constant = true;
		return TS_OK;
	}
	if (out->type == TS_TYPE_INT8) {
		if (out->zero_point < -128 || out->zero_point > 127)
			return ts_prepare_fail(c, TS_ERR_QUANT,
					       "output zero point %" PRId32
					       " outside the int8 range",
					       out->zero_point);
		p->value[0] = (uint8_t)(int8_t)out->zero_point;
	}
	return TS_OK;
}

static ts_status pad_check_paddings(ts_prepare_ctx *c, const ts_tensor *pads,
				    unsigned rank)
{
	ts_status st = ts_prepare_expect_const(c, pads, "paddings");

	if (st)
		return st;
	if (pads->type != TS_TYPE_INT32 && pads->type != TS_TYPE_INT64)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "paddings has type %s, expected int32 or int64",
				       ts_type_name(pads->type));
	if (pads->elems != 2 * rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "paddings has %" PRIu32 " values, expected %u (rank %u x 2)",
				       pads->elems, 2 * rank, rank);
	return TS_OK;
}

/* Reads the pairs, extends them to 5 dims and checks the output shape. */
static ts_status pad_fill(ts_prepare_ctx *c, struct pad_params *p,
			  const ts_tensor *in, const ts_tensor *pads,
			  const ts_tensor *out)
{
	const unsigned skip = PAD_DIMS - in->rank;
	int32_t dims[PAD_DIMS];

	for (unsigned d = 0; d < PAD_DIMS; d++) {
		p->in_dims[d] = p->out_dims[d] = 1;
		p->left[d] = p->right[d] = 0;
	}
	for (unsigned d = 0; d < in->rank; d++) {
		const int64_t l = ts_const_index(pads, 2 * d);
		const int64_t r = ts_const_index(pads, 2 * d + 1);
		int64_t n;

		if (l < 0 || r < 0)
			return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
					       "negative padding %lld for dim %u",
					       (long long)(l < 0 ? l : r), d);
		n = l > INT32_MAX || r > INT32_MAX ? INT64_MAX : in->dims[d] + l + r;
		if (n > INT32_MAX)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "padded dim %u too large", d);
		dims[d] = (int32_t)n;
		p->in_dims[skip + d] = in->dims[d];
		p->out_dims[skip + d] = dims[d];
		p->left[skip + d] = (int32_t)l;
		p->right[skip + d] = (int32_t)r;
	}
	return ts_prepare_expect_dims(c, out, dims, in->rank);
}

static ts_status pad_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *pads = ts_prepare_input(c, 1);
	const ts_tensor *cv = ts_prepare_input(c, 2);
	const ts_tensor *out = ts_prepare_output(c, 0);
	struct pad_params *p;
	ts_status st;

	st = pad_check_tensors(c, in, out);
	if (!st)
		st = pad_check_paddings(c, pads, in->rank);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct pad_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	p->esize = (uint32_t)ts_type_size(in->type);
	st = pad_value(c, p, cv, out);
	if (!st)
		st = pad_fill(c, p, in, pads, out);
	if (st)
		return st;
	c->node->params = p;
	return TS_OK;
}

/* n copies of the esize-byte value v. */
static uint8_t *pad_put(uint8_t *dst, const uint8_t *v, uint32_t esize,
			uint32_t n)
{
	if (esize == 1) {
		memset(dst, v[0], n);
		return dst + n;
	}
	for (uint32_t i = 0; i < n; i++, dst += esize)
		memcpy(dst, v, esize);
	return dst;
}

static bool pad_inside(const struct pad_params *p, unsigned d, int32_t i)
{
	return i >= p->left[d] && i < p->out_dims[d] - p->right[d];
}

/* Output rows (innermost dim) in order, as reference_ops::PadImpl walks. */
static void pad_run(const struct pad_params *p, const uint8_t *src,
		    uint8_t *dst, const uint8_t *v)
{
	const int32_t *o = p->out_dims;
	const uint32_t row = (uint32_t)p->in_dims[4] * p->esize;

	for (int32_t i0 = 0; i0 < o[0]; i0++)
	for (int32_t i1 = 0; i1 < o[1]; i1++)
	for (int32_t i2 = 0; i2 < o[2]; i2++)
	for (int32_t i3 = 0; i3 < o[3]; i3++) {
		if (!pad_inside(p, 0, i0) || !pad_inside(p, 1, i1) ||
		    !pad_inside(p, 2, i2) || !pad_inside(p, 3, i3)) {
			dst = pad_put(dst, v, p->esize, (uint32_t)o[4]);
			continue;
		}
		dst = pad_put(dst, v, p->esize, (uint32_t)p->left[4]);
		if (row) {
			memcpy(dst, src, row);
			dst += row;
			src += row;
		}
		dst = pad_put(dst, v, p->esize, (uint32_t)p->right[4]);
	}
}

static ts_status pad_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct pad_params *p = node->params;
	const ts_tensor *in = ts_node_input(ip, node, 0);
	const ts_tensor *cv = ts_node_input(ip, node, 2);
	ts_tensor *out = ts_node_output(ip, node, 0);
	uint8_t v[4];

	memcpy(v, p->has_constant ? cv->data : p->value, p->esize);
	pad_run(p, in->data, out->data, v);
	return TS_OK;
}

const ts_op ts_op_pad = {
	.builtin = TFL_BUILTIN_PAD,
	.options_type = TFL_OPTIONS_PAD,
	.min_inputs = 2,
	.max_inputs = 3,
	.n_outputs = 1,
	.prepare = pad_prepare,
	.eval = pad_eval,
};

/* TFLM registers the same kernel for PADV2. */
const ts_op ts_op_padv2 = {
	.builtin = TFL_BUILTIN_PADV2,
	.options_type = TFL_OPTIONS_PADV2,
	.min_inputs = 2,
	.max_inputs = 3,
	.n_outputs = 1,
	.prepare = pad_prepare,
	.eval = pad_eval,
};
