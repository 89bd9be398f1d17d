/* SPDX-License-Identifier: MIT */
/*
 * The local socket: JSON lines over a Unix stream socket, in the spirit of
 * gpsd's protocol.  One object per line each way.
 *
 * Server to client, on connect:
 *   {"class":"VERSION","release":"0.1.0","proto_major":1,"proto_minor":0}
 * Requests and their replies:
 *   {"cmd":"list"}                -> {"class":"PIPELINES","pipelines":[{"name","state",
 *                                      "source","model","labels":[...]},...]}
 *   {"cmd":"status"}              -> {"class":"STATUS","pipelines":[{"name","state",
 *                                      "inferences","detections","samples",
 *                                      "mean_inference_usec","last":{"label","score",
 *                                      "time","mono_usec"}|null[,"error"]},...],
 *                                      "config_error":"..."|null}
 *                                      config_error: why the last load or reload
 *                                      was refused (the last good set runs on)
 *   {"cmd":"watch","pipelines":[...],"scores":false}
 *                                 -> {"class":"WATCH","enable":true,"pipelines":[...]|null,
 *                                      "scores":false}, then events of those pipelines
 *                                      (all when "pipelines" is absent or null)
 *   {"cmd":"unwatch"}             -> {"class":"WATCH","enable":false}
 *   {"cmd":"last","pipeline":P,"n":N}
 *                                 -> {"class":"LAST","pipeline":P,"detections":[...]}
 *                                      the last N (1..64, default 64), oldest first
 * Events (to watchers):
 *   {"class":"DETECTION","pipeline","label","score":0.970,"average":0.950,
 *    "time":"2026-11-22T04:20:31.123456Z","mono_usec":N}
 *   {"class":"STATE","pipeline","state"[,"error"]}
 *   {"class":"PIPELINES",...}     the set changed (start-up, reload)
 *   {"class":"CONFIG","error":"..."|null}
 *                                 a load or reload finished: refused (why) or done
 *   {"class":"DROPPED","count":N} N events were lost here because the client
 *                                 read too slowly (the oldest go first)
 * Errors: {"class":"ERROR","message":"..."}; the connection stays open,
 * except after a request line longer than SOCKET_MAX_LINE bytes.
 *
 * Every client's output queue is bounded; a client that does not read loses
 * its oldest events and stops being read from until it catches up, and never
 * delays anyone else.  Listens on cfg.socket_path (0660, group "tinysense"
 * when that group exists), or on the socket systemd passed in.
 */
#ifndef TS_DAEMON_SOCKET_SERVER_H
#define TS_DAEMON_SOCKET_SERVER_H

#include <stddef.h>

#define SOCKET_PROTO_MAJOR 1
#define SOCKET_PROTO_MINOR 0
#define SOCKET_MAX_LINE 4096              /* request bytes, newline excluded */
#define SOCKET_MAX_CLIENTS 1024
#define SOCKET_QUEUE_BYTES (256 * 1024)   /* per client, queued output */
#define SOCKET_QUEUE_EVENTS 4096          /* per client, queued messages */
#define SOCKET_HISTORY 64                 /* detections kept per pipeline */

struct daemon;
struct socket_server;

/* Listens (or takes over the socket-activated listener), registers a
 * publisher with d->manager and serves clients on d->event.  0 and *out set,
 * or a negative errno (logged). */
int socket_server_new(struct daemon *d, struct socket_server **out);

/* Disconnects every client, stops listening, removes the socket file it
 * created and unregisters its publisher.  Accepts NULL; returns NULL. */
struct socket_server *socket_server_free(struct socket_server *s);

/* Connected clients (for tests and status). */
size_t socket_server_client_count(const struct socket_server *s);

#endif
