/* SPDX-License-Identifier: MIT */
/*
 * The verifying loader: malformed and unsupported models are rejected with
 * the right ts_status and a diag sentence naming the problem; no corruption
 * (truncation, byte flips) may crash it (ASan/UBSan run this too).
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
#include "ops/op.h"          /* ts_op_find(): input counts of every op */
#include "tflite_builder.h"
#include "test_files.h"

static _Alignas(16) uint8_t arena[1 << 18];

/* ---- a tiny graph description on top of tflite_builder ------------------ */

typedef struct tspec {
	int type;
	int32_t shape[7];
	size_t rank;
	float scale;        /* 0: no quantization table */
	int64_t zp;
	const void *data;   /* non-NULL: constant tensor with these bytes */
	size_t bytes;
} tspec;

typedef struct ospec {
	int32_t builtin;
	int32_t in[4];
	size_t n_in;
	int32_t out[2];
	size_t n_out;
	uint8_t opt_type;
	const tb_field *opts;
	size_t n_opts;
} ospec;

static void add_tensors(tb_builder *b, const tspec *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tb_tensor tt = { 0 };
		tb_quant q = { 0 };
		float scale = t[i].scale;
		int64_t zp = t[i].zp;

		tt.type = t[i].type;
		tt.shape = t[i].shape;
		tt.rank = t[i].rank;
		if (scale != 0.0f) {
			q.scale = &scale;
			q.num_scale = 1;
			q.zero_point = &zp;
			q.num_zero_point = 1;
			tt.quant = &q;
		}
		if (t[i].data)
			tt.buffer = (uint32_t)tb_add_buffer(b, t[i].data, t[i].bytes);
		assert_int_equal(tb_add_tensor(b, &tt), (int)i);
	}
}

/* One opcode per operator (duplicates are allowed by the schema). */
static void add_ops(tb_builder *b, const ospec *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tb_operator op = { 0 };

		op.opcode_index = (uint32_t)tb_add_opcode(b, o[i].builtin, 1);
		op.inputs = o[i].in;
		op.num_inputs = o[i].n_in;
		op.outputs = o[i].out;
		op.num_outputs = o[i].n_out;
		op.options_type = o[i].opt_type;
		op.options = o[i].opts;
		op.num_options = o[i].n_opts;
		assert_int_equal(tb_add_operator(b, &op), (int)i);
	}
}

static void finish(tb_builder *b, uint8_t **model, size_t *size)
{
	assert_int_equal(tb_finish(b, model, size), TB_OK);
}

/* ---- the reference model: CONV_2D -> FULLY_CONNECTED -> SOFTMAX ---------
 *
 * tensor 0  input        int8  [1,4,4,1]  s 0.5    zp -1   (graph input)
 * tensor 1  conv filter  int8  [2,3,3,1]  s 0.25   const (buffer 1, 18 B)
 * tensor 2  conv bias    int32 [2]        s 0.125  const (buffer 2, 8 B)
 * tensor 3  conv out     int8  [1,2,2,2]  s 1.0    zp 0    (VALID 3x3)
 * tensor 4  fc filter    int8  [3,8]      s 0.1    const (buffer 3, 24 B)
 * tensor 5  fc bias      int32 [3]        s 0.1    const (buffer 4, 12 B)
 * tensor 6  fc out       int8  [1,3]      s 0.2    zp 0
 * tensor 7  softmax out  int8  [1,3]      s 1/256  zp -128 (graph output)
 * Buffer 4 is the last thing in the file, so every truncation cuts data
 * that a tensor needs.
 */
enum { CFS_TENSORS = 8, CFS_BUFFERS = 5, CFS_OPS = 3 };

static const int8_t conv_w[18] = { 1, -2, 3, -4, 5, -6, 7, -8, 9,
				   -9, 8, -7, 6, -5, 4, -3, 2, -1 };
static const int32_t conv_b[2] = { 10, -20 };
static const int8_t fc_w[24] = { 1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4,
				 -5, -6, -7, -8, 9, 0, -9, 0, 9, 0, -9, 0 };
static const int32_t fc_b[3] = { 3, -3, 30 };

static const tb_field conv_opts[] = {
	TB_FIELD_U8(0, TB_PAD_VALID), TB_FIELD_I32(1, 1), TB_FIELD_I32(2, 1),
	TB_FIELD_U8(3, TB_ACT_NONE),
};
static const tb_field fc_opts[] = { TB_FIELD_U8(0, TB_ACT_NONE) };
static const tb_field softmax_opts[] = { TB_FIELD_F32(0, 1.0) };

struct cfs_variant {
	int unused_quantize_opcode; /* add an opcode no operator uses */
	int fc_bias_bytes;          /* 0: 12 (correct) */
	int extra_fc_input;         /* FULLY_CONNECTED gets 4 inputs */
	int fc_single_input;        /* FULLY_CONNECTED gets 1 input */
	int version;                /* 0: 3 */
};

static tb_builder *build_cfs_variant(const struct cfs_variant *v, uint8_t **model,
				     size_t *size)
{
	tb_builder *b = tb_create();
	uint8_t bias_bytes[64] = { 0 };
	tspec t[CFS_TENSORS] = {
		{ TB_TYPE_INT8, { 1, 4, 4, 1 }, 4, 0.5f, -1, NULL, 0 },
		{ TB_TYPE_INT8, { 2, 3, 3, 1 }, 4, 0.25f, 0, conv_w, sizeof(conv_w) },
		{ TB_TYPE_INT32, { 2 }, 1, 0.125f, 0, conv_b, sizeof(conv_b) },
		{ TB_TYPE_INT8, { 1, 2, 2, 2 }, 4, 1.0f, 0, NULL, 0 },
		{ TB_TYPE_INT8, { 3, 8 }, 2, 0.1f, 0, fc_w, sizeof(fc_w) },
		{ TB_TYPE_INT32, { 3 }, 1, 0.1f, 0, fc_b, sizeof(fc_b) },
		{ TB_TYPE_INT8, { 1, 3 }, 2, 0.2f, 0, NULL, 0 },
		{ TB_TYPE_INT8, { 1, 3 }, 2, 1.0f / 256, -128, NULL, 0 },
	};
	ospec o[CFS_OPS] = {
		{ 3, { 0, 1, 2 }, 3, { 3 }, 1, 1, conv_opts, 4 },
		{ 9, { 3, 4, 5 }, 3, { 6 }, 1, 8, fc_opts, 1 },
		{ 25, { 6 }, 1, { 7 }, 1, 9, softmax_opts, 1 },
	};
	int32_t in = 0, out = 7;

	assert_non_null(b);
	if (v && v->fc_bias_bytes) {
		memcpy(bias_bytes, fc_b, sizeof(fc_b));
		t[5].data = bias_bytes;
		t[5].bytes = (size_t)v->fc_bias_bytes;
	}
	if (v && v->extra_fc_input) {
		o[1].in[3] = 5;
		o[1].n_in = 4;
	}
	if (v && v->fc_single_input)
		o[1].n_in = 1;
	if (v && v->version)
		assert_int_equal(tb_set_version(b, (uint32_t)v->version), TB_OK);
	add_tensors(b, t, CFS_TENSORS);
	add_ops(b, o, CFS_OPS);
	if (v && v->unused_quantize_opcode)
		assert_int_equal(tb_add_opcode(b, 114, 1), CFS_OPS);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	finish(b, model, size);
	return b;
}

static tb_builder *build_cfs(uint8_t **model, size_t *size)
{
	return build_cfs_variant(NULL, model, size);
}

/* ---- expectations ------------------------------------------------------- */

/* Creates the interpreter and expects `status` with `text` in the diag.  The
 * same call with a NULL diag must give the same status (and not crash). */
static void expect_fail_at(const void *model, size_t size, ts_status status,
			   const char *text)
{
	ts_interpreter *ip = (ts_interpreter *)1;
	ts_diag diag;
	ts_status st;

	memset(&diag, 'x', sizeof(diag)); /* unterminated garbage on purpose */
	st = ts_interpreter_create(&ip, model, size, arena, sizeof(arena), &diag);
	assert_memory_not_equal(&diag, "xxxx", 4);
	assert_non_null(memchr(diag.text, '\0', sizeof(diag.text)));
	if (st != status || !strstr(diag.text, text))
		fail_msg("status %d (%s), diag \"%s\"; expected status %d with \"%s\"",
			 st, ts_status_str(st), diag.text, status, text);
	assert_null(ip);
	assert_int_equal(ts_interpreter_create(&ip, model, size, arena,
					       sizeof(arena), NULL), status);
}

