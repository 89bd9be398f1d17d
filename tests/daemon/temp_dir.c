/* SPDX-License-Identifier: MIT */
/* temp_dir.h: a test's temporary directory. */
#include "temp_dir.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int temp_dir_make(char *dir, size_t size, const char *prefix)
{
	if ((size_t)snprintf(dir, size, "/tmp/%s.XXXXXX", prefix) >= size || !mkdtemp(dir))
		return -1;
	alarm(20); /* a hang is a failure */
	return 0;
}

int temp_dir_remove(const char *dir)
{
	char cmd[160];

	alarm(0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

const char *temp_dir_path(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
	return out;
}

void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}
