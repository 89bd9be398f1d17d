/* SPDX-License-Identifier: MIT */
/*
 * A fake GPIO chip for end-to-end tests (tests/integration/test_plugin_gpio.sh):
 * an LD_PRELOAD library that plays the kernel's side of the v1 GPIO
 * character-device uAPI (linux/gpio.h) inside one process, so that the
 * real daemon runs the real gpio plugin on the real libgpiod 1.6 against a
 * chip this machine does not have.  Test code only (the plugin build
 * leaves test_*.c out of gpio.so); the test builds it:
 *
 *   cc -shared -fPIC -o fake_gpiochip.so test_fake_gpiochip.c -ldl -lpthread
 *
 * Why not umockdev: its ioctl emulation answers in the process that owns
 * the testbed and cannot create the line-event fds that
 * GPIO_GET_LINEEVENT_IOCTL hands back in another process, and its .ioctl
 * record format has no GPIO ioctls.  This library sits where umockdev's
 * preload would, at the libc calls libgpiod makes (open, close, ioctl,
 * stat, lstat, access, scandir), and passes every other path and fd on.
 *
 * The chip: /dev/gpiochip0, label "fake-gpio", 32 input lines named
 * GPIO0..GPIO31, all low, device 254:0 (sysfs /sys/bus/gpio/devices/
 * gpiochip0/dev is emulated too).  Event fds are pipes: an edge writes a
 * struct gpioevent_data stamped with CLOCK_MONOTONIC (as Linux >= 5.7);
 * ActiveLow and the requested edge kinds are honoured as the kernel does.
 *
 * Control: if TS_FAKE_GPIO_CTL names a FIFO, a thread reads commands, one
 * per line:
 *   set OFFSET 0|1                  drive the wire
 *   pulse OFFSET N HIGH_MS LOW_MS   N pulses (a PIR firing, a rain gauge)
 *   unplug                          the chip goes away: event fds hang up,
 *                                   ioctls fail with ENODEV, opens ENOENT
 *   replug                          it comes back (all lines free)
 *   ioerror on|off                  reading line values fails with EIO
 *                                   (a flaky expander) until off
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define CHIP_PATH "/dev/gpiochip0"
#define SYSFS_DEV "/sys/bus/gpio/devices/gpiochip0/dev"
#define NUM_LINES 32
#define MAX_FDS 64

enum fd_kind { FD_NONE, FD_CHIP, FD_HANDLE, FD_EVENT };

struct fake_fd {
	enum fd_kind kind;
	int fd;
	int write_fd;          /* FD_EVENT: where edges are written */
	uint32_t n;            /* FD_HANDLE: lines */
	uint32_t offset[GPIOHANDLES_MAX];
	bool gone;             /* the chip was unplugged under it */
};

struct line {
	int phys;
	bool requested;
	uint32_t handleflags, eventflags;
	char consumer[32];
	struct fake_fd *event;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool present = true;
static bool io_error;   /* value reads fail with EIO (ioerror on) */
static struct line lines[NUM_LINES];
static struct fake_fd fds[MAX_FDS];

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_stat)(const char *, struct stat *);
static int (*real_lstat)(const char *, struct stat *);
static int (*real_access)(const char *, int);
static int (*real_scandir)(const char *, struct dirent ***, int (*)(const struct dirent *),
			   int (*)(const struct dirent **, const struct dirent **));

__attribute__((constructor)) static void init(void);

static void resolve_real(void)
{
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	real_stat = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "stat");
	real_lstat = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "lstat");
	real_access = (int (*)(const char *, int))dlsym(RTLD_NEXT, "access");
	real_scandir = (int (*)(const char *, struct dirent ***, int (*)(const struct dirent *),
				int (*)(const struct dirent **, const struct dirent **)))
		dlsym(RTLD_NEXT, "scandir");
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
#define REAL() pthread_once(&once, resolve_real)

static struct fake_fd *find_fd(int fd)
{
	for (size_t i = 0; i < MAX_FDS; i++)
		if (fds[i].kind != FD_NONE && fds[i].fd == fd)
			return &fds[i];
	return NULL;
}

