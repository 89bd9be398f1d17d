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
 *     PeriodMs= with PeriodFrames=; S32 stereo is declared as such.
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

extern const ts_plugin ts_plugin_descriptor;

#define NS_PER_MS 1000000ull
#define REALTIME_OFFSET_NS 1700000000000000000ull
#define MAX_EVENTS 16

/* ---- the fake world ------------------------------------------------------------ */

struct fake_timer {
	bool armed;
	uint64_t due_ns;
	uint64_t usec;
	ts_timer_callback cb;
	void *user;
};

struct fake_watch {
	bool active;
	int fd;
	uint32_t events;
	ts_fd_callback cb;
	void *user;
};

static struct {
	/* host side */
	const char *keys[16][2];
	bool claimed[16];
	char config_key[32];
	char config_error[512];
	ts_stream_format format;
	char channel_names[4][16];
	bool format_set;
	unsigned emits;
	uint64_t frames;
	uint32_t last_frames;
	uint64_t last_mono, last_real, first_mono;
	int16_t last_first_sample;
	int emit_result;
	ts_source_state state;
	char error[512];
	unsigned state_calls;
	char last_log[512];
	struct fake_timer timers[MAX_EVENTS];
	struct fake_watch watches[MAX_EVENTS];
	uint64_t now_ns;

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

static ts_source *const SRC = (ts_source *)&fake;

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

/* ---- the fake host ---------------------------------------------------------------- */

static const char *host_config_get(ts_source *src, const char *key)
{
	assert_ptr_equal(src, SRC);
	for (int i = 0; i < 16 && fake.keys[i][0]; i++)
		if (!strcmp(fake.keys[i][0], key)) {
			fake.claimed[i] = true;
			return fake.keys[i][1];
		}
	return NULL;
}

__attribute__((format(printf, 3, 4)))
static int host_config_error(ts_source *src, const char *key, const char *fmt, ...)
{
	va_list ap;

	assert_ptr_equal(src, SRC);
	snprintf(fake.config_key, sizeof(fake.config_key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(fake.config_error, sizeof(fake.config_error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int host_set_format(ts_source *src, const ts_stream_format *f)
{
	assert_ptr_equal(src, SRC);
	assert_int_equal(f->struct_size, sizeof(*f));
	fake.format = *f;
	for (unsigned c = 0; c < f->channels && c < 4; c++)
		snprintf(fake.channel_names[c], sizeof(fake.channel_names[c]), "%s",
			 f->channel[c].name);
	fake.format_set = true;
	return 0;
}

static int host_emit(ts_source *src, const ts_sample_block *b)
{
	assert_ptr_equal(src, SRC);
	assert_int_equal(b->struct_size, sizeof(*b));
	assert_true(b->frames > 0);
	if (fake.emit_result)
		return fake.emit_result;
	if (!fake.emits)
		fake.first_mono = b->mono_ns;
	fake.emits++;
	fake.frames += b->frames;
	fake.last_frames = b->frames;
	fake.last_mono = b->mono_ns;
	fake.last_real = b->realtime_ns;
	fake.last_first_sample = ((const int16_t *)b->data)[0];
	return 0;
}

static void host_end_of_stream(ts_source *src)
{
	(void)src;
	fail_msg("a capture device never ends");
}

static int host_watch_fd(ts_source *src, int fd, uint32_t events, ts_fd_callback cb, void *user,
			 void **handle)
{
	assert_ptr_equal(src, SRC);
	assert_true(fd >= 0);
	for (int i = 0; i < MAX_EVENTS; i++)
		if (!fake.watches[i].active) {
			fake.watches[i] = (struct fake_watch){ true, fd, events, cb, user };
			*handle = &fake.watches[i];
			return 0;
		}
	return -ENOMEM;
}

static void host_unwatch_fd(ts_source *src, void *handle)
{
	struct fake_watch *w = handle;

	assert_ptr_equal(src, SRC);
	assert_true(w->active);
	w->active = false;
}

static int host_add_timer(ts_source *src, uint64_t usec, ts_timer_callback cb, void *user,
			  void **handle)
{
	assert_ptr_equal(src, SRC);
	for (int i = 0; i < MAX_EVENTS; i++)
		if (!fake.timers[i].armed) {
			fake.timers[i] = (struct fake_timer){ true, fake.now_ns + usec * 1000, usec,
							      cb, user };
			*handle = &fake.timers[i];
			return 0;
		}
	return -ENOMEM;
}

static void host_cancel_timer(ts_source *src, void *handle)
{
	struct fake_timer *t = handle;

	assert_ptr_equal(src, SRC);
	assert_true(t->armed);
	t->armed = false;
}

__attribute__((format(printf, 3, 4)))
static void host_log(ts_source *src, int priority, const char *fmt, ...)
{
	va_list ap;

	(void)src;
	(void)priority;
	va_start(ap, fmt);
	vsnprintf(fake.last_log, sizeof(fake.last_log), fmt, ap);
	va_end(ap);
}

static void host_set_state(ts_source *src, ts_source_state state, const char *error)
{
	assert_ptr_equal(src, SRC);
	fake.state = state;
	snprintf(fake.error, sizeof(fake.error), "%s", error ? error : "");
	fake.state_calls++;
}

static const ts_plugin_host host = {
	.struct_size = sizeof(ts_plugin_host),
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.config_get = host_config_get,
	.config_error = host_config_error,
	.set_format = host_set_format,
	.emit = host_emit,
	.end_of_stream = host_end_of_stream,
	.watch_fd = host_watch_fd,
	.unwatch_fd = host_unwatch_fd,
	.add_timer = host_add_timer,
	.cancel_timer = host_cancel_timer,
	.log = host_log,
	.set_state = host_set_state,
};

/* ---- helpers ---------------------------------------------------------------------- */

static int reset(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.now_ns = 1000 * NS_PER_MS;
	fake.avail = -1;
	fake.state = TS_SOURCE_RUNNING;
	return 0;
}

static void set_keys(const char *const *kv)
{
	int n = 0;

	for (; kv[2 * n]; n++) {
		fake.keys[n][0] = kv[2 * n];
		fake.keys[n][1] = kv[2 * n + 1];
	}
}

static int open_with(void **priv, const char *const *kv)
{
	set_keys(kv);
	return ts_plugin_descriptor.open(SRC, &host, priv);
}

static unsigned armed_timers(void)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_EVENTS; i++)
		n += fake.timers[i].armed;
	return n;
}

static struct fake_timer *the_timer(void)
{
	assert_int_equal(armed_timers(), 1);
	for (int i = 0; i < MAX_EVENTS; i++)
		if (fake.timers[i].armed)
			return &fake.timers[i];
	return NULL;
}

static unsigned active_watches(void)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_EVENTS; i++)
		n += fake.watches[i].active;
	return n;
}

static struct fake_watch *a_watch(void)
{
	for (int i = 0; i < MAX_EVENTS; i++)
		if (fake.watches[i].active)
			return &fake.watches[i];
	fail_msg("no watched descriptor");
	return NULL;
}

/* Runs the clock forward by ms, firing timers as they fall due. */
static void advance_ms(uint64_t ms)
{
	const uint64_t end = fake.now_ns + ms * NS_PER_MS;

	for (;;) {
		struct fake_timer *next = NULL;

		for (int i = 0; i < MAX_EVENTS; i++)
			if (fake.timers[i].armed && fake.timers[i].due_ns <= end &&
			    (!next || fake.timers[i].due_ns < next->due_ns))
				next = &fake.timers[i];
		if (!next)
			break;
		if (next->due_ns > fake.now_ns)
			fake.now_ns = next->due_ns;
		next->armed = false; /* one-shot: the handle ends with the call */
		next->cb(SRC, next->user);
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
	assert_string_equal(fake.config_key, "Device");
	assert_non_null(strstr(fake.config_error, "Unknown PCM nosuchmic"));
	assert_non_null(strstr(fake.config_error, "arecord -L"));
	assert_false(fake.format_set);
}

static void test_bad_format(void **state)
{
	static const char *const kv[] = { "Device", "null", "Format", "U8", NULL };
	void *priv = NULL;

	(void)state;
	assert_int_equal(open_with(&priv, kv), -EINVAL);
	assert_string_equal(fake.config_key, "Format");
	assert_string_equal(fake.config_error, "expected S16_LE or S32_LE");
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
	assert_string_equal(fake.config_key, "Rate");
	assert_string_equal(fake.config_error, "the device offers 8000, 16000, 48000 Hz");
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
	assert_string_equal(fake.config_key, "PeriodFrames");
	assert_int_equal(open_with(&priv, zero), -EINVAL);
	assert_string_equal(fake.config_key, "PeriodMs");
}

static void test_s32_stereo(void **state)
{
	static const char *const kv[] = { "Device", "null", "Format", "S32_LE", "Channels", "2",
					  "Rate", "48000", "PeriodFrames", "480", NULL };
	void *priv = NULL;

	(void)state;
	assert_int_equal(open_with(&priv, kv), 0);
	assert_true(fake.format_set);
	assert_int_equal(fake.format.format, TS_SAMPLE_S32);
	assert_int_equal(fake.format.rate_hz, 48000);
	assert_int_equal(fake.format.channels, 2);
	assert_string_equal(fake.channel_names[0], "left");
	assert_string_equal(fake.channel_names[1], "right");
	for (int i = 0; fake.keys[i][0]; i++)
		assert_true(fake.claimed[i]);
	ts_plugin_descriptor.close(priv);
}

/* Absent at open(): declared anyway, FAILED on the loop, retried. */
static void test_absent_at_open(void **state)
{
	void *priv = NULL;

	(void)state;
	fake.open_error = -ENODEV;
	assert_int_equal(open_with(&priv, null_mic), 0);
	assert_true(fake.format_set);
	assert_int_equal(fake.format.rate_hz, 16000);
	assert_non_null(strstr(fake.last_log, "capture starts when it opens"));
	assert_int_equal(ts_plugin_descriptor.start(priv), 0);
	advance_ms(0);
	assert_int_equal(fake.state, TS_SOURCE_FAILED);
	assert_string_equal(fake.error, "Device=null: ALSA cannot open it: No such device; retrying");
	assert_int_equal(the_timer()->usec, 500000);
	fake.open_error = 0;
	advance_ms(500);
	assert_int_equal(fake.state, TS_SOURCE_RUNNING);
	assert_string_equal(fake.error, "");
	advance_ms(100);
	assert_int_equal(fake.frames, 1600);
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
	assert_int_equal(fake.emits, 0);
	advance_ms(1);
	assert_int_equal(fake.emits, 1);
	assert_int_equal(fake.last_frames, 320);
	assert_int_equal(fake.last_mono, start);
	assert_int_equal(fake.last_real, start + REALTIME_OFFSET_NS);
	assert_int_equal(fake.last_first_sample, 0);
	advance_ms(980);
	assert_int_equal(fake.frames, 16000);
	assert_int_equal(fake.emits, 50);
	assert_int_equal(fake.last_mono, start + 980 * NS_PER_MS);
	assert_int_equal(fake.last_first_sample, 49 * 320);
	/* A late timer: everything due is read at once. */
	the_timer()->due_ns += 75 * NS_PER_MS;
	advance_ms(100);
	assert_int_equal(fake.frames, 16000 + 5 * 320);
	assert_int_equal(fake.state, TS_SOURCE_RUNNING);
	assert_int_equal(fake.state_calls, 0);
	ts_plugin_descriptor.close(priv);
}

static void test_overrun(void **state)
{
	void *priv;

	(void)state;
	priv = running();
	advance_ms(100);
	assert_int_equal(fake.frames, 1600);
	fake.readi_error = -EPIPE;
	advance_ms(20);
	assert_int_equal(fake.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fake.error, "1 overrun");
	/* Recovered (prepared and started again): reads go on. */
	advance_ms(40);
	assert_true(fake.frames >= 1600 + 2 * 320);
	assert_int_equal(armed_timers(), 1);
	/* A block the pipeline has no room for counts too. */
	advance_ms(2000);
	fake.emit_result = -EAGAIN;
	advance_ms(20);
	fake.emit_result = 0;
	assert_int_equal(fake.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fake.error, "2 overruns");
	/* Ten seconds without one: running again. */
	advance_ms(9900);
	assert_int_equal(fake.state, TS_SOURCE_DEGRADED);
	advance_ms(200);
	assert_int_equal(fake.state, TS_SOURCE_RUNNING);
	assert_string_equal(fake.error, "");
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
	assert_string_equal(fake.error, "1 overrun");
	calls = fake.state_calls;
	advance_ms(1000);
	assert_string_equal(fake.error, "10 overruns");
	assert_int_equal(fake.state_calls, calls + 1);
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
	assert_int_equal(fake.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fake.error, "0 overruns, 1 suspend");
	/* Still suspended: nothing but a resume timer. */
	assert_int_equal(the_timer()->usec, 100000);
	frames = fake.frames;
	advance_ms(100);
	assert_int_equal(fake.resumes, 2);
	assert_int_equal(fake.frames, frames);
	advance_ms(100);
	assert_int_equal(fake.resumes, 3);
	advance_ms(100);
	assert_true(fake.frames > frames);
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
	assert_int_equal(fake.state, TS_SOURCE_FAILED);
	assert_string_equal(fake.error, "Device=null: No such device (snd_pcm_readi); reopening");
	assert_int_equal(active_watches(), 0);
	opens = fake.opens;
	for (size_t i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
		assert_int_equal(the_timer()->usec, delays_ms[i] * 1000);
		advance_ms(delays_ms[i] - 1);
		assert_int_equal(fake.opens, opens + i);
		advance_ms(1);
		assert_int_equal(fake.opens, opens + i + 1);
		assert_int_equal(fake.state, TS_SOURCE_FAILED);
		assert_string_equal(fake.error,
				    "Device=null: ALSA cannot open it: No such device; retrying");
	}
	/* Plugged in again. */
	fake.open_error = 0;
	fake.emits = 0;
	advance_ms(30000);
	assert_int_equal(fake.state, TS_SOURCE_RUNNING);
	assert_string_equal(fake.error, "");
	advance_ms(100);
	assert_int_equal(fake.emits, 5);
	/* The backoff starts over. */
	fake.readi_error = -EIO;
	advance_ms(20);
	assert_int_equal(fake.state, TS_SOURCE_FAILED);
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
	assert_int_equal(fake.emits, 1);
	assert_int_equal(fake.last_frames, 320);
	assert_int_equal(fake.last_mono, fake.stamp_ns - 20 * NS_PER_MS);
	assert_int_equal(fake.last_real, fake.last_mono + REALTIME_OFFSET_NS);
	assert_true(active_watches() >= 1);
	assert_int_equal(armed_timers(), 0);

	/* More than the buffer: one buffer, the oldest frames first. */
	fake.avail = 5000;
	fake.stamp_ns = fake.now_ns;
	fire_fd();
	assert_int_equal(fake.last_frames, 1280);
	assert_int_equal(fake.last_mono, fake.now_ns - 5000 * NS_PER_MS / 16);

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
	assert_int_equal(fake.emits, 3);
	assert_int_equal(fake.last_mono, now);
	assert_true(active_watches() >= 1);
	assert_int_equal(armed_timers(), 0);

	/* An overrun on a wakeup: recovered, the descriptors stay. */
	fake.readi_error = -EPIPE;
	fire_fd();
	assert_int_equal(fake.state, TS_SOURCE_DEGRADED);
	assert_string_equal(fake.error, "1 overrun");
	assert_true(active_watches() >= 1);

	/* Unplugged: everything closed, a reopen timer. */
	fake.readi_error = -ENODEV;
	fire_fd();
	assert_int_equal(fake.state, TS_SOURCE_FAILED);
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
	assert_int_equal(fake.frames, 1600);
	assert_int_equal(ts_plugin_descriptor.start(priv), 0);
	advance_ms(100);
	assert_int_equal(fake.frames, 3200);
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
