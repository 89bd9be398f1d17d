/* SPDX-License-Identifier: MIT */
/*
 * Sources from plugins: loads PluginDir/NAME.so, checks its descriptor and
 * ABI, and runs it through the host table of tinysense/plugin.h, which this
 * file implements on top of the loop (sd-event) and the pipeline.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <tinysense/plugin.h>

#include "log.h"
#include "plugin_getters.h"
#include "source.h"

/* One fd watch or timer a plugin holds; the handle it gets back. */
struct plugin_event {
	ts_source *src;
	sd_event_source *es;
	ts_fd_callback fd_cb;
	ts_timer_callback timer_cb;
	void *user;
	bool firing, cancelled;
	struct plugin_event *next;
};

/* What the pipeline did not take of a block: it goes on resume. */
struct staged {
	uint8_t *data;
	size_t cap;        /* bytes */
	size_t frames;     /* left to hand over */
	uint64_t mono_ns;  /* of the first frame left */
	uint64_t realtime_us;
};

/* The largest block a plugin may emit (ts_plugin_host.emit). */
#define PLUGIN_MAX_BLOCK_BYTES (64u << 20)

struct ts_source {
	struct source *s;
	struct staged staged;
	struct settings *keys;         /* [Source] keys, during open */
	struct config_error *err;      /* during open */
	const ts_plugin *plugin;
	void *dl;
	void *priv;
	bool format_set;
	bool bad_state_logged;
	struct plugin_event *events;
	char name[64];
};

/* ---- the host table ------------------------------------------------------- */

static const char *host_config_get(ts_source *src, const char *key)
{
	const struct setting *k = src->keys && key ? setting_take(src->keys, key) : NULL;

	return k ? k->value : NULL;
}

static int host_config_error(ts_source *src, const char *key, const char *fmt, ...)
{
	const struct setting *k = NULL;
	char msg[512];
	va_list ap;

	if (!src->err || !key || !fmt)
		return -EINVAL;
	for (size_t i = 0; src->keys && i < src->keys->n; i++)
		if (!strcmp(src->keys->items[i].key, key))
			k = &src->keys->items[i];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k)
		return setting_error(src->err, src->keys, k, "%s", msg);
	return setting_error(src->err, src->keys, NULL, "%s: %s", key, msg);
}

/* ---- typed getters (ABI 1.1): plugin_getters.c, on these two ------------------ */

int plugin_host_value(ts_source *src, const char *key, const void *out, const char **value)
{
	const struct setting *k;

	*value = NULL;
	if (!src->err || !src->keys)
		return -EBUSY;
	if (!key || !out)
		return -EINVAL;
	k = setting_take(src->keys, key);
	*value = k ? k->value : NULL;
	return 0;
}

int plugin_host_error(ts_source *src, const char *key, const char *why)
{
	return host_config_error(src, key, "%s", why);
}

static int host_set_format(ts_source *src, const ts_stream_format *f)
{
	if (!src->err)
		return -EBUSY; /* only in open(): the pipeline is sized by it */
	if (!f || f->channels > SOURCE_MAX_CHANNELS || f->struct_size < offsetof(ts_stream_format, channel) + sizeof(f->channel) ||
	    (f->format != TS_SAMPLE_S16 && f->format != TS_SAMPLE_S32) || !f->rate_hz ||
	    !f->channels)
		return -EINVAL;
	src->s->format = f->format == TS_SAMPLE_S32 ? SAMPLE_S32 : SAMPLE_S16;
	src->s->rate = f->rate_hz;
	src->s->channels = f->channels;
	src->format_set = true;
	if (f->channel) {
		struct channel_meta *m = calloc(f->channels, sizeof(*m));

		if (!m)
			return -ENOMEM;
		for (uint16_t i = 0; i < f->channels; i++) {
			snprintf(m[i].name, sizeof(m[i].name), "%s",
				 f->channel[i].name ? f->channel[i].name : "");
			snprintf(m[i].unit, sizeof(m[i].unit), "%s",
				 f->channel[i].unit ? f->channel[i].unit : "");
			m[i].scale = f->channel[i].scale;
			m[i].offset = f->channel[i].offset;
		}
		free(src->s->channel_meta);
		src->s->channel_meta = m;
	}
	return 0;
}

/* Hands the staged frames on; true when none are left. */
static bool flush_staged(ts_source *src)
{
	struct staged *st = &src->staged;
	const size_t frame_bytes = src->s->channels * sample_size(src->s->format);
	size_t taken;

	if (!st->frames)
		return true;
	taken = src->s->host.emit(src->s->host.pipeline, st->data, st->frames, st->mono_ns,
				  st->realtime_us);
	st->frames -= taken;
	st->mono_ns += taken * 1000000000ull / src->s->rate;
	st->realtime_us += taken * 1000000ull / src->s->rate;
	if (st->frames && taken)
		memmove(st->data, st->data + taken * frame_bytes, st->frames * frame_bytes);
	return !st->frames;
}

