# ==== mcu: the same core on Cortex-M under qemu-system-arm (tests/mcu/) ======
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
# Targets: mcu, mcu-deps, mcu-check, mcu-run, mcu-size, mcu-insns.
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
