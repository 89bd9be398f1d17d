/* SPDX-License-Identifier: MIT */
/*
 * Shared by the element-wise int8 ops that run as a 256-entry lookup table
 * (activations, int8 requantization): prepare runs TFLite's exact integer
 * arithmetic once per possible input byte; eval is one table pass.
 */
#ifndef TS_OPS_LUT_OP_H
#define TS_OPS_LUT_OP_H

#include "op.h"

/* Input 0 and output 0 present, per-tensor quantized, of the given types,
 * with equal shapes. */
ts_status ts_lut_op_io(ts_prepare_ctx *c, int32_t in_type, int32_t out_type,
		       ts_tensor **in, ts_tensor **out);

/* The node's table (node->params); NULL when the arena is full. */
int8_t *ts_lut_op_alloc(ts_prepare_ctx *c);

/* out[i] = table[in[i]] over the whole tensor. */
ts_status ts_lut_op_eval(ts_interpreter *ip, const ts_node *node);

/* A per-tensor quantized tensor t (scale and zero point checked). */
ts_status ts_lut_op_quant(ts_prepare_ctx *c, const ts_tensor *t,
			  const char *what);

/* TFLite QuantizeMultiplier for a requantizing ratio, false when real is not
 * finite or needs a left shift past 31 (which TFLite cannot compute). */
bool ts_lut_op_multiplier(double real, int32_t *multiplier, int *shift);

#endif /* TS_OPS_LUT_OP_H */
