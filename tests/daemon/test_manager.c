/* SPDX-License-Identifier: MIT */
/*
 * The set of pipelines (daemon/tinysensed/manager.c) with fake sources
 * (fake_source.c): a load starts every file's pipeline and tells the
 * publishers what was added; a reload that meets any bad file (a source
 * that cannot open, a syntax error, a name used twice) changes nothing: the
 * same pipeline objects keep running, no set change is announced, and the
 * error names the file; a good reload replaces what changed, keeps what
 * did not as it runs (thresholds, stopped by hand), announces the names
 * removed and the pipelines added, then the result.  Reloads run one at a
 * time, their models loaded off the loop.
 * Needs TS_CONFORMANCE_DIR (hello-world.tflite).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_source.h"
#include "manager.h"

/* What the publisher heard. */
struct heard {
	char journal[64];  /* 'p' pipelines changed, 'c' config result */
	char removed[8][PC_NAME_LEN];
	size_t n_removed;
	const struct pipeline *added[8];
	size_t n_added;
	char error[512];
};

static void on_pipelines(void *user, const struct set_change *change)
{
	struct heard *h = user;

	strcat(h->journal, "p");
	h->n_removed = change->n_removed;
	for (size_t i = 0; i < change->n_removed && i < 8; i++)
		snprintf(h->removed[i], sizeof(h->removed[i]), "%s", change->removed[i]);
	h->n_added = change->n_added;
	for (size_t i = 0; i < change->n_added && i < 8; i++)
		h->added[i] = change->added[i];
}

static void on_config(void *user, const char *error)
{
	struct heard *h = user;

	strcat(h->journal, "c");
	snprintf(h->error, sizeof(h->error), "%s", error);
}

static const struct publisher_ops ops = {
	.name = "test", .pipelines_changed = on_pipelines, .config_result = on_config,
};

struct fixture {
	sd_event *event;
	struct manager m;
	struct heard heard;
	char dir[64];
};

static void write_pipeline(struct fixture *f, const char *file, const char *name,
			   const char *source_keys)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, file);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "[Pipeline]\nName=%s\n[Source]\nPlugin=fake\n%s\n"
		"[Frontend]\nType=stats\nWindow=250\nHop=250\nStats=p2p\n"
		"[Model]\nPath=%s/hello-world.tflite\nLabels=burst\n",
		name, source_keys, getenv("TS_CONFORMANCE_DIR"));
	fclose(fp);
}

