/* SPDX-License-Identifier: MIT */
/*
 * FROZEN: plugins/include/tinysense/plugin.h as ABI 1.0 shipped it, for
 * building tests/plugin-abi/abi10_plugin.c as a 1.0 plugin binary.  Never
 * edit it (but this note): it is what old plugins were compiled against.
 *
 * tinysense sensor plugin ABI (tinysense-plugin(7)).
 *
 * A plugin is a shared object in PluginDir (/usr/lib/tinysense/plugins)
 * named NAME.so that exports one descriptor:
 *
 *     TS_PLUGIN_DESCRIPTOR = {
 *             .abi_major = TS_PLUGIN_ABI_MAJOR,
 *             .abi_minor = TS_PLUGIN_ABI_MINOR,
 *             .struct_size = sizeof(ts_plugin),
 *             .name = "NAME",
 *             .open = ..., .start = ..., .stop = ..., .close = ...,
 *     };
 *
 * A pipeline with [Source] Plugin=NAME gets one instance: open() reads its
 * [Source] keys through the host, checks them, opens the device and
 * declares the stream format; start() begins delivery; stop() pauses it;
 * close() releases everything.  All four run on the daemon's event-loop
 * thread, as do the fd and timer callbacks: a plugin never blocks (use
 * non-blocking fds and watch them, or timers) and never creates threads
 * that call the host.
 *
 * Plugins reach the daemon only through the ts_plugin_host table given to
 * open().  Compatibility: the daemon loads plugins whose abi_major equals
 * its own; a host table grows only at its end and says its size in
 * struct_size, so a plugin checks struct_size before using a newer entry.
 * Reserved slots must be NULL.
 */
#ifndef TINYSENSE_PLUGIN_H
#define TINYSENSE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TS_PLUGIN_ABI_MAJOR 1
#define TS_PLUGIN_ABI_MINOR 0

/* The symbol the daemon looks up with dlsym(). */
#define TS_PLUGIN_SYMBOL "ts_plugin_descriptor"

/* Defines the exported descriptor: `TS_PLUGIN_DESCRIPTOR = { ... };` */
#define TS_PLUGIN_DESCRIPTOR \
	__attribute__((visibility("default"))) const ts_plugin ts_plugin_descriptor

/* The host's handle of one source instance; opaque. */
typedef struct ts_source ts_source;

typedef enum ts_sample_format {
	TS_SAMPLE_S16 = 1, /* int16_t per value */
	TS_SAMPLE_S32 = 2, /* int32_t per value */
} ts_sample_format;

/* What one channel measures.  physical = (raw + offset) * scale, in unit;
 * metadata for clients: the pipeline works on raw integers. */
typedef struct ts_channel_info {
	const char *name;   /* e.g. "accel_x", "left", "door" */
	const char *unit;   /* e.g. "m/s^2", "Pa", "" */
	double scale;
	double offset;
} ts_channel_info;

/* Declared once, in open(). */
typedef struct ts_stream_format {
	uint32_t struct_size;            /* sizeof(ts_stream_format) */
	ts_sample_format format;
	uint32_t rate_hz;                /* frames per second (nominal) */
	uint16_t channels;               /* values per frame, 1..256 */
	const ts_channel_info *channel;  /* channels entries; copied by the host */
} ts_stream_format;

/* A block of interleaved frames.  The host copies it before emit returns. */
typedef struct ts_sample_block {
	uint32_t struct_size;  /* sizeof(ts_sample_block) */
	uint32_t frames;
	const void *data;      /* frames * channels values of the declared format */
	uint64_t mono_ns;      /* CLOCK_MONOTONIC time of the first frame */
	uint64_t realtime_ns;  /* CLOCK_REALTIME time of the first frame */
} ts_sample_block;

typedef enum ts_source_state {
	TS_SOURCE_RUNNING = 1,  /* delivering */
	TS_SOURCE_DEGRADED = 2, /* delivering, with problems (e.g. overruns) */
	TS_SOURCE_FAILED = 3,   /* not delivering (device gone); retrying */
} ts_source_state;

/* Event bits for watch_fd(): the epoll ones. */
#define TS_FD_READABLE 0x001u /* EPOLLIN */
#define TS_FD_WRITABLE 0x004u /* EPOLLOUT */
#define TS_FD_ERROR    0x008u /* EPOLLERR */
#define TS_FD_HANGUP   0x010u /* EPOLLHUP */

typedef void (*ts_fd_callback)(ts_source *src, int fd, uint32_t revents, void *user);
typedef void (*ts_timer_callback)(ts_source *src, void *user);

typedef struct ts_plugin_host {
	uint32_t struct_size;
	uint16_t abi_major;
	uint16_t abi_minor;

	/* The value of [Source] KEY, NULL when absent; valid until close().
	 * Reading a key claims it: keys nobody reads are reported as unknown. */
	const char *(*config_get)(ts_source *src, const char *key);
	/* Reports a bad value of KEY (the host adds file, line and key);
	 * returns -EINVAL for open() to return. */
	int (*config_error)(ts_source *src, const char *key, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/* Declares the stream: call once in open(). */
	int (*set_format)(ts_source *src, const ts_stream_format *format);
	/* Delivers frames: 0, or -EAGAIN when the pipeline is full (the block
	 * is dropped: count it as an overrun). */
	int (*emit)(ts_source *src, const ts_sample_block *block);
	/* A finite source (a file) has delivered everything. */
	void (*end_of_stream)(ts_source *src);

	/* Calls cb on the loop when fd has any of events (TS_FD_*); *handle
	 * identifies the watch.  The fd stays the plugin's to close. */
	int (*watch_fd)(ts_source *src, int fd, uint32_t events, ts_fd_callback cb,
			void *user, void **handle);
	void (*unwatch_fd)(ts_source *src, void *handle);
	/* Calls cb once, usec microseconds from now (CLOCK_MONOTONIC). */
	int (*add_timer)(ts_source *src, uint64_t usec, ts_timer_callback cb, void *user,
			 void **handle);
	void (*cancel_timer)(ts_source *src, void *handle);

	/* Logs with a syslog priority (LOG_ERR ... LOG_DEBUG); the host names
	 * the pipeline and plugin. */
	void (*log)(ts_source *src, int priority, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Reports the source's state; error is the text of LastError (NULL
	 * clears it).  FAILED stops nothing: the plugin retries by itself. */
	void (*set_state)(ts_source *src, ts_source_state state, const char *error);

	void *reserved[8];
} ts_plugin_host;

typedef struct ts_plugin {
	uint16_t abi_major;      /* TS_PLUGIN_ABI_MAJOR the plugin was built with */
	uint16_t abi_minor;
	uint32_t struct_size;    /* sizeof(ts_plugin) */
	const char *name;        /* as in Plugin= */
	const char *description;
	/* Reads config, opens the device, declares the format; *priv is the
	 * instance's state for the other callbacks.  Returns 0 or -errno
	 * (after config_error() or log() saying why). */
	int (*open)(ts_source *src, const ts_plugin_host *host, void **priv);
	int (*start)(void *priv);
	void (*stop)(void *priv);
	void (*close)(void *priv);
	void *reserved[8];
} ts_plugin;

#ifdef __cplusplus
}
#endif

#endif /* TINYSENSE_PLUGIN_H */
