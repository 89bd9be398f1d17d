# SPDX-License-Identifier: MIT
"""int8 post-training quantization of a torch.nn.Sequential and its export
as a .tflite file (see README.md, "Exporter API").

    q = export_int8(model, calibration, input_quant=(0.10171568, -128))
    open("kws.tflite", "wb").write(q.tflite)

Weights: symmetric int8, per output channel for CONV_2D and
DEPTHWISE_CONV_2D (quantized_dimension 0 and 3), per tensor for
FULLY_CONNECTED unless per_channel_fc=True.  Biases int32 at
input_scale * weight_scale.  Activations: asymmetric int8, ranges = min/max
over the calibration data (always including 0), one scale and zero point
per tensor, as TFLite's converter does.  Output constraints of TFLite's
int8 kernels are honoured: SOFTMAX and LOGISTIC outputs at 1/256, -128,
TANH at 1/128, 0; pooling, RESHAPE keep their input's parameters.
"""
import numpy as np
import torch
from torch import nn

from . import tflite_writer as tw


class ExportError(ValueError):
    pass


class Exported:
    """What export_int8 returns.

    tflite:       the .tflite bytes
    input_quant:  (scale, zero_point) of the input tensor
    output_quant: (scale, zero_point) of the output tensor
    layers:       one line per emitted operator (for model cards)
    macs:         multiply-accumulates per inference
    weight_bytes: bytes of constant tensors (weights and biases)
    """

    def __init__(self, tflite, input_quant, output_quant, layers, macs, weight_bytes):
        self.tflite, self.input_quant, self.output_quant = tflite, input_quant, output_quant
        self.layers, self.macs, self.weight_bytes = layers, macs, weight_bytes

    def quantize_input(self, x):
        """Float input (torch layout, [n, ...]) -> int8 bytes in the model's
        input layout (NHWC), as the runtime takes them."""
        return quantize(to_nhwc(np.asarray(x, np.float32)), *self.input_quant)

    def dequantize_output(self, q):
        s, z = self.output_quant
        return (np.asarray(q, np.float32) - z) * s


def quantize(x, scale, zero_point):
    return np.clip(np.round(np.asarray(x) / scale) + zero_point, -128, 127).astype(np.int8)


def to_nhwc(x):
    """[n, C, H, W] -> [n, H, W, C]; other ranks unchanged."""
    return np.transpose(x, (0, 2, 3, 1)) if x.ndim == 4 else x


