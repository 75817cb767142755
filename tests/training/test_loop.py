"""The shared training loop's own duties, through the fast trainer: Ctrl-C keeps the work done so far."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.models.checkpoint import load_checkpoint


def test_ctrl_c_finishes_the_step_writes_a_checkpoint_and_prints_the_resume_command(
    data_dir: Path, style_image: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    command = [sys.executable, "-m", "pipeline", "train", "fast", "--data", str(data_dir), "--style", str(style_image),
               "--out", str(out), "--image-size", "32", "--batch-size", "2", "--epochs", "100000",
               "--vgg-weights", "random", "--style-layers", "examples", "--checkpoint-every", "100000",
               "--log-every", "1", "--no-progress", "--device", "cpu"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 120
        while not any("step 3/" in line for line in lines):  # a few steps done
            assert time.monotonic() < deadline and process.poll() is None, "".join(lines)
            lines.append(process.stderr.readline())
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    log = "".join(lines) + rest
    assert process.returncode == 130, log
    (saved,) = sorted((out / "checkpoints").glob("ckpt_step_*.pt"))
    step = load_checkpoint(saved).step
    assert step >= 3 and saved.with_suffix(".png").is_file()
    assert f"stylebridge train fast --resume {saved} --device cpu\n" in log  # the run's settings are in the checkpoint
