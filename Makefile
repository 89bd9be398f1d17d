# tinysense: GNU Makefile.  `make help` lists the targets.
#
# This file holds what every part of the build shares (tools, flags, paths,
# the flags file, the helpers), the top targets (all, help, check, deps,
# demo, clean) and the includes.  Each mk/*.mk file builds one part and
# starts with a header saying what it builds and its targets:
#   mk/lib.mk        the inference core, libtinysense.a; check-freestanding
#   mk/daemon.mk     libtinysense-common.a, tinysensed, tinysensectl, libtinysensed.a
#   mk/plugins.mk    the sensor plugins and their unit tests
#   mk/tests.mk      unit, conformance, plugin and daemon unit tests; test, test-asan
#   mk/bench.mk      bench
#   mk/install.mk    install, uninstall
#   mk/cross.mk      cross, check-cross, bench-arm (aarch64, armhf under qemu-user)
#   mk/fuzz.mk       fuzz, fuzz-smoke (libFuzzer)
#   mk/mcu.mk        mcu, mcu-check, mcu-run, mcu-size, mcu-insns (Cortex-M)
#   mk/packaging.mk  cross-daemon, check-man, check-install, deb, deb-cross,
#                    check-packaging, check-system
#   mk/models.mk     models, check-models, install-models
#   mk/robustness.mk the fault plugin; load, soak, valgrind

PREFIX     ?= /usr/local
VERSION    := $(shell sed -n 's/^\#define TINYSENSE_VERSION "\(.*\)"/\1/p' daemon/common/version.h)
DESTDIR    ?=
BUILD      ?= build
SANITIZE   ?=
CC         ?= gcc
AR         ?= ar
# Host libraries come from pkg-config (debian/rules passes the host's
# TRIPLET-pkg-config for cross builds; cross-daemon one on its sysroot).
PKG_CONFIG ?= pkg-config

# Debian packages the build and the tests need (see tools in the README).
DEB_DEPS := build-essential pkg-config libcmocka-dev libinih-dev libsystemd-dev \
	libjson-c-dev dbus systemd dbus-daemon dbus-tests libiio-dev libiio-utils iiod \
	umockdev libumockdev-dev libasound2-dev alsa-utils libgpiod-dev gpiod sox \
	python3 time libglib2.0-bin util-linux

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASE     := -std=c11 -ffp-contract=off -g -fPIC
OPT      ?= -O3
ifeq ($(SANITIZE),1)
  OPT    := -O1
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
CPPFLAGS += -Ilib/include
# 64-bit off_t and ino_t (stat, readdir, lseek) on 32-bit targets (armhf);
# a no-op on 64-bit ones.
CPPFLAGS += -D_FILE_OFFSET_BITS=64
CFLAGS   += $(BASE) $(OPT) $(WARN) $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)

# $(call pkg_cflags,PACKAGES), $(call pkg_libs,PACKAGES): pkg-config's
# answer, asked when a recipe needs it (so `make help` and `make deps` need
# no pkg-config); a missing package stops the build with pkg-config's
# message.  No packages: nothing.
pkg_cflags = $(call pkg_ask,--cflags,$(1))
pkg_libs   = $(call pkg_ask,--libs,$(1))
pkg_ask    = $(if $(strip $(2)),$(call pkg_check,$(shell $(PKG_CONFIG) $(1) $(2) 2>&1 && echo pkg-config-ok),$(2)))
pkg_check  = $(if $(filter pkg-config-ok,$(lastword $(1))),$(filter-out pkg-config-ok,$(1)),$(call \
	$(if $(dry_run),warning,error),$(PKG_CONFIG) $(2) failed$(if $(strip $(1)),: $(1))))
# make -n: a missing package is a warning (the sysroot of cross-daemon is not there yet)
dry_run    = $(findstring n,$(firstword -$(MAKEFLAGS)))

# `make V=1` shows every command.
Q := $(if $(V),,@)

SHARED       ?= $(abspath ../shared)
CONFORMANCE  ?= $(SHARED)/conformance
FRONTEND_DIR ?= $(SHARED)/frontend

comma := ,
# A pattern's % would be the stem in a prerequisite list, hence $(PERCENT).
PERCENT := %
# Prerequisites computed from the stem ($$*): plugins, plugin tests, mcu images.
.SECONDEXPANSION:

.PHONY: FORCE all check deps demo clean help
.DEFAULT_GOAL := all

# Objects are rebuilt when the compiler or its flags change.
FLAGS_FILE := $(BUILD)/.cflags
$(FLAGS_FILE): FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' > $@

FORCE:

include mk/lib.mk
include mk/daemon.mk
include mk/plugins.mk
include mk/tests.mk
include mk/bench.mk
include mk/install.mk
include mk/cross.mk
include mk/fuzz.mk
include mk/mcu.mk
include mk/packaging.mk
include mk/models.mk
include mk/robustness.mk

all: $(LIB) $(CTL) $(DAEMON) $(PLUGINS)

help:
	@echo "make               build $(LIB), $(CTL), $(DAEMON) and the plugins"
	@echo "make demo          install deps, build, run the daemon on the bundled recording"
	@echo "make check         install deps, build with -Werror, run every test (README: what it runs)"
	@echo "make test          unit, conformance and integration tests in parallel (JOBS=N, TESTS=ERE);"
	@echo "                   test-asan: the same under ASan+UBSan; logs in $(BUILD)/test-logs/"
	@echo "make bench         speed, instructions and memory: inference per kernel set, front-ends, daemon"
	@echo "make models        retrain the shipped models (torch; seeded); check-models: verify them"
	@echo "make cross         aarch64/armhf test runners, daemon, tool and plugins; check-cross runs them under qemu"
	@echo "make mcu           Cortex-M firmware; mcu-check, mcu-run CASES=DIR, mcu-size, mcu-insns"
	@echo "make fuzz          libFuzzer targets for FUZZ_SECONDS each (fuzz-smoke: 10 s)"
	@echo "make valgrind      memcheck of the daemon; load: socket and D-Bus load; soak SOAK_HOURS=N"
	@echo "make install       install (PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)); make uninstall"
	@echo "make deb           .deb packages for this machine (build/deb/), checked by lintian"
	@echo "make deb-cross     .deb packages for arm64 and armhf (multiarch cross builds)"
	@echo "make cross-daemon  tinysensed, tinysensectl, plugins for aarch64 and armhf (build/ARCH/)"
	@echo "make check-system  the arm64 package in a booted Debian arm64 VM (qemu, systemd, dbus)"

deps:
	@./tests/install-deps.sh $(DEB_DEPS)

# Every stage runs, whatever the ones before gave (tests/check.sh): the
# tests of test and test-asan count one by one, every other stage as one;
# the last line is "N passed, N failed", the line before names the failures.
# The stages run one after the other: test and test-asan already use every
# core, and the others (qemu, fuzzing, valgrind, package builds) would slow
# the real-time integration tests if they ran beside them.
CHECK_STAGES := test check-freestanding check-cross mcu-check test-asan fuzz-smoke check-models \
	'valgrind VALGRIND_SECONDS=3' check-packaging check-system

check: deps
	@./tests/check.sh "$(MAKE)" $(CHECK_STAGES)

demo: deps all
	@./tests/demo.sh $(BUILD) $(SHARED)

clean:
	rm -rf build

# Keep intermediate objects (they feed several binaries).
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
