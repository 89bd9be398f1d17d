/* SPDX-License-Identifier: MIT */
/*
 * The gpio plugin: GPIO lines through libgpiod 1.6 (the kernel's v1
 * character-device uAPI, /dev/gpiochipN), as edges, pulse counts or polled
 * levels (keys, modes and wiring in plugins/gpio/README.md):
 *
 *   [Source]
 *   Plugin=gpio
 *   Chip=gpiochip0        name, /dev path, label or number
 *   Lines=17,DOOR         offsets or line names (up to 64)
 *   Mode=edges            edges | count | level
 *   Edge=both             rising | falling | both (count: rising)
 *   ActiveLow=no          yes: the line reads 1 when the wire is low
 *   Bias=as-is            as-is | disable | pull-up | pull-down
 *   Debounce=0            edges closer than this per line are ignored (20ms)
 *   Window=1s             count: one frame of counts per window
 *   Rate=10               level: polls per second; edges: nominal rate
 *
 * Frames: edges and level give int16 0/1 per line, count gives int32
 * counts per line.  Edges: every accepted edge event is one frame stamped
 * with the kernel's timestamp of the event.
 *
 * Clocks: v1 edge events carry CLOCK_MONOTONIC timestamps on Linux >= 5.7
 * (CLOCK_REALTIME before); each timestamp is taken as whichever clock it
 * is closer to now, so both kinds of kernel work.  mono_ns is that time on
 * CLOCK_MONOTONIC; realtime_ns adds the offset between the two clocks
 * measured when the event is read.
 *
 * Everything runs on the daemon's loop: event fds are made non-blocking
 * and watched, count windows and level polls are timers.  open() opens
 * the chip and resolves the lines (a missing chip or line is a config
 * error naming it); start() requests them, stop() releases them.  A read
 * error (chip removed) reports TS_SOURCE_FAILED with the reason, closes the
 * chip and retries after 1, 2, 4 ... 30 s until the lines can be requested
 * again; then the source runs on.
 */
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <tinysense/plugin.h>

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define GPIO_MAX_LINES 64
#define GPIO_NAME_MAX 32
#define EVENTS_PER_READ 16   /* the kernel keeps up to 16 per line */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 30000
#define CONSUMER "tinysense"
#define ACCESS_HINT " (the daemon's user needs read-write access to /dev/gpiochip*: group gpio)"

enum gpio_mode { MODE_EDGES, MODE_COUNT, MODE_LEVEL };
enum gpio_edge { EDGE_RISING, EDGE_FALLING, EDGE_BOTH };

struct gpio;

struct gpio_line {
	struct gpio *g;
	/* As configured: a name, or an offset when name[0] is 0. */
	char want_name[GPIO_NAME_MAX];
	unsigned int want_offset;
	struct gpiod_line *line;   /* owned by the chip; NULL when closed */
	bool requested;
	int fd;                    /* event fd (libgpiod's), -1 when none */
	void *watch;
	int16_t level;             /* last reported level (edges mode) */
	int32_t count;             /* edges in the open window (count mode) */
	uint64_t last_edge_ns;     /* CLOCK_MONOTONIC of the last accepted edge */
	bool have_edge;
	void *settle_timer;        /* edges mode: re-read after a bounce */
	char label[GPIO_NAME_MAX]; /* channel name */
};

struct gpio_event {
	uint16_t line;
	bool rising;
	uint64_t mono_ns;
};

struct gpio {
	ts_source *src;
	const ts_plugin_host *host;

	/* configuration */
	char chip_name[64];        /* Chip=, "" when absent */
	enum gpio_mode mode;
	enum gpio_edge edge;
	bool active_low;
	int bias_flag;             /* GPIOD_LINE_REQUEST_FLAG_BIAS_*, or 0 */
	uint64_t debounce_ns;
	uint64_t window_ns;
	uint32_t rate;
	uint16_t n;

	struct gpiod_chip *chip;   /* NULL while failed */
	struct gpio_line line[GPIO_MAX_LINES];
	ts_channel_info info[GPIO_MAX_LINES];

