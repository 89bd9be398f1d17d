/* SPDX-License-Identifier: MIT */
/* TRANSPOSE: 2D to 5D permutations, element sizes, invalid perms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/tinysense.h"
#include "tflite_builder.h"

/* ---- one-op models through the real loader (same helper in each op test) */

typedef struct tspec {
	int type;
	int32_t shape[6];
	size_t rank;
	float scale;        /* 0: no quantization table */
	int64_t zp;
	const void *data;   /* constant data, or the values fed as graph input */
	size_t bytes;
	int is_const;
} tspec;

typedef struct opspec {
	int32_t builtin;
	uint8_t options_type;
	const tb_field *options;
	size_t n_options;
} opspec;

static _Alignas(16) uint8_t arena[1 << 16];

static int add_tensor(tb_builder *b, const tspec *s)
{
	tb_tensor t = { 0 };
	tb_quant q = { 0 };
	float scale = s->scale;
	int64_t zp = s->zp;

	t.type = s->type;
	t.shape = s->shape;
	t.rank = s->rank;
	if (s->scale != 0.0f) {
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

/* Builds a model holding one operator, creates an interpreter, feeds the
 * non-constant inputs, invokes; the output bytes go to result.  Returns the
 * first failing status (diag then says why). */
static ts_status run_op(const opspec *op, const tspec *ins, size_t n_in,
			const tspec *out, void *result, ts_diag *diag)
{
	tb_builder *b = tb_create();
	int32_t in_idx[16], graph_in[16], out_idx;
	const tspec *fed[16];
	size_t n_graph = 0, size = 0;
	tb_operator o = { 0 };
	uint8_t *model = NULL;
	ts_interpreter *ip = NULL;
	ts_status st;

	assert_non_null(b);
	for (size_t i = 0; i < n_in; i++) {
		in_idx[i] = add_tensor(b, &ins[i]);
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
	for (size_t k = 0; !st && k < n_graph; k++) {
		ts_tensor *t = ts_interpreter_input(ip, k);

		assert_int_equal(ts_tensor_bytes(t), fed[k]->bytes);
		if (fed[k]->bytes)
			memcpy(ts_tensor_data(t), fed[k]->data, fed[k]->bytes);
	}
	if (!st)
		st = ts_interpreter_invoke(ip, diag);
	if (!st) {
		const ts_tensor *t = ts_interpreter_output(ip, 0);

		memcpy(result, ts_tensor_data_const(t), ts_tensor_bytes(t));
	}
	free(model);
	return st;
}

/* Runs and expects prepare to fail with status and a diag holding text. */
static void expect_reject(const opspec *op, const tspec *ins, size_t n_in,
			  const tspec *out, ts_status status, const char *text)
{
	uint8_t result[4096];
	ts_diag diag;
	ts_status st = run_op(op, ins, n_in, out, result, &diag);

	if (st != status || !strstr(diag.text, text))
		print_error("status %d, diag \"%s\"; expected %d and \"%s\"\n",
			    (int)st, diag.text, (int)status, text);
	assert_int_equal(st, status);
	assert_non_null(strstr(diag.text, text));
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
/* shape fields of a tspec: SHAPE(2, 3) */
#define SHAPE(...) { __VA_ARGS__ }, N_OF(((int32_t[]){ __VA_ARGS__ }))

/* ---- TRANSPOSE ------------------------------------------------------------ */

static const opspec tr_op = { 39, 26, NULL, 0 };

static void tr_run(const tspec *in, const int32_t *perm, const tspec *out,
		   void *got)
{
	const tspec ins[2] = {
		*in,
		{ TB_TYPE_INT32, { (int32_t)in->rank }, 1, 0, 0, perm, in->rank * 4, 1 },
	};
	ts_diag diag;
	ts_status st = run_op(&tr_op, ins, 2, out, got, &diag);

	if (st)
		print_error("%s\n", diag.text);
	assert_int_equal(st, TS_OK);
}

static const int8_t iota[48] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
	20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,
	38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
};

#define OUT8(...) { TB_TYPE_INT8, SHAPE(__VA_ARGS__), 0.5f, 0, NULL, 0, 0 }

static void test_tr_2d(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, iota, 6, 0 };
	const tspec out = OUT8(3, 2);
	const int32_t perm[2] = { 1, 0 }, id[2] = { 0, 1 };
	const int8_t want[6] = { 0, 3, 1, 4, 2, 5 };
	const tspec same = OUT8(2, 3);
	int8_t got[6];

	(void)state;
	tr_run(&in, perm, &out, got);
	assert_memory_equal(got, want, 6);
	tr_run(&in, id, &same, got);
	assert_memory_equal(got, iota, 6);
}

/* [2,3,4] -> perm [2,0,1] -> [4,2,3]: out[a][b][c] = x[b][c][a]. */
static void test_tr_3d(void **state)
{
	const tspec in = { TB_TYPE_INT8, SHAPE(2, 3, 4), 0.5f, 0, iota, 24, 0 };
	const tspec out = OUT8(4, 2, 3);
	const int32_t perm[3] = { 2, 0, 1 };
	int8_t want[24], got[24];

	(void)state;
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 2; b++)
			for (int c = 0; c < 3; c++)
				want[(a * 2 + b) * 3 + c] = iota[(b * 3 + c) * 4 + a];
	/* by hand: out[1][0][2] = x[0][2][1] = 9; out[3][1][0] = x[1][0][3] = 15 */
	assert_int_equal(want[(1 * 2 + 0) * 3 + 2], 9);
	assert_int_equal(want[(3 * 2 + 1) * 3 + 0], 15);
	tr_run(&in, perm, &out, got);
	assert_memory_equal(got, want, 24);
}

/* NHWC [1,2,3,2] -> NCHW [1,2,2,3] (perm 0,3,1,2) and 5D reversal. */
static void test_tr_4d_5d(void **state)
{
	const tspec in4 = { TB_TYPE_INT8, SHAPE(1, 2, 3, 2), 0.5f, 0, iota, 12, 0 };
	const tspec out4 = OUT8(1, 2, 2, 3);
	const int32_t perm4[4] = { 0, 3, 1, 2 };
	/* channel 0 is the even elements, channel 1 the odd ones */
	const int8_t want4[12] = { 0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11 };
	const tspec in5 = { TB_TYPE_INT8, SHAPE(2, 1, 1, 1, 3), 0.5f, 0, iota, 6, 0 };
	const tspec out5 = OUT8(3, 1, 1, 1, 2);
	const int32_t perm5[5] = { 4, 3, 2, 1, 0 };
	const int8_t want5[6] = { 0, 3, 1, 4, 2, 5 };
	int8_t got[12];

	(void)state;
	tr_run(&in4, perm4, &out4, got);
	assert_memory_equal(got, want4, 12);
	tr_run(&in5, perm5, &out5, got);
	assert_memory_equal(got, want5, 6);
}

/* float32 and int16 elements; an int64 perm vector. */
static void test_tr_types(void **state)
{
	const float f[6] = { 0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f };
	const float fw[6] = { 0.5f, 3.5f, 1.5f, 4.5f, 2.5f, 5.5f };
	const int16_t s[6] = { -1000, 1, 2000, 3, -4000, 5 };
	const int16_t sw[6] = { -1000, 2000, -4000, 1, 3, 5 };
	const int32_t perm[2] = { 1, 0 };
	const int64_t perm64[2] = { 1, 0 };
	const tspec fin = { TB_TYPE_FLOAT32, SHAPE(2, 3), 0, 0, f, sizeof(f), 0 };
	const tspec fout = { TB_TYPE_FLOAT32, SHAPE(3, 2), 0, 0, NULL, 0, 0 };
	const tspec sin[2] = {
		{ TB_TYPE_INT16, SHAPE(3, 2), 0, 0, s, sizeof(s), 0 },
		{ TB_TYPE_INT64, SHAPE(2), 0, 0, perm64, sizeof(perm64), 1 },
	};
	const tspec sout = { TB_TYPE_INT16, SHAPE(2, 3), 0, 0, NULL, 0, 0 };
	float fg[6];
	int16_t sg[6];
	ts_diag diag;

	(void)state;
	tr_run(&fin, perm, &fout, fg);
	assert_memory_equal(fg, fw, sizeof(fw));
	assert_int_equal(run_op(&tr_op, sin, 2, &sout, sg, &diag), TS_OK);
	assert_memory_equal(sg, sw, sizeof(sw));
}

static void test_tr_rejects(void **state)
{
	const int32_t oob[2] = { 2, 0 }, neg[2] = { -1, 0 }, dup[2] = { 1, 1 };
	const int32_t three[3] = { 0, 1, 2 }, ok[2] = { 1, 0 };
	const int32_t i32[6] = { 0 };
	const int32_t p6[6] = { 0, 1, 2, 3, 4, 5 };
	tspec ins[2] = {
		{ TB_TYPE_INT8, SHAPE(2, 3), 0.5f, 0, iota, 6, 0 },
		{ TB_TYPE_INT32, SHAPE(2), 0, 0, oob, 8, 1 },
	};
	tspec out = OUT8(3, 2);

	(void)state;
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "perm[0] = 2 out of range");
	ins[1].data = neg;
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "perm[0] = -1 out of range");
	ins[1].data = dup;
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "not a permutation");
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(3), 0, 0, three, 12, 1 };
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "vector of 2 values");
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(2), 0, 0, ok, 8, 0 };
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_UNSUPPORTED, "perm must be a constant");
	ins[1].is_const = 1;
	out = (tspec)OUT8(2, 3);
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_SHAPE, "computed [3,2]");
	ins[0] = (tspec){ TB_TYPE_INT32, SHAPE(2, 3), 0, 0, i32, sizeof(i32), 0 };
	out = (tspec){ TB_TYPE_INT32, SHAPE(3, 2), 0, 0, NULL, 0, 0 };
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_UNSUPPORTED, "int32 not supported");
	ins[0] = (tspec){ TB_TYPE_INT8, SHAPE(1, 1, 1, 1, 1, 1), 0.5f, 0, iota, 1, 0 };
	ins[1] = (tspec){ TB_TYPE_INT32, SHAPE(6), 0, 0, p6, sizeof(p6), 1 };
	out = (tspec)OUT8(1, 1, 1, 1, 1, 1);
	expect_reject(&tr_op, ins, 2, &out, TS_ERR_UNSUPPORTED, "rank 6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tr_2d),
		cmocka_unit_test(test_tr_3d),
		cmocka_unit_test(test_tr_4d_5d),
		cmocka_unit_test(test_tr_types),
		cmocka_unit_test(test_tr_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
