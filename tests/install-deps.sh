#!/bin/sh
# Installs the Debian packages named on the command line that are missing.
# Uses sudo when not root.  Does nothing when all are present.
set -eu
missing=""
for pkg in "$@"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "installing build dependencies:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (a parallel make, unattended-upgrades) to finish.
LOCK="-o DPkg::Lock::Timeout=900"
# shellcheck disable=SC2086
$SUDO apt-get $LOCK update -qq
# shellcheck disable=SC2086
$SUDO apt-get $LOCK install -y -qq --no-install-recommends $missing
