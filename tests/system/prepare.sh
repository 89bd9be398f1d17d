#!/bin/bash
# Builds, once, what the whole-system test boots, into CACHE (build/system):
#   vmlinuz      Debian's arm64 kernel (linux-image-arm64's current package)
#   initrd.gz    busybox-static (arm64) + the modules that mount an ext4 virtio disk
#   rootfs.ext4  Debian 12 arm64 minbase with systemd, dbus, udev and the
#                libraries and tools the test uses, its kernel modules installed
# Each piece is rebuilt only when missing; delete CACHE to start from
# scratch.  Needs root (debootstrap, chroot, binfmt_misc).
#
# usage: prepare.sh CACHE
set -euo pipefail
CACHE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${TS_SYSTEM_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
STAGE2_TIMEOUT=${TS_SYSTEM_STAGE2_TIMEOUT:-1200}
# What the VM needs beyond minbase: init and the system bus, module loading,
# the dependencies of the tinysense package (dpkg -i has no network),
# and the tools the test drives the kernel with.
INCLUDE=systemd,systemd-sysv,dbus,udev,kmod,procps,libsystemd0,libjson-c5,libinih1,libiio0,libasound2,libgpiod2,alsa-utils,i2c-tools,libiio-utils

mkdir -p "$CACHE"
cd "$CACHE"
log() { echo "prepare: $*"; }

# ---- kernel ------------------------------------------------------------------
if [ ! -s vmlinuz ] || [ ! -d kernel ]; then
	# linux-image-arm64 is the metapackage; its dependency names the kernel.
	pkg=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-arm64\).*/\1/p' | head -n1)
	[ -n "$pkg" ] || { echo "prepare: cannot resolve linux-image-arm64 (is arm64 added with dpkg --add-architecture?)"; exit 1; }
	log "downloading $pkg"
	rm -rf kernel dl && mkdir -p dl && chmod 777 dl
	(cd dl && apt-get download "$pkg:arm64" busybox-static:arm64)
	dpkg-deb -x dl/linux-image-*.deb kernel
	cp kernel/boot/vmlinuz-* vmlinuz.tmp && mv vmlinuz.tmp vmlinuz
fi
KVER=$(ls kernel/lib/modules)

# ---- initramfs -----------------------------------------------------------------
if [ ! -s initrd.gz ] || [ "$HERE/initramfs-init" -nt initrd.gz ]; then
	log "initramfs for $KVER"
	rm -rf initramfs && mkdir -p initramfs/bin initramfs/modules initramfs/proc initramfs/sys \
		initramfs/dev initramfs/newroot
	dpkg-deb -x dl/busybox-static_*.deb bb
	cp bb/bin/busybox initramfs/bin/busybox
	ln -s busybox initramfs/bin/sh
	rm -rf bb
	# In load order: virtio-mmio disk, then ext4 and what it needs (crc32c for
	# metadata checksums is not a declared dependency: load it by hand).
	mods="virtio_mmio virtio_blk crc16 mbcache jbd2 crc32c_generic ext4"
	for m in $mods; do
		f=$(find "kernel/lib/modules/$KVER" -name "$m.ko*")
		[ -n "$f" ] || { echo "prepare: module $m not in $KVER"; exit 1; }
		case $f in *.xz) xz -dc "$f" > "initramfs/modules/$m.ko" ;; *) cp "$f" "initramfs/modules/$m.ko" ;; esac
	done
	echo "$mods" | tr ' ' '\n' > initramfs/modules.list
	install -m 0755 "$HERE/initramfs-init" initramfs/init
	(cd initramfs && find . | cpio -o -H newc --quiet) | gzip -1 > initrd.gz.tmp
	mv initrd.gz.tmp initrd.gz
fi