static void expect_fail(const uint8_t *model, size_t size, ts_status status,
			const char *text)
{
	expect_fail_at(model, size, status, text);
}

static ts_interpreter *expect_ok(const void *model, size_t size)
{
	ts_interpreter *ip = NULL;
	ts_diag diag = { { 0 } };
	ts_status st = ts_interpreter_create(&ip, model, size, arena, sizeof(arena), &diag);

	if (st != TS_OK)
		fail_msg("create failed: %s: %s", ts_status_str(st), diag.text);
	assert_non_null(ip);
	return ip;
}

/* Position of field `id` of the table at table_pos in the last output. */
static size_t field(const uint8_t *m, size_t size, long table_pos, unsigned id)
{
	long p;

	assert_true(table_pos > 0);
	p = tb_field_pos(m, size, table_pos, id);
	assert_true(p > 0);
	return (size_t)p;
}

static size_t pos(const tb_builder *b, tb_pos_kind kind, int index)
{
	long p = tb_pos(b, kind, 0, index);

	assert_true(p >= 0);
	return (size_t)p;
}

/* ---- the reference models load ------------------------------------------ */

static void test_reference_model_loads_and_runs(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	ts_interpreter *ip;
	ts_diag diag;
	ts_tensor *in;

	(void)state;
	ip = expect_ok(m, size);
	assert_int_equal(ts_interpreter_op_count(ip), 3);
	assert_string_equal(ts_interpreter_op_name(ip, 0), "CONV_2D");
	assert_string_equal(ts_interpreter_op_name(ip, 1), "FULLY_CONNECTED");
	assert_string_equal(ts_interpreter_op_name(ip, 2), "SOFTMAX");
	assert_null(ts_interpreter_op_name(ip, 3));
	/* 18 + 8 + 24 + 12 bytes of constant data. */
	assert_int_equal(ts_interpreter_weight_bytes(ip), 62);
	/* conv: 8 outputs x 9 taps; fc: 3 x 8. */
	assert_int_equal(ts_interpreter_macs(ip), 8 * 9 + 3 * 8);
	in = ts_interpreter_input(ip, 0);
	assert_non_null(in);
	assert_int_equal(ts_tensor_bytes(in), 16);
	memset(ts_tensor_data(in), 3, 16);
	assert_int_equal(ts_interpreter_invoke(ip, &diag), TS_OK);
	assert_null(ts_interpreter_input(ip, 1));
	assert_null(ts_interpreter_output(ip, 1));
	free(m);
	tb_free(b);
}

/* Operator codes no operator uses are fine, even for ops we do not run. */
static void test_unused_opcodes_accepted(void **state)
{
	struct cfs_variant v = { .unused_quantize_opcode = 1 };
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs_variant(&v, &m, &size);

	(void)state;
	expect_ok(m, size);
	/* Turn the unused code into LSTM (16), which we do not run: still fine. */
	m[field(m, size, pos(b, TB_POS_OPCODE, 3), 0)] = 16;
	tb_put_u32(m, field(m, size, pos(b, TB_POS_OPCODE, 3), 3), 16);
	expect_ok(m, size);
	free(m);
	tb_free(b);
}

/* ---- API misuse and the file header ------------------------------------- */

static void test_null_arguments(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	ts_interpreter *ip;
	ts_diag diag;

	(void)state;
	assert_int_equal(ts_interpreter_create(&ip, NULL, size, arena, sizeof(arena), &diag),
			 TS_ERR_INVALID_ARG);
	assert_non_null(strstr(diag.text, "NULL"));
	assert_int_equal(ts_interpreter_create(&ip, m, size, NULL, sizeof(arena), &diag),
			 TS_ERR_INVALID_ARG);
	assert_int_equal(ts_interpreter_create(NULL, m, size, arena, sizeof(arena), &diag),
			 TS_ERR_INVALID_ARG);
	assert_int_equal(ts_interpreter_create(NULL, m, size, arena, sizeof(arena), NULL),
			 TS_ERR_INVALID_ARG);
	assert_int_equal(ts_interpreter_invoke(NULL, &diag), TS_ERR_INVALID_ARG);
	free(m);
	tb_free(b);
}

static void test_empty_and_tiny_buffers(void **state)
{
	static _Alignas(16) const uint8_t tiny[16] = { 8, 0, 0, 0, 'T', 'F', 'L', '3' };

	(void)state;
	/* The smallest flatbuffer has a root offset and a table: < 8 bytes is
	 * never a model. */
	for (size_t n = 0; n < 8; n++)
		expect_fail(tiny, n, TS_ERR_MALFORMED, "too small");
	/* 8..16 bytes: right identifier, but the root table (at 8) is not
	 * there or has no valid vtable. */
	for (size_t n = 8; n <= sizeof(tiny); n++)
		expect_fail(tiny, n, TS_ERR_MALFORMED, "root table out of bounds");
}

static void test_wrong_file_identifier(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);

	(void)state;
	for (int i = 0; i < 4; i++) {
		const uint8_t keep = m[4 + i];

		m[4 + i] ^= 0x20; /* "tFL3", "TfL3", ... */
		expect_fail(m, size, TS_ERR_MALFORMED, "file identifier is not \"TFL3\"");
		m[4 + i] = keep;
	}
	memcpy(m + 4, "TFL2", 4);
	expect_fail(m, size, TS_ERR_MALFORMED, "not a TFLite model");
	free(m);
	tb_free(b);
}

static void test_misaligned_model_pointer(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	uint8_t *copy = aligned_alloc(16, (size + 32 + 15) & ~(size_t)15);

	(void)state;
	assert_non_null(copy);
	for (size_t off = 1; off < 4; off++) {
		memcpy(copy + off, m, size);
		expect_fail_at(copy + off, size, TS_ERR_INVALID_ARG, "aligned");
	}
	/* 4-byte aligned is enough for this model: its widest constants are
	 * int32 and the builder puts data at multiples of 16 from the start. */
	memcpy(copy + 4, m, size);
	expect_ok(copy + 4, size);
	memcpy(copy + 8, m, size);
	expect_ok(copy + 8, size);
	free(copy);
	free(m);
	tb_free(b);
}

/* Constant data that ends up misaligned for its type is refused rather than
 * read unaligned: an int64 constant when the model sits at 4 mod 8, and an
 * int32 external buffer (offset/size) at an odd offset. */