	bool degraded;             /* the pipeline dropped frames */
	char last_error[256];
	uint32_t retry_ms;
	void *retry_timer;
	void *tick_timer;          /* count windows, level polls */
	uint64_t tick_start_ns, window_end_ns;
	uint64_t ticks;
	uint64_t overruns;         /* frames the pipeline had no room for */

	struct gpio_event events[GPIO_MAX_LINES * EVENTS_PER_READ];
};

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- configuration --------------------------------------------------------- */

/* Lines= item i (trimmed by the host): an offset (all digits) or a name. */
static int add_line(struct gpio *g, const char *item)
{
	struct gpio_line *l = &g->line[g->n];
	const size_t len = strlen(item);
	bool digits = true;

	for (size_t i = 0; i < len; i++)
		digits = digits && item[i] >= '0' && item[i] <= '9';
	if (digits && len > 5)
		return g->host->config_error(g->src, "Lines", "offset '%s' is too large", item);
	l->want_name[0] = 0;
	l->want_offset = 0;
	if (digits)
		for (size_t i = 0; i < len; i++)
			l->want_offset = l->want_offset * 10 + (unsigned int)(item[i] - '0');
	else
		memcpy(l->want_name, item, len + 1);
	for (uint16_t i = 0; i < g->n; i++) {
		const struct gpio_line *o = &g->line[i];

		if (digits ? !o->want_name[0] && o->want_offset == l->want_offset
			   : !strcmp(o->want_name, l->want_name))
			return g->host->config_error(g->src, "Lines", "line '%s' is listed twice",
						     item);
	}
	g->n++;
	return 0;
}

static int read_config(struct gpio *g)
{
	static const char *const modes[] = { "edges", "count", "level", NULL };
	static const char *const edges[] = { "rising", "falling", "both", NULL };
	static const char *const biases[] = { "as-is", "disable", "pull-up", "pull-down", NULL };
	static const int bias_flags[] = { 0, GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE,
					  GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP,
					  GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN };
	const ts_plugin_host *h = g->host;
	ts_source *s = g->src;
	const char *chip = h->config_get(s, "Chip");
	char lines[GPIO_MAX_LINES][GPIO_NAME_MAX];
	unsigned mode, edge, bias;
	uint64_t rate;
	size_t n_lines;
	int r, edge_set, debounce_set, window_set, rate_set;

	if (chip) {
		if (!*chip || strlen(chip) >= sizeof(g->chip_name))
			return h->config_error(s, "Chip", "expected a chip name, path, label or number");
		snprintf(g->chip_name, sizeof(g->chip_name), "%s", chip);
	}
	/* Every key is read before the mode judges them: keys of another
	 * mode are named as such instead of "unknown". */
	if ((r = h->config_list(s, "Lines", &lines[0][0], GPIO_NAME_MAX, GPIO_MAX_LINES,
				&n_lines)) < 0 ||
	    (r = h->config_enum(s, "Mode", modes, MODE_EDGES, &mode)) < 0 ||
	    (r = edge_set = h->config_enum(s, "Edge", edges, mode == MODE_COUNT ? EDGE_RISING
									      : EDGE_BOTH,
					   &edge)) < 0 ||
	    (r = h->config_bool(s, "ActiveLow", false, &g->active_low)) < 0 ||
	    (r = h->config_enum(s, "Bias", biases, 0, &bias)) < 0 ||
	    (r = debounce_set = h->config_duration(s, "Debounce", 0, 0, 10 * NS_PER_S,
						   &g->debounce_ns)) < 0 ||
	    (r = window_set = h->config_duration(s, "Window", NS_PER_S, NS_PER_MS,
						 3600 * NS_PER_S, &g->window_ns)) < 0 ||
	    (r = rate_set = h->config_uint(s, "Rate", 10, 1, mode == MODE_LEVEL ? 1000 : 1000000,
					   &rate)) < 0)
		return r;
	if (!n_lines)
		return h->config_error(s, "Lines", "required: the line offsets or names to read");
	for (size_t i = 0; i < n_lines; i++)
		if ((r = add_line(g, lines[i])))
			return r;
	g->mode = (enum gpio_mode)mode;
	g->edge = (enum gpio_edge)edge;
	g->bias_flag = bias_flags[bias];
	g->rate = (uint32_t)rate;
	if (edge_set && g->mode == MODE_LEVEL)
		return h->config_error(s, "Edge", "applies to Mode=edges and Mode=count");
	if (debounce_set && g->mode == MODE_LEVEL)
		return h->config_error(s, "Debounce", "applies to Mode=edges and Mode=count");
	if (window_set && g->mode != MODE_COUNT)
		return h->config_error(s, "Window", "applies to Mode=count");
	if (rate_set && g->mode == MODE_COUNT)
		return h->config_error(s, "Rate", "Mode=count sends one frame per Window=");
	if (g->mode == MODE_COUNT) {
		/* nominal: frames per second, rounded, at least 1 */
		uint64_t hz = (NS_PER_S + g->window_ns / 2) / g->window_ns;

		g->rate = hz ? (uint32_t)hz : 1;
	}
	return 0;
}

