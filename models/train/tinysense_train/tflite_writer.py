# SPDX-License-Identifier: MIT
"""Writes TensorFlow Lite flatbuffers (schema v3, identifier "TFL3").

Our own subset of TFLite's schema.fbs, with its real field ids (a table
field's declaration order; a union takes two ids, its _type then its value),
written with python3-flatbuffers' Builder.  No generated code.

    w = TFLiteWriter("kws: 4-layer CNN")
    x = w.add_tensor("input", [1, 49, 40, 1], INT8, quant=Quant([0.1], [-128]))
    f = w.add_tensor("conv/w", [8, 3, 3, 1], INT8, data=w_q, quant=Quant(s, [0]*8, 0))
    ...
    w.add_operator(CONV_2D, [x, f, b], [y], conv2d_options(stride=(1, 1)))
    w.set_io([x], [y])
    blob = w.finish()

Buffer 0 is the empty sentinel every TFLite file has; tensors without
data (activations) point at it.  Constant data is 16-byte aligned.
"""
import numpy as np
import flatbuffers

# enum TensorType
FLOAT32, INT32, UINT8, INT64, INT8 = 0, 2, 3, 4, 9
_NP_TYPE = {FLOAT32: np.float32, INT32: np.int32, UINT8: np.uint8, INT64: np.int64,
            INT8: np.int8}

# enum BuiltinOperator (the operators the exporter emits)
ADD, AVERAGE_POOL_2D, CONV_2D, DEPTHWISE_CONV_2D = 0, 1, 3, 4
FULLY_CONNECTED, LOGISTIC, MAX_POOL_2D, MUL, RELU, RELU6 = 9, 14, 17, 18, 19, 21
RESHAPE, SOFTMAX, TANH, PAD, MEAN, QUANTIZE = 22, 25, 28, 34, 40, 114

# union BuiltinOptions: type tag of each operator's options table
_OPTIONS_TYPE = {CONV_2D: 1, DEPTHWISE_CONV_2D: 2, AVERAGE_POOL_2D: 5, MAX_POOL_2D: 5,
                 FULLY_CONNECTED: 8, SOFTMAX: 9, ADD: 11, RESHAPE: 17, MUL: 21, PAD: 22,
                 MEAN: 27, QUANTIZE: 89}

# enum Padding, ActivationFunctionType
SAME, VALID = 0, 1
ACT_NONE, ACT_RELU, ACT_RELU6 = 0, 1, 3

# Field ids (declaration order in schema.fbs)
_MODEL = dict(version=0, operator_codes=1, subgraphs=2, description=3, buffers=4)
_OPCODE = dict(deprecated_builtin_code=0, version=2, builtin_code=3)
_SUBGRAPH = dict(tensors=0, inputs=1, outputs=2, operators=3, name=4)
_TENSOR = dict(shape=0, type=1, buffer=2, name=3, quantization=4)
_QUANT = dict(min=0, max=1, scale=2, zero_point=3, quantized_dimension=6)
_OPERATOR = dict(opcode_index=0, inputs=1, outputs=2, builtin_options_type=3,
                 builtin_options=4)
_BUFFER = dict(data=0)


class Quant:
    """Affine quantization: real = scale * (q - zero_point); one scale per
    tensor, or one per slice along `dim` (per-channel)."""

    def __init__(self, scale, zero_point, dim=0):
        self.scale = [float(s) for s in np.atleast_1d(scale)]
        self.zero_point = [int(z) for z in np.atleast_1d(zero_point)]
        self.dim = int(dim)
        if len(self.scale) != len(self.zero_point):
            raise ValueError("Quant: %d scales, %d zero points" %
                             (len(self.scale), len(self.zero_point)))


class Options:
    """A builtin options table: (field id, kind, value) triples, kind one of
    'i32', 'u8', 'bool', 'f32', 'vi32' (vector of int)."""

    def __init__(self, *fields):
        self.fields = fields


def conv2d_options(stride=(1, 1), padding=VALID, activation=ACT_NONE, dilation=(1, 1)):
    """Conv2DOptions: padding 0, stride_w 1, stride_h 2, activation 3,
    dilation_w 4, dilation_h 5.  stride and dilation are (h, w)."""
    return Options((0, 'u8', padding), (1, 'i32', stride[1]), (2, 'i32', stride[0]),
                   (3, 'u8', activation), (4, 'i32', dilation[1]), (5, 'i32', dilation[0]))


def depthwise_conv2d_options(stride=(1, 1), padding=VALID, activation=ACT_NONE,
                             depth_multiplier=1, dilation=(1, 1)):
    """DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2,
    depth_multiplier 3, activation 4, dilation_w 5, dilation_h 6."""
    return Options((0, 'u8', padding), (1, 'i32', stride[1]), (2, 'i32', stride[0]),
                   (3, 'i32', depth_multiplier), (4, 'u8', activation),
                   (5, 'i32', dilation[1]), (6, 'i32', dilation[0]))


