/* SPDX-License-Identifier: MIT */
/*
 * Opening and configuring a capture PCM (alsa_pcm.h).  When the device
 * refuses a parameter, the message says what it offers instead, as
 * alsa-lib reports it for the parameters already fixed (the rates offered
 * for the chosen format and channels, say).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alsa_pcm.h"

/* What alsa-lib printed last on this thread while alsa_pcm_open() ran. */
static _Thread_local char alsa_said[256];

static void keep_message(const char *file, int line, const char *func, int err,
			 const char *fmt, va_list ap)
{
	(void)file;
	(void)line;
	(void)func;
	(void)err;
	vsnprintf(alsa_said, sizeof(alsa_said), fmt, ap);
}

__attribute__((format(printf, 5, 6)))
static int problem(struct alsa_problem *p, const char *key, const char *value, int err,
		   const char *fmt, ...)
{
	va_list ap;

	p->key = key;
	snprintf(p->value, sizeof(p->value), "%s", value);
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EINVAL;
}

/* Whether the configuration defines pcm.NAME for NAME[:ARGS]. */
static bool pcm_defined(const char *device)
{
	snd_config_t *top, *pcms, *node;
	char base[256];
	const size_t n = strcspn(device, ":");
	bool found;

	if (n >= sizeof(base))
		return false;
	memcpy(base, device, n);
	base[n] = '\0';
	if (snd_config_update_ref(&top) < 0)
		return true; /* cannot tell: not the name's fault */
	found = snd_config_search(top, "pcm", &pcms) >= 0 &&
		snd_config_search(pcms, base, &node) >= 0;
	snd_config_unref(top);
	return found;
}

int alsa_pcm_open(const char *device, snd_pcm_t **pcm, struct alsa_problem *p, bool *unknown)
{
	snd_local_error_handler_t old;
	int r;

	alsa_said[0] = '\0';
	old = snd_lib_error_set_local(keep_message);
	r = snd_pcm_open(pcm, device, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
	snd_lib_error_set_local(old);
	*unknown = false;
	if (r >= 0)
		return 0;
	*pcm = NULL;
	*unknown = r == -EINVAL || !pcm_defined(device);
	if (alsa_said[0])
		return problem(p, "Device", device, r, "ALSA cannot open it: %s (%s)", alsa_said,
			       snd_strerror(r));
	return problem(p, "Device", device, r, "ALSA cannot open it: %s", snd_strerror(r));
}

/* Appends to buf what fits. */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t size, const char *fmt, ...)
{
	const size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static int refuse_format(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, const struct alsa_settings *s,
			 struct alsa_problem *p, int err)
{
	char list[256] = "";

	for (int f = 0; f <= SND_PCM_FORMAT_LAST; f++)
		if (snd_pcm_format_name((snd_pcm_format_t)f) &&
		    snd_pcm_hw_params_test_format(pcm, hw, (snd_pcm_format_t)f) == 0)
			append(list, sizeof(list), "%s%s", list[0] ? ", " : "",
			       snd_pcm_format_name((snd_pcm_format_t)f));
	return problem(p, "Format", snd_pcm_format_name(s->format), err,
		       "the device offers %s (the plugin reads S16_LE or S32_LE)",
		       list[0] ? list : "no format");
}

static int refuse_channels(const snd_pcm_hw_params_t *hw, const struct alsa_settings *s,
			   struct alsa_problem *p, int err)
{
	unsigned min = 0, max = 0;
	char value[16];

	snprintf(value, sizeof(value), "%u", s->channels);
	snd_pcm_hw_params_get_channels_min(hw, &min);
	snd_pcm_hw_params_get_channels_max(hw, &max);
	if (min == max)
		return problem(p, "Channels", value, err, "the device offers %u channel%s", min,
			       min == 1 ? "" : "s");
	return problem(p, "Channels", value, err, "the device offers %u..%u channels", min, max);
}

/* The usual rates the device takes, or its range when it takes them all. */
static int refuse_rate(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, const struct alsa_settings *s,
		       struct alsa_problem *p, int err)
{
	static const unsigned usual[] = { 8000,  11025, 16000,  22050,  32000,  44100,
					  48000, 88200, 96000, 176400, 192000, 384000 };
	unsigned min = 0, max = 0, in_range = 0, offered = 0;
	char list[160] = "", value[16];
	int dir = 0;

	snprintf(value, sizeof(value), "%u", s->rate);
	snd_pcm_hw_params_get_rate_min(hw, &min, &dir);
	snd_pcm_hw_params_get_rate_max(hw, &max, &dir);
	for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]); i++) {
		if (usual[i] < min || usual[i] > max)
			continue;
		in_range++;
		if (snd_pcm_hw_params_test_rate(pcm, hw, usual[i], 0) == 0) {
			append(list, sizeof(list), "%s%u", list[0] ? ", " : "", usual[i]);
			offered++;
		}
	}
	if (!offered || (offered == in_range && min < max && offered > 1))
		return problem(p, "Rate", value, err, "the device offers %u..%u Hz", min, max);
	return problem(p, "Rate", value, err, "the device offers %s Hz", list);
}

