/* SPDX-License-Identifier: MIT */
/* The op tests' shared harness (see op_model.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_model.h"

/* ---- one-operator models ---------------------------------------------------- */

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

ts_status run_op_ex(const opspec *op, const tspec *ins, size_t n_in,
		    const tspec *out, void *result, size_t cap, ts_diag *diag,
		    int invoke)
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
	if (!st && invoke) {
		for (size_t k = 0; k < n_graph; k++) {
			ts_tensor *t = ts_interpreter_input(ip, k);

			assert_int_equal(ts_tensor_bytes(t), fed[k]->bytes);
			if (fed[k]->bytes)
				memcpy(ts_tensor_data(t), fed[k]->data,
				       fed[k]->bytes);
		}
		st = ts_interpreter_invoke(ip, diag);
		if (!st) {
			const ts_tensor *t = ts_interpreter_output(ip, 0);
			const size_t n = ts_tensor_bytes(t);

			assert_true(n <= cap);
			if (n)
				memcpy(result, ts_tensor_data_const(t), n);
		}
	}
	free(model);
	return st;
}

ts_status run_op(const opspec *op, const tspec *ins, size_t n_in,
		 const tspec *out, void *result, ts_diag *diag)
{
	return run_op_ex(op, ins, n_in, out, result, SIZE_MAX, diag, 1);
}

void run_ok(const opspec *op, const tspec *ins, size_t n_in, const tspec *out,
	    void *result, size_t cap)
{
	ts_diag diag;
	ts_status st = run_op_ex(op, ins, n_in, out, result, cap, &diag, 1);

	if (st != TS_OK)
		print_error("status %d, diag \"%s\"\n", (int)st, diag.text);
	assert_int_equal(st, TS_OK);
}

void expect_reject(const opspec *op, const tspec *ins, size_t n_in,
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

/* ---- deterministic random numbers (xorshift64*) ---------------------------- */

static uint64_t rng_state = 1;

void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

uint32_t rng_u32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

int32_t rng_int(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(rng_u32() % (uint32_t)(hi - lo + 1));
}

float rng_pow2(double lo, double hi)
{
	return (float)exp2(lo + (hi - lo) * (rng_u32() / 4294967296.0));
}

void rng_fill_i8(int8_t *p, size_t n, int32_t lo, int32_t hi)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (int8_t)rng_int(lo, hi);
}

/* ---- independent TFLite integer reference (see op_model.h) ------------------ */

void ref_quantize_multiplier(double real, int32_t *m, int *shift)
{
	double q;
	int64_t qf;

	if (real == 0.0) {
		*m = 0;
		*shift = 0;
		return;
	}
	q = frexp(real, shift);
	qf = (int64_t)round(q * 2147483648.0);
	assert_true(qf <= ((int64_t)1 << 31));
	if (qf == ((int64_t)1 << 31)) {
		qf /= 2;
		++*shift;
	}
	if (*shift < -31) {
		*shift = 0;
		qf = 0;
	}
	*m = (int32_t)qf;
}

int32_t ref_srdhm(int32_t a, int32_t b)
{
	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	/* Arithmetic right shift of a negative int64: floor (gcc, clang). */
	return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

int32_t ref_rdbpot(int32_t x, int e)
{
	int64_t half, v = x;

	assert_true(e >= 0 && e <= 31);
	if (e == 0)
		return x;
	half = (int64_t)1 << (e - 1);
	return (int32_t)(v >= 0 ? (v + half) >> e : -((-v + half) >> e));
}

int32_t ref_mbqm(int32_t x, int32_t m, int shift)
{
	const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
	const int32_t shifted = (int32_t)(uint32_t)((uint64_t)(uint32_t)x << left);

	return ref_rdbpot(ref_srdhm(shifted, m), right);
}

void ref_act_range(int act, float scale, int32_t zp, int32_t *lo, int32_t *hi)
{
	*lo = -128;
	*hi = 127;
	if (act == TB_ACT_RELU || act == TB_ACT_RELU6) {
		const int32_t q = zp + (int32_t)roundf(0.0f / scale);

		*lo = q > -128 ? q : -128;
	}
	if (act == TB_ACT_RELU6) {
		const int32_t q = zp + (int32_t)roundf(6.0f / scale);

		*hi = q < 127 ? q : 127;
	}
	if (act == TB_ACT_RELU_N1_TO_1) {
		const int32_t l = zp + (int32_t)roundf(-1.0f / scale);
		const int32_t h = zp + (int32_t)roundf(1.0f / scale);

		*lo = l > -128 ? l : -128;
		*hi = h < 127 ? h : 127;
	}
}

int8_t ref_requant(int32_t acc, int32_t m, int shift, int32_t out_zp,
		   int32_t lo, int32_t hi)
{
	int32_t v = ref_mbqm(acc, m, shift) + out_zp;

	v = v < lo ? lo : v;
	v = v > hi ? hi : v;
	return (int8_t)v;
}

int32_t ref_out_size(int same, int32_t in, int32_t k, int32_t stride,
		     int32_t dil)
{
	const int32_t eff = (k - 1) * dil + 1;

	return same ? (in + stride - 1) / stride : (in + stride - eff) / stride;
}

int32_t ref_pad(int32_t stride, int32_t dil, int32_t in, int32_t k,
		int32_t out)
{
	const int32_t eff = (k - 1) * dil + 1;
	int32_t total = (out - 1) * stride + eff - in;

	return total > 0 ? total / 2 : 0;
}

/* ---- real-number helpers ----------------------------------------------------- */

long rnd(double x)
{
	return x >= 0 ? (long)(x + 0.5) : -(long)(-x + 0.5);
}

double t_exp(double x)
{
	const double ln2 = 0.69314718055994530942;
	double r, term = 1.0, sum = 1.0;
	long k;

	if (x < -700)
		return 0.0;
	k = rnd(x / ln2);
	r = x - (double)k * ln2;
	for (int n = 1; n < 30; n++) {
		term *= r / n;
		sum += term;
	}
	for (; k > 0; k--)
		sum *= 2.0;
	for (; k < 0; k++)
		sum *= 0.5;
	return sum;
}
