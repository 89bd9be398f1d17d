/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200112L
/*
 * libFuzzer target: untrusted .tflite bytes -> ts_interpreter_create ->
 * (on success) inputs filled from the data's tail -> ts_interpreter_invoke
 * once.  Every accessor is exercised too.  The model is copied into an
 * exactly-sized, 16-aligned heap buffer and the arena is a fresh heap
 * block, so ASan sees any read past the model or the arena.
 *
 * Two modes:
 *   bytes       the input is the model (the conformance models are seeds);
 *               its last byte picks the kernel set among those this CPU
 *               runs, the one before it the arena size (64 KiB to 4 MiB).
 *   structured  the input starts with "TSop": the bytes after it choose a
 *               one-operator model that tests/support/tflite_builder builds
 *               (conv, depthwise, pools, fully connected and the shape ops)
 *               with hostile options (strides, dilations, filters, padding,
 *               axes), shapes and quantization, window outputs sized as
 *               TFLite computes them so that hostile windows reach the
 *               kernels; then the kernel set and arena, as above.
 * The cost budget is lowered (max_cost) so that every execution is quick;
 * models past it are refused, which is what the budget is for.
 *
 * Build: make fuzz (see the Makefile's fuzz block).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/interpreter.h"
#include "tinysense/kernels.h"
#include "tinysense/tensor.h"
#include "cpu_features.h"
#include "tflite_builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fill_from_tail(uint8_t *dst, size_t n, const uint8_t *data, size_t size)
{
	/* The last min(size, 64) bytes, repeated. */
	size_t tail = size < 64 ? size : 64;
	const uint8_t *src = data + size - tail;

	if (!tail) {
		memset(dst, 0, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i % tail];
}

/* ---- choices read from the input ------------------------------------------ */

struct src {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct src *s)
{
	uint8_t v;

	if (!s->n)
		return 0;
	v = *s->p++;
	s->n--;
	return v;
}

static int32_t take_raw32(struct src *s)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)take(s) << (8 * i);
	return (int32_t)v;
}

/* Mostly small, sometimes a value at an edge, sometimes any. */
static int32_t pick(struct src *s)
{
	static const int32_t edges[] = {
		0, -1, -2, 255, 256, 4095, 65535, 65536, 0x0fffffff, 0x10000000, 0x10000001,
		0x3fffffff, 0x40000000, 0x40000001, 0x7ffffffe, 0x7fffffff, INT32_MIN,
		INT32_MIN + 1, 1 << 20, 46341
	};
	const uint8_t c = take(s);

	if (c < 128)
		return 1 + c % 6;
	if (c < 248)
		return edges[c % (sizeof(edges) / sizeof(edges[0]))];
	return take_raw32(s);
}

/* A dimension: mostly 1..6, sometimes 0 or an edge. */
static int32_t pick_dim(struct src *s)
{
	const uint8_t c = take(s);

	if (c < 230)
		return 1 + c % 6;
	if (c < 240)
		return c % 3 == 0 ? 0 : 1 << (c % 10);
	return pick(s);
}

static float pick_scale(struct src *s)
{
	static const float scales[] = { 0.5f, 0.25f, 1.0f, 0.0078125f, 1e-6f, 1e6f, 0.0f,
					-1.0f, 1e-38f, 3.4e38f, __builtin_nanf(""),
					__builtin_inff() };
	const uint8_t c = take(s);

	return c < 192 ? scales[c % 4] : scales[c % (sizeof(scales) / sizeof(scales[0]))];
}

static int64_t pick_zp(struct src *s)
{
	static const int64_t zps[] = { 0, 1, -1, 5, -128, 127, 128, -129, 1LL << 40 };
	const uint8_t c = take(s);

	return c < 192 ? zps[c % 4] : zps[c % (sizeof(zps) / sizeof(zps[0]))];
}

/* ---- the one-operator model --------------------------------------------------- */

enum { T_INT8 = 9, T_INT32 = 2 };
#define MAX_CONST_BYTES (1u << 16)

/* A tensor; data != NULL makes it constant (bytes of it, taken from the
 * input, repeated); per_channel > 0 gives that many scales. */
