/* SPDX-License-Identifier: MIT */
/*
 * The example plugin: a signal generator, and the smallest complete
 * tinysense plugin (read it with plugins/README.md).  It produces a sine
 * wave with optional square bursts, paced by a timer, so that a pipeline can
 * be tried without hardware:
 *
 *   [Source]
 *   Plugin=example
 *   Rate=1000            frames per second
 *   Channels=1           identical channels
 *   Frequency=50         Hz of the sine
 *   Amplitude=10000      peak, raw units
 *   BurstEvery=0         seconds between 1 s bursts of a 5x louder square
 *                        wave (0: none), a stand-in for "something happened"
 *   BlockMs=20           milliseconds of frames per block
 *
 * Everything runs on the daemon's loop: one timer per block, no threads, no
 * blocking.  Integer-only generation: a 1024-entry sine table computed at
 * open from a rotation recurrence in fixed point.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <tinysense/plugin.h>

#define EXAMPLE_MAX_CHANNELS 8
#define EXAMPLE_MAX_BLOCK 4096
#define SINE_STEPS 1024

struct example {
	ts_source *src;
	const ts_plugin_host *host;
	uint32_t rate;
	uint16_t channels;
	uint32_t frequency;
	int32_t amplitude;
	uint32_t burst_every;         /* seconds, 0: none */
	uint32_t block_frames;
	int16_t sine[SINE_STEPS];     /* one period, Q15 */
	uint64_t frame;               /* frames produced since start */
	uint64_t start_mono_ns, start_real_ns;
	void *timer;
	int16_t block[EXAMPLE_MAX_BLOCK * EXAMPLE_MAX_CHANNELS];
	ts_channel_info info[EXAMPLE_MAX_CHANNELS];
};

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* sin(2 pi k / N) by rotating a Q30 unit vector: integer only. */
static void make_sine(int16_t *table)
{
	/* cos and sin of 2 pi / 1024 in Q30. */
	const int64_t c = 1073721611, s = 6588356;
	int64_t x = (int64_t)1 << 30, y = 0;

	for (int k = 0; k < SINE_STEPS; k++) {
		int64_t nx = (x * c - y * s) >> 30;
		int64_t ny = (x * s + y * c) >> 30;

		table[k] = (int16_t)((y + (1 << 14)) >> 15 > 32767 ? 32767 : (y + (1 << 14)) >> 15);
		x = nx;
		y = ny;
	}
}

static int example_open(ts_source *src, const ts_plugin_host *host, void **priv)
{
	struct example *e;
	ts_stream_format format = { .struct_size = sizeof(format), .format = TS_SAMPLE_S16 };
	uint64_t rate, channels, frequency, amplitude, burst, block_ms;
	int r;

	/* The typed getters are ABI 1.1: a 1.0 daemon has none. */
	if (!TS_PLUGIN_HOST_HAS(host, config_list)) {
		host->log(src, LOG_ERR, "needs tinysensed with plugin ABI 1.1 or later");
		return -EPROTO;
	}
	if ((r = host->config_uint(src, "Rate", 1000, 1, 192000, &rate)) < 0 ||
	    (r = host->config_uint(src, "Channels", 1, 1, EXAMPLE_MAX_CHANNELS, &channels)) < 0 ||
	    (r = host->config_uint(src, "Frequency", 50, 0, 96000, &frequency)) < 0 ||
	    (r = host->config_uint(src, "Amplitude", 6000, 0, 6000, &amplitude)) < 0 ||
	    (r = host->config_uint(src, "BurstEvery", 0, 0, 3600, &burst)) < 0 ||
	    (r = host->config_uint(src, "BlockMs", 20, 1, 1000, &block_ms)) < 0)
		return r;
	if (rate * block_ms / 1000 == 0 || rate * block_ms / 1000 > EXAMPLE_MAX_BLOCK)
		return host->config_error(src, "BlockMs", "gives %llu frames per block, allowed 1..%d",
					  (unsigned long long)(rate * block_ms / 1000),
					  EXAMPLE_MAX_BLOCK);
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->src = src;
	e->host = host;
	e->rate = (uint32_t)rate;
	e->channels = (uint16_t)channels;
	e->frequency = (uint32_t)frequency;
	e->amplitude = (int32_t)amplitude;
	e->burst_every = (uint32_t)burst;
	e->block_frames = (uint32_t)(rate * block_ms / 1000);
	make_sine(e->sine);
	for (uint64_t c = 0; c < channels; c++)
		e->info[c] = (ts_channel_info){ .name = "signal", .unit = "", .scale = 1.0 };
	format.rate_hz = e->rate;
	format.channels = e->channels;
	format.channel = e->info;
	r = host->set_format(src, &format);
	if (r) {
		free(e);
		return r;
	}
	*priv = e;
	return 0;
}

static int16_t sample_at(const struct example *e, uint64_t frame)
{
	const uint64_t phase = frame * e->frequency * SINE_STEPS / e->rate % SINE_STEPS;
	int32_t v = (int32_t)e->sine[phase] * e->amplitude / 32768;

	if (e->burst_every) {
		const uint64_t second = frame / e->rate;

		/* Second 0 of every burst_every: a loud square wave. */
		if (second % e->burst_every == e->burst_every - 1)
			v = (phase < SINE_STEPS / 2 ? 5 : -5) * e->amplitude;
	}
	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

static void on_block(ts_source *src, void *user);

/* Arms the timer for when the next block's last frame is due. */
static int arm(struct example *e)
{
	const uint64_t due = e->start_mono_ns +
			     (e->frame + e->block_frames) * 1000000000ull / e->rate;
	const uint64_t now = clock_ns(CLOCK_MONOTONIC);

	return e->host->add_timer(e->src, due > now ? (due - now) / 1000 : 0, on_block, e,
				  &e->timer);
}

static void on_block(ts_source *src, void *user)
{
	struct example *e = user;
	ts_sample_block block = { .struct_size = sizeof(block) };

	(void)src;
	e->timer = NULL;
	for (uint32_t f = 0; f < e->block_frames; f++) {
		const int16_t v = sample_at(e, e->frame + f);

		for (uint16_t c = 0; c < e->channels; c++)
			e->block[f * e->channels + c] = v;
	}
	block.frames = e->block_frames;
	block.data = e->block;
	block.mono_ns = e->start_mono_ns + e->frame * 1000000000ull / e->rate;
	block.realtime_ns = e->start_real_ns + e->frame * 1000000000ull / e->rate;
	if (e->host->emit(e->src, &block) == -EAGAIN)
		e->host->log(e->src, LOG_WARNING, "pipeline full: block dropped");
	e->frame += e->block_frames;
	if (arm(e) < 0)
		e->host->set_state(e->src, TS_SOURCE_FAILED, "cannot arm the block timer");
}

static int example_start(void *priv)
{
	struct example *e = priv;

	e->frame = 0;
	e->start_mono_ns = clock_ns(CLOCK_MONOTONIC);
	e->start_real_ns = clock_ns(CLOCK_REALTIME);
	e->host->set_state(e->src, TS_SOURCE_RUNNING, NULL);
	return arm(e);
}

static void example_stop(void *priv)
{
	struct example *e = priv;

	if (e->timer)
		e->host->cancel_timer(e->src, e->timer);
	e->timer = NULL;
}

static void example_close(void *priv)
{
	example_stop(priv);
	free(priv);
}

TS_PLUGIN_DESCRIPTOR = {
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(ts_plugin),
	.name = "example",
	.description = "signal generator: a sine with optional bursts",
	.open = example_open,
	.start = example_start,
	.stop = example_stop,
	.close = example_close,
};
