/* SPDX-License-Identifier: MIT */
/* MUL (int8, broadcasting up to 6 dims), as TFLite Micro's mul_common.cc. */
#include "op.h"

#include "../core/quant.h"
#include "../kernels/kernels.h"
#include "../kernels/mul.h"

enum { MUL_OPT_ACTIVATION = 0 }; /* MulOptions.fused_activation_function */

static ts_status mul_check_types(ts_prepare_ctx *c, const ts_tensor *a,
				 const ts_tensor *b, const ts_tensor *out)
{
	ts_status st;

	/* TFLM also runs int16, int32 and float32; we only have int8. */
	st = ts_prepare_expect_type(c, a, "input 1", TS_TYPE_INT8);
	if (!st)
		st = ts_prepare_expect_type(c, b, "input 2", TS_TYPE_INT8);
	if (!st)
		st = ts_prepare_expect_type(c, out, "output", TS_TYPE_INT8);
	if (!st)
		st = ts_prepare_expect_quant(c, a, "input 1");
	if (!st)
		st = ts_prepare_expect_quant(c, b, "input 2");
	if (!st)
		st = ts_prepare_expect_quant(c, out, "output");
	return st;
}

/* CalculateOpDataMul: real = double(s1) * double(s2) / double(s_out). */
static ts_status mul_quant(ts_prepare_ctx *c, struct ts_mul_params *p,
			   const ts_tensor *a, const ts_tensor *b,
			   const ts_tensor *out)
{
	const double real = (double)a->scale * (double)b->scale /
			    (double)out->scale;
	const uint8_t act = ts_option_u8(c, MUL_OPT_ACTIVATION, TFL_ACT_NONE);
	int shift;

	ts_quantize_multiplier(real, &p->output_mult, &shift);
	if (shift > 31)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "output multiplier (input scales / output scale) too large, shift %d",
				       shift);
	p->output_shift = shift;
	p->input1_offset = -a->zero_point;
	p->input2_offset = -b->zero_point;
	p->output_offset = out->zero_point;
	return ts_prepare_activation(c, act, out, &p->act_min, &p->act_max);
}

static ts_status mul_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *a = ts_prepare_input(c, 0);
	const ts_tensor *b = ts_prepare_input(c, 1);
	const ts_tensor *out = ts_prepare_output(c, 0);
	struct ts_mul_params *p;
	ts_status st;

	st = mul_check_types(c, a, b, out);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct ts_mul_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	if (!ts_bcast_shape_init(&p->shape, a->dims, a->rank, b->dims, b->rank,
				 out->dims, out->rank))
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "inputs of rank %u and %u do not broadcast to the output shape (rank %u)",
				       a->rank, b->rank, out->rank);
	st = mul_quant(c, p, a, b, out);
	if (st)
		return st;
	c->node->params = p;
	return TS_OK;
}

static ts_status mul_eval(ts_interpreter *ip, const ts_node *node)
{
	const ts_tensor *a = ts_node_input(ip, node, 0);
	const ts_tensor *b = ts_node_input(ip, node, 1);
	ts_tensor *out = ts_node_output(ip, node, 0);

	TS_KERNEL(ip->kernels, mul_s8)(node->params, (const int8_t *)a->data,
			    (const int8_t *)b->data, (int8_t *)out->data);
	return TS_OK;
}

const ts_op ts_op_mul = {
	.builtin = TFL_BUILTIN_MUL,
	.options_type = TFL_OPTIONS_MUL,
	.min_inputs = 2,
	.max_inputs = 2,
	.n_outputs = 1,
	.prepare = mul_prepare,
	.eval = mul_eval,
};
