/* SPDX-License-Identifier: MIT */
/*
 * The publisher fan-out (daemon/tinysensed/publishers.c): every event
 * reaches every registered publisher once, in registration order, with its
 * own user pointer and the arguments unchanged; a publisher without a
 * callback for an event is skipped; removal by user pointer; the set is
 * bounded (-ENOSPC).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "publisher.h"

/* What one publisher heard, and the order it heard it in across all. */
struct ear {
	char name;
	char *journal; /* shared: each call appends "<name><event>" */
	const struct pipeline *p;
	const struct detection_event *ev;
	const struct scores_event *scores;
	const struct set_change *change;
	const char *error;
};

static void note(struct ear *e, char event)
{
	size_t n = strlen(e->journal);

	e->journal[n] = e->name;
	e->journal[n + 1] = event;
	e->journal[n + 2] = '\0';
}

static void on_detection(void *user, const struct pipeline *p, const struct detection_event *ev)
{
	struct ear *e = user;

	note(e, 'd');
	e->p = p;
	e->ev = ev;
}

static void on_scores(void *user, const struct pipeline *p, const struct scores_event *ev)
{
	struct ear *e = user;

	note(e, 's');
	e->p = p;
	e->scores = ev;
}

static void on_state(void *user, const struct pipeline *p)
{
	struct ear *e = user;

	note(e, 't');
	e->p = p;
}

static void on_pipelines(void *user, const struct set_change *change)
{
	struct ear *e = user;

	note(e, 'p');
	e->change = change;
}

static void on_config(void *user, const char *error)
{
	struct ear *e = user;

	note(e, 'c');
	e->error = error;
}

static const struct publisher_ops all_ops = {
	.name = "all", .detection = on_detection, .scores = on_scores,
	.state_changed = on_state, .pipelines_changed = on_pipelines,
	.config_result = on_config,
};

/* Hears detections and configuration results only. */
static const struct publisher_ops some_ops = {
	.name = "some", .detection = on_detection, .config_result = on_config,
};

/* Never dereferenced by the fan-out: any address will do. */
#define FAKE_PIPELINE ((const struct pipeline *)(uintptr_t)0x1000)

static void test_every_event_to_every_publisher_in_order(void **state)
{
	struct publishers set = { .n = 0 };
	char journal[64] = "";
	struct ear a = { .name = 'a', .journal = journal }, b = { .name = 'b', .journal = journal }, c = { .name = 'c', .journal = journal };
	const struct detection_event ev = { .label = "yes", .score_q15 = 30000 };
	const uint16_t scores[2] = { 1, 2 };
	const struct scores_event sev = { scores, 2, 5, 6 };
	const char *removed[] = { "old" };
	const struct set_change change = { removed, 1, NULL, 0 };

	(void)state;
	assert_int_equal(publishers_add(&set, &all_ops, &a), 0);
	assert_int_equal(publishers_add(&set, &some_ops, &b), 0);
	assert_int_equal(publishers_add(&set, &all_ops, &c), 0);

	publishers_detection(&set, FAKE_PIPELINE, &ev);
	assert_string_equal(journal, "adbdcd");
	assert_ptr_equal(a.ev, &ev);
	assert_ptr_equal(b.ev, &ev);
	assert_ptr_equal(c.p, FAKE_PIPELINE);

	journal[0] = '\0';
	publishers_scores(&set, FAKE_PIPELINE, &sev);
	publishers_state_changed(&set, FAKE_PIPELINE);
	publishers_pipelines_changed(&set, &change);
	publishers_config_result(&set, "bad.conf:3: nope");
	assert_string_equal(journal, "ascsatctapcpacbccc");
	assert_ptr_equal(a.scores, &sev);
	assert_null(b.scores);
	assert_ptr_equal(c.change, &change);
	assert_string_equal(b.error, "bad.conf:3: nope");
}

static void test_remove_by_user_keeps_the_others_in_order(void **state)
{
	struct publishers set = { .n = 0 };
	char journal[64] = "";
	struct ear a = { .name = 'a', .journal = journal }, b = { .name = 'b', .journal = journal }, c = { .name = 'c', .journal = journal };

	(void)state;
	assert_int_equal(publishers_add(&set, &all_ops, &a), 0);
	assert_int_equal(publishers_add(&set, &all_ops, &b), 0);
	assert_int_equal(publishers_add(&set, &some_ops, &b), 0);
	assert_int_equal(publishers_add(&set, &all_ops, &c), 0);
	publishers_remove(&set, &b);
	assert_int_equal(set.n, 2);
	publishers_config_result(&set, "");
	assert_string_equal(journal, "accc");
	publishers_remove(&set, &b); /* not there: nothing happens */
	assert_int_equal(set.n, 2);
}

static void test_the_set_is_bounded(void **state)
{
	struct publishers set = { .n = 0 };
	char journal[2 * PUBLISHERS_MAX + 4] = "";
	struct ear e = { .name = 'e', .journal = journal };

	(void)state;
	for (int i = 0; i < PUBLISHERS_MAX; i++)
		assert_int_equal(publishers_add(&set, &some_ops, &e), 0);
	assert_int_equal(publishers_add(&set, &some_ops, &e), -ENOSPC);
	assert_int_equal(set.n, PUBLISHERS_MAX);
	publishers_state_changed(&set, FAKE_PIPELINE); /* no such callback: skipped */
	assert_string_equal(journal, "");
	publishers_config_result(&set, "");
	assert_int_equal(strlen(journal), 2 * PUBLISHERS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event_to_every_publisher_in_order),
		cmocka_unit_test(test_remove_by_user_keeps_the_others_in_order),
		cmocka_unit_test(test_the_set_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
