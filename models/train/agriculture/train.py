# SPDX-License-Identifier: MIT
"""Trains, quantizes and exports the agriculture model (ok / irrigate /
frost-risk from 24 hours of soil, temperature, humidity and rain).

    /usr/bin/python3 models/train/agriculture/train.py --ctl build/tinysensectl \
        --work build/models/agriculture --out models

Data: field-seasons from simulate.py (each seed a field with its own soil,
climate, start of season and irrigation habits), turned into hourly
features by the pipeline's own stats front-end
(config/pipelines.d/agriculture.conf through `tinysensectl features
--config`).  Held-out fields and seasons (other seeds) measure accuracy.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import simulate  # noqa: E402
from wavfile import write_wav  # noqa: E402

CONFIG = os.path.join(ROOT, "config", "pipelines.d", "agriculture.conf")
# The model input's quantization, fixed before training: the front-end's
# per-channel gains put values near -3..+3; steps of 1/32 cover -4..+4.
INPUT_SCALE, INPUT_ZERO_POINT = 0.03125, 0
FEATURES = 12                 # 4 channels x (mean, min, max)
HOURS = 24                    # frames stacked into one model input
ROWS_PER_FRAME = 6            # Window=6, Hop=6 (one hour of 10-minute rows)
DAYS = 120
SPLITS = {"train": (100, 40), "val": (3000, 8), "test": (7000, 16)}


def features(ctl, wav, out):
    subprocess.run([ctl, "features", "--config", CONFIG, "--scale", repr(INPUT_SCALE),
                    "--zero-point", str(INPUT_ZERO_POINT), wav, "--output", out],
                   check=True, stderr=subprocess.DEVNULL)
    return np.fromfile(out, np.int8).reshape(-1, FEATURES)


def windows(q, labels):
    """Model inputs as the pipeline stacks them (the last HOURS frames,
    oldest first) and the label at each input's last row."""
    n = len(q) - HOURS + 1
    idx = np.arange(n)[:, None] + np.arange(HOURS)[None, :]
    x = q[idx].reshape(n, HOURS * FEATURES)
    last_row = (np.arange(HOURS - 1, len(q)) + 1) * ROWS_PER_FRAME - 1
    return x, labels[last_row]


def build_dataset(ctl, work):
    data = {}
    for split, (seed0, count) in SPLITS.items():
        xs, ys, field = [], [], []
        for i in range(count):
            frames, labels, _ = simulate.simulate(DAYS, seed0 + i)
            wav = os.path.join(work, f"{split}{i}.wav")
            write_wav(wav, frames, 1)
            q = features(ctl, wav, os.path.join(work, f"{split}{i}.int8"))
            os.remove(wav)
            x, y = windows(q, labels)
            xs.append(x)
            ys.append(y)
            field += [i] * len(y)
        data[split] = (np.concatenate(xs), np.concatenate(ys), np.array(field))
    return data


def dequantize(q):
    return (q.astype(np.float32) - INPUT_ZERO_POINT) * INPUT_SCALE


def make_model():
    torch.manual_seed(3)
    return nn.Sequential(
        nn.Linear(HOURS * FEATURES, 32), nn.ReLU(),
        nn.Linear(32, 16), nn.ReLU(),
        nn.Linear(16, len(simulate.LABELS)),
        nn.Softmax(dim=1),
    )


def train(model, x, y, x_val, y_val, epochs=40, log=print):
    """Cross-entropy on the logits (the Softmax is the last layer, for the
    exported model), classes weighted by inverse frequency (square root)."""
    torch.manual_seed(5)
    logits = model[:-1]
    counts = np.bincount(y, minlength=len(simulate.LABELS)).astype(np.float64)
    weight = torch.tensor((counts.sum() / counts) ** 0.5, dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weight / weight.mean())
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for b in range(0, len(xt), 256):
            i = perm[b:b + 256]
            loss = loss_fn(logits(xt[i]), yt[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        if epoch % 10 == 9 or epoch == epochs - 1:
            log(f"  epoch {epoch + 1}: loss {loss.item():.4f}, "
                f"val accuracy {accuracy(predict(model, x_val), y_val):.4f}")
    model.eval()
    return model


def predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(x)).argmax(1).numpy()


def accuracy(pred, y):
    return float((pred == y).mean())


def confusion(pred, y):
    k = len(simulate.LABELS)
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y, pred), 1)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctl", default=os.path.join(ROOT, "build", "tinysensectl"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "models", "agriculture"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.work, exist_ok=True)

    print("agriculture: simulating field-seasons and extracting features")
    data = build_dataset(args.ctl, args.work)
    x_tr, y_tr, _ = data["train"]
    x_va, y_va, _ = data["val"]
    x_te, y_te, _ = data["test"]
    print(f"  train {len(y_tr)} hours, val {len(y_va)}, test {len(y_te)}; "
          f"test classes {np.bincount(y_te, minlength=3).tolist()}")
    model = train(make_model(), dequantize(x_tr), y_tr, dequantize(x_va), y_va)
    pred = predict(model, dequantize(x_te))
    print(f"  float test accuracy {accuracy(pred, y_te):.4f}")
    print(confusion(pred, y_te))


if __name__ == "__main__":
    main()