/* A block of any size: what the pipeline cannot take now is copied aside
 * and handed on as the worker makes room (plugin_resume).  -EAGAIN only
 * while an earlier block is still aside: this one is dropped (an overrun). */
static int host_emit(ts_source *src, const ts_sample_block *b)
{
	const size_t frame_bytes = src->s->channels * sample_size(src->s->format);
	struct staged *st = &src->staged;
	size_t taken, rest;

	/* 1.0's block ends with realtime_ns: later fields are optional. */
	if (!b || b->struct_size < offsetof(ts_sample_block, realtime_ns) + sizeof(b->realtime_ns) ||
	    !b->data)
		return -EINVAL;
	if (!b->frames)
		return 0;
	if ((size_t)b->frames > PLUGIN_MAX_BLOCK_BYTES / frame_bytes)
		return -E2BIG;
	if (!flush_staged(src))
		return -EAGAIN;
	taken = src->s->host.emit(src->s->host.pipeline, b->data, b->frames, b->mono_ns,
				  b->realtime_ns / 1000);
	rest = b->frames - taken;
	if (!rest)
		return 0;
	if (rest * frame_bytes > st->cap) {
		uint8_t *grown = realloc(st->data, rest * frame_bytes);

		if (!grown)
			return -ENOMEM; /* the rest is lost: the plugin counts an overrun */
		st->data = grown;
		st->cap = rest * frame_bytes;
	}
	memcpy(st->data, (const uint8_t *)b->data + taken * frame_bytes, rest * frame_bytes);
	st->frames = rest;
	st->mono_ns = b->mono_ns + taken * 1000000000ull / src->s->rate;
	st->realtime_us = b->realtime_ns / 1000 + taken * 1000000ull / src->s->rate;
	return 0;
}

static void host_end_of_stream(ts_source *src)
{
	src->s->host.end(src->s->host.pipeline);
}

static void event_unlink(struct plugin_event *ev)
{
	struct plugin_event **p = &ev->src->events;

	while (*p && *p != ev)
		p = &(*p)->next;
	if (*p)
		*p = ev->next;
	sd_event_source_disable_unref(ev->es);
	free(ev);
}

static int on_fd(sd_event_source *es, int fd, uint32_t revents, void *user)
{
	struct plugin_event *ev = user;

	(void)es;
	ev->firing = true;
	ev->fd_cb(ev->src, fd, revents, ev->user);
	ev->firing = false;
	if (ev->cancelled)
		event_unlink(ev);
	return 0;
}

static int on_timer(sd_event_source *es, uint64_t usec, void *user)
{
	struct plugin_event *ev = user;

	(void)es;
	(void)usec;
	ev->firing = true;
	ev->timer_cb(ev->src, ev->user);
	/* One-shot: the handle ends with its callback. */
	event_unlink(ev);
	return 0;
}

static struct plugin_event *event_new(ts_source *src, void *user)
{
	struct plugin_event *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->src = src;
	ev->user = user;
	ev->next = src->events;
	src->events = ev;
	return ev;
}

static int host_watch_fd(ts_source *src, int fd, uint32_t events, ts_fd_callback cb,
			 void *user, void **handle)
{
	struct plugin_event *ev;
	int r;

	if (fd < 0 || !cb || !handle)
		return -EINVAL;
	ev = event_new(src, user);
	if (!ev)
		return -ENOMEM;
	ev->fd_cb = cb;
	r = sd_event_add_io(src->s->event, &ev->es, fd, events, on_fd, ev);
	if (r < 0) {
		event_unlink(ev);
		return r;
	}
	*handle = ev;
	return 0;
}

static void host_cancel(ts_source *src, void *handle)
{
	struct plugin_event *ev = handle;

	(void)src;
	if (!ev)
		return;
	if (ev->firing) {
		ev->cancelled = true; /* freed when its callback returns */
		sd_event_source_set_enabled(ev->es, SD_EVENT_OFF);
		return;
	}
	event_unlink(ev);
}

static int host_add_timer(ts_source *src, uint64_t usec, ts_timer_callback cb, void *user,
			  void **handle)
{
	struct plugin_event *ev;
	int r;

	if (!cb || !handle)
		return -EINVAL;
	ev = event_new(src, user);
	if (!ev)
		return -ENOMEM;
	ev->timer_cb = cb;
	/* 1 ms accuracy: sd-event's default (0) means 250 ms of slack. */
	r = sd_event_add_time_relative(src->s->event, &ev->es, CLOCK_MONOTONIC, usec, 1000,
				       on_timer, ev);
	if (r < 0) {
		event_unlink(ev);
		return r;
	}
	*handle = ev;
	return 0;
}

static void host_log(ts_source *src, int priority, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(priority, "%s plugin: %s", src->name, msg);
}

