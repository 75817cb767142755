"""The ways an engine commonly gets a model's pixels wrong, each a named fault with its Unity symptom and fix.

`EngineSettings` lists what the engine does to pixels on the way into and out of a model; its
defaults are the correct path (what PyTorch does). A `Fault` is one wrong setting: it changes one
or two fields. Two faults combine when they change different fields. `KINDS` documents every kind
in one line: what goes wrong, what it looks like in Unity, and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pipeline.core.contract import RANGES, PixelContract, unit_scale_bias

RANGE_LABELS = {"0_1": "[0, 1]", "0_255": "[0, 255]", "-1_1": "[-1, 1]"}
SEED_MULTIPLE = 8  # the Unity tutorial rounds frame sizes down to multiples of 8
SEED_TARGET_HEIGHTS = (540, 360)  # the tutorial's targetHeight default, and a common lower one
MIN_ASPECT_CHANGE = 0.02  # a resize that keeps the aspect within 2% is not a stretch


@dataclass(frozen=True)
class EngineSettings:
    """What the engine does to pixels around the model. The defaults are the correct path.

    Input side, in the order the emulator applies them: how the texture's channels are read, its
    colour encoding, channel order, row order, how the frame is fitted to the model's size multiple,
    the range the tensor is built in, the precision the model runs in. Output side: the range
    ToRenderTexture assumes, colour encoding, channel and row order, clamping before 8 bits.
    """

    input_channels: str = "rgb"  # rgb | rgba (an RGBA buffer read as RGB) | average (RGB mean in every channel)
    input_encoding: str = "srgb"  # srgb | linear (sRGB decoded to linear light) | srgb_twice
    input_bgr: bool = False
    input_flip: bool = False
    fit: tuple[Any, ...] = ("pad",)  # ("pad",) reflect | ("zero_pad",) | ("crop", multiple) | ("stretch", w, h)
    fed_range: str | None = None  # the range the input tensor is built in; None: the graph's own
    half: bool = False  # weights and activations stored in half precision
    read_range: str | None = None  # the range ToRenderTexture's scale/bias assume; None: the graph's own
    output_encoding: str = "srgb"  # srgb | linear (decoded once more: darker) | srgb_twice (encoded again: brighter)
    output_bgr: bool = False
    output_flip: bool = False
    clamp: bool = True  # False: values outside [0, 1] wrap around when converted to 8 bits

    def input_side(self) -> EngineSettings:
        """The same settings with the output side reset: what decides the model's input (and its run)."""
        defaults = EngineSettings()
        return replace(self, **{name: getattr(defaults, name) for name in OUTPUT_FIELDS})


OUTPUT_FIELDS = ("read_range", "output_encoding", "output_bgr", "output_flip", "clamp")


@dataclass(frozen=True)
class FaultKind:
    """One documented kind of fault: what goes wrong, the Unity-side symptom, and the fix."""

    name: str
    what: str
    symptom: str
    fix: str


