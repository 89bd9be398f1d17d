/* SPDX-License-Identifier: MIT */
/*
 * A bounded single-producer/single-consumer ring of fixed-size slots, for
 * handing data between the loop thread and one worker without locks.  The
 * producer fills ring_claim() and publishes it with ring_push(); the consumer
 * reads ring_peek() and frees it with ring_pop().
 */
#ifndef TS_DAEMON_SPSC_RING_H
#define TS_DAEMON_SPSC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct spsc_ring {
	uint8_t *slots;
	size_t slot_size;
	uint32_t n_slots;          /* a power of two */
	_Atomic uint32_t head;     /* next slot to write (producer) */
	_Atomic uint32_t tail;     /* next slot to read (consumer) */
};

static inline int ring_init(struct spsc_ring *r, uint32_t n_slots, size_t slot_size)
{
	if (!n_slots || (n_slots & (n_slots - 1)))
		return -1;
	r->slots = calloc(n_slots, slot_size);
	if (!r->slots)
		return -1;
	r->slot_size = slot_size;
	r->n_slots = n_slots;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

static inline void ring_free(struct spsc_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

/* Producer: a free slot to fill, or NULL when full. */
static inline void *ring_claim(struct spsc_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail == r->n_slots)
		return NULL;
	return r->slots + (size_t)(head & (r->n_slots - 1)) * r->slot_size;
}

/* Producer: publishes the claimed slot. */
static inline void ring_push(struct spsc_ring *r)
{
	atomic_fetch_add_explicit(&r->head, 1, memory_order_release);
}

/* Consumer: the oldest slot, or NULL when empty. */
static inline void *ring_peek(struct spsc_ring *r)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (head == tail)
		return NULL;
	return r->slots + (size_t)(tail & (r->n_slots - 1)) * r->slot_size;
}

/* Consumer: frees the peeked slot. */
static inline void ring_pop(struct spsc_ring *r)
{
	atomic_fetch_add_explicit(&r->tail, 1, memory_order_release);
}

static inline bool ring_full(struct spsc_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire) == r->n_slots;
}

#endif
