/* SPDX-License-Identifier: MIT */
/*
 * Streaming state: CALL_ONCE, VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE
 * across two subgraphs (a delay line: each invoke outputs the previous
 * invoke's input), ts_interpreter_reset_state, the variables' default
 * fill, the verifier's refusals; and SPLIT_V.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "op_model.h"

enum {
	OP_CONCATENATION = 2, OP_SPLIT_V = 102, OP_CALL_ONCE = 129,
	OP_VAR_HANDLE = 142, OP_READ_VARIABLE = 143, OP_ASSIGN_VARIABLE = 144,
	OPT_SPLIT_V = 79, OPT_CALL_ONCE = 103, OPT_VAR_HANDLE = 111,
	TYPE_RESOURCE = 13,
};

static _Alignas(16) uint8_t arena[1 << 16];

/* A [1,n] int8 tensor, scale 0.5 and zero point zp; constant when data. */
static int t_i8(tb_builder *b, int32_t n, int64_t zp, const int8_t *data)
{
	const int32_t shape[2] = { 1, n };
	const float scale = 0.5f;
	const tb_quant q = { &scale, 1, &zp, 1, 0, NULL, 0, NULL, 0 };
	tb_tensor t = { 0 };

	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 2;
	t.quant = &q;
	if (data)
		t.buffer = (uint32_t)tb_add_buffer(b, data, (size_t)n);
	return tb_add_tensor(b, &t);
}

/* A scalar tensor of a type (a variable handle when TYPE_RESOURCE). */
static int t_scalar(tb_builder *b, int type)
{
	tb_tensor t = { 0 };

	t.type = type;
	return tb_add_tensor(b, &t);
}

static void add_op(tb_builder *b, int32_t builtin, const int32_t *in, size_t n_in,
		   const int32_t *out, size_t n_out, uint8_t options_type,
		   const tb_field *options, size_t n_options)
{
	tb_operator op = { 0 };

	op.opcode_index = (uint32_t)tb_add_opcode(b, builtin, 1);
	op.inputs = in;
	op.num_inputs = n_in;
	op.outputs = out;
	op.num_outputs = n_out;
	op.options_type = options_type;
	op.options = options;
	op.num_options = n_options;
	assert_true(tb_add_operator(b, &op) >= 0);
}

static void var_handle(tb_builder *b, int32_t handle, const char *shared_name)
{
	const tb_field opt[] = { TB_FIELD_STRING(0, ""), TB_FIELD_STRING(1, shared_name) };

	add_op(b, OP_VAR_HANDLE, NULL, 0, &handle, 1, OPT_VAR_HANDLE, opt, 2);
}

static void call_once(tb_builder *b, int32_t subgraph)
{
	const tb_field opt[] = { TB_FIELD_I32(0, subgraph) };

	add_op(b, OP_CALL_ONCE, NULL, 0, NULL, 0, OPT_CALL_ONCE, opt, 1);
}

static void read_var(tb_builder *b, int32_t handle, int32_t out)
{
	add_op(b, OP_READ_VARIABLE, &handle, 1, &out, 1, 0, NULL, 0);
}

static void assign_var(tb_builder *b, int32_t handle, int32_t value)
{
	const int32_t in[2] = { handle, value };

	add_op(b, OP_ASSIGN_VARIABLE, in, 2, NULL, 0, 0, NULL, 0);
}

static const int8_t init4[4] = { 1, 2, 3, 4 };

/* The delay line.  Subgraph 0: x [1,4] (zero point -5) -> y [1,4]:
 * [CALL_ONCE 1], VAR_HANDLE "delay" -> h, READ h -> y, ASSIGN h <- x.
 * Subgraph 1 (with_init): VAR_HANDLE "delay", ASSIGN init4. */