def _range_quant(lo, hi):
    """Asymmetric int8 parameters covering [lo, hi] (widened to hold 0)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zp = int(np.clip(np.round(-128 - lo / scale), -128, 127))
    return scale, zp


def _weight_scale(absmax, bias, in_scale):
    """Symmetric int8 scale(s) for weights of largest magnitude absmax,
    raised where needed so that the bias, at in_scale * scale, fits in int32
    with room to spare (a channel pruned to zero or nearly so)."""
    absmax = np.asarray(absmax, np.float64)
    floor = np.abs(np.asarray(bias, np.float64)) / (in_scale * float(2 ** 30))
    return np.maximum(np.where(absmax > 0, absmax / 127.0, 1.0), floor)


def _fold_batchnorm(weight, bias, bn):
    """Folds an eval-mode BatchNorm following a conv/linear into its weights."""
    g = bn.weight.detach().double().numpy() if bn.affine else np.ones(bn.num_features)
    beta = bn.bias.detach().double().numpy() if bn.affine else np.zeros(bn.num_features)
    mean = bn.running_mean.detach().double().numpy()
    var = bn.running_var.detach().double().numpy()
    k = g / np.sqrt(var + bn.eps)
    weight = weight * k.reshape((-1,) + (1,) * (weight.ndim - 1))
    bias = (bias - mean) * k + beta
    return weight, bias


def _groups(model):
    """Splits the Sequential into emitted layers: a compute module with its
    BatchNorm and activation folded in, or a standalone module.  Each group is
    (main module, folded batchnorm or None, activation or None, modules)."""
    mods = [m for m in model if not isinstance(m, (nn.Dropout, nn.Identity))]
    groups, i = [], 0
    while i < len(mods):
        m, bn, act, used = mods[i], None, None, [mods[i]]
        i += 1
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if i < len(mods) and isinstance(mods[i], (nn.BatchNorm1d, nn.BatchNorm2d)):
                bn = mods[i]
                used.append(bn)
                i += 1
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.AvgPool2d, nn.MaxPool2d)):
            if i < len(mods) and isinstance(mods[i], (nn.ReLU, nn.ReLU6)):
                act = mods[i]
                used.append(act)
                i += 1
        groups.append((m, bn, act, used))
    return groups


def _calibrate(model, groups, calibration, batch):
    """min/max of each group's output over the calibration data (torch
    layout), and of the input."""
    lo = [np.inf] * (len(groups) + 1)
    hi = [-np.inf] * (len(groups) + 1)
    with torch.no_grad():
        for s in range(0, len(calibration), batch):
            x = torch.as_tensor(np.asarray(calibration[s:s + batch], np.float32))
            lo[0], hi[0] = min(lo[0], x.min().item()), max(hi[0], x.max().item())
            for g, (_, _, _, used) in enumerate(groups):
                for m in used:
                    x = m(x)
                lo[g + 1] = min(lo[g + 1], x.min().item())
                hi[g + 1] = max(hi[g + 1], x.max().item())
    return lo, hi


def _conv_padding(m, in_hw):
    """(padding for the conv, explicit [[top, bottom], [left, right]] or None)."""
    k, s, d = m.kernel_size, m.stride, m.dilation
    if m.padding_mode != "zeros":
        raise ExportError("Conv2d padding_mode %r: only zeros" % m.padding_mode)
    pad = m.padding
    if isinstance(pad, str):
        if pad == "valid":
            return tw.VALID, None
        pad = tuple((d[i] * (k[i] - 1)) // 2 for i in range(2))
    if pad == (0, 0):
        return tw.VALID, None
    # TFLite SAME: output ceil(in / s), total padding split with the extra
    # element at the end.  Use it when it equals torch's symmetric padding.
    same = True
    for i in range(2):
        ke = d[i] * (k[i] - 1) + 1
        out_t = (in_hw[i] + 2 * pad[i] - ke) // s[i] + 1
        out_s = -(-in_hw[i] // s[i])
        total = max((out_s - 1) * s[i] + ke - in_hw[i], 0)
        if out_t != out_s or total // 2 != pad[i]:
            same = False
    if same:
        return tw.SAME, None
    return tw.VALID, [[pad[0], pad[0]], [pad[1], pad[1]]]


def export_int8(model, calibration, input_quant=None, per_channel_fc=False,
                description="", batch=256, name="model", output_quant=None):
    """Quantizes `model` (a torch.nn.Sequential in eval mode) with
    `calibration` (float inputs in torch layout, [n, C, H, W] or [n, F]) and
    writes it as a .tflite file.  input_quant=(scale, zero_point) fixes the
    input's quantization (e.g. the front-end's); None calibrates it.
    output_quant=(scale, zero_point) fixes the last layer's output
    quantization (an autoencoder reconstructing its input in the input's
    own units: pass input_quant); not for Softmax/Sigmoid/Tanh outputs.

    Supported modules, in order: Conv2d (groups 1 or depthwise), Linear,
    BatchNorm1d/2d after either (folded), ReLU/ReLU6 after a conv, linear or
    pool (fused), AvgPool2d, MaxPool2d, AdaptiveAvgPool2d(1) (MEAN over H, W),
    Flatten, Softmax(dim=1), Sigmoid, Tanh, ReLU, ReLU6, Dropout/Identity
    (skipped).  Anything else raises ExportError."""
    model = model.eval()
    groups = _groups(model)
    calibration = np.asarray(calibration, np.float32)
    lo, hi = _calibrate(model, groups, calibration, batch)
    shape = list(calibration.shape[1:])      # torch layout, no batch
    w = tw.TFLiteWriter(description)
    in_q = tuple(input_quant) if input_quant else _range_quant(lo[0], hi[0])

    def nhwc(shp):
        return [1] + (shp[1:] + shp[:1] if len(shp) == 3 else shp)

    cur = w.add_tensor("input", nhwc(shape), tw.INT8, quant=tw.Quant(in_q[0], in_q[1]))
    cur_q = in_q
    first_input = cur
    layers, macs, weight_bytes = [], 0, 0
    flatten_from = None      # torch [C, H, W] a Flatten turned into [C*H*W]

    for g, (m, bn, act, _) in enumerate(groups):
        lname = "%s/%d_%s" % (name, g, type(m).__name__.lower())
        out_q = _range_quant(lo[g + 1], hi[g + 1])
        if output_quant is not None and g == len(groups) - 1:
            if isinstance(m, (nn.Softmax, nn.Sigmoid, nn.Tanh)):
                raise ExportError("%s: output_quant cannot override %s's fixed output "
                                  "quantization" % (lname, type(m).__name__))
            out_q = (float(output_quant[0]), int(output_quant[1]))
        fused = tw.ACT_NONE
        if isinstance(act, nn.ReLU6):
            fused = tw.ACT_RELU6
        elif isinstance(act, nn.ReLU):
            fused = tw.ACT_RELU

        if isinstance(m, nn.Conv2d):
            if len(shape) != 3:
                raise ExportError("%s: Conv2d needs a [C, H, W] input, has %s" % (lname, shape))
            wt = m.weight.detach().double().numpy()
            bias = (m.bias.detach().double().numpy() if m.bias is not None
                    else np.zeros(m.out_channels))
            if bn is not None:
                wt, bias = _fold_batchnorm(wt, bias, bn)
            padding, explicit = _conv_padding(m, shape[1:])
            if explicit:
                # PAD (with the input's zero point, i.e. real 0) then VALID.
                padded = [shape[0], shape[1] + 2 * explicit[0][0], shape[2] + 2 * explicit[1][0]]
                pads = w.add_tensor(lname + "/paddings", [4, 2], tw.INT32,
                                    data=[[0, 0], explicit[0], explicit[1], [0, 0]])
                t = w.add_tensor(lname + "/pad", nhwc(padded), tw.INT8,
                                 quant=tw.Quant(cur_q[0], cur_q[1]))
                w.add_operator(tw.PAD, [cur, pads], [t], tw.empty_options())
                layers.append("PAD %s -> %s" % (shape, padded))
                cur, shape = t, padded
            depthwise = m.groups > 1
            if depthwise and not (m.groups == m.in_channels == shape[0]):
                raise ExportError("%s: grouped conv other than depthwise" % lname)
            oc = m.out_channels
            if depthwise:
                # torch [OC, 1, KH, KW] -> TFLite [1, KH, KW, OC], channel dim 3
                wt_t = np.transpose(wt, (1, 2, 3, 0))
                absmax = np.abs(wt).reshape(oc, -1).max(axis=1)
                qdim = 3
            else:
                # torch [OC, IC, KH, KW] -> TFLite [OC, KH, KW, IC], channel dim 0
                wt_t = np.transpose(wt, (0, 2, 3, 1))
                absmax = np.abs(wt).reshape(oc, -1).max(axis=1)
                qdim = 0
            w_scale = _weight_scale(absmax, bias, cur_q[0])
            bshape = [1, 1, 1, oc] if depthwise else [oc, 1, 1, 1]
            wq = np.clip(np.round(wt_t / w_scale.reshape(bshape)), -127, 127).astype(np.int8)
            b_scale = cur_q[0] * w_scale
            bq = np.round(bias / b_scale).astype(np.int64)
            if np.abs(bq).max(initial=0) >= 2 ** 31:
                raise ExportError("%s: bias out of int32 range" % lname)
            wt_i = w.add_tensor(lname + "/weights", list(wq.shape), tw.INT8, data=wq,
                                quant=tw.Quant(w_scale, [0] * oc, qdim))
            b_i = w.add_tensor(lname + "/bias", [oc], tw.INT32, data=bq.astype(np.int32),
                               quant=tw.Quant(b_scale, [0] * oc, 0))
            kh, kw = m.kernel_size
            sh, sw = m.stride
            ke = [m.dilation[i] * (m.kernel_size[i] - 1) + 1 for i in range(2)]
            if padding == tw.SAME:
                oh, ow = -(-shape[1] // sh), -(-shape[2] // sw)
            else:
                oh, ow = (shape[1] - ke[0]) // sh + 1, (shape[2] - ke[1]) // sw + 1
            out_shape = [oc, oh, ow]
            out = w.add_tensor(lname, nhwc(out_shape), tw.INT8, quant=tw.Quant(*out_q))
            if depthwise:
                w.add_operator(tw.DEPTHWISE_CONV_2D, [cur, wt_i, b_i], [out],
                               tw.depthwise_conv2d_options((sh, sw), padding, fused, 1,
                                                           m.dilation))
                macs += oh * ow * oc * kh * kw
            else:
                w.add_operator(tw.CONV_2D, [cur, wt_i, b_i], [out],
                               tw.conv2d_options((sh, sw), padding, fused, m.dilation))
                macs += oh * ow * oc * kh * kw * shape[0]
            weight_bytes += wq.size + 4 * oc
            layers.append("%s %dx%d/%d %s -> %s%s" % (
                "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", kh, kw, sh, shape,
                out_shape, "" if fused == tw.ACT_NONE else " +" + type(act).__name__))
            cur, cur_q, shape = out, out_q, out_shape

        elif isinstance(m, nn.Linear):
            if len(shape) != 1:
                raise ExportError("%s: Linear needs a flat input (add nn.Flatten)" % lname)
            wt = m.weight.detach().double().numpy()
            bias = (m.bias.detach().double().numpy() if m.bias is not None
                    else np.zeros(m.out_features))
            if bn is not None:
                wt, bias = _fold_batchnorm(wt, bias, bn)
            if flatten_from is not None and len(flatten_from) == 3:
                # torch flattened C,H,W; TFLite flattens H,W,C.
                c, h, ww = flatten_from
                wt = wt.reshape(-1, c, h, ww).transpose(0, 2, 3, 1).reshape(wt.shape[0], -1)
            flatten_from = None
            units = m.out_features
            if per_channel_fc:
                w_scale = _weight_scale(np.abs(wt).max(axis=1), bias, cur_q[0])
            else:
                w_scale = np.full(units, _weight_scale(np.abs(wt).max(), np.abs(bias).max(),
                                                       cur_q[0]))
            wq = np.clip(np.round(wt / w_scale[:, None]), -127, 127).astype(np.int8)
            b_scale = cur_q[0] * w_scale
            bq = np.round(bias / b_scale).astype(np.int64)
            if np.abs(bq).max(initial=0) >= 2 ** 31:
                raise ExportError("%s: bias out of int32 range" % lname)
            n_s = units if per_channel_fc else 1
            wt_i = w.add_tensor(lname + "/weights", list(wq.shape), tw.INT8, data=wq,
                                quant=tw.Quant(w_scale[:n_s], [0] * n_s, 0))
            b_i = w.add_tensor(lname + "/bias", [units], tw.INT32, data=bq.astype(np.int32),
                               quant=tw.Quant(b_scale[:n_s], [0] * n_s, 0))
            out = w.add_tensor(lname, [1, units], tw.INT8, quant=tw.Quant(*out_q))
            w.add_operator(tw.FULLY_CONNECTED, [cur, wt_i, b_i], [out],
                           tw.fully_connected_options(fused))
            macs += wt.size
            weight_bytes += wq.size + 4 * units
            layers.append("FULLY_CONNECTED %d -> %d%s" % (
                shape[0], units, "" if fused == tw.ACT_NONE else " +" + type(act).__name__))
            cur, cur_q, shape = out, out_q, [units]

        elif isinstance(m, (nn.AvgPool2d, nn.MaxPool2d)):
            k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size,) * 2
            s = m.stride if isinstance(m.stride, tuple) else (m.stride,) * 2
            p = m.padding if isinstance(m.padding, tuple) else (m.padding,) * 2
            if p != (0, 0) or getattr(m, "ceil_mode", False):
                raise ExportError("%s: pooling with padding or ceil_mode" % lname)
            out_shape = [shape[0], (shape[1] - k[0]) // s[0] + 1, (shape[2] - k[1]) // s[1] + 1]
            # int8 pooling keeps its input's quantization (a fused ReLU only
            # clamps at the zero point).
            out = w.add_tensor(lname, nhwc(out_shape), tw.INT8, quant=tw.Quant(*cur_q))
            op = tw.AVERAGE_POOL_2D if isinstance(m, nn.AvgPool2d) else tw.MAX_POOL_2D
            w.add_operator(op, [cur], [out], tw.pool2d_options(k, s, tw.VALID, fused))
            layers.append("%s %dx%d %s -> %s" % ("AVERAGE_POOL_2D" if op == tw.AVERAGE_POOL_2D
                                                 else "MAX_POOL_2D", k[0], k[1], shape,
                                                 out_shape))
            cur, shape = out, out_shape

        elif isinstance(m, nn.AdaptiveAvgPool2d):
            if m.output_size not in (1, (1, 1)):
                raise ExportError("%s: AdaptiveAvgPool2d only to 1x1" % lname)
            axes = w.add_tensor(lname + "/axes", [2], tw.INT32, data=[1, 2])
            out_shape = [shape[0], 1, 1]
            out = w.add_tensor(lname, nhwc(out_shape), tw.INT8, quant=tw.Quant(*out_q))
            w.add_operator(tw.MEAN, [cur, axes], [out], tw.reducer_options(True))
            macs += shape[0] * shape[1] * shape[2]
            layers.append("MEAN over H, W %s -> %s" % (shape, out_shape))
            cur, cur_q, shape = out, out_q, out_shape

        elif isinstance(m, nn.Flatten):
            flatten_from = list(shape)
            n = int(np.prod(shape))
            new = w.add_tensor(lname + "/shape", [2], tw.INT32, data=[1, n])
            out = w.add_tensor(lname, [1, n], tw.INT8, quant=tw.Quant(*cur_q))
            w.add_operator(tw.RESHAPE, [cur, new], [out], tw.reshape_options([1, n]))
            layers.append("RESHAPE %s -> [%d]" % (shape, n))
            cur, shape = out, [n]

        elif isinstance(m, (nn.Softmax, nn.Sigmoid, nn.Tanh, nn.ReLU, nn.ReLU6)):
            if isinstance(m, nn.Softmax):
                if m.dim not in (1, -1) or len(shape) != 1:
                    raise ExportError("%s: Softmax over features of a flat tensor only" % lname)
                op, q, opts = tw.SOFTMAX, (1.0 / 256, -128), tw.softmax_options(1.0)
            elif isinstance(m, nn.Sigmoid):
                op, q, opts = tw.LOGISTIC, (1.0 / 256, -128), None
            elif isinstance(m, nn.Tanh):
                op, q, opts = tw.TANH, (1.0 / 128, 0), None
            elif isinstance(m, nn.ReLU6):
                op, q, opts = tw.RELU6, out_q, None
            else:
                op, q, opts = tw.RELU, out_q, None
            out = w.add_tensor(lname, w.tensor_shape(cur), tw.INT8, quant=tw.Quant(*q))
            w.add_operator(op, [cur], [out], opts)
            layers.append(type(m).__name__.upper())
            cur, cur_q = out, q
        else:
            raise ExportError("%s: %s is not supported by the exporter" %
                              (lname, type(m).__name__))

    w.set_io([first_input], [cur])
    return Exported(w.finish(), in_q, cur_q, layers, macs, weight_bytes)
