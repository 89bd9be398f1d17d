/* SPDX-License-Identifier: MIT */
/* One configured source: a built-in one by name, else a plugin. */
#include "source.h"

int source_open(struct source *s, struct source_config *sc, struct config_error *err)
{
	const struct source_ops *ops = source_builtin(sc->plugin);
	int r;

	/* Anything not built in is a plugin from PluginDir. */
	s->ops = ops ? ops : &plugin_source_ops;
	s->plugin_name = sc->plugin;
	r = s->ops->open(s, &sc->keys, err);
	if (r)
		return r;
	return settings_check_all_taken(&sc->keys, err);
}
