/* SPDX-License-Identifier: MIT */
/*
 * The gpio plugin (plugins/gpio/gpio.c) through its descriptor, with a fake
 * host table and libgpiod replaced at link time (-Wl,--wrap=gpiod_...,
 * --wrap=clock_gettime; libgpiod itself is not linked, so a libgpiod call
 * the plugin makes without a wrap here fails the link).
 *
 * The fake libgpiod plays two chips the way the v1 kernel uAPI behaves:
 * requested event lines get a pipe (the read end is the event fd, left
 * blocking so that the plugin must make it non-blocking), edges honour the
 * requested edge kinds and ActiveLow, a removed chip makes reads fail with
 * ENODEV and hangs up the event fds.  Time is a fake CLOCK_MONOTONIC
 * (CLOCK_REALTIME = it + REALTIME_OFFSET); a small loop dispatches ready fds
 * and due timers in time order.
 *
 * Covered: edges with debounce (bounces ignored, a settled level re-read),
 * active-low with pull-up and pre-5.7 realtime event stamps, counts per
 * window (two lines, debounce, an event read after its window's end),
 * level polling, read error -> FAILED -> retry with backoff -> recovery, a
 * busy line, a full pipeline, and bad configuration (no such line, chip,
 * offset, no access; keys of another mode; durations and booleans in the
 * daemon's syntax, through the shared fake host's typed getters); a 1.0
 * host is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tinysense/plugin.h>

#include "fake_host.h"

extern const ts_plugin ts_plugin_descriptor;

#define MS 1000000ull
#define REALTIME_OFFSET 1700000000000000000ull

/* ---- fake clock ---------------------------------------------------------------- */

static uint64_t fake_mono = 1000 * MS;

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
	const uint64_t t = fake_mono + (clock == CLOCK_REALTIME ? REALTIME_OFFSET : 0);

	ts->tv_sec = (time_t)(t / 1000000000ull);
	ts->tv_nsec = (long)(t % 1000000000ull);
	return 0;
}

/* ---- fake libgpiod ----------------------------------------------------------------- */

#define FAKE_MAX_LINES 32

struct gpiod_line {
	struct gpiod_chip *chip;
	unsigned int offset;
	char name[32];
	char consumer[32];
	int phys;          /* the wire: 0 low, 1 high */
	bool requested;
	int type, flags;
	int pipe[2];
	bool gone;         /* the chip was removed while it was requested */
};

struct gpiod_chip {
	const char *name, *label;
	unsigned int num_lines;
	bool present;
	bool denied;       /* /dev/gpiochipN not accessible */
	int opens;         /* open handles (each open returns this object) */
	struct gpiod_line line[FAKE_MAX_LINES];
};

struct gpiod_chip_iter {
	unsigned int next;
};

static struct gpiod_chip chips[2];
static const size_t n_chips = 2;

static void fake_reset(void)
{
	memset(chips, 0, sizeof(chips));
	chips[0] = (struct gpiod_chip){ .name = "gpiochip0", .label = "pinctrl-test",
					.num_lines = 32, .present = true };
	chips[1] = (struct gpiod_chip){ .name = "gpiochip1", .label = "expander",
					.num_lines = 4, .present = true };
	for (size_t c = 0; c < n_chips; c++)
		for (unsigned int i = 0; i < chips[c].num_lines; i++) {
			struct gpiod_line *l = &chips[c].line[i];

			l->chip = &chips[c];
			l->offset = i;
			l->pipe[0] = l->pipe[1] = -1;
			if (c == 0)
				snprintf(l->name, sizeof(l->name), "GPIO%u", i);
		}
	snprintf(chips[0].line[22].name, 32, "DOOR");
	snprintf(chips[0].line[23].name, 32, "RAIN");
}

static struct gpiod_chip *chip_named(const char *d)
{
	for (size_t c = 0; c < n_chips; c++) {
		struct gpiod_chip *chip = &chips[c];
		char path[64], num[8];

		snprintf(path, sizeof(path), "/dev/%s", chip->name);
		snprintf(num, sizeof(num), "%zu", c);
		if (chip->present && (!strcmp(d, chip->name) || !strcmp(d, path) ||
				      !strcmp(d, chip->label) || !strcmp(d, num)))
			return chip;
	}
	return NULL;
}

