"""Reading files written by `torch.save` without ever running code from them.

`torch.load(weights_only=True)` refuses pickled Python objects, and on bytes that are no torch file
at all its unpickler fails with whatever it trips over (KeyError: 101, IndexError, EOFError, a zip
reader's RuntimeError). Checkpoints and VGG weights both need one answer to "why can't this be read",
so the failure is classified here once and each caller words the advice for its own file.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path
from typing import Any

import torch

from pipeline.core.errors import StylebridgeError

# torch's C++ checks prefix their messages with "[enforce fail at inline_container.cc:180] . ".
_TORCH_ENFORCE_PREFIX = re.compile(r"^\[enforce fail at [^\]]*\][\s.]*")


class TorchFileError(StylebridgeError, ValueError):
    """A file torch cannot read as weights. `holds_code`: it pickles Python objects (a whole module,
    say), which stylebridge never unpickles; `reason`: a short why, for the caller's message."""

    def __init__(self, path: Path, reason: str, holds_code: bool) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason, self.holds_code = path, reason, holds_code


def load_torch_file(path: str | Path) -> Any:
    """`torch.load` with weights_only=True onto the CPU; any failure (a missing file too) is a TorchFileError."""
    path = Path(path)
    if not path.is_file():
        raise TorchFileError(path, "it does not exist or is not a file", False)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # on arbitrary bytes the unpickler fails with KeyError, IndexError, EOFError, ...
        if isinstance(exc, pickle.UnpicklingError) and "Unsupported global" in str(exc):
            raise TorchFileError(path, "it holds pickled Python objects, not just tensors", True) from exc
        raise TorchFileError(path, _reason(exc), False) from exc


def _reason(exc: Exception) -> str:
    """The gist of torch.load's failure: its own messages are long, suggest weights_only=False, or
    (from the unpickler, e.g. KeyError: 101) mean nothing to the user."""
    if isinstance(exc, EOFError):
        return "the file is empty or cut short"
    if isinstance(exc, (RuntimeError, OSError, zipfile.BadZipFile)):  # the zip reader: messages worth keeping
        return _TORCH_ENFORCE_PREFIX.sub("", str(exc)).split(". ")[0][:160]
    return "unreadable pickle data"
