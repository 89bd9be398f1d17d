/* SPDX-License-Identifier: MIT */
/*
 * The D-Bus service: getters, vtables, the privilege check and the
 * connection (with reconnect).  The logic lives in manager.c and pipeline.c.
 */
#include "bus.h"

#include <errno.h>
#include <grp.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "daemon.h"
#include "log.h"
#include "utf8.h"
#include "version.h"

#define BUS_PATH_MAX 256
#define RECONNECT_MIN_USEC (250 * 1000ull)
#define RECONNECT_MAX_USEC (30 * 1000 * 1000ull)
/* Messages sd-bus may hold for a bus that does not read (a stopped or
 * overloaded dbus-daemon); past it, signals are dropped and counted. */
#define BUS_QUEUE_MAX 1024
#define BUS_DRAIN_CHECK_USEC (250 * 1000ull)

struct bus_service {
	struct daemon *d;
	sd_bus *bus;                 /* NULL while disconnected */
	bool connected;              /* false once the bus said Disconnected */
	sd_event_source *reconnect;  /* oneshot timer, off while connected */
	uint64_t backoff_usec;
	const char *version;         /* Manager.Version */
	/* A bus that does not read: what we dropped, and the timer that
	 * watches its queue drain. */
	bool stalled;
	uint64_t dropped;            /* Manager.DroppedSignals */
	sd_event_source *drain;
};

static const sd_bus_error_map tinysense_errors[] = {
	SD_BUS_ERROR_MAP(TS_BUS_ERROR_UNKNOWN_LABEL, ENOENT),
	SD_BUS_ERROR_MAP(TS_BUS_ERROR_INVALID_VALUE, ERANGE),
	SD_BUS_ERROR_MAP(TS_BUS_ERROR_RELOAD_FAILED, EINVAL),
	SD_BUS_ERROR_MAP(TS_BUS_ERROR_ALREADY_RUNNING, EALREADY),
	SD_BUS_ERROR_MAP(TS_BUS_ERROR_NOT_RUNNING, ESRCH),
	SD_BUS_ERROR_MAP(TS_BUS_ERROR_START_FAILED, EIO),
	SD_BUS_ERROR_MAP(TS_BUS_ERROR_STILL_STOPPING, EBUSY),
	SD_BUS_ERROR_MAP_END
};

static struct manager *bus_manager(struct bus_service *b)
{
	return &b->d->manager;
}

static double q15_to_double(int64_t q15)
{
	return (double)q15 / PC_SCORE_ONE;
}

/* Appends s as a D-Bus string, valid UTF-8 however it came: a path, a
 * plugin's error text or channel name may hold any bytes, and one invalid
 * string fails the whole message (ListPipelines, GetManagedObjects). */
static int append_text(sd_bus_message *reply, const char *s)
{
	char clean[4 * PC_PATH_LEN];

	return sd_bus_message_append(reply, "s", utf8_sanitize(clean, sizeof(clean), s));
}

/* ---- who may change things -------------------------------------------- */

/* 1 when the caller is root or in group tinysense (effective or
 * supplementary), else 0 with AccessDenied set.  In this order, so that
 * the common cases need no descriptor (they work with the daemon out of
 * them):
 *  - root, by the effective uid the bus daemon vouches for (taken when the
 *    caller connected; no /proc);
 *  - on the system bus, anyone the call reached: the shipped policy
 *    (systemd/org.tinysense1.conf) lets only root and group tinysense send
 *    more than Ping, and the system bus denies method calls by default;
 *  - elsewhere (a user bus, a bus by address: no such policy), members of
 *    the group, whose groups are read from /proc/PID/status
 *    (SD_BUS_CREDS_AUGMENT): recognised only when the daemon can see its
 *    callers' /proc entries. */
static int check_privileged(sd_bus_message *m, sd_bus_error *error)
{
	sd_bus_creds *creds = NULL;
	const char *scope = NULL;
	const struct group *gr;
	const gid_t *gids = NULL;
	uid_t euid;
	gid_t egid;
	int n, r;

	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0 && sd_bus_creds_get_euid(creds, &euid) >= 0 && euid == 0) {
		sd_bus_creds_unref(creds);
		return 1;
	}
	creds = sd_bus_creds_unref(creds);
	if (sd_bus_get_scope(sd_bus_message_get_bus(m), &scope) >= 0 && !strcmp(scope, "system"))
		return 1;
	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID |
					 SD_BUS_CREDS_SUPPLEMENTARY_GIDS | SD_BUS_CREDS_AUGMENT,
				      &creds);
	if (r < 0) {
		sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
				  "Access denied (the caller's groups are unknown: %s)",
				  strerror(-r));
		return 0;
	}
	r = 0;
	gr = getgrnam(TS_BUS_GROUP);
	if (gr) {
		if (sd_bus_creds_get_egid(creds, &egid) >= 0 && egid == gr->gr_gid)
			r = 1;
		n = sd_bus_creds_get_supplementary_gids(creds, &gids);
		for (int i = 0; !r && i < n; i++)
			if (gids[i] == gr->gr_gid)
				r = 1;
	}
	if (!r)
		sd_bus_error_set_const(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied");
	sd_bus_creds_unref(creds);
	return r;
}

