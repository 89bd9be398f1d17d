/* SPDX-License-Identifier: MIT */
/* RESHAPE: with the shape input (int32, int64), with the new_shape option
 * only, with neither; other element types; element count and type
 * mismatches rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "tflite_builder.h"

/* ---- one-op models through the real loader (same helper in each op test) */

/* tspec initializers list the leading fields only; the per-channel ones at
 * the end default to zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

typedef struct tspec {
	int type;           /* TB_TYPE_*; -1: an omitted optional input (-1) */
	int32_t shape[6];
	size_t rank;
	float scale;        /* 0: no quantization table (unless scales) */
	int64_t zp;
	const void *data;   /* constant data, or the values fed as graph input */
	size_t bytes;
	int is_const;
	const float *scales; /* per-channel scales (nscales > 1), zp for all */
	size_t nscales;
	int32_t qdim;
} tspec;

typedef struct opspec {
	int32_t builtin;
	uint8_t options_type;
	const tb_field *options;
	size_t n_options;
} opspec;

static _Alignas(16) uint8_t arena[1 << 20];

static int add_tensor(tb_builder *b, const tspec *s)
{
	static int64_t zps[1024];
	tb_tensor t = { 0 };
	tb_quant q = { 0 };
	float scale = s->scale;
	int64_t zp = s->zp;

	t.type = s->type;
	t.shape = s->shape;
	t.rank = s->rank;
	if (s->nscales > 0) {
		assert_true(s->nscales <= 1024);
		for (size_t i = 0; i < s->nscales; i++)
			zps[i] = s->zp;
		q.scale = s->scales;
		q.num_scale = s->nscales;
		q.zero_point = zps;
		q.num_zero_point = s->nscales;
		q.quantized_dimension = s->qdim;
		t.quant = &q;
	} else if (s->scale != 0.0f) {
		q.scale = &scale;
		q.num_scale = 1;
		q.zero_point = &zp;
		q.num_zero_point = 1;
		t.quant = &q;
	}
	if (s->is_const)
		t.buffer = (uint32_t)tb_add_buffer(b, s->data, s->bytes);
	return tb_add_tensor(b, &t);
}

/* Builds a model holding one operator, creates an interpreter and (when
 * invoke) feeds the non-constant inputs and invokes; the output bytes go to
 * result (cap bytes at most).  Returns the first failing status (diag then
 * says why). */
static ts_status run_op_ex(const opspec *op, const tspec *ins, size_t n_in,
			   const tspec *out, void *result, size_t cap,
			   ts_diag *diag, int invoke)
{
	tb_builder *b = tb_create();
	int32_t in_idx[16], graph_in[16], out_idx;
	const tspec *fed[16] = { 0 };
	size_t n_graph = 0, size = 0;
	tb_operator o = { 0 };
	uint8_t *model = NULL;
	ts_interpreter *ip = NULL;
	ts_status st;

	assert_non_null(b);
	assert_true(n_in <= 16);
	for (size_t i = 0; i < n_in; i++) {
		if (ins[i].type < 0) {
			in_idx[i] = -1;
			continue;
		}
		in_idx[i] = add_tensor(b, &ins[i]);
		assert_true(in_idx[i] >= 0);
		if (!ins[i].is_const) {
			fed[n_graph] = &ins[i];
			graph_in[n_graph++] = in_idx[i];
		}
	}
	out_idx = add_tensor(b, out);
	o.opcode_index = (uint32_t)tb_add_opcode(b, op->builtin, 1);
	o.inputs = in_idx;
	o.num_inputs = n_in;
	o.outputs = &out_idx;
	o.num_outputs = 1;
	o.options_type = op->options_type;
	o.options = op->options;
	o.num_options = op->n_options;
	assert_true(tb_add_operator(b, &o) >= 0);
	assert_int_equal(tb_set_inputs(b, graph_in, n_graph), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out_idx, 1), TB_OK);
	assert_int_equal(tb_finish(b, &model, &size), TB_OK);
	tb_free(b);
	memset(diag, 0, sizeof(*diag));
	st = ts_interpreter_create(&ip, model, size, arena, sizeof(arena), diag);
	if (!st && !invoke) {
		free(model);
		return st;
	}
	for (size_t k = 0; !st && k < n_graph; k++) {
		ts_tensor *t = ts_interpreter_input(ip, k);

		assert_int_equal(ts_tensor_bytes(t), fed[k]->bytes);
		memcpy(ts_tensor_data(t), fed[k]->data, fed[k]->bytes);
	}
	if (!st)
		st = ts_interpreter_invoke(ip, diag);
	if (!st) {
		const ts_tensor *t = ts_interpreter_output(ip, 0);

		assert_true(ts_tensor_bytes(t) <= cap);
		memcpy(result, ts_tensor_data_const(t), ts_tensor_bytes(t));
	}
	free(model);
	return st;
}

/* Runs and expects success; prints the diag otherwise. */
static void run_ok(const opspec *op, const tspec *ins, size_t n_in,
		   const tspec *out, void *result, size_t cap)
{
	ts_diag diag;
	ts_status st = run_op_ex(op, ins, n_in, out, result, cap, &diag, 1);

	if (st != TS_OK)
		print_error("status %d, diag \"%s\"\n", (int)st, diag.text);
	assert_int_equal(st, TS_OK);
}

/* Expects ts_interpreter_create to fail with status and a diag holding
 * text.  Never invokes: a model that should have been rejected is not run. */
