/* SPDX-License-Identifier: MIT */
/*
 * The greedy arena planner, observed through the public API.
 *
 * Only inputs and outputs have visible data pointers, so sharing is checked
 * through ts_interpreter_arena_used(): arena_used = persistent part (the
 * interpreter, tensors, nodes, op params; it does not depend on activation
 * sizes) + planned activations.  Comparing two models that differ only in
 * the activation width D cancels the persistent part:
 *     used(D2) - used(D1) = (live buffers at the peak) * (D2 - D1)
 * when D1 and D2 are multiples of 16 (TS_PLAN_ALIGN) and the plan is larger
 * than the planner's temporary bookkeeping (about 20 bytes per activation,
 * kept in the same bytes: the D values below are chosen well above it).
 *
 * Step numbering used in the comments (the planner's): step 0 = inputs
 * written, operator k runs at step k + 1, the last step = outputs read.
 *
 * All layers use scale 1, zero point 0 everywhere, so a FULLY_CONNECTED with
 * filter g * identity computes exactly clamp(g * x) (multiplier 1.0 is
 * 2^30 with shift 1, exact) and ADD computes exactly clamp(a + b).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "tflite_builder.h"

static _Alignas(16) uint8_t arena[1 << 18];
static _Alignas(16) uint8_t arena2[1 << 18];

enum { MAX_D = 512 };

/* ---- model construction -------------------------------------------------- */

static int add_act(tb_builder *b, int32_t d)
{
	static const float one = 1.0f;
	static const int64_t zero = 0;
	const tb_quant q = { &one, 1, &zero, 1, 0, NULL, 0, NULL, 0 };
	int32_t shape[2] = { 1, d };
	tb_tensor t = { 0 };

	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 2;
	t.quant = &q;
	return tb_add_tensor(b, &t);
}

/* A constant [d, d] filter: gain on the diagonal. */
static int add_gain_filter(tb_builder *b, int32_t d, int gain)
{
	static const float one = 1.0f;
	static const int64_t zero = 0;
	const tb_quant q = { &one, 1, &zero, 1, 0, NULL, 0, NULL, 0 };
	int32_t shape[2] = { d, d };
	int8_t *w = calloc((size_t)d * (size_t)d, 1);
	tb_tensor t = { 0 };
	int idx;

	assert_non_null(w);
	for (int32_t i = 0; i < d; i++)
		w[(size_t)i * (size_t)d + (size_t)i] = (int8_t)gain;
	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 2;
	t.quant = &q;
	t.buffer = (uint32_t)tb_add_buffer(b, w, (size_t)d * (size_t)d);
	idx = tb_add_tensor(b, &t);
	free(w);
	return idx;
}

static void add_fc(tb_builder *b, int opcode, int32_t in, int32_t filter, int32_t out)
{
	static const tb_field opts[] = { TB_FIELD_U8(0, TB_ACT_NONE) };
	int32_t ins[2] = { in, filter };
	tb_operator op = { 0 };

	op.opcode_index = (uint32_t)opcode;
	op.inputs = ins;
	op.num_inputs = 2;
	op.outputs = &out;
	op.num_outputs = 1;
	op.options_type = 8;
	op.options = opts;
	op.num_options = 1;
	assert_true(tb_add_operator(b, &op) >= 0);
}

static void add_add(tb_builder *b, int opcode, int32_t x, int32_t y, int32_t out)
{
	static const tb_field opts[] = { TB_FIELD_U8(0, TB_ACT_NONE) };
	int32_t ins[2] = { x, y };
	tb_operator op = { 0 };

	op.opcode_index = (uint32_t)opcode;
	op.inputs = ins;
	op.num_inputs = 2;
	op.outputs = &out;
	op.num_outputs = 1;
	op.options_type = 11;
	op.options = opts;
	op.num_options = 1;
	assert_true(tb_add_operator(b, &op) >= 0);
}

struct model {
	uint8_t *bytes;
	size_t size;
};

static void finish(tb_builder *b, const int32_t *ins, size_t n_in,
		   const int32_t *outs, size_t n_out, struct model *m)
{
	assert_int_equal(tb_set_inputs(b, ins, n_in), TB_OK);
	assert_int_equal(tb_set_outputs(b, outs, n_out), TB_OK);
	assert_int_equal(tb_finish(b, &m->bytes, &m->size), TB_OK);
	tb_free(b);
}

