/* SPDX-License-Identifier: MIT */
#include "plugin_getters.h"

#include <errno.h>

#include "config_value.h"

/* Each getter: the value (or the default when absent), then 1, or the
 * host's report of why it is wrong. */

int plugin_config_uint(ts_source *src, const char *key, uint64_t def, uint64_t min,
		       uint64_t max, uint64_t *out)
{
	char why[CONFIG_WHY_MAX];
	const char *v;
	int r = plugin_host_value(src, key, out, &v);

	if (r || !v)
		return r ? r : (*out = def, 0);
	if (config_value_uint(v, min, max, out, why, sizeof(why)))
		return plugin_host_error(src, key, why);
	return 1;
}

int plugin_config_int(ts_source *src, const char *key, int64_t def, int64_t min, int64_t max,
		      int64_t *out)
{
	char why[CONFIG_WHY_MAX];
	const char *v;
	int r = plugin_host_value(src, key, out, &v);

	if (r || !v)
		return r ? r : (*out = def, 0);
	if (config_value_int(v, min, max, out, why, sizeof(why)))
		return plugin_host_error(src, key, why);
	return 1;
}

int plugin_config_double(ts_source *src, const char *key, double def, double min, double max,
			 double *out)
{
	char why[CONFIG_WHY_MAX];
	const char *v;
	int r = plugin_host_value(src, key, out, &v);

	if (r || !v)
		return r ? r : (*out = def, 0);
	if (config_value_double(v, min, max, out, why, sizeof(why)))
		return plugin_host_error(src, key, why);
	return 1;
}

int plugin_config_duration(ts_source *src, const char *key, uint64_t def_ns, uint64_t min_ns,
			   uint64_t max_ns, uint64_t *out_ns)
{
	char why[CONFIG_WHY_MAX];
	const char *v;
	int r = plugin_host_value(src, key, out_ns, &v);

	if (r || !v)
		return r ? r : (*out_ns = def_ns, 0);
	if (config_value_duration(v, min_ns, max_ns, out_ns, why, sizeof(why)))
		return plugin_host_error(src, key, why);
	return 1;
}

int plugin_config_bool(ts_source *src, const char *key, bool def, bool *out)
{
	char why[CONFIG_WHY_MAX];
	const char *v;
	int r = plugin_host_value(src, key, out, &v);

	if (r || !v)
		return r ? r : (*out = def, 0);
	if (config_value_bool(v, out, why, sizeof(why)))
		return plugin_host_error(src, key, why);
	return 1;
}

int plugin_config_enum(ts_source *src, const char *key, const char *const *names, unsigned def,
		       unsigned *out)
{
	char why[CONFIG_WHY_MAX];
	const char *v;
	int r = plugin_host_value(src, key, names ? (const void *)out : NULL, &v);

	if (r || !v)
		return r ? r : (*out = def, 0);
	if (config_value_enum(v, names, out, why, sizeof(why)))
		return plugin_host_error(src, key, why);
	return 1;
}

int plugin_config_list(ts_source *src, const char *key, char *items, size_t item_size,
		       size_t max_items, size_t *n_items)
{
	char why[CONFIG_WHY_MAX];
	const char *v;
	int r = plugin_host_value(src, key, items && item_size && max_items ? (const void *)n_items
									     : NULL,
				  &v);

	if (r || !v)
		return r ? r : (*n_items = 0, 0);
	if (config_value_list(v, items, item_size, max_items, n_items, why, sizeof(why)))
		return plugin_host_error(src, key, why);
	return 1;
}
