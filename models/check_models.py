#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make check-models: every shipped model (models/tests/NAME.json) loads in
tinysense's runtime, matches its recorded sha256, and reproduces, on its
small shipped test set, the accuracy its model card states.

Python standard library only (no numpy, no torch): CI stays light.

Usage: check_models.py TINYSENSECTL [MODELS_DIR]
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def fail(name, msg):
    print("check-models: %s: %s" % (name, msg))
    return False


def run_model(ctl, model, inputs, tmp):
    out = os.path.join(tmp, "out.bin")
    subprocess.run([ctl, "model", "run", model, "--input", inputs, "--output", out],
                   check=True)
    with open(out, "rb") as f:
        return f.read()


def int8(b):
    return b - 256 if b > 127 else b


def top1_predictions(outputs, n_out):
    preds = []
    for k in range(0, len(outputs), n_out):
        row = [int8(b) for b in outputs[k:k + n_out]]
        preds.append(row.index(max(row)))
    return preds


def reconstruction_predictions(inputs, outputs, n, threshold):
    """1 (anomalous) where the mean squared difference of the int8 output
    and input rows (in quantized units) is above threshold."""
    preds = []
    for k in range(0, len(outputs), n):
        err = sum((int8(o) - int8(i)) ** 2 for o, i in zip(outputs[k:k + n], inputs[k:k + n]))
        preds.append(1 if err / n > threshold else 0)
    return preds


def check(ctl, models_dir, manifest):
    name = os.path.basename(manifest)[:-len(".json")]
    with open(manifest) as f:
        m = json.load(f)
    model = os.path.join(models_dir, m["model"])
    with open(model, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != m["sha256"]:
        return fail(name, "%s: sha256 %s, recorded %s" % (m["model"], digest, m["sha256"]))
    inputs_path = os.path.join(models_dir, m["input"])
    with open(inputs_path, "rb") as f:
        inputs = f.read()
    with open(os.path.join(models_dir, m["labels"]), "rb") as f:
        truth = list(f.read())
    n_in = len(inputs) // len(truth)
    if n_in * len(truth) != len(inputs):
        return fail(name, "%d input bytes for %d labels" % (len(inputs), len(truth)))
    with tempfile.TemporaryDirectory() as tmp:
        outputs = run_model(ctl, model, inputs_path, tmp)
    n_out = len(outputs) // len(truth)
    if m["metric"] == "top1":
        preds = top1_predictions(outputs, n_out)
    elif m["metric"] == "reconstruction":
        preds = reconstruction_predictions(inputs, outputs, n_in, m["threshold"])
    else:
        return fail(name, "unknown metric %r" % m["metric"])
    correct = sum(1 for p, t in zip(preds, truth) if p == t)
    line = "%d of %d" % (correct, len(truth))
    if correct != m["correct"]:
        return fail(name, "%s correct, the manifest records %d" % (line, m["correct"]))
    with open(os.path.join(models_dir, m["card"])) as f:
        card = f.read()
    if line not in card:
        return fail(name, "the model card %s does not state '%s'" % (m["card"], line))
    print("check-models: %s: sha256 ok, %s on the shipped test set (%.1f%%), as its card says"
          % (name, line, 100.0 * correct / len(truth)))
    return True


def main():
    ctl = sys.argv[1]
    models_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    tests = os.path.join(models_dir, "tests")
    manifests = sorted(os.path.join(tests, f) for f in os.listdir(tests) if f.endswith(".json"))
    if not manifests:
        print("check-models: no models/tests/*.json")
        return 1
    ok = all([check(ctl, models_dir, mf) for mf in manifests])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
