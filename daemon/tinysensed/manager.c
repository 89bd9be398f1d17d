/* SPDX-License-Identifier: MIT */
#include "manager.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_job.h"
#include "log.h"

void manager_init(struct manager *m, sd_event *event, const char *pipelines_dir)
{
	memset(m, 0, sizeof(*m));
	m->event = event;
	snprintf(m->pipelines_dir, sizeof(m->pipelines_dir), "%s", pipelines_dir);
}

int manager_add_publisher(struct manager *m, const struct publisher_ops *ops, void *user)
{
	return publishers_add(&m->publishers, ops, user);
}

void manager_remove_publisher(struct manager *m, const void *user)
{
	publishers_remove(&m->publishers, user);
}

/* ---- the pipelines' sink: their news to every publisher ------------------- */

static void on_detection(void *user, struct pipeline *p, const struct detection_event *ev)
{
	struct manager *m = user;

	publishers_detection(&m->publishers, p, ev);
}

static void on_scores(void *user, struct pipeline *p, const struct scores_event *ev)
{
	struct manager *m = user;

	publishers_scores(&m->publishers, p, ev);
}

static void on_state(void *user, struct pipeline *p)
{
	struct manager *m = user;

	publishers_state_changed(&m->publishers, p);
}

static void on_finished(void *user, struct pipeline *p)
{
	struct manager *m = user;

	log_info("%s: recording finished", pipeline_name(p));
	if (m->exit_when_finished && manager_all_finished(m))
		sd_event_exit(m->event, 0);
}

/* Keeps names[] (n of at most max) the first in name order: inserts name
 * in place, dropping the last one when full; frees what is not kept. */
static void keep_first(char **names, size_t max, size_t *n, char *name)
{
	size_t i = *n;

	if (*n == max) {
		if (strcmp(name, names[max - 1]) >= 0) {
			free(name);
			return;
		}
		free(names[--i]);
	} else {
		(*n)++;
	}
	for (; i > 0 && strcmp(name, names[i - 1]) < 0; i--)
		names[i] = names[i - 1];
	names[i] = name;
}

/*
 * The directory's *.conf names, sorted, into names[] (caller frees).  A
 * missing directory is no pipelines, unless required.  More than max files:
 * names[] holds the first max in name order and -E2BIG says so.
 */
