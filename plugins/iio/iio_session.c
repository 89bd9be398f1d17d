/* SPDX-License-Identifier: MIT */
/*
 * The iio plugin's way to a device through libiio (0.24): the context, the
 * device, trigger and channel lookup (with messages that say what exists),
 * the sampling frequency and trigger, and the channels' metadata.  Capture
 * itself is in iio_capture.c.  Nothing here calls the host: the loop and
 * the capture thread share it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iio.h>

#include "iio_source.h"

int iio_fail(struct iio_error *err, int r, const char *key, const char *fmt, ...)
{
	va_list ap;

	err->key = key;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return r < 0 ? r : -EIO;
}

const char *iio_errtext(int r, char *buf, size_t len)
{
	return strerror_r(r < 0 ? -r : r, buf, len);
}

/* Appends ", item" (or "item" first) to a list, "..." once it is full. */
static void list_add(char *list, size_t size, const char *item)
{
	size_t n = strlen(list);

	if (n + 4 >= size || !strcmp(list + (n > 3 ? n - 3 : 0), "..."))
		return;
	if ((size_t)snprintf(list + n, size - n, "%s%s", n ? ", " : "", item) >= size - n)
		snprintf(list + n, size - n, "%s...", n ? ", " : "");
}

/* " on ip:HOST" for messages about remote contexts; "" for the local one. */
static const char *on_context(const struct iio_config *cfg, char *buf, size_t len)
{
	if (!strcmp(cfg->context, "local:"))
		return "";
	snprintf(buf, len, " on %s", cfg->context);
	return buf;
}

static const char *device_label(const struct iio_device *d)
{
	const char *label = iio_device_get_label(d), *name = iio_device_get_name(d);

	return label ? label : name ? name : iio_device_get_id(d);
}

static void list_devices(const struct iio_context *ctx, bool triggers, char *list, size_t size)
{
	list[0] = '\0';
	for (unsigned i = 0; i < iio_context_get_devices_count(ctx); i++) {
		const struct iio_device *d = iio_context_get_device(ctx, i);

		if (iio_device_is_trigger(d) == triggers)
			list_add(list, size, device_label(d));
	}
	if (!list[0])
		snprintf(list, size, "none");
}

static bool is_timestamp(const struct iio_channel *c)
{
	return iio_channel_get_type(c) == IIO_TIMESTAMP || !strcmp(iio_channel_get_id(c), "timestamp");
}

/* The attribute poll mode reads: raw, else input (a processed value). */
static const char *value_attr(const struct iio_channel *c)
{
	if (iio_channel_find_attr(c, "raw"))
		return "raw";
	if (iio_channel_find_attr(c, "input"))
		return "input";
	return NULL;
}

static void list_channels(const struct iio_device *dev, char *list, size_t size)
{
	list[0] = '\0';
	for (unsigned i = 0; i < iio_device_get_channels_count(dev); i++) {
		const struct iio_channel *c = iio_device_get_channel(dev, i);

		if (!iio_channel_is_output(c) && !is_timestamp(c))
			list_add(list, size, iio_channel_get_id(c));
	}
	if (!list[0])
		snprintf(list, size, "none");
}

static bool channel_is(const struct iio_channel *c, const char *want)
{
	const char *id = iio_channel_get_id(c), *name = iio_channel_get_name(c);
	const size_t n = strlen(id);

	if (!strcmp(id, want) || (name && !strcmp(name, want)))
		return true;
	/* voltage0_vccint: the id with the extended name, as sysfs spells it */
	return name && !strncmp(want, id, n) && want[n] == '_' && !strcmp(want + n + 1, name);
}

/* An input channel by libiio id (accel_x, voltage0), extended name or label,
 * or as sysfs spells it (in_accel_x, in_voltage0_raw). */
static struct iio_channel *find_input(const struct iio_device *dev, const char *want)
{
	char bare[IIO_NAME_MAX];
	size_t n;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < iio_device_get_channels_count(dev); i++) {
			struct iio_channel *c = iio_device_get_channel(dev, i);

			if (!iio_channel_is_output(c) && channel_is(c, want))
				return c;
		}
		if (pass || strncmp(want, "in_", 3))
			break;
		snprintf(bare, sizeof(bare), "%s", want + 3);
		n = strlen(bare);
		if (n > 4 && !strcmp(bare + n - 4, "_raw"))
			bare[n - 4] = '\0';
		want = bare;
	}
	return NULL;
}

