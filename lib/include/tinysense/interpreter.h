/* SPDX-License-Identifier: MIT */
/*
 * The interpreter: runs one int8 TensorFlow Lite model in a caller's arena.
 *
 * Lifetimes and ownership
 *   - The model bytes are borrowed, never copied: they must stay valid and
 *     unchanged for as long as the interpreter is used.  Weights are read in
 *     place.  The bytes should be 16-byte aligned (as any malloc or a linker
 *     section with ALIGN(16) gives); a model whose int32/float data ends up
 *     misaligned is rejected, not read unaligned.
 *   - The arena is borrowed too.  The interpreter object itself, every
 *     tensor, every prepared operator and every activation live inside it;
 *     nothing is allocated anywhere else and there is no destroy call: when
 *     the caller is done it simply reuses or frees the arena.
 *   - The model is untrusted input.  ts_interpreter_create() verifies every
 *     offset, index, shape and quantization parameter before use; on failure
 *     it returns an error status and, when diag is not NULL, a sentence that
 *     names the problem.
 *
 * An interpreter is not thread-safe; use one per thread (two interpreters
 * may share one model buffer).
 */
#ifndef TINYSENSE_INTERPRETER_H
#define TINYSENSE_INTERPRETER_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ts_interpreter ts_interpreter;

/*
 * Verifies the model, builds the interpreter inside arena, prepares every
 * operator and plans activation memory.  On success *out points into arena.
 * When the arena is too small the status is TS_ERR_ARENA_TOO_SMALL and the
 * diag says how many bytes were needed (at least) so far.
 */
ts_status ts_interpreter_create(ts_interpreter **out, const void *model,
				size_t model_size, void *arena,
				size_t arena_size, ts_diag *diag);

/* Choices made before the model is prepared. */
typedef struct ts_interpreter_options {
	/* Kernel set (tinysense/kernels.h) that invoke runs: NULL or "ref" for
	 * the reference kernels, or an optimized set, usually
	 * ts_kernels_best(cpu_features).  Every set gives identical bytes; an
	 * optimized set may take more arena (packed weights). */
	const char *kernels;
	/* TS_CPU_* bits the caller found on this CPU. */
	uint32_t cpu_features;
	/* What a model may ask for; 0 means the TS_DEFAULT_* below.  A model
	 * beyond a limit is refused with TS_ERR_UNSUPPORTED and a diag that
	 * names the limit, before the work it would cost is done. */
	uint32_t max_operators; /* operators in the subgraph */
	uint32_t max_tensors;   /* tensors in the subgraph */
	/* Steps of memory planning (lifetime overlaps examined); planning
	 * takes about this many tens of nanoseconds at most. */
	uint64_t max_plan_work;
	/* Cost of one inference (ts_interpreter_cost). */
	uint64_t max_cost;
} ts_interpreter_options;

/* The defaults of the limits above: every shipped and conformance model
 * is far below them (the largest, 12.5 M MACs; a few hundred operators). */
#define TS_DEFAULT_MAX_OPERATORS 16384u
#define TS_DEFAULT_MAX_TENSORS 65536u
#define TS_DEFAULT_MAX_PLAN_WORK ((uint64_t)1 << 24)
#define TS_DEFAULT_MAX_COST ((uint64_t)1 << 30)

/*
 * ts_interpreter_create with options (NULL: the defaults, as
 * ts_interpreter_create).  A kernel set this build does not have is
 * TS_ERR_INVALID_ARG, one the CPU lacks (by cpu_features)
 * TS_ERR_UNSUPPORTED; the diag names it.  A model past one of the limits is
 * TS_ERR_UNSUPPORTED, the diag naming the limit.
 */
ts_status ts_interpreter_create_with(ts_interpreter **out, const void *model,
				     size_t model_size, void *arena, size_t arena_size,
				     const ts_interpreter_options *options, ts_diag *diag);

/*
 * Runs the model once on the current input tensors.
 *
 * State: a streaming model (microWakeWord's, for example) keeps state from
 * one invoke to the next in resource variables (VAR_HANDLE, READ_VARIABLE,
 * ASSIGN_VARIABLE) and sets their initial values in a subgraph that
 * CALL_ONCE runs at the start of the first invoke.  The variables' buffers
 * are in the arena (counted in ts_interpreter_arena_used()); each invoke
 * continues from the state the previous one left, so feed such a model its
 * inputs in stream order.
 */
ts_status ts_interpreter_invoke(ts_interpreter *ip, ts_diag *diag);

/*
 * Puts the state back as ts_interpreter_create() left it: every resource
 * variable (and variable tensor) is refilled with its initial bytes and
 * CALL_ONCE runs again at the next invoke, which then gives the same
 * outputs as the first invoke after create.  For a new stream (a gap in
 * the audio, another source).  Nothing to do for a model without state.
 */
void ts_interpreter_reset_state(ts_interpreter *ip);

/* Subgraphs in the model (1 for most; invoke runs subgraph 0). */
size_t ts_interpreter_subgraph_count(const ts_interpreter *ip);
/* Resource variables the model keeps across invokes, and the bytes of all
 * its state (variables and variable tensors); both 0 for a model that
 * gives the same outputs for the same inputs whatever ran before. */
size_t ts_interpreter_variable_count(const ts_interpreter *ip);
size_t ts_interpreter_state_bytes(const ts_interpreter *ip);

size_t ts_interpreter_input_count(const ts_interpreter *ip);
size_t ts_interpreter_output_count(const ts_interpreter *ip);
/* NULL when i is out of range.  Lifetime: the interpreter's. */
ts_tensor *ts_interpreter_input(ts_interpreter *ip, size_t i);
const ts_tensor *ts_interpreter_output(const ts_interpreter *ip, size_t i);

/* The tensor's name in the model (NUL-terminated, "" when it has none);
 * it lives in the model bytes. */
const char *ts_interpreter_tensor_name(const ts_interpreter *ip,
				       const ts_tensor *t);

/* Bytes of the arena in use: persistent state plus planned activations,
 * a multiple of 16.  A 16-byte aligned arena of exactly this size is enough
 * for this model. */
size_t ts_interpreter_arena_used(const ts_interpreter *ip);
/* Bytes of weights and other constant tensor data in the model. */
size_t ts_interpreter_weight_bytes(const ts_interpreter *ip);
/* Multiply-accumulates of one inference (convolutions, fully connected). */
uint64_t ts_interpreter_macs(const ts_interpreter *ip);
/* Cost of one inference in element operations: every operator's MACs,
 * the input cells its windows read (pooling: filter cells within the
 * input, per output), and one per element of each of its inputs and
 * outputs (a dimension of 0 counting as 1: kernels still walk the
 * others).  Bounded by the max_cost option. */
uint64_t ts_interpreter_cost(const ts_interpreter *ip);

/* Operators of every subgraph: subgraph 0's in execution order, then those
 * of the others (CALL_ONCE's), subgraph by subgraph. */
size_t ts_interpreter_op_count(const ts_interpreter *ip);
/* TFLite builtin name of operator i ("CONV_2D"), NULL when out of range. */
const char *ts_interpreter_op_name(const ts_interpreter *ip, size_t i);

/* Name of the kernel set invoke runs (chosen at create). */
const char *ts_interpreter_kernels(const ts_interpreter *ip);

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_INTERPRETER_H */
