/* SPDX-License-Identifier: MIT */
/*
 * The alsa plugin's callbacks driven through a fake host, on alsa-lib's
 * real "null" PCM, with what the kernel would do injected at the alsa-lib
 * boundary by link-time wraps (-Wl,--wrap=NAME for each NAME listed in
 * plugins/alsa/test_wraps, one __wrap_NAME below each) and a fake clock
 * (clock_gettime is wrapped too: the plugin's timers and timestamps follow
 * it exactly).  Build: the plugin's sources, this file, -lasound, CMocka.
 *
 *   - Configuration: an undefined PCM name, a format the plugin does not
 *     read, a rate the device refuses (named with the rates it offers),
 *     PeriodMs= with PeriodFrames=; S32 stereo is declared as such; keys
 *     through the host's typed getters (plugins/testing/fake_host.c, the
 *     daemon's messages); a 1.0 host without them is refused.
 *   - The null PCM is always ready: it is read by the clock, a period per
 *     period, with contiguous timestamps and the samples readi returned.
 *   - Poll descriptors: data read on a wakeup, stamped from the device's
 *     timestamp; a wakeup with nothing to read switches to a period timer
 *     until data flows, then back to the descriptors.
 *   - -EPIPE is recovered and counted (DEGRADED, "N overruns"), as is a
 *     block the pipeline had no room for; RUNNING again after 10 s clean.
 *   - -ESTRPIPE: snd_pcm_resume retried on a timer while it says -EAGAIN.
 *   - -ENODEV: FAILED, the PCM closed, reopened after 0.5, 1, 2 ... 30 s;
 *     RUNNING and delivering again once it opens.
 *   - A device absent at open() is not a configuration error.
 *   - stop() leaves nothing pending; start() begins again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <alsa/asoundlib.h>
#include <tinysense/plugin.h>

#include "fake_host.h"

extern const ts_plugin ts_plugin_descriptor;

#define NS_PER_MS 1000000ull
#define REALTIME_OFFSET_NS 1700000000000000000ull

/* ---- the fake world ------------------------------------------------------------ */

static struct fake_host fh;

static struct {
	uint64_t now_ns;          /* the clock (clock_gettime is wrapped) */

	/* alsa-lib side */
	int readi_error;          /* returned once by snd_pcm_readi */
	unsigned readi_calls;
	int16_t next_sample;      /* what readi fills in, counting up */
	int open_error;           /* returned by snd_pcm_open while set */
	unsigned opens;
	long avail;               /* <0: the real answer */
	uint64_t stamp_ns;        /* snd_pcm_htimestamp's time while avail >= 0 */
	int resume_eagain;        /* snd_pcm_resume says -EAGAIN this many times */
	unsigned resumes;
	const unsigned *rates;    /* the rates the device takes (NULL: all) */
} fake;

#define SRC fake_host_src(&fh)

/* ---- wraps: the alsa-lib boundary and the clock ---------------------------------- */

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream, int mode);
int __real_snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream, int mode);
snd_pcm_sframes_t __wrap_snd_pcm_readi(snd_pcm_t *pcm, void *buf, snd_pcm_uframes_t size);
snd_pcm_sframes_t __real_snd_pcm_readi(snd_pcm_t *pcm, void *buf, snd_pcm_uframes_t size);
snd_pcm_sframes_t __wrap_snd_pcm_avail_update(snd_pcm_t *pcm);
snd_pcm_sframes_t __real_snd_pcm_avail_update(snd_pcm_t *pcm);
int __wrap_snd_pcm_htimestamp(snd_pcm_t *pcm, snd_pcm_uframes_t *avail, snd_htimestamp_t *ts);
int __real_snd_pcm_htimestamp(snd_pcm_t *pcm, snd_pcm_uframes_t *avail, snd_htimestamp_t *ts);
int __wrap_snd_pcm_resume(snd_pcm_t *pcm);
int __real_snd_pcm_resume(snd_pcm_t *pcm);
int __wrap_snd_pcm_hw_params_set_rate(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, unsigned rate,
				      int dir);