static void delay_line(tb_builder *b, bool with_init)
{
	int32_t x, y, h;

	x = t_i8(b, 4, -5, NULL);
	y = t_i8(b, 4, -5, NULL);
	h = t_scalar(b, TYPE_RESOURCE);
	if (with_init)
		call_once(b, 1);
	var_handle(b, h, "delay");
	read_var(b, h, y);
	assign_var(b, h, x);
	assert_int_equal(tb_set_inputs(b, &x, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &y, 1), TB_OK);
	if (with_init) {
		assert_int_equal(tb_add_subgraph(b), 1);
		h = t_scalar(b, TYPE_RESOURCE);
		var_handle(b, h, "delay");
		assign_var(b, h, t_i8(b, 4, -5, init4));
		assert_int_equal(tb_set_inputs(b, NULL, 0), TB_OK);
		assert_int_equal(tb_set_outputs(b, NULL, 0), TB_OK);
	}
}

/* Finishes b into *model and creates an interpreter in the static arena. */
static ts_status create(tb_builder *b, uint8_t **model, ts_interpreter **ip, ts_diag *diag)
{
	size_t size;

	assert_int_equal(tb_finish(b, model, &size), TB_OK);
	tb_free(b);
	return ts_interpreter_create(ip, *model, size, arena, sizeof(arena), diag);
}

static void step(ts_interpreter *ip, int8_t x0, const int8_t want[4])
{
	ts_diag diag;
	int8_t *x = ts_tensor_data(ts_interpreter_input(ip, 0));

	for (int i = 0; i < 4; i++)
		x[i] = (int8_t)(x0 + i);
	if (ts_interpreter_invoke(ip, &diag) != TS_OK)
		fail_msg("invoke: %s", diag.text);
	assert_memory_equal(ts_tensor_data_const(ts_interpreter_output(ip, 0)), want, 4);
}

/* Each invoke outputs the previous input; the first, what CALL_ONCE's
 * subgraph assigned; after a reset, that again. */
static void test_delay_line_state_and_reset(void **state)
{
	const int8_t a[4] = { 10, 11, 12, 13 }, c[4] = { 30, 31, 32, 33 };
	tb_builder *b = tb_create();
	uint8_t *model;
	ts_interpreter *ip;
	ts_diag diag;

	(void)state;
	delay_line(b, true);
	if (create(b, &model, &ip, &diag))
		fail_msg("create: %s", diag.text);
	assert_int_equal(ts_interpreter_subgraph_count(ip), 2);
	assert_int_equal(ts_interpreter_variable_count(ip), 1);
	assert_int_equal(ts_interpreter_state_bytes(ip), 4);
	assert_int_equal(ts_interpreter_op_count(ip), 6);
	assert_string_equal(ts_interpreter_op_name(ip, 0), "CALL_ONCE");
	assert_string_equal(ts_interpreter_op_name(ip, 5), "ASSIGN_VARIABLE");
	assert_null(ts_interpreter_op_name(ip, 6));
	step(ip, 10, init4);
	step(ip, 20, a);
	step(ip, 30, (const int8_t[4]){ 20, 21, 22, 23 });
	step(ip, 40, c);
	ts_interpreter_reset_state(ip);
	step(ip, 50, init4);
	step(ip, 60, (const int8_t[4]){ 50, 51, 52, 53 });
	free(model);
}

/* Without an initializer a variable starts as TFLite Micro fills it: its
 * first value's zero point (-5), as int8, in every byte. */
static void test_variable_default_fill(void **state)
{
	const int8_t zp[4] = { -5, -5, -5, -5 };
	tb_builder *b = tb_create();
	uint8_t *model;
	ts_interpreter *ip;
	ts_diag diag;

	(void)state;
	delay_line(b, false);
	if (create(b, &model, &ip, &diag))
		fail_msg("create: %s", diag.text);
	assert_int_equal(ts_interpreter_subgraph_count(ip), 1);
	step(ip, 7, zp);
	step(ip, 9, (const int8_t[4]){ 7, 8, 9, 10 });
	ts_interpreter_reset_state(ip);
	step(ip, 1, zp);
	free(model);
}

/* VAR_HANDLE (container, shared_name): equal names are one variable, in
 * any subgraph; an absent container matches any; other containers or
 * names are other variables. */
