/* SPDX-License-Identifier: MIT */
#include "conv_common.h"

#include "../core/quant.h"

int32_t ts_conv_out_size(int32_t padding, int32_t in, int32_t filter,
			 int32_t stride, int32_t dilation)
{
	const int64_t effective = (int64_t)(filter - 1) * dilation + 1;
	int64_t out;

	if (stride <= 0)
		return 0;
	if (padding == TFL_PADDING_SAME)
		out = ((int64_t)in + stride - 1) / stride;
	else
		out = ((int64_t)in + stride - effective) / stride;
	return out > 0 ? (int32_t)out : 0;
}

int32_t ts_conv_padding(int32_t stride, int32_t dilation, int32_t in,
			int32_t filter, int32_t out)
{
	const int64_t effective = (int64_t)(filter - 1) * dilation + 1;
	const int64_t pad = ((int64_t)(out - 1) * stride + effective - in) / 2;

	/* Saturated: ts_window_axis_ok then refuses it. */
	if (pad > INT32_MAX)
		return INT32_MAX;
	return pad > 0 ? (int32_t)pad : 0;
}

ts_status ts_conv_read_window(ts_prepare_ctx *c, const struct ts_window_options *ids,
			      int32_t *padding, ts_conv_params *p)
{
	*padding = ts_option_u8(c, ids->padding, TFL_PADDING_SAME);
	p->stride_w = ts_option_i32(c, ids->stride_w, 1);
	p->stride_h = ts_option_i32(c, ids->stride_h, 1);
	p->dil_w = ids->dilation_w ? ts_option_i32(c, ids->dilation_w, 1) : 1;
	p->dil_h = ids->dilation_h ? ts_option_i32(c, ids->dilation_h, 1) : 1;
	if (*padding != TFL_PADDING_SAME && *padding != TFL_PADDING_VALID)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "padding %" PRId32
							    " is neither SAME nor VALID",
				       *padding);
	if (p->stride_w < 1 || p->stride_h < 1)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "stride %" PRId32 "x%" PRId32
							    " must be at least 1",
				       p->stride_h, p->stride_w);
	if (p->dil_w < 1 || p->dil_h < 1)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "dilation %" PRId32 "x%" PRId32
							    " must be at least 1",
				       p->dil_h, p->dil_w);
	return TS_OK;
}

ts_status ts_conv_check_window(ts_prepare_ctx *c, const ts_conv_params *p)
{
	if (ts_conv_window_ok(p))
		return TS_OK;
	return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
			       "window too large: input %" PRId32 "x%" PRId32 ", filter %" PRId32
			       "x%" PRId32 ", stride %" PRId32 "x%" PRId32 ", dilation %" PRId32
			       "x%" PRId32 ", padding %" PRId32 "x%" PRId32
			       " (each span at most 2^28)",
			       p->in_h, p->in_w, p->k_h, p->k_w, p->stride_h, p->stride_w,
			       p->dil_h, p->dil_w, p->pad_h, p->pad_w);
}

ts_status ts_prepare_multiplier(ts_prepare_ctx *c, double real, const char *what TS_DIAG_ONLY,
				int32_t *mult, int32_t *shift)
{
	int s;

	if (!(real >= 0.0) || real > 1e9)
		return ts_prepare_fail(c, TS_ERR_QUANT, "%s multiplier is unusable", what);
	ts_quantize_multiplier(real, mult, &s);
	if (s > 31)
		return ts_prepare_fail(c, TS_ERR_QUANT, "%s multiplier is too large", what);
	*shift = s;
	return TS_OK;
}

ts_status ts_conv_quantize(ts_prepare_ctx *c, const ts_tensor *in,
			   const ts_tensor *filter, const ts_tensor *out,
			   int32_t activation, uint32_t channels,
			   unsigned quant_dim, ts_conv_params *p)
{
	int32_t *mult, *shift;
	ts_status st;

	if ((st = ts_prepare_expect_quant(c, in, "input")) ||
	    (st = ts_prepare_expect_quant(c, out, "output")))
		return st;
	if (filter->nscales == 0 || !ts_scale_ok(filter->scale))
		return ts_prepare_fail(c, TS_ERR_QUANT, "filter is not quantized");
	if (filter->nscales > 1 &&
	    (filter->nscales != channels || filter->quant_dim != quant_dim))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "filter has %u scales along dimension %u, expected %" PRIu32
				       " along %u",
				       filter->nscales, filter->quant_dim, channels, quant_dim);
	if (filter->zero_point != 0)
		return ts_prepare_fail(c, TS_ERR_QUANT, "filter zero point %" PRId32 ", expected 0",
				       filter->zero_point);
	mult = ts_prepare_alloc(c, channels * sizeof(int32_t), sizeof(int32_t));
	shift = ts_prepare_alloc(c, channels * sizeof(int32_t), sizeof(int32_t));
	if (!mult || !shift)
		return TS_ERR_ARENA_TOO_SMALL;
	for (uint32_t ch = 0; ch < channels; ch++) {
		const float fs = ts_tensor_channel_scale(c->ip, filter, ch);
		const double real = (double)in->scale * (double)fs / (double)out->scale;

		if (!ts_scale_ok(fs))
			return ts_prepare_fail(c, TS_ERR_QUANT, "filter scale of channel %" PRIu32
								" is unusable", ch);
		st = ts_prepare_multiplier(c, real, "output", &mult[ch], &shift[ch]);
		if (st)
			return st;
	}
	p->out_mult = mult;
	p->out_shift = shift;
	p->input_offset = -in->zero_point;
	p->output_offset = out->zero_point;
	if ((st = ts_prepare_activation(c, activation, out, &p->act_min, &p->act_max)))
		return st;
	return TS_OK;
}

ts_status ts_conv_check_bias(ts_prepare_ctx *c, const ts_tensor *bias,
			     uint32_t channels)
{
	ts_status st;

	if (!bias)
		return TS_OK;
	if ((st = ts_prepare_expect_type(c, bias, "bias", TS_TYPE_INT32)))
		return st;
	if (bias->elems != channels)
		return ts_prepare_fail(c, TS_ERR_SHAPE, "bias has %" PRIu32
							" elements, expected %" PRIu32,
				       bias->elems, channels);
	return TS_OK;
}

ts_status ts_conv_set_params(ts_prepare_ctx *c, ts_conv_prepare_fn hook, ts_conv_params *p,
			     const ts_tensor *filter, const ts_tensor *bias)
{
	void *params = p;

	if (hook) {
		params = hook(c->arena, p, ts_prepare_const_filter(filter, bias),
			      ts_prepare_const_bias(bias));
		/* NULL with the arena not short: the set refused the node. */
		if (!params && !c->arena->short_by)
			return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
					       "kernel set '%s' refuses this node",
					       c->ip->kernels->name);
		if (!params)
			return TS_ERR_ARENA_TOO_SMALL;
	}
	c->node->params = params;
	return TS_OK;
}
