/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "fake_host.h"
#include "plugin_getters.h"

static struct fake_host *host_of(ts_source *src)
{
	assert_non_null(src);
	return (struct fake_host *)src;
}

ts_source *fake_host_src(struct fake_host *fh)
{
	return (ts_source *)fh;
}

void fake_host_reset(struct fake_host *fh, uint64_t (*now_ns)(void))
{
	memset(fh, 0, sizeof(*fh));
	fh->now_ns = now_ns;
	fh->state = TS_SOURCE_RUNNING;
}

void fake_host_key(struct fake_host *fh, const char *key, const char *value)
{
	for (size_t i = 0; i < fh->n_keys; i++)
		if (!strcmp(fh->keys[i][0], key)) {
			fh->keys[i][1] = value;
			return;
		}
	assert_true(fh->n_keys < FAKE_HOST_MAX_KEYS);
	fh->keys[fh->n_keys][0] = key;
	fh->keys[fh->n_keys][1] = value;
	fh->n_keys++;
}

void fake_host_clear_keys(struct fake_host *fh)
{
	fh->n_keys = 0;
	memset(fh->claimed, 0, sizeof(fh->claimed));
}

int fake_host_open(struct fake_host *fh, const ts_plugin *plugin, void **priv)
{
	int r;

	fh->error_key[0] = fh->error[0] = '\0';
	memset(fh->claimed, 0, sizeof(fh->claimed));
	fh->opening = true;
	r = plugin->open(fake_host_src(fh), &fake_host_table, priv);
	fh->opening = false;
	return r;
}

const char *fake_host_unclaimed(const struct fake_host *fh)
{
	for (size_t i = 0; i < fh->n_keys; i++)
		if (!fh->claimed[i])
			return fh->keys[i][0];
	return NULL;
}

/* ---- configuration ---------------------------------------------------------- */

static const char *h_config_get(ts_source *src, const char *key)
{
	struct fake_host *fh = host_of(src);

	assert_non_null(key);
	for (size_t i = 0; i < fh->n_keys; i++)
		if (!strcmp(fh->keys[i][0], key)) {
			fh->claimed[i] = true;
			return fh->keys[i][1];
		}
	return NULL;
}

static void record_error(struct fake_host *fh, const char *key, const char *text)
{
	snprintf(fh->error_key, sizeof(fh->error_key), "%s", key);
	snprintf(fh->error, sizeof(fh->error), "%s", text);
}

__attribute__((format(printf, 3, 4)))
static int h_config_error(ts_source *src, const char *key, const char *fmt, ...)
{
	struct fake_host *fh = host_of(src);
	char text[512];
	va_list ap;

	assert_non_null(key);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	record_error(fh, key, text);
	return -EINVAL;
}

/* The typed getters are the daemon's own (plugin_getters.c), on these two. */
int plugin_host_value(ts_source *src, const char *key, const void *out, const char **value)
{
	*value = NULL;
	if (!host_of(src)->opening)
		return -EBUSY;
	if (!key || !out)
		return -EINVAL;
	*value = h_config_get(src, key);
	return 0;
}

int plugin_host_error(ts_source *src, const char *key, const char *why)
{
	record_error(host_of(src), key, why);
	return -EINVAL;
}

/* ---- the stream ------------------------------------------------------------- */

static int h_set_format(ts_source *src, const ts_stream_format *f)
{
	struct fake_host *fh = host_of(src);

	if (!fh->opening)
		return -EBUSY;
	assert_non_null(f);
	assert_int_equal(f->struct_size, sizeof(*f));
	assert_true(f->channels >= 1 && f->channels <= 256);
	fh->format = *f;
	fh->format.channel = NULL; /* the plugin's memory: copied below */
	for (uint16_t c = 0; c < f->channels && c < FAKE_HOST_MAX_CHANNELS; c++) {
		snprintf(fh->channel_names[c], sizeof(fh->channel_names[c]), "%s",
			 f->channel && f->channel[c].name ? f->channel[c].name : "");
		snprintf(fh->channel_units[c], sizeof(fh->channel_units[c]), "%s",
			 f->channel && f->channel[c].unit ? f->channel[c].unit : "");
	}
	fh->format_set = true;
	return 0;
}

static int h_emit(ts_source *src, const ts_sample_block *b)
{
	struct fake_host *fh = host_of(src);
	struct fake_block k = { 0 };

	assert_true(fh->format_set);
	assert_non_null(b);
	assert_int_equal(b->struct_size, sizeof(*b));
	assert_non_null(b->data);
	assert_true(b->frames > 0);
	if (fh->emit_result)
		return fh->emit_result;
	k.mono = b->mono_ns;
	k.real = b->realtime_ns;
	k.frames = b->frames;
	for (uint16_t c = 0; c < fh->format.channels && c < FAKE_HOST_MAX_CHANNELS; c++)
		k.v[c] = fh->format.format == TS_SAMPLE_S32 ? ((const int32_t *)b->data)[c]
							    : ((const int16_t *)b->data)[c];
	if (!fh->emits)
		fh->first = k;
	fh->last = k;
	if (fh->n_blocks < FAKE_HOST_MAX_BLOCKS)
		fh->blocks[fh->n_blocks++] = k;
	fh->emits++;
	fh->frames += b->frames;
	return 0;
}

static void h_end_of_stream(ts_source *src)
{
	host_of(src)->ends++;
}

/* ---- the loop ----------------------------------------------------------------- */

