# SPDX-License-Identifier: MIT
"""16-bit PCM WAV files of sensor frames, as the replay source and
`tinysensectl features` read them."""
import struct

import numpy as np


def write_wav(path, frames, rate):
    """frames: (n, channels) int16 values, interleaved in the file; rate:
    frames per second (a whole number)."""
    frames = np.ascontiguousarray(frames, dtype="<i2")
    n, ch = frames.shape
    data = frames.tobytes()
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, ch, int(rate), int(rate) * ch * 2,
                                      ch * 2, 16))
        f.write(b"data" + struct.pack("<I", len(data)) + data)
