# SPDX-License-Identifier: MIT
"""The keyword corpus, synthesized: Debian's TTS engines (espeak-ng accents
x voice variants, flite voices) at varied speed and pitch, through sox
(tempo, pitch, band limits, room reverberation, gain), over seeded
background noise, then through tinysense's own micro_speech front-end.

A clip is a short stream: 1.2 s of background (the front-end's noise
estimate settles as it does in the running daemon), the word, 0.8 s more
background.  What is kept per clip is its whole feature stream (int8,
40 a frame) and the word's first and last sample, so training can cut
49-frame windows at any offset, as the daemon's Stride does.

Voices are speakers: every clip of a held-out voice goes to the test set,
none to training.
"""
import hashlib
import os
import subprocess
import tempfile
from multiprocessing import Pool

import numpy as np

from tinysense_train import features

KEYWORDS = ["yes", "no", "on", "off", "stop", "go"]
LABELS = ["silence", "unknown"] + KEYWORDS
# Other words (some close to the keywords), for "unknown".
UNKNOWN_WORDS = [
    "yet", "yeah", "yell", "now", "know", "nose", "one", "own", "of", "often",
    "stock", "step", "top", "goal", "go on", "gold", "up", "down", "left", "right",
    "house", "tree", "bird", "cat", "dog", "happy", "seven", "zero", "learn", "follow",
    "forward", "light", "music", "kitchen", "open", "close", "hello", "start", "wait",
    "table", "door", "window", "coffee", "water", "night", "morning",
]

ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
           "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
# espeak-ng voice variants (timbre); robot and novelty variants left out.
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
            "Alex", "Alicia", "Andrea", "Andy", "Annie", "Antonio", "Auntie", "Belinda",
            "Benjamin", "Boris", "Caleb", "David", "Denis", "Ed", "Edward", "Gene",
            "Gustave", "Henrique", "Hugo", "Jacky", "John", "Lee", "Linda", "Marco",
            "Mario", "Max", "Michael", "Mike", "Pablo", "Paul", "Pedro", "Quincy", "Rob",
            "Robert", "Steph", "Storm", "Tweaky", "Zac", "anika", "croak", "grandma",
            "grandpa", "klatt", "klatt2", "klatt3", "norbert", "sandro", "shelby",
            "travis", "victor", "whisper"]
FLITE_VOICES = ["kal16", "awb", "rms", "slt"]
# Held out for the test set: whole voices, never trained on.
TEST_VARIANTS = ["m3", "f2", "Annie", "Gene", "Linda", "Mike", "Steph", "klatt2", "victor",
                 "grandma"]
TEST_FLITE = ["slt"]

RATE = 16000
LEAD = int(1.2 * RATE)
TAIL = int(0.8 * RATE)
MAX_WORD = int(0.95 * RATE)


def _seed(*parts):
    """A stable 32-bit seed from strings (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest()[:4],
                          "little")


def clip_plan(seed, renditions=1, unknown_fraction=0.35):
    """Every clip to make, as dicts: voice, engine, text, label, split, and
    rendering parameters; deterministic for a seed."""
    rng = np.random.RandomState(seed)
    voices = [("espeak", "%s+%s" % (a, v), v in TEST_VARIANTS)
              for a in ACCENTS for v in VARIANTS]
    voices += [("flite", v, v in TEST_FLITE) for v in FLITE_VOICES]
    plan = []
    for engine, voice, test in voices:
        reps = renditions * (4 if engine == "flite" else 1)   # few flite voices
        for r in range(reps):
            for word in KEYWORDS:
                plan.append(dict(engine=engine, voice=voice, text=word,
                                 label=LABELS.index(word), test=test, rep=r))
            for word in rng.choice(UNKNOWN_WORDS,
                                   int(round(unknown_fraction * len(KEYWORDS) * 2)),
                                   replace=False):
                plan.append(dict(engine=engine, voice=voice, text=str(word), label=1,
                                 test=test, rep=r))
    for i, c in enumerate(plan):
        c["id"] = i
        c["seed"] = _seed(seed, c["engine"], c["voice"], c["text"], c["rep"])
    return plan


def _background(rng, n):
    """Seeded room background: white, pink or brown noise, mains hum or
    faint hiss, at -90..-30 dBFS RMS (-90: a quiet room through a good
    microphone, close to digital silence)."""
    kind = rng.randint(5)
    white = rng.randn(n + 64)
    if kind == 0:
        x = white
    elif kind == 1:       # pink: white shaped by 1/sqrt(f)
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        spec /= np.sqrt(np.maximum(f, 4.0))
        x = np.fft.irfft(spec, n + 64)
    elif kind == 2:       # brown: integrated, leaky
        x = np.cumsum(white)
        x -= np.convolve(x, np.ones(400) / 400, mode="same")
    elif kind == 3:       # hum with harmonics plus a little hiss
        t = np.arange(n + 64) / RATE
        f0 = (50, 60)[rng.randint(2)]
        x = sum(np.sin(2 * np.pi * f0 * h * t + rng.rand() * 6.28) / h for h in (1, 2, 3, 5))
        x = x + 0.1 * white
    else:
        x = white
    x = x[64:]
    level = 10 ** ((rng.uniform(-90, -60) if kind == 4 else rng.uniform(-75, -30)) / 20) * 32768
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-9) * level


def _tts(c, rng, tmp):
    """Raw TTS of the clip's word as a WAV path."""
    raw = os.path.join(tmp, "tts.wav")
    if c["engine"] == "espeak":
        speed = int(rng.uniform(110, 200))
        pitch = int(rng.uniform(15, 85))
        subprocess.run(["espeak-ng", "-v", c["voice"], "-s", str(speed), "-p", str(pitch),
                        "-w", raw, c["text"]], check=True)
    else:
        subprocess.run(["flite", "-voice", c["voice"], "-t", c["text"], "-o", raw],
                       check=True)
    return raw