/* ---- connect ------------------------------------------------------------- */

static int find_device(struct iio_session *s, struct iio_error *err)
{
	const struct iio_config *cfg = s->cfg;
	char list[192], on[280];

	if (cfg->device[0]) {
		s->dev = iio_context_find_device(s->ctx, cfg->device);
		if (!s->dev || iio_device_is_trigger(s->dev)) {
			list_devices(s->ctx, false, list, sizeof(list));
			return iio_fail(err, -ENODEV, "Device", "no device '%s'%s (devices: %s)",
				        cfg->device, on_context(cfg, on, sizeof(on)), list);
		}
		return 0;
	}
	for (unsigned i = 0; i < iio_context_get_devices_count(s->ctx); i++) {
		struct iio_device *d = iio_context_get_device(s->ctx, i);

		if (iio_device_is_trigger(d))
			continue;
		if (s->dev) {
			list_devices(s->ctx, false, list, sizeof(list));
			return iio_fail(err, -EINVAL, "Device", "required: there are several devices%s (%s)",
				        on_context(cfg, on, sizeof(on)), list);
		}
		s->dev = d;
	}
	if (!s->dev)
		return iio_fail(err, -ENODEV, "Device", "no IIO devices%s",
			        on_context(cfg, on, sizeof(on)));
	return 0;
}

static int find_trigger(struct iio_session *s, struct iio_error *err)
{
	char list[192], on[280];

	if (!s->cfg->trigger[0])
		return 0;
	s->trig = iio_context_find_device(s->ctx, s->cfg->trigger);
	if (!s->trig || !iio_device_is_trigger(s->trig)) {
		list_devices(s->ctx, true, list, sizeof(list));
		return iio_fail(err, -ENODEV, "Trigger", "no trigger '%s'%s (triggers: %s)",
			        s->cfg->trigger, on_context(s->cfg, on, sizeof(on)), list);
	}
	return 0;
}

/* Values wider than int16 (or unsigned 16-bit) make the frames int32. */
static bool needs_s32(const struct iio_channel *c)
{
	const struct iio_data_format *df = iio_channel_get_data_format(c);

	if (!iio_channel_is_scan_element(c))
		return true; /* poll mode, width unknown */
	return df->bits > 16 || (!df->is_signed && df->bits >= 16);
}

static int check_channel(struct iio_session *s, struct iio_channel *c, bool buffered,
			 struct iio_chan *out, struct iio_error *err)
{
	const char *id = iio_channel_get_id(c), *dev = device_label(s->dev);

	if (is_timestamp(c))
		return iio_fail(err, -EINVAL, "Channels",
			        "'%s' is the kernel's timestamp channel: it times the blocks and is used whenever the device has one",
			        id);
	out->chn = c;
	if (buffered) {
		const struct iio_data_format *df = iio_channel_get_data_format(c);

		if (!iio_channel_is_scan_element(c))
			return iio_fail(err, -EINVAL, "Channels",
				        "channel '%s' of %s cannot be buffered (no scan element): use Mode=poll",
				        id, dev);
		if (df->repeat > 1 ||
		    (df->length != 8 && df->length != 16 && df->length != 32 && df->length != 64))
			return iio_fail(err, -EINVAL, "Channels",
				        "channel '%s' of %s has a sample layout this plugin does not convert (%u bits x%u)",
				        id, dev, df->length, df->repeat);
		out->bytes = df->length / 8;
		out->is_signed = df->is_signed;
	} else {
		out->attr = value_attr(c);
		if (!out->attr)
			return iio_fail(err, -EINVAL, "Channels",
				        "channel '%s' of %s has no raw or input attribute to poll", id, dev);
	}
	return 0;
}

/* Mode=auto: buffer when every channel wanted can be buffered. */
static bool want_buffer(const struct iio_session *s)
{
	const struct iio_config *cfg = s->cfg;
	unsigned scan = 0;

	if (cfg->mode != IIO_MODE_AUTO)
		return cfg->mode == IIO_MODE_BUFFER;
	if (!cfg->n_channels) {
		for (unsigned i = 0; i < iio_device_get_channels_count(s->dev); i++) {
			const struct iio_channel *c = iio_device_get_channel(s->dev, i);

			scan += !iio_channel_is_output(c) && !is_timestamp(c) &&
				iio_channel_is_scan_element(c);
		}
		return scan > 0;
	}
	for (unsigned i = 0; i < cfg->n_channels; i++) {
		const struct iio_channel *c = find_input(s->dev, cfg->channel[i]);

		if (c && !iio_channel_is_scan_element(c))
			return false;
	}
	return true;
}

