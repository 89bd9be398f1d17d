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
	struct reload *reload;        /* in progress, or NULL */
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

/* How a reload ended: 0, or -errno and why (also in m->config_error). */
typedef void (*manager_reload_done)(void *user, int r, const char *error);

/* Re-reads the directory without holding up the loop: files are read and
 * models loaded, verified and planned on a thread while the daemon keeps
 * serving; then, on the loop, the sources of what changed are opened and
 * the new set replaces the old at once.  A pipeline whose file (every key
 * and label) and model are unchanged is kept as it runs, with its
 * thresholds set at run time and its stopped or running state.  On any
 * error nothing changes.  done (may be NULL) is called on the loop when it
 * is over.  0 once started; -EBUSY while another reload is in progress. */
int manager_reload(struct manager *m, manager_reload_done done, void *user);

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
