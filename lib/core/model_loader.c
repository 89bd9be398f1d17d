/* SPDX-License-Identifier: MIT */
#include "model_loader.h"

#include "diag.h"
#include "tflite_schema.h"
#include "../ops/op.h"

/* What the loader holds while it walks the file. */
struct loader {
	ts_interpreter *ip;
	ts_arena *arena;
	ts_diag *diag;
	const ts_fb *fb;
	ts_fb_vec opcodes;
	ts_fb_vec buffers;
	ts_fb_vec subgraphs;
	ts_fb_table subgraph;  /* the one being loaded */
	struct ts_subgraph *sg;
	uint32_t sg_index;
	uint32_t max_tensors;
	uint32_t max_operators;
};

#if TS_CONFIG_DIAG_TEXT
static ts_status arena_full(struct loader *l, const char *what)
{
	return ts_diag_set(l->diag, TS_ERR_ARENA_TOO_SMALL,
			   "arena too small: %zu more bytes needed for %s",
			   l->arena->short_by, what);
}

static ts_status bad(struct loader *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static ts_status bad(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	if (l->diag)
		l->diag->text[0] = '\0';
	va_start(ap, fmt);
	ts_diag_vappend(l->diag, TS_ERR_MALFORMED, fmt, ap);
	va_end(ap);
	return TS_ERR_MALFORMED;
}
#else
/* The status alone (lib/core/diag.h). */
#define arena_full(l, what) ts_diag_status((l)->diag, TS_ERR_ARENA_TOO_SMALL)
#define bad(l, ...) ts_diag_status((l)->diag, TS_ERR_MALFORMED)
#endif

/* Checks an int32 index vector of the model, whose entries must all be
 * tensor indices (or -1 when optional entries are allowed), and points
 * *out at it in place. */
static ts_status read_indices(struct loader *l, const ts_fb_table *t,
			      unsigned field, const char *owner TS_DIAG_ONLY,
			      uint32_t owner_idx TS_DIAG_ONLY, const char *what TS_DIAG_ONLY,
			      bool allow_optional,
			      const int32_t **out, uint32_t *count)
{
	ts_fb_vec vec;
	const uint32_t n_tensors = l->sg->n_tensors;

	if (ts_fb_vector(l->fb, t, field, 4, &vec) == TS_FB_BAD)
		return bad(l, "%s %" PRIu32 ": %s vector out of bounds", owner, owner_idx, what);
	if (vec.len > 0xffff)
		return bad(l, "%s %" PRIu32 ": %" PRIu32
			      " %ss is too many", owner, owner_idx, vec.len, what);
	*count = vec.len;
	for (uint32_t i = 0; i < vec.len; i++) {
		const int32_t idx = ts_fb_vec_i32(l->fb, &vec, i);

		if (idx == -1 && allow_optional)
			continue;
		if (idx < 0 || (uint32_t)idx >= n_tensors)
			return bad(l, "%s %" PRIu32 ": %s %" PRIu32 " is tensor %" PRId32
				      ", out of range (subgraph has %" PRIu32 " tensors)",
				   owner, owner_idx, what, i, idx, n_tensors);
	}
	/* 4-byte aligned: the model base is, and vector storage is. */
	*out = (const int32_t *)(const void *)(l->fb->base + vec.pos);
	return TS_OK;
}

static ts_status load_shape(struct loader *l, uint32_t i TS_DIAG_ONLY, const ts_fb_table *tt,
			    ts_tensor *t)
{
	ts_fb_vec shape;
	size_t size;
	uint64_t bytes;

	if (ts_fb_vector(l->fb, tt, TFL_TENSOR_SHAPE, 4, &shape) == TS_FB_BAD)
		return bad(l, "tensor %" PRIu32 ": shape vector out of bounds", i);
	if (shape.len > TS_MAX_DIMS)
		return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
				   "tensor %" PRIu32 ": rank %" PRIu32 " exceeds the supported %u",
				   i, shape.len, TS_MAX_DIMS);
	t->rank = (uint8_t)shape.len;
	t->dims = (const int32_t *)(const void *)(l->fb->base + shape.pos);
	for (uint32_t d = 0; d < shape.len; d++) {
		if (t->dims[d] < 0)
			return ts_diag_set(l->diag, t->dims[d] == -1 ?
					   TS_ERR_UNSUPPORTED : TS_ERR_MALFORMED,
					   "tensor %" PRIu32 ": dimension %" PRIu32 " is %" PRId32
					   " (dynamic or negative shapes are not supported)",
					   i, d, t->dims[d]);
	}
	if (!ts_dims_elems(t->dims, t->rank, &t->elems))
		return bad(l, "tensor %" PRIu32 ": shape has more than 2^31 elements", i);
	size = ts_type_size(t->type);
	if (t->type == TS_TYPE_RESOURCE) {
		/* A variable's handle: resolved when the model is prepared, no
		 * bytes at run time. */
		t->bytes = 0;
		return TS_OK;
	}
	if (!size)
		return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
				   "tensor %" PRIu32 ": type %s (%u) not supported", i,
				   ts_type_name(t->type), t->type);
	bytes = (uint64_t)t->elems * size;
	if (bytes > 0x7fffffffu)
		return bad(l, "tensor %" PRIu32 ": %llu bytes is too large", i,
			   (unsigned long long)bytes);
	t->bytes = (uint32_t)bytes;
	return TS_OK;
}