static int list_configs(const char *dir, bool required, char **names, size_t max, size_t *n,
			struct config_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t total = 0;

	*n = 0;
	if (!d) {
		if (errno == ENOENT && !required) {
			log_notice("%s does not exist: no pipelines", dir);
			return 0;
		}
		snprintf(err->text, sizeof(err->text), "%s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *name;

		if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") || e->d_name[0] == '.')
			continue;
		name = strdup(e->d_name);
		if (!name) {
			closedir(d);
			snprintf(err->text, sizeof(err->text), "%s: out of memory", dir);
			return -ENOMEM;
		}
		keep_first(names, max, n, name);
		total++;
	}
	closedir(d);
	if (total > max) {
		snprintf(err->text, sizeof(err->text),
			 "%s: %zu pipeline files, at most %zu: the %zu after %s in name order are "
			 "too many", dir, total, max, total - max, names[max - 1]);
		return -E2BIG;
	}
	return 0;
}

static const struct pipeline_sink *manager_sink(struct manager *m, struct pipeline_sink *sink)
{
	*sink = (struct pipeline_sink){ m, on_detection, on_scores, on_state, on_finished };
	return sink;
}

/* One pipeline from its file; 0 and set[*n_set++], or an error in err.
 * attach: ready to start (loop thread only); otherwise only prepared. */
static int build_one(struct manager *m, const char *path, bool attach, struct pipeline **set,
		     size_t *n_set, struct config_error *err)
{
	const struct pipeline_env env = { m->event, m->model_dir, m->plugin_dir, &m->interp };
	struct pipeline_sink sink;
	struct pipeline_config *cfg = calloc(1, sizeof(*cfg));
	int r;

	if (!cfg)
		return -ENOMEM;
	r = pipeline_config_load(cfg, path, err);
	for (size_t k = 0; !r && k < *n_set; k++)
		if (!strcmp(pipeline_name(set[k]), cfg->name)) {
			snprintf(err->text, sizeof(err->text),
				 "%s: [Pipeline] Name=%s is already used by %s", path, cfg->name,
				 pipeline_config(set[k])->file);
			r = -EEXIST;
		}
	if (r) {
		free(cfg);
		return r;
	}
	/* Either owns cfg from here. */
	r = attach ? pipeline_new(&env, manager_sink(m, &sink), cfg, &set[*n_set], err)
		   : pipeline_prepare(&env, cfg, &set[*n_set], err);
	if (!r)
		(*n_set)++;
	return r;
}

/* Builds a new set; nothing is started.  all_or_nothing: the first error
 * ends it with an empty set (reload, --check-config); otherwise a file that
 * fails is logged and left out, and the first error is returned with the
 * pipelines of the others (start-up: serve what can be served).  attach:
 * as build_one(). */
static int build_set(struct manager *m, struct pipeline **set, size_t *n_set,
		     bool all_or_nothing, bool attach, struct config_error *err)
{
	char *names[MANAGER_MAX_PIPELINES];
	size_t n = 0;
	int failed;

	*n_set = 0;
	/* Start-up runs without the directory (and with the first files of too
	 * many: logged); a reload or --check-config refuses both. */
	failed = list_configs(m->pipelines_dir, all_or_nothing, names, MANAGER_MAX_PIPELINES, &n,
			      err);
	if (failed && !all_or_nothing)
		log_error("%s%s", err->text, failed == -E2BIG ? "; they are left out" : "");
	for (size_t i = 0; i < n; i++) {
		struct config_error one = { "" };
		char path[8192];
		int r;

		if (failed && all_or_nothing)
			break;
		snprintf(path, sizeof(path), "%s/%s", m->pipelines_dir, names[i]);
		r = build_one(m, path, attach, set, n_set, &one);
		if (!r)
			continue;
		if (!one.text[0])
			snprintf(one.text, sizeof(one.text), "%s: %s", path, strerror(-r));
		if (!failed) {
			*err = one;
			failed = r;
		}
		if (!all_or_nothing)
			log_error("%s; that pipeline is left out", one.text);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	if (failed && all_or_nothing) {
		for (size_t i = 0; i < *n_set; i++)
			pipeline_free(set[i]);
		*n_set = 0;
	}
	return failed;
}


/* Records how a load or reload went and tells the publishers. */
static void config_result(struct manager *m, int r, const struct config_error *err)
{
	if (r)
		snprintf(m->config_error, sizeof(m->config_error), "%s",
			 err->text[0] ? err->text : strerror(-r));
	else
		m->config_error[0] = '\0';
	publishers_config_result(&m->publishers, m->config_error);
}

static void start_each(struct pipeline *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = pipeline_start(set[i]);

		if (r < 0)
			log_error("%s: cannot start: %s", pipeline_name(set[i]), strerror(-r));
	}
}

int manager_load(struct manager *m, struct config_error *err)
{
	int r = build_set(m, m->pipelines, &m->n_pipelines, false, true, err);
	const struct set_change added = { .added = m->pipelines, .n_added = m->n_pipelines };

	for (size_t i = 0; i < m->n_pipelines; i++)
		pipeline_want_scores(m->pipelines[i], m->scores_wanted);
	publishers_pipelines_changed(&m->publishers, &added);
	start_each(m->pipelines, m->n_pipelines);
	config_result(m, r, err);
	return r;
}

int manager_check(struct manager *m, struct config_error *err)
{
	return build_set(m, m->pipelines, &m->n_pipelines, true, true, err);
}

/* ---- reload: prepared on a thread, swapped on the loop ------------------- */

struct reload {
	struct manager *m;
	struct bg_job *job;
	manager_reload_done done;
	void *user;
	/* Written by the thread, read on the loop once it is done. */
	struct pipeline *set[MANAGER_MAX_PIPELINES];
	size_t n;
	int r;
	struct config_error err;
};

static void reload_work(void *user)
{
	struct reload *rl = user;

	rl->r = build_set(rl->m, rl->set, &rl->n, true, false, &rl->err);
}

/* The running pipeline that the prepared one would only repeat: same file
 * contents (every key and label) and same model bytes.  NULL if none. */
static struct pipeline *same_running(struct manager *m, const struct pipeline *p)
{
	struct pipeline *old = manager_find(m, pipeline_name(p));

	if (old && pipeline_config_equal(pipeline_config(old), pipeline_config(p)) &&
	    !strcmp(pipeline_model_sha256(old), pipeline_model_sha256(p)))
		return old;
	return NULL;
}

static bool in_set(struct pipeline *const *set, size_t n, const struct pipeline *p)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == p)
			return true;
	return false;
}

/* On the loop: attaches what changed, then swaps.  Returns 0 or -errno with
 * rl->err set; on error the running set is untouched. */