def pool2d_options(filter_hw, stride=None, padding=VALID, activation=ACT_NONE):
    """Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3,
    filter_height 4, activation 5."""
    stride = stride or filter_hw
    return Options((0, 'u8', padding), (1, 'i32', stride[1]), (2, 'i32', stride[0]),
                   (3, 'i32', filter_hw[1]), (4, 'i32', filter_hw[0]), (5, 'u8', activation))


def fully_connected_options(activation=ACT_NONE, keep_num_dims=False):
    """FullyConnectedOptions: activation 0, weights_format 1, keep_num_dims 2."""
    return Options((0, 'u8', activation), (1, 'u8', 0), (2, 'bool', keep_num_dims))


def softmax_options(beta=1.0):
    """SoftmaxOptions: beta 0."""
    return Options((0, 'f32', beta))


def reshape_options(new_shape):
    """ReshapeOptions: new_shape 0."""
    return Options((0, 'vi32', list(new_shape)))


def reducer_options(keep_dims=False):
    """ReducerOptions (MEAN): keep_dims 0."""
    return Options((0, 'bool', keep_dims))


def add_options(activation=ACT_NONE):
    """AddOptions / MulOptions: activation 0."""
    return Options((0, 'u8', activation))


def empty_options():
    """PadOptions, QuantizeOptions: no fields."""
    return Options()


class _Tensor:
    def __init__(self, name, shape, dtype, buffer, quant):
        self.name, self.shape, self.dtype = name, [int(d) for d in shape], dtype
        self.buffer, self.quant = buffer, quant


