#!/bin/sh
# make-sysroot.sh DEBARCH DIR PKG...: a Debian bookworm sysroot for cross
# builds.  debootstrap (download only: no root needed) fetches a minimal
# DEBARCH system plus PKG... (the -dev packages the daemon and plugins link
# with) and every package is unpacked into DIR: nothing configured, nothing
# run.  Used by `make cross-daemon` with
# `gcc --sysroot=DIR`, so cross builds need neither dpkg --add-architecture on
# the build machine nor a mirror whose foreign indices match the host's
# versions.  DIR/.complete marks a finished sysroot; rerunning skips it.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 DEBARCH DIR PKG..." >&2; exit 2; }
arch=$1 dir=$2
shift 2
mirror=${TS_SYSROOT_MIRROR:-http://deb.debian.org/debian}
[ -e "$dir/.complete" ] && exit 0
rm -rf "$dir"
mkdir -p "$dir"
echo "sysroot: debootstrap bookworm $arch into $dir"
include=$(echo "$@" | tr ' ' ',')
if ! debootstrap --download-only --arch="$arch" --variant=minbase --include="$include" \
		bookworm "$dir" "$mirror" > "$dir.log" 2>&1; then
	tail -n 20 "$dir.log"
	echo "sysroot: debootstrap failed (log: $dir.log)" >&2
	exit 1
fi
for deb in "$dir"/var/cache/apt/archives/*.deb; do
	dpkg-deb -x "$deb" "$dir"
done
touch "$dir/.complete"