static void line_release(struct gpiod_line *l)
{
	if (!l->requested)
		return;
	close(l->pipe[0]);
	if (l->pipe[1] >= 0)
		close(l->pipe[1]);
	l->pipe[0] = l->pipe[1] = -1;
	l->requested = false;
	l->consumer[0] = 0;
}

#define WRAP(ret, name, ...) ret __wrap_##name(__VA_ARGS__); ret __wrap_##name(__VA_ARGS__)

WRAP(struct gpiod_chip *, gpiod_chip_open_lookup, const char *descr)
{
	struct gpiod_chip *chip = chip_named(descr);

	if (!chip || chip->denied) {
		errno = chip ? EACCES : ENOENT;
		return NULL;
	}
	chip->opens++;
	return chip;
}

WRAP(void, gpiod_chip_close, struct gpiod_chip *chip)
{
	assert_true(chip->opens > 0);
	/* As libgpiod: closing a chip releases its requested lines. */
	for (unsigned int i = 0; i < chip->num_lines; i++)
		line_release(&chip->line[i]);
	chip->opens--;
}

WRAP(const char *, gpiod_chip_name, struct gpiod_chip *chip) { return chip->name; }
WRAP(const char *, gpiod_chip_label, struct gpiod_chip *chip) { return chip->label; }
WRAP(unsigned int, gpiod_chip_num_lines, struct gpiod_chip *chip) { return chip->num_lines; }

WRAP(struct gpiod_line *, gpiod_chip_get_line, struct gpiod_chip *chip, unsigned int offset)
{
	if (offset >= chip->num_lines) {
		errno = EINVAL;
		return NULL;
	}
	return &chip->line[offset];
}

WRAP(struct gpiod_line *, gpiod_chip_find_line, struct gpiod_chip *chip, const char *name)
{
	for (unsigned int i = 0; i < chip->num_lines; i++)
		if (!strcmp(chip->line[i].name, name))
			return &chip->line[i];
	errno = ENOENT;
	return NULL;
}

WRAP(struct gpiod_line *, gpiod_line_find, const char *name)
{
	for (size_t c = 0; c < n_chips; c++)
		for (unsigned int i = 0; chips[c].present && i < chips[c].num_lines; i++)
			if (!strcmp(chips[c].line[i].name, name)) {
				chips[c].opens++;
				return &chips[c].line[i];
			}
	errno = ENOENT;
	return NULL;
}

WRAP(struct gpiod_chip *, gpiod_line_get_chip, struct gpiod_line *line) { return line->chip; }
WRAP(unsigned int, gpiod_line_offset, struct gpiod_line *line) { return line->offset; }
WRAP(const char *, gpiod_line_name, struct gpiod_line *line)
{
	return line->name[0] ? line->name : NULL;
}
WRAP(const char *, gpiod_line_consumer, struct gpiod_line *line)
{
	return line->consumer[0] ? line->consumer : NULL;
}
WRAP(int, gpiod_line_update, struct gpiod_line *line) { (void)line; return 0; }

WRAP(int, gpiod_line_request, struct gpiod_line *line,
     const struct gpiod_line_request_config *config, int default_val)
{
	(void)default_val;
	if (!line->chip->present) {
		errno = ENODEV;
		return -1;
	}
	if (line->consumer[0]) {
		errno = EBUSY;
		return -1;
	}
	assert_false(line->requested);
	assert_int_equal(pipe2(line->pipe, O_CLOEXEC), 0); /* blocking, as the kernel's */
	line->requested = true;
	line->gone = false;
	line->type = config->request_type;
	line->flags = config->flags;
	snprintf(line->consumer, sizeof(line->consumer), "%s", config->consumer);
	return 0;
}

WRAP(void, gpiod_line_release, struct gpiod_line *line) { line_release(line); }

WRAP(int, gpiod_line_event_get_fd, struct gpiod_line *line)
{
	if (!line->requested || line->type == GPIOD_LINE_REQUEST_DIRECTION_INPUT) {
		errno = EPERM;
		return -1;
	}
	return line->pipe[0];
}