static int h_watch_fd(ts_source *src, int fd, uint32_t events, ts_fd_callback cb, void *user,
		      void **handle)
{
	struct fake_host *fh = host_of(src);

	assert_true(fd >= 0);
	assert_non_null(cb);
	assert_non_null(handle);
	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		if (!fh->watches[i].active) {
			fh->watches[i] = (struct fake_watch){ true, fd, events, cb, user };
			*handle = &fh->watches[i];
			return 0;
		}
	fail_msg("more than %d watches", FAKE_HOST_MAX_WATCHES);
	return -ENOMEM;
}

static void h_unwatch_fd(ts_source *src, void *handle)
{
	struct fake_watch *w = handle;

	(void)host_of(src);
	assert_non_null(w);
	assert_true(w->active);
	w->active = false;
}

static int h_add_timer(ts_source *src, uint64_t usec, ts_timer_callback cb, void *user,
		       void **handle)
{
	struct fake_host *fh = host_of(src);

	assert_non_null(fh->now_ns);
	assert_non_null(cb);
	assert_non_null(handle);
	for (size_t i = 0; i < FAKE_HOST_MAX_TIMERS; i++)
		if (!fh->timers[i].active) {
			fh->timers[i] = (struct fake_timer){ true, fh->now_ns() + usec * 1000, usec,
							     cb, user };
			*handle = &fh->timers[i];
			return 0;
		}
	fail_msg("more than %d timers", FAKE_HOST_MAX_TIMERS);
	return -ENOMEM;
}

static void h_cancel_timer(ts_source *src, void *handle)
{
	struct fake_timer *t = handle;

	(void)host_of(src);
	assert_non_null(t);
	assert_true(t->active);
	t->active = false;
}

__attribute__((format(printf, 3, 4)))
static void h_log(ts_source *src, int priority, const char *fmt, ...)
{
	struct fake_host *fh = host_of(src);
	va_list ap;

	(void)priority;
	va_start(ap, fmt);
	vsnprintf(fh->last_log, sizeof(fh->last_log), fmt, ap);
	va_end(ap);
}

static void h_set_state(ts_source *src, ts_source_state state, const char *error)
{
	struct fake_host *fh = host_of(src);

	assert_true(state == TS_SOURCE_RUNNING || state == TS_SOURCE_DEGRADED ||
		    state == TS_SOURCE_FAILED);
	fh->state = state;
	snprintf(fh->state_error, sizeof(fh->state_error), "%s", error ? error : "");
	fh->state_calls++;
	fh->failed_reports += state == TS_SOURCE_FAILED;
}

size_t fake_host_active_watches(const struct fake_host *fh)
{
	size_t n = 0;

	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		n += fh->watches[i].active;
	return n;
}

size_t fake_host_active_timers(const struct fake_host *fh)
{
	size_t n = 0;

	for (size_t i = 0; i < FAKE_HOST_MAX_TIMERS; i++)
		n += fh->timers[i].active;
	return n;
}

struct fake_timer *fake_host_next_timer(struct fake_host *fh, uint64_t until_ns)
{
	struct fake_timer *next = NULL;

	for (size_t i = 0; i < FAKE_HOST_MAX_TIMERS; i++)
		if (fh->timers[i].active && fh->timers[i].due_ns <= until_ns &&
		    (!next || fh->timers[i].due_ns < next->due_ns))
			next = &fh->timers[i];
	return next;
}

void fake_host_fire(struct fake_host *fh, struct fake_timer *t)
{
	assert_true(t->active);
	t->active = false; /* one-shot: the handle ends with its call */
	t->cb(fake_host_src(fh), t->user);
}

int fake_host_dispatch_fds(struct fake_host *fh)
{
	int ready = 0;

	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++) {
		struct fake_watch *w = &fh->watches[i];
		struct pollfd p;

		if (!w->active)
			continue;
		p = (struct pollfd){ .fd = w->fd, .events = POLLIN };
		assert_true(poll(&p, 1, 0) >= 0);
		if (!p.revents)
			continue;
		ready++;
		w->cb(fake_host_src(fh), w->fd,
		      (p.revents & POLLIN ? TS_FD_READABLE : 0) |
			      (p.revents & POLLHUP ? TS_FD_HANGUP : 0) |
			      (p.revents & POLLERR ? TS_FD_ERROR : 0),
		      w->user);
	}
	return ready;
}

#define FAKE_HOST_ENTRIES                       \
	.abi_major = TS_PLUGIN_ABI_MAJOR,       \
	.config_get = h_config_get,             \
	.config_error = h_config_error,         \
	.set_format = h_set_format,             \
	.emit = h_emit,                         \
	.end_of_stream = h_end_of_stream,       \
	.watch_fd = h_watch_fd,                 \
	.unwatch_fd = h_unwatch_fd,             \
	.add_timer = h_add_timer,               \
	.cancel_timer = h_cancel_timer,         \
	.log = h_log,                           \
	.set_state = h_set_state

const ts_plugin_host fake_host_table = {
	.struct_size = sizeof(ts_plugin_host),
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	FAKE_HOST_ENTRIES,
	PLUGIN_CONFIG_GETTERS,
};

/* What a 1.0 daemon hands a plugin: the table up to its reserved slots. */
const ts_plugin_host fake_host_table_1_0 = {
	.struct_size = offsetof(ts_plugin_host, config_uint),
	.abi_minor = 0,
	FAKE_HOST_ENTRIES,
};
