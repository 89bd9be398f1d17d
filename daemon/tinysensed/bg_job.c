/* SPDX-License-Identifier: MIT */
/* bg_job.h: a thread for the work, an eventfd to come back to the loop. */
#include "bg_job.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct bg_job {
	void (*work)(void *user);
	void (*done)(void *user);
	void *user;
	pthread_t thread;
	bool joinable;          /* thread created, not joined */
	int fd;                 /* written once work() has returned */
	sd_event_source *es;
};

static void *run(void *arg)
{
	struct bg_job *j = arg;
	const uint64_t one = 1;

	j->work(j->user);
	/* Cannot fail: the counter is far from its maximum. */
	(void)!write(j->fd, &one, sizeof(one));
	return NULL;
}

static int on_done(sd_event_source *es, int fd, uint32_t revents, void *user)
{
	struct bg_job *j = user;

	(void)es, (void)fd, (void)revents;
	pthread_join(j->thread, NULL);
	j->joinable = false;
	j->es = sd_event_source_disable_unref(j->es);
	j->done(j->user); /* may free the job */
	return 0;
}

int bg_job_start(sd_event *event, void (*work)(void *user), void (*done)(void *user),
		 void *user, struct bg_job **out)
{
	struct bg_job *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	*j = (struct bg_job){ .work = work, .done = done, .user = user };
	j->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (j->fd < 0) {
		r = -errno;
		free(j);
		return r;
	}
	r = sd_event_add_io(event, &j->es, j->fd, EPOLLIN, on_done, j);
	if (r >= 0)
		r = -pthread_create(&j->thread, NULL, run, j);
	j->joinable = r >= 0;
	if (r < 0) {
		bg_job_free(j);
		return r;
	}
	*out = j;
	return 0;
}

struct bg_job *bg_job_free(struct bg_job *j)
{
	if (!j)
		return NULL;
	if (j->joinable)
		pthread_join(j->thread, NULL);
	sd_event_source_disable_unref(j->es);
	close(j->fd);
	free(j);
	return NULL;
}
