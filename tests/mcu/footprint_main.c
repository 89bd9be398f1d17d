/* SPDX-License-Identifier: MIT */
/*
 * The smallest program that runs a model: what an application adds to the
 * board layer.  It creates the interpreter for the case's model in the
 * board's free RAM, invokes it once on the first input set and prints
 *
 *   NAME: arena A bytes, stack S bytes
 *
 * Linked with the model's own operator registry (model_ops), it is what
 * `make mcu-size` measures.
 */
#include <stdint.h>
#include <string.h>

#include <tinysense/tinysense.h>

#include "board.h"
#include "mcu_case.h"
#include "mcu_out.h"

int main(void)
{
	const mcu_case *c = &mcu_the_case;
	size_t free_size;
	void *arena = ts_board_free_ram(&free_size);
	ts_interpreter *ip;
	ts_diag diag;
	ts_tensor *in;

	if (ts_interpreter_create(&ip, c->model.data, c->model.size, arena, free_size, &diag)) {
		mcu_puts(c->name);
		mcu_puts(": FAIL ");
		mcu_puts(diag.text);
		mcu_endl();
		return 1;
	}
	in = ts_interpreter_input(ip, 0);
	if (!in || ts_tensor_bytes(in) > c->input.size) {
		mcu_puts(c->name);
		mcu_puts(": FAIL no input set");
		mcu_endl();
		return 1;
	}
	memcpy(ts_tensor_data(in), c->input.data, ts_tensor_bytes(in));
	if (ts_interpreter_invoke(ip, &diag) != TS_OK) {
		mcu_puts(c->name);
		mcu_puts(": FAIL invoke ");
		mcu_puts(diag.text);
		mcu_endl();
		return 1;
	}
	mcu_puts(c->name);
	mcu_puts(": arena ");
	mcu_putu(ts_interpreter_arena_used(ip));
	mcu_puts(" bytes, stack ");
	mcu_putu(ts_board_stack_peak());
	mcu_puts(" bytes");
	mcu_endl();
	return 0;
}
