/* SPDX-License-Identifier: MIT */
/* Helpers shared by every operator's prepare step. */
#include "op.h"

#include <stdarg.h>

#include "../core/diag.h"
#include "../core/quant.h"

void *ts_prepare_alloc(ts_prepare_ctx *c, size_t bytes, size_t align)
{
	return ts_arena_take(c->arena, bytes, align);
}

const int8_t *ts_prepare_const_filter(const ts_tensor *filter, const ts_tensor *bias)
{
	if (filter->kind != TS_TENSOR_CONST || (bias && bias->kind != TS_TENSOR_CONST))
		return NULL;
	return (const int8_t *)filter->data;
}

const int32_t *ts_prepare_const_bias(const ts_tensor *bias)
{
	return bias && bias->kind == TS_TENSOR_CONST ?
	       (const int32_t *)(const void *)bias->data : NULL;
}

#if TS_CONFIG_DIAG_TEXT
ts_status ts_prepare_fail(ts_prepare_ctx *c, ts_status status, const char *fmt, ...)
{
	va_list ap;

	const uint32_t s = ts_node_subgraph(c->ip, c->node);

	if (s)
		ts_diag_set(c->diag, status, "subgraph %" PRIu32 " operator %" PRIu32 " (%s): ", s,
			    ts_node_index(c->ip, c->node) - c->ip->subgraphs[s].first_node,
			    ts_builtin_name(c->node->op->builtin));
	else
		ts_diag_set(c->diag, status, "operator %" PRIu32 " (%s): ",
			    ts_node_index(c->ip, c->node),
			    ts_builtin_name(c->node->op->builtin));
	va_start(ap, fmt);
	ts_diag_vappend(c->diag, status, fmt, ap);
	va_end(ap);
	return status;
}
#endif

static void note(ts_prepare_ctx *c, ts_fb_res r)
{
	if (r == TS_FB_BAD)
		c->options_bad = true;
}

int32_t ts_option_i32(ts_prepare_ctx *c, unsigned id, int32_t def)
{
	int32_t v = def;

	if (c->has_options)
		note(c, ts_fb_i32(&c->ip->fb, &c->options, id, def, &v));
	return v;
}

uint8_t ts_option_u8(ts_prepare_ctx *c, unsigned id, uint8_t def)
{
	uint8_t v = def;

	if (c->has_options)
		note(c, ts_fb_u8(&c->ip->fb, &c->options, id, def, &v));
	return v;
}

bool ts_option_bool(ts_prepare_ctx *c, unsigned id, bool def)
{
	return ts_option_u8(c, id, def ? 1 : 0) != 0;
}

float ts_option_f32(ts_prepare_ctx *c, unsigned id, float def)
{
	float v = def;

	if (c->has_options)
		note(c, ts_fb_f32(&c->ip->fb, &c->options, id, def, &v));
	return v;
}

const char *ts_option_string(ts_prepare_ctx *c, unsigned id)
{
	ts_fb_vec str;
	ts_fb_res r;

	if (!c->has_options)
		return NULL;
	r = ts_fb_string(&c->ip->fb, &c->options, id, &str);
	note(c, r);
	return r == TS_FB_OK ? (const char *)c->ip->fb.base + str.pos : NULL;
}

void ts_option_i32_vec(ts_prepare_ctx *c, unsigned id, int32_t *out,
		       uint32_t max, uint32_t *n)
{
	ts_fb_vec vec;
	ts_fb_res r;

	*n = 0;
	if (!c->has_options)
		return;
	r = ts_fb_vector(&c->ip->fb, &c->options, id, 4, &vec);
	note(c, r);
	if (r != TS_FB_OK)
		return;
	for (uint32_t i = 0; i < vec.len && i < max; i++)
		out[i] = ts_fb_vec_i32(&c->ip->fb, &vec, i);
	*n = vec.len;
}

