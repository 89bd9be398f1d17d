# ==== robustness: fault plugin, load, soak, valgrind (tests/fault, tests/load)
# The fault tests (tests/integration/test_fault_*.sh) load a test plugin
# that fails on demand from $(BUILD)/test-plugins (never installed).
# `make load`: 1000 socket watchers at 1000 detections/s, a client that
# never reads, 10,000 D-Bus property reads/s; `make soak SOAK_HOURS=24`:
# recorded audio at full speed through three pipelines; `make valgrind`:
# memcheck of a daemon replaying through a private dbus-daemon.  All print
# figures; none asserts a time.
# Targets: $(FAULT_PLUGIN) (built by `make test`), load, soak, valgrind, load-deps.
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
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE $(call pkg_cflags,libsystemd) -o $@ $< \
		$(LDFLAGS) $(call pkg_libs,libsystemd)

load-deps:
	@./tests/install-deps.sh $(LOAD_DEPS)

load: load-deps all $(LOAD_TOOLS)
	@./tests/load/load.sh $(BUILD) $(SHARED)

soak: load-deps all
	@./tests/load/soak.sh $(BUILD) $(SHARED) $(SOAK_HOURS)

valgrind: load-deps all
	@./tests/load/valgrind.sh $(BUILD) $(SHARED)
