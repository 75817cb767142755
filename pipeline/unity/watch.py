"""The hot-swap feed: watch a checkpoint folder, export, validate and deploy each new checkpoint.

A `SettledFileWatcher` (pipeline/core/filewatch.py) reports checkpoints once they are completely
written; its worker thread turns them into deployments:

* debounce: a checkpoint is touched only after its folder has been quiet for `settle_seconds` and
  its size and mtime stopped changing, so a file still being written is never read. A file that
  still fails to load (truncated, corrupt, not a checkpoint) is logged and skipped until it changes
  again; the model deployed before it stays current.
* bursts: of the checkpoints that settled together, only the newest is deployed.
* restarts: on start, the newest checkpoint is deployed only if it is newer than the current
  version's source checkpoint (found by name and SHA-256 in the folder; when it is not there, newer
  than the deployment itself), so an older one never replaces it and one written while the last
  export ran is not missed; a checkpoint whose SHA-256 is the current version's source is never
  redeployed.

`train fast --deploy-to UNITY_PROJECT` runs a watcher beside training (see pipeline/cli/commands/train.py).
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import file_sha256
from pipeline.core.filewatch import SettledFile, SettledFileWatcher, Signature
from pipeline.export.barracuda_ops import RECOMMENDED_OPSET
from pipeline.export.exporter import export_onnx
from pipeline.export.parity import DEFAULT_PARITY_SIZES
from pipeline.models.checkpoint import is_checkpoint_file
from pipeline.unity.deploy import (
    DEFAULT_KEEP,
    DEFAULT_MODELS_DIR,
    Deployment,
    deploy_export,
    deployed_versions,
    models_folder,
)

log = logging.getLogger(__name__)

DEFAULT_SETTLE_SECONDS = 1.0


class WatchError(StylebridgeError, ValueError):
    """The watcher cannot start: the message says what to fix."""


@dataclass(frozen=True)
class DeploySettings:
    """Where and how each checkpoint is exported and deployed."""

    unity_project: Path
    name: str  # the model's name in the Unity project (files are <name>_vNNNN.onnx)
    models_dir: str = DEFAULT_MODELS_DIR
    keep: int = DEFAULT_KEEP
    io_mode: str = "unit"
    opset: int = RECOMMENDED_OPSET
    parity_sizes: Sequence[tuple[int, int]] = DEFAULT_PARITY_SIZES


@dataclass(frozen=True)
class WatchResult:
    checkpoint: Path
    deployment: Deployment | None  # None when it failed
    error: str | None
    latency_seconds: float  # from the checkpoint's last write to the end of its deployment (or failure)


def export_and_deploy(checkpoint: str | Path, settings: DeploySettings) -> Deployment:
    """Export a checkpoint into a staging folder (validated, parity checked), then deploy it."""
    with tempfile.TemporaryDirectory(prefix="stylebridge-stage-") as staging:
        result = export_onnx(
            checkpoint,
            Path(staging) / f"{settings.name}.onnx",
            io_mode=settings.io_mode,
            opset=settings.opset,
            parity_sizes=settings.parity_sizes,
        )
        return deploy_export(
            result,
            settings.unity_project,
            name=settings.name,
            models_dir=settings.models_dir,
            keep=settings.keep,
        )


def default_model_name(checkpoint_dir: str | Path) -> str:
    """The run's name: the folder's, or its parent's for a run's `checkpoints/` folder."""
    folder = Path(checkpoint_dir).resolve()
    name = folder.parent.name if folder.name == "checkpoints" else folder.name
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip("._-") or "model"


class CheckpointWatcher:
    """Deploys the newest complete checkpoint in a folder whenever the folder changes."""

    def __init__(
        self, checkpoint_dir: str | Path, settings: DeploySettings, settle_seconds: float = DEFAULT_SETTLE_SECONDS
    ) -> None:
        self.checkpoint_dir = Path(checkpoint_dir)
        if not self.checkpoint_dir.is_dir():
            raise WatchError(f"{self.checkpoint_dir} is not a folder; point the watcher at the checkpoint folder")
        models_folder(settings.unity_project, settings.models_dir)  # refuse a non-Unity folder now, not later
        self.settings = settings
        self.results: list[WatchResult] = []
        self._failed: dict[Path, Signature] = {}  # files that failed, until they change
        self._files = SettledFileWatcher(
            self.checkpoint_dir, is_checkpoint_file, self._deploy_newest, settle_seconds, name="stylebridge-watch"
        )

    @property
    def deployments(self) -> list[Deployment]:
        return [r.deployment for r in self.results if r.deployment is not None]

    def start(self) -> None:
        # Watch first, then look at what is there: a checkpoint arriving in between is seen either way.
        self._files.start()
        self._catch_up()
        log.info(
            "watching %s: new checkpoints go to %s as %s",
            self.checkpoint_dir,
            models_folder(self.settings.unity_project, self.settings.models_dir),
            self.settings.name,
        )

    def _catch_up(self) -> None:
        """Queue the newest existing checkpoint if it is newer than what is deployed."""
        existing = [p for p in self.checkpoint_dir.iterdir() if is_checkpoint_file(p) and p.is_file()]
        if not existing:
            return
        newest = max(existing, key=lambda p: (p.stat().st_mtime_ns, p.name))
        settings = self.settings
        versions = deployed_versions(settings.unity_project, settings.name, settings.models_dir)
        if versions and not self._newer_than_deployed(newest, versions[-1]):
            log.info("%s is not newer than the current %s; nothing to catch up", newest.name, versions[-1]["onnx"])
            return
        self._files.notify(newest)

    def _newer_than_deployed(self, checkpoint: Path, current: dict) -> bool:
        source = self.checkpoint_dir / str(current.get("source_checkpoint") or "")
        if (
            is_checkpoint_file(source)
            and source.is_file()
            and file_sha256(source) == current.get("source_checkpoint_sha256")
        ):
            # the deployed model's own checkpoint is here: compare with when it was written
            return checkpoint != source and checkpoint.stat().st_mtime_ns > source.stat().st_mtime_ns
        # it came from elsewhere (or was overwritten): compare with when it was deployed
        return checkpoint.stat().st_mtime > datetime.fromisoformat(current["deployed_at"]).timestamp()

    def stop(self, timeout: float = 120.0) -> None:
        """Stop watching; a deployment in progress is finished first (it is atomic either way)."""
        self._files.stop(timeout)

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until every event seen so far has been dealt with; False on timeout."""
        return self._files.wait_until_idle(timeout)

    def run_until_interrupted(self) -> None:
        """Watch until Ctrl-C (for the CLI)."""
        self.start()
        try:
            while self._files.running:
                time.sleep(0.5)  # not join(): a join interrupted by Ctrl-C can leave is_alive() wrong
        except KeyboardInterrupt:
            log.info("stopping the watcher (a deployment in progress is finished first)")
        finally:
            self.stop()

    def __enter__(self) -> CheckpointWatcher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the watcher's thread ---------------------------------------------------------------------
    def _deploy_newest(self, settled: list[SettledFile]) -> None:
        newest = settled[-1]
        superseded = sorted(f.path.name for f in settled[:-1])
        if superseded:
            log.info("skipping %s: superseded by %s", ", ".join(superseded), newest.path.name)
        self._deploy(newest.path, newest.signature)

    def _deploy(self, checkpoint: Path, signature: Signature) -> None:
        if self._failed.get(checkpoint) == signature:
            return
        try:
            digest = file_sha256(checkpoint)
            versions = deployed_versions(self.settings.unity_project, self.settings.name, self.settings.models_dir)
            if versions and versions[-1].get("source_checkpoint_sha256") == digest:
                log.info("%s is already the deployed %s; nothing to do", checkpoint.name, versions[-1]["onnx"])
                return
            deployment = export_and_deploy(checkpoint, self.settings)
        except Exception as exc:  # the watcher outlives any one bad checkpoint
            self._failed[checkpoint] = signature
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error(
                "%s was not deployed: %s. The previously deployed model stays current (the file is tried again "
                "when it changes, so one still being written is deployed once complete).",
                checkpoint.name,
                message,
            )
            log.debug("failure details", exc_info=True)
            self.results.append(WatchResult(checkpoint, None, message, self._latency(signature)))
            return
        latency = self._latency(signature)
        log.info("%s deployed as %s, %.1f s after it was written", checkpoint.name, deployment.onnx.name, latency)
        self.results.append(WatchResult(checkpoint, deployment, None, latency))

    @staticmethod
    def _latency(signature: Signature) -> float:
        return time.time() - signature[1] / 1e9
