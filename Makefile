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
CFLAGS   += $(BASE) $(OPT) $(WARN) $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)

# ---- the inference core (freestanding) -------------------------------------
LIB_SRCS := $(wildcard lib/core/*.c lib/ops/*.c lib/kernels/*.c lib/kernels/ref/*.c lib/dsp/*.c lib/detect/*.c)
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
PLUGIN_NAMES := $(filter-out include,$(notdir $(patsubst %/,%,$(wildcard plugins/*/))))
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
TEST_BINS    := $(UNIT_BINS) $(CONF_BIN) $(PLUGIN_TESTS)
TEST_CFLAGS  := -Ilib -Itests/support
CMOCKA_LIBS  := -lcmocka -lm

# `make V=1` shows every command.
Q := $(if $(V),,@)

SHARED       ?= $(abspath ../shared)
CONFORMANCE  ?= $(SHARED)/conformance

.PHONY: FORCE all check test test-asan deps bench demo install uninstall clean help \
	check-freestanding

all: $(LIB) $(CTL) $(DAEMON) $(PLUGINS)

help:
	@echo "make            build $(LIB) and $(CTL)"
	@echo "make check      install build deps, build with -Werror, run every test, again under ASan+UBSan"
	@echo "make bench      microseconds per inference and arena bytes for every conformance model"
	@echo "make demo       run the model tool on a conformance model and print its decision"
	@echo "make install    install (PREFIX=$(PREFIX) DESTDIR=$(DESTDIR))"

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
		plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) -o $@ $(filter %.c,$^) $(LDFLAGS) \
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
		plugins/gpio/test_fake_host.h \
		plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) $(shell pkg-config --cflags $(UMOCKDEV_PKGS)) \
		-o $@ $(filter %.c,$^) $(LDFLAGS) -lgpiod $(shell pkg-config --libs $(UMOCKDEV_PKGS)) \
		$(CMOCKA_LIBS)

$(DAEMON): $(DAEMON_OBJS) $(COMMON) $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(COMMON) $(LIB) $(DAEMON_LIBS)

