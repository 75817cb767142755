"""Files that are not torch.save output fail as the project's own errors, whatever torch.load raises."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.core.errors import StylebridgeError
from pipeline.models.checkpoint import CheckpointError, load_checkpoint
from pipeline.training.vgg import VGGWeightsError, resolve_vgg_weights


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "a zip archive, but not one torch.save wrote")
    return buffer.getvalue()


# torch.load's unpickler fails on these with different exceptions (KeyError: 101, IndexError, EOFError,
# UnpicklingError; the zip reader with a RuntimeError), none of which a user can act on.
GARBAGE = {
    "hello": b"hello",
    "abc": b"abc",
    "empty": b"",
    "random bytes (IndexError)": random.Random(2).randbytes(128),
    "random bytes (KeyError)": random.Random(20).randbytes(128),
    "random bytes (UnpicklingError)": random.Random(3).randbytes(4096),
    "zip that is not a torch file": _zip_of_text(),
}
LOADERS: dict[str, tuple[Callable[[Path], object], type[StylebridgeError], str]] = {
    "checkpoint": (
        load_checkpoint,
        CheckpointError,
        r"is not a PyTorch checkpoint \(.+\)\. Expected a stylebridge checkpoint",
    ),
    "vgg weights": (
        lambda path: resolve_vgg_weights(str(path)),
        VGGWeightsError,
        r"cannot read VGG-19 weights from .+: not a file written by torch\.save .+ Expected torchvision's",
    ),
}


@pytest.mark.parametrize("content", GARBAGE.values(), ids=GARBAGE.keys())
@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
def test_garbage_files_fail_clearly(
    tmp_path: Path, content: bytes, loader: tuple[Callable[[Path], object], type[StylebridgeError], str]
) -> None:
    load, error, message = loader
    path = tmp_path / "weights.pt"
    path.write_bytes(content)
    with pytest.raises(error, match=message):
        load(path)
