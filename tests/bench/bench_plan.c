/* SPDX-License-Identifier: MIT */
/*
 * Time of ts_interpreter_create (load, prepare, memory planning) for
 * models of N operators built in memory, shaped to stress the planner:
 *
 *   chain  RELU after RELU: N + 1 activations, each alive for two steps
 *   fan    ADD(previous, first): the first activation lives throughout
 *   wide   ADD(t[k], t[N - 1 - k]) over N inputs...: lifetimes nest, so
 *          every activation overlaps half the others (quadratic by nature:
 *          max_plan_work refuses it)
 *
 *   build/bench_plan [SHAPE [N [MAX_PLAN_WORK]]]   (default: chain 100000)
 *
 * With BENCH_PLAN_MODEL=FILE the model is also written there (a hostile
 * model for the daemon: tests/bench/reload_latency.sh).
 * Prints the best create time of three, its status and diag, and the arena
 * used.  With MAX_PLAN_WORK 1 planning stops at its first tensor: the
 * difference is the planner's time.  It
 * builds against the current lib/ and, for before/after numbers, against
 * one without the interpreter's limits (then it sets none).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tinysense/tinysense.h"
#include "tflite_builder.h"

enum { RELU = 19, ADD = 0, OPT_ADD = 11 };

static int act(tb_builder *b)
{
	static const float scale = 0.5f;
	static const int64_t zero = 0;
	const tb_quant q = { &scale, 1, &zero, 1, 0, NULL, 0, NULL, 0 };
	const int32_t shape[2] = { 1, 16 };
	tb_tensor t = { 0 };

	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 2;
	t.quant = &q;
	return tb_add_tensor(b, &t);
}

static int op(tb_builder *b, int opcode, const int32_t *ins, size_t n_in, int32_t out)
{
	tb_operator o = { 0 };

	o.opcode_index = (uint32_t)opcode;
	o.inputs = ins;
	o.num_inputs = n_in;
	o.outputs = &out;
	o.num_outputs = 1;
	o.options_type = n_in == 2 ? OPT_ADD : 0;
	return tb_add_operator(b, &o);
}

static uint8_t *build(const char *shape, int n, size_t *size)
{
	tb_builder *b = tb_create();
	int32_t *t = calloc((size_t)n + 1, sizeof(*t)), ins[2];
	const int relu = tb_add_opcode(b, RELU, 1), add = tb_add_opcode(b, ADD, 1);
	uint8_t *model = NULL;
	int32_t first;

	if (!b || !t)
		return NULL;
	for (int i = 0; i <= n; i++)
		t[i] = act(b);
	first = t[0];
	if (!strcmp(shape, "wide")) {
		/* Operators 0..n/2-1 make t[1..n/2] from t[0]; the rest add
		 * t[k] and t[n - k], the outermost pair last. */
		for (int k = 1; k <= n / 2; k++)
			op(b, relu, &first, 1, t[k]);
		for (int k = n / 2 + 1; k <= n; k++) {
			ins[0] = t[k - 1];
			ins[1] = t[n + 1 - k];
			op(b, add, ins, 2, t[k]);
		}
	} else {
		for (int k = 1; k <= n; k++) {
			ins[0] = t[k - 1];
			ins[1] = first;
			if (!strcmp(shape, "fan") && k > 1)
				op(b, add, ins, 2, t[k]);
			else
				op(b, relu, ins, 1, t[k]);
		}
	}
	tb_set_inputs(b, &first, 1);
	tb_set_outputs(b, &t[n], 1);
	if (tb_finish(b, &model, size) != TB_OK)
		model = NULL;
	tb_free(b);
	free(t);
	return model;
}

int main(int argc, char **argv)
{
	const char *shape = argc > 1 ? argv[1] : "chain";
	const int n = argc > 2 ? atoi(argv[2]) : 100000;
	const size_t arena_size = (size_t)n * 1024 + (1u << 20);
	ts_interpreter_options opt = { 0 };
	struct timespec t0, t1;
	double best = 0;
	ts_interpreter *ip = NULL;
	ts_diag diag = { "" };
	size_t size = 0;
	uint8_t *model = build(shape, n, &size);
	void *arena = aligned_alloc(16, arena_size);
	ts_status st;

	if (!model || !arena || n < 2) {
		fprintf(stderr, "bench_plan: cannot build the model\n");
		return 1;
	}
	if (getenv("BENCH_PLAN_MODEL")) {
		FILE *fp = fopen(getenv("BENCH_PLAN_MODEL"), "wb");

		if (!fp || fwrite(model, 1, size, fp) != size || fclose(fp)) {
			fprintf(stderr, "bench_plan: cannot write %s\n", getenv("BENCH_PLAN_MODEL"));
			return 1;
		}
	}
#ifdef TS_DEFAULT_MAX_OPERATORS
	opt.max_operators = (uint32_t)n + 1;
	opt.max_tensors = (uint32_t)n + 2;
	if (argc > 3)
		opt.max_plan_work = strtoull(argv[3], NULL, 10);
#endif
	/* The best of three (the first also pays for the arena's page faults). */
	for (int run = 0; run < 3; run++) {
		double secs;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		st = ts_interpreter_create_with(&ip, model, size, arena, arena_size, &opt, &diag);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (run == 0 || secs < best)
			best = secs;
	}
	printf("%s, %d operators, %zu-byte model: create %.3f s (best of 3), %s%s%s", shape, n,
	       size, best, ts_status_str(st), st ? ": " : "", st ? diag.text : "");
	if (!st)
		printf(", arena %zu bytes", ts_interpreter_arena_used(ip));
	printf("\n");
	free(arena);
	free(model);
	return st ? 2 : 0;
}
