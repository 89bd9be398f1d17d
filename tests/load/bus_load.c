/* SPDX-License-Identifier: MIT */
/*
 * bus_load: D-Bus property reads from tinysensed at a target rate, for
 * tests/load/load.sh.  Usage:
 *
 *   bus_load ADDRESS SECONDS RATE OBJECT_PATH...
 *
 * Reads org.tinysense1.Pipeline properties (Detections, State, LastScore in
 * turn) of the given objects with org.freedesktop.DBus.Properties.Get,
 * paced to RATE calls per second with at most 64 in flight (sd-bus,
 * asynchronous), and prints the achieved rate, the errors and the reply
 * latency as "key value" lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>

#define IN_FLIGHT 64
#define MAX_SAMPLES (1u << 22)

struct run {
	uint64_t done, errors;
	unsigned in_flight;
	uint32_t *latency_us; /* every reply's */
	size_t n_latency;
};

struct call {
	struct run *run;
	uint64_t sent_us;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct call *c = userdata;
	struct run *r = c->run;

	(void)error;
	if (sd_bus_message_is_method_error(m, NULL))
		r->errors++;
	r->done++;
	r->in_flight--;
	if (r->n_latency < MAX_SAMPLES)
		r->latency_us[r->n_latency++] = (uint32_t)(mono_us() - c->sent_us);
	free(c);
	return 0;
}

static int compare_u32(const void *a, const void *b)
{
	const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const char *const props[] = { "Detections", "State", "LastScore" };
	struct run run = { 0 };
	sd_bus *bus = NULL;
	uint64_t start, end, sent = 0;
	double rate;
	int r;

	if (argc < 5) {
		fprintf(stderr, "usage: bus_load ADDRESS SECONDS RATE OBJECT_PATH...\n");
		return 2;
	}
	run.latency_us = malloc(MAX_SAMPLES * sizeof(*run.latency_us));
	if (!run.latency_us)
		return 1;
	rate = atof(argv[3]);
	if ((r = sd_bus_new(&bus)) < 0 || (r = sd_bus_set_address(bus, argv[1])) < 0 ||
	    (r = sd_bus_set_bus_client(bus, 1)) < 0 || (r = sd_bus_start(bus)) < 0) {
		fprintf(stderr, "bus_load: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	start = mono_us();
	end = start + (uint64_t)atoi(argv[2]) * 1000000u;
	for (;;) {
		const uint64_t now = mono_us();
		const uint64_t due = (uint64_t)((double)(now - start) * rate / 1e6);

		if (now >= end && !run.in_flight)
			break;
		while (now < end && sent < due && run.in_flight < IN_FLIGHT) {
			struct call *c = malloc(sizeof(*c));
			const char *path = argv[4 + sent % (uint64_t)(argc - 4)];

			if (!c)
				return 1;
			*c = (struct call){ &run, mono_us() };
			r = sd_bus_call_method_async(bus, NULL, "org.tinysense1", path,
						     "org.freedesktop.DBus.Properties", "Get",
						     on_reply, c, "ss", "org.tinysense1.Pipeline",
						     props[sent % 3]);
			if (r < 0) {
				fprintf(stderr, "bus_load: call: %s\n", strerror(-r));
				return 1;
			}
			run.in_flight++;
			sent++;
		}
		while ((r = sd_bus_process(bus, NULL)) > 0)
			;
		if (r < 0) {
			fprintf(stderr, "bus_load: %s\n", strerror(-r));
			return 1;
		}
		sd_bus_wait(bus, 1000); /* 1 ms: pacing granularity */
	}
	qsort(run.latency_us, run.n_latency, sizeof(*run.latency_us), compare_u32);
	printf("bus_reads %llu\nbus_errors %llu\n", (unsigned long long)run.done,
	       (unsigned long long)run.errors);
	printf("bus_reads_per_second %.0f\n", (double)run.done * 1e6 / (double)(mono_us() - start));
	if (run.n_latency)
		printf("bus_read_ms_median %.2f\nbus_read_ms_p99 %.2f\n",
		       run.latency_us[run.n_latency / 2] / 1e3,
		       run.latency_us[run.n_latency * 99 / 100] / 1e3);
	sd_bus_flush_close_unref(bus);
	free(run.latency_us);
	return 0;
}
