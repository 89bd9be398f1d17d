/* SPDX-License-Identifier: MIT */
/*
 * The iio plugin's internal interfaces (plugins/iio/README.md says what it
 * does for users).  Three parts:
 *
 *   iio_config.c   [Source] keys -> struct iio_config
 *   iio_session.c  the way to a device through libiio: context, device,
 *                  trigger and channel lookup, sampling frequency, metadata
 *   iio_capture.c  buffers, sample conversion, timestamps, polling
 *                  (these two never call the host: the capture thread
 *                  uses them too)
 *   iio_worker.c   a capture thread for contexts whose buffers have no poll
 *                  fd (libiio 0.24: every backend but local); it hands
 *                  blocks and state changes to the loop through a queue
 *   iio_plugin.c   the descriptor: open/start/stop/close, the loop-side
 *                  capture (watched poll fd or timers), faults and retries
 */
#ifndef TS_PLUGIN_IIO_SOURCE_H
#define TS_PLUGIN_IIO_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <tinysense/plugin.h>

#define IIO_MAX_CHANNELS 32
#define IIO_NAME_MAX 64
#define IIO_MAX_BUFFER 16384     /* BufferSize= upper bound, samples */
#define IIO_ERROR_MAX 256

/* Retry backoff after a fault: doubles from the first to the last. */
#define IIO_BACKOFF_FIRST_MS 500u
#define IIO_BACKOFF_MAX_MS 30000u
/* A source that delivered this long since its last recovery starts the
 * backoff from the beginning again at its next fault. */
#define IIO_STABLE_NS (10 * 1000000000ull)

enum iio_mode { IIO_MODE_AUTO = 0, IIO_MODE_BUFFER, IIO_MODE_POLL };

struct iio_config {
	char context[256];        /* a libiio URI; "local:" by default */
	char device[IIO_NAME_MAX];  /* "": the context's only device */
	char trigger[IIO_NAME_MAX]; /* "": leave the device's trigger alone */
	char channel[IIO_MAX_CHANNELS][IIO_NAME_MAX];
	unsigned n_channels;      /* 0: the default set (see the README) */
	enum iio_mode mode;
	double rate;              /* Rate=, 0: not given */
	char rate_text[32];       /* Rate= as written to sampling_frequency */
	uint32_t buffer_size;     /* BufferSize=, 0: not given */
	uint32_t watermark;       /* Watermark=, 0: not given */
};

/* What went wrong, for config_error() (key set: a configuration problem)
 * or for LastError (key NULL or not). */
struct iio_error {
	const char *key;
	char text[IIO_ERROR_MAX];
};

/* Reads and checks the [Source] keys; 0 or config_error()'s -EINVAL. */
int iio_config_parse(ts_source *src, const ts_plugin_host *host, struct iio_config *cfg);

/* One selected channel. */
struct iio_chan {
	struct iio_channel *chn;
	const char *attr;         /* poll mode: "raw", or "input" (processed) */
	unsigned bytes;           /* buffer mode: storage bytes of one value */
	bool is_signed;
};

struct iio_session {
	struct iio_config *cfg;   /* frozen by the first connect (see below) */
	struct iio_context *ctx;
	struct iio_device *dev;
	struct iio_device *trig;
	struct iio_chan chan[IIO_MAX_CHANNELS];
	unsigned n_chan;
	struct iio_channel *ts;   /* the timestamp channel, buffer mode only */
	clockid_t ts_clock;       /* the clock of its values */
	char ts_clock_name[24];
	bool local;               /* the local backend (a pollable buffer fd) */
	bool buffered;            /* Mode=buffer (after auto) */
	bool s32;                 /* frames of int32 (else int16) */
	bool frozen;              /* cfg holds the resolved mode and channel ids */
	double rate;              /* frames per second in use */
	uint32_t buffer_size;     /* samples per refill */
	struct iio_buffer *buf;
};