static ts_status load_quantization(struct loader *l, uint32_t i TS_DIAG_ONLY,
				   const ts_fb_table *tt, ts_tensor *t)
{
	ts_fb_table q;
	ts_fb_vec scales, zps;
	ts_fb_res r;
	int32_t qdim;

	r = ts_fb_subtable(l->fb, tt, TFL_TENSOR_QUANTIZATION, &q);
	if (r == TS_FB_BAD)
		return bad(l, "tensor %" PRIu32 ": quantization table out of bounds", i);
	if (r == TS_FB_ABSENT)
		return TS_OK;
	if (ts_fb_vector(l->fb, &q, TFL_QUANT_SCALE, 4, &scales) == TS_FB_BAD)
		return bad(l, "tensor %" PRIu32 ": quantization scale vector out of bounds", i);
	if (ts_fb_vector(l->fb, &q, TFL_QUANT_ZERO_POINT, 8, &zps) == TS_FB_BAD)
		return bad(l, "tensor %" PRIu32
			      ": quantization zero_point vector out of bounds", i);
	if (ts_fb_i32(l->fb, &q, TFL_QUANT_QUANTIZED_DIMENSION, 0, &qdim) == TS_FB_BAD)
		return bad(l, "tensor %" PRIu32 ": quantized_dimension field out of bounds", i);
	if (scales.len == 0)
		return TS_OK; /* e.g. only min/max recorded: not quantized */
	if (scales.len > 0xffff)
		return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
				   "tensor %" PRIu32 ": %" PRIu32
				   " quantization channels is too many", i,
				   scales.len);
	if (zps.len != scales.len)
		return ts_diag_set(l->diag, TS_ERR_QUANT,
				   "tensor %" PRIu32 ": %" PRIu32 " scales but %" PRIu32
				   " zero points", i,
				   scales.len, zps.len);
	t->nscales = (uint16_t)scales.len;
	t->scale = ts_fb_f32_at(l->fb, scales.pos);
	if (scales.len > 1) {
		/* Consistency with the shape is checked by the ops that use
		 * per-channel scales (real converters write e.g. dimension 3
		 * on 1-D biases). */
		if (qdim < 0 || qdim >= TS_MAX_DIMS)
			return ts_diag_set(l->diag, TS_ERR_QUANT,
					   "tensor %" PRIu32 ": quantized dimension %" PRId32
					   " out of range",
					   i, qdim);
		t->quant_dim = (uint8_t)qdim & 7;
	}
	for (uint32_t c = 0; c < zps.len; c++) {
		int64_t zp = (int64_t)ts_fb_u64_at(l->fb, zps.pos + 8 * c);

		if (zp < INT32_MIN || zp > INT32_MAX ||
		    (c > 0 && zp != t->zero_point))
			return ts_diag_set(l->diag, TS_ERR_QUANT,
					   "tensor %" PRIu32 ": zero point %lld of channel %" PRIu32
					   " not supported",
					   i, (long long)zp, c);
		t->zero_point = (int32_t)zp;
	}
	return TS_OK;
}

