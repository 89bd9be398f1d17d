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

/*
 * Up to this many tensors, placing one scans every tensor placed before it
 * (a few million steps at most, and no bookkeeping but the entries); above,
 * an interval tree over the lifetimes finds only those whose lifetimes
 * overlap.  Both place every tensor at the same offset.
 */
#ifndef PLAN_SCAN_MAX
#define PLAN_SCAN_MAX 256
#endif

struct planner {
	struct plan_entry *e;
	uint32_t n;
	uint64_t work;       /* steps so far (ts_plan_memory's max_work) */
	/* The interval tree (more than PLAN_SCAN_MAX entries).  Entries are
	 * placed in index order, so entry j is placed when j < the one being
	 * placed; until then its offset field holds its position in by_first. */
	uint32_t *by_first;  /* entry indices by first step */
	uint32_t *found;     /* the placed entries overlapping the one placed */
	/* Over the positions of by_first: for each inner node, the largest
	 * last + 1 of the placed entries under it, 0 when none is.  Node 1 is
	 * the root, the children of k are 2k and 2k + 1, and node leaves + p
	 * is position p itself (not stored: its entry says). */
	uint32_t *tree;
	uint32_t leaves;
};

static uint32_t align_up(uint32_t v)
{
	return (v + TS_PLAN_ALIGN - 1) & ~(uint32_t)(TS_PLAN_ALIGN - 1);
}

static bool lifetimes_overlap(const struct plan_entry *a, const struct plan_entry *b)
{
	return a->first <= b->last && b->first <= a->last;
}

/*
 * While planning, an activation's data pointer (NULL until it is planned)
 * holds its entry's index + 1, so that each use finds its entry at once.
 */
static void touch(const ts_interpreter *ip, struct plan_entry *e, int32_t tensor, uint32_t step)
{
	const uintptr_t k = (uintptr_t)ip->tensors[tensor].data;

	if (!k || ip->tensors[tensor].kind == TS_TENSOR_CONST)
		return;
	if (step < e[k - 1].first)
		e[k - 1].first = step;
	if (step > e[k - 1].last)
		e[k - 1].last = step;
}

/* Lifetimes in steps: step 0 is before the first operator (inputs are
 * written), operator n runs at step n + 1, step n_nodes + 1 is after the
 * last (outputs are read).  Variables live throughout. */
static uint32_t collect(ts_interpreter *ip, struct plan_entry *e)
{
	const uint32_t end = ip->n_nodes + 1;
	uint32_t n = 0;

	for (uint32_t t = 0; t < ip->n_tensors; t++) {
		ts_tensor *tensor = &ip->tensors[t];
		const bool variable = tensor->kind == TS_TENSOR_VARIABLE;

		if (tensor->kind != TS_TENSOR_ACTIVATION && !variable)
			continue;
		e[n].tensor = t;
		e[n].size = align_up(tensor->bytes);
		e[n].first = variable ? 0 : UINT32_MAX;
		e[n].last = variable ? end : 0;
		e[n].offset = 0;
		n++;
		tensor->data = (uint8_t *)(uintptr_t)n;
	}
	for (uint32_t i = 0; i < ip->n_inputs; i++)
		touch(ip, e, ip->inputs[i], 0);
	for (uint32_t i = 0; i < ip->n_outputs; i++)
		touch(ip, e, ip->outputs[i], end);
	for (uint32_t s = 0; s < ip->n_nodes; s++) {
		const ts_node *node = &ip->nodes[s];

		for (uint32_t k = 0; k < node->n_inputs; k++)
			if (node->inputs[k] >= 0)
				touch(ip, e, node->inputs[k], s + 1);
		for (uint32_t k = 0; k < node->n_outputs; k++)
			touch(ip, e, node->outputs[k], s + 1);
	}
	return n;
}

/* Largest first; ties by earlier first use, then tensor index, so the plan
 * is the same on every target (a total order: any sort gives one result). */
static bool before(const struct plan_entry *a, const struct plan_entry *b)
{
	if (a->size != b->size)
		return a->size > b->size;
	if (a->first != b->first)
		return a->first < b->first;
	return a->tensor < b->tensor;
}

/* Heapsort of the entries by before(): n log n, in place. */
static void sift_entries(struct plan_entry *e, size_t root, size_t n)
{
	const struct plan_entry x = e[root];

	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			break;
		if (child + 1 < n && before(&e[child], &e[child + 1]))
			child++;
		if (!before(&x, &e[child]))
			break;
		e[root] = e[child];
		root = child;
	}
	e[root] = x;
}

