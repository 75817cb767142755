from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch

from pipeline.cli.demo import choose_vgg_weights
from pipeline.training import vgg
from pipeline.training.vgg import (
    RELU_INDEX,
    STYLE_LAYER_SETS,
    VGGFeatures,
    VGGWeightsError,
    build_vgg19_features,
    resolve_vgg_weights,
)


def test_layer_indices_match_torchvision() -> None:
    # the tutorial cut vgg19().features at 4/9/18/27/36, i.e. after relu1_2, 2_2, 3_4, 4_4, 5_4
    assert [RELU_INDEX[n] for n in STYLE_LAYER_SETS["tutorial"]] == [3, 8, 17, 26, 35]
    assert [RELU_INDEX[n] for n in STYLE_LAYER_SETS["examples"]] == [3, 8, 15, 24]
    features = build_vgg19_features()
    assert len(features) == 37 and sum(p.numel() for p in features.parameters()) == 20_024_384


def test_weights_from_a_torchvision_file(vgg_weights_file: Path) -> None:
    weights = resolve_vgg_weights(str(vgg_weights_file))
    assert weights.state_dict is not None and "0.weight" in weights.state_dict
    expected = torch.load(vgg_weights_file, weights_only=True)["features.34.weight"]
    torch.testing.assert_close(weights.state_dict["34.weight"], expected)
    net = VGGFeatures(["relu1_2", "relu3_4"], weights)
    assert len(net.features) == RELU_INDEX["relu3_4"] + 1  # stops at the deepest layer asked for
    torch.testing.assert_close(net.features[0].weight, weights.state_dict["0.weight"])
    out = net(torch.rand(2, 3, 32, 32))
    assert out["relu1_2"].shape == (2, 64, 32, 32) and out["relu3_4"].shape == (2, 256, 8, 8)
    assert not any(p.requires_grad for p in net.parameters())


def test_features_only_file(tmp_path: Path, vgg_weights_file: Path) -> None:
    state = torch.load(vgg_weights_file, weights_only=True)
    torch.save(
        {k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")}, tmp_path / "f.pt"
    )
    assert resolve_vgg_weights(str(tmp_path / "f.pt")).state_dict is not None


def test_wrong_files_are_explained(tmp_path: Path) -> None:
    torch.save({"features.0.weight": torch.zeros(3, 3, 3, 3)}, tmp_path / "vgg16.pth")
    with pytest.raises(VGGWeightsError, match=r"0\.weight should be \(64, 3, 3, 3\)"):
        resolve_vgg_weights(str(tmp_path / "vgg16.pth"))
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(VGGWeightsError, match="cannot read"):
        resolve_vgg_weights(str(tmp_path / "junk.pth"))
    with pytest.raises(VGGWeightsError, match="does not exist"):
        resolve_vgg_weights(str(tmp_path / "absent.pth"))


def test_hub_cache_is_used(tmp_path: Path, vgg_weights_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "hub" / "checkpoints" / "vgg19-dcbb9e9d.pth"
    assert vgg.hub_cache_path() == cached
    with pytest.raises(VGGWeightsError, match="not in the torch hub cache"):
        resolve_vgg_weights(None, download=False)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(vgg_weights_file.read_bytes())
    weights = resolve_vgg_weights(None, download=False)
    assert str(cached) in weights.description and weights.state_dict is not None


def test_download_failure_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(vgg, "VGG19_URL", "http://127.0.0.1:9/vgg19-dcbb9e9d.pth")  # nothing listens on port 9
    with pytest.raises(VGGWeightsError, match="--vgg-weights random"):
        resolve_vgg_weights(None, download=True)


def test_random_filters_are_seeded() -> None:
    weights = resolve_vgg_weights("random")
    assert weights.state_dict is None and "random" in weights.description
    a, b, c = (VGGFeatures(["relu2_2"], weights, seed=s) for s in (1, 1, 2))
    torch.testing.assert_close(a.features[2].weight, b.features[2].weight)
    assert not torch.equal(a.features[2].weight, c.features[2].weight)


def test_demo_falls_back_to_random_filters_loudly_when_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache
    monkeypatch.setattr(vgg, "VGG19_URL", "http://127.0.0.1:9/vgg19-dcbb9e9d.pth")  # nothing listens on port 9
    with caplog.at_level(logging.WARNING, logger="pipeline.cli.demo"):
        spec = choose_vgg_weights(None)
    assert spec == "random"
    assert "random filters" in resolve_vgg_weights(spec).description  # what the demo then trains with
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert "NO IMAGENET VGG-19 WEIGHTS" in text and "RANDOM-FILTER loss network" in text
    assert "could not download" in text and str(vgg.hub_cache_path()) in text  # why, and where the file goes
    assert "--vgg-weights random" not in text  # what the demo is doing already is not advice (issue 9, defect 16)


def test_demo_uses_imagenet_weights_quietly_when_cached(
    tmp_path: Path, vgg_weights_file: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    vgg.hub_cache_path().parent.mkdir(parents=True)
    vgg.hub_cache_path().write_bytes(vgg_weights_file.read_bytes())
    with caplog.at_level(logging.WARNING):
        assert choose_vgg_weights(None) is None  # None: ImageNet weights from the cache
    assert caplog.records == []
