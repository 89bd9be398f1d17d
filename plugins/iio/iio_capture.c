/* SPDX-License-Identifier: MIT */
/*
 * Capture from a connected iio_session: buffers (creation, refills, the
 * conversion of scan data into int16 or int32 frames, block times from the
 * kernel's timestamp channel or from arrival) and attribute polling.
 * Nothing here calls the host: the loop and the capture thread share it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <iio.h>

#include "iio_source.h"

uint64_t iio_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t iio_backoff_next(uint32_t cur_ms)
{
	if (!cur_ms)
		return IIO_BACKOFF_FIRST_MS;
	return cur_ms >= IIO_BACKOFF_MAX_MS / 2 ? IIO_BACKOFF_MAX_MS : cur_ms * 2;
}

/* ---- buffers ------------------------------------------------------------------ */

int iio_session_buffer_open(struct iio_session *s, bool nonblocking, struct iio_error *err)
{
	const struct iio_config *cfg = s->cfg;
	char why[128], text[16];
	int r;

	for (unsigned i = 0; i < iio_device_get_channels_count(s->dev); i++)
		iio_channel_disable(iio_device_get_channel(s->dev, i));
	for (unsigned i = 0; i < s->n_chan; i++)
		iio_channel_enable(s->chan[i].chn);
	if (s->ts)
		iio_channel_enable(s->ts);
	errno = 0;
	s->buf = iio_device_create_buffer(s->dev, s->buffer_size, false);
	if (!s->buf) {
		r = errno ? -errno : -EIO;
		return iio_fail(err, r, NULL, "buffer: %s", iio_errtext(r, why, sizeof(why)));
	}
	if (nonblocking) {
		r = iio_buffer_set_blocking_mode(s->buf, false);
		if (r < 0) {
			iio_session_buffer_close(s);
			return iio_fail(err, r, NULL, "non-blocking buffer: %s",
				        iio_errtext(r, why, sizeof(why)));
		}
	}
	/* libiio sets the watermark to the buffer size while it enables the
	 * buffer; another one needs the buffer off while it is written. */
	if (cfg->watermark && cfg->watermark != s->buffer_size) {
		snprintf(text, sizeof(text), "%u", cfg->watermark);
		if ((r = (int)iio_device_buffer_attr_write(s->dev, "enable", "0")) < 0 ||
		    (r = (int)iio_device_buffer_attr_write(s->dev, "watermark", text)) < 0 ||
		    (r = (int)iio_device_buffer_attr_write(s->dev, "enable", "1")) < 0) {
			iio_session_buffer_close(s);
			return iio_fail(err, r, "Watermark", "cannot set the watermark of %s to %u: %s",
				        iio_session_device_name(s), cfg->watermark,
				        iio_errtext(r, why, sizeof(why)));
		}
	}
	return 0;
}

void iio_session_buffer_close(struct iio_session *s)
{
	if (s->buf)
		iio_buffer_destroy(s->buf);
	s->buf = NULL;
}

int iio_session_buffer_fd(struct iio_session *s)
{
	return s->buf ? iio_buffer_get_poll_fd(s->buf) : -EBADF;
}

static int64_t value_at(const struct iio_chan *c, const void *p)
{
	union {
		uint8_t raw[8];
		int8_t s8; uint8_t u8;
		int16_t s16; uint16_t u16;
		int32_t s32; uint32_t u32;
		int64_t s64; uint64_t u64;
	} v = { .u64 = 0 };

	iio_channel_convert(c->chn, v.raw, p);
	switch (c->bytes) {
	case 1: return c->is_signed ? v.s8 : v.u8;
	case 2: return c->is_signed ? v.s16 : v.u16;
	case 4: return c->is_signed ? v.s32 : (int64_t)v.u32;
	default: return c->is_signed || v.u64 <= INT64_MAX ? v.s64 : INT64_MAX;
	}
}

static void store(const struct iio_session *s, void *out, size_t index, int64_t v)
{
	if (s->s32)
		((int32_t *)out)[index] = (int32_t)(v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v);
	else
		((int16_t *)out)[index] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
}

/* A kernel timestamp on both of our clocks, through its age in its own
 * clock; false when it is implausible (more than a full kernel buffer plus
 * a minute old, or in the future): a misconfigured clock. */
static bool kernel_time(const struct iio_session *s, int64_t ts, uint64_t now_mono,
			uint64_t now_real, struct iio_times *t)
{
	/* libiio's local backend keeps 4 buffers in the kernel */
	const double kernel_ns = 4.0 * s->buffer_size / s->rate * 1e9;
	const int64_t now_dev = (int64_t)iio_clock_ns(s->ts_clock);
	const int64_t age = now_dev - ts;

	if (age < -1000000000ll || (double)age > kernel_ns + 60e9 || age > (int64_t)now_mono ||
	    age > (int64_t)now_real)
		return false;
	t->mono_ns = now_mono - (uint64_t)(age > 0 ? age : 0);
	t->realtime_ns = now_real - (uint64_t)(age > 0 ? age : 0);
	t->from_kernel = true;
	return true;
}

int iio_session_buffer_read(struct iio_session *s, void *out, struct iio_times *t,
			    struct iio_error *err)
{
	const ssize_t r = iio_buffer_refill(s->buf);
	const uint64_t now_mono = iio_clock_ns(CLOCK_MONOTONIC);
	const uint64_t now_real = iio_clock_ns(CLOCK_REALTIME);
	char why[128];
	ptrdiff_t step;
	size_t n;

	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return iio_fail(err, (int)r, NULL, "refill: %s", iio_errtext((int)r, why, sizeof(why)));
	step = iio_buffer_step(s->buf);
	n = step > 0 ? (size_t)(((uintptr_t)iio_buffer_end(s->buf) -
				 (uintptr_t)iio_buffer_start(s->buf)) / (size_t)step) : 0;
	if (n > s->buffer_size)
		n = s->buffer_size;
	if (!n)
		return 0;
	for (unsigned c = 0; c < s->n_chan; c++) {
		const uint8_t *p = iio_buffer_first(s->buf, s->chan[c].chn);

		for (size_t k = 0; k < n; k++, p += step)
			store(s, out, k * s->n_chan + c, value_at(&s->chan[c], p));
	}
	t->from_kernel = t->implausible = false;
	if (s->ts) {
		const struct iio_chan ts = { .chn = s->ts, .bytes = 8, .is_signed = true };

		if (kernel_time(s, value_at(&ts, iio_buffer_first(s->buf, s->ts)), now_mono,
				now_real, t))
			return (int)n;
		t->implausible = true;
	}
	/* Arrival: the last frame came just now. */
	t->mono_ns = now_mono - (uint64_t)((double)(n - 1) * 1e9 / s->rate);
	t->realtime_ns = now_real - (uint64_t)((double)(n - 1) * 1e9 / s->rate);
	return (int)n;
}

int iio_session_poll_read(struct iio_session *s, void *frame, struct iio_error *err)
{
	char why[128];

	for (unsigned c = 0; c < s->n_chan; c++) {
		long long v;
		int r = iio_channel_attr_read_longlong(s->chan[c].chn, s->chan[c].attr, &v);

		if (r < 0)
			return iio_fail(err, r, NULL, "read in_%s_%s: %s",
				        iio_channel_get_id(s->chan[c].chn), s->chan[c].attr,
				        iio_errtext(r, why, sizeof(why)));
		store(s, frame, c, v);
	}
	return 0;
}
