/* SPDX-License-Identifier: MIT */
/* The interpreter's life: create (load, prepare, plan), invoke, inspect. */
#include "tinysense/interpreter.h"
#include "tinysense/kernels.h"

#include <string.h>

#include "diag.h"
#include "graph.h"
#include "model_loader.h"
#include "planner.h"
#include "../kernels/kernels.h"
#include "../ops/op.h"

/* The limits of the options, defaults for zeros. */
struct limits {
	uint32_t max_operators, max_tensors;
	uint64_t max_plan_work, max_cost;
};

static struct limits read_limits(const ts_interpreter_options *opt)
{
	struct limits l = { TS_DEFAULT_MAX_OPERATORS, TS_DEFAULT_MAX_TENSORS,
			    TS_DEFAULT_MAX_PLAN_WORK, TS_DEFAULT_MAX_COST };

	if (opt && opt->max_operators)
		l.max_operators = opt->max_operators;
	if (opt && opt->max_tensors)
		l.max_tensors = opt->max_tensors;
	if (opt && opt->max_plan_work)
		l.max_plan_work = opt->max_plan_work;
	if (opt && opt->max_cost)
		l.max_cost = opt->max_cost;
	return l;
}

/* The iterations of loops over a tensor's dimensions: its elements, with
 * dimensions of 0 counted as 1 (a [1, 2^15, 2^15, 0] output has no element,
 * but a kernel still walks its 2^30 positions). */
static uint64_t loop_volume(const ts_tensor *t)
{
	uint64_t v = 1;

	for (unsigned d = 0; d < t->rank; d++)
		v = ts_cost_mul(v, t->dims[d] > 1 ? (uint64_t)t->dims[d] : 1);
	return v;
}

/* The node's cost (ts_interpreter_cost): its MACs, its other work, and one
 * per element of each input and output (loop_volume). */
static uint64_t node_cost(const ts_interpreter *ip, const ts_node *node,
			  const ts_prepare_ctx *ctx)
{
	uint64_t cost = ts_cost_add(ctx->macs, ctx->cost);

	for (uint32_t k = 0; k < node->n_inputs; k++)
		if (node->inputs[k] >= 0)
			cost = ts_cost_add(cost, loop_volume(ts_node_input(ip, node, k)));
	for (uint32_t k = 0; k < node->n_outputs; k++)
		cost = ts_cost_add(cost, loop_volume(ts_node_output(ip, node, k)));
	return cost;
}

static ts_status prepare_node(ts_interpreter *ip, ts_arena *a, ts_node *node,
			      uint64_t max_cost, ts_diag *diag)
{
	ts_prepare_ctx ctx = { .ip = ip, .node = node, .arena = a, .diag = diag };
	ts_status st;

	/* The loader verified this table once already. */
	ctx.has_options = node->options &&
			  ts_fb_table_at(&ip->fb, node->options, &ctx.options);
	st = node->op->prepare(&ctx);
	if (st == TS_OK && a->short_by)
		st = TS_ERR_ARENA_TOO_SMALL;
	if (st == TS_ERR_ARENA_TOO_SMALL && a->short_by)
		return ts_prepare_fail(&ctx, st, "arena too small: %zu more bytes needed",
				       a->short_by);
	if (st == TS_OK && ctx.options_bad)
		return ts_prepare_fail(&ctx, TS_ERR_MALFORMED,
				       "builtin options field out of bounds");
	if (st)
		return st;
	ip->macs += ctx.macs;
	ip->cost = ts_cost_add(ip->cost, node_cost(ip, node, &ctx));
	if (ip->cost > max_cost)
		return ts_prepare_fail(&ctx, TS_ERR_UNSUPPORTED,
				       "the model's cost reaches %llu operations per inference,"
				       " over the limit of %llu (interpreter option max_cost)",
				       (unsigned long long)ip->cost,
				       (unsigned long long)max_cost);
	return TS_OK;
}

/* The ops' checks of the whole model, once every operator is prepared. */
static ts_status finish_nodes(ts_interpreter *ip, ts_diag *diag)
{
	ts_status st;

	for (uint32_t n = 0; n < ip->n_all_nodes; n++) {
		if (!ip->nodes[n].op->finish)
			continue;
		st = ip->nodes[n].op->finish(ip, diag);
		if (st)
			return st;
	}
	return TS_OK;
}