static int tensor(tb_builder *b, struct src *s, int type, const int32_t *shape, size_t rank,
		  int constant, uint32_t per_channel, int32_t qdim)
{
	float scales[64];
	int64_t zps[64];
	tb_quant q = { 0 };
	tb_tensor t = { 0 };
	uint64_t elems = 1;
	size_t esize = type == T_INT32 ? 4 : 1;

	if (per_channel > 64)
		per_channel = 64;
	for (size_t d = 0; d < rank; d++)
		elems *= shape[d] > 0 ? (uint64_t)shape[d] : 0;
	q.num_scale = q.num_zero_point = per_channel ? per_channel : 1;
	for (size_t i = 0; i < q.num_scale; i++) {
		scales[i] = pick_scale(s);
		zps[i] = i ? zps[0] : pick_zp(s);
	}
	q.scale = scales;
	q.zero_point = zps;
	q.quantized_dimension = qdim;
	t.type = type;
	t.shape = shape;
	t.rank = rank;
	if (take(s) < 240)
		t.quant = &q;
	if (constant) {
		/* The declared size when small enough, else a few bytes (the
		 * loader must refuse the mismatch). */
		size_t bytes = elems * esize <= MAX_CONST_BYTES ? (size_t)(elems * esize) : 16;
		uint8_t *v = malloc(bytes ? bytes : 1);

		if (!v)
			return -1;
		for (size_t i = 0; i < bytes; i++)
			v[i] = s->n ? s->p[i % s->n] : (uint8_t)i;
		/* int32 constants (axes, paddings, begin/end): small values. */
		if (type == T_INT32)
			for (size_t i = 0; i + 4 <= bytes; i += 4) {
				int32_t x = take(s) < 220 ? (int32_t)(take(s) % 8) - 2 : pick(s);

				memcpy(v + i, &x, 4);
			}
		t.buffer = (uint32_t)tb_add_buffer(b, v, bytes);
		free(v);
	}
	return tb_add_tensor(b, &t);
}

