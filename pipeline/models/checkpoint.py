"""Self-describing checkpoints, and the bare state_dicts users already have.

A stylebridge checkpoint is a plain dict (loadable with ``torch.load(..., weights_only=True)``):

    format, format_version      "stylebridge.checkpoint", 1
    architecture, config        registry name + constructor kwargs: enough to rebuild the network
    preset                      the preset it was built from, if any
    contract                    the pixel contract (PixelContract.to_dict())
    state_dict                  the network weights (unwrapped: no "module." prefixes)
    step, epoch                 training progress, for resume
    optimizer                   optimizer state, for resume (None in weights-only files)
    train_config                the resolved training settings
    history                     the logged loss curve: [{"step", "content", "style", "total"}, ...]
    trainer_state               optional: what else a trainer resumes (the few-shot discriminator and its
                                optimizer, early-stopping state); absent from checkpoints that need none

Bare state_dicts are accepted as well: pytorch/examples' ``.pth``/``.model`` files (legacy
InstanceNorm running-stat keys are dropped), the Unity tutorial notebook's checkpoints (residual
blocks under ``resnets.``), and GeneratorJ state_dicts from the few-shot authors' code. Their
architecture and sizes are inferred from key names and tensor shapes. The authors' train.py pickles
whole modules; those load only with ``trust_pickle`` (unpickling runs code), as their weights.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from pipeline.core.contract import PixelContract
from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import atomic_write_bytes
from pipeline.core.torch_files import TorchFileError, load_torch_file
from pipeline.models import ARCHITECTURES, PRESETS, StyleNet, build_architecture

CHECKPOINT_FORMAT = "stylebridge.checkpoint"
CHECKPOINT_VERSION = 1
# What checkpoint files are called: ours (.pt), pytorch/examples' (.pth, .model), Lightning-style (.ckpt).
CHECKPOINT_SUFFIXES = frozenset({".pt", ".pth", ".ckpt", ".model"})

# pytorch/examples issue #367: models saved with torch<0.4 carry InstanceNorm running stats.
_LEGACY_NORM_KEY = re.compile(r"(^|\.)in\d+\.(running_mean|running_var|num_batches_tracked)$")
_WRAPPER_PREFIXES = ("module.", "_orig_mod.")  # DDP and torch.compile wrappers


def is_checkpoint_file(path: Path) -> bool:
    """A checkpoint by its suffix, in any case; hidden names (atomic writers' temp files) never are."""
    return path.suffix.lower() in CHECKPOINT_SUFFIXES and not path.name.startswith(".")


class CheckpointError(StylebridgeError, ValueError):
    """A file is not a loadable checkpoint; the message says what was expected."""


@dataclass
class Checkpoint:
    architecture: str
    config: dict[str, Any]
    contract: PixelContract
    state_dict: dict[str, torch.Tensor]
    preset: str | None = None
    step: int = 0
    epoch: int = 0
    optimizer: dict[str, Any] | None = None
    train_config: dict[str, Any] | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    trainer_state: dict[str, Any] | None = None
    source: str = CHECKPOINT_FORMAT  # what kind of file it was read from

    @classmethod
    def from_model(cls, model: StyleNet, preset: str | None = None, **extra: Any) -> Checkpoint:
        state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        return cls(model.architecture, model.config(), model.contract, state, preset=preset, **extra)

    def build_model(self) -> StyleNet:
        """Rebuild the network and load the weights (strictly)."""
        model = build_architecture(self.architecture, self.config)
        try:
            model.load_state_dict(self.state_dict, strict=True)
        except RuntimeError as exc:
            raise CheckpointError(f"weights do not fit {self.architecture} {self.config}: {exc}") from exc
        return model

    @property
    def name(self) -> str:
        """A short human name: the preset, else the architecture."""
        return self.preset or self.architecture

    def to_dict(self) -> dict[str, Any]:
        optional = {} if self.trainer_state is None else {"trainer_state": self.trainer_state}
        return {
            "format": CHECKPOINT_FORMAT,
            "format_version": CHECKPOINT_VERSION,
            "architecture": self.architecture,
            "config": self.config,
            "preset": self.preset,
            "contract": self.contract.to_dict(),
            "state_dict": self.state_dict,
            "step": self.step,
            "epoch": self.epoch,
            "optimizer": self.optimizer,
            "train_config": self.train_config,
            "history": self.history,
            **optional,
        }


def save_checkpoint(path: str | Path, checkpoint: Checkpoint) -> Path:
    """Write a checkpoint atomically (serialised in memory, then temp file + rename)."""
    buffer = io.BytesIO()
    torch.save(checkpoint.to_dict(), buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | Path, trust_pickle: bool = False) -> Checkpoint:
    """Read a stylebridge checkpoint or a bare TransformerNet / GeneratorJ state_dict; with `trust_pickle`
    also a whole pickled module (the few-shot authors' checkpoints), after a warning that this runs code."""
    try:
        data = load_torch_file(path, trust_pickle=trust_pickle)
    except TorchFileError as exc:
        raise CheckpointError(_unreadable(exc)) from exc
    if isinstance(data, torch.nn.Module):
        data = data.state_dict()
    return checkpoint_from_object(data, str(path))


def _unreadable(exc: TorchFileError) -> str:
    if exc.holds_code:
        return (
            f"{exc.path} holds pickled Python objects, not just weights (for example a whole module "
            "saved with torch.save(model), as the few-shot authors' train.py does). Unpickling it runs "
            "whatever code it names, so stylebridge refuses it unless you pass --trust-pickle "
            "(`train fewshot`, `stylize`) for a file you trust; or convert it where its code is importable: "
            "torch.save(torch.load(path, weights_only=False).state_dict(), 'weights.pth')"
        )
    return (
        f"{exc.path} is not a PyTorch checkpoint ({exc.reason}). Expected a stylebridge "
        "checkpoint or a state_dict saved with torch.save(model.state_dict(), path); "
        "a truncated file means the writer was interrupted"
    )


def checkpoint_from_object(data: Any, origin: str = "object") -> Checkpoint:
    """Interpret what torch.load returned."""
    if isinstance(data, dict) and data.get("format") == CHECKPOINT_FORMAT:
        return _parse_native(data, origin)
    if isinstance(data, dict):
        for wrapper in ("state_dict", "model_state_dict", "model"):  # common ad-hoc wrappers
            if isinstance(data.get(wrapper), dict) and _is_state_dict(data[wrapper]):
                data = data[wrapper]
                break
    if isinstance(data, dict) and _is_state_dict(data):
        return checkpoint_from_state_dict(data, origin)
    kind = type(data).__name__ if not isinstance(data, dict) else f"dict with keys {sorted(data)[:6]}"
    raise CheckpointError(
        f"{origin} is not a model checkpoint: it holds a {kind}. Expected a stylebridge checkpoint "
        "(written by `stylebridge train`) or a TransformerNet / few-shot generator state_dict"
    )


def _is_state_dict(data: dict[Any, Any]) -> bool:
    return bool(data) and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items())


