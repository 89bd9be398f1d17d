/* SPDX-License-Identifier: MIT */
/*
 * The gpio plugin (plugins/gpio/gpio.c, compiled in) with the REAL libgpiod
 * 1.6 against umockdev's ioctl emulation, all in this one process:
 *
 *   plugin -> libgpiod -> open()/ioctl()/read()   (libumockdev-preload)
 *          -> umockdev testbed: /dev/gpiochip0 and its sysfs entry, every
 *             ioctl answered by emu_ioctl() below.
 *
 * The emulated chip is gpiochip0, label "umock-gpio", 8 lines named GPIO0 ..
 * GPIO5, DOOR, RAIN.  emu_ioctl() answers the v1 uAPI as the kernel does:
 * GPIO_GET_CHIPINFO / LINEINFO / LINEHANDLE / LINEEVENT on the chip and
 * GPIOHANDLE_GET/SET_LINE_VALUES on a request's fd.  A request's fd is the
 * testbed node /dev/gpiochip0-lineN: a FIFO the handler opens O_RDWR (no
 * EOF while the request lives) with the handler attached to it too, so its
 * ioctls come back to emu_ioctl() while its reads (left unhandled) and
 * poll() go to the FIFO.  That fd is valid for libgpiod only because the
 * handler runs in the same process: this does not work across processes.
 * Edge events: the test writes struct gpioevent_data into the FIFO, the way
 * the kernel queues them; emu_wire() does it for the edges the request
 * asked for.  A line is requested while a reader holds its FIFO (the
 * kernel: while the request's fd is open), so the kernel's EBUSY and the
 * consumer in LINEINFO are real too.
 *
 * Threads: umockdev runs the handler on its testbed's worker thread, on a
 * private GMainContext; a client's ioctl() blocks on a socket until the
 * handler completes it.  The test's thread therefore iterates no GLib main
 * loop, and the handler may not use CMocka's asserts (they longjmp on the
 * main thread): it records what it saw under emu.lock and the tests check.
 *
 * Time is the real CLOCK_MONOTONIC.  The fake host (as in test_gpio.c)
 * runs fd callbacks by polling the watched fds, and fires timers when the
 * test says so, after waiting for their due time.
 *
 * Covered: open() resolving Lines= by offset and name through libgpiod on
 * the emulated chip (Chip= by name, path, number; default chip), a bad line
 * name and offset as config errors; edges (events from the FIFO, levels
 * before the first edge, time order across lines, CLOCK_REALTIME stamps of
 * Linux < 5.7); counts per window from the window timer; level polls of
 * GPIOHANDLE_GET_LINE_VALUES with ActiveLow and Bias passed to the kernel;
 * a line held by another consumer (busy, then free on retry).  Not here:
 * chip iteration (gpiod_chip_iter reads /dev with scandir, which umockdev
 * does not redirect), so Chip= by label and Lines= by name without Chip=
 * find nothing; test_gpio.c covers those paths with a fake libgpiod.
 *
 * Run: under umockdev-wrapper.  main() re-executes itself under it when
 * libumockdev-preload is not loaded, so `make test` runs it as it is (an
 * ASan build gets ASAN_OPTIONS=verify_asan_link_order=0: the preload comes
 * before the ASan runtime).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <limits.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>

#include <tinysense/plugin.h>

#include "fake_host.h"

extern const ts_plugin ts_plugin_descriptor;

#define MS 1000000ull
#define CHIP_DEV "/dev/gpiochip0"
#define LINE_DEV "/dev/gpiochip0-line"
#define CHIP_LINES 8u

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC now. */
static int64_t realtime_offset(void)
{
	const uint64_t mono = now_ns(CLOCK_MONOTONIC);

	return (int64_t)(now_ns(CLOCK_REALTIME) - mono);
}

/* ---- the emulated chip (runs on umockdev's worker thread) ------------------ */

static const char *const line_names[CHIP_LINES] = {
	"GPIO0", "GPIO1", "GPIO2", "GPIO3", "GPIO4", "GPIO5", "DOOR", "RAIN",
};

enum req_kind { REQ_NONE, REQ_HANDLE, REQ_EVENT };

struct emu_line {
	int phys;               /* the wire: 0 low, 1 high */
	enum req_kind kind;     /* the last request (live while its FIFO has a reader) */
	uint32_t handleflags;   /* GPIOHANDLE_REQUEST_* of that request */
	uint32_t eventflags;    /* GPIOEVENT_REQUEST_* of that request */
	char consumer[GPIO_MAX_NAME_SIZE];
	unsigned int requests;  /* LINEHANDLE + LINEEVENT granted */
	unsigned int value_reads; /* GPIOHANDLE_GET_LINE_VALUES answered */
};