/* ---- finding objects ---------------------------------------------------- */

/* Object paths are made here only: PREFIX/NAME with the pipeline's name
 * escaped by sd_bus_path_encode().  0, or -ENAMETOOLONG/-ENOMEM. */
static int path_of(char out[BUS_PATH_MAX], const char *prefix, const char *name)
{
	char *path = NULL;
	int r = sd_bus_path_encode(prefix, name, &path);

	if (r < 0)
		return r;
	r = strlen(path) < BUS_PATH_MAX ? 0 : -ENAMETOOLONG;
	if (!r)
		memcpy(out, path, strlen(path) + 1);
	free(path);
	return r;
}

/* The pipeline whose object is PREFIX/NAME, or NULL. */
static struct pipeline *find_by_path(struct manager *m, const char *path, const char *prefix)
{
	struct pipeline *p = NULL;
	char *name = NULL;

	if (sd_bus_path_decode(path, prefix, &name) > 0)
		p = manager_find(m, name);
	free(name);
	return p;
}

static int find_pipeline(sd_bus *bus, const char *path, const char *interface,
			 void *userdata, void **found, sd_bus_error *error)
{
	struct pipeline *p = find_by_path(bus_manager(userdata), path, TS_BUS_PIPELINE_PREFIX);

	(void)bus, (void)interface, (void)error;
	if (!p)
		return 0;
	*found = p;
	return 1;
}

static int find_sensor(sd_bus *bus, const char *path, const char *interface,
		       void *userdata, void **found, sd_bus_error *error)
{
	struct pipeline *p = find_by_path(bus_manager(userdata), path, TS_BUS_SENSOR_PREFIX);

	(void)bus, (void)interface, (void)error;
	if (!p)
		return 0;
	*found = p;
	return 1;
}

static int enumerate(struct manager *m, const char *prefix, char ***nodes)
{
	char **v = calloc(m->n_pipelines + 1, sizeof(*v));
	size_t n = 0;
	int r = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_pipelines; i++) {
		char path[BUS_PATH_MAX];

		if (path_of(path, prefix, pipeline_name(m->pipelines[i])) < 0)
			continue; /* a name too long for a path: not on the bus */
		v[n] = strdup(path);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (r < 0) {
		while (n)
			free(v[--n]);
		free(v);
		return r;
	}
	*nodes = v;
	return 0;
}

static int enumerate_pipelines(sd_bus *bus, const char *prefix, void *userdata,
			       char ***nodes, sd_bus_error *error)
{
	(void)bus, (void)prefix, (void)error;
	return enumerate(bus_manager(userdata), TS_BUS_PIPELINE_PREFIX, nodes);
}

static int enumerate_sensors(sd_bus *bus, const char *prefix, void *userdata,
			     char ***nodes, sd_bus_error *error)
{
	(void)bus, (void)prefix, (void)error;
	return enumerate(bus_manager(userdata), TS_BUS_SENSOR_PREFIX, nodes);
}

/* ---- org.tinysense1.Manager --------------------------------------------- */

