/* SPDX-License-Identifier: MIT */
/*
 * SOFTMAX, int8 -> int8 over the last dimension.  Prepare mirrors TFLite
 * Micro's CalculateSoftmaxParams for int8 (PreprocessSoftmaxScaling with 5
 * integer bits, CalculateInputRadius for diff_min); the kernel is
 * reference_ops::Softmax.
 */
#include "op.h"
#include "lut_op.h"

#include "../core/quant.h"
#include "../kernels/kernels.h"
#include "../kernels/softmax.h"

enum { SCALED_DIFF_BITS = 5 };

/* TFLite SoftmaxPrepare's int8 output requirement. */
static ts_status check_output_quant(ts_prepare_ctx *c, const ts_tensor *out)
{
	if (out->zero_point != -128 || out->scale != 1.0f / 256.0f)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "int8 output must have scale 1/256 and zero point -128 (zero point is %" PRId32 ")",
				       out->zero_point);
	return TS_OK;
}

static ts_status check_io(ts_prepare_ctx *c, ts_tensor **in, ts_tensor **out)
{
	ts_status st;

	*in = ts_prepare_input(c, 0);
	*out = ts_prepare_output(c, 0);
	st = ts_lut_op_io(c, TS_TYPE_INT8, TS_TYPE_INT8, in, out);
	if (st)
		return st;
	if ((*in)->rank < 1)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "input must have at least one dimension");
	return check_output_quant(c, *out);
}

/* PreprocessSoftmaxScaling (double rounding): beta * input_scale in Q5.26,
 * capped at 2^31 - 1 and quantized as a multiplier greater than one. */
static ts_status scaling(ts_prepare_ctx *c, float beta, float input_scale,
			 struct ts_softmax_params *p)
{
	const double max_real = 2147483647.0;
	double real = (double)beta * (double)input_scale *
		      (double)(1 << (31 - SCALED_DIFF_BITS));
	int shift;

	if (max_real < real)
		real = max_real;
	if (!ts_quantize_multiplier_gt_one(real, &p->input_multiplier, &shift))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "beta * input scale * 2^26 must exceed 1 (TFLite's QuantizeMultiplierGreaterThanOne)");
	p->input_left_shift = shift;
	p->diff_min = -ts_input_radius(SCALED_DIFF_BITS, shift, 31);
	return TS_OK;
}

static ts_status softmax_prepare(ts_prepare_ctx *c)
{
	/* SoftmaxOptions.beta (field 0), schema default 0. */
	const float beta = ts_option_f32(c, 0, 0.0f);
	struct ts_softmax_params *p;
	ts_tensor *in, *out;
	ts_status st;

	st = check_io(c, &in, &out);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct ts_softmax_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	c->node->params = p;
	p->depth = in->dims[in->rank - 1];
	p->rows = p->depth > 0 ? (int32_t)(in->elems / (uint32_t)p->depth) : 0;
	return scaling(c, beta, in->scale, p);
}

static ts_status softmax_eval(ts_interpreter *ip, const ts_node *node)
{
	const ts_tensor *in = ts_node_input(ip, node, 0);
	ts_tensor *out = ts_node_output(ip, node, 0);

	TS_KERNEL(ip->kernels, softmax_s8)(node->params, (const int8_t *)in->data,
				(int8_t *)out->data);
	return TS_OK;
}

const ts_op ts_op_softmax = {
	.builtin = TFL_BUILTIN_SOFTMAX,
	.options_type = TFL_OPTIONS_SOFTMAX,
	.min_inputs = 1,
	.max_inputs = 1,
	.n_outputs = 1,
	.prepare = softmax_prepare,
	.eval = softmax_eval,
};
