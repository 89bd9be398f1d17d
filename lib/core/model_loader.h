/* SPDX-License-Identifier: MIT */
/*
 * Reads and verifies a .tflite flatbuffer into an interpreter's tensors and
 * nodes.  Nothing is trusted: every offset, index, count, shape and
 * quantization parameter is checked before it is used.
 */
#ifndef TS_CORE_MODEL_LOADER_H
#define TS_CORE_MODEL_LOADER_H

#include "graph.h"

/*
 * Fills ip->fb, tensors, nodes, inputs and outputs (taking memory from a)
 * and checks the graph's wiring.  Operators are not prepared yet.
 */
ts_status ts_model_load(ts_interpreter *ip, ts_arena *a, const void *model,
			size_t model_size, ts_diag *diag);

#endif /* TS_CORE_MODEL_LOADER_H */
