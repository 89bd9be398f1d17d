/* SPDX-License-Identifier: MIT */
/*
 * socket_load: many clients of tinysensed's JSON-lines socket at once, for
 * tests/load/load.sh.  Usage:
 *
 *   socket_load SOCKET SECONDS WATCHERS STALLED [PROBE_PIPELINE]
 *
 * WATCHERS clients watch every pipeline and read as fast as they can;
 * STALLED clients watch and never read; with PROBE_PIPELINE one more client
 * watches only that pipeline and times each of its detections: latency =
 * CLOCK_MONOTONIC at arrival - the event's mono_usec (the completing
 * sample's CLOCK_MONOTONIC).  Detections are counted per watcher in a
 * window of sample times [start + 1 s, end - 1 s], then reading goes on for
 * 2 s so that nothing in flight is missed; every watcher should have the
 * same count and no DROPPED notice.  Prints one "key value" per line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 8192

struct client {
	int fd;
	bool probe;
	bool acked;          /* got its WATCH reply */
	char buf[LINE_MAX_BYTES * 2];
	size_t len;
	uint64_t in_window;  /* detections with a sample time in the window */
	uint64_t dropped;    /* sum of DROPPED counts */
	uint64_t lines;
};

struct load {
	struct client *c;
	size_t n;
	uint64_t window_start_us, window_end_us;
	uint64_t *latency_us;
	size_t n_latency, cap_latency;
	size_t acked;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("socket_load: connect");
		exit(1);
	}
	return fd;
}

static void send_all(int fd, const char *text)
{
	size_t len = strlen(text);

	if (write(fd, text, len) != (ssize_t)len) {
		perror("socket_load: write");
		exit(1);
	}
}

/* The integer after "key": in line, or 0. */
static uint64_t field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static void on_line(struct load *l, struct client *c, const char *line)
{
	c->lines++;
	if (strstr(line, "\"class\":\"DETECTION\"")) {
		const uint64_t t = field(line, "\"mono_usec\":");

		if (c->probe) {
			if (l->n_latency == l->cap_latency) {
				l->cap_latency = l->cap_latency ? l->cap_latency * 2 : 1024;
				l->latency_us = realloc(l->latency_us,
							l->cap_latency * sizeof(*l->latency_us));
				if (!l->latency_us)
					exit(1);
			}
			l->latency_us[l->n_latency++] = mono_us() - t;
		} else if (t >= l->window_start_us && t < l->window_end_us) {
			c->in_window++;
		}
	} else if (strstr(line, "\"class\":\"DROPPED\"")) {
		c->dropped += field(line, "\"count\":");
	} else if (strstr(line, "\"class\":\"WATCH\"") && !c->acked) {
		c->acked = true;
		l->acked++;
	}
}

static void on_readable(struct load *l, struct client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
		char *start = c->buf, *nl;

		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				fprintf(stderr, "socket_load: a watcher was disconnected\n");
				exit(1);
			}
			return;
		}
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		while ((nl = memchr(start, '\n', c->len - (size_t)(start - c->buf)))) {
			*nl = '\0';
			on_line(l, c, start);
			start = nl + 1;
		}
		c->len -= (size_t)(start - c->buf);
		memmove(c->buf, start, c->len);
	}
}

