/* SPDX-License-Identifier: MIT */
#include "daemon_config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ini_lines.h"
#include "input_file.h"
#include "log.h"
#include "socket_server.h"
#include "value_parse.h"
#include "version.h"

struct file_state {
	struct daemon_config *cfg;
	struct config_error *err;
	const char *path;
	struct ini_lines in;
	int status;
};

static int bad_key(struct file_state *fs, const char *section, const char *key,
		   const char *what)
{
	if (!fs->status)
		snprintf(fs->err->text, sizeof(fs->err->text), "%s:%u: [%s] %s: %s",
			 fs->path, fs->in.line, section, key, what);
	fs->status = -EINVAL;
	return 0;
}

static int handle(void *user, const char *section, const char *key, const char *value)
{
	struct file_state *fs = user;
	struct daemon_config *cfg = fs->cfg;
	char *dst = NULL;
	size_t size = 0;

	if (fs->status)
		return 0;
	if (strcmp(section, "Daemon"))
		return bad_key(fs, section, key, "unknown section");
	if (!strcmp(key, "PluginDir")) {
		dst = cfg->plugin_dir;
		size = sizeof(cfg->plugin_dir);
	} else if (!strcmp(key, "ModelDir")) {
		dst = cfg->model_dir;
		size = sizeof(cfg->model_dir);
	} else if (!strcmp(key, "SocketPath")) {
		/* may be empty: no socket */
		if (copy_trimmed(cfg->socket_path, sizeof(cfg->socket_path), value))
			return bad_key(fs, section, key, "too long");
		return 1;
	} else if (!strcmp(key, "SocketIdleTimeout")) {
		char why[128];
		uint64_t ns;

		if (parse_duration_ns(value, &ns, why, sizeof(why)))
			return bad_key(fs, section, key, why);
		if (ns / 1000 > 24ull * 3600 * 1000000)
			return bad_key(fs, section, key, "expected a duration up to 24h (0: none)");
		cfg->socket_idle_usec = ns / 1000;
		if (ns && !cfg->socket_idle_usec)
			return bad_key(fs, section, key, "shorter than 1us");
		return 1;
	} else if (!strcmp(key, "SocketMaxClients")) {
		char what[64];
		long long n;

		snprintf(what, sizeof(what), "expected a number in 1..%d", SOCKET_MAX_CLIENTS);
		if (parse_int_range(value, 1, SOCKET_MAX_CLIENTS, &n))
			return bad_key(fs, section, key, what);
		cfg->socket_max_clients = (unsigned)n;
		return 1;
	} else if (!strcmp(key, "Bus")) {
		if (!strcmp(value, "system"))
			cfg->bus = BUS_SYSTEM;
		else if (!strcmp(value, "user"))
			cfg->bus = BUS_USER;
		else if (!strcmp(value, "none"))
			cfg->bus = BUS_NONE;
		else
			return bad_key(fs, section, key, "expected system, user or none");
		return 1;
	} else if (!strcmp(key, "LogLevel")) {
		int level = log_level_from_name(value);

		if (level < 0)
			return bad_key(fs, section, key,
				       "expected err, warning, notice, info or debug");
		cfg->log_level = level;
		return 1;
	} else if (!strcmp(key, "MaxModelCost")) {
		long long cost;

		if (parse_int_range(value, 1, (long long)1 << 62, &cost))
			return bad_key(fs, section, key,
				       "expected element operations per inference, 1 or more");
		cfg->max_model_cost = (uint64_t)cost;
		return 1;
	} else {
		return bad_key(fs, section, key, "unknown key");
	}
	if (copy_trimmed(dst, size, value) || !dst[0])
		return bad_key(fs, section, key, "empty or too long");
	return 1;
}

static int load_file(struct daemon_config *cfg, struct config_error *err)
{
	char path[PC_PATH_LEN + 32];
	struct file_state fs = { .cfg = cfg, .err = err, .path = path };
	int r;

	snprintf(path, sizeof(path), "%s/tinysense.conf", cfg->config_dir);
	/* A directory, FIFO or device there is an error, never the defaults. */
	fs.in.fp = input_file_fopen(path, INPUT_MAX_CONFIG_BYTES, &r, err->text,
				    sizeof(err->text));
	if (!fs.in.fp)
		return r == -ENOENT ? 0 : r; /* no file: defaults */
	r = ini_parse_lines(&fs.in, handle, &fs);
	fclose(fs.in.fp);
	if (ini_lines_failed_first(&fs.in, r)) {
		ini_lines_error(&fs.in, r, path, err->text, sizeof(err->text));
		return -EINVAL;
	}
	if (fs.status)
		return fs.status;
	return 0;
}

