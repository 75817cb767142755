"""The pixel contract: how a model's tensors relate to image pixels.

Models disagree about pixels. TransformerNet was trained on values in [0, 255], the few-shot
generator on [-1, 1], and a Unity texture hands over [0, 1], possibly upside down and possibly
linear-light. "The output doesn't match training" is almost always one of those mismatches. So
every model declares one `PixelContract`, checkpoints and exported models carry it, and every
conversion between 8-bit images and model tensors goes through the functions in this module.

Conventions fixed by every contract (the fields exist so that they are written down, and so a
future contract can differ explicitly):

* channels ``RGB`` in that order, layout ``NCHW``;
* ``row_origin="top"``: tensor row 0 is the top row of the picture (as in a PNG file);
* ``color_encoding="srgb"``: values are sRGB-encoded, like the bytes of a PNG, not linear light.

A range is given by name and is equivalent to a scale and bias applied to the unit range:
``model_value = unit_value * scale + bias``. `to_range` and `from_range` are the one implementation
of that arithmetic: the contract's own conversions, the export wrapper of `--io unit` (which traces
them into the graph, so they emit no multiplication by 1 and no addition of 0), the parity check,
the stylizers and the engine emulator all go through them. `unit_scale_bias` gives the inverse as
Unity's ToRenderTexture takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, TypeVar

import numpy as np
import torch

from pipeline.core.errors import StylebridgeError

CONTRACT_VERSION = 1

# name -> (scale, bias) from [0, 1]
RANGES: dict[str, tuple[float, float]] = {
    "0_1": (1.0, 0.0),
    "0_255": (255.0, 0.0),
    "-1_1": (2.0, -1.0),
}
CHANNEL_ORDERS = ("RGB",)
LAYOUTS = ("NCHW",)
ROW_ORIGINS = ("top",)
COLOR_ENCODINGS = ("srgb",)

# Keys under which a contract is stored in ONNX metadata_props (Barracuda requires unique keys).
METADATA_PREFIX = "stylebridge."

Array = TypeVar("Array", np.ndarray, torch.Tensor)


class ContractError(StylebridgeError, ValueError):
    """An image, tensor or stored contract does not satisfy a pixel contract."""


def to_range(unit: Array, range_name: str) -> Array:
    """Values in [0, 1] -> the range `range_name` (unit * scale + bias; only the steps that change something)."""
    scale, bias = RANGES[range_name]
    if scale != 1.0:
        unit = unit * scale
    if bias != 0.0:
        unit = unit + bias
    return unit


def from_range(values: Array, range_name: str) -> Array:
    """Values in the range `range_name` -> [0, 1] ((values - bias) / scale; no clamping)."""
    scale, bias = RANGES[range_name]
    if bias != 0.0:
        values = values - bias
    if scale != 1.0:
        values = values / scale
    return values


def unit_scale_bias(range_name: str) -> tuple[float, float]:
    """The (scale, bias) that map the range `range_name` to [0, 1], as ToRenderTexture(rt, 0, 0, scale, bias) takes
    them (the inverse of the range's own scale and bias)."""
    scale, bias = RANGES[range_name]
    return 1.0 / scale, -bias / scale


def _check_choice(field: str, value: str, choices: tuple[str, ...] | dict[str, Any]) -> None:
    if value not in choices:
        raise ContractError(f"{field}={value!r} is not supported; use one of {', '.join(choices)}")


@dataclass(frozen=True)
class PixelContract:
    """How one model's input and output tensors map to image pixels."""

    input_range: str  # a key of RANGES: what the network expects on its input
    output_range: str  # a key of RANGES: what the network produces
    size_multiple: int  # H and W must both be multiples of this
    channels: str = "RGB"
    layout: str = "NCHW"
    row_origin: str = "top"
    color_encoding: str = "srgb"
    version: int = CONTRACT_VERSION

    def __post_init__(self) -> None:
        _check_choice("input_range", self.input_range, RANGES)
        _check_choice("output_range", self.output_range, RANGES)
        _check_choice("channels", self.channels, CHANNEL_ORDERS)
        _check_choice("layout", self.layout, LAYOUTS)
        _check_choice("row_origin", self.row_origin, ROW_ORIGINS)
        _check_choice("color_encoding", self.color_encoding, COLOR_ENCODINGS)
        if not isinstance(self.size_multiple, int) or self.size_multiple < 1:
            raise ContractError(f"size_multiple must be a positive integer, got {self.size_multiple!r}")
        if self.version != CONTRACT_VERSION:
            raise ContractError(
                f"pixel contract version {self.version} is not understood by this stylebridge "
                f"(it reads version {CONTRACT_VERSION}); upgrade stylebridge"
            )

    # -- scale and bias -------------------------------------------------------------------------
    @property
    def input_scale(self) -> float:
        return RANGES[self.input_range][0]

    @property
    def input_bias(self) -> float:
        return RANGES[self.input_range][1]

    @property
    def output_scale(self) -> float:
        return RANGES[self.output_range][0]

    @property
    def output_bias(self) -> float:
        return RANGES[self.output_range][1]

    def unit_to_input(self, unit: Array) -> Array:
        """Map values in [0, 1] to the network's input range."""
        return to_range(unit, self.input_range)

    def output_to_unit(self, output: Array) -> Array:
        """Map the network's output range back to [0, 1] (no clamping)."""
        return from_range(output, self.output_range)

    def run_unit_io(self, run: Callable[[torch.Tensor], torch.Tensor], unit: torch.Tensor) -> torch.Tensor:
        """What a network with this contract computes as a unit-I/O graph (`--io unit`): [0, 1] mapped to its
        input range, `run` (the network), its output mapped back to [0, 1] and clamped."""
        return self.output_to_unit(run(self.unit_to_input(unit))).clamp(0.0, 1.0)

    def check_size(self, height: int, width: int) -> None:
        """Raise a ContractError that names valid sizes when H or W is not a size multiple."""
        m = self.size_multiple
        if height % m or width % m or height < m or width < m:
            raise ContractError(
                f"input size {width}x{height} (WxH) is not supported: width and height must be "
                f"multiples of {m}; the nearest valid size is {nearest_multiple(width, m)}x"
                f"{nearest_multiple(height, m)} (resize or pad the image)"
            )

    # -- persistence ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PixelContract:
        known = {f for f in cls.__dataclass_fields__}
        missing = {"input_range", "output_range", "size_multiple"} - set(data)
        if missing:
            raise ContractError(f"stored pixel contract lacks {', '.join(sorted(missing))}")
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_metadata(self) -> dict[str, str]:
        """Flat string key/values for ONNX metadata_props (namespaced, unique)."""
        p = METADATA_PREFIX
        return {
            f"{p}contract_version": str(self.version),
            f"{p}input_range": self.input_range,
            f"{p}input_scale": repr(self.input_scale),
            f"{p}input_bias": repr(self.input_bias),
            f"{p}output_range": self.output_range,
            f"{p}output_scale": repr(self.output_scale),
            f"{p}output_bias": repr(self.output_bias),
            f"{p}channels": self.channels,
            f"{p}layout": self.layout,
            f"{p}row_origin": self.row_origin,
            f"{p}color_encoding": self.color_encoding,
            f"{p}size_multiple": str(self.size_multiple),
        }

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> PixelContract:
        """Read a contract back from ONNX metadata_props (the inverse of `to_metadata`)."""
        p = METADATA_PREFIX
        needed = ("contract_version", "input_range", "output_range", "size_multiple")
        missing = [k for k in needed if p + k not in metadata]
        if missing:
            raise ContractError(f"model metadata lacks the pixel contract keys {', '.join(p + k for k in missing)}")
        try:
            contract = cls(
                input_range=metadata[p + "input_range"],
                output_range=metadata[p + "output_range"],
                size_multiple=int(metadata[p + "size_multiple"]),
                channels=metadata.get(p + "channels", "RGB"),
                layout=metadata.get(p + "layout", "NCHW"),
                row_origin=metadata.get(p + "row_origin", "top"),
                color_encoding=metadata.get(p + "color_encoding", "srgb"),
                version=int(metadata[p + "contract_version"]),
            )
        except ValueError as exc:
            raise ContractError(f"model metadata holds an unreadable pixel contract: {exc}") from exc
        for which in ("input", "output"):
            range_name = getattr(contract, f"{which}_range")
            for part, expected in zip(("scale", "bias"), RANGES[range_name], strict=True):
                stored = metadata.get(f"{p}{which}_{part}")
                if stored is not None and _parse_float(stored) != expected:
                    raise ContractError(
                        f"model metadata disagrees with itself: {which}_range is {range_name} "
                        f"but {which}_{part} is {stored} (expected {expected!r})"
                    )
        return contract

    def as_unit_io(self) -> PixelContract:
        """The contract of a graph with this model's ranges baked in: [0, 1] in, [0, 1] out."""
        return replace(self, input_range="0_1", output_range="0_1")


def _parse_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def nearest_multiple(value: int, multiple: int) -> int:
    """The multiple of `multiple` nearest to `value`, never below `multiple`."""
    return max(multiple, round(value / multiple) * multiple)


# -- 8-bit images <-> the unit range --------------------------------------------------------------
def image_to_unit_tensor(image: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """An upright uint8 RGB image (H, W, 3) -> float32 (1, 3, H, W) in [0, 1]."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ContractError(f"expected an (H, W, 3) uint8 RGB image, got {image.dtype} {image.shape}")
    image = np.ascontiguousarray(image)
    if not image.flags.writeable:  # torch.from_numpy warns on read-only arrays (e.g. zmq buffers)
        image = image.copy()
    tensor = torch.from_numpy(image).to(device)
    return tensor.permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def unit_tensor_to_image(unit: torch.Tensor) -> np.ndarray:
    """Float (1, 3, H, W) or (3, H, W) in [0, 1] -> uint8 (H, W, 3), clamped and rounded."""
    if unit.ndim == 4:
        if unit.shape[0] != 1:
            raise ContractError(f"expected a batch of one image, got {tuple(unit.shape)}")
        unit = unit[0]
    if unit.ndim != 3 or unit.shape[0] != 3:
        raise ContractError(f"expected a (3, H, W) tensor, got {tuple(unit.shape)}")
    pixels = unit.detach().float().clamp(0.0, 1.0).mul(255.0).round().to(torch.uint8)
    return pixels.permute(1, 2, 0).cpu().numpy()


def unit_to_uint8(unit: np.ndarray) -> np.ndarray:
    """Float values in [0, 1] (any shape) -> uint8, clamped and rounded half to even."""
    return np.clip(np.rint(unit * 255.0), 0, 255).astype(np.uint8)


# -- colour encoding ------------------------------------------------------------------------------
def srgb_to_linear(unit: np.ndarray) -> np.ndarray:
    """sRGB-encoded [0, 1] -> linear light [0, 1] (IEC 61966-2-1 piecewise curve)."""
    unit = np.asarray(unit, dtype=np.float32)
    return np.where(unit <= 0.04045, unit / 12.92, ((unit + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(unit: np.ndarray) -> np.ndarray:
    """Linear light [0, 1] -> sRGB-encoded [0, 1] (IEC 61966-2-1 piecewise curve)."""
    unit = np.clip(np.asarray(unit, dtype=np.float32), 0.0, 1.0)
    return np.where(unit <= 0.0031308, unit * 12.92, 1.055 * unit ** (1 / 2.4) - 0.055).astype(np.float32)