int __real_snd_pcm_hw_params_set_rate(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, unsigned rate,
				      int dir);
int __wrap_snd_pcm_hw_params_test_rate(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, unsigned rate,
				       int dir);
int __real_snd_pcm_hw_params_test_rate(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, unsigned rate,
				       int dir);

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
	const uint64_t t = fake.now_ns + (clock == CLOCK_REALTIME ? REALTIME_OFFSET_NS : 0);

	ts->tv_sec = (time_t)(t / 1000000000ull);
	ts->tv_nsec = (long)(t % 1000000000ull);
	return 0;
}

int __wrap_snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream, int mode)
{
	fake.opens++;
	assert_int_equal(stream, SND_PCM_STREAM_CAPTURE);
	assert_true(mode & SND_PCM_NONBLOCK);
	if (fake.open_error)
		return fake.open_error;
	return __real_snd_pcm_open(pcm, name, stream, mode);
}

snd_pcm_sframes_t __wrap_snd_pcm_readi(snd_pcm_t *pcm, void *buf, snd_pcm_uframes_t size)
{
	snd_pcm_sframes_t r;

	fake.readi_calls++;
	if (fake.readi_error) {
		r = fake.readi_error;
		fake.readi_error = 0;
		return r;
	}
	/* The real call checks the PCM's state (running, recovered ...). */
	r = __real_snd_pcm_readi(pcm, buf, size);
	for (snd_pcm_sframes_t i = 0; i < r; i++)
		((int16_t *)buf)[i] = fake.next_sample++;
	return r;
}

snd_pcm_sframes_t __wrap_snd_pcm_avail_update(snd_pcm_t *pcm)
{
	return fake.avail >= 0 ? fake.avail : __real_snd_pcm_avail_update(pcm);
}

int __wrap_snd_pcm_htimestamp(snd_pcm_t *pcm, snd_pcm_uframes_t *avail, snd_htimestamp_t *ts)
{
	if (fake.avail < 0)
		return __real_snd_pcm_htimestamp(pcm, avail, ts);
	*avail = (snd_pcm_uframes_t)fake.avail;
	ts->tv_sec = (time_t)(fake.stamp_ns / 1000000000ull);
	ts->tv_nsec = (long)(fake.stamp_ns % 1000000000ull);
	return 0;
}

int __wrap_snd_pcm_resume(snd_pcm_t *pcm)
{
	fake.resumes++;
	if (fake.resume_eagain > 0) {
		fake.resume_eagain--;
		return -EAGAIN;
	}
	return __real_snd_pcm_resume(pcm);
}

static bool rate_taken(unsigned rate)
{
	for (const unsigned *r = fake.rates; r && *r; r++)
		if (*r == rate)
			return true;
	return !fake.rates;
}

int __wrap_snd_pcm_hw_params_set_rate(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, unsigned rate,
				      int dir)
{
	return rate_taken(rate) ? __real_snd_pcm_hw_params_set_rate(pcm, hw, rate, dir) : -EINVAL;
}

int __wrap_snd_pcm_hw_params_test_rate(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, unsigned rate,
				       int dir)
{
	return rate_taken(rate) ? __real_snd_pcm_hw_params_test_rate(pcm, hw, rate, dir) : -EINVAL;
}

/* ---- helpers ---------------------------------------------------------------------- */

static uint64_t fake_now(void)
{
	return fake.now_ns;
}

static int reset(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.now_ns = 1000 * NS_PER_MS;
	fake.avail = -1;
	fake_host_reset(&fh, fake_now);
	return 0;
}

static int open_with(void **priv, const char *const *kv)
{
	fake_host_clear_keys(&fh);
	for (int n = 0; kv[2 * n]; n++)
		fake_host_key(&fh, kv[2 * n], kv[2 * n + 1]);
	return fake_host_open(&fh, &ts_plugin_descriptor, priv);
}

static unsigned armed_timers(void)
{
	return (unsigned)fake_host_active_timers(&fh);
}