def _sox_render(c, rng, raw, tmp):
    """sox: 16 kHz mono, trimmed, tempo/pitch, band limits, reverberation."""
    out = os.path.join(tmp, "word.wav")
    effects = ["rate", "-h", str(RATE),
               "silence", "1", "0.01", "0.3%", "reverse", "silence", "1", "0.01", "0.3%",
               "reverse"]
    # band limits first: pitch changes the chain's rate until the final rate
    effects += ["highpass", "%d" % int(rng.uniform(60, 250))]
    effects += ["lowpass", "%d" % int(rng.uniform(3500, 7900))]
    tempo = rng.uniform(0.85, 1.2)
    effects += ["tempo", "-s", "%.3f" % tempo]
    if c["engine"] == "flite" or rng.rand() < 0.3:
        effects += ["pitch", "%d" % int(rng.uniform(-250, 250))]
    if rng.rand() < 0.75:   # a room: reverberance, HF damping, room scale, pre-delay
        effects += ["reverb", "%d" % int(rng.uniform(10, 70)), "%d" % int(rng.uniform(20, 80)),
                    "%d" % int(rng.uniform(20, 100)), "100", "%d" % int(rng.uniform(0, 20))]
        effects += ["channels", "1"]
    effects += ["rate", "-h", str(RATE)]
    env = dict(os.environ, SOX_OPTS="-R")   # repeatable: no random dither
    res = subprocess.run(["sox", "-D", raw, "-b", "16", "-c", "1", out] + effects, env=env,
                         stderr=subprocess.PIPE, text=True)
    if res.returncode:
        raise RuntimeError("sox %s: %s" % (" ".join(effects), res.stderr.strip()))
    samples, _ = features.read_wav(out)
    return samples.astype(np.float64)


def render(c):
    """One clip -> (features int8 [frames, 40], word start, word end in
    samples), or None when the word came out longer than a window."""
    rng = np.random.RandomState(c["seed"])
    with tempfile.TemporaryDirectory() as tmp:
        word = _sox_render(c, rng, _tts(c, rng, tmp), tmp)
        if len(word) > MAX_WORD or len(word) < 1600:
            return None
        peak = 10 ** (rng.uniform(-28, -3) / 20) * 32767
        word *= peak / (np.abs(word).max() + 1e-9)
        n = LEAD + len(word) + TAIL
        x = _background(rng, n)
        x[LEAD:LEAD + len(word)] += word
        x = np.clip(np.round(x), -32768, 32767).astype(np.int16)
        feats = features.audio_features_of(x)
    return feats, LEAD, LEAD + len(word)


def _render_item(item):
    pos, c = item
    return pos, render(c)


def build(plan, cache, workers=2, log=print):
    """Renders every clip of the plan (in `workers` processes, each clip
    seeded by itself, so the result does not depend on scheduling) and
    saves them to `cache` (.npz).  Reuses `cache` when it exists and was
    made from the same plan by this same code."""
    with open(os.path.abspath(__file__), "rb") as f:
        code = f.read()
    key = hashlib.sha256(code + repr([(c["engine"], c["voice"], c["text"], c["seed"])
                                      for c in plan]).encode()).hexdigest()
    if os.path.exists(cache):
        d = np.load(cache, allow_pickle=False)
        if str(d["key"]) == key:
            log("corpus: reusing %s" % cache)
            return d
    results = [None] * len(plan)
    with Pool(workers) as pool:
        for done, (i, r) in enumerate(pool.imap_unordered(_render_item, list(enumerate(plan)),
                                                           chunksize=16)):
            results[i] = r
            if done % 1000 == 0:
                log("corpus: %d of %d clips" % (done, len(plan)))
    keep = [i for i, r in enumerate(results) if r is not None]
    lengths = np.array([len(results[i][0]) for i in keep])
    d = dict(key=np.array(key),
             feats=np.concatenate([results[i][0] for i in keep]),
             offsets=np.concatenate([[0], np.cumsum(lengths)]),
             start=np.array([results[i][1] for i in keep]),
             end=np.array([results[i][2] for i in keep]),
             label=np.array([plan[i]["label"] for i in keep]),
             test=np.array([plan[i]["test"] for i in keep]),
             voice=np.array(["%s:%s" % (plan[i]["engine"], plan[i]["voice"]) for i in keep]),
             text=np.array([plan[i]["text"] for i in keep]))
    np.savez(cache, **d)
    log("corpus: %d clips (%d dropped as too long or short)" % (len(keep), len(plan) - len(keep)))
    return np.load(cache, allow_pickle=False)
