/* SPDX-License-Identifier: MIT */
#include "planner.h"

#include <string.h>

#include "diag.h"

struct plan_entry {
	uint32_t tensor;
	uint32_t size;   /* aligned */
	uint32_t first;  /* first step that needs it */
	uint32_t last;   /* last step that needs it */
	uint32_t offset;
};

static uint32_t align_up(uint32_t v)
{
	return (v + TS_PLAN_ALIGN - 1) & ~(uint32_t)(TS_PLAN_ALIGN - 1);
}

static bool lifetimes_overlap(const struct plan_entry *a, const struct plan_entry *b)
{
	return a->first <= b->last && b->first <= a->last;
}

static void touch(struct plan_entry *e, uint32_t n, int32_t tensor, uint32_t step)
{
	for (uint32_t k = 0; k < n; k++) {
		if (e[k].tensor != (uint32_t)tensor)
			continue;
		if (step < e[k].first)
			e[k].first = step;
		if (step > e[k].last)
			e[k].last = step;
		return;
	}
}

/* Lifetimes in steps: step 0 is before the first operator (inputs are
 * written), operator n runs at step n + 1, step n_nodes + 1 is after the
 * last (outputs are read).  Variables live throughout. */
static uint32_t collect(const ts_interpreter *ip, struct plan_entry *e)
{
	const uint32_t end = ip->n_nodes + 1;
	uint32_t n = 0;

	for (uint32_t t = 0; t < ip->n_tensors; t++) {
		const ts_tensor *tensor = &ip->tensors[t];
		const bool variable = tensor->kind == TS_TENSOR_VARIABLE;

		if (tensor->kind != TS_TENSOR_ACTIVATION && !variable)
			continue;
		e[n].tensor = t;
		e[n].size = align_up(tensor->bytes);
		e[n].first = variable ? 0 : UINT32_MAX;
		e[n].last = variable ? end : 0;
		e[n].offset = 0;
		n++;
	}
	for (uint32_t i = 0; i < ip->n_inputs; i++)
		touch(e, n, ip->inputs[i], 0);
	for (uint32_t i = 0; i < ip->n_outputs; i++)
		touch(e, n, ip->outputs[i], end);
	for (uint32_t s = 0; s < ip->n_nodes; s++) {
		const ts_node *node = &ip->nodes[s];

		for (uint32_t k = 0; k < node->n_inputs; k++)
			if (node->inputs[k] >= 0)
				touch(e, n, node->inputs[k], s + 1);
		for (uint32_t k = 0; k < node->n_outputs; k++)
			touch(e, n, node->outputs[k], s + 1);
	}
	return n;
}

/* Largest first; ties by earlier first use, then tensor index, so the plan
 * is the same on every target. */
static bool before(const struct plan_entry *a, const struct plan_entry *b)
{
	if (a->size != b->size)
		return a->size > b->size;
	if (a->first != b->first)
		return a->first < b->first;
	return a->tensor < b->tensor;
}

static void sort_entries(struct plan_entry *e, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		struct plan_entry x = e[i];
		uint32_t j = i;

		while (j > 0 && before(&x, &e[j - 1])) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = x;
	}
}

/* Places entry i at the lowest offset not used by an already placed entry
 * whose lifetime overlaps.  Returns the end of the placed entry. */
static uint64_t place(struct plan_entry *e, uint32_t i)
{
	uint64_t offset = 0;
	bool moved = true;

	while (moved) {
		moved = false;
		for (uint32_t k = 0; k < i; k++) {
			if (!lifetimes_overlap(&e[i], &e[k]))
				continue;
			if (offset < (uint64_t)e[k].offset + e[k].size &&
			    e[k].offset < offset + e[i].size) {
				offset = (uint64_t)e[k].offset + e[k].size;
				moved = true;
			}
		}
	}
	e[i].offset = (uint32_t)offset;
	return offset + e[i].size;
}

ts_status ts_plan_memory(ts_interpreter *ip, ts_arena *a, ts_diag *diag)
{
	uintptr_t base = ((uintptr_t)a->base + TS_PLAN_ALIGN - 1) &
			 ~(uintptr_t)(TS_PLAN_ALIGN - 1);
	size_t lead = base - (uintptr_t)a->base;
	struct plan_entry *e;
	size_t need = _Alignof(struct plan_entry);
	uint64_t total = 0, end;
	uint32_t n;

	for (uint32_t t = 0; t < ip->n_tensors; t++)
		if (ip->tensors[t].kind == TS_TENSOR_ACTIVATION ||
		    ip->tensors[t].kind == TS_TENSOR_VARIABLE)
			need += sizeof(*e);

	/* Bookkeeping sits where the plan will go: it is dead before any
	 * tensor data is written. */
	if (lead + need > ts_arena_free(a))
		return ts_diag_set(diag, TS_ERR_ARENA_TOO_SMALL,
				   "arena too small: %zu more bytes needed to plan memory",
				   lead + need - ts_arena_free(a));
	e = (struct plan_entry *)(((uintptr_t)a->base + lead +
				   _Alignof(struct plan_entry) - 1) &
				  ~(uintptr_t)(_Alignof(struct plan_entry) - 1));
	n = collect(ip, e);
	sort_entries(e, n);
	for (uint32_t i = 0; i < n; i++) {
		end = place(e, i);
		if (end > total)
			total = end;
	}
	if (lead + total > ts_arena_free(a))
		return ts_diag_set(diag, TS_ERR_ARENA_TOO_SMALL,
				   "arena too small: activations need %llu bytes, %zu are free",
				   (unsigned long long)(lead + total), ts_arena_free(a));
	/* Read the placements out before the tensor data overwrites them. */
	for (uint32_t i = 0; i < n; i++)
		ip->tensors[e[i].tensor].data = (uint8_t *)base + e[i].offset;
	/* The bookkeeping was part of the bottom while planning: an arena of
	 * the reported size must have room for it too. */
	a->bottom = lead + (size_t)total > lead + need ? lead + (size_t)total : lead + need;
	for (uint32_t t = 0; t < ip->n_tensors; t++) {
		ts_tensor *tensor = &ip->tensors[t];

		if (tensor->kind == TS_TENSOR_VARIABLE)
			memset(tensor->data, (int)(int8_t)tensor->zero_point, tensor->bytes);
	}
	return TS_OK;
}
