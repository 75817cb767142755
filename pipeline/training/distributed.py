"""torch.distributed set-up for runs launched with torchrun (NCCL on GPUs, gloo on CPUs)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device: torch.device) -> DistInfo:
    """Join the process group torchrun describes in the environment; a no-op when run alone."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistInfo()
    info = DistInfo(int(os.environ["RANK"]), world_size, int(os.environ.get("LOCAL_RANK", "0")))
    gpu = torch.device("cuda", info.local_rank) if device.type == "cuda" else None
    if gpu is not None:
        # Before NCCL starts: otherwise every rank's communicator (and a CUDA context) lands on GPU 0.
        torch.cuda.set_device(gpu)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if gpu is not None else "gloo", device_id=gpu)
    return info


def training_device(requested: torch.device, info: DistInfo) -> torch.device:
    """Each torchrun process on a GPU machine uses the GPU numbered by its LOCAL_RANK (made current by
    init_distributed)."""
    if requested.type == "cuda" and info.enabled:
        return torch.device("cuda", info.local_rank)
    return requested


def mean_across_ranks(values: list[float], info: DistInfo) -> list[float]:
    """The element-wise mean over all processes, as plain Python floats."""
    if not info.enabled:
        return [float(v) for v in values]
    tensor = torch.tensor(values, dtype=torch.float64)
    if dist.get_backend() == "nccl":
        tensor = tensor.cuda()
    dist.all_reduce(tensor)
    return (tensor / info.world_size).tolist()


def shutdown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