/* ---- the chip and its lines ------------------------------------------------ */

static void appendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	const size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* "gpiochip0 [pinctrl-bcm2711] (58 lines), ..." into buf. */
static void list_chips(char *buf, size_t size)
{
	struct gpiod_chip_iter *iter = gpiod_chip_iter_new();
	struct gpiod_chip *chip;
	unsigned int n = 0;

	buf[0] = 0;
	if (!iter) {
		snprintf(buf, size, "no GPIO chips in /dev");
		return;
	}
	gpiod_foreach_chip(iter, chip) {
		appendf(buf, size, "%s%s [%s] (%u lines)", n ? ", " : "", gpiod_chip_name(chip),
			gpiod_chip_label(chip), gpiod_chip_num_lines(chip));
		n++;
	}
	gpiod_chip_iter_free(iter);
	if (!n)
		snprintf(buf, size, "no GPIO chips in /dev");
}

/* The chip's line names, "GPIO0, GPIO1, ...", cut short with "...". */
static void list_line_names(struct gpiod_chip *chip, char *buf, size_t size)
{
	const unsigned int lines = gpiod_chip_num_lines(chip);
	unsigned int named = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < lines; i++) {
		struct gpiod_line *line = gpiod_chip_get_line(chip, i);
		const char *name = line ? gpiod_line_name(line) : NULL;

		if (!name || !*name)
			continue;
		if (strlen(buf) + strlen(name) + 8 > size) {
			appendf(buf, size, ", ...");
			break;
		}
		appendf(buf, size, "%s%s", named ? ", " : "", name);
		named++;
	}
	if (!named)
		snprintf(buf, size, "its lines have no names: use offsets 0..%u", lines - 1);
}

static void close_chip(struct gpio *g)
{
	for (uint16_t i = 0; i < g->n; i++)
		g->line[i].line = NULL;
	if (g->chip)
		gpiod_chip_close(g->chip);
	g->chip = NULL;
}

static const char *chip_name(const struct gpio *g)
{
	return g->chip ? gpiod_chip_name(g->chip) : g->chip_name[0] ? g->chip_name : "gpiochip0";
}

/* Opens the chip and finds the lines.  On failure: -errno, a message in
 * msg and the key it is about in *key. */
