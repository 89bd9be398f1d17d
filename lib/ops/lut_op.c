/* SPDX-License-Identifier: MIT */
#include "lut_op.h"

#include "../core/quant.h"
#include "../kernels/kernels.h"

ts_status ts_lut_op_quant(ts_prepare_ctx *c, const ts_tensor *t,
			  const char *what)
{
	ts_status st = ts_prepare_expect_quant(c, t, what);

	if (st)
		return st;
	if (t->nscales != 1)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%s: per-channel quantization not supported",
				       what);
	return TS_OK;
}

static ts_status expect(ts_prepare_ctx *c, const ts_tensor *t,
			const char *what, int32_t type)
{
	if (!t)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "%s is missing", what);
	if (t->type != type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%s type %s not supported (expected %s)",
				       what, ts_type_name(t->type),
				       ts_type_name(type));
	return ts_lut_op_quant(c, t, what);
}

ts_status ts_lut_op_io(ts_prepare_ctx *c, int32_t in_type, int32_t out_type,
		       ts_tensor **in, ts_tensor **out)
{
	ts_status st;

	*in = ts_prepare_input(c, 0);
	*out = ts_prepare_output(c, 0);
	st = expect(c, *in, "input", in_type);
	if (!st)
		st = expect(c, *out, "output", out_type);
	if (!st)
		st = ts_prepare_expect_dims(c, *out, (*in)->dims, (*in)->rank);
	return st;
}

int8_t *ts_lut_op_alloc(ts_prepare_ctx *c)
{
	int8_t *lut = ts_prepare_alloc(c, 256, 1);

	c->node->params = lut;
	return lut;
}

ts_status ts_lut_op_eval(ts_interpreter *ip, const ts_node *node)
{
	const ts_tensor *in = ts_node_input(ip, node, 0);
	ts_tensor *out = ts_node_output(ip, node, 0);

	TS_KERNEL(ip->kernels, lut_s8)(node->params, (const int8_t *)in->data,
			    (int8_t *)out->data, in->elems);
	return TS_OK;
}

bool ts_lut_op_multiplier(double real, int32_t *multiplier, int *shift)
{
	/* Finite: rejects infinities and NaN (x - x is NaN for both). */
	if (real - real != 0.0)
		return false;
	ts_quantize_multiplier(real, multiplier, shift);
	return *shift <= 31;
}
