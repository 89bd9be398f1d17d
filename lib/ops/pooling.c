/* SPDX-License-Identifier: MIT */
/* AVERAGE_POOL_2D and MAX_POOL_2D on int8 NHWC tensors. */
#include "conv_common.h"

#include "../core/quant.h"

/* Pool2DOptions field ids. */
enum { OPT_PADDING, OPT_STRIDE_W, OPT_STRIDE_H, OPT_FILTER_W, OPT_FILTER_H,
       OPT_ACTIVATION };

static ts_status prepare(ts_prepare_ctx *c)
{
	static const struct ts_window_options ids = {
		OPT_PADDING, OPT_STRIDE_W, OPT_STRIDE_H, 0, 0
	};
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *out = ts_prepare_output(c, 0);
	ts_pool_params *p = ts_prepare_alloc(c, sizeof(*p), _Alignof(ts_pool_params));
	ts_conv_params window = { 0 };
	int32_t padding, activation, dims[4];
	float scale_diff;
	ts_status st;

	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	if ((st = ts_prepare_expect_type(c, in, "input", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_type(c, out, "output", TS_TYPE_INT8)) ||
	    (st = ts_prepare_expect_rank(c, in, "input", 4)) ||
	    (st = ts_prepare_expect_quant(c, in, "input")) ||
	    (st = ts_prepare_expect_quant(c, out, "output")) ||
	    (st = ts_conv_read_window(c, &ids, &padding, &window)))
		return st;
	/* TFLite Micro's tolerance: the pool does not rescale. */
	scale_diff = in->scale > out->scale ? in->scale - out->scale : out->scale - in->scale;
	if (!((double)scale_diff <= 1.0e-6) || in->zero_point != out->zero_point)
		return ts_prepare_fail(c, TS_ERR_QUANT, "input and output quantization differ");
	p->filter_w = ts_option_i32(c, OPT_FILTER_W, 0);
	p->filter_h = ts_option_i32(c, OPT_FILTER_H, 0);
	if (p->filter_w < 1 || p->filter_h < 1)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "filter %" PRId32 "x%" PRId32
							    " must be at least 1x1",
				       p->filter_h, p->filter_w);
	p->stride_h = window.stride_h;
	p->stride_w = window.stride_w;
	p->batches = in->dims[0];
	p->in_h = in->dims[1];
	p->in_w = in->dims[2];
	p->depth = in->dims[3];
	p->out_h = ts_conv_out_size(padding, p->in_h, p->filter_h, p->stride_h, 1);
	p->out_w = ts_conv_out_size(padding, p->in_w, p->filter_w, p->stride_w, 1);
	dims[0] = p->batches;
	dims[1] = p->out_h;
	dims[2] = p->out_w;
	dims[3] = p->depth;
	if ((st = ts_prepare_expect_dims(c, out, dims, 4)))
		return st;
	p->pad_h = ts_conv_padding(p->stride_h, 1, p->in_h, p->filter_h, p->out_h);
	p->pad_w = ts_conv_padding(p->stride_w, 1, p->in_w, p->filter_w, p->out_w);
	if (!ts_pool_window_ok(p))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "window too large: input %" PRId32 "x%" PRId32 ", filter %" PRId32
				       "x%" PRId32 ", stride %" PRId32 "x%" PRId32 ", padding %" PRId32
				       "x%" PRId32 " (each span at most 2^28)",
				       p->in_h, p->in_w, p->filter_h, p->filter_w, p->stride_h,
				       p->stride_w, p->pad_h, p->pad_w);
	activation = ts_option_u8(c, OPT_ACTIVATION, 0);
	if ((st = ts_prepare_activation(c, activation, out, &p->act_min, &p->act_max)))
		return st;
	/* Every output reads at most the window's part inside the input. */
	c->cost = ts_cost_mul(ts_cost_mul(out->elems, (uint64_t)(p->filter_h < p->in_h ?
								    p->filter_h : p->in_h)),
			      (uint64_t)(p->filter_w < p->in_w ? p->filter_w : p->in_w));
	c->node->params = p;
	return TS_OK;
}

static ts_status eval_average(ts_interpreter *ip, const ts_node *node)
{
	TS_KERNEL(ip->kernels, avgpool_s8)(node->params,
				(const int8_t *)ts_node_input(ip, node, 0)->data,
				(int8_t *)ts_node_output(ip, node, 0)->data);
	return TS_OK;
}

static ts_status eval_max(ts_interpreter *ip, const ts_node *node)
{
	TS_KERNEL(ip->kernels, maxpool_s8)(node->params,
				(const int8_t *)ts_node_input(ip, node, 0)->data,
				(int8_t *)ts_node_output(ip, node, 0)->data);
	return TS_OK;
}

const ts_op ts_op_average_pool_2d = {
	.builtin = TFL_BUILTIN_AVERAGE_POOL_2D,
	.options_type = TFL_OPTIONS_POOL_2D,
	.min_inputs = 1,
	.max_inputs = 1,
	.n_outputs = 1,
	.prepare = prepare,
	.eval = eval_average,
};

const ts_op ts_op_max_pool_2d = {
	.builtin = TFL_BUILTIN_MAX_POOL_2D,
	.options_type = TFL_OPTIONS_POOL_2D,
	.min_inputs = 1,
	.max_inputs = 1,
	.n_outputs = 1,
	.prepare = prepare,
	.eval = eval_max,
};
