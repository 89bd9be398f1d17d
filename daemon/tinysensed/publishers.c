/* SPDX-License-Identifier: MIT */
/* The fan-out of publisher.h: each event to every publisher, in order. */
#include "publisher.h"

#include <errno.h>

int publishers_add(struct publishers *set, const struct publisher_ops *ops, void *user)
{
	if (set->n == PUBLISHERS_MAX)
		return -ENOSPC;
	set->items[set->n++] = (struct publisher){ ops, user };
	return 0;
}

void publishers_remove(struct publishers *set, const void *user)
{
	size_t kept = 0;

	for (size_t i = 0; i < set->n; i++)
		if (set->items[i].user != user)
			set->items[kept++] = set->items[i];
	set->n = kept;
}

/* Calls the publishers' FN (those that have one) with ARGS after user. */
#define FAN_OUT(set, fn, ...)                                                 \
	do {                                                                  \
		for (size_t i_ = 0; i_ < (set)->n; i_++)                      \
			if ((set)->items[i_].ops->fn)                         \
				(set)->items[i_].ops->fn((set)->items[i_].user, \
							 __VA_ARGS__);        \
	} while (0)

void publishers_detection(const struct publishers *set, const struct pipeline *p,
			  const struct detection_event *ev)
{
	FAN_OUT(set, detection, p, ev);
}

void publishers_scores(const struct publishers *set, const struct pipeline *p,
		       const struct scores_event *ev)
{
	FAN_OUT(set, scores, p, ev);
}

void publishers_state_changed(const struct publishers *set, const struct pipeline *p)
{
	FAN_OUT(set, state_changed, p);
}

void publishers_pipelines_changed(const struct publishers *set, const struct set_change *change)
{
	FAN_OUT(set, pipelines_changed, change);
}

void publishers_config_result(const struct publishers *set, const char *error)
{
	FAN_OUT(set, config_result, error);
}