static void expect_reject(const opspec *op, const tspec *ins, size_t n_in,
			  const tspec *out, ts_status status, const char *text)
{
	ts_diag diag;
	ts_status st = run_op_ex(op, ins, n_in, out, NULL, 0, &diag, 0);

	if (st != status || !strstr(diag.text, text))
		print_error("status %d, diag \"%s\"; expected %d and \"%s\"\n",
			    (int)st, diag.text, (int)status, text);
	assert_int_equal(st, status);
	assert_non_null(strstr(diag.text, text));
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
/* shape fields of a tspec: SHAPE(2, 3) */
#define SHAPE(...) { __VA_ARGS__ }, N_OF(((int32_t[]){ __VA_ARGS__ }))

/* ---- RESHAPE ---------------------------------------------------------------- */

static void test_reshape_shape_input(void **state)
{
	const int8_t in[6] = { 1, -2, 3, -4, 5, -6 };
	const int32_t shape32[2] = { 3, 2 };
	const int64_t shape64[2] = { 3, 2 };
	const tb_field opts[1] = { TB_FIELD_VEC_I32(0, shape32, 2) };
	const opspec op_opts = { 22, 17, opts, 1 };
	const opspec op_none = { 22, 0, NULL, 0 };
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, -1, in, 6, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0.0f, 0, shape32, sizeof(shape32), 1 },
	};
	const tspec out = { TB_TYPE_INT8, SHAPE(3, 2), 0.5f, -1, NULL, 0, 0 };
	int8_t got[6];

	(void)state;
	/* constant int32 shape input, no options */
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, in, 6);
	/* shape input and new_shape option together */
	memset(got, 0, sizeof(got));
	run_ok(&op_opts, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, in, 6);
	/* int64 shape input */
	ins[1] = (tspec){ TB_TYPE_INT64, SHAPE(2), 0.0f, 0, shape64, sizeof(shape64), 1 };
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 2, &out, got, sizeof(got));
	assert_memory_equal(got, in, 6);
}

static void test_reshape_without_shape_input(void **state)
{
	const int8_t in[24] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
				15, 16, 17, 18, 19, 20, 21, 22, 23 };
	const int32_t new_shape[1] = { 24 };
	const tb_field opts[1] = { TB_FIELD_VEC_I32(0, new_shape, 1) };
	const opspec op_opts = { 22, 17, opts, 1 };
	const opspec op_none = { 22, 0, NULL, 0 };
	const tspec ins[1] = {
		{ TB_TYPE_INT8, SHAPE(1, 2, 3, 4), 0.25f, 7, in, 24, 0 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(24), 0.25f, 7, NULL, 0, 0 };
	int8_t got[24];

	(void)state;
	/* new_shape option only */
	run_ok(&op_opts, ins, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in, 24);
	/* no options at all: the output tensor's shape rules */
	out = (tspec){ TB_TYPE_INT8, SHAPE(4, 1, 6), 0.25f, 7, NULL, 0, 0 };
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in, 24);
	/* rank 6 */
	out = (tspec){ TB_TYPE_INT8, SHAPE(1, 2, 1, 3, 2, 2), 0.25f, 7, NULL, 0, 0 };
	memset(got, 0, sizeof(got));
	run_ok(&op_none, ins, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in, 24);
}

/* Other element types pass through unchanged (bytes are bytes). */
static void test_reshape_other_types(void **state)
{
	const int16_t in16[4] = { -300, 2, 32767, -32768 };
	const float inf[6] = { 1.5f, -2.0f, 0.0f, 3.25f, -0.5f, 8.0f };
	const opspec op = { 22, 0, NULL, 0 };
	tspec in_t = { TB_TYPE_INT16, SHAPE(4), 0.0f, 0, in16, sizeof(in16), 0 };
	tspec out = { TB_TYPE_INT16, SHAPE(2, 2), 0.0f, 0, NULL, 0, 0 };
	uint8_t got[24];

	(void)state;
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, in16, sizeof(in16));
	in_t = (tspec){ TB_TYPE_FLOAT32, SHAPE(2, 3), 0.0f, 0, inf, sizeof(inf), 0 };
	out = (tspec){ TB_TYPE_FLOAT32, SHAPE(3, 1, 2), 0.0f, 0, NULL, 0, 0 };
	run_ok(&op, &in_t, 1, &out, got, sizeof(got));
	assert_memory_equal(got, inf, sizeof(inf));
}

static void test_reshape_rejects(void **state)
{
	const int8_t in[6] = { 0 };
	const int32_t shape[2] = { 2, 2 };
	const opspec op = { 22, 0, NULL, 0 };
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, in, 6, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0.0f, 0, shape, sizeof(shape), 1 },
	};
	tspec out = { TB_TYPE_INT8, SHAPE(2, 2), 0.5f, 0, NULL, 0, 0 };

	(void)state;
	/* 6 elements into 4, with and without the shape input */
	expect_reject(&op, ins, 1, &out, TS_ERR_SHAPE, "elements");
	expect_reject(&op, ins, 2, &out, TS_ERR_SHAPE, "elements");
	/* 6 into 12 */
	out = (tspec){ TB_TYPE_INT8, SHAPE(2, 3, 2), 0.5f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 1, &out, TS_ERR_SHAPE, "elements");
	/* a type change is not a reshape */
	out = (tspec){ TB_TYPE_INT16, SHAPE(3, 2), 0.5f, 0, NULL, 0, 0 };
	expect_reject(&op, ins, 1, &out, TS_ERR_UNSUPPORTED, "type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reshape_shape_input),
		cmocka_unit_test(test_reshape_without_shape_input),
		cmocka_unit_test(test_reshape_other_types),
		cmocka_unit_test(test_reshape_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