static struct fake_fd *new_fd(enum fd_kind kind, int fd)
{
	for (size_t i = 0; i < MAX_FDS; i++)
		if (fds[i].kind == FD_NONE) {
			memset(&fds[i], 0, sizeof(fds[i]));
			fds[i].kind = kind;
			fds[i].fd = fd;
			fds[i].write_fd = -1;
			return &fds[i];
		}
	return NULL;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the chip's side of the ioctls ------------------------------------------------ */

static uint32_t info_flags(const struct line *l)
{
	uint32_t f = 0;

	if (!l->requested)
		return 0;
	f |= GPIOLINE_FLAG_KERNEL;
	if (l->handleflags & GPIOHANDLE_REQUEST_ACTIVE_LOW)
		f |= GPIOLINE_FLAG_ACTIVE_LOW;
	if (l->handleflags & GPIOHANDLE_REQUEST_BIAS_PULL_UP)
		f |= GPIOLINE_FLAG_BIAS_PULL_UP;
	if (l->handleflags & GPIOHANDLE_REQUEST_BIAS_PULL_DOWN)
		f |= GPIOLINE_FLAG_BIAS_PULL_DOWN;
	if (l->handleflags & GPIOHANDLE_REQUEST_BIAS_DISABLE)
		f |= GPIOLINE_FLAG_BIAS_DISABLE;
	return f;
}

static int fail(int e)
{
	errno = e;
	return -1;
}

static int claim(uint32_t offset, uint32_t handleflags, const char *consumer)
{
	if (offset >= NUM_LINES)
		return fail(EINVAL);
	if (lines[offset].requested)
		return fail(EBUSY);
	if (handleflags & GPIOHANDLE_REQUEST_OUTPUT)
		return fail(EPERM); /* input-only chip */
	lines[offset].requested = true;
	lines[offset].handleflags = handleflags;
	lines[offset].eventflags = 0;
	lines[offset].event = NULL;
	snprintf(lines[offset].consumer, sizeof(lines[offset].consumer), "%s",
		 consumer[0] ? consumer : "?");
	return 0;
}

static int chip_ioctl(unsigned long req, void *arg)
{
	if (req == GPIO_GET_CHIPINFO_IOCTL) {
		struct gpiochip_info *info = arg;

		memset(info, 0, sizeof(*info));
		snprintf(info->name, sizeof(info->name), "gpiochip0");
		snprintf(info->label, sizeof(info->label), "fake-gpio");
		info->lines = NUM_LINES;
		return 0;
	}
	if (req == GPIO_GET_LINEINFO_IOCTL) {
		struct gpioline_info *info = arg;
		const uint32_t off = info->line_offset;

		if (off >= NUM_LINES)
			return fail(EINVAL);
		memset(info, 0, sizeof(*info));
		info->line_offset = off;
		info->flags = info_flags(&lines[off]);
		snprintf(info->name, sizeof(info->name), "GPIO%u", off);
		if (lines[off].requested)
			snprintf(info->consumer, sizeof(info->consumer), "%s", lines[off].consumer);
		return 0;
	}
	if (req == GPIO_GET_LINEHANDLE_IOCTL) {
		struct gpiohandle_request *r = arg;
		struct fake_fd *f;
		int fd;

		if (!r->lines || r->lines > GPIOHANDLES_MAX)
			return fail(EINVAL);
		for (uint32_t i = 0; i < r->lines; i++)
			if (r->lineoffsets[i] >= NUM_LINES || lines[r->lineoffsets[i]].requested)
				return fail(r->lineoffsets[i] >= NUM_LINES ? EINVAL : EBUSY);
		fd = real_open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || !(f = new_fd(FD_HANDLE, fd))) {
			if (fd >= 0)
				real_close(fd);
			return fail(ENOMEM);
		}
		for (uint32_t i = 0; i < r->lines; i++) {
			claim(r->lineoffsets[i], r->flags, r->consumer_label);
			f->offset[i] = r->lineoffsets[i];
		}
		f->n = r->lines;
		r->fd = fd;
		return 0;
	}
	if (req == GPIO_GET_LINEEVENT_IOCTL) {
		struct gpioevent_request *r = arg;
		struct fake_fd *f;
		int p[2];

		if (!(r->eventflags & GPIOEVENT_REQUEST_BOTH_EDGES))
			return fail(EINVAL);
		if (claim(r->lineoffset, r->handleflags, r->consumer_label) < 0)
			return -1;
		if (pipe2(p, O_CLOEXEC) < 0) {
			lines[r->lineoffset].requested = false;
			return -1;
		}
		f = new_fd(FD_EVENT, p[0]);
		if (!f) {
			real_close(p[0]);
			real_close(p[1]);
			lines[r->lineoffset].requested = false;
			return fail(ENOMEM);
		}
		f->write_fd = p[1];
		f->n = 1;
		f->offset[0] = r->lineoffset;
		lines[r->lineoffset].eventflags = r->eventflags;
		lines[r->lineoffset].event = f;
		r->fd = p[0];
		return 0;
	}
	return fail(ENOTTY);
}