/* Activations of the subgraphs other than 0 get memory of their own, for
 * the interpreter's whole life (the planner plans subgraph 0). */
static ts_status take_other_activations(ts_interpreter *ip, ts_arena *a, ts_diag *diag)
{
	for (uint32_t t = ip->n_tensors; t < ip->n_all_tensors; t++) {
		ts_tensor *tensor = &ip->tensors[t];

		if ((tensor->kind != TS_TENSOR_ACTIVATION && tensor->kind != TS_TENSOR_VARIABLE) ||
		    !tensor->bytes)
			continue;
		tensor->data = ts_arena_take(a, tensor->bytes, 16);
		if (!tensor->data)
			return ts_diag_set(diag, TS_ERR_ARENA_TOO_SMALL,
					   "arena too small: %zu more bytes needed for tensor %" PRIu32,
					   a->short_by, t);
		if (tensor->kind == TS_TENSOR_VARIABLE)
			memset(tensor->data, (int)(int8_t)tensor->zero_point, tensor->bytes);
	}
	return TS_OK;
}

/* The kernel set the options ask for, refused when this CPU lacks it. */
static ts_status choose_kernels(const ts_interpreter_options *opt,
				const ts_kernel_table **k, ts_diag *diag)
{
	const char *name = opt && opt->kernels ? opt->kernels : "ref";
	ts_status st = ts_kernels_check(name, opt ? opt->cpu_features : 0);

	if (st == TS_ERR_INVALID_ARG)
		return ts_diag_set(diag, st, "no kernel set named '%s' in this build", name);
	if (st)
		return ts_diag_set(diag, st, "kernel set '%s' needs CPU features this CPU lacks",
				   name);
	*k = ts_kernels_find(name);
	return TS_OK;
}

ts_status ts_interpreter_create(ts_interpreter **out, const void *model,
				size_t model_size, void *arena,
				size_t arena_size, ts_diag *diag)
{
	return ts_interpreter_create_with(out, model, model_size, arena, arena_size, NULL,
					  diag);
}

ts_status ts_interpreter_create_with(ts_interpreter **out, const void *model,
				     size_t model_size, void *arena, size_t arena_size,
				     const ts_interpreter_options *options, ts_diag *diag)
{
	const ts_kernel_table *kernels = &ts_kernels_ref;
	const struct limits lim = read_limits(options);
	ts_arena a;
	ts_interpreter *ip;
	ts_status st;

	if (!out || !model || !arena)
		return ts_diag_set(diag, TS_ERR_INVALID_ARG,
				   "NULL model, arena or result pointer");
	*out = NULL;
	st = choose_kernels(options, &kernels, diag);
	if (st)
		return st;
	ts_arena_init(&a, arena, arena_size);
	ip = ts_arena_take(&a, sizeof(*ip), _Alignof(ts_interpreter));
	if (!ip)
		return ts_diag_set(diag, TS_ERR_ARENA_TOO_SMALL,
				   "arena too small: %zu more bytes needed for the interpreter",
				   a.short_by);
	ip->kernels = kernels;
	st = ts_model_load(ip, &a, model, model_size, lim.max_tensors, lim.max_operators, diag);
	if (st)
		return st;
	/* Every subgraph, in order, as TFLite Micro prepares them (the cost
	 * counts CALL_ONCE's subgraphs as if they ran at every invoke). */
	for (uint32_t n = 0; n < ip->n_all_nodes; n++) {
		st = prepare_node(ip, &a, &ip->nodes[n], lim.max_cost, diag);
		if (st)
			return st;
	}
	st = finish_nodes(ip, diag);
	if (!st)
		st = take_other_activations(ip, &a, diag);
	if (!st)
		st = ts_plan_memory(ip, &a, lim.max_plan_work, diag);
	if (st)
		return st;
	/* In TS_ARENA_ALIGN units: an aligned arena of this size is enough. */
	ip->arena_used = (a.top + a.bottom + TS_ARENA_ALIGN - 1) &
			 ~(size_t)(TS_ARENA_ALIGN - 1);
	*out = ip;
	return TS_OK;
}

ts_status ts_run_subgraph(ts_interpreter *ip, uint32_t s, const ts_node **failed)
{
	const struct ts_subgraph *sg = &ip->subgraphs[s];
	ts_status st;

	for (uint32_t n = sg->first_node; n < sg->first_node + sg->n_nodes; n++) {
		st = ip->nodes[n].op->eval(ip, &ip->nodes[n]);
		if (st) {
			if (!*failed)
				*failed = &ip->nodes[n];
			return st;
		}
	}
	return TS_OK;
}