/* x -> FC(g0) -> FC(g1) -> ... -> FC(g[n-1]) -> output, all [1, d]. */
static void fc_chain(int n, int32_t d, const int *gains, struct model *m)
{
	tb_builder *b = tb_create();
	int fc, x, prev;

	assert_non_null(b);
	fc = tb_add_opcode(b, 9, 1);
	x = add_act(b, d);
	prev = x;
	for (int i = 0; i < n; i++) {
		const int f = add_gain_filter(b, d, gains ? gains[i] : 1);
		const int out = add_act(b, d);

		add_fc(b, fc, prev, f, out);
		prev = out;
	}
	finish(b, &x, 1, &prev, 1, m);
}

/*
 * Skip connection: x -> FC(1) -> a -> FC(2) -> b;  c = ADD(a, b) = 3x.
 *   lifetimes: x [0,1]  a [1,3]  b [2,3]  c [3,4]
 *   greedy (equal sizes, by first use): x@0; a overlaps x -> @D;
 *   b overlaps a only -> @0; c overlaps a and b -> @2D.  Peak: 3 buffers.
 */
static void skip_model(int32_t d, struct model *m)
{
	tb_builder *b = tb_create();
	int fc, add, x, a, bb, c, f1, f2;

	assert_non_null(b);
	fc = tb_add_opcode(b, 9, 1);
	add = tb_add_opcode(b, 0, 1);
	x = add_act(b, d);
	f1 = add_gain_filter(b, d, 1);
	a = add_act(b, d);
	f2 = add_gain_filter(b, d, 2);
	bb = add_act(b, d);
	c = add_act(b, d);
	add_fc(b, fc, x, f1, a);
	add_fc(b, fc, a, f2, bb);
	add_add(b, add, a, bb, c);
	finish(b, &x, 1, &c, 1, m);
}

/*
 * The graph input read by the last operator: a = FC(2)(x); c = ADD(x, a).
 *   lifetimes: x [0,2]  a [1,2]  c [2,3]: all pairwise overlapping, so
 *   nothing may reuse x's bytes and x is intact after invoke.
 */
static void input_kept_model(int32_t d, struct model *m)
{
	tb_builder *b = tb_create();
	int fc, add, x, a, c, f;

	assert_non_null(b);
	fc = tb_add_opcode(b, 9, 1);
	add = tb_add_opcode(b, 0, 1);
	x = add_act(b, d);
	f = add_gain_filter(b, d, 2);
	a = add_act(b, d);
	c = add_act(b, d);
	add_fc(b, fc, x, f, a);
	add_add(b, add, x, a, c);
	finish(b, &x, 1, &c, 1, m);
}

/*
 * Two graph outputs, the first produced early:
 *   x -> FC(1) -> o1 (output) -> FC(2) -> t -> FC(1) -> o2 (output)
 *   lifetimes: x [0,1]  o1 [1,4]  t [2,3]  o2 [3,4]
 *   greedy: x@0; o1@D; t overlaps o1 only -> @0; o2 overlaps o1, t -> @2D.
 *   Peak: 3 buffers; o1 must survive the later operators.
 */
static void early_output_model(int32_t d, struct model *m)
{
	tb_builder *b = tb_create();
	int fc, x, o1, t, o2, f1, f2, f3;
	int32_t outs[2];

	assert_non_null(b);
	fc = tb_add_opcode(b, 9, 1);
	x = add_act(b, d);
	f1 = add_gain_filter(b, d, 1);
	o1 = add_act(b, d);
	f2 = add_gain_filter(b, d, 2);
	t = add_act(b, d);
	f3 = add_gain_filter(b, d, 1);
	o2 = add_act(b, d);
	add_fc(b, fc, x, f1, o1);
	add_fc(b, fc, o1, f2, t);
	add_fc(b, fc, t, f3, o2);
	outs[0] = o1;
	outs[1] = o2;
	finish(b, &x, 1, outs, 2, m);
}

/* ---- helpers -------------------------------------------------------------- */

