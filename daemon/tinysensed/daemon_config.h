/* SPDX-License-Identifier: MIT */
/*
 * The daemon's own settings: tinysense.conf [Daemon] and the command line.
 *   [Daemon]
 *   PluginDir=/usr/lib/tinysense/plugins
 *   SocketPath=/run/tinysense/tinysense.sock   (empty: no socket)
 *   SocketIdleTimeout=30s                       (no command by then: closed; 0: never)
 *   SocketMaxClients=1024                       (1..1024)
 *   Bus=system|user|none
 *   LogLevel=err|warning|notice|info|debug
 *   ModelDir=/usr/share/tinysense/models       (relative Model.Path base)
 *   MaxModelCost=1073741824                    (a model's operations per inference)
 */
#ifndef TS_DAEMON_DAEMON_CONFIG_H
#define TS_DAEMON_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline_config.h"

enum bus_kind { BUS_SYSTEM, BUS_USER, BUS_NONE, BUS_ADDRESS };

struct daemon_config {
	char config_dir[PC_PATH_LEN];      /* holds tinysense.conf and pipelines.d/ */
	char pipelines_dir[PC_PATH_LEN];
	char plugin_dir[PC_PATH_LEN];
	char model_dir[PC_PATH_LEN];
	char socket_path[PC_PATH_LEN];
	uint64_t socket_idle_usec;         /* SocketIdleTimeout=; 0: none */
	unsigned socket_max_clients;       /* SocketMaxClients=; 0: SOCKET_MAX_CLIENTS */
	char bus_address[PC_PATH_LEN];     /* with BUS_ADDRESS */
	enum bus_kind bus;
	int log_level;                     /* syslog priority, LOG_INFO default */
	uint64_t max_model_cost;           /* 0: lib/'s default (TS_DEFAULT_MAX_COST) */
	bool check_only;                   /* --check-config */
	bool print;                        /* --print */
	bool exit_when_done;               /* --exit-when-done */
	bool user_mode;                    /* --user: user bus, $XDG_RUNTIME_DIR socket */
};

/* Parses argv, then CONFIG_DIR/tinysense.conf (missing file: defaults).
 * Command-line values win over the file.  0, 1 for --help/--version (done),
 * or -EINVAL with err set. */
int daemon_config_load(struct daemon_config *cfg, int argc, char **argv,
		       struct config_error *err);

#endif