/* Times of a block's first frame. */
struct iio_times {
	uint64_t mono_ns;
	uint64_t realtime_ns;
	bool from_kernel;         /* from the timestamp channel, else arrival */
	bool implausible;         /* the timestamp channel's were, so arrival */
};

/* Creates the context, finds the device, trigger and channels and checks
 * them.  The first successful call resolves Mode=auto and the default
 * channel set and writes them into cfg, so that reconnects after a fault
 * find the same stream.  0, or -errno with err filled. */
int iio_session_connect(struct iio_session *s, struct iio_config *cfg, struct iio_error *err);
/* Applies Trigger= and (buffer mode) Rate= to the device and reads back
 * the rate in use into s->rate; sets s->buffer_size (the first call picks
 * a default for BufferSize= and writes it into cfg). */
int iio_session_setup(struct iio_session *s, struct iio_error *err);
/* Destroys the buffer and the context. */
void iio_session_disconnect(struct iio_session *s);

/* The device's label or name (valid while connected), for messages. */
const char *iio_session_device_name(const struct iio_session *s);
/* Channel metadata for set_format (strings: copied by the caller). */
void iio_session_channel_info(const struct iio_session *s, unsigned i, ts_channel_info *info);

/* Buffer mode: enables the channels (and the timestamp), creates the
 * buffer (non-blocking when asked), applies Watermark=. */
int iio_session_buffer_open(struct iio_session *s, bool nonblocking, struct iio_error *err);
void iio_session_buffer_close(struct iio_session *s);
/* The buffer's poll fd, or -errno (no such thing on this backend). */
int iio_session_buffer_fd(struct iio_session *s);
/* One refill, converted into frames (int16 or int32, s->n_chan each) at out
 * (room for s->buffer_size frames): the number of frames, 0 when nothing
 * was ready (-EAGAIN), or -errno with err ("refill: ..."). */
int iio_session_buffer_read(struct iio_session *s, void *out, struct iio_times *t,
			    struct iio_error *err);
/* Poll mode: one frame from the channels' raw (or input) attributes. */
int iio_session_poll_read(struct iio_session *s, void *frame, struct iio_error *err);

uint64_t iio_clock_ns(clockid_t clock);
/* The next retry delay after one of cur ms (0: the first). */
uint32_t iio_backoff_next(uint32_t cur_ms);
/* Fills err (key: the [Source] key at fault, or NULL) and returns r, or
 * -EIO when r is not negative. */
int iio_fail(struct iio_error *err, int r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* strerror() for any thread (the GNU strerror_r). */
const char *iio_errtext(int r, char *buf, size_t len);

/* ---- the capture thread --------------------------------------------------- */

struct iio_worker;

enum iio_msg_kind { IIO_MSG_BLOCK = 1, IIO_MSG_STATE = 2 };

/* What the thread hands to the loop, in order. */
struct iio_msg {
	enum iio_msg_kind kind;
	ts_source_state state;    /* IIO_MSG_STATE */
	char error[IIO_ERROR_MAX];
	uint32_t frames;          /* IIO_MSG_BLOCK */
	struct iio_times times;
	const void *data;
};

/* Starts a thread that captures from session s (which it owns until
 * iio_worker_stop returns): buffer refills or, in poll mode, attribute
 * reads at s->rate; faults are retried with backoff, reconnecting.  The
 * thread never calls the host: the loop watches iio_worker_fd() and calls
 * iio_worker_drain(). */
int iio_worker_start(struct iio_session *s, struct iio_worker **out);
int iio_worker_fd(const struct iio_worker *w);
/* Calls cb for every queued message (data valid during the call only);
 * returns the number of blocks the thread dropped since the last call
 * because the queue was full. */
uint64_t iio_worker_drain(struct iio_worker *w, void (*cb)(void *user, const struct iio_msg *m),
			  void *user);
/* Cancels the thread's I/O, joins it and frees w; the session is the
 * caller's again. */
void iio_worker_stop(struct iio_worker *w);

#endif