static void sort_entries(struct plan_entry *e, uint32_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_entries(e, i, n);
	for (size_t end = n; end > 1; end--) {
		const struct plan_entry top = e[0];

		e[0] = e[end - 1];
		e[end - 1] = top;
		sift_entries(e, 0, end - 1);
	}
}

/* Heapsort of entry indices by a key of the entry (first or offset). */
static uint32_t key_of(const struct plan_entry *e, uint32_t i, bool by_offset)
{
	return by_offset ? e[i].offset : e[i].first;
}

static void sift_indices(const struct plan_entry *e, uint32_t *v, size_t root, size_t n,
			 bool by_offset)
{
	const uint32_t x = v[root];

	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			break;
		if (child + 1 < n &&
		    key_of(e, v[child], by_offset) < key_of(e, v[child + 1], by_offset))
			child++;
		if (key_of(e, x, by_offset) >= key_of(e, v[child], by_offset))
			break;
		v[root] = v[child];
		root = child;
	}
	v[root] = x;
}

static void sort_indices(const struct plan_entry *e, uint32_t *v, uint32_t n, bool by_offset)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_indices(e, v, i, n, by_offset);
	for (size_t end = n; end > 1; end--) {
		const uint32_t top = v[0];

		v[0] = v[end - 1];
		v[end - 1] = top;
		sift_indices(e, v, 0, end - 1, by_offset);
	}
}

/* Entry i at the lowest offset not used by an already placed entry whose
 * lifetime overlaps, scanning them all until none is in the way. */
