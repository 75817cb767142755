from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from pipeline.inference.files import is_model_file
from pipeline.models import StyleNet, create_model
from pipeline.models.checkpoint import (
    CHECKPOINT_FORMAT,
    Checkpoint,
    CheckpointError,
    checkpoint_from_object,
    is_checkpoint_file,
    load_checkpoint,
    save_checkpoint,
)


def _same_outputs(a: StyleNet, b: StyleNet) -> None:
    torch.manual_seed(1)
    x = a.contract.unit_to_input(torch.rand(1, 3, 24, 32))
    with torch.no_grad():
        torch.testing.assert_close(a.eval()(x), b.eval()(x), rtol=0, atol=0)


def _trained_like(name: str, **kwargs: object) -> StyleNet:
    """A model whose norm weights are not all ones, as after training."""
    torch.manual_seed(0)
    model = create_model(name, **kwargs)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def test_a_stored_contract_unlike_the_architectures_is_an_error_not_overridden(tmp_path: Path) -> None:
    model = _trained_like("small", variant="tutorial")
    checkpoint = Checkpoint.from_model(model, preset="small")
    checkpoint.contract = replace(model.contract, input_range="-1_1")  # weights trained on [-1, 1]
    path = save_checkpoint(tmp_path / "other.pt", checkpoint)
    with pytest.raises(CheckpointError, match=r"input_range '-1_1' \(the architecture's: '0_255'\)") as error:
        load_checkpoint(path)
    assert "re-save the checkpoint" in str(error.value)


def test_native_round_trip(tmp_path: Path) -> None:
    model = _trained_like("small", variant="tutorial")
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.rand(1, 3, 8, 8) * 255).sum().backward()
    optimizer.step()
    history = [{"step": 10, "content": 1.0, "style": 2.0, "total": 3.0}]
    original = Checkpoint.from_model(
        model, preset="small", step=10, epoch=1, optimizer=optimizer.state_dict(), train_config={"lr": 1e-3},
        history=history,
    )  # fmt: skip
    path = save_checkpoint(tmp_path / "ckpt.pt", original)
    loaded = load_checkpoint(path)
    assert (loaded.architecture, loaded.preset, loaded.step, loaded.epoch) == ("transformer_net", "small", 10, 1)
    assert loaded.contract == model.contract and loaded.history == history
    assert loaded.train_config == {"lr": 1e-3} and loaded.source == CHECKPOINT_FORMAT
    torch.optim.Adam(model.parameters()).load_state_dict(loaded.optimizer)
    _same_outputs(model, loaded.build_model())
    # self-describing: plain torch with weights_only=True reads it, and it names its format
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == CHECKPOINT_FORMAT and raw["config"] == model.config()


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    model = create_model("tiny")
    save_checkpoint(tmp_path / "a.pt", Checkpoint.from_model(model))
    save_checkpoint(tmp_path / "a.pt", Checkpoint.from_model(model, step=2))  # replace in place
    assert sorted(os.listdir(tmp_path)) == ["a.pt"]
    assert load_checkpoint(tmp_path / "a.pt").step == 2


def test_pytorch_examples_state_dict_with_legacy_keys(tmp_path: Path) -> None:
    model = _trained_like("original", variant="examples")
    state = dict(model.state_dict())
    # files saved before torch 0.4 carry InstanceNorm running stats (pytorch/examples issue #367)
    for key in ("in1", "in2", "res1.in1", "res5.in2"):
        channels = state[f"{key}.weight"].shape[0]
        state[f"{key}.running_mean"] = torch.zeros(channels)
        state[f"{key}.running_var"] = torch.ones(channels)
    torch.save(state, tmp_path / "mosaic.pth")
    loaded = load_checkpoint(tmp_path / "mosaic.pth")
    assert loaded.config == {"filters": [32, 64, 128], "res_blocks": 5, "variant": "examples"}
    assert loaded.preset == "original" and "pytorch/examples" in loaded.source
    _same_outputs(model, loaded.build_model())


def test_tutorial_state_dict(tmp_path: Path) -> None:
    model = _trained_like("tiny", variant="tutorial", res_blocks=3)
    torch.save(model.state_dict(), tmp_path / "final.pth")
    loaded = load_checkpoint(tmp_path / "final.pth")
    assert loaded.config == {"filters": [8, 16, 32], "res_blocks": 3, "variant": "tutorial"}
    assert loaded.preset is None  # 3 blocks is no preset
    _same_outputs(model, loaded.build_model())