static struct {
	GMutex lock;
	UMockdevTestbed *tb;
	UMockdevIoctlBase *handler;
	char root[PATH_MAX];
	char chip_target[PATH_MAX]; /* what an open /dev/gpiochip0 fd points to */
	struct emu_line line[CHIP_LINES];
	unsigned int unexpected;    /* ioctls the emulation refused as unknown */
	unsigned long last_unexpected;
	unsigned int errors;        /* resolve or open failures in the handler */
} emu;

static void fifo_path(unsigned int offset, char *buf, size_t size)
{
	snprintf(buf, size, "%s" LINE_DEV "%u", emu.root, offset);
}

/* Whether a request holds the line: its FIFO has a reader (opening the
 * write end without one fails with ENXIO). */
static bool line_held(unsigned int offset)
{
	char path[PATH_MAX + 32];
	int fd;

	fifo_path(offset, path, sizeof(path));
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The argument of the ioctl, resolved into local memory; complete() copies
 * it back to the caller.  *ref is to be released with g_object_unref. */
static void *resolve(UMockdevIoctlClient *client, size_t size, UMockdevIoctlData **ref)
{
	GError *error = NULL;

	*ref = umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(client), 0, size, &error);
	if (!*ref) {
		if (error)
			g_error_free(error);
		emu.errors++;
		return NULL;
	}
	return (*ref)->data;
}

/* A new request's fd: the line's FIFO through the testbed, so that its
 * ioctls come to this handler. */
static int open_request_fd(unsigned int offset, int *err)
{
	char dev[64];
	int fd;

	snprintf(dev, sizeof(dev), LINE_DEV "%u", offset);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		emu.errors++;
	}
	return fd;
}

static long chip_ioctl(UMockdevIoctlClient *client, unsigned long request, int *err)
{
	UMockdevIoctlData *ref = NULL;
	long ret = 0;

	switch (request) {
	case GPIO_GET_CHIPINFO_IOCTL: {
		struct gpiochip_info *info = resolve(client, sizeof(*info), &ref);

		if (!info)
			return *err = EFAULT, -1;
		memset(info, 0, sizeof(*info));
		snprintf(info->name, sizeof(info->name), "gpiochip0");
		snprintf(info->label, sizeof(info->label), "umock-gpio");
		info->lines = CHIP_LINES;
		break;
	}
	case GPIO_GET_LINEINFO_IOCTL: {
		struct gpioline_info *info = resolve(client, sizeof(*info), &ref);
		struct emu_line *l;

		if (!info)
			return *err = EFAULT, -1;
		if (info->line_offset >= CHIP_LINES) {
			*err = EINVAL;
			ret = -1;
			break;
		}
		l = &emu.line[info->line_offset];
		info->flags = 0;
		memset(info->consumer, 0, sizeof(info->consumer));
		snprintf(info->name, sizeof(info->name), "%s", line_names[info->line_offset]);
		if (l->kind != REQ_NONE && line_held(info->line_offset)) {
			/* the GPIOLINE_FLAG_ bits match the request's */
			info->flags = GPIOLINE_FLAG_KERNEL |
				      (l->handleflags & (GPIOHANDLE_REQUEST_ACTIVE_LOW |
							 GPIOHANDLE_REQUEST_BIAS_PULL_UP |
							 GPIOHANDLE_REQUEST_BIAS_PULL_DOWN |
							 GPIOHANDLE_REQUEST_BIAS_DISABLE));
			if (l->handleflags & GPIOHANDLE_REQUEST_OUTPUT)
				info->flags |= GPIOLINE_FLAG_IS_OUT;
			memcpy(info->consumer, l->consumer, sizeof(info->consumer));
		}
		break;
	}
	case GPIO_GET_LINEHANDLE_IOCTL: {
		struct gpiohandle_request *req = resolve(client, sizeof(*req), &ref);
		unsigned int off;
		struct emu_line *l;

		if (!req)
			return *err = EFAULT, -1;
		/* One line per request: what the plugin asks for. */
		if (req->lines != 1 || req->lineoffsets[0] >= CHIP_LINES) {
			*err = EINVAL;
			ret = -1;
			break;
		}
		off = req->lineoffsets[0];
		l = &emu.line[off];
		if (line_held(off)) {
			*err = EBUSY;
			ret = -1;
			break;
		}
		req->fd = open_request_fd(off, err);
		if (req->fd < 0) {
			ret = -1;
			break;
		}
		l->kind = REQ_HANDLE;
		l->handleflags = req->flags;
		l->eventflags = 0;
		memcpy(l->consumer, req->consumer_label, sizeof(l->consumer));
		l->consumer[sizeof(l->consumer) - 1] = 0;
		if (req->flags & GPIOHANDLE_REQUEST_OUTPUT)
			l->phys = !!req->default_values[0] ^
				  !!(req->flags & GPIOHANDLE_REQUEST_ACTIVE_LOW);
		l->requests++;
		break;
	}
	case GPIO_GET_LINEEVENT_IOCTL: {
		struct gpioevent_request *req = resolve(client, sizeof(*req), &ref);
		struct emu_line *l;

		if (!req)
			return *err = EFAULT, -1;
		if (req->lineoffset >= CHIP_LINES || !(req->eventflags & GPIOEVENT_REQUEST_BOTH_EDGES) ||
		    (req->handleflags & GPIOHANDLE_REQUEST_OUTPUT)) {
			*err = EINVAL;
			ret = -1;
			break;
		}
		l = &emu.line[req->lineoffset];
		if (line_held(req->lineoffset)) {
			*err = EBUSY;
			ret = -1;
			break;
		}
		req->fd = open_request_fd(req->lineoffset, err);
		if (req->fd < 0) {
			ret = -1;
			break;
		}
		l->kind = REQ_EVENT;
		l->handleflags = req->handleflags;
		l->eventflags = req->eventflags;
		memcpy(l->consumer, req->consumer_label, sizeof(l->consumer));
		l->consumer[sizeof(l->consumer) - 1] = 0;
		l->requests++;
		break;
	}
	default:
		emu.unexpected++;
		emu.last_unexpected = request;
		*err = ENOTTY;
		ret = -1;
	}
	if (ref)
		g_object_unref(ref);
	return ret;
}

