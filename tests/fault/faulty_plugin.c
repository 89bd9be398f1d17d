/* SPDX-License-Identifier: MIT */
/*
 * A test plugin whose callbacks fail on demand (tests/integration/
 * test_fault_plugin.sh; built into BUILD/test-plugins/faulty.so, never
 * installed).  It delivers silence, 16 kHz mono S16 in 20 ms blocks, and
 * fails where the directory Control= holds a file of that name:
 *
 *   open    open() returns -EIO after config_error(), or after a
 *           set_format() the host must refuse (0 channels)
 *   start   start() returns -EIO
 *   run     every block callback misuses the host and reports FAILED:
 *           emit(NULL), a block with a short struct_size and one with no
 *           data, watch_fd() on a closed fd and with no callback,
 *           add_timer() with no callback, set_format() after open,
 *           set_state() with an unknown state, unwatch_fd/cancel_timer(NULL),
 *           config_get() after open
 *
 * and where a plugin takes its process down (tests/integration/
 * test_plugin_isolation.sh; a crash is SIGSEGV with the default action,
 * also under ASan, whose handler would exit instead):
 *
 *   open-segv   open() crashes
 *   run-segv    the block callback crashes
 *   run-exit    the block callback calls _exit(0)
 *   run-hang    the block callback never returns
 *   run-thread  the block callback starts a thread that calls emit() and
 *               set_state() for a second, concurrently with the loop
 *
 * The constructor runs before open() knows Control=: it looks in the
 * folder named by the environment variable FAULTY_CONTROL for
 * ctor-segv (it crashes) and ctor-exit (_exit(0)).
 *
 * Removing the file ends that fault: the next callback works (open and
 * start on the next Reload or the daemon's retry).  stop() and close()
 * return nothing; they count for "every callback" by running while the
 * faults are on.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <tinysense/plugin.h>

#define RATE 16000
#define BLOCK_FRAMES 320 /* 20 ms */

struct faulty {
	ts_source *src;
	const ts_plugin_host *host;
	char control[512];
	void *timer;
	uint64_t next_ns; /* when the next block is due */
	int16_t block[BLOCK_FRAMES];
	pthread_t thread;
	bool thread_running;
};

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int failing(const struct faulty *f, const char *what)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", f->control, what);
	return access(path, F_OK) == 0;
}

static void on_block(ts_source *src, void *user);

static void crash(void)
{
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
}

__attribute__((constructor)) static void faulty_load(void)
{
	const char *dir = getenv("FAULTY_CONTROL");
	char path[600];

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/ctor-segv", dir);
	if (access(path, F_OK) == 0)
		crash();
	snprintf(path, sizeof(path), "%s/ctor-exit", dir);
	if (access(path, F_OK) == 0)
		_exit(0);
}

/* Forbidden: the host from another thread, for a second. */
static void *rogue_thread(void *arg)
{
	struct faulty *f = arg;
	const uint64_t end = clock_ns(CLOCK_MONOTONIC) + 1000000000ull;
	ts_sample_block b = { .struct_size = sizeof(b), .frames = BLOCK_FRAMES, .data = f->block };

	while (clock_ns(CLOCK_MONOTONIC) < end) {
		b.mono_ns = clock_ns(CLOCK_MONOTONIC);
		b.realtime_ns = clock_ns(CLOCK_REALTIME);
		f->host->emit(f->src, &b);
		f->host->set_state(f->src, TS_SOURCE_DEGRADED, "faulty: from a thread");
	}
	return NULL;
}

static void arm(struct faulty *f)
{
	const uint64_t now = clock_ns(CLOCK_MONOTONIC);

	f->next_ns += BLOCK_FRAMES * 1000000000ull / RATE;
	if (f->next_ns < now)
		f->next_ns = now;
	if (f->host->add_timer(f->src, (f->next_ns - now) / 1000, on_block, f, &f->timer) < 0)
		f->timer = NULL;
}

static void ignore_fd(ts_source *src, int fd, uint32_t revents, void *user)
{
	(void)src, (void)fd, (void)revents, (void)user;
}

