/* SPDX-License-Identifier: MIT */
/* FULLY_CONNECTED: int8 input (any rank, rows of the filter's depth), int8
 * [units, depth] filter, optional int32 bias; per-tensor or per-channel. */
#include "conv_common.h"

#include "../core/quant.h"

/* FullyConnectedOptions field ids. */
enum { OPT_ACTIVATION, OPT_WEIGHTS_FORMAT, OPT_KEEP_NUM_DIMS };

/*
 * TFLite GetQuantizedConvolutionMultipler: the bias check multiplies the
 * scales in double, the multiplier itself uses their float product.  A bias
 * without quantization counts as scale 0, as in TFLite.
 */
static ts_status per_tensor_multiplier(ts_prepare_ctx *c, const ts_tensor *in,
				       const ts_tensor *filter, const ts_tensor *bias,
				       const ts_tensor *out, ts_fc_params *p,
				       int32_t *mult, int32_t *shift)
{
	const double product = (double)(in->scale * filter->scale);

	if (bias) {
		const double exact = (double)in->scale * (double)filter->scale;
		const double bias_scale = bias->nscales ? (double)bias->scale : 0.0;
		const double diff = exact > bias_scale ? exact - bias_scale : bias_scale - exact;

		if (!(diff / (double)out->scale <= 0.02))
			return ts_prepare_fail(c, TS_ERR_QUANT,
					       "bias scale differs from input scale * filter scale");
	}
	p->per_channel = false;
	return ts_prepare_multiplier(c, product / (double)out->scale, "output",
				     mult, shift);
}

static ts_status per_channel_multipliers(ts_prepare_ctx *c, const ts_tensor *in,
					 const ts_tensor *filter, const ts_tensor *out,
					 ts_fc_params *p, int32_t *mult, int32_t *shift)
{
	ts_status st;

	/* TFLite's per-channel kernel has no filter offset. */
	if (filter->zero_point != 0)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "per-channel filter zero point %d, expected 0",
				       filter->zero_point);
	if (filter->nscales != (uint32_t)p->out_depth || filter->quant_dim != 0)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "filter has %u scales along dimension %u, expected %d along 0",
				       filter->nscales, filter->quant_dim, p->out_depth);
	p->per_channel = true;
	for (int32_t o = 0; o < p->out_depth; o++) {
		const float fs = ts_tensor_channel_scale(c->ip, filter, (uint32_t)o);

		if (!ts_scale_ok(fs))
			return ts_prepare_fail(c, TS_ERR_QUANT, "filter scale of channel %d is unusable", o);
		st = ts_prepare_multiplier(c, (double)in->scale * (double)fs /
					      (double)out->scale, "output", &mult[o], &shift[o]);
		if (st)
			return st;
	}
	return TS_OK;
}

static ts_status check_shapes(ts_prepare_ctx *c, const ts_tensor *in,
			      const ts_tensor *filter, const ts_tensor *out,
			      ts_fc_params *p)
{
	if (filter->rank != 2 || filter->dims[0] <= 0 || filter->dims[1] <= 0)
		return ts_prepare_fail(c, TS_ERR_SHAPE, "filter must be [units, depth] with both > 0");
	p->out_depth = filter->dims[0];
	p->accum_depth = filter->dims[1];
	if (in->elems % (uint32_t)p->accum_depth)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "input of %u elements is not rows of depth %d",
				       in->elems, p->accum_depth);
	p->batches = (int32_t)(in->elems / (uint32_t)p->accum_depth);
	if (out->rank == 0 || out->dims[out->rank - 1] != p->out_depth ||
	    (uint64_t)out->elems != (uint64_t)p->batches * (uint64_t)p->out_depth)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "output of %u elements does not hold %d rows of %d units",
				       out->elems, p->batches, p->out_depth);
	return TS_OK;
}

static ts_status prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *filter = ts_prepare_input(c, 1);
	const ts_tensor *bias = ts_prepare_input(c, 2);
	const ts_tensor *out = ts_prepare_output(c, 0);
	ts_fc_params *p = ts_prepare_alloc(c, sizeof(*p), _Alignof(ts_fc_params));
	int32_t *mult, *shift;
	int32_t activation;
	uint32_t channels;
	ts_status st;

	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	if ((st = ts_prepare_expect_type(c, in, "input", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_type(c, filter, "filter", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_type(c, out, "output", TS_TYPE_INT8)) ||
	    (st = check_shapes(c, in, filter, out, p)) ||
	    (st = ts_conv_check_bias(c, bias, (uint32_t)p->out_depth)) ||
	    (st = ts_prepare_expect_quant(c, in, "input")) ||
	    (st = ts_prepare_expect_quant(c, out, "output")))
		return st;
	if (ts_option_u8(c, OPT_WEIGHTS_FORMAT, 0) != 0)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED, "shuffled weights format not supported");
	if (filter->nscales == 0 || !ts_scale_ok(filter->scale))
		return ts_prepare_fail(c, TS_ERR_QUANT, "filter is not quantized");
	if (filter->zero_point < -128 || filter->zero_point > 127)
		return ts_prepare_fail(c, TS_ERR_QUANT, "filter zero point %d outside [-128, 127]",
				       filter->zero_point);
	channels = filter->nscales > 1 ? (uint32_t)p->out_depth : 1;
	mult = ts_prepare_alloc(c, channels * sizeof(int32_t), sizeof(int32_t));
	shift = ts_prepare_alloc(c, channels * sizeof(int32_t), sizeof(int32_t));
	if (!mult || !shift)
		return TS_ERR_ARENA_TOO_SMALL;
	st = filter->nscales > 1 ?
	     per_channel_multipliers(c, in, filter, out, p, mult, shift) :
	     per_tensor_multiplier(c, in, filter, bias, out, p, mult, shift);
	if (st)
		return st;
	p->out_mult = mult;
	p->out_shift = shift;
	p->input_offset = -in->zero_point;
	p->filter_offset = -filter->zero_point;
	p->output_offset = out->zero_point;
	activation = ts_option_u8(c, OPT_ACTIVATION, 0);
	if ((st = ts_prepare_activation(c, activation, out, &p->act_min, &p->act_max)))
		return st;
	c->macs = (uint64_t)p->batches * p->out_depth * p->accum_depth;
	if (c->ip->kernels->fc_s8_prepare) {
		void *params = c->ip->kernels->fc_s8_prepare(c->arena, p,
							      ts_prepare_const_filter(filter, bias),
							      ts_prepare_const_bias(bias));

		if (!params)
			return TS_ERR_ARENA_TOO_SMALL;
		c->node->params = params;
		return TS_OK;
	}
	c->node->params = p;
	return TS_OK;
}

static ts_status eval(ts_interpreter *ip, const ts_node *node)
{
	const ts_tensor *bias = ts_node_input(ip, node, 2);

	ip->kernels->fc_s8(node->params,
			   (const int8_t *)ts_node_input(ip, node, 0)->data,
			   (const int8_t *)ts_node_input(ip, node, 1)->data,
			   bias ? (const int32_t *)(const void *)bias->data : NULL,
			   (int8_t *)ts_node_output(ip, node, 0)->data);
	return TS_OK;
}

const ts_op ts_op_fully_connected = {
	.builtin = TFL_BUILTIN_FULLY_CONNECTED,
	.options_type = TFL_OPTIONS_FULLY_CONNECTED,
	.min_inputs = 2,
	.max_inputs = 3,
	.n_outputs = 1,
	.prepare = prepare,
	.eval = eval,
};
