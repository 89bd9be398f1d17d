# SPDX-License-Identifier: MIT
"""Trains, quantizes and exports the vibration anomaly model.

    /usr/bin/python3 models/train/vibration/train.py --ctl build/tinysensectl \
        --work build/models/vibration --out models

Data: recordings from simulate.py (normal machines only for training),
turned into features by the pipeline's own front-end
(config/pipelines.d/vibration.conf, through `tinysensectl features
--config`), so training sees the bytes the daemon feeds the model.
Model: a dense autoencoder on one feature frame (3 axes x 32 log2 bands),
scored by its reconstruction error.  Faults appear only in the test set;
AUC per fault type is measured on the float model and on the int8 model
run by our C runtime (`tinysensectl model run`).
"""
import argparse
import json
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

CONFIG = os.path.join(ROOT, "config", "pipelines.d", "vibration.conf")
# The model input's quantization, fixed before training: log2 magnitudes
# in steps of 1/16 (0.375 dB), -6 .. +9.9 log2 counts.
INPUT_SCALE, INPUT_ZERO_POINT = 0.0625, -32
FRAME = 96                      # 3 axes x 32 bands
SECONDS = 10.0
SPLITS = {                      # name: (first seed, recordings)
    "train": (1000, 120),
    "val": (5000, 20),
    "test": (9000, 30),
}
FAULT_SEED, FAULT_RECORDINGS = 20000, 15
CALIBRATION, SIGMA, ON_COUNT, OFF_COUNT = 200, 4.0, 5, 25


def features(ctl, wav, out):
    """The pipeline front-end's int8 frames of one recording, (n, 96)."""
    subprocess.run([ctl, "features", "--config", CONFIG, "--scale", repr(INPUT_SCALE),
                    "--zero-point", str(INPUT_ZERO_POINT), wav, "--output", out],
                   check=True, stderr=subprocess.DEVNULL)
    return np.fromfile(out, np.int8).reshape(-1, FRAME)


def recording_features(ctl, work, name, samples):
    wav = os.path.join(work, name + ".wav")
    write_wav(wav, samples, simulate.P.rate_hz)
    q = features(ctl, wav, os.path.join(work, name + ".int8"))
    os.remove(wav)
    return q


def build_dataset(ctl, work):
    """int8 frames per split; the test split has normal recordings and
    FAULT_RECORDINGS per fault type, each labelled."""
    data = {}
    for split, (seed0, count) in SPLITS.items():
        frames, rec = [], []
        for i in range(count):
            q = recording_features(ctl, work, f"{split}{i}",
                                   simulate.simulate(SECONDS, seed0 + i))
            frames.append(q)
            rec += [i] * len(q)
        data[split] = (np.concatenate(frames), np.array(rec), np.array(["normal"] * len(rec)))
    frames, rec, labels = [data["test"][0]], [data["test"][1]], [data["test"][2]]
    sev_rng = np.random.default_rng(FAULT_SEED)
    for f_i, fault in enumerate(simulate.FAULTS):
        for i in range(FAULT_RECORDINGS):
            seed = FAULT_SEED + 100 * f_i + i
            q = recording_features(ctl, work, f"{fault}{i}",
                                   simulate.simulate(SECONDS, seed, fault, sev_rng.random()))
            frames.append(q)
            rec.append(np.full(len(q), 1000 * (f_i + 1) + i))
            labels.append(np.array([fault] * len(q)))
    data["test"] = (np.concatenate(frames), np.concatenate(rec), np.concatenate(labels))
    return data


def dequantize(q):
    return (q.astype(np.float32) - INPUT_ZERO_POINT) * INPUT_SCALE


def make_model():
    torch.manual_seed(7)
    return nn.Sequential(
        nn.Linear(FRAME, 32), nn.ReLU(),
        nn.Linear(32, 8), nn.ReLU(),
        nn.Linear(8, 32), nn.ReLU(),
        nn.Linear(32, FRAME),
    )


def train(model, x, x_val, epochs=60, log=print):
    torch.manual_seed(11)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt = torch.from_numpy(x)
    xv = torch.from_numpy(x_val)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for b in range(0, len(xt), 256):
            xb = xt[perm[b:b + 256]]
            loss = ((model(xb) - xb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        if epoch % 10 == 9 or epoch == epochs - 1:
            model.eval()
            with torch.no_grad():
                val = ((model(xv) - xv) ** 2).mean().item()
            log(f"  epoch {epoch + 1}: train mse {loss.item():.4f}, val mse {val:.4f}")
    model.eval()
    return model


def float_scores(model, x):
    with torch.no_grad():
        xt = torch.from_numpy(x)
        return ((model(xt) - xt) ** 2).mean(1).numpy()


def auc(neg, pos):
    """Area under the ROC curve: P(score of pos > score of neg), ties 1/2."""
    s = np.concatenate([neg, pos])
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):                     # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    r_pos = ranks[len(neg):].sum()
    return (r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def auc_table(scores, labels):
    normal = scores[labels == "normal"]
    table = {f: auc(normal, scores[labels == f]) for f in simulate.FAULTS}
    table["all faults"] = auc(normal, scores[labels != "normal"])
    return table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctl", default=os.path.join(ROOT, "build", "tinysensectl"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "models", "vibration"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.work, exist_ok=True)

    print("vibration: simulating and extracting features")
    data = build_dataset(args.ctl, args.work)
    x_train = dequantize(data["train"][0])
    x_val = dequantize(data["val"][0])
    q_test, _, labels = data["test"]
    x_test = dequantize(q_test)
    print(f"  train {len(x_train)} frames, val {len(x_val)}, test {len(x_test)}")

    model = train(make_model(), x_train, x_val)
    table = auc_table(float_scores(model, x_test), labels)
    for k, v in table.items():
        print(f"  float AUC {k:14s} {v:.4f}")
    json.dump(table, open(os.path.join(args.work, "float_auc.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
