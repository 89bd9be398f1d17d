#!/bin/bash
# The whole-system test (make check-system): Debian 12 arm64 with systemd and
# the system bus, booted under qemu-system-aarch64 (TCG, -M virt, cortex-a72)
# with Debian's arm64 kernel; the arm64 tinysense package installed in it;
# run-in-vm.sh drives the real kernel drivers, systemd and dbus-daemon.
#
# usage: run.sh CACHE DEBDIR SHARED [TIMEOUT_SECONDS]
#   CACHE   build/system: kernel, initramfs, root image (prepare.sh, kept)
#   DEBDIR  holds tinysense_*_arm64.deb
#   SHARED  ../shared: conformance/hello-world.tflite (the bmp280 pipeline's model)
set -euo pipefail
CACHE=$1
DEBDIR=$2
SHARED=$3
TIMEOUT=${4:-600}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
start=$(date +%s)

deb=$(ls "$DEBDIR"/tinysense_*_arm64.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || { echo "check-system: no tinysense_*_arm64.deb in $DEBDIR (make deb-cross)"; exit 1; }
model=$SHARED/conformance/hello-world.tflite
[ -f "$model" ] || { echo "check-system: no $model"; exit 1; }

"$HERE/prepare.sh" "$CACHE"
prepared=$(date +%s)

# The second disk: what the test needs, and room for its results.
RUN=$CACHE/run
rm -rf "$RUN"
mkdir -p "$RUN/payload/results"
cp "$deb" "$HERE/run-in-vm.sh" "$RUN/payload/"
cp "$ROOT/models/recordings/demo_yes_no.wav" "$RUN/payload/"
# The bmp280 on the register stub, through the iio plugin, into the
# hello-world model.
cp "$HERE/bmp280.sh" "$HERE/baro.conf" "$CACHE/ts_i2c_regstub.ko" "$RUN/payload/"
cp "$model" "$RUN/payload/hello_world.tflite"
mkfs.ext4 -q -F -L ts-payload -d "$RUN/payload" "$RUN/payload.ext4" 64M

echo "check-system: booting Debian arm64 ($(ls "$CACHE"/kernel/lib/modules)) with $(basename "$deb"), timeout ${TIMEOUT}s"
echo "check-system: console log $RUN/console.log"
rc=0
timeout -k 10 "$TIMEOUT" qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 \
	-nographic -monitor none -no-reboot -nic none \
	-kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.gz" \
	-append "console=ttyAMA0 panic=-1 systemd.show_status=0 loglevel=4" \
	-drive file="$CACHE/rootfs.ext4",if=none,format=raw,id=root,snapshot=on \
	-device virtio-blk-device,drive=root \
	-drive file="$RUN/payload.ext4",if=none,format=raw,id=payload \
	-device virtio-blk-device,drive=payload \
	>"$RUN/console.log" 2>&1 || rc=$?
end=$(date +%s)

# Results: read from the payload disk without mounting it.
rm -rf "$RUN/results"
debugfs -R "rdump /results $RUN" "$RUN/payload.ext4" >/dev/null 2>&1 || :
status=$(cat "$RUN/results/status" 2>/dev/null || echo "no result (qemu exit $rc)")
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	status="$status; the VM did not power off within ${TIMEOUT}s"
fi
if [ -s "$RUN/results/log" ]; then
	cat "$RUN/results/log"
else
	echo "---- console (last 60 lines)"
	tail -n 60 "$RUN/console.log"
fi
echo "check-system: prepare $((prepared - start)) s, boot + test $((end - prepared)) s"
if [ "$status" != PASS ]; then
	echo "check-system: FAILED: $status"
	echo "  VM journal: $RUN/results/journal.txt; console: $RUN/console.log"
	if [ -s "$RUN/results/journal.txt" ] && ! grep -q 'tinysensed journal' "$RUN/results/log" 2>/dev/null; then
		echo "---- VM journal (last 80 lines)"
		tail -n 80 "$RUN/results/journal.txt"
	fi
	exit 1
fi
echo "check-system: PASS"
