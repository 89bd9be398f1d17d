/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's internal state: tensors, operator nodes, and the
 * interpreter object itself.  Everything here lives in the caller's arena.
 * Only lib/ sees these definitions; the public API sees opaque types.
 */
#ifndef TS_CORE_GRAPH_H
#define TS_CORE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinysense/interpreter.h"
#include "arena.h"
#include "flatbuffer.h"

struct ts_op;
struct ts_kernel_table;

enum ts_tensor_kind {
	TS_TENSOR_UNUSED = 0, /* referenced by nothing we run */
	TS_TENSOR_CONST,      /* data is in the model */
	TS_TENSOR_ACTIVATION, /* data is planned in the arena */
	TS_TENSOR_VARIABLE,   /* state kept across invokes, in the arena */
};

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tinysense reads model data in place and needs a little-endian target"
#endif

/*
 * Kept small on purpose (40 bytes on 64-bit, 32 on 32-bit targets): one
 * per model tensor, for the interpreter's whole life.  Everything only
 * prepare needs (per-channel scales, names) is read from the model on
 * demand instead.
 */
struct ts_tensor {
	uint8_t *data;
	const int32_t *dims; /* the shape vector in the model, read in place */
	float scale;         /* per-channel tensors: channel 0's */
	int32_t zero_point;
	uint32_t bytes;
	uint32_t elems;
	uint16_t nscales;    /* 0: not quantized; > 1: per channel */
	uint8_t type;
	uint8_t rank : 3;
	uint8_t kind : 2;
	uint8_t quant_dim : 3;
};

struct ts_node {
	const struct ts_op *op;
	/* Tensor indices, -1 for an omitted optional input: the operator's
	 * int32 vectors in the model, read in place. */
	const int32_t *inputs;
	const int32_t *outputs;
	void *params;           /* the op's prepared data */
	uint32_t options;       /* position of its builtin options table, 0: none */
	uint8_t n_inputs;       /* at most 255 (ts_op's max_inputs) */
	uint8_t n_outputs;
	/* Index of the node's subgraph's first tensor in ip->tensors: the
	 * model's indices are per subgraph (the loader keeps it below 2^16). */
	uint16_t tensor_base;
};

/* Bounds on what a model may have (the verifier refuses more). */
#define TS_MAX_SUBGRAPHS 16
#define TS_MAX_VARIABLES 64

/*
 * One subgraph of the model.  Subgraph 0 is the one invoke runs; others
 * run when an operator calls them (CALL_ONCE).  Every subgraph's tensors
 * and nodes are slices of ip->tensors and ip->nodes, subgraph 0's first.
 */
struct ts_subgraph {
	ts_fb_vec tensor_tables; /* its Tensor tables, for names and scales */
	const int32_t *inputs;   /* subgraph-local tensor indices, in place */
	const int32_t *outputs;
	uint32_t first_tensor;
	uint32_t n_tensors;
	uint32_t first_node;
	uint32_t n_nodes;
	uint32_t n_inputs;
	uint32_t n_outputs;
	uint32_t calls;          /* bit s: an operator here runs subgraph s */
};

/*
 * A resource variable (VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE): named
 * by container and shared_name, its buffer taken from the arena when the
 * first ASSIGN_VARIABLE of it is prepared (sized by its value), kept across
 * invokes, filled with `fill` at create and on reset.
 */
struct ts_variable {
	const char *container;   /* NULL when the model gives none */
	const char *shared_name; /* in the model bytes */
	uint8_t *data;           /* NULL until an ASSIGN_VARIABLE sized it */
	uint32_t bytes;
	uint32_t read_bytes;     /* what a READ_VARIABLE expects, 0: none yet */
	uint8_t type;
	uint8_t read_type;
	int8_t fill;
};

struct ts_interpreter {
	ts_fb fb;
	ts_fb_vec tensor_tables; /* subgraph 0's Tensor tables, for names and scales */
	struct ts_tensor *tensors; /* every subgraph's, subgraph 0's first */
	struct ts_node *nodes;     /* every subgraph's, subgraph 0's first */
	const int32_t *inputs;
	const int32_t *outputs;
	const struct ts_kernel_table *kernels;
	struct ts_subgraph *subgraphs;
	struct ts_variable *vars;
	uint32_t n_tensors;     /* subgraph 0's */
	uint32_t n_nodes;       /* subgraph 0's */
	uint16_t n_inputs;       /* at most 0xffff, as every index vector */
	uint16_t n_outputs;
	uint32_t n_all_tensors; /* every subgraph's */
	uint32_t n_all_nodes;
	uint32_t n_subgraphs;
	uint32_t n_vars;
	uint32_t max_vars;      /* room in vars */
	size_t arena_used;
	uint64_t macs;
	uint64_t cost;
};

typedef struct ts_node ts_node;

/* Input i of a node, NULL when it is an omitted optional input (-1) or i is
 * past the node's inputs.  Indices were verified at load. */
static inline ts_tensor *ts_node_input(const ts_interpreter *ip,
				       const ts_node *node, unsigned i)
{
	if (i >= node->n_inputs || node->inputs[i] < 0)
		return NULL;
	return &ip->tensors[node->tensor_base + (uint32_t)node->inputs[i]];
}

static inline ts_tensor *ts_node_output(const ts_interpreter *ip,
					const ts_node *node, unsigned i)
{
	if (i >= node->n_outputs || node->outputs[i] < 0)
		return NULL;
	return &ip->tensors[node->tensor_base + (uint32_t)node->outputs[i]];
}

/* Scale of channel c of a per-channel quantized tensor (or the tensor's),
 * read from the model (the loader verified the vector). */
float ts_tensor_channel_scale(const ts_interpreter *ip, const ts_tensor *t,
			      uint32_t c);

/* Index of an operator node in ip->nodes. */
static inline uint32_t ts_node_index(const ts_interpreter *ip, const ts_node *n)
{
	return (uint32_t)(n - ip->nodes);
}

/* The subgraph a node belongs to. */
static inline uint32_t ts_node_subgraph(const ts_interpreter *ip, const ts_node *n)
{
	const uint32_t i = ts_node_index(ip, n);
	uint32_t s = 0;

	while (s + 1 < ip->n_subgraphs && i >= ip->subgraphs[s + 1].first_node)
		s++;
	return s;
}

/* Runs the nodes of subgraph s in order (the interpreter's invoke for
 * s = 0; CALL_ONCE for others).  On failure *failed is the node. */
ts_status ts_run_subgraph(ts_interpreter *ip, uint32_t s, const ts_node **failed);

/* Number of elements of dims, false on overflow past 2^31 - 1. */
bool ts_dims_elems(const int32_t *dims, unsigned rank, uint32_t *elems);

/* dims equal, element by element. */
bool ts_dims_equal(const ts_tensor *a, const ts_tensor *b);

#endif /* TS_CORE_GRAPH_H */
