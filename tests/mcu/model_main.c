/* SPDX-License-Identifier: MIT */
/*
 * Conformance firmware for one model case (mcu_case.h) on a Cortex-M board.
 *
 * Check mode (no command line): for every kernel set lib/ has and this core
 * runs (ts_board_cpu_features()), creates
 * the interpreter in all free RAM to learn the arena it needs, creates it
 * again in exactly that many bytes, runs every input set and compares every
 * output byte with the reference (tests/cross/case_check.c, as the hosted
 * runner does).  Prints
 *
 *   NAME: N inferences, arena A bytes, stack S bytes, digest D, OK (kernels K,...)
 *
 * (A: with the first set, ref; D: FNV-1a of every output byte) and exits 0;
 * a streaming model (one with state: resource variables, whose buffers are
 * in the arena too) runs its inputs in order in one interpreter, then again
 * after ts_interpreter_reset_state(), and says ", streamed twice";
 * 1 on a mismatch or error; 2 (skipped) when the board's RAM cannot hold
 * the arena.
 *
 * Bench mode (command line "COUNT [KERNELS]"): creates the interpreter,
 * loads the first input set and invokes COUNT times with the kernel set
 * named (default: the best this core runs), printing nothing on success: the
 * guest instructions of COUNT=2 minus COUNT=1 are exactly one inference.
 * Exit status 2 when this core lacks the kernel set.
 */
#include <stddef.h>
#include <stdint.h>

#include <tinysense/tinysense.h>

#include "board.h"
#include "case_check.h"
#include "mcu_case.h"
#include "mcu_out.h"

#define EXIT_SKIPPED 2

/*
 * The case's model in arena with kernel set `kernels` on this core.
 * TS_ERR_UNSUPPORTED or TS_ERR_INVALID_ARG when it has no such set.
 */
static ts_status create(ts_interpreter **ip, void *arena, size_t size, const char *kernels,
			ts_diag *diag)
{
	const mcu_case *c = &mcu_the_case;
	const ts_interpreter_options opt = {
		.kernels = kernels,
		.cpu_features = ts_board_cpu_features(),
	};

	return ts_interpreter_create_with(ip, c->model.data, c->model.size, arena, size, &opt,
					  diag);
}

static int fail(const char *what, const ts_diag *diag)
{
	mcu_puts(mcu_the_case.name);
	mcu_puts(": FAIL ");
	mcu_puts(what);
	if (diag) {
		mcu_puts(": ");
		mcu_puts(diag->text);
	}
	mcu_endl();
	return 1;
}

static int bench(ts_interpreter *ip, long k)
{
	const uint8_t *in = mcu_the_case.input.data;
	ts_diag diag;

	if (tsc_io_bytes(ip, 1) > mcu_the_case.input.size)
		return fail("input file holds no complete input set", NULL);
	for (size_t i = 0; i < ts_interpreter_input_count(ip); i++) {
		ts_tensor *t = ts_interpreter_input(ip, i);

		for (size_t b = 0; b < ts_tensor_bytes(t); b++)
			((uint8_t *)ts_tensor_data(t))[b] = *in++;
	}
	while (k-- > 0)
		if (ts_interpreter_invoke(ip, &diag) != TS_OK)
			return fail("invoke", &diag);
	return 0;
}

static int report(const ts_interpreter *ip, const tsc_model_result *r)
{
	if (r->outcome == TSC_MATCH)
		return 0;
	mcu_puts(mcu_the_case.name);
	mcu_puts(" [");
	mcu_puts(ts_interpreter_kernels(ip));
	mcu_puts("]");
	switch (r->outcome) {
	case TSC_MATCH:
		break;
	case TSC_MISMATCH:
		mcu_puts(": MISMATCH inference ");
		mcu_putu(r->inference);
		if (r->after_reset)
			mcu_puts(" after reset");
		mcu_puts(", output ");
		mcu_putu(r->output);
		mcu_puts(", byte ");
		mcu_putu(r->byte);
		mcu_puts(": got ");
		mcu_puti(r->got);
		mcu_puts(", reference ");
		mcu_puti(r->want);
		break;
	case TSC_INVOKE_FAILED:
		mcu_puts(": FAIL invoke ");
		mcu_putu(r->inference);
		if (r->after_reset)
			mcu_puts(" after reset");
		mcu_puts(": ");
		mcu_puts(r->diag.text);
		break;
	case TSC_BAD_SIZES:
		mcu_puts(": FAIL input and output files do not hold whole sets for this model");
		break;
	}
	mcu_endl();
	return 1;
}

static int skip(size_t free_size, const ts_diag *diag)
{
	mcu_puts(mcu_the_case.name);
	mcu_puts(": SKIP (");
	mcu_putu(free_size);
	mcu_puts(" bytes of RAM free: ");
	mcu_puts(diag->text);
	mcu_puts(")");
	mcu_endl();
	return EXIT_SKIPPED;
}

static int not_on_this_core(ts_status st)
{
	return st == TS_ERR_UNSUPPORTED || st == TS_ERR_INVALID_ARG;
}

int main(void)
{
	const mcu_case *c = &mcu_the_case;
	char kernels[16];
	const long bench_count = mcu_args(kernels, sizeof(kernels));
	size_t free_size, used, arena = 0;
	unsigned ran = 0; /* bit k: ts_kernels_name(k) ran */
	const char *set;
	uint8_t *ram = ts_board_free_ram(&free_size);
	ts_interpreter *ip;
	tsc_model_result r;
	ts_diag diag;
	ts_status st;

	if (c->kind != MCU_CASE_MODEL)
		return fail("not a model case", NULL);
	if (bench_count >= 0) {
		st = create(&ip, ram, free_size,
			    kernels[0] ? kernels : ts_kernels_best(ts_board_cpu_features()), &diag);
		if (st == TS_ERR_ARENA_TOO_SMALL)
			return skip(free_size, &diag);
		if (not_on_this_core(st))
			return EXIT_SKIPPED;
		if (st != TS_OK)
			return fail("create", &diag);
		return bench(ip, bench_count);
	}

	for (size_t k = 0; (set = ts_kernels_name(k)) && k < 32; k++) {
		st = create(&ip, ram, free_size, set, &diag);
		if (st == TS_ERR_ARENA_TOO_SMALL)
			return skip(free_size, &diag);
		if (not_on_this_core(st))
			continue;
		if (st != TS_OK)
			return fail("create", &diag);
		/* Again in exactly the reported size: that must be enough. */
		used = ts_interpreter_arena_used(ip);
		if (create(&ip, ram, used, set, &diag) != TS_OK)
			return fail("in an arena of its own reported size", &diag);
		if (tsc_check_model(ip, c->input.data, c->input.size, c->output.data,
				    c->output.size, &r))
			return report(ip, &r);
		if (!ran)
			arena = used;
		ran |= 1u << k;
	}
	if (!ran)
		return fail("no kernel set available", NULL);
	mcu_puts(c->name);
	mcu_puts(": ");
	mcu_putu(r.count);
	mcu_puts(r.streaming ? " inferences, streamed twice, arena " : " inferences, arena ");
	mcu_putu(arena);
	mcu_puts(" bytes, stack ");
	mcu_putu(ts_board_stack_peak());
	mcu_puts(" bytes, digest ");
	mcu_putx(r.digest);
	mcu_puts(", OK (kernels");
	for (size_t k = 0, n = 0; (set = ts_kernels_name(k)) && k < 32; k++)
		if (ran & (1u << k)) {
			mcu_puts(n++ ? "," : " ");
			mcu_puts(set);
		}
	mcu_puts(")");
	mcu_endl();
	return 0;
}
