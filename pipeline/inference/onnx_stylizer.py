"""An exported .onnx run by ONNX Runtime, with the same interface as `TorchStylizer`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from pipeline.core.contract import image_to_unit_tensor, unit_tensor_to_image
from pipeline.export.runtime import (
    OnnxModelError,
    contract_from_model,
    create_session,
    load_onnx,
    min_input_size,
    sidecar_path,
)
from pipeline.inference.torch_stylizer import pad_to_multiple


class OnnxStylizer:
    """An exported model run by ONNX Runtime, with the same interface as `TorchStylizer`."""

    def __init__(self, path: str | Path, device: str = "auto") -> None:
        self.path = Path(path)
        model = load_onnx(self.path)
        self.contract = contract_from_model(model, sidecar_path(self.path))
        self.min_size = min_input_size(model, sidecar_path(self.path))
        self.session = create_session(self.path, device)
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        self.providers = tuple(self.session.get_providers())
        shape = self.session.get_inputs()[0].shape
        height, width = shape[2:4] if len(shape) == 4 else (None, None)
        self.static_size = (width, height) if isinstance(width, int) and isinstance(height, int) else None

    def run_unit(self, unit: torch.Tensor) -> torch.Tensor:
        """(1, 3, H, W) float in [0, 1], any H and W -> the same shape in [0, 1] (clamped), on the CPU."""
        padded, h, w = pad_to_multiple(unit.detach().float().cpu(), self.contract.size_multiple, self.min_size)
        if self.static_size is not None and self.static_size != (padded.shape[3], padded.shape[2]):
            raise OnnxModelError(
                f"{self.path.name} takes only {self.static_size[0]}x{self.static_size[1]} (WxH) inputs, got {w}x{h}; "
                "resize the images, or export the model without --static"
            )
        x = self.contract.unit_to_input(padded).numpy()
        try:
            (y,) = self.session.run([self.output_name], {self.input_name: np.ascontiguousarray(x, dtype=np.float32)})
        except Exception as exc:  # onnxruntime's own exception types; the user needs the model and the size
            raise OnnxModelError(
                f"{self.path.name} fails on a {w}x{h} (WxH) image, run as {padded.shape[3]}x{padded.shape[2]}: "
                f"{str(exc).strip()}"
            ) from exc
        return self.contract.output_to_unit(torch.from_numpy(y)[..., :h, :w]).clamp_(0.0, 1.0)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Upright sRGB uint8 (H, W, 3) -> stylized uint8 (H, W, 3)."""
        return unit_tensor_to_image(self.run_unit(image_to_unit_tensor(image)))