/* a * b as a dimension, clamped to int32. */
static int32_t mul_dim(int32_t a, int32_t b)
{
	const int64_t v = (int64_t)a * b;

	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* TFLite's ComputeOutSize in 64-bit, clamped to an int32 dimension. */
static int32_t out_size(int same, int32_t in, int32_t k, int32_t stride, int32_t dil)
{
	const int64_t eff = ((int64_t)k - 1) * dil + 1;
	int64_t out;

	if (stride <= 0)
		stride = 1;
	out = same ? ((int64_t)in + stride - 1) / stride : ((int64_t)in + stride - eff) / stride;
	return out < 0 ? 0 : out > INT32_MAX ? INT32_MAX : (int32_t)out;
}

enum op_kind { CONV, DWCONV, AVGPOOL, MAXPOOL, FC, SHAPE_OP, N_KINDS };

/* Builtins of the shape and element-wise ops, with their options type. */
static const struct { int32_t builtin; uint8_t options; uint8_t n_const; } shape_ops[] = {
	{ 0, 11, 0 },   /* ADD */
	{ 18, 21, 0 },  /* MUL */
	{ 34, 22, 1 },  /* PAD */
	{ 45, 32, 3 },  /* STRIDED_SLICE */
	{ 39, 26, 1 },  /* TRANSPOSE */
	{ 40, 27, 1 },  /* MEAN */
	{ 2, 10, 0 },   /* CONCATENATION */
	{ 25, 9, 0 },   /* SOFTMAX */
	{ 22, 17, 1 },  /* RESHAPE */
	{ 60, 43, 0 },  /* PADV2 (3 inputs, the last a scalar) */
};

static uint8_t *build_structured(struct src *s, size_t *size)
{
	tb_builder *b = tb_create();
	const enum op_kind kind = (enum op_kind)(take(s) % N_KINDS);
	int32_t in_shape[6], k_shape[4], out_shape[6], ins[4], out;
	tb_field opts[8];
	size_t n_opts = 0, n_in = 1, rank = 4;
	int32_t builtin = 3, same, stride_h, stride_w, dil_h = 1, dil_w = 1, kh, kw, oc;
	uint8_t options_type = 0;
	tb_operator op = { 0 };
	uint8_t *model = NULL;

	if (!b)
		return NULL;
	for (int d = 0; d < 4; d++)
		in_shape[d] = pick_dim(s);
	in_shape[0] = take(s) < 240 ? 1 : in_shape[0];
	same = take(s) % 4 != 0;
	stride_h = pick(s);
	stride_w = pick(s);
	kh = pick_dim(s);
	kw = pick_dim(s);
	oc = pick_dim(s);
	switch (kind) {
	case CONV:
	case DWCONV:
		dil_h = take(s) < 128 ? 1 : pick(s);
		dil_w = take(s) < 128 ? 1 : pick(s);
		builtin = kind == CONV ? 3 : 4;
		options_type = kind == CONV ? 1 : 2;
		k_shape[0] = kind == CONV ? oc : 1;
		k_shape[1] = kh;
		k_shape[2] = kw;
		k_shape[3] = kind == CONV ? (take(s) < 200 ? in_shape[3] : pick_dim(s)) :
			     mul_dim(in_shape[3], take(s) < 200 ? 1 : pick_dim(s));
		if (kind == DWCONV)
			oc = k_shape[3];
		opts[n_opts++] = (tb_field)TB_FIELD_U8(0, same ? TB_PAD_SAME :
							 take(s) < 200 ? TB_PAD_VALID : take(s));
		opts[n_opts++] = (tb_field)TB_FIELD_I32(1, stride_w);
		opts[n_opts++] = (tb_field)TB_FIELD_I32(2, stride_h);
		if (kind == CONV) {
			opts[n_opts++] = (tb_field)TB_FIELD_U8(3, take(s) % 5);
			opts[n_opts++] = (tb_field)TB_FIELD_I32(4, dil_w);
			opts[n_opts++] = (tb_field)TB_FIELD_I32(5, dil_h);
		} else {
			opts[n_opts++] = (tb_field)TB_FIELD_I32(3, take(s) < 200 ? 0 : pick(s));
			opts[n_opts++] = (tb_field)TB_FIELD_U8(4, take(s) % 5);
			opts[n_opts++] = (tb_field)TB_FIELD_I32(5, dil_w);
			opts[n_opts++] = (tb_field)TB_FIELD_I32(6, dil_h);
		}
		break;
	case AVGPOOL:
	case MAXPOOL:
		builtin = kind == AVGPOOL ? 1 : 17;
		options_type = 5;
		kh = take(s) < 160 ? kh : pick(s);
		kw = take(s) < 160 ? kw : pick(s);
		oc = in_shape[3];
		opts[n_opts++] = (tb_field)TB_FIELD_U8(0, same ? TB_PAD_SAME : TB_PAD_VALID);
		opts[n_opts++] = (tb_field)TB_FIELD_I32(1, stride_w);
		opts[n_opts++] = (tb_field)TB_FIELD_I32(2, stride_h);
		opts[n_opts++] = (tb_field)TB_FIELD_I32(3, kw);
		opts[n_opts++] = (tb_field)TB_FIELD_I32(4, kh);
		opts[n_opts++] = (tb_field)TB_FIELD_U8(5, take(s) % 5);
		break;
	case FC:
		builtin = 9;
		options_type = 8;
		rank = 2;
		in_shape[1] = mul_dim(in_shape[1], in_shape[2]);
		k_shape[0] = oc;
		k_shape[1] = take(s) < 220 ? in_shape[1] : pick_dim(s);
		opts[n_opts++] = (tb_field)TB_FIELD_U8(0, take(s) % 5);
		break;
	default: {
		const unsigned which = take(s) % (sizeof(shape_ops) / sizeof(shape_ops[0]));

		builtin = shape_ops[which].builtin;
		options_type = shape_ops[which].options;
		rank = take(s) % 7;
		for (size_t d = 0; d < rank; d++)
			in_shape[d] = pick_dim(s);
		if (builtin == 2) {
			opts[n_opts++] = (tb_field)TB_FIELD_I32(0, take(s) < 200 ?
								(int32_t)(take(s) % 8) - 2 : pick(s));
		}
		break;
	}
	}
	ins[0] = tensor(b, s, T_INT8, in_shape, rank, 0, 0, 0);
	if (kind == CONV || kind == DWCONV || kind == FC) {
		const size_t k_rank = kind == FC ? 2 : 4;
		const uint32_t channels = take(s) < 200 ? 0 : (uint32_t)oc;

		ins[n_in++] = tensor(b, s, T_INT8, k_shape, k_rank, 1, channels,
				     kind == DWCONV ? 3 : 0);
		if (take(s) < 200) {
			const int32_t bias_shape[1] = { take(s) < 230 ? oc : pick_dim(s) };

			ins[n_in++] = tensor(b, s, T_INT32, bias_shape, 1, 1, channels, 0);
		}
	}
	if (kind == SHAPE_OP) {
		const unsigned n_const = builtin == 45 ? 3 : builtin == 34 || builtin == 39 ||
						  builtin == 40 || builtin == 22 ? 1 : 0;
		int32_t vec_shape[2] = { (int32_t)rank, 2 };

		if (builtin == 0 || builtin == 18 || builtin == 2)
			ins[n_in++] = tensor(b, s, T_INT8, in_shape, rank, take(s) < 64, 0, 0);
		for (unsigned i = 0; i < n_const; i++) {
			if (take(s) >= 240)
				vec_shape[0] = pick_dim(s);
			ins[n_in++] = tensor(b, s, T_INT32, vec_shape, builtin == 34 ? 2 : 1, 1, 0,
					     0);
		}
		if (builtin == 60) {
			const int32_t pads_shape[2] = { (int32_t)rank, 2 }, one[1] = { 1 };

			ins[n_in++] = tensor(b, s, T_INT32, pads_shape, 2, 1, 0, 0);
			ins[n_in++] = tensor(b, s, T_INT8, one, take(s) % 2, 1, 0, 0);
		}
		/* The output: the input's shape, or another. */
		memcpy(out_shape, in_shape, sizeof(out_shape));
		for (size_t d = 0; d < rank; d++)
			if (take(s) >= 200)
				out_shape[d] = pick_dim(s);
	} else if (kind == FC) {
		out_shape[0] = in_shape[0];
		out_shape[1] = oc;
	} else {
		out_shape[0] = in_shape[0];
		out_shape[1] = out_size(same, in_shape[1], kh, stride_h, dil_h);
		out_shape[2] = out_size(same, in_shape[2], kw, stride_w, dil_w);
		out_shape[3] = oc;
	}
	out = tensor(b, s, T_INT8, out_shape, rank, 0, 0, 0);
	op.opcode_index = (uint32_t)tb_add_opcode(b, builtin, 1);
	op.inputs = ins;
	op.num_inputs = n_in;
	op.outputs = &out;
	op.num_outputs = 1;
	op.options_type = options_type;
	op.options = opts;
	op.num_options = n_opts;
	if (tb_add_operator(b, &op) < 0 || tb_set_inputs(b, ins, 1) != TB_OK ||
	    tb_set_outputs(b, &out, 1) != TB_OK || tb_finish(b, &model, size) != TB_OK)
		model = NULL;
	tb_free(b);
	return model;
}

/* ---- running it ---------------------------------------------------------------- */

static uint32_t cpu(void)
{
	static uint32_t features;
	static int probed;

	if (!probed) {
		features = cpu_features_probe();
		probed = 1;
	}
	return features;
}

/* The kernel set numbered choice among those this CPU runs. */
static const char *pick_kernels(uint8_t choice)
{
	const char *names[16], *name;
	size_t n = 0;

	for (size_t i = 0; (name = ts_kernels_name(i)) && n < 16; i++)
		if (ts_kernels_check(name, cpu()) == TS_OK)
			names[n++] = name;
	return n ? names[choice % n] : "ref";
}

static void run(const void *model, size_t model_size, const uint8_t *data, size_t size,
		uint8_t kernels, uint8_t arena_class)
{
	const size_t arena_bytes = (size_t)64 * 1024 << (2 * (arena_class % 4));
	ts_interpreter_options opt = { .kernels = pick_kernels(kernels),
				       .cpu_features = cpu() };
	void *arena = NULL;
	ts_interpreter *ip = NULL;
	ts_diag diag;
	ts_status st;

#ifdef TS_DEFAULT_MAX_COST
	opt.max_cost = (uint64_t)1 << 24;
#endif
	if (posix_memalign(&arena, 16, arena_bytes))
		return;
	/* A non-zero pattern: state the interpreter forgets to set up shows. */
	memset(arena, 0xA5, arena_bytes);
	st = ts_interpreter_create_with(&ip, model, model_size, arena, arena_bytes, &opt, &diag);
	if (st != TS_OK) {
		/* diag must be a NUL-terminated sentence. */
		if (!memchr(diag.text, '\0', sizeof(diag.text)))
			abort();
		goto out;
	}

	(void)ts_interpreter_arena_used(ip);
	(void)ts_interpreter_weight_bytes(ip);
	(void)ts_interpreter_macs(ip);
#ifdef TS_DEFAULT_MAX_COST
	if (ts_interpreter_cost(ip) > opt.max_cost)
		abort();
#endif
	(void)ts_interpreter_subgraph_count(ip);
	(void)ts_interpreter_variable_count(ip);
	(void)ts_interpreter_state_bytes(ip);
	for (size_t i = 0; i < ts_interpreter_op_count(ip); i++)
		if (!ts_interpreter_op_name(ip, i))
			abort();
	if (ts_interpreter_arena_used(ip) > arena_bytes)
		abort();

	for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
		ts_tensor *t = ts_interpreter_input(ip, i);
		void *p;

		if (!t)
			abort();
		(void)strlen(ts_interpreter_tensor_name(ip, t));
		p = ts_tensor_data(t);
		if (p)
			fill_from_tail(p, ts_tensor_bytes(t), data, size);
	}
	if (ts_interpreter_input(ip, ts_interpreter_input_count(ip)))
		abort();

	st = ts_interpreter_invoke(ip, &diag);
	/* A model with state: a second step, a reset and a fresh first step. */
	if (st == TS_OK && ts_interpreter_state_bytes(ip)) {
		st = ts_interpreter_invoke(ip, &diag);
		ts_interpreter_reset_state(ip);
		if (st == TS_OK)
			st = ts_interpreter_invoke(ip, &diag);
	}
	if (st == TS_OK) {
		for (size_t i = 0; i < ts_interpreter_output_count(ip); i++) {
			const ts_tensor *t = ts_interpreter_output(ip, i);
			const uint8_t *p;
			volatile uint8_t sink = 0;
			size_t n;

			if (!t)
				abort();
			(void)strlen(ts_interpreter_tensor_name(ip, t));
			(void)ts_tensor_scale(t);
			(void)ts_tensor_zero_point(t);
			for (size_t d = 0; d < ts_tensor_rank(t); d++)
				(void)ts_tensor_dim(t, d);
			p = ts_tensor_data_const(t);
			n = ts_tensor_bytes(t);
			/* Read every output byte: ASan checks it lies in the arena. */
			for (size_t k = 0; p && k < n; k++)
				sink ^= p[k];
			(void)sink;
		}
	}
out:
	free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *model = NULL;
	size_t model_size = size;
	uint8_t kernels = size ? data[size - 1] : 0, arena_class = size > 1 ? data[size - 2] : 0;

	if (size >= 4 && !memcmp(data, "TSop", 4)) {
		struct src s = { data + 4, size - 4 };
		uint8_t *built;

		kernels = take(&s);
		arena_class = take(&s);
		built = build_structured(&s, &model_size);
		if (!built)
			return 0;
		/* Exactly model_size bytes, 16-aligned. */
		if (!posix_memalign(&model, 16, model_size ? model_size : 1))
			memcpy(model, built, model_size);
		free(built);
		if (!model)
			return 0;
	} else {
		/* Exactly size bytes (at least 1 for a valid pointer), 16-aligned. */
		if (posix_memalign(&model, 16, size ? size : 1))
			return 0;
		if (size)
			memcpy(model, data, size);
	}
	run(model, model_size, data, size, kernels, arena_class);
	free(model);
	return 0;
}
