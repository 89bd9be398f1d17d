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

void manager_add_publisher(struct manager *m, const struct publisher *pub)
{
	if (m->n_publishers < MANAGER_MAX_PUBLISHERS)
		m->publishers[m->n_publishers++] = *pub;
}

void manager_remove_publisher(struct manager *m, void *user)
{
	size_t kept = 0;

	for (size_t i = 0; i < m->n_publishers; i++)
		if (m->publishers[i].user != user)
			m->publishers[kept++] = m->publishers[i];
	m->n_publishers = kept;
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
		names[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(names[0]), compare_names);
	return 0;
}

/* One pipeline from its file; 0 and set[*n_set++], or an error in err. */
static int build_one(struct manager *m, const char *path, struct pipeline **set,
		     size_t *n_set, struct config_error *err)
{
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
	if (!r)
		r = pipeline_new(m, cfg, &set[*n_set], err);
	if (!r)
		pipeline_want_scores(set[(*n_set)++], m->scores_wanted);
	free(cfg);
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

static void notify_pipelines_changed(struct manager *m)
{
	for (size_t i = 0; i < m->n_publishers; i++)
		if (m->publishers[i].pipelines_changed)
			m->publishers[i].pipelines_changed(m->publishers[i].user);
}

/* Records how a load or reload went and tells the publishers. */
static void config_result(struct manager *m, int r, const struct config_error *err)
{
	if (r)
		snprintf(m->config_error, sizeof(m->config_error), "%s",
			 err->text[0] ? err->text : strerror(-r));
	else
		m->config_error[0] = '\0';
	for (size_t i = 0; i < m->n_publishers; i++)
		if (m->publishers[i].config_result)
			m->publishers[i].config_result(m->publishers[i].user);
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

	notify_pipelines_changed(m);
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
	size_t n;
	int r = build_set(m, set, &n, true, err);

	if (r) {
		config_result(m, r, err);
		return r; /* the running set is untouched */
	}
	manager_stop_all(m);
	for (size_t i = 0; i < m->n_pipelines; i++)
		pipeline_free(m->pipelines[i]);
	memcpy(m->pipelines, set, n * sizeof(set[0]));
	m->n_pipelines = n;
	notify_pipelines_changed(m);
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

void manager_publish_detection(struct manager *m, struct pipeline *p,
			       const struct detection_event *ev)
{
	for (size_t i = 0; i < m->n_publishers; i++)
		if (m->publishers[i].detection)
			m->publishers[i].detection(m->publishers[i].user, p, ev);
}

void manager_want_scores(struct manager *m, bool on)
{
	m->scores_wanted = on;
	for (size_t i = 0; i < m->n_pipelines; i++)
		pipeline_want_scores(m->pipelines[i], on);
}

void manager_publish_scores(struct manager *m, struct pipeline *p, const uint16_t *scores_q15,
			    size_t n, uint64_t mono_ns, uint64_t realtime_us)
{
	for (size_t i = 0; i < m->n_publishers; i++)
		if (m->publishers[i].scores)
			m->publishers[i].scores(m->publishers[i].user, p, scores_q15, n, mono_ns,
						realtime_us);
}

void manager_publish_state(struct manager *m, struct pipeline *p)
{
	for (size_t i = 0; i < m->n_publishers; i++)
		if (m->publishers[i].state_changed)
			m->publishers[i].state_changed(m->publishers[i].user, p);
}

bool manager_all_finished(const struct manager *m)
{
	for (size_t i = 0; i < m->n_pipelines; i++)
		if (!pipeline_finished(m->pipelines[i]) &&
		    pipeline_state(m->pipelines[i]) != PIPELINE_FAILED)
			return false;
	return true;
}

void manager_pipeline_finished(struct manager *m, struct pipeline *p)
{
	log_info("%s: recording finished", pipeline_name(p));
	if (m->exit_when_finished && manager_all_finished(m))
		sd_event_exit(m->event, 0);
}
