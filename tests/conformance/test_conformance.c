/* SPDX-License-Identifier: MIT */
/*
 * Conformance: every case in $TS_CONFORMANCE_DIR (../shared/conformance)
 * must reproduce TFLite Micro's reference outputs byte for byte, with every
 * kernel set this CPU can run, in an arena no larger than the one TFLite
 * Micro used (the case's reference_arena_used_bytes_x86_64).
 *
 * A case is NAME.tflite, NAME.input.bin, NAME.output.bin and NAME.json (a
 * .json without its .tflite, such as NAME.manifest.json, is not a case).
 * When NAME.json says "streaming": true the inputs are consecutive steps of
 * one stream: they run in order in one interpreter, whose model must keep
 * state, and run again after ts_interpreter_reset_state() with the same
 * outputs; a case that does not stream must have a model without state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tinysense/tinysense.h>

#include "cpu_features.h"
#include "test_files.h"

static const char *case_dir(void)
{
	const char *dir = getenv("TS_CONFORMANCE_DIR");

	return dir && *dir ? dir : "../shared/conformance";
}

/* "key": true in the case's JSON. */
static int json_true(const char *json, const char *key)
{
	char pattern[128];
	const char *p;

	snprintf(pattern, sizeof(pattern), "\"%s\"", key);
	p = strstr(json, pattern);
	if (!p)
		return 0;
	p = strchr(p + strlen(pattern), ':');
	if (!p)
		return 0;
	p += strspn(p + 1, " \t\n") + 1;
	return strncmp(p, "true", 4) == 0;
}

/* The integer value of "key": N in the case's JSON, or -1. */
static long json_number(const char *json, const char *key)
{
	char pattern[128];
	const char *p;

	snprintf(pattern, sizeof(pattern), "\"%s\"", key);
	p = strstr(json, pattern);
	if (!p)
		return -1;
	p = strchr(p + strlen(pattern), ':');
	return p ? strtol(p + 1, NULL, 10) : -1;
}

struct loaded_case {
	struct test_file model, input, output, json;
};

static void load_case(const char *name, struct loaded_case *c)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s.tflite", case_dir(), name);
	test_file_read(path, &c->model);
	snprintf(path, sizeof(path), "%s/%s.input.bin", case_dir(), name);
	test_file_read(path, &c->input);
	snprintf(path, sizeof(path), "%s/%s.output.bin", case_dir(), name);
	test_file_read(path, &c->output);
	snprintf(path, sizeof(path), "%s/%s.json", case_dir(), name);
	test_file_read(path, &c->json);
}

static void free_case(struct loaded_case *c)
{
	test_file_free(&c->model);
	test_file_free(&c->input);
	test_file_free(&c->output);
	test_file_free(&c->json);
}

static size_t io_bytes(ts_interpreter *ip, int inputs)
{
	size_t n = inputs ? ts_interpreter_input_count(ip) : ts_interpreter_output_count(ip);
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += ts_tensor_bytes(inputs ? ts_interpreter_input(ip, i) :
					 ts_interpreter_output(ip, i));
	return total;
}

/* Runs every input set and compares every output byte. */
static void run_all(const char *name, ts_interpreter *ip, const struct loaded_case *c,
		    const char *kernels)
{
	const size_t per_in = io_bytes(ip, 1), per_out = io_bytes(ip, 0);
	const size_t count = c->input.size / per_in;
	ts_diag diag;

	assert_int_equal(c->input.size % per_in, 0);
	assert_int_equal(c->output.size, count * per_out);
	assert_int_equal((long)count, json_number(c->json.data, "count"));
	for (size_t k = 0; k < count; k++) {
		const uint8_t *src = (const uint8_t *)c->input.data + k * per_in;
		const uint8_t *want = (const uint8_t *)c->output.data + k * per_out;

		for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
			ts_tensor *t = ts_interpreter_input(ip, i);

			memcpy(ts_tensor_data(t), src, ts_tensor_bytes(t));
			src += ts_tensor_bytes(t);
		}
		if (ts_interpreter_invoke(ip, &diag) != TS_OK)
			fail_msg("%s: invoke %zu: %s", name, k, diag.text);
		for (size_t o = 0; o < ts_interpreter_output_count(ip); o++) {
			const ts_tensor *t = ts_interpreter_output(ip, o);
			const uint8_t *got = ts_tensor_data_const(t);

			for (size_t b = 0; b < ts_tensor_bytes(t); b++)
				if (got[b] != want[b])
					fail_msg("%s [%s]: inference %zu, output %zu, byte %zu: got %d, reference %d",
						 name, kernels, k, o, b, (int8_t)got[b], (int8_t)want[b]);
			want += ts_tensor_bytes(t);
		}
	}
}