static uint64_t place_by_scan(struct planner *pl, uint32_t i)
{
	struct plan_entry *e = pl->e;
	uint64_t offset = 0;
	bool moved = true;

	while (moved) {
		moved = false;
		pl->work += i;
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
	return offset;
}

/* Collects in pl->found the placed entries whose lifetime overlaps
 * [first, last]: among the by_first positions of those that start by
 * last, the placed ones that end at first or later.  Returns how many. */
struct tree_span {
	uint32_t node, lo, width; /* node covers positions [lo, lo + width) */
};

/* Collects in pl->found the entries placed before entry i whose lifetime
 * overlaps [first, last]: among the by_first positions of those that start
 * by last, the placed ones that end at first or later.  Returns how many. */
static uint32_t find_overlapping(struct planner *pl, uint32_t i, uint32_t first, uint32_t last)
{
	/* Depth first: one more pending node per level at most. */
	struct tree_span stack[40];
	uint32_t lo = 0, hi = pl->n, count = 0, depth = 0;

	/* hi: the number of entries with first <= last. */
	while (lo < hi) {
		const uint32_t mid = lo + (hi - lo) / 2;

		if (pl->e[pl->by_first[mid]].first <= last)
			lo = mid + 1;
		else
			hi = mid;
	}
	hi = lo;
	stack[depth++] = (struct tree_span){ 1, 0, pl->leaves };
	while (depth) {
		const struct tree_span s = stack[--depth];

		pl->work++;
		if (s.lo >= hi)
			continue;
		if (s.width == 1) {
			const uint32_t j = pl->by_first[s.lo];

			if (j < i && pl->e[j].last >= first)
				pl->found[count++] = j;
			continue;
		}
		if (pl->tree[s.node] <= first)
			continue;
		stack[depth++] = (struct tree_span){ 2 * s.node + 1, s.lo + s.width / 2,
						     s.width / 2 };
		stack[depth++] = (struct tree_span){ 2 * s.node, s.lo, s.width / 2 };
	}
	return count;
}

/* The same offset as place_by_scan: the overlapping entries by offset,
 * then the first gap below them that is large enough. */
static uint64_t place_by_tree(struct planner *pl, uint32_t i)
{
	struct plan_entry *e = pl->e;
	const uint32_t count = find_overlapping(pl, i, e[i].first, e[i].last);
	uint64_t offset = 0;

	/* The sort's steps: count log2(count). */
	for (uint32_t k = count; k; k /= 2)
		pl->work += count;
	sort_indices(e, pl->found, count, true);
	for (uint32_t k = 0; k < count; k++) {
		const struct plan_entry *other = &e[pl->found[k]];

		if (other->offset >= offset + e[i].size)
			break;
		if ((uint64_t)other->offset + other->size > offset)
			offset = (uint64_t)other->offset + other->size;
	}
	/* Entry i is placed: the maxima above its position (e[i].offset
	 * until the caller stores the offset). */
	for (uint32_t node = (pl->leaves + e[i].offset) / 2; node; node /= 2)
		if (pl->tree[node] < e[i].last + 1)
			pl->tree[node] = e[i].last + 1;
	return offset;
}

static void build_tree(struct planner *pl)
{
	for (uint32_t i = 0; i < pl->n; i++)
		pl->by_first[i] = i;
	sort_indices(pl->e, pl->by_first, pl->n, false);
	for (uint32_t p = 0; p < pl->n; p++)
		pl->e[pl->by_first[p]].offset = p;
	memset(pl->tree, 0, (size_t)pl->leaves * sizeof(uint32_t));
	pl->work += pl->n;
}

/* Planned activations and variables. */
static uint32_t count_entries(const ts_interpreter *ip)
{
	uint32_t n = 0;

	for (uint32_t t = 0; t < ip->n_tensors; t++)
		n += ip->tensors[t].kind == TS_TENSOR_ACTIVATION ||
		     ip->tensors[t].kind == TS_TENSOR_VARIABLE;
	return n;
}

ts_status ts_plan_memory(ts_interpreter *ip, ts_arena *a, uint64_t max_work, ts_diag *diag)
{
	uintptr_t base = ((uintptr_t)a->base + TS_PLAN_ALIGN - 1) &
			 ~(uintptr_t)(TS_PLAN_ALIGN - 1);
	size_t lead = base - (uintptr_t)a->base;
	struct planner pl = { 0 };
	const uint32_t entries = count_entries(ip);
	size_t need = _Alignof(struct plan_entry) + (size_t)entries * sizeof(struct plan_entry);
	uint64_t total = 0, offset;

	if (entries > PLAN_SCAN_MAX) {
		pl.leaves = 1;
		while (pl.leaves < entries)
			pl.leaves *= 2;
		need += (2 * (size_t)entries + pl.leaves) * sizeof(uint32_t);
	}
	/* Bookkeeping sits where the plan will go: it is dead before any
	 * tensor data is written. */
	if (lead + need > ts_arena_free(a))
		return ts_diag_set(diag, TS_ERR_ARENA_TOO_SMALL,
				   "arena too small: %zu more bytes needed to plan memory",
				   lead + need - ts_arena_free(a));
	pl.e = (struct plan_entry *)(((uintptr_t)a->base + lead +
				      _Alignof(struct plan_entry) - 1) &
				     ~(uintptr_t)(_Alignof(struct plan_entry) - 1));
	pl.n = collect(ip, pl.e);
	sort_entries(pl.e, pl.n);
	pl.work = pl.n;
	if (pl.leaves) {
		pl.by_first = (uint32_t *)(void *)(pl.e + pl.n);
		pl.found = pl.by_first + pl.n;
		pl.tree = pl.found + pl.n;
		build_tree(&pl);
	}
	for (uint32_t i = 0; i < pl.n; i++) {
		offset = pl.leaves ? place_by_tree(&pl, i) : place_by_scan(&pl, i);
		if (pl.work > max_work)
			return ts_diag_set(diag, TS_ERR_UNSUPPORTED,
					   "memory planning of %" PRIu32 " tensors takes more than"
					   " %llu steps (interpreter option max_plan_work)",
					   pl.n, (unsigned long long)max_work);
		if (offset + pl.e[i].size > UINT32_MAX)
			return ts_diag_set(diag, TS_ERR_ARENA_TOO_SMALL,
					   "arena too small: activations need more than 4 GiB");
		pl.e[i].offset = (uint32_t)offset;
		if (offset + pl.e[i].size > total)
			total = offset + pl.e[i].size;
	}
	if (lead + total > ts_arena_free(a))
		return ts_diag_set(diag, TS_ERR_ARENA_TOO_SMALL,
				   "arena too small: activations need %llu bytes, %zu are free",
				   (unsigned long long)(lead + total), ts_arena_free(a));
	/* Read the placements out before the tensor data overwrites them. */
	for (uint32_t i = 0; i < pl.n; i++)
		ip->tensors[pl.e[i].tensor].data = (uint8_t *)base + pl.e[i].offset;
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