static void test_variable_identity(void **state)
{
	static const struct {
		const char *c0, *n0, *c1, *n1;
		size_t vars;
	} k[] = {
		{ "a", "v", "a", "v", 1 },
		{ "a", "v", NULL, "v", 1 },
		{ "a", "v", "b", "v", 2 },
		{ "", "v", "", "w", 2 },
	};

	(void)state;
	for (size_t i = 0; i < N_OF(k); i++) {
		tb_builder *b = tb_create();
		uint8_t *model;
		ts_interpreter *ip;
		ts_diag diag;
		int32_t x = t_i8(b, 4, 0, NULL), y = t_i8(b, 4, 0, NULL), h, h2;
		const tb_field o0[] = { TB_FIELD_STRING(0, k[i].c0), TB_FIELD_STRING(1, k[i].n0) };
		const tb_field o1[] = { TB_FIELD_STRING(1, k[i].n1), TB_FIELD_STRING(0, k[i].c1) };

		h = t_scalar(b, TYPE_RESOURCE);
		add_op(b, OP_VAR_HANDLE, NULL, 0, &h, 1, OPT_VAR_HANDLE, o0, 2);
		assign_var(b, h, x);
		h2 = t_scalar(b, TYPE_RESOURCE);
		add_op(b, OP_VAR_HANDLE, NULL, 0, &h2, 1, OPT_VAR_HANDLE, o1, k[i].c1 ? 2 : 1);
		assign_var(b, h2, x);
		read_var(b, h, y);
		tb_set_inputs(b, &x, 1);
		tb_set_outputs(b, &y, 1);
		if (create(b, &model, &ip, &diag))
			fail_msg("case %zu: %s", i, diag.text);
		assert_int_equal(ts_interpreter_variable_count(ip), k[i].vars);
		assert_int_equal(ts_interpreter_state_bytes(ip), 4 * k[i].vars);
		free(model);
	}
}

/* More subgraphs than lib/ takes are refused by name. */
static void test_too_many_subgraphs(void **state)
{
	tb_builder *b = tb_create();
	uint8_t *model;
	ts_interpreter *ip;
	ts_diag diag;

	(void)state;
	delay_line(b, true);
	for (int i = 2; i < 17; i++)
		assert_int_equal(tb_add_subgraph(b), i);
	assert_int_equal(create(b, &model, &ip, &diag), TS_ERR_UNSUPPORTED);
	assert_string_equal(diag.text, "model has 17 subgraphs, at most 16 are supported");
	free(model);
}

/* A stateless model reports no state, and reset changes nothing. */
static void test_stateless_model(void **state)
{
	const int8_t in[4] = { 1, 2, 3, 4 };
	tb_builder *b = tb_create();
	uint8_t *model;
	ts_interpreter *ip;
	ts_diag diag;
	int32_t x, y, ins[2];

	(void)state;
	x = t_i8(b, 4, 0, NULL);
	y = t_i8(b, 8, 0, NULL);
	ins[0] = x;
	ins[1] = t_i8(b, 4, 0, in);
	add_op(b, OP_CONCATENATION, ins, 2, &y, 1, 10,
	       (const tb_field[]){ TB_FIELD_I32(0, -1) }, 1);
	tb_set_inputs(b, &x, 1);
	tb_set_outputs(b, &y, 1);
	if (create(b, &model, &ip, &diag))
		fail_msg("create: %s", diag.text);
	assert_int_equal(ts_interpreter_variable_count(ip), 0);
	assert_int_equal(ts_interpreter_state_bytes(ip), 0);
	ts_interpreter_reset_state(ip);
	free(model);
}

enum bad_model {
	BAD_READ_NEVER_ASSIGNED,
	BAD_HANDLE_NOT_RESOURCE,
	BAD_READ_OF_INT8,
	BAD_HANDLE_WITHOUT_VAR_HANDLE,
	BAD_CALL_ONCE_OUT_OF_RANGE,
	BAD_CALL_ONCE_WITH_INPUTS,
	BAD_CALL_ONCE_RECURSION,
	BAD_ASSIGN_SIZES_DIFFER,
	BAD_READ_SIZE,
	BAD_TOO_MANY_VARIABLES,
	BAD_NO_SHARED_NAME,
};

