/* SPDX-License-Identifier: MIT */
/*
 * One fake tinysensed for the plugins' CMocka tests: the whole host table
 * of tinysense/plugin.h (ABI 1.1; the typed getters are the daemon's own,
 * daemon/common/plugin_getters.c, on this host's keys), recording
 * what the daemon would receive: config errors, the declared format,
 * emitted blocks, watches, timers, states and logs.  The ts_source handle
 * a plugin gets is the struct fake_host itself.
 *
 *   static struct fake_host fh;
 *   fake_host_reset(&fh, my_clock);          before each test
 *   fake_host_key(&fh, "Rate", "16000");     the [Source] keys
 *   r = fake_host_open(&fh, &ts_plugin_descriptor, &priv);
 *   ... fake_host_next_timer / fake_host_fire, fake_host_dispatch_fds ...
 *
 * A config error (config_error, or a getter's) leaves the key in error_key
 * and the text after "KEY=VALUE: " in error, as the daemon would print it.
 * The getters and set_format answer -EBUSY outside fake_host_open(), as the
 * daemon's do.  fake_host_table_1_0 is a 1.0 host (no getters) for checking
 * that a plugin refuses it.
 */
#ifndef TS_PLUGINS_TESTING_FAKE_HOST_H
#define TS_PLUGINS_TESTING_FAKE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tinysense/plugin.h>

#define FAKE_HOST_MAX_KEYS 16
#define FAKE_HOST_MAX_CHANNELS 4   /* recorded per channel: names, values */
#define FAKE_HOST_MAX_BLOCKS 64    /* blocks kept; later ones are counted */
#define FAKE_HOST_MAX_WATCHES 16
#define FAKE_HOST_MAX_TIMERS 64

/* One emitted block: its times, size and its first frame's values. */
struct fake_block {
	uint64_t mono, real;
	uint32_t frames;
	int32_t v[FAKE_HOST_MAX_CHANNELS];
};

struct fake_watch {
	bool active;
	int fd;
	uint32_t events;
	ts_fd_callback cb;
	void *user;
};

struct fake_timer {
	bool active;
	uint64_t due_ns;  /* on the test's clock, now_ns() at add_timer + usec */
	uint64_t usec;    /* as asked */
	ts_timer_callback cb;
	void *user;
};

struct fake_host {
	/* set by the test */
	const char *keys[FAKE_HOST_MAX_KEYS][2];
	size_t n_keys;
	int emit_result;          /* non-zero: what emit returns (nothing recorded) */
	uint64_t (*now_ns)(void); /* the clock timers are due on */

	/* recorded */
	bool claimed[FAKE_HOST_MAX_KEYS];
	bool opening;
	char error_key[48];
	char error[512];
	bool format_set;
	ts_stream_format format;
	char channel_names[FAKE_HOST_MAX_CHANNELS][32];
	char channel_units[FAKE_HOST_MAX_CHANNELS][16];
	struct fake_block blocks[FAKE_HOST_MAX_BLOCKS];
	size_t n_blocks;          /* kept in blocks[] */
	uint64_t emits, frames;   /* every accepted block and its frames */
	struct fake_block first, last;
	unsigned ends;            /* end_of_stream calls */
	struct fake_watch watches[FAKE_HOST_MAX_WATCHES];
	struct fake_timer timers[FAKE_HOST_MAX_TIMERS];
	ts_source_state state;
	char state_error[512];    /* LastError, "" when cleared */
	unsigned state_calls, failed_reports;
	char last_log[512];
};

extern const ts_plugin_host fake_host_table;
extern const ts_plugin_host fake_host_table_1_0;

/* Zeroes *fh (state RUNNING, no keys); now_ns is the timers' clock. */
void fake_host_reset(struct fake_host *fh, uint64_t (*now_ns)(void));
ts_source *fake_host_src(struct fake_host *fh);
/* Adds (or replaces) [Source] key=value; the strings are borrowed. */
void fake_host_key(struct fake_host *fh, const char *key, const char *value);
void fake_host_clear_keys(struct fake_host *fh);
/* plugin->open on this host with fake_host_table, as the daemon calls it. */
int fake_host_open(struct fake_host *fh, const ts_plugin *plugin, void **priv);
/* The first key no one read, as the daemon reports "unknown key"; NULL. */
const char *fake_host_unclaimed(const struct fake_host *fh);

size_t fake_host_active_watches(const struct fake_host *fh);
size_t fake_host_active_timers(const struct fake_host *fh);
/* The earliest active timer due at or before until_ns, or NULL. */
struct fake_timer *fake_host_next_timer(struct fake_host *fh, uint64_t until_ns);
/* Fires t now (one-shot: its handle ends with the call). */
void fake_host_fire(struct fake_host *fh, struct fake_timer *t);
/* Calls the callbacks of watched fds that poll() says are ready, as the
 * daemon's epoll loop would; returns how many were. */
int fake_host_dispatch_fds(struct fake_host *fh);

#endif
