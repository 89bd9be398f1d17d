/* SPDX-License-Identifier: MIT */
/*
 * What pipelines tell the outside world, and who listens: the D-Bus layer,
 * the socket server, the log and the --print console each register one
 * publisher with the manager.  Called on the loop thread.
 */
#ifndef TS_DAEMON_PUBLISHER_H
#define TS_DAEMON_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

struct publisher {
	void *user;
	void (*detection)(void *user, struct pipeline *p, const struct detection_event *ev);
	void (*state_changed)(void *user, struct pipeline *p);
	/* Every inference's averaged scores (Q15, one per label), only while
	 * manager_want_scores() is on. */
	void (*scores)(void *user, struct pipeline *p, const uint16_t *scores_q15, size_t n,
		       uint64_t mono_ns, uint64_t realtime_us);
	/* The set of pipelines changed (start-up, reload). */
	void (*pipelines_changed)(void *user);
	/* A load or reload finished: manager.config_error says how (empty: it
	 * succeeded).  Called after pipelines_changed when the set changed. */
	void (*config_result)(void *user);
};

#endif