def test_fewshot_generator_state_dict(tmp_path: Path) -> None:
    model = _trained_like("fewshot-small")
    torch.save(model.state_dict(), tmp_path / "model_00100.pth")
    loaded = load_checkpoint(tmp_path / "model_00100.pth")
    assert loaded.architecture == "fewshot_generator" and loaded.preset == "fewshot-small"
    _same_outputs(model, loaded.build_model())


def test_fewshot_without_smoothers_or_tanh_is_inferred(tmp_path: Path) -> None:
    model = _trained_like("fewshot-small", append_smoothers=False, tanh=False, use_bias=False)
    loaded = checkpoint_from_object(model.state_dict())
    assert loaded.config["append_smoothers"] is False and loaded.config["tanh"] is False
    assert loaded.config["use_bias"] is False
    _same_outputs(model, loaded.build_model())


def test_wrapped_state_dicts(tmp_path: Path) -> None:
    model = _trained_like("tiny")
    ddp_style = {f"module.{k}": v for k, v in model.state_dict().items()}
    _same_outputs(model, checkpoint_from_object({"state_dict": ddp_style}).build_model())


def test_files_that_are_not_checkpoints(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        load_checkpoint(tmp_path / "image.png")

    save_checkpoint(tmp_path / "good.pt", Checkpoint.from_model(create_model("tiny")))
    data = (tmp_path / "good.pt").read_bytes()
    (tmp_path / "half.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        load_checkpoint(tmp_path / "half.pt")

    torch.save({"epoch": 3, "lr": 0.1}, tmp_path / "settings.pt")
    with pytest.raises(CheckpointError, match="Expected a stylebridge checkpoint"):
        load_checkpoint(tmp_path / "settings.pt")

    torch.save(create_model("tiny"), tmp_path / "whole_module.pt")
    with pytest.raises(CheckpointError, match="pickled Python objects"):
        load_checkpoint(tmp_path / "whole_module.pt")

    torch.save({"encoder.weight": torch.zeros(2)}, tmp_path / "other_net.pt")
    with pytest.raises(CheckpointError, match="unknown network"):
        load_checkpoint(tmp_path / "other_net.pt")

    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_weights_that_do_not_fit(tmp_path: Path) -> None:
    state = create_model("tiny").state_dict()
    state["in1.weight"] = torch.ones(5)
    with pytest.raises(CheckpointError, match="do not fit"):
        checkpoint_from_object(state)


def test_newer_format_version_is_refused(tmp_path: Path) -> None:
    data = Checkpoint.from_model(create_model("tiny")).to_dict()
    data["format_version"] = 99
    with pytest.raises(CheckpointError, match="format version 99"):
        checkpoint_from_object(data)


def test_guided_fewshot_state_dict_loads_with_its_channels_and_odd_channels_are_refused() -> None:
    guided = create_model("fewshot-small", input_channels=6)
    loaded = checkpoint_from_object(dict(guided.state_dict()))
    assert loaded.config["input_channels"] == 6 and loaded.build_model().input_channels == 6
    assert "input_channels" not in checkpoint_from_object(dict(create_model("fewshot-small").state_dict())).config
    state = dict(guided.state_dict())
    state["conv0.conv.weight"] = torch.zeros(8, 4, 7, 7)
    with pytest.raises(CheckpointError, match="4 input channels"):
        checkpoint_from_object(state)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("ckpt_step_0000010.pt", True), ("final.PTH", True), ("epoch_1.model", True), ("last.ckpt", True),
     ("LAST.Ckpt", True), (".final.pt.partial", False), (".hidden.pt", False), ("model.onnx", False),
     ("notes.txt", False)],
)  # fmt: skip
def test_one_suffix_rule_for_the_watcher_and_the_bridge(name: str, expected: bool) -> None:
    assert is_checkpoint_file(Path(name)) is expected
    assert is_model_file(Path(name)) is (expected or name == "model.onnx")


def test_trainer_state_is_optional_and_only_written_when_a_trainer_has_one(tmp_path: Path) -> None:
    plain = Checkpoint.from_model(create_model("tiny"), preset="tiny")
    assert "trainer_state" not in plain.to_dict()  # the fast trainer's checkpoints keep their keys
    assert load_checkpoint(save_checkpoint(tmp_path / "a.pt", plain)).trainer_state is None
    state = {"discriminator": {"w": torch.ones(2)}, "early_stop": {"best": float("inf"), "bad": 0}}
    with_state = Checkpoint.from_model(create_model("tiny"), trainer_state=state)
    loaded = load_checkpoint(save_checkpoint(tmp_path / "b.pt", with_state))
    assert torch.equal(loaded.trainer_state["discriminator"]["w"], torch.ones(2))
    assert loaded.trainer_state["early_stop"]["best"] == float("inf")