/* Points a tensor at its constant data, if its buffer has any. */
static ts_status load_data(struct loader *l, uint32_t i TS_DIAG_ONLY, uint32_t buffer,
			   ts_tensor *t)
{
	ts_fb_table bt;
	ts_fb_vec data;
	uint64_t offset, size;
	const uint8_t *p;
	size_t elem = ts_type_size(t->type);

	if (buffer >= l->buffers.len)
		return bad(l, "tensor %" PRIu32 ": buffer %" PRIu32
			      " out of range (model has %" PRIu32 " buffers)",
			   i, buffer, l->buffers.len);
	if (!ts_fb_vec_table(l->fb, &l->buffers, buffer, &bt))
		return bad(l, "buffer %" PRIu32 ": table out of bounds", buffer);
	if (ts_fb_vector(l->fb, &bt, TFL_BUFFER_DATA, 1, &data) == TS_FB_BAD)
		return bad(l, "buffer %" PRIu32 ": data vector out of bounds", buffer);
	if (ts_fb_u64(l->fb, &bt, TFL_BUFFER_OFFSET, 0, &offset) == TS_FB_BAD ||
	    ts_fb_u64(l->fb, &bt, TFL_BUFFER_SIZE, 0, &size) == TS_FB_BAD)
		return bad(l, "buffer %" PRIu32 ": offset/size fields out of bounds", buffer);
	if (data.len) {
		p = l->fb->base + data.pos;
		size = data.len;
	} else if (offset > 1) {
		/* Data stored after the flatbuffer, offset from the file start. */
		if (offset > l->fb->size || size > l->fb->size - offset)
			return bad(l, "buffer %" PRIu32
				      ": offset %llu + size %llu beyond the %" PRIu32 "-byte file",
				   buffer, (unsigned long long)offset,
				   (unsigned long long)size, l->fb->size);
		p = l->fb->base + offset;
	} else {
		return TS_OK; /* no data: an activation or variable */
	}
	if (size != t->bytes)
		return bad(l, "tensor %" PRIu32 ": buffer %" PRIu32
			      " holds %llu bytes, the tensor needs %" PRIu32,
			   i, buffer, (unsigned long long)size, t->bytes);
	if (elem > 1 && ((uintptr_t)p % elem))
		return ts_diag_set(l->diag, TS_ERR_MALFORMED,
				   "tensor %" PRIu32 ": buffer %" PRIu32
				   " data is not %zu-byte aligned (load the model at an aligned address)",
				   i, buffer, elem);
	t->data = (uint8_t *)p; /* never written: const tensors are never outputs */
	t->kind = TS_TENSOR_CONST;
	return TS_OK;
}

static ts_status load_tensor(struct loader *l, uint32_t i, const ts_fb_vec *tensors)
{
	ts_tensor *t = &l->ip->tensors[l->sg->first_tensor + i];
	ts_fb_table tt;
	ts_fb_table sparsity;
	ts_fb_vec name;
	uint8_t type, is_variable;
	uint32_t buffer;
	ts_status st;

	if (!ts_fb_vec_table(l->fb, tensors, i, &tt))
		return bad(l, "tensor %" PRIu32 ": table out of bounds", i);
	if (ts_fb_u8(l->fb, &tt, TFL_TENSOR_TYPE, 0, &type) == TS_FB_BAD ||
	    ts_fb_u32(l->fb, &tt, TFL_TENSOR_BUFFER, 0, &buffer) == TS_FB_BAD ||
	    ts_fb_u8(l->fb, &tt, TFL_TENSOR_IS_VARIABLE, 0, &is_variable) == TS_FB_BAD)
		return bad(l, "tensor %" PRIu32 ": field out of bounds", i);
	if (ts_fb_string(l->fb, &tt, TFL_TENSOR_NAME, &name) == TS_FB_BAD)
		return bad(l, "tensor %" PRIu32 ": name string out of bounds or unterminated", i);
	if (ts_fb_subtable(l->fb, &tt, TFL_TENSOR_SPARSITY, &sparsity) != TS_FB_ABSENT)
		return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
				   "tensor %" PRIu32 ": sparse tensors are not supported", i);
	t->type = type;
	st = load_shape(l, i, &tt, t);
	if (st)
		return st;
	st = load_quantization(l, i, &tt, t);
	if (st)
		return st;
	st = load_data(l, i, buffer, t);
	if (st)
		return st;
	if (is_variable) {
		if (t->kind == TS_TENSOR_CONST)
			return bad(l, "tensor %" PRIu32 ": variable tensor with constant data", i);
		t->kind = TS_TENSOR_VARIABLE;
	}
	return TS_OK;
}

