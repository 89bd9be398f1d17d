#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Makes models/kws.tflite, models/kws.labels, models/kws.md and the shipped
test set models/tests/kws.*: corpus (corpus.py), training, int8 export,
checks in tinysense's runtime, pruning table, real recordings.

    PYTHONPATH=models/train /usr/bin/python3 models/train/kws/train.py [--work DIR]

Deterministic: every random choice is seeded (SEED), torch runs
deterministic kernels on a fixed number of threads.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import corpus                                                    # noqa: E402
from windows import Windows, FRAMES                              # noqa: E402
from tinysense_train import common, export, features, runtime, shipping  # noqa: E402

SEED = 20261122
EPOCHS = 36
FINETUNE_EPOCHS = 4
SILENCE_FRACTION = 0.2
PRUNE_FRACTIONS = [0.5, 0.7, 0.85]
SHIPPED_TEST_ROWS = 240
REPO = runtime.REPO
SHARED = os.environ.get("TS_SHARED", os.path.join(REPO, "..", "shared"))


def log(msg):
    print(msg, flush=True)


def to_float(q):
    """int8 features [n, 49, 40] -> the float input [n, 1, 49, 40] they stand for."""
    return ((q.astype(np.float32) - features.AUDIO_ZERO_POINT) *
            features.AUDIO_SCALE)[:, None, :, :]


