"""`watch`: a real watchdog observer over a checkpoint folder feeding a fake Unity project.

Every wait has a deadline; "nothing else happens" is checked once the watcher reports that it has
dealt with every event it saw (`wait_until_idle`).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import onnx
import pytest

from pipeline.cli.main import main
from pipeline.core.fileio import file_sha256
from pipeline.export import exporter
from pipeline.unity import deploy
from pipeline.unity.deploy import DEFAULT_MODELS_DIR, MANIFEST_NAME, deployed_versions
from pipeline.unity.watch import CheckpointWatcher, DeploySettings, default_model_name, export_and_deploy

SIZES = ((48, 32), (64, 40))
SETTLE = 0.6  # seconds of quiet before a checkpoint counts as written
TIMEOUT = 60.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def checkpoints(tmp_path: Path) -> Path:
    folder = tmp_path / "run" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def settings(unity_project: Path) -> DeploySettings:
    return DeploySettings(unity_project, name="run", parity_sizes=SIZES)


@pytest.fixture
def watcher(checkpoints: Path, settings: DeploySettings) -> Iterator[CheckpointWatcher]:
    with CheckpointWatcher(checkpoints, settings, settle_seconds=SETTLE) as running:
        yield running


def _current_source(settings: DeploySettings) -> str | None:
    versions = deployed_versions(settings.unity_project, settings.name)
    return versions[-1]["source_checkpoint_sha256"] if versions else None


def _settled(watcher: CheckpointWatcher) -> None:
    assert watcher.wait_until_idle(TIMEOUT), "the watcher did not become idle"


def test_a_checkpoint_written_slowly_deploys_once_when_complete(
    watcher: CheckpointWatcher, settings: DeploySettings, checkpoints: Path, make_checkpoint: Callable[..., Path]
) -> None:
    data = make_checkpoint("tiny", seed=1).read_bytes()
    target = checkpoints / "ckpt_step_0000100.pt"
    with open(target, "wb") as handle:  # not atomic: a writer that flushes chunk by chunk
        for start in range(0, len(data), len(data) // 8):
            handle.write(data[start : start + len(data) // 8])
            handle.flush()
            time.sleep(0.05)
    wait_for(lambda: watcher.results, "the deployment")
    _settled(watcher)
    [result] = watcher.results
    assert result.error is None and result.deployment is not None
    assert result.deployment.source_checkpoint_sha256 == file_sha256(target)
    assert _current_source(settings) == file_sha256(target)


def test_a_corrupt_checkpoint_deploys_nothing_and_the_last_good_model_stays(
    watcher: CheckpointWatcher,
    settings: DeploySettings,
    checkpoints: Path,
    make_checkpoint: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = make_checkpoint("tiny", seed=1, path=checkpoints / "ckpt_step_0000100.pt")
    wait_for(lambda: watcher.deployments, "the first deployment")
    data = good.read_bytes()
    (checkpoints / "ckpt_step_0000200.pt").write_bytes(data[: len(data) // 2])  # truncated
    wait_for(lambda: len(watcher.results) == 2, "the corrupt checkpoint to be dealt with")
    _settled(watcher)
    assert len(watcher.deployments) == 1 and watcher.results[1].error is not None
    assert "ckpt_step_0000200.pt was not deployed" in caplog.text and "stays current" in caplog.text
    assert _current_source(settings) == file_sha256(good)
    manifest = json.loads((settings.unity_project / DEFAULT_MODELS_DIR / MANIFEST_NAME).read_text())
    assert manifest["models"]["run"]["current"] == "run_v0001.onnx"


def test_a_burst_of_checkpoints_deploys_only_the_newest(
    watcher: CheckpointWatcher,
    settings: DeploySettings,
    checkpoints: Path,
    make_checkpoint: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.unity.watch")
    written = [make_checkpoint("tiny", seed=s, path=checkpoints / f"ckpt_step_{s:07d}.pt") for s in range(1, 6)]
    wait_for(lambda: watcher.results, "a deployment")
    _settled(watcher)
    [result] = watcher.results
    assert result.checkpoint == written[-1] and _current_source(settings) == file_sha256(written[-1])
    assert "superseded by ckpt_step_0000005.pt" in caplog.text


def test_a_restarted_watcher_does_not_redeploy(
    checkpoints: Path, settings: DeploySettings, make_checkpoint: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.unity.watch")
    make_checkpoint("tiny", seed=1, path=checkpoints / "ckpt_step_0000100.pt")
    with CheckpointWatcher(checkpoints, settings, settle_seconds=SETTLE) as first:  # catches up on start
        wait_for(lambda: first.deployments, "the first deployment")
    with CheckpointWatcher(checkpoints, settings, settle_seconds=SETTLE) as second:
        wait_for(lambda: "nothing to catch up" in caplog.text, "the restart to notice")
        _settled(second)
        assert second.results == []
    older = make_checkpoint("tiny", seed=2, path=checkpoints / "ckpt_step_0000050.pt")
    os.utime(older, (older.stat().st_atime, older.stat().st_mtime - 3600))  # written before the deployment
    latest = checkpoints / "ckpt_step_0000100.pt"
    os.utime(latest, None)  # touched, unchanged: its hash is the deployed one
    with CheckpointWatcher(checkpoints, settings, settle_seconds=SETTLE) as third:
        wait_for(lambda: caplog.text.count("nothing to catch up") == 2, "the touched file to be recognised")
        _settled(third)
        assert third.results == []
    assert len(deployed_versions(settings.unity_project, "run")) == 1


def test_a_restarted_watcher_deploys_a_checkpoint_written_during_the_last_export(
    checkpoints: Path, settings: DeploySettings, make_checkpoint: Callable[..., Path]
) -> None:
    first_checkpoint = make_checkpoint("tiny", seed=1, path=checkpoints / "ckpt_step_0000100.pt")
    with CheckpointWatcher(checkpoints, settings, settle_seconds=SETTLE) as first:
        wait_for(lambda: first.deployments, "the first deployment")
    # Written while that export ran, and the watcher stopped before it noticed: its mtime is older
    # than the deployment, newer than the deployed checkpoint.
    missed = make_checkpoint("tiny", seed=2, path=checkpoints / "ckpt_step_0000200.pt")
    written = first_checkpoint.stat().st_mtime + 0.01
    os.utime(missed, (written, written))
    with CheckpointWatcher(checkpoints, settings, settle_seconds=SETTLE) as second:
        wait_for(lambda: second.results, "the catch-up deployment")
        _settled(second)
        [result] = second.results
    assert result.checkpoint == missed and _current_source(settings) == file_sha256(missed)


def test_a_writer_pausing_longer_than_the_settle_time_still_deploys_the_complete_file(
    watcher: CheckpointWatcher, settings: DeploySettings, checkpoints: Path, make_checkpoint: Callable[..., Path]
) -> None:
    data = make_checkpoint("tiny", seed=3).read_bytes()
    target = checkpoints / "ckpt_step_0000300.pt"
    with open(target, "wb") as handle:
        handle.write(data[: len(data) // 2])
        handle.flush()
        time.sleep(3 * SETTLE)  # the watcher gives up waiting and tries the half file: it must not deploy it
        handle.write(data[len(data) // 2 :])
    wait_for(lambda: watcher.deployments, "the complete file's deployment")
    _settled(watcher)
    assert [r.deployment is not None for r in watcher.results] in ([True], [False, True])
    assert _current_source(settings) == file_sha256(target)
    assert len(deployed_versions(settings.unity_project, "run")) == 1


def test_a_concurrent_reader_never_sees_a_partial_model(
    watcher: CheckpointWatcher, settings: DeploySettings, checkpoints: Path, make_checkpoint: Callable[..., Path]
) -> None:
    folder = settings.unity_project / DEFAULT_MODELS_DIR
    reads, problems, done = [0], [], threading.Event()

    def read_everything() -> None:  # what Unity's importer does when it sees a new file
        while not done.is_set():
            for path in sorted(folder.glob("*.onnx")) if folder.exists() else []:
                try:
                    onnx.load_from_string(path.read_bytes())
                    reads[0] += 1
                except FileNotFoundError:
                    pass  # pruned between glob and read: fine
                except Exception as exc:  # a partial file fails to parse
                    problems.append(f"{path.name}: {exc}")
            manifest = folder / MANIFEST_NAME
            if manifest.exists():
                current = json.loads(manifest.read_text())["models"]["run"]["current"]
                if not (folder / current).exists():
                    problems.append(f"the manifest names {current}, which is missing")

    reader = threading.Thread(target=read_everything)
    reader.start()
    try:
        for seed in range(1, 4):
            checkpoint = make_checkpoint("tiny", seed=seed, path=checkpoints / f"ckpt_step_{seed:07d}.pt")
            wait_for(lambda c=checkpoint: _current_source(settings) == file_sha256(c), f"checkpoint {seed}")
    finally:
        done.set()
        reader.join(TIMEOUT)
    assert problems == [] and reads[0] > 0
    assert [v["version"] for v in deployed_versions(settings.unity_project, "run")] == [1, 2, 3]


def test_default_model_name() -> None:
    assert default_model_name("runs/mosaic v2/checkpoints") == "mosaic_v2"
    assert default_model_name("exports/hud") == "hud"


def test_cli_watch_stops_cleanly_on_ctrl_c(
    checkpoints: Path, unity_project: Path, make_checkpoint: Callable[..., Path]
) -> None:
    make_checkpoint("tiny", seed=1, path=checkpoints / "ckpt_step_0000100.pt")
    command = [sys.executable, "-m", "pipeline", "watch", str(checkpoints), "--unity-project", str(unity_project),
               "--settle", "0.2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: deployed_versions(unity_project, "run"), "the watcher to deploy", timeout=120)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "deployed as run_v0001.onnx" in output and "stopping the watcher" in output, output
    assert "Traceback" not in output


def test_train_deploy_to_feeds_the_unity_project(
    data_dir: Path, style_image: Path, unity_project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mosaic"
    train = ["train", "fast", "--data", str(data_dir), "--style", str(style_image), "--out", str(out)]
    options = ["--image-size", "32", "--batch-size", "2", "--max-steps", "3", "--checkpoint-every", "2"]
    extra = ["--vgg-weights", "random", "--style-layers", "examples", "--workers", "0", "--no-progress"]
    assert main(["-q", *train, *options, *extra, "--deploy-to", str(unity_project)]) == 0
    versions = deployed_versions(unity_project, "mosaic")
    assert versions[-1]["source_checkpoint"] == "final.pt"
    assert versions[-1]["source_checkpoint_sha256"] == file_sha256(out / "final.pt")
    assert {v["source_checkpoint"] for v in versions} <= {"ckpt_step_0000002.pt", "final.pt"}
    assert os.path.exists(unity_project / DEFAULT_MODELS_DIR / versions[-1]["onnx"])


def test_export_and_deploy_validates_once_and_deploys_what_it_validated(
    make_checkpoint: Callable[..., Path], settings: DeploySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    validations: list[str] = []
    real = exporter.validate_model

    def counted(model: onnx.ModelProto, *args: object, **kwargs: object) -> object:
        validations.append(str(args[1] if len(args) > 1 else kwargs.get("source")))
        return real(model, *args, **kwargs)

    monkeypatch.setattr(exporter, "validate_model", counted)
    monkeypatch.setattr(deploy, "validate_model", counted)
    deployment = export_and_deploy(make_checkpoint(), settings)
    assert len(validations) == 1
    assert onnx.load(str(deployment.onnx)).graph.node  # the file in the project is the validated graph
