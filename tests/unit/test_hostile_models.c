/* SPDX-License-Identifier: MIT */
/*
 * Hostile one-operator models (issue 22): windows whose dilation, filter
 * or padding would overflow the kernels' int32 coordinates, and windows so
 * large that one inference takes minutes.  Each must be refused at create,
 * with a diag naming the reason, by every kernel set this CPU runs.
 *
 * Each model runs in a child process (create, then invoke if create
 * accepted it) under a 20 s alarm, so that a crash or a hang is reported
 * as this test's failure, not the runner's.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tinysense/tinysense.h"
#include "tflite_builder.h"
#include "cpu_features.h"

enum { CONV_2D = 3, DEPTHWISE_CONV_2D = 4, AVERAGE_POOL_2D = 1, MAX_POOL_2D = 17 };
enum { OPT_CONV = 1, OPT_DEPTHWISE = 2, OPT_POOL = 5 };

#define ARENA_BYTES (4u << 20)
#define CHILD_SECONDS 20

static int add_tensor(tb_builder *b, const int32_t *shape, size_t rank, uint32_t buffer)
{
	static const float scale = 0.5f;
	static const int64_t zero = 0;
	const tb_quant q = { &scale, 1, &zero, 1, 0, NULL, 0, NULL, 0 };
	tb_tensor t = { 0 };

	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = rank;
	t.buffer = buffer;
	t.quant = &q;
	return tb_add_tensor(b, &t);
}

/* A [1, h, w, c] input, an optional constant filter of filter_shape (all
 * ones), and a [1, h, w, out_c] output: the shape SAME padding with stride
 * 1 gives, whatever the filter. */
static uint8_t *window_model(int32_t builtin, uint8_t options_type, const tb_field *opts,
			     size_t n_opts, int32_t h, int32_t w, int32_t c,
			     const int32_t *filter_shape, int32_t out_c, size_t *size)
{
	tb_builder *b = tb_create();
	const int32_t in_shape[4] = { 1, h, w, c }, out_shape[4] = { 1, h, w, out_c };
	int32_t ins[2], out;
	tb_operator op = { 0 };
	uint8_t *model = NULL;

	assert_non_null(b);
	ins[0] = add_tensor(b, in_shape, 4, 0);
	if (filter_shape) {
		const size_t n = (size_t)filter_shape[0] * filter_shape[1] * filter_shape[2] *
				 filter_shape[3];
		int8_t *ones = malloc(n);

		assert_non_null(ones);
		memset(ones, 1, n);
		ins[1] = add_tensor(b, filter_shape, 4, (uint32_t)tb_add_buffer(b, ones, n));
		free(ones);
	}
	out = add_tensor(b, out_shape, 4, 0);
	op.opcode_index = (uint32_t)tb_add_opcode(b, builtin, 1);
	op.inputs = ins;
	op.num_inputs = filter_shape ? 2 : 1;
	op.outputs = &out;
	op.num_outputs = 1;
	op.options_type = options_type;
	op.options = opts;
	op.num_options = n_opts;
	assert_int_equal(tb_add_operator(b, &op), 0);
	assert_int_equal(tb_set_inputs(b, ins, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	assert_int_equal(tb_finish(b, &model, size), TB_OK);
	tb_free(b);
	return model;
}

/* What the child reports: the status of create (or of invoke when create
 * accepted the model, with ran set) and the diag. */
struct outcome {
	int ran;
	ts_status status;
	char text[TS_DIAG_TEXT_SIZE];
};

static void child(int fd, const uint8_t *model, size_t size, const char *set, uint32_t cpu)
{
	ts_interpreter_options opt = { .kernels = set, .cpu_features = cpu };
	struct outcome o = { 0 };
	ts_interpreter *ip;
	ts_diag diag = { "" };
	void *arena = aligned_alloc(16, ARENA_BYTES);

	/* Die of a crash here: CMocka's handlers would resume the parent's
	 * test in this process. */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	alarm(CHILD_SECONDS);
	if (!arena)
		_exit(3);
	o.status = ts_interpreter_create_with(&ip, model, size, arena, ARENA_BYTES, &opt, &diag);
	if (o.status == TS_OK) {
		for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
			ts_tensor *t = ts_interpreter_input(ip, i);

			memset(ts_tensor_data(t), 3, ts_tensor_bytes(t));
		}
		o.ran = 1;
		o.status = ts_interpreter_invoke(ip, &diag);
	}
	memcpy(o.text, diag.text, sizeof(o.text));
	if (write(fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
		_exit(4);
	free(arena);
	_exit(0);
}

/* Runs the model with one kernel set in a child; NULL when it was refused
 * at create with status and a diag holding text, else what happened. */
static const char *try_set(const uint8_t *model, size_t size, const char *set, uint32_t cpu,
			   ts_status status, const char *text)
{
	static char why[TS_DIAG_TEXT_SIZE + 128];
	struct outcome o = { 0 };
	int fds[2], ws = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], model, size, set, cpu);
	}
	close(fds[1]);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	if (WIFSIGNALED(ws)) {
		close(fds[0]);
		snprintf(why, sizeof(why), "killed by signal %d%s", WTERMSIG(ws),
			 WTERMSIG(ws) == SIGALRM ? " (still running after 20 s)" : "");
		return why;
	}
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_int_equal(read(fds[0], &o, sizeof(o)), (ssize_t)sizeof(o));
	close(fds[0]);
	if (o.ran)
		snprintf(why, sizeof(why), "accepted and ran (invoke: %s)",
			 ts_status_str(o.status));
	else if (o.status != status || !strstr(o.text, text))
		snprintf(why, sizeof(why), "%s, \"%s\"; expected %s with \"%s\"",
			 ts_status_str(o.status), o.text, ts_status_str(status), text);
	else
		return NULL;
	return why;
}

