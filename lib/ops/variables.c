/* SPDX-License-Identifier: MIT */
/*
 * Resource variables, as TFLite Micro's var_handle.cc, read_variable.cc,
 * assign_variable.cc and micro_resource_variable.cc:
 *   VAR_HANDLE       names a variable by container and shared_name; equal
 *                    names (any subgraph) are one variable, an absent
 *                    container matches any
 *   ASSIGN_VARIABLE  copies its value into the variable; the first one
 *                    prepared sizes the variable by its value and takes
 *                    its buffer from the arena, filled with the value's
 *                    int8 zero point (0 when not quantized)
 *   READ_VARIABLE    copies the variable into its output
 * The handle is resolved when the model is prepared: it must be the output
 * of an earlier VAR_HANDLE of the same subgraph, and every READ and ASSIGN
 * of a variable must move as many bytes as it holds (TFLite Micro only
 * asserts that in debug builds).
 */
#include "op.h"

#include <string.h>

enum { VAR_OPT_CONTAINER = 0, VAR_OPT_SHARED_NAME = 1 };

static bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The variable with these names, created when there is none. */
static struct ts_variable *find_or_create(ts_interpreter *ip, const char *container,
					  const char *shared_name)
{
	for (uint32_t v = 0; v < ip->n_vars; v++) {
		struct ts_variable *var = &ip->vars[v];

		if ((!container || same_name(container, var->container ? var->container : "")) &&
		    same_name(shared_name, var->shared_name))
			return var;
	}
	if (ip->n_vars >= ip->max_vars)
		return NULL;
	ip->vars[ip->n_vars].container = container;
	ip->vars[ip->n_vars].shared_name = shared_name;
	return &ip->vars[ip->n_vars++];
}

/* Room for the variables, taken by the first VAR_HANDLE prepared: at most
 * one per VAR_HANDLE, at most TS_MAX_VARIABLES. */
static bool take_variables(ts_prepare_ctx *c)
{
	ts_interpreter *ip = c->ip;
	uint32_t n = 0;

	if (ip->vars)
		return true;
	for (uint32_t i = 0; i < ip->n_all_nodes; i++)
		n += ip->nodes[i].op->builtin == TFL_BUILTIN_VAR_HANDLE;
	ip->max_vars = n < TS_MAX_VARIABLES ? n : TS_MAX_VARIABLES;
	ip->vars = ts_prepare_alloc(c, ip->max_vars * sizeof(*ip->vars),
				    _Alignof(struct ts_variable));
	return ip->vars != NULL;
}

static ts_status var_handle_prepare(ts_prepare_ctx *c)
{
	ts_tensor *out = ts_prepare_output(c, 0);
	const char *container = ts_option_string(c, VAR_OPT_CONTAINER);
	const char *shared_name = ts_option_string(c, VAR_OPT_SHARED_NAME);
	ts_status st = ts_prepare_expect_type(c, out, "output", TS_TYPE_RESOURCE);

	if (st)
		return st;
	if (!take_variables(c))
		return TS_ERR_ARENA_TOO_SMALL;
	if (!shared_name)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "no shared_name names the variable");
	c->node->params = find_or_create(c->ip, container, shared_name);
	if (!c->node->params)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "more than %u resource variables", TS_MAX_VARIABLES);
	return TS_OK;
}

/* The variable of input 0, a handle some earlier VAR_HANDLE of this
 * subgraph wrote. */
static ts_status resolve_handle(ts_prepare_ctx *c, struct ts_variable **var)
{
	const ts_interpreter *ip = c->ip;
	const ts_tensor *handle = ts_prepare_input(c, 0);
	const uint32_t first = ip->subgraphs[ts_node_subgraph(ip, c->node)].first_node;
	ts_status st = ts_prepare_expect_type(c, handle, "handle (input 0)", TS_TYPE_RESOURCE);

	if (st)
		return st;
	for (uint32_t n = ts_node_index(ip, c->node); n-- > first;) {
		const ts_node *p = &ip->nodes[n];

		if (p->op->builtin == TFL_BUILTIN_VAR_HANDLE && ts_node_output(ip, p, 0) == handle) {
			*var = p->params;
			return TS_OK;
		}
	}
	return ts_prepare_fail(c, TS_ERR_MALFORMED,
			       "handle (input 0) is not the output of an earlier VAR_HANDLE");
}

