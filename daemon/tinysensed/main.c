/* SPDX-License-Identifier: MIT */
/* tinysensed: the tinysense daemon.  main() is the start-up sequence. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <systemd/sd-daemon.h>

#include "bus.h"
#include "cpu_features.h"
#include "daemon.h"
#include "local_publishers.h"
#include "log.h"
#include "socket_server.h"
#include "version.h"

static void notify_status(struct daemon *d)
{
	size_t running = 0;

	for (size_t i = 0; i < d->manager.n_pipelines; i++)
		running += pipeline_state(d->manager.pipelines[i]) == PIPELINE_RUNNING;
	sd_notifyf(0, "STATUS=%zu of %zu pipelines running", running, d->manager.n_pipelines);
}

static void on_reloaded(void *user, int r, const char *error)
{
	struct daemon *d = user;

	if (r < 0) {
		log_error("reload failed, keeping the running configuration: %s", error);
		sd_notifyf(0, "READY=1\nSTATUS=reload failed: %s", error);
		return;
	}
	sd_notify(0, "READY=1");
	notify_status(d);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *user)
{
	struct daemon *d = user;
	int r;

	(void)s;
	(void)si;
	r = manager_reload(&d->manager, on_reloaded, d);
	if (r == -EBUSY)
		log_warning("SIGHUP: a reload is already in progress");
	else if (r < 0)
		log_error("SIGHUP: cannot reload: %s", strerror(-r));
	else
		sd_notify(0, "RELOADING=1");
	return 0;
}

/* SOCKET_MAX_CLIENTS clients and the daemon's own descriptors do not fit
 * the usual soft limit of 1024 (systemd's default too); nothing here uses
 * select(), so take what the hard limit allows, up to FD_LIMIT_WANTED. */
#define FD_LIMIT_WANTED (SOCKET_MAX_CLIENTS + 1024)
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= FD_LIMIT_WANTED)
		return;
	rl.rlim_cur = rl.rlim_max < FD_LIMIT_WANTED ? rl.rlim_max : FD_LIMIT_WANTED;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warning("cannot raise the descriptor limit to %llu: %s",
			    (unsigned long long)rl.rlim_cur, strerror(errno));
}

static int setup_event_loop(struct daemon *d)
{
	sigset_t mask;
	int r;

	r = sd_event_default(&d->event);
	if (r < 0)
		return r;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Before any thread exists, so workers inherit the blocked mask. */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGINT, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d)) < 0)
		return r;
	/* Pings the service manager's watchdog when WatchdogSec= is set. */
	return sd_event_set_watchdog(d->event, true);
}

/* The journal always; the console with --print.  Cannot fail: the set is
 * empty at start-up. */
static void add_local_publishers(struct daemon *d)
{
	if (d->print)
		manager_add_publisher(&d->manager, &print_publisher_ops, stdout);
	manager_add_publisher(&d->manager, &journal_publisher_ops, NULL);
}

static int open_bus(struct daemon *d)
{
	int r;

	if (d->cfg.bus == BUS_NONE) {
		log_info("D-Bus disabled (Bus=none): socket only");
		return 0;
	}
	r = bus_service_new(d, &d->bus);
	if (r < 0) {
		log_warning("no D-Bus (%s): running socket-only", strerror(-r));
		d->bus = NULL;
	}
	return 0;
}

static int open_socket(struct daemon *d)
{
	if (!d->cfg.socket_path[0])
		return 0;
	/* socket_server_new() logs what went wrong. */
	return socket_server_new(d, &d->sockets);
}

static void tear_down(struct daemon *d)
{
	manager_stop_all(&d->manager);
	d->bus = bus_service_free(d->bus);
	d->sockets = socket_server_free(d->sockets);
	manager_free(&d->manager);
	d->event = sd_event_unref(d->event);
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };
	struct config_error err = { "" };
	int r;

	r = daemon_config_load(&d.cfg, argc, argv, &err);
	if (r)
		return r > 0 ? EXIT_SUCCESS : (fprintf(stderr, "tinysensed: %s\n", err.text), 2);
	log_init(d.cfg.log_level);
	d.print = d.cfg.print;
	raise_fd_limit();
	r = setup_event_loop(&d);
	if (r < 0) {
		log_error("event loop: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	manager_init(&d.manager, d.event, d.cfg.pipelines_dir);
	d.manager.interp.cpu_features = cpu_features_probe();
	d.manager.interp.kernels = kernels_choose(getenv("TINYSENSE_KERNELS"), "TINYSENSE_KERNELS",
						  d.manager.interp.cpu_features, err.text,
						  sizeof(err.text));
	if (!d.manager.interp.kernels) {
		fprintf(stderr, "tinysensed: %s\n", err.text);
		tear_down(&d);
		return 2;
	}
	log_info("kernels: %s", d.manager.interp.kernels);
	d.manager.interp.max_cost = d.cfg.max_model_cost;
	d.manager.model_dir = d.cfg.model_dir;
	d.manager.plugin_dir = d.cfg.plugin_dir;
	d.manager.exit_when_finished = d.cfg.exit_when_done;
	if (d.cfg.check_only) {
		r = manager_check(&d.manager, &err);
		if (r)
			fprintf(stderr, "tinysensed: %s\n", err.text);
		else
			printf("configuration OK: %zu pipelines\n", d.manager.n_pipelines);
		tear_down(&d);
		return r ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	add_local_publishers(&d);
	if (open_bus(&d) < 0 || open_socket(&d) < 0) {
		tear_down(&d);
		return EXIT_FAILURE;
	}
	/* A pipeline whose file fails is left out (logged there); the rest run. */
	manager_load(&d.manager, &err);
	if (d.cfg.exit_when_done && manager_all_finished(&d.manager)) {
		/* Nothing to replay: --exit-when-done has nothing to wait for. */
		log_error("--exit-when-done: no pipeline is running");
		tear_down(&d);
		return EXIT_FAILURE;
	}
	log_info("tinysensed %s running: %zu pipelines", TINYSENSE_VERSION, d.manager.n_pipelines);
	sd_notify(0, "READY=1");
	notify_status(&d);
	r = sd_event_loop(d.event);
	sd_notify(0, "STOPPING=1");
	tear_down(&d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