static struct fake_timer *the_timer(void)
{
	assert_int_equal(armed_timers(), 1);
	return fake_host_next_timer(&fh, UINT64_MAX);
}

static unsigned active_watches(void)
{
	return (unsigned)fake_host_active_watches(&fh);
}

static struct fake_watch *a_watch(void)
{
	for (int i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		if (fh.watches[i].active)
			return &fh.watches[i];
	fail_msg("no watched descriptor");
	return NULL;
}

/* Runs the clock forward by ms, firing timers as they fall due. */
static void advance_ms(uint64_t ms)
{
	const uint64_t end = fake.now_ns + ms * NS_PER_MS;
	struct fake_timer *next;

	while ((next = fake_host_next_timer(&fh, end))) {
		if (next->due_ns > fake.now_ns)
			fake.now_ns = next->due_ns;
		fake_host_fire(&fh, next);
	}
	fake.now_ns = end;
}

/* Wakes the plugin on its descriptor. */
static void fire_fd(void)
{
	struct fake_watch *w = a_watch();

	w->cb(SRC, w->fd, TS_FD_READABLE, w->user);
}

static const char *const null_mic[] = { "Device", "null", "Rate", "16000", "Channels", "1",
					"PeriodMs", "20", "BufferPeriods", "4", NULL };

/* open() and start() on the null PCM, up to the first timer. */
static void *running(void)
{
	void *priv = NULL;

	assert_int_equal(open_with(&priv, null_mic), 0);
	assert_int_equal(ts_plugin_descriptor.start(priv), 0);
	/* start() only arms a timer: everything else happens on the loop. */
	assert_int_equal(the_timer()->usec, 0);
	advance_ms(0);
	return priv;
}

/* ---- configuration ------------------------------------------------------------------ */

static void test_unknown_device(void **state)
{
	static const char *const kv[] = { "Device", "nosuchmic", NULL };
	void *priv = NULL;

	(void)state;
	assert_int_equal(open_with(&priv, kv), -EINVAL);
	assert_string_equal(fh.error_key, "Device");
	assert_non_null(strstr(fh.error, "Unknown PCM nosuchmic"));
	assert_non_null(strstr(fh.error, "arecord -L"));
	assert_false(fh.format_set);
}

static void test_bad_format(void **state)
{
	static const char *const kv[] = { "Device", "null", "Format", "U8", NULL };
	void *priv = NULL;

	(void)state;
	assert_int_equal(open_with(&priv, kv), -EINVAL);
	assert_string_equal(fh.error_key, "Format");
	assert_string_equal(fh.error, "expected S16_LE or S32_LE");
	assert_int_equal(fake.opens, 0);
}

static void test_rate_refused(void **state)
{
	static const unsigned rates[] = { 8000, 16000, 48000, 0 };
	static const char *const kv[] = { "Device", "null", "Rate", "44100", NULL };
	void *priv = NULL;

	(void)state;
	fake.rates = rates;
	assert_int_equal(open_with(&priv, kv), -EINVAL);
	assert_string_equal(fh.error_key, "Rate");
	assert_string_equal(fh.error, "the device offers 8000, 16000, 48000 Hz");
}

static void test_period_keys(void **state)
{
	static const char *const both[] = { "Device", "null", "PeriodMs", "10", "PeriodFrames",
					    "160", NULL };
	static const char *const zero[] = { "Device", "null", "Rate", "50", "PeriodMs", "10",
					    NULL };
	void *priv = NULL;

	(void)state;
	assert_int_equal(open_with(&priv, both), -EINVAL);
	assert_string_equal(fh.error_key, "PeriodFrames");
	assert_int_equal(open_with(&priv, zero), -EINVAL);
	assert_string_equal(fh.error_key, "PeriodMs");
}

static void test_s32_stereo(void **state)
{
	static const char *const kv[] = { "Device", "null", "Format", "S32_LE", "Channels", "2",
					  "Rate", "48000", "PeriodFrames", "480", NULL };
	void *priv = NULL;

	(void)state;
	assert_int_equal(open_with(&priv, kv), 0);
	assert_true(fh.format_set);
	assert_int_equal(fh.format.format, TS_SAMPLE_S32);
	assert_int_equal(fh.format.rate_hz, 48000);
	assert_int_equal(fh.format.channels, 2);
	assert_string_equal(fh.channel_names[0], "left");
	assert_string_equal(fh.channel_names[1], "right");
	assert_null(fake_host_unclaimed(&fh));
	ts_plugin_descriptor.close(priv);
}

/* The keys go through the host's typed getters: the daemon's syntax and
 * messages; a 1.0 host, which has none, is refused. */
static void test_getters_and_old_host(void **state)
{
	static const char *const bad_rate[] = { "Device", "null", "Rate", "16k", NULL };
	static const char *const low[] = { "Device", "null", "Format", "s32_le", "BufferPeriods",
					   "1", NULL };
	static const char *const lower_case[] = { "Device", "null", "Format", "s32_le", NULL };
	void *priv = NULL;

	(void)state;
	assert_int_equal(open_with(&priv, bad_rate), -EINVAL);
	assert_string_equal(fh.error_key, "Rate");
	assert_string_equal(fh.error, "expected a whole number in 1..768000");
	assert_int_equal(open_with(&priv, low), -EINVAL);
	assert_string_equal(fh.error_key, "BufferPeriods");
	assert_string_equal(fh.error, "expected a whole number in 2..64");
	assert_int_equal(fake.opens, 0);
	assert_int_equal(open_with(&priv, lower_case), 0);
	assert_int_equal(fh.format.format, TS_SAMPLE_S32);
	ts_plugin_descriptor.close(priv);
	fh.format_set = false;
	assert_int_equal(ts_plugin_descriptor.open(SRC, &fake_host_table_1_0, &priv), -EPROTO);
	assert_non_null(strstr(fh.last_log, "plugin ABI 1.1"));
	assert_false(fh.format_set);
}

/* Absent at open(): declared anyway, FAILED on the loop, retried. */
static void test_absent_at_open(void **state)
{
	void *priv = NULL;

	(void)state;
	fake.open_error = -ENODEV;
	assert_int_equal(open_with(&priv, null_mic), 0);
	assert_true(fh.format_set);
	assert_int_equal(fh.format.rate_hz, 16000);
	assert_non_null(strstr(fh.last_log, "capture starts when it opens"));
	assert_int_equal(ts_plugin_descriptor.start(priv), 0);
	advance_ms(0);
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_string_equal(fh.state_error, "Device=null: ALSA cannot open it: No such device; retrying");
	assert_int_equal(the_timer()->usec, 500000);
	fake.open_error = 0;
	advance_ms(500);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_string_equal(fh.state_error, "");
	advance_ms(100);
	assert_int_equal(fh.frames, 1600);
	ts_plugin_descriptor.close(priv);
}

/* ---- capture -------------------------------------------------------------------------- */

/* The null PCM is always ready: read by the clock, a period per period. */
static void test_paced(void **state)
{
	void *priv;
	uint64_t start;

	(void)state;
	priv = running();
	start = fake.now_ns;
	assert_int_equal(active_watches(), 0);
	assert_int_equal(the_timer()->usec, 20000);
	advance_ms(19);
	assert_int_equal(fh.emits, 0);
	advance_ms(1);
	assert_int_equal(fh.emits, 1);
	assert_int_equal(fh.last.frames, 320);
	assert_int_equal(fh.last.mono, start);
	assert_int_equal(fh.last.real, start + REALTIME_OFFSET_NS);
	assert_int_equal(fh.last.v[0], 0);
	advance_ms(980);
	assert_int_equal(fh.frames, 16000);
	assert_int_equal(fh.emits, 50);
	assert_int_equal(fh.last.mono, start + 980 * NS_PER_MS);
	assert_int_equal(fh.last.v[0], 49 * 320);
	/* A late timer: everything due is read at once. */
	the_timer()->due_ns += 75 * NS_PER_MS;
	advance_ms(100);
	assert_int_equal(fh.frames, 16000 + 5 * 320);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_int_equal(fh.state_calls, 0);
	ts_plugin_descriptor.close(priv);
}

static void test_overrun(void **state)
{
	void *priv;

	(void)state;
	priv = running();
	advance_ms(100);
	assert_int_equal(fh.frames, 1600);
	fake.readi_error = -EPIPE;
	advance_ms(20);
	assert_int_equal(fh.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fh.state_error, "1 overrun");
	/* Recovered (prepared and started again): reads go on. */
	advance_ms(40);
	assert_true(fh.frames >= 1600 + 2 * 320);
	assert_int_equal(armed_timers(), 1);
	/* A block the pipeline has no room for counts too. */
	advance_ms(2000);
	fh.emit_result = -EAGAIN;
	advance_ms(20);
	fh.emit_result = 0;
	assert_int_equal(fh.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fh.state_error, "2 overruns");
	/* Ten seconds without one: running again. */
	advance_ms(9900);
	assert_int_equal(fh.state, TS_SOURCE_DEGRADED);
	advance_ms(200);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_string_equal(fh.state_error, "");
	ts_plugin_descriptor.close(priv);
}

static void test_overruns_reported_once_a_second(void **state)
{
	void *priv;
	unsigned calls;

	(void)state;
	priv = running();
	for (int i = 0; i < 10; i++) {
		fake.readi_error = -EPIPE;
		advance_ms(20);
	}
	assert_string_equal(fh.state_error, "1 overrun");
	calls = fh.state_calls;
	advance_ms(1000);
	assert_string_equal(fh.state_error, "10 overruns");
	assert_int_equal(fh.state_calls, calls + 1);
	ts_plugin_descriptor.close(priv);
}

static void test_suspend(void **state)
{
	void *priv;
	uint64_t frames;

	(void)state;
	priv = running();
	advance_ms(20);
	fake.readi_error = -ESTRPIPE;
	fake.resume_eagain = 2;
	advance_ms(20);
	assert_int_equal(fh.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fh.state_error, "0 overruns, 1 suspend");
	/* Still suspended: nothing but a resume timer. */
	assert_int_equal(the_timer()->usec, 100000);
	frames = fh.frames;
	advance_ms(100);
	assert_int_equal(fake.resumes, 2);
	assert_int_equal(fh.frames, frames);
	advance_ms(100);
	assert_int_equal(fake.resumes, 3);
	advance_ms(100);
	assert_true(fh.frames > frames);
	ts_plugin_descriptor.close(priv);
}

static void test_enodev_and_back(void **state)
{
	static const uint64_t delays_ms[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
	void *priv;
	unsigned opens;

	(void)state;
	priv = running();
	advance_ms(100);
	fake.readi_error = -ENODEV;
	fake.open_error = -ENODEV;
	advance_ms(20);
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_string_equal(fh.state_error, "Device=null: No such device (snd_pcm_readi); reopening");
	assert_int_equal(active_watches(), 0);
	opens = fake.opens;
	for (size_t i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
		assert_int_equal(the_timer()->usec, delays_ms[i] * 1000);
		advance_ms(delays_ms[i] - 1);
		assert_int_equal(fake.opens, opens + i);
		advance_ms(1);
		assert_int_equal(fake.opens, opens + i + 1);
		assert_int_equal(fh.state, TS_SOURCE_FAILED);
		assert_string_equal(fh.state_error,
				    "Device=null: ALSA cannot open it: No such device; retrying");
	}
	/* Plugged in again. */
	fake.open_error = 0;
	fh.emits = 0;
	advance_ms(30000);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_string_equal(fh.state_error, "");
	advance_ms(100);
	assert_int_equal(fh.emits, 5);
	/* The backoff starts over. */
	fake.readi_error = -EIO;
	advance_ms(20);
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_int_equal(the_timer()->usec, 500000);
	ts_plugin_descriptor.close(priv);
}

/* A PCM paced by hardware: woken by its descriptors. */
static void test_poll_and_fallback(void **state)
{
	void *priv;
	uint64_t now;

	(void)state;
	fake.avail = 0; /* nothing yet right after start */
	priv = running();
	assert_int_equal(armed_timers(), 0);
	assert_true(active_watches() >= 1);
	assert_true(a_watch()->events & TS_FD_READABLE);

	/* A period, stamped 5 ms ago by the device. */
	fake.avail = 320;
	fake.stamp_ns = fake.now_ns - 5 * NS_PER_MS;
	fire_fd();
	assert_int_equal(fh.emits, 1);
	assert_int_equal(fh.last.frames, 320);
	assert_int_equal(fh.last.mono, fake.stamp_ns - 20 * NS_PER_MS);
	assert_int_equal(fh.last.real, fh.last.mono + REALTIME_OFFSET_NS);
	assert_true(active_watches() >= 1);
	assert_int_equal(armed_timers(), 0);

	/* More than the buffer: one buffer, the oldest frames first. */
	fake.avail = 5000;
	fake.stamp_ns = fake.now_ns;
	fire_fd();
	assert_int_equal(fh.last.frames, 1280);
	assert_int_equal(fh.last.mono, fake.now_ns - 5000 * NS_PER_MS / 16);

	/* Ready with nothing to read: a period timer, not a spin. */
	fake.avail = 0;
	fire_fd();
	assert_int_equal(active_watches(), 0);
	assert_int_equal(the_timer()->usec, 20000);
	advance_ms(20);
	assert_int_equal(active_watches(), 0);
	assert_int_equal(the_timer()->usec, 20000);
	/* Data flows: back to the descriptors. */
	fake.avail = 320;
	now = fake.now_ns;
	fake.stamp_ns = now + 20 * NS_PER_MS;
	advance_ms(20);
	assert_int_equal(fh.emits, 3);
	assert_int_equal(fh.last.mono, now);
	assert_true(active_watches() >= 1);
	assert_int_equal(armed_timers(), 0);

	/* An overrun on a wakeup: recovered, the descriptors stay. */
	fake.readi_error = -EPIPE;
	fire_fd();
	assert_int_equal(fh.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fh.state_error, "1 overrun");
	assert_true(active_watches() >= 1);

	/* Unplugged: everything closed, a reopen timer. */
	fake.readi_error = -ENODEV;
	fire_fd();
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_int_equal(active_watches(), 0);
	assert_int_equal(the_timer()->usec, 500000);
	ts_plugin_descriptor.close(priv);
}

static void test_stop_start(void **state)
{
	void *priv;

	(void)state;
	priv = running();
	advance_ms(100);
	ts_plugin_descriptor.stop(priv);
	assert_int_equal(armed_timers(), 0);
	assert_int_equal(active_watches(), 0);
	advance_ms(1000);
	assert_int_equal(fh.frames, 1600);
	assert_int_equal(ts_plugin_descriptor.start(priv), 0);
	advance_ms(100);
	assert_int_equal(fh.frames, 3200);
	/* stop() while waiting to reopen cancels that too. */
	fake.readi_error = -ENODEV;
	fake.open_error = -ENODEV;
	advance_ms(20);
	assert_int_equal(armed_timers(), 1);
	ts_plugin_descriptor.stop(priv);
	assert_int_equal(armed_timers(), 0);
	ts_plugin_descriptor.close(priv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unknown_device, reset),
		cmocka_unit_test_setup(test_bad_format, reset),
		cmocka_unit_test_setup(test_rate_refused, reset),
		cmocka_unit_test_setup(test_period_keys, reset),
		cmocka_unit_test_setup(test_s32_stereo, reset),
		cmocka_unit_test_setup(test_getters_and_old_host, reset),
		cmocka_unit_test_setup(test_absent_at_open, reset),
		cmocka_unit_test_setup(test_paced, reset),
		cmocka_unit_test_setup(test_overrun, reset),
		cmocka_unit_test_setup(test_overruns_reported_once_a_second, reset),
		cmocka_unit_test_setup(test_suspend, reset),
		cmocka_unit_test_setup(test_enodev_and_back, reset),
		cmocka_unit_test_setup(test_poll_and_fallback, reset),
		cmocka_unit_test_setup(test_stop_start, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
