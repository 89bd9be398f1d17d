# ==== tests: unit, conformance, plugin and daemon unit tests; the runner ======
# Builds tests/unit/test_*.c (CMocka, against lib/ and tests/support/) into
# $(BUILD)/tests/, tests/conformance/test_conformance.c, and the daemon unit
# tests tests/daemon/test_*.c into $(BUILD)/tests/daemon/ (linked with
# $(BUILD)/libtinysensed.a: the daemon's objects but main.c, as an archive
# so that a test pulls in only what it uses; their doubles, tests/daemon/*.c
# but test_*.c, ahead of it; libtinysense-common and lib/).
# New tests/unit/ and tests/daemon/ files are picked up by wildcard.
# `make test` runs every test binary ($(TEST_BINS)) and every
# tests/integration/test_*.sh in parallel with tests/run-tests.sh: JOBS at a
# time (default: the number of cores), each under a timeout (TEST_TIMEOUT
# seconds, or NAME=SECONDS in TEST_TIMEOUTS), each test's output in
# $(BUILD)/test-logs/NAME.log; the failed tests' log tails and names at the
# end, then "N passed, N failed".  TESTS=ERE runs only the tests whose name
# matches.  `make test-asan` is the same under ASan+UBSan in build/asan.
# Targets: test, test-asan, $(TEST_BINS).
SUPPORT_SRCS := $(wildcard tests/support/*.c)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_BINS    := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
CONF_BIN     := $(BUILD)/tests/test_conformance
DAEMON_UNIT_SRCS := $(wildcard tests/daemon/test_*.c)
DAEMON_UNIT_BINS := $(DAEMON_UNIT_SRCS:tests/daemon/%.c=$(BUILD)/tests/daemon/%)
# Their doubles (tests/daemon/*.c but test_*.c, e.g. fake_source.c), linked
# into each of them ahead of the daemon's archive.
# Daemon tests may build models (tests/support/tflite_builder.c).
TFLITE_BUILDER_OBJ := $(BUILD)/obj/tests/support/tflite_builder.o
DAEMON_TEST_DOUBLES := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(DAEMON_UNIT_SRCS),$(wildcard tests/daemon/*.c)))
TEST_BINS    := $(UNIT_BINS) $(CONF_BIN) $(PLUGIN_TESTS) $(DAEMON_UNIT_BINS) $(GPIO_UMOCKDEV_TEST)
TEST_CFLAGS  := -Ilib -Itests/support -Idaemon/common
# pkg-config packages a test's objects need besides cmocka (daemon unit tests: the daemon's)
TEST_PKGS    :=
# The host's CPU probe, for tests that run every kernel set the CPU has.
CPU_PROBE_OBJ := $(BUILD)/obj/daemon/common/cpu_features.o
CMOCKA_LIBS   = $(call pkg_libs,cmocka) -lm
INTEGRATION_TESTS := $(wildcard tests/integration/test_*.sh)

JOBS          ?= $(shell nproc 2>/dev/null || echo 2)
TEST_TIMEOUT  ?= 300
# NAME=SECONDS for the tests that need longer than TEST_TIMEOUT (NAME as in
# the test's log: test_x, daemon/test_x, integration/test_x.sh).
TEST_TIMEOUTS ?= integration/test_plugin_isolation.sh=600
TESTS         ?=

.PHONY: test test-asan

$(BUILD)/obj/tests/%.o: tests/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(TEST_CFLAGS) $(call pkg_cflags,cmocka $(TEST_PKGS)) -MMD -MP -c $< -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) $(LIB) $(CMOCKA_LIBS)

$(BUILD)/obj/tests/daemon/%.o: TEST_CFLAGS += -D_GNU_SOURCE -Idaemon/tinysensed -Iplugins/include
$(BUILD)/obj/tests/daemon/%.o: TEST_PKGS := $(DAEMON_PKGS)

$(BUILD)/tests/daemon/%: $(BUILD)/obj/tests/daemon/%.o $(DAEMON_TEST_DOUBLES) $(TFLITE_BUILDER_OBJ) \
		$(DAEMON_CORE) $(COMMON) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(DAEMON_TEST_DOUBLES) $(TFLITE_BUILDER_OBJ) $(DAEMON_CORE) $(COMMON) $(LIB) \
		$(DAEMON_LIBS) $(CMOCKA_LIBS)

$(CONF_BIN): $(BUILD)/obj/tests/conformance/test_conformance.o $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) \
		$(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(CPU_PROBE_OBJ) $(LIB) $(CMOCKA_LIBS)

test: all $(TEST_BINS)
	@TS_CONFORMANCE_DIR=$(CONFORMANCE) TS_FRONTEND_DIR=$(FRONTEND_DIR) TS_SHARED=$(SHARED) \
		TS_CTL=$(abspath $(CTL)) ./tests/run-tests.sh -j $(JOBS) -t $(TEST_TIMEOUT) \
		-l $(BUILD)/test-logs $(if $(TESTS),-f '$(TESTS)') $(TEST_TIMEOUTS:%=-T %) \
		$(TEST_BINS) $(INTEGRATION_TESTS)

test-asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 test
