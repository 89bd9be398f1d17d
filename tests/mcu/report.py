#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Footprint and cost of the Cortex-M firmware images (make mcu-size, mcu-insns).

  report.py size  MCU_DIR MODEL_DIR TIMEOUT "BOARD..." NAME...
      For every board and model: flash and RAM of the smallest program that
      runs the model (BOARD/footprint/NAME.elf, the model's own operators),
      split by where the bytes come from (lib/, libgcc, libc, the board
      layer, the program) from its linker map; the model's bytes; and the
      arena and stack peak the image reports when run under QEMU.  Also the
      lib/ code of the conformance image, which registers every operator.

  report.py insns MCU_DIR PLUGIN TIMEOUT "BOARD..." "KERNELS..." SET:NAME...
      Guest instructions of one inference (model cases, with each kernel
      set) or one feature frame (front-end cases): the check image run in
      bench mode with 2 and with 1 iteration under the instruction-counting
      plugin; the difference is exact (qemu-system counts repeat exactly).
"""
import os
import re
import subprocess
import sys
import tempfile

FLASH_SECTIONS = ('.vectors', '.text', '.ARM.exidx', '.data')
RAM_SECTIONS = ('.data', '.bss')
FRONTEND_IMAGE = 'yes_1000ms'


def origin(path):
    """Where an input section comes from."""
    name = os.path.basename(path)
    if name.startswith('libtinysense.a'):
        return 'lib'
    if name.startswith('libgcc.a'):
        return 'libgcc'
    if name.startswith('libc_nano.a') or name.startswith('libc.a'):
        return 'libc'
    if name.startswith('libboard.a'):
        return 'board'
    return 'program'


def map_sizes(path):
    """{(output section, origin): bytes} from a GNU ld map file."""
    sizes = {}
    out_sec = None
    pending = None
    started = False
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('Linker script and memory map'):
                started = True
                continue
            if not started:
                continue
            m = re.match(r'^(\.[\w.]+)(\s|$)', line)
            if m:
                out_sec = m.group(1)
                continue
            m = re.match(r'^ (\.\S+|COMMON)\s*$', line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r'^ (\.\S+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)', line)
            if m and (m.group(1) or pending):
                key = (out_sec, origin(m.group(4)))
                sizes[key] = sizes.get(key, 0) + int(m.group(3), 16)
            pending = None
    return sizes


def total(sizes, sections, who=None):
    return sum(v for (s, o), v in sizes.items()
               if s in sections and (who is None or o == who))


def qemu(board, elf, timeout, append=None, plugin=None):
    cmd = ['timeout', '-k', '5', str(timeout), 'qemu-system-arm', '-M', board,
           '-nographic', '-monitor', 'none', '-serial', 'none',
           '-semihosting-config', 'enable=on,target=native', '-kernel', elf]
    if append is not None:
        cmd += ['-append', append]
    log = None
    if plugin:
        fd, log = tempfile.mkstemp(prefix='insns.')
        os.close(fd)
        cmd += ['-plugin', plugin, '-d', 'plugin', '-D', log]
    r = subprocess.run(cmd, capture_output=True, text=True)
    insns = None
    if log:
        with open(log) as f:
            m = re.search(r'insns: (\d+)', f.read())
        os.unlink(log)
        insns = int(m.group(1)) if m else None
    return r.returncode, r.stdout + r.stderr, insns


def size(mcu_dir, model_dir, timeout, boards, names):
    ok = True
    for board in boards:
        print(f'== {board}: the smallest program that runs each model, with only its operators')
        print(f'{"model":14} {"lib/":>6} {"libgcc":>6} {"libc":>5} {"board":>5} {"prog":>5} '
              f'{"code":>6} {"model":>7} | {"data":>4} {"bss":>4} {"stack":>5} {"arena":>6} '
              f'{"RAM":>6} {"RAM-arena":>9}')
        for name in names:
            base = os.path.join(mcu_dir, board, 'footprint', name)
            if os.path.exists(base + '.skip'):
                print(f'{name:14} skipped: {open(base + ".skip").read().strip()}')
                continue
            sizes = map_sizes(base + '.map')
            rc, out, _ = qemu(board, base + '.elf', timeout)
            m = re.search(r'arena (\d+) bytes, stack (\d+) bytes', out)
            if rc != 0 or not m:
                if rc == 2 or 'arena too small' in out:
                    print(f'{name:14} skipped: arena does not fit the RAM')
                    continue
                print(f'{name:14} FAIL: {out.strip()}')
                ok = False
                continue
            arena, stack = int(m.group(1)), int(m.group(2))
            data, bss = total(sizes, ('.data',)), total(sizes, ('.bss',))
            cols = [total(sizes, FLASH_SECTIONS, w)
                    for w in ('lib', 'libgcc', 'libc', 'board', 'program')]
            model = os.path.getsize(os.path.join(model_dir, name + '.tflite'))
            ram = data + bss + stack + arena
            print(f'{name:14} {cols[0]:6} {cols[1]:6} {cols[2]:5} {cols[3]:5} {cols[4]:5} '
                  f'{sum(cols):6} {model:7} | {data:4} {bss:4} {stack:5} {arena:6} '
                  f'{ram:6} {ram - arena:9}')
        full = os.path.join(mcu_dir, board, 'conformance', names[0] + '.map') if names else ''
        if full and os.path.exists(full):
            sizes = map_sizes(full)
            print(f'{"(every op)":14} {total(sizes, FLASH_SECTIONS, "lib"):6}  '
                  '<- lib/ code with every operator registered (the conformance image)')
        fe = os.path.join(mcu_dir, board, 'frontend', FRONTEND_IMAGE + '.map')
        if os.path.exists(fe):
            sizes = map_sizes(fe)
            print(f'{"(front-end)":14} {total(sizes, FLASH_SECTIONS, "lib"):6}  '
                  '<- lib/ code of the audio front-end (its state: '
                  'TS_AUDIO_FRONTEND_STATE_BYTES of RAM)')
    print('code = flash without the model (lib/ + libgcc + libc + board layer + program); '
          'RAM = data + bss + stack peak + arena')
    return ok


def insns(mcu_dir, plugin, timeout, boards, kernel_sets, cases):
    ok = True
    print(f'{"case":44}' + ''.join(f'{b:>15}' for b in boards))
    for case in cases:
        set_, name = case.split(':', 1)
        frontend = set_ in ('frontend', 'stress')
        for kernels in ([''] if frontend else kernel_sets):
            row = []
            for board in boards:
                elf = os.path.join(mcu_dir, board, set_, name + '.elf')
                if not os.path.exists(elf):
                    row.append('skipped')
                    continue
                counts = []
                for k in (1, 2):
                    rc, out, n = qemu(board, elf, timeout, f'{k} {kernels}'.strip(), plugin)
                    if rc != 0 or n is None:
                        counts = None
                        row.append('-' if rc == 2 else 'FAIL')
                        if rc != 2:
                            ok = False
                            print(f'{board} {case}: {out.strip()}', file=sys.stderr)
                        break
                    counts.append(n)
                if counts:
                    row.append(str(counts[1] - counts[0]))
            label = f'{name} (per frame)' if frontend else f'{name} [{kernels}] (per inference)'
            print(f'{label:44}' + ''.join(f'{c:>15}' for c in row))
    return ok


def main(argv):
    if len(argv) >= 6 and argv[1] == 'size':
        return 0 if size(argv[2], argv[3], argv[4], argv[5].split(), argv[6:]) else 1
    if len(argv) >= 7 and argv[1] == 'insns':
        return 0 if insns(argv[2], argv[3], argv[4], argv[5].split(), argv[6].split(),
                          argv[7:]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