static int logical(uint32_t off)
{
	return lines[off].phys ^ !!(lines[off].handleflags & GPIOHANDLE_REQUEST_ACTIVE_LOW);
}

static int line_ioctl(struct fake_fd *f, unsigned long req, void *arg)
{
	if (f->gone)
		return fail(ENODEV);
	if (req == GPIOHANDLE_GET_LINE_VALUES_IOCTL) {
		struct gpiohandle_data *d = arg;

		if (io_error)
			return fail(EIO);
		memset(d, 0, sizeof(*d));
		for (uint32_t i = 0; i < f->n; i++)
			d->values[i] = (uint8_t)logical(f->offset[i]);
		return 0;
	}
	return fail(ENOTTY);
}

static void release(struct fake_fd *f)
{
	for (uint32_t i = 0; i < f->n; i++)
		if (!f->gone) {
			lines[f->offset[i]].requested = false;
			lines[f->offset[i]].event = NULL;
		}
	if (f->write_fd >= 0)
		real_close(f->write_fd);
	f->kind = FD_NONE;
}

/* ---- what the control thread does ------------------------------------------------------- */

static void drive(uint32_t off, int phys)
{
	struct line *l;
	int before;

	if (off >= NUM_LINES)
		return;
	pthread_mutex_lock(&lock);
	l = &lines[off];
	before = logical(off);
	l->phys = phys != 0;
	if (present && l->requested && l->event && logical(off) != before) {
		const bool rising = logical(off) == 1;
		const uint32_t want = rising ? GPIOEVENT_REQUEST_RISING_EDGE
					     : GPIOEVENT_REQUEST_FALLING_EDGE;

		if (l->eventflags & want) {
			struct gpioevent_data ev;

			memset(&ev, 0, sizeof(ev));
			ev.timestamp = mono_ns();
			ev.id = rising ? GPIOEVENT_EVENT_RISING_EDGE : GPIOEVENT_EVENT_FALLING_EDGE;
			if (write(l->event->write_fd, &ev, sizeof(ev)) != sizeof(ev))
				fprintf(stderr, "fake gpiochip: event queue full, edge lost\n");
		}
	}
	pthread_mutex_unlock(&lock);
}

static void unplug(void)
{
	pthread_mutex_lock(&lock);
	present = false;
	for (size_t i = 0; i < MAX_FDS; i++) {
		struct fake_fd *f = &fds[i];

		if (f->kind == FD_NONE)
			continue;
		f->gone = true;
		if (f->write_fd >= 0) {
			real_close(f->write_fd); /* the reader sees a hang-up */
			f->write_fd = -1;
		}
	}
	memset(lines, 0, sizeof(lines)); /* nobody holds a line of a gone chip */
	pthread_mutex_unlock(&lock);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *control(void *path)
{
	FILE *f;
	char cmd[128];

	int fd = real_open(path, O_RDWR | O_CLOEXEC); /* O_RDWR: never EOF */

	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		fprintf(stderr, "fake gpiochip: cannot open %s\n", (const char *)path);
		return NULL;
	}
	while (fgets(cmd, sizeof(cmd), f)) {
		unsigned int off, n, high, low;
		int v;

		if (sscanf(cmd, "set %u %d", &off, &v) == 2) {
			drive(off, v);
		} else if (sscanf(cmd, "pulse %u %u %u %u", &off, &n, &high, &low) == 4) {
			for (unsigned int i = 0; i < n; i++) {
				drive(off, 1);
				sleep_ms(high);
				drive(off, 0);
				sleep_ms(low);
			}
		} else if (!strcmp(cmd, "unplug\n")) {
			unplug();
		} else if (!strcmp(cmd, "ioerror on\n") || !strcmp(cmd, "ioerror off\n")) {
			pthread_mutex_lock(&lock);
			io_error = !strcmp(cmd, "ioerror on\n");
			pthread_mutex_unlock(&lock);
		} else if (!strcmp(cmd, "replug\n")) {
			pthread_mutex_lock(&lock);
			present = true;
			pthread_mutex_unlock(&lock);
		} else {
			fprintf(stderr, "fake gpiochip: unknown command: %s", cmd);
		}
	}
	return NULL;
}