static int resolve(struct gpio *g, char *msg, size_t size, const char **key)
{
	char list[200];
	int e;

	*key = "Chip";
	if (g->chip_name[0] || g->line[0].want_name[0] == 0) {
		const char *want = g->chip_name[0] ? g->chip_name : "gpiochip0";

		errno = 0;
		g->chip = gpiod_chip_open_lookup(want);
		if (!g->chip) {
			e = errno ? errno : ENOENT;
			if (e == ENOENT || e == ENODEV || e == ENOTTY) {
				list_chips(list, sizeof(list));
				snprintf(msg, size, "no GPIO chip \"%s\" (%s)", want, list);
			} else {
				snprintf(msg, size, "cannot open GPIO chip \"%s\": %s%s", want, strerror(e),
					 e == EACCES ? ACCESS_HINT : "");
			}
			return -e;
		}
	} else {
		/* No Chip=: the first line name picks the chip. */
		struct gpiod_line *line;

		errno = 0;
		line = gpiod_line_find(g->line[0].want_name);
		if (!line) {
			e = errno ? errno : ENOENT;
			*key = "Lines";
			if (e != ENOENT) {
				snprintf(msg, size, "cannot look for line \"%s\": %s%s",
					 g->line[0].want_name, strerror(e), e == EACCES ? ACCESS_HINT : "");
				return -e;
			}
			list_chips(list, sizeof(list));
			snprintf(msg, size, "no line named \"%s\" on any GPIO chip (%s)",
				 g->line[0].want_name, list);
			return -e;
		}
		g->chip = gpiod_line_get_chip(line);
	}
	*key = "Lines";
	for (uint16_t i = 0; i < g->n; i++) {
		struct gpio_line *l = &g->line[i];
		const unsigned int lines = gpiod_chip_num_lines(g->chip);

		errno = 0;
		if (l->want_name[0]) {
			l->line = gpiod_chip_find_line(g->chip, l->want_name);
			if (!l->line) {
				e = errno ? errno : ENOENT;
				list_line_names(g->chip, list, sizeof(list));
				snprintf(msg, size, "no line named \"%s\" on %s [%s] (%s)", l->want_name,
					 gpiod_chip_name(g->chip), gpiod_chip_label(g->chip), list);
				goto fail;
			}
		} else {
			if (l->want_offset >= lines) {
				e = ERANGE;
				snprintf(msg, size, "line %u out of range: %s [%s] has lines 0..%u",
					 l->want_offset, gpiod_chip_name(g->chip),
					 gpiod_chip_label(g->chip), lines - 1);
				goto fail;
			}
			l->line = gpiod_chip_get_line(g->chip, l->want_offset);
			if (!l->line) {
				e = errno ? errno : EIO;
				snprintf(msg, size, "cannot read line %u of %s: %s", l->want_offset,
					 gpiod_chip_name(g->chip), strerror(e));
				goto fail;
			}
		}
		if (!l->label[0]) {
			const char *name = gpiod_line_name(l->line);

			if (l->want_name[0])
				memcpy(l->label, l->want_name, sizeof(l->label));
			else if (name && *name)
				snprintf(l->label, sizeof(l->label), "%s", name);
			else
				snprintf(l->label, sizeof(l->label), "line%u", l->want_offset);
		}
		for (uint16_t j = 0; j < i; j++)
			if (gpiod_line_offset(g->line[j].line) == gpiod_line_offset(l->line)) {
				e = EINVAL;
				snprintf(msg, size, "%s and %s are the same line (%u)",
					 g->line[j].label, l->label, gpiod_line_offset(l->line));
				goto fail;
			}
	}
	return 0;
fail:
	close_chip(g);
	return -e;
}

static void on_readable(ts_source *src, int fd, uint32_t revents, void *user);

static void release_lines(struct gpio *g)
{
	for (uint16_t i = 0; i < g->n; i++) {
		struct gpio_line *l = &g->line[i];

		if (l->watch)
			g->host->unwatch_fd(g->src, l->watch);
		l->watch = NULL;
		if (l->settle_timer)
			g->host->cancel_timer(g->src, l->settle_timer);
		l->settle_timer = NULL;
		if (l->requested && l->line)
			gpiod_line_release(l->line);
		l->requested = false;
		l->fd = -1;
	}
}

/* Requests every line (and watches its events); on failure releases them
 * again and says why in msg. */
