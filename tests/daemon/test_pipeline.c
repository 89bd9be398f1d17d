/* SPDX-License-Identifier: MIT */
/*
 * One pipeline on a real sd-event loop with its environment and an event
 * sink of the test's (daemon/tinysensed/pipeline.c), fed by the fake source
 * (fake_source.c) or the real replay source:
 *  - a block of 100,000 frames, three times the sample ring, offered in one
 *    emit(): every frame is taken and processed (today's bug: refused with
 *    -EAGAIN forever, "samples":0);
 *  - Stop() on a Pace=fast, Loop=yes replay, and on a looping fake source
 *    waiting for room, leaves the loop idle (the bug: the source was resumed
 *    after the stop, emit() took everything, and the loop spun at 100% CPU);
 *  - a source that fails to start makes the pipeline FAILED, told to the
 *    sink, and Stop() ends its retries;
 *  - the sink hears detections, scores (only when asked), states, and the
 *    end of the stream;
 *  - an inference that takes long (a 180x180 SAME average pool on ref, just
 *    under the default cost budget: ~0.4 s here):
 *    Stop() does not wait for it ("stopping", then "stopped" when it ends;
 *    Start() meanwhile is refused), and pipeline_free() does not either
 *    (the worker frees its half when done).
 * Needs TS_CONFORMANCE_DIR (hello-world.tflite); runs from the top of the
 * source tree (models/).
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
#include <sys/resource.h>
#include <unistd.h>

#include "fake_source.h"
#include "pipeline.h"
#include "tflite_builder.h"

struct sink_log {
	unsigned detections, scores, states, finished;
	enum pipeline_state last_state;
};

static void on_detection(void *user, struct pipeline *p, const struct detection_event *ev)
{
	struct sink_log *log = user;

	(void)p;
	assert_non_null(ev->label);
	log->detections++;
}

static void on_scores(void *user, struct pipeline *p, const struct scores_event *ev)
{
	struct sink_log *log = user;

	(void)p;
	assert_int_equal(ev->n, 1);
	log->scores++;
}

static void on_state(void *user, struct pipeline *p)
{
	struct sink_log *log = user;

	log->states++;
	log->last_state = pipeline_state(p);
}

static void on_finished(void *user, struct pipeline *p)
{
	struct sink_log *log = user;

	(void)p;
	log->finished++;
}

struct fixture {
	sd_event *event;
	ts_interpreter_options interp;
	struct pipeline_env env;
	struct sink_log log;
	struct pipeline_sink sink;
	char dir[64];
	struct pipeline *p;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sd_event_new(&f->event), 0);
	f->env = (struct pipeline_env){ f->event, NULL, NULL, &f->interp };
	f->sink = (struct pipeline_sink){ &f->log, on_detection, on_scores, on_state, on_finished };
	snprintf(f->dir, sizeof(f->dir), "/tmp/ts-test-pipeline-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	memset(&fake_tally, 0, sizeof(fake_tally));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	pipeline_free(f->p);
	sd_event_unref(f->event);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A pipeline from a file holding text; the test fails on any error. */
static struct pipeline *make(struct fixture *f, const char *text)
{
	struct pipeline_config *cfg = calloc(1, sizeof(*cfg));
	struct config_error err = { "" };
	char path[128];
	FILE *fp;

	assert_non_null(cfg);
	snprintf(path, sizeof(path), "%s/test.conf", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	if (pipeline_config_load(cfg, path, &err))
		fail_msg("config: %s", err.text);
	if (pipeline_new(&f->env, &f->sink, cfg, &f->p, &err))
		fail_msg("pipeline: %s", err.text);
	return f->p;
}

/* The fake source into a peak-to-peak window and hello_world: 250-frame
 * windows, one inference each. */
static struct pipeline *make_fake(struct fixture *f, const char *source_keys)
{
	const char *dir = getenv("TS_CONFORMANCE_DIR");
	char text[2048];