def _parse_native(data: dict[str, Any], origin: str) -> Checkpoint:
    version = data.get("format_version")
    if version != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"{origin} is a stylebridge checkpoint of format version {version}; this stylebridge reads "
            f"version {CHECKPOINT_VERSION}. Use a matching stylebridge release."
        )
    try:
        checkpoint = Checkpoint(
            architecture=data["architecture"],
            config=dict(data["config"]),
            contract=PixelContract.from_dict(data["contract"]),
            state_dict=data["state_dict"],
            preset=data.get("preset"),
            step=int(data.get("step", 0)),
            epoch=int(data.get("epoch", 0)),
            optimizer=data.get("optimizer"),
            train_config=data.get("train_config"),
            history=list(data.get("history") or []),
            trainer_state=data.get("trainer_state"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{origin} is a damaged stylebridge checkpoint: missing or bad {exc}") from exc
    _check_contract(checkpoint, origin)
    return checkpoint


def _check_contract(checkpoint: Checkpoint, origin: str) -> None:
    """The contract a checkpoint stores must be its architecture's: the network is rebuilt from the
    architecture, so a different stored contract would be silently overridden, and pixels fed in
    or read out in the wrong range."""
    architecture = ARCHITECTURES.get(checkpoint.architecture)
    if architecture is None or checkpoint.contract == architecture.contract:
        return  # (an unknown architecture is reported when the network is built)
    stored, own = checkpoint.contract, architecture.contract
    differences = ", ".join(
        f"{name} {stored.to_dict()[name]!r} (the architecture's: {value!r})"
        for name, value in own.to_dict().items()
        if stored.to_dict()[name] != value
    )
    raise CheckpointError(
        f"{origin} stores a pixel contract that {checkpoint.architecture} does not have: {differences}. "
        "stylebridge rebuilds the network from its architecture, so it would feed and read pixels in the "
        "architecture's ranges, not the ones these weights were saved with. If the weights were trained in "
        "the architecture's ranges, re-save the checkpoint with them (Checkpoint.contract = "
        f"ARCHITECTURES[{checkpoint.architecture!r}].contract, then save_checkpoint); otherwise use the "
        "stylebridge release that wrote it"
    )


def checkpoint_from_state_dict(state_dict: dict[str, torch.Tensor], origin: str = "state_dict") -> Checkpoint:
    """Infer the architecture and its sizes from key names and tensor shapes."""
    state = {_strip_wrappers(k): v for k, v in state_dict.items() if not _LEGACY_NORM_KEY.search(k)}
    if "conv1.conv2d.weight" in state:
        architecture, config, source = _infer_transformer_net(state)
    elif "conv0.conv.weight" in state:
        architecture, config, source = _infer_fewshot(state)
    else:
        raise CheckpointError(
            f"{origin} is a state_dict of an unknown network (first keys: {list(state)[:4]}). Expected "
            "TransformerNet keys such as 'conv1.conv2d.weight' or few-shot generator keys such as "
            "'conv0.conv.weight'"
        )
    contract = ARCHITECTURES[architecture].contract
    preset = _matching_preset(architecture, config)
    checkpoint = Checkpoint(architecture, config, contract, state, preset=preset, source=source)
    checkpoint.build_model()  # fail now, with a clear message, if the weights do not fit
    return checkpoint


def _strip_wrappers(key: str) -> str:
    for prefix in _WRAPPER_PREFIXES:
        while key.startswith(prefix):
            key = key[len(prefix) :]
    return key


def _block_count(state: dict[str, torch.Tensor], pattern: str) -> int:
    return len({m.group(1) for k in state if (m := re.match(pattern, k))})


def _infer_transformer_net(state: dict[str, torch.Tensor]) -> tuple[str, dict[str, Any], str]:
    filters = [int(state[f"conv{i}.conv2d.weight"].shape[0]) for i in (1, 2, 3)]
    if any(k.startswith("resnets.") for k in state):
        variant, blocks, source = "tutorial", _block_count(state, r"resnets\.(\d+)\."), "tutorial state_dict"
    else:
        variant, blocks, source = (
            "examples",
            _block_count(state, r"res(\d+)\."),
            "pytorch/examples state_dict",
        )
    return "transformer_net", {"filters": filters, "res_blocks": blocks, "variant": variant}, source


def _infer_fewshot(state: dict[str, torch.Tensor]) -> tuple[str, dict[str, Any], str]:
    in_channels = int(state["conv0.conv.weight"].shape[1])
    if in_channels < 3 or in_channels % 3:
        raise CheckpointError(
            f"this few-shot generator takes {in_channels} input channels; expected RGB (3) plus whole RGB "
            "guide images (6, 9, ...)"
        )
    f0, f1, f2 = (int(state[f"conv{i}.conv.weight"].shape[0]) for i in (0, 1, 2))
    f4 = int(state["upconv2.1.weight"].shape[0])
    f5 = int(state["conv_11.0.weight"].shape[0])
    config = {
        "filters": [f0, f1, f2, f2, f4, f5],
        "resnet_blocks": _block_count(state, r"resnets\.(\d+)\."),
        "use_bias": "conv0.conv.bias" in state,
        "append_smoothers": "conv_11_a.0.weight" in state,
        "tanh": "conv_12.0.weight" in state,
    }
    if in_channels != 3:
        config["input_channels"] = in_channels
    return "fewshot_generator", config, "few-shot GeneratorJ state_dict"


def _matching_preset(architecture: str, config: dict[str, Any]) -> str | None:
    """The preset whose sizes equal `config` (ignoring arguments the preset leaves at default)."""
    for preset in PRESETS.values():
        if preset.architecture == architecture and all(
            list(v) == list(config.get(k, ())) if isinstance(v, tuple) else config.get(k) == v
            for k, v in preset.kwargs.items()
        ):
            return preset.name
    return None