static ts_status read_variable_prepare(ts_prepare_ctx *c)
{
	ts_tensor *out = ts_prepare_output(c, 0);
	struct ts_variable *var = NULL;
	ts_status st = resolve_handle(c, &var);

	if (st)
		return st;
	if (!out->bytes || out->type == TS_TYPE_RESOURCE)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED, "output holds no data");
	if (var->data && var->bytes != out->bytes)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "output has %" PRIu32 " bytes, variable '%s' holds %" PRIu32,
				       out->bytes, var->shared_name, var->bytes);
	if (var->read_bytes && var->read_bytes != out->bytes)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "output has %" PRIu32 " bytes, another read of variable '%s' %" PRIu32,
				       out->bytes, var->shared_name, var->read_bytes);
	var->read_bytes = out->bytes;
	c->node->params = var;
	return TS_OK;
}

static ts_status read_variable_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct ts_variable *var = node->params;

	memcpy(ts_node_output(ip, node, 0)->data, var->data, var->bytes);
	return TS_OK;
}

static ts_status assign_variable_prepare(ts_prepare_ctx *c)
{
	const ts_tensor *value = ts_prepare_input(c, 1);
	struct ts_variable *var = NULL;
	ts_status st = resolve_handle(c, &var);

	if (st)
		return st;
	if (!value)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "value (input 1) is missing");
	if (!value->bytes || value->type == TS_TYPE_RESOURCE)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED, "value (input 1) holds no data");
	if (!var->data) {
		if (var->read_bytes && var->read_bytes != value->bytes)
			return ts_prepare_fail(c, TS_ERR_SHAPE,
					       "value has %" PRIu32 " bytes, a read of variable '%s' %" PRIu32,
					       value->bytes, var->shared_name, var->read_bytes);
		var->data = ts_prepare_alloc(c, value->bytes, 16);
		if (!var->data)
			return TS_ERR_ARENA_TOO_SMALL;
		var->bytes = value->bytes;
		var->type = value->type;
		/* TFLite Micro: the value's zero point cast to int8, else 0. */
		var->fill = value->nscales ? (int8_t)value->zero_point : 0;
		memset(var->data, var->fill, var->bytes);
	} else if (var->bytes != value->bytes) {
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "value has %" PRIu32 " bytes, variable '%s' holds %" PRIu32,
				       value->bytes, var->shared_name, var->bytes);
	}
	c->node->params = var;
	return TS_OK;
}

static ts_status assign_variable_eval(ts_interpreter *ip, const ts_node *node)
{
	const struct ts_variable *var = node->params;

	memcpy(var->data, ts_node_input(ip, node, 1)->data, var->bytes);
	return TS_OK;
}

/* Every variable read is assigned somewhere (ASSIGN_VARIABLE's prepare
 * checked that the sizes agree). */
static ts_status var_handle_finish(ts_interpreter *ip, ts_diag *diag)
{
	for (uint32_t v = 0; v < ip->n_vars; v++)
		if (ip->vars[v].read_bytes && !ip->vars[v].data)
			return ts_diag_set(diag, TS_ERR_MALFORMED,
					   "variable '%s' is read but never assigned, so its shape is unknown",
					   ip->vars[v].shared_name);
	return TS_OK;
}

static ts_status nothing_to_do(ts_interpreter *ip, const ts_node *node)
{
	(void)ip;
	(void)node;
	return TS_OK;
}

const ts_op ts_op_var_handle = {
	.builtin = TFL_BUILTIN_VAR_HANDLE,
	.options_type = TFL_OPTIONS_VAR_HANDLE,
	.min_inputs = 0,
	.max_inputs = 0,
	.n_outputs = 1,
	.prepare = var_handle_prepare,
	.eval = nothing_to_do,
	.finish = var_handle_finish,
};

const ts_op ts_op_read_variable = {
	.builtin = TFL_BUILTIN_READ_VARIABLE,
	.options_type = TFL_OPTIONS_READ_VARIABLE,
	.min_inputs = 1,
	.max_inputs = 1,
	.n_outputs = 1,
	.prepare = read_variable_prepare,
	.eval = read_variable_eval,
};

const ts_op ts_op_assign_variable = {
	.builtin = TFL_BUILTIN_ASSIGN_VARIABLE,
	.options_type = TFL_OPTIONS_ASSIGN_VARIABLE,
	.min_inputs = 2,
	.max_inputs = 2,
	.n_outputs = 0,
	.prepare = assign_variable_prepare,
	.eval = assign_variable_eval,
};
