/* SPDX-License-Identifier: MIT */
/*
 * Writes a few small valid .tflite models (built with
 * tests/support/tflite_builder) into the directory argv[1], as extra seeds
 * for fuzz_model, and checks that each one loads and runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_builder.h"
#include "tinysense/interpreter.h"

static _Alignas(16) unsigned char arena[256 * 1024];

static int in_t(tb_builder *b, const char *name, const int32_t *shape, size_t rank,
		float scale, int64_t zp, int type, uint32_t buffer)
{
	tb_quant q = { 0 };
	tb_tensor t = { 0 };

	q.scale = &scale;
	q.num_scale = 1;
	q.zero_point = &zp;
	q.num_zero_point = 1;
	t.type = type;
	t.shape = shape;
	t.rank = rank;
	t.name = name;
	t.quant = &q;
	t.buffer = buffer;
	return tb_add_tensor(b, &t);
}

static int write_model(const char *dir, const char *name, tb_builder *b)
{
	unsigned char *m = NULL;
	size_t size = 0;
	char path[4096];
	FILE *fp;
	ts_interpreter *ip;
	ts_diag diag;
	ts_status st;

	if (tb_finish(b, &m, &size) != TB_OK) {
		fprintf(stderr, "make_seeds: %s: tb_finish failed\n", name);
		return 1;
	}
	st = ts_interpreter_create(&ip, m, size, arena, sizeof(arena), &diag);
	if (st == TS_OK)
		st = ts_interpreter_invoke(ip, &diag);
	printf("  seed %-16s %6zu bytes: %s%s%s\n", name, size, ts_status_str(st),
	       st ? ": " : "", st ? diag.text : "");
	snprintf(path, sizeof(path), "%s/%s.tflite", dir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(m, 1, size, fp) != size) {
		perror(path);
		free(m);
		return 1;
	}
	fclose(fp);
	free(m);
	tb_free(b);
	return 0;
}

/* in[1,4] -> FULLY_CONNECTED(w[3,4], b[3]) -> out[1,3] (RELU) */
static int fc(const char *dir)
{
	tb_builder *b = tb_create();
	int32_t sin[] = { 1, 4 }, sw[] = { 3, 4 }, sb[] = { 3 }, sout[] = { 1, 3 };
	int8_t w[12] = { 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12 };
	int32_t bias[3] = { 10, -20, 30 };
	int bw = tb_add_buffer(b, w, sizeof(w)), bb = tb_add_buffer(b, bias, sizeof(bias));
	int32_t ins[3], outs[1];
	tb_field opts[] = { TB_FIELD_I8(0, TB_ACT_RELU) };
	tb_operator op = { 0 };

	ins[0] = in_t(b, "in", sin, 2, 0.5f, -1, TB_TYPE_INT8, 0);
	ins[1] = in_t(b, "w", sw, 2, 0.25f, 0, TB_TYPE_INT8, (uint32_t)bw);
	ins[2] = in_t(b, "b", sb, 1, 0.125f, 0, TB_TYPE_INT32, (uint32_t)bb);
	outs[0] = in_t(b, "out", sout, 2, 1.0f, 3, TB_TYPE_INT8, 0);
	op.opcode_index = (uint32_t)tb_add_opcode(b, 9, 1);
	op.inputs = ins; op.num_inputs = 3; op.outputs = outs; op.num_outputs = 1;
	op.options_type = 8; op.options = opts; op.num_options = 1;
	tb_add_operator(b, &op);
	tb_set_inputs(b, ins, 1);
	tb_set_outputs(b, outs, 1);
	return write_model(dir, "builder_fc", b);
}

/* in[1,8] -> SOFTMAX(beta 1) -> out[1,8] (scale 1/256, zp -128) */
static int softmax(const char *dir)
{
	tb_builder *b = tb_create();
	int32_t s[] = { 1, 8 };
	int32_t in, out;
	tb_field opts[] = { TB_FIELD_F32(0, 1.0) };
	tb_operator op = { 0 };

	in = in_t(b, "in", s, 2, 0.1f, 0, TB_TYPE_INT8, 0);
	out = in_t(b, "out", s, 2, 1.0f / 256, -128, TB_TYPE_INT8, 0);
	op.opcode_index = (uint32_t)tb_add_opcode(b, 25, 1);
	op.inputs = &in; op.num_inputs = 1; op.outputs = &out; op.num_outputs = 1;
	op.options_type = 9; op.options = opts; op.num_options = 1;
	tb_add_operator(b, &op);
	tb_set_inputs(b, &in, 1);
	tb_set_outputs(b, &out, 1);
	return write_model(dir, "builder_softmax", b);
}

/* a[1,2,2,3] + b[1,2,2,3] -> ADD -> out, then AVERAGE_POOL_2D 2x2 -> [1,1,1,3] */
static int add_pool(const char *dir)
{
	tb_builder *b = tb_create();
	int32_t s[] = { 1, 2, 2, 3 }, sp[] = { 1, 1, 1, 3 };
	int32_t ins[2], mid, out;
	tb_field aopts[] = { TB_FIELD_I8(0, TB_ACT_NONE) };
	tb_field popts[] = { TB_FIELD_I8(0, TB_PAD_VALID), TB_FIELD_I32(1, 2),
			     TB_FIELD_I32(2, 2), TB_FIELD_I32(3, 2), TB_FIELD_I32(4, 2),
			     TB_FIELD_I8(5, TB_ACT_NONE) };
	tb_operator op = { 0 };

	ins[0] = in_t(b, "a", s, 4, 0.5f, 0, TB_TYPE_INT8, 0);
	ins[1] = in_t(b, "b", s, 4, 0.25f, 5, TB_TYPE_INT8, 0);
	mid = in_t(b, "sum", s, 4, 0.75f, -2, TB_TYPE_INT8, 0);
	out = in_t(b, "out", sp, 4, 0.75f, -2, TB_TYPE_INT8, 0);
	op.opcode_index = (uint32_t)tb_add_opcode(b, 0, 1);
	op.inputs = ins; op.num_inputs = 2; op.outputs = &mid; op.num_outputs = 1;
	op.options_type = 11; op.options = aopts; op.num_options = 1;
	tb_add_operator(b, &op);
	op.opcode_index = (uint32_t)tb_add_opcode(b, 1, 1);
	op.inputs = &mid; op.num_inputs = 1; op.outputs = &out;
	op.options_type = 5; op.options = popts; op.num_options = 6;
	tb_add_operator(b, &op);
	tb_set_inputs(b, ins, 2);
	tb_set_outputs(b, &out, 1);
	return write_model(dir, "builder_add_pool", b);
}

