/* SPDX-License-Identifier: MIT */
/*
 * daemon/common/input_file.c: what every configuration file, model and
 * recording is opened with.  A FIFO (no writer: an open() without
 * O_NONBLOCK would wait forever), /dev/zero behind a symlink, a directory
 * and a socket are refused at once, naming the file and what it is; a sparse
 * 1 GiB file is refused by its size without being read (the process stays
 * small); the limit is exact; a regular file is read whole, 16-byte aligned.
 * alarm() turns a hang into a failure.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "input_file.h"
#include "temp_dir.h"

struct dir {
	char path[64];
	char file[96];  /* in(): a file in path */
	char err[512];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d || temp_dir_make(d->path, sizeof(d->path), "test_input_file"))
		return -1; /* (the fixture is not freed: the test run ends) */
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	const int r = temp_dir_remove(d->path);

	free(d);
	return r;
}

static const char *in(struct dir *d, const char *name)
{
	return temp_dir_path(d->file, sizeof(d->file), d->path, name);
}

/* The path, the kind named in the message, and -EINVAL. */
static void assert_refused(struct dir *d, const char *path, const char *what)
{
	char want[256];
	void *data = NULL;
	size_t size;
	int error = 0;

	snprintf(want, sizeof(want), "%s: not a regular file (%s)", path, what);
	assert_int_equal(input_file_open(path, INPUT_MAX_CONFIG_BYTES, NULL, d->err,
					 sizeof(d->err)), -EINVAL);
	assert_string_equal(d->err, want);
	assert_null(input_file_fopen(path, INPUT_MAX_CONFIG_BYTES, &error, d->err,
				     sizeof(d->err)));
	assert_int_equal(error, -EINVAL);
	assert_string_equal(d->err, want);
	assert_int_equal(input_file_read(path, INPUT_MAX_MODEL_BYTES, &data, &size, d->err,
					 sizeof(d->err)), -EINVAL);
	assert_null(data);
	assert_string_equal(d->err, want);
}

static void test_fifo_refused_without_blocking(void **state)
{
	struct dir *d = *state;
	const char *path = in(d, "fifo");

	assert_int_equal(mkfifo(path, 0600), 0);
	assert_refused(d, path, "a FIFO");
}

static void test_dev_zero_symlink_refused(void **state)
{
	struct dir *d = *state;
	const char *path = in(d, "zero.tflite");

	assert_int_equal(symlink("/dev/zero", path), 0);
	assert_refused(d, path, "a character device");
}

static void test_directory_refused(void **state)
{
	struct dir *d = *state;
	const char *path = in(d, "tinysense.conf");

	assert_int_equal(mkdir(path, 0700), 0);
	assert_refused(d, path, "a directory");
}

static void test_socket_refused(void **state)
{
	struct dir *d = *state;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_true(strlen(in(d, "sock")) < sizeof(a.sun_path));
	memcpy(a.sun_path, d->file, strlen(d->file) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_refused(d, a.sun_path, "a socket");
	close(fd);
}

static void test_missing_file_named(void **state)
{
	struct dir *d = *state;
	const char *path = in(d, "nowhere.tflite");
	char want[256];

	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_int_equal(input_file_open(path, 0, NULL, d->err, sizeof(d->err)), -ENOENT);
	assert_string_equal(d->err, want);
}

/* 1 GiB of holes: refused by its size, never read (RSS stays small). */
static void test_sparse_gigabyte_refused_unread(void **state)
{
	struct dir *d = *state;
	const char *path = in(d, "big.tflite");
	struct rusage before, after;
	void *data = NULL;
	size_t size;
	FILE *fp = fopen(path, "wb");
	char want[256];

	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), 1ll << 30), 0);
	assert_int_equal(fclose(fp), 0);
	snprintf(want, sizeof(want), "%s: larger than 16777216 bytes", path);
	assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
	assert_int_equal(input_file_read(path, INPUT_MAX_MODEL_BYTES, &data, &size, d->err,
					 sizeof(d->err)), -EFBIG);
	assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
	assert_null(data);
	assert_string_equal(d->err, want);
	assert_true(after.ru_maxrss - before.ru_maxrss < 16 * 1024); /* KiB */
}

static void test_limit_is_exact(void **state)
{
	struct dir *d = *state;
	const char *path = in(d, "limit.conf");
	char text[101];
	uint64_t size = 0;
	int fd;

	memset(text, 'x', sizeof(text));
	write_bytes(path, text, 100);
	fd = input_file_open(path, 100, &size, d->err, sizeof(d->err));
	assert_true(fd >= 0);
	assert_int_equal(size, 100);
	close(fd);
	write_bytes(path, text, 101);
	assert_int_equal(input_file_open(path, 100, &size, d->err, sizeof(d->err)), -EFBIG);
	assert_non_null(strstr(d->err, "larger than 100 bytes"));
	/* INPUT_UNLIMITED: any size (streamed inputs) */
	fd = input_file_open(path, INPUT_UNLIMITED, &size, d->err, sizeof(d->err));
	assert_true(fd >= 0);
	assert_int_equal(size, 101);
	close(fd);
}

static void test_regular_file_read_whole_aligned(void **state)
{
	struct dir *d = *state;
	const char *path = in(d, "model.tflite");
	void *data = NULL;
	size_t size = 0;
	int error = 0;
	char line[32];
	FILE *fp;

	write_bytes(path, "TFL3 model bytes\nsecond line\n", 29);
	assert_int_equal(input_file_read(path, INPUT_MAX_MODEL_BYTES, &data, &size, d->err,
					 sizeof(d->err)), 0);
	assert_int_equal(size, 29);
	assert_int_equal((uintptr_t)data % 16, 0);
	assert_memory_equal(data, "TFL3 model bytes\nsecond line\n", 29);
	free(data);
	fp = input_file_fopen(path, INPUT_MAX_CONFIG_BYTES, &error, d->err, sizeof(d->err));
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_string_equal(line, "second line\n");
	fclose(fp);
	/* an empty file reads as 0 bytes */
	write_bytes(path, "", 0);
	assert_int_equal(input_file_read(path, 16, &data, &size, d->err, sizeof(d->err)), 0);
	assert_int_equal(size, 0);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fifo_refused_without_blocking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_zero_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_gigabyte_refused_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regular_file_read_whole_aligned, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
