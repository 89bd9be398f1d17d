/* SPDX-License-Identifier: MIT */
/*
 * STRIDED_SLICE, as TFLite Micro's strided_slice_common.cc and
 * reference_ops::StridedSlice: input rank <= 4, constant begin / end /
 * strides, begin_mask, end_mask and shrink_axis_mask.  offset = true (end
 * relative to begin) follows StridedSliceEndForAxis; TFLM's op drops the
 * flag, but wherever its output-shape check passes both give the same
 * elements.  TFLM ignores ellipsis_mask and new_axis_mask (misreading the
 * index vectors), so we reject them.
 */
#include "op.h"

#include <string.h>

enum {
	SS_OPT_BEGIN_MASK = 0,
	SS_OPT_END_MASK = 1,
	SS_OPT_ELLIPSIS_MASK = 2,
	SS_OPT_NEW_AXIS_MASK = 3,
	SS_OPT_SHRINK_AXIS_MASK = 4,
	SS_OPT_OFFSET = 5,
};

/* TFLM's kMaxDim. */
#define SS_DIMS 4

struct ss_params {
	int32_t count[SS_DIMS];  /* elements taken per axis, leading 1s */
	int32_t step[SS_DIMS];   /* stride * input stride, in elements */
	int32_t first;           /* input element of the first output */
	uint32_t esize;
};

struct ss_spec {
	int32_t begin_mask, end_mask, shrink_mask;
	bool offset;
};

static bool ss_type_ok(int32_t type)
{
	return type == TS_TYPE_FLOAT32 || type == TS_TYPE_INT8 ||
	       type == TS_TYPE_INT16 || type == TS_TYPE_INT32 ||
	       type == TS_TYPE_BOOL;
}

static ts_status ss_check_vec(ts_prepare_ctx *c, const ts_tensor *t,
			      const char *what, unsigned rank)
{
	ts_status st = ts_prepare_expect_const(c, t, what);

	if (st)
		return st;
	if (t->type != TS_TYPE_INT32 && t->type != TS_TYPE_INT64)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%s has type %s, expected int32 or int64",
				       what, ts_type_name(t->type));
	if (t->rank > 1 || t->elems != rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "%s has %" PRIu32 " values, expected %u (the input rank)",
				       what, t->elems, rank);
	for (uint32_t i = 0; i < t->elems; i++) {
		const int64_t v = ts_const_index(t, i);

		if (v < INT32_MIN || v > INT32_MAX)
			return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
					       "%s value %lld out of the int32 range",
					       what, (long long)v);
	}
	return TS_OK;
}

static ts_status ss_check(ts_prepare_ctx *c, const ts_tensor *in,
			  const ts_tensor *out)
{
	if (!in)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input is missing");
	if (!ss_type_ok(in->type))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "type %s not supported", ts_type_name(in->type));
	if (out->type != in->type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "output type %s differs from input type %s",
				       ts_type_name(out->type), ts_type_name(in->type));
	if (in->rank > SS_DIMS)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "input rank %u, at most %d supported",
				       in->rank, SS_DIMS);
	return TS_OK;
}

static ts_status ss_read_spec(ts_prepare_ctx *c, struct ss_spec *s)
{
	const int32_t ellipsis = ts_option_i32(c, SS_OPT_ELLIPSIS_MASK, 0);
	const int32_t new_axis = ts_option_i32(c, SS_OPT_NEW_AXIS_MASK, 0);

	if (ellipsis)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "ellipsis_mask 0x%x not supported", (unsigned)ellipsis);
	if (new_axis)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "new_axis_mask 0x%x not supported", (unsigned)new_axis);
	s->begin_mask = ts_option_i32(c, SS_OPT_BEGIN_MASK, 0);
	s->end_mask = ts_option_i32(c, SS_OPT_END_MASK, 0);
	s->shrink_mask = ts_option_i32(c, SS_OPT_SHRINK_AXIS_MASK, 0);
	s->offset = ts_option_bool(c, SS_OPT_OFFSET, false);
	return TS_OK;
}

static int64_t ss_clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* strided_slice::StridedSliceStartForAxis. */
static int64_t ss_start(const struct ss_spec *s, unsigned axis, int64_t begin,
			int64_t size, int64_t stride)
{
	if (s->begin_mask & (1 << axis))
		return stride > 0 ? 0 : size - 1;
	if (begin < 0)
		begin += size;
	return stride > 0 ? ss_clamp(begin, 0, size) : ss_clamp(begin, -1, size - 1);
}

/* strided_slice::StridedSliceEndForAxis, without the shrink case. */
static int64_t ss_stop(const struct ss_spec *s, unsigned axis, int64_t end,
		       int64_t start, int64_t size, int64_t stride)
{
	if (s->end_mask & (1 << axis))
		return stride > 0 ? size : -1;
	if (s->offset)
		end += start;
	if (end < 0)
		end += size;
	return stride > 0 ? ss_clamp(end, 0, size) : ss_clamp(end, -1, size - 1);
}

/* Elements visited from start toward stop by stride (TFLM's loop). */
static int64_t ss_count(int64_t start, int64_t stop, int64_t stride)
{
	if (stride > 0)
		return stop > start ? (stop - start + stride - 1) / stride : 0;
	return start > stop ? (start - stop - stride - 1) / -stride : 0;
}