/* Everything a confused plugin might do; the host must refuse each. */
static void misuse(struct faulty *f)
{
	const ts_sample_block short_block = { .struct_size = 4, .frames = 1, .data = f->block };
	const ts_sample_block no_data = { .struct_size = sizeof(no_data), .frames = 1 };
	void *handle = NULL;
	int fd = dup(0);

	if (fd >= 0)
		close(fd); /* now a closed descriptor */
	f->host->emit(f->src, NULL);
	f->host->emit(f->src, &short_block);
	f->host->emit(f->src, &no_data);
	if (fd >= 0 && f->host->watch_fd(f->src, fd, TS_FD_READABLE, ignore_fd, f, &handle) == 0)
		f->host->unwatch_fd(f->src, handle);
	f->host->watch_fd(f->src, 0, TS_FD_READABLE, NULL, f, &handle);
	f->host->add_timer(f->src, 0, NULL, f, &handle);
	f->host->unwatch_fd(f->src, NULL);
	f->host->cancel_timer(f->src, NULL);
	f->host->config_get(f->src, "Control");
	f->host->set_format(f->src, &(ts_stream_format){ .struct_size = sizeof(ts_stream_format),
							 .format = TS_SAMPLE_S32, .rate_hz = 1,
							 .channels = 200 });
	f->host->set_state(f->src, (ts_source_state)99, "faulty: an unknown state");
	f->host->set_state(f->src, TS_SOURCE_FAILED, "faulty: every callback fails");
}

static void on_block(ts_source *src, void *user)
{
	struct faulty *f = user;
	const ts_sample_block b = {
		.struct_size = sizeof(b),
		.frames = BLOCK_FRAMES,
		.data = f->block,
		.mono_ns = clock_ns(CLOCK_MONOTONIC),
		.realtime_ns = clock_ns(CLOCK_REALTIME),
	};

	(void)src;
	f->timer = NULL;
	if (failing(f, "run-segv"))
		crash();
	if (failing(f, "run-exit"))
		_exit(0);
	if (failing(f, "run-hang"))
		for (;;)
			pause();
	if (failing(f, "run-thread") && !f->thread_running)
		f->thread_running = pthread_create(&f->thread, NULL, rogue_thread, f) == 0;
	if (failing(f, "run")) {
		misuse(f);
	} else {
		f->host->set_state(f->src, TS_SOURCE_RUNNING, NULL);
		f->host->emit(f->src, &b);
	}
	arm(f);
}

static int faulty_open(ts_source *src, const ts_plugin_host *host, void **priv)
{
	const ts_stream_format bad = { .struct_size = sizeof(bad), .format = TS_SAMPLE_S16,
				       .rate_hz = RATE, .channels = 0 };
	ts_stream_format format = bad;
	struct faulty *f = calloc(1, sizeof(*f));
	const char *control;

	if (!f)
		return -ENOMEM;
	f->src = src;
	f->host = host;
	control = host->config_get(src, "Control");
	if (!control) {
		free(f);
		return host->config_error(src, "Control", "missing: the folder of fault files");
	}
	snprintf(f->control, sizeof(f->control), "%s", control);
	if (failing(f, "open-segv"))
		crash();
	if (failing(f, "open")) {
		int r = host->set_format(src, &bad);

		host->log(src, LOG_ERR, "faulty: open fails (set_format(0 channels) gave %d)", r);
		free(f);
		return host->config_error(src, "Control", "open fails: %s/open exists", control);
	}
	format.channels = 1;
	if (host->set_format(src, &format)) {
		free(f);
		return -EINVAL;
	}
	*priv = f;
	return 0;
}

static int faulty_start(void *priv)
{
	struct faulty *f = priv;

	if (failing(f, "start"))
		return -EIO;
	f->next_ns = clock_ns(CLOCK_MONOTONIC);
	arm(f);
	return 0;
}

static void faulty_stop(void *priv)
{
	struct faulty *f = priv;

	if (f->timer)
		f->host->cancel_timer(f->src, f->timer);
	f->timer = NULL;
}

static void faulty_close(void *priv)
{
	struct faulty *f = priv;

	if (f->thread_running)
		pthread_join(f->thread, NULL);
	free(priv);
}

TS_PLUGIN_DESCRIPTOR = {
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(ts_plugin),
	.name = "faulty",
	.description = "test plugin: fails on demand",
	.open = faulty_open,
	.start = faulty_start,
	.stop = faulty_stop,
	.close = faulty_close,
};