	if (!dir)
		fail_msg("TS_CONFORMANCE_DIR is not set (make test sets it)");
	snprintf(text, sizeof(text),
		 "[Pipeline]\nName=fake\n[Source]\nPlugin=fake\n%s\n"
		 "[Frontend]\nType=stats\nWindow=250\nHop=250\nStats=p2p\nGain=0.006\n"
		 "[Model]\nPath=%s/hello-world.tflite\nLabels=burst\n"
		 "[Detect]\nThreshold=0.001\n", source_keys, dir);
	return make(f, text);
}

/* Runs the loop until the sink says finished, at most `seconds`. */
static void run_until_finished(struct fixture *f, int seconds)
{
	for (int i = 0; i < seconds * 100 && !f->log.finished; i++)
		assert_true(sd_event_run(f->event, 10000) >= 0);
	if (!f->log.finished)
		fail_msg("not finished after %d s", seconds);
}

/* One stream of `frames` frames offered whole: every frame is taken and
 * processed (a 250-frame window each), and the stream ends. */
static void expect_stream_taken_whole(struct fixture *f, const char *rate_channels,
				      uint64_t frames)
{
	char keys[128];
	struct pipeline *p;
	struct pipeline_stats st;

	snprintf(keys, sizeof(keys), "%s\nFrames=%llu", rate_channels, (unsigned long long)frames);
	p = make_fake(f, keys);
	assert_int_equal(pipeline_start(p), 0);
	run_until_finished(f, 20);
	pipeline_get_stats(p, &st);
	assert_int_equal(st.samples, frames);
	assert_int_equal(fake_tally.frames_taken, frames);
	assert_int_equal(st.inferences, frames / 250);
	/* The ring holds less: the source was told to go on. */
	assert_true(fake_tally.offers > 1);
	assert_true(fake_tally.resumed > 0);
	assert_int_equal(f->log.finished, 1);
	assert_true(pipeline_finished(p));
}

static void test_block_larger_than_the_ring_is_taken_whole(void **state)
{
	expect_stream_taken_whole(*state, "Rate=1000", 100000);
}

/* alsa's Rate=48000 Channels=3 PeriodMs=1000, three periods at once. */
static void test_multichannel_block_larger_than_the_ring_is_taken_whole(void **state)
{
	expect_stream_taken_whole(*state, "Rate=48000\nChannels=3", 144000);
}

static void test_scores_only_when_asked(void **state)
{
	struct fixture *f = *state;
	struct pipeline *p = make_fake(f, "Frames=5000");

	assert_int_equal(pipeline_start(p), 0);
	run_until_finished(f, 10);
	assert_int_equal(f->log.scores, 0);
	assert_true(f->log.detections > 0); /* Threshold=0.001: every window */
	assert_int_equal(pipeline_stop(p), 0);
	f->log.finished = 0;
	pipeline_want_scores(p, true);
	assert_int_equal(pipeline_start(p), 0);
	run_until_finished(f, 10);
	assert_int_equal(f->log.scores, 5000 / 250);
}

static void test_stop_on_fast_looping_replay_leaves_the_loop_idle(void **state)
{
	struct fixture *f = *state;
	struct pipeline *p = make(f,
		"[Pipeline]\nName=loop\n"
		"[Source]\nPlugin=replay\nPath=models/recordings/demo_yes_no.wav\n"
		"Pace=fast\nLoop=yes\n"
		"[Frontend]\nType=audio\nPreset=micro_speech\n"
		"[Model]\nPath=models/kws.tflite\n"
		"Labels=silence,unknown,yes,no,on,off,stop,go\nStride=5\n"
		"[Detect]\nThreshold=0.7\n");
	struct pipeline_stats st;
	uint64_t samples;
	int busy = 0;

	assert_int_equal(pipeline_start(p), 0);
	/* Until the ring has been full at least once (the source waited). */
	for (int i = 0; i < 2000; i++) {
		assert_true(sd_event_run(f->event, 10000) >= 0);
		pipeline_get_stats(p, &st);
		if (st.samples > 400000)
			break;
	}
	assert_true(st.samples > 400000);
	assert_int_equal(pipeline_stop(p), 0);
	pipeline_get_stats(p, &st);
	samples = st.samples;
	/* 30 turns of at most 20 ms: a spinning replay dispatches every time. */
	for (int i = 0; i < 30; i++) {
		int r = sd_event_run(f->event, 20000);

		assert_true(r >= 0);
		busy += r > 0;
	}
	assert_true(busy <= 2);
	pipeline_get_stats(p, &st);
	assert_int_equal(st.samples, samples);
	assert_int_equal(pipeline_state(p), PIPELINE_STOPPED);
}

/* The same with the fake source, whose every offer fills the ring: the
 * pipeline is always waiting for room when Stop() comes. */
static void test_stop_while_the_source_waits_for_room_leaves_the_loop_idle(void **state)
{
	struct fixture *f = *state;
	struct pipeline *p = make_fake(f, "Frames=100000\nLoop=yes");
	uint64_t offers;
	int busy = 0;

	assert_int_equal(pipeline_start(p), 0);
	/* Stop right after an offer filled the ring: the worker will say it
	 * made room after the stop. */
	while (fake_tally.resumed < 5 || !fake_tally.waiting)
		assert_true(sd_event_run(f->event, 10000) >= 0);
	usleep(50000); /* the worker works through the ring meanwhile */
	assert_int_equal(pipeline_stop(p), 0);
	offers = fake_tally.offers;
	for (int i = 0; i < 30; i++) {
		int r = sd_event_run(f->event, 20000);

		assert_true(r >= 0);
		busy += r > 0;
	}
	assert_true(busy <= 2);
	assert_int_equal(fake_tally.offers, offers);
	/* And it starts again from the beginning. */
	assert_int_equal(pipeline_start(p), 0);
	while (fake_tally.offers == offers)
		assert_true(sd_event_run(f->event, 10000) >= 0);
	assert_int_equal(pipeline_stop(p), 0);
}

static void test_failed_start_is_told_and_stop_ends_the_retries(void **state)
{
	struct fixture *f = *state;
	struct pipeline *p = make_fake(f, "Fail=start");
	struct pipeline_stats st;

	assert_true(pipeline_start(p) < 0);
	assert_int_equal(pipeline_state(p), PIPELINE_FAILED);
	/* Without the stop, it tries again after 1 s. */
	for (int i = 0; i < 15; i++)
		assert_true(sd_event_run(f->event, 100000) >= 0);
	assert_int_equal(fake_tally.start_calls, 2);
	assert_int_equal(pipeline_state(p), PIPELINE_FAILED);
	assert_int_equal(f->log.last_state, PIPELINE_FAILED);
	pipeline_get_stats(p, &st);
	assert_non_null(strstr(st.last_error, "retrying"));
	assert_int_equal(pipeline_stop(p), 0);
	assert_int_equal(pipeline_state(p), PIPELINE_STOPPED);
	assert_int_equal(f->log.last_state, PIPELINE_STOPPED);
	/* No retry after the stop (the next was due 2 s after the last). */
	for (int i = 0; i < 25; i++)
		assert_true(sd_event_run(f->event, 100000) >= 0);
	assert_int_equal(fake_tally.start_calls, 2);
	assert_int_equal(pipeline_state(p), PIPELINE_STOPPED);
}

/* [1, side, side, 1] -> AVERAGE_POOL_2D SAME, filter side x side -> the
 * same shape: side^4 additions an inference, written to dir/slow.tflite. */
static void write_slow_model(const char *path, int32_t side)
{
	static const float scale = 0.5f;
	static const int64_t zero = 0;
	const tb_quant q = { &scale, 1, &zero, 1, 0, NULL, 0, NULL, 0 };
	const int32_t shape[4] = { 1, side, side, 1 };
	const tb_field opts[] = { TB_FIELD_I8(0, TB_PAD_SAME), TB_FIELD_I32(1, 1),
				  TB_FIELD_I32(2, 1), TB_FIELD_I32(3, side),
				  TB_FIELD_I32(4, side), TB_FIELD_I8(5, TB_ACT_NONE) };
	tb_builder *b = tb_create();
	tb_tensor t = { 0 };
	tb_operator op = { 0 };
	uint8_t *model = NULL;
	size_t size = 0;
	int32_t in, out;
	FILE *fp;

	assert_non_null(b);
	t.type = TB_TYPE_INT8;
	t.shape = shape;
	t.rank = 4;
	t.quant = &q;
	in = tb_add_tensor(b, &t);
	out = tb_add_tensor(b, &t);
	op.opcode_index = (uint32_t)tb_add_opcode(b, 1 /* AVERAGE_POOL_2D */, 1);
	op.inputs = &in;
	op.num_inputs = 1;
	op.outputs = &out;
	op.num_outputs = 1;
	op.options_type = 5; /* Pool2DOptions */
	op.options = opts;
	op.num_options = sizeof(opts) / sizeof(opts[0]);
	assert_int_equal(tb_add_operator(b, &op), 0);
	assert_int_equal(tb_set_inputs(b, &in, 1), TB_OK);
	assert_int_equal(tb_set_outputs(b, &out, 1), TB_OK);
	assert_int_equal(tb_finish(b, &model, &size), TB_OK);
	tb_free(b);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(model, 1, size, fp), size);
	fclose(fp);
	free(model);
}