static void build_bad(tb_builder *b, enum bad_model k)
{
	int32_t x = t_i8(b, 4, 0, NULL), y = t_i8(b, 4, 0, NULL), h, sub;

	switch (k) {
	case BAD_READ_NEVER_ASSIGNED:
		h = t_scalar(b, TYPE_RESOURCE);
		var_handle(b, h, "v");
		read_var(b, h, y);
		break;
	case BAD_HANDLE_NOT_RESOURCE:
		h = t_scalar(b, TB_TYPE_INT32);
		var_handle(b, h, "v");
		read_var(b, h, y);
		break;
	case BAD_READ_OF_INT8:
		read_var(b, x, y);
		break;
	case BAD_HANDLE_WITHOUT_VAR_HANDLE:
		h = t_scalar(b, TYPE_RESOURCE);
		read_var(b, h, y);
		assign_var(b, h, x);
		break;
	case BAD_CALL_ONCE_OUT_OF_RANGE:
		call_once(b, 5);
		read_var(b, x, y);
		break;
	case BAD_CALL_ONCE_WITH_INPUTS:
		call_once(b, 0);
		read_var(b, x, y);
		break;
	case BAD_CALL_ONCE_RECURSION:
		/* 0 -> 1 -> 2 -> 1 */
		call_once(b, 1);
		h = t_scalar(b, TYPE_RESOURCE);
		var_handle(b, h, "v");
		read_var(b, h, y);
		assign_var(b, h, x);
		tb_set_inputs(b, &x, 1);
		tb_set_outputs(b, &y, 1);
		sub = tb_add_subgraph(b);
		call_once(b, 2);
		tb_set_inputs(b, NULL, 0);
		tb_set_outputs(b, NULL, 0);
		tb_add_subgraph(b);
		call_once(b, sub);
		tb_set_inputs(b, NULL, 0);
		tb_set_outputs(b, NULL, 0);
		return;
	case BAD_ASSIGN_SIZES_DIFFER:
		h = t_scalar(b, TYPE_RESOURCE);
		var_handle(b, h, "v");
		read_var(b, h, y);
		assign_var(b, h, x);
		assign_var(b, h, t_i8(b, 8, 0, (const int8_t[8]){ 0 }));
		break;
	case BAD_READ_SIZE:
		h = t_scalar(b, TYPE_RESOURCE);
		var_handle(b, h, "v");
		assign_var(b, h, t_i8(b, 8, 0, (const int8_t[8]){ 0 }));
		read_var(b, h, y);
		break;
	case BAD_TOO_MANY_VARIABLES:
		for (int i = 0; i < 65; i++) {
			char name[16];

			snprintf(name, sizeof(name), "v%d", i);
			h = t_scalar(b, TYPE_RESOURCE);
			var_handle(b, h, name);
			assign_var(b, h, x);
		}
		read_var(b, h, y);
		break;
	case BAD_NO_SHARED_NAME:
		h = t_scalar(b, TYPE_RESOURCE);
		add_op(b, OP_VAR_HANDLE, NULL, 0, &h, 1, OPT_VAR_HANDLE, NULL, 0);
		read_var(b, h, y);
		assign_var(b, h, x);
		break;
	}
	tb_set_inputs(b, &x, 1);
	tb_set_outputs(b, &y, 1);
}