static int compare_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct load l = { 0 };
	struct epoll_event ev, events[256];
	const char *path, *probe;
	unsigned seconds, watchers, stalled;
	int ep, *stalled_fd;
	uint64_t start, end, lo = UINT64_MAX, hi = 0, dropped = 0, lines = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: socket_load SOCKET SECONDS WATCHERS STALLED [PROBE]\n");
		return 2;
	}
	path = argv[1];
	seconds = (unsigned)atoi(argv[2]);
	watchers = (unsigned)atoi(argv[3]);
	stalled = (unsigned)atoi(argv[4]);
	probe = argc > 5 ? argv[5] : NULL;
	l.n = watchers + (probe ? 1 : 0);
	l.c = calloc(l.n ? l.n : 1, sizeof(*l.c));
	stalled_fd = calloc(stalled ? stalled : 1, sizeof(*stalled_fd));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!l.c || !stalled_fd || ep < 0)
		return 1;
	l.window_start_us = UINT64_MAX; /* nothing counts until all are watching */
	for (size_t i = 0; i < l.n; i++) {
		struct client *c = &l.c[i];
		char req[256];

		c->fd = connect_to(path);
		c->probe = probe && i == watchers;
		if (c->probe)
			snprintf(req, sizeof(req), "{\"cmd\":\"watch\",\"pipelines\":[\"%s\"]}\n", probe);
		else
			snprintf(req, sizeof(req), "{\"cmd\":\"watch\"}\n");
		send_all(c->fd, req);
		ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			return 1;
	}
	for (unsigned i = 0; i < stalled; i++) {
		int one = 4096; /* a small receive buffer: the daemon's queue fills sooner */

		stalled_fd[i] = connect_to(path);
		setsockopt(stalled_fd[i], SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
		send_all(stalled_fd[i], "{\"cmd\":\"watch\"}\n");
	}
	start = mono_us();
	end = start + (uint64_t)seconds * 1000000u;
	for (;;) {
		const uint64_t now = mono_us();
		int n;

		if (l.acked == l.n && l.window_start_us == UINT64_MAX) {
			l.window_start_us = now + 1000000u;
			l.window_end_us = end > now + 2000000u ? end - 1000000u : now + 1000000u;
		}
		if (now >= end + 2000000u)
			break;
		n = epoll_wait(ep, events, 256, 100);
		for (int i = 0; i < n; i++)
			on_readable(&l, events[i].data.ptr);
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct client *c = &l.c[i];

		lines += c->lines;
		if (c->probe)
			continue;
		dropped += c->dropped;
		if (c->in_window < lo)
			lo = c->in_window;
		if (c->in_window > hi)
			hi = c->in_window;
	}
	printf("watchers %u\nstalled %u\n", watchers, stalled);
	printf("all_watching %s\n", l.acked == l.n ? "yes" : "no");
	if (watchers) {
		const double window_s = (double)(l.window_end_us - l.window_start_us) / 1e6;

		printf("window_seconds %.1f\n", window_s);
		printf("detections_per_watcher_min %llu\ndetections_per_watcher_max %llu\n",
		       (unsigned long long)lo, (unsigned long long)hi);
		printf("detections_per_second %.0f\n", (double)hi / window_s);
		printf("messages_delivered %llu\n", (unsigned long long)lines);
		printf("watchers_dropped_events %llu\n", (unsigned long long)dropped);
	}
	if (probe && l.n_latency) {
		qsort(l.latency_us, l.n_latency, sizeof(*l.latency_us), compare_u64);
		printf("probe_detections %zu\n", l.n_latency);
		printf("probe_latency_ms_median %.2f\nprobe_latency_ms_p95 %.2f\n"
		       "probe_latency_ms_p99 %.2f\nprobe_latency_ms_max %.2f\n",
		       l.latency_us[l.n_latency / 2] / 1e3, l.latency_us[l.n_latency * 95 / 100] / 1e3,
		       l.latency_us[l.n_latency * 99 / 100] / 1e3,
		       l.latency_us[l.n_latency - 1] / 1e3);
	}
	for (unsigned i = 0; i < stalled; i++) {
		/* Still connected?  A stalled client may be bounded or dropped. */
		char b;
		ssize_t r = recv(stalled_fd[i], &b, 1, MSG_DONTWAIT | MSG_PEEK);

		if (i == 0)
			printf("stalled_client_still_connected %s\n",
			       r > 0 || (r < 0 && errno == EAGAIN) ? "yes" : "no");
		close(stalled_fd[i]);
	}
	for (size_t i = 0; i < l.n; i++)
		close(l.c[i].fd);
	free(l.latency_us);
	free(l.c);
	free(stalled_fd);
	return 0;
}
