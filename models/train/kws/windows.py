# SPDX-License-Identifier: MIT
"""49-frame model windows cut from the corpus's feature streams, as the
daemon's frame stack cuts them: frame k covers samples [320k, 320k + 480),
a window of frames [s, s + 49) covers [320 s, 320 s + 15840)."""
import numpy as np

FRAMES = 49
HOP = 320
SPAN = 480 + (FRAMES - 1) * HOP       # samples under one window


def word_offsets(start, end, n_frames):
    """First and last window start s that hold the whole word."""
    lo = max(int(np.ceil((end - SPAN) / HOP)), 0)
    hi = min(start // HOP, n_frames - FRAMES)
    return lo, hi


def silence_offsets(start):
    """Window starts before the word, from the stream's first frame (as
    after the daemon starts, the noise estimate still settling)."""
    return 0, max(0, (start - SPAN) // HOP)


class Windows:
    """Cuts windows from a corpus (see corpus.build) restricted to `mask`."""

    def __init__(self, corpus, mask):
        self.feats = corpus["feats"]
        self.offsets = corpus["offsets"]
        idx = np.nonzero(mask)[0]
        self.idx = idx
        self.start, self.end = corpus["start"][idx], corpus["end"][idx]
        self.label = corpus["label"][idx]
        n = np.diff(self.offsets)[idx]
        self.ranges = np.array([word_offsets(a, b, f) for a, b, f in
                                zip(self.start, self.end, n)])
        self.silence = np.array([silence_offsets(a) for a in self.start])

    def cut(self, k, s):
        base = self.offsets[self.idx[k]] + s
        return self.feats[base:base + FRAMES]

    def sample(self, rng, silence_fraction):
        """One random window per clip (a random offset that holds its word)
        plus silence windows: (int8 [n, 49, 40], labels)."""
        xs, ys = [], []
        for k in range(len(self.idx)):
            lo, hi = self.ranges[k]
            xs.append(self.cut(k, rng.randint(lo, hi + 1)))
            ys.append(self.label[k])
        n_sil = int(silence_fraction * len(self.idx) / (1 - silence_fraction))
        for k in rng.randint(0, len(self.idx), n_sil):
            lo, hi = self.silence[k]
            xs.append(self.cut(k, rng.randint(lo, hi + 1)))
            ys.append(0)
        return np.stack(xs), np.array(ys)

    def centred(self, silence_every=6):
        """Deterministic: each clip's word centred in the window, and a
        silence window from every silence_every-th clip."""
        xs, ys = [], []
        for k in range(len(self.idx)):
            lo, hi = self.ranges[k]
            mid = (self.start[k] + self.end[k]) // 2
            s = int(np.clip(round((mid - SPAN / 2) / HOP), lo, hi))
            xs.append(self.cut(k, s))
            ys.append(self.label[k])
        for k in range(0, len(self.idx), silence_every):
            lo, hi = self.silence[k]
            xs.append(self.cut(k, (lo + hi) // 2))
            ys.append(0)
        return np.stack(xs), np.array(ys)
