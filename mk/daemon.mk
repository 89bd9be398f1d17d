# ==== daemon: tinysensed, tinysensectl and the code they share ================
# Builds daemon/common/ into $(BUILD)/libtinysense-common.a (config parsing,
# the inference chain, WAV reading: shared by daemon and tool),
# daemon/tinysensed/ into $(BUILD)/tinysensed, daemon/tinysensectl/ into
# $(BUILD)/tinysensectl, and the daemon's objects but main.o into
# $(BUILD)/libtinysensed.a for the daemon unit tests (mk/tests.mk).
# Host libraries through pkg-config: HOST_PKGS for the tool and the common
# code, DAEMON_PKGS for the daemon.
# Targets: $(COMMON), $(DAEMON), $(CTL), $(DAEMON_CORE) (all builds the first three).
COMMON_SRCS := $(wildcard daemon/common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
COMMON      := $(BUILD)/libtinysense-common.a
HOST_PKGS   := inih json-c
HOST_LIBS    = $(call pkg_libs,$(HOST_PKGS))

DAEMON_SRCS := $(wildcard daemon/tinysensed/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/obj/%.o)
DAEMON      := $(BUILD)/tinysensed
DAEMON_CORE := $(BUILD)/libtinysensed.a
DAEMON_PKGS := libsystemd json-c inih
DAEMON_LIBS  = $(call pkg_libs,$(DAEMON_PKGS)) -lpthread -ldl

CTL_SRCS := $(wildcard daemon/tinysensectl/*.c)
CTL_OBJS := $(CTL_SRCS:%.c=$(BUILD)/obj/%.o)
CTL      := $(BUILD)/tinysensectl

# Daemon messages are cut to their buffers on purpose: no truncation warnings.
$(BUILD)/obj/daemon/%.o: daemon/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE -Idaemon/common -Iplugins/include -Wno-format-truncation \
		$(call pkg_cflags,$(DAEMON_PKGS)) -MMD -MP -c $< -o $@

$(COMMON): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	@echo '  AR      $@'
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(DAEMON): $(DAEMON_OBJS) $(COMMON) $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(COMMON) $(LIB) $(DAEMON_LIBS)

$(CTL): $(CTL_OBJS) $(COMMON) $(LIB)
	@echo '  LD      $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) $(COMMON) $(LIB) $(HOST_LIBS)

# The daemon but main.o, as an archive: a test pulls in only what it uses.
$(DAEMON_CORE): $(filter-out %/main.o,$(DAEMON_OBJS))
	@mkdir -p $(dir $@)
	@echo '  AR      $@'
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^
