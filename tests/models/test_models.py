"""Registry-driven model tests: every registered name is covered without listing it here."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from pipeline.core.contract import ContractError
from pipeline.models import ARCHITECTURES, PRESETS, ModelConfigError, StyleNet, create_model, list_models, resolve
from pipeline.models.info import count_macs, model_info

# Parameter counts worked out by hand in ../shared/notes/seeds-and-models.md.
EXPECTED_PARAMETERS = {
    "tiny": 108_771,
    "small": 424_899,
    "original": 1_679_235,
    "transformer_net": 1_679_235,
    "fewshot-reference": 3_267_523,
    "fewshot_generator": 3_267_523,
    "fewshot-small": 133_619,
}
# Module types that export to opset-9 ops Barracuda imports (see ../shared/notes/barracuda.md).
BARRACUDA_SAFE_MODULES = (
    nn.Conv2d, nn.InstanceNorm2d, nn.BatchNorm2d, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.ReflectionPad2d,
    nn.Upsample, nn.Sequential, nn.ModuleList,
)  # fmt: skip


@pytest.fixture(params=list_models())
def model(request: pytest.FixtureRequest) -> StyleNet:
    torch.manual_seed(0)
    return create_model(request.param).eval()


def test_every_model_is_counted() -> None:
    assert set(EXPECTED_PARAMETERS) == set(list_models())


@pytest.mark.parametrize("name", list_models())
def test_parameter_counts_match_the_notes(name: str) -> None:
    assert sum(p.numel() for p in create_model(name).parameters()) == EXPECTED_PARAMETERS[name]


def test_tutorial_variant_has_the_same_parameters() -> None:
    for preset in ("tiny", "small", "original"):
        assert (
            sum(p.numel() for p in create_model(preset, variant="tutorial").parameters()) == EXPECTED_PARAMETERS[preset]
        )


@pytest.mark.parametrize("size", [(36, 44), (64, 48), "smallest"])
def test_forward_keeps_height_and_width(model: StyleNet, size: tuple[int, int] | str) -> None:
    h, w = (model.min_size, 2 * model.min_size) if size == "smallest" else size
    x = model.contract.unit_to_input(torch.rand(2, 3, h, w))
    with torch.no_grad():
        y = model(x)
    assert y.shape == x.shape
    assert torch.isfinite(y).all()


@pytest.mark.parametrize("size", [(37, 44), (36, 42), (2, 8)])
def test_unsupported_sizes_are_rejected_clearly(model: StyleNet, size: tuple[int, int]) -> None:
    with pytest.raises(ContractError, match=f"multiples of {model.contract.size_multiple}"):
        model(torch.rand(1, 3, *size))


def _has_a_minimum(name: str) -> bool:
    model_class = ARCHITECTURES[resolve(name)[0]]
    return model_class.min_size > model_class.contract.size_multiple


@pytest.mark.parametrize("name", [n for n in list_models() if _has_a_minimum(n)])
def test_too_small_inputs_are_rejected_clearly(name: str) -> None:
    model = create_model(name)
    with pytest.raises(ContractError, match="too small"):
        model(torch.rand(1, 3, model.min_size - model.contract.size_multiple, 16))


def test_non_rgb_input_is_rejected(model: StyleNet) -> None:
    with pytest.raises(ValueError, match="RGB"):
        model(torch.rand(1, 4, 8, 8))


def test_only_barracuda_safe_layers(model: StyleNet) -> None:
    unsafe = {type(m).__name__ for m in model.modules() if m is not model and not isinstance(m, BARRACUDA_SAFE_MODULES)}
    allowed_containers = {"ConvLayer", "ResidualBlock", "UpsampleConvLayer"}
    assert unsafe <= allowed_containers


def test_model_rebuilds_from_its_config(model: StyleNet) -> None:
    rebuilt = type(model)(**model.config())
    assert rebuilt.config() == model.config()
    rebuilt.load_state_dict(model.state_dict())


def test_variants_differ_only_in_skips() -> None:
    torch.manual_seed(0)
    examples = create_model("tiny", variant="examples").eval()
    tutorial = create_model("tiny", variant="tutorial").eval()
    assert any(k.startswith("res1.") for k in examples.state_dict())
    assert any(k.startswith("resnets.0.") for k in tutorial.state_dict())
    renamed = {
        re.sub(r"^resnets\.(\d+)\.", lambda m: f"res{int(m[1]) + 1}.", k): v for k, v in tutorial.state_dict().items()
    }
    examples.load_state_dict(renamed)  # the same parameters under other names...
    x = torch.rand(1, 3, 16, 16) * 255
    assert not torch.allclose(examples(x), tutorial(x))  # ...and a different function: the skips


def test_bad_model_arguments() -> None:
    with pytest.raises(ModelConfigError, match="known models"):
        create_model("huge")
    with pytest.raises(ModelConfigError, match="filters\\[3\\] must equal filters\\[2\\]"):
        create_model("fewshot-small", filters=(8, 16, 32, 16, 32, 16))
    with pytest.raises(ModelConfigError, match="variant"):
        create_model("tiny", variant="mine")


def test_overrides_that_are_none_keep_the_preset() -> None:
    model = create_model("small", filters=None, res_blocks=3)
    assert model.config()["filters"] == [16, 32, 64] and model.config()["res_blocks"] == 3


def test_fewshot_presets_sizes() -> None:
    assert model_info(create_model("fewshot-reference"), "r").size_mb == pytest.approx(13.07, abs=0.01)
    assert model_info(create_model("fewshot-small"), "s").size_mb < 1.0
    assert all(PRESETS[p].description for p in PRESETS)


def test_macs_count_every_convolution() -> None:
    model = create_model("tiny")
    h, w = 8, 12
    f0, f1, f2 = 8, 16, 32
    full, half, quarter = h * w, h * w // 4, h * w // 16
    expected = (
        full * f0 * 3 * 81  # conv1 9x9
        + half * f1 * f0 * 9  # conv2
        + quarter * f2 * f1 * 9  # conv3
        + 5 * 2 * quarter * f2 * f2 * 9  # residual blocks
        + half * f1 * f2 * 9  # deconv1 after upsampling
        + full * f0 * f1 * 9  # deconv2
        + full * 3 * f0 * 81  # deconv3 9x9
    )
    assert count_macs(model, w, h) == expected
    assert count_macs(model, 2 * w, 2 * h) == 4 * expected
