# tinysense: GNU Makefile.  `make help` lists the targets.

PREFIX     ?= /usr/local
VERSION    := $(shell sed -n 's/^\#define TINYSENSE_VERSION "\(.*\)"/\1/p' daemon/common/version.h)
DESTDIR    ?=
BUILD      ?= build
SANITIZE   ?=
CC         ?= gcc
AR         ?= ar

# Debian packages the build and the tests need (see tools in the README).
DEB_DEPS := build-essential pkg-config libcmocka-dev libinih-dev libsystemd-dev \
	libjson-c-dev dbus systemd dbus-daemon dbus-tests libiio-dev libiio-utils iiod \
	umockdev libumockdev-dev libasound2-dev alsa-utils libgpiod-dev gpiod sox \
	python3 time

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

# ---- the inference core (freestanding) -------------------------------------
LIB_SRCS := $(wildcard lib/core/*.c lib/ops/*.c lib/kernels/*.c lib/kernels/ref/*.c \
	lib/kernels/x86/*.c lib/kernels/neon/*.c lib/dsp/*.c lib/detect/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libtinysense.a
LIB_CFLAGS := -ffreestanding -fvisibility=hidden -Ilib

# ---- code shared by tinysensed and tinysensectl ------------------------------
COMMON_SRCS := $(wildcard daemon/common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
COMMON      := $(BUILD)/libtinysense-common.a
HOST_LIBS   := -linih -ljson-c

# ---- tinysensed ----------------------------------------------------------------
DAEMON_SRCS := $(wildcard daemon/tinysensed/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/obj/%.o)
DAEMON      := $(BUILD)/tinysensed
DAEMON_LIBS := -lsystemd -ljson-c -linih -lpthread -ldl

# ---- sensor plugins: plugins/NAME/*.c -> build/plugins/NAME.so ---------------
# (plugins/include is the ABI header, plugins/testing the tests' fake host.)
PLUGIN_NAMES := $(filter-out include testing,$(notdir $(patsubst %/,%,$(wildcard plugins/*/))))
PLUGINS      := $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.so)
# Extra libraries per plugin: PLUGIN_LIBS_<name>.
PLUGIN_LIBS_iio  := -liio
PLUGIN_LIBS_alsa := -lasound
PLUGIN_LIBS_gpio := -lgpiod
PLUGIN_TEST_LIBS_alsa := -lasound
PLUGIN_CFLAGS := -Iplugins/include -fvisibility=hidden -D_GNU_SOURCE
# A plugin's unit test, plugins/NAME/test_NAME.c, is linked with the plugin's
# sources and -Wl,--wrap= for each symbol in plugins/NAME/test_wraps (the
# library calls it fakes), plus PLUGIN_TEST_LIBS_NAME.
PLUGIN_TESTS := $(foreach p,$(PLUGIN_NAMES),$(if $(wildcard plugins/$(p)/test_$(p).c),$(BUILD)/tests/test_plugin_$(p)))
# Every plugin test runs on one fake host (plugins/testing), whose typed
# getters are the daemon's own code.
FAKE_HOST_SRCS := plugins/testing/fake_host.c daemon/common/plugin_getters.c \
	daemon/common/config_value.c daemon/common/value_parse.c
FAKE_HOST_DEPS := $(FAKE_HOST_SRCS) $(FAKE_HOST_SRCS:%.c=%.h)
FAKE_HOST_CFLAGS := -Iplugins/testing -Idaemon/common
comma := ,

# ---- tinysensectl ------------------------------------------------------------
CTL_SRCS := $(wildcard daemon/tinysensectl/*.c)
CTL_OBJS := $(CTL_SRCS:%.c=$(BUILD)/obj/%.o)
CTL      := $(BUILD)/tinysensectl

# ---- tests -------------------------------------------------------------------
SUPPORT_SRCS := $(wildcard tests/support/*.c)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_BINS    := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
CONF_BIN     := $(BUILD)/tests/test_conformance
# Daemon unit tests, tests/daemon/test_*.c: linked with the daemon's objects
# but main.c (an archive, so a test pulls in only what it uses),
# libtinysense-common and lib/.
DAEMON_UNIT_SRCS := $(wildcard tests/daemon/test_*.c)
DAEMON_UNIT_BINS := $(DAEMON_UNIT_SRCS:tests/daemon/%.c=$(BUILD)/tests/daemon/%)
# Their doubles (tests/daemon/*.c but test_*.c, e.g. fake_source.c), linked
# into each of them ahead of the daemon's archive.
DAEMON_TEST_DOUBLES := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(DAEMON_UNIT_SRCS),$(wildcard tests/daemon/*.c)))
DAEMON_CORE      := $(BUILD)/libtinysensed.a
TEST_BINS    := $(UNIT_BINS) $(CONF_BIN) $(PLUGIN_TESTS) $(DAEMON_UNIT_BINS)
TEST_CFLAGS  := -Ilib -Itests/support -Idaemon/common
# The host's CPU probe, for tests that run every kernel set the CPU has.
CPU_PROBE_OBJ := $(BUILD)/obj/daemon/common/cpu_features.o
CMOCKA_LIBS  := -lcmocka -lm

# `make V=1` shows every command.
Q := $(if $(V),,@)

SHARED       ?= $(abspath ../shared)
CONFORMANCE  ?= $(SHARED)/conformance

.PHONY: FORCE all check test test-asan deps bench demo install uninstall clean help \
	check-freestanding

all: $(LIB) $(CTL) $(DAEMON) $(PLUGINS)

help:
	@echo "make               build $(LIB), $(CTL), $(DAEMON) and the plugins"
	@echo "make demo          install deps, build, run the daemon on the bundled recording"
	@echo "make check         install deps, build with -Werror, run every test (README: what it runs)"
	@echo "make test          unit, conformance and integration tests only; test-asan: under ASan+UBSan"
	@echo "make bench         speed, instructions and memory: inference per kernel set, front-ends, daemon"
	@echo "make models        retrain the shipped models (torch; seeded); check-models: verify them"
	@echo "make cross         aarch64/armhf test runners and the aarch64 daemon; check-cross runs them under qemu"
	@echo "make mcu           Cortex-M firmware; mcu-check, mcu-run CASES=DIR, mcu-size, mcu-insns"
	@echo "make fuzz          libFuzzer targets for FUZZ_SECONDS each (fuzz-smoke: 10 s)"
	@echo "make valgrind      memcheck of the daemon; load: socket and D-Bus load; soak SOAK_HOURS=N"
	@echo "make install       install (PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)); make uninstall"
	@echo "make deb           .deb packages for this machine (build/deb/), checked by lintian"
	@echo "make deb-cross     .deb packages for arm64 and armhf (multiarch cross builds)"
	@echo "make cross-daemon  tinysensed, tinysensectl, plugins for aarch64 and armhf (build/ARCH/)"
	@echo "make check-system  the arm64 package in a booted Debian arm64 VM (qemu, systemd, dbus)"

# Objects are rebuilt when the compiler or its flags change.
FLAGS_FILE := $(BUILD)/.cflags
$(FLAGS_FILE): FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' > $@

FORCE:

$(BUILD)/obj/lib/%.o: lib/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

# Daemon messages are cut to their buffers on purpose: no truncation warnings.
$(BUILD)/obj/daemon/%.o: daemon/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE -Idaemon/common -Iplugins/include -Wno-format-truncation -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	@echo '  AR      $@'
	$(Q)$(AR) rcs $@ $^

$(COMMON): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	@echo '  AR      $@'
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# A plugin's sources are its folder's *.c except its tests (test_*.c).  The
# pattern's % would be the stem in a prerequisite list, hence $(PERCENT).
PERCENT := %
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(filter-out plugins/$$*/test_$$(PERCENT),$$(wildcard plugins/$$*/*.c)) \
		$$(wildcard plugins/$$*/*.h) plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) -shared -o $@ \
		$(filter %.c,$^) $(LDFLAGS) $(PLUGIN_LIBS_$*)

