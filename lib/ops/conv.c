/* SPDX-License-Identifier: MIT */
/* CONV_2D: int8 NHWC input, int8 [out_c, k_h, k_w, in_c / groups] filter,
 * optional int32 bias, per-tensor or per-channel filter quantization. */
#include "conv_common.h"

/* Conv2DOptions field ids. */
enum { OPT_PADDING, OPT_STRIDE_W, OPT_STRIDE_H, OPT_ACTIVATION,
       OPT_DILATION_W, OPT_DILATION_H };

static ts_status prepare(ts_prepare_ctx *c)
{
	static const struct ts_window_options ids = {
		OPT_PADDING, OPT_STRIDE_W, OPT_STRIDE_H, OPT_DILATION_W, OPT_DILATION_H
	};
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *filter = ts_prepare_input(c, 1);
	const ts_tensor *bias = ts_prepare_input(c, 2);
	const ts_tensor *out = ts_prepare_output(c, 0);
	ts_conv_params *p = ts_prepare_alloc(c, sizeof(*p), _Alignof(ts_conv_params));
	int32_t padding, groups, dims[4];
	ts_status st;

	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	if ((st = ts_prepare_expect_type(c, in, "input", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_type(c, filter, "filter", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_type(c, out, "output", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_rank(c, in, "input", 4)) ||
	    (st = ts_prepare_expect_rank(c, filter, "filter", 4)) ||
	    (st = ts_conv_read_window(c, &ids, &padding, p)))
		return st;
	p->batches = in->dims[0];
	p->in_h = in->dims[1];
	p->in_w = in->dims[2];
	p->in_c = in->dims[3];
	p->out_c = filter->dims[0];
	p->k_h = filter->dims[1];
	p->k_w = filter->dims[2];
	p->depth_multiplier = filter->dims[3]; /* input channels per group */
	if (p->in_c <= 0 || p->depth_multiplier <= 0 || p->in_c % p->depth_multiplier ||
	    p->k_h <= 0 || p->k_w <= 0)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "filter [%" PRId32 ",%" PRId32 ",%" PRId32 ",%" PRId32
				       "] does not fit %" PRId32 " input channels",
				       filter->dims[0], p->k_h, p->k_w, filter->dims[3], p->in_c);
	groups = p->in_c / p->depth_multiplier;
	if (p->out_c <= 0 || p->out_c % groups)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "%" PRId32 " output channels do not split into %" PRId32
				       " groups",
				       p->out_c, groups);
	if ((st = ts_conv_check_bias(c, bias, (uint32_t)p->out_c)))
		return st;
	p->out_h = ts_conv_out_size(padding, p->in_h, p->k_h, p->stride_h, p->dil_h);
	p->out_w = ts_conv_out_size(padding, p->in_w, p->k_w, p->stride_w, p->dil_w);
	dims[0] = p->batches;
	dims[1] = p->out_h;
	dims[2] = p->out_w;
	dims[3] = p->out_c;
	if ((st = ts_prepare_expect_dims(c, out, dims, 4)))
		return st;
	p->pad_h = ts_conv_padding(p->stride_h, p->dil_h, p->in_h, p->k_h, p->out_h);
	p->pad_w = ts_conv_padding(p->stride_w, p->dil_w, p->in_w, p->k_w, p->out_w);
	if ((st = ts_conv_check_window(c, p)))
		return st;
	st = ts_conv_quantize(c, in, filter, out, ts_option_u8(c, OPT_ACTIVATION, 0),
			      (uint32_t)p->out_c, 0, p);
	if (st)
		return st;
	c->macs = (uint64_t)out->elems * p->k_h * p->k_w * p->depth_multiplier;
	return ts_conv_set_params(c, c->ip->kernels->conv_s8_prepare, p, filter, bias);
}

static ts_status eval(ts_interpreter *ip, const ts_node *node)
{
	const ts_tensor *bias = ts_node_input(ip, node, 2);

	TS_KERNEL(ip->kernels, conv_s8)(node->params,
			     (const int8_t *)ts_node_input(ip, node, 0)->data,
			     (const int8_t *)ts_node_input(ip, node, 1)->data,
			     bias ? (const int32_t *)(const void *)bias->data : NULL,
			     (int8_t *)ts_node_output(ip, node, 0)->data);
	return TS_OK;
}

const ts_op ts_op_conv_2d = {
	.builtin = TFL_BUILTIN_CONV_2D,
	.options_type = TFL_OPTIONS_CONV_2D,
	.min_inputs = 2,
	.max_inputs = 3,
	.n_outputs = 1,
	.prepare = prepare,
	.eval = eval,
};