def make_model(n_classes, width=48):
    """A small depthwise-separable CNN over the 49 x 40 log-mel window."""
    def ds(c, stride=1):
        return [nn.Conv2d(c, c, 3, stride=stride, padding=1, groups=c, bias=False),
                nn.BatchNorm2d(c), nn.ReLU(),
                nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
    return nn.Sequential(
        nn.Conv2d(1, width, (5, 4), stride=2, padding=(2, 1), bias=False),
        nn.BatchNorm2d(width), nn.ReLU(),
        *ds(width, 2), *ds(width), *ds(width),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(width, n_classes), nn.Softmax(dim=1))


def spec_augment(xb, rng):
    """Time and frequency masks (to the feature floor, real 0)."""
    xb = xb.copy()
    for x in xb:
        t = rng.randint(0, 8)
        s = rng.randint(0, FRAMES - t)
        x[:, s:s + t, :] = 0
        f = rng.randint(0, 6)
        s = rng.randint(0, 40 - f)
        x[:, :, s:s + f] = 0
    return xb


def train(model, wins, epochs, rng, lr=5e-3, masks=None, batch=64):
    """Fresh random windows every epoch (the word anywhere in the window)."""
    body = model[:-1]
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    per_epoch = (len(wins.idx) / (1 - SILENCE_FRACTION) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr,
                                                total_steps=int(epochs * (per_epoch + 2)))
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        t0 = time.time()
        xq, y = wins.sample(rng, SILENCE_FRACTION)
        x = to_float(xq)
        order = rng.permutation(len(x))
        model.train()
        total = correct = 0.0
        for s in range(0, len(x), batch):
            i = order[s:s + batch]
            xb = torch.as_tensor(spec_augment(x[i], rng))
            yb = torch.as_tensor(y[i], dtype=torch.long)
            opt.zero_grad()
            out = body(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            sched.step()
            if masks:
                common.apply_masks(model, masks)
            total += loss.item() * len(i)
            correct += (out.argmax(1) == yb).sum().item()
        log("  epoch %2d/%d  loss %.4f  train acc %.3f  (%.0f s)" %
            (epoch + 1, epochs, total / len(x), correct / len(x), time.time() - t0))
    model.eval()
    return model


def export_and_check(model, name, x_calib, x_test, y_test, path):
    """int8 export; runs the file in tinysense's runtime on the test set.
    Returns (Exported, int8 predictions, float predictions, runtime info)."""
    q = export.export_int8(model, x_calib, input_quant=(features.AUDIO_SCALE,
                                                        features.AUDIO_ZERO_POINT),
                           description="tinysense keyword spotting (%s)" % name, name=name)
    with open(path, "wb") as f:
        f.write(q.tflite)
    info = runtime.info(path)
    out = runtime.run(path, q.quantize_input(x_test), info["output_bytes"])
    p_float = common.predict(model, x_test).argmax(1)
    return q, out.argmax(1), p_float, info


def accuracy(p, y):
    return float((p == y).mean())


def flatc_check(path, work):
    """Optional second opinion: flatc (flatbuffers-compiler) decodes the file
    with TFLite's schema.fbs from the TFLite Micro mirror, when both exist."""
    mirror = "/work/.mirror/tensorflow+tflite-micro/repo"
    if not os.path.isdir(mirror) or subprocess.run(["which", "flatc"],
                                                   capture_output=True).returncode:
        return "not run (flatc or the TFLite schema not available)"
    schema = os.path.join(work, "schema.fbs")
    # flatc 2.0 predates some of today's schema syntax: walk back through the
    # schema's history to the newest one it parses (field ids never change).
    for p in ["tensorflow/lite/schema/schema.fbs",
              "tensorflow/compiler/mlir/lite/schema/schema.fbs"]:
        revs = subprocess.run(["git", "-C", mirror, "log", "--format=%h", "-n", "40", "--", p],
                              capture_output=True, text=True).stdout.split()
        for rev in revs:
            r = subprocess.run(["git", "-C", mirror, "show", "%s:%s" % (rev, p)],
                               capture_output=True)
            if r.returncode:
                continue
            with open(schema, "wb") as f:
                f.write(r.stdout)
            res = subprocess.run(["flatc", "--json", "--strict-json", "--raw-binary",
                                  "-o", work, schema, "--", path], capture_output=True,
                                 text=True)
            if res.returncode == 0:
                with open(os.path.join(work, os.path.basename(path)[:-7] + ".json")) as f:
                    j = json.load(f)
                g = j["subgraphs"][0]
                return ("flatc (flatbuffers-compiler) decodes it with TFLite's schema.fbs "
                        "(tflite-micro %s): %d tensors, %d operators (%s), %d buffers" %
                        (rev, len(g["tensors"]), len(g["operators"]),
                         ", ".join(sorted(set(c["builtin_code"] for c in j["operator_codes"]))),
                         len(j["buffers"])))
    return "not run (no schema.fbs revision that flatc parses)"


def real_recordings(path, labels):
    """The int8 model on the real 1 s recordings in ../shared/frontend (their
    golden features, front-end state from zero), and `tinysensectl detect`
    with config/pipelines.d/kws.conf on the 4 s stream."""
    rows = []
    fe = os.path.join(SHARED, "frontend")
    for clip in ["yes", "no", "silence", "noise"]:
        f = os.path.join(fe, "%s_1000ms.int8.bin" % clip)
        if not os.path.exists(f):
            continue
        x = np.fromfile(f, np.int8)[:FRAMES * 40].reshape(1, -1)
        out = runtime.run(path, x, len(labels))[0]
        p = (out.astype(np.float64) + 128) / 256
        rows.append((clip + "_1000ms.wav", labels[int(out.argmax())], float(p.max())))
    def detect(wav):
        return subprocess.run(
            [runtime.tinysensectl(), "detect", "--config",
             os.path.join(REPO, "config", "pipelines.d", "kws.conf"), "--model-dir",
             os.path.join(REPO, "models"), wav], capture_output=True, text=True,
            check=True).stdout
    stream = os.path.join(fe, "stream_yes_silence_no_noise.wav")
    detections = detect(stream) if os.path.exists(stream) else ""
    # Each word after 2 s of the silence or the noise recording, the
    # front-end settled as in a running daemon.
    settled = []
    with tempfile.TemporaryDirectory() as tmp:
        for bg in ["silence", "noise"]:
            back = os.path.join(fe, "%s_1000ms.wav" % bg)
            for clip in ["yes", "no"]:
                word = os.path.join(fe, "%s_1000ms.wav" % clip)
                if not (os.path.exists(word) and os.path.exists(back)):
                    continue
                wav = os.path.join(tmp, "%s_%s.wav" % (bg, clip))
                subprocess.run(["sox", back, back, word, back, wav], check=True)
                found = [line.split()[2] for line in detect(wav).splitlines()]
                settled.append(("%s after 2 s of %s" % (clip, bg), found))
    return rows, detections, settled


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(REPO, "build", "models"))
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--trial", type=int, default=0,
                    help="a quick trial on every N-th clip (not for shipping)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    os.environ["TS_TRAIN_THREADS"] = str(args.threads)
    common.seed_everything(SEED)
    t_start = time.time()

    plan = corpus.clip_plan(SEED)
    cache = os.path.join(args.work, "kws_corpus.npz")
    if args.trial:
        plan = plan[::args.trial]
        cache = os.path.join(args.work, "kws_corpus_trial.npz")
    data = corpus.build(plan, cache, log=log)
    test_mask = data["test"].astype(bool)
    train_w = Windows(data, ~test_mask)
    test_w = Windows(data, test_mask)
    labels = corpus.LABELS
    voices_train = sorted(set(data["voice"][~test_mask]))
    voices_test = sorted(set(data["voice"][test_mask]))
    log("corpus: %d training clips from %d voices, %d test clips from %d held-out voices"
        % ((~test_mask).sum(), len(voices_train), test_mask.sum(), len(voices_test)))

    rng = np.random.RandomState(SEED)
    xq_test, y_test = test_w.centred()
    x_test = to_float(xq_test)
    xq_cal, _ = train_w.sample(np.random.RandomState(SEED + 1), SILENCE_FRACTION)
    x_cal = to_float(xq_cal[np.random.RandomState(SEED + 2).permutation(len(xq_cal))[:2000]])

    model = make_model(len(labels))
    log("training: %d epochs" % args.epochs)
    train(model, train_w, args.epochs, rng)
    state = {k: v.clone() for k, v in model.state_dict().items()}

    path = shipping.write_model("kws", b"", labels)   # path; bytes follow
    q, p_int8, p_float, info = export_and_check(model, "kws", x_cal, x_test, y_test, path)
    acc_f, acc_q = accuracy(p_float, y_test), accuracy(p_int8, y_test)
    agree = float((p_float == p_int8).mean())
    log("held-out voices: float %.4f  int8 %.4f  agreement %.4f" % (acc_f, acc_q, agree))
    conf = common.confusion(y_test, p_int8, len(labels))

    # pruning table: prune the trained model, fine-tune with masks, export
    prune_rows = [(0.0, common.sparsity(model), info["weight_bytes"],
                   len(gzip.compress(q.tflite, 9, mtime=0)), acc_f, acc_q)]
    for frac in PRUNE_FRACTIONS:
        m = make_model(len(labels))
        m.load_state_dict(state)
        masks = common.prune_magnitude(m, frac)
        train(m, train_w, FINETUNE_EPOCHS, np.random.RandomState(SEED + int(frac * 100)),
              lr=2e-3, masks=masks)
        ppath = os.path.join(args.work, "kws_pruned_%02d.tflite" % int(frac * 100))
        qp, pq, pf, _ = export_and_check(m, "kws-pruned", x_cal, x_test, y_test, ppath)
        prune_rows.append((frac, common.sparsity(m), info["weight_bytes"],
                           len(gzip.compress(qp.tflite, 9, mtime=0)), accuracy(pf, y_test),
                           accuracy(pq, y_test)))
        log("pruned %.2f: sparsity %.3f, gzip %d B, float %.4f, int8 %.4f" %
            (frac, prune_rows[-1][1], prune_rows[-1][3], prune_rows[-1][4], prune_rows[-1][5]))

    # shipped test set: a class-stratified, seeded subset of the held-out windows
    sel_rng = np.random.RandomState(SEED + 3)
    per_class = SHIPPED_TEST_ROWS // len(labels)
    sel = np.concatenate([sel_rng.permutation(np.nonzero(y_test == c)[0])[:per_class]
                          for c in range(len(labels))])
    sel.sort()
    correct, total = shipping.write_testset("kws", q.quantize_input(x_test[sel]), y_test[sel])
    flatc = flatc_check(path, args.work)
    rows, detections, settled = real_recordings(path, labels)

    card = dict(labels=labels, acc_f=acc_f, acc_q=acc_q, agree=agree, n_test=len(y_test),
                conf=conf, info=info, layers=q.layers, prune=prune_rows, correct=correct,
                total=total, voices_train=voices_train, voices_test=voices_test,
                n_train_clips=int((~test_mask).sum()), n_test_clips=int(test_mask.sum()),
                real=rows, detections=detections, settled=settled, flatc=flatc,
                epochs=args.epochs,
                sha256=common.sha256_file(path), minutes=(time.time() - t_start) / 60)
    import card as card_mod
    with open(os.path.join(REPO, "models", "kws.md"), "w") as f:
        f.write(card_mod.render(card))
    log("wrote models/kws.tflite (%s), kws.labels, kws.md, tests/kws.* in %.1f min"
        % (card["sha256"][:16], card["minutes"]))


if __name__ == "__main__":
    main()
