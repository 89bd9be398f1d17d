/* SPDX-License-Identifier: MIT */
/*
 * What pipelines tell the outside world, and who listens.  A publisher (the
 * console, the journal, D-Bus, the socket; MQTT or metrics tomorrow) is one
 * file that fills a struct publisher_ops and registers it with the manager;
 * it never needs to know the others.  Every callback may be NULL and runs
 * on the loop thread; a publisher must not block.  The manager fans each
 * event out to every registered publisher in registration order
 * (publishers.c).
 */
#ifndef TS_DAEMON_PUBLISHER_H
#define TS_DAEMON_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

#define PUBLISHERS_MAX 16

/* How the set of pipelines changed (start-up, reload).  Removed pipelines
 * are gone already: only their names are left.  A pipeline kept across a
 * reload is in neither list. */
struct set_change {
	const char *const *removed;
	size_t n_removed;
	struct pipeline *const *added;
	size_t n_added;
};

struct publisher_ops {
	const char *name; /* for logs: "dbus", "socket", ... */
	void (*detection)(void *user, const struct pipeline *p, const struct detection_event *ev);
	/* Every inference's averaged scores, only while some publisher asked
	 * for them with manager_want_scores(). */
	void (*scores)(void *user, const struct pipeline *p, const struct scores_event *ev);
	/* A pipeline's State, sensor state or LastError changed. */
	void (*state_changed)(void *user, const struct pipeline *p);
	void (*pipelines_changed)(void *user, const struct set_change *change);
	/* A load or reload finished: error is why it was refused, "" when it
	 * succeeded.  Called after pipelines_changed when the set changed. */
	void (*config_result)(void *user, const char *error);
};

struct publisher {
	const struct publisher_ops *ops;
	void *user;
};

/* The fan-out: a fixed set of publishers. */
struct publishers {
	struct publisher items[PUBLISHERS_MAX];
	size_t n;
};

/* 0, or -ENOSPC when PUBLISHERS_MAX are registered already. */
int publishers_add(struct publishers *set, const struct publisher_ops *ops, void *user);
/* Removes every publisher registered with this user pointer. */
void publishers_remove(struct publishers *set, const void *user);

void publishers_detection(const struct publishers *set, const struct pipeline *p,
			  const struct detection_event *ev);
void publishers_scores(const struct publishers *set, const struct pipeline *p,
		       const struct scores_event *ev);
void publishers_state_changed(const struct publishers *set, const struct pipeline *p);
void publishers_pipelines_changed(const struct publishers *set, const struct set_change *change);
void publishers_config_result(const struct publishers *set, const char *error);

#endif