static void expect_refused(enum bad_model k, ts_status status, const char *text)
{
	tb_builder *b = tb_create();
	uint8_t *model;
	ts_interpreter *ip;
	ts_diag diag;
	ts_status st;

	build_bad(b, k);
	st = create(b, &model, &ip, &diag);
	free(model);
	if (st != status || !strstr(diag.text, text))
		fail_msg("case %d: status %d (%s), expected %d and '%s'", (int)k, (int)st,
			 diag.text, (int)status, text);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refused(BAD_READ_NEVER_ASSIGNED, TS_ERR_MALFORMED,
		       "variable 'v' is read but never assigned");
	expect_refused(BAD_HANDLE_NOT_RESOURCE, TS_ERR_UNSUPPORTED,
		       "operator 0 (VAR_HANDLE): output has type int32, expected resource");
	expect_refused(BAD_READ_OF_INT8, TS_ERR_UNSUPPORTED,
		       "operator 0 (READ_VARIABLE): handle (input 0) has type int8, expected resource");
	expect_refused(BAD_HANDLE_WITHOUT_VAR_HANDLE, TS_ERR_MALFORMED,
		       "operator 0 (READ_VARIABLE): handle (input 0) is not the output of an earlier VAR_HANDLE");
	expect_refused(BAD_CALL_ONCE_OUT_OF_RANGE, TS_ERR_MALFORMED,
		       "operator 0 (CALL_ONCE): init subgraph 5 out of range (model has 1 subgraphs)");
	expect_refused(BAD_CALL_ONCE_WITH_INPUTS, TS_ERR_UNSUPPORTED,
		       "init subgraph 0 has inputs or outputs");
	expect_refused(BAD_CALL_ONCE_RECURSION, TS_ERR_MALFORMED,
		       "subgraph 1 runs itself through CALL_ONCE");
	expect_refused(BAD_ASSIGN_SIZES_DIFFER, TS_ERR_SHAPE,
		       "operator 3 (ASSIGN_VARIABLE): value has 8 bytes, variable 'v' holds 4");
	expect_refused(BAD_READ_SIZE, TS_ERR_SHAPE,
		       "operator 2 (READ_VARIABLE): output has 4 bytes, variable 'v' holds 8");
	expect_refused(BAD_TOO_MANY_VARIABLES, TS_ERR_UNSUPPORTED,
		       "operator 128 (VAR_HANDLE): more than 64 resource variables");
	expect_refused(BAD_NO_SHARED_NAME, TS_ERR_MALFORMED, "no shared_name names the variable");
}

/* An operator of subgraph 1 is named as such. */
static void test_refusal_names_subgraph(void **state)
{
	tb_builder *b = tb_create();
	uint8_t *model;
	ts_interpreter *ip;
	ts_diag diag;
	int32_t h;

	(void)state;
	delay_line(b, true);
	tb_select_subgraph(b, 1);
	h = t_scalar(b, TYPE_RESOURCE);
	read_var(b, h, t_i8(b, 4, 0, NULL));
	assert_int_equal(create(b, &model, &ip, &diag), TS_ERR_MALFORMED);
	assert_non_null(strstr(diag.text, "subgraph 1 operator 2 (READ_VARIABLE): handle (input 0) "
				"is not the output of an earlier VAR_HANDLE"));
	free(model);
}

/* ---- SPLIT_V ---------------------------------------------------------------- */

/* [2,5] int8 -> outputs of widths w[0..n) along the axis (1 or -1), with
 * size_splits sizes (NULL: not constant) and a constant axis unless
 * axis_input. */