KINDS: dict[str, FaultKind] = {
    kind.name: kind
    for kind in (
        FaultKind("input_range", "the input tensor is built in another range than the model expects",
                  "washed-out, flat or posterised output, often near-uniform colour",
                  "pass the model's scale/bias when building the tensor (new Tensor(tex, true, scale, bias, 3)), "
                  "or re-export with --io unit and pass scale 1, bias 0"),
        FaultKind("output_range", "ToRenderTexture's scale/bias assume another output range than the model's",
                  "output nearly all white, black or grey (the tutorial's 'nearly every pixel pure white')",
                  "pass the output's scale/bias to ToRenderTexture(rt, 0, 0, scale, bias), or re-export with "
                  "--io unit"),
        FaultKind("input_flip", "the frame reaches the model upside down (a vertical flip missing or applied twice)",
                  "upside-down output whose strokes differ from the flipped training output",
                  "let new Tensor(texture) do the one flip (Flip.Y); reverse the rows of a bottom-up readback "
                  "buffer before new Tensor(1, H, W, 3, data), and drop any extra flip in your shader"),
        FaultKind("output_flip", "the output is flipped once more on its way to the screen",
                  "the stylized picture is upside down",
                  "ToRenderTexture already flips back; remove the extra flip (shader, Blit scale -1, or rows of a "
                  "readback buffer)"),
        FaultKind("input_bgr", "the model reads B, G, R instead of R, G, B",
                  "hues rotated: skies and foliage take each other's colours",
                  "swizzle BGRA sources (BGRA32 readbacks, Windows captures) to RGB before building the tensor"),
        FaultKind("output_bgr", "the output's red and blue are swapped on the way to the screen",
                  "the stylized frame has red and blue exchanged",
                  "write the output to an RGBA (not BGRA) target, or swizzle .bgr back to .rgb in the output shader"),
        FaultKind("input_linear", "a Linear-colour-space project hands the model linear-light values (sRGB decoded)",
                  "darker, more contrasted input: output too dark with crushed shadows",
                  "convert linear to sRGB before the tensor (LinearToGammaSpace in the preprocess shader), or sample "
                  "a texture / RenderTexture created with sRGB off (RenderTextureReadWrite.Linear)"),
        FaultKind("input_srgb_twice", "the input is sRGB-encoded twice (an extra linear-to-sRGB conversion)",
                  "pale, low-contrast input: washed-out output",
                  "remove the extra LinearToGammaSpace: in a Gamma project (or from a linear RT holding sRGB bytes) "
                  "the values are already sRGB"),
        FaultKind("output_srgb_twice", "the output's sRGB values are encoded again (written as linear into an sRGB "
                  "target in a Linear project)",
                  "brighter, washed-out output",
                  "in a Linear project apply GammaToLinearSpace to the output before writing an sRGB render target, "
                  "or write it to a linear (sRGB off) target"),
        FaultKind("output_linear", "the output is decoded to linear light and shown without re-encoding",
                  "darker output with crushed shadows",
                  "remove the GammaToLinearSpace on the output (a Gamma project shows the values as they are)"),
        FaultKind("input_rgba", "an RGBA buffer is read as 3-channel RGB: alpha is taken for a colour",
                  "colours cycle every few pixels and the picture is sheared sideways and squeezed",
                  "pass channels: 3 to new Tensor(...), or drop alpha when filling a float array (4 values per "
                  "RGBA32 pixel)"),
        FaultKind("input_average", "the model sees the average of R, G and B in every channel",
                  "the output loses the frame's colours; only the style's tints remain",
                  "ask for channels: 3 (a 1-channel request, or InterpretColorAs.AverageMultipleChannels, stores the "
                  "RGB mean)"),
        FaultKind("stretch", "the frame is stretched to a fixed size instead of keeping its aspect ratio (the "
                  "tutorial's integer-division bug), and stretched back",
                  "strokes squashed in one direction, texture scale differs from training",
                  "scale both sides by one float factor (the tutorial computes src.height / targetHeight in ints) "
                  "and round each side to the model's size multiple"),
        FaultKind("crop", "the frame is cut down to a size multiple (right and bottom dropped) and stretched back",
                  "a slight shift and stretch growing towards the right and bottom edges",
                  "pad to the multiple and crop the result back (the bridge pads by reflection), or render at a "
                  "size that is already a multiple"),
        FaultKind("zero_pad", "the frame is padded to the size multiple with black instead of by reflection",
                  "a dark or discoloured band along the right and bottom edges",
                  "pad by mirroring the edge pixels (reflection), or render at a size that is a multiple"),
        FaultKind("fp16", "weights and activations are stored in half precision and overflow or round",
                  "black or NaN patches (overflow), or banding",
                  "import the model with Float weights (not Half) and run a fp32 worker (ComputePrecompiled, not "
                  "PixelShader on half textures); a half-float output RenderTexture is fine"),
        FaultKind("no_clamp", "output values outside [0, 1] are not clamped before 8 bits and wrap around",
                  "speckles of inverted brightness in the brightest and darkest areas",
                  "clamp before converting to bytes (saturate in the shader, Mathf.Clamp01 on readback), or "
                  "re-export with --io unit (the graph then clamps)"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Fault:
    """One wrong engine setting: a kind, its parameters, and the EngineSettings fields it changes."""

    kind: str
    label: str  # one specific sentence, e.g. "input fed as [0, 1] to a model that expects [0, 255]"
    fix: str  # the concrete change in Unity terms
    changes: tuple[tuple[str, Any], ...]
    param: str = ""  # the parameter in the fault's name: a range, a size

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.param}" if self.param else self.kind

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.changes)

    def apply(self, settings: EngineSettings) -> EngineSettings:
        return replace(settings, **dict(self.changes))


def _simple(kind: str, label: str, **changes: Any) -> Fault:
    return Fault(kind, label, KINDS[kind].fix, tuple(changes.items()))


def _tensor_call(scale: float, bias: float) -> str:
    return f"new Tensor(tex, true, Vector4.one * {_num(scale)}, Vector4.one * {_num(bias)}, 3)"


def _num(value: float) -> str:
    """A C# float literal: 255 -> '255f', 1/255 -> '0.00392157f'."""
    return f"{value + 0.0:.6g}f"  # (+ 0.0 turns -0.0 into 0.0)


def input_range_fault(fed: str, expected: str) -> Fault:
    """The tensor was built in range `fed`; the graph expects `expected`."""
    scale, bias = RANGES[expected]
    fix = f"build the input tensor in {RANGE_LABELS[expected]}: {_tensor_call(scale, bias)}"
    if expected == "0_1":
        fix += " (this model was exported with --io unit: feed the texture's values as they are, drop any x255 or x2-1)"
    else:
        fix += "; or re-export with --io unit and pass no scale at all"
    label = f"input fed as {RANGE_LABELS[fed]} to a model that expects {RANGE_LABELS[expected]}"
    return Fault("input_range", label, fix, (("fed_range", fed),), f"{fed}->{expected}")


def output_range_fault(produced: str, read: str) -> Fault:
    """The graph produces range `produced`; ToRenderTexture was given the scale/bias of `read`."""
    scale, bias = unit_scale_bias(produced)
    call = f"ToRenderTexture(rt, 0, 0, {_num(scale)}, {_num(bias)})"
    fix = f"the model outputs {RANGE_LABELS[produced]}: {call}"
    if produced != "0_1":
        fix += "; or re-export with --io unit and pass scale 1, bias 0"
    label = f"output {RANGE_LABELS[produced]} read as {RANGE_LABELS[read]}"
    return Fault("output_range", label, fix, (("read_range", read),), f"{produced}->{read}")


def stretch_fault(width: int, height: int, frame: tuple[int, int], multiple: int) -> Fault:
    fix = (
        f"the frame ({frame[0]}x{frame[1]}) was stretched to {width}x{height}: keep its aspect ratio "
        f"(scale both sides by one float factor, round each to a multiple of {multiple})"
    )
    label = f"frame stretched to {width}x{height} (aspect not kept) and back"
    return Fault("stretch", label, fix, (("fit", ("stretch", width, height)),), f"{width}x{height}")


def crop_fault(multiple: int, frame: tuple[int, int]) -> Fault:
    width, height = frame[0] - frame[0] % multiple, frame[1] - frame[1] % multiple
    label = f"frame cropped to {width}x{height} (a multiple of {multiple}) and stretched back"
    return Fault("crop", label, KINDS["crop"].fix, (("fit", ("crop", multiple)),), str(multiple))


def candidate_faults(
    contract: PixelContract, frame: tuple[int, int], static_size: tuple[int, int] | None = None
) -> list[Fault]:
    """Every single fault worth simulating for a graph with `contract` and a frame of size (W, H).

    Faults that cannot change anything for this frame (cropping a frame that is already a multiple)
    are left out; the search drops the others that turn out to change nothing.
    """
    found = [input_range_fault(fed, contract.input_range) for fed in RANGES if fed != contract.input_range]
    found += [output_range_fault(contract.output_range, read) for read in RANGES if read != contract.output_range]
    found += [
        _simple("input_flip", "frame fed to the model upside down", input_flip=True),
        _simple("output_flip", "output flipped upside down", output_flip=True),
        _simple("input_bgr", "input channels in BGR order", input_bgr=True),
        _simple("output_bgr", "output channels in BGR order", output_bgr=True),
        _simple("input_linear", "input is linear light (sRGB decoded in a Linear project)", input_encoding="linear"),
        _simple("input_srgb_twice", "input sRGB-encoded twice", input_encoding="srgb_twice"),
        _simple("output_srgb_twice", "output sRGB-encoded twice (brighter)", output_encoding="srgb_twice"),
        _simple("output_linear", "output shown as linear values (darker)", output_encoding="linear"),
        _simple("input_rgba", "RGBA buffer read as RGB (alpha taken for a colour)", input_channels="rgba"),
        _simple("input_average", "channels averaged (grey input)", input_channels="average"),
        _simple("fp16", "weights and activations in half precision", half=True),
        _simple("no_clamp", "output not clamped: values outside [0, 1] wrap around in 8 bits", clamp=False),
    ]
    width, height = frame
    multiple = contract.size_multiple
    if width % multiple or height % multiple:
        found.append(_simple("zero_pad", f"frame padded with black to a multiple of {multiple}", fit=("zero_pad",)))
    for m in sorted({multiple, SEED_MULTIPLE}):
        if (width % m or height % m) and width >= m and height >= m:
            found.append(crop_fault(m, frame))
    for size in stretch_sizes(frame, multiple, static_size):
        found.append(stretch_fault(*size, frame, multiple))
    return found


def stretch_sizes(
    frame: tuple[int, int], multiple: int, static_size: tuple[int, int] | None = None
) -> list[tuple[int, int]]:
    """Sizes a frame is commonly stretched to without keeping its aspect: a square, the transposed aspect
    (the tutorial's portrait 540x960 export), the tutorial's integer-scale rule, a static model's size."""
    width, height = frame

    def snap(value: float) -> int:
        return max(multiple, round(value / multiple) * multiple)

    sizes = [(snap(height), snap(height)), (snap(height), snap(width))]
    for target in SEED_TARGET_HEIGHTS:
        if height > target:
            scale = height // target  # the tutorial's int division
            sizes.append((snap(width / scale), snap(target)))
    if static_size is not None:
        sizes.append(static_size)
    aspect = width / height
    kept = []
    for size in sizes:
        if size not in kept and abs(size[0] / size[1] / aspect - 1) > MIN_ASPECT_CHANGE:
            kept.append(size)
    return kept


def combinable(a: Fault, b: Fault) -> bool:
    """Two faults form a pair when they change different settings (and are not both about the frame's fit)."""
    return not (a.fields & b.fields)


def settings_of(faults: tuple[Fault, ...]) -> EngineSettings:
    settings = EngineSettings()
    for fault in faults:
        settings = fault.apply(settings)
    return settings
