/* SPDX-License-Identifier: MIT */
/*
 * The local socket's transport: JSON lines over a Unix stream socket (the
 * protocol, its lines and errors: daemon/common/socket_proto.h).
 *
 * Every client's output queue is bounded; a client that does not read loses
 * its oldest events and stops being read from until it catches up, and never
 * delays anyone else.  A client that sends no valid command within
 * cfg.socket_idle_usec of connecting (SocketIdleTimeout=, 0: never) is sent
 * an ERROR ("idle timeout: ...") and disconnected, so that silent
 * connections cannot hold every slot; once it has sent one it may stay
 * silent (a watcher).  Beyond cfg.socket_max_clients (SocketMaxClients=) a
 * new connection is sent VERSION and an ERROR ("too many clients (N); try
 * again later") and closed.  Listens on cfg.socket_path (0660, group
 * "tinysense" when that group exists), or on the socket systemd passed in.
 */
#ifndef TS_DAEMON_SOCKET_SERVER_H
#define TS_DAEMON_SOCKET_SERVER_H

#include <stddef.h>

#include "socket_proto.h" /* SOCKET_MAX_LINE, SOCKET_HISTORY */

#define SOCKET_MAX_CLIENTS 1024           /* SocketMaxClients= default */
#define SOCKET_IDLE_USEC (30 * 1000000ull) /* SocketIdleTimeout= default */
#define SOCKET_QUEUE_BYTES (256 * 1024)   /* per client, queued output */
#define SOCKET_QUEUE_EVENTS 4096          /* per client, queued messages */

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
