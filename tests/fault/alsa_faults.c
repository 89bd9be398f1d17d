/* SPDX-License-Identifier: MIT */
/*
 * ALSA faults for tests/integration/test_fault_alsa.sh: an LD_PRELOAD
 * library that stands between the alsa plugin and alsa-lib.  The test's
 * virtual microphone (the `file` PCM plugin) can produce neither overruns
 * nor a vanished device, and this machine has no sound card whose kernel
 * driver could (docs/testing-real-components.md: inject them at the
 * alsa-lib boundary).  While the directory TS_ALSA_FAULTS holds
 *
 *   xrun       every snd_pcm_readi() reports an overrun (-EPIPE), as a
 *              kernel driver does when the application was too slow
 *   unplugged  snd_pcm_readi() fails with -ENODEV and snd_pcm_open() with
 *              -ENOENT, as for a USB microphone pulled out
 *
 * and otherwise every call goes to alsa-lib unchanged.  Test code only:
 *   cc -shared -fPIC -o alsa_faults.so tests/fault/alsa_faults.c -ldl
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* alsa-lib's types, opaque here (this library must not link alsa-lib). */
typedef struct _snd_pcm snd_pcm_t;
typedef unsigned long snd_pcm_uframes_t;
typedef long snd_pcm_sframes_t;

snd_pcm_sframes_t snd_pcm_readi(snd_pcm_t *pcm, void *buffer, snd_pcm_uframes_t size);
int snd_pcm_open(snd_pcm_t **pcm, const char *name, int stream, int mode);

static int fault(const char *name)
{
	const char *dir = getenv("TS_ALSA_FAULTS");
	char path[4096];

	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* The real function: alsa-lib is loaded by the plugin (dlopen, RTLD_LOCAL:
 * out of RTLD_NEXT's reach), so it is looked up in alsa-lib itself. */
static void *next(const char *symbol)
{
	void *lib = dlopen("libasound.so.2", RTLD_NOW | RTLD_NOLOAD);
	void *f;

	if (!lib)
		lib = dlopen("libasound.so.2", RTLD_NOW);
	f = lib ? dlsym(lib, symbol) : NULL;
	if (!f) {
		fprintf(stderr, "alsa_faults: no %s in libasound.so.2\n", symbol);
		abort();
	}
	return f; /* once per symbol; the handle stays: alsa-lib stays loaded anyway */
}

snd_pcm_sframes_t snd_pcm_readi(snd_pcm_t *pcm, void *buffer, snd_pcm_uframes_t size)
{
	static snd_pcm_sframes_t (*real)(snd_pcm_t *, void *, snd_pcm_uframes_t);

	if (!real)
		real = next("snd_pcm_readi"); /* the loop thread only: no race */

	if (fault("unplugged"))
		return -ENODEV;
	if (fault("xrun"))
		return -EPIPE;
	return real(pcm, buffer, size);
}

int snd_pcm_open(snd_pcm_t **pcm, const char *name, int stream, int mode)
{
	static int (*real)(snd_pcm_t **, const char *, int, int);

	if (!real)
		real = next("snd_pcm_open");

	if (fault("unplugged"))
		return -ENOENT;
	return real(pcm, name, stream, mode);
}