$(CTL): $(CTL_OBJS) $(COMMON) $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) $(COMMON) $(LIB) $(HOST_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(LIB) $(CMOCKA_LIBS)

$(CONF_BIN): $(BUILD)/obj/tests/conformance/test_conformance.o $(SUPPORT_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(LIB) $(CMOCKA_LIBS)

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
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke
	$(MAKE) check-models
	$(MAKE) valgrind VALGRIND_SECONDS=3

BENCH_FRONTEND := $(BUILD)/bench_frontend

$(BENCH_FRONTEND): $(BUILD)/obj/tests/bench/bench_frontend.o $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB)

bench: all $(BENCH_FRONTEND)
	@./tests/bench.sh $(BUILD) $(SHARED)
	@./tests/bench_daemon.sh $(BUILD) $(SHARED)

demo: deps all
	@./tests/demo.sh $(BUILD) $(SHARED)

# Where `make install` puts the daemon and its system integration (systemd/).
# The defaults suit PREFIX=/usr (a distribution package: /usr/sbin/tinysensed,
# /usr/lib/systemd/system, /usr/lib/sysusers.d, /usr/lib/tmpfiles.d,
# /usr/share/dbus-1/...).  systemd also reads units, sysusers.d and tmpfiles.d
# under /usr/local/lib, but dbus-daemon reads policies only from
# /usr/share/dbus-1/system.d and /etc/dbus-1/system.d: with PREFIX=/usr/local
# pass DBUS_POLICYDIR=/etc/dbus-1/system.d.  After a real install (no DESTDIR):
# systemd-sysusers; systemd-tmpfiles --create; systemctl daemon-reload.
SBINDIR         ?= $(PREFIX)/sbin
SYSCONFDIR      ?= /etc
SYSTEMDUNITDIR  ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR     ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR     ?= $(PREFIX)/lib/tmpfiles.d
DBUS_POLICYDIR  ?= $(PREFIX)/share/dbus-1/system.d
DBUS_SERVICEDIR ?= $(PREFIX)/share/dbus-1/system-services

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/include/tinysense
	install -m 0755 $(CTL) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 lib/include/tinysense/*.h $(DESTDIR)$(PREFIX)/include/tinysense/
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PREFIX)/share/tinysense/examples \
		$(DESTDIR)$(PREFIX)/share/tinysense/recordings
	install -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/
	install -d $(DESTDIR)$(PREFIX)/lib/tinysense/plugins
	install -m 0644 $(PLUGINS) $(DESTDIR)$(PREFIX)/lib/tinysense/plugins/
	install -m 0644 plugins/include/tinysense/plugin.h $(DESTDIR)$(PREFIX)/include/tinysense/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig
	printf 'prefix=%s\nincludedir=$${prefix}/include\nlibdir=$${prefix}/lib\n\nName: tinysense\nDescription: tinysense integer inference core\nVersion: %s\nCflags: -I$${includedir}\nLibs: -L$${libdir} -ltinysense\n' \
		'$(PREFIX)' '$(VERSION)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tinysense.pc
	printf 'prefix=%s\nincludedir=$${prefix}/include\nplugindir=$${prefix}/lib/tinysense/plugins\n\nName: tinysense-plugin\nDescription: tinysense sensor plugin ABI\nVersion: %s\nCflags: -I$${includedir}\n' \
		'$(PREFIX)' '$(VERSION)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tinysense-plugin.pc
	install -m 0644 config/examples/*.conf $(DESTDIR)$(PREFIX)/share/tinysense/examples/
	install -m 0644 models/recordings/*.wav models/recordings/*.csv \
		$(DESTDIR)$(PREFIX)/share/tinysense/recordings/
	@# the daemon's settings: installed once, never overwritten
	[ -e $(DESTDIR)$(SYSCONFDIR)/tinysense/tinysense.conf ] || \
		install -D -m 0644 config/tinysense.conf $(DESTDIR)$(SYSCONFDIR)/tinysense/tinysense.conf
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DBUS_POLICYDIR) $(DESTDIR)$(DBUS_SERVICEDIR) \
		$(DESTDIR)$(SYSCONFDIR)/tinysense/pipelines.d
	sed 's|^ExecStart=/usr/sbin/tinysensed|ExecStart=$(SBINDIR)/tinysensed|' systemd/tinysensed.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service
	install -m 0644 systemd/tinysensed.socket $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 systemd/tinysense.sysusers $(DESTDIR)$(SYSUSERSDIR)/tinysense.conf
	install -m 0644 systemd/tinysense.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tinysense.conf
	install -m 0644 systemd/org.tinysense1.conf $(DESTDIR)$(DBUS_POLICYDIR)/
	install -m 0644 systemd/org.tinysense1.service $(DESTDIR)$(DBUS_SERVICEDIR)/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tinysensectl $(DESTDIR)$(PREFIX)/lib/libtinysense.a
	rm -rf $(DESTDIR)$(PREFIX)/include/tinysense
	rm -f $(DESTDIR)$(PREFIX)/lib/pkgconfig/tinysense.pc \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/tinysense-plugin.pc
	rm -rf $(DESTDIR)$(PREFIX)/lib/tinysense/plugins \
		$(DESTDIR)$(PREFIX)/share/tinysense/examples \
		$(DESTDIR)$(PREFIX)/share/tinysense/recordings
	rm -f $(DESTDIR)$(SBINDIR)/tinysensed \
		$(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.socket \
		$(DESTDIR)$(SYSUSERSDIR)/tinysense.conf $(DESTDIR)$(TMPFILESDIR)/tinysense.conf \
		$(DESTDIR)$(DBUS_POLICYDIR)/org.tinysense1.conf \
		$(DESTDIR)$(DBUS_SERVICEDIR)/org.tinysense1.service
	@# configuration is kept: only empty folders go
	rmdir $(DESTDIR)$(SYSCONFDIR)/tinysense/pipelines.d $(DESTDIR)$(SYSCONFDIR)/tinysense \
		2>/dev/null || :

clean:
	rm -rf build

# Keep intermediate objects (they feed several binaries).
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ==== BEGIN cross: same bytes on x86-64, aarch64 and armhf (tests/cross/) ====
# `make cross` installs the cross toolchains and qemu-user, then builds lib/
# (all LIB_SRCS) and tests/cross/conformance_main.c, statically linked, into
# $(BUILD)/aarch64/ and $(BUILD)/armhf/.  `make check-cross` also builds it
# natively ($(BUILD)/native/) and runs it natively, under qemu-aarch64 as a
# Cortex-A53, -A72 and -A76 (Pi 3, 4, 5) and under qemu-arm as a Cortex-A7
# (Pi OS 32-bit): every conformance output byte and every front-end feature
# byte must equal the reference.  The daemon is not cross-built here.
CROSS_DEPS     := gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf \
	libc6-dev-armhf-cross qemu-user
CROSS_ARCHS    := aarch64 armhf
CROSS_FRONTEND ?= $(SHARED)/frontend
CROSS_TIMEOUT  ?= 600
CROSS_CFLAGS   := -std=c11 -ffp-contract=off -O3 $(WARN) -Ilib/include
CROSS_CC_native   := $(CC)
CROSS_CC_aarch64  := aarch64-linux-gnu-gcc
CROSS_CC_armhf    := arm-linux-gnueabihf-gcc
CROSS_ARCH_native :=
CROSS_ARCH_aarch64 := -march=armv8-a
CROSS_ARCH_armhf  := -march=armv7-a -mfpu=neon -mfloat-abi=hard
CROSS_LD_native   :=
CROSS_LD_aarch64  := -static
CROSS_LD_armhf    := -static
CROSS_RUN_aarch64 := cortex-a53 cortex-a72 cortex-a76
CROSS_RUN_armhf   := cortex-a7

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

$(BUILD)/$(1)/conformance_main: tests/cross/conformance_main.c \
		$(LIB_SRCS:%.c=$(BUILD)/$(1)/obj/%.o) $(BUILD)/$(1)/.cflags
	@echo '  CCLD    $$@'
	$$(Q)$$(CROSS_CC_$(1)) $$(CROSS_CFLAGS) $$(CROSS_ARCH_$(1)) -o $$@ $$(filter %.c %.o,$$^) \
		$$(CROSS_LD_$(1))
endef
$(foreach a,native $(CROSS_ARCHS),$(eval $(call CROSS_RULES,$(a))))


cross: cross-deps $(CROSS_ARCHS:%=$(BUILD)/%/conformance_main)

check-cross: cross $(BUILD)/native/conformance_main
	@set -e; run() { echo "== $$1"; shift; \
		timeout -k 5 $(CROSS_TIMEOUT) "$$@" $(CONFORMANCE) $(CROSS_FRONTEND); }; \
	run "native ($$(uname -m))" $(BUILD)/native/conformance_main; \
	for cpu in $(CROSS_RUN_aarch64); do \
		run "aarch64 qemu -cpu $$cpu" qemu-aarch64 -cpu $$cpu $(BUILD)/aarch64/conformance_main; \
	done; \
	for cpu in $(CROSS_RUN_armhf); do \
		run "armhf qemu -cpu $$cpu" qemu-arm -cpu $$cpu $(BUILD)/armhf/conformance_main; \
	done; \
	echo "check-cross: byte-exact on native, aarch64 ($(CROSS_RUN_aarch64)), armhf ($(CROSS_RUN_armhf))"

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
