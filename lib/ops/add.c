/* SPDX-License-Identifier: MIT */
/* ADD and SUB on int8 tensors with broadcasting. */
#include "conv_common.h"

#include "../core/quant.h"

/* AddOptions / SubOptions field ids. */
enum { OPT_ACTIVATION };

/*
 * TFLite Micro's int8 rescaling: both inputs to twice the larger input
 * scale after a left shift of 20.  ADD computes the ratios in double; SUB
 * computes them in float and widens the result (add_common.cc and
 * sub_common.cc differ in this way, so we do too).
 */
static void real_multipliers(bool subtract, float s1, float s2, float so,
			     int32_t left_shift, double real[3])
{
	if (!subtract) {
		const double twice_max = 2 * (double)(s1 > s2 ? s1 : s2);

		real[0] = (double)s1 / twice_max;
		real[1] = (double)s2 / twice_max;
		real[2] = twice_max / ((double)(1 << left_shift) * (double)so);
	} else {
		const float twice_max = 2 * (s1 > s2 ? s1 : s2);

		real[0] = (double)(s1 / twice_max);
		real[1] = (double)(s2 / twice_max);
		real[2] = (double)(twice_max / ((float)(1 << left_shift) * so));
	}
}

static ts_status prepare(ts_prepare_ctx *c, bool subtract)
{
	const ts_tensor *a = ts_prepare_input(c, 0);
	const ts_tensor *b = ts_prepare_input(c, 1);
	const ts_tensor *out = ts_prepare_output(c, 0);
	ts_add_params *p = ts_prepare_alloc(c, sizeof(*p), _Alignof(ts_add_params));
	int32_t mult[3];
	int shift[3];
	double real[3];
	int32_t activation;
	ts_status st;

	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	if ((st = ts_prepare_expect_type(c, a, "input 1", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_type(c, b, "input 2", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_type(c, out, "output", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_quant(c, a, "input 1")) ||
	    (st = ts_prepare_expect_quant(c, b, "input 2")) ||
	    (st = ts_prepare_expect_quant(c, out, "output")))
		return st;
	if (!ts_bcast_shape_init(&p->shape, a->dims, a->rank, b->dims, b->rank,
				 out->dims, out->rank))
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "inputs of rank %u and %u do not broadcast to the output of rank %u",
				       a->rank, b->rank, out->rank);
	p->subtract = subtract;
	p->left_shift = 20;
	real_multipliers(subtract, a->scale, b->scale, out->scale, p->left_shift, real);
	for (int i = 0; i < 3; i++)
		if (!ts_quantize_multiplier_lt_one(real[i], &mult[i], &shift[i]))
			return ts_prepare_fail(c, TS_ERR_QUANT,
					       "scales give a rescaling factor outside (0, 1)");
	p->input1_mult = mult[0];
	p->input2_mult = mult[1];
	p->output_mult = mult[2];
	p->input1_shift = shift[0];
	p->input2_shift = shift[1];
	p->output_shift = shift[2];
	p->input1_offset = -a->zero_point;
	p->input2_offset = -b->zero_point;
	p->output_offset = out->zero_point;
	activation = ts_option_u8(c, OPT_ACTIVATION, 0);
	if ((st = ts_prepare_activation(c, activation, out, &p->act_min, &p->act_max)))
		return st;
	c->node->params = p;
	return TS_OK;
}

static ts_status prepare_add(ts_prepare_ctx *c) { return prepare(c, false); }
static ts_status prepare_sub(ts_prepare_ctx *c) { return prepare(c, true); }

static ts_status eval(ts_interpreter *ip, const ts_node *node)
{
	TS_KERNEL(ip->kernels, add_s8)(node->params,
			    (const int8_t *)ts_node_input(ip, node, 0)->data,
			    (const int8_t *)ts_node_input(ip, node, 1)->data,
			    (int8_t *)ts_node_output(ip, node, 0)->data);
	return TS_OK;
}

const ts_op ts_op_add = {
	.builtin = TFL_BUILTIN_ADD,
	.options_type = TFL_OPTIONS_ADD,
	.min_inputs = 2,
	.max_inputs = 2,
	.n_outputs = 1,
	.prepare = prepare_add,
	.eval = eval,
};

const ts_op ts_op_sub = {
	.builtin = TFL_BUILTIN_SUB,
	.options_type = TFL_OPTIONS_SUB,
	.min_inputs = 2,
	.max_inputs = 2,
	.n_outputs = 1,
	.prepare = prepare_sub,
	.eval = eval,
};