/* in[1,4,4,2] -> CONV_2D 3x3 SAME stride 1, 2 filters -> [1,4,4,2] (RELU6) */
static int conv(const char *dir)
{
	tb_builder *b = tb_create();
	int32_t sin[] = { 1, 4, 4, 2 }, sw[] = { 2, 3, 3, 2 }, sb[] = { 2 };
	int8_t w[36];
	int32_t bias[2] = { 7, -7 };
	int32_t ins[3], out;
	tb_field opts[] = { TB_FIELD_I8(0, TB_PAD_SAME), TB_FIELD_I32(1, 1),
			    TB_FIELD_I32(2, 1), TB_FIELD_I8(3, TB_ACT_RELU6),
			    TB_FIELD_I32(4, 1), TB_FIELD_I32(5, 1) };
	tb_operator op = { 0 };
	int bw, bb;

	for (int i = 0; i < 36; i++)
		w[i] = (int8_t)(i * 7 - 100);
	bw = tb_add_buffer(b, w, sizeof(w));
	bb = tb_add_buffer(b, bias, sizeof(bias));
	ins[0] = in_t(b, "in", sin, 4, 0.5f, 0, TB_TYPE_INT8, 0);
	ins[1] = in_t(b, "w", sw, 4, 0.01f, 0, TB_TYPE_INT8, (uint32_t)bw);
	ins[2] = in_t(b, "b", sb, 1, 0.005f, 0, TB_TYPE_INT32, (uint32_t)bb);
	out = in_t(b, "out", sin, 4, 6.0f / 255, -128, TB_TYPE_INT8, 0);
	op.opcode_index = (uint32_t)tb_add_opcode(b, 3, 1);
	op.inputs = ins; op.num_inputs = 3; op.outputs = &out; op.num_outputs = 1;
	op.options_type = 1; op.options = opts; op.num_options = 6;
	tb_add_operator(b, &op);
	tb_set_inputs(b, ins, 1);
	tb_set_outputs(b, &out, 1);
	return write_model(dir, "builder_conv", b);
}

/* fuzz_frontends seeds: selector byte 0..3 (audio, spectrum, stats, all),
 * a fixed header, then 2048 samples of a chirp-like pattern. */
static int frontend_seeds(const char *dir)
{
	for (int which = 0; which < 8; which++) {
		unsigned char buf[48 + 4096];
		char path[4096];
		FILE *fp;

		for (int i = 0; i < 48; i++)
			buf[i] = (unsigned char)(i * 37 + which * 11);
		buf[0] = (unsigned char)(which & 3);
		if (which >= 4)
			buf[1] = 0; /* audio: the preset as is */
		for (int i = 0; i < 2048; i++) {
			int v = ((i * i / 7 + which * 100) % 2000 - 1000) * (8 + which * 4);

			buf[48 + 2 * i] = (unsigned char)(v & 0xff);
			buf[48 + 2 * i + 1] = (unsigned char)((v >> 8) & 0xff);
		}
		snprintf(path, sizeof(path), "%s/seed_%d", dir, which);
		fp = fopen(path, "wb");
		if (!fp || fwrite(buf, 1, sizeof(buf), fp) != sizeof(buf)) {
			perror(path);
			return 1;
		}
		fclose(fp);
	}
	return 0;
}

/* fuzz_model's structured mode: "TSop", kernel set, arena class, then the
 * operator kind (conv, depthwise, average and max pool, fully connected,
 * shape ops) and small choices (zeros: dims 1, SAME, stride 1). */
static int structured_seeds(const char *dir)
{
	for (int kind = 0; kind < 6; kind++) {
		unsigned char buf[64] = { 'T', 'S', 'o', 'p' };
		char path[4096];
		FILE *fp;

		buf[4] = (unsigned char)kind;      /* kernel set */
		buf[5] = 1;                        /* 256 KiB arena */
		buf[6] = (unsigned char)kind;
		for (size_t i = 7; i < sizeof(buf); i++)
			buf[i] = (unsigned char)(i * 13 % 7);
		snprintf(path, sizeof(path), "%s/structured_%d", dir, kind);
		fp = fopen(path, "wb");
		if (!fp || fwrite(buf, 1, sizeof(buf), fp) != sizeof(buf)) {
			perror(path);
			return 1;
		}
		fclose(fp);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: make_seeds MODEL_DIR FRONTENDS_DIR\n");
		return 2;
	}
	bad |= fc(argv[1]);
	bad |= softmax(argv[1]);
	bad |= add_pool(argv[1]);
	bad |= conv(argv[1]);
	bad |= structured_seeds(argv[1]);
	bad |= frontend_seeds(argv[2]);
	return bad;
}
