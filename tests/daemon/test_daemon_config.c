/* SPDX-License-Identifier: MIT */
/*
 * tinysense.conf (daemon/tinysensed/daemon_config.c): absent means the
 * defaults; a directory, a FIFO or /dev/zero in its place is an error naming
 * it (never the defaults, never a hang: alarm() makes one a failure), as is a
 * file over 1 MiB; a key given twice names the first; long lines read whole
 * up to 4096 bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_config.h"
#include "temp_dir.h"

struct fixture {
	char dir[64];
	char path[96]; /* DIR/tinysense.conf */
	char text[9000];
	char want[512];
	struct daemon_config cfg;
	struct config_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || temp_dir_make(f->dir, sizeof(f->dir), "test_daemon_config"))
		return -1; /* (the fixture is not freed: the test run ends) */
	snprintf(f->path, sizeof(f->path), "%s/tinysense.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const int r = temp_dir_remove(f->dir);

	free(f);
	return r;
}

static int load(struct fixture *f)
{
	char *argv[] = { "tinysensed", "--config", f->dir, NULL };

	memset(&f->err, 0, sizeof(f->err));
	return daemon_config_load(&f->cfg, 3, argv, &f->err);
}

static int load_text(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return load(f);
}

/* The error: f->path, then what follows it */
static void assert_error(struct fixture *f, int r, int want_r, const char *after_path)
{
	assert_int_equal(r, want_r);
	snprintf(f->want, sizeof(f->want), "%s%s", f->path, after_path);
	assert_string_equal(f->err.text, f->want);
}

static void test_absent_means_defaults(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.plugin_dir, "/usr/lib/tinysense/plugins");
}

static void test_not_a_regular_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_error(f, load(f), -EINVAL, ": not a regular file (a directory)");
	rmdir(f->path);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_error(f, load(f), -EINVAL, ": not a regular file (a FIFO)");
	unlink(f->path);
	assert_int_equal(symlink("/dev/zero", f->path), 0);
	assert_error(f, load(f), -EINVAL, ": not a regular file (a character device)");
}

static void test_too_large(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), (1 << 20) + 1), 0);
	fclose(fp);
	assert_error(f, load(f), -EFBIG, ": larger than 1048576 bytes");
}

static void test_key_given_twice(void **state)
{
	struct fixture *f = *state;

	assert_error(f, load_text(f, "[Daemon]\nLogLevel=debug\n# again\nLogLevel=err\n"), -EINVAL,
		     ":4: [Daemon] LogLevel: given twice (first at line 2)");
	assert_error(f, load_text(f, "[Daemon]\nBus=none\n[Daemon]\nBus=user\n"), -EINVAL,
		     ":4: [Daemon] Bus: given twice (first at line 2)");
}

static void test_long_lines(void **state)
{
	struct fixture *f = *state;
	char dir[4200];

	for (size_t i = 0; i < 300; i++)
		dir[i] = i % 8 ? 'd' : '/';
	dir[300] = '\0';
	snprintf(f->text, sizeof(f->text), "[Daemon]\n# %s Bus=none\nPluginDir=%s\nBus=user\n", dir,
		 dir);
	assert_int_equal(load_text(f, f->text), 0);
	assert_string_equal(f->cfg.plugin_dir, dir);
	assert_int_equal(f->cfg.bus, BUS_USER);
	memset(dir, 'd', 4200);
	dir[4092] = '\0';
	snprintf(f->text, sizeof(f->text), "[Daemon]\nPluginDir=%s\n", dir);
	assert_error(f, load_text(f, f->text), -EINVAL, ":2: line longer than 4096 bytes");
}

static void test_syntax_error_before_a_bad_key(void **state)
{
	struct fixture *f = *state;

	assert_error(f, load_text(f, "[Daemon\nColour=blue\n"), -EINVAL, ":1: syntax error");
	assert_error(f, load_text(f, "[Daemon]\nColour=blue\n"), -EINVAL,
		     ":2: [Daemon] Colour: unknown key");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_absent_means_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_given_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error_before_a_bad_key, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
