/* SPDX-License-Identifier: MIT */
/*
 * SQUEEZE and EXPAND_DIMS: shape-only ops whose eval copies the bytes, as
 * TFLite Micro's squeeze.cc and expand_dims.cc.
 */
#include "op.h"

#include <string.h>

enum { SQUEEZE_OPT_DIMS = 0 };

/* TfLiteSqueezeParams holds at most 8 squeeze_dims. */
#define SQUEEZE_MAX_DIMS 8

struct copy_params {
	uint32_t bytes;
};

static ts_status copy_params_set(ts_prepare_ctx *c, const ts_tensor *in)
{
	struct copy_params *p;

	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct copy_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	p->bytes = in->elems * (uint32_t)ts_type_size(in->type);
	c->node->params = p;
	return TS_OK;
}

static ts_status copy_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct copy_params *p = node->params;
	const uint8_t *src = ts_node_input(ip, node, 0)->data;
	uint8_t *dst = ts_node_output(ip, node, 0)->data;

	if (p->bytes && dst != src)
		memcpy(dst, src, p->bytes);
	return TS_OK;
}

static ts_status same_type(ts_prepare_ctx *c, const ts_tensor *in,
			   const ts_tensor *out)
{
	if (!in)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input is missing");
	if (out->type != in->type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "output type %s differs from input type %s",
				       ts_type_name(out->type), ts_type_name(in->type));
	return TS_OK;
}

/* Which dims go: the listed ones (each must be 1), or every 1 when the
 * list is empty (TFLM's SqueezePrepare). */
static ts_status squeeze_which(ts_prepare_ctx *c, const ts_tensor *in,
			       bool *drop)
{
	int32_t list[SQUEEZE_MAX_DIMS];
	const int32_t rank = in->rank;
	uint32_t n;

	ts_option_i32_vec(c, SQUEEZE_OPT_DIMS, list, SQUEEZE_MAX_DIMS, &n);
	if (n > SQUEEZE_MAX_DIMS)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%" PRIu32 " squeeze_dims, at most %d supported",
				       n, SQUEEZE_MAX_DIMS);
	for (int32_t d = 0; d < rank; d++)
		drop[d] = n == 0 && in->dims[d] == 1;
	for (uint32_t i = 0; i < n; i++) {
		const int32_t a = list[i] < 0 ? list[i] + rank : list[i];

		if (list[i] < -rank || list[i] >= rank)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "squeeze_dims value %" PRId32
					       " out of range for rank %" PRId32,
					       list[i], rank);
		if (in->dims[a] != 1)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "squeeze_dims value %" PRId32 " names dim %" PRId32
					       " of size %" PRId32 ", not 1",
					       list[i], a, in->dims[a]);
		drop[a] = true;
	}
	return TS_OK;
}

static ts_status squeeze_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *out = ts_prepare_output(c, 0);
	bool drop[TS_MAX_DIMS];
	int32_t dims[TS_MAX_DIMS];
	unsigned n = 0;
	ts_status st;

	st = same_type(c, in, out);
	if (st)
		return st;
	if (!ts_type_size(in->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "type %s not supported", ts_type_name(in->type));
	st = squeeze_which(c, in, drop);
	if (st)
		return st;
	for (unsigned d = 0; d < in->rank; d++)
		if (!drop[d])
			dims[n++] = in->dims[d];
	st = ts_prepare_expect_dims(c, out, dims, n);
	if (st)
		return st;
	return copy_params_set(c, in);
}

const ts_op ts_op_squeeze = {
	.builtin = TFL_BUILTIN_SQUEEZE,
	.options_type = TFL_OPTIONS_SQUEEZE,
	.min_inputs = 1,
	.max_inputs = 1,
	.n_outputs = 1,
	.prepare = squeeze_prepare,
	.eval = copy_eval,
};

static bool expand_type_ok(int32_t type)
{
	return type == TS_TYPE_FLOAT32 || type == TS_TYPE_INT8 ||
	       type == TS_TYPE_INT16;
}

/* TFLM's GetAxisValueFromTensor: a constant int32 scalar or 1-vector. */
static ts_status expand_axis(ts_prepare_ctx *c, const ts_tensor *axis,
			     unsigned rank, unsigned *pos)
{
	ts_status st = ts_prepare_expect_const(c, axis, "axis");
	int32_t a;

	if (!st)
		st = ts_prepare_expect_type(c, axis, "axis", TS_TYPE_INT32);
	if (st)
		return st;
	if (axis->rank > 1 || axis->elems != 1)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "axis must hold one value, it has %" PRIu32,
				       axis->elems);
	a = (int32_t)ts_const_index(axis, 0);
	if (a < -(int32_t)rank - 1 || a > (int32_t)rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "axis %" PRId32 " out of range for input rank %u", a, rank);
	*pos = (unsigned)(a < 0 ? a + (int32_t)rank + 1 : a);
	return TS_OK;
}

static ts_status expand_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *out = ts_prepare_output(c, 0);
	int32_t dims[TS_MAX_DIMS + 1];
	unsigned pos = 0;
	ts_status st;

	st = same_type(c, in, out);
	if (st)
		return st;
	if (!expand_type_ok(in->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "type %s not supported", ts_type_name(in->type));
	st = expand_axis(c, ts_prepare_input(c, 1), in->rank, &pos);
	if (st)
		return st;
	for (unsigned d = 0, k = 0; d <= in->rank; d++)
		dims[d] = d == pos ? 1 : in->dims[k++];
	st = ts_prepare_expect_dims(c, out, dims, in->rank + 1u);
	if (st)
		return st;
	return copy_params_set(c, in);
}

const ts_op ts_op_expand_dims = {
	.builtin = TFL_BUILTIN_EXPAND_DIMS,
	.options_type = TFL_OPTIONS_EXPAND_DIMS,
	.min_inputs = 2,
	.max_inputs = 2,
	.n_outputs = 1,
	.prepare = expand_prepare,
	.eval = copy_eval,
};
