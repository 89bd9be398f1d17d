/* SPDX-License-Identifier: MIT */
/*
 * What isolating a plugin adds per sample block, alone (tests/bench/
 * plugin_isolation.sh runs it): a child paced by a 1 ms timer, as a plugin
 * is, and the parent waiting in epoll, as the daemon's loop does.  Mode
 * "local": the child's timer fires and nothing crosses (what an in-process
 * plugin costs the same way is not counted on either side); mode "socket":
 * each tick the child sends one block over a SOCK_SEQPACKET socketpair
 * (MSG_DONTWAIT, as isolated_child.c) and the parent wakes, receives it and
 * copies it out (as isolated_source.c).  Prints the CPU microseconds per
 * block of both processes together.
 *
 *   bench_plugin_ipc local|socket BYTES BLOCKS
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(int fd, int send_blocks, size_t bytes, long blocks)
{
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
	int t = timerfd_create(CLOCK_MONOTONIC, 0);
	char *buf = calloc(1, bytes);
	uint64_t ticks;

	timerfd_settime(t, 0, &its, NULL);
	for (long i = 0; i < blocks; i++) {
		if (read(t, &ticks, sizeof(ticks)) < 0)
			_exit(1);
		buf[0] = (char)i;
		if (send_blocks)
			send(fd, buf, bytes, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const int socket_mode = argc > 1 && !strcmp(argv[1], "socket");
	const size_t bytes = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	const long blocks = argc > 3 ? strtol(argv[3], NULL, 10) : 5000;
	struct epoll_event ev = { .events = EPOLLIN };
	struct rusage self, kids;
	char *buf = malloc(65536), *copy = malloc(65536);
	int sv[2], ep, status;
	pid_t pid;

	if (argc < 4 || !buf || !copy || bytes > 65536 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		fprintf(stderr, "usage: bench_plugin_ipc local|socket BYTES BLOCKS\n");
		return 2;
	}
	pid = fork();
	if (!pid)
		child(sv[1], socket_mode, bytes, blocks);
	close(sv[1]);
	ep = epoll_create1(0);
	ev.data.fd = sv[0];
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
	for (;;) {
		ssize_t n;

		if (epoll_wait(ep, &ev, 1, -1) < 0)
			continue;
		n = recv(sv[0], buf, 65536, MSG_DONTWAIT);
		if (n == 0)
			break; /* the child is done */
		if (n > 0)
			memcpy(copy, buf, (size_t)n);
	}
	waitpid(pid, &status, 0);
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	printf("%.2f\n", ((self.ru_utime.tv_sec + kids.ru_utime.tv_sec + self.ru_stime.tv_sec +
			   kids.ru_stime.tv_sec) * 1e6 +
			  self.ru_utime.tv_usec + kids.ru_utime.tv_usec + self.ru_stime.tv_usec +
			  kids.ru_stime.tv_usec) / (double)blocks);
	return 0;
}