class TFLiteWriter:
    """Collects tensors, constant buffers and operators of one subgraph and
    writes them as a .tflite file.  Indices returned by add_* are the ones
    operators refer to."""

    def __init__(self, description=""):
        self.description = description
        self.buffers = [b""]          # buffer 0: the empty sentinel
        self.tensors = []
        self.opcodes = []             # builtin codes, index = opcode_index
        self.operators = []           # (opcode_index, inputs, outputs, builtin, Options)
        self.inputs, self.outputs = [], []

    def add_tensor(self, name, shape, dtype, data=None, quant=None):
        """A tensor; `data` (array-like of dtype) makes it a constant."""
        buffer = 0
        if data is not None:
            arr = np.ascontiguousarray(np.asarray(data, dtype=_NP_TYPE[dtype]))
            if arr.size != int(np.prod(shape)):
                raise ValueError("%s: %d values for shape %s" % (name, arr.size, shape))
            self.buffers.append(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
            buffer = len(self.buffers) - 1
        self.tensors.append(_Tensor(name, shape, dtype, buffer, quant))
        return len(self.tensors) - 1

    def add_operator(self, builtin, inputs, outputs, options=None):
        if builtin not in self.opcodes:
            self.opcodes.append(builtin)
        self.operators.append((self.opcodes.index(builtin), list(inputs), list(outputs),
                               builtin, options))
        return len(self.operators) - 1

    def set_io(self, inputs, outputs):
        self.inputs, self.outputs = list(inputs), list(outputs)

    def tensor_shape(self, index):
        return list(self.tensors[index].shape)

    # ---- serialization -------------------------------------------------
    def finish(self):
        b = flatbuffers.Builder(1024 + sum(len(x) for x in self.buffers))
        b.ForceDefaults(True)     # every scalar we set is written, even a default
        buffers = [self._buffer(b, data) for data in self.buffers]
        buffers_vec = self._offsets(b, buffers)
        opcodes_vec = self._offsets(b, [self._opcode(b, c) for c in self.opcodes])
        subgraph = self._subgraph(b)
        subgraphs_vec = self._offsets(b, [subgraph])
        desc = b.CreateString(self.description)
        b.StartObject(5)
        b.PrependUint32Slot(_MODEL["version"], 3, 0)
        b.PrependUOffsetTRelativeSlot(_MODEL["operator_codes"], opcodes_vec, 0)
        b.PrependUOffsetTRelativeSlot(_MODEL["subgraphs"], subgraphs_vec, 0)
        b.PrependUOffsetTRelativeSlot(_MODEL["description"], desc, 0)
        b.PrependUOffsetTRelativeSlot(_MODEL["buffers"], buffers_vec, 0)
        model = b.EndObject()
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())

    @staticmethod
    def _offsets(b, offsets):
        b.StartVector(4, len(offsets), 4)
        for off in reversed(offsets):
            b.PrependUOffsetTRelative(off)
        return b.EndVector()

    @staticmethod
    def _ints(b, values, size=4, prepend=None):
        b.StartVector(size, len(values), size)
        for v in reversed(values):
            (prepend or b.PrependInt32)(v)
        return b.EndVector()

    def _buffer(self, b, data):
        if not data:
            b.StartObject(1)
            return b.EndObject()
        b.StartVector(1, len(data), 16)        # schema: force_align 16
        b.head = b.head - len(data)
        b.Bytes[b.head:b.head + len(data)] = data
        b.vectorNumElems = len(data)
        vec = b.EndVector()
        b.StartObject(1)
        b.PrependUOffsetTRelativeSlot(_BUFFER["data"], vec, 0)
        return b.EndObject()

    @staticmethod
    def _opcode(b, code):
        b.StartObject(4)
        b.PrependInt8Slot(_OPCODE["deprecated_builtin_code"], min(code, 127), 0)
        b.PrependInt32Slot(_OPCODE["version"], 1, 0)
        b.PrependInt32Slot(_OPCODE["builtin_code"], code, 0)
        return b.EndObject()

    def _quant(self, b, q):
        scale = self._ints(b, q.scale, 4, b.PrependFloat32)
        zero = self._ints(b, q.zero_point, 8, b.PrependInt64)
        b.StartObject(7)
        b.PrependUOffsetTRelativeSlot(_QUANT["scale"], scale, 0)
        b.PrependUOffsetTRelativeSlot(_QUANT["zero_point"], zero, 0)
        b.PrependInt32Slot(_QUANT["quantized_dimension"], q.dim, 0)
        return b.EndObject()

    def _tensor(self, b, t):
        quant = self._quant(b, t.quant) if t.quant else None
        name = b.CreateString(t.name)
        shape = self._ints(b, t.shape)
        b.StartObject(5)
        b.PrependUOffsetTRelativeSlot(_TENSOR["shape"], shape, 0)
        b.PrependInt8Slot(_TENSOR["type"], t.dtype, 0)
        b.PrependUint32Slot(_TENSOR["buffer"], t.buffer, 0)
        b.PrependUOffsetTRelativeSlot(_TENSOR["name"], name, 0)
        if quant is not None:
            b.PrependUOffsetTRelativeSlot(_TENSOR["quantization"], quant, 0)
        return b.EndObject()

    def _options(self, b, opts):
        vectors = {fid: self._ints(b, v) for fid, kind, v in opts.fields if kind == 'vi32'}
        b.StartObject(max([fid for fid, _, _ in opts.fields], default=-1) + 1)
        for fid, kind, v in opts.fields:
            if kind == 'i32':
                b.PrependInt32Slot(fid, int(v), 0)
            elif kind == 'u8':
                b.PrependUint8Slot(fid, int(v), 0)
            elif kind == 'bool':
                b.PrependBoolSlot(fid, bool(v), False)
            elif kind == 'f32':
                b.PrependFloat32Slot(fid, float(v), 0.0)
            elif kind == 'vi32':
                b.PrependUOffsetTRelativeSlot(fid, vectors[fid], 0)
            else:
                raise ValueError("unknown option kind %r" % kind)
        return b.EndObject()

    def _operator(self, b, op):
        opcode_index, inputs, outputs, builtin, options = op
        opts = self._options(b, options) if options is not None else None
        ins, outs = self._ints(b, inputs), self._ints(b, outputs)
        b.StartObject(5)
        b.PrependUint32Slot(_OPERATOR["opcode_index"], opcode_index, 0)
        b.PrependUOffsetTRelativeSlot(_OPERATOR["inputs"], ins, 0)
        b.PrependUOffsetTRelativeSlot(_OPERATOR["outputs"], outs, 0)
        if opts is not None:
            b.PrependUint8Slot(_OPERATOR["builtin_options_type"], _OPTIONS_TYPE[builtin], 0)
            b.PrependUOffsetTRelativeSlot(_OPERATOR["builtin_options"], opts, 0)
        return b.EndObject()

    def _subgraph(self, b):
        tensors = self._offsets(b, [self._tensor(b, t) for t in self.tensors])
        operators = self._offsets(b, [self._operator(b, op) for op in self.operators])
        ins, outs = self._ints(b, self.inputs), self._ints(b, self.outputs)
        name = b.CreateString("main")
        b.StartObject(5)
        b.PrependUOffsetTRelativeSlot(_SUBGRAPH["tensors"], tensors, 0)
        b.PrependUOffsetTRelativeSlot(_SUBGRAPH["inputs"], ins, 0)
        b.PrependUOffsetTRelativeSlot(_SUBGRAPH["outputs"], outs, 0)
        b.PrependUOffsetTRelativeSlot(_SUBGRAPH["operators"], operators, 0)
        b.PrependUOffsetTRelativeSlot(_SUBGRAPH["name"], name, 0)
        return b.EndObject()