static void usage(void)
{
	printf("Usage: tinysensed [OPTIONS]\n"
	       "\n"
	       "  --config DIR        configuration directory (default /etc/tinysense):\n"
	       "                      DIR/tinysense.conf and DIR/pipelines.d/*.conf\n"
	       "  --check-config      validate the configuration and models, then exit\n"
	       "  --bus system|user|none\n"
	       "  --bus-address ADDR  use the D-Bus bus at ADDR (e.g. unix:path=/tmp/bus)\n"
	       "  --user              user mode: user bus, socket in $XDG_RUNTIME_DIR\n"
	       "  --socket PATH       Unix socket path (empty: none)\n"
	       "  --log-level LEVEL   err, warning, notice, info or debug\n"
	       "  --print             print detections on stdout as they happen\n"
	       "  --exit-when-done    exit once every replayed recording has ended\n"
	       "  --help, --version\n");
}

static void set_defaults(struct daemon_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->config_dir, sizeof(cfg->config_dir), "/etc/tinysense");
	snprintf(cfg->plugin_dir, sizeof(cfg->plugin_dir), "/usr/lib/tinysense/plugins");
	snprintf(cfg->model_dir, sizeof(cfg->model_dir), "/usr/share/tinysense/models");
	snprintf(cfg->socket_path, sizeof(cfg->socket_path), "/run/tinysense/tinysense.sock");
	cfg->bus = BUS_SYSTEM;
	cfg->log_level = LOG_INFO;
	cfg->socket_idle_usec = SOCKET_IDLE_USEC;
	cfg->socket_max_clients = SOCKET_MAX_CLIENTS;
}

int daemon_config_load(struct daemon_config *cfg, int argc, char **argv,
		       struct config_error *err)
{
	enum { OPT_CONFIG = 256, OPT_CHECK, OPT_BUS, OPT_BUS_ADDRESS, OPT_USER, OPT_SOCKET,
	       OPT_LOG_LEVEL, OPT_PRINT, OPT_EXIT, OPT_HELP, OPT_VERSION };
	static const struct option options[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "bus", required_argument, NULL, OPT_BUS },
		{ "bus-address", required_argument, NULL, OPT_BUS_ADDRESS },
		{ "user", no_argument, NULL, OPT_USER },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "print", no_argument, NULL, OPT_PRINT },
		{ "exit-when-done", no_argument, NULL, OPT_EXIT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 }
	};
	const char *bus = NULL, *bus_address = NULL, *socket_path = NULL, *level = NULL;
	int c, r;

	set_defaults(cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			snprintf(cfg->config_dir, sizeof(cfg->config_dir), "%s", optarg);
			break;
		case OPT_CHECK: cfg->check_only = true; break;
		case OPT_BUS: bus = optarg; break;
		case OPT_BUS_ADDRESS: bus_address = optarg; break;
		case OPT_USER: cfg->user_mode = true; break;
		case OPT_SOCKET: socket_path = optarg; break;
		case OPT_LOG_LEVEL: level = optarg; break;
		case OPT_PRINT: cfg->print = true; break;
		case OPT_EXIT: cfg->exit_when_done = true; break;
		case OPT_HELP: usage(); return 1;
		case OPT_VERSION: printf("tinysensed %s\n", TINYSENSE_VERSION); return 1;
		default:
			snprintf(err->text, sizeof(err->text), "unknown option (see --help)");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err->text, sizeof(err->text), "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (cfg->user_mode) {
		const char *runtime = getenv("XDG_RUNTIME_DIR");

		cfg->bus = BUS_USER;
		if (runtime)
			snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s/tinysense.sock",
				 runtime);
	}
	r = load_file(cfg, err);
	if (r)
		return r;
	if (bus) {
		if (!strcmp(bus, "system"))
			cfg->bus = BUS_SYSTEM;
		else if (!strcmp(bus, "user"))
			cfg->bus = BUS_USER;
		else if (!strcmp(bus, "none"))
			cfg->bus = BUS_NONE;
		else {
			snprintf(err->text, sizeof(err->text), "--bus %s: expected system, user or none",
				 bus);
			return -EINVAL;
		}
	}
	if (bus_address) {
		cfg->bus = BUS_ADDRESS;
		snprintf(cfg->bus_address, sizeof(cfg->bus_address), "%s", bus_address);
	}
	if (socket_path)
		snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s", socket_path);
	if (level) {
		cfg->log_level = log_level_from_name(level);
		if (cfg->log_level < 0) {
			snprintf(err->text, sizeof(err->text), "--log-level %s: unknown level", level);
			return -EINVAL;
		}
	}
	snprintf(cfg->pipelines_dir, sizeof(cfg->pipelines_dir), "%s/pipelines.d",
		 cfg->config_dir);
	return 0;
}