static void test_misaligned_constant_data(void **state)
{
	static const int64_t wide[2] = { 1, -1 };
	tb_builder *b;
	uint8_t *m, *copy;
	size_t size;
	tb_tensor t = { 0 };
	int32_t shape[1] = { 2 };
	int32_t one[1] = { 1 };

	(void)state;
	/* (a) RELU plus an unused int64 [2] constant (tensor 2). */
	b = tb_create();
	assert_non_null(b);
	{
		tspec ts[2] = {
			{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
			{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
		};
		ospec o[1] = { { 19 /* RELU */, { 0 }, 1, { 1 }, 1, 0, NULL, 0 } };
		int32_t in = 0, out = 1;

		add_tensors(b, ts, 2);
		add_ops(b, o, 1);
		assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
		assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	}
	t.type = TB_TYPE_INT64;
	t.shape = shape;
	t.rank = 1;
	t.buffer = (uint32_t)tb_add_buffer(b, wide, sizeof(wide));
	assert_int_equal(tb_add_tensor(b, &t), 2);
	finish(b, &m, &size);
	copy = aligned_alloc(16, 4096); /* room for both models below */
	assert_non_null(copy);
	assert_true(size + 4 <= 4096);
	memcpy(copy, m, size);
	expect_ok(copy, size);
	memcpy(copy + 4, m, size); /* data 16-aligned in the file: 4 mod 8 here */
	expect_fail_at(copy + 4, size, TS_ERR_MALFORMED, "tensor 2: buffer 1 data is not 8-byte aligned");
	free(m);

	/* (b) int32 [1] constant in an external buffer at offset 9, inside the
	 * file: in bounds but misaligned. */
	t.type = TB_TYPE_INT32;
	t.shape = one;
	t.buffer = (uint32_t)tb_add_external_buffer(b, 9, 4);
	assert_int_equal(tb_add_tensor(b, &t), 3);
	finish(b, &m, &size);
	assert_true(size <= 4096);
	memcpy(copy, m, size);
	expect_fail_at(copy, size, TS_ERR_MALFORMED, "tensor 3: buffer 2 data is not 4-byte aligned");
	/* At offset 8 it is aligned (the bytes are whatever the file holds). */
	tb_put_u32(copy, field(copy, size, pos(b, TB_POS_BUFFER, 2), 1), 8);
	expect_ok(copy, size);
	/* Beyond the end of the file. */
	tb_put_u32(copy, field(copy, size, pos(b, TB_POS_BUFFER, 2), 1), (uint32_t)size - 2);
	expect_fail_at(copy, size, TS_ERR_MALFORMED, "beyond the");
	free(copy);
	free(m);
	tb_free(b);
}

static void test_schema_version(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b;

	(void)state;
	for (int v = 1; v <= 4; v += 3) {
		struct cfs_variant var = { .version = v };
		char text[64];

		b = build_cfs_variant(&var, &m, &size);
		snprintf(text, sizeof(text), "schema version %d, expected 3", v);
		expect_fail(m, size, TS_ERR_UNSUPPORTED, text);
		free(m);
		tb_free(b);
	}
	/* A version field whose vtable entry points outside the table. */
	b = build_cfs(&m, &size);
	{
		long vt = tb_vtable_pos(m, size, (long)pos(b, TB_POS_MODEL, 0));

		assert_true(vt >= 0);
		tb_put_u16(m, (size_t)vt + 4, 0x7ff0);
		expect_fail(m, size, TS_ERR_MALFORMED, "model version field out of bounds");
	}
	free(m);
	tb_free(b);
}

static void test_root_offset(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const uint32_t bad[] = { (uint32_t)size, (uint32_t)size - 2, (uint32_t)size + 100,
				 0x7ffffffc, 0x80000000u, 0xfffffffcu, 2 /* unaligned */,
				 0 /* table at 0: vtable at 0 with size 0 */ };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tb_put_u32(m, 0, bad[i]);
		expect_fail(m, size, TS_ERR_MALFORMED, "root table out of bounds");
	}
	free(m);
	tb_free(b);
}

/* ---- truncation --------------------------------------------------------- */

static void expect_any_error(const void *model, size_t size, const char *what)
{
	ts_interpreter *ip = NULL;
	ts_diag diag = { { 0 } };
	ts_status st = ts_interpreter_create(&ip, model, size, arena, sizeof(arena), &diag);

	if (st == TS_OK)
		fail_msg("%s: %zu bytes accepted", what, size);
	assert_null(ip);
	if (!diag.text[0])
		fail_msg("%s: %zu bytes: status %d without a diag text", what, size, st);
}

static void test_truncation_builder_model(void **state)
{
	uint8_t *m, *copy;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);

	(void)state;
	/* A fresh exact-size heap copy per length: ASan sees any read past
	 * the truncated end, not just past the full model. */
	for (size_t n = 0; n < size; n++) {
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, m, n);
		expect_any_error(copy, n, "builder model truncated");
		free(copy);
	}
	expect_ok(m, size);
	free(m);
	tb_free(b);
}

static const char *conformance_dir(void)
{
	const char *dir = getenv("TS_CONFORMANCE_DIR");

	return dir && *dir ? dir : "../shared/conformance";
}

static void read_conformance(const char *name, struct test_file *f)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", conformance_dir(), name);
	test_file_read(path, f);
}

static void test_truncation_hello_world(void **state)
{
	struct test_file f;
	size_t step;

	(void)state;
	read_conformance("hello-world.tflite", &f);
	expect_ok(f.data, f.size);
	/* Every length near both ends, a stride through the middle. */
	step = f.size / 97 + 1;
	for (size_t n = 0; n < f.size; n++) {
		uint8_t *copy;

		if (n > 64 && n + 64 < f.size && n % step)
			continue;
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, f.data, n);
		expect_any_error(copy, n, "hello-world.tflite truncated");
		free(copy);
	}
	test_file_free(&f);
}

/* ---- tables and vtables ------------------------------------------------- */

static void test_vtable_corruption(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	size_t tpos = pos(b, TB_POS_TENSOR, 1);
	long vt = tb_vtable_pos(m, size, (long)tpos);
	uint8_t *orig = malloc(size);
	const int32_t soffsets[] = { (int32_t)tpos + 4, INT32_MAX, INT32_MIN, -(int32_t)size, 1, 3 };

	(void)state;
	assert_non_null(orig);
	assert_true(vt > 0);
	memcpy(orig, m, size);
	/* The tensor's soffset to its vtable: before the file start, past
	 * the end, odd. */
	for (size_t i = 0; i < sizeof(soffsets) / sizeof(soffsets[0]); i++) {
		memcpy(m, orig, size);
		tb_put_u32(m, tpos, (uint32_t)soffsets[i]);
		expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: table out of bounds");
	}
	/* vtable size: huge, odd, too small. */
	memcpy(m, orig, size);
	tb_put_u16(m, (size_t)vt, 0xfffe);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: table out of bounds");
	tb_put_u16(m, (size_t)vt, 7);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: table out of bounds");
	tb_put_u16(m, (size_t)vt, 2);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: table out of bounds");
	/* table size past the end of the file. */
	memcpy(m, orig, size);
	tb_put_u16(m, (size_t)vt + 2, 0xfff0);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: table out of bounds");
	/* A field offset (buffer, id 2) beyond the table's size. */
	memcpy(m, orig, size);
	tb_put_u16(m, (size_t)vt + 4 + 2 * 2, tb_get_u16(m, (size_t)vt + 2));
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: field out of bounds");
	/* The uoffset to the tensor table itself. */
	memcpy(m, orig, size);
	tb_put_u32(m, pos(b, TB_POS_SG_TENSORS_VEC, 0) + 4 + 4 * 1, 0x7ffffff0);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: table out of bounds");
	/* The root (Model) table's vtable. */
	memcpy(m, orig, size);
	tb_put_u32(m, pos(b, TB_POS_MODEL, 0), 0x40000000);
	expect_fail(m, size, TS_ERR_MALFORMED, "root table out of bounds");
	/* An operator table. */
	memcpy(m, orig, size);
	tb_put_u32(m, pos(b, TB_POS_OPERATOR, 1), (uint32_t)-4000);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator 1: table out of bounds");
	/* An operator code table. */
	memcpy(m, orig, size);
	tb_put_u32(m, pos(b, TB_POS_OPCODE, 2), 0x7ffffff0);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator code 2: table out of bounds");
	/* A buffer table. */
	memcpy(m, orig, size);
	tb_put_u32(m, pos(b, TB_POS_BUFFERS_VEC, 0) + 4 + 4 * 3, 0x7ffffff0);
	expect_fail(m, size, TS_ERR_MALFORMED, "buffer 3: table out of bounds");
	/* The subgraph table. */
	memcpy(m, orig, size);
	tb_put_u32(m, pos(b, TB_POS_SUBGRAPHS_VEC, 0) + 4, 0x7ffffff0);
	expect_fail(m, size, TS_ERR_MALFORMED, "subgraph 0: table out of bounds");
	free(orig);
	free(m);
	tb_free(b);
}

/* ---- vector lengths ----------------------------------------------------- */

static void huge_len(const tb_builder *b, uint8_t *m, size_t size,
		     tb_pos_kind kind, int index, const char *text)
{
	const size_t p = pos(b, kind, index);
	const uint32_t keep = tb_get_u32(m, p);
	const uint32_t lens[] = { 0xffffffffu, 0x7fffffffu, 0x40000000u,
				  (uint32_t)size, keep + (uint32_t)(size - p) / 4 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		tb_put_u32(m, p, lens[i]);
		expect_fail(m, size, TS_ERR_MALFORMED, text);
	}
	tb_put_u32(m, p, keep);
}

