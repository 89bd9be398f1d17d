#!/bin/bash
# Builds the tinysense .deb packages for one architecture and checks them
# with lintian.  Natively when ARCH is the build machine's, else as a
# multiarch cross build (dpkg-buildpackage -a ARCH -P cross,nocheck), which
# needs the :ARCH -dev packages of debian/control's Build-Depends.
# usage: build-deb.sh OUTDIR ARCH
set -euo pipefail
OUT=$1
ARCH=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
WORK=$OUT/src-$ARCH
SRC=$WORK/tinysense-$VERSION

rm -rf "$WORK"
mkdir -p "$SRC"
# The tree without build output or git metadata.
tar -C "$ROOT" -c --exclude=./build --exclude=./.git . | tar -x -C "$SRC"
if [ "$ARCH" = "$(dpkg --print-architecture)" ]; then
	opts=(-b)
	what="native $ARCH"
else
	opts=(-B -a"$ARCH" "-Pcross,nocheck")
	what="cross $ARCH"
fi
echo "build-deb: dpkg-buildpackage ($what), log $WORK/build.log"
start=$(date +%s)
if ! (cd "$SRC" && dpkg-buildpackage "${opts[@]}" -us -uc) >"$WORK/build.log" 2>&1; then
	tail -n 40 "$WORK/build.log"
	echo "build-deb: dpkg-buildpackage ($what) failed; full log: $WORK/build.log"
	exit 1
fi
echo "build-deb: built in $(( $(date +%s) - start )) s"
mkdir -p "$OUT"
changes=$WORK/tinysense_${VERSION}_$ARCH.changes
for f in $(sed -n '/^Files:/,/^[A-Z]/s/^ [0-9a-f]\{32\} [0-9]* [^ ]* [^ ]* \(.*\)$/\1/p' "$changes"); do
	mv "$WORK/$f" "$OUT/"
done
mv "$changes" "$OUT/"
for deb in "$OUT"/*_"$VERSION"_"$ARCH".deb; do
	file=$(dpkg-deb -c "$deb" | grep -c . || :)
	echo "  $(basename "$deb"): $file entries, $(stat -c %s "$deb") bytes"
done
# lintian: errors fail the build; warnings and info are listed.
echo "build-deb: lintian $OUT/tinysense_${VERSION}_$ARCH.changes"
lintian --no-cfg --display-info --fail-on error "$OUT/tinysense_${VERSION}_$ARCH.changes" |
	tee "$OUT/lintian-$ARCH.txt"
echo "build-deb: lintian ($ARCH): $(grep -c '^E:' "$OUT/lintian-$ARCH.txt" || :) errors," \
	"$(grep -c '^W:' "$OUT/lintian-$ARCH.txt" || :) warnings"