static int append_paths(sd_bus_message *reply, struct manager *m, const char *prefix)
{
	int r = sd_bus_message_open_container(reply, 'a', "o");

	for (size_t i = 0; r >= 0 && i < m->n_pipelines; i++) {
		char path[BUS_PATH_MAX];

		if (path_of(path, prefix, pipeline_name(m->pipelines[i])) == 0)
			r = sd_bus_message_append(reply, "o", path);
	}
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_pipelines(sd_bus *bus, const char *path, const char *interface,
				  const char *property, sd_bus_message *reply, void *userdata,
				  sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return append_paths(reply, bus_manager(userdata), TS_BUS_PIPELINE_PREFIX);
}

static int property_get_sensors(sd_bus *bus, const char *path, const char *interface,
				const char *property, sd_bus_message *reply, void *userdata,
				sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return append_paths(reply, bus_manager(userdata), TS_BUS_SENSOR_PREFIX);
}

static int property_get_config_error(sd_bus *bus, const char *path, const char *interface,
				     const char *property, sd_bus_message *reply, void *userdata,
				     sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return append_text(reply, bus_manager(userdata)->config_error);
}

static int method_list_pipelines(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct manager *mgr = bus_manager(userdata);
	sd_bus_message *reply = NULL;
	int r;

	(void)error;
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(sso)");
	for (size_t i = 0; r >= 0 && i < mgr->n_pipelines; i++) {
		const struct pipeline *p = mgr->pipelines[i];
		char path[BUS_PATH_MAX];

		if (path_of(path, TS_BUS_PIPELINE_PREFIX, pipeline_name(p)) == 0)
			r = sd_bus_message_append(reply, "(sso)", pipeline_name(p),
						  pipeline_state_name(pipeline_state(p)), path);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_message_send(reply);
	sd_bus_message_unref(reply);
	return r;
}

/* The reply to Reload(), once the reload is over (the message was kept). */
static void reload_replied(void *user, int r, const char *text)
{
	sd_bus_message *m = user;

	if (r < 0) {
		log_warning("Reload over D-Bus failed, the old pipelines keep running: %s",
			    text[0] ? text : strerror(-r));
		r = sd_bus_reply_method_errorf(m, TS_BUS_ERROR_RELOAD_FAILED, "%s",
					       text[0] ? text : strerror(-r));
	} else {
		r = sd_bus_reply_method_return(m, NULL);
	}
	if (r < 0)
		log_debug("D-Bus: cannot answer Reload(): %s", strerror(-r));
	sd_bus_message_unref(m);
}

/* Answered when the new set is in place or refused: models are loaded on a
 * thread meanwhile, and the bus keeps being served. */
static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	int r;

	r = check_privileged(m, error);
	if (r <= 0)
		return r;
	r = manager_reload(bus_manager(userdata), reload_replied, sd_bus_message_ref(m));
	if (r < 0) {
		sd_bus_message_unref(m);
		return sd_bus_error_setf(error, TS_BUS_ERROR_RELOAD_FAILED, "%s",
					 r == -EBUSY ? "a reload is already in progress"
						     : strerror(-r));
	}
	return 1; /* the reply comes later */
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", NULL, offsetof(struct bus_service, version),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Pipelines", "ao", property_get_pipelines, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("DroppedSignals", "t", NULL, offsetof(struct bus_service, dropped), 0),
	SD_BUS_PROPERTY("Sensors", "ao", property_get_sensors, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("ConfigError", "s", property_get_config_error, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD_WITH_ARGS("ListPipelines", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(sso)", pipelines), method_list_pipelines,
				SD_BUS_VTABLE_UNPRIVILEGED),
	/* Privileged: checked in the handler (see check_privileged). */
	SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

/* ---- org.tinysense1.Pipeline -------------------------------------------- */

/* The getters' userdata is the struct pipeline the find function returned;
 * it is opaque here, so they read it through pipeline.h's accessors. */

static int property_get_name(sd_bus *bus, const char *path, const char *interface,
			     const char *property, sd_bus_message *reply, void *userdata,
			     sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return sd_bus_message_append(reply, "s", pipeline_name(userdata));
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface,
			      const char *property, sd_bus_message *reply, void *userdata,
			      sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return sd_bus_message_append(reply, "s", pipeline_state_name(pipeline_state(userdata)));
}

static int property_get_plugin(sd_bus *bus, const char *path, const char *interface,
			       const char *property, sd_bus_message *reply, void *userdata,
			       sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return append_text(reply, pipeline_config(userdata)->source_summary);
}

static int property_get_model(sd_bus *bus, const char *path, const char *interface,
			      const char *property, sd_bus_message *reply, void *userdata,
			      sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return append_text(reply, pipeline_config(userdata)->model_path);
}

static int property_get_model_sha256(sd_bus *bus, const char *path, const char *interface,
				     const char *property, sd_bus_message *reply,
				     void *userdata, sd_bus_error *error)
{
	const char *sha = pipeline_model_sha256(userdata);

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return sd_bus_message_append(reply, "s", sha ? sha : "");
}

static int property_get_labels(sd_bus *bus, const char *path, const char *interface,
			       const char *property, sd_bus_message *reply, void *userdata,
			       sd_bus_error *error)
{
	const struct pipeline_config *cfg = pipeline_config(userdata);
	int r = sd_bus_message_open_container(reply, 'a', "s");

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	for (size_t i = 0; r >= 0 && i < cfg->n_labels; i++)
		r = sd_bus_message_append(reply, "s", cfg->labels[i]);
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_thresholds(sd_bus *bus, const char *path, const char *interface,
				   const char *property, sd_bus_message *reply,
				   void *userdata, sd_bus_error *error)
{
	const struct pipeline_config *cfg = pipeline_config(userdata);
	int r = sd_bus_message_open_container(reply, 'a', "{sd}");

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	for (size_t i = 0; r >= 0 && i < cfg->n_labels; i++) {
		int32_t q15 = pipeline_threshold(userdata, cfg->labels[i]);

		if (q15 >= 0)
			r = sd_bus_message_append(reply, "{sd}", cfg->labels[i],
						  q15_to_double(q15));
	}
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_last_label(sd_bus *bus, const char *path, const char *interface,
				   const char *property, sd_bus_message *reply,
				   void *userdata, sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	return sd_bus_message_append(reply, "s", st.has_last && st.last.label ? st.last.label : "");
}

static int property_get_last_score(sd_bus *bus, const char *path, const char *interface,
				   const char *property, sd_bus_message *reply,
				   void *userdata, sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	return sd_bus_message_append(reply, "d",
				     st.has_last ? q15_to_double(st.last.average_q15) : 0.0);
}

static int property_get_last_timestamp(sd_bus *bus, const char *path, const char *interface,
				       const char *property, sd_bus_message *reply,
				       void *userdata, sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	return sd_bus_message_append(reply, "t", st.has_last ? st.last.realtime_us : UINT64_C(0));
}

static int property_get_detections(sd_bus *bus, const char *path, const char *interface,
				   const char *property, sd_bus_message *reply,
				   void *userdata, sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	return sd_bus_message_append(reply, "t", st.detections);
}

static int property_get_inferences(sd_bus *bus, const char *path, const char *interface,
				   const char *property, sd_bus_message *reply,
				   void *userdata, sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	return sd_bus_message_append(reply, "t", st.inferences);
}

static int property_get_mean_inference(sd_bus *bus, const char *path, const char *interface,
				       const char *property, sd_bus_message *reply,
				       void *userdata, sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	return sd_bus_message_append(reply, "d", (double)st.mean_inference_ns / 1000.0);
}

static int method_start(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct pipeline *p = userdata;
	enum pipeline_state s = pipeline_state(p);
	struct pipeline_stats st;
	int r;

	r = check_privileged(m, error);
	if (r <= 0)
		return r;
	if (s == PIPELINE_RUNNING || s == PIPELINE_DEGRADED)
		return sd_bus_error_setf(error, TS_BUS_ERROR_ALREADY_RUNNING,
					 "Pipeline %s is already running", pipeline_name(p));
	r = pipeline_start(p);
	if (r == -EALREADY)
		return sd_bus_error_setf(error, TS_BUS_ERROR_ALREADY_RUNNING,
					 "Pipeline %s is already running", pipeline_name(p));
	if (r == -EBUSY)
		return sd_bus_error_setf(error, TS_BUS_ERROR_STILL_STOPPING,
					 "Pipeline %s is still stopping: its inference in progress has not ended",
					 pipeline_name(p));
	if (r < 0) {
		pipeline_get_stats(p, &st);
		return sd_bus_error_setf(error, TS_BUS_ERROR_START_FAILED,
					 "Pipeline %s did not start: %s", pipeline_name(p),
					 st.last_error[0] ? st.last_error : strerror(-r));
	}
	return sd_bus_reply_method_return(m, NULL);
}

static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct pipeline *p = userdata;
	int r;

	r = check_privileged(m, error);
	if (r <= 0)
		return r;
	/* A failed pipeline is not running either (its start was undone), but
	 * Stop ends its start retries (pipeline_stop says which). */
	if (pipeline_state(p) == PIPELINE_STOPPED)
		return sd_bus_error_setf(error, TS_BUS_ERROR_NOT_RUNNING,
					 "Pipeline %s is not running", pipeline_name(p));
	r = pipeline_stop(p);
	if (r == -EALREADY)
		return sd_bus_error_setf(error, TS_BUS_ERROR_NOT_RUNNING,
					 "Pipeline %s is not running", pipeline_name(p));
	if (r < 0)
		return sd_bus_error_set_errnof(error, -r, "Pipeline %s did not stop: %m",
					       pipeline_name(p));
	return sd_bus_reply_method_return(m, NULL);
}

static int method_set_threshold(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct pipeline *p = userdata;
	const char *label;
	double value;
	int r;

	r = check_privileged(m, error);
	if (r <= 0)
		return r;
	r = sd_bus_message_read(m, "sd", &label, &value);
	if (r < 0)
		return r;
	if (!label[0])
		return sd_bus_error_set_const(error, SD_BUS_ERROR_INVALID_ARGS,
					      "The label must not be empty");
	if (!isfinite(value) || value < 0.0 || value > 1.0)
		return sd_bus_error_setf(error, TS_BUS_ERROR_INVALID_VALUE,
					 "Threshold %g is not in 0..1", value);
	if (pipeline_threshold(p, label) < 0)
		return sd_bus_error_setf(error, TS_BUS_ERROR_UNKNOWN_LABEL,
					 "Pipeline %s has no label '%s'", pipeline_name(p), label);
	r = pipeline_set_threshold(p, label, (int32_t)(value * PC_SCORE_ONE + 0.5));
	if (r == -EINVAL)
		return sd_bus_error_setf(error, TS_BUS_ERROR_UNKNOWN_LABEL,
					 "Pipeline %s has no label '%s'", pipeline_name(p), label);
	if (r < 0)
		return sd_bus_error_set_errnof(error, -r, "Cannot set the threshold: %m");
	(void)sd_bus_emit_properties_changed(sd_bus_message_get_bus(m), sd_bus_message_get_path(m),
					     TS_BUS_PIPELINE_INTERFACE, "Thresholds", NULL);
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable pipeline_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Name", "s", property_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("State", "s", property_get_state, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Source", "s", property_get_plugin, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Model", "s", property_get_model, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("ModelSha256", "s", property_get_model_sha256, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Labels", "as", property_get_labels, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Thresholds", "a{sd}", property_get_thresholds, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastLabel", "s", property_get_last_label, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastScore", "d", property_get_last_score, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastTimestamp", "t", property_get_last_timestamp, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Detections", "t", property_get_detections, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	/* Counters that change with every inference: read them, no signals. */
	SD_BUS_PROPERTY("Inferences", "t", property_get_inferences, 0, 0),
	SD_BUS_PROPERTY("MeanInferenceUsec", "d", property_get_mean_inference, 0, 0),
	/* Privileged: checked in the handlers (see check_privileged). */
	SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_start,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_stop,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetThreshold", SD_BUS_ARGS("s", label, "d", value),
				SD_BUS_NO_RESULT, method_set_threshold,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("Detection",
				SD_BUS_ARGS("s", label, "d", score, "t", timestamp_usec), 0),
	SD_BUS_VTABLE_END
};

/* ---- org.tinysense1.Sensor ---------------------------------------------- */

static int property_get_sensor_state(sd_bus *bus, const char *path, const char *interface,
				     const char *property, sd_bus_message *reply, void *userdata,
				     sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return sd_bus_message_append(reply, "s", pipeline_sensor_state(userdata));
}

static int property_get_rate(sd_bus *bus, const char *path, const char *interface,
			     const char *property, sd_bus_message *reply, void *userdata,
			     sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return sd_bus_message_append(reply, "u", pipeline_source_rate(userdata));
}

static int property_get_channels(sd_bus *bus, const char *path, const char *interface,
				 const char *property, sd_bus_message *reply, void *userdata,
				 sd_bus_error *error)
{
	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	return sd_bus_message_append(reply, "u", pipeline_source_channels(userdata));
}

static int property_get_last_error(sd_bus *bus, const char *path, const char *interface,
				   const char *property, sd_bus_message *reply,
				   void *userdata, sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	st.last_error[sizeof(st.last_error) - 1] = '\0';
	return append_text(reply, st.last_error);
}

/* ChannelInfo a(ssdd): name, unit, scale, offset of every channel. */
static int property_get_channel_info(sd_bus *bus, const char *path, const char *interface,
				     const char *property, sd_bus_message *reply,
				     void *userdata, sd_bus_error *error)
{
	const char *name, *unit;
	double scale, offset;
	int r;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	r = sd_bus_message_open_container(reply, 'a', "(ssdd)");
	if (r < 0)
		return r;
	for (uint16_t i = 0; pipeline_channel(userdata, i, &name, &unit, &scale, &offset); i++) {
		char clean_name[192], clean_unit[64];

		r = sd_bus_message_append(reply, "(ssdd)",
					  utf8_sanitize(clean_name, sizeof(clean_name), name),
					  utf8_sanitize(clean_unit, sizeof(clean_unit), unit), scale,
					  offset);
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(reply);
}

static int property_get_samples(sd_bus *bus, const char *path, const char *interface,
				const char *property, sd_bus_message *reply, void *userdata,
				sd_bus_error *error)
{
	struct pipeline_stats st;

	(void)bus, (void)path, (void)interface, (void)property, (void)error;
	pipeline_get_stats(userdata, &st);
	return sd_bus_message_append(reply, "t", st.samples);
}

static const sd_bus_vtable sensor_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Name", "s", property_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Plugin", "s", property_get_plugin, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("State", "s", property_get_sensor_state, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Rate", "u", property_get_rate, 0, 0),
	SD_BUS_PROPERTY("Channels", "u", property_get_channels, 0, 0),
	SD_BUS_PROPERTY("LastError", "s", property_get_last_error, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Samples", "t", property_get_samples, 0, 0),
	SD_BUS_PROPERTY("ChannelInfo", "a(ssdd)", property_get_channel_info, 0, 0),
	SD_BUS_VTABLE_END
};

/* ---- the publisher: pipelines' news as signals -------------------------- */

static void log_emit_failure(const char *what, const char *path, int r)
{
	/* -ENOENT: the object is not (or no longer) in the manager's set. */
	if (r < 0 && r != -ENOENT && r != -ENOTCONN)
		log_debug("D-Bus: cannot emit %s for %s: %s", what, path, strerror(-r));
}

static int on_drain_check(sd_event_source *es, uint64_t usec, void *user);

/* True when the bus takes more: connected, and sd-bus holds fewer than
 * BUS_QUEUE_MAX messages for it.  Otherwise the caller's message is
 * dropped (counted here): sd-bus cannot take back what it queued, so the
 * newest go.  Once the queue drains, the properties are announced again. */
static bool bus_takes_more(struct bus_service *b)
{
	uint64_t queued = 0;

	if (!b->connected)
		return false;
	if (!b->stalled && sd_bus_get_n_queued_write(b->bus, &queued) >= 0 &&
	    queued < BUS_QUEUE_MAX)
		return true;
	b->dropped++;
	if (!b->stalled) {
		b->stalled = true;
		log_warning("D-Bus: the bus is not reading (%llu messages queued): signals are dropped until it does",
			    (unsigned long long)queued);
		if (sd_event_source_set_time_relative(b->drain, BUS_DRAIN_CHECK_USEC) < 0 ||
		    sd_event_source_set_enabled(b->drain, SD_EVENT_ONESHOT) < 0)
			log_error("D-Bus: cannot watch the queue drain");
	}
	return false;
}

static void on_detection(void *user, const struct pipeline *p, const struct detection_event *ev)
{
	struct bus_service *b = user;
	char path[BUS_PATH_MAX];
	int r;

	if (!bus_takes_more(b) || path_of(path, TS_BUS_PIPELINE_PREFIX, pipeline_name(p)) < 0)
		return;
	r = sd_bus_emit_signal(b->bus, path, TS_BUS_PIPELINE_INTERFACE, "Detection", "sdt",
			       ev->label, q15_to_double(ev->average_q15), ev->realtime_us);
	log_emit_failure("Detection", path, r);
	r = sd_bus_emit_properties_changed(b->bus, path, TS_BUS_PIPELINE_INTERFACE, "LastLabel",
					   "LastScore", "LastTimestamp", "Detections", NULL);
	log_emit_failure("PropertiesChanged", path, r);
}

static void on_state_changed(void *user, const struct pipeline *p)
{
	struct bus_service *b = user;
	char path[BUS_PATH_MAX];
	int r;

	if (!bus_takes_more(b))
		return;
	if (path_of(path, TS_BUS_PIPELINE_PREFIX, pipeline_name(p)) == 0) {
		r = sd_bus_emit_properties_changed(b->bus, path, TS_BUS_PIPELINE_INTERFACE,
						   "State", NULL);
		log_emit_failure("PropertiesChanged", path, r);
	}
	if (path_of(path, TS_BUS_SENSOR_PREFIX, pipeline_name(p)) == 0) {
		r = sd_bus_emit_properties_changed(b->bus, path, TS_BUS_SENSOR_INTERFACE,
						   "State", "LastError", NULL);
		log_emit_failure("PropertiesChanged", path, r);
	}
}

/* The objects of one pipeline name, both interfaces, added or removed. */
static void announce(struct bus_service *b, const char *name, bool added)
{
	static const struct { const char *prefix, *interface; } objects[] = {
		{ TS_BUS_PIPELINE_PREFIX, TS_BUS_PIPELINE_INTERFACE },
		{ TS_BUS_SENSOR_PREFIX, TS_BUS_SENSOR_INTERFACE },
	};

	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		char path[BUS_PATH_MAX];
		int r;

		if (path_of(path, objects[i].prefix, name) < 0)
			continue;
		r = added ? sd_bus_emit_interfaces_added(b->bus, path, objects[i].interface, NULL)
			  : sd_bus_emit_interfaces_removed(b->bus, path, objects[i].interface, NULL);
		log_emit_failure(added ? "InterfacesAdded" : "InterfacesRemoved", path, r);
	}
}

/* While disconnected nothing is announced: a client that comes back with
 * the bus reads the objects afresh. */
static void on_pipelines_changed(void *user, const struct set_change *change)
{
	struct bus_service *b = user;
	int r;

	if (!bus_takes_more(b))
		return;
	for (size_t i = 0; i < change->n_removed; i++)
		announce(b, change->removed[i], false);
	for (size_t i = 0; i < change->n_added; i++)
		announce(b, pipeline_name(change->added[i]), true);
	r = sd_bus_emit_properties_changed(b->bus, TS_BUS_MANAGER_PATH, TS_BUS_MANAGER_INTERFACE,
					   "Pipelines", "Sensors", NULL);
	log_emit_failure("PropertiesChanged", TS_BUS_MANAGER_PATH, r);
}

static void on_config_result(void *user, const char *error)
{
	struct bus_service *b = user;
	int r;

	(void)error; /* ConfigError reads it from the manager */
	if (!bus_takes_more(b))
		return; /* read on reconnect, or announced after a stall */
	r = sd_bus_emit_properties_changed(b->bus, TS_BUS_MANAGER_PATH, TS_BUS_MANAGER_INTERFACE,
					   "ConfigError", NULL);
	log_emit_failure("PropertiesChanged", TS_BUS_MANAGER_PATH, r);
}

/* After a stall, every property that may have changed unannounced. */
static void announce_all(struct bus_service *b)
{
	const struct manager *m = bus_manager(b);
	int r;

	for (size_t i = 0; i < m->n_pipelines; i++) {
		char path[BUS_PATH_MAX];

		if (path_of(path, TS_BUS_PIPELINE_PREFIX, pipeline_name(m->pipelines[i])) == 0) {
			r = sd_bus_emit_properties_changed(b->bus, path, TS_BUS_PIPELINE_INTERFACE,
							   "State", "LastLabel", "LastScore",
							   "LastTimestamp", "Detections", NULL);
			log_emit_failure("PropertiesChanged", path, r);
		}
		if (path_of(path, TS_BUS_SENSOR_PREFIX, pipeline_name(m->pipelines[i])) == 0) {
			r = sd_bus_emit_properties_changed(b->bus, path, TS_BUS_SENSOR_INTERFACE,
							   "State", "LastError", NULL);
			log_emit_failure("PropertiesChanged", path, r);
		}
	}
	r = sd_bus_emit_properties_changed(b->bus, TS_BUS_MANAGER_PATH, TS_BUS_MANAGER_INTERFACE,
					   "Pipelines", "Sensors", "ConfigError", NULL);
	log_emit_failure("PropertiesChanged", TS_BUS_MANAGER_PATH, r);
}

static int on_drain_check(sd_event_source *es, uint64_t usec, void *user)
{
	struct bus_service *b = user;
	uint64_t queued = 0;

	(void)usec;
	if (b->connected && (sd_bus_get_n_queued_write(b->bus, &queued) < 0 ||
			     queued >= BUS_QUEUE_MAX / 2)) {
		sd_event_source_set_time_relative(es, BUS_DRAIN_CHECK_USEC);
		sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
		return 0;
	}
	b->stalled = false;
	log_notice("D-Bus: the bus reads again; %llu signals were dropped in all (DroppedSignals)",
		   (unsigned long long)b->dropped);
	if (b->connected)
		announce_all(b);
	return 0;
}

static const struct publisher_ops bus_publisher_ops = {
	.name = "dbus",
	.detection = on_detection,
	.state_changed = on_state_changed,
	.pipelines_changed = on_pipelines_changed,
	.config_result = on_config_result,
};

/* ---- the connection ----------------------------------------------------- */

static void schedule_reconnect(struct bus_service *b)
{
	uint64_t delay = b->backoff_usec;

	b->backoff_usec = b->backoff_usec * 2 > RECONNECT_MAX_USEC ? RECONNECT_MAX_USEC
								    : b->backoff_usec * 2;
	if (sd_event_source_set_time_relative(b->reconnect, delay) < 0 ||
	    sd_event_source_set_enabled(b->reconnect, SD_EVENT_ONESHOT) < 0)
		log_error("D-Bus: cannot arm the reconnect timer; staying without D-Bus");
	else
		log_debug("D-Bus: reconnecting in %.2f s", (double)delay / 1e6);
}

/* Flushed only when what is left fits the socket: a bus that stopped
 * reading would make the flush wait for it. */
static void disconnect(struct bus_service *b)
{
	uint64_t queued = 1;

	b->connected = false;
	if (b->bus && sd_bus_get_n_queued_write(b->bus, &queued) >= 0 && queued == 0)
		b->bus = sd_bus_flush_close_unref(b->bus);
	else
		b->bus = sd_bus_close_unref(b->bus);
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus_service *b = userdata;

	(void)m, (void)error;
	log_warning("D-Bus connection lost; the daemon keeps running and reconnects");
	/* The connection is released from the timer, outside its own dispatch. */
	b->connected = false;
	schedule_reconnect(b);
	return 0;
}

static void log_name_error(int r, const sd_bus_error *e)
{
	if (r == -EEXIST)
		log_error("D-Bus: the name " TS_BUS_NAME " is owned by another process "
			  "(is another tinysensed running?)");
	else if (r == -EACCES || r == -EPERM)
		log_error("D-Bus: not allowed to own " TS_BUS_NAME " (install the bus policy "
			  "org.tinysense1.conf or run as the daemon's user): %s",
			  e && e->message ? e->message : strerror(-r));
	else
		log_error("D-Bus: cannot own " TS_BUS_NAME ": %s",
			  e && e->message ? e->message : strerror(-r));
}

static int on_name_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus_service *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)error;
	if (e) {
		log_name_error(-sd_bus_error_get_errno(e), e);
		/* Not released here, inside its own dispatch: the timer does it. */
		b->connected = false;
		schedule_reconnect(b);
		return 0;
	}
	log_info("D-Bus: reconnected, serving " TS_BUS_NAME);
	b->backoff_usec = RECONNECT_MIN_USEC;
	return 0;
}

static int bus_open(const struct daemon_config *cfg, sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	switch (cfg->bus) {
	case BUS_SYSTEM:
		return sd_bus_open_system(ret);
	case BUS_USER:
		return sd_bus_open_user(ret);
	case BUS_ADDRESS:
		r = sd_bus_new(&bus);
		if (r < 0)
			return r;
		r = sd_bus_set_address(bus, cfg->bus_address);
		if (r >= 0)
			r = sd_bus_set_bus_client(bus, 1);
		if (r >= 0)
			r = sd_bus_start(bus);
		if (r < 0) {
			sd_bus_unref(bus);
			return r;
		}
		*ret = bus;
		return 0;
	case BUS_NONE:
		break;
	}
	return -EINVAL;
}

static const char *bus_description(const struct daemon_config *cfg)
{
	switch (cfg->bus) {
	case BUS_SYSTEM: return "the system bus";
	case BUS_USER: return "the user bus";
	case BUS_ADDRESS: return cfg->bus_address;
	case BUS_NONE: break;
	}
	return "no bus";
}

/* Connects and serves the objects; at start-up, owns the name before
 * returning, otherwise asks for it and on_name_reply() finishes. */
static int bus_attach(struct bus_service *b, bool at_startup)
{
	const struct daemon_config *cfg = &b->d->cfg;
	sd_bus *bus = NULL;
	int r;

	r = bus_open(cfg, &bus);
	if (r < 0) {
		/* At start-up the caller says what happens next; a reconnect
		 * attempt failing is expected while the bus is down. */
		log_msg(at_startup ? LOG_WARNING : LOG_DEBUG, "D-Bus: cannot connect to %s: %s",
			bus_description(cfg), strerror(-r));
		return r;
	}
	/* Every slot below is floating: it goes with the connection. */
	r = sd_bus_set_exit_on_disconnect(bus, 0);
	/* Closed by disconnect() when the daemon stops, which never waits for a
	 * bus that does not read (sd-bus's own exit handler flushes). */
	if (r >= 0)
		r = sd_bus_set_close_on_exit(bus, 0);
	if (r >= 0)
		r = sd_bus_attach_event(bus, b->d->event, SD_EVENT_PRIORITY_NORMAL);
	if (r >= 0)
		r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local",
					"/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
					"Disconnected", on_disconnected, b);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, TS_BUS_MANAGER_PATH,
					     TS_BUS_MANAGER_INTERFACE, manager_vtable, b);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(bus, NULL, TS_BUS_PIPELINE_PREFIX,
					       TS_BUS_PIPELINE_INTERFACE, pipeline_vtable,
					       find_pipeline, b);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(bus, NULL, TS_BUS_PIPELINE_PREFIX,
					       enumerate_pipelines, b);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(bus, NULL, TS_BUS_SENSOR_PREFIX,
					       TS_BUS_SENSOR_INTERFACE, sensor_vtable, find_sensor, b);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(bus, NULL, TS_BUS_SENSOR_PREFIX, enumerate_sensors, b);
	if (r >= 0)
		r = sd_bus_add_object_manager(bus, NULL, TS_BUS_MANAGER_PATH);
	if (r < 0) {
		log_error("D-Bus: cannot register the objects: %s", strerror(-r));
		goto fail;
	}
	b->bus = bus;
	b->connected = true;
	if (!at_startup) {
		r = sd_bus_request_name_async(bus, NULL, TS_BUS_NAME, 0, on_name_reply, b);
		if (r < 0) {
			log_error("D-Bus: cannot ask for " TS_BUS_NAME ": %s", strerror(-r));
			goto fail_attached;
		}
		return 0;
	}
	r = sd_bus_request_name(bus, TS_BUS_NAME, 0);
	if (r < 0) {
		log_name_error(r, NULL);
		goto fail_attached;
	}
	log_info("D-Bus: serving " TS_BUS_NAME " on %s", bus_description(cfg));
	return 0;

fail_attached:
	b->bus = NULL;
	b->connected = false;
fail:
	sd_bus_flush_close_unref(bus);
	return r;
}

static int on_reconnect(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct bus_service *b = userdata;

	(void)s, (void)usec;
	disconnect(b);
	if (bus_attach(b, false) < 0)
		schedule_reconnect(b);
	return 0;
}

int bus_service_new(struct daemon *d, struct bus_service **out)
{
	struct bus_service *b;
	int r, attached;

	if (d->cfg.bus == BUS_NONE) {
		*out = NULL;
		return 0;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->d = d;
	b->version = TINYSENSE_VERSION;
	b->backoff_usec = RECONNECT_MIN_USEC;
	r = sd_bus_error_add_map(tinysense_errors);
	if (r < 0)
		goto fail;
	r = sd_event_add_time_relative(d->event, &b->reconnect, CLOCK_MONOTONIC,
				       RECONNECT_MIN_USEC, 0, on_reconnect, b);
	if (r >= 0)
		r = sd_event_source_set_enabled(b->reconnect, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_time_relative(d->event, &b->drain, CLOCK_MONOTONIC,
					       BUS_DRAIN_CHECK_USEC, 0, on_drain_check, b);
	if (r >= 0)
		r = sd_event_source_set_enabled(b->drain, SD_EVENT_OFF);
	if (r < 0)
		goto fail;
	attached = bus_attach(b, true);
	r = attached;
	if (r == -EEXIST || r == -EACCES || r == -EPERM)
		goto fail; /* another daemon owns the name, or the policy says no */
	r = manager_add_publisher(&d->manager, &bus_publisher_ops, b);
	if (r < 0) {
		disconnect(b);
		goto fail;
	}
	*out = b;
	r = attached;
	if (r < 0) {
		/* Not there yet (a bus started after us, or restarting): serve
		 * the socket meanwhile and connect as soon as it answers. */
		log_warning("no D-Bus yet (%s): running socket-only, connecting in the background",
			    strerror(-r));
		schedule_reconnect(b);
	}
	return 0;

fail:
	sd_event_source_disable_unref(b->reconnect);
	sd_event_source_disable_unref(b->drain);
	free(b);
	return r;
}

struct bus_service *bus_service_free(struct bus_service *b)
{
	if (!b)
		return NULL;
	manager_remove_publisher(bus_manager(b), b);
	sd_event_source_disable_unref(b->reconnect);
	sd_event_source_disable_unref(b->drain);
	disconnect(b);
	free(b);
	return NULL;
}
