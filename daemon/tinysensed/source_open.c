/* SPDX-License-Identifier: MIT */
/* One configured source: a built-in one by name, else a plugin, in a child
 * process of its own unless [Source] Isolate=no. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolated.h"
#include "log.h"
#include "source.h"
#include "value_parse.h"

/* [Source] Isolate=yes|no (yes); the key belongs to the host, not the plugin. */
static int isolate(struct settings *keys, bool *out, struct config_error *err)
{
	const struct setting *k = setting_take(keys, "Isolate");
	int b = 1;

	if (k && parse_bool(k->value, &b))
		return setting_error(err, keys, k, "expected yes or no");
	*out = b;
	return 0;
}

/* A child is watched through a pidfd (Linux 5.3).  Where there is none (an
 * older kernel, valgrind), the plugin runs in-process, and the log says so. */
static bool can_isolate(const char *plugin)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	log_warning("plugin %s: no pidfd_open() here (%s): running it in the daemon's process",
		    plugin, strerror(errno));
	return false;
}

int source_open(struct source *s, struct source_config *sc, struct config_error *err)
{
	const struct source_ops *ops = source_builtin(sc->plugin);
	bool isolated = false;
	int r;

	/* Anything not built in is a plugin from PluginDir. */
	if (!ops) {
		r = isolate(&sc->keys, &isolated, err);
		if (r)
			return r;
		ops = isolated && can_isolate(sc->plugin) ? &isolated_source_ops
							 : &plugin_source_ops;
	}
	s->ops = ops;
	s->plugin_name = sc->plugin;
	r = s->ops->open(s, &sc->keys, err);
	if (r)
		return r;
	return settings_check_all_taken(&sc->keys, err);
}
