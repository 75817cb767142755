"""Few-shot data: both folder layouts, their errors, and patches cut only around allowed centres."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.core.fileio import save_png
from pipeline.training.fewshot_data import (
    FewShotDataError,
    Keyframe,
    KeyframeFiles,
    PatchSampler,
    allowed_centres,
    resolve_layout,
)


def brute_force_centres(mask: np.ndarray, erosion: int) -> np.ndarray:
    half, (h, w) = erosion // 2, mask.shape
    out = np.zeros_like(mask)
    for y in range(h):
        for x in range(w):
            inside = half <= y < h - half and half <= x < w - half
            out[y, x] = inside and mask[y - half : y + half + 1, x - half : x + half + 1].all()
    return out


def test_allowed_centres_are_the_mask_eroded_by_the_box_with_the_frame_edge_counting_as_outside() -> None:
    rng = np.random.default_rng(0)
    mask = np.zeros((20, 24), bool)
    mask[2:17, 5:24] = True
    mask[rng.integers(0, 20, 6), rng.integers(0, 24, 6)] = False  # holes
    got = allowed_centres(torch.from_numpy(mask), 7).numpy()
    assert (got == brute_force_centres(mask, 7)).all() and got.any()


def coordinate_keyframe(height: int, width: int, mask: torch.Tensor, guides: int = 0) -> Keyframe:
    """A keyframe whose pixels spell their own position: channel 0 = row, channel 1 = column (in [-1, 1])."""
    ys, xs = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    rgb = torch.stack([ys / 100, xs / 100, torch.full_like(ys, 1, dtype=torch.float32) * 0.75]).float() * 2 - 1
    source = torch.cat([rgb] + [rgb.flip(0)] * guides)  # guide channels: the same coordinates, reordered
    return Keyframe("k", source, rgb.clone(), mask)


def decode(patch: torch.Tensor, y: int, x: int) -> tuple[int, int]:
    return round(float((patch[0, y, x] + 1) / 2 * 100)), round(float((patch[1, y, x] + 1) / 2 * 100))


def test_patches_are_centred_on_allowed_centres_and_inputs_line_up_with_paintings() -> None:
    mask = torch.zeros(40, 44, dtype=torch.bool)
    mask[5:30, 10:40] = True
    keyframe = coordinate_keyframe(40, 44, mask)
    allowed = allowed_centres(mask)
    sampler = PatchSampler([keyframe], 16, torch.device("cpu"), seed=3)
    for step in range(5):
        source, target, real = sampler.sample(step, 12)
        assert source.shape == (12, 3, 16, 16) and target.shape == real.shape == (12, 3, 16, 16)
        assert torch.equal(source, target)  # the painting here equals the input: same place, same pixels
        for patch in (*source, *real):
            y, x = decode(patch, 8, 8)
            assert allowed[y, x], (y, x)
            assert decode(patch, 0, 0) == (y - 8, x - 8) and decode(patch, 15, 15) == (y + 7, x + 7)


def test_patches_past_the_edge_are_zero_in_every_channel_and_stay_centred() -> None:
    """The authors padded only 3 channels (a crash with guides) and shifted edge patches to the top-left."""
    mask = torch.ones(16, 20, dtype=torch.bool)
    keyframe = coordinate_keyframe(16, 20, mask, guides=2)
    source, target, _ = PatchSampler([keyframe], 32, torch.device("cpu"), seed=0).sample(0, 6)
    assert source.shape == (6, 9, 32, 32) and target.shape == (6, 3, 32, 32)
    for patch in source:
        y, x = decode(patch, 16, 16)
        assert 3 <= y < 13 and 3 <= x < 17  # the 7x7 erosion keeps centres 3 pixels from the edge
        rows = torch.arange(32) - 16 + y
        cols = torch.arange(32) - 16 + x
        outside = (rows[:, None] < 0) | (rows[:, None] >= 16) | (cols[None] < 0) | (cols[None] >= 20)
        assert outside.any() and (patch[:, outside] == 0).all()
        assert (patch[:, ~outside] != 0).any(dim=0).all()


def test_the_same_step_draws_the_same_patches_and_keyframes_take_turns() -> None:
    frames = [coordinate_keyframe(24, 24, torch.ones(24, 24, dtype=torch.bool)) for _ in range(2)]
    frames[1].source = frames[1].target = -frames[0].source  # tell them apart by sign
    sampler = PatchSampler(frames, 16, torch.device("cpu"), seed=1)
    a, b = sampler.sample(7, 6), sampler.sample(7, 6)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not torch.equal(a[0], sampler.sample(8, 6)[0])
    # element i comes from keyframe (step * B + i) % 2 = i % 2
    assert [float(p[2, 8, 8]) > 0 for p in a[0]] == [True, False] * 3


def test_our_layout_orders_keyframes_by_the_sequence(fewshot_sequence: Path) -> None:
    for i in (10, 2):  # natural order: f2 before f10
        shutil.copy(fewshot_sequence / "frames" / "f0.png", fewshot_sequence / "frames" / f"f{i}.png")
    layout = resolve_layout(fewshot_sequence / "keyframes", fewshot_sequence / "frames")
    assert [p.stem for p in layout.frames] == ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f10"]
    assert [k.name for k in layout.keyframes] == ["f0", "f7"] and layout.keyframes[1].mask is None
    assert layout.keyframes[0].source == fewshot_sequence / "frames" / "f0.png"


def test_the_authors_layout_loads_unchanged(fewshot_sequence: Path, tmp_path: Path) -> None:
    train, gen = tmp_path / "Zuzka2_train", tmp_path / "Zuzka2_gen"
    shutil.copytree(fewshot_sequence / "frames", gen / "input_filtered")
    for name in ("f0", "f7"):
        for sub, source in (("input_filtered", "frames"), ("output", "keyframes")):
            (train / sub).mkdir(parents=True, exist_ok=True)
            shutil.copy(fewshot_sequence / source / f"{name}.png", train / sub / f"{name}.png")
        save_png(train / "mask" / f"{name}.png", np.full((32, 48, 3), 255, np.uint8))
    layout = resolve_layout(train)
    assert layout.original and len(layout.frames) == 8 and layout.frames[0].parent == gen / "input_filtered"
    assert [(k.name, k.source.parent.name, k.target.parent.name, k.mask.parent.name) for k in layout.keyframes] == [
        ("f0", "input_filtered", "output", "mask"),
        ("f7", "input_filtered", "output", "mask"),
    ]


def test_guides_add_three_channels_each(fewshot_sequence: Path) -> None:
    shutil.copytree(fewshot_sequence / "frames", fewshot_sequence / "guide")
    layout = resolve_layout(
        fewshot_sequence / "keyframes", fewshot_sequence / "frames", guides=[str(fewshot_sequence / "guide")]
    )
    keyframe = Keyframe.load(layout.keyframes[0])
    assert keyframe.source.shape == (6, 32, 48) and torch.equal(keyframe.source[:3], keyframe.source[3:])
    assert layout.guide_paths(layout.frames[3]) == (fewshot_sequence / "guide" / "f3.png",)


def test_a_keyframe_without_its_frame_is_refused(fewshot_sequence: Path) -> None:
    shutil.copy(fewshot_sequence / "keyframes" / "f0.png", fewshot_sequence / "keyframes" / "shot_12.png")
    with pytest.raises(FewShotDataError, match=r"shot_12\.png has no frame of the same name"):
        resolve_layout(fewshot_sequence / "keyframes", fewshot_sequence / "frames")


def test_sizes_that_disagree_or_are_not_multiples_of_4_are_refused(fewshot_sequence: Path) -> None:
    frame = fewshot_sequence / "frames" / "f0.png"
    painted = KeyframeFiles("f0", frame, fewshot_sequence / "keyframes" / "f0.png", None)
    save_png(painted.target, np.zeros((32, 44, 3), np.uint8))
    with pytest.raises(FewShotDataError, match="same size"):
        Keyframe.load(painted)
    save_png(frame, np.zeros((30, 44, 3), np.uint8))
    save_png(painted.target, np.zeros((30, 44, 3), np.uint8))
    with pytest.raises(FewShotDataError, match=r"multiples of 4: crop or resize .* to 44x28"):
        Keyframe.load(painted)


def test_a_mask_with_nothing_left_after_erosion_is_refused(fewshot_sequence: Path) -> None:
    mask = np.zeros((32, 48, 3), np.uint8)
    mask[10:15, 10:40] = 255  # 5 pixels tall: a 7x7 box fits nowhere
    save_png(fewshot_sequence / "masks" / "f0.png", mask)
    layout = resolve_layout(fewshot_sequence / "keyframes", fewshot_sequence / "frames", fewshot_sequence / "masks")
    with pytest.raises(FewShotDataError, match="no patch centre after erosion"):
        Keyframe.load(layout.keyframes[0])
    mask_size = np.full((32, 40, 3), 255, np.uint8)
    save_png(fewshot_sequence / "masks" / "f0.png", mask_size)
    with pytest.raises(FewShotDataError, match="same size"):
        Keyframe.load(layout.keyframes[0])