/* ioctls on a request's fd, /dev/gpiochip0-lineN. */
static long line_ioctl(UMockdevIoctlClient *client, unsigned int offset, unsigned long request,
		       int *err)
{
	struct emu_line *l = &emu.line[offset];
	UMockdevIoctlData *ref = NULL;
	struct gpiohandle_data *data;
	const int active_low = !!(l->handleflags & GPIOHANDLE_REQUEST_ACTIVE_LOW);
	long ret = 0;

	if (request != GPIOHANDLE_GET_LINE_VALUES_IOCTL &&
	    request != GPIOHANDLE_SET_LINE_VALUES_IOCTL) {
		emu.unexpected++;
		emu.last_unexpected = request;
		return *err = ENOTTY, -1;
	}
	data = resolve(client, sizeof(*data), &ref);
	if (!data)
		return *err = EFAULT, -1;
	if (request == GPIOHANDLE_GET_LINE_VALUES_IOCTL) {
		/* logical values: the kernel applies ACTIVE_LOW */
		data->values[0] = (uint8_t)(l->phys ^ active_low);
		l->value_reads++;
	} else if (l->kind == REQ_HANDLE && (l->handleflags & GPIOHANDLE_REQUEST_OUTPUT)) {
		l->phys = !!data->values[0] ^ active_low;
	} else {
		*err = EPERM; /* the kernel: setting an input line */
		ret = -1;
	}
	g_object_unref(ref);
	return ret;
}

/* "handle-ioctl": on umockdev's worker thread. */
static gboolean emu_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user)
{
	const char *dev = umockdev_ioctl_client_get_devnode(client);
	const unsigned long request = umockdev_ioctl_client_get_request(client);
	unsigned int offset;
	int err = 0;
	long ret;

	(void)handler;
	(void)user;
	g_mutex_lock(&emu.lock);
	if (!strcmp(dev, CHIP_DEV))
		ret = chip_ioctl(client, request, &err);
	else if (sscanf(dev, LINE_DEV "%u", &offset) == 1 && offset < CHIP_LINES)
		ret = line_ioctl(client, offset, request, &err);
	else
		ret = -1, err = ENOTTY, emu.errors++;
	g_mutex_unlock(&emu.lock);
	umockdev_ioctl_client_complete(client, ret, ret < 0 ? err : 0);
	return TRUE;
}

/* ---- the emulated chip: the test's side ------------------------------------ */

/* A v1 edge event into the FIFO of a line requested for events. */
static void emu_write_event(unsigned int offset, uint64_t timestamp, uint32_t id)
{
	struct gpioevent_data ev;
	char path[PATH_MAX + 32];
	int fd;

	memset(&ev, 0, sizeof(ev)); /* the padding too */
	ev.timestamp = timestamp;
	ev.id = id;
	fifo_path(offset, path, sizeof(path));
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail_msg("line %u is not requested: %s", offset, strerror(errno));
	assert_int_equal(write(fd, &ev, sizeof(ev)), sizeof(ev));
	close(fd);
}

/* The wire of `offset` goes to phys at `timestamp`: the kernel queues an
 * event when the line is requested for that (logical) edge. */
