from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.core.contract import (
    METADATA_PREFIX,
    RANGES,
    ContractError,
    PixelContract,
    from_range,
    image_to_unit_tensor,
    linear_to_srgb,
    srgb_to_linear,
    to_range,
    unit_scale_bias,
    unit_tensor_to_image,
)


@pytest.mark.parametrize("name", sorted(RANGES))
def test_ranges_map_unit_endpoints(name: str) -> None:
    contract = PixelContract(name, name, 4)
    low, high = {"0_1": (0, 1), "0_255": (0, 255), "-1_1": (-1, 1)}[name]
    assert contract.unit_to_input(torch.tensor([0.0, 1.0])).tolist() == [low, high]
    assert contract.output_to_unit(torch.tensor([float(low), float(high)])).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("name", sorted(RANGES))
def test_uint8_round_trip_is_exact(name: str, frame: np.ndarray) -> None:
    contract = PixelContract(name, name, 1)
    tensor = contract.unit_to_input(image_to_unit_tensor(frame))
    assert tensor.shape == (1, 3, frame.shape[0], frame.shape[1])
    assert tensor.dtype == torch.float32
    np.testing.assert_array_equal(unit_tensor_to_image(contract.output_to_unit(tensor)), frame)


def test_tensor_layout_is_nchw_rgb_top_row_first() -> None:
    image = np.zeros((2, 3, 3), np.uint8)
    image[0, 0] = (255, 0, 0)  # top-left red
    image[1, 2] = (0, 0, 255)  # bottom-right blue
    tensor = image_to_unit_tensor(image)
    assert tensor[0, 0, 0, 0] == 1.0 and tensor[0, 2, 1, 2] == 1.0
    assert tensor.sum() == 2.0


def test_output_is_clamped_and_rounded() -> None:
    unit = torch.tensor([[[[-0.5, 0.5 / 255, 1.7 / 255, 2.0]]]]).expand(1, 3, 1, 4)
    assert unit_tensor_to_image(unit)[0, :, 0].tolist() == [0, 0, 2, 255]


def test_check_size_names_valid_sizes() -> None:
    contract = PixelContract("0_255", "0_255", 4)
    contract.check_size(540, 960)
    with pytest.raises(ContractError, match=r"multiples of 4.*960x540"):
        contract.check_size(541, 959)


def test_bad_values_are_rejected() -> None:
    with pytest.raises(ContractError, match="input_range"):
        PixelContract("0_65535", "0_255", 4)
    with pytest.raises(ContractError, match="size_multiple"):
        PixelContract("0_255", "0_255", 0)
    with pytest.raises(ContractError, match="version"):
        PixelContract("0_255", "0_255", 4, version=99)
    with pytest.raises(ContractError, match="uint8"):
        image_to_unit_tensor(np.zeros((4, 4, 3), np.float32))


def test_dict_and_metadata_round_trip() -> None:
    contract = PixelContract("-1_1", "-1_1", 4)
    assert PixelContract.from_dict(contract.to_dict()) == contract
    metadata = contract.to_metadata()
    assert all(k.startswith(METADATA_PREFIX) for k in metadata)
    assert all(isinstance(v, str) for v in metadata.values())
    assert metadata[METADATA_PREFIX + "input_scale"] == "2.0"
    assert PixelContract.from_metadata(metadata) == contract


def test_metadata_that_contradicts_itself_is_refused() -> None:
    metadata = PixelContract("0_255", "0_255", 4).to_metadata()
    metadata[METADATA_PREFIX + "input_scale"] = "1.0"
    with pytest.raises(ContractError, match="disagrees"):
        PixelContract.from_metadata(metadata)
    del metadata[METADATA_PREFIX + "output_range"]
    with pytest.raises(ContractError, match="lacks"):
        PixelContract.from_metadata(metadata)


@pytest.mark.parametrize("name", sorted(RANGES))
def test_one_scale_and_bias_in_every_form(name: str) -> None:
    """to_range, from_range and the ToRenderTexture scale/bias agree, and the unit range costs no arithmetic
    (a traced --io unit graph gets no x*1 or +0 nodes)."""
    unit = torch.tensor([0.0, 0.25, 1.0])
    values = to_range(unit, name)
    scale, bias = unit_scale_bias(name)
    torch.testing.assert_close(values * scale + bias, unit)
    torch.testing.assert_close(from_range(values, name), unit)
    assert (to_range(unit, name) is unit) == (name == "0_1") and (from_range(unit, name) is unit) == (name == "0_1")


def test_a_unit_io_run_maps_in_runs_maps_back_and_clamps() -> None:
    contract = PixelContract("0_255", "-1_1", 4)
    seen: list[torch.Tensor] = []

    def network(x: torch.Tensor) -> torch.Tensor:
        seen.append(x)
        return torch.tensor([-1.5, 0.0, 1.0])

    out = contract.run_unit_io(network, torch.tensor([0.0, 0.5, 1.0]))
    assert seen[0].tolist() == [0.0, 127.5, 255.0] and out.tolist() == [0.0, 0.5, 1.0]


def test_unit_io_contract_keeps_everything_but_ranges() -> None:
    unit = PixelContract("0_255", "-1_1", 8).as_unit_io()
    assert (unit.input_range, unit.output_range, unit.size_multiple) == ("0_1", "0_1", 8)


def test_srgb_linear_curves_are_inverse_and_standard() -> None:
    values = np.linspace(0, 1, 1001, dtype=np.float32)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(values)), values, atol=2e-6)
    assert srgb_to_linear(np.float32(0.5)) == pytest.approx(0.21404, abs=1e-5)