static ts_status split_v(const int32_t *w, size_t n, const int32_t *sizes, int32_t axis,
			 bool axis_input, int8_t got[][10], ts_diag *diag)
{
	tb_builder *b = tb_create();
	uint8_t *model;
	ts_interpreter *ip;
	int32_t in[3], out[4], shape[2] = { 2, 5 }, graph_in[3];
	size_t n_graph_in = 0;
	tb_tensor t = { 0 };
	ts_status st;

	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 2;
	in[0] = tb_add_tensor(b, &t);
	for (size_t i = 0; i < n; i++) {
		int32_t s[2] = { 2, w[i] };

		t.shape = s;
		out[i] = tb_add_tensor(b, &t);
	}
	t.type = TB_TYPE_INT32;
	t.rank = 1;
	t.shape = (const int32_t[]){ (int32_t)n };
	if (sizes)
		t.buffer = (uint32_t)tb_add_buffer(b, sizes, 4 * n);
	in[1] = tb_add_tensor(b, &t);
	t.rank = 0;
	t.buffer = axis_input ? 0 : (uint32_t)tb_add_buffer(b, &axis, 4);
	in[2] = tb_add_tensor(b, &t);
	add_op(b, OP_SPLIT_V, in, 3, out, n, OPT_SPLIT_V,
	       (const tb_field[]){ TB_FIELD_I32(0, (int32_t)n) }, 1);
	/* What is not constant is fed (only the input's bytes are set). */
	graph_in[n_graph_in++] = in[0];
	if (!sizes)
		graph_in[n_graph_in++] = in[1];
	if (axis_input)
		graph_in[n_graph_in++] = in[2];
	tb_set_inputs(b, graph_in, n_graph_in);
	tb_set_outputs(b, out, n);
	st = create(b, &model, &ip, diag);
	if (!st) {
		int8_t *x = ts_tensor_data(ts_interpreter_input(ip, 0));

		for (int i = 0; i < 10; i++)
			x[i] = (int8_t)i;
		st = ts_interpreter_invoke(ip, diag);
		for (size_t i = 0; !st && i < n; i++)
			memcpy(got[i], ts_tensor_data_const(ts_interpreter_output(ip, i)),
			       ts_tensor_bytes(ts_interpreter_output(ip, i)));
	}
	free(model);
	return st;
}

static void test_split_v(void **state)
{
	int8_t got[4][10];
	ts_diag diag;

	(void)state;
	/* rows 0..4 and 5..9 split 2 + 3, the -1 taking the rest */
	if (split_v((const int32_t[]){ 2, 3 }, 2, (const int32_t[]){ 2, -1 }, -1, false, got,
		    &diag))
		fail_msg("%s", diag.text);
	assert_memory_equal(got[0], ((const int8_t[]){ 0, 1, 5, 6 }), 4);
	assert_memory_equal(got[1], ((const int8_t[]){ 2, 3, 4, 7, 8, 9 }), 6);
	/* 1 + 0 + 4 along axis 1, size_splits not constant */
	if (split_v((const int32_t[]){ 1, 0, 4 }, 3, NULL, 1, false, got, &diag))
		fail_msg("%s", diag.text);
	assert_memory_equal(got[0], ((const int8_t[]){ 0, 5 }), 2);
	assert_memory_equal(got[2], ((const int8_t[]){ 1, 2, 3, 4, 6, 7, 8, 9 }), 8);
}

static void test_split_v_refusals(void **state)
{
	int8_t got[4][10];
	ts_diag diag;

	(void)state;
	assert_int_equal(split_v((const int32_t[]){ 2, 2 }, 2, NULL, 1, false, got, &diag),
			 TS_ERR_SHAPE);
	assert_non_null(strstr(diag.text, "outputs take 4 along axis 1, the input has 5"));
	assert_int_equal(split_v((const int32_t[]){ 2, 3 }, 2, (const int32_t[]){ 3, -1 }, 1,
				 false, got, &diag), TS_ERR_SHAPE);
	assert_non_null(strstr(diag.text, "size_splits[0] is 3, output 0 has 2"));
	assert_int_equal(split_v((const int32_t[]){ 2, 3 }, 2, NULL, 1, true, got, &diag),
			 TS_ERR_UNSUPPORTED);
	assert_non_null(strstr(diag.text, "axis must be a constant tensor"));
	assert_int_equal(split_v((const int32_t[]){ 2, 3 }, 2, NULL, 2, false, got, &diag),
			 TS_ERR_SHAPE);
	assert_non_null(strstr(diag.text, "axis 2 out of range for rank 2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_line_state_and_reset),
		cmocka_unit_test(test_variable_default_fill),
		cmocka_unit_test(test_stateless_model),
		cmocka_unit_test(test_variable_identity),
		cmocka_unit_test(test_too_many_subgraphs),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_refusal_names_subgraph),
		cmocka_unit_test(test_split_v),
		cmocka_unit_test(test_split_v_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