ts_status ts_interpreter_invoke(ts_interpreter *ip, ts_diag *diag)
{
	const ts_node *failed = NULL;
	ts_status st;

	if (!ip)
		return ts_diag_set(diag, TS_ERR_INVALID_ARG, "NULL interpreter");
	st = ts_run_subgraph(ip, 0, &failed);
	if (st) {
		const uint32_t s = ts_node_subgraph(ip, failed);

		if (s)
			return ts_diag_set(diag, st, "subgraph %" PRIu32 " operator %" PRIu32
						     " (%s) failed: %s", s,
					   ts_node_index(ip, failed) - ip->subgraphs[s].first_node,
					   ts_builtin_name(failed->op->builtin),
					   ts_status_str(st));
		return ts_diag_set(diag, st, "operator %" PRIu32 " (%s) failed: %s",
				   ts_node_index(ip, failed), ts_builtin_name(failed->op->builtin),
				   ts_status_str(st));
	}
	return TS_OK;
}

void ts_interpreter_reset_state(ts_interpreter *ip)
{
	for (uint32_t v = 0; v < ip->n_vars; v++)
		if (ip->vars[v].data)
			memset(ip->vars[v].data, ip->vars[v].fill, ip->vars[v].bytes);
	for (uint32_t t = 0; t < ip->n_all_tensors; t++) {
		ts_tensor *tensor = &ip->tensors[t];

		if (tensor->kind == TS_TENSOR_VARIABLE && tensor->bytes)
			memset(tensor->data, (int)(int8_t)tensor->zero_point, tensor->bytes);
	}
	for (uint32_t n = 0; n < ip->n_all_nodes; n++)
		if (ip->nodes[n].op->reset)
			ip->nodes[n].op->reset(ip, &ip->nodes[n]);
}

size_t ts_interpreter_subgraph_count(const ts_interpreter *ip) { return ip->n_subgraphs; }
size_t ts_interpreter_variable_count(const ts_interpreter *ip) { return ip->n_vars; }

/* Counted when asked: the interpreter object stays small. */
size_t ts_interpreter_state_bytes(const ts_interpreter *ip)
{
	size_t bytes = 0;

	for (uint32_t v = 0; v < ip->n_vars; v++)
		bytes += ip->vars[v].bytes;
	for (uint32_t t = 0; t < ip->n_all_tensors; t++)
		if (ip->tensors[t].kind == TS_TENSOR_VARIABLE)
			bytes += ip->tensors[t].bytes;
	return bytes;
}

size_t ts_interpreter_input_count(const ts_interpreter *ip) { return ip->n_inputs; }
size_t ts_interpreter_output_count(const ts_interpreter *ip) { return ip->n_outputs; }
size_t ts_interpreter_arena_used(const ts_interpreter *ip) { return ip->arena_used; }

/* Counted when asked: the interpreter object stays small. */
size_t ts_interpreter_weight_bytes(const ts_interpreter *ip)
{
	size_t bytes = 0;

	for (uint32_t t = 0; t < ip->n_all_tensors; t++)
		if (ip->tensors[t].kind == TS_TENSOR_CONST)
			bytes += ip->tensors[t].bytes;
	return bytes;
}

uint64_t ts_interpreter_macs(const ts_interpreter *ip) { return ip->macs; }
uint64_t ts_interpreter_cost(const ts_interpreter *ip) { return ip->cost; }
size_t ts_interpreter_op_count(const ts_interpreter *ip) { return ip->n_all_nodes; }

ts_tensor *ts_interpreter_input(ts_interpreter *ip, size_t i)
{
	return i < ip->n_inputs ? &ip->tensors[ip->inputs[i]] : NULL;
}

const ts_tensor *ts_interpreter_output(const ts_interpreter *ip, size_t i)
{
	return i < ip->n_outputs ? &ip->tensors[ip->outputs[i]] : NULL;
}

const char *ts_interpreter_op_name(const ts_interpreter *ip, size_t i)
{
	return i < ip->n_all_nodes ? ts_builtin_name(ip->nodes[i].op->builtin) : NULL;
}

const char *ts_interpreter_kernels(const ts_interpreter *ip)
{
	return ip->kernels->name;
}