/* The builtin code of operator code `index` (TFLite's GetBuiltinCode). */
static ts_status opcode_builtin(struct loader *l, uint32_t op TS_DIAG_ONLY, uint32_t index,
				int32_t *builtin)
{
	ts_fb_table oc;
	ts_fb_vec custom;
	uint8_t deprecated;
	int32_t code;

	if (index >= l->opcodes.len)
		return bad(l, "operator %" PRIu32 ": opcode index %" PRIu32
			      " out of range (model has %" PRIu32 " operator codes)",
			   op, index, l->opcodes.len);
	if (!ts_fb_vec_table(l->fb, &l->opcodes, index, &oc))
		return bad(l, "operator code %" PRIu32 ": table out of bounds", index);
	if (ts_fb_u8(l->fb, &oc, TFL_OPCODE_DEPRECATED_BUILTIN, 0, &deprecated) == TS_FB_BAD ||
	    ts_fb_i32(l->fb, &oc, TFL_OPCODE_BUILTIN, 0, &code) == TS_FB_BAD)
		return bad(l, "operator code %" PRIu32 ": field out of bounds", index);
	if (ts_fb_string(l->fb, &oc, TFL_OPCODE_CUSTOM_CODE, &custom) == TS_FB_BAD)
		return bad(l, "operator code %" PRIu32 ": custom_code out of bounds", index);
	*builtin = code > (int8_t)deprecated ? code : (int8_t)deprecated;
	if (*builtin == TFL_BUILTIN_CUSTOM)
		return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
				   "operator %" PRIu32 ": custom operator '%s' not supported",
				   op, custom.len ? (const char *)l->fb->base + custom.pos : "");
	return TS_OK;
}

static ts_status load_operator(struct loader *l, uint32_t i, const ts_fb_vec *operators)
{
	ts_node *node = &l->ip->nodes[l->sg->first_node + i];
	ts_fb_table ot, options;
	uint32_t opcode, n_in, n_out;
	uint8_t options_type;
	int32_t builtin;
	ts_status st;

	if (!ts_fb_vec_table(l->fb, operators, i, &ot))
		return bad(l, "operator %" PRIu32 ": table out of bounds", i);
	if (ts_fb_u32(l->fb, &ot, TFL_OP_OPCODE_INDEX, 0, &opcode) == TS_FB_BAD ||
	    ts_fb_u8(l->fb, &ot, TFL_OP_BUILTIN_OPTIONS_TYPE, 0, &options_type) == TS_FB_BAD)
		return bad(l, "operator %" PRIu32 ": field out of bounds", i);
	st = opcode_builtin(l, i, opcode, &builtin);
	if (st)
		return st;
	node->op = ts_op_find(builtin);
	if (!node->op)
		return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
				   "operator %" PRIu32 ": builtin operator %s (%" PRId32
				   ") not supported",
				   i, ts_builtin_name(builtin), builtin);
	node->tensor_base = (uint16_t)l->sg->first_tensor;
	st = read_indices(l, &ot, TFL_OP_INPUTS, "operator", i, "input", true,
			  &node->inputs, &n_in);
	if (st)
		return st;
	st = read_indices(l, &ot, TFL_OP_OUTPUTS, "operator", i, "output", false,
			  &node->outputs, &n_out);
	if (st)
		return st;
	if (n_in < node->op->min_inputs || n_in > node->op->max_inputs ||
	    n_out < node->op->n_outputs ||
	    n_out > (node->op->max_outputs ? node->op->max_outputs : node->op->n_outputs))
		return bad(l, "operator %" PRIu32 " (%s): %" PRIu32 " inputs and %" PRIu32
			      " outputs, expected %u..%u and %u..%u",
			   i, ts_builtin_name(builtin), n_in, n_out,
			   node->op->min_inputs, node->op->max_inputs,
			   node->op->n_outputs,
			   node->op->max_outputs ? node->op->max_outputs : node->op->n_outputs);
	node->n_inputs = (uint8_t)n_in;
	node->n_outputs = (uint8_t)n_out;
	if (options_type != TFL_OPTIONS_NONE && options_type != node->op->options_type)
		return bad(l, "operator %" PRIu32 " (%s): builtin options of type %u, expected %u",
			   i, ts_builtin_name(builtin), options_type,
			   node->op->options_type);
	switch (ts_fb_subtable(l->fb, &ot, TFL_OP_BUILTIN_OPTIONS, &options)) {
	case TS_FB_BAD:
		return bad(l, "operator %" PRIu32 " (%s): builtin options table out of bounds",
			   i, ts_builtin_name(builtin));
	case TS_FB_OK:
		node->options = options.pos;
		break;
	case TS_FB_ABSENT:
		break;
	}
	return TS_OK;
}

