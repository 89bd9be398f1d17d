/* SPDX-License-Identifier: MIT */
/* Detections and state changes to the log (the journal under systemd). */
#include "local_publishers.h"
#include "log.h"

static void journal_detection(void *user, const struct pipeline *p,
			      const struct detection_event *ev)
{
	(void)user;
	log_detection(pipeline_name(p), ev->label, (double)ev->score_q15 / 32768.0,
		      (unsigned long long)ev->realtime_us);
}

static void journal_state(void *user, const struct pipeline *p)
{
	(void)user;
	log_info("%s: %s", pipeline_name(p), pipeline_state_name(pipeline_state(p)));
}

const struct publisher_ops journal_publisher_ops = {
	.name = "journal",
	.detection = journal_detection,
	.state_changed = journal_state,
};
