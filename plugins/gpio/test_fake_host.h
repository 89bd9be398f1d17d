/* SPDX-License-Identifier: MIT */
/*
 * A fake host table for the gpio plugin's unit tests: records config
 * errors, the declared format, emitted frames, watches, timers and states,
 * the way tinysensed would receive them.  Each test defines
 * fake_host_now_ns() (its clock for timers) before including this file.
 */
#ifndef TS_GPIO_TEST_FAKE_HOST_H
#define TS_GPIO_TEST_FAKE_HOST_H

#define MAX_KEYS 12
#define MAX_FRAMES 64
#define MAX_WATCH 16
#define MAX_TIMERS 64

struct frame {
	uint64_t mono, real;
	int32_t v[4];
};

struct watch {
	int fd;
	ts_fd_callback cb;
	void *user;
	bool active;
};

struct timer {
	uint64_t due; /* CLOCK_MONOTONIC, from fake_host_now_ns() */
	ts_timer_callback cb;
	void *user;
	bool active;
};

static struct {
	const char *keys[MAX_KEYS][2];
	size_t n_keys;
	char error_key[32];
	char error[512];
	ts_stream_format format;
	char channel_names[4][32];
	const char *channel_units[4];
	struct frame frames[MAX_FRAMES];
	size_t n_frames;
	int emit_result;
	struct watch watches[MAX_WATCH];
	struct timer timers[MAX_TIMERS];
	ts_source_state state;
	char last_error[512];
	int failed_reports;
} host;

static ts_source *const SRC = (ts_source *)&host;

static const char *h_config_get(ts_source *src, const char *key)
{
	assert_ptr_equal(src, SRC);
	for (size_t i = 0; i < host.n_keys; i++)
		if (!strcmp(host.keys[i][0], key))
			return host.keys[i][1];
	return NULL;
}

static int h_config_error(ts_source *src, const char *key, const char *fmt, ...)
{
	va_list ap;

	assert_ptr_equal(src, SRC);
	snprintf(host.error_key, sizeof(host.error_key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(host.error, sizeof(host.error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int h_set_format(ts_source *src, const ts_stream_format *f)
{
	assert_ptr_equal(src, SRC);
	host.format = *f;
	for (uint16_t i = 0; i < f->channels && i < 4; i++) {
		snprintf(host.channel_names[i], 32, "%s", f->channel[i].name);
		host.channel_units[i] = f->channel[i].unit;
	}
	return 0;
}

static int h_emit(ts_source *src, const ts_sample_block *b)
{
	struct frame *f = &host.frames[host.n_frames];

	assert_ptr_equal(src, SRC);
	assert_int_equal(b->frames, 1);
	if (host.emit_result)
		return host.emit_result;
	assert_true(host.n_frames < MAX_FRAMES);
	f->mono = b->mono_ns;
	f->real = b->realtime_ns;
	for (uint16_t c = 0; c < host.format.channels && c < 4; c++)
		f->v[c] = host.format.format == TS_SAMPLE_S32 ? ((const int32_t *)b->data)[c]
							      : ((const int16_t *)b->data)[c];
	host.n_frames++;
	return 0;
}

static void h_end_of_stream(ts_source *src) { (void)src; fail_msg("a GPIO stream never ends"); }

static int h_watch_fd(ts_source *src, int fd, uint32_t events, ts_fd_callback cb, void *user,
		      void **handle)
{
	assert_ptr_equal(src, SRC);
	assert_int_equal(events, TS_FD_READABLE);
	for (size_t i = 0; i < MAX_WATCH; i++)
		if (!host.watches[i].active) {
			host.watches[i] = (struct watch){ fd, cb, user, true };
			*handle = &host.watches[i];
			return 0;
		}
	fail_msg("too many watches");
	return -ENOMEM;
}

static void h_unwatch_fd(ts_source *src, void *handle)
{
	struct watch *w = handle;

	(void)src;
	assert_true(w->active);
	w->active = false;
}

static int h_add_timer(ts_source *src, uint64_t usec, ts_timer_callback cb, void *user,
		       void **handle)
{
	assert_ptr_equal(src, SRC);
	for (size_t i = 0; i < MAX_TIMERS; i++)
		if (!host.timers[i].active) {
			host.timers[i] = (struct timer){ fake_host_now_ns() + usec * 1000, cb,
							 user, true };
			*handle = &host.timers[i];
			return 0;
		}
	fail_msg("too many timers");
	return -ENOMEM;
}

static void h_cancel_timer(ts_source *src, void *handle)
{
	struct timer *t = handle;

	(void)src;
	assert_true(t->active);
	t->active = false;
}

static void h_log(ts_source *src, int priority, const char *fmt, ...)
{
	(void)src;
	(void)priority;
	(void)fmt;
}

static void h_set_state(ts_source *src, ts_source_state state, const char *error)
{
	assert_ptr_equal(src, SRC);
	host.state = state;
	snprintf(host.last_error, sizeof(host.last_error), "%s", error ? error : "");
	host.failed_reports += state == TS_SOURCE_FAILED;
}

static const ts_plugin_host host_table = {
	.struct_size = sizeof(ts_plugin_host),
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.config_get = h_config_get,
	.config_error = h_config_error,
	.set_format = h_set_format,
	.emit = h_emit,
	.end_of_stream = h_end_of_stream,
	.watch_fd = h_watch_fd,
	.unwatch_fd = h_unwatch_fd,
	.add_timer = h_add_timer,
	.cancel_timer = h_cancel_timer,
	.log = h_log,
	.set_state = h_set_state,
};

#endif /* TS_GPIO_TEST_FAKE_HOST_H */
