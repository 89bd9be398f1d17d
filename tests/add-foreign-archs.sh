#!/bin/sh
# Adds foreign dpkg architectures (multiarch) for cross builds, e.g.
# `add-foreign-archs.sh arm64 armhf`, and refreshes the package lists.  An
# architecture whose package lists cannot be fetched is removed again, so a
# failing mirror never leaves apt-get update broken for everything else.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
LOCK="-o DPkg::Lock::Timeout=900"
added=""
for arch in "$@"; do
	dpkg --print-foreign-architectures | grep -qx "$arch" && continue
	echo "adding dpkg architecture $arch"
	$SUDO dpkg --add-architecture "$arch"
	added="$added $arch"
done
[ -z "$added" ] && exit 0
# shellcheck disable=SC2086
if ! $SUDO apt-get $LOCK update -qq; then
	for arch in $added; do $SUDO dpkg --remove-architecture "$arch"; done
	# shellcheck disable=SC2086
	$SUDO apt-get $LOCK update -qq || :
	echo "add-foreign-archs: apt-get update failed with$added added; removed again" >&2
	exit 1
fi
