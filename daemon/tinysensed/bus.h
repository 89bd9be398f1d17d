/* SPDX-License-Identifier: MIT */
/*
 * The D-Bus service: org.tinysense1 on the system bus, the user bus or a
 * bus given by address (d->cfg.bus).
 *
 *   /org/tinysense1                      org.tinysense1.Manager
 *                                        org.freedesktop.DBus.ObjectManager
 *     Version s, Pipelines ao, Sensors ao,
 *     ConfigError s (why the last load or Reload was refused; "" once one
 *       succeeds: the running set is the last good one)
 *     ListPipelines() -> a(sso) name, state, object path;  Reload()
 *   /org/tinysense1/pipeline/NAME        org.tinysense1.Pipeline
 *     Name s, State s (running|stopped|stopping|degraded|failed), Source s, Model s,
 *     ModelSha256 s, Labels as, Thresholds a{sd}, LastLabel s, LastScore d,
 *     LastTimestamp t (CLOCK_REALTIME usec), Detections t, Inferences t,
 *     MeanInferenceUsec d
 *     Start(), Stop(), SetThreshold(s label, d value)
 *     signal Detection(s label, d score, t timestamp_usec)
 *   /org/tinysense1/sensor/NAME          org.tinysense1.Sensor
 *     Name s, Plugin s, State s, Rate u, Channels u, LastError s, Samples t
 *
 * NAME is the pipeline name escaped with sd_bus_path_encode().  Scores
 * (Detection, LastScore) are the averaged score the detector compared with
 * the threshold, 0..1.  State, Thresholds, LastError, Detections and the
 * Last* properties emit PropertiesChanged; pipelines coming and going on a
 * reload emit InterfacesAdded/InterfacesRemoved and PropertiesChanged for
 * Manager.Pipelines and Manager.Sensors.
 *
 * Start, Stop, SetThreshold and Reload are for root and members of the
 * group "tinysense": the D-Bus policy (systemd/org.tinysense1.conf) says so
 * on the system bus, and the handlers check the caller's credentials again
 * (org.freedesktop.DBus.Error.AccessDenied), which also covers buses without
 * that policy.
 *
 * When the bus goes away the daemon keeps running and reconnects with a
 * backoff (0.25 s doubling to 30 s), then owns the name and serves the
 * objects again.
 */
#ifndef TS_DAEMON_BUS_H
#define TS_DAEMON_BUS_H

#define TS_BUS_NAME              "org.tinysense1"
#define TS_BUS_MANAGER_PATH      "/org/tinysense1"
#define TS_BUS_PIPELINE_PREFIX   "/org/tinysense1/pipeline"
#define TS_BUS_SENSOR_PREFIX     "/org/tinysense1/sensor"
#define TS_BUS_MANAGER_INTERFACE  "org.tinysense1.Manager"
#define TS_BUS_PIPELINE_INTERFACE "org.tinysense1.Pipeline"
#define TS_BUS_SENSOR_INTERFACE   "org.tinysense1.Sensor"

/* Named errors (sd_bus_error_add_map maps them to errno values). */
#define TS_BUS_ERROR_UNKNOWN_LABEL   "org.tinysense1.Error.UnknownLabel"   /* ENOENT */
#define TS_BUS_ERROR_INVALID_VALUE   "org.tinysense1.Error.InvalidValue"   /* ERANGE */
#define TS_BUS_ERROR_RELOAD_FAILED   "org.tinysense1.Error.ReloadFailed"   /* EINVAL */
#define TS_BUS_ERROR_ALREADY_RUNNING "org.tinysense1.Error.AlreadyRunning" /* EALREADY */
#define TS_BUS_ERROR_NOT_RUNNING     "org.tinysense1.Error.NotRunning"     /* ESRCH */
#define TS_BUS_ERROR_START_FAILED    "org.tinysense1.Error.StartFailed"    /* EIO */
#define TS_BUS_ERROR_STILL_STOPPING  "org.tinysense1.Error.StillStopping"  /* EBUSY */

/* The group whose members may call the privileged methods. */
#define TS_BUS_GROUP "tinysense"

struct daemon;
struct bus_service;

/* Connects as d->cfg.bus says, attaches to d->event, serves the objects,
 * owns org.tinysense1 and registers a publisher with d->manager.  0 with
 * *out set (NULL when d->cfg.bus is BUS_NONE); a bus that does not answer
 * yet is connected to in the background, with the reconnect backoff.  A
 * negative errno when the name cannot be owned (another daemon has it, or
 * the policy forbids it); the reason is logged here, the caller goes on
 * without D-Bus.  d must outlive the service. */
int bus_service_new(struct daemon *d, struct bus_service **out);

/* Unregisters the publisher, flushes queued signals and disconnects (the
 * name goes with the connection).  Accepts NULL; returns NULL. */
struct bus_service *bus_service_free(struct bus_service *b);

#endif
