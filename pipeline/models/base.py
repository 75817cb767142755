"""What every stylization network shares: a pixel contract, a rebuildable config, size checks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from pipeline.core.contract import ContractError, PixelContract


def _tracing() -> bool:
    # Shape checks are Python control flow; keep them out of traced and exported graphs.
    return torch.jit.is_tracing() or torch.jit.is_scripting() or torch.onnx.is_in_onnx_export()


class StyleNet(nn.Module, ABC):
    """Base class of registered stylization networks.

    Subclasses set `architecture` (the registry name), `trainer` and `contract`, store their constructor
    arguments with `_remember_config`, and implement `transform`. A checkpoint stores
    `architecture` and `config()`, which is all the registry needs to rebuild the network.
    """

    architecture: ClassVar[str]
    trainer: ClassVar[str]  # which `stylebridge train` command trains it ("fast", "fewshot")
    contract: ClassVar[PixelContract]
    min_size: ClassVar[int]  # smallest H and W the padding layers accept
    input_channels: int = 3  # RGB; a few-shot generator may also take guide images' channels

    def _remember_config(self, **kwargs: Any) -> None:
        self._config = {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}

    def config(self) -> dict[str, Any]:
        """Constructor keyword arguments that rebuild this network (JSON-serialisable)."""
        return dict(self._config)

    def check_input(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.input_channels:
            what = "RGB" if self.input_channels == 3 else "RGB + guide"
            raise ValueError(
                f"{type(self).__name__} takes (N, {self.input_channels}, H, W) {what} batches, "
                f"got shape {tuple(x.shape)}"
            )
        height, width = int(x.shape[2]), int(x.shape[3])
        self.contract.check_size(height, width)
        if min(height, width) < self.min_size:
            raise ContractError(
                f"input {width}x{height} (WxH) is too small: {type(self).__name__} needs at least "
                f"{self.min_size}x{self.min_size}"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _tracing():
            self.check_input(x)
        return self.transform(x)

    @abstractmethod
    def transform(self, x: torch.Tensor) -> torch.Tensor:
        """The network itself, on an input already known to fit the contract."""
