# SPDX-License-Identifier: MIT
"""Training utilities shared by the model scripts: seeding, a plain
training loop, evaluation, magnitude pruning, hashes."""
import hashlib
import os
import random

import numpy as np
import torch
from torch import nn


def seed_everything(seed):
    """Same seed, same model: Python, numpy and torch RNGs, deterministic
    torch kernels, one thread (thread count changes float sums)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(int(os.environ.get("TS_TRAIN_THREADS", "1")))


def predict(model, x, batch=512):
    """Float outputs of `model` (eval mode, no grad) for numpy inputs."""
    model.eval()
    outs = []
    with torch.no_grad():
        for s in range(0, len(x), batch):
            outs.append(model(torch.as_tensor(np.asarray(x[s:s + batch], np.float32))).numpy())
    return np.concatenate(outs) if outs else np.zeros((0,))


def train_classifier(model, x, y, epochs, lr=3e-3, batch=64, weight_decay=1e-4, seed=0,
                     augment=None, log=print, class_weights=None):
    """Adam + cosine learning rate, cross-entropy on the model's output
    before its final Softmax (the model is an nn.Sequential ending in
    nn.Softmax).  augment(xb, rng) may perturb a numpy batch."""
    rng = np.random.RandomState(seed)
    body = model[:-1] if isinstance(model[-1], nn.Softmax) else model
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    weight = torch.as_tensor(class_weights, dtype=torch.float32) if class_weights is not None \
        else None
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(x))
        total = 0.0
        for s in range(0, len(x), batch):
            idx = order[s:s + batch]
            xb = x[idx]
            if augment is not None:
                xb = augment(xb, rng)
            xb = torch.as_tensor(np.asarray(xb, np.float32))
            yb = torch.as_tensor(y[idx], dtype=torch.long)
            opt.zero_grad()
            loss = loss_fn(body(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        log("  epoch %2d  loss %.4f" % (epoch + 1, total / len(x)))
    model.eval()
    return model


def prune_magnitude(model, fraction):
    """Zeroes the `fraction` smallest-magnitude weights of every Conv2d and
    Linear (per layer; biases and depthwise kernels untouched) and returns
    {parameter name: mask} for fine-tuning with apply_masks()."""
    masks = {}
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and not (
                isinstance(m, nn.Conv2d) and m.groups > 1):
            w = m.weight.data
            k = int(fraction * w.numel())
            if k == 0:
                continue
            cut = w.abs().flatten().kthvalue(k).values
            mask = (w.abs() > cut).float()
            w.mul_(mask)
            masks[name] = mask
    return masks


def apply_masks(model, masks):
    """Re-applies pruning masks (call after each optimizer step)."""
    mods = dict(model.named_modules())
    with torch.no_grad():
        for name, mask in masks.items():
            mods[name].weight.mul_(mask)


def sparsity(model):
    """Fraction of zero weights over all Conv2d and Linear layers."""
    zero = total = 0
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            zero += int((m.weight == 0).sum())
            total += m.weight.numel()
    return zero / max(total, 1)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def confusion(y_true, y_pred, n):
    c = np.zeros((n, n), np.int64)
    for t, p in zip(y_true, y_pred):
        c[t, p] += 1
    return c
