#!/bin/bash
# make install / make uninstall into a temporary DESTDIR.
#   PREFIX=/usr: every file in its FHS place; the pkg-config files build a
#   program against libtinysense and a plugin against the plugin ABI; the
#   installed units, D-Bus policy, sysusers and tmpfiles are the project's.
#   PREFIX=/usr/local: paths the daemon reads follow the prefix.
#   uninstall leaves only the configuration (kept, like a package's conffiles).
# usage: check-install.sh MAKE BUILD
set -euo pipefail
MAKE=$1
BUILD=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "check-install: $*"; exit 1; }

D=$T/usr-root
$MAKE -s install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "make install PREFIX=/usr failed"; }
for f in usr/bin/tinysensectl usr/sbin/tinysensed \
	usr/lib/tinysense/plugins/iio.so usr/lib/tinysense/plugins/alsa.so \
	usr/lib/tinysense/plugins/gpio.so \
	usr/lib/libtinysense.a usr/include/tinysense/tinysense.h usr/include/tinysense/plugin.h \
	usr/lib/pkgconfig/tinysense.pc usr/lib/pkgconfig/tinysense-plugin.pc \
	etc/tinysense/tinysense.conf \
	usr/lib/systemd/system/tinysensed.service usr/lib/systemd/system/tinysensed.socket \
	usr/lib/sysusers.d/tinysense.conf usr/lib/tmpfiles.d/tinysense.conf \
	usr/share/dbus-1/system.d/org.tinysense1.conf \
	usr/share/dbus-1/system-services/org.tinysense1.service \
	usr/share/man/man8/tinysensed.8 usr/share/man/man1/tinysensectl.1 \
	usr/share/man/man5/tinysense.conf.5 usr/share/man/man7/tinysense-plugin.7 \
	usr/share/tinysense/examples/replay.conf; do
	[ -f "$D/$f" ] || fail "PREFIX=/usr: $f not installed"
done
[ -d "$D/etc/tinysense/pipelines.d" ] || fail "no /etc/tinysense/pipelines.d"
[ -d "$D/usr/share/tinysense/models" ] || fail "no /usr/share/tinysense/models"
for m in models/*.tflite models/*.labels; do
	[ -e "$m" ] || continue
	[ -f "$D/usr/share/tinysense/models/$(basename "$m")" ] || fail "model $m not installed"
done
cmp -s systemd/org.tinysense1.conf "$D/usr/share/dbus-1/system.d/org.tinysense1.conf" ||
	fail "installed D-Bus policy differs from systemd/org.tinysense1.conf"
cmp -s systemd/tinysense.sysusers "$D/usr/lib/sysusers.d/tinysense.conf" ||
	fail "installed sysusers.d differs from systemd/tinysense.sysusers"
grep -qx 'ExecStart=/usr/sbin/tinysensed' "$D/usr/lib/systemd/system/tinysensed.service" ||
	fail "PREFIX=/usr: ExecStart is not /usr/sbin/tinysensed"
[ "$(stat -c %a "$D/usr/sbin/tinysensed")" = 755 ] || fail "tinysensed is not mode 0755"

# The pkg-config files, used the way a developer would (sysroot = DESTDIR).
export PKG_CONFIG_PATH="$D/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
cat >"$T/use_lib.c" <<'C'
#include <tinysense/tinysense.h>
int main(void) { return ts_status_str(TS_OK) ? 0 : 1; }
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$T/use_lib" "$T/use_lib.c" $(pkg-config --cflags --libs tinysense) ||
	fail "cannot build against libtinysense with pkg-config --cflags --libs tinysense"
"$T/use_lib" || fail "program linked with the installed libtinysense.a failed"
cat >"$T/plugin.c" <<'C'
#include <tinysense/plugin.h>
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -fPIC -shared -o "$T/plugin.so" "$T/plugin.c" \
	$(pkg-config --cflags tinysense-plugin) || fail "plugin.h does not build with tinysense-plugin.pc"
[ "$(pkg-config --variable=plugindir tinysense-plugin)" = "$D/usr/lib/tinysense/plugins" ] ||
	fail "tinysense-plugin.pc plugindir is $(pkg-config --variable=plugindir tinysense-plugin)"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# The configuration is installed once and kept: edit it, install again.
echo '# edited' >>"$D/etc/tinysense/tinysense.conf"
$MAKE -s install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; fail "second make install failed"; }
grep -q '^# edited' "$D/etc/tinysense/tinysense.conf" || fail "make install overwrote tinysense.conf"

$MAKE -s uninstall DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >"$T/uninstall.log" 2>&1 ||
	{ cat "$T/uninstall.log"; fail "make uninstall failed"; }
left=$(cd "$D" && find . -type f | sort)
[ "$left" = "./etc/tinysense/tinysense.conf" ] ||
	fail "after uninstall, expected only ./etc/tinysense/tinysense.conf, found: $left"
for d in usr/lib/tinysense usr/share/tinysense usr/include/tinysense; do
	[ ! -e "$D/$d" ] || fail "uninstall left $d"
done

# PREFIX=/usr/local: the unit and the configuration point into the prefix.
L=$T/local-root
$MAKE -s install DESTDIR="$L" PREFIX=/usr/local DBUS_POLICYDIR=/etc/dbus-1/system.d \
	BUILD="$BUILD" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "make install PREFIX=/usr/local failed"; }
grep -qx 'ExecStart=/usr/local/sbin/tinysensed' "$L/usr/local/lib/systemd/system/tinysensed.service" ||
	fail "PREFIX=/usr/local: ExecStart not rewritten"
grep -qx 'PluginDir=/usr/local/lib/tinysense/plugins' "$L/etc/tinysense/tinysense.conf" ||
	fail "PREFIX=/usr/local: PluginDir not rewritten"
grep -qx 'ModelDir=/usr/local/share/tinysense/models' "$L/etc/tinysense/tinysense.conf" ||
	fail "PREFIX=/usr/local: ModelDir not rewritten"
[ -f "$L/etc/dbus-1/system.d/org.tinysense1.conf" ] || fail "DBUS_POLICYDIR not honoured"
[ -f "$L/usr/local/lib/tinysense/plugins/iio.so" ] || fail "PREFIX=/usr/local: plugins not in lib/tinysense/plugins"
echo "check-install: PREFIX=/usr and /usr/local install, pkg-config use, kept config and uninstall OK"
