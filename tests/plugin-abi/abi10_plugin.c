/* SPDX-License-Identifier: MIT */
/*
 * A plugin as a 1.0 build of it is: compiled against the 1.0 header
 * (tinysense-plugin-1.0.h, a copy of tinysense/plugin.h as ABI 1.0 shipped
 * it), so every structure it hands the daemon has its 1.0 size.  It reads
 * its keys with config_get (1.0 has no typed getters), declares a format and
 * emits blocks of a ramp on a timer.  tests/integration/test_plugin_abi.sh
 * loads it into today's daemon and checks that its samples are counted.
 *
 *   [Source]
 *   Plugin=abi10
 *   Rate=1000     frames per second
 *   Block=50      frames per block
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "tinysense-plugin-1.0.h"

#if TS_PLUGIN_ABI_MAJOR != 1 || TS_PLUGIN_ABI_MINOR != 0
#error "abi10_plugin.c must be built against the 1.0 header"
#endif

#define ABI10_MAX_BLOCK 1000

struct abi10 {
	ts_source *src;
	const ts_plugin_host *host;
	unsigned rate, block;
	uint64_t frame, start_ns;
	void *timer;
	int16_t data[ABI10_MAX_BLOCK];
};

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A whole number of key in [min, max] the 1.0 way: config_get and strtoul. */
static int read_uint(struct abi10 *a, const char *key, unsigned def, unsigned min, unsigned max,
		     unsigned *out)
{
	const char *v = a->host->config_get(a->src, key);
	char *end;
	unsigned long n;

	if (!v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return a->host->config_error(a->src, key, "expected %u..%u", min, max);
	*out = (unsigned)n;
	return 0;
}

static void on_timer(ts_source *src, void *user);

static int arm(struct abi10 *a)
{
	const uint64_t due = a->start_ns + (a->frame + a->block) * 1000000000ull / a->rate;
	const uint64_t now = now_ns(CLOCK_MONOTONIC);

	return a->host->add_timer(a->src, due > now ? (due - now) / 1000 : 0, on_timer, a,
				  &a->timer);
}

static void on_timer(ts_source *src, void *user)
{
	struct abi10 *a = user;
	/* sizeof here is the 1.0 block: what a 1.0 binary sends. */
	ts_sample_block b = { .struct_size = sizeof(b), .frames = a->block, .data = a->data };

	(void)src;
	a->timer = NULL;
	for (unsigned i = 0; i < a->block; i++)
		a->data[i] = (int16_t)((a->frame + i) % 2000);
	b.mono_ns = a->start_ns + a->frame * 1000000000ull / a->rate;
	b.realtime_ns = now_ns(CLOCK_REALTIME);
	if (a->host->emit(a->src, &b) < 0)
		a->host->log(a->src, LOG_WARNING, "block refused");
	a->frame += a->block;
	if (arm(a) < 0)
		a->host->set_state(a->src, TS_SOURCE_FAILED, "cannot arm the timer");
}

static int abi10_open(ts_source *src, const ts_plugin_host *host, void **priv)
{
	static const ts_channel_info info = { "ramp", "", 1.0, 0.0 };
	ts_stream_format f = { .struct_size = sizeof(f), .format = TS_SAMPLE_S16, .channels = 1,
			       .channel = &info };
	struct abi10 *a;
	int r;

	/* What a 1.0 plugin may rely on: a 1.x host at least as large as 1.0's. */
	if (host->abi_major != 1 || host->struct_size < sizeof(ts_plugin_host))
		return -EPROTO;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->src = src;
	a->host = host;
	if ((r = read_uint(a, "Rate", 1000, 1, 100000, &a->rate)) ||
	    (r = read_uint(a, "Block", 50, 1, ABI10_MAX_BLOCK, &a->block))) {
		free(a);
		return r;
	}
	f.rate_hz = a->rate;
	if ((r = host->set_format(src, &f))) {
		free(a);
		return r;
	}
	host->log(src, LOG_INFO, "built for ABI 1.0, on a host of ABI %u.%u", host->abi_major,
		  host->abi_minor);
	*priv = a;
	return 0;
}

static int abi10_start(void *priv)
{
	struct abi10 *a = priv;

	a->frame = 0;
	a->start_ns = now_ns(CLOCK_MONOTONIC);
	return arm(a);
}

static void abi10_stop(void *priv)
{
	struct abi10 *a = priv;

	if (a->timer)
		a->host->cancel_timer(a->src, a->timer);
	a->timer = NULL;
}

static void abi10_close(void *priv)
{
	abi10_stop(priv);
	free(priv);
}

TS_PLUGIN_DESCRIPTOR = {
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(ts_plugin),
	.name = "abi10",
	.description = "a plugin built against the 1.0 header (test)",
	.open = abi10_open,
	.start = abi10_start,
	.stop = abi10_stop,
	.close = abi10_close,
};
