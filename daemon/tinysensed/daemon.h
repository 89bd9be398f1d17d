/* SPDX-License-Identifier: MIT */
/* The daemon's state: one context, no globals. */
#ifndef TS_DAEMON_DAEMON_H
#define TS_DAEMON_DAEMON_H

#include <stdbool.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "daemon_config.h"
#include "manager.h"

struct bus_service;
struct socket_server;

struct daemon {
	struct daemon_config cfg;
	sd_event *event;
	struct manager manager;
	struct bus_service *bus;        /* NULL when running without D-Bus */
	struct socket_server *sockets;  /* NULL when SocketPath is empty */
	bool print;                     /* --print: detections on stdout */
};

#endif