static int refuse_period(const snd_pcm_hw_params_t *hw, const struct alsa_settings *s,
			 struct alsa_problem *p, int err)
{
	snd_pcm_uframes_t min = 0, max = 0;
	char value[16];
	int dir = 0;

	snprintf(value, sizeof(value), "%u", s->period_value);
	snd_pcm_hw_params_get_period_size_min(hw, &min, &dir);
	snd_pcm_hw_params_get_period_size_max(hw, &max, &dir);
	return problem(p, s->period_key, value, err,
		       "%u frames: the device offers periods of %lu..%lu frames",
		       s->period_frames, (unsigned long)min, (unsigned long)max);
}

static int refuse_buffer(const snd_pcm_hw_params_t *hw, const struct alsa_settings *s,
			 snd_pcm_uframes_t period, struct alsa_problem *p, int err)
{
	snd_pcm_uframes_t min = 0, max = 0;
	char value[16];

	snprintf(value, sizeof(value), "%u", s->buffer_periods);
	snd_pcm_hw_params_get_buffer_size_min(hw, &min);
	snd_pcm_hw_params_get_buffer_size_max(hw, &max);
	return problem(p, "BufferPeriods", value, err,
		       "%lu frames: the device offers buffers of %lu..%lu frames",
		       (unsigned long)(period * s->buffer_periods), (unsigned long)min,
		       (unsigned long)max);
}

static int set_hw(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw, const struct alsa_settings *s,
		  struct alsa_params *out, struct alsa_problem *p)
{
	snd_pcm_uframes_t period = s->period_frames, buffer;
	int dir = 0, r;

	r = snd_pcm_hw_params_any(pcm, hw);
	if (r < 0)
		return problem(p, "Device", s->device, r, "cannot read its parameters: %s",
			       snd_strerror(r));
	r = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
	if (r < 0)
		return problem(p, "Device", s->device, r,
			       "offers no interleaved read access (%s): try plug:%s",
			       snd_strerror(r), s->device);
	r = snd_pcm_hw_params_set_format(pcm, hw, s->format);
	if (r < 0)
		return refuse_format(pcm, hw, s, p, r);
	r = snd_pcm_hw_params_set_channels(pcm, hw, s->channels);
	if (r < 0)
		return refuse_channels(hw, s, p, r);
	r = snd_pcm_hw_params_set_rate(pcm, hw, s->rate, 0);
	if (r < 0)
		return refuse_rate(pcm, hw, s, p, r);
	r = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir);
	if (r < 0)
		return refuse_period(hw, s, p, r);
	buffer = period * s->buffer_periods;
	r = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer);
	if (r < 0)
		return refuse_buffer(hw, s, period, p, r);
	r = snd_pcm_hw_params(pcm, hw);
	if (r < 0)
		return problem(p, "Device", s->device, r, "refuses these parameters: %s",
			       snd_strerror(r));
	snd_pcm_hw_params_get_period_size(hw, &out->period, &dir);
	snd_pcm_hw_params_get_buffer_size(hw, &out->buffer);
	if (!out->period || out->buffer < out->period)
		return problem(p, "Device", s->device, -EINVAL,
			       "gave a period of %lu frames in a buffer of %lu",
			       (unsigned long)out->period, (unsigned long)out->buffer);
	return 0;
}

/* Wakes up per period; timestamps from CLOCK_MONOTONIC when the PCM can. */
static int set_sw(snd_pcm_t *pcm, snd_pcm_sw_params_t *sw, const struct alsa_settings *s,
		  struct alsa_params *out, struct alsa_problem *p)
{
	int r;

	for (int with_tstamp = 1; with_tstamp >= 0; with_tstamp--) {
		out->htstamp = false;
		r = snd_pcm_sw_params_current(pcm, sw);
		if (r >= 0)
			r = snd_pcm_sw_params_set_avail_min(pcm, sw, out->period);
		if (r >= 0)
			r = snd_pcm_sw_params_set_start_threshold(pcm, sw, 1);
		if (r >= 0 && with_tstamp)
			out->htstamp = snd_pcm_sw_params_set_tstamp_mode(pcm, sw,
									  SND_PCM_TSTAMP_ENABLE) >= 0 &&
				       snd_pcm_sw_params_set_tstamp_type(
					       pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC) >= 0;
		if (r >= 0)
			r = snd_pcm_sw_params(pcm, sw);
		if (r >= 0)
			return 0;
	}
	return problem(p, "Device", s->device, r, "refuses its software parameters: %s",
		       snd_strerror(r));
}

int alsa_pcm_configure(snd_pcm_t *pcm, const struct alsa_settings *s, struct alsa_params *out,
		       struct alsa_problem *p)
{
	snd_pcm_hw_params_t *hw = NULL;
	snd_pcm_sw_params_t *sw = NULL;
	int r;

	if (snd_pcm_hw_params_malloc(&hw) < 0 || snd_pcm_sw_params_malloc(&sw) < 0) {
		r = problem(p, "Device", s->device, -ENOMEM, "out of memory");
		goto out;
	}
	r = set_hw(pcm, hw, s, out, p);
	if (r >= 0)
		r = set_sw(pcm, sw, s, out, p);
out:
	snd_pcm_sw_params_free(sw);
	snd_pcm_hw_params_free(hw);
	return r < 0 ? r : 0;
}