ts_status ts_prepare_expect_type(ts_prepare_ctx *c, const ts_tensor *t,
				 const char *what TS_DIAG_ONLY, int32_t type)
{
	if (!t)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "%s is missing", what);
	if (t->type != type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%s has type %s, expected %s", what,
				       ts_type_name(t->type), ts_type_name(type));
	return TS_OK;
}

ts_status ts_prepare_expect_rank(ts_prepare_ctx *c, const ts_tensor *t,
				 const char *what TS_DIAG_ONLY, unsigned rank)
{
	if (t->rank != rank)
		return ts_prepare_fail(c, TS_ERR_SHAPE, "%s has rank %u, expected %u",
				       what, t->rank, rank);
	return TS_OK;
}

void ts_type_range(int32_t type, int32_t *qmin, int32_t *qmax)
{
	switch (type) {
	case TS_TYPE_UINT8:
		*qmin = 0;
		*qmax = 255;
		break;
	case TS_TYPE_INT16:
		*qmin = -32768;
		*qmax = 32767;
		break;
	default:
		*qmin = -128;
		*qmax = 127;
		break;
	}
}

ts_status ts_prepare_expect_quant(ts_prepare_ctx *c, const ts_tensor *t,
				  const char *what TS_DIAG_ONLY)
{
	int32_t qmin, qmax;

	if (t->nscales == 0)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "%s has no quantization parameters", what);
	if (!ts_scale_ok(t->scale))
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "%s has an unusable scale (zero, negative or not finite)",
				       what);
	ts_type_range(t->type, &qmin, &qmax);
	if (t->zero_point < qmin || t->zero_point > qmax)
		return ts_prepare_fail(c, TS_ERR_QUANT,
				       "%s zero point %" PRId32 " outside [%" PRId32 ", %" PRId32
				       "]", what,
				       t->zero_point, qmin, qmax);
	return TS_OK;
}

static void dims_text(ts_diag *d, const int32_t *dims TS_DIAG_ONLY, unsigned rank)
{
	ts_diag_append(d, TS_OK, "[");
	for (unsigned i = 0; i < rank; i++)
		ts_diag_append(d, TS_OK, i ? ",%" PRId32 : "%" PRId32, dims[i]);
	ts_diag_append(d, TS_OK, "]");
}

ts_status ts_prepare_expect_dims(ts_prepare_ctx *c, const ts_tensor *out,
				 const int32_t *dims, unsigned rank)
{
	bool same = out->rank == rank;

	for (unsigned i = 0; same && i < rank; i++)
		same = out->dims[i] == dims[i];
	if (same)
		return TS_OK;
	ts_prepare_fail(c, TS_ERR_SHAPE, "output shape ");
	dims_text(c->diag, out->dims, out->rank);
	ts_diag_append(c->diag, TS_OK, " differs from the computed ");
	dims_text(c->diag, dims, rank);
	return TS_ERR_SHAPE;
}

ts_status ts_prepare_expect_const(ts_prepare_ctx *c, const ts_tensor *t,
				  const char *what TS_DIAG_ONLY)
{
	if (!t)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "%s is missing", what);
	if (t->kind != TS_TENSOR_CONST)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "%s must be a constant tensor", what);
	return TS_OK;
}

ts_status ts_prepare_activation(ts_prepare_ctx *c, int32_t activation, const ts_tensor *out,
				int32_t *act_min, int32_t *act_max)
{
	if (!ts_activation_range(activation, out->scale, out->zero_point, -128, 127, act_min,
				 act_max))
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED, "fused activation %" PRId32
							      " not supported",
				       activation);
	return TS_OK;
}

int64_t ts_const_index(const ts_tensor *t, uint32_t i)
{
	const uint8_t *p;
	uint64_t v = 0;
	unsigned size = t->type == TS_TYPE_INT64 ? 8 : 4;

	if (i >= t->elems)
		return 0;
	p = t->data + (size_t)i * size;
	for (unsigned b = 0; b < size; b++)
		v |= (uint64_t)p[b] << (8 * b);
	if (size == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}