/* Every kernel set this CPU has must refuse the model at create with
 * status and a diag holding text. */
static void expect_refused_everywhere(const uint8_t *model, size_t size, ts_status status,
				      const char *text)
{
	const uint32_t cpu = cpu_features_probe();
	const char *set, *why;
	int failed = 0;

	for (size_t i = 0; (set = ts_kernels_name(i)); i++) {
		if (ts_kernels_check(set, cpu) != TS_OK)
			continue;
		why = try_set(model, size, set, cpu, status, text);
		if (why) {
			print_error("kernel set %s: %s\n", set, why);
			failed = 1;
		}
	}
	if (failed)
		fail();
}

static void conv_dilation(int32_t dil_h, int32_t dil_w)
{
	const tb_field opts[] = { TB_FIELD_I8(0, TB_PAD_SAME), TB_FIELD_I32(1, 1),
				  TB_FIELD_I32(2, 1), TB_FIELD_I8(3, TB_ACT_NONE),
				  TB_FIELD_I32(4, dil_w), TB_FIELD_I32(5, dil_h) };
	const int32_t filter[4] = { 1, 3, 3, 1 };
	size_t size;
	uint8_t *m = window_model(CONV_2D, OPT_CONV, opts, 6, 8, 8, 1, filter, 1, &size);

	expect_refused_everywhere(m, size, TS_ERR_UNSUPPORTED, "window too large");
	free(m);
}

static void dwconv_dilation(int32_t dil_h, int32_t dil_w, int32_t channels)
{
	const tb_field opts[] = { TB_FIELD_I8(0, TB_PAD_SAME), TB_FIELD_I32(1, 1),
				  TB_FIELD_I32(2, 1), TB_FIELD_I32(3, 1),
				  TB_FIELD_I8(4, TB_ACT_NONE), TB_FIELD_I32(5, dil_w),
				  TB_FIELD_I32(6, dil_h) };
	const int32_t filter[4] = { 1, 3, 3, channels };
	size_t size;
	uint8_t *m = window_model(DEPTHWISE_CONV_2D, OPT_DEPTHWISE, opts, 7, 8, 8, channels,
				  filter, channels, &size);

	expect_refused_everywhere(m, size, TS_ERR_UNSUPPORTED, "window too large");
	free(m);
}

/* The 752-byte model of the report: dilation 2^31 - 1 on one axis. */
static void test_conv_dilation_w_2g(void **state)
{
	(void)state;
	conv_dilation(1, 0x7fffffff);
}

static void test_conv_dilation_h_2g(void **state)
{
	(void)state;
	conv_dilation(0x7fffffff, 1);
}

static void test_dwconv_dilation_2g(void **state)
{
	(void)state;
	dwconv_dilation(1, 0x7fffffff, 1);
	dwconv_dilation(0x7fffffff, 1, 8);
}

static void test_dwconv_dilation_1g(void **state)
{
	(void)state;
	dwconv_dilation(1, 0x40000000, 1);
	dwconv_dilation(0x40000000, 0x40000000, 16);
}

