# ==== install: make install and make uninstall ================================
# Installs the binaries, plugins, lib/ and its headers, pkg-config files,
# examples, recordings, man pages, the default configuration and the
# systemd, sysusers, tmpfiles and D-Bus files (models and their pipelines:
# install-models, mk/models.mk); uninstall removes them again.
# Targets: install, uninstall.
.PHONY: install uninstall

# Where `make install` puts things (FHS; the defaults suit PREFIX=/usr, a
# distribution package: /usr/sbin/tinysensed, /usr/lib/tinysense/plugins,
# /usr/share/tinysense/models, /etc/tinysense, /usr/lib/systemd/system,
# /usr/lib/sysusers.d, /usr/lib/tmpfiles.d, /usr/share/dbus-1/...).  systemd
# also reads units, sysusers.d and tmpfiles.d under /usr/local/lib, but
# dbus-daemon reads policies only from /usr/share/dbus-1/system.d and
# /etc/dbus-1/system.d: with PREFIX=/usr/local pass
# DBUS_POLICYDIR=/etc/dbus-1/system.d.  LIBDIR takes a multiarch folder
# (debian/rules: /usr/lib/<triplet>); plugins stay in PLUGINDIR.  After a real
# install (no DESTDIR): systemd-sysusers; systemd-tmpfiles --create;
# systemctl daemon-reload.  Paths the daemon reads (PLUGINDIR, MODELDIR) are
# written into the installed tinysense.conf and tinysensed.service.
BINDIR          ?= $(PREFIX)/bin
SBINDIR         ?= $(PREFIX)/sbin
LIBDIR          ?= $(PREFIX)/lib
INCLUDEDIR      ?= $(PREFIX)/include
DATADIR         ?= $(PREFIX)/share
MANDIR          ?= $(DATADIR)/man
PKGCONFIGDIR    ?= $(LIBDIR)/pkgconfig
PLUGINDIR       ?= $(PREFIX)/lib/tinysense/plugins
MODELDIR        ?= $(DATADIR)/tinysense/models
SYSCONFDIR      ?= /etc
SYSTEMDUNITDIR  ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR     ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR     ?= $(PREFIX)/lib/tmpfiles.d
DBUS_POLICYDIR  ?= $(PREFIX)/share/dbus-1/system.d
DBUS_SERVICEDIR ?= $(PREFIX)/share/dbus-1/system-services

# Man pages: daemon/man/NAME.SECTION.  (Models and their pipelines:
# install-models in the models block, a prerequisite of install.)
MAN_PAGES   := $(wildcard daemon/man/*.[1-8])

# pkg-config files: $(1) name, $(2) description (tinysense.pc adds its Libs:).
define PC_FILE
prefix=$(PREFIX)
includedir=$(INCLUDEDIR)
libdir=$(LIBDIR)
plugindir=$(PLUGINDIR)
modeldir=$(MODELDIR)

Name: $(1)
Description: $(2)
Version: $(VERSION)
Cflags: -I$${includedir}
endef
export PC_TINYSENSE := $(call PC_FILE,tinysense,tinysense integer inference core (static library))
export PC_PLUGIN    := $(call PC_FILE,tinysense-plugin,tinysense sensor plugin ABI)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/tinysense $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(MODELDIR) \
		$(DESTDIR)$(DATADIR)/tinysense/examples $(DESTDIR)$(DATADIR)/tinysense/recordings
	install -m 0755 $(CTL) $(DESTDIR)$(BINDIR)/
	install -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0644 lib/include/tinysense/*.h plugins/include/tinysense/plugin.h \
		$(DESTDIR)$(INCLUDEDIR)/tinysense/
	printf '%s\nLibs: -L$${libdir} -ltinysense\n' "$$PC_TINYSENSE" > $(DESTDIR)$(PKGCONFIGDIR)/tinysense.pc
	printf '%s\n' "$$PC_PLUGIN" > $(DESTDIR)$(PKGCONFIGDIR)/tinysense-plugin.pc
	install -m 0644 config/examples/*.conf $(DESTDIR)$(DATADIR)/tinysense/examples/
	install -m 0644 models/recordings/*.wav models/recordings/*.csv \
		$(DESTDIR)$(DATADIR)/tinysense/recordings/
	set -e; for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	@# the daemon's settings: installed once, never overwritten
	install -d $(DESTDIR)$(SYSCONFDIR)/tinysense/pipelines.d
	[ -e $(DESTDIR)$(SYSCONFDIR)/tinysense/tinysense.conf ] || \
		sed -e 's|^PluginDir=.*|PluginDir=$(PLUGINDIR)|' -e 's|^ModelDir=.*|ModelDir=$(MODELDIR)|' \
		config/tinysense.conf > $(DESTDIR)$(SYSCONFDIR)/tinysense/tinysense.conf
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DBUS_POLICYDIR) $(DESTDIR)$(DBUS_SERVICEDIR)
	sed 's|^ExecStart=/usr/sbin/tinysensed|ExecStart=$(SBINDIR)/tinysensed|' systemd/tinysensed.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service
	install -m 0644 systemd/tinysensed.socket $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 systemd/tinysense.sysusers $(DESTDIR)$(SYSUSERSDIR)/tinysense.conf
	install -m 0644 systemd/tinysense.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tinysense.conf
	install -m 0644 systemd/org.tinysense1.conf $(DESTDIR)$(DBUS_POLICYDIR)/
	install -m 0644 systemd/org.tinysense1.service $(DESTDIR)$(DBUS_SERVICEDIR)/

# Removes what install put there, and the folders it made when they are left
# empty.  The configuration in SYSCONFDIR/tinysense is kept (like a package's
# conffiles on "remove"): only empty folders go.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tinysensectl $(DESTDIR)$(SBINDIR)/tinysensed \
		$(DESTDIR)$(LIBDIR)/libtinysense.a \
		$(DESTDIR)$(PKGCONFIGDIR)/tinysense.pc $(DESTDIR)$(PKGCONFIGDIR)/tinysense-plugin.pc
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/tinysense/,$(notdir $(wildcard lib/include/tinysense/*.h)) plugin.h)
	rm -f $(PLUGINS:$(BUILD)/plugins/%=$(DESTDIR)$(PLUGINDIR)/%)
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/tinysense/examples/,$(notdir $(wildcard config/examples/*.conf)))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/tinysense/recordings/,$(notdir $(wildcard models/recordings/*.wav models/recordings/*.csv)))
	rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/tinysensed.socket \
		$(DESTDIR)$(SYSUSERSDIR)/tinysense.conf $(DESTDIR)$(TMPFILESDIR)/tinysense.conf \
		$(DESTDIR)$(DBUS_POLICYDIR)/org.tinysense1.conf \
		$(DESTDIR)$(DBUS_SERVICEDIR)/org.tinysense1.service
	rmdir $(DESTDIR)$(INCLUDEDIR)/tinysense $(DESTDIR)$(PLUGINDIR) \
		$(DESTDIR)$(PREFIX)/lib/tinysense $(DESTDIR)$(MODELDIR) \
		$(DESTDIR)$(DATADIR)/tinysense/examples $(DESTDIR)$(DATADIR)/tinysense/recordings \
		$(DESTDIR)$(DATADIR)/tinysense \
		$(DESTDIR)$(SYSCONFDIR)/tinysense/pipelines.d $(DESTDIR)$(SYSCONFDIR)/tinysense \
		2>/dev/null || :