static int find_channels(struct iio_session *s, struct iio_error *err)
{
	const struct iio_config *cfg = s->cfg;
	const bool buffered = want_buffer(s);
	char list[256];
	int r;

	s->n_chan = 0;
	s->buffered = buffered;
	if (cfg->n_channels) {
		for (unsigned i = 0; i < cfg->n_channels; i++) {
			struct iio_channel *c = find_input(s->dev, cfg->channel[i]);

			if (!c) {
				list_channels(s->dev, list, sizeof(list));
				return iio_fail(err, -ENOENT, "Channels",
					        "no input channel '%s' on %s (channels: %s)",
					        cfg->channel[i], device_label(s->dev), list);
			}
			for (unsigned j = 0; j < s->n_chan; j++)
				if (s->chan[j].chn == c)
					return iio_fail(err, -EINVAL, "Channels",
						        "'%s' and '%s' are the same channel",
						        cfg->channel[j], cfg->channel[i]);
			r = check_channel(s, c, buffered, &s->chan[s->n_chan], err);
			if (r)
				return r;
			s->n_chan++;
		}
	} else {
		/* The default: every input channel the mode can read. */
		for (unsigned i = 0; i < iio_device_get_channels_count(s->dev); i++) {
			struct iio_channel *c = iio_device_get_channel(s->dev, i);

			if (iio_channel_is_output(c) || is_timestamp(c) ||
			    (buffered ? !iio_channel_is_scan_element(c) : !value_attr(c)))
				continue;
			if (s->n_chan == IIO_MAX_CHANNELS)
				return iio_fail(err, -E2BIG, "Channels",
					        "%s has more than %d channels: choose some",
					        device_label(s->dev), IIO_MAX_CHANNELS);
			r = check_channel(s, c, buffered, &s->chan[s->n_chan], err);
			if (r)
				return r;
			s->n_chan++;
		}
		if (!s->n_chan && buffered)
			return iio_fail(err, -EINVAL, "Mode",
				        "%s has no buffer (no scan elements): use Mode=poll",
				        device_label(s->dev));
		if (!s->n_chan)
			return iio_fail(err, -ENOENT, "Channels", "%s has no input channels to poll",
				        device_label(s->dev));
	}
	return 0;
}

static const struct {
	const char *name;
	clockid_t id;
} clocks[] = {
	{ "realtime", CLOCK_REALTIME },
	{ "monotonic", CLOCK_MONOTONIC },
	{ "monotonic_raw", CLOCK_MONOTONIC_RAW },
	{ "realtime_coarse", CLOCK_REALTIME_COARSE },
	{ "monotonic_coarse", CLOCK_MONOTONIC_COARSE },
	{ "boottime", CLOCK_BOOTTIME },
	{ "tai", CLOCK_TAI },
};

/* The timestamp channel and its clock: the device's current_timestamp_clock,
 * or realtime, the kernel's default, when it has none. */
static void find_timestamp(struct iio_session *s)
{
	char value[32] = "";
	ssize_t n;

	s->ts = NULL;
	s->ts_clock = CLOCK_REALTIME;
	snprintf(s->ts_clock_name, sizeof(s->ts_clock_name), "realtime");
	if (!s->buffered)
		return;
	for (unsigned i = 0; i < iio_device_get_channels_count(s->dev); i++) {
		struct iio_channel *c = iio_device_get_channel(s->dev, i);
		const struct iio_data_format *df = iio_channel_get_data_format(c);

		if (!iio_channel_is_output(c) && is_timestamp(c) && iio_channel_is_scan_element(c) &&
		    df->length == 64 && df->repeat <= 1)
			s->ts = c;
	}
	if (!s->ts)
		return;
	n = iio_device_attr_read(s->dev, "current_timestamp_clock", value, sizeof(value));
	if (n <= 0)
		return;
	value[strcspn(value, "\n")] = '\0';
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++)
		if (!strcmp(value, clocks[i].name)) {
			s->ts_clock = clocks[i].id;
			snprintf(s->ts_clock_name, sizeof(s->ts_clock_name), "%s", clocks[i].name);
		}
}

