/* SPDX-License-Identifier: MIT */
/*
 * The workload of an instruction-count benchmark (tests/bench_arm.sh):
 *
 *   insncount_main MODEL.tflite INPUT.bin KERNELS RUNS
 *
 * loads the model, selects the kernel set KERNELS and runs the first input
 * RUNS times.  Run under qemu with the insncount plugin once with RUNS = 0
 * and once with RUNS = N: the difference over N is the guest instructions of
 * one inference, setup excluded.  Exits 2 when the kernel set cannot run
 * here, 1 on any other error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/tinysense.h>

#include "cpu_features.h"

#define ARENA_BYTES ((size_t)1 << 22)

static void *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *data = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		/* The model must be 16-byte aligned. */
		data = aligned_alloc(16, ((size_t)len + 16) & ~(size_t)15);
		if (data && fread(data, 1, (size_t)len, f) != (size_t)len) {
			free(data);
			data = NULL;
		}
		*size = (size_t)len;
	}
	fclose(f);
	return data;
}

int main(int argc, char **argv)
{
	size_t model_size, input_size, need = 0;
	void *model, *input, *arena;
	const unsigned char *src;
	ts_interpreter_options opt = { 0 };
	ts_interpreter *ip;
	ts_diag diag;
	ts_status st;
	long runs;

	if (argc != 5 || (runs = strtol(argv[4], NULL, 10)) < 0) {
		fprintf(stderr, "usage: %s MODEL.tflite INPUT.bin KERNELS RUNS\n", argv[0]);
		return 1;
	}
	model = read_all(argv[1], &model_size);
	input = read_all(argv[2], &input_size);
	arena = aligned_alloc(16, ARENA_BYTES);
	if (!model || !input || !arena) {
		fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
		return 1;
	}
	opt.kernels = argv[3];
	opt.cpu_features = cpu_features_probe();
	st = ts_interpreter_create_with(&ip, model, model_size, arena, ARENA_BYTES, &opt, &diag);
	if (st != TS_OK) {
		fprintf(stderr, "%s [%s]: %s\n", argv[1], argv[3], diag.text);
		return st == TS_ERR_UNSUPPORTED || st == TS_ERR_INVALID_ARG ? 2 : 1;
	}
	for (size_t i = 0; i < ts_interpreter_input_count(ip); i++)
		need += ts_tensor_bytes(ts_interpreter_input(ip, i));
	if (input_size < need) {
		fprintf(stderr, "%s: %zu bytes, one inference needs %zu\n", argv[2], input_size, need);
		return 1;
	}
	src = input;
	for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
		ts_tensor *t = ts_interpreter_input(ip, i);

		memcpy(ts_tensor_data(t), src, ts_tensor_bytes(t));
		src += ts_tensor_bytes(t);
	}
	for (long r = 0; r < runs; r++)
		if (ts_interpreter_invoke(ip, &diag) != TS_OK) {
			fprintf(stderr, "%s: invoke: %s\n", argv[1], diag.text);
			return 1;
		}
	free(arena);
	free(input);
	free(model);
	return 0;
}