#define SLOW_SIDE 180

/* CPU time this process used, in ms. */
static long cpu_ms(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000l +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* A pipeline whose every inference takes long, running and inferring. */
static struct pipeline *start_slow(struct fixture *f)
{
	char model[128], text[1024];
	struct pipeline *p;
	long cpu0;

	f->interp.kernels = "ref"; /* the slowest: ~1 G additions an inference */
	snprintf(model, sizeof(model), "%s/slow.tflite", f->dir);
	write_slow_model(model, SLOW_SIDE);
	/* One stats window per frame (two frames wide); the model's input is
	 * SLOW_SIDE^2 of them. */
	snprintf(text, sizeof(text),
		 "[Pipeline]\nName=slow\n[Source]\nPlugin=fake\nRate=1000000\nFrames=200000\n"
		 "[Frontend]\nType=stats\nWindow=2\nHop=1\nStats=p2p\n"
		 "[Model]\nPath=%s\n[Detect]\nAnomaly=yes\n", model);
	p = make(f, text);
	cpu0 = cpu_ms();
	assert_int_equal(pipeline_start(p), 0);
	/* The first offer fills the ring (32768 frames): enough for the first
	 * inferences (a window of SLOW_SIDE^2 frames), and the worker is busy
	 * with them for minutes unless stopped. */
	while (!fake_tally.offers)
		assert_true(sd_event_run(f->event, 10000) >= 0);
	assert_true(fake_tally.frames_taken > SLOW_SIDE * SLOW_SIDE);
	/* The windows before the first inference take a few ms of CPU; 100 ms
	 * used means the worker is inside an inference, with most of it to go. */
	for (int i = 0; i < 3000 && cpu_ms() - cpu0 < 100; i++)
		usleep(5000);

	assert_true(cpu_ms() - cpu0 >= 100);
	return p;
}

static int threads(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[128];
	int n = -1;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(fp);
	return n;
}

static void test_stop_does_not_wait_for_a_long_inference(void **state)
{
	struct fixture *f = *state;
	struct pipeline *p = start_slow(f);

	assert_int_equal(pipeline_stop(p), 0);
	assert_int_equal(pipeline_state(p), PIPELINE_STOPPING);
	assert_int_equal(f->log.last_state, PIPELINE_STOPPING);
	assert_int_equal(pipeline_start(p), -EBUSY);
	assert_int_equal(pipeline_stop(p), 0); /* again: still stopping */
	for (int i = 0; i < 6000 && pipeline_state(p) == PIPELINE_STOPPING; i++)
		assert_true(sd_event_run(f->event, 10000) >= 0);
	assert_int_equal(pipeline_state(p), PIPELINE_STOPPED);
	assert_int_equal(f->log.last_state, PIPELINE_STOPPED);
	assert_int_equal(threads(), 1);
	/* It starts again once stopped. */
	assert_int_equal(pipeline_start(p), 0);
	assert_int_equal(pipeline_state(p), PIPELINE_RUNNING);
}

static void test_free_does_not_wait_for_a_long_inference(void **state)
{
	struct fixture *f = *state;

	start_slow(f);
	assert_int_equal(threads(), 2);
	f->p = pipeline_free(f->p);
	/* free did not wait for the inference in progress... */
	assert_int_equal(threads(), 2);
	/* ...which ends, and the worker frees what it used. */
	for (int i = 0; i < 600 && threads() > 1; i++)
		usleep(100000);
	assert_int_equal(threads(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_block_larger_than_the_ring_is_taken_whole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_multichannel_block_larger_than_the_ring_is_taken_whole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_scores_only_when_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_on_fast_looping_replay_leaves_the_loop_idle,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_the_source_waits_for_room_leaves_the_loop_idle,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_start_is_told_and_stop_ends_the_retries,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_does_not_wait_for_a_long_inference,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_does_not_wait_for_a_long_inference,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
