"""A/B diagnosis: why the engine's output differs from PyTorch's. An engine emulator with named faults,
and a search that names the fault (or pair) that reproduces the engine's output, with its fix."""
