"""Process-group set-up under torchrun, with torch.distributed's entry points recorded instead of run."""

from __future__ import annotations

import pytest
import torch

from pipeline.training import distributed


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Pretend to be rank 1 of 2 (LOCAL_RANK 1) and record set_device / init_process_group in call order."""
    recorded: list[tuple[object, ...]] = []
    for name, value in {"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(torch.cuda, "set_device", lambda device: recorded.append(("set_device", device)))
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: False)
    monkeypatch.setattr(
        distributed.dist,
        "init_process_group",
        lambda backend, device_id=None: recorded.append(("init_process_group", backend, device_id)),
    )
    return recorded


def test_each_nccl_rank_selects_its_own_gpu_before_joining(calls: list[tuple[object, ...]]) -> None:
    info = distributed.init_distributed(torch.device("cuda"))
    gpu = torch.device("cuda", 1)
    assert calls == [("set_device", gpu), ("init_process_group", "nccl", gpu)]
    assert distributed.training_device(torch.device("cuda"), info) == gpu


def test_gloo_ranks_leave_cuda_alone(calls: list[tuple[object, ...]]) -> None:
    info = distributed.init_distributed(torch.device("cpu"))
    assert calls == [("init_process_group", "gloo", None)]
    assert (info.rank, info.world_size, info.local_rank) == (1, 2, 1)
    assert distributed.training_device(torch.device("cpu"), info) == torch.device("cpu")