/* An interpreter for the case with the kernel set, in an arena of exactly
 * its reported size (proven enough); that size in *used. */
static ts_interpreter *create_fitted(const char *name, const struct loaded_case *c,
				     const ts_interpreter_options *opt, void **arena, size_t *used)
{
	ts_interpreter *ip;
	ts_diag diag;

	*arena = aligned_alloc(16, 1 << 22);
	assert_non_null(*arena);
	if (ts_interpreter_create_with(&ip, c->model.data, c->model.size, *arena, 1 << 22, opt,
				       &diag))
		fail_msg("%s [%s]: %s", name, opt->kernels, diag.text);
	*used = ts_interpreter_arena_used(ip);
	free(*arena);
	*arena = aligned_alloc(16, (*used + 15) & ~(size_t)15);
	assert_non_null(*arena);
	if (ts_interpreter_create_with(&ip, c->model.data, c->model.size, *arena, *used, opt,
				       &diag))
		fail_msg("%s [%s]: in an arena of its own reported size %zu: %s", name,
			 opt->kernels, *used, diag.text);
	assert_string_equal(ts_interpreter_kernels(ip), opt->kernels);
	/* One byte short must fail cleanly with the arena status. */
	assert_int_equal(ts_interpreter_create_with(&ip, c->model.data, c->model.size, *arena,
						    *used - 1, opt, &diag),
			 TS_ERR_ARENA_TOO_SMALL);
	assert_int_equal(ts_interpreter_create_with(&ip, c->model.data, c->model.size, *arena,
						    *used, opt, &diag), TS_OK);
	return ip;
}

/* Every kernel set this build has and this CPU runs; the reference set in
 * no more arena than TFLite Micro used. */
static void test_case(void **state)
{
	const char *name = *state;
	const uint32_t cpu = cpu_features_probe();
	struct loaded_case c;
	const char *set;

	load_case(name, &c);
	for (size_t k = 0; (set = ts_kernels_name(k)); k++) {
		const ts_interpreter_options opt = { .kernels = set, .cpu_features = cpu };
		ts_interpreter *ip;
		size_t used;
		void *arena;

		if (ts_kernels_check(set, cpu) != TS_OK) {
			print_message("%s: kernel set %s skipped: this CPU lacks it\n", name, set);
			continue;
		}
		ip = create_fitted(name, &c, &opt, &arena, &used);
		if (k == 0) {
			long reference_arena = json_number(c.json.data,
							   "reference_arena_used_bytes_x86_64");

			assert_true(reference_arena > 0);
			if ((long)used > reference_arena)
				fail_msg("%s: arena %zu bytes, TFLite Micro needs %ld", name, used,
					 reference_arena);
			print_message("%s: %zu inputs x %zu bytes, arena %zu (TFLite Micro %ld)\n",
				      name, c.input.size / io_bytes(ip, 1), io_bytes(ip, 1), used,
				      reference_arena);
		} else {
			print_message("%s [%s]: arena %zu\n", name, set, used);
		}
		run_all(name, ip, &c, set);
		if (json_true(c.json.data, "streaming")) {
			if (ts_interpreter_state_bytes(ip) == 0)
				fail_msg("%s: the case streams, the model has no state", name);
			/* A new stream from the start: the same bytes again. */
			ts_interpreter_reset_state(ip);
			run_all(name, ip, &c, set);
		} else if (ts_interpreter_state_bytes(ip) != 0) {
			fail_msg("%s: the model keeps %zu bytes of state, the case does not stream",
				 name, ts_interpreter_state_bytes(ip));
		}
		free(arena);
	}
	free_case(&c);
}

/* Every NAME.json with a NAME.tflite in the directory is a case. */
static size_t list_cases(char names[][64], size_t max)
{
	DIR *d = opendir(case_dir());
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);

		char path[1024];
		FILE *f;

		if (len <= 5 || len >= 64 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.tflite", case_dir(), (int)(len - 5),
			 e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		fclose(f);
		memcpy(names[n], e->d_name, len - 5);
		names[n][len - 5] = '\0';
		n++;
	}
	closedir(d);
	return n;
}

int main(void)
{
	static char names[64][64];
	struct CMUnitTest tests[64];
	size_t n = list_cases(names, 64);

	if (n == 0) {
		fprintf(stderr, "no conformance cases in %s (set TS_CONFORMANCE_DIR)\n", case_dir());
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		tests[i] = (struct CMUnitTest){ names[i], test_case, NULL, NULL, names[i] };
	}
	return _cmocka_run_group_tests("conformance", tests, n, NULL, NULL);
}
