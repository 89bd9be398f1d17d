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
 * Fills ip->fb, every subgraph's tensors and nodes, and subgraph 0's inputs
 * and outputs (taking memory from a) and checks each graph's wiring.
 * Operators are not prepared yet.  A model with more than max_tensors
 * tensors or max_operators operators (every subgraph together) is refused
 * before they are read.
 */
ts_status ts_model_load(ts_interpreter *ip, ts_arena *a, const void *model,
			size_t model_size, uint32_t max_tensors, uint32_t max_operators,
			ts_diag *diag);

#endif /* TS_CORE_MODEL_LOADER_H */