static void emu_wire(unsigned int offset, int phys, uint64_t timestamp)
{
	struct emu_line *l = &emu.line[offset];
	bool queue, rising;

	g_mutex_lock(&emu.lock);
	queue = l->phys != phys && l->kind == REQ_EVENT;
	l->phys = phys;
	rising = (phys ^ !!(l->handleflags & GPIOHANDLE_REQUEST_ACTIVE_LOW)) == 1;
	queue = queue && (l->eventflags & (rising ? GPIOEVENT_REQUEST_RISING_EDGE
						  : GPIOEVENT_REQUEST_FALLING_EDGE));
	g_mutex_unlock(&emu.lock);
	if (queue && line_held(offset))
		emu_write_event(offset, timestamp,
				rising ? GPIOEVENT_EVENT_RISING_EDGE : GPIOEVENT_EVENT_FALLING_EDGE);
}

static struct emu_line emu_get(unsigned int offset)
{
	struct emu_line l;

	g_mutex_lock(&emu.lock);
	l = emu.line[offset];
	g_mutex_unlock(&emu.lock);
	return l;
}

static void emu_reset(void)
{
	g_mutex_lock(&emu.lock);
	memset(emu.line, 0, sizeof(emu.line));
	emu.unexpected = emu.errors = 0;
	g_mutex_unlock(&emu.lock);
}

/* Open fds on the testbed's chip or line nodes (a leak check). */
static int testbed_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	const size_t root_len = strlen(emu.root);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char link[sizeof(e->d_name) + 16], target[PATH_MAX];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		n += !strncmp(target, emu.root, root_len) || !strcmp(target, emu.chip_target);
	}
	closedir(d);
	return n;
}

static int emu_start(void **state)
{
	static const char device[] =
		"P: /devices/platform/umock-gpio/gpiochip0\n"
		"N: gpiochip0\n"
		"E: DEVNAME=/dev/gpiochip0\n"
		"E: SUBSYSTEM=gpio\n"
		/* libgpiod compares "major:minor\n" with the node's st_rdev */
		"A: dev=254:0\\n\n";
	GError *error = NULL;
	char path[PATH_MAX + 32], *root;

	(void)state;
	g_mutex_init(&emu.lock);
	emu.tb = umockdev_testbed_new();
	if (!umockdev_testbed_add_from_string(emu.tb, device, &error))
		fail_msg("testbed: %s", error->message);
	root = umockdev_testbed_get_root_dir(emu.tb);
	snprintf(emu.root, sizeof(emu.root), "%s", root);
	g_free(root);
	snprintf(path, sizeof(path), "%s%s", emu.root, CHIP_DEV);
	assert_non_null(realpath(path, emu.chip_target)); /* umockdev's pty */

	emu.handler = umockdev_ioctl_base_new();
	g_signal_connect(emu.handler, "handle-ioctl", G_CALLBACK(emu_ioctl), NULL);
	if (!umockdev_testbed_attach_ioctl(emu.tb, CHIP_DEV, emu.handler, &error))
		fail_msg("attach %s: %s", CHIP_DEV, error->message);
	for (unsigned int i = 0; i < CHIP_LINES; i++) {
		char dev[64];

		fifo_path(i, path, sizeof(path));
		assert_int_equal(mkfifo(path, 0600), 0);
		snprintf(dev, sizeof(dev), LINE_DEV "%u", i);
		if (!umockdev_testbed_attach_ioctl(emu.tb, dev, emu.handler, &error))
			fail_msg("attach %s: %s", dev, error->message);
	}
	return 0;
}

static int emu_stop(void **state)
{
	(void)state;
	g_object_unref(emu.handler); /* the testbed holds it until it goes */
	g_object_unref(emu.tb);
	return 0;
}

/* ---- fake host ------------------------------------------------------------- */

static struct fake_host fh;

