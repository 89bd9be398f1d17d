/* SPDX-License-Identifier: MIT */
/*
 * Activation memory planning: tensors whose lifetimes do not overlap share
 * arena bytes.  Greedy by size, largest first, each placed at the lowest
 * offset that is free for its whole lifetime (the scheme TFLite Micro's
 * GreedyMemoryPlanner uses).
 */
#ifndef TS_CORE_PLANNER_H
#define TS_CORE_PLANNER_H

#include "graph.h"

/* Alignment of every planned tensor. */
#define TS_PLAN_ALIGN 16

/*
 * Plans every activation and variable tensor of ip into the bottom of the
 * arena, sets their data pointers and reserves the bytes (a->bottom).
 * Temporary bookkeeping uses the arena's free space.
 */
ts_status ts_plan_memory(ts_interpreter *ip, ts_arena *a, ts_diag *diag);

#endif /* TS_CORE_PLANNER_H */
