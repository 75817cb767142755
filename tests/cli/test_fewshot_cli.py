"""`train fewshot`, `stylize` and the authors' pickled checkpoints from the command line."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import pytest
import torch

from pipeline.cli.main import main
from pipeline.models import create_model
from pipeline.models.checkpoint import CheckpointError, load_checkpoint

TINY = ["--preset", "fewshot-small", "--patch-size", "16", "--batch-size", "4", "--vgg-weights", "random",
        "--device", "cpu", "--no-progress", "--log-every", "1"]  # fmt: skip


def authors_checkpoint(path: Path) -> Path:
    """What the authors' train.py writes: torch.save(generator), a whole `models.GeneratorJ` pickled."""
    module = types.ModuleType("models")

    class GeneratorJ(torch.nn.Module):
        pass

    GeneratorJ.__module__, GeneratorJ.__qualname__ = "models", "GeneratorJ"
    module.GeneratorJ = GeneratorJ  # type: ignore[attr-defined]
    sys.modules["models"] = module
    try:
        generator = GeneratorJ()
        for name, child in create_model("fewshot-small").named_children():
            generator.add_module(name, child)
        torch.save(generator, path)
    finally:
        del sys.modules["models"]  # their code is not importable where stylebridge runs
    return path


def test_train_fewshot_trains_and_deploys_into_a_unity_project(
    fewshot_sequence: Path, unity_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = ["train", "fewshot", "--keyframes", str(fewshot_sequence / "keyframes"), "--frames",
            str(fewshot_sequence / "frames"), "--out", str(out), "--max-steps", "2", "--checkpoint-every", "1",
            "--deploy-to", str(unity_project), *TINY]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert (
        f"final checkpoint: {out / 'final.pt'}" in printed
        and "keyframe L1 (8-bit levels, before -> after): f0" in printed
    )
    models = unity_project / "Assets" / "StyleBridge" / "Models"
    assert list(models.glob("*.onnx")) and (models / "manifest.json").is_file()
    assert (out / "checkpoints" / "ckpt_step_0000001.png").is_file()


def test_train_fewshot_errors_are_plain(
    fewshot_sequence: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["train", "fewshot", "--out", str(tmp_path / "o")]) == 1
    assert "`train fewshot` needs --keyframes" in caplog.text
    shutil.copy(fewshot_sequence / "keyframes" / "f0.png", fewshot_sequence / "keyframes" / "other.png")
    args = ["train", "fewshot", "--keyframes", str(fewshot_sequence / "keyframes"), "--frames",
            str(fewshot_sequence / "frames"), "--out", str(tmp_path / "o"), *TINY]  # fmt: skip
    assert main(args) == 1
    assert "has no frame of the same name" in caplog.text
    assert main([*args[: -len(TINY)], *TINY, "--patch-size", "10"]) == 1
    assert "--patch-size must be a multiple of 4" in caplog.text


def test_the_authors_pickled_checkpoint_is_refused_unless_trusted(
    fewshot_sequence: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pickled = authors_checkpoint(tmp_path / "model_00010.pth")
    with pytest.raises(CheckpointError, match="refuses it unless you pass --trust-pickle"):
        load_checkpoint(pickled)
    frame = fewshot_sequence / "frames" / "f1.png"
    assert main(["stylize", str(pickled), str(frame), "-o", str(tmp_path / "a.png")]) == 1
    assert "--trust-pickle" in caplog.text and not (tmp_path / "a.png").exists()
    caplog.clear()
    assert main(["stylize", str(pickled), str(frame), "-o", str(tmp_path / "a.png"), "--trust-pickle"]) == 0
    assert "runs whatever code the file names" in caplog.text and (tmp_path / "a.png").is_file()
    loaded = load_checkpoint(pickled, trust_pickle=True)
    assert loaded.preset == "fewshot-small" and loaded.source == "few-shot GeneratorJ state_dict"
