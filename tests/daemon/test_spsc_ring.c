/* SPDX-License-Identifier: MIT */
/*
 * The loop <-> worker ring (daemon/tinysensed/spsc_ring.h): sizes it
 * refuses, full and empty at the edges, slots reused in order across the
 * 32-bit counters' wrap, and one producer and one consumer thread passing
 * 200,000 numbered slots with nothing lost, repeated or reordered.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "spsc_ring.h"

static void test_refuses_sizes_that_are_not_powers_of_two(void **state)
{
	struct spsc_ring r;

	(void)state;
	assert_int_equal(ring_init(&r, 0, 8), -1);
	assert_int_equal(ring_init(&r, 3, 8), -1);
	assert_int_equal(ring_init(&r, 24, 8), -1);
	assert_int_equal(ring_init(&r, 16, 8), 0);
	ring_free(&r);
	assert_null(r.slots);
}

static void test_full_and_empty(void **state)
{
	struct spsc_ring r;

	(void)state;
	assert_int_equal(ring_init(&r, 4, sizeof(uint32_t)), 0);
	assert_null(ring_peek(&r));
	for (uint32_t i = 0; i < 4; i++) {
		uint32_t *slot = ring_claim(&r);

		assert_non_null(slot);
		assert_false(ring_full(&r));
		*slot = i;
		ring_push(&r);
	}
	assert_true(ring_full(&r));
	assert_null(ring_claim(&r));
	for (uint32_t i = 0; i < 4; i++) {
		uint32_t *slot = ring_peek(&r);

		assert_non_null(slot);
		assert_int_equal(*slot, i);
		ring_pop(&r);
		assert_false(ring_full(&r));
	}
	assert_null(ring_peek(&r));
	ring_free(&r);
}

/* head and tail are free-running 32-bit counters: start them just below
 * the wrap and check that order and fullness survive it. */
static void test_counters_wrap(void **state)
{
	struct spsc_ring r;
	uint32_t next_in = 0, next_out = 0;

	(void)state;
	assert_int_equal(ring_init(&r, 8, sizeof(uint32_t)), 0);
	atomic_store(&r.head, UINT32_MAX - 5);
	atomic_store(&r.tail, UINT32_MAX - 5);
	for (int round = 0; round < 10; round++) {
		uint32_t *slot;

		while ((slot = ring_claim(&r))) {
			*slot = next_in++;
			ring_push(&r);
		}
		assert_true(ring_full(&r));
		assert_int_equal(next_in - next_out, 8);
		for (int k = 0; k < 5; k++) {
			slot = ring_peek(&r);
			assert_non_null(slot);
			assert_int_equal(*slot, next_out++);
			ring_pop(&r);
		}
	}
	while (ring_peek(&r)) {
		assert_int_equal(*(uint32_t *)ring_peek(&r), next_out++);
		ring_pop(&r);
	}
	assert_int_equal(next_in, next_out);
	ring_free(&r);
}

#define PASSES 200000u

struct slot {
	uint32_t seq;
	uint32_t check; /* ~seq: a torn slot shows */
	uint8_t payload[56];
};

static void *producer(void *arg)
{
	struct spsc_ring *r = arg;

	for (uint32_t i = 0; i < PASSES;) {
		struct slot *s = ring_claim(r);

		if (!s) {
			sched_yield();
			continue;
		}
		s->seq = i;
		memset(s->payload, (int)(i & 0xff), sizeof(s->payload));
		s->check = ~i;
		ring_push(r);
		i++;
	}
	return NULL;
}

static void test_two_threads_pass_every_slot_in_order(void **state)
{
	struct spsc_ring r;
	pthread_t t;

	(void)state;
	assert_int_equal(ring_init(&r, 32, sizeof(struct slot)), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &r), 0);
	for (uint32_t want = 0; want < PASSES;) {
		const struct slot *s = ring_peek(&r);

		if (!s) {
			sched_yield();
			continue;
		}
		if (s->seq != want || s->check != ~want || s->payload[0] != (want & 0xff) ||
		    s->payload[55] != (want & 0xff))
			fail_msg("slot %u: seq %u check %08x payload %u/%u", want, s->seq, s->check,
				 s->payload[0], s->payload[55]);
		ring_pop(&r);
		want++;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_null(ring_peek(&r));
	ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_sizes_that_are_not_powers_of_two),
		cmocka_unit_test(test_full_and_empty),
		cmocka_unit_test(test_counters_wrap),
		cmocka_unit_test(test_two_threads_pass_every_slot_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
