"""Which torch device a command runs on: `--device auto|cpu|cuda`, resolved once, failing clearly."""

from __future__ import annotations

import torch

from pipeline.core.errors import StylebridgeError


class DeviceUnavailableError(StylebridgeError, RuntimeError):
    """The device asked for (--device cuda) is not there; a user setting, so the CLI reports it plainly."""


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU; 'cuda' fails clearly when there is no GPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            "--device cuda was asked for, but PyTorch sees no CUDA GPU; use --device cpu (or --device auto)"
        )
    return device
