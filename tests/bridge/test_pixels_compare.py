"""Pixel layouts <-> unit tensors, the comparison metrics, and the scheduler's fairness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bridge.compare import GAP, PSNR_CAP, compare_images, comparison_picture, heatmap, ssim
from bridge.pixels import frame_to_image, frame_to_unit, payload_array, unit_to_frame
from bridge.protocol import ColorEncoding, Header, MessageType, PixelFormat, RowOrder
from bridge.scheduler import Job, Scheduler
from pipeline.core.contract import linear_to_srgb, unit_to_uint8
from pipeline.core.pictures import CAPTION_PX


def _header(fmt: PixelFormat, rows: RowOrder, encoding: ColorEncoding, width: int, height: int) -> Header:
    return Header(MessageType.FRAME, width=width, height=height, pixel_format=fmt, row_order=rows,
                  color_encoding=encoding)  # fmt: skip


@pytest.mark.parametrize("encoding", list(ColorEncoding))
@pytest.mark.parametrize("rows", list(RowOrder))
@pytest.mark.parametrize("fmt", [PixelFormat.RGBA32, PixelFormat.RGB24])
def test_every_layout_round_trips_through_the_unit_range_exactly(
    fmt: PixelFormat, rows: RowOrder, encoding: ColorEncoding
) -> None:
    channels = 4 if fmt == PixelFormat.RGBA32 else 3
    values = np.arange(256 * channels, dtype=np.uint32) % 256  # every byte value in every channel
    pixels = values.astype(np.uint8).reshape(16, 16, channels)
    header = _header(fmt, rows, encoding, 16, 16)
    unit = frame_to_unit(payload_array(header, pixels.tobytes()), header)
    assert unit.shape == (1, 3, 16, 16) and unit.dtype == torch.float32
    assert unit_to_frame(unit, header, pixels).tobytes() == pixels.tobytes()


def test_bottom_up_linear_frames_become_upright_srgb() -> None:
    upright = np.random.default_rng(0).integers(0, 256, (3, 5, 3), dtype=np.uint8)
    header = _header(PixelFormat.RGB24, RowOrder.BOTTOM_UP, ColorEncoding.LINEAR, 5, 3)
    unit = frame_to_unit(upright[::-1].copy(), header)[0].permute(1, 2, 0).numpy()
    assert np.allclose(unit, linear_to_srgb(upright / 255.0), atol=1e-6)
    srgb_header = _header(PixelFormat.RGB24, RowOrder.BOTTOM_UP, ColorEncoding.SRGB, 5, 3)
    assert (frame_to_image(upright[::-1].copy(), srgb_header) == upright).all()


def test_metrics_of_identical_and_of_different_images() -> None:
    rng = np.random.default_rng(1)
    image = rng.random((20, 30, 3), dtype=np.float32)
    same = compare_images(image, image)
    assert same == {"max_abs": 0.0, "mean_abs": 0.0, "psnr": PSNR_CAP, "ssim": pytest.approx(1.0)}
    shifted = np.clip(image + 0.1, 0, 1)
    worse = compare_images(image, shifted)
    assert 0 < worse["mean_abs"] <= worse["max_abs"] <= 0.1 + 1e-6
    assert 15 < worse["psnr"] < 25
    assert ssim(image, rng.random((20, 30, 3), dtype=np.float32)) < 0.2 < worse["ssim"] < 1


def test_ssim_works_on_images_smaller_than_its_window() -> None:
    tiny = np.full((4, 2, 3), 0.5, np.float32)
    assert ssim(tiny, tiny) == pytest.approx(1.0)


def test_heatmap_is_black_where_images_agree() -> None:
    a = np.zeros((2, 3, 3), np.float32)
    b = a.copy()
    b[1, 2] = 1.0
    heat = heatmap(a, b)
    assert heat.dtype == np.uint8 and heat.shape == (2, 3, 3)
    assert heat[0, 0].tolist() == [0, 0, 0] and heat[1, 2].sum() > 500


def test_the_visual_labels_its_panels_and_keeps_rounding_noise_dark() -> None:
    """[PyTorch | engine | |difference|] with a caption band each and the colour scale under them."""
    rng = np.random.default_rng(0)
    ours = rng.integers(0, 256, (30, 200, 3)).astype(np.float32) / 255
    theirs = np.clip(ours + rng.integers(-1, 2, ours.shape) / 255, 0, 1)  # 1/255 rounding everywhere
    theirs[:10, :20] = 1 - theirs[:10, :20]  # and one broken corner
    visual = comparison_picture(ours, theirs)
    heat = visual[CAPTION_PX : CAPTION_PX + 30, 2 * (200 + GAP) : 3 * 200 + 2 * GAP]
    assert (heat == heatmap(ours, theirs)).all() and visual.shape[1] == 3 * 200 + 2 * GAP
    assert heat[15:, 25:].max() < 80  # rounding noise: dark purple, not the scale's top as when scaled to the max
    assert (heat[:10, :20].astype(int).sum(axis=2) > 400).mean() > 0.9  # the broken corner: bright
    captions = visual[:CAPTION_PX, :200]
    assert (captions < 128).any() and (captions > 250).mean() > 0.7  # dark text on white
    legend = visual[CAPTION_PX + 30 :]
    assert legend.shape[0] > 30 and len({tuple(c) for c in legend.reshape(-1, 3)}) > 50  # the scale's colours
    narrow = comparison_picture(ours[:, :40], theirs[:, :40])  # small frames are enlarged for their labels
    assert narrow[CAPTION_PX : CAPTION_PX + 120, : 4 * 40].shape == (120, 160, 3)
    assert (narrow[CAPTION_PX : CAPTION_PX + 4, :4] == unit_to_uint8(ours[0, 0])).all()


def test_scheduler_serves_clients_in_turn_and_keeps_only_the_newest_frame() -> None:
    scheduler = Scheduler(max_requests=1)
    for seq in range(3):
        replaced = scheduler.put_frame(Job(b"greedy", "frame", seq))
        assert (replaced.payload if replaced else None) == (seq - 1 if seq else None)
    scheduler.put_frame(Job(b"polite", "frame", 10))
    assert scheduler.put_request(Job(b"polite", "compare", 11))
    assert not scheduler.put_request(Job(b"polite", "compare", 12))  # its request queue is full
    order = [scheduler.take(timeout=0.1) for _ in range(3)]
    assert [(job.client, job.payload) for job in order if job] == [(b"greedy", 2), (b"polite", 11), (b"polite", 10)]
    assert scheduler.take(timeout=0.01) is None
    scheduler.close()
