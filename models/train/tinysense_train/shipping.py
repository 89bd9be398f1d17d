# SPDX-License-Identifier: MIT
"""What ships in models/: the .tflite, its labels, its small test set and
the manifest models/check_models.py (make check) verifies."""
import json
import os

import numpy as np

from . import runtime
from .common import sha256_file

MODELS = os.path.join(runtime.REPO, "models")


def write_model(name, tflite_bytes, labels=None):
    """models/NAME.tflite (and models/NAME.labels, one label a line)."""
    path = os.path.join(MODELS, name + ".tflite")
    with open(path, "wb") as f:
        f.write(tflite_bytes)
    if labels is not None:
        with open(os.path.join(MODELS, name + ".labels"), "w") as f:
            f.write("".join(l + "\n" for l in labels))
    return path


def write_testset(name, inputs, truth, metric="top1", threshold=None):
    """Writes models/tests/NAME.input.bin (int8 rows, the model's input
    bytes), NAME.labels.bin (one uint8 true class a row: for "top1" the
    class index, for "reconstruction" 1 = anomalous) and NAME.json, after
    running the shipped model on them in tinysense's runtime.  Returns
    (correct, total): the card must state "CORRECT of TOTAL"."""
    inputs = np.ascontiguousarray(np.asarray(inputs, np.int8).reshape(len(truth), -1))
    truth = np.asarray(truth, np.uint8)
    tests = os.path.join(MODELS, "tests")
    os.makedirs(tests, exist_ok=True)
    inputs.tofile(os.path.join(tests, name + ".input.bin"))
    truth.tofile(os.path.join(tests, name + ".labels.bin"))
    model = os.path.join(MODELS, name + ".tflite")
    correct = _correct(model, inputs, truth, metric, threshold)
    manifest = {"model": name + ".tflite", "sha256": sha256_file(model),
                "input": "tests/%s.input.bin" % name, "labels": "tests/%s.labels.bin" % name,
                "metric": metric, "correct": int(correct), "card": name + ".md"}
    if threshold is not None:
        manifest["threshold"] = threshold
    with open(os.path.join(tests, name + ".json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return int(correct), len(truth)


def _correct(model, inputs, truth, metric, threshold):
    out_bytes = runtime.output_bytes(model)
    out = runtime.run(model, inputs, out_bytes)
    if metric == "top1":
        pred = out.argmax(axis=1)
    elif metric == "reconstruction":
        err = ((out.astype(np.int64) - inputs.astype(np.int64)) ** 2).mean(axis=1)
        pred = (err > threshold).astype(np.uint8)
    else:
        raise ValueError("unknown metric %r" % metric)
    return int((pred == truth).sum())
