# SPDX-License-Identifier: MIT
"""Features from tinysense's own C front-ends (through tinysensectl), so
that training sees exactly the bytes the daemon will feed the model."""
import os
import subprocess
import tempfile
import wave

import numpy as np

from .runtime import tinysensectl

# micro_speech front-end: 40 channels per 20 ms frame; the int8 features
# stand for real values (q + 128) * AUDIO_SCALE (the micro_speech input).
AUDIO_CHANNELS = 40
AUDIO_SCALE = 0.10171568
AUDIO_ZERO_POINT = -128
AUDIO_RATE = 16000


def write_wav(path, samples, rate, channels=1):
    """int16 samples ([n] or [n, channels]) as a 16-bit PCM WAV file."""
    samples = np.asarray(samples)
    if samples.dtype != np.int16:
        raise ValueError("write_wav: samples must be int16")
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(samples.astype("<i2")).tobytes())


def read_wav(path):
    """(int16 samples [n] or [n, channels], rate) of a 16-bit PCM WAV."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError("%s: not 16-bit PCM" % path)
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int16)
        ch = w.getnchannels()
        return (data.reshape(-1, ch) if ch > 1 else data), w.getframerate()


def audio_features(wav_path, preset="micro_speech"):
    """int8 [frames, 40]: `tinysensectl features` on a 16 kHz mono WAV."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "f.bin")
        subprocess.run([tinysensectl(), "features", "--frontend", preset, wav_path,
                        "--output", out], check=True, stderr=subprocess.DEVNULL)
        return np.fromfile(out, np.int8).reshape(-1, AUDIO_CHANNELS)


def audio_features_of(samples):
    """audio_features() of int16 samples at 16 kHz."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "a.wav")
        write_wav(path, samples, AUDIO_RATE)
        return audio_features(path)


def pipeline_features(config_path, wav_path, quant=None):
    """int8 [frames, feature_bytes]: the [Frontend] of a pipeline file
    (audio, spectrum or stats) over a WAV file of any rate and channel
    count, quantized to quant=(scale, zero_point) as the model input would
    be (required for spectrum and stats, ignored by audio).  Runs
    `tinysensectl features --config`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "f.bin")
        cmd = [tinysensectl(), "features", "--config", config_path, wav_path, "--output", out]
        if quant is not None:
            cmd += ["--quant", "%.9g,%d" % (quant[0], quant[1])]
        res = subprocess.run(cmd, check=True, stderr=subprocess.PIPE, text=True)
        # "N frames of M features" on stderr gives the row size
        words = res.stderr.split()
        per = int(words[words.index("of") + 1])
        return np.fromfile(out, np.int8).reshape(-1, per)
