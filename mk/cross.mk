# ==== cross: same bytes on x86-64, aarch64 and armhf (tests/cross/) =========
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
# (../shared/tools/qemu-insncount) for ref, neon and dotprod.  `make cross`
# also builds the daemon, tinysensectl and the plugins for both
# architectures (cross-daemon, mk/packaging.mk), and check-cross runs the
# cross-built tinysensectl and tinysensed under qemu-user.
# Targets: cross, cross-deps, check-cross, check-cross-freestanding,
# check-cross-baseline, bench-arm.
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