static int request_lines(struct gpio *g, char *msg, size_t size)
{
	static const int edge_types[] = { GPIOD_LINE_REQUEST_EVENT_RISING_EDGE,
					  GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE,
					  GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES };
	struct gpiod_line_request_config rc = {
		.consumer = CONSUMER,
		.request_type = g->mode == MODE_LEVEL ? GPIOD_LINE_REQUEST_DIRECTION_INPUT
						      : edge_types[g->edge],
		.flags = (g->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0) | g->bias_flag,
	};
	int e;

	for (uint16_t i = 0; i < g->n; i++) {
		struct gpio_line *l = &g->line[i];
		int fl;

		if (gpiod_line_request(l->line, &rc, 0) < 0) {
			e = errno ? errno : EIO;
			if (e == EBUSY) {
				const char *who = gpiod_line_update(l->line) == 0 ?
							  gpiod_line_consumer(l->line) : NULL;

				snprintf(msg, size, "%s line %u (%s) is busy: used by \"%s\"",
					 chip_name(g), gpiod_line_offset(l->line), l->label,
					 who && *who ? who : "another program");
			} else {
				snprintf(msg, size, "cannot request %s line %u (%s): %s", chip_name(g),
					 gpiod_line_offset(l->line), l->label, strerror(e));
			}
			goto fail;
		}
		l->requested = true;
		l->have_edge = false;
		l->count = 0;
		if (g->mode == MODE_LEVEL)
			continue;
		l->fd = gpiod_line_event_get_fd(l->line);
		fl = l->fd < 0 ? -1 : fcntl(l->fd, F_GETFL);
		if (fl < 0 || fcntl(l->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			e = errno ? errno : EBADF;
			snprintf(msg, size, "%s line %u: no event fd: %s", chip_name(g),
				 gpiod_line_offset(l->line), strerror(e));
			goto fail;
		}
		e = -g->host->watch_fd(g->src, l->fd, TS_FD_READABLE, on_readable, l, &l->watch);
		if (e) {
			snprintf(msg, size, "cannot watch %s line %u: %s", chip_name(g),
				 gpiod_line_offset(l->line), strerror(e));
			goto fail;
		}
		if (g->mode == MODE_EDGES) {
			/* The level before the first edge (logical, as the
			 * kernel applies ActiveLow). */
			const int v = gpiod_line_get_value(l->line);

			if (v < 0) {
				e = errno ? errno : EIO;
				snprintf(msg, size, "reading %s line %u: %s", chip_name(g),
					 gpiod_line_offset(l->line), strerror(e));
				goto fail;
			}
			l->level = (int16_t)(v != 0);
		}
	}
	return 0;
fail:
	release_lines(g);
	return -e;
}

/* Chip (when closed), lines, watches: everything start() needs. */
static int attach(struct gpio *g, char *msg, size_t size)
{
	const char *key;
	int r;

	if (!g->chip && (r = resolve(g, msg, size, &key)) < 0)
		return r;
	r = request_lines(g, msg, size);
	if (r < 0)
		close_chip(g);
	return r;
}

/* ---- delivery --------------------------------------------------------------- */

static void emit(struct gpio *g, const void *frame, uint64_t mono_ns, uint64_t real_ns)
{
	const ts_sample_block b = {
		.struct_size = sizeof(b),
		.frames = 1,
		.data = frame,
		.mono_ns = mono_ns,
		.realtime_ns = real_ns,
	};
	const int r = g->host->emit(g->src, &b);

	if (r == -EAGAIN) {
		g->overruns++;
		if (!g->degraded) {
			g->degraded = true;
			g->host->set_state(g->src, TS_SOURCE_DEGRADED,
					   "the pipeline is full: frames dropped");
		}
	} else if (g->degraded && r == 0) {
		g->degraded = false;
		g->host->log(g->src, LOG_WARNING, "%s: %llu frames dropped so far (pipeline full)",
			     chip_name(g), (unsigned long long)g->overruns);
		g->host->set_state(g->src, TS_SOURCE_RUNNING, NULL);
	}
}

static void emit_levels(struct gpio *g, uint64_t mono_ns, int64_t real_offset)
{
	int16_t frame[GPIO_MAX_LINES];

	for (uint16_t i = 0; i < g->n; i++)
		frame[i] = g->line[i].level;
	emit(g, frame, mono_ns, (uint64_t)((int64_t)mono_ns + real_offset));
}

static int64_t clock_offset(uint64_t *mono_now)
{
	const uint64_t mono = clock_ns(CLOCK_MONOTONIC);
	const uint64_t real = clock_ns(CLOCK_REALTIME);

	if (mono_now)
		*mono_now = mono;
	return (int64_t)(real - mono);
}

static void schedule_retry(struct gpio *g);
static void start_ticks(struct gpio *g);
static void stop_ticks(struct gpio *g);

/* The device is gone or broken: report, let go of it, retry later. */
static void fail(struct gpio *g, const char *msg)
{
	stop_ticks(g);
	release_lines(g);
	close_chip(g);
	g->degraded = false;
	snprintf(g->last_error, sizeof(g->last_error), "%s", msg);
	g->host->set_state(g->src, TS_SOURCE_FAILED, msg);
	g->retry_ms = RETRY_FIRST_MS;
	schedule_retry(g);
}

/* Count mode: the window ending at window_end_ns is complete. */
static void close_window(struct gpio *g, int64_t offset)
{
	int32_t frame[GPIO_MAX_LINES];

	for (uint16_t i = 0; i < g->n; i++) {
		frame[i] = g->line[i].count;
		g->line[i].count = 0;
	}
	emit(g, frame, g->window_end_ns, (uint64_t)((int64_t)g->window_end_ns + offset));
	g->window_end_ns += g->window_ns;
}

static void on_settle(ts_source *src, void *user);

static void handle_event(struct gpio *g, const struct gpio_event *ev, int64_t offset)
{
	struct gpio_line *l = &g->line[ev->line];

	if (g->mode == MODE_COUNT)
		while (ev->mono_ns >= g->window_end_ns)
			close_window(g, offset);
	if (g->debounce_ns && l->have_edge && ev->mono_ns - l->last_edge_ns < g->debounce_ns) {
		/* A bounce.  With both edges, read the level once it has
		 * settled so that the frames end at the true level. */
		if (g->mode == MODE_EDGES && g->edge == EDGE_BOTH && !l->settle_timer) {
			const uint64_t due = l->last_edge_ns + g->debounce_ns;
			const uint64_t now = clock_ns(CLOCK_MONOTONIC);

			g->host->add_timer(g->src, due > now ? (due - now) / 1000 : 0, on_settle, l,
					   &l->settle_timer);
		}
		return;
	}
	l->last_edge_ns = ev->mono_ns;
	l->have_edge = true;
	if (g->mode == MODE_COUNT) {
		if (l->count < INT32_MAX)
			l->count++;
		return;
	}
	l->level = ev->rising;
	emit_levels(g, ev->mono_ns, offset);
}

static void on_settle(ts_source *src, void *user)
{
	struct gpio_line *l = user;
	struct gpio *g = l->g;
	uint64_t now;
	int64_t offset;
	int v;

	(void)src;
	l->settle_timer = NULL;
	v = gpiod_line_get_value(l->line);
	if (v < 0) {
		char msg[160];

		snprintf(msg, sizeof(msg), "reading %s line %u (%s): %s", chip_name(g),
			 gpiod_line_offset(l->line), l->label, strerror(errno));
		fail(g, msg);
		return;
	}
	if ((int16_t)(v != 0) == l->level)
		return;
	l->level = (int16_t)(v != 0);
	offset = clock_offset(&now);
	emit_levels(g, now, offset);
}

/* Reads every line's pending events without blocking and handles them in
 * time order.  Returns false when the source failed. */
static bool drain(struct gpio *g)
{
	const uint64_t mono_now = clock_ns(CLOCK_MONOTONIC);
	const uint64_t real_now = clock_ns(CLOCK_REALTIME);
	const int64_t offset = (int64_t)(real_now - mono_now);

	for (int round = 0; round < 64; round++) {
		size_t n = 0;
		bool more = false;

		for (uint16_t i = 0; i < g->n; i++) {
			struct gpio_line *l = &g->line[i];
			int k;

			for (k = 0; k < EVENTS_PER_READ; k++) {
				struct gpiod_line_event ev;
				uint64_t t;
				size_t j;

				errno = 0;
				if (gpiod_line_event_read(l->line, &ev) < 0) {
					const int e = errno ? errno : EIO;
					char msg[160];

					if (e == EAGAIN || e == EWOULDBLOCK)
						break;
					snprintf(msg, sizeof(msg), "reading events of %s line %u (%s): %s",
						 chip_name(g), gpiod_line_offset(l->line), l->label,
						 strerror(e));
					fail(g, msg);
					return false;
				}
				t = (uint64_t)ev.ts.tv_sec * 1000000000ull + (uint64_t)ev.ts.tv_nsec;
				/* Linux < 5.7 stamps v1 events with CLOCK_REALTIME. */
				if ((t > real_now ? t - real_now : real_now - t) <
				    (t > mono_now ? t - mono_now : mono_now - t))
					t = (uint64_t)((int64_t)t - offset);
				/* insertion sort: stable, and n is small */
				for (j = n++; j > 0 && g->events[j - 1].mono_ns > t; j--)
					g->events[j] = g->events[j - 1];
				g->events[j] = (struct gpio_event){
					.line = i,
					.rising = ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE,
					.mono_ns = t,
				};
			}
			more = more || k == EVENTS_PER_READ;
		}
		for (size_t e = 0; e < n; e++)
			handle_event(g, &g->events[e], offset);
		if (!more)
			break;
	}
	return true;
}

static void on_readable(ts_source *src, int fd, uint32_t revents, void *user)
{
	struct gpio_line *l = user;
	struct gpio *g = l->g;

	(void)src;
	(void)fd;
	if (!drain(g))
		return;
	if (revents & (TS_FD_ERROR | TS_FD_HANGUP)) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s line %u (%s): the event fd hung up (chip removed?)",
			 chip_name(g), gpiod_line_offset(l->line), l->label);
		fail(g, msg);
	}
}

