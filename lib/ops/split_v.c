/* SPDX-License-Identifier: MIT */
/*
 * SPLIT_V, as TFLite Micro's split_v.cc: input, size_splits, constant axis;
 * each output takes its own extent along the axis (the model's output
 * shapes, as TFLM's kernel reads them), one after the other, for every
 * outer index.  float32, int8, int16 and int32; a byte copy.  We also check
 * what TFLM only asserts in debug builds: the outputs' extents add up to
 * the input's and their other dimensions equal the input's; and a constant
 * size_splits must agree with them (-1 allowed once, for the rest).
 */
#include "op.h"

#include <string.h>

struct split_v_params {
	uint32_t outer;      /* product of the dims before the axis */
	uint32_t n_outputs;
	uint32_t bytes[];    /* per output: its slab per outer index */
};

static bool split_type_ok(int32_t type)
{
	return type == TS_TYPE_FLOAT32 || type == TS_TYPE_INT8 ||
	       type == TS_TYPE_INT16 || type == TS_TYPE_INT32;
}

static ts_status check_sizes(ts_prepare_ctx *c, const ts_tensor *sizes, unsigned axis)
{
	const uint32_t n = c->node->n_outputs;
	bool rest = false;

	if (!sizes || sizes->kind != TS_TENSOR_CONST)
		return TS_OK; /* TFLM reads the output shapes only */
	if ((sizes->type != TS_TYPE_INT32 && sizes->type != TS_TYPE_INT64) || sizes->rank > 1 ||
	    sizes->elems != n)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "size_splits must be %" PRIu32 " int32 or int64 values", n);
	for (uint32_t i = 0; i < n; i++) {
		const int64_t v = ts_const_index(sizes, i);

		if (v == -1 && !rest) {
			rest = true;
			continue;
		}
		if (v != ts_prepare_output(c, i)->dims[axis])
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "size_splits[%" PRIu32 "] is %lld, output %" PRIu32
					       " has %" PRId32, i, (long long)v, i,
					       ts_prepare_output(c, i)->dims[axis]);
	}
	return TS_OK;
}

static ts_status split_v_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *axis_t = ts_prepare_input(c, 2);
	const uint32_t n = c->node->n_outputs;
	struct split_v_params *p;
	uint64_t inner = 1, outer = 1, sum = 0;
	int64_t axis;
	ts_status st;

	if (!in)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input is missing");
	if (!split_type_ok(in->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED, "input type %s not supported",
				       ts_type_name(in->type));
	st = ts_prepare_expect_const(c, axis_t, "axis");
	if (st)
		return st;
	if (axis_t->type != TS_TYPE_INT32 || axis_t->elems != 1)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED, "axis must be one int32");
	axis = ts_const_index(axis_t, 0);
	if (axis < 0)
		axis += in->rank;
	if (axis < 0 || axis >= in->rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE, "axis %lld out of range for rank %u",
				       (long long)ts_const_index(axis_t, 0), in->rank);
	for (unsigned d = 0; d < in->rank; d++) {
		if (d < axis)
			outer *= (uint32_t)in->dims[d];
		else if (d > axis)
			inner *= (uint32_t)in->dims[d];
	}
	for (uint32_t i = 0; i < n; i++) {
		const ts_tensor *out = ts_prepare_output(c, i);

		if (out->type != in->type)
			return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
					       "output %" PRIu32 " has type %s, input %s", i,
					       ts_type_name(out->type), ts_type_name(in->type));
		if (out->rank != in->rank)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "output %" PRIu32 " has rank %u, input %u", i,
					       out->rank, in->rank);
		for (unsigned d = 0; d < in->rank; d++)
			if (d != axis && out->dims[d] != in->dims[d])
				return ts_prepare_fail(c, TS_ERR_SHAPE,
						       "output %" PRIu32 " dimension %u is %" PRId32
						       ", input's %" PRId32, i, d, out->dims[d],
						       in->dims[d]);
		sum += (uint32_t)out->dims[axis];
	}
	if (sum != (uint32_t)in->dims[axis])
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "outputs take %llu along axis %lld, the input has %" PRId32,
				       (unsigned long long)sum, (long long)axis, in->dims[axis]);
	st = check_sizes(c, ts_prepare_input(c, 1), (unsigned)axis);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p) + n * sizeof(p->bytes[0]),
			     _Alignof(struct split_v_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	p->outer = (uint32_t)outer;
	p->n_outputs = n;
	for (uint32_t i = 0; i < n; i++)
		p->bytes[i] = (uint32_t)((uint64_t)(uint32_t)ts_prepare_output(c, i)->dims[axis] *
					 inner * ts_type_size(in->type));
	c->node->params = p;
	return TS_OK;
}

static ts_status split_v_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct split_v_params *p = node->params;
	const uint8_t *src = ts_node_input(ip, node, 0)->data;

	for (uint32_t k = 0; k < p->outer; k++)
		for (uint32_t i = 0; i < p->n_outputs; i++) {
			memcpy(ts_node_output(ip, node, i)->data + (size_t)k * p->bytes[i], src,
			       p->bytes[i]);
			src += p->bytes[i];
		}
	return TS_OK;
}

const ts_op ts_op_split_v = {
	.builtin = TFL_BUILTIN_SPLIT_V,
	.options_type = TFL_OPTIONS_SPLIT_V,
	.min_inputs = 3,
	.max_inputs = 3,
	.n_outputs = 1,
	.max_outputs = 255,
	.prepare = split_v_prepare,
	.eval = split_v_eval,
};
