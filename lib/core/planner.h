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
 * Temporary bookkeeping uses the arena's free space.  Refuses the model
 * (TS_ERR_UNSUPPORTED) when planning would take more than max_work steps
 * (lifetime overlaps examined and interval-tree nodes visited).
 */
ts_status ts_plan_memory(ts_interpreter *ip, ts_arena *a, uint64_t max_work, ts_diag *diag);

#endif /* TS_CORE_PLANNER_H */