/* ---- timers: count windows, level polls, retries ---------------------------------- */

static void on_tick(ts_source *src, void *user);

static void arm_tick(struct gpio *g, uint64_t due_ns)
{
	const uint64_t now = clock_ns(CLOCK_MONOTONIC);

	if (g->host->add_timer(g->src, due_ns > now ? (due_ns - now + 999) / 1000 : 0, on_tick, g,
			       &g->tick_timer) < 0) {
		g->tick_timer = NULL;
		fail(g, "cannot arm a timer");
	}
}

static void on_tick(ts_source *src, void *user)
{
	struct gpio *g = user;
	uint64_t now;
	int64_t offset;

	(void)src;
	g->tick_timer = NULL;
	if (g->mode == MODE_COUNT) {
		offset = clock_offset(&now);
		/* Events up to now first: they may belong to the closing window. */
		if (!drain(g))
			return;
		while (g->window_end_ns <= now)
			close_window(g, offset);
		arm_tick(g, g->window_end_ns);
		return;
	}
	/* MODE_LEVEL */
	{
		const uint64_t period = 1000000000ull / g->rate;
		int16_t frame[GPIO_MAX_LINES];

		for (uint16_t i = 0; i < g->n; i++) {
			const int v = gpiod_line_get_value(g->line[i].line);

			if (v < 0) {
				char msg[160];

				snprintf(msg, sizeof(msg), "reading %s line %u (%s): %s", chip_name(g),
					 gpiod_line_offset(g->line[i].line), g->line[i].label,
					 strerror(errno));
				fail(g, msg);
				return;
			}
			frame[i] = (int16_t)(v != 0);
		}
		offset = clock_offset(&now);
		emit(g, frame, now, (uint64_t)((int64_t)now + offset));
		/* The next poll on the grid; late polls skip ahead. */
		g->ticks++;
		if (g->tick_start_ns + g->ticks * period <= now)
			g->ticks = (now - g->tick_start_ns) / period + 1;
		arm_tick(g, g->tick_start_ns + g->ticks * period);
	}
}

