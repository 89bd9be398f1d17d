# ==== plugins: sensor plugins and their unit tests ============================
# Builds plugins/NAME/*.c (but test_*.c) into $(BUILD)/plugins/NAME.so, a
# plugin's unit test plugins/NAME/test_NAME.c into
# $(BUILD)/tests/test_plugin_NAME, and the gpio plugin's test on umockdev
# into $(BUILD)/tests/test_plugin_gpio_umockdev (the tests run in `make test`,
# mk/tests.mk).  Libraries per plugin: the pkg-config packages
# PLUGIN_PKGS_NAME (and PLUGIN_TEST_PKGS_NAME for its test), plus any other
# flags in PLUGIN_LIBS_NAME.
# Targets: $(PLUGINS) (in all), $(PLUGIN_TESTS), $(GPIO_UMOCKDEV_TEST).
# (plugins/include is the ABI header, plugins/testing the tests' fake host.)
PLUGIN_NAMES := $(filter-out include testing,$(notdir $(patsubst %/,%,$(wildcard plugins/*/))))
PLUGINS      := $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.so)
PLUGIN_PKGS_iio  := libiio
PLUGIN_PKGS_alsa := alsa
PLUGIN_PKGS_gpio := libgpiod
PLUGIN_TEST_PKGS_alsa := alsa
PLUGIN_CFLAGS := -Iplugins/include -fvisibility=hidden -D_GNU_SOURCE
# A plugin's unit test, plugins/NAME/test_NAME.c, is linked with the plugin's
# sources and -Wl,--wrap= for each symbol in plugins/NAME/test_wraps (the
# library calls it fakes) and the fake host, plus PLUGIN_TEST_PKGS_NAME.
PLUGIN_TESTS := $(foreach p,$(PLUGIN_NAMES),$(if $(wildcard plugins/$(p)/test_$(p).c),$(BUILD)/tests/test_plugin_$(p)))
# Every plugin test runs on one fake host (plugins/testing), whose typed
# getters are the daemon's own code.
FAKE_HOST_SRCS := plugins/testing/fake_host.c daemon/common/plugin_getters.c \
	daemon/common/config_value.c daemon/common/value_parse.c
FAKE_HOST_DEPS := $(FAKE_HOST_SRCS) $(FAKE_HOST_SRCS:%.c=%.h)
FAKE_HOST_CFLAGS := -Iplugins/testing -Idaemon/common

# A plugin's sources are its folder's *.c except its tests (test_*.c).
$(BUILD)/plugins/%.so: $$(filter-out plugins/$$*/test_$$(PERCENT),$$(wildcard plugins/$$*/*.c)) \
		$$(wildcard plugins/$$*/*.h) plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) $(call pkg_cflags,$(PLUGIN_PKGS_$*)) -shared -o $@ \
		$(filter %.c,$^) $(LDFLAGS) $(call pkg_libs,$(PLUGIN_PKGS_$*)) $(PLUGIN_LIBS_$*)

$(BUILD)/tests/test_plugin_%: plugins/$$*/test_$$*.c \
		$$(filter-out plugins/$$*/test_$$(PERCENT),$$(wildcard plugins/$$*/*.c)) \
		$$(wildcard plugins/$$*/*.h) $$(wildcard plugins/$$*/test_wraps) \
		$(FAKE_HOST_DEPS) plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) $(FAKE_HOST_CFLAGS) \
		$(call pkg_cflags,$(PLUGIN_TEST_PKGS_$*) cmocka) -o $@ $(filter %.c,$^) $(LDFLAGS) \
		$(addprefix -Wl$(comma)--wrap=,$(shell cat plugins/$*/test_wraps 2>/dev/null)) \
		$(call pkg_libs,$(PLUGIN_TEST_PKGS_$*)) $(CMOCKA_LIBS)

# The gpio plugin with the real libgpiod on umockdev's ioctl emulation
# (plugins/gpio/test_gpio_umockdev.c, gpio.c compiled in, no wraps).  It
# must run under umockdev-wrapper: it re-executes itself under it, so the
# test runner runs it like any other test.
GPIO_UMOCKDEV_TEST := $(BUILD)/tests/test_plugin_gpio_umockdev
UMOCKDEV_PKGS      := umockdev-1.0 glib-2.0 gobject-2.0
$(GPIO_UMOCKDEV_TEST): plugins/gpio/test_gpio_umockdev.c plugins/gpio/gpio.c \
		$(FAKE_HOST_DEPS) \
		plugins/include/tinysense/plugin.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo '  CCLD    $@'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PLUGIN_CFLAGS) $(FAKE_HOST_CFLAGS) $(call pkg_cflags,$(UMOCKDEV_PKGS) libgpiod cmocka) \
		-o $@ $(filter %.c,$^) $(LDFLAGS) $(call pkg_libs,libgpiod $(UMOCKDEV_PKGS)) \
		$(CMOCKA_LIBS)