/*
 * Axis d: the first index and the count.  A shrunk axis takes exactly one
 * element; TFLM writes nothing (leaving the output unset) when that index
 * is out of range or the stride is negative, so those are rejected.
 */
static ts_status ss_axis(ts_prepare_ctx *c, const struct ss_spec *s,
			 unsigned d, int64_t size, int64_t *start,
			 int64_t *count)
{
	const int64_t begin = ts_const_index(ts_prepare_input(c, 1), d);
	const int64_t end = ts_const_index(ts_prepare_input(c, 2), d);
	const int64_t stride = ts_const_index(ts_prepare_input(c, 3), d);

	if (stride == 0)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "stride of axis %u is 0", d);
	*start = ss_start(s, d, begin, size, stride);
	if (!(s->shrink_mask & (1 << d))) {
		*count = ss_count(*start, ss_stop(s, d, end, *start, size, stride),
				  stride);
		return TS_OK;
	}
	if (stride < 0)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "shrunk axis %u has negative stride %lld",
				       d, (long long)stride);
	if (*start >= size)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "shrunk axis %u: begin %lld out of range for size %lld",
				       d, (long long)begin, (long long)size);
	*count = 1;
	return TS_OK;
}

static ts_status ss_fill(ts_prepare_ctx *c, struct ss_params *p,
			 const struct ss_spec *s, const ts_tensor *in,
			 const ts_tensor *out)
{
	const unsigned skip = SS_DIMS - in->rank;
	int32_t dims[SS_DIMS];
	unsigned n = 0;
	int64_t in_stride = 1, first = 0;
	ts_status st;

	for (unsigned d = 0; d < SS_DIMS; d++)
		p->count[d] = 1;
	for (unsigned d = in->rank; d-- > 0; in_stride *= in->dims[d]) {
		const int64_t stride = ts_const_index(ts_prepare_input(c, 3), d);
		int64_t start = 0, count = 0;

		st = ss_axis(c, s, d, in->dims[d], &start, &count);
		if (st)
			return st;
		p->count[skip + d] = (int32_t)count;
		/* Fits: (count - 1) * |step| stays inside the input. */
		p->step[skip + d] = count > 1 ? (int32_t)(stride * in_stride) : 0;
		if (count)
			first += start * in_stride;
	}
	p->first = (int32_t)first;
	for (unsigned d = 0; d < in->rank; d++)
		if (!(s->shrink_mask & (1 << d)))
			dims[n++] = p->count[skip + d];
	return ts_prepare_expect_dims(c, out, dims, n);
}

static ts_status ss_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *out = ts_prepare_output(c, 0);
	struct ss_spec spec = { 0 };
	struct ss_params *p;
	ts_status st;

	st = ss_check(c, in, out);
	if (!st)
		st = ss_check_vec(c, ts_prepare_input(c, 1), "begin", in->rank);
	if (!st)
		st = ss_check_vec(c, ts_prepare_input(c, 2), "end", in->rank);
	if (!st)
		st = ss_check_vec(c, ts_prepare_input(c, 3), "strides", in->rank);
	if (!st)
		st = ss_read_spec(c, &spec);
	if (st)
		return st;
	p = ts_prepare_alloc(c, sizeof(*p), _Alignof(struct ss_params));
	if (!p)
		return TS_ERR_ARENA_TOO_SMALL;
	p->esize = (uint32_t)ts_type_size(in->type);
	st = ss_fill(c, p, &spec, in, out);
	if (st)
		return st;
	c->node->params = p;
	return TS_OK;
}

/* The innermost axis: n elements step apart (a block copy when step 1). */
static uint8_t *ss_row(const struct ss_params *p, const uint8_t *src,
		       uint8_t *dst)
{
	const uint32_t es = p->esize;
	const int32_t n = p->count[3], step = p->step[3];

	if (step == 1) {
		memcpy(dst, src, (size_t)n * es);
		return dst + (size_t)n * es;
	}
	for (int32_t i = 0; i < n; i++, dst += es)
		memcpy(dst, src + (ptrdiff_t)i * step * (ptrdiff_t)es, es);
	return dst;
}

static ts_status ss_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct ss_params *p = node->params;
	const uint8_t *src = ts_node_input(ip, node, 0)->data;
	uint8_t *dst = ts_node_output(ip, node, 0)->data;
	const ptrdiff_t es = p->esize;

	if (!p->count[0] || !p->count[1] || !p->count[2] || !p->count[3])
		return TS_OK;
	src += p->first * es;
	for (int32_t i0 = 0; i0 < p->count[0]; i0++)
	for (int32_t i1 = 0; i1 < p->count[1]; i1++)
	for (int32_t i2 = 0; i2 < p->count[2]; i2++) {
		const ptrdiff_t off = (ptrdiff_t)i0 * p->step[0] +
				      (ptrdiff_t)i1 * p->step[1] +
				      (ptrdiff_t)i2 * p->step[2];

		dst = ss_row(p, src + off * es, dst);
	}
	return TS_OK;
}

const ts_op ts_op_strided_slice = {
	.builtin = TFL_BUILTIN_STRIDED_SLICE,
	.options_type = TFL_OPTIONS_STRIDED_SLICE,
	.min_inputs = 4,
	.max_inputs = 4,
	.n_outputs = 1,
	.prepare = ss_prepare,
	.eval = ss_eval,
};