static ts_interpreter *create_in(const struct model *m, uint8_t *a, size_t a_size)
{
	ts_interpreter *ip = NULL;
	ts_diag diag = { { 0 } };
	ts_status st = ts_interpreter_create(&ip, m->bytes, m->size, a, a_size, &diag);

	if (st != TS_OK)
		fail_msg("create: %s: %s", ts_status_str(st), diag.text);
	return ip;
}

static ts_interpreter *create(const struct model *m)
{
	return create_in(m, arena, sizeof(arena));
}

static size_t used_of(const struct model *m)
{
	return ts_interpreter_arena_used(create(m));
}

static void free_model(struct model *m)
{
	free(m->bytes);
	m->bytes = NULL;
}

static int8_t clamp8(int v)
{
	return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

/* Input pattern: small values of both signs. */
static void fill_input(int8_t *x, int32_t d, int seed)
{
	for (int32_t i = 0; i < d; i++)
		x[i] = (int8_t)((i * 7 + seed * 13) % 41 - 20);
}

static void invoke(ts_interpreter *ip)
{
	ts_diag diag = { { 0 } };
	ts_status st = ts_interpreter_invoke(ip, &diag);

	if (st != TS_OK)
		fail_msg("invoke: %s: %s", ts_status_str(st), diag.text);
}

static int ranges_overlap(const void *a, size_t na, const void *b, size_t nb)
{
	const uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return pa < pb + nb && pb < pa + na;
}

/* ---- sharing --------------------------------------------------------------- */

/*
 * A chain of N FULLY_CONNECTED layers of equal width D: each intermediate
 * lives from the step that writes it to the step that reads it, so at any
 * step only two tensors are live (the layer's input and output).
 *   lifetimes: x [0,1], t1 [1,2], t2 [2,3], ..., tN [N, N+1]
 *   greedy: x@0, t1@D, t2@0, t3@D, ...: 2D bytes of activations.
 * Without sharing it would be (N+1) * D.  N is odd here: then the output
 * (tN@D) does not land on the input (x@0) either; for even N two buffers
 * are only possible by putting the output on the input's bytes (see
 * test_outputs_may_reuse_input_bytes).
 */
static void test_chain_needs_two_buffers(void **state)
{
	(void)state;
	for (int n = 1; n <= 7; n += 2) {
		struct model m1, m2, m3;
		size_t u1, u2, u3;

		/* D >= 128: 2 * D stays above the bookkeeping of up to 9
		 * activations (about 9 * 20 bytes). */
		fc_chain(n, 128, NULL, &m1);
		fc_chain(n, 192, NULL, &m2);
		fc_chain(n, 320, NULL, &m3);
		u1 = used_of(&m1);
		u2 = used_of(&m2);
		u3 = used_of(&m3);
		/* 2 live buffers: +2 * 64 and +2 * 128. */
		if (u2 - u1 != 2 * 64 || u3 - u2 != 2 * 128)
			fail_msg("chain of %d: arena_used %zu / %zu / %zu for D = 128 / 192 / 320; "
				 "expected steps of 128 and 256 (two live buffers)",
				 n, u1, u2, u3);
		/* Strictly less than the sum of all activations (for n = 1 both
		 * tensors are live at step 1: the sum). */
		if (n > 1)
			assert_true(u3 - u1 < (size_t)(n + 1) * (320 - 128));
		free_model(&m1);
		free_model(&m2);
		free_model(&m3);
	}
}

/* The persistent part grows with the number of layers, the activation part
 * does not: chains of 3 and 7 layers differ by the same amount whatever D. */
static void test_chain_activation_part_independent_of_length(void **state)
{
	struct model a, b, c, d;
	size_t ua, ub, uc, ud;

	(void)state;
	fc_chain(3, 128, NULL, &a);
	fc_chain(7, 128, NULL, &b);
	fc_chain(3, 256, NULL, &c);
	fc_chain(7, 256, NULL, &d);
	ua = used_of(&a);
	ub = used_of(&b);
	uc = used_of(&c);
	ud = used_of(&d);
	/* (persistent(7) + 2*128) - (persistent(3) + 2*128)
	 *   == (persistent(7) + 2*256) - (persistent(3) + 2*256) */
	assert_int_equal(ub - ua, ud - uc);
	assert_true(ub > ua);
	free_model(&a);
	free_model(&b);
	free_model(&c);
	free_model(&d);
}

/* Tensor sizes are rounded up to 16 bytes: D = 33 and D = 48 plan the same
 * bytes, D = 49 takes 2 * 16 more (two live buffers of 64 instead of 48).
 * One layer of width D, so the persistent part is the same in all three. */
static void test_sizes_are_16_byte_aligned(void **state)
{
	struct model a, b, c;
	size_t ua, ub, uc;

	(void)state;
	/* A 1-layer chain: x [0,1] and t1 [1,2] overlap at step 1, 2 buffers. */
	fc_chain(1, 97, NULL, &a);  /* 97 -> 112 */
	fc_chain(1, 112, NULL, &b); /* 112 */
	fc_chain(1, 113, NULL, &c); /* 113 -> 128 */
	ua = used_of(&a);
	ub = used_of(&b);
	uc = used_of(&c);
	assert_int_equal(ua, ub);
	assert_int_equal(uc - ub, 2 * 16);
	free_model(&a);
	free_model(&b);
	free_model(&c);
}

/* Overlapping lifetimes never share: the skip connection needs 3 buffers
 * at its peak (see skip_model), one more than a chain. */
static void test_overlapping_lifetimes_do_not_share(void **state)
{
	struct model m1, m2;
	size_t u1, u2;
	int8_t x[MAX_D];

	(void)state;
	skip_model(64, &m1);
	skip_model(192, &m2);
	u1 = used_of(&m1);
	u2 = used_of(&m2);
	if (u2 - u1 != 3 * (192 - 64))
		fail_msg("skip connection: arena_used %zu / %zu for D = 64 / 192; expected a step of %d",
			 u1, u2, 3 * (192 - 64));
	/* Were a and b (or a and c) to share bytes, c would not be 3x. */
	{
		ts_interpreter *ip = create(&m2);
		ts_tensor *in = ts_interpreter_input(ip, 0);
		const int8_t *out;

		fill_input(x, 192, 1);
		memcpy(ts_tensor_data(in), x, 192);
		invoke(ip);
		out = ts_tensor_data_const(ts_interpreter_output(ip, 0));
		for (int i = 0; i < 192; i++)
			assert_int_equal(out[i], clamp8(3 * x[i]));
	}
	free_model(&m1);
	free_model(&m2);
}

/* An output produced early stays intact while later operators run. */
static void test_early_output_survives(void **state)
{
	struct model m1, m2;
	size_t u1, u2;
	int8_t x[MAX_D];
	ts_interpreter *ip;
	const int8_t *o1, *o2;

	(void)state;
	early_output_model(64, &m1);
	early_output_model(128, &m2);
	u1 = used_of(&m1);
	u2 = used_of(&m2);
	/* 3 live buffers at the peak (see early_output_model). */
	assert_int_equal(u2 - u1, 3 * 64);
	ip = create(&m2);
	assert_int_equal(ts_interpreter_output_count(ip), 2);
	fill_input(x, 128, 2);
	memcpy(ts_tensor_data(ts_interpreter_input(ip, 0)), x, 128);
	invoke(ip);
	o1 = ts_tensor_data_const(ts_interpreter_output(ip, 0));
	o2 = ts_tensor_data_const(ts_interpreter_output(ip, 1));
	assert_false(ranges_overlap(o1, 128, o2, 128));
	for (int i = 0; i < 128; i++) {
		assert_int_equal(o1[i], x[i]);           /* FC(1) */
		assert_int_equal(o2[i], clamp8(2 * x[i])); /* FC(2) then FC(1) */
	}
	free_model(&m1);
	free_model(&m2);
}

/* ---- inputs and outputs ------------------------------------------------------ */

/*
 * The input tensor's bytes belong to the plan like any activation: once the
 * last operator reading it has run, later tensors may reuse them.  So the
 * caller must write the inputs before every invoke (tensor.h says so) and
 * must not expect them intact afterwards -- unless, as here, the input is
 * read by the last operator: then nothing can reuse it.
 */
static void test_input_read_by_last_op_stays_intact(void **state)
{
	struct model m;
	int8_t x[128], first[128];
	ts_interpreter *ip;
	ts_tensor *in;
	const int8_t *out;

	(void)state;
	input_kept_model(128, &m);
	ip = create(&m);
	in = ts_interpreter_input(ip, 0);
	fill_input(x, 128, 3);
	memcpy(ts_tensor_data(in), x, 128);
	invoke(ip);
	assert_memory_equal(ts_tensor_data(in), x, 128);
	out = ts_tensor_data_const(ts_interpreter_output(ip, 0));
	for (int i = 0; i < 128; i++)
		assert_int_equal(out[i], clamp8(3 * x[i])); /* x + 2x */
	memcpy(first, out, 128);
	/* Invoking again without rewriting the (intact) input: same bytes. */
	invoke(ip);
	assert_memory_equal(out, first, 128);
	free_model(&m);
}

/*
 * In a chain the input is consumed by the first operator; afterwards its
 * bytes may hold an intermediate (chain of 3: x@0, t1@D, t2@0).  Rewriting
 * the input before each invoke gives the same result every time.
 */
static void test_repeated_invokes_identical(void **state)
{
	const int gains[3] = { 2, 1, 1 };
	struct model m;
	int8_t x[256], expect[256];
	ts_interpreter *ip;
	ts_tensor *in;
	const ts_tensor *out;

	(void)state;
	fc_chain(3, 256, gains, &m);
	ip = create(&m);
	in = ts_interpreter_input(ip, 0);
	out = ts_interpreter_output(ip, 0);
	fill_input(x, 256, 4);
	for (int i = 0; i < 256; i++)
		expect[i] = clamp8(2 * x[i]);
	for (int k = 0; k < 5; k++) {
		memcpy(ts_tensor_data(in), x, 256);
		invoke(ip);
		assert_memory_equal(ts_tensor_data_const(out), expect, 256);
	}
	/* Interleaved with other inputs, too. */
	for (int k = 0; k < 5; k++) {
		int8_t y[256];

		fill_input(y, 256, 10 + k);
		memcpy(ts_tensor_data(in), y, 256);
		invoke(ip);
		for (int i = 0; i < 256; i++)
			assert_int_equal(((const int8_t *)ts_tensor_data_const(out))[i],
					 clamp8(2 * y[i]));
		memcpy(ts_tensor_data(in), x, 256);
		invoke(ip);
		assert_memory_equal(ts_tensor_data_const(out), expect, 256);
	}
	free_model(&m);
}

/*
 * Graph outputs may share bytes with graph inputs once the inputs are
 * consumed (TFLite Micro plans the same way, and the arena bound depends on
 * it): tensor.h says an output is valid after invoke until the caller writes
 * the next inputs.  In a chain of an even number N of layers the greedy plan
 * (x@0, t1@D, t2@0, ..., tN@0) puts the output on the input's bytes, so
 * even chains need the same two buffers as odd ones.
 */
static void test_outputs_may_reuse_input_bytes(void **state)
{
	const int32_t d = MAX_D;

	(void)state;
	for (int n = 2; n <= 6; n += 2) {
		struct model odd, even;
		size_t grew;

		fc_chain(n - 1, d, NULL, &odd);
		fc_chain(n, d, NULL, &even);
		/* One more layer adds its persistent state (a few hundred bytes
		 * for the node, its tensors and its weights' metadata) and the
		 * weights live in the model, not the arena: a third activation
		 * buffer would add d more. */
		grew = used_of(&even) - used_of(&odd);
		if (grew >= (size_t)d)
			fail_msg("chain %d -> %d layers grew the arena by %zu bytes (>= %d: a third buffer)",
				 n - 1, n, grew, d);
		free_model(&odd);
		free_model(&even);
	}
}

/* The contract as a caller sees it: write input A, invoke, read A's output
 * before writing the next input; then B the same way. */
static void test_output_valid_until_next_input(void **state)
{
	struct model m;
	int8_t a[64], b[64];
	ts_interpreter *ip;

	(void)state;
	fc_chain(2, 64, NULL, &m); /* identity twice: out = x */
	ip = create(&m);
	fill_input(a, 64, 5);
	fill_input(b, 64, 6);
	memcpy(ts_tensor_data(ts_interpreter_input(ip, 0)), a, 64);
	invoke(ip);
	assert_memory_equal(ts_tensor_data_const(ts_interpreter_output(ip, 0)), a, 64);
	memcpy(ts_tensor_data(ts_interpreter_input(ip, 0)), b, 64);
	invoke(ip);
	assert_memory_equal(ts_tensor_data_const(ts_interpreter_output(ip, 0)), b, 64);
	free_model(&m);
}

/* ---- the arena size ---------------------------------------------------------- */

/* arena_used does not depend on how big the arena is (for 16-aligned arenas
 * of 16-multiple sizes), an arena of exactly arena_used bytes works and
 * gives the same results, one byte less does not. */
static void test_arena_used_is_exact(void **state)
{
	struct model models[4];
	const int gains[3] = { 2, 1, 1 };

	(void)state;
	fc_chain(3, 96, gains, &models[0]);
	skip_model(80, &models[1]);
	early_output_model(48, &models[2]);
	input_kept_model(32, &models[3]);
	for (int k = 0; k < 4; k++) {
		const struct model *m = &models[k];
		const size_t used = used_of(m);
		const size_t d = ts_tensor_bytes(ts_interpreter_input(create(m), 0));
		int8_t x[MAX_D], ref[MAX_D];
		ts_interpreter *ip;
		ts_diag diag = { { 0 } };

		for (size_t size = used + 16; size < sizeof(arena); size = size * 2 + 16) {
			ip = create_in(m, arena, size & ~(size_t)15);
			assert_int_equal(ts_interpreter_arena_used(ip), used);
		}
		/* Reference output in the big arena. */
		fill_input(x, (int32_t)d, 7);
		ip = create(m);
		memcpy(ts_tensor_data(ts_interpreter_input(ip, 0)), x, d);
		invoke(ip);
		memcpy(ref, ts_tensor_data_const(ts_interpreter_output(ip, 0)), d);
		/* Exactly arena_used bytes, in another arena. */
		ip = NULL;
		if (ts_interpreter_create(&ip, m->bytes, m->size, arena2, used, &diag) != TS_OK)
			fail_msg("model %d: arena of exactly arena_used = %zu bytes refused: %s",
				 k, used, diag.text);
		assert_int_equal(ts_interpreter_arena_used(ip), used);
		memcpy(ts_tensor_data(ts_interpreter_input(ip, 0)), x, d);
		invoke(ip);
		assert_memory_equal(ts_tensor_data_const(ts_interpreter_output(ip, 0)), ref, d);
		/* Everything the interpreter touches is inside those bytes. */
		assert_true((uint8_t *)ts_tensor_data(ts_interpreter_input(ip, 0)) >= arena2);
		assert_true((uint8_t *)ts_tensor_data(ts_interpreter_input(ip, 0)) + d <= arena2 + used);
		/* One byte less. */
		assert_int_equal(ts_interpreter_create(&ip, m->bytes, m->size, arena2, used - 1, &diag),
				 TS_ERR_ARENA_TOO_SMALL);
		assert_non_null(strstr(diag.text, "arena"));
	}
	for (int k = 0; k < 4; k++)
		free_model(&models[k]);
}

/* Two interpreters on one model in two arenas are independent. */
static void test_two_interpreters_one_model(void **state)
{
	const int gains[2] = { 2, 1 };
	struct model m;
	int8_t x[128], y[128];
	ts_interpreter *a, *b;
	const int8_t *oa, *ob;

	(void)state;
	fc_chain(2, 128, gains, &m);
	a = create_in(&m, arena, sizeof(arena));
	b = create_in(&m, arena2, sizeof(arena2));
	fill_input(x, 128, 8);
	fill_input(y, 128, 9);
	memcpy(ts_tensor_data(ts_interpreter_input(a, 0)), x, 128);
	memcpy(ts_tensor_data(ts_interpreter_input(b, 0)), y, 128);
	invoke(a);
	invoke(b);
	oa = ts_tensor_data_const(ts_interpreter_output(a, 0));
	ob = ts_tensor_data_const(ts_interpreter_output(b, 0));
	for (int i = 0; i < 128; i++) {
		assert_int_equal(oa[i], clamp8(2 * x[i]));
		assert_int_equal(ob[i], clamp8(2 * y[i]));
	}
	free_model(&m);
}

/* ---- many tensors: the interval tree, the limits ----------------------------- */

/* x -> RELU -> ... -> RELU (n operators, n + 1 activations of [1, d]). */
static void relu_chain(int n, int32_t d, struct model *m)
{
	tb_builder *b = tb_create();
	int relu, x, prev;

	assert_non_null(b);
	relu = tb_add_opcode(b, 19, 1);
	x = add_act(b, d);
	prev = x;
	for (int i = 0; i < n; i++) {
		const int out = add_act(b, d);
		tb_operator op = { 0 };

		op.opcode_index = (uint32_t)relu;
		op.inputs = &prev;
		op.num_inputs = 1;
		op.outputs = &out;
		op.num_outputs = 1;
		assert_true(tb_add_operator(b, &op) >= 0);
		prev = out;
	}
	finish(b, &x, 1, &prev, 1, m);
}

/*
 * Nested lifetimes: t[0..k-1] = RELU(x), each from x, then
 * u1 = ADD(t[k-1], t[k-2]), u2 = ADD(u1, t[k-3]), ..., so that t[0] lives
 * until the last operator and the t overlap pairwise: k + 1 buffers at the
 * peak (x or u1 with every t).
 */
static void nested_model(int k, int32_t d, struct model *m)
{
	tb_builder *b = tb_create();
	int relu, add, x, prev;
	int32_t t[1024];

	assert_non_null(b);
	assert_true(k <= 1024);
	relu = tb_add_opcode(b, 19, 1);
	add = tb_add_opcode(b, 0, 1);
	x = add_act(b, d);
	for (int i = 0; i < k; i++) {
		tb_operator op = { 0 };

		t[i] = add_act(b, d);
		op.opcode_index = (uint32_t)relu;
		op.inputs = &x;
		op.num_inputs = 1;
		op.outputs = &t[i];
		op.num_outputs = 1;
		assert_true(tb_add_operator(b, &op) >= 0);
	}
	prev = t[k - 1];
	for (int i = k - 1; i-- > 0;) {
		const int out = add_act(b, d);

		add_add(b, add, prev, t[i], out);
		prev = out;
	}
	finish(b, &x, 1, &prev, 1, m);
}

static ts_status create_with(const struct model *m, const ts_interpreter_options *opt,
			     uint8_t *a, size_t a_size, ts_interpreter **ip, ts_diag *diag)
{
	return ts_interpreter_create_with(ip, m->bytes, m->size, a, a_size, opt, diag);
}

/* Past 256 activations the planner places through its interval tree: a
 * long chain still needs two buffers, and runs right. */
static void test_long_chain_needs_two_buffers(void **state)
{
	const size_t big = 8u << 20;
	uint8_t *a = aligned_alloc(16, big);
	const int32_t d1 = 8192, d2 = 16384;
	struct model m1, m2;
	ts_interpreter *ip = NULL;
	ts_diag diag;
	size_t u1, u2;
	int8_t x[16384];

	(void)state;
	assert_non_null(a);
	relu_chain(300, d1, &m1);
	relu_chain(300, d2, &m2);
	assert_int_equal(create_with(&m1, NULL, a, big, &ip, &diag), TS_OK);
	u1 = ts_interpreter_arena_used(ip);
	assert_int_equal(create_with(&m2, NULL, a, big, &ip, &diag), TS_OK);
	u2 = ts_interpreter_arena_used(ip);
	assert_int_equal(u2 - u1, 2 * (size_t)(d2 - d1));
	for (int32_t i = 0; i < d2; i++)
		x[i] = (int8_t)(i % 251 - 125);
	memcpy(ts_tensor_data(ts_interpreter_input(ip, 0)), x, (size_t)d2);
	invoke(ip);
	for (int32_t i = 0; i < d2; i++)
		if (((const int8_t *)ts_tensor_data_const(ts_interpreter_output(ip, 0)))[i] !=
		    (x[i] > 0 ? x[i] : 0))
			fail_msg("output %d wrong", (int)i);
	free_model(&m1);
	free_model(&m2);
	free(a);
}

/* Nested lifetimes through the tree: every t overlaps every other and
 * the result is exact. */
static void test_nested_lifetimes_through_the_tree(void **state)
{
	const size_t big = 8u << 20;
	uint8_t *a = aligned_alloc(16, big);
	const int k = 200; /* 1 + 200 + 199 activations */
	struct model m1, m2;
	ts_interpreter *ip = NULL;
	ts_diag diag;
	size_t u1, u2;

	(void)state;
	assert_non_null(a);
	nested_model(k, 1024, &m1);
	nested_model(k, 2048, &m2);
	assert_int_equal(create_with(&m1, NULL, a, big, &ip, &diag), TS_OK);
	u1 = ts_interpreter_arena_used(ip);
	assert_int_equal(create_with(&m2, NULL, a, big, &ip, &diag), TS_OK);
	u2 = ts_interpreter_arena_used(ip);
	/* At the first ADD: x is dead, t1..tk and the ADD's output live. */
	assert_int_equal(u2 - u1, (size_t)(k + 1) * 1024);
	memset(ts_tensor_data(ts_interpreter_input(ip, 0)), 0, 2048);
	((int8_t *)ts_tensor_data(ts_interpreter_input(ip, 0)))[5] = 1;
	invoke(ip);
	/* 1 added k times, then clamped. */
	assert_int_equal(((const int8_t *)ts_tensor_data_const(ts_interpreter_output(ip, 0)))[5],
			 clamp8(k));
	assert_int_equal(((const int8_t *)ts_tensor_data_const(ts_interpreter_output(ip, 0)))[4], 0);
	free_model(&m1);
	free_model(&m2);
	free(a);
}

/* Planning work, operators and tensors beyond the options' limits are
 * refused, naming the limit; at the limit they are not. */
static void test_limits_refused_by_name(void **state)
{
	const size_t big = 8u << 20;
	uint8_t *a = aligned_alloc(16, big);
	ts_interpreter_options opt = { 0 };
	struct model chain, nested;
	ts_interpreter *ip = NULL;
	ts_diag diag;

	(void)state;
	assert_non_null(a);
	relu_chain(50, 16, &chain);
	opt.max_operators = 49;
	assert_int_equal(create_with(&chain, &opt, a, big, &ip, &diag), TS_ERR_UNSUPPORTED);
	assert_non_null(strstr(diag.text, "max_operators"));
	opt.max_operators = 50;
	assert_int_equal(create_with(&chain, &opt, a, big, &ip, &diag), TS_OK);
	opt.max_tensors = 50;
	assert_int_equal(create_with(&chain, &opt, a, big, &ip, &diag), TS_ERR_UNSUPPORTED);
	assert_non_null(strstr(diag.text, "max_tensors"));
	opt.max_tensors = 51;
	assert_int_equal(create_with(&chain, &opt, a, big, &ip, &diag), TS_OK);

	/* 400 activations that overlap pairwise: quadratic by nature. */
	nested_model(200, 16, &nested);
	assert_int_equal(create_with(&nested, NULL, a, big, &ip, &diag), TS_OK);
	opt = (ts_interpreter_options){ .max_plan_work = 10000 };
	assert_int_equal(create_with(&nested, &opt, a, big, &ip, &diag), TS_ERR_UNSUPPORTED);
	assert_non_null(strstr(diag.text, "max_plan_work"));
	/* The defaults refuse a 20000-operator model by its operators. */
	free_model(&chain);
	relu_chain(20000, 16, &chain);
	assert_int_equal(create_with(&chain, NULL, a, big, &ip, &diag), TS_ERR_UNSUPPORTED);
	assert_non_null(strstr(diag.text, "max_operators"));
	free_model(&chain);
	free_model(&nested);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_needs_two_buffers),
		cmocka_unit_test(test_chain_activation_part_independent_of_length),
		cmocka_unit_test(test_sizes_are_16_byte_aligned),
		cmocka_unit_test(test_overlapping_lifetimes_do_not_share),
		cmocka_unit_test(test_early_output_survives),
		cmocka_unit_test(test_input_read_by_last_op_stays_intact),
		cmocka_unit_test(test_repeated_invokes_identical),
		cmocka_unit_test(test_outputs_may_reuse_input_bytes),
		cmocka_unit_test(test_output_valid_until_next_input),
		cmocka_unit_test(test_arena_used_is_exact),
		cmocka_unit_test(test_two_interpreters_one_model),
		cmocka_unit_test(test_long_chain_needs_two_buffers),
		cmocka_unit_test(test_nested_lifetimes_through_the_tree),
		cmocka_unit_test(test_limits_refused_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