# ---- the I2C register stub module (Debian's arm64 kernel has no i2c-stub) ----------
# Built out of tree against the kernel's headers package (arm64) with the
# build machine's kbuild tools (linux-kbuild, Multi-Arch: foreign) and the
# aarch64 cross compiler, all unpacked into kbuild/ (nothing installed).
if [ ! -s ts_i2c_regstub.ko ] || [ "$HERE/i2c-regstub/ts_i2c_regstub.c" -nt ts_i2c_regstub.ko ]; then
	hdr=linux-headers-$KVER
	if [ ! -d kbuild/usr/src/$hdr ]; then
		log "kernel headers for $KVER"
		common=$(apt-cache depends "$hdr:arm64" | sed -n 's/.*Depends: <\?\(linux-headers-[^:>]*-common\).*/\1/p' | head -n1)
		kb=$(apt-cache depends "$hdr:arm64" | sed -n 's/.*Depends: <\?\(linux-kbuild-[0-9.]*\).*/\1/p' | head -n1)
		[ -n "$common" ] && [ -n "$kb" ] || { echo "prepare: cannot resolve the headers of $hdr"; exit 1; }
		rm -rf kbuild dl-kbuild && mkdir -p dl-kbuild && chmod 777 dl-kbuild
		(cd dl-kbuild && apt-get download "$hdr:arm64" "$common" "$kb")
		for f in dl-kbuild/*.deb; do dpkg-deb -x "$f" kbuild; done
		# The arch Makefile includes the common one by its absolute path.
		sed -i "s|include /usr/src/|include $PWD/kbuild/usr/src/|" "kbuild/usr/src/$hdr/Makefile"
	fi
	log "ts_i2c_regstub.ko"
	rm -rf regstub && cp -r "$HERE/i2c-regstub" regstub
	make -s -C "kbuild/usr/src/$hdr" M="$PWD/regstub" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- DEB_BUILD_ARCH="$(dpkg --print-architecture)" DEB_HOST_ARCH=arm64 \
		DEB_HOST_GNU_TYPE=aarch64-linux-gnu modules >regstub.log 2>&1 ||
		{ cat regstub.log; echo "prepare: building ts_i2c_regstub.ko failed"; exit 1; }
	cp regstub/ts_i2c_regstub.ko ts_i2c_regstub.ko
fi

# ---- root file system -------------------------------------------------------------
# debootstrap's second stage runs arm64 programs (dpkg, maintainer scripts):
# in a chroot, through qemu-aarch64-static registered with binfmt_misc for
# the duration of that stage only (flag F: the interpreter is opened now,
# so the chroot needs no copy of it).  Under full-system emulation the same
# stage takes over 25 minutes on a busy 2-core machine; this takes minutes.
BINFMT=/proc/sys/fs/binfmt_misc
BINFMT_NAME=tinysense-aarch64
binfmt_mounted=
mounts=()
cleanup_chroot() {
	local m
	for ((m = ${#mounts[@]} - 1; m >= 0; m--)); do umount -l "${mounts[m]}" 2>/dev/null || :; done
	mounts=()
	[ -e "$BINFMT/$BINFMT_NAME" ] && echo -1 >"$BINFMT/$BINFMT_NAME"
	[ -n "$binfmt_mounted" ] && umount "$BINFMT" 2>/dev/null
	binfmt_mounted=
}
# A changed package list rebuilds the image.
[ "$(cat rootfs.ok 2>/dev/null)" = "$INCLUDE" ] || rm -f rootfs.ok
if [ ! -e rootfs.ok ]; then
	trap cleanup_chroot EXIT
	rm -rf rootfs rootfs.ext4
	log "debootstrap first stage ($SUITE arm64 minbase)"
	debootstrap --foreign --arch=arm64 --variant=minbase --include="$INCLUDE" \
		"$SUITE" rootfs "$MIRROR" > debootstrap.log 2>&1 ||
		{ tail -n 30 debootstrap.log; echo "prepare: debootstrap failed (log: $CACHE/debootstrap.log)"; exit 1; }
	cp -a kernel/lib/modules rootfs/lib/
	# --foreign may leave /proc a symbolic link to the host's.
	rm -f rootfs/proc && mkdir -p rootfs/proc
	if [ ! -e "$BINFMT/register" ]; then
		mount -t binfmt_misc binfmt_misc "$BINFMT" ||
			{ echo "prepare: cannot mount binfmt_misc (needed once, for debootstrap's second stage)"; exit 1; }
		binfmt_mounted=1
	fi
	[ -e "$BINFMT/$BINFMT_NAME" ] && echo -1 >"$BINFMT/$BINFMT_NAME"
	# ELF64, little-endian, EM_AARCH64 (0xb7), executable or shared object.
	printf '%s' ":$BINFMT_NAME:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F" \
		>"$BINFMT/register"
	for d in proc sys dev; do
		mount --bind "/$d" "rootfs/$d" && mounts+=("$PWD/rootfs/$d")
	done
	log "debootstrap second stage (qemu-aarch64-static, timeout ${STAGE2_TIMEOUT}s)"
	if ! timeout -k 10 "$STAGE2_TIMEOUT" chroot rootfs /debootstrap/debootstrap --second-stage \
		>stage2.log 2>&1; then
		tail -n 30 stage2.log
		tail -n 30 rootfs/debootstrap/debootstrap.log 2>/dev/null
		echo "prepare: debootstrap second stage failed (log: $CACHE/stage2.log)"
		exit 1
	fi
	chroot rootfs /sbin/depmod -a "$KVER" || { echo "prepare: depmod failed"; exit 1; }
	cleanup_chroot
	trap - EXIT
	echo tinysense-vm > rootfs/etc/hostname
	printf 'LABEL=tinysense-root / ext4 rw,errors=remount-ro 0 1\n' > rootfs/etc/fstab
	# The test unit: runs /payload/run-in-vm.sh from the second disk, then powers off.
	mkdir -p rootfs/etc/systemd/system/multi-user.target.wants rootfs/payload
	install -m 0644 "$HERE/tinysense-system-test.service" rootfs/etc/systemd/system/
	ln -sf ../tinysense-system-test.service \
		rootfs/etc/systemd/system/multi-user.target.wants/tinysense-system-test.service
	# No login prompts, no clock sync in the VM.
	ln -sf /dev/null rootfs/etc/systemd/system/serial-getty@ttyAMA0.service
	ln -sf /dev/null rootfs/etc/systemd/system/getty@tty1.service
	ln -sf /dev/null rootfs/etc/systemd/system/systemd-timesyncd.service
	rm -f rootfs/var/cache/apt/archives/*.deb
	log "root image"
	mkfs.ext4 -q -F -L tinysense-root -d rootfs rootfs.ext4 1200M
	rm -rf rootfs
	echo "$INCLUDE" >rootfs.ok
fi
# The test unit changed since the image was built: replace it in the image.
if [ "$HERE/tinysense-system-test.service" -nt rootfs.ok ]; then
	log "updating tinysense-system-test.service in the image"
	unit=/etc/systemd/system/tinysense-system-test.service
	debugfs -w -R "rm $unit" rootfs.ext4 >/dev/null 2>&1
	debugfs -w -R "write $HERE/tinysense-system-test.service $unit" rootfs.ext4 >/dev/null 2>&1
	[ "$(debugfs -R "cat $unit" rootfs.ext4 2>/dev/null)" = "$(cat "$HERE/tinysense-system-test.service")" ] ||
		{ echo "prepare: could not update $unit in rootfs.ext4"; exit 1; }
	touch rootfs.ok
fi
log "ready: $CACHE/{vmlinuz,initrd.gz,rootfs.ext4} ($KVER)"
