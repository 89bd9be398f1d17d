# SPDX-License-Identifier: MIT
"""Trains, quantizes and exports the vibration anomaly model.

    PYTHONPATH=models/train /usr/bin/python3 models/train/vibration/train.py \
        [--work build/models] [--prune]

Data: recordings from simulate.py (normal machines only for training),
turned into features by the pipeline's own front-end
(config/pipelines.d/vibration.conf, through `tinysensectl features
--config`), so training sees the bytes the daemon feeds the model.
Model: a dense autoencoder on one feature frame (3 axes x 32 log2 bands),
scored by its reconstruction error.  Faults appear only in the test set.
Measured: AUC per fault type (float model, and the int8 model in our C
runtime), and the whole pipeline (`tinysensectl detect`: calibration,
threshold, hysteresis) on held-out machines that develop a fault.
Writes models/vibration.tflite, models/vibration.md, models/tests/vibration.*
and models/recordings/vibration_replay.wav.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import simulate  # noqa: E402
from tinysense_train import common, export, features, runtime, shipping  # noqa: E402

REPO = runtime.REPO
CONFIG = os.path.join(REPO, "config", "pipelines.d", "vibration.conf")
SEED = 4242
# The model input's quantization, fixed before training: log2 magnitudes
# in steps of 1/16 (0.375 dB), -6 .. +9.9 log2 counts.  The output (the
# reconstruction) uses the same.
QUANT = (0.0625, -32)
FRAME = 96                      # 3 axes x 32 bands
SECONDS = 10.0
SPLITS = {                      # name: (first seed, recordings)
    "train": (1000, 120),
    "val": (5000, 20),
    "test": (9000, 30),
}
FAULT_SEED, FAULT_RECORDINGS = 20000, 15
EPOCHS, FINETUNE_EPOCHS = 60, 15
PRUNE_FRACTIONS = (0.5, 0.75, 0.9)
# The pipeline's [Detect] (read back from vibration.conf for the card).
SIGMA = 2.5
# End-to-end runs: machines that run normally, then develop a fault.
E2E_SEED, E2E_MACHINES, E2E_SECONDS, E2E_ONSET = 30000, 4, 24.0, 12.0
# ... and machines that stay normal, for false alarms.
SIGMA_SEED, SIGMA_SWEEP = 40000, (2.0, 2.5, 3.0, 4.0)
E2E_NORMAL_MACHINES, E2E_NORMAL_SECONDS = 8, 120.0
REPLAY = dict(seed=777, machine=31337, seconds=16.0, fault="bearing_outer", severity=0.5,
              span=(9.5, 13.0))
SHIPPED_NORMAL, SHIPPED_PER_FAULT = 240, 40


def log(msg):
    print(msg, flush=True)


def recording_features(samples):
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "r.wav")
        features.write_wav(wav, samples, simulate.P.rate_hz, 3)
        return features.pipeline_features(CONFIG, wav, QUANT)


def build_dataset():
    """int8 frames per split; the test split has normal recordings and
    FAULT_RECORDINGS per fault type (severity uniform in 0..1), labelled."""
    data = {}
    for split, (seed0, count) in SPLITS.items():
        frames = [recording_features(simulate.simulate(SECONDS, seed0 + i)) for i in range(count)]
        n = sum(len(f) for f in frames)
        data[split] = (np.concatenate(frames), np.array(["normal"] * n))
    frames, labels = [data["test"][0]], [data["test"][1]]
    sev_rng = np.random.default_rng(FAULT_SEED)
    for f_i, fault in enumerate(simulate.FAULTS):
        for i in range(FAULT_RECORDINGS):
            q = recording_features(simulate.simulate(SECONDS, FAULT_SEED + 100 * f_i + i, fault,
                                                     sev_rng.random()))
            frames.append(q)
            labels.append(np.array([fault] * len(q)))
    data["test"] = (np.concatenate(frames), np.concatenate(labels))
    return data


def to_float(q):
    return (q.astype(np.float32) - QUANT[1]) * QUANT[0]


def make_model():
    return nn.Sequential(
        nn.Linear(FRAME, 32), nn.ReLU(),
        nn.Linear(32, 8), nn.ReLU(),
        nn.Linear(8, 32), nn.ReLU(),
        nn.Linear(32, FRAME),
    )


def train(model, x, epochs, seed, lr=2e-3, masks=None):
    """Adam + cosine schedule on the mean squared reconstruction error."""
    rng = np.random.RandomState(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt = torch.from_numpy(x)
    for epoch in range(epochs):
        model.train()
        order = torch.from_numpy(rng.permutation(len(xt)))
        total = 0.0
        for b in range(0, len(xt), 256):
            xb = xt[order[b:b + 256]]
            loss = ((model(xb) - xb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if masks:
                common.apply_masks(model, masks)
            total += loss.item() * len(xb)
        sched.step()
        if epoch % 10 == 9 or epoch == epochs - 1:
            log("  epoch %2d  mse %.4f" % (epoch + 1, total / len(xt)))
    model.eval()
    return model


def float_scores(model, x):
    """Reconstruction MSE per frame, in quantized units (steps^2), as the
    int8 scores below."""
    out = common.predict(model, x)
    return ((out - x) ** 2).mean(1) / QUANT[0] ** 2


def int8_scores(path, q):
    out = runtime.run(path, q, FRAME)
    return ((out.astype(np.int64) - q.astype(np.int64)) ** 2).mean(1)


def auc(neg, pos):
    """Area under the ROC curve: P(pos score > neg score), ties count 1/2."""
    s = np.concatenate([neg, pos])
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inv]        # average ranks
    r_pos = ranks[len(neg):].sum()
    return (r_pos - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg))


def auc_table(scores, labels):
    normal = scores[labels == "normal"]
    table = {f: auc(normal, scores[labels == f]) for f in simulate.FAULTS}
    table["all faults"] = auc(normal, scores[labels != "normal"])
    return table


def export_and_check(model, name, x_cal, q_test, path):
    q = export.export_int8(model, x_cal, input_quant=QUANT, output_quant=QUANT,
                           description="tinysense vibration anomaly autoencoder", name=name)
    with open(path, "wb") as f:
        f.write(q.tflite)
    return q, int8_scores(path, q_test)


def detect(model_dir, wav, config=CONFIG):
    """`tinysensectl detect` with the shipped pipeline config: [(time, label)]."""
    out = subprocess.run([runtime.tinysensectl(), "detect", "--config", config, "--model-dir",
                          model_dir, wav, "--json"], check=True, capture_output=True,
                         text=True).stdout
    return [(d["time"], d["label"]) for d in map(json.loads, out.split("\n")[:-1])]


def sigma_sweep(model_dir, work):
    """The pipeline with other Sigma= values on tuning machines (seeds of
    their own): 6 normal for 60 s, 4 each with imbalance and ball defects
    (severity 0.6 from 12 s).  {sigma: (false alarms, imbalance caught,
    ball caught)}: how the shipped Sigma= was chosen."""
    wavs = []
    for m in range(6):
        x = simulate.simulate(60.0, SIGMA_SEED + m, machine=SIGMA_SEED + m)
        wavs.append(("none", x))
    for f_i, fault in enumerate(("imbalance", "bearing_ball")):
        for m in range(4):
            seed = SIGMA_SEED + 1000 * (f_i + 1) + m
            wavs.append((fault, simulate.simulate(24.0, seed, fault, 0.6, machine=seed,
                                                  fault_span=(12.0, 25.0))))
    for i, (kind, x) in enumerate(wavs):
        features.write_wav(os.path.join(work, "sigma%d.wav" % i), x, simulate.P.rate_hz, 3)
    with open(CONFIG) as f:
        text = f.read()
    table = {}
    for sigma in SIGMA_SWEEP:
        conf = os.path.join(work, "vibration_sigma.conf")
        with open(conf, "w") as f:
            f.write(text.replace("\nSigma=%g\n" % SIGMA, "\nSigma=%g\n" % sigma))
        counts = {"none": 0, "imbalance": 0, "bearing_ball": 0}
        for i, (kind, _) in enumerate(wavs):
            events = detect(model_dir, os.path.join(work, "sigma%d.wav" % i), conf)
            hit = any(l == "anomaly" for _, l in events)
            counts[kind] += sum(1 for _, l in events if l == "anomaly") if kind == "none" else hit
        table[sigma] = (counts["none"], counts["imbalance"], counts["bearing_ball"])
        log("  Sigma=%g: %d false alarms, imbalance %d of 4, ball %d of 4" % ((sigma,) +
                                                                              table[sigma]))
    return table


def end_to_end(model_dir, work):
    """Held-out machines through the whole pipeline: normal for E2E_ONSET s
    (calibration, then watching), then a fault (or none).  Per recording:
    false alarms before the onset, and the first anomaly event after it."""
    rows = []
    cases = [(None, 0.0)] + [(f, s) for f in simulate.FAULTS for s in (0.2, 0.6)]
    for c, (fault, sev) in enumerate(cases):
        machines = E2E_NORMAL_MACHINES if fault is None else E2E_MACHINES
        seconds = E2E_NORMAL_SECONDS if fault is None else E2E_SECONDS
        for m in range(machines):
            seed = E2E_SEED + 100 * c + m
            x = simulate.simulate(seconds, seed, fault, sev, machine=seed,
                                  fault_span=(E2E_ONSET, seconds + 1))
            wav = os.path.join(work, "vibration_e2e.wav")
            features.write_wav(wav, x, simulate.P.rate_hz, 3)
            events = detect(model_dir, wav)
            early = [t for t, l in events if l == "anomaly" and t < E2E_ONSET]
            late = [t for t, l in events if l == "anomaly" and t >= E2E_ONSET]
            rows.append(dict(fault=fault or "none", severity=sev, machine=m,
                             false_alarms=len(early),
                             delay=(late[0] - E2E_ONSET) if late else None))
    return rows


def make_replay(model_dir):
    """models/recordings/vibration_replay.wav: a held-out machine, normal,
    an outer-race bearing defect for a few seconds, normal again."""
    r = REPLAY
    x = simulate.simulate(r["seconds"], r["seed"], r["fault"], r["severity"],
                          machine=r["machine"], fault_span=r["span"])
    path = os.path.join(REPO, "models", "recordings", "vibration_replay.wav")
    features.write_wav(path, x, simulate.P.rate_hz, 3)
    return path, detect(model_dir, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(REPO, "build", "models"))
    args = ap.parse_args()
    work = os.path.join(args.work, "vibration")
    os.makedirs(work, exist_ok=True)
    common.seed_everything(SEED)

    log("vibration: simulating and extracting features")
    data = build_dataset()
    x_train = to_float(data["train"][0])
    q_val = data["val"][0]
    q_test, labels = data["test"]
    x_test = to_float(q_test)
    log("  train %d frames, val %d, test %d (%d normal)" %
        (len(x_train), len(q_val), len(q_test), (labels == "normal").sum()))

    torch.manual_seed(SEED)
    model = train(make_model(), x_train, EPOCHS, SEED)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x_cal = x_train[np.random.RandomState(SEED + 1).permutation(len(x_train))[:4000]]

    path = shipping.write_model("vibration", b"")
    q, s_int8 = export_and_check(model, "vibration", x_cal, q_test, path)
    s_float = float_scores(model, x_test)
    auc_f, auc_q = auc_table(s_float, labels), auc_table(s_int8, labels)
    for k in auc_f:
        log("  AUC %-14s float %.4f  int8 %.4f" % (k, auc_f[k], auc_q[k]))

    # One fixed threshold (for the shipped test set and the float/int8
    # agreement): mean + SIGMA * std of the held-out normal machines'
    # int8 scores, the rule the pipeline applies per machine.
    v = int8_scores(path, q_val)
    threshold = float(np.round(v.mean() + SIGMA * v.std(), 2))
    dec_q, dec_f = s_int8 > threshold, s_float > threshold
    agree = float((dec_q == dec_f).mean())
    normal = labels == "normal"
    rates = {"normal (false alarms)": float(dec_q[normal].mean())}
    for f in simulate.FAULTS:
        rates[f] = float(dec_q[labels == f].mean())
    log("  threshold %.2f steps^2: agreement float/int8 %.4f, false alarms %.4f" %
        (threshold, agree, rates["normal (false alarms)"]))
    info = runtime.info(path)

    prune_rows = [(0.0, common.sparsity(model), len(gzip.compress(q.tflite, 9, mtime=0)),
                   auc_f["all faults"], auc_q["all faults"])]
    for frac in PRUNE_FRACTIONS:
        m = make_model()
        m.load_state_dict(state)
        masks = common.prune_magnitude(m, frac)
        train(m, x_train, FINETUNE_EPOCHS, SEED + int(frac * 100), lr=5e-4, masks=masks)
        qp, sp = export_and_check(m, "vibration-pruned", x_cal, q_test,
                                  os.path.join(work, "vibration_pruned.tflite"))
        prune_rows.append((frac, common.sparsity(m), len(gzip.compress(qp.tflite, 9, mtime=0)),
                           auc_table(float_scores(m, x_test), labels)["all faults"],
                           auc_table(sp, labels)["all faults"]))
        log("  pruned %.2f: sparsity %.3f, gzip %d B, AUC float %.4f int8 %.4f" % prune_rows[-1])

    # shipped test set: a seeded subset of the held-out frames
    rng = np.random.RandomState(SEED + 2)
    sel = [rng.permutation(np.nonzero(normal)[0])[:SHIPPED_NORMAL]]
    for f in simulate.FAULTS:
        sel.append(rng.permutation(np.nonzero(labels == f)[0])[:SHIPPED_PER_FAULT])
    sel = np.sort(np.concatenate(sel))
    correct, total = shipping.write_testset("vibration", q_test[sel],
                                            (~normal[sel]).astype(np.uint8),
                                            metric="reconstruction", threshold=threshold)
    log("  shipped test set: %d of %d" % (correct, total))

    model_dir = os.path.dirname(path)
    log("vibration: end-to-end pipeline runs")
    with open(CONFIG) as f:
        if "\nSigma=%g\n" % SIGMA not in f.read():
            raise SystemExit("vibration.conf: [Detect] Sigma= is not %g (train.py SIGMA)" % SIGMA)
    sweep = sigma_sweep(model_dir, work)
    e2e = end_to_end(model_dir, work)
    replay, replay_events = make_replay(model_dir)
    log("  replay %s: %s" % (os.path.basename(replay), replay_events))

    import card
    c = dict(auc_f=auc_f, auc_q=auc_q, threshold=threshold, agree=agree, rates=rates,
             info=info, layers=q.layers, prune=prune_rows, correct=correct, total=total,
             e2e=e2e, sweep=sweep, replay=REPLAY, replay_events=replay_events,
             n=dict(train=len(x_train), val=len(q_val), test=len(q_test),
                    test_normal=int(normal.sum())),
             splits=SPLITS, fault_recordings=FAULT_RECORDINGS, seconds=SECONDS,
             epochs=EPOCHS, finetune=FINETUNE_EPOCHS, e2e_cfg=(E2E_MACHINES, E2E_SECONDS, E2E_ONSET, E2E_NORMAL_MACHINES,
                                           E2E_NORMAL_SECONDS),
             sha256=common.sha256_file(path), quant=QUANT, sigma=SIGMA)
    with open(os.path.join(REPO, "models", "vibration.md"), "w") as f:
        f.write(card.render(c))
    log("wrote models/vibration.tflite (%s), vibration.md, tests/vibration.*, "
        "recordings/vibration_replay.wav" % c["sha256"][:16])


if __name__ == "__main__":
    main()
