/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200112L
/*
 * libFuzzer target: untrusted .tflite bytes -> ts_interpreter_create in a
 * 256 KiB arena -> (on success) inputs filled from the data's tail ->
 * ts_interpreter_invoke once.  Every accessor is exercised too.  The model
 * is copied into an exactly-sized, 16-aligned heap buffer and the arena is
 * a fresh heap block, so ASan sees any read past the model or the arena.
 *
 * Build: make fuzz (see the Makefile's fuzz block).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tinysense/interpreter.h"
#include "tinysense/tensor.h"

#define ARENA_BYTES (256u * 1024u)

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *model = NULL, *arena = NULL;
	ts_interpreter *ip = NULL;
	ts_diag diag;
	ts_status st;

	/* Exactly size bytes (at least 1 for a valid pointer), 16-aligned. */
	if (posix_memalign(&model, 16, size ? size : 1))
		return 0;
	if (size)
		memcpy(model, data, size);
	if (posix_memalign(&arena, 16, ARENA_BYTES)) {
		free(model);
		return 0;
	}
	/* A non-zero pattern: state the interpreter forgets to set up shows. */
	memset(arena, 0xA5, ARENA_BYTES);

	st = ts_interpreter_create(&ip, model, size, arena, ARENA_BYTES, &diag);
	if (st != TS_OK) {
		/* diag must be a NUL-terminated sentence. */
		if (!memchr(diag.text, '\0', sizeof(diag.text)))
			abort();
		goto out;
	}

	(void)ts_interpreter_arena_used(ip);
	(void)ts_interpreter_weight_bytes(ip);
	(void)ts_interpreter_macs(ip);
	for (size_t i = 0; i < ts_interpreter_op_count(ip); i++)
		if (!ts_interpreter_op_name(ip, i))
			abort();
	if (ts_interpreter_arena_used(ip) > ARENA_BYTES)
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
	free(model);
	return 0;
}