static void test_huge_vector_lengths(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);

	(void)state;
	huge_len(b, m, size, TB_POS_OPCODES_VEC, 0, "operator_codes vector out of bounds");
	huge_len(b, m, size, TB_POS_BUFFERS_VEC, 0, "buffers vector out of bounds");
	huge_len(b, m, size, TB_POS_SUBGRAPHS_VEC, 0, "subgraphs vector out of bounds");
	huge_len(b, m, size, TB_POS_SG_TENSORS_VEC, 0, "subgraph 0: tensors vector out of bounds");
	huge_len(b, m, size, TB_POS_SG_OPERATORS_VEC, 0, "subgraph 0: operators vector out of bounds");
	huge_len(b, m, size, TB_POS_SG_INPUTS_VEC, 0, "subgraph 0: input vector out of bounds");
	huge_len(b, m, size, TB_POS_SG_OUTPUTS_VEC, 0, "subgraph 0: output vector out of bounds");
	huge_len(b, m, size, TB_POS_TENSOR_SHAPE_VEC, 3, "tensor 3: shape vector out of bounds");
	huge_len(b, m, size, TB_POS_QUANT_SCALE_VEC, 2, "tensor 2: quantization scale vector out of bounds");
	huge_len(b, m, size, TB_POS_QUANT_ZERO_POINT_VEC, 6, "tensor 6: quantization zero_point vector out of bounds");
	huge_len(b, m, size, TB_POS_OP_INPUTS_VEC, 1, "operator 1: input vector out of bounds");
	huge_len(b, m, size, TB_POS_OP_OUTPUTS_VEC, 2, "operator 2: output vector out of bounds");
	huge_len(b, m, size, TB_POS_BUFFER_DATA, 4, "buffer 4: data vector out of bounds");
	expect_ok(m, size);
	free(m);
	tb_free(b);
}

/* A subgraph without any subgraph, an empty model. */
static void test_no_subgraph(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);

	(void)state;
	tb_put_u32(m, pos(b, TB_POS_SUBGRAPHS_VEC, 0), 0);
	expect_fail(m, size, TS_ERR_MALFORMED, "model has no subgraph");
	free(m);
	tb_free(b);
}

/* Strings: the tensor name must be in bounds and NUL-terminated. */
static void test_tensor_name_string(void **state)
{
	tb_builder *b = tb_create();
	tb_tensor t = { 0 };
	int32_t shape[2] = { 1, 4 };
	float s = 1.0f;
	int64_t zp = 0;
	tb_quant q = { &s, 1, &zp, 1, 0, NULL, 0, NULL, 0 };
	ospec o[1] = { { 19 /* RELU */, { 0 }, 1, { 1 }, 1, 0, NULL, 0 } };
	int32_t in = 0, out = 1;
	uint8_t *m;
	size_t size, p;
	ts_interpreter *ip;

	(void)state;
	assert_non_null(b);
	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 2;
	t.quant = &q;
	t.name = "input_tensor";
	assert_int_equal(tb_add_tensor(b, &t), 0);
	t.name = "out";
	assert_int_equal(tb_add_tensor(b, &t), 1);
	add_ops(b, o, 1);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	finish(b, &m, &size);
	ip = expect_ok(m, size);
	assert_string_equal(ts_interpreter_tensor_name(ip, ts_interpreter_input(ip, 0)),
			    "input_tensor");
	assert_string_equal(ts_interpreter_tensor_name(ip, ts_interpreter_output(ip, 0)), "out");
	p = pos(b, TB_POS_TENSOR_NAME, 0);
	m[p + 4 + strlen("input_tensor")] = 'X'; /* no terminating NUL */
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 0: name string out of bounds or unterminated");
	m[p + 4 + strlen("input_tensor")] = 0;
	tb_put_u32(m, p, 0x7ffffff0);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 0: name string out of bounds or unterminated");
	free(m);
	tb_free(b);
}

/* ---- tensors ------------------------------------------------------------ */

static void test_tensor_buffer_index_out_of_range(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t p = field(m, size, (long)pos(b, TB_POS_TENSOR, 6), 2);

	(void)state;
	tb_put_u32(m, p, 40);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "tensor 6: buffer 40 out of range (model has 5 buffers)");
	tb_put_u32(m, p, CFS_BUFFERS); /* one past the last */
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 6: buffer 5 out of range");
	tb_put_u32(m, p, 0xffffffffu);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 6: buffer 4294967295 out of range");
	free(m);
	tb_free(b);
}

static void test_tensor_type_unsupported(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t p = field(m, size, (long)pos(b, TB_POS_TENSOR, 6), 1);

	(void)state;
	m[p] = 5;
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "tensor 6: type string (5) not supported");
	m[p] = 1;
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "tensor 6: type float16 (1) not supported");
	m[p] = 8;
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "complex64 (8)");
	m[p] = 100;
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "tensor 6: type unknown (100) not supported");
	m[p] = 255;
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "(255) not supported");
	/* A supported storage type on an int8 operator: the op names it. */
	m[p] = TB_TYPE_UINT8;
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "uint8");
	free(m);
	tb_free(b);
}

static void test_negative_dims(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t dims = pos(b, TB_POS_TENSOR_SHAPE_VEC, 3) + 4;

	(void)state;
	/* -1 is TFLite's "dynamic" dimension: valid TFLite, not supported. */
	tb_put_u32(m, dims + 4 * 1, (uint32_t)-1);
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "tensor 3: dimension 1 is -1");
	/* Other negatives are simply malformed. */
	tb_put_u32(m, dims + 4 * 1, (uint32_t)-7);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 3: dimension 1 is -7");
	tb_put_u32(m, dims + 4 * 1, (uint32_t)INT32_MIN);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 3: dimension 1 is -2147483648");
	free(m);
	tb_free(b);
}

static void test_shape_overflow(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t dims = pos(b, TB_POS_TENSOR_SHAPE_VEC, 3) + 4;
	uint8_t *orig = malloc(size);
	/* [65536,65536,65536,1] = 2^48 elements; [65536,65536,1,1] = 2^32
	 * (wraps to 0 in 32 bits); [46341,46341,1,1] = 2147488281, just over
	 * 2^31 - 1; [2,2^30,1,1] = 2^31. */
	const int32_t shapes[][4] = {
		{ 65536, 65536, 65536, 1 }, { 65536, 65536, 1, 1 },
		{ 46341, 46341, 1, 1 }, { 2, 1 << 30, 1, 1 },
		{ INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX },
	};

	(void)state;
	assert_non_null(orig);
	memcpy(orig, m, size);
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		memcpy(m, orig, size);
		for (int d = 0; d < 4; d++)
			tb_put_u32(m, dims + 4 * (size_t)d, (uint32_t)shapes[s][d]);
		expect_fail(m, size, TS_ERR_MALFORMED, "tensor 3: shape has more than 2^31 elements");
	}
	/* A zero dimension makes the product 0, whatever follows. */
	memcpy(m, orig, size);
	tb_put_u32(m, dims, 0);
	tb_put_u32(m, dims + 4, 65536);
	tb_put_u32(m, dims + 8, 65536);
	tb_put_u32(m, dims + 12, 65536);
	expect_any_error(m, size, "zero-element conv output"); /* the op refuses it */
	/* Elements fit, bytes do not: int32 bias of 2^29 elements is 2^31 bytes. */
	memcpy(m, orig, size);
	tb_put_u32(m, pos(b, TB_POS_TENSOR_SHAPE_VEC, 5) + 4, 1u << 29);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 5: 2147483648 bytes is too large");
	free(orig);
	free(m);
	tb_free(b);
}

static void test_rank_too_high(void **state)
{
	tb_builder *b = tb_create();
	tspec t[2] = {
		{ TB_TYPE_INT8, { 1, 1, 1, 1, 1, 1, 4 }, 7, 1.0f, 0, NULL, 0 },
		{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
	};
	uint8_t *m;
	size_t size;
	int32_t in = 0;

	(void)state;
	assert_non_null(b);
	add_tensors(b, t, 2);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	finish(b, &m, &size);
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "tensor 0: rank 7 exceeds the supported 6");
	free(m);
	tb_free(b);
}

