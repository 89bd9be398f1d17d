/* SPDX-License-Identifier: MIT */
/*
 * Plugins in child processes: the messages between the daemon
 * (isolated_source.c) and a plugin's child (isolated_child.c) over a
 * SOCK_SEQPACKET socketpair, one message per packet, none larger than
 * ISO_MSG_MAX.  Both ends are the same binary (fork, no exec), so the
 * layout is native.
 */
#ifndef TS_DAEMON_ISOLATED_H
#define TS_DAEMON_ISOLATED_H

#include <stdint.h>

#include "source.h"

#define ISO_MSG_MAX (64 * 1024)

enum iso_msg_type {
	/* daemon -> child */
	ISO_START = 1, /* gen: the run the blocks belong to; answered by ISO_STARTED */
	ISO_STOP,
	ISO_PING,      /* answered by ISO_PONG */
	ISO_CLOSE,     /* close the plugin and exit 0 */
	/* child -> daemon */
	ISO_OPENED,    /* once, first: the open result */
	ISO_STARTED,
	ISO_BLOCK,
	ISO_END,
	ISO_STATE,
	ISO_PONG,
};

struct iso_msg_head {
	uint32_t type;
	uint32_t gen;
};

struct iso_msg_opened {
	struct iso_msg_head h;
	int32_t result;              /* 0 or -errno with error set */
	uint32_t format;             /* enum sample_format */
	uint32_t rate;
	uint16_t channels;
	uint8_t has_meta;
	char error[768];
	struct channel_meta meta[];  /* channels of them with has_meta */
};

struct iso_msg_started {
	struct iso_msg_head h;
	int32_t result;
};

struct iso_msg_block {
	struct iso_msg_head h;
	uint32_t frames;
	uint32_t reserved;
	uint64_t mono_ns;
	uint64_t realtime_us;
	_Alignas(8) uint8_t data[];  /* frames of the opened format */
};

struct iso_msg_state {
	struct iso_msg_head h;
	uint32_t state;              /* enum source_state */
	uint32_t has_message;
	char message[256];
};

/* A plugin's source in a child process: source_open() picks it for
 * plugins unless [Source] Isolate=no. */
extern const struct source_ops isolated_source_ops;

/* The child's life after fork(): opens the plugin of s (keys, name) with
 * plugin_source_ops on a loop of its own, answers on fd, exits. */
_Noreturn void isolated_child_main(const struct source *s, struct settings *keys,
				   const char *name, int fd);

#endif