static void remove_file(struct fixture *f, const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", f->dir, file);
	assert_int_equal(unlink(path), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	if (!getenv("TS_CONFORMANCE_DIR"))
		fail_msg("TS_CONFORMANCE_DIR is not set (make test sets it)");
	assert_int_equal(sd_event_new(&f->event), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ts-test-manager-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	manager_init(&f->m, f->event, f->dir);
	assert_int_equal(manager_add_publisher(&f->m, &ops, &f->heard), 0);
	memset(&fake_tally, 0, sizeof(fake_tally));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	manager_free(&f->m);
	sd_event_unref(f->event);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

struct reload_result {
	bool done;
	int r;
	char text[512];
};

static void on_reloaded(void *user, int r, const char *error)
{
	struct reload_result *res = user;

	res->done = true;
	res->r = r;
	snprintf(res->text, sizeof(res->text), "%s", error);
}

/* A reload, with the loop running until it is over: its result. */
static int reload(struct fixture *f, struct config_error *err)
{
	struct reload_result res = { false, 0, "" };

	assert_int_equal(manager_reload(&f->m, on_reloaded, &res), 0);
	/* One at a time. */
	assert_int_equal(manager_reload(&f->m, on_reloaded, &res), -EBUSY);
	for (int i = 0; i < 3000 && !res.done; i++)
		assert_true(sd_event_run(f->event, 10000) >= 0);
	assert_true(res.done);
	snprintf(err->text, sizeof(err->text), "%s", res.text);
	return res.r;
}

static void load_two(struct fixture *f)
{
	struct config_error err = { "" };

	write_pipeline(f, "a.conf", "alpha", "Frames=1000");
	write_pipeline(f, "b.conf", "beta", "Frames=1000");
	assert_int_equal(manager_load(&f->m, &err), 0);
	assert_int_equal(f->m.n_pipelines, 2);
	assert_string_equal(f->heard.journal, "pc");
	assert_int_equal(f->heard.n_removed, 0);
	assert_int_equal(f->heard.n_added, 2);
	assert_string_equal(f->heard.error, "");
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(pipeline_state(f->m.pipelines[i]), PIPELINE_RUNNING);
	f->heard.journal[0] = '\0';
}

/* A reload refused for `why` (a text the error must contain). */
static void expect_refused(struct fixture *f, const char *file, const char *why)
{
	struct pipeline *before[2] = { f->m.pipelines[0], f->m.pipelines[1] };
	struct config_error err = { "" };

	assert_true(reload(f, &err) < 0);
	assert_non_null(strstr(err.text, file));
	if (!strstr(err.text, why))
		fail_msg("\"%s\" does not say \"%s\"", err.text, why);
	assert_string_equal(f->m.config_error, err.text);
	assert_string_equal(f->heard.journal, "c"); /* no set change */
	assert_string_equal(f->heard.error, err.text);
	assert_int_equal(f->m.n_pipelines, 2);
	assert_ptr_equal(f->m.pipelines[0], before[0]);
	assert_ptr_equal(f->m.pipelines[1], before[1]);
	assert_ptr_equal(manager_find(&f->m, "alpha"), before[0]);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(pipeline_state(f->m.pipelines[i]), PIPELINE_RUNNING);
	f->heard.journal[0] = '\0';
}

static void test_bad_reload_changes_nothing(void **state)
{
	struct fixture *f = *state;
	unsigned started;

	load_two(f);
	started = fake_tally.started;
	write_pipeline(f, "c.conf", "gamma", "Fail=open");
	expect_refused(f, "c.conf", "failing on purpose");
	remove_file(f, "c.conf");

	write_pipeline(f, "c.conf", "alpha", "Frames=10");
	expect_refused(f, "c.conf", "Name=alpha is already used by");
	remove_file(f, "c.conf");

	write_pipeline(f, "c.conf", "gamma", "Rate=0");
	expect_refused(f, "c.conf", "Rate=0");
	remove_file(f, "c.conf");

	/* The running set was never stopped or restarted meanwhile. */
	assert_int_equal(fake_tally.started, started);
}

static void test_good_reload_replaces_what_changed_and_keeps_the_rest(void **state)
{
	struct fixture *f = *state;
	struct config_error err = { "" };
	struct pipeline *alpha, *beta;

	load_two(f);
	alpha = manager_find(&f->m, "alpha");
	beta = manager_find(&f->m, "beta");
	/* Run-time state of alpha: a threshold, and stopped by hand. */
	assert_int_equal(pipeline_set_threshold(alpha, "burst", 1234), 0);
	assert_int_equal(pipeline_stop(alpha), 0);
	write_pipeline(f, "b.conf", "beta", "Frames=2000"); /* changed */
	write_pipeline(f, "c.conf", "gamma", "Frames=500"); /* new */
	assert_int_equal(reload(f, &err), 0);
	assert_string_equal(f->heard.journal, "pc");
	assert_string_equal(f->heard.error, "");
	assert_string_equal(f->m.config_error, "");
	/* beta is replaced: removed and added again; gamma is added. */
	assert_int_equal(f->heard.n_removed, 1);
	assert_string_equal(f->heard.removed[0], "beta");
	assert_int_equal(f->heard.n_added, 2);
	assert_ptr_equal(f->heard.added[0], manager_find(&f->m, "beta"));
	assert_ptr_equal(f->heard.added[1], manager_find(&f->m, "gamma"));
	assert_ptr_not_equal(manager_find(&f->m, "beta"), beta);
	assert_int_equal(pipeline_state(manager_find(&f->m, "beta")), PIPELINE_RUNNING);
	assert_int_equal(pipeline_state(manager_find(&f->m, "gamma")), PIPELINE_RUNNING);
	/* alpha is the same object, still stopped, its threshold kept. */
	assert_ptr_equal(manager_find(&f->m, "alpha"), alpha);
	assert_int_equal(pipeline_state(alpha), PIPELINE_STOPPED);
	assert_int_equal(pipeline_threshold(alpha, "burst"), 1234);
	assert_int_equal(f->m.n_pipelines, 3);
	/* Only the old beta's source: the prepared copy of alpha never opened one. */
	assert_int_equal(fake_tally.closed, 1);

	/* Removing a file removes its pipeline and nothing else. */
	f->heard.journal[0] = '\0';
	remove_file(f, "c.conf");
	assert_int_equal(reload(f, &err), 0);
	assert_int_equal(f->heard.n_removed, 1);
	assert_string_equal(f->heard.removed[0], "gamma");
	assert_int_equal(f->heard.n_added, 0);
	assert_ptr_equal(manager_find(&f->m, "alpha"), alpha);
	assert_null(manager_find(&f->m, "gamma"));
}

static void test_load_serves_the_good_files_and_reports_the_bad(void **state)
{
	struct fixture *f = *state;
	struct config_error err = { "" };

	write_pipeline(f, "a.conf", "alpha", "Frames=1000");
	write_pipeline(f, "b.conf", "beta", "Fail=open");
	write_pipeline(f, "c.conf", "gamma", "Fail=start");
	assert_true(manager_load(&f->m, &err) < 0);
	assert_non_null(strstr(err.text, "b.conf"));
	assert_int_equal(f->m.n_pipelines, 2);
	assert_int_equal(pipeline_state(manager_find(&f->m, "alpha")), PIPELINE_RUNNING);
	/* Failing to start is no configuration error: failed, and retrying. */
	assert_int_equal(pipeline_state(manager_find(&f->m, "gamma")), PIPELINE_FAILED);
	assert_string_equal(f->heard.journal, "pc");
	assert_string_equal(f->heard.error, err.text);
}

static void test_exit_when_every_source_finished(void **state)
{
	struct fixture *f = *state;
	struct config_error err = { "" };

	f->m.exit_when_finished = true;
	write_pipeline(f, "a.conf", "alpha", "Frames=3000");
	write_pipeline(f, "b.conf", "beta", "Frames=9000");
	assert_int_equal(manager_load(&f->m, &err), 0);
	assert_false(manager_all_finished(&f->m));
	assert_int_equal(sd_event_loop(f->event), 0);
	assert_true(manager_all_finished(&f->m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_reload_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_reload_replaces_what_changed_and_keeps_the_rest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_serves_the_good_files_and_reports_the_bad,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_when_every_source_finished, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