static void start_ticks(struct gpio *g)
{
	const uint64_t now = clock_ns(CLOCK_MONOTONIC);

	g->tick_start_ns = now;
	g->ticks = 0;
	if (g->mode == MODE_COUNT) {
		g->window_end_ns = now + g->window_ns;
		arm_tick(g, g->window_end_ns);
	} else if (g->mode == MODE_LEVEL) {
		arm_tick(g, now); /* the first poll at once */
	}
}

static void stop_ticks(struct gpio *g)
{
	if (g->tick_timer)
		g->host->cancel_timer(g->src, g->tick_timer);
	g->tick_timer = NULL;
}

static void on_retry(ts_source *src, void *user)
{
	struct gpio *g = user;
	char msg[256];

	(void)src;
	g->retry_timer = NULL;
	if (attach(g, msg, sizeof(msg)) < 0) {
		if (strcmp(msg, g->last_error)) {
			snprintf(g->last_error, sizeof(g->last_error), "%s", msg);
			g->host->set_state(g->src, TS_SOURCE_FAILED, msg);
		}
		g->retry_ms = g->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : g->retry_ms * 2;
		schedule_retry(g);
		return;
	}
	g->last_error[0] = 0;
	g->host->log(g->src, LOG_NOTICE, "%s: lines requested again", chip_name(g));
	g->host->set_state(g->src, TS_SOURCE_RUNNING, NULL);
	start_ticks(g);
}