/*
 * Wiring rules that keep execution safe: operator outputs are activations
 * written once, and every input is available when its operator runs.
 * Indices are the subgraph's own.
 */
static ts_status check_wiring(struct loader *l)
{
	const struct ts_subgraph *sg = l->sg;
	/* NULL when the model has no tensors (or operators) at all. */
	const ts_tensor *tensors = sg->n_tensors ? l->ip->tensors + sg->first_tensor : NULL;
	const ts_node *nodes = sg->n_nodes ? l->ip->nodes + sg->first_node : NULL;
	ts_arena *a = l->arena;
	size_t mark = a->top;
	uint8_t *ready = ts_arena_take(a, sg->n_tensors ? sg->n_tensors : 1, 1);
	ts_status st = TS_OK;

	if (!ready)
		return arena_full(l, "the wiring check");
	/* Constant data, state, and empty tensors (nothing to read) are
	 * available from the start. */
	for (uint32_t t = 0; t < sg->n_tensors; t++)
		ready[t] = tensors[t].kind == TS_TENSOR_CONST ||
			   tensors[t].kind == TS_TENSOR_VARIABLE ||
			   tensors[t].bytes == 0;
	for (uint32_t i = 0; i < sg->n_inputs; i++) {
		if (tensors[sg->inputs[i]].kind == TS_TENSOR_CONST) {
			st = bad(l, "subgraph input %" PRIu32 " is tensor %" PRId32
				    ", which is constant",
				 i, sg->inputs[i]);
			goto out;
		}
		ready[sg->inputs[i]] = 1;
	}
	for (uint32_t n = 0; n < sg->n_nodes && !st; n++) {
		const ts_node *node = &nodes[n];

		for (uint32_t k = 0; k < node->n_inputs && !st; k++)
			if (node->inputs[k] >= 0 && !ready[node->inputs[k]])
				st = bad(l, "operator %" PRIu32 ": input tensor %" PRId32
					    " is read before any operator writes it",
					 n, node->inputs[k]);
		for (uint32_t k = 0; k < node->n_outputs && !st; k++) {
			const ts_tensor *t = &tensors[node->outputs[k]];

			if (t->kind == TS_TENSOR_CONST || (ready[node->outputs[k]] && t->bytes))
				st = bad(l, "operator %" PRIu32 ": output tensor %" PRId32
					    " is constant or already written",
					 n, node->outputs[k]);
			ready[node->outputs[k]] = 1;
		}
	}
	for (uint32_t i = 0; i < sg->n_outputs && !st; i++)
		if (!ready[sg->outputs[i]])
			st = bad(l, "subgraph output %" PRIu32 " (tensor %" PRId32
				    ") is never written",
				 i, sg->outputs[i]);
out:
	/* Give the scratch back: it sat on top of everything taken before. */
	a->top = mark;
	return st;
}

static void mark_activation(ts_tensor *tensors, int32_t t)
{
	if (t >= 0 && tensors[t].kind == TS_TENSOR_UNUSED)
		tensors[t].kind = TS_TENSOR_ACTIVATION;
}

/* Tensors without data that something reads or writes are activations;
 * tensors nothing touches stay TS_TENSOR_UNUSED and get no memory. */
static void mark_activations(struct loader *l)
{
	const struct ts_subgraph *sg = l->sg;
	ts_tensor *tensors = sg->n_tensors ? l->ip->tensors + sg->first_tensor : NULL;

	for (uint32_t n = 0; n < sg->n_nodes; n++) {
		const ts_node *node = &l->ip->nodes[sg->first_node + n];

		for (uint32_t k = 0; k < node->n_inputs; k++)
			mark_activation(tensors, node->inputs[k]);
		for (uint32_t k = 0; k < node->n_outputs; k++)
			mark_activation(tensors, node->outputs[k]);
	}
	for (uint32_t i = 0; i < sg->n_inputs; i++)
		mark_activation(tensors, sg->inputs[i]);
	for (uint32_t i = 0; i < sg->n_outputs; i++)
		mark_activation(tensors, sg->outputs[i]);
}

