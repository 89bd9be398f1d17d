/* SPDX-License-Identifier: MIT */
/* --print: one line per detection, for people watching a terminal. */
#include <stdio.h>
#include <time.h>

#include "local_publishers.h"

static void print_detection(void *user, const struct pipeline *p,
			    const struct detection_event *ev)
{
	FILE *out = user;
	time_t secs = (time_t)(ev->realtime_us / 1000000);
	char clock[32];
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	/* Wall clock, and where in the stream (the recording) it happened. */
	fprintf(out, "%s.%03u  %-10s %+9.3f s  %-10s %.3f\n", clock,
		(unsigned)(ev->realtime_us / 1000 % 1000), pipeline_name(p),
		(double)(ev->mono_ns - pipeline_stream_start_ns(p)) / 1e9, ev->label,
		(double)ev->score_q15 / 32768.0);
	fflush(out);
}

const struct publisher_ops print_publisher_ops = {
	.name = "print",
	.detection = print_detection,
};
