# ==== bench: speed, instructions and memory ===================================
# Builds tests/bench/bench_frontend.c into $(BUILD)/bench_frontend.  `make
# bench` runs tests/bench.sh (inference per kernel set, front-ends, memory),
# bench-arm (mk/cross.mk: guest instructions under qemu),
# tests/bench_daemon.sh and tests/bench/plugin_isolation.sh (the cost of a
# plugin in its own process).
# Targets: bench, $(BENCH_FRONTEND), $(BENCH_PLAN).
.PHONY: bench

BENCH_FRONTEND := $(BUILD)/bench_frontend

$(BENCH_FRONTEND): $(BUILD)/obj/tests/bench/bench_frontend.o $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB)

# Time of ts_interpreter_create for 100k-operator models (the planner):
# $(BUILD)/bench_plan [chain|fan|wide [N [MAX_PLAN_WORK]]].
BENCH_PLAN := $(BUILD)/bench_plan

$(BENCH_PLAN): $(BUILD)/obj/tests/bench/bench_plan.o $(BUILD)/obj/tests/support/tflite_builder.o $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# Instructions per inference are counted with callgrind.
BENCH_DEPS := valgrind sox time

bench: all $(BENCH_FRONTEND)
	@./tests/install-deps.sh $(BENCH_DEPS)
	@./tests/bench.sh $(BUILD) $(SHARED)
	@$(MAKE) --no-print-directory bench-arm
	@./tests/bench_daemon.sh $(BUILD) $(SHARED)
	@./tests/bench/plugin_isolation.sh $(BUILD) $(SHARED)
