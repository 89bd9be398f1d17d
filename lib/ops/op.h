/* SPDX-License-Identifier: MIT */
/*
 * The operator interface.  Each lib/ops/<op>.c defines one `const ts_op`
 * (listed in registry.c) with two steps:
 *
 *   prepare  runs once, at ts_interpreter_create(): reads the op's builtin
 *            options, checks input/output types, shapes and quantization,
 *            computes everything eval needs (multipliers, shifts, ranges,
 *            lookup tables) into node->params taken from the arena with
 *            ts_prepare_alloc(), and sets c->macs (and c->cost).    Errors name the
 *            problem through ts_prepare_fail().
 *   eval     runs every inference: reads node->params and tensor data and
 *            calls a kernel through ip->kernels (lib/kernels/kernels.h).
 *            It never allocates and never fails on data values.
 *   finish   (optional) runs once every operator of every subgraph is
 *            prepared, for checks of the whole model (the variables, the
 *            subgraphs CALL_ONCE runs); once per node of the op, so it
 *            must not mind running again.
 *   reset    (optional) puts state an op keeps across invokes back as
 *            create left it (ts_interpreter_reset_state()).
 */
#ifndef TS_OPS_OP_H
#define TS_OPS_OP_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/diag.h"
#include "../core/graph.h"
#include "../core/tflite_schema.h"

typedef struct ts_prepare_ctx ts_prepare_ctx;

typedef struct ts_op {
	int32_t builtin;      /* TFLite BuiltinOperator */
	uint8_t options_type; /* expected BuiltinOptions tag, 0 when it has none */
	uint8_t min_inputs;
	uint8_t max_inputs;   /* 255: any number */
	uint8_t n_outputs;    /* fewest outputs */
	uint8_t max_outputs;  /* most outputs; 0: exactly n_outputs */
	ts_status (*prepare)(ts_prepare_ctx *ctx);
	ts_status (*eval)(ts_interpreter *ip, const ts_node *node);
	ts_status (*finish)(ts_interpreter *ip, ts_diag *diag);
	void (*reset)(ts_interpreter *ip, const ts_node *node);
} ts_op;

/* The registered op for a builtin code, NULL when we do not run it. */
const ts_op *ts_op_find(int32_t builtin);

struct ts_prepare_ctx {
	ts_interpreter *ip;
	ts_node *node;
	ts_arena *arena;
	ts_diag *diag;
	ts_fb_table options; /* valid when has_options */
	bool has_options;
	bool options_bad;    /* set by ts_option_* on a malformed field */
	uint64_t macs;       /* prepare sets the op's multiply-accumulates */
	/* Other work per inference that is not one per input or output
	 * element (pooling: the window cells read); the interpreter adds macs
	 * and the elements (ts_interpreter_cost). */
	uint64_t cost;
};

/* a * b, saturated: costs of hostile shapes must not wrap. */
static inline uint64_t ts_cost_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* a + b, saturated. */
static inline uint64_t ts_cost_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static inline ts_tensor *ts_prepare_input(ts_prepare_ctx *c, unsigned i)
{
	return ts_node_input(c->ip, c->node, i);
}

static inline ts_tensor *ts_prepare_output(ts_prepare_ctx *c, unsigned i)
{
	return ts_node_output(c->ip, c->node, i);
}

/* Persistent, zeroed memory for the op's params; NULL when the arena is
 * full (the interpreter then reports TS_ERR_ARENA_TOO_SMALL itself). */
void *ts_prepare_alloc(ts_prepare_ctx *c, size_t bytes, size_t align);

/*
 * Records a failure as "operator N (NAME): <message>" and returns status:
 *     return ts_prepare_fail(c, TS_ERR_SHAPE, "input rank %" PRIu32 ", expected 4", r);
 * The format is lib/core/diag.h's (int32_t through PRId32 / PRIu32).
 */
ts_status ts_prepare_fail(ts_prepare_ctx *c, ts_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#if !TS_CONFIG_DIAG_TEXT
/* Without diagnostic text: the status alone (lib/core/diag.h). */
#define ts_prepare_fail(c, status, ...) ts_diag_status((c)->diag, (status))
#endif

/*
 * Builtin options fields by their schema field id; def when the op has no
 * options table or the field is absent.  A malformed field sets
 * c->options_bad (reported after prepare returns) and yields def.
 */
int32_t ts_option_i32(ts_prepare_ctx *c, unsigned id, int32_t def);
bool ts_option_bool(ts_prepare_ctx *c, unsigned id, bool def);
uint8_t ts_option_u8(ts_prepare_ctx *c, unsigned id, uint8_t def);
float ts_option_f32(ts_prepare_ctx *c, unsigned id, float def);
/* A string field (NUL-terminated, in the model bytes); NULL when absent. */
const char *ts_option_string(ts_prepare_ctx *c, unsigned id);
/* An int32 vector field: up to max values into out, count in *n (the full
 * length, which may exceed max).  Absent: *n = 0. */
void ts_option_i32_vec(ts_prepare_ctx *c, unsigned id, int32_t *out,
		       uint32_t max, uint32_t *n);

/* Common checks, each failing through ts_prepare_fail with a clear text. */
ts_status ts_prepare_expect_type(ts_prepare_ctx *c, const ts_tensor *t,
				 const char *what, int32_t type);
ts_status ts_prepare_expect_rank(ts_prepare_ctx *c, const ts_tensor *t,
				 const char *what, unsigned rank);
/* A usable per-tensor quantization (scale > 0, zero point within the type). */
ts_status ts_prepare_expect_quant(ts_prepare_ctx *c, const ts_tensor *t,
				  const char *what);
/* The output tensor's dims in the model equal the computed dims. */
ts_status ts_prepare_expect_dims(ts_prepare_ctx *c, const ts_tensor *out,
				 const int32_t *dims, unsigned rank);
/* The tensor holds constant data from the model (weights, shape vectors). */
ts_status ts_prepare_expect_const(ts_prepare_ctx *c, const ts_tensor *t,
				  const char *what);

/* The int8 output range of a fused activation (TFLite
 * ActivationFunctionType) for out's quantization; fails naming it when it
 * cannot be fused. */
ts_status ts_prepare_activation(ts_prepare_ctx *c, int32_t activation, const ts_tensor *out,
				int32_t *act_min, int32_t *act_max);

/*
 * The kernel set's view of a node's weights for its prepare hook
 * (lib/kernels/kernels.h): the filter's data when the filter and the bias
 * (if any) are constant in the model, else NULL; the bias's data or NULL.
 */
const int8_t *ts_prepare_const_filter(const ts_tensor *filter, const ts_tensor *bias);
const int32_t *ts_prepare_const_bias(const ts_tensor *bias);

/* Reads element i of an int32 or int64 constant tensor as int64. */
int64_t ts_const_index(const ts_tensor *t, uint32_t i);

/* Integer range of an int8 / uint8 / int16 type. */
void ts_type_range(int32_t type, int32_t *qmin, int32_t *qmax);

#endif /* TS_OPS_OP_H */
