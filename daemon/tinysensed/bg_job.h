/* SPDX-License-Identifier: MIT */
/*
 * Work that must not hold up the event loop (reading files, loading and
 * planning models): work() runs on a thread of its own, then done() runs on
 * the loop's thread.  Both get the same user pointer; work() must not touch
 * anything the loop owns (sd-event, sd-bus, sockets, running pipelines).
 */
#ifndef TS_DAEMON_BG_JOB_H
#define TS_DAEMON_BG_JOB_H

#include <systemd/sd-event.h>

struct bg_job;

/* Starts work(user) now; done(user) follows on the loop.  0 or -errno. */
int bg_job_start(sd_event *event, void (*work)(void *user), void (*done)(void *user),
		 void *user, struct bg_job **out);

/* Waits for work() to end if it has not (it cannot be interrupted), and
 * frees the job without calling done().  Accepts NULL; returns NULL. */
struct bg_job *bg_job_free(struct bg_job *j);

#endif