static void init(void)
{
	static char path[4096];
	const char *ctl = getenv("TS_FAKE_GPIO_CTL");
	sigset_t all, old;
	pthread_t t;

	REAL();
	if (!ctl || !*ctl)
		return;
	snprintf(path, sizeof(path), "%s", ctl);
	/* The thread takes no signals: the daemon blocks SIGTERM and reads
	 * it from a signalfd, which a thread with it unblocked would defeat. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, control, path) == 0)
		pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- the libc calls libgpiod makes ----------------------------------------------------- */

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	int fd;

	REAL();
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (strcmp(path, CHIP_PATH) && strcmp(path, SYSFS_DEV))
		return real_open(path, flags, mode);
	pthread_mutex_lock(&lock);
	if (!present) {
		pthread_mutex_unlock(&lock);
		return fail(ENOENT);
	}
	if (!strcmp(path, SYSFS_DEV)) {
		fd = memfd_create("gpiochip0-dev", MFD_CLOEXEC);
		if (fd >= 0 && (write(fd, "254:0\n", 6) != 6 || lseek(fd, 0, SEEK_SET) != 0)) {
			real_close(fd);
			fd = -1;
		}
	} else {
		fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
		if (fd >= 0 && !new_fd(FD_CHIP, fd)) {
			real_close(fd);
			fd = fail(EMFILE);
		}
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

int close(int fd)
{
	struct fake_fd *f;

	REAL();
	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (f)
		release(f);
	pthread_mutex_unlock(&lock);
	return real_close(fd);
}

int ioctl(int fd, unsigned long req, ...)
{
	struct fake_fd *f;
	void *arg;
	va_list ap;
	int r;

	REAL();
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&lock);
	f = find_fd(fd);
	if (!f) {
		pthread_mutex_unlock(&lock);
		return real_ioctl(fd, req, arg);
	}
	if (f->gone)
		r = fail(ENODEV);
	else if (f->kind == FD_CHIP)
		r = chip_ioctl(req, arg);
	else
		r = line_ioctl(f, req, arg);
	pthread_mutex_unlock(&lock);
	return r;
}

static int fake_stat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0660;
	st->st_rdev = makedev(254, 0);
	st->st_nlink = 1;
	return 0;
}

static bool is_chip(const char *path)
{
	bool r;

	pthread_mutex_lock(&lock);
	r = present && !strcmp(path, CHIP_PATH);
	pthread_mutex_unlock(&lock);
	return r;
}

int stat(const char *path, struct stat *st)
{
	REAL();
	return is_chip(path) ? fake_stat(st) : real_stat(path, st);
}

int lstat(const char *path, struct stat *st)
{
	REAL();
	return is_chip(path) ? fake_stat(st) : real_lstat(path, st);
}

int access(const char *path, int mode)
{
	bool fake;

	REAL();
	pthread_mutex_lock(&lock);
	fake = present && !strcmp(path, SYSFS_DEV);
	pthread_mutex_unlock(&lock);
	return fake ? 0 : real_access(path, mode);
}

static int (*scandir_compar)(const struct dirent **, const struct dirent **);

static int compare(const void *a, const void *b)
{
	return scandir_compar((const struct dirent **)(uintptr_t)a, (const struct dirent **)(uintptr_t)b);
}

/* /dev as libgpiod's chip iterator sees it: plus gpiochip0. */
int scandir(const char *dir, struct dirent ***list, int (*filter)(const struct dirent *),
	    int (*compar)(const struct dirent **, const struct dirent **))
{
	struct dirent *d, **grown;
	int n;

	REAL();
	n = real_scandir(dir, list, filter, compar);
	if (n < 0 || strcmp(dir, "/dev") || !is_chip(CHIP_PATH))
		return n;
	d = calloc(1, sizeof(*d));
	if (!d)
		return n;
	d->d_type = DT_CHR;
	snprintf(d->d_name, sizeof(d->d_name), "gpiochip0");
	if (filter && !filter(d)) {
		free(d);
		return n;
	}
	grown = realloc(*list, (size_t)(n + 1) * sizeof(*grown));
	if (!grown) {
		free(d);
		return n;
	}
	grown[n++] = d;
	if (compar) {
		scandir_compar = compar;
		qsort(grown, (size_t)n, sizeof(*grown), compare);
	}
	*list = grown;
	return n;
}
