/* SPDX-License-Identifier: MIT */
/*
 * The caller's arena, split in two: persistent state (the interpreter,
 * tensors, prepared operators) is taken from the top downward while the
 * model is prepared; the bottom holds the planned activation tensors.
 */
#ifndef TS_CORE_ARENA_H
#define TS_CORE_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct ts_arena {
	uint8_t *base;
	size_t size;
	size_t top;    /* bytes taken from the top */
	size_t bottom; /* bytes reserved at the bottom (activation plan) */
	size_t short_by; /* > 0 after a failed request: bytes that were missing */
} ts_arena;

/* Alignment of the arena's top end (and the unit of ts_interpreter_arena_used),
 * so that what is taken from the top does not depend on where the arena ends. */
#define TS_ARENA_ALIGN 16

static inline void ts_arena_init(ts_arena *a, void *base, size_t size)
{
	const uintptr_t end = ((uintptr_t)base + size) & ~(uintptr_t)(TS_ARENA_ALIGN - 1);

	a->base = base;
	a->size = end > (uintptr_t)base ? end - (uintptr_t)base : 0;
	a->top = 0;
	a->bottom = 0;
	a->short_by = 0;
}

/* Zeroed persistent memory, or NULL (and short_by set) when it does not fit.
 * align must be a power of two. */
void *ts_arena_take(ts_arena *a, size_t bytes, size_t align);

/* Bytes between the bottom reservation and the persistent part. */
static inline size_t ts_arena_free(const ts_arena *a)
{
	return a->size - a->top - a->bottom;
}

#endif /* TS_CORE_ARENA_H */
