"""Data-parallel training through torchrun: 2 CPU processes on gloo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from pipeline.models.checkpoint import load_checkpoint

HELPER = Path(__file__).with_name("ddp_train.py")


def test_two_gloo_processes_end_with_identical_weights(data_dir: Path, style_image: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        str(HELPER), str(data_dir), str(style_image), str(out),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parents[2])}
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    rank0, rank1 = (torch.load(out / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert rank0["steps"] == rank1["steps"] == 6
    assert rank0["history"] == rank1["history"]  # losses are averaged across ranks
    for key, value in rank0["weights"].items():
        torch.testing.assert_close(rank1["weights"][key], value, rtol=0, atol=0)
    checkpoint = load_checkpoint(out / "final.pt")  # rank 0 alone wrote it
    for key, value in checkpoint.state_dict.items():
        torch.testing.assert_close(value, rank0["weights"][key], rtol=0, atol=0)
    assert checkpoint.train_config is not None
