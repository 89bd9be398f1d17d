# SPDX-License-Identifier: MIT
"""Runs .tflite files in tinysense's own runtime, through tinysensectl:
what the daemon will compute, byte for byte."""
import os
import re
import subprocess
import tempfile

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def tinysensectl():
    """Path of the built tinysensectl ($TINYSENSECTL or build/tinysensectl)."""
    path = os.environ.get("TINYSENSECTL", os.path.join(REPO, "build", "tinysensectl"))
    if not os.access(path, os.X_OK):
        raise RuntimeError("%s not found: run `make` first" % path)
    return path


def run(tflite_path, inputs, output_bytes):
    """Runs every input set (int8 [n, input_bytes]) through the model and
    returns its outputs as int8 [n, output_bytes]."""
    inputs = np.ascontiguousarray(np.asarray(inputs, np.int8).reshape(len(inputs), -1))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
        inputs.tofile(src)
        subprocess.run([tinysensectl(), "model", "run", tflite_path, "--input", src,
                        "--output", dst], check=True)
        out = np.fromfile(dst, np.int8)
    return out.reshape(len(inputs), output_bytes)


def info(tflite_path):
    """`tinysensectl model info` as a dict: macs, arena_bytes, weight_bytes,
    operators ({name: count}), and the raw text."""
    text = subprocess.run([tinysensectl(), "model", "info", tflite_path], check=True,
                          capture_output=True, text=True).stdout
    d = {"text": text, "operators": {}}
    for key, pat in (("macs", r"^macs: (\d+)"), ("arena_bytes", r"^arena bytes: (\d+)"),
                     ("weight_bytes", r"^weight bytes: (\d+)")):
        m = re.search(pat, text, re.M)
        d[key] = int(m.group(1)) if m else None
    for m in re.finditer(r"^  ([A-Z0-9_]+) x(\d+)$", text, re.M):
        d["operators"][m.group(1)] = int(m.group(2))
    outs = text.split("outputs:")[1].split("operators:")[0]
    d["output_bytes"] = sum(int(b) for b in re.findall(r"(\d+) bytes", outs))
    ins = text.split("inputs:")[1].split("outputs:")[0]
    d["input_bytes"] = sum(int(b) for b in re.findall(r"(\d+) bytes", ins))
    return d


def output_bytes(tflite_path):
    """Bytes of all outputs of one inference."""
    return info(tflite_path)["output_bytes"]
