/* SPDX-License-Identifier: MIT */
/*
 * MEAN (int8), as TFLite Micro's reduce_common.cc: PrepareMeanOrSumHelper
 * computes QuantizeMultiplier(double(in_scale) / double(out_scale)); int8
 * eval always takes reference_ops::QuantizedMeanOrSum (there is no separate
 * path for equal quantization or for 4D H,W axes in TFLM), which folds
 * 1 / count into the multiplier.
 */
#include "op.h"

#include "../core/quant.h"
#include "../kernels/kernels.h"
#include "../kernels/mean.h"

enum { REDUCER_OPT_KEEP_DIMS = 0 };

static ts_status mean_check(ts_prepare_ctx *c, const ts_tensor *in,
			    const ts_tensor *axis, const ts_tensor *out)
{
	ts_status st;

	/* TFLM also has float32 and int16 MEAN; we only run int8. */
	st = ts_prepare_expect_type(c, in, "input", TS_TYPE_INT8);
	if (!st)
		st = ts_prepare_expect_type(c, out, "output", TS_TYPE_INT8);
	if (!st)
		st = ts_prepare_expect_quant(c, in, "input");
	if (!st)
		st = ts_prepare_expect_quant(c, out, "output");
	/* PrepareSimple: the axis tensor must be int32. */
	if (!st)
		st = ts_prepare_expect_type(c, axis, "axis", TS_TYPE_INT32);
	/* Read at prepare; an empty list has nothing to read. */
	if (!st && axis->elems)
		st = ts_prepare_expect_const(c, axis, "axis");
	return st;
}

/* reference_ops::ResolveAxis: negative axes wrap, duplicates count once; a
 * scalar input ignores the axes. */
static ts_status mean_axes(ts_prepare_ctx *c, const ts_tensor *in,
			   const ts_tensor *axis, bool *reduced)
{
	const int64_t rank = in->rank;

	for (unsigned d = 0; d < TS_MAX_DIMS; d++)
		reduced[d] = false;
	if (rank == 0)
		return TS_OK;
	for (uint32_t i = 0; i < axis->elems; i++) {
		int64_t a = ts_const_index(axis, i);

		if (a < -rank || a >= rank)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "axis %lld out of range for rank %lld",
					       (long long)a, (long long)rank);
		reduced[a < 0 ? a + rank : a] = true;
	}
	return TS_OK;
}

/* The output shape TFLite gives: reduced dims become 1 or vanish. */
static ts_status mean_out_shape(ts_prepare_ctx *c, const ts_tensor *in,
				const bool *reduced, const ts_tensor *out)
{
	const bool keep = ts_option_bool(c, REDUCER_OPT_KEEP_DIMS, false);
	int32_t dims[TS_MAX_DIMS];
	unsigned n = 0;

	for (unsigned d = 0; d < in->rank; d++) {
		if (!reduced[d])
			dims[n++] = in->dims[d];
		else if (keep)
			dims[n++] = 1;
	}
	return ts_prepare_expect_dims(c, out, dims, n);
}

/* Appends dim n (input stride s) to a loop list, merging it with the last
 * entry of the list when that was the previous non-1 dim. */
static void mean_push(int32_t *dims, int32_t *stride, unsigned *len,
		      bool adjacent, int32_t n, int32_t s)
{
	if (adjacent && *len) {
		dims[*len - 1] *= n;
		stride[*len - 1] = s;
		return;
	}
	dims[*len] = n;
	stride[*len] = s;
	(*len)++;
}

/* Right-aligns the first len entries, filling the front with dim 1. */
static void mean_align(int32_t *dims, int32_t *stride, unsigned len)
{
	const unsigned skip = TS_MEAN_DIMS - len;

	for (unsigned i = TS_MEAN_DIMS; i-- > skip;) {
		dims[i] = dims[i - skip];
		stride[i] = stride[i - skip];
	}
	for (unsigned i = 0; i < skip; i++) {
		dims[i] = 1;
		stride[i] = 0;
	}
}

static void mean_loops(struct ts_mean_params *p, const ts_tensor *in,
		       const bool *reduced)
{
	int32_t stride[TS_MAX_DIMS];
	unsigned n_out = 0, n_red = 0;
	int last = -1; /* kind of the last non-1 dim: 0 kept, 1 reduced */
	uint64_t count = 1;

	for (unsigned d = in->rank, s = 1; d-- > 0; s *= (uint32_t)in->dims[d])
		stride[d] = (int32_t)s;
	for (unsigned d = 0; d < in->rank; d++) {
		const int32_t n = in->dims[d];

		if (reduced[d])
			count *= (uint32_t)n;
		if (n == 0)
			p->zero_fill = true;
		if (n <= 1)
			continue; /* no effect on offsets */
		if (reduced[d])
			mean_push(p->red_dims, p->red_stride, &n_red, last == 1,
				  n, stride[d]);
		else
			mean_push(p->out_dims, p->out_stride, &n_out, last == 0,
				  n, stride[d]);
		last = reduced[d] ? 1 : 0;
	}
	p->count = (int32_t)count;
	if (count == 0)
		p->zero_fill = true;
	mean_align(p->out_dims, p->out_stride, n_out);
	mean_align(p->red_dims, p->red_stride, n_red);
}

/*
 * QuantizedMeanOrSum's rescaling: shift = floor(log2(count)) capped at 32
 * and at 31 + output_shift; mult = (mult << shift) / count (truncating).
 */
static ts_status mean_quant(ts_prepare_ctx *c, struct ts_mean_params *p,
			    const ts_tensor *in, const ts_tensor *out)
{
	const double real = (double)in->scale / (double)out->scale;
	int32_t mult;
	int shift, s = 0;

	ts_quantize_multiplier(real, &mult, &shift);
	while (s < 63 && ((uint64_t)p->count >> (s + 1)) != 0)
		s++;
	if (s > 32)
		s = 32;
	if (s > 31 + shift)
		s = 31 + shift;
	if (p->count > 0)
		mult = (int32_t)(((int64_t)mult << s) / p->count);
	shift -= s;
	if (shift > 31)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "input/output scale ratio too large (shift %d)",
				       shift);
	p->mult = mult;
	p->shift = shift;
	p->input_zp = in->zero_point;
	p->output_zp = out->zero_point;
	return TS_OK;
}

static ts_status mean_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *axis = ts_prepare_input(c, 1);
	const ts_tensor *out = ts_prepare_output(c, 0);
	bool reduced[TS_MAX_DIMS];
	struct ts_mean_params *p;
	ts_status st;

	st = mean_check(c, in, axis, out);
	if (!st)
		st = mean_axes(c, in, axis, reduced);
	if (!st)
		st = mean_out_shape(c, in, reduced, out);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct ts_mean_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	mean_loops(p, in, reduced);
	p->out_count = out->elems;
	st = mean_quant(c, p, in, out);
	if (st)
		return st;
	c->node->params = p;
	return TS_OK;
}

static ts_status mean_eval(ts_interpreter *ip, const ts_node *node)
{
	const ts_tensor *in = ts_node_input(ip, node, 0);
	ts_tensor *out = ts_node_output(ip, node, 0);

	TS_KERNEL(ip->kernels, mean_s8)(node->params, (const int8_t *)in->data,
			     (int8_t *)out->data);
	return TS_OK;
}

const ts_op ts_op_mean = {
	.builtin = TFL_BUILTIN_MEAN,
	.options_type = TFL_OPTIONS_REDUCER,
	.min_inputs = 2,
	.max_inputs = 2,
	.n_outputs = 1,
	.prepare = mean_prepare,
	.eval = mean_eval,
};