WRAP(int, gpiod_line_event_read, struct gpiod_line *line, struct gpiod_line_event *event)
{
	ssize_t n;

	assert_true(line->requested);
	/* The plugin must never block on the loop. */
	assert_true(fcntl(line->pipe[0], F_GETFL) & O_NONBLOCK);
	if (line->gone) {
		errno = ENODEV;
		return -1;
	}
	n = read(line->pipe[0], event, sizeof(*event));
	if (n < 0)
		return -1;
	if (n != sizeof(*event)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

WRAP(int, gpiod_line_get_value, struct gpiod_line *line)
{
	if (!line->requested) {
		errno = EPERM;
		return -1;
	}
	if (line->gone) {
		errno = ENODEV;
		return -1;
	}
	return line->phys ^ !!(line->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
}

WRAP(struct gpiod_chip_iter *, gpiod_chip_iter_new, void)
{
	return calloc(1, sizeof(struct gpiod_chip_iter));
}

WRAP(struct gpiod_chip *, gpiod_chip_iter_next, struct gpiod_chip_iter *iter)
{
	while (iter->next < n_chips && !chips[iter->next].present)
		iter->next++;
	return iter->next < n_chips ? &chips[iter->next++] : NULL;
}

WRAP(void, gpiod_chip_iter_free, struct gpiod_chip_iter *iter) { free(iter); }

/* The wire of chip 0 line `offset` goes to `phys` at time t (ns,
 * CLOCK_MONOTONIC unless realtime_stamp): the kernel queues an event when
 * the line is requested for that edge. */
static void wire(unsigned int offset, int phys, uint64_t t, bool realtime_stamp)
{
	struct gpiod_line *l = &chips[0].line[offset];
	const int active_low = !!(l->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	bool rising, wanted;

	if (l->phys == phys)
		return;
	l->phys = phys;
	if (!l->requested || l->gone)
		return;
	rising = (phys ^ active_low) == 1;
	wanted = l->type == GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES ||
		 (rising && l->type == GPIOD_LINE_REQUEST_EVENT_RISING_EDGE) ||
		 (!rising && l->type == GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE);
	if (wanted) {
		const uint64_t ts = t + (realtime_stamp ? REALTIME_OFFSET : 0);
		struct gpiod_line_event ev;

		memset(&ev, 0, sizeof(ev)); /* padding too: it goes through a pipe */
		ev.ts.tv_sec = (time_t)(ts / 1000000000ull);
		ev.ts.tv_nsec = (long)(ts % 1000000000ull);
		ev.event_type = rising ? GPIOD_LINE_EVENT_RISING_EDGE : GPIOD_LINE_EVENT_FALLING_EDGE;
		assert_int_equal(write(l->pipe[1], &ev, sizeof(ev)), sizeof(ev));
	}
}

/* Chip 0 goes away: reads fail, event fds hang up, opens fail. */
static void unplug(void)
{
	chips[0].present = false;
	for (unsigned int i = 0; i < chips[0].num_lines; i++) {
		struct gpiod_line *l = &chips[0].line[i];

		if (l->requested) {
			l->gone = true;
			close(l->pipe[1]);
			l->pipe[1] = -1;
		}
	}
}

static void replug(void)
{
	chips[0].present = true;
}

/* ---- fake host ------------------------------------------------------------------ */

static struct fake_host fh;

static uint64_t fake_now(void)
{
	return fake_mono;
}

/* Calls the callbacks of ready fds (as the daemon's epoll loop would). */
static void dispatch_fds(void)
{
	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		if (fh.watches[i].active)
			assert_int_equal(fh.watches[i].events, TS_FD_READABLE);
	fake_host_dispatch_fds(&fh);
}

/* Runs the loop until time t: fds, then due timers in order. */
static void run_until(uint64_t t)
{
	struct fake_timer *next;

	for (;;) {
		dispatch_fds();
		next = fake_host_next_timer(&fh, t);
		if (!next)
			break;
		if (next->due_ns > fake_mono)
			fake_mono = next->due_ns;
		fake_host_fire(&fh, next);
	}
	if (t > fake_mono)
		fake_mono = t;
	dispatch_fds();
}

/* An edge on chip 0 line `offset` at time t, seen by the loop at once. */
static void edge(unsigned int offset, int phys, uint64_t t)
{
	run_until(t);
	wire(offset, phys, t, false);
	dispatch_fds();
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	fake_mono = 1000 * MS;
	fake_host_reset(&fh, fake_now);
	return 0;
}

static void config(const char *key, const char *value)
{
	fake_host_key(&fh, key, value);
}

static void *open_plugin(void)
{
	void *priv = NULL;

	assert_int_equal(fake_host_open(&fh, &ts_plugin_descriptor, &priv), 0);
	assert_non_null(priv);
	return priv;
}

static void close_plugin(void *priv)
{
	ts_plugin_descriptor.stop(priv);
	ts_plugin_descriptor.close(priv);
	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		assert_false(fh.watches[i].active);
	for (size_t i = 0; i < FAKE_HOST_MAX_TIMERS; i++)
		assert_false(fh.timers[i].active);
	for (size_t i = 0; i < fh.n_blocks; i++)
		assert_int_equal(fh.blocks[i].frames, 1); /* a frame per block */
	for (size_t c = 0; c < n_chips; c++) {
		assert_int_equal(chips[c].opens, 0);
		for (unsigned int i = 0; i < chips[c].num_lines; i++)
			assert_false(chips[c].line[i].requested);
	}
}

static void assert_frame(size_t i, uint64_t mono, int32_t v0)
{
	assert_true(i < fh.n_blocks);
	assert_int_equal(fh.blocks[i].mono, mono);
	assert_int_equal(fh.blocks[i].real, mono + REALTIME_OFFSET);
	assert_int_equal(fh.blocks[i].v[0], v0);
}

/* ---- the tests ------------------------------------------------------------------- */

static void test_edges_debounce(void **state)
{
	const uint64_t t0 = fake_mono;
	struct gpiod_line *l = &chips[0].line[17];
	void *g;

	(void)state;
	config("Chip", "gpiochip0");
	config("Lines", "17");
	config("Debounce", "20ms");
	g = open_plugin();
	assert_int_equal(fh.format.format, TS_SAMPLE_S16);
	assert_int_equal(fh.format.channels, 1);
	assert_int_equal(fh.format.rate_hz, 10);
	assert_string_equal(fh.channel_names[0], "GPIO17");
	assert_string_equal(fh.channel_units[0], "");
	assert_false(l->requested); /* open() only checks; start() requests */

	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_true(l->requested);
	assert_int_equal(l->type, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES);
	assert_int_equal(l->flags, 0);
	assert_string_equal(l->consumer, "tinysense");

	/* A press that bounces: one frame, the bounces are ignored, and the
	 * level read after the debounce time agrees. */
	edge(17, 1, t0 + 100 * MS);
	edge(17, 0, t0 + 102 * MS);
	edge(17, 1, t0 + 104 * MS);
	run_until(t0 + 400 * MS);
	assert_int_equal(fh.n_blocks, 1);
	assert_frame(0, t0 + 100 * MS, 1);

	/* The release, also bouncing. */
	edge(17, 0, t0 + 500 * MS);
	edge(17, 1, t0 + 510 * MS);
	edge(17, 0, t0 + 512 * MS);
	run_until(t0 + 700 * MS);
	assert_int_equal(fh.n_blocks, 2);
	assert_frame(1, t0 + 500 * MS, 0);

	/* A glitch shorter than Debounce: its falling edge is ignored, the
	 * settled level (0) is read at 800 + 20 ms and reported then. */
	edge(17, 1, t0 + 800 * MS);
	edge(17, 0, t0 + 805 * MS);
	run_until(t0 + 900 * MS);
	assert_int_equal(fh.n_blocks, 4);
	assert_frame(2, t0 + 800 * MS, 1);
	assert_frame(3, t0 + 820 * MS, 0);

	/* Edges far enough apart all count. */
	edge(17, 1, t0 + 1000 * MS);
	edge(17, 0, t0 + 1021 * MS);
	run_until(t0 + 1100 * MS);
	assert_int_equal(fh.n_blocks, 6);
	assert_frame(4, t0 + 1000 * MS, 1);
	assert_frame(5, t0 + 1021 * MS, 0);
	close_plugin(g);
}

static void test_active_low_pull_up(void **state)
{
	const uint64_t t0 = fake_mono;
	struct gpiod_line *l = &chips[0].line[22];
	void *g;

	(void)state;
	/* A door contact to ground with the pull-up: open = wire high. */
	chips[0].line[22].phys = 1;
	config("Lines", "DOOR"); /* no Chip=: found by name on any chip */
	config("ActiveLow", "yes");
	config("Bias", "pull-up");
	config("Mode", "edges");
	g = open_plugin();
	assert_string_equal(fh.channel_names[0], "DOOR");
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	assert_int_equal(l->flags, GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW |
					   GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP);

	/* Door closes (wire low): logical 1.  Stamped with CLOCK_REALTIME as
	 * Linux < 5.7 does: the frame still gets monotonic time. */
	run_until(t0 + 50 * MS);
	wire(22, 0, t0 + 50 * MS, true);
	run_until(t0 + 300 * MS);
	wire(22, 1, t0 + 300 * MS, false);
	run_until(t0 + 400 * MS);
	assert_int_equal(fh.n_blocks, 2);
	assert_frame(0, t0 + 50 * MS, 1);
	assert_frame(1, t0 + 300 * MS, 0);
	close_plugin(g);
}

static void test_counts_per_window(void **state)
{
	const uint64_t t0 = fake_mono;
	void *g;

	(void)state;
	config("Chip", "pinctrl-test"); /* by label */
	config("Lines", "4, RAIN");
	config("Mode", "count");
	config("Window", "1s");
	config("Debounce", "5ms");
	g = open_plugin();
	assert_int_equal(fh.format.format, TS_SAMPLE_S32);
	assert_int_equal(fh.format.channels, 2);
	assert_int_equal(fh.format.rate_hz, 1);
	assert_string_equal(fh.channel_names[0], "GPIO4");
	assert_string_equal(fh.channel_names[1], "RAIN");
	assert_string_equal(fh.channel_units[1], "count");
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	assert_int_equal(chips[0].line[4].type, GPIOD_LINE_REQUEST_EVENT_RISING_EDGE);

	/* Window 1: three pulses on line 4 (each with a bounce 1 ms after
	 * its rising edge), one on RAIN. */
	for (int p = 0; p < 3; p++) {
		const uint64_t t = t0 + (100 + 200 * (uint64_t)p) * MS;

		edge(4, 1, t);
		edge(4, 0, t + 1 * MS);
		edge(4, 1, t + 2 * MS);
		edge(4, 0, t + 50 * MS);
	}
	edge(23, 1, t0 + 900 * MS);
	edge(23, 0, t0 + 950 * MS);
	/* Window 2: nothing.  Window 3: two on RAIN, the second one read
	 * together with one after the window's end: the loop is late, and the
	 * window closes by the events' timestamps, not by when they are read. */
	edge(23, 1, t0 + 2100 * MS);
	edge(23, 0, t0 + 2200 * MS);
	run_until(t0 + 2999 * MS);
	wire(23, 1, t0 + 2999 * MS, false);
	wire(23, 0, t0 + 2999 * MS + MS / 2, false);
	fake_mono = t0 + 3012 * MS;
	wire(23, 1, t0 + 3010 * MS, false);
	dispatch_fds();
	assert_int_equal(fh.n_blocks, 3);
	assert_frame(0, t0 + 1000 * MS, 3);
	assert_int_equal(fh.blocks[0].v[1], 1);
	assert_frame(1, t0 + 2000 * MS, 0);
	assert_int_equal(fh.blocks[1].v[1], 0);
	assert_frame(2, t0 + 3000 * MS, 0);
	assert_int_equal(fh.blocks[2].v[1], 2);
	/* the late timer of window 3 changes nothing; window 4 has one */
	run_until(t0 + 4000 * MS);
	assert_int_equal(fh.n_blocks, 4);
	assert_frame(3, t0 + 4000 * MS, 0);
	assert_int_equal(fh.blocks[3].v[1], 1);
	close_plugin(g);
}

static void test_level_polling(void **state)
{
	const uint64_t t0 = fake_mono;
	void *g;

	(void)state;
	chips[0].line[0].phys = 1;
	config("Lines", "0,1");
	config("Mode", "level");
	config("Rate", "100");
	g = open_plugin();
	assert_int_equal(fh.format.rate_hz, 100);
	assert_int_equal(fh.format.channels, 2);
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	assert_int_equal(chips[0].line[0].type, GPIOD_LINE_REQUEST_DIRECTION_INPUT);
	run_until(t0 + 15 * MS);
	wire(1, 1, t0 + 15 * MS, false);
	run_until(t0 + 35 * MS);
	assert_int_equal(fh.n_blocks, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_frame(i, t0 + i * 10 * MS, 1);
		assert_int_equal(fh.blocks[i].v[1], i >= 2);
	}
	/* A late loop skips polls instead of bunching them. */
	fake_mono = t0 + 75 * MS;
	run_until(t0 + 75 * MS);
	assert_int_equal(fh.n_blocks, 5);
	assert_frame(4, t0 + 75 * MS, 1);
	run_until(t0 + 80 * MS);
	assert_int_equal(fh.n_blocks, 6);
	assert_frame(5, t0 + 80 * MS, 1);
	close_plugin(g);
}

static void test_read_error_retry_recovery(void **state)
{
	const uint64_t t0 = fake_mono;
	void *g;

	(void)state;
	config("Chip", "/dev/gpiochip0");
	config("Lines", "17");
	g = open_plugin();
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	edge(17, 1, t0 + 100 * MS);
	assert_int_equal(fh.n_blocks, 1);

	/* The chip goes away: the event fd hangs up, the read fails. */
	run_until(t0 + 200 * MS);
	unplug();
	dispatch_fds();
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_non_null(strstr(fh.state_error, "gpiochip0 line 17 (GPIO17)"));
	assert_non_null(strstr(fh.state_error, "No such device"));
	assert_false(chips[0].line[17].requested);
	assert_int_equal(chips[0].opens, 0); /* closed, to be reopened */

	/* Retries after 1 s, then 2 s: still gone, says so once. */
	run_until(t0 + 1200 * MS);
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_non_null(strstr(fh.state_error, "no GPIO chip \"/dev/gpiochip0\""));
	assert_non_null(strstr(fh.state_error, "gpiochip1 [expander]"));
	assert_int_equal(fh.failed_reports, 2);
	replug();
	run_until(t0 + 3100 * MS);
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_int_equal(fh.failed_reports, 2);
	/* The retry at 1.2 + 2 s finds it. */
	run_until(t0 + 3200 * MS);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_string_equal(fh.state_error, "");
	assert_true(chips[0].line[17].requested);
	assert_int_equal(chips[0].opens, 1);
	/* and delivers again, starting from the level it reads */
	edge(17, 0, t0 + 4000 * MS);
	assert_int_equal(fh.n_blocks, 2);
	assert_frame(1, t0 + 4000 * MS, 0);
	close_plugin(g);
}

static void test_busy_line_and_full_pipeline(void **state)
{
	const uint64_t t0 = fake_mono;
	void *g;

	(void)state;
	config("Lines", "5");
	snprintf(chips[0].line[5].consumer, 32, "pigpiod");
	g = open_plugin();
	assert_int_equal(ts_plugin_descriptor.start(g), 0); /* not fatal: retried */
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_string_equal(fh.state_error, "gpiochip0 line 5 (GPIO5) is busy: used by \"pigpiod\"");
	chips[0].line[5].consumer[0] = 0;
	run_until(t0 + 1000 * MS);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);

	fh.emit_result = -EAGAIN;
	edge(5, 1, t0 + 1100 * MS);
	assert_int_equal(fh.state, TS_SOURCE_DEGRADED);
	fh.emit_result = 0;
	edge(5, 0, t0 + 1200 * MS);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_int_equal(fh.n_blocks, 1);
	close_plugin(g);
}

/* open() must fail with the message; nothing stays open. */
static void expect_config_error(const char *key, const char *text)
{
	void *priv = NULL;

	assert_int_equal(fake_host_open(&fh, &ts_plugin_descriptor, &priv), -EINVAL);
	assert_string_equal(fh.error_key, key);
	if (!strstr(fh.error, text))
		fail_msg("'%s' not in '%s'", text, fh.error);
	for (size_t c = 0; c < n_chips; c++)
		assert_int_equal(chips[c].opens, 0);
	fake_host_clear_keys(&fh);
}

static void test_bad_config(void **state)
{
	(void)state;
	config("Chip", "gpiochip0");
	config("Lines", "17,NOPE");
	expect_config_error("Lines", "no line named \"NOPE\" on gpiochip0 [pinctrl-test] "
				     "(GPIO0, GPIO1, GPIO2");
	config("Lines", "NOPE");
	expect_config_error("Lines", "no line named \"NOPE\" on any GPIO chip (gpiochip0 "
				     "[pinctrl-test] (32 lines), gpiochip1 [expander] (4 lines))");
	config("Chip", "gpiochip1");
	config("Lines", "NOPE");
	expect_config_error("Lines", "its lines have no names: use offsets 0..3");
	config("Chip", "gpiochip9");
	config("Lines", "17");
	expect_config_error("Chip", "no GPIO chip \"gpiochip9\" (gpiochip0 [pinctrl-test] "
				    "(32 lines), gpiochip1 [expander] (4 lines))");
	config("Lines", "40");
	expect_config_error("Lines", "line 40 out of range: gpiochip0 [pinctrl-test] has lines 0..31");
	config("Lines", "17,GPIO17");
	expect_config_error("Lines", "GPIO17 and GPIO17 are the same line (17)");
	config("Lines", "17,,4");
	expect_config_error("Lines", "none empty");
	config("Lines", "3,3");
	expect_config_error("Lines", "listed twice");
	expect_config_error("Lines", "required");
	config("Lines", "17");
	config("Mode", "level");
	config("Edge", "rising");
	expect_config_error("Edge", "applies to Mode=edges and Mode=count");
	config("Lines", "17");
	config("Window", "1s");
	expect_config_error("Window", "applies to Mode=count");
	config("Lines", "17");
	config("Mode", "count");
	config("Rate", "10");
	expect_config_error("Rate", "one frame per Window=");
	config("Lines", "17");
	config("Debounce", "soon");
	expect_config_error("Debounce", "expected a duration");
	/* Durations in the daemon's syntax: a bare number needs a unit. */
	config("Lines", "17");
	config("Debounce", "250");
	expect_config_error("Debounce", "a duration needs a unit, such as 250ms or 250s");
	config("Lines", "17");
	config("Debounce", "2min");
	expect_config_error("Debounce", "expected a duration up to 10s");
	config("Lines", "17");
	config("Mode", "count");
	config("Window", "500us");
	expect_config_error("Window", "expected a duration from 1ms to 1h");
	config("Lines", "17");
	config("ActiveLow", "maybe");
	expect_config_error("ActiveLow", "expected yes or no (or true/false, on/off, 1/0)");
	config("Lines", "17");
	config("Bias", "up");
	expect_config_error("Bias", "expected as-is, disable, pull-up or pull-down");
	config("Lines", "17");
	config("Mode", "pulse");
	expect_config_error("Mode", "expected edges, count or level");
	chips[0].denied = true;
	config("Lines", "17");
	expect_config_error("Chip", "cannot open GPIO chip \"gpiochip0\": Permission denied "
				    "(the daemon's user needs read-write access to /dev/gpiochip*: group gpio)");
}

/* Durations with fractions and spaces, booleans in any case; a 1.0 host
 * (no typed getters) is refused before anything is opened. */
static void test_value_syntax_and_old_host(void **state)
{
	void *g, *priv = NULL;

	(void)state;
	config("Lines", "17");
	config("Mode", "count");
	config("Window", "0.25 s");
	config("Debounce", "1.5ms");
	config("ActiveLow", "TRUE");
	g = open_plugin();
	assert_int_equal(fh.format.rate_hz, 4);
	assert_null(fake_host_unclaimed(&fh));
	close_plugin(g);
	assert_int_equal(ts_plugin_descriptor.open(fake_host_src(&fh), &fake_host_table_1_0, &priv),
			 -EPROTO);
	assert_non_null(strstr(fh.last_log, "plugin ABI 1.1"));
	for (size_t c = 0; c < n_chips; c++)
		assert_int_equal(chips[c].opens, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_edges_debounce, setup),
		cmocka_unit_test_setup(test_active_low_pull_up, setup),
		cmocka_unit_test_setup(test_counts_per_window, setup),
		cmocka_unit_test_setup(test_level_polling, setup),
		cmocka_unit_test_setup(test_read_error_retry_recovery, setup),
		cmocka_unit_test_setup(test_busy_line_and_full_pipeline, setup),
		cmocka_unit_test_setup(test_bad_config, setup),
		cmocka_unit_test_setup(test_value_syntax_and_old_host, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
