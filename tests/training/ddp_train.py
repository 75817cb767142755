"""Run by torchrun in tests: a tiny data-parallel training run; every rank saves its final weights."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

from pipeline.training.fast import FastTrainConfig, train_fast


def main() -> None:
    data, style, out = sys.argv[1:4]
    config = FastTrainConfig(
        data=data, style=style, out=out, image_size=32, batch_size=2, epochs=100, max_steps=6, vgg_weights="random",
        style_layers="examples", workers=0, progress=False, log_every=3, checkpoint_every=100, device="cpu",
    )  # fmt: skip
    result = train_fast(config)
    state = {k: v.cpu() for k, v in result.model.state_dict().items()}
    rank = os.environ["RANK"]
    torch.save({"steps": result.steps, "history": result.history, "weights": state}, Path(out) / f"rank{rank}.pt")


if __name__ == "__main__":
    main()
