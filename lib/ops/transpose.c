/* SPDX-License-Identifier: MIT */
/*
 * TRANSPOSE, as TFLite Micro's transpose_common.cc / transpose.cc: 1 to 5
 * dims, float32 / int8 / int16, a constant perm.  TFLM checks only that each
 * perm value is in [0, rank); we also require a true permutation.
 */
#include "op.h"

#include <string.h>

#define TR_DIMS 5 /* "Transpose op only supports 1D-5D input arrays." */

struct tr_params {
	int32_t dims[TR_DIMS];    /* output dims, leading 1s */
	int32_t stride[TR_DIMS];  /* input stride of each output dim (elements) */
	uint32_t esize;
};

static bool tr_type_ok(int32_t type)
{
	return type == TS_TYPE_FLOAT32 || type == TS_TYPE_INT8 ||
	       type == TS_TYPE_INT16;
}

static ts_status tr_check(ts_prepare_ctx *c, const ts_tensor *in,
			  const ts_tensor *perm, const ts_tensor *out)
{
	ts_status st;

	if (!in)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input is missing");
	if (!tr_type_ok(in->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "type %s not supported", ts_type_name(in->type));
	if (out->type != in->type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "output type %s differs from input type %s",
				       ts_type_name(out->type), ts_type_name(in->type));
	if (in->rank < 1 || in->rank > TR_DIMS)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "input rank %u, only 1 to %d supported",
				       in->rank, TR_DIMS);
	st = ts_prepare_expect_const(c, perm, "perm");
	if (st)
		return st;
	if (perm->type != TS_TYPE_INT32 && perm->type != TS_TYPE_INT64)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "perm has type %s, expected int32 or int64",
				       ts_type_name(perm->type));
	if (perm->rank != 1 || perm->elems != in->rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "perm must be a vector of %u values (the input rank)",
				       in->rank);
	return TS_OK;
}

/* perm[i] for every output dim i, each input dim exactly once. */
static ts_status tr_perm(ts_prepare_ctx *c, const ts_tensor *perm,
			 unsigned rank, unsigned *axes)
{
	bool used[TR_DIMS] = { false };

	for (unsigned i = 0; i < rank; i++) {
		const int64_t v = ts_const_index(perm, i);

		if (v < 0 || v >= (int64_t)rank)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "perm[%u] = %lld out of range for rank %u",
					       i, (long long)v, rank);
		if (used[v])
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "perm[%u] = %lld repeats a dim: not a permutation",
					       i, (long long)v);
		used[v] = true;
		axes[i] = (unsigned)v;
	}
	return TS_OK;
}

static ts_status tr_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *perm = ts_prepare_input(c, 1);
	const ts_tensor *out = ts_prepare_output(c, 0);
	int32_t in_stride[TR_DIMS], dims[TR_DIMS];
	unsigned axes[TR_DIMS], skip;
	struct tr_params *p;
	ts_status st;

	st = tr_check(c, in, perm, out);
	if (!st)
		st = tr_perm(c, perm, in->rank, axes);
	if (st)
		return st;
	for (unsigned d = 0; d < in->rank; d++)
		dims[d] = in->dims[axes[d]];
	st = ts_prepare_expect_dims(c, out, dims, in->rank);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct tr_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	for (unsigned d = in->rank, s = 1; d-- > 0; s *= (uint32_t)in->dims[d])
		in_stride[d] = (int32_t)s;
	skip = TR_DIMS - in->rank;
	for (unsigned d = 0; d < TR_DIMS; d++) {
		p->dims[d] = d < skip ? 1 : dims[d - skip];
		p->stride[d] = d < skip ? 0 : in_stride[axes[d - skip]];
	}
	p->esize = (uint32_t)ts_type_size(in->type);
	c->node->params = p;
	return TS_OK;
}

/* One output row: n elements of size es, step elements apart in src. */
static uint8_t *tr_row(const uint8_t *src, uint8_t *dst, int32_t n,
		       int32_t step, uint32_t es)
{
	const size_t jump = (size_t)step * es;

	if (es == 1) {
		for (int32_t i = 0; i < n; i++)
			*dst++ = src[(size_t)i * jump];
		return dst;
	}
	for (int32_t i = 0; i < n; i++, dst += es)
		memcpy(dst, src + (size_t)i * jump, es);
	return dst;
}

/* Output elements in order, reading the input through the permuted strides
 * (reference_ops::TransposeImpl's walk). */
static ts_status tr_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct tr_params *p = node->params;
	const uint8_t *src = ts_node_input(ip, node, 0)->data;
	uint8_t *dst = ts_node_output(ip, node, 0)->data;
	const int32_t *d = p->dims, *s = p->stride;
	const size_t es = p->esize;

	for (int32_t i0 = 0; i0 < d[0]; i0++)
	for (int32_t i1 = 0; i1 < d[1]; i1++)
	for (int32_t i2 = 0; i2 < d[2]; i2++)
	for (int32_t i3 = 0; i3 < d[3]; i3++) {
		const size_t off = (size_t)i0 * (size_t)s[0] +
				   (size_t)i1 * (size_t)s[1] +
				   (size_t)i2 * (size_t)s[2] +
				   (size_t)i3 * (size_t)s[3];

		dst = tr_row(src + off * es, dst, d[4], s[4], p->esize);
	}
	return TS_OK;
}

const ts_op ts_op_transpose = {
	.builtin = TFL_BUILTIN_TRANSPOSE,
	.options_type = TFL_OPTIONS_TRANSPOSE,
	.min_inputs = 2,
	.max_inputs = 2,
	.n_outputs = 1,
	.prepare = tr_prepare,
	.eval = tr_eval,
};
