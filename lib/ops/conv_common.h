/* SPDX-License-Identifier: MIT */
/* What CONV_2D, DEPTHWISE_CONV_2D and the pools share: output size and
 * padding rules, and per-channel requantization setup. */
#ifndef TS_OPS_CONV_COMMON_H
#define TS_OPS_CONV_COMMON_H

#include "op.h"
#include "../kernels/kernels.h"
#include "../kernels/window.h"

/* TFLite ComputeOutSize: 0 when the window does not fit at all. */
int32_t ts_conv_out_size(int32_t padding, int32_t in, int32_t filter,
			 int32_t stride, int32_t dilation);

/* TFLite ComputePadding (the top/left amount). */
int32_t ts_conv_padding(int32_t stride, int32_t dilation, int32_t in,
			int32_t filter, int32_t out);

/* Reads and checks padding, strides and dilations (ids of the options
 * fields given), filling the geometry of p that depends on them. */
struct ts_window_options {
	unsigned padding, stride_w, stride_h, dilation_w, dilation_h;
};
ts_status ts_conv_read_window(ts_prepare_ctx *c, const struct ts_window_options *ids,
			      int32_t *padding, ts_conv_params *p);

/*
 * Per-output-channel multipliers and shifts (TFLite
 * PopulateConvolutionQuantizationParams: input_scale * filter_scale /
 * output_scale in double), the activation range and the offsets.
 * `channels` outputs along filter dimension `quant_dim`.
 */
ts_status ts_conv_quantize(ts_prepare_ctx *c, const ts_tensor *in,
			   const ts_tensor *filter, const ts_tensor *out,
			   int32_t activation, uint32_t channels,
			   unsigned quant_dim, ts_conv_params *p);

/* Checks the bias (optional): int32 with `channels` elements. */
ts_status ts_conv_check_bias(ts_prepare_ctx *c, const ts_tensor *bias,
			     uint32_t channels);

/* Sets the node's params to p, or to what the kernel set's prepare hook
 * (conv_s8_prepare or dwconv_s8_prepare, may be NULL) makes of it. */
ts_status ts_conv_set_params(ts_prepare_ctx *c, ts_conv_prepare_fn hook, ts_conv_params *p,
			     const ts_tensor *filter, const ts_tensor *bias);

/* Refuses (naming every size) a window whose coordinates could leave the
 * range every kernel set computes in (TS_WINDOW_MAX, lib/kernels/window.h);
 * p's sizes, strides, dilations and paddings must be set. */
ts_status ts_conv_check_window(ts_prepare_ctx *c, const ts_conv_params *p);

/* Turns a real multiplier into multiplier/shift, failing (with the op
 * named) when it is zero, negative, not finite or too large to apply. */
ts_status ts_prepare_multiplier(ts_prepare_ctx *c, double real, const char *what,
				int32_t *mult, int32_t *shift);

#endif /* TS_OPS_CONV_COMMON_H */