static void schedule_retry(struct gpio *g)
{
	if (g->host->add_timer(g->src, (uint64_t)g->retry_ms * 1000, on_retry, g,
			       &g->retry_timer) < 0) {
		g->retry_timer = NULL;
		g->host->log(g->src, LOG_ERR, "cannot arm the retry timer: the source stays failed");
	}
}

/* ---- the plugin ------------------------------------------------------------- */

static int gpio_open(ts_source *src, const ts_plugin_host *host, void **priv)
{
	struct gpio *g = calloc(1, sizeof(*g));
	ts_stream_format format = { .struct_size = sizeof(format) };
	const char *key;
	char msg[400];
	int r;

	if (!g)
		return -ENOMEM;
	/* The typed getters are ABI 1.1: a 1.0 daemon has none. */
	if (!TS_PLUGIN_HOST_HAS(host, config_list)) {
		free(g);
		host->log(src, LOG_ERR, "needs tinysensed with plugin ABI 1.1 or later");
		return -EPROTO;
	}
	g->src = src;
	g->host = host;
	for (int i = 0; i < GPIO_MAX_LINES; i++) {
		g->line[i].g = g;
		g->line[i].fd = -1;
	}
	r = read_config(g);
	if (r) {
		free(g);
		return r;
	}
	r = resolve(g, msg, sizeof(msg), &key);
	if (r < 0) {
		free(g);
		return host->config_error(src, key, "%s", msg);
	}
	for (uint16_t i = 0; i < g->n; i++)
		g->info[i] = (ts_channel_info){
			.name = g->line[i].label,
			.unit = g->mode == MODE_COUNT ? "count" : "",
			.scale = 1.0,
		};
	format.format = g->mode == MODE_COUNT ? TS_SAMPLE_S32 : TS_SAMPLE_S16;
	format.rate_hz = g->rate;
	format.channels = g->n;
	format.channel = g->info;
	r = host->set_format(src, &format);
	if (r) {
		close_chip(g);
		free(g);
		return r;
	}
	*priv = g;
	return 0;
}

static int gpio_start(void *priv)
{
	struct gpio *g = priv;
	char msg[256];

	g->degraded = false;
	g->overruns = 0;
	if (attach(g, msg, sizeof(msg)) < 0) {
		/* Not fatal: report and keep trying (a busy line, an
		 * expander plugged in later). */
		snprintf(g->last_error, sizeof(g->last_error), "%s", msg);
		g->host->set_state(g->src, TS_SOURCE_FAILED, msg);
		g->retry_ms = RETRY_FIRST_MS;
		schedule_retry(g);
		return 0;
	}
	g->host->set_state(g->src, TS_SOURCE_RUNNING, NULL);
	start_ticks(g);
	return 0;
}

static void gpio_stop(void *priv)
{
	struct gpio *g = priv;

	stop_ticks(g);
	if (g->retry_timer)
		g->host->cancel_timer(g->src, g->retry_timer);
	g->retry_timer = NULL;
	release_lines(g);
}

static void gpio_close(void *priv)
{
	struct gpio *g = priv;

	if (!g)
		return;
	gpio_stop(g);
	close_chip(g);
	free(g);
}

TS_PLUGIN_DESCRIPTOR = {
	.abi_major = TS_PLUGIN_ABI_MAJOR,
	.abi_minor = TS_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(ts_plugin),
	.name = "gpio",
	.description = "GPIO lines (libgpiod): edges, pulse counts or polled levels",
	.open = gpio_open,
	.start = gpio_start,
	.stop = gpio_stop,
	.close = gpio_close,
};