$(BUILD)/tests/test_plugin_%: plugins/$$*/test_$$*.c \
		$$(filter-out plugins/$$*/test_$$(PERCENT),$$(wildcard plugins/$$*/*.c)) \
		$$(wildcard plugins/$$*/*.h) $$(wildcard plugins/$$*/test_wraps) \
		$(FAKE_HOST_DEPS) plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) $(FAKE_HOST_CFLAGS) -o $@ $(filter %.c,$^) $(LDFLAGS) \
		$(addprefix -Wl$(comma)--wrap=,$(shell cat plugins/$*/test_wraps 2>/dev/null)) \
		$(PLUGIN_TEST_LIBS_$*) $(CMOCKA_LIBS)

# The gpio plugin with the real libgpiod on umockdev's ioctl emulation
# (plugins/gpio/test_gpio_umockdev.c, gpio.c compiled in, no wraps).  It
# must run under umockdev-wrapper: it re-executes itself under it, so the
# `make test` loop runs it like any other test.
GPIO_UMOCKDEV_TEST := $(BUILD)/tests/test_plugin_gpio_umockdev
UMOCKDEV_PKGS      := umockdev-1.0 glib-2.0 gobject-2.0
TEST_BINS          += $(GPIO_UMOCKDEV_TEST)
$(GPIO_UMOCKDEV_TEST): plugins/gpio/test_gpio_umockdev.c plugins/gpio/gpio.c \
		$(FAKE_HOST_DEPS) \
		plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) $(FAKE_HOST_CFLAGS) $(shell pkg-config --cflags $(UMOCKDEV_PKGS)) \
		-o $@ $(filter %.c,$^) $(LDFLAGS) -lgpiod $(shell pkg-config --libs $(UMOCKDEV_PKGS)) \
		$(CMOCKA_LIBS)

$(DAEMON): $(DAEMON_OBJS) $(COMMON) $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(COMMON) $(LIB) $(DAEMON_LIBS)

$(CTL): $(CTL_OBJS) $(COMMON) $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) $(COMMON) $(LIB) $(HOST_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) $(LIB) $(CMOCKA_LIBS)

$(DAEMON_CORE): $(filter-out %/main.o,$(DAEMON_OBJS))
	@mkdir -p $(dir $@)
	@echo '  AR      $@'
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/obj/tests/daemon/%.o: TEST_CFLAGS += -D_GNU_SOURCE -Idaemon/tinysensed -Iplugins/include

$(BUILD)/tests/daemon/%: $(BUILD)/obj/tests/daemon/%.o $(DAEMON_TEST_DOUBLES) $(DAEMON_CORE) \
		$(COMMON) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(DAEMON_TEST_DOUBLES) $(DAEMON_CORE) $(COMMON) $(LIB) \
		$(DAEMON_LIBS) $(CMOCKA_LIBS)

$(CONF_BIN): $(BUILD)/obj/tests/conformance/test_conformance.o $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) \
		$(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) $(LIB) $(CMOCKA_LIBS)

# lib/ may use nothing from libc but memcpy, memset and memmove (plus the
# compiler's own runtime helpers, named __*): link it into one object and
# list what is still undefined.
check-freestanding: $(LIB_OBJS)
	$(Q)$(CC) -r -nostdlib -o $(BUILD)/libtinysense-all.o $(LIB_OBJS)
	@bad=$$(nm -u --format=posix $(BUILD)/libtinysense-all.o | awk '{print $$1}' | \
		grep -v -E '^(memcpy|memset|memmove|__[a-zA-Z0-9_]+|_GLOBAL_OFFSET_TABLE_)$$' || true); \
	if [ -n "$$bad" ]; then echo "lib/ uses symbols outside its freestanding set:" $$bad; exit 1; fi; \
	echo "lib/ is freestanding: it needs only memcpy, memset and memmove"

INTEGRATION_TESTS := $(wildcard tests/integration/test_*.sh)

test: all $(TEST_BINS)
	@set -e; export TS_CONFORMANCE_DIR=$(CONFORMANCE) TS_SHARED=$(SHARED) \
		TS_CTL=$(abspath $(CTL)); \
	for t in $(TEST_BINS) $(INTEGRATION_TESTS); do echo "== $$t"; $$t; done
	@echo "all tests passed ($(BUILD))"

test-asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 test

deps:
	@./tests/install-deps.sh $(DEB_DEPS)

check: deps
	$(MAKE) test
	$(MAKE) check-freestanding
	$(MAKE) check-cross
	$(MAKE) mcu-check
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke
	$(MAKE) check-models
	$(MAKE) valgrind VALGRIND_SECONDS=3
	$(MAKE) check-packaging
	$(MAKE) check-system

BENCH_FRONTEND := $(BUILD)/bench_frontend

$(BENCH_FRONTEND): $(BUILD)/obj/tests/bench/bench_frontend.o $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB)

# Instructions per inference are counted with callgrind.
BENCH_DEPS := valgrind sox time

bench: all $(BENCH_FRONTEND)
	@./tests/install-deps.sh $(BENCH_DEPS)
	@./tests/bench.sh $(BUILD) $(SHARED)
	@$(MAKE) --no-print-directory bench-arm
	@./tests/bench_daemon.sh $(BUILD) $(SHARED)

demo: deps all
	@./tests/demo.sh $(BUILD) $(SHARED)

# Where `make install` puts things (FHS; the defaults suit PREFIX=/usr, a
# distribution package: /usr/sbin/tinysensed, /usr/lib/tinysense/plugins,
# /usr/share/tinysense/models, /etc/tinysense, /usr/lib/systemd/system,
# /usr/lib/sysusers.d, /usr/lib/tmpfiles.d, /usr/share/dbus-1/...).  systemd
# also reads units, sysusers.d and tmpfiles.d under /usr/local/lib, but
# dbus-daemon reads policies only from /usr/share/dbus-1/system.d and
# /etc/dbus-1/system.d: with PREFIX=/usr/local pass
# DBUS_POLICYDIR=/etc/dbus-1/system.d.  LIBDIR takes a multiarch folder
# (debian/rules: /usr/lib/<triplet>); plugins stay in PLUGINDIR.  After a real
# install (no DESTDIR): systemd-sysusers; systemd-tmpfiles --create;
# systemctl daemon-reload.  Paths the daemon reads (PLUGINDIR, MODELDIR) are
# written into the installed tinysense.conf and tinysensed.service.
BINDIR          ?= $(PREFIX)/bin
SBINDIR         ?= $(PREFIX)/sbin
LIBDIR          ?= $(PREFIX)/lib
INCLUDEDIR      ?= $(PREFIX)/include
DATADIR         ?= $(PREFIX)/share
MANDIR          ?= $(DATADIR)/man
PKGCONFIGDIR    ?= $(LIBDIR)/pkgconfig
PLUGINDIR       ?= $(PREFIX)/lib/tinysense/plugins
MODELDIR        ?= $(DATADIR)/tinysense/models
SYSCONFDIR      ?= /etc
SYSTEMDUNITDIR  ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR     ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR     ?= $(PREFIX)/lib/tmpfiles.d
DBUS_POLICYDIR  ?= $(PREFIX)/share/dbus-1/system.d
DBUS_SERVICEDIR ?= $(PREFIX)/share/dbus-1/system-services