/* Writes the resolved mode and channel ids into the configuration. */
static void freeze(struct iio_session *s)
{
	struct iio_config *cfg = s->cfg;

	s->s32 = false;
	for (unsigned i = 0; i < s->n_chan; i++) {
		snprintf(cfg->channel[i], sizeof(cfg->channel[i]), "%s",
			 iio_channel_get_id(s->chan[i].chn));
		s->s32 |= needs_s32(s->chan[i].chn);
	}
	cfg->n_channels = s->n_chan;
	cfg->mode = s->buffered ? IIO_MODE_BUFFER : IIO_MODE_POLL;
	s->frozen = true;
}

int iio_session_connect(struct iio_session *s, struct iio_config *cfg, struct iio_error *err)
{
	char why[128], uri[sizeof(cfg->context)];
	int r;

	s->cfg = cfg;
	s->dev = s->trig = NULL;
	s->buf = NULL;
	/* libiio 0.24 cuts ip:HOST:PORT at the port in the string it is given */
	memcpy(uri, cfg->context, sizeof(uri));
	errno = 0;
	s->ctx = iio_create_context_from_uri(uri);
	if (!s->ctx) {
		r = errno ? -errno : -EIO;
		return iio_fail(err, r, "Context", "cannot open IIO context %s: %s", cfg->context,
			        iio_errtext(r, why, sizeof(why)));
	}
	s->local = !strcmp(iio_context_get_name(s->ctx), "local");
	if ((r = find_device(s, err)) || (r = find_trigger(s, err)) || (r = find_channels(s, err))) {
		iio_session_disconnect(s);
		return r;
	}
	find_timestamp(s);
	if (!s->frozen)
		freeze(s);
	return 0;
}

void iio_session_disconnect(struct iio_session *s)
{
	iio_session_buffer_close(s);
	if (s->ctx)
		iio_context_destroy(s->ctx);
	s->ctx = NULL;
	s->dev = s->trig = NULL;
	s->ts = NULL;
	for (unsigned i = 0; i < s->n_chan; i++)
		s->chan[i].chn = NULL;
}

/* ---- setup: trigger, rate, buffer size ------------------------------------- */

/* Where the sampling frequency lives: a device attribute, a channel's
 * (often shared by type: in_accel_sampling_frequency) or the trigger's
 * (hrtimer and sysfs triggers). */
struct rate_attr {
	const struct iio_device *dev;
	const struct iio_channel *chn;
	const char *name;
};

static bool find_rate_attr(const struct iio_session *s, const char *name, struct rate_attr *a)
{
	*a = (struct rate_attr){ .name = name };
	if (iio_device_find_attr(s->dev, name)) {
		a->dev = s->dev;
		return true;
	}
	for (unsigned i = 0; i < s->n_chan; i++)
		if (iio_channel_find_attr(s->chan[i].chn, name)) {
			a->chn = s->chan[i].chn;
			return true;
		}
	if (s->trig && iio_device_find_attr(s->trig, name)) {
		a->dev = s->trig;
		return true;
	}
	return false;
}

static ssize_t rate_attr_read(const struct rate_attr *a, char *buf, size_t len)
{
	ssize_t n = a->dev ? iio_device_attr_read(a->dev, a->name, buf, len)
			   : iio_channel_attr_read(a->chn, a->name, buf, len);

	if (n > 0)
		buf[strcspn(buf, "\n")] = '\0';
	return n;
}

static int set_rate(struct iio_session *s, struct iio_error *err)
{
	const struct iio_config *cfg = s->cfg;
	const char *dev = device_label(s->dev);
	struct rate_attr a, avail;
	char value[64], list[128] = "", why[128];
	ssize_t n;
	double hz;

	if (!find_rate_attr(s, "sampling_frequency", &a)) {
		if (!cfg->rate)
			return iio_fail(err, -EINVAL, "Rate",
				        "required: %s has no sampling_frequency attribute to read the rate from",
				        dev);
		s->rate = cfg->rate; /* paced elsewhere (an external trigger) */
		return 0;
	}
	if (cfg->rate) {
		n = a.dev ? iio_device_attr_write(a.dev, a.name, cfg->rate_text)
			  : iio_channel_attr_write(a.chn, a.name, cfg->rate_text);
		if (n < 0) {
			if (find_rate_attr(s, "sampling_frequency_available", &avail) &&
			    rate_attr_read(&avail, value, sizeof(value)) > 0)
				snprintf(list, sizeof(list), " (available: %s)", value);
			return iio_fail(err, (int)n, "Rate", "%s refused sampling_frequency %s: %s%s", dev,
				        cfg->rate_text, iio_errtext((int)n, why, sizeof(why)), list);
		}
	}
	n = rate_attr_read(&a, value, sizeof(value));
	hz = n > 0 ? strtod(value, NULL) : 0;
	if (!(hz > 0 && hz <= 1e7)) {
		if (!cfg->rate)
			return iio_fail(err, n < 0 ? (int)n : -EINVAL, "Rate",
				        "required: cannot read the sampling_frequency of %s (%s)", dev,
				        n < 0 ? iio_errtext((int)n, why, sizeof(why)) : value);
		hz = cfg->rate;
	}
	s->rate = hz;
	return 0;
}

