/* SPDX-License-Identifier: MIT */
/*
 * [Source] keys of the iio plugin, read with the host's typed getters.
 * Values are checked for form here; whether the device, channels and rate
 * exist is checked against the device by iio_session_connect()/setup().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iio_source.h"

/* A text key into dst ("" when absent): 1 when set, 0 absent, or -EINVAL. */
static int get_text(ts_source *src, const ts_plugin_host *host, const char *key, char *dst,
		    size_t size)
{
	const char *v = host->config_get(src, key);

	if (!v)
		return 0;
	if (!v[0])
		return host->config_error(src, key, "expected a value");
	if (strlen(v) >= size)
		return host->config_error(src, key, "longer than %zu characters", size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 1;
}

static int get_context(ts_source *src, const ts_plugin_host *host, struct iio_config *cfg)
{
	const char *v = host->config_get(src, "Context");

	if (v && !strcmp(v, "local")) /* libiio spells it "local:" */
		v = "local:";
	if (v && !strchr(v, ':'))
		return host->config_error(src, "Context",
					  "expected local, ip:HOST[:PORT] or another libiio URI (usb:..., serial:...)");
	if (v && strlen(v) >= sizeof(cfg->context))
		return host->config_error(src, "Context", "longer than %zu characters",
					  sizeof(cfg->context) - 1);
	snprintf(cfg->context, sizeof(cfg->context), "%s", v ? v : "local:");
	return 0;
}

/* accel_x, accel_y , accel_z: no repeats (the host refuses empty items). */
static int get_channels(ts_source *src, const ts_plugin_host *host, struct iio_config *cfg)
{
	size_t n;
	int r = host->config_list(src, "Channels", &cfg->channel[0][0], IIO_NAME_MAX,
				  IIO_MAX_CHANNELS, &n);

	if (r < 0)
		return r;
	cfg->n_channels = (unsigned)n;
	for (unsigned i = 0; i < cfg->n_channels; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(cfg->channel[i], cfg->channel[j]))
				return host->config_error(src, "Channels", "channel '%s' listed twice",
							  cfg->channel[i]);
	return 0;
}

/* A positive decimal number of Hz, e.g. 100 or 12.5; kept as written too,
 * for the sampling_frequency attribute. */
static int get_rate(ts_source *src, const ts_plugin_host *host, struct iio_config *cfg)
{
	const char *text;
	int r = host->config_double(src, "Rate", 0, 0, 1e6, &cfg->rate);

	if (r <= 0)
		return r;
	if (cfg->rate <= 0)
		return host->config_error(src, "Rate", "expected a frequency in Hz above 0 (e.g. 100 or 12.5)");
	/* The number as written, without a '+': 1e6 at most, so it fits. */
	text = host->config_get(src, "Rate");
	while (*text == ' ' || *text == '\t' || *text == '+')
		text++;
	snprintf(cfg->rate_text, sizeof(cfg->rate_text), "%s", text);
	if (strlen(text) >= sizeof(cfg->rate_text))
		return host->config_error(src, "Rate", "longer than %zu characters",
					  sizeof(cfg->rate_text) - 1);
	return 0;
}

int iio_config_parse(ts_source *src, const ts_plugin_host *host, struct iio_config *cfg)
{
	static const char *const modes[] = { "buffer", "poll", NULL };
	uint64_t buffer_size, watermark;
	unsigned mode;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if ((r = get_context(src, host, cfg)) < 0 ||
	    (r = get_text(src, host, "Device", cfg->device, sizeof(cfg->device))) < 0 ||
	    (r = get_text(src, host, "Trigger", cfg->trigger, sizeof(cfg->trigger))) < 0 ||
	    (r = get_channels(src, host, cfg)) < 0 ||
	    (r = host->config_enum(src, "Mode", modes, 0, &mode)) < 0)
		return r;
	cfg->mode = r ? (mode ? IIO_MODE_POLL : IIO_MODE_BUFFER) : IIO_MODE_AUTO;
	if ((r = get_rate(src, host, cfg)) < 0 ||
	    (r = host->config_uint(src, "BufferSize", 0, 1, IIO_MAX_BUFFER, &buffer_size)) < 0 ||
	    (r = host->config_uint(src, "Watermark", 0, 1, IIO_MAX_BUFFER, &watermark)) < 0)
		return r;
	cfg->buffer_size = (uint32_t)buffer_size;
	cfg->watermark = (uint32_t)watermark;
	if (cfg->watermark && cfg->buffer_size && cfg->watermark > cfg->buffer_size)
		return host->config_error(src, "Watermark", "larger than BufferSize=%u",
					  cfg->buffer_size);
	return 0;
}