static void test_buffer_size_mismatch(void **state)
{
	const int sizes[] = { 8, 11, 13, 16, 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct cfs_variant v = { .fc_bias_bytes = sizes[i] };
		uint8_t *m;
		size_t size;
		tb_builder *b = build_cfs_variant(&v, &m, &size);
		char text[96];

		snprintf(text, sizeof(text),
			 "tensor 5: buffer 4 holds %d bytes, the tensor needs 12", sizes[i]);
		expect_fail(m, size, TS_ERR_MALFORMED, text);
		free(m);
		tb_free(b);
	}
}

/* Sparse tensors (Tensor.sparsity, id 6) are not supported. */
static void test_sparse_and_variable_tensors(void **state)
{
	tb_builder *b = tb_create();
	tb_tensor t = { 0 };
	int32_t shape[2] = { 1, 4 };
	float s = 1.0f;
	int64_t zp = 0;
	tb_quant q = { &s, 1, &zp, 1, 0, NULL, 0, NULL, 0 };
	static const int32_t order[2] = { 0, 1 };
	const tb_field sparsity[] = { TB_FIELD_VEC_I32(0, order, 2) };
	const tb_field extra_sparse[] = { TB_FIELD_TABLE(6, sparsity, 1) };
	const tb_field extra_variable[] = { TB_FIELD_BOOL(5, 1) };
	static const int8_t four[4] = { 1, 2, 3, 4 };
	int32_t in = 0;
	uint8_t *m;
	size_t size;

	(void)state;
	assert_non_null(b);
	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 2;
	t.quant = &q;
	assert_int_equal(tb_add_tensor(b, &t), 0);
	t.extra = extra_sparse;
	t.num_extra = 1;
	assert_int_equal(tb_add_tensor(b, &t), 1);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	finish(b, &m, &size);
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "tensor 1: sparse tensors are not supported");
	free(m);
	tb_free(b);

	/* A variable tensor with constant data makes no sense. */
	b = tb_create();
	assert_non_null(b);
	t.extra = NULL;
	t.num_extra = 0;
	assert_int_equal(tb_add_tensor(b, &t), 0);
	t.extra = extra_variable;
	t.num_extra = 1;
	t.buffer = (uint32_t)tb_add_buffer(b, four, 4);
	assert_int_equal(tb_add_tensor(b, &t), 1);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	finish(b, &m, &size);
	expect_fail(m, size, TS_ERR_MALFORMED, "tensor 1: variable tensor with constant data");
	free(m);
	tb_free(b);
}

/* ---- operators ---------------------------------------------------------- */

static void test_opcode_index_out_of_range(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t p = field(m, size, (long)pos(b, TB_POS_OPERATOR, 1), 0);

	(void)state;
	tb_put_u32(m, p, 3);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 1: opcode index 3 out of range (model has 3 operator codes)");
	tb_put_u32(m, p, 0xffffffffu);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator 1: opcode index 4294967295 out of range");
	free(m);
	tb_free(b);
}

static void set_builtin(const tb_builder *b, uint8_t *m, size_t size, int opcode,
			int8_t deprecated, int32_t code)
{
	m[field(m, size, (long)pos(b, TB_POS_OPCODE, opcode), 0)] = (uint8_t)deprecated;
	tb_put_u32(m, field(m, size, (long)pos(b, TB_POS_OPCODE, opcode), 3), (uint32_t)code);
}

static void test_unsupported_builtin(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);

	(void)state;
	set_builtin(b, m, size, 1, 16, 16);
	expect_fail(m, size, TS_ERR_UNSUPPORTED,
		    "operator 1: builtin operator LSTM (16) not supported");
	/* Codes above 127: deprecated_builtin_code is the placeholder 127. */
	set_builtin(b, m, size, 1, 127, 150);
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "(150) not supported");
	set_builtin(b, m, size, 1, 127, 127);
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "(127) not supported");
	/* Codes nobody has named yet. */
	set_builtin(b, m, size, 1, 127, 100000);
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "builtin operator UNKNOWN (100000) not supported");
	/* Negative codes (old files could only store int8). */
	set_builtin(b, m, size, 1, -5, -7);
	expect_fail(m, size, TS_ERR_UNSUPPORTED, "UNKNOWN (-5) not supported");
	/* GetBuiltinCode: the larger of the two fields wins, so an old file
	 * (builtin_code 0, deprecated code 9) is FULLY_CONNECTED. */
	set_builtin(b, m, size, 1, 9, 0);
	expect_ok(m, size);
	free(m);
	tb_free(b);
}

