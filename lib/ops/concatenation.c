/* SPDX-License-Identifier: MIT */
/*
 * CONCATENATION, as TFLite Micro's concatenation.cc: a byte copy of each
 * input's slab per outer index.  No rescaling: int8 inputs must share the
 * output's scale and zero point, as TFLM requires.
 */
#include "op.h"

#include <string.h>

enum { CONCAT_OPT_AXIS = 0, CONCAT_OPT_ACTIVATION = 1 };

/* TFLM's kMaxInputNum. */
#define CONCAT_MAX_INPUTS 10

struct concat_params {
	uint32_t outer;                         /* product of dims before axis */
	uint32_t n_inputs;
	uint32_t copy_bytes[CONCAT_MAX_INPUTS]; /* dims[axis..] bytes of input i */
};

/* The types TFLM's ConcatenationPrepare accepts (and that we store). */
static bool concat_type_ok(int32_t type)
{
	return type == TS_TYPE_FLOAT32 || type == TS_TYPE_INT8 ||
	       type == TS_TYPE_INT16 || type == TS_TYPE_INT32 ||
	       type == TS_TYPE_INT64 || type == TS_TYPE_BOOL;
}

/* TFLM: int8 inputs need the output's quantization, int16 zero points 0. */
static ts_status concat_check_quant(ts_prepare_ctx *c, const ts_tensor *in,
				    unsigned i TS_DIAG_ONLY, const ts_tensor *out)
{
	if (out->type == TS_TYPE_INT8 &&
	    (in->scale != out->scale || in->zero_point != out->zero_point))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "input %u quantization differs from the output's (int8 concatenation does not rescale)",
				       i);
	if (out->type == TS_TYPE_INT16 && (in->zero_point || out->zero_point))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "int16 input %u and output need zero point 0", i);
	return TS_OK;
}

static ts_status concat_check_input(ts_prepare_ctx *c, const ts_tensor *in,
				    unsigned i, const ts_tensor *out,
				    unsigned axis)
{
	if (!in)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input %u is missing", i);
	if (in->type != out->type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "input %u has type %s, output %s", i,
				       ts_type_name(in->type),
				       ts_type_name(out->type));
	if (in->rank != out->rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "input %u has rank %u, output %u", i,
				       in->rank, out->rank);
	for (unsigned d = 0; d < out->rank; d++)
		if (d != axis && in->dims[d] != out->dims[d])
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "input %u dim %u is %" PRId32
					       ", output has %" PRId32,
					       i, d, in->dims[d], out->dims[d]);
	return concat_check_quant(c, in, i, out);
}

/* The axis, made non-negative against the output rank as TFLM does. */
static ts_status concat_axis(ts_prepare_ctx *c, const ts_tensor *out,
			     unsigned *axis)
{
	const int32_t act = ts_option_u8(c, CONCAT_OPT_ACTIVATION, TFL_ACT_NONE);
	int32_t a = ts_option_i32(c, CONCAT_OPT_AXIS, 0);
	const int32_t rank = out->rank;

	if (act != TFL_ACT_NONE)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "fused activation %" PRId32
				       " not supported (TFLM requires NONE)",
				       act);
	if (a < -rank || a >= rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "axis %" PRId32 " out of range for rank %" PRId32, a, rank);
	*axis = (unsigned)(a < 0 ? a + rank : a);
	return TS_OK;
}

static ts_status concat_fill(ts_prepare_ctx *c, struct concat_params *p,
			     const ts_tensor *out, unsigned axis)
{
	const uint32_t esize = (uint32_t)ts_type_size(out->type);
	uint64_t inner = esize, sum = 0;

	p->outer = 1;
	for (unsigned d = 0; d < axis; d++)
		p->outer *= (uint32_t)out->dims[d];
	for (unsigned d = axis + 1; d < out->rank; d++)
		inner *= (uint32_t)out->dims[d];
	for (unsigned i = 0; i < p->n_inputs; i++) {
		const ts_tensor *in = ts_prepare_input(c, i);

		p->copy_bytes[i] = (uint32_t)(inner * (uint32_t)in->dims[axis]);
		sum += (uint32_t)in->dims[axis];
	}
	if (sum != (uint64_t)out->dims[axis])
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "input sizes along axis %u add up to %llu, output has %" PRId32,
				       axis, (unsigned long long)sum, out->dims[axis]);
	return TS_OK;
}

static ts_status concat_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *out = ts_prepare_output(c, 0);
	const unsigned n = c->node->n_inputs;
	struct concat_params *p;
	unsigned axis = 0;
	ts_status st;

	if (!concat_type_ok(out->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "type %s not supported", ts_type_name(out->type));
	st = concat_axis(c, out, &axis);
	for (unsigned i = 0; !st && i < n; i++)
		st = concat_check_input(c, ts_prepare_input(c, i), i, out, axis);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct concat_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	p->n_inputs = n;
	st = concat_fill(c, p, out, axis);
	if (st)
		return st;
	c->node->params = p;
	return TS_OK;
}

static ts_status concat_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct concat_params *p = node->params;
	uint8_t *dst = ts_node_output(ip, node, 0)->data;

	for (uint32_t k = 0; k < p->outer; k++) {
		for (uint32_t i = 0; i < p->n_inputs; i++) {
			const uint32_t n = p->copy_bytes[i];
			const uint8_t *src = ts_node_input(ip, node, i)->data;

			if (n) {
				memcpy(dst, src + (size_t)k * n, n);
				dst += n;
			}
		}
	}
	return TS_OK;
}

const ts_op ts_op_concatenation = {
	.builtin = TFL_BUILTIN_CONCATENATION,
	.options_type = TFL_OPTIONS_CONCATENATION,
	.min_inputs = 1,
	.max_inputs = CONCAT_MAX_INPUTS,
	.n_outputs = 1,
	.prepare = concat_prepare,
	.eval = concat_eval,
};