static uint8_t *pool_model(int32_t builtin, int32_t filter_h, int32_t filter_w, int32_t side,
			   size_t *size)
{
	const tb_field opts[] = { TB_FIELD_I8(0, TB_PAD_SAME), TB_FIELD_I32(1, 1),
				  TB_FIELD_I32(2, 1), TB_FIELD_I32(3, filter_w),
				  TB_FIELD_I32(4, filter_h), TB_FIELD_I8(5, TB_ACT_NONE) };

	return window_model(builtin, OPT_POOL, opts, 6, side, side, 1, NULL, 1, size);
}

/* The 424-byte model of the report: a SAME pool whose filter covers the
 * whole input at every output (512^4 cells: minutes per inference). */
static void test_avgpool_huge_filter(void **state)
{
	size_t size;
	uint8_t *m = pool_model(AVERAGE_POOL_2D, 0x7fffffff, 0x7fffffff, 512, &size);

	(void)state;
	expect_refused_everywhere(m, size, TS_ERR_UNSUPPORTED, "window too large");
	free(m);
}

/* A filter within the window limits but still the whole input: the cost
 * budget refuses it. */
static void test_pool_cost_over_budget(void **state)
{
	size_t size;
	uint8_t *m = pool_model(AVERAGE_POOL_2D, 100000, 100000, 512, &size);

	(void)state;
	expect_refused_everywhere(m, size, TS_ERR_UNSUPPORTED, "max_cost");
	free(m);
	m = pool_model(MAX_POOL_2D, 1024, 1024, 512, &size);
	expect_refused_everywhere(m, size, TS_ERR_UNSUPPORTED, "max_cost");
	free(m);
}

/* No element, 2^30 positions: a [1, 2^15, 2^15, 0] max pool (found by
 * fuzz_model, 47 s at its -O1; -O2 drops the empty loops, other builds
 * need not).  The cost counts the positions the kernels walk. */
static void test_empty_pool_positions_count(void **state)
{
	size_t size;
	uint8_t *m = window_model(MAX_POOL_2D, OPT_POOL,
				  (const tb_field[]){ TB_FIELD_I8(0, TB_PAD_SAME), TB_FIELD_I32(1, 1),
						      TB_FIELD_I32(2, 1), TB_FIELD_I32(3, 1),
						      TB_FIELD_I32(4, 1), TB_FIELD_I8(5, TB_ACT_NONE) },
				  6, 1 << 15, 1 << 15, 0, NULL, 0, &size);

	(void)state;
	expect_refused_everywhere(m, size, TS_ERR_UNSUPPORTED, "max_cost");
	free(m);
}

/* Pooling counts in the cost: a 2x2 SAME average pool over [1, 4, 4, 1]
 * reads (at most) 4 cells for each of its 16 outputs, plus one per input
 * and output element: 96.  max_cost refuses it below that, by name. */
static void test_pool_cost_counted_and_budgeted(void **state)
{
	static _Alignas(16) uint8_t arena[1 << 16];
	ts_interpreter_options opt = { 0 };
	ts_interpreter *ip = NULL;
	ts_diag diag = { "" };
	size_t size;
	uint8_t *m = pool_model(AVERAGE_POOL_2D, 2, 2, 4, &size);

	(void)state;
	assert_int_equal(ts_interpreter_create(&ip, m, size, arena, sizeof(arena), &diag), TS_OK);
	assert_int_equal(ts_interpreter_macs(ip), 0);
	assert_int_equal(ts_interpreter_cost(ip), 96);
	opt.max_cost = 95;
	assert_int_equal(ts_interpreter_create_with(&ip, m, size, arena, sizeof(arena), &opt,
						    &diag), TS_ERR_UNSUPPORTED);
	assert_non_null(strstr(diag.text, "max_cost"));
	assert_non_null(strstr(diag.text, "AVERAGE_POOL_2D"));
	opt.max_cost = 96;
	assert_int_equal(ts_interpreter_create_with(&ip, m, size, arena, sizeof(arena), &opt,
						    &diag), TS_OK);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_dilation_w_2g),
		cmocka_unit_test(test_conv_dilation_h_2g),
		cmocka_unit_test(test_dwconv_dilation_2g),
		cmocka_unit_test(test_dwconv_dilation_1g),
		cmocka_unit_test(test_avgpool_huge_filter),
		cmocka_unit_test(test_pool_cost_over_budget),
		cmocka_unit_test(test_pool_cost_counted_and_budgeted),
		cmocka_unit_test(test_empty_pool_positions_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