/* Subgraph s's table and its tensors and operators vectors. */
static ts_status subgraph_vectors(struct loader *l, uint32_t s, ts_fb_table *t,
				  ts_fb_vec *tensors, ts_fb_vec *operators)
{
	if (!ts_fb_vec_table(l->fb, &l->subgraphs, s, t))
		return bad(l, "subgraph %" PRIu32 ": table out of bounds", s);
	if (ts_fb_vector(l->fb, t, TFL_SUBGRAPH_TENSORS, 4, tensors) == TS_FB_BAD)
		return bad(l, "subgraph %" PRIu32 ": tensors vector out of bounds", s);
	if (ts_fb_vector(l->fb, t, TFL_SUBGRAPH_OPERATORS, 4, operators) == TS_FB_BAD)
		return bad(l, "subgraph %" PRIu32 ": operators vector out of bounds", s);
	return TS_OK;
}

static ts_status load_subgraph(struct loader *l, uint32_t s)
{
	ts_interpreter *ip = l->ip;
	ts_fb_vec tensors, operators;
	ts_status st;

	l->sg = &ip->subgraphs[s];
	l->sg_index = s;
	st = subgraph_vectors(l, s, &l->subgraph, &tensors, &operators);
	if (st)
		return st;
	l->sg->tensor_tables = tensors;
	for (uint32_t i = 0; i < tensors.len; i++) {
		st = load_tensor(l, i, &tensors);
		if (st)
			return st;
	}
	st = read_indices(l, &l->subgraph, TFL_SUBGRAPH_INPUTS, "subgraph", s,
			  "input", false, &l->sg->inputs, &l->sg->n_inputs);
	if (st)
		return st;
	st = read_indices(l, &l->subgraph, TFL_SUBGRAPH_OUTPUTS, "subgraph", s,
			  "output", false, &l->sg->outputs, &l->sg->n_outputs);
	if (st)
		return st;
	for (uint32_t i = 0; i < operators.len; i++) {
		st = load_operator(l, i, &operators);
		if (st)
			return st;
	}
	st = check_wiring(l);
	if (st)
		return st;
	mark_activations(l);
	return TS_OK;
}

/* Sizes every subgraph, takes the tensors and nodes of all of them, then
 * loads each; subgraph 0's fields are also the interpreter's. */
