/* SPDX-License-Identifier: MIT */
/*
 * The set of pipelines: loaded from a directory of NAME.conf files, started
 * together, reloaded atomically (a new set is built and validated first;
 * on any error the old set keeps running and the error is returned).  The
 * manager creates each pipeline with its environment and is its event
 * sink: it fans what pipelines say out to the registered publishers.
 */
#ifndef TS_DAEMON_MANAGER_H
#define TS_DAEMON_MANAGER_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-event.h>
#include <tinysense/interpreter.h>

#include "pipeline.h"
#include "publisher.h"

#define MANAGER_MAX_PIPELINES 32

struct manager {
	sd_event *event;
	char pipelines_dir[4096];
	const char *model_dir;        /* relative model paths resolve here */
	const char *plugin_dir;       /* sensor plugins are loaded from here */
	ts_interpreter_options interp; /* kernel set for every pipeline's model */
	struct pipeline *pipelines[MANAGER_MAX_PIPELINES];
	size_t n_pipelines;
	struct publishers publishers;
	bool exit_when_finished;      /* leave the loop once every source ended */
	bool scores_wanted;           /* some publisher wants every inference's scores */
	/* Why the last load or reload was refused (the file and the problem);
	 * empty once one succeeds.  Shown on D-Bus and the socket. */
	char config_error[512];
};

void manager_init(struct manager *m, sd_event *event, const char *pipelines_dir);
/* Registers a publisher (publisher.h): 0, or -ENOSPC. */
int manager_add_publisher(struct manager *m, const struct publisher_ops *ops, void *user);
/* Removes every publisher registered with this user pointer. */
void manager_remove_publisher(struct manager *m, const void *user);

/* Loads every *.conf of the directory (sorted by name) and starts them.
 * A file that fails validation is logged and left out, the others start
 * (a daemon serves what it can); the first error is returned in err and
 * kept in config_error. */
int manager_load(struct manager *m, struct config_error *err);

/* Builds the set without starting it (--check-config): every file, model
 * and source is validated. */
int manager_check(struct manager *m, struct config_error *err);

/* Re-reads the directory and swaps atomically; on error the old set runs on. */
int manager_reload(struct manager *m, struct config_error *err);

struct pipeline *manager_find(const struct manager *m, const char *name);
void manager_stop_all(struct manager *m);
void manager_free(struct manager *m);

/* Turns per-inference score publishing on or off for every pipeline, now
 * and after reloads (a socket client watching with "scores": true). */
void manager_want_scores(struct manager *m, bool on);

/* Every pipeline's source ended (or failed to start): nothing more will
 * come.  True for an empty set. */
bool manager_all_finished(const struct manager *m);

#endif