int iio_session_setup(struct iio_session *s, struct iio_error *err)
{
	struct iio_config *cfg = s->cfg;
	char why[128];
	int r;

	if (s->trig) {
		r = iio_device_set_trigger(s->dev, s->trig);
		if (r < 0)
			return iio_fail(err, r, "Trigger", "cannot make %s the trigger of %s: %s",
				        s->cfg->trigger, device_label(s->dev), iio_errtext(r, why, sizeof(why)));
	}
	if (!s->buffered) {
		s->rate = cfg->rate ? cfg->rate : 1.0;
		s->buffer_size = 1;
		return 0;
	}
	r = set_rate(s, err);
	if (r)
		return r;
	if (!cfg->buffer_size) {
		/* about 100 ms of samples per refill, kept for reconnects: the
		 * frames the plugin allocated hold this many */
		const double n = floor(s->rate / 10 + 0.5);

		cfg->buffer_size = n < 1 ? 1 : n > IIO_MAX_BUFFER ? IIO_MAX_BUFFER : (uint32_t)n;
	}
	s->buffer_size = cfg->buffer_size;
	if (cfg->watermark > s->buffer_size)
		return iio_fail(err, -EINVAL, "Watermark", "larger than the buffer (%u samples)",
			        s->buffer_size);
	return 0;
}

/* ---- channel metadata ------------------------------------------------------------ */

/* The unit of (raw + offset) * scale, from the kernel's sysfs-bus-iio ABI. */
static const char *unit_of(enum iio_chan_type type)
{
	switch (type) {
	case IIO_VOLTAGE: case IIO_ALTVOLTAGE: return "mV";
	case IIO_CURRENT: return "mA";
	case IIO_POWER: return "mW";
	case IIO_ACCEL: case IIO_GRAVITY: return "m/s^2";
	case IIO_ANGL_VEL: return "rad/s";
	case IIO_MAGN: return "Gauss";
	case IIO_LIGHT: return "lux";
	case IIO_TEMP: return "m°C";
	case IIO_INCLI: return "°";
	case IIO_ANGL: case IIO_PHASE: return "rad";
	case IIO_TIMESTAMP: return "ns";
	case IIO_CAPACITANCE: return "nF";
	case IIO_CCT: return "K";
	case IIO_PRESSURE: return "kPa";
	case IIO_HUMIDITYRELATIVE: case IIO_POSITIONRELATIVE: return "m%";
	case IIO_ACTIVITY: case IIO_CONCENTRATION: return "%";
	case IIO_ENERGY: return "J";
	case IIO_DISTANCE: return "m";
	case IIO_VELOCITY: return "m/s";
	case IIO_RESISTANCE: return "Ω";
	case IIO_PH: return "pH";
	case IIO_ELECTRICALCONDUCTIVITY: return "S/m";
	case IIO_MASSCONCENTRATION: return "µg/m³";
	default: return "";
	}
}

const char *iio_session_device_name(const struct iio_session *s)
{
	return s->dev ? device_label(s->dev) : s->cfg->device;
}

void iio_session_channel_info(const struct iio_session *s, unsigned i, ts_channel_info *info)
{
	const struct iio_chan *c = &s->chan[i];
	double v;

	info->name = iio_channel_get_id(c->chn);
	info->unit = unit_of(iio_channel_get_type(c->chn));
	info->scale = 1.0;
	info->offset = 0.0;
	if (c->attr && !strcmp(c->attr, "input"))
		return; /* processed values: already in the unit */
	if (iio_channel_find_attr(c->chn, "scale") &&
	    !iio_channel_attr_read_double(c->chn, "scale", &v))
		info->scale = v;
	if (iio_channel_find_attr(c->chn, "offset") &&
	    !iio_channel_attr_read_double(c->chn, "offset", &v))
		info->offset = v;
}
