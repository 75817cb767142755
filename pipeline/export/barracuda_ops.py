"""What Unity Barracuda 3.0 imports from ONNX, written down as data.

Sources: Barracuda 3.0.x `SupportedOperators.md`, its ONNX importer (`ONNXModelConverter.cs`) and its
issue tracker. The validator (`pipeline.export.validate`) and the exporter's fix-ups (`pipeline.export.rewrite`)
read these tables instead of hard-coding rules.
"""

from __future__ import annotations

# Opsets whose operator forms Barracuda's importer handles (it never checks the opset itself; it
# dispatches on each node's inputs). 9 gives the cleanest graphs and is what the docs recommend.
RECOMMENDED_OPSET = 9
KNOWN_OPSETS = range(7, 14)  # what Barracuda's importer reads
EXPORT_OPSETS = range(9, 14)  # what we write: torch cannot export nearest upsampling below opset 9

# Documented operators and activations, plus the ones the importer registers without documenting.
_OPERATORS = """
    Add And ArgMax ArgMin AveragePool BatchNormalization Cast Concat Constant ConstantOfShape Conv
    ConvTranspose DepthToSpace Div Dropout Equal Expand Flatten Gather Gemm GlobalAveragePool
    GlobalMaxPool Greater Identity ImageScaler InstanceNormalization Less LessOrEqual LRN LSTM MatMul
    Max MaxPool Mean Min Mul Multinomial NonMaxSuppression NonZero Not OneHot Or Pad Pow RandomNormal
    RandomNormalLike RandomUniform RandomUniformLike ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum
    Reshape Resize Shape Slice SpaceToDepth Split Squeeze Sub Sum Tile TopK Transpose Unsqueeze Upsample
    Where Xor
"""
_ACTIVATIONS = """
    Abs Acos Acosh Asin Asinh Atan Atanh Ceil Clip Cos Cosh Elu Exp Floor LeakyRelu Log LogSoftmax Neg
    PRelu Reciprocal Relu Round Selu Sigmoid Sin Sinh Softmax Sqrt Tan Tanh
"""
_UNDOCUMENTED = """
    Erf HardSigmoid Hardmax MirrorPad Range RoiAlign ScatterND Sign Softplus Softsign Swish
"""
SUPPORTED_OPS = frozenset(f"{_OPERATORS} {_ACTIVATIONS} {_UNDOCUMENTED}".split())

# Inputs (by position) that Barracuda reads as constant tensors at import time. A tensor computed
# at run time there makes the import throw ("only constant tensors are supported").
CONSTANT_INPUTS: dict[str, tuple[int, ...]] = {
    "Conv": (1, 2),
    "ConvTranspose": (1, 2),
    "InstanceNormalization": (1, 2),
    "BatchNormalization": (1, 2, 3, 4),
    "Pad": (1, 2),  # opset >= 11: pads, constant_value
    "Upsample": (1,),  # opset 9: scales
    "Resize": (1, 2),  # roi, scales (a `sizes` input, position 3, may be computed)
    "Clip": (1, 2),  # opset >= 11: min, max
}

PAD_MODES = ("constant", "reflect", "edge")
UPSAMPLE_MODES = ("nearest", "linear", "bilinear")
RESIZE_MODES = ("nearest", "linear")

# Resize-11/13 attributes Barracuda ignores, with the ONNX default it silently uses instead.
RESIZE_IGNORED_ATTRIBUTES: dict[str, object] = {
    "coordinate_transformation_mode": "half_pixel",
    "cubic_coeff_a": -0.75,
    "exclude_outside": 0,
    "extrapolation_value": 0.0,
    "nearest_mode": "round_prefer_floor",
}

# ConvTranspose attributes Barracuda does not support, with the value that means "not used".
CONV_TRANSPOSE_UNSUPPORTED: dict[str, object] = {"dilations": 1, "group": 1, "output_shape": None}

# Element types Barracuda computes in: everything becomes fp32 (or int for shapes/indices).
FLOAT16_TYPES = ("FLOAT16", "BFLOAT16")