static ts_status load_graphs(struct loader *l)
{
	ts_interpreter *ip = l->ip;
	uint64_t n_tensors = 0, n_nodes = 0;
	ts_status st;

	if (l->subgraphs.len > TS_MAX_SUBGRAPHS)
		return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
				   "model has %" PRIu32 " subgraphs, at most %u are supported",
				   l->subgraphs.len, TS_MAX_SUBGRAPHS);
	ip->n_subgraphs = l->subgraphs.len;
	ip->subgraphs = ts_arena_take(l->arena, ip->n_subgraphs * sizeof(*ip->subgraphs),
				      _Alignof(struct ts_subgraph));
	if (!ip->subgraphs)
		return arena_full(l, "subgraphs");
	for (uint32_t s = 0; s < ip->n_subgraphs; s++) {
		struct ts_subgraph *sg = &ip->subgraphs[s];
		ts_fb_table t;
		ts_fb_vec tensors, operators;

		st = subgraph_vectors(l, s, &t, &tensors, &operators);
		if (st)
			return st;
		/* The limits bound the model, every subgraph together. */
		if (n_tensors + tensors.len > l->max_tensors)
			return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
					   "subgraph %" PRIu32 ": %llu tensors exceed the limit of %" PRIu32
					   " (interpreter option max_tensors)", s,
					   (unsigned long long)(n_tensors + tensors.len), l->max_tensors);
		if (n_nodes + operators.len > l->max_operators)
			return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
					   "subgraph %" PRIu32 ": %llu operators exceed the limit of %" PRIu32
					   " (interpreter option max_operators)", s,
					   (unsigned long long)(n_nodes + operators.len), l->max_operators);
		sg->first_tensor = (uint32_t)n_tensors;
		sg->n_tensors = tensors.len;
		sg->first_node = (uint32_t)n_nodes;
		sg->n_nodes = operators.len;
		n_tensors += tensors.len;
		n_nodes += operators.len;
		/* Nodes keep their subgraph's first tensor in 16 bits. */
		if (sg->first_tensor > 0xffff || n_tensors > 0x7fffffffu || n_nodes > 0x7fffffffu)
			return ts_diag_set(l->diag, TS_ERR_UNSUPPORTED,
					   "subgraph %" PRIu32 ": too many tensors or operators before it",
					   s);
	}
	ip->n_all_tensors = (uint32_t)n_tensors;
	ip->n_all_nodes = (uint32_t)n_nodes;
	if (n_tensors) {
		ip->tensors = ts_arena_take(l->arena, (size_t)n_tensors * sizeof(ts_tensor),
					    _Alignof(ts_tensor));
		if (!ip->tensors)
			return arena_full(l, "tensors");
	}
	if (n_nodes) {
		ip->nodes = ts_arena_take(l->arena, (size_t)n_nodes * sizeof(ts_node),
					  _Alignof(ts_node));
		if (!ip->nodes)
			return arena_full(l, "operators");
	}
	for (uint32_t s = 0; s < ip->n_subgraphs; s++) {
		st = load_subgraph(l, s);
		if (st) {
			if (s)
				ts_diag_append(l->diag, st, " (subgraph %" PRIu32 ")", s);
			return st;
		}
	}
	ip->tensor_tables = ip->subgraphs[0].tensor_tables;
	ip->n_tensors = ip->subgraphs[0].n_tensors;
	ip->n_nodes = ip->subgraphs[0].n_nodes;
	ip->inputs = ip->subgraphs[0].inputs;
	/* read_indices allows 0xffff at most */
	ip->n_inputs = (uint16_t)ip->subgraphs[0].n_inputs;
	ip->outputs = ip->subgraphs[0].outputs;
	ip->n_outputs = (uint16_t)ip->subgraphs[0].n_outputs;
	return TS_OK;
}

ts_status ts_model_load(ts_interpreter *ip, ts_arena *a, const void *model,
			size_t model_size, uint32_t max_tensors, uint32_t max_operators,
			ts_diag *diag)
{
	struct loader l = { .ip = ip, .arena = a, .diag = diag, .fb = &ip->fb,
			    .max_tensors = max_tensors, .max_operators = max_operators };
	ts_fb_table root;
	uint32_t version;

	if ((uintptr_t)model & 3)
		return ts_diag_set(diag, TS_ERR_INVALID_ARG,
				   "model bytes must be at least 4-byte aligned (16 recommended)");
	if (!ts_fb_init(&ip->fb, model, model_size))
		return bad(&l, "model of %zu bytes is too small or too large to be a .tflite file",
			   model_size);
	if (!ts_fb_has_identifier(&ip->fb, TFL_FILE_IDENTIFIER))
		return bad(&l, "not a TFLite model (file identifier is not \"TFL3\")");
	if (!ts_fb_root(&ip->fb, &root))
		return bad(&l, "root table out of bounds");
	if (ts_fb_u32(&ip->fb, &root, TFL_MODEL_VERSION, 0, &version) == TS_FB_BAD)
		return bad(&l, "model version field out of bounds");
	if (version != TFL_SCHEMA_VERSION)
		return ts_diag_set(diag, TS_ERR_UNSUPPORTED,
				   "model schema version %" PRIu32 ", expected %u",
				   version, TFL_SCHEMA_VERSION);
	if (ts_fb_vector(&ip->fb, &root, TFL_MODEL_OPERATOR_CODES, 4, &l.opcodes) == TS_FB_BAD)
		return bad(&l, "operator_codes vector out of bounds");
	if (ts_fb_vector(&ip->fb, &root, TFL_MODEL_BUFFERS, 4, &l.buffers) == TS_FB_BAD)
		return bad(&l, "buffers vector out of bounds");
	if (ts_fb_vector(&ip->fb, &root, TFL_MODEL_SUBGRAPHS, 4, &l.subgraphs) == TS_FB_BAD)
		return bad(&l, "subgraphs vector out of bounds");
	if (l.subgraphs.len == 0)
		return bad(&l, "model has no subgraph");
	return load_graphs(&l);
}
