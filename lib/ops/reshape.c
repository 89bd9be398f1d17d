/* SPDX-License-Identifier: MIT */
/* RESHAPE: same bytes, new shape.  The output shape is the model's; the
 * optional shape input and new_shape option are not needed to run. */
#include "op.h"

#include <string.h>

static ts_status prepare(ts_prepare_ctx *c)
{
	const ts_tensor *in = ts_prepare_input(c, 0);
	const ts_tensor *out = ts_prepare_output(c, 0);

	if (!in)
		return ts_prepare_fail(c, TS_ERR_MALFORMED, "input is missing");
	if (in->type != out->type)
		return ts_prepare_fail(c, TS_ERR_UNSUPPORTED, "input type %s differs from output type %s",
				       ts_type_name(in->type), ts_type_name(out->type));
	if (in->elems != out->elems)
		return ts_prepare_fail(c, TS_ERR_SHAPE,
				       "input has %" PRIu32
				       " elements, output %" PRIu32, in->elems, out->elems);
	return TS_OK;
}

static ts_status eval(ts_interpreter *ip, const ts_node *node)
{
	const ts_tensor *in = ts_node_input(ip, node, 0);
	ts_tensor *out = ts_node_output(ip, node, 0);

	if (out->data != in->data)
		memmove(out->data, in->data, out->bytes);
	return TS_OK;
}

const ts_op ts_op_reshape = {
	.builtin = TFL_BUILTIN_RESHAPE,
	.options_type = TFL_OPTIONS_RESHAPE,
	.min_inputs = 1,
	.max_inputs = 2,
	.n_outputs = 1,
	.prepare = prepare,
	.eval = eval,
};
