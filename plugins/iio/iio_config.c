/* SPDX-License-Identifier: MIT */
/*
 * [Source] keys of the iio plugin, one table entry per key.  Values are
 * checked for form here; whether the device, channels and rate exist is
 * checked against the device by iio_session_connect()/setup().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iio_source.h"

struct key_parser {
	const char *key;
	int (*parse)(struct iio_config *cfg, const char *value, char *why, size_t len);
};

static int copy_text(char *dst, size_t size, const char *value, char *why, size_t len)
{
	if (!value[0]) {
		snprintf(why, len, "expected a value");
		return -EINVAL;
	}
	if (strlen(value) >= size) {
		snprintf(why, len, "longer than %zu characters", size - 1);
		return -EINVAL;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int parse_context(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	if (!strcmp(v, "local")) /* libiio spells it "local:" */
		v = "local:";
	if (!strchr(v, ':')) {
		snprintf(why, len, "expected local, ip:HOST[:PORT] or another libiio URI (usb:..., serial:...)");
		return -EINVAL;
	}
	return copy_text(cfg->context, sizeof(cfg->context), v, why, len);
}

static int parse_device(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	return copy_text(cfg->device, sizeof(cfg->device), v, why, len);
}

static int parse_trigger(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	return copy_text(cfg->trigger, sizeof(cfg->trigger), v, why, len);
}

/* accel_x, accel_y , accel_z: names separated by commas, blanks around them
 * ignored, no empty items, no repeats. */
static int parse_channels(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	const char *p = v;

	cfg->n_channels = 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *item;

		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!n) {
			snprintf(why, len, "expected a comma-separated list of channel names");
			return -EINVAL;
		}
		if (cfg->n_channels == IIO_MAX_CHANNELS) {
			snprintf(why, len, "more than %d channels", IIO_MAX_CHANNELS);
			return -EINVAL;
		}
		if (n >= IIO_NAME_MAX) {
			snprintf(why, len, "channel name '%.*s' too long", (int)n, p);
			return -EINVAL;
		}
		item = cfg->channel[cfg->n_channels];
		memcpy(item, p, n);
		item[n] = '\0';
		for (unsigned i = 0; i < cfg->n_channels; i++)
			if (!strcmp(cfg->channel[i], item)) {
				snprintf(why, len, "channel '%s' listed twice", item);
				return -EINVAL;
			}
		cfg->n_channels++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

static int parse_mode(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	if (!strcmp(v, "buffer"))
		cfg->mode = IIO_MODE_BUFFER;
	else if (!strcmp(v, "poll"))
		cfg->mode = IIO_MODE_POLL;
	else {
		snprintf(why, len, "expected buffer or poll");
		return -EINVAL;
	}
	return 0;
}

/* A positive decimal number of Hz, e.g. 100 or 12.5; kept as written too,
 * for the sampling_frequency attribute. */
static int parse_rate(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	char *end;
	double hz;

	errno = 0;
	hz = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(hz) || hz <= 0 || hz > 1e6 ||
	    strspn(v, "0123456789.") != strlen(v)) {
		snprintf(why, len, "expected a frequency in Hz above 0 (e.g. 100 or 12.5)");
		return -EINVAL;
	}
	cfg->rate = hz;
	return copy_text(cfg->rate_text, sizeof(cfg->rate_text), v, why, len);
}

static int parse_count(const char *v, uint32_t max, uint32_t *out, char *why, size_t len)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || v[0] == '+' || n < 1 || n > max) {
		snprintf(why, len, "expected a whole number in 1..%u", max);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

static int parse_buffer_size(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	return parse_count(v, IIO_MAX_BUFFER, &cfg->buffer_size, why, len);
}

static int parse_watermark(struct iio_config *cfg, const char *v, char *why, size_t len)
{
	return parse_count(v, IIO_MAX_BUFFER, &cfg->watermark, why, len);
}

static const struct key_parser keys[] = {
	{ "Context", parse_context },
	{ "Device", parse_device },
	{ "Trigger", parse_trigger },
	{ "Channels", parse_channels },
	{ "Mode", parse_mode },
	{ "Rate", parse_rate },
	{ "BufferSize", parse_buffer_size },
	{ "Watermark", parse_watermark },
};

int iio_config_parse(ts_source *src, const ts_plugin_host *host, struct iio_config *cfg)
{
	/* Every key is read (claimed) before any is judged. */
	const char *value[sizeof(keys) / sizeof(keys[0])];

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->context, "local:");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		value[i] = host->config_get(src, keys[i].key);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char why[IIO_ERROR_MAX];

		if (value[i] && keys[i].parse(cfg, value[i], why, sizeof(why)))
			return host->config_error(src, keys[i].key, "%s", why);
	}
	if (cfg->watermark && cfg->buffer_size && cfg->watermark > cfg->buffer_size)
		return host->config_error(src, "Watermark", "larger than BufferSize=%u",
					  cfg->buffer_size);
	return 0;
}
