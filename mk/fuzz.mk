# ==== fuzz: libFuzzer targets (clang, tests/fuzz/) ===========================
# `make fuzz FUZZ_SECONDS=60` builds tests/fuzz/fuzz_*.c with clang,
# -fsanitize=fuzzer,address,undefined (its own objects under $(FUZZ_DIR)/obj,
# never the gcc ones), seeds $(FUZZ_DIR)/corpus/NAME and runs each target for
# FUZZ_SECONDS; non-zero exit on any crash, leak or timeout (reproducers in
# $(FUZZ_DIR)/artifacts).  `make fuzz-smoke` is the same for 10 s each.
# Targets: fuzz, fuzz-smoke, fuzz-build, fuzz-corpus, fuzz-deps.
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
	$(FUZZ_DIR)/obj/daemon/common/ini_lines.o \
	$(FUZZ_DIR)/obj/daemon/common/input_file.o
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
		-Iplugins/include -Ilib $(call pkg_cflags,$(DAEMON_PKGS)) -MMD -MP -c $< -o $@

# fuzz_model builds models with tflite_builder and runs every kernel set
# the CPU has (cpu_features).
$(FUZZ_DIR)/fuzz_model: tests/fuzz/fuzz_model.c tests/support/tflite_builder.c \
		$(FUZZ_DIR)/obj/daemon/common/cpu_features.o $(FUZZ_LIB_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/support -Idaemon/common -o $@ $^ -lm

$(FUZZ_DIR)/fuzz_frontends: tests/fuzz/fuzz_frontends.c $(FUZZ_LIB_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ -lm

$(FUZZ_DIR)/fuzz_config: tests/fuzz/fuzz_config.c $(FUZZ_CONFIG_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -D_GNU_SOURCE -Idaemon/common -o $@ $^ \
		$(call pkg_libs,inih)

$(FUZZ_DIR)/fuzz_socket: tests/fuzz/fuzz_socket.c $(FUZZ_SOCKET_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -D_GNU_SOURCE -Idaemon/common \
		-Idaemon/tinysensed -o $@ $^ $(DAEMON_LIBS)

$(FUZZ_SEEDS): tests/fuzz/make_seeds.c tests/support/tflite_builder.c $(FUZZ_LIB_OBJS)
	@echo '  FUZZLD  $@'
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/support -o $@ $^ -lm

fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDS)

# Seeds: the conformance models (copied, never committed), builder models,
# the example pipeline configs and tests/fuzz/config_seeds, and generated
# front-end streams.
fuzz-corpus: fuzz-build
	@mkdir -p $(FUZZ_NAMES:%=$(FUZZ_DIR)/corpus/%)
	$(Q)cp -n $(wildcard $(CONFORMANCE)/*.tflite) $(FUZZ_DIR)/corpus/model/ 2>/dev/null || :
	$(Q)cp -n config/examples/*.conf tests/fuzz/config_seeds/* $(FUZZ_DIR)/corpus/config/
	$(Q)cp -n tests/fuzz/socket_seeds/* $(FUZZ_DIR)/corpus/socket/
	$(Q)$(FUZZ_SEEDS) $(FUZZ_DIR)/corpus/model $(FUZZ_DIR)/corpus/frontends

fuzz: fuzz-deps
	$(MAKE) fuzz-corpus
	@./tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
