/* SPDX-License-Identifier: MIT */
/*
 * The typed configuration getters of the plugin ABI (1.1: config_uint ...
 * config_list in tinysense/plugin.h), written once for every host table:
 * tinysensed's (daemon/tinysensed/plugin_source.c) and the plugins' fake
 * test host (plugins/testing/fake_host.c).  A host that links this file
 * provides the two functions below; the getters parse and word errors with
 * config_value.c.
 */
#ifndef TS_DAEMON_PLUGIN_GETTERS_H
#define TS_DAEMON_PLUGIN_GETTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tinysense/plugin.h>

/* Provided by the host: the value of key, claimed, in *value (NULL when
 * absent); 0, -EBUSY outside open(), -EINVAL without a key or an output
 * (out is the getter's output pointer, only checked for NULL). */
int plugin_host_value(ts_source *src, const char *key, const void *out, const char **value);
/* Provided by the host: reports why the value of key is wrong, in the
 * daemon's error format; returns -EINVAL. */
int plugin_host_error(ts_source *src, const char *key, const char *why);

int plugin_config_uint(ts_source *src, const char *key, uint64_t def, uint64_t min,
		       uint64_t max, uint64_t *out);
int plugin_config_int(ts_source *src, const char *key, int64_t def, int64_t min, int64_t max,
		      int64_t *out);
int plugin_config_double(ts_source *src, const char *key, double def, double min, double max,
			 double *out);
int plugin_config_duration(ts_source *src, const char *key, uint64_t def_ns, uint64_t min_ns,
			   uint64_t max_ns, uint64_t *out_ns);
int plugin_config_bool(ts_source *src, const char *key, bool def, bool *out);
int plugin_config_enum(ts_source *src, const char *key, const char *const *names, unsigned def,
		       unsigned *out);
int plugin_config_list(ts_source *src, const char *key, char *items, size_t item_size,
		       size_t max_items, size_t *n_items);

/* The entries of a ts_plugin_host initializer. */
#define PLUGIN_CONFIG_GETTERS                          \
	.config_uint = plugin_config_uint,             \
	.config_int = plugin_config_int,               \
	.config_double = plugin_config_double,         \
	.config_duration = plugin_config_duration,     \
	.config_bool = plugin_config_bool,             \
	.config_enum = plugin_config_enum,             \
	.config_list = plugin_config_list

#endif