static int reload_swap(struct manager *m, struct reload *rl)
{
	struct pipeline *next[MANAGER_MAX_PIPELINES], *fresh[MANAGER_MAX_PIPELINES];
	char old_names[MANAGER_MAX_PIPELINES][PC_NAME_LEN];
	const char *removed[MANAGER_MAX_PIPELINES];
	struct set_change change = { .removed = removed, .added = fresh };
	struct pipeline_sink sink;
	size_t n_kept = 0;
	int r;

	for (size_t i = 0; i < rl->n; i++) {
		struct pipeline *old = same_running(m, rl->set[i]);

		next[i] = old ? old : rl->set[i];
		n_kept += old != NULL;
		if (old)
			continue;
		r = pipeline_attach(rl->set[i], manager_sink(m, &sink), &rl->err);
		if (r < 0)
			return r; /* the caller frees rl->set */
		pipeline_want_scores(rl->set[i], m->scores_wanted);
		fresh[change.n_added++] = rl->set[i];
	}
	/* From here nothing fails.  Replaced and removed pipelines go. */
	for (size_t i = 0; i < m->n_pipelines; i++) {
		struct pipeline *old = m->pipelines[i];

		if (in_set(next, rl->n, old))
			continue;
		snprintf(old_names[change.n_removed], sizeof(old_names[0]), "%s", pipeline_name(old));
		removed[change.n_removed] = old_names[change.n_removed];
		change.n_removed++;
		if (pipeline_state(old) != PIPELINE_STOPPED)
			pipeline_stop(old);
		pipeline_free(old);
	}
	for (size_t i = 0; i < rl->n; i++)
		if (next[i] != rl->set[i])
			rl->set[i] = pipeline_free(rl->set[i]); /* a repeat of a kept one */
	memcpy(m->pipelines, next, rl->n * sizeof(next[0]));
	m->n_pipelines = rl->n;
	rl->n = 0;
	publishers_pipelines_changed(&m->publishers, &change);
	start_each(fresh, change.n_added);
	log_info("reloaded: %zu pipelines, %zu unchanged and kept as they were", m->n_pipelines,
		 n_kept);
	return 0;
}

static void reload_done(void *user)
{
	struct reload *rl = user;
	struct manager *m = rl->m;
	int r = rl->r ? rl->r : reload_swap(m, rl);

	for (size_t i = 0; i < rl->n; i++)
		pipeline_free(rl->set[i]);
	m->reload = NULL;
	config_result(m, r, &rl->err);
	if (rl->done)
		rl->done(rl->user, r, m->config_error);
	bg_job_free(rl->job);
	free(rl);
}

int manager_reload(struct manager *m, manager_reload_done done, void *user)
{
	struct reload *rl;
	int r;

	if (m->reload)
		return -EBUSY;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return -ENOMEM;
	*rl = (struct reload){ .m = m, .done = done, .user = user };
	r = bg_job_start(m->event, reload_work, reload_done, rl, &rl->job);
	if (r < 0) {
		free(rl);
		return r;
	}
	m->reload = rl;
	return 0;
}

/* A reload still preparing when the daemon stops: waited for, dropped. */
static void reload_cancel(struct manager *m)
{
	struct reload *rl = m->reload;

	if (!rl)
		return;
	bg_job_free(rl->job);
	for (size_t i = 0; i < rl->n; i++)
		pipeline_free(rl->set[i]);
	m->reload = NULL;
	if (rl->done)
		rl->done(rl->user, -ECANCELED, "the daemon is stopping");
	free(rl);
}

struct pipeline *manager_find(const struct manager *m, const char *name)
{
	for (size_t i = 0; i < m->n_pipelines; i++)
		if (!strcmp(pipeline_name(m->pipelines[i]), name))
			return m->pipelines[i];
	return NULL;
}

void manager_stop_all(struct manager *m)
{
	for (size_t i = 0; i < m->n_pipelines; i++)
		if (pipeline_state(m->pipelines[i]) != PIPELINE_STOPPED)
			pipeline_stop(m->pipelines[i]);
}

void manager_free(struct manager *m)
{
	reload_cancel(m);
	manager_stop_all(m);
	for (size_t i = 0; i < m->n_pipelines; i++)
		pipeline_free(m->pipelines[i]);
	m->n_pipelines = 0;
}

void manager_want_scores(struct manager *m, bool on)
{
	m->scores_wanted = on;
	for (size_t i = 0; i < m->n_pipelines; i++)
		pipeline_want_scores(m->pipelines[i], on);
}

bool manager_all_finished(const struct manager *m)
{
	for (size_t i = 0; i < m->n_pipelines; i++)
		if (!pipeline_finished(m->pipelines[i]) &&
		    pipeline_state(m->pipelines[i]) != PIPELINE_FAILED)
			return false;
	return true;
}
