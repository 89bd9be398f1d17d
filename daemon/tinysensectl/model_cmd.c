/* SPDX-License-Identifier: MIT */
/* tinysensectl model info | run | bench */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "input_file.h"
#include "model_file.h"

struct model_args {
	const char *model;
	const char *input;
	const char *output;
	const char *kernels;
	const char *labels; /* comma-separated, for the first output */
	long iterations;
};

static int parse_args(int argc, char **argv, struct model_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (opt[0] != '-') {
			if (a->model) {
				fprintf(stderr, "tinysensectl: unexpected argument '%s'\n", opt);
				return -1;
			}
			a->model = opt;
			continue;
		}
		if (!val) {
			fprintf(stderr, "tinysensectl: option %s needs a value\n", opt);
			return -1;
		}
		if (strcmp(opt, "--input") == 0) {
			a->input = val;
		} else if (strcmp(opt, "--output") == 0) {
			a->output = val;
		} else if (strcmp(opt, "--labels") == 0) {
			a->labels = val;
		} else if (strcmp(opt, "--kernels") == 0) {
			a->kernels = val;
		} else if (strcmp(opt, "--iterations") == 0) {
			char *end;

			errno = 0;
			a->iterations = strtol(val, &end, 10);
			if (errno || *end || a->iterations < 1 || a->iterations > 1000000) {
				fprintf(stderr, "tinysensectl: --iterations '%s' is not a number in 1..1000000\n",
					val);
				return -1;
			}
		} else {
			fprintf(stderr, "tinysensectl: unknown option %s\n", opt);
			return -1;
		}
		i++;
	}
	if (!a->model) {
		fprintf(stderr, "tinysensectl: no MODEL given\n");
		return -1;
	}
	return 0;
}

static void print_tensor(const ts_interpreter *ip, size_t i, const ts_tensor *t)
{
	printf("  %zu: %s %s [", i, ts_interpreter_tensor_name(ip, t), ts_type_name(ts_tensor_type(t)));
	for (size_t d = 0; d < ts_tensor_rank(t); d++)
		printf(d ? ",%d" : "%d", ts_tensor_dim(t, d));
	printf("] scale %.9g zero_point %d, %zu bytes\n", (double)ts_tensor_scale(t),
	       ts_tensor_zero_point(t), ts_tensor_bytes(t));
}

static void print_ops(const ts_interpreter *ip)
{
	const size_t n = ts_interpreter_op_count(ip);

	printf("operators: %zu\n", n);
	/* Each distinct name once, in first-use order, with its count. */
	for (size_t i = 0; i < n; i++) {
		const char *name = ts_interpreter_op_name(ip, i);
		size_t count = 0, j;

		for (j = 0; j < i; j++)
			if (strcmp(ts_interpreter_op_name(ip, j), name) == 0)
				break;
		if (j < i)
			continue;
		for (j = i; j < n; j++)
			count += strcmp(ts_interpreter_op_name(ip, j), name) == 0;
		printf("  %s x%zu\n", name, count);
	}
}

static int model_info(const struct model_args *a)
{
	struct model_file m;
	ts_interpreter *ip;

	if (model_file_open(&m, a->model, a->kernels))
		return 1;
	ip = m.ip;
	printf("model: %s (%zu bytes)\n", a->model, m.size);
	printf("inputs: %zu\n", ts_interpreter_input_count(ip));
	for (size_t i = 0; i < ts_interpreter_input_count(ip); i++)
		print_tensor(ip, i, ts_interpreter_input(ip, i));
	printf("outputs: %zu\n", ts_interpreter_output_count(ip));
	for (size_t i = 0; i < ts_interpreter_output_count(ip); i++)
		print_tensor(ip, i, ts_interpreter_output(ip, i));
	print_ops(ip);
	printf("subgraphs: %zu\n", ts_interpreter_subgraph_count(ip));
	if (ts_interpreter_state_bytes(ip))
		printf("state: streaming, %zu variables, %zu bytes (kept from one inference to the next: feed inputs in stream order)\n",
		       ts_interpreter_variable_count(ip), ts_interpreter_state_bytes(ip));
	else
		printf("state: none\n");
	printf("macs: %llu\n", (unsigned long long)ts_interpreter_macs(ip));
	printf("cost: %llu element operations per inference\n",
	       (unsigned long long)ts_interpreter_cost(ip));
	printf("arena bytes: %zu\n", ts_interpreter_arena_used(ip));
	printf("weight bytes: %zu\n", ts_interpreter_weight_bytes(ip));
	model_file_close(&m);
	return 0;
}

