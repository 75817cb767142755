"""Reading files written by `torch.save` without ever running code from them.

`torch.load(weights_only=True)` refuses pickled Python objects, and on bytes that are no torch file
at all its unpickler fails with whatever it trips over (KeyError: 101, IndexError, EOFError, a zip
reader's RuntimeError). Checkpoints and VGG weights both need one answer to "why can't this be read",
so the failure is classified here once and each caller words the advice for its own file.
"""

from __future__ import annotations

import logging
import pickle
import re
import types
import zipfile
from pathlib import Path
from typing import Any

import torch

from pipeline.core.errors import StylebridgeError

log = logging.getLogger(__name__)

# torch's C++ checks prefix their messages with "[enforce fail at inline_container.cc:180] . ".
_TORCH_ENFORCE_PREFIX = re.compile(r"^\[enforce fail at [^\]]*\][\s.]*")


class TorchFileError(StylebridgeError, ValueError):
    """A file torch cannot read as weights. `holds_code`: it pickles Python objects (a whole module,
    say), which stylebridge never unpickles; `reason`: a short why, for the caller's message."""

    def __init__(self, path: Path, reason: str, holds_code: bool) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason, self.holds_code = path, reason, holds_code


def load_torch_file(path: str | Path, trust_pickle: bool = False) -> Any:
    """`torch.load` with weights_only=True onto the CPU; any failure (a missing file too) is a TorchFileError.

    With `trust_pickle` a file that pickles Python objects (a whole module saved with torch.save(model),
    as the few-shot authors' train.py does) is unpickled after a warning, since unpickling can run any
    code the file names. Classes whose code is not importable here (their `models.GeneratorJ`) become
    placeholder modules that still hold their weights, so `.state_dict()` works on what comes back.
    """
    path = Path(path)
    if not path.is_file():
        raise TorchFileError(path, "it does not exist or is not a file", False)
    if trust_pickle:
        log.warning("unpickling %s: this runs whatever code the file names; do it only for files you trust", path)
        try:
            return torch.load(path, map_location="cpu", weights_only=False, pickle_module=_placeholder_pickle)
        except Exception as exc:
            raise TorchFileError(path, _reason(exc), False) from exc
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # on arbitrary bytes the unpickler fails with KeyError, IndexError, EOFError, ...
        if isinstance(exc, pickle.UnpicklingError) and "Unsupported global" in str(exc):
            raise TorchFileError(path, "it holds pickled Python objects, not just tensors", True) from exc
        raise TorchFileError(path, _reason(exc), False) from exc


class _PlaceholderUnpickler(pickle.Unpickler):
    """Finds classes as pickle does; a torch module class that cannot be imported becomes a placeholder."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError):
            return _placeholder_module_class(module, name)


_PLACEHOLDERS: dict[tuple[str, str], type] = {}


def _placeholder_module_class(module: str, name: str) -> type:
    """An nn.Module subclass named like the missing one: unpickling restores its submodules and weights."""
    key = (module, name)
    if key not in _PLACEHOLDERS:
        _PLACEHOLDERS[key] = type(name, (torch.nn.Module,), {"__module__": f"placeholder.{module}"})
    return _PLACEHOLDERS[key]


# torch.load(pickle_module=...) wants a module-like object with the pickle API and our Unpickler.
_placeholder_pickle = types.SimpleNamespace(**{**vars(pickle), "Unpickler": _PlaceholderUnpickler})


def _reason(exc: Exception) -> str:
    """The gist of torch.load's failure: its own messages are long, suggest weights_only=False, or
    (from the unpickler, e.g. KeyError: 101) mean nothing to the user."""
    if isinstance(exc, EOFError):
        return "the file is empty or cut short"
    if isinstance(exc, (RuntimeError, OSError, zipfile.BadZipFile)):  # the zip reader: messages worth keeping
        return _TORCH_ENFORCE_PREFIX.sub("", str(exc)).split(". ")[0][:160]
    return "unreadable pickle data"
