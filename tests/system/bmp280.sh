# shellcheck shell=bash
# Sourced by run-in-vm.sh: a Bosch BMP280 on an emulated I2C bus.  The real
# bmp280 driver binds to a register-file chip (ts_i2c_regstub.ko, built by
# prepare.sh for this kernel) holding the chip id and the datasheet's
# calibration example (BST-BMP280-DS001, section 3.12: dig_T1..dig_P9 and
# the raw readings adc_T=519888, adc_P=415148, which compensate to
# 25.08 degC and 100653 Pa).
modprobe i2c-dev || return 1
insmod $P/ts_i2c_regstub.ko chips=0x76 || return 1
bus=
for a in /sys/bus/i2c/devices/i2c-*; do
	[ "$(cat "$a/name")" = "tinysense register stub" ] && bus=${a##*/i2c-}
done
[ -n "$bus" ] || { echo "no i2c adapter named 'tinysense register stub'"; return 1; }
set_regs() { # first-register byte...
	local r=$1; shift
	for b in "$@"; do i2cset -y "$bus" 0x76 "$r" "$b" || return 1; r=$((r + 1)); done
}
set_regs 0xd0 0x58 || return 1                  # chip id: BMP280
# dig_T1 27504, T2 26435, T3 -1000, P1 36477, P2 -10685, P3 3024, P4 2855,
# P5 140, P6 -7, P7 15500, P8 -14600, P9 6000 (little-endian words)
set_regs 0x88 0x70 0x6b 0x43 0x67 0x18 0xfc 0x7d 0x8e 0x43 0xd6 0xd0 0x0b \
	0x27 0x0b 0x8c 0x00 0xf9 0xff 0x8c 0x3c 0xf8 0xc6 0x70 0x17 || return 1
# press_msb..xlsb = 415148 << 4, temp_msb..xlsb = 519888 << 4
set_regs 0xf7 0x65 0x5a 0xc0 0x7e 0xed 0x00 || return 1
echo bmp280 0x76 >"/sys/bus/i2c/devices/i2c-$bus/new_device" || return 1
udevadm settle
iio=
for d in /sys/bus/iio/devices/iio:device*; do
	[ "$(cat "$d/name" 2>/dev/null)" = bmp280 ] && iio=$d
done
[ -n "$iio" ] || { echo "bmp280 did not probe (dmesg: $(dmesg | grep -i bmp280 | tail -n 3))"; return 1; }
echo "bmp280 at $iio: temp $(cat "$iio/in_temp_input") m°C, pressure $(cat "$iio/in_pressure_input") kPa"
