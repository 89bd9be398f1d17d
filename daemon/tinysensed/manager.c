/* SPDX-License-Identifier: MIT */
#include "manager.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's *.conf names, sorted, into names[] (caller frees). */
static int list_configs(const char *dir, char **names, size_t max, size_t *n,
			struct config_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0; /* no pipelines configured */
		snprintf(err->text, sizeof(err->text), "%s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") || e->d_name[0] == '.')
			continue;
		if (*n == max) {
			closedir(d);
			snprintf(err->text, sizeof(err->text), "%s: more than %zu pipelines", dir, max);
			return -E2BIG;
		}
		names[*n] = strdup(e->d_name);
		if (!names[*n]) {
			closedir(d);
			snprintf(err->text, sizeof(err->text), "%s: out of memory", dir);
			return -ENOMEM;
		}
		(*n)++;
	}
	closedir(d);
	qsort(names, *n, sizeof(names[0]), compare_names);
	return 0;
}

/* One pipeline from its file; 0 and set[*n_set++], or an error in err. */
static int build_one(struct manager *m, const char *path, struct pipeline **set,
		     size_t *n_set, struct config_error *err)
{
	const struct pipeline_env env = { m->event, m->model_dir, m->plugin_dir, &m->interp };
	const struct pipeline_sink sink = { m, on_detection, on_scores, on_state, on_finished };
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
	r = pipeline_new(&env, &sink, cfg, &set[*n_set], err); /* owns cfg */
	if (!r)
		pipeline_want_scores(set[(*n_set)++], m->scores_wanted);
	return r;
}

/* Builds a new set; nothing is started.  all_or_nothing: the first error
 * ends it with an empty set (reload, --check-config); otherwise a file that
 * fails is logged and left out, and the first error is returned with the
 * pipelines of the others (start-up: serve what can be served). */
static int build_set(struct manager *m, struct pipeline **set, size_t *n_set,
		     bool all_or_nothing, struct config_error *err)
{
	char *names[MANAGER_MAX_PIPELINES];
	size_t n = 0;
	int failed;

	*n_set = 0;
	failed = list_configs(m->pipelines_dir, names, MANAGER_MAX_PIPELINES, &n, err);
	for (size_t i = 0; i < n; i++) {
		struct config_error one = { "" };
		char path[8192];
		int r;

		if (failed && all_or_nothing)
			break;
		snprintf(path, sizeof(path), "%s/%s", m->pipelines_dir, names[i]);
		r = build_one(m, path, set, n_set, &one);
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

static void start_all(struct manager *m)
{
	for (size_t i = 0; i < m->n_pipelines; i++) {
		int r = pipeline_start(m->pipelines[i]);

		if (r < 0)
			log_error("%s: cannot start: %s", pipeline_name(m->pipelines[i]),
				  strerror(-r));
	}
}

int manager_load(struct manager *m, struct config_error *err)
{
	int r = build_set(m, m->pipelines, &m->n_pipelines, false, err);
	const struct set_change added = { .added = m->pipelines, .n_added = m->n_pipelines };

	publishers_pipelines_changed(&m->publishers, &added);
	start_all(m);
	config_result(m, r, err);
	return r;
}

int manager_check(struct manager *m, struct config_error *err)
{
	return build_set(m, m->pipelines, &m->n_pipelines, true, err);
}

int manager_reload(struct manager *m, struct config_error *err)
{
	struct pipeline *set[MANAGER_MAX_PIPELINES];
	char old_names[MANAGER_MAX_PIPELINES][PC_NAME_LEN];
	const char *removed[MANAGER_MAX_PIPELINES];
	struct set_change change = { .removed = removed, .added = set };
	size_t n;
	int r = build_set(m, set, &n, true, err);

	if (r) {
		config_result(m, r, err);
		return r; /* the running set is untouched */
	}
	/* Every pipeline is replaced, also one whose file did not change: its
	 * objects are announced as removed and added again. */
	manager_stop_all(m);
	for (size_t i = 0; i < m->n_pipelines; i++) {
		snprintf(old_names[i], sizeof(old_names[i]), "%s", pipeline_name(m->pipelines[i]));
		removed[i] = old_names[i];
		pipeline_free(m->pipelines[i]);
	}
	change.n_removed = m->n_pipelines;
	memcpy(m->pipelines, set, n * sizeof(set[0]));
	m->n_pipelines = n;
	change.n_added = n;
	publishers_pipelines_changed(&m->publishers, &change);
	start_all(m);
	config_result(m, 0, err);
	log_info("reloaded: %zu pipelines", n);
	return 0;
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
