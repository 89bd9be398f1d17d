/* SPDX-License-Identifier: MIT */
#include "arena.h"

#include <string.h>

void *ts_arena_take(ts_arena *a, size_t bytes, size_t align)
{
	uintptr_t end = (uintptr_t)a->base + a->size - a->top;
	uintptr_t floor_addr = (uintptr_t)a->base + a->bottom;
	uintptr_t start;

	if (bytes > end - floor_addr) {
		a->short_by = bytes - (end - floor_addr);
		return NULL;
	}
	start = (end - bytes) & ~(uintptr_t)(align - 1);
	if (start < floor_addr) {
		a->short_by = floor_addr - start;
		return NULL;
	}
	a->top = (uintptr_t)a->base + a->size - start;
	memset((void *)start, 0, bytes);
	return (void *)start;
}
