/* SPDX-License-Identifier: MIT */
/* One configured source: a built-in one by name, else a plugin, in a child
 * process of its own unless [Source] Isolate=no. */
#include "isolated.h"
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
		ops = isolated ? &isolated_source_ops : &plugin_source_ops;
	}
	s->ops = ops;
	s->plugin_name = sc->plugin;
	r = s->ops->open(s, &sc->keys, err);
	if (r)
		return r;
	return settings_check_all_taken(&sc->keys, err);
}
