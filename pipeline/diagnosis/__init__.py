"""A/B diagnosis: why the engine's output differs from PyTorch's. An engine emulator with named faults,
and a search that names the fault (or pair) that reproduces the engine's output, with its fix.

`diagnose_frame` and `write_report` (see `api.py`) are the whole of it for a program."""

from pipeline.diagnosis.api import Diagnosis, diagnose_frame, write_report

__all__ = ["Diagnosis", "diagnose_frame", "write_report"]