static size_t io_bytes(ts_interpreter *ip, bool inputs)
{
	size_t total = 0;
	size_t n = inputs ? ts_interpreter_input_count(ip) : ts_interpreter_output_count(ip);

	for (size_t i = 0; i < n; i++)
		total += ts_tensor_bytes(inputs ? ts_interpreter_input(ip, i) :
					 ts_interpreter_output(ip, i));
	return total;
}

/* Copies one inference's inputs from src (back to back, in input order). */
static void load_inputs(ts_interpreter *ip, const uint8_t *src)
{
	for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
		ts_tensor *t = ts_interpreter_input(ip, i);

		memcpy(ts_tensor_data(t), src, ts_tensor_bytes(t));
		src += ts_tensor_bytes(t);
	}
}

static int invoke(struct model_file *m)
{
	ts_diag diag;

	if (ts_interpreter_invoke(m->ip, &diag)) {
		fprintf(stderr, "tinysensectl: %s: %s\n", m->path, diag.text);
		return -1;
	}
	return 0;
}

/* Label number i of a comma-separated list into buf ("class i" if absent). */
static const char *label_at(const char *labels, size_t i, char *buf, size_t size)
{
	const char *p = labels;

	for (size_t k = 0; k < i && p; k++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	if (!p || !*p || *p == ',') {
		snprintf(buf, size, "class %zu", i);
		return buf;
	}
	snprintf(buf, size, "%.*s", (int)strcspn(p, ","), p);
	return buf;
}

/* Prints the top-1 class of the first output with its dequantized score. */
static void print_decision(const ts_interpreter *ip, size_t k, const char *labels)
{
	const ts_tensor *t = ts_interpreter_output(ip, 0);
	const int8_t *q = ts_tensor_data_const(t);
	size_t n = ts_tensor_bytes(t), best = 0;
	char label[64];

	if (ts_tensor_type(t) != TS_TYPE_INT8 || n == 0)
		return;
	for (size_t i = 1; i < n; i++)
		if (q[i] > q[best])
			best = i;
	printf("%zu: %s %.3f\n", k, label_at(labels, best, label, sizeof(label)),
	       (double)ts_tensor_scale(t) * (q[best] - ts_tensor_zero_point(t)));
}

static int model_run(const struct model_args *a)
{
	struct model_file m;
	void *in = NULL;
	uint64_t in_size;
	size_t per_in, count;
	const char *out_path = a->output ? a->output : "/dev/null";
	FILE *out = NULL, *input = NULL;
	char why[512];
	int fd, ret = 1;

	if (!a->input || (!a->output && !a->labels)) {
		fprintf(stderr, "tinysensectl: model run needs --input, and --output or --labels\n");
		return 2;
	}
	if (model_file_open(&m, a->model, a->kernels))
		return 1;
	/* Read one input set at a time: the file may be of any size. */
	fd = input_file_open(a->input, INPUT_UNLIMITED, &in_size, why, sizeof(why));
	if (fd < 0 || !(input = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "tinysensectl: %s\n", fd < 0 ? why : strerror(errno));
		goto done;
	}
	per_in = io_bytes(m.ip, true);
	if (per_in == 0 || in_size == 0 || in_size % per_in) {
		fprintf(stderr, "tinysensectl: %s: %llu bytes is not a whole number of %zu-byte input sets\n",
			a->input, (unsigned long long)in_size, per_in);
		goto done;
	}
	in = malloc(per_in);
	if (!in) {
		fprintf(stderr, "tinysensectl: out of memory\n");
		goto done;
	}
	out = fopen(out_path, "wb");
	if (!out) {
		fprintf(stderr, "tinysensectl: %s: %s\n", out_path, strerror(errno));
		goto done;
	}
	count = (size_t)(in_size / per_in);
	for (size_t k = 0; k < count; k++) {
		if (fread(in, 1, per_in, input) != per_in) {
			fprintf(stderr, "tinysensectl: %s: %s\n", a->input,
				ferror(input) ? strerror(errno) : "shorter than its size");
			goto done;
		}
		load_inputs(m.ip, in);
		if (invoke(&m))
			goto done;
		if (a->labels)
			print_decision(m.ip, k, a->labels);
		for (size_t i = 0; i < ts_interpreter_output_count(m.ip); i++) {
			const ts_tensor *t = ts_interpreter_output(m.ip, i);

			if (fwrite(ts_tensor_data_const(t), 1, ts_tensor_bytes(t), out) !=
			    ts_tensor_bytes(t)) {
				fprintf(stderr, "tinysensectl: %s: %s\n", out_path, strerror(errno));
				goto done;
			}
		}
	}
	if (fclose(out)) {
		out = NULL;
		fprintf(stderr, "tinysensectl: %s: %s\n", out_path, strerror(errno));
		goto done;
	}
	out = NULL;
	ret = 0;
done:
	if (out)
		fclose(out);
	if (input)
		fclose(input);
	free(in);
	model_file_close(&m);
	return ret;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Deterministic pseudo-random inputs (xorshift32) when no --input is given. */
static void fill_inputs(ts_interpreter *ip)
{
	uint32_t s = 0x9e3779b9u;

	for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
		ts_tensor *t = ts_interpreter_input(ip, i);
		uint8_t *p = ts_tensor_data(t);

		for (size_t b = 0; b < ts_tensor_bytes(t); b++) {
			s ^= s << 13;
			s ^= s >> 17;
			s ^= s << 5;
			p[b] = (uint8_t)s;
		}
	}
}

/* The first n bytes of path (a regular file of any size) into *data. */
static int read_first_set(const char *path, size_t n, void **data)
{
	char why[512];
	uint64_t size;
	int fd = input_file_open(path, INPUT_UNLIMITED, &size, why, sizeof(why));
	size_t done = 0;

	if (fd < 0) {
		fprintf(stderr, "tinysensectl: %s\n", why);
		return fd;
	}
	*data = malloc(n ? n : 1);
	while (*data && size >= n && done < n) {
		ssize_t got = read(fd, (char *)*data + done, n - done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		done += (size_t)got;
	}
	close(fd);
	if (!*data || done < n) {
		fprintf(stderr, "tinysensectl: %s: %s\n", path,
			!*data ? "out of memory" : "smaller than one input set");
		return -EINVAL;
	}
	return 0;
}

static int model_bench(const struct model_args *a)
{
	const long iterations = a->iterations ? a->iterations : 100;
	struct model_file m;
	double *times, median;
	void *in = NULL;
	int ret = 1, err;

	if (model_file_open(&m, a->model, a->kernels))
		return 1;
	times = calloc((size_t)iterations, sizeof(*times));
	if (!times)
		goto done;
	if (a->input) {
		/* The first input set, read into memory. */
		err = read_first_set(a->input, io_bytes(m.ip, true), &in);
		if (err)
			goto done;
		load_inputs(m.ip, in);
	} else {
		fill_inputs(m.ip);
	}
	for (int w = 0; w < 3; w++)
		if (invoke(&m))
			goto done;
	for (long i = 0; i < iterations; i++) {
		const double t0 = now_us();

		if (invoke(&m))
			goto done;
		times[i] = now_us() - t0;
	}
	qsort(times, (size_t)iterations, sizeof(*times), compare_double);
	median = times[iterations / 2];
	printf("model: %s\n", a->model);
	printf("kernels: %s\n", ts_interpreter_kernels(m.ip));
	printf("iterations: %ld\n", iterations);
	printf("median us: %.1f\n", median);
	printf("min us: %.1f\n", times[0]);
	printf("macs: %llu\n", (unsigned long long)ts_interpreter_macs(m.ip));
	printf("macs per second: %.3g\n",
	       median > 0 ? (double)ts_interpreter_macs(m.ip) / (median / 1e6) : 0.0);
	printf("arena bytes: %zu\n", ts_interpreter_arena_used(m.ip));
	ret = 0;
done:
	free(in);
	free(times);
	model_file_close(&m);
	return ret;
}

int cmd_model(int argc, char **argv)
{
	struct model_args a = { 0 };
	const char *sub = argc > 0 ? argv[0] : "";

	if (strcmp(sub, "info") && strcmp(sub, "run") && strcmp(sub, "bench")) {
		fprintf(stderr, "tinysensectl: model needs a subcommand: info, run or bench\n");
		return 2;
	}
	if (parse_args(argc - 1, argv + 1, &a))
		return 2;
	if (strcmp(sub, "info") == 0)
		return model_info(&a);
	if (strcmp(sub, "run") == 0)
		return model_run(&a);
	return model_bench(&a);
}