static void test_custom_op(void **state)
{
	tb_builder *b = tb_create();
	tspec t[2] = {
		{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
		{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
	};
	tb_operator op = { 0 };
	int32_t in = 0, out = 1;
	uint8_t *m;
	size_t size;

	(void)state;
	assert_non_null(b);
	add_tensors(b, t, 2);
	op.opcode_index = (uint32_t)tb_add_opcode_raw(b, 32, 32, 1, "TFLite_Detection_PostProcess");
	op.inputs = &in;
	op.num_inputs = 1;
	op.outputs = &out;
	op.num_outputs = 1;
	assert_int_equal(tb_add_operator(b, &op), 0);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	finish(b, &m, &size);
	expect_fail(m, size, TS_ERR_UNSUPPORTED,
		    "operator 0: custom operator 'TFLite_Detection_PostProcess' not supported");
	/* An unterminated custom_code string is malformed, not read past. */
	{
		const size_t s = (size_t)tb_deref(m, size, (long)field(m, size,
						  (long)pos(b, TB_POS_OPCODE, 0), 1));

		m[s + 4 + strlen("TFLite_Detection_PostProcess")] = 'Z';
		expect_fail(m, size, TS_ERR_MALFORMED, "operator code 0: custom_code out of bounds");
	}
	free(m);
	tb_free(b);
}

static void test_operator_tensor_index_out_of_range(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t ins = pos(b, TB_POS_OP_INPUTS_VEC, 1) + 4;
	const size_t outs = pos(b, TB_POS_OP_OUTPUTS_VEC, 1) + 4;
	const size_t sg_ins = pos(b, TB_POS_SG_INPUTS_VEC, 0) + 4;
	const size_t sg_outs = pos(b, TB_POS_SG_OUTPUTS_VEC, 0) + 4;

	(void)state;
	tb_put_u32(m, ins + 4, 99);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 1: input 1 is tensor 99, out of range (subgraph has 8 tensors)");
	tb_put_u32(m, ins + 4, CFS_TENSORS);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator 1: input 1 is tensor 8, out of range");
	tb_put_u32(m, ins + 4, (uint32_t)-2);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator 1: input 1 is tensor -2, out of range");
	tb_put_u32(m, ins + 4, (uint32_t)INT32_MIN);
	expect_fail(m, size, TS_ERR_MALFORMED, "is tensor -2147483648, out of range");
	tb_put_u32(m, ins + 4, 4);
	/* -1 (optional) where an input is required: the op says it's missing. */
	tb_put_u32(m, ins + 4, (uint32_t)-1);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator 1 (FULLY_CONNECTED): filter is missing");
	tb_put_u32(m, ins + 4, 4);
	/* -1 for the optional bias is fine. */
	tb_put_u32(m, ins + 8, (uint32_t)-1);
	expect_ok(m, size);
	tb_put_u32(m, ins + 8, 5);
	/* Outputs may not be -1 or out of range. */
	tb_put_u32(m, outs, (uint32_t)-1);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator 1: output 0 is tensor -1, out of range");
	tb_put_u32(m, outs, 8);
	expect_fail(m, size, TS_ERR_MALFORMED, "operator 1: output 0 is tensor 8, out of range");
	tb_put_u32(m, outs, 6);
	/* Subgraph inputs and outputs. */
	tb_put_u32(m, sg_ins, 50);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "subgraph 0: input 0 is tensor 50, out of range (subgraph has 8 tensors)");
	tb_put_u32(m, sg_ins, (uint32_t)-1);
	expect_fail(m, size, TS_ERR_MALFORMED, "subgraph 0: input 0 is tensor -1, out of range");
	tb_put_u32(m, sg_ins, 0);
	tb_put_u32(m, sg_outs, 8);
	expect_fail(m, size, TS_ERR_MALFORMED, "subgraph 0: output 0 is tensor 8, out of range");
	tb_put_u32(m, sg_outs, 7);
	expect_ok(m, size);
	free(m);
	tb_free(b);
}

static void test_wiring(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t fc_outs = pos(b, TB_POS_OP_OUTPUTS_VEC, 1) + 4;
	const size_t sm_ins = pos(b, TB_POS_OP_INPUTS_VEC, 2) + 4;
	const size_t sm_outs = pos(b, TB_POS_OP_OUTPUTS_VEC, 2) + 4;
	const size_t conv_ins = pos(b, TB_POS_OP_INPUTS_VEC, 0) + 4;
	const size_t sg_ins = pos(b, TB_POS_SG_INPUTS_VEC, 0) + 4;
	const size_t sg_outs = pos(b, TB_POS_SG_OUTPUTS_VEC, 0) + 4;

	(void)state;
	/* FULLY_CONNECTED writes its own (constant) filter. */
	tb_put_u32(m, fc_outs, 4);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 1: output tensor 4 is constant or already written");
	tb_put_u32(m, fc_outs, 6);
	/* SOFTMAX writes the conv output (already written by op 0). */
	tb_put_u32(m, sm_outs, 3);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 2: output tensor 3 is constant or already written");
	/* ... or the graph input. */
	tb_put_u32(m, sm_outs, 0);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 2: output tensor 0 is constant or already written");
	tb_put_u32(m, sm_outs, 7);
	/* CONV_2D reads the FULLY_CONNECTED output, written later. */
	tb_put_u32(m, conv_ins, 6);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 0: input tensor 6 is read before any operator writes it");
	/* ... or its own output. */
	tb_put_u32(m, conv_ins, 3);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 0: input tensor 3 is read before any operator writes it");
	tb_put_u32(m, conv_ins, 0);
	/* SOFTMAX reads a tensor nobody writes (the graph output). */
	tb_put_u32(m, sm_ins, 7);
	expect_fail(m, size, TS_ERR_MALFORMED, "read before any operator writes it");
	tb_put_u32(m, sm_ins, 6);
	(void)sg_outs;
	/* A constant graph input. */
	tb_put_u32(m, sg_ins, 1);
	expect_fail(m, size, TS_ERR_MALFORMED, "subgraph input 0 is tensor 1, which is constant");
	/* The graph input unlisted: conv reads tensor 0 that nothing writes. */
	tb_put_u32(m, sg_ins - 4, 0);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 0: input tensor 0 is read before any operator writes it");
	tb_put_u32(m, sg_ins - 4, 1);
	tb_put_u32(m, sg_ins, 0);
	expect_ok(m, size);
	free(m);
	tb_free(b);

	/* A graph output never written by any operator. */
	{
		tspec t[3] = {
			{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
			{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
			{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, 0, NULL, 0 },
		};
		ospec o[1] = { { 19 /* RELU */, { 0 }, 1, { 1 }, 1, 0, NULL, 0 } };
		int32_t in = 0, outs[2] = { 1, 2 };

		b = tb_create();
		assert_non_null(b);
		add_tensors(b, t, 3);
		add_ops(b, o, 1);
		assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
		assert_int_equal(tb_set_outputs(b, outs, 2), TB_OK);
		finish(b, &m, &size);
		expect_fail(m, size, TS_ERR_MALFORMED, "subgraph output 1 (tensor 2) is never written");
		free(m);
		tb_free(b);
	}
}

static void test_wrong_options_type(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t p = field(m, size, (long)pos(b, TB_POS_OPERATOR, 1), 3);

	(void)state;
	m[p] = 1; /* Conv2DOptions on FULLY_CONNECTED */
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 1 (FULLY_CONNECTED): builtin options of type 1, expected 8");
	m[p] = 255;
	expect_fail(m, size, TS_ERR_MALFORMED, "builtin options of type 255, expected 8");
	/* NONE with a table present: allowed (the table is read as the op's). */
	m[p] = 0;
	expect_ok(m, size);
	m[p] = 8;
	/* The options table itself out of bounds. */
	tb_put_u32(m, field(m, size, (long)pos(b, TB_POS_OPERATOR, 1), 4), 0x7ffffff0);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 1 (FULLY_CONNECTED): builtin options table out of bounds");
	free(m);
	tb_free(b);
}

static void test_input_output_counts(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b;
	struct cfs_variant few = { .fc_single_input = 1 }, many = { .extra_fc_input = 1 };

	(void)state;
	b = build_cfs_variant(&few, &m, &size);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 1 (FULLY_CONNECTED): 1 inputs and 1 outputs, expected 2..3 and 1");
	free(m);
	tb_free(b);
	b = build_cfs_variant(&many, &m, &size);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 1 (FULLY_CONNECTED): 4 inputs and 1 outputs, expected 2..3 and 1");
	free(m);
	tb_free(b);
	/* Zero outputs, by shortening the vector. */
	b = build_cfs(&m, &size);
	tb_put_u32(m, pos(b, TB_POS_OP_OUTPUTS_VEC, 2), 0);
	expect_fail(m, size, TS_ERR_MALFORMED,
		    "operator 2 (SOFTMAX): 1 inputs and 0 outputs, expected 1..1 and 1");
	/* Zero inputs. */
	tb_put_u32(m, pos(b, TB_POS_OP_OUTPUTS_VEC, 2), 1);
	tb_put_u32(m, pos(b, TB_POS_OP_INPUTS_VEC, 2), 0);
	expect_fail(m, size, TS_ERR_MALFORMED, "0 inputs and 1 outputs");
	free(m);
	tb_free(b);
}

/* ---- quantization parameters -------------------------------------------- */

/* A CONV_2D with a per-channel filter: 2 output channels. */
static tb_builder *build_conv_per_channel(const float *scales, size_t n_scales,
					  const int64_t *zps, size_t n_zps, int32_t qdim,
					  uint8_t **m, size_t *size)
{
	tb_builder *b = tb_create();
	tspec t[4] = {
		{ TB_TYPE_INT8, { 1, 3, 3, 1 }, 4, 0.5f, 0, NULL, 0 },
		{ TB_TYPE_INT8, { 2, 3, 3, 1 }, 4, 0, 0, conv_w, sizeof(conv_w) },
		{ TB_TYPE_INT32, { 2 }, 1, 0, 0, conv_b, sizeof(conv_b) },
		{ TB_TYPE_INT8, { 1, 1, 1, 2 }, 4, 1.0f, 0, NULL, 0 },
	};
	ospec o[1] = { { 3, { 0, 1, 2 }, 3, { 3 }, 1, 1, conv_opts, 4 } };
	tb_tensor ft = { 0 };
	tb_quant q = { 0 };
	int32_t in = 0, out = 3;

	assert_non_null(b);
	add_tensors(b, &t[0], 1);
	q.scale = scales;
	q.num_scale = n_scales;
	q.zero_point = zps;
	q.num_zero_point = n_zps;
	q.quantized_dimension = qdim;
	ft.type = TB_TYPE_INT8;
	ft.shape = t[1].shape;
	ft.rank = 4;
	ft.quant = &q;
	ft.buffer = (uint32_t)tb_add_buffer(b, conv_w, sizeof(conv_w));
	assert_int_equal(tb_add_tensor(b, &ft), 1);
	{
		tb_tensor bt = { 0 };

		bt.type = TB_TYPE_INT32;
		bt.shape = t[2].shape;
		bt.rank = 1;
		bt.buffer = (uint32_t)tb_add_buffer(b, conv_b, sizeof(conv_b));
		assert_int_equal(tb_add_tensor(b, &bt), 2);
	}
	{
		tb_tensor ot = { 0 };
		float s = 1.0f;
		int64_t zp = 0;
		tb_quant oq = { &s, 1, &zp, 1, 0, NULL, 0, NULL, 0 };

		ot.type = TB_TYPE_INT8;
		ot.shape = t[3].shape;
		ot.rank = 4;
		ot.quant = &oq;
		assert_int_equal(tb_add_tensor(b, &ot), 3);
	}
	add_ops(b, o, 1);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	finish(b, m, size);
	return b;
}

static void test_quantization_parameters(void **state)
{
	const float s2[2] = { 0.25f, 0.5f };
	const int64_t z0[2] = { 0, 0 }, z_mixed[2] = { 0, 5 }, z_same[2] = { 3, 3 },
		      z_huge[2] = { (int64_t)1 << 40, (int64_t)1 << 40 };
	uint8_t *m;
	size_t size;
	tb_builder *b;

	(void)state;
	/* The correct per-channel filter. */
	b = build_conv_per_channel(s2, 2, z0, 2, 0, &m, &size);
	expect_ok(m, size);
	free(m);
	tb_free(b);
	/* Scale / zero point count mismatch. */
	b = build_conv_per_channel(s2, 2, z0, 1, 0, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "tensor 1: 2 scales but 1 zero points");
	free(m);
	tb_free(b);
	b = build_conv_per_channel(s2, 1, z0, 2, 0, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "tensor 1: 1 scales but 2 zero points");
	free(m);
	tb_free(b);
	b = build_conv_per_channel(s2, 2, NULL, 0, 0, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "tensor 1: 2 scales but 0 zero points");
	free(m);
	tb_free(b);
	/* Per-channel zero points must all be 0 (int8 per-axis weights):
	 * differing ones are refused by the loader ... */
	b = build_conv_per_channel(s2, 2, z_mixed, 2, 0, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "tensor 1: zero point 5 of channel 1 not supported");
	free(m);
	tb_free(b);
	/* ... equal non-zero ones by the operator. */
	b = build_conv_per_channel(s2, 2, z_same, 2, 0, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "operator 0 (CONV_2D): filter zero point 3, expected 0");
	free(m);
	tb_free(b);
	/* Zero points beyond int32. */
	b = build_conv_per_channel(s2, 2, z_huge, 2, 0, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "tensor 1: zero point 1099511627776 of channel 0 not supported");
	free(m);
	tb_free(b);
	/* Quantized dimension out of range (rank limit) or negative. */
	b = build_conv_per_channel(s2, 2, z0, 2, 7, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "tensor 1: quantized dimension 7 out of range");
	free(m);
	tb_free(b);
	b = build_conv_per_channel(s2, 2, z0, 2, -1, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "tensor 1: quantized dimension -1 out of range");
	free(m);
	tb_free(b);
	/* A valid dimension that is not the output channel one. */
	b = build_conv_per_channel(s2, 2, z0, 2, 3, &m, &size);
	expect_fail(m, size, TS_ERR_QUANT, "filter has 2 scales along dimension 3, expected 2 along 0");
	free(m);
	tb_free(b);
	/* Unusable scales. */
	{
		const float s_zero[2] = { 0.25f, 0.0f }, s_neg[2] = { -0.25f, 0.5f };

		b = build_conv_per_channel(s_zero, 2, z0, 2, 0, &m, &size);
		expect_fail(m, size, TS_ERR_QUANT, "filter scale of channel 1 is unusable");
		free(m);
		tb_free(b);
		b = build_conv_per_channel(s_neg, 2, z0, 2, 0, &m, &size);
		expect_fail(m, size, TS_ERR_QUANT, "filter");
		free(m);
		tb_free(b);
	}
}

/* Per-tensor parameters the ops check. */
static void test_activation_quantization(void **state)
{
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs(&m, &size);
	const size_t zp = pos(b, TB_POS_QUANT_ZERO_POINT_VEC, 6) + 4;
	const size_t sc = pos(b, TB_POS_QUANT_SCALE_VEC, 6) + 4;

	(void)state;
	/* FC output zero point outside int8. */
	tb_put_u32(m, zp, 200);
	expect_fail(m, size, TS_ERR_QUANT, "output zero point 200 outside [-128, 127]");
	tb_put_u32(m, zp, 0);
	/* A zero scale. */
	tb_put_u32(m, sc, 0);
	expect_fail(m, size, TS_ERR_QUANT, "unusable");
	/* No scales at all (scale vector empty): not quantized. */
	tb_put_u32(m, sc - 4, 0);
	tb_put_u32(m, zp - 4, 0);
	expect_fail(m, size, TS_ERR_QUANT, "has no quantization parameters");
	free(m);
	tb_free(b);
}

/* ---- every registered op with all inputs omitted ------------------------ */

/* A required input given as -1 must be refused by the op's prepare (or, if
 * the op really has no required input, the model must run). */
static void test_every_op_with_omitted_inputs(void **state)
{
	int tried = 0;

	(void)state;
	for (int32_t code = 0; code < 256; code++) {
		const ts_op *op = ts_op_find(code);

		if (!op)
			continue;
		for (unsigned n = op->min_inputs; n <= op->max_inputs && n <= 4; n++) {
			for (unsigned missing = 1; missing < (1u << n); missing++) {
				tb_builder *b = tb_create();
				tspec t[5];
				ospec o = { code, { 0 }, n, { 0 }, 1, 0, NULL, 0 };
				int32_t out = 0, gin[4];
				size_t n_gin = 0;
				uint8_t *m;
				size_t size;
				ts_interpreter *ip = NULL;

				assert_non_null(b);
				for (unsigned k = 0; k <= n; k++) {
					tspec s = { TB_TYPE_INT8, { 1, 2, 2, 2 }, 4, 0.5f, 0, NULL, 0 };

					t[k] = s;
				}
				add_tensors(b, t, n + 1);
				out = (int32_t)n;
				for (unsigned k = 0; k < n; k++) {
					o.in[k] = (missing >> k) & 1 ? -1 : (int32_t)k;
					if (o.in[k] >= 0)
						gin[n_gin++] = o.in[k];
				}
				o.out[0] = out;
				add_ops(b, &o, 1);
				assert_int_equal(tb_set_inputs(b, gin, n_gin), TB_OK);
				assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
				finish(b, &m, &size);
				if (ts_interpreter_create(&ip, m, size, arena, sizeof(arena), NULL) == TS_OK) {
					for (size_t k = 0; k < ts_interpreter_input_count(ip); k++) {
						ts_tensor *in = ts_interpreter_input(ip, k);

						memset(ts_tensor_data(in), 1, ts_tensor_bytes(in));
					}
					ts_interpreter_invoke(ip, NULL);
				}
				tried++;
				free(m);
				tb_free(b);
			}
		}
	}
	assert_true(tried > 20);
}

/* ---- regressions found by the byte-flip loop ---------------------------- */

/*
 * CONV_2D with an input of 0 channels ([1,4,4,0], a legal shape: 0
 * elements).  lib/ops/conv.c prepare: in_c = 0 passes
 * "in_c % depth_multiplier", then groups = in_c / depth_multiplier = 0 and
 * "out_c % groups" divides by zero (SIGFPE on x86).  Expected: a
 * TS_ERR_SHAPE rejection.
 */
static void test_conv_zero_input_channels(void **state)
{
	tb_builder *b = tb_create();
	tspec t[4] = {
		{ TB_TYPE_INT8, { 1, 4, 4, 0 }, 4, 0.5f, 0, NULL, 0 },
		{ TB_TYPE_INT8, { 2, 3, 3, 1 }, 4, 0.25f, 0, conv_w, sizeof(conv_w) },
		{ TB_TYPE_INT32, { 2 }, 1, 0.125f, 0, conv_b, sizeof(conv_b) },
		{ TB_TYPE_INT8, { 1, 2, 2, 2 }, 4, 1.0f, 0, NULL, 0 },
	};
	ospec o[1] = { { 3, { 0, 1, 2 }, 3, { 3 }, 1, 1, conv_opts, 4 } };
	int32_t in = 0, out = 3;
	uint8_t *m;
	size_t size;

	(void)state;
	assert_non_null(b);
	add_tensors(b, t, 4);
	add_ops(b, o, 1);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	finish(b, &m, &size);
	expect_fail(m, size, TS_ERR_SHAPE, "operator 0 (CONV_2D)");
	free(m);
	tb_free(b);
}

/*
 * FULLY_CONNECTED with a per-tensor filter zero point far outside int8
 * (2^24).  lib/ops/fully_connected.c checks the input and output zero
 * points (ts_prepare_expect_quant) but not the filter's, so it loads, and
 * the reference kernel (lib/kernels/ref/fc_s8.c:25) computes
 * (w + filter_offset) * (x + input_offset) in int: (-2^24 - 128) * 255
 * overflows (UBSan: signed integer overflow).  Expected: TS_ERR_QUANT
 * (TFLite's int8 quantization spec has weights with zero point 0; at the
 * very least it must lie in [-128, 127]).
 */
static void test_fc_filter_zero_point_out_of_range(void **state)
{
	static const int8_t w[4] = { -128, -128, -128, -128 };
	const int64_t zps[] = { (int64_t)1 << 24, 200, -129 };

	(void)state;
	for (size_t z = 0; z < sizeof(zps) / sizeof(zps[0]); z++) {
		tb_builder *b = tb_create();
		tspec t[3] = {
			{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, -128, NULL, 0 },
			{ TB_TYPE_INT8, { 1, 4 }, 2, 1.0f, zps[z], w, sizeof(w) },
			{ TB_TYPE_INT8, { 1, 1 }, 2, 1.0f, 0, NULL, 0 },
		};
		ospec o[1] = { { 9, { 0, 1 }, 2, { 2 }, 1, 8, fc_opts, 1 } };
		int32_t in = 0, out = 2;
		uint8_t *m;
		size_t size;
		ts_interpreter *ip = NULL;
		ts_diag diag;
		ts_status st;

		assert_non_null(b);
		add_tensors(b, t, 3);
		add_ops(b, o, 1);
		assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
		assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
		finish(b, &m, &size);
		memset(&diag, 0, sizeof(diag));
		st = ts_interpreter_create(&ip, m, size, arena, sizeof(arena), &diag);
		if (st == TS_OK) {
			/* Show what it does with it (UB under the bug). */
			memset(ts_tensor_data(ts_interpreter_input(ip, 0)), 127, 4);
			ts_interpreter_invoke(ip, NULL);
			fail_msg("filter zero point %lld accepted", (long long)zps[z]);
		}
		assert_int_equal(st, TS_ERR_QUANT);
		assert_non_null(strstr(diag.text, "filter"));
		free(m);
		tb_free(b);
	}
}

/* ---- the arena ---------------------------------------------------------- */

static void test_arena_too_small(void **state)
{
	uint8_t *m;
	size_t size, used;
	tb_builder *b = build_cfs(&m, &size);
	ts_interpreter *ip = expect_ok(m, size);
	ts_diag diag;

	(void)state;
	used = ts_interpreter_arena_used(ip);
	assert_true(used > 0 && used < sizeof(arena));
	/* An arena of exactly arena_used bytes is enough (interpreter.h). */
	memset(&diag, 0, sizeof(diag));
	if (ts_interpreter_create(&ip, m, size, arena, used, &diag) != TS_OK)
		fail_msg("arena of exactly arena_used = %zu bytes refused: %s", used, diag.text);
	assert_int_equal(ts_interpreter_arena_used(ip), used);
	/* One byte less is not. */
	ip = (ts_interpreter *)1;
	memset(&diag, 0, sizeof(diag));
	assert_int_equal(ts_interpreter_create(&ip, m, size, arena, used - 1, &diag),
			 TS_ERR_ARENA_TOO_SMALL);
	assert_non_null(strstr(diag.text, "arena too small"));
	assert_null(ip);
	/* Nor is any smaller size, and none crashes. */
	for (size_t n = 0; n < used; n++) {
		memset(&diag, 0, sizeof(diag));
		assert_int_equal(ts_interpreter_create(&ip, m, size, arena, n, &diag),
				 TS_ERR_ARENA_TOO_SMALL);
		if (!strstr(diag.text, "arena"))
			fail_msg("arena of %zu bytes: diag \"%s\"", n, diag.text);
	}
	free(m);
	tb_free(b);
}

/* ---- byte flips --------------------------------------------------------- */

static unsigned flip_one(const uint8_t *orig, size_t size, size_t at, uint8_t value,
			 uint8_t *scratch)
{
	ts_interpreter *ip = NULL;
	ts_diag diag;

	memcpy(scratch, orig, size);
	scratch[at] = value;
	memset(&diag, 0, sizeof(diag));
	if (ts_interpreter_create(&ip, scratch, size, arena, sizeof(arena), &diag) != TS_OK) {
		assert_null(ip);
		if (!diag.text[0])
			fail_msg("byte %zu = 0x%02x: error without a diag", at, value);
		assert_non_null(memchr(diag.text, '\0', sizeof(diag.text)));
		return 0;
	}
	for (size_t k = 0; k < ts_interpreter_input_count(ip); k++) {
		ts_tensor *in = ts_interpreter_input(ip, k);

		memset(ts_tensor_data(in), (int)(at * 7 + value), ts_tensor_bytes(in));
	}
	ts_interpreter_invoke(ip, &diag);
	for (size_t k = 0; k < ts_interpreter_output_count(ip); k++)
		assert_non_null(ts_tensor_data_const(ts_interpreter_output(ip, k)));
	return 1;
}

static void flip_all(const uint8_t *orig, size_t size, const char *what)
{
	/* An exact-size heap copy so ASan catches reads past the end. */
	uint8_t *scratch = malloc(size);
	unsigned ok = 0, runs = 0;

	assert_non_null(scratch);
	for (size_t at = 0; at < size; at++) {
		const uint8_t values[] = { (uint8_t)~orig[at], 0x00, 0xff, 0x80,
					   (uint8_t)(orig[at] + 1), (uint8_t)(orig[at] - 1) };

		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			ok += flip_one(orig, size, at, values[v], scratch);
			runs++;
		}
	}
	/* Many flips hit weights, padding or unused fields: some must load. */
	print_message("%s: %u of %u single-byte corruptions still load\n", what, ok, runs);
	assert_true(ok > 0);
	free(scratch);
}

static void test_byte_flips_builder_model(void **state)
{
	struct cfs_variant v = { .unused_quantize_opcode = 1 };
	uint8_t *m;
	size_t size;
	tb_builder *b = build_cfs_variant(&v, &m, &size);

	(void)state;
	flip_all(m, size, "CONV_2D+FULLY_CONNECTED+SOFTMAX");
	free(m);
	tb_free(b);
}

static void test_byte_flips_hello_world(void **state)
{
	struct test_file f;

	(void)state;
	read_conformance("hello-world.tflite", &f);
	flip_all(f.data, f.size, "hello-world.tflite");
	test_file_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_model_loads_and_runs),
		cmocka_unit_test(test_unused_opcodes_accepted),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_empty_and_tiny_buffers),
		cmocka_unit_test(test_wrong_file_identifier),
		cmocka_unit_test(test_misaligned_model_pointer),
		cmocka_unit_test(test_misaligned_constant_data),
		cmocka_unit_test(test_schema_version),
		cmocka_unit_test(test_root_offset),
		cmocka_unit_test(test_truncation_builder_model),
		cmocka_unit_test(test_truncation_hello_world),
		cmocka_unit_test(test_vtable_corruption),
		cmocka_unit_test(test_huge_vector_lengths),
		cmocka_unit_test(test_no_subgraph),
		cmocka_unit_test(test_tensor_name_string),
		cmocka_unit_test(test_tensor_buffer_index_out_of_range),
		cmocka_unit_test(test_tensor_type_unsupported),
		cmocka_unit_test(test_negative_dims),
		cmocka_unit_test(test_shape_overflow),
		cmocka_unit_test(test_rank_too_high),
		cmocka_unit_test(test_buffer_size_mismatch),
		cmocka_unit_test(test_sparse_and_variable_tensors),
		cmocka_unit_test(test_opcode_index_out_of_range),
		cmocka_unit_test(test_unsupported_builtin),
		cmocka_unit_test(test_custom_op),
		cmocka_unit_test(test_operator_tensor_index_out_of_range),
		cmocka_unit_test(test_wiring),
		cmocka_unit_test(test_wrong_options_type),
		cmocka_unit_test(test_input_output_counts),
		cmocka_unit_test(test_quantization_parameters),
		cmocka_unit_test(test_activation_quantization),
		cmocka_unit_test(test_every_op_with_omitted_inputs),
		cmocka_unit_test(test_conv_zero_input_channels),
		cmocka_unit_test(test_fc_filter_zero_point_out_of_range),
		cmocka_unit_test(test_arena_too_small),
		cmocka_unit_test(test_byte_flips_builder_model),
		cmocka_unit_test(test_byte_flips_hello_world),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