static uint64_t mono_now(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static short poll_fd(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_true(poll(&p, 1, 0) >= 0);
	return p.revents;
}

/* Calls the callbacks of ready fds, as the daemon's epoll loop would.
 * Returns how many were ready. */
static int dispatch_fds(void)
{
	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		if (fh.watches[i].active)
			assert_int_equal(fh.watches[i].events, TS_FD_READABLE);
	return fake_host_dispatch_fds(&fh);
}

static struct fake_watch *watch_of(int n)
{
	int k = 0;

	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		if (fh.watches[i].active && k++ == n)
			return &fh.watches[i];
	fail_msg("no watch #%d", n);
	return NULL;
}

static size_t active_watches(void)
{
	size_t n = 0;

	for (size_t i = 0; i < FAKE_HOST_MAX_WATCHES; i++)
		n += fh.watches[i].active;
	return n;
}

/* The one armed timer. */
static struct fake_timer *the_timer(void)
{
	struct fake_timer *t = NULL;

	for (size_t i = 0; i < FAKE_HOST_MAX_TIMERS; i++)
		if (fh.timers[i].active) {
			assert_null(t);
			t = &fh.timers[i];
		}
	assert_non_null(t);
	return t;
}

static void sleep_until(uint64_t mono)
{
	const struct timespec ts = { .tv_sec = (time_t)(mono / 1000000000ull),
				     .tv_nsec = (long)(mono % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Fires a timer: at its due time, or at once (the plugin does not look at
 * the clock in every callback: a retry). */
static void fire(struct fake_timer *t, bool at_due_time)
{
	if (at_due_time)
		sleep_until(t->due_ns);
	assert_true(t->active);
	t->active = false; /* one-shot: the handle ends with its call */
	t->cb(fake_host_src(&fh), t->user);
}

static int setup(void **state)
{
	(void)state;
	fake_host_reset(&fh, mono_now);
	emu_reset();
	return 0;
}

static void *current; /* the open instance, closed by teardown after a failure */

static int teardown(void **state)
{
	unsigned int unexpected, errors;
	unsigned long last;

	(void)state;
	if (current) {
		ts_plugin_descriptor.stop(current);
		ts_plugin_descriptor.close(current);
		current = NULL;
	}
	g_mutex_lock(&emu.lock);
	unexpected = emu.unexpected;
	last = emu.last_unexpected;
	errors = emu.errors;
	g_mutex_unlock(&emu.lock);
	if (unexpected)
		fprintf(stderr, "the emulation refused ioctl 0x%lx\n", last);
	assert_int_equal(unexpected, 0);
	assert_int_equal(errors, 0);
	return 0;
}

static void config(const char *key, const char *value)
{
	fake_host_key(&fh, key, value);
}

static void *open_plugin(void)
{
	void *priv = NULL;

	if (fake_host_open(&fh, &ts_plugin_descriptor, &priv))
		fail_msg("open: %s: %s", fh.error_key, fh.error);
	assert_non_null(priv);
	current = priv;
	return priv;
}

/* stop + close: nothing watched, armed, requested or open any more. */
static void close_plugin(void *priv, int fds_before)
{
	current = NULL;
	ts_plugin_descriptor.stop(priv);
	ts_plugin_descriptor.close(priv);
	assert_int_equal(active_watches(), 0);
	for (size_t i = 0; i < FAKE_HOST_MAX_TIMERS; i++)
		assert_false(fh.timers[i].active);
	for (unsigned int i = 0; i < CHIP_LINES; i++)
		assert_false(line_held(i));
	assert_int_equal(testbed_fds(), fds_before);
}

/* realtime_ns = mono_ns + (REALTIME - MONOTONIC), as measured now. */
static void assert_realtime(const struct fake_block *f)
{
	const int64_t off = realtime_offset();
	const int64_t d = (int64_t)(f->real - f->mono) - off;

	if (d > (int64_t)(20 * MS) || d < -(int64_t)(20 * MS))
		fail_msg("realtime_ns - mono_ns is %lld ns off the clocks' offset", (long long)d);
}

/* ---- the tests ------------------------------------------------------------- */

/* (1) open() resolves Lines= by offset and by name through libgpiod's
 * CHIPINFO and LINEINFO ioctls; nothing is requested before start(). */
static void test_open_resolves_lines(void **state)
{
	const int fds = testbed_fds();
	void *g;

	(void)state;
	config("Chip", "gpiochip0");
	config("Lines", "3, DOOR ,RAIN");
	g = open_plugin();
	assert_int_equal(fh.format.format, TS_SAMPLE_S16);
	assert_int_equal(fh.format.channels, 3);
	assert_string_equal(fh.channel_names[0], "GPIO3"); /* the kernel's name of offset 3 */
	assert_string_equal(fh.channel_names[1], "DOOR");
	assert_string_equal(fh.channel_names[2], "RAIN");
	assert_int_equal(testbed_fds(), fds + 1); /* the chip stays open */
	for (unsigned int i = 0; i < CHIP_LINES; i++)
		assert_int_equal(emu_get(i).requests, 0);
	close_plugin(g, fds);

	/* Chip= as a path and as a number, and the default chip. */
	static const char *const chips[] = { "/dev/gpiochip0", "0", NULL };

	for (size_t i = 0; i < 3; i++) {
		fake_host_reset(&fh, mono_now);
		if (chips[i])
			config("Chip", chips[i]);
		config("Lines", "5");
		g = open_plugin();
		assert_int_equal(fh.format.channels, 1);
		assert_string_equal(fh.channel_names[0], "GPIO5");
		close_plugin(g, fds);
	}
}

/* open() must fail with the message; nothing stays open. */
static void expect_config_error(const char *key, const char *text, int fds)
{
	void *priv = NULL;

	assert_int_equal(fake_host_open(&fh, &ts_plugin_descriptor, &priv), -EINVAL);
	assert_string_equal(fh.error_key, key);
	if (!strstr(fh.error, text))
		fail_msg("'%s' not in '%s'", text, fh.error);
	assert_int_equal(testbed_fds(), fds);
	fake_host_clear_keys(&fh);
}

static void test_bad_line_config(void **state)
{
	const int fds = testbed_fds();

	(void)state;
	config("Chip", "gpiochip0");
	config("Lines", "3,NOPE");
	expect_config_error("Lines", "no line named \"NOPE\" on gpiochip0 [umock-gpio] "
				     "(GPIO0, GPIO1, GPIO2, GPIO3, GPIO4, GPIO5, DOOR, RAIN)", fds);
	config("Chip", "/dev/gpiochip0");
	config("Lines", "8");
	expect_config_error("Lines", "line 8 out of range: gpiochip0 [umock-gpio] has lines 0..7",
			    fds);
	config("Lines", "6,DOOR");
	expect_config_error("Lines", "DOOR and DOOR are the same line (6)", fds);
}

/* (2) edges: events written into the request's FIFO make the watched fd
 * readable; a frame per edge, at the event's timestamp, in time order
 * across lines, with the levels read at start() before the first edge. */
static void test_edges_from_event_fifo(void **state)
{
	const int fds = testbed_fds();
	struct emu_line l3, door;
	uint64_t t0, t_real;
	void *g;

	(void)state;
	emu_wire(6, 1, 0); /* DOOR high before the start */
	config("Chip", "gpiochip0");
	config("Lines", "3,DOOR");
	config("Mode", "edges");
	g = open_plugin();
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);

	/* What libgpiod asked the kernel for. */
	l3 = emu_get(3);
	door = emu_get(6);
	assert_int_equal(l3.kind, REQ_EVENT);
	assert_int_equal(l3.eventflags, GPIOEVENT_REQUEST_BOTH_EDGES);
	assert_int_equal(l3.handleflags, GPIOHANDLE_REQUEST_INPUT);
	assert_string_equal(l3.consumer, "tinysense");
	assert_int_equal(door.kind, REQ_EVENT);
	assert_int_equal(l3.value_reads, 1); /* the levels before the first edge */
	assert_int_equal(door.value_reads, 1);
	assert_true(line_held(3) && line_held(6));

	/* Two watched fds, made non-blocking, nothing to read yet. */
	assert_int_equal(active_watches(), 2);
	for (int i = 0; i < 2; i++) {
		assert_true(fcntl(watch_of(i)->fd, F_GETFL) & O_NONBLOCK);
		assert_int_equal(poll_fd(watch_of(i)->fd), 0);
	}
	assert_int_equal(dispatch_fds(), 0);

	/* DOOR falls at t0+2ms; line 3 rises at t0+1ms and falls at t0+3ms:
	 * written line by line, delivered in time order. */
	t0 = now_ns(CLOCK_MONOTONIC);
	emu_write_event(6, t0 + 2 * MS, GPIOEVENT_EVENT_FALLING_EDGE);
	emu_write_event(3, t0 + 1 * MS, GPIOEVENT_EVENT_RISING_EDGE);
	emu_write_event(3, t0 + 3 * MS, GPIOEVENT_EVENT_FALLING_EDGE);
	assert_true(poll_fd(watch_of(0)->fd) & POLLIN);
	assert_true(poll_fd(watch_of(1)->fd) & POLLIN);
	assert_true(dispatch_fds() >= 1);
	assert_int_equal(dispatch_fds(), 0); /* all read */
	assert_int_equal(fh.n_blocks, 3);
	assert_int_equal(fh.blocks[0].mono, t0 + 1 * MS);
	assert_int_equal(fh.blocks[0].v[0], 1);
	assert_int_equal(fh.blocks[0].v[1], 1);
	assert_int_equal(fh.blocks[1].mono, t0 + 2 * MS);
	assert_int_equal(fh.blocks[1].v[0], 1);
	assert_int_equal(fh.blocks[1].v[1], 0);
	assert_int_equal(fh.blocks[2].mono, t0 + 3 * MS);
	assert_int_equal(fh.blocks[2].v[0], 0);
	assert_int_equal(fh.blocks[2].v[1], 0);
	for (size_t i = 0; i < 3; i++)
		assert_realtime(&fh.blocks[i]);

	/* Linux < 5.7 stamps v1 events with CLOCK_REALTIME: the frame still
	 * gets the monotonic time of the edge. */
	t_real = now_ns(CLOCK_REALTIME);
	emu_write_event(6, t_real, GPIOEVENT_EVENT_RISING_EDGE);
	dispatch_fds();
	assert_int_equal(fh.n_blocks, 4);
	assert_int_equal(fh.blocks[3].v[1], 1);
	assert_true(fh.blocks[3].mono > t0);
	assert_true(fh.blocks[3].mono <= now_ns(CLOCK_MONOTONIC));
	assert_realtime(&fh.blocks[3]);
	{
		const int64_t d = (int64_t)(fh.blocks[3].real - t_real);

		assert_true(d < (int64_t)(20 * MS) && d > -(int64_t)(20 * MS));
	}

	/* The kernel's view: emu_wire() queues only what was requested. */
	emu_wire(3, 1, t0 + 10 * MS);
	dispatch_fds();
	assert_int_equal(fh.n_blocks, 5);
	assert_int_equal(fh.blocks[4].mono, t0 + 10 * MS);
	assert_int_equal(fh.blocks[4].v[0], 1);

	close_plugin(g, fds);
}

/* (3) count: N rising edges inside a window are one frame with N when the
 * window's timer fires; windows follow each other exactly. */
static void test_count_per_window(void **state)
{
	const uint64_t window = 100 * MS;
	const int fds = testbed_fds();
	struct fake_timer *t;
	uint64_t end, start;
	void *g;

	(void)state;
	config("Chip", "/dev/gpiochip0");
	config("Lines", "RAIN");
	config("Mode", "count");
	config("Window", "100ms");
	g = open_plugin();
	assert_int_equal(fh.format.format, TS_SAMPLE_S32);
	assert_int_equal(fh.format.rate_hz, 10);
	assert_string_equal(fh.channel_units[0], "count");
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	assert_int_equal(emu_get(7).kind, REQ_EVENT);
	assert_int_equal(emu_get(7).eventflags, GPIOEVENT_REQUEST_RISING_EDGE);
	assert_int_equal(active_watches(), 1);

	/* The window timer: due at the window's end (within the few us
	 * between the plugin's clock reading and the host's). */
	t = the_timer();
	end = t->due_ns;
	start = end - window;

	/* Four pulses in the window: only the rising edges reach the FIFO. */
	for (uint64_t k = 0; k < 4; k++) {
		emu_wire(7, 1, start + (10 + 20 * k) * MS);
		emu_wire(7, 0, start + (15 + 20 * k) * MS);
	}
	assert_true(poll_fd(watch_of(0)->fd) & POLLIN);
	assert_int_equal(dispatch_fds(), 1);
	assert_int_equal(fh.n_blocks, 0); /* counted, the window is still open */
	fire(t, true);
	assert_int_equal(fh.n_blocks, 1);
	assert_int_equal(fh.blocks[0].v[0], 4);
	assert_true(fh.blocks[0].mono <= end && fh.blocks[0].mono + 5 * MS > end);
	assert_realtime(&fh.blocks[0]);

	/* Window 2: two pulses, read only when its timer fires. */
	t = the_timer();
	emu_wire(7, 1, end + 30 * MS);
	emu_wire(7, 0, end + 31 * MS);
	emu_wire(7, 1, end + 60 * MS);
	fire(t, true);
	assert_int_equal(fh.n_blocks, 2);
	assert_int_equal(fh.blocks[1].v[0], 2);
	assert_int_equal(fh.blocks[1].mono - fh.blocks[0].mono, window);

	/* Window 3 has no edge, and the loop is late: an edge at end + 250 ms
	 * (window 4) is read when window 3's timer fires, and counts in 4. */
	t = the_timer();
	sleep_until(end + 250 * MS);
	emu_wire(7, 0, end + 240 * MS); /* a falling edge: not requested */
	emu_wire(7, 1, end + 250 * MS);
	fire(t, true);
	assert_int_equal(fh.n_blocks, 3);
	assert_int_equal(fh.blocks[2].v[0], 0);
	assert_int_equal(fh.blocks[2].mono - fh.blocks[0].mono, 2 * window);
	fire(the_timer(), true);
	assert_int_equal(fh.n_blocks, 4);
	assert_int_equal(fh.blocks[3].v[0], 1);
	assert_int_equal(fh.blocks[3].mono - fh.blocks[0].mono, 3 * window);
	close_plugin(g, fds);
}

/* (4) level: each poll reads GPIOHANDLE_GET_LINE_VALUES; ActiveLow and the
 * bias go to the kernel in the request. */
static void test_level_reads_line_values(void **state)
{
	const int fds = testbed_fds();
	struct emu_line l1;
	uint64_t before, after, due;
	void *g;

	(void)state;
	emu_wire(1, 0, 0); /* ActiveLow: reads 1 */
	emu_wire(2, 1, 0); /* reads 0 */
	config("Lines", "1,2"); /* no Chip=: gpiochip0 */
	config("Mode", "level");
	config("Rate", "100");
	config("ActiveLow", "yes");
	config("Bias", "pull-up");
	g = open_plugin();
	assert_int_equal(fh.format.rate_hz, 100);
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	l1 = emu_get(1);
	assert_int_equal(l1.kind, REQ_HANDLE);
	assert_int_equal(l1.handleflags, GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_ACTIVE_LOW |
						 GPIOHANDLE_REQUEST_BIAS_PULL_UP);
	assert_string_equal(l1.consumer, "tinysense");
	assert_int_equal(emu_get(2).kind, REQ_HANDLE);
	assert_int_equal(active_watches(), 0); /* polls: no event fds */
	assert_int_equal(l1.value_reads, 0);

	/* The first poll at once. */
	before = now_ns(CLOCK_MONOTONIC);
	fire(the_timer(), true);
	after = now_ns(CLOCK_MONOTONIC);
	assert_int_equal(fh.n_blocks, 1);
	assert_int_equal(fh.blocks[0].v[0], 1);
	assert_int_equal(fh.blocks[0].v[1], 0);
	assert_true(fh.blocks[0].mono >= before && fh.blocks[0].mono <= after);
	assert_realtime(&fh.blocks[0]);
	assert_int_equal(emu_get(1).value_reads, 1);
	assert_int_equal(emu_get(2).value_reads, 1);

	/* The wires change; the next poll, 10 ms on, sees it. */
	emu_wire(1, 1, 0);
	emu_wire(2, 0, 0);
	due = the_timer()->due_ns;
	assert_true(due > fh.blocks[0].mono && due <= fh.blocks[0].mono + 15 * MS);
	fire(the_timer(), true);
	assert_int_equal(fh.n_blocks, 2);
	assert_int_equal(fh.blocks[1].v[0], 0);
	assert_int_equal(fh.blocks[1].v[1], 1);
	assert_true(fh.blocks[1].mono >= due);
	fire(the_timer(), true);
	assert_int_equal(fh.n_blocks, 3);
	assert_int_equal(emu_get(1).value_reads, 3);
	assert_int_equal(emu_get(2).value_reads, 3);
	close_plugin(g, fds);
}

/* A line another program holds (real libgpiod on both sides): start() is
 * not fatal, names the consumer the kernel reports, and a retry after the
 * line is free requests it. */
static void test_busy_line(void **state)
{
	const int fds = testbed_fds();
	struct gpiod_chip *other = gpiod_chip_open_by_name("gpiochip0");
	struct gpiod_line *held;
	void *g;

	(void)state;
	assert_non_null(other);
	held = gpiod_chip_get_line(other, 5);
	assert_non_null(held);
	assert_int_equal(gpiod_line_request_input(held, "other-app"), 0);
	assert_true(line_held(5));

	config("Chip", "gpiochip0");
	config("Lines", "GPIO5");
	g = open_plugin();
	assert_int_equal(ts_plugin_descriptor.start(g), 0);
	assert_int_equal(fh.state, TS_SOURCE_FAILED);
	assert_string_equal(fh.state_error,
			    "gpiochip0 line 5 (GPIO5) is busy: used by \"other-app\"");

	gpiod_line_release(held);
	gpiod_chip_close(other);
	fire(the_timer(), false); /* the retry */
	assert_int_equal(fh.state, TS_SOURCE_RUNNING);
	assert_int_equal(emu_get(5).kind, REQ_EVENT);
	assert_string_equal(emu_get(5).consumer, "tinysense");
	emu_wire(5, 1, now_ns(CLOCK_MONOTONIC));
	dispatch_fds();
	assert_int_equal(fh.n_blocks, 1);
	assert_int_equal(fh.blocks[0].v[0], 1);
	close_plugin(g, fds);
}

/* ---- main -------------------------------------------------------------------- */

/* Runs this program again under umockdev-wrapper unless libumockdev-preload
 * is loaded already. */
static void run_under_umockdev(char **argv)
{
	const char *preload = getenv("LD_PRELOAD");
	char self[PATH_MAX];
	char **args;
	ssize_t len;
	int argc = 0;

	if (preload && strstr(preload, "libumockdev-preload"))
		return;
	if (getenv("TS_UMOCKDEV_REEXEC")) {
		fprintf(stderr, "umockdev-wrapper did not preload libumockdev-preload\n");
		exit(1);
	}
	setenv("TS_UMOCKDEV_REEXEC", "1", 1);
#ifdef __SANITIZE_ADDRESS__
	{
		/* The preload comes before the ASan runtime. */
		const char *old = getenv("ASAN_OPTIONS");
		char opts[1024];

		snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0", old ? old : "",
			 old && *old ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
	}
#endif
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		perror("/proc/self/exe");
		exit(1);
	}
	self[len] = 0;
	while (argv[argc])
		argc++;
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args)
		exit(1);
	args[0] = "umockdev-wrapper";
	args[1] = self;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	execvp(args[0], args);
	perror("umockdev-wrapper (Debian package umockdev)");
	exit(1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_resolves_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_line_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges_from_event_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_per_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_reads_line_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_line, setup, teardown),
	};

	(void)argc;
	run_under_umockdev(argv);
	/* A handler that never answers would leave an ioctl() waiting. */
	alarm(60);
	return cmocka_run_group_tests(tests, emu_start, emu_stop);
}