# Man pages: daemon/man/NAME.SECTION.  (Models and their pipelines:
# install-models in the models block, a prerequisite of install.)
MAN_PAGES   := $(wildcard daemon/man/*.[1-8])

# pkg-config files: $(1) name, $(2) description (tinysense.pc adds its Libs:).
define PC_FILE
prefix=$(PREFIX)
includedir=$(INCLUDEDIR)
libdir=$(LIBDIR)
plugindir=$(PLUGINDIR)
modeldir=$(MODELDIR)

Name: $(1)
Description: $(2)
Version: $(VERSION)
Cflags: -I$${includedir}
endef
export PC_TINYSENSE := $(call PC_FILE,tinysense,tinysense integer inference core (static library))
export PC_PLUGIN    := $(call PC_FILE,tinysense-plugin,tinysense sensor plugin ABI)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/tinysense $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(MODELDIR) \
		$(DESTDIR)$(DATADIR)/tinysense/examples $(DESTDIR)$(DATADIR)/tinysense/recordings
	install -m 0755 $(CTL) $(DESTDIR)$(BINDIR)/
	install -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0644 lib/include/tinysense/*.h plugins/include/tinysense/plugin.h \
		$(DESTDIR)$(INCLUDEDIR)/tinysense/
	printf '%s\nLibs: -L$${libdir} -ltinysense\n' "$$PC_TINYSENSE" > $(DESTDIR)$(PKGCONFIGDIR)/tinysense.pc
	printf '%s\n' "$$PC_PLUGIN" > $(DESTDIR)$(PKGCONFIGDIR)/tinysense-plugin.pc
	install -m 0644 config/examples/*.conf $(DESTDIR)$(DATADIR)/tinysense/examples/
	install -m 0644 models/recordings/*.wav models/recordings/*.csv \
		$(DESTDIR)$(DATADIR)/tinysense/recordings/
	set -e; for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	@# the daemon's settings: installed once, never overwritten
	install -d $(DESTDIR)$(SYSCONFDIR)/tinysense/pipelines.d
	[ -e $(DESTDIR)$(SYSCONFDIR)/tinysense/tinysense.conf ] || \
		sed -e 's|^PluginDir=.*|PluginDir=$(PLUGINDIR)|' -e 's|^ModelDir=.*|ModelDir=$(MODELDIR)|' \
		config/tinysense.conf > $(DESTDIR)$(SYSCONFDIR)/tinysense/tinysense.conf
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DBUS_POLICYDIR) $(DESTDIR)$(DBUS_SERVICEDIR)
	sed 's|^ExecStart=/usr/sbin/tinysensed|ExecStart=$(SBINDIR)/tinysensed|' systemd/tinysensed.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service
	install -m 0644 systemd/tinysensed.socket $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 systemd/tinysense.sysusers $(DESTDIR)$(SYSUSERSDIR)/tinysense.conf
	install -m 0644 systemd/tinysense.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tinysense.conf
	install -m 0644 systemd/org.tinysense1.conf $(DESTDIR)$(DBUS_POLICYDIR)/
	install -m 0644 systemd/org.tinysense1.service $(DESTDIR)$(DBUS_SERVICEDIR)/

# Removes what install put there, and the folders it made when they are left
# empty.  The configuration in SYSCONFDIR/tinysense is kept (like a package's
# conffiles on "remove"): only empty folders go.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tinysensectl $(DESTDIR)$(SBINDIR)/tinysensed \
		$(DESTDIR)$(LIBDIR)/libtinysense.a \
		$(DESTDIR)$(PKGCONFIGDIR)/tinysense.pc $(DESTDIR)$(PKGCONFIGDIR)/tinysense-plugin.pc
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/tinysense/,$(notdir $(wildcard lib/include/tinysense/*.h)) plugin.h)
	rm -f $(PLUGINS:$(BUILD)/plugins/%=$(DESTDIR)$(PLUGINDIR)/%)
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/tinysense/examples/,$(notdir $(wildcard config/examples/*.conf)))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/tinysense/recordings/,$(notdir $(wildcard models/recordings/*.wav models/recordings/*.csv)))
	rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.socket \
		$(DESTDIR)$(SYSUSERSDIR)/tinysense.conf $(DESTDIR)$(TMPFILESDIR)/tinysense.conf \
		$(DESTDIR)$(DBUS_POLICYDIR)/org.tinysense1.conf \
		$(DESTDIR)$(DBUS_SERVICEDIR)/org.tinysense1.service
	rmdir $(DESTDIR)$(INCLUDEDIR)/tinysense $(DESTDIR)$(PLUGINDIR) \
		$(DESTDIR)$(PREFIX)/lib/tinysense $(DESTDIR)$(MODELDIR) \
		$(DESTDIR)$(DATADIR)/tinysense/examples $(DESTDIR)$(DATADIR)/tinysense/recordings \
		$(DESTDIR)$(DATADIR)/tinysense \
		$(DESTDIR)$(SYSCONFDIR)/tinysense/pipelines.d $(DESTDIR)$(SYSCONFDIR)/tinysense \
		2>/dev/null || :

clean:
	rm -rf build

# Keep intermediate objects (they feed several binaries).
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ==== BEGIN cross: same bytes on x86-64, aarch64 and armhf (tests/cross/) ====
# `make cross` installs the cross toolchains and qemu-user, then builds lib/
# (all LIB_SRCS) and the runners in tests/cross/, statically linked, into
# $(BUILD)/aarch64/ and $(BUILD)/armhf/.  `make check-cross` also builds them
# natively ($(BUILD)/native/) and runs them natively, under qemu-aarch64 as a
# Cortex-A53, -A72 and -A76 (Pi 3, 4, 5) and under qemu-arm as a Cortex-A7
# (Pi OS 32-bit) and a Cortex-R5F (ARMv7 without NEON):
#  - conformance_main: every conformance output byte and every front-end
#    feature byte equal to the reference, with every kernel set the
#    (emulated) CPU runs: ref + neon on the A53, A72 and A7, + dotprod on the
#    A76, ref alone on the R5F;
#  - kernels_diff_main: CROSS_DIFF_CASES random cases per kernel, every
#    optimized set byte-equal to ref.
# The armhf build assumes only ARMv7-A + VFPv3-D16 (Debian armhf):
# lib/kernels/neon/ enables NEON in its own files, and the set runs only
# where HWCAP_NEON says so (check-cross-baseline checks the objects;
# check-cross-freestanding checks lib/'s libc use on both).  `make bench-arm`
# (part of `make bench`) counts guest instructions per inference under qemu
# (../shared/tools/qemu-insncount) for ref, neon and dotprod.  The daemon is
# not cross-built here.
CROSS_DEPS     := gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf \
	libc6-dev-armhf-cross qemu-user
CROSS_ARCHS    := aarch64 armhf
CROSS_FRONTEND ?= $(SHARED)/frontend
CROSS_TIMEOUT  ?= 600
CROSS_DIFF_CASES ?= 400
CROSS_CFLAGS   := -std=c11 -ffp-contract=off -O3 $(WARN) -Ilib/include
CROSS_CC_native   := $(CC)
CROSS_CC_aarch64  := aarch64-linux-gnu-gcc
CROSS_CC_armhf    := arm-linux-gnueabihf-gcc
CROSS_ARCH_native :=
CROSS_ARCH_aarch64 := -march=armv8-a
CROSS_ARCH_armhf  := -march=armv7-a+fp -mfloat-abi=hard
CROSS_LD_native   :=
CROSS_LD_aarch64  := -static
CROSS_LD_armhf    := -static
CROSS_RUN_aarch64 := cortex-a53 cortex-a72 cortex-a76
# Cortex-R5F: ARMv7 with VFPv3-D16 and no NEON, where the armhf build must run
# on ref alone (HWCAP_NEON absent).
CROSS_RUN_armhf   := cortex-a7 cortex-r5f

.PHONY: cross cross-deps check-cross

cross-deps:
	@./tests/install-deps.sh $(CROSS_DEPS)

# $(1): native, aarch64 or armhf.  Objects rebuild when compiler or flags change.
define CROSS_RULES
$(BUILD)/$(1)/.cflags: FORCE
	@mkdir -p $$(dir $$@)
	@echo '$$(CROSS_CC_$(1)) $$(CROSS_CFLAGS) $$(CROSS_ARCH_$(1)) $$(CROSS_LD_$(1))' | cmp -s - $$@ || \
		echo '$$(CROSS_CC_$(1)) $$(CROSS_CFLAGS) $$(CROSS_ARCH_$(1)) $$(CROSS_LD_$(1))' > $$@

$(BUILD)/$(1)/obj/lib/%.o: lib/%.c $(BUILD)/$(1)/.cflags | $(if $(filter native,$(1)),,cross-deps)
	@mkdir -p $$(dir $$@)
	@echo '  CC      $$< ($(1))'
	$$(Q)$$(CROSS_CC_$(1)) $$(CROSS_CFLAGS) $$(CROSS_ARCH_$(1)) $$(LIB_CFLAGS) -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/conformance_main: tests/cross/conformance_main.c tests/cross/case_check.c \
		tests/cross/case_check.h daemon/common/cpu_features.c \
		$(LIB_SRCS:%.c=$(BUILD)/$(1)/obj/%.o) $(BUILD)/$(1)/.cflags
	@echo '  CCLD    $$@'
	$$(Q)$$(CROSS_CC_$(1)) $$(CROSS_CFLAGS) $$(CROSS_ARCH_$(1)) -D_GNU_SOURCE -Idaemon/common \
		-o $$@ $$(filter %.c %.o,$$^) $$(CROSS_LD_$(1))

$(BUILD)/$(1)/%: tests/cross/%.c daemon/common/cpu_features.c \
		$(LIB_SRCS:%.c=$(BUILD)/$(1)/obj/%.o) $(BUILD)/$(1)/.cflags
	@echo '  CCLD    $$@'
	$$(Q)$$(CROSS_CC_$(1)) $$(CROSS_CFLAGS) $$(CROSS_ARCH_$(1)) -D_GNU_SOURCE -Idaemon/common -Ilib \
		-Itests/support -o $$@ $$(filter %.c %.o,$$^) $$(CROSS_LD_$(1))

# The differential runner's cases and comparison, shared with
# tests/unit/test_kernels_diff.c.
$(BUILD)/$(1)/kernels_diff_main: tests/support/kernel_diff.c tests/support/kernel_diff.h
endef
$(foreach a,native $(CROSS_ARCHS),$(eval $(call CROSS_RULES,$(a))))


CROSS_TESTS := conformance_main kernels_diff_main

cross: cross-deps $(foreach a,$(CROSS_ARCHS),$(CROSS_TESTS:%=$(BUILD)/$(a)/%))

# lib/ built for each architecture (NEON files included) still needs nothing
# from libc but memcpy, memset and memmove, as check-freestanding says of
# the native build.
.PHONY: check-cross-freestanding
check-cross-freestanding: $(foreach a,$(CROSS_ARCHS),$(LIB_SRCS:%.c=$(BUILD)/$(a)/obj/%.o))
	@set -e; for a in $(CROSS_ARCHS); do \
		case $$a in aarch64) cc=$(CROSS_CC_aarch64);; armhf) cc=$(CROSS_CC_armhf);; esac; \
		$$cc -r -nostdlib -o $(BUILD)/$$a/libtinysense-all.o $(LIB_SRCS:%.c=$(BUILD)/$$a/obj/%.o); \
		bad=$$(nm -u --format=posix $(BUILD)/$$a/libtinysense-all.o | awk '{print $$1}' | \
			grep -v -E '^(memcpy|memset|memmove|__[a-zA-Z0-9_]+|_GLOBAL_OFFSET_TABLE_)$$' || true); \
		if [ -n "$$bad" ]; then echo "lib/ for $$a uses symbols outside its freestanding set:" $$bad; exit 1; fi; \
		echo "lib/ for $$a is freestanding: it needs only memcpy, memset and memmove"; \
	done

# Nothing assumed at compile time: on armhf only lib/kernels/neon/ holds NEON
# instructions (integer data types or Q registers; VFP's conversions aside),
# on aarch64 only dotprod_dot.c holds SDOT/UDOT.
.PHONY: check-cross-baseline
check-cross-baseline: $(foreach a,$(CROSS_ARCHS),$(LIB_SRCS:%.c=$(BUILD)/$(a)/obj/%.o))
	@set -e; for o in $(filter-out $(BUILD)/armhf/obj/lib/kernels/neon/%,$(LIB_SRCS:%.c=$(BUILD)/armhf/obj/%.o)); do \
		if arm-linux-gnueabihf-objdump -d $$o | grep -v -E '\svcvt' | \
			grep -q -E '\sv[a-z0-9]+\.[suip](8|16|32|64)\s|\sq[0-9]+'; then \
			echo "$$o: NEON instructions outside lib/kernels/neon/"; exit 1; fi; \
	done; \
	for o in $(filter-out %/dotprod_dot.o,$(LIB_SRCS:%.c=$(BUILD)/aarch64/obj/%.o)); do \
		if aarch64-linux-gnu-objdump -d $$o | grep -q -E '\s[su]dot\s'; then \
			echo "$$o: dot-product instructions outside dotprod_dot.c"; exit 1; fi; \
	done; \
	echo "baseline: NEON only in lib/kernels/neon/ (armhf), SDOT only in dotprod_dot.c (aarch64)"

# Each CPU gets its own seed, so the runs together cover more cases.  Each
# emulated CPU must run exactly the kernel sets it has (TS_EXPECT_KERNELS),
# so that a broken probe cannot leave a set untested; the host's are its own.
check-cross: cross $(CROSS_TESTS:%=$(BUILD)/native/%) check-cross-freestanding check-cross-baseline
	@set -e; seed=1; run() { echo "== $$1"; shift; \
		env $${expect:+TS_EXPECT_KERNELS=$$expect} \
		timeout -k 5 $(CROSS_TIMEOUT) "$$@/conformance_main" $(CONFORMANCE) $(CROSS_FRONTEND); \
		timeout -k 5 $(CROSS_TIMEOUT) "$$@/kernels_diff_main" $(CROSS_DIFF_CASES) $$seed; \
		seed=$$((seed + 1)); }; \
	expects() { case $$1 in cortex-a76) echo ref,neon,dotprod;; cortex-r5f) echo ref;; \
		*) echo ref,neon;; esac; }; \
	expect=; run "native ($$(uname -m))" $(BUILD)/native; \
	for cpu in $(CROSS_RUN_aarch64); do \
		expect=$$(expects $$cpu); \
		run "aarch64 qemu -cpu $$cpu" qemu-aarch64 -cpu $$cpu $(BUILD)/aarch64; \
	done; \
	for cpu in $(CROSS_RUN_armhf); do \
		expect=$$(expects $$cpu); \
		run "armhf qemu -cpu $$cpu" qemu-arm -cpu $$cpu $(BUILD)/armhf; \
	done; \
	echo "check-cross: byte-exact on native, aarch64 ($(CROSS_RUN_aarch64)), armhf ($(CROSS_RUN_armhf))"
	@set -e; for a in $(CROSS_ARCHS); do \
		qemu=qemu-$$(echo $$a | sed 's/armhf/arm/'); sr=$(BUILD)/$$a/sysroot; \
		echo "== cross-built tinysensectl and tinysensed ($$a, $$qemu -L $$sr)"; \
		$$qemu -L $$sr $(BUILD)/$$a/tinysensed --version; \
		$$qemu -L $$sr $(BUILD)/$$a/tinysensectl model run $(CONFORMANCE)/mlperf-kws.tflite \
			--input $(CONFORMANCE)/mlperf-kws.input.bin --output $(BUILD)/$$a/kws.out.bin; \
		cmp $(BUILD)/$$a/kws.out.bin $(CONFORMANCE)/mlperf-kws.output.bin; \
		echo "mlperf-kws: every output byte equals the reference"; \
	done

# Guest instructions per inference under qemu-user, with the plugin built
# from ../shared/tools/qemu-insncount (it needs the dynamic qemu-aarch64 /
# qemu-arm, which qemu-user is).
INSNCOUNT_PLUGIN := $(BUILD)/insncount/libinsncount.so

$(INSNCOUNT_PLUGIN): $(SHARED)/tools/qemu-insncount/insncount.c
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) -O2 -fPIC -shared -I$(SHARED)/tools/qemu-insncount -o $@ $<

.PHONY: bench-arm
bench-arm: cross-deps $(INSNCOUNT_PLUGIN) $(CROSS_ARCHS:%=$(BUILD)/%/insncount_main)
	@./tests/bench_arm.sh $(BUILD) $(SHARED)

-include $(shell find $(foreach a,native $(CROSS_ARCHS),$(BUILD)/$(a)/obj) -name '*.d' 2>/dev/null)
# ==== END cross ===============================================================

# ---- fuzzing (libFuzzer, clang) ------------------------------------------- begin fuzz block
# `make fuzz FUZZ_SECONDS=60` builds tests/fuzz/fuzz_*.c with clang,
# -fsanitize=fuzzer,address,undefined (its own objects under $(FUZZ_DIR)/obj,
# never the gcc ones), seeds $(FUZZ_DIR)/corpus/NAME and runs each target for
# FUZZ_SECONDS; non-zero exit on any crash, leak or timeout (reproducers in
# $(FUZZ_DIR)/artifacts).  `make fuzz-smoke` is the same for 10 s each.
FUZZ_DEPS    := clang libclang-rt-14-dev libinih-dev
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_NAMES   := model config frontends socket
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -ffp-contract=off -g -O1 $(FUZZ_SAN) -Ilib/include
FUZZ_LIB_OBJS    := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_CONFIG_OBJS := $(FUZZ_DIR)/obj/daemon/common/pipeline_config.o \
	$(FUZZ_DIR)/obj/daemon/common/utf8.o \
	$(FUZZ_DIR)/obj/daemon/common/value_parse.o \
	$(FUZZ_DIR)/obj/daemon/common/ini_lines.o
# fuzz_socket: the daemon without main() and D-Bus, and everything it links.
FUZZ_SOCKET_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(filter-out \
	daemon/tinysensed/main.c daemon/tinysensed/bus.c daemon/tinysensed/daemon_config.c, \
	$(DAEMON_SRCS)) $(COMMON_SRCS)) $(FUZZ_LIB_OBJS)
FUZZ_SEEDS   := $(FUZZ_DIR)/make_seeds

.PHONY: fuzz fuzz-smoke fuzz-deps fuzz-build fuzz-corpus

fuzz-deps:
	@./tests/install-deps.sh $(FUZZ_DEPS)

$(FUZZ_DIR)/obj/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo '  FUZZCC  $<'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/daemon/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	@echo '  FUZZCC  $<'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -D_GNU_SOURCE -Idaemon/common \
		-Iplugins/include -Ilib -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_model $(FUZZ_DIR)/fuzz_frontends: $(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ -lm

$(FUZZ_DIR)/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_CONFIG_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -D_GNU_SOURCE -Idaemon/common -o $@ $^ \
		-Wl,--wrap=fopen -linih

$(FUZZ_DIR)/fuzz_socket: tests/fuzz/fuzz_socket.c $(FUZZ_SOCKET_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -D_GNU_SOURCE -Idaemon/common \
		-Idaemon/tinysensed -o $@ $^ $(DAEMON_LIBS)

$(FUZZ_SEEDS): tests/fuzz/make_seeds.c tests/support/tflite_builder.c $(FUZZ_LIB_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/support -o $@ $^ -lm

fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDS)

# Seeds: the conformance models (copied, never committed), builder models,
# the example pipeline configs and generated front-end streams.
fuzz-corpus: fuzz-build
	@mkdir -p $(FUZZ_NAMES:%=$(FUZZ_DIR)/corpus/%)
	$(Q)cp -n $(wildcard $(CONFORMANCE)/*.tflite) $(FUZZ_DIR)/corpus/model/ 2>/dev/null || :
	$(Q)cp -n config/examples/*.conf $(FUZZ_DIR)/corpus/config/
	$(Q)cp -n tests/fuzz/socket_seeds/* $(FUZZ_DIR)/corpus/socket/
	$(Q)$(FUZZ_SEEDS) $(FUZZ_DIR)/corpus/model $(FUZZ_DIR)/corpus/frontends

fuzz: fuzz-deps
	$(MAKE) fuzz-corpus
	@./tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
# ---- end fuzz block -----------------------------------------------------------

# ==== BEGIN mcu: the same core on Cortex-M under qemu-system-arm (tests/mcu/) ====
# `make mcu` installs arm-none-eabi-gcc, newlib and qemu-system-arm, builds
# lib/ (all LIB_SRCS, unchanged) once per core and links one firmware image
# per board and case into $(MCU_DIR)/BOARD/SET/NAME.elf: the case's bytes
# (a model with its input sets and reference outputs in ../shared/conformance
# format, or a recording with its golden features) go into flash through an
# assembly file written at build time by tests/mcu/gen_case.sh.  The board
# layer is lib/port/cortex-m/.  A case too big for a board's flash is marked
# skipped at link time (NAME.skip); one whose arena does not fit its RAM is
# skipped by the firmware.
#   make mcu-check           every conformance case and front-end recording
#                            on every board, byte for byte (in make check)
#   make mcu-run CASES=DIR   any folder of NAME.tflite/.input.bin/.output.bin
#   make mcu-size            flash and RAM per board: runtime and each model
#   make mcu-insns           guest instructions per inference and per frame
MCU_DEPS     := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
MCU_BOARDS   ?= mps2-an386 netduinoplus2 mps2-an500 mps2-an505 mps3-an547
MCU_CORE_mps2-an386    := m4f
MCU_CORE_netduinoplus2 := m4f
MCU_CORE_mps2-an500    := m7
MCU_CORE_mps2-an505    := m33
MCU_CORE_mps3-an547    := m55
MCU_CORES    := m4f m7 m33 m55
MCU_ARCH_m4f := -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard
MCU_ARCH_m7  := -mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard
MCU_ARCH_m33 := -mcpu=cortex-m33 -mfpu=fpv5-sp-d16 -mfloat-abi=hard
MCU_ARCH_m55 := -mcpu=cortex-m55 -mfloat-abi=hard
MCU_CC       := arm-none-eabi-gcc
MCU_OPT      ?= -O2
MCU_DIR      ?= $(BUILD)/mcu
MCU_PORT     := lib/port/cortex-m
# lib/'s diagnostic sentences (lib/include/tinysense/config.h): 0 keeps the
# status codes and drops the text, as a flash-constrained firmware would;
# mcu-check also builds lib/ with them (-Werror, newlib's int32_t is long).
MCU_DIAG_TEXT ?= 0
MCU_CFLAGS   := -std=c11 -ffp-contract=off $(MCU_OPT) -g -mthumb -ffunction-sections \
	-fdata-sections $(WARN) -Ilib/include -DTS_CONFIG_DIAG_TEXT=$(MCU_DIAG_TEXT)
MCU_LDFLAGS  := -nostartfiles --specs=nano.specs -L$(MCU_PORT) -Wl,--gc-sections
MCU_TEST_INC := -I$(MCU_PORT) -Itests/cross -Itests/mcu -Ilib
MCU_TIMEOUT  ?= 300
MCU_FRONTEND ?= $(SHARED)/frontend
MCU_INSNCOUNT := $(MCU_DIR)/libinsncount.so

# Case sets: folder, kind of case (gen_case.sh: model or frontend), the
# firmware's main (tests/mcu/MAIN_main.c) and names.  A model case is
# NAME.tflite + NAME.input.bin + NAME.output.bin; a front-end one NAME.wav +
# NAME.int8.bin.  `footprint` is the conformance models in the smallest
# program that runs them, each with its own operator registry (model_ops).
mcu_names = $(sort $(patsubst $(1)/%$(2),%,$(wildcard $(1)/*$(2))))
mcu_fe_names = $(filter $(call mcu_names,$(1),.wav),$(call mcu_names,$(1),.int8.bin))
MCU_DIR_conformance  := $(CONFORMANCE)
MCU_KIND_conformance := model
MCU_DIR_frontend     := $(MCU_FRONTEND)
MCU_KIND_frontend    := frontend
MCU_DIR_stress       := $(MCU_FRONTEND)/stress
MCU_KIND_stress      := frontend
MCU_DIR_cases        = $(CASES)
MCU_KIND_cases       := model
MCU_DIR_footprint    := $(CONFORMANCE)
MCU_KIND_footprint   := model
MCU_MAIN_footprint   := footprint
MCU_NAMES_model      = $(call mcu_names,$(MCU_DIR_$(1)),.tflite)
MCU_NAMES_frontend   = $(call mcu_fe_names,$(MCU_DIR_$(1)))
mcu_set_names = $(call MCU_NAMES_$(MCU_KIND_$(1)),$(1))
# Every image of a set on every board.
mcu_images = $(foreach b,$(MCU_BOARDS),$(foreach n,$(call mcu_set_names,$(1)),$(MCU_DIR)/$(b)/$(1)/$(n).elf))

.PHONY: mcu mcu-deps mcu-check mcu-run mcu-size mcu-insns

mcu-deps:
	@./tests/install-deps.sh $(MCU_DEPS)

# $(1): a core.  lib/, the board layer and the firmware's objects.
define MCU_CORE_RULES
$(MCU_DIR)/$(1)/.cflags: FORCE
	@mkdir -p $$(dir $$@)
	@echo '$$(MCU_CC) $$(MCU_CFLAGS) $$(MCU_ARCH_$(1)) $$(MCU_LDFLAGS)' | cmp -s - $$@ || \
		echo '$$(MCU_CC) $$(MCU_CFLAGS) $$(MCU_ARCH_$(1)) $$(MCU_LDFLAGS)' > $$@

$(MCU_DIR)/$(1)/obj/lib/%.o: lib/%.c $(MCU_DIR)/$(1)/.cflags | mcu-deps
	@mkdir -p $$(dir $$@)
	@echo '  CC      $$< ($(1))'
	$$(Q)$$(MCU_CC) $$(MCU_CFLAGS) $$(MCU_ARCH_$(1)) $$(LIB_CFLAGS) -MMD -MP \
		-c $$< -o $$@

$(MCU_DIR)/$(1)/obj/tests/%.o: tests/%.c $(MCU_DIR)/$(1)/.cflags | mcu-deps
	@mkdir -p $$(dir $$@)
	@echo '  CC      $$< ($(1))'
	$$(Q)$$(MCU_CC) $$(MCU_CFLAGS) $$(MCU_ARCH_$(1)) $$(MCU_TEST_INC) -MMD -MP -c $$< -o $$@

$(MCU_DIR)/$(1)/obj/port/%.o: $(MCU_PORT)/%.c $(MCU_DIR)/$(1)/.cflags | mcu-deps
	@mkdir -p $$(dir $$@)
	@echo '  CC      $$< ($(1))'
	$$(Q)$$(MCU_CC) $$(MCU_CFLAGS) $$(MCU_ARCH_$(1)) -MMD -MP -c $$< -o $$@

$(MCU_DIR)/$(1)/obj/ops/%.o: $(MCU_DIR)/src/ops/%.c $(MCU_DIR)/$(1)/.cflags | mcu-deps
	@mkdir -p $$(dir $$@)
	@echo '  CC      $$< ($(1))'
	$$(Q)$$(MCU_CC) $$(MCU_CFLAGS) $$(MCU_ARCH_$(1)) $$(LIB_CFLAGS) -c $$< -o $$@

$(MCU_DIR)/$(1)/libtinysense.a: $(LIB_SRCS:%.c=$(MCU_DIR)/$(1)/obj/%.o)
	$$(Q)rm -f $$@
	@echo '  AR      $$@'
	$$(Q)arm-none-eabi-ar rcs $$@ $$^

$(MCU_DIR)/$(1)/libboard.a: $(MCU_DIR)/$(1)/obj/port/startup.o $(MCU_DIR)/$(1)/obj/port/semihosting.o
	$$(Q)rm -f $$@
	@echo '  AR      $$@'
	$$(Q)arm-none-eabi-ar rcs $$@ $$^

$(MCU_DIR)/$(1)/libfirmware.a: $(MCU_DIR)/$(1)/obj/tests/mcu/mcu_out.o \
		$(MCU_DIR)/$(1)/obj/tests/cross/case_check.o
	$$(Q)rm -f $$@
	@echo '  AR      $$@'
	$$(Q)arm-none-eabi-ar rcs $$@ $$^
endef
$(foreach c,$(MCU_CORES),$(eval $(call MCU_CORE_RULES,$(c))))

# A case's assembly: SET/NAME.S (rewritten only when it changes).
$(MCU_DIR)/src/%.S: FORCE | mcu-deps
	@mkdir -p $(dir $@)
	$(Q)./tests/mcu/gen_case.sh $(MCU_KIND_$(patsubst %/,%,$(dir $*))) \
		$(MCU_DIR_$(patsubst %/,%,$(dir $*))) $(notdir $*) > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

# A model's operator registry (host tool tests/mcu/model_ops.c).
MCU_MODEL_OPS := $(MCU_DIR)/model_ops
$(MCU_MODEL_OPS): $(BUILD)/obj/tests/mcu/model_ops.o $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB)

$(MCU_DIR)/src/ops/%.c: $(MCU_DIR_footprint)/%.tflite $(MCU_MODEL_OPS)
	@mkdir -p $(dir $@)
	$(Q)$(MCU_MODEL_OPS) $< > $@.tmp && mv $@.tmp $@

# BOARD/SET/NAME.elf: the set's main, firmware, lib/ and board layer for
# BOARD's core, in BOARD's memory map.  When the image does not fit the
# board's flash, NAME.skip says so instead.
mcu_board = $(firstword $(subst /, ,$(1)))
mcu_set   = $(word 2,$(subst /, ,$(1)))
mcu_core  = $(MCU_CORE_$(call mcu_board,$(1)))
mcu_main  = $(or $(MCU_MAIN_$(call mcu_set,$(1))),$(MCU_KIND_$(call mcu_set,$(1))))
mcu_ops   = $(if $(filter footprint,$(call mcu_set,$(1))),$(MCU_DIR)/$(call mcu_core,$(1))/obj/ops/$(notdir $(1)).o)
$(MCU_DIR)/%.elf: $(MCU_DIR)/src/$$(call mcu_set,$$*)/$$(notdir $$*).S \
		$(MCU_DIR)/$$(call mcu_core,$$*)/obj/tests/mcu/$$(call mcu_main,$$*)_main.o \
		$$(call mcu_ops,$$*) \
		$(MCU_DIR)/$$(call mcu_core,$$*)/libfirmware.a \
		$(MCU_DIR)/$$(call mcu_core,$$*)/libtinysense.a \
		$(MCU_DIR)/$$(call mcu_core,$$*)/libboard.a \
		$(MCU_PORT)/boards/$$(call mcu_board,$$*).ld $(MCU_PORT)/cortex-m.ld
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)rm -f $(@:.elf=.skip); \
	if ! $(MCU_CC) $(MCU_CFLAGS) $(MCU_ARCH_$(call mcu_core,$*)) $(MCU_LDFLAGS) \
		-T boards/$(call mcu_board,$*).ld -Wl,-Map=$(@:.elf=.map) -o $@ \
		$(filter %.S %.o %.a,$^) -lc -lgcc 2> $(@:.elf=.log); then \
		if grep -q "region .FLASH. overflowed" $(@:.elf=.log); then \
			echo "does not fit the flash of $(call mcu_board,$*)" > $(@:.elf=.skip); \
			rm -f $@; \
		else cat $(@:.elf=.log); exit 1; fi; \
	fi

# BOARD/kernels/diff.elf: every optimized kernel set against ref on random
# cases (tests/mcu/kernels_main.c).
$(MCU_DIR)/%/kernels/diff.elf: $(MCU_DIR)/$$(MCU_CORE_$$*)/obj/tests/mcu/kernels_main.o \
		$(MCU_DIR)/$$(MCU_CORE_$$*)/libfirmware.a $(MCU_DIR)/$$(MCU_CORE_$$*)/libtinysense.a \
		$(MCU_DIR)/$$(MCU_CORE_$$*)/libboard.a \
		$(MCU_PORT)/boards/$$*.ld $(MCU_PORT)/cortex-m.ld
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(MCU_CC) $(MCU_CFLAGS) $(MCU_ARCH_$(MCU_CORE_$*)) $(MCU_LDFLAGS) -T boards/$*.ld \
		-o $@ $(filter %.o %.a,$^) -lc -lgcc

MCU_CHECK_SETS := conformance frontend stress

mcu: mcu-deps
	$(MAKE) $(foreach s,$(MCU_CHECK_SETS),$(call mcu_images,$(s))) \
		$(MCU_BOARDS:%=$(MCU_DIR)/%/kernels/diff.elf)
	$(MAKE) MCU_DIAG_TEXT=1 MCU_DIR=$(MCU_DIR)/text $(MCU_DIR)/text/m4f/libtinysense.a

mcu-check: mcu
	@test -n "$(call mcu_set_names,conformance)" -a -n "$(filter yes_1000ms,$(call mcu_set_names,frontend))" || \
		{ echo "mcu-check: no cases in $(CONFORMANCE) or no yes_1000ms in $(MCU_FRONTEND)"; exit 1; }
	@./tests/mcu/run.sh $(MCU_DIR) $(MCU_TIMEOUT) "$(MCU_BOARDS)" \
		kernels:diff $(foreach s,$(MCU_CHECK_SETS),$(addprefix $(s):,$(call mcu_set_names,$(s))))

mcu-run: mcu-deps
	@test -n "$(CASES)" || { echo "usage: make mcu-run CASES=DIR"; exit 2; }
	$(MAKE) $(call mcu_images,cases)
	@./tests/mcu/run.sh $(MCU_DIR) $(MCU_TIMEOUT) "$(MCU_BOARDS)" \
		$(addprefix cases:,$(call mcu_set_names,cases))

mcu-size: mcu-deps
	$(MAKE) $(call mcu_images,footprint) $(call mcu_images,conformance) \
		$(MCU_BOARDS:%=$(MCU_DIR)/%/frontend/yes_1000ms.elf)
	@./tests/mcu/report.py size $(MCU_DIR) $(MCU_DIR_footprint) $(MCU_TIMEOUT) "$(MCU_BOARDS)" \
		$(call mcu_set_names,footprint)

$(MCU_INSNCOUNT): $(SHARED)/tools/qemu-insncount/insncount.c
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) -O2 -fPIC -shared -I$(dir $<) -o $@ $<

MCU_INSNS_FRONTEND ?= stream_yes_silence_no_noise
MCU_KERNELS ?= ref armdsp
mcu-insns: mcu-deps
	$(MAKE) $(MCU_INSNCOUNT) $(call mcu_images,conformance) \
		$(foreach b,$(MCU_BOARDS),$(MCU_DIR)/$(b)/frontend/$(MCU_INSNS_FRONTEND).elf)
	@./tests/mcu/report.py insns $(MCU_DIR) $(MCU_INSNCOUNT) $(MCU_TIMEOUT) "$(MCU_BOARDS)" \
		"$(MCU_KERNELS)" $(addprefix conformance:,$(call mcu_set_names,conformance)) \
		frontend:$(MCU_INSNS_FRONTEND)

-include $(shell find $(MCU_DIR) -name '*.d' 2>/dev/null)
# ==== END mcu ===================================================================

# ==== BEGIN packaging: cross daemon, man pages, install check, .deb, system VM test ====
# `make cross-daemon` (part of `make cross`) builds tinysensed, tinysensectl
# and the plugins for aarch64 and armhf: this same Makefile run with the
# Debian cross compiler (CC with --sysroot, AR) against a Debian sysroot of
# the -dev packages (tests/make-sysroot.sh), objects in $(BUILD)/ARCH/full,
# binaries copied to $(BUILD)/ARCH/.
# `make deb` builds the .deb packages natively, `make deb-cross` for arm64 and
# armhf (dpkg-buildpackage -a), into $(BUILD)/deb/, and runs lintian on them.
# `make check-system` boots Debian arm64 under qemu-system-aarch64 with the
# arm64 package installed (tests/system/README.md).
CROSS_TRIPLET_aarch64 := aarch64-linux-gnu
CROSS_TRIPLET_armhf   := arm-linux-gnueabihf
CROSS_DEBARCH_aarch64 := arm64
CROSS_DEBARCH_armhf   := armhf
# -dev packages the daemon and plugins link with, per foreign architecture.
CROSS_DAEMON_DEV := libsystemd-dev libjson-c-dev libinih-dev libiio-dev libasound2-dev libgpiod-dev
DEB_TOOLS        := dpkg-dev debhelper lintian
MAN_DEPS         := groff-base man-db
SYSTEM_DEPS      := debootstrap qemu-system-arm qemu-user-static e2fsprogs cpio
SYSTEM_CACHE     ?= $(BUILD)/system
SYSTEM_TIMEOUT   ?= 600
DEB_DIR          := $(BUILD)/deb

.PHONY: cross-daemon cross-daemon-deps check-man check-install deb deb-cross deb-deps \
	check-packaging check-system system-deps

# Adds the foreign architectures (dpkg --add-architecture) and installs the
# cross compilers and the :arm64/:armhf -dev packages: what dpkg-buildpackage
# -a needs (make deb-cross).
cross-daemon-deps: $(CROSS_ARCHS:%=cross-daemon-deps-%)

# $(1): aarch64 or armhf.  The daemon's cross build links against a Debian
# sysroot in $(BUILD)/ARCH/sysroot (tests/make-sysroot.sh: the -dev packages
# unpacked, no multiarch on the build machine), so it works whatever the
# mirror's foreign indices are.
define CROSS_DAEMON_RULES
.PHONY: cross-daemon-deps-$(1) cross-daemon-$(1)
cross-daemon-deps-$(1): cross-deps
	@./tests/add-foreign-archs.sh $(CROSS_DEBARCH_$(1))
	@./tests/install-deps.sh crossbuild-essential-$(CROSS_DEBARCH_$(1)) \
		$(CROSS_DAEMON_DEV:%=%:$(CROSS_DEBARCH_$(1)))

$(BUILD)/$(1)/sysroot/.complete: tests/make-sysroot.sh | cross-deps
	@./tests/install-deps.sh debootstrap
	@./tests/make-sysroot.sh $(CROSS_DEBARCH_$(1)) $(BUILD)/$(1)/sysroot libc6-dev $(CROSS_DAEMON_DEV)

cross-daemon-$(1): $(BUILD)/$(1)/sysroot/.complete
	$$(MAKE) BUILD=$(BUILD)/$(1)/full \
		CC="$(CROSS_TRIPLET_$(1))-gcc --sysroot=$(abspath $(BUILD)/$(1)/sysroot)" \
		AR=$(CROSS_TRIPLET_$(1))-ar all
	@mkdir -p $(BUILD)/$(1)/plugins
	$$(Q)cp -p $(BUILD)/$(1)/full/tinysensed $(BUILD)/$(1)/full/tinysensectl $(BUILD)/$(1)/
	$$(Q)cp -p $(BUILD)/$(1)/full/plugins/*.so $(BUILD)/$(1)/plugins/
	@file $(BUILD)/$(1)/tinysensed | sed 's/, BuildID.*//'
endef
$(foreach a,$(CROSS_ARCHS),$(eval $(call CROSS_DAEMON_RULES,$(a))))

cross-daemon: $(CROSS_ARCHS:%=cross-daemon-%)

# `make cross` also builds the daemon, tinysensectl and the plugins for each
# architecture (build/aarch64/, build/armhf/).
cross: cross-daemon

# Man pages: groff's own warnings (all of them) and man's, as errors.
check-man:
	@./tests/install-deps.sh $(MAN_DEPS)
	@./tests/check-man.sh $(MAN_PAGES)

# make install and make uninstall into a temporary DESTDIR, for PREFIX=/usr
# and /usr/local: every file in its FHS place, nothing left after uninstall
# but the kept configuration.
check-install: all
	@./tests/check-install.sh $(MAKE) $(BUILD)

deb-deps:
	@./tests/install-deps.sh $(DEB_TOOLS)

# tests/build-deb.sh runs dpkg-buildpackage on a copy of the tree (it writes
# the packages into the parent folder and runs `debian/rules clean`), moves
# the packages to $(DEB_DIR) and runs lintian on them (errors fail).  The
# -dev packages are debian/control's Build-Depends.
deb: deb-deps
	@./tests/install-deps.sh $(CROSS_DAEMON_DEV)
	@./tests/build-deb.sh $(DEB_DIR) $(shell dpkg --print-architecture)

deb-cross: deb-deps cross-daemon-deps
	@set -e; for a in $(foreach a,$(CROSS_ARCHS),$(CROSS_DEBARCH_$(a))); do \
		./tests/build-deb.sh $(DEB_DIR) $$a; done

# In `make check`: man pages, install/uninstall, the native packages and the
# arm64 cross-built ones, lintian-clean.  (armhf: `make deb-cross`.)
check-packaging:
	$(MAKE) check-man
	$(MAKE) check-install
	$(MAKE) deb
	$(MAKE) deb-cross CROSS_ARCHS=aarch64

system-deps:
	@./tests/install-deps.sh $(SYSTEM_DEPS)
	@./tests/add-foreign-archs.sh arm64

# The arm64 package booted in a whole Debian system (root file system cached
# in $(SYSTEM_CACHE); delete it to rebuild from scratch).
check-system: system-deps
	$(MAKE) deb-cross CROSS_ARCHS=aarch64
	@./tests/system/run.sh $(SYSTEM_CACHE) $(DEB_DIR) $(SHARED) $(SYSTEM_TIMEOUT)
# ==== END packaging ============================================================

# ==== BEGIN models: shipped models, their training and their check ====
# `make models` regenerates every shipped model in models/ (seeded, so the
# same machine gives the same bytes): synthesized corpus, training in torch,
# int8 export with models/train/tinysense_train, checks in our runtime,
# model cards.  Only this target needs torch.  `make check-models` (in
# `make check`) needs no torch: every models/tests/NAME.json model loads,
# matches its sha256 and reproduces its card's accuracy on its shipped test
# set, and every config/pipelines.d/*.conf validates against models/ (the
# live agriculture.conf, which joins IIO and GPIO devices, on emulated ones
# in tests/integration/test_join_sources.sh).
MODELS_DEPS    := python3-torch python3-numpy python3-flatbuffers espeak-ng flite sox \
	flatbuffers-compiler
MODELS_PYTHON  := /usr/bin/python3
MODELS_WORK    := $(BUILD)/models
# One training script per model; each writes models/NAME.{tflite,labels,md}
# and models/tests/NAME.*.
MODELS_SCRIPTS := models/train/kws/train.py \
	models/train/vibration/train.py models/train/agriculture/train.py

.PHONY: models models-deps check-models

models-deps:
	@./tests/install-deps.sh $(MODELS_DEPS)

models: models-deps all
	@set -e; for s in $(MODELS_SCRIPTS); do echo "== $$s"; \
		PYTHONPATH=models/train PYTHONDONTWRITEBYTECODE=1 TS_SHARED=$(SHARED) \
		TINYSENSECTL=$(abspath $(CTL)) nice -n 19 $(MODELS_PYTHON) $$s --work $(MODELS_WORK); \
	done

# The live agriculture pipeline (BME280 units) against its replay (the
# training units): the same feature bytes over the shipped week.
LIVE_UNITS := $(BUILD)/tests/check_live_units
$(LIVE_UNITS): tests/models/check_live_units.c $(COMMON) $(LIB) $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE -Idaemon/common -o $@ $< $(COMMON) $(LIB) \
		$(HOST_LIBS)

check-models: all $(LIVE_UNITS)
	@$(MODELS_PYTHON) models/check_models.py $(CTL) models
	@./tests/models/check_pipelines.sh $(BUILD) $(SHARED)
	@./tests/models/check_sensor_models.sh $(BUILD)
	@$(LIVE_UNITS) config/examples/agriculture-replay.conf config/pipelines.d/agriculture.conf \
		models/recordings/agriculture_week.csv

# Shipped models go to $(PREFIX)/share/tinysense/models (the daemon's
# default ModelDir with PREFIX=/usr), their pipelines to
# $(PREFIX)/share/tinysense/pipelines (copy one to /etc/tinysense/pipelines.d/).
MODELS_DIR    ?= $(PREFIX)/share/tinysense/models
PIPELINES_DIR ?= $(PREFIX)/share/tinysense/pipelines
.PHONY: install-models uninstall-models
install: install-models
uninstall: uninstall-models
install-models:
	install -d $(DESTDIR)$(MODELS_DIR) $(DESTDIR)$(PIPELINES_DIR)
	install -m 0644 $(wildcard models/*.tflite models/*.labels models/*.md) $(DESTDIR)$(MODELS_DIR)/
	install -m 0644 config/pipelines.d/*.conf $(DESTDIR)$(PIPELINES_DIR)/
uninstall-models:
	rm -rf $(DESTDIR)$(MODELS_DIR) $(DESTDIR)$(PIPELINES_DIR)
# ==== END models ====
# ==== BEGIN robustness: fault plugin, load, soak, valgrind (tests/fault, tests/load) ====
# The fault tests (tests/integration/test_fault_*.sh) load a test plugin
# that fails on demand from $(BUILD)/test-plugins (never installed).
# `make load`: 1000 socket watchers at 1000 detections/s, a client that
# never reads, 10,000 D-Bus property reads/s; `make soak SOAK_HOURS=24`:
# recorded audio at full speed through three pipelines; `make valgrind`:
# memcheck of a daemon replaying through a private dbus-daemon.  All print
# figures; none asserts a time.
FAULT_PLUGIN := $(BUILD)/test-plugins/faulty.so
SOAK_HOURS   ?= 24
LOAD_DEPS    := valgrind sox python3 dbus-daemon

.PHONY: load soak valgrind load-deps

$(FAULT_PLUGIN): tests/fault/faulty_plugin.c plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) -shared -o $@ $< $(LDFLAGS)

test: $(FAULT_PLUGIN)

LOAD_TOOLS := $(BUILD)/load/socket_load $(BUILD)/load/bus_load
$(BUILD)/load/%: tests/load/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE -o $@ $< $(LDFLAGS) -lsystemd

load-deps:
	@./tests/install-deps.sh $(LOAD_DEPS)

load: load-deps all $(LOAD_TOOLS)
	@./tests/load/load.sh $(BUILD) $(SHARED)

soak: load-deps all
	@./tests/load/soak.sh $(BUILD) $(SHARED) $(SOAK_HOURS)

valgrind: load-deps all
	@./tests/load/valgrind.sh $(BUILD) $(SHARED)
# ==== END robustness ============================================================
