"""The teacher: a fast-style model only, run through an on-disk cache keyed by the frame's pixels and the model."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.core.fileio import load_rgb, save_image, save_png
from pipeline.export.exporter import export_onnx
from pipeline.inference.files import list_sequence, load_stylizer
from pipeline.inference.teacher import Teacher, TeacherError, default_cache_dir, pixels_sha256


def test_outputs_are_the_models_and_a_second_run_computes_nothing(
    make_teacher: Callable[..., Path], level_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    model, frames = make_teacher(), list_sequence(level_dir)[:5]
    first = Teacher(model, tmp_path / "cache", device="cpu")
    outputs = first.stylize_files(frames, progress=False)
    assert (first.computed, first.reused) == (5, 0)
    direct = load_stylizer(model, "cpu")
    for frame, output in zip(frames, outputs, strict=True):
        assert output.parent == tmp_path / "cache" / first.sha256[:16]
        assert (load_rgb(output) == direct(load_rgb(frame))).all()
    second = Teacher(model, tmp_path / "cache", device="cpu")  # as a second run would
    assert second.stylize_files(frames, progress=False) == outputs
    assert (second.computed, second.reused) == (0, 5) and second._stylizer is None  # the model was never loaded
    assert "5 frames: 0 computed, 5 from the cache in" in caplog.text


def test_the_cache_is_keyed_by_the_pixels_and_by_the_teacher(
    make_teacher: Callable[..., Path], level_dir: Path, tmp_path: Path
) -> None:
    frame = list_sequence(level_dir)[0]
    teacher = Teacher(make_teacher(0), tmp_path / "cache", device="cpu")
    output = teacher.stylize_file(frame)
    elsewhere = save_image(tmp_path / "moved" / "renamed.bmp", load_rgb(frame))  # another name, another format
    assert teacher.stylize_file(elsewhere) == output and teacher.computed == 1
    changed = load_rgb(frame)
    changed[0, 0] ^= 1
    assert teacher.output_path(changed) != output  # one level of one pixel is another frame
    other = Teacher(make_teacher(1), tmp_path / "cache", device="cpu")
    assert other.stylize_file(frame).parent != output.parent and other.computed == 1
    assert output.stem == pixels_sha256(load_rgb(frame))


def test_a_damaged_cache_file_is_computed_again(
    make_teacher: Callable[..., Path], level_dir: Path, tmp_path: Path
) -> None:
    image = load_rgb(list_sequence(level_dir)[0])
    teacher = Teacher(make_teacher(), tmp_path / "cache", device="cpu")
    good = teacher.stylize(image)
    teacher.output_path(image).write_bytes(b"not a png")
    assert (teacher.stylize(image) == good).all() and teacher.computed == 2


def test_an_exported_onnx_teaches_as_its_checkpoint_does(
    make_teacher: Callable[..., Path], level_dir: Path, tmp_path: Path
) -> None:
    checkpoint = make_teacher()
    onnx = export_onnx(checkpoint, tmp_path / "teacher.onnx").files.onnx
    image = load_rgb(list_sequence(level_dir)[3])
    from_onnx = Teacher(onnx, tmp_path / "cache", device="cpu")
    from_checkpoint = Teacher(checkpoint, tmp_path / "cache", device="cpu")
    assert from_onnx.name == "tiny" and from_onnx.sha256 != from_checkpoint.sha256
    difference = np.abs(from_onnx.stylize(image).astype(int) - from_checkpoint.stylize(image))
    assert difference.max() <= 1


def test_only_a_fast_style_model_can_teach(
    make_checkpoint: Callable[..., Path], level_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(TeacherError, match=r"holds a fewshot-small \(fewshot_generator\), trained by `train fewshot`"):
        Teacher(make_checkpoint("fewshot-small"), tmp_path / "cache")
    picture = save_png(tmp_path / "style.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(TeacherError, match="is not a model file: pass a fast-style checkpoint"):
        Teacher(picture, tmp_path / "cache")
    with pytest.raises(TeacherError, match="does not exist"):
        Teacher(tmp_path / "missing.pt", tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_the_default_cache_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STYLEBRIDGE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "stylebridge" / "teacher"
    monkeypatch.setenv("STYLEBRIDGE_CACHE", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine" / "teacher"
