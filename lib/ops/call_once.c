/* SPDX-License-Identifier: MIT */
/*
 * CALL_ONCE, as TFLite Micro's call_once.cc: the first invoke runs subgraph
 * init_subgraph_index (typically setting the variables' initial values),
 * later invokes do nothing, until ts_interpreter_reset_state().  The
 * subgraph must exist, take no inputs and give no outputs; one that runs
 * itself, directly or through others, is refused once every operator is
 * prepared.
 */
#include "op.h"

enum { CALL_ONCE_OPT_INIT_SUBGRAPH_INDEX = 0 };

struct call_once_data {
	uint32_t subgraph;
	bool done;
};

static ts_status call_once_prepare(ts_prepare_ctx *c)
{
	ts_interpreter *ip = c->ip;
	const int32_t index = ts_option_i32(c, CALL_ONCE_OPT_INIT_SUBGRAPH_INDEX, 0);
	struct call_once_data *d;

	if (index < 0 || (uint32_t)index >= ip->n_subgraphs)
		return ts_prepare_fail(c, TS_ERR_MALFORMED,
				       "init subgraph %" PRId32 " out of range (model has %" PRIu32
				       " subgraphs)", index, ip->n_subgraphs);
	if (ip->subgraphs[index].n_inputs || ip->subgraphs[index].n_outputs)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED,
				       "init subgraph %" PRId32 " has inputs or outputs", index);
	d = ts_prepare_alloc(c, sizeof(*d), _Alignof(struct call_once_data));
	if (!d)
		return TS_ERR_ARENA_TOO_SMALL;
	d->subgraph = (uint32_t)index;
	ip->subgraphs[ts_node_subgraph(ip, c->node)].calls |= 1u << index;
	c->node->params = d;
	return TS_OK;
}

/* No subgraph runs itself, directly or through others. */
static ts_status call_once_finish(ts_interpreter *ip, ts_diag *diag)
{
	uint32_t reach[TS_MAX_SUBGRAPHS];
	bool grew = true;

	for (uint32_t s = 0; s < ip->n_subgraphs; s++)
		reach[s] = ip->subgraphs[s].calls;
	while (grew) {
		grew = false;
		for (uint32_t s = 0; s < ip->n_subgraphs; s++)
			for (uint32_t t = 0; t < ip->n_subgraphs; t++)
				if ((reach[s] >> t & 1) && (reach[s] | reach[t]) != reach[s]) {
					reach[s] |= reach[t];
					grew = true;
				}
	}
	for (uint32_t s = 0; s < ip->n_subgraphs; s++)
		if (reach[s] >> s & 1)
			return ts_diag_set(diag, TS_ERR_MALFORMED,
					   "subgraph %" PRIu32 " runs itself through CALL_ONCE (recursion)",
					   s);
	return TS_OK;
}

static ts_status call_once_eval(ts_interpreter *ip, const ts_node *node)
{
	struct call_once_data *d = node->params;
	const ts_node *failed = NULL;
	ts_status st;

	if (d->done)
		return TS_OK;
	st = ts_run_subgraph(ip, d->subgraph, &failed);
	if (st)
		return st;
	d->done = true;
	return TS_OK;
}

static void call_once_reset(ts_interpreter *ip, const ts_node *node)
{
	struct call_once_data *d = node->params;

	(void)ip;
	d->done = false;
}

const ts_op ts_op_call_once = {
	.builtin = TFL_BUILTIN_CALL_ONCE,
	.options_type = TFL_OPTIONS_CALL_ONCE,
	.min_inputs = 0,
	.max_inputs = 0,
	.n_outputs = 0,
	.prepare = call_once_prepare,
	.eval = call_once_eval,
	.finish = call_once_finish,
	.reset = call_once_reset,
};
