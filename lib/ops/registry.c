/* SPDX-License-Identifier: MIT */
/* The builtin operators this runtime runs: one ts_op per lib/ops/ file. */
#include "op.h"

extern const ts_op ts_op_add, ts_op_sub, ts_op_average_pool_2d,
	ts_op_max_pool_2d, ts_op_conv_2d, ts_op_depthwise_conv_2d,
	ts_op_fully_connected, ts_op_reshape;
extern const ts_op ts_op_softmax, ts_op_logistic, ts_op_tanh,
	ts_op_hard_swish, ts_op_leaky_relu, ts_op_relu, ts_op_relu6,
	ts_op_quantize, ts_op_dequantize;
extern const ts_op ts_op_mul, ts_op_concatenation, ts_op_pad, ts_op_padv2,
	ts_op_mean, ts_op_strided_slice, ts_op_transpose, ts_op_squeeze,
	ts_op_expand_dims;
extern const ts_op ts_op_call_once, ts_op_var_handle, ts_op_read_variable,
	ts_op_assign_variable, ts_op_split_v;

static const ts_op *const ops[] = {
	&ts_op_add, &ts_op_sub, &ts_op_average_pool_2d, &ts_op_max_pool_2d,
	&ts_op_conv_2d, &ts_op_depthwise_conv_2d, &ts_op_fully_connected,
	&ts_op_reshape,
	&ts_op_softmax, &ts_op_logistic, &ts_op_tanh, &ts_op_hard_swish,
	&ts_op_leaky_relu, &ts_op_relu, &ts_op_relu6, &ts_op_quantize,
	&ts_op_dequantize,
	&ts_op_mul, &ts_op_concatenation, &ts_op_pad, &ts_op_padv2,
	&ts_op_mean, &ts_op_strided_slice, &ts_op_transpose, &ts_op_squeeze,
	&ts_op_expand_dims,
	&ts_op_call_once, &ts_op_var_handle, &ts_op_read_variable,
	&ts_op_assign_variable, &ts_op_split_v,
};

const ts_op *ts_op_find(int32_t builtin)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i]->builtin == builtin)
			return ops[i];
	return NULL;
}
