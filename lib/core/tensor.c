/* SPDX-License-Identifier: MIT */
/* Tensor metadata accessors, public and internal. */
#include "graph.h"
#include "tflite_schema.h"

const char *ts_type_name(int32_t type)
{
	switch (type) {
	case TS_TYPE_FLOAT32: return "float32";
	case TS_TYPE_FLOAT16: return "float16";
	case TS_TYPE_INT32: return "int32";
	case TS_TYPE_UINT8: return "uint8";
	case TS_TYPE_INT64: return "int64";
	case TS_TYPE_STRING: return "string";
	case TS_TYPE_BOOL: return "bool";
	case TS_TYPE_INT16: return "int16";
	case TS_TYPE_COMPLEX64: return "complex64";
	case TS_TYPE_INT8: return "int8";
	case TS_TYPE_FLOAT64: return "float64";
	case TS_TYPE_RESOURCE: return "resource";
	}
	return "unknown";
}

size_t ts_type_size(int32_t type)
{
	switch (type) {
	case TS_TYPE_FLOAT32: return 4;
	case TS_TYPE_INT32: return 4;
	case TS_TYPE_UINT8: return 1;
	case TS_TYPE_INT64: return 8;
	case TS_TYPE_BOOL: return 1;
	case TS_TYPE_INT16: return 2;
	case TS_TYPE_INT8: return 1;
	}
	return 0;
}

ts_type ts_tensor_type(const ts_tensor *t) { return (ts_type)t->type; }
size_t ts_tensor_rank(const ts_tensor *t) { return t->rank; }
size_t ts_tensor_bytes(const ts_tensor *t) { return t->bytes; }
float ts_tensor_scale(const ts_tensor *t) { return t->scale; }
int32_t ts_tensor_zero_point(const ts_tensor *t) { return t->zero_point; }
void *ts_tensor_data(ts_tensor *t) { return t->data; }
const void *ts_tensor_data_const(const ts_tensor *t) { return t->data; }

int32_t ts_tensor_dim(const ts_tensor *t, size_t i)
{
	return i < t->rank ? t->dims[i] : 0;
}

/* The Tensor table of t in the model (verified by the loader), found in
 * its subgraph's tensors. */
static bool tensor_table(const ts_interpreter *ip, const ts_tensor *t,
			 ts_fb_table *out)
{
	const uint32_t i = (uint32_t)(t - ip->tensors);

	if (i >= ip->n_all_tensors)
		return false;
	for (uint32_t s = 0; s < ip->n_subgraphs; s++) {
		const struct ts_subgraph *sg = &ip->subgraphs[s];

		if (i - sg->first_tensor < sg->n_tensors)
			return ts_fb_vec_table(&ip->fb, &sg->tensor_tables,
					       i - sg->first_tensor, out);
	}
	return false;
}

float ts_tensor_channel_scale(const ts_interpreter *ip, const ts_tensor *t,
			      uint32_t c)
{
	ts_fb_table tt, q;
	ts_fb_vec scales;

	if (t->nscales <= 1 || c >= t->nscales || !tensor_table(ip, t, &tt) ||
	    ts_fb_subtable(&ip->fb, &tt, TFL_TENSOR_QUANTIZATION, &q) != TS_FB_OK ||
	    ts_fb_vector(&ip->fb, &q, TFL_QUANT_SCALE, 4, &scales) != TS_FB_OK ||
	    c >= scales.len)
		return t->scale;
	return ts_fb_f32_at(&ip->fb, scales.pos + 4 * c);
}

const char *ts_interpreter_tensor_name(const ts_interpreter *ip, const ts_tensor *t)
{
	ts_fb_table tt;
	ts_fb_vec name;

	if (!ip || !t || !tensor_table(ip, t, &tt) ||
	    ts_fb_string(&ip->fb, &tt, TFL_TENSOR_NAME, &name) != TS_FB_OK)
		return "";
	return (const char *)ip->fb.base + name.pos;
}

bool ts_dims_elems(const int32_t *dims, unsigned rank, uint32_t *elems)
{
	uint64_t n = 1;

	for (unsigned i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return false;
		n *= (uint64_t)dims[i];
		if (n > 0x7fffffffu)
			return false;
	}
	*elems = (uint32_t)n;
	return true;
}

bool ts_dims_equal(const ts_tensor *a, const ts_tensor *b)
{
	if (a->rank != b->rank)
		return false;
	for (unsigned i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}
