# ==== lib: the inference core, freestanding ===================================
# Builds lib/ (core, ops, kernels, dsp, detect) into $(BUILD)/libtinysense.a.
# Targets: $(LIB), check-freestanding (lib/ needs nothing from libc but
# memcpy, memset and memmove).
LIB_SRCS := $(wildcard lib/core/*.c lib/ops/*.c lib/kernels/*.c lib/kernels/ref/*.c \
	lib/kernels/x86/*.c lib/kernels/neon/*.c lib/dsp/*.c lib/detect/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libtinysense.a
LIB_CFLAGS := -ffreestanding -fvisibility=hidden -Ilib

.PHONY: check-freestanding

$(BUILD)/obj/lib/%.o: lib/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	@echo '  AR      $@'
	$(Q)$(AR) rcs $@ $^

# lib/ may use nothing from libc but memcpy, memset and memmove (plus the
# compiler's own runtime helpers, named __*): link it into one object and
# list what is still undefined.
check-freestanding: $(LIB_OBJS)
	$(Q)$(CC) -r -nostdlib -o $(BUILD)/libtinysense-all.o $(LIB_OBJS)
	@bad=$$(nm -u --format=posix $(BUILD)/libtinysense-all.o | awk '{print $$1}' | \
		grep -v -E '^(memcpy|memset|memmove|__[a-zA-Z0-9_]+|_GLOBAL_OFFSET_TABLE_)$$' || true); \
	if [ -n "$$bad" ]; then echo "lib/ uses symbols outside its freestanding set:" $$bad; exit 1; fi; \
	echo "lib/ is freestanding: it needs only memcpy, memset and memmove"