static void host_set_state(ts_source *src, ts_source_state state, const char *error)
{
	enum source_state s = state == TS_SOURCE_FAILED ? SOURCE_FAILED :
			      state == TS_SOURCE_DEGRADED ? SOURCE_DEGRADED : SOURCE_RUNNING;

	if (state != TS_SOURCE_RUNNING && state != TS_SOURCE_DEGRADED &&
	    state != TS_SOURCE_FAILED) {
		/* A state the ABI does not have: ignored, said once. */
		if (!src->bad_state_logged)
			log_warning("%s plugin: set_state(%d): no such state, ignored", src->name,
				    (int)state);
		src->bad_state_logged = true;
		return;
	}
	src->s->host.state(src->s->host.pipeline, s, error);
}

static const ts_plugin_host host_table = {
	.struct_size = sizeof(ts_plugin_host),
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.config_get = host_config_get,
	.config_error = host_config_error,
	.set_format = host_set_format,
	.emit = host_emit,
	.end_of_stream = host_end_of_stream,
	.watch_fd = host_watch_fd,
	.unwatch_fd = host_cancel,
	.add_timer = host_add_timer,
	.cancel_timer = host_cancel,
	.log = host_log,
	.set_state = host_set_state,
	PLUGIN_CONFIG_GETTERS,
};

/* ---- loading -------------------------------------------------------------- */

static int load(ts_source *src, const char *dir, const char *name, const char *section,
		struct config_error *err)
{
	const ts_plugin *p;
	char path[4200];

	if (!name[0] || strchr(name, '/') || name[0] == '.') {
		snprintf(err->text, sizeof(err->text), "[%s] Plugin=%s: not a plugin name", section,
			 name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.so", dir, name);
	src->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!src->dl) {
		snprintf(err->text, sizeof(err->text),
			 "[%s] Plugin=%s: no such source plugin (%s)", section, name, dlerror());
		return -ENOENT;
	}
	p = dlsym(src->dl, TS_PLUGIN_SYMBOL);
	if (!p) {
		snprintf(err->text, sizeof(err->text), "%s: no %s symbol: not a tinysense plugin",
			 path, TS_PLUGIN_SYMBOL);
		return -EINVAL;
	}
	if (p->abi_major != TS_PLUGIN_ABI_MAJOR) {
		snprintf(err->text, sizeof(err->text),
			 "%s: plugin ABI %u.%u, tinysensed speaks %u.%u: rebuild the plugin against this tinysense",
			 path, p->abi_major, p->abi_minor, TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ABI_MINOR);
		return -EPROTO;
	}
	if (p->struct_size < offsetof(ts_plugin, reserved) || !p->name || strcmp(p->name, name) ||
	    !p->open || !p->start || !p->stop || !p->close) {
		snprintf(err->text, sizeof(err->text),
			 "%s: incomplete descriptor (size, name \"%s\" or callbacks)", path,
			 p->name ? p->name : "");
		return -EINVAL;
	}
	src->plugin = p;
	return 0;
}

static void release(ts_source *src)
{
	while (src->events)
		event_unlink(src->events);
	if (src->dl)
		dlclose(src->dl);
	free(src->staged.data);
	free(src);
}

static int plugin_open(struct source *s, struct settings *keys, struct config_error *err)
{
	ts_source *src = calloc(1, sizeof(*src));
	int r;

	if (!src)
		return -ENOMEM;
	src->s = s;
	s->priv = src;
	snprintf(src->name, sizeof(src->name), "%s", s->plugin_name);
	r = load(src, s->plugin_dir ? s->plugin_dir : ".", src->name, keys->section, err);
	if (r)
		return r;
	src->keys = keys;
	src->err = err;
	r = src->plugin->open(src, &host_table, &src->priv);
	src->err = NULL;
	if (r < 0) {
		if (!err->text[0])
			snprintf(err->text, sizeof(err->text), "%s: [%s] Plugin=%s: %s",
				 keys->file, keys->section, src->name, strerror(-r));
		src->plugin = NULL; /* nothing to close */
		return r;
	}
	if (!src->format_set) {
		snprintf(err->text, sizeof(err->text),
			 "%s: [%s] Plugin=%s: the plugin declared no stream format", keys->file,
			 keys->section, src->name);
		src->plugin->close(src->priv);
		src->plugin = NULL;
		return -EPROTO;
	}
	return 0;
}

static int plugin_start(struct source *s)
{
	ts_source *src = s->priv;

	src->staged.frames = 0; /* what was aside belongs to the last run */
	return src->plugin->start(src->priv);
}

static void plugin_resume(struct source *s)
{
	flush_staged(s->priv);
}

static void plugin_stop(struct source *s)
{
	ts_source *src = s->priv;

	src->plugin->stop(src->priv);
}

static void plugin_close(struct source *s)
{
	ts_source *src = s->priv;

	if (!src)
		return;
	if (src->plugin)
		src->plugin->close(src->priv);
	release(src);
	s->priv = NULL;
}

const struct source_ops plugin_source_ops = {
	.name = "plugin",
	.open = plugin_open,
	.start = plugin_start,
	.stop = plugin_stop,
	.resume = plugin_resume,
	.close = plugin_close,
};
