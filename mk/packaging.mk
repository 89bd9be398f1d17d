# ==== packaging: cross daemon, man pages, install check, .deb, system VM =====
# `make cross-daemon` (part of `make cross`) builds tinysensed, tinysensectl
# and the plugins for aarch64 and armhf: this same Makefile run with the
# Debian cross compiler (CC with --sysroot, AR) against a Debian sysroot of
# the -dev packages (tests/make-sysroot.sh), with pkg-config reading the
# sysroot's .pc files (cross_pkg_config), objects in $(BUILD)/ARCH/full,
# binaries copied to $(BUILD)/ARCH/.
# `make deb` builds the .deb packages natively, `make deb-cross` for arm64 and
# armhf (dpkg-buildpackage -a), into $(BUILD)/deb/, and runs lintian on them.
# `make check-system` boots Debian arm64 under qemu-system-aarch64 with the
# arm64 package installed (tests/system/README.md).
# Targets: cross-daemon (cross-daemon-aarch64, cross-daemon-armhf),
# cross-daemon-deps, check-man, check-install, deb, deb-cross, deb-deps,
# check-packaging, check-system, system-deps.
CROSS_TRIPLET_aarch64 := aarch64-linux-gnu
CROSS_TRIPLET_armhf   := arm-linux-gnueabihf
CROSS_DEBARCH_aarch64 := arm64
CROSS_DEBARCH_armhf   := armhf
# -dev packages the daemon and plugins link with, per foreign architecture.
CROSS_DAEMON_DEV := libsystemd-dev libjson-c-dev libinih-dev libiio-dev libasound2-dev libgpiod-dev
# pkgconf: debian/rules passes PKG_CONFIG=TRIPLET-pkg-config (pkgconf:ARCH
# for a cross build).
DEB_TOOLS        := dpkg-dev debhelper lintian pkgconf
MAN_DEPS         := groff-base man-db
SYSTEM_DEPS      := debootstrap qemu-system-arm qemu-user-static e2fsprogs cpio
SYSTEM_CACHE     ?= $(BUILD)/system
SYSTEM_TIMEOUT   ?= 600
DEB_DIR          := $(BUILD)/deb

.PHONY: cross-daemon cross-daemon-deps check-man check-install deb deb-cross deb-deps \
	check-packaging check-system system-deps

# Adds the foreign architectures (dpkg --add-architecture) and installs the
# cross compilers and the :arm64/:armhf -dev packages: what dpkg-buildpackage
# -a needs (make deb-cross).
cross-daemon-deps: $(CROSS_ARCHS:%=cross-daemon-deps-%)

# $(1): aarch64 or armhf.  The daemon's cross build links against a Debian
# sysroot in $(BUILD)/ARCH/sysroot (tests/make-sysroot.sh: the -dev packages
# unpacked, no multiarch on the build machine), so it works whatever the
# mirror's foreign indices are.
# $(call cross_pkg_config,ARCH): the build machine's pkg-config on ARCH's
# sysroot (its .pc files only; -I and -L under the sysroot).
cross_pkg_config = $(call cross_pkg_config_in,$(abspath $(BUILD)/$(1)/sysroot),$(CROSS_TRIPLET_$(1)))
cross_pkg_config_in = env PKG_CONFIG_SYSROOT_DIR=$(1) \
	PKG_CONFIG_LIBDIR=$(1)/usr/lib/$(2)/pkgconfig:$(1)/usr/share/pkgconfig $(PKG_CONFIG)

define CROSS_DAEMON_RULES
.PHONY: cross-daemon-deps-$(1) cross-daemon-$(1)
cross-daemon-deps-$(1): cross-deps
	@./tests/add-foreign-archs.sh $(CROSS_DEBARCH_$(1))
	@./tests/install-deps.sh crossbuild-essential-$(CROSS_DEBARCH_$(1)) \
		$(CROSS_DAEMON_DEV:%=%:$(CROSS_DEBARCH_$(1))) pkgconf:$(CROSS_DEBARCH_$(1))

$(BUILD)/$(1)/sysroot/.complete: tests/make-sysroot.sh | cross-deps
	@./tests/install-deps.sh debootstrap
	@./tests/make-sysroot.sh $(CROSS_DEBARCH_$(1)) $(BUILD)/$(1)/sysroot libc6-dev $(CROSS_DAEMON_DEV)

cross-daemon-$(1): $(BUILD)/$(1)/sysroot/.complete
	$$(MAKE) BUILD=$(BUILD)/$(1)/full \
		CC="$(CROSS_TRIPLET_$(1))-gcc --sysroot=$(abspath $(BUILD)/$(1)/sysroot)" \
		AR=$(CROSS_TRIPLET_$(1))-ar PKG_CONFIG="$(call cross_pkg_config,$(1))" all
	@mkdir -p $(BUILD)/$(1)/plugins
	$$(Q)cp -p $(BUILD)/$(1)/full/tinysensed $(BUILD)/$(1)/full/tinysensectl $(BUILD)/$(1)/
	$$(Q)cp -p $(BUILD)/$(1)/full/plugins/*.so $(BUILD)/$(1)/plugins/
	@file $(BUILD)/$(1)/tinysensed | sed 's/, BuildID.*//'
endef
$(foreach a,$(CROSS_ARCHS),$(eval $(call CROSS_DAEMON_RULES,$(a))))

cross-daemon: $(CROSS_ARCHS:%=cross-daemon-%)

# `make cross` also builds the daemon, tinysensectl and the plugins for each
# architecture (build/aarch64/, build/armhf/).
cross: cross-daemon

# Man pages: groff's own warnings (all of them) and man's, as errors.
check-man:
	@./tests/install-deps.sh $(MAN_DEPS)
	@./tests/check-man.sh $(MAN_PAGES)

# make install and make uninstall into a temporary DESTDIR, for PREFIX=/usr
# and /usr/local: every file in its FHS place, nothing left after uninstall
# but the kept configuration.
check-install: all
	@./tests/check-install.sh $(MAKE) $(BUILD)

deb-deps:
	@./tests/install-deps.sh $(DEB_TOOLS)

# tests/build-deb.sh runs dpkg-buildpackage on a copy of the tree (it writes
# the packages into the parent folder and runs `debian/rules clean`), moves
# the packages to $(DEB_DIR) and runs lintian on them (errors fail).  The
# -dev packages are debian/control's Build-Depends.
deb: deb-deps
	@./tests/install-deps.sh $(CROSS_DAEMON_DEV)
	@./tests/build-deb.sh $(DEB_DIR) $(shell dpkg --print-architecture)

deb-cross: deb-deps cross-daemon-deps
	@set -e; for a in $(foreach a,$(CROSS_ARCHS),$(CROSS_DEBARCH_$(a))); do \
		./tests/build-deb.sh $(DEB_DIR) $$a; done

# In `make check`: man pages, install/uninstall, the native packages and the
# arm64 cross-built ones, lintian-clean.  (armhf: `make deb-cross`.)
check-packaging:
	$(MAKE) check-man
	$(MAKE) check-install
	$(MAKE) deb
	$(MAKE) deb-cross CROSS_ARCHS=aarch64

system-deps:
	@./tests/install-deps.sh $(SYSTEM_DEPS)
	@./tests/add-foreign-archs.sh arm64

# The arm64 package booted in a whole Debian system (root file system cached
# in $(SYSTEM_CACHE); delete it to rebuild from scratch).
check-system: system-deps
	$(MAKE) deb-cross CROSS_ARCHS=aarch64
	@./tests/system/run.sh $(SYSTEM_CACHE) $(DEB_DIR) $(SHARED) $(SYSTEM_TIMEOUT)
