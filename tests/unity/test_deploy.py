"""`deploy`: versioned, atomic copies into a Unity project's Assets folder, a manifest, and retention."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import onnx
import pytest

from pipeline.cli.main import main
from pipeline.core.fileio import file_sha256
from pipeline.export.exporter import ModelFiles, export_onnx
from pipeline.export.runtime import read_contract
from pipeline.unity.deploy import (
    DEFAULT_MODELS_DIR,
    LOCK_NAME,
    DeployError,
    deploy_model,
    deployed_versions,
    read_manifest,
)

SIZES = ((48, 32), (64, 40))


@pytest.fixture
def exported(make_checkpoint: Callable[..., Path], tmp_path: Path) -> Path:
    return export_onnx(make_checkpoint("tiny"), tmp_path / "export" / "mosaic.onnx", parity_sizes=SIZES,
                       reference_size=(48, 32)).files.onnx  # fmt: skip


def test_deploy_writes_a_new_version_with_its_companions(exported: Path, unity_project: Path) -> None:
    deployment = deploy_model(exported, unity_project)
    folder = unity_project / DEFAULT_MODELS_DIR
    assert deployment.onnx == folder / "mosaic_v0001.onnx" and deployment.version == 1
    target = ModelFiles.beside(deployment.onnx)
    assert sorted(deployment.files) == sorted(
        [target.onnx, target.sidecar, target.reference_image, target.reference_input, target.reference_output]
    )
    assert file_sha256(target.onnx) == file_sha256(exported)
    sidecar = json.loads(target.sidecar.read_text())
    assert sidecar["model"] == "mosaic_v0001.onnx"
    assert sidecar["reference"]["input"] == "mosaic_v0001.reference_input.bytes"
    assert read_contract(target.onnx).input_range == "0_1"
    manifest = read_manifest(folder)
    assert manifest["models"]["mosaic"]["current"] == "mosaic_v0001.onnx"
    [entry] = deployed_versions(unity_project, "mosaic")
    assert entry["onnx_sha256"] == file_sha256(exported) and entry["source_checkpoint"] == "tiny_0.pt"
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [LOCK_NAME]  # no temp files left
    umask = os.umask(0o022)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o666 & ~umask}  # readable as any new file


def test_old_versions_are_pruned_and_deployed_files_never_rewritten(exported: Path, unity_project: Path) -> None:
    first = deploy_model(exported, unity_project, name="style", keep=2)
    (first.onnx.parent / (first.onnx.name + ".meta")).write_text("guid: 1")  # as Unity would add
    second = deploy_model(exported, unity_project, name="style", keep=2, force=True)
    inode = os.stat(second.onnx).st_ino
    third = deploy_model(exported, unity_project, name="style", keep=2, force=True)
    assert [d.version for d in (first, second, third)] == [1, 2, 3]
    assert os.stat(second.onnx).st_ino == inode  # the file Unity may be reading was not replaced
    names = sorted(p.name for p in first.onnx.parent.iterdir())
    assert not [n for n in names if n.startswith("style_v0001")]
    assert "style_v0002.onnx" in names and "style_v0003.onnx" in names
    assert [v["version"] for v in deployed_versions(unity_project, "style")] == [2, 3]
    assert read_manifest(first.onnx.parent)["models"]["style"]["current"] == "style_v0003.onnx"


RACE_DEPLOYS = 6


def _deploy_many(exported: str, project: str, start: Any) -> list[int]:
    start.wait(60)  # both processes begin together, so their deployments overlap
    return [deploy_model(exported, project, name="race", keep=100, force=True).version for _ in range(RACE_DEPLOYS)]


def test_two_processes_deploying_at_once_get_distinct_versions(exported: Path, unity_project: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        start = manager.Barrier(2)
        runs = [pool.submit(_deploy_many, str(exported), str(unity_project), start) for _ in range(2)]
        versions = sorted(v for run in runs for v in run.result(timeout=120))
    assert versions == list(range(1, 2 * RACE_DEPLOYS + 1))
    entries = deployed_versions(unity_project, "race")
    assert [e["version"] for e in entries] == versions  # no manifest update was lost


def test_an_identical_model_is_not_deployed_again_unless_forced(
    exported: Path, unity_project: Path, make_checkpoint: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    first = deploy_model(exported, unity_project)
    manifest = (unity_project / DEFAULT_MODELS_DIR / "manifest.json").read_bytes()
    again = deploy_model(exported, unity_project)
    assert again.unchanged and (again.version, again.onnx, again.files) == (first.version, first.onnx, first.files)
    assert (unity_project / DEFAULT_MODELS_DIR / "manifest.json").read_bytes() == manifest
    assert "mosaic.onnx is identical to the current mosaic_v0001.onnx: nothing deployed" in caplog.text
    assert main(["deploy", str(exported), "--unity-project", str(unity_project), "--force"]) == 0
    assert [v["version"] for v in deployed_versions(unity_project, "mosaic")] == [1, 2]
    other = export_onnx(make_checkpoint("tiny", seed=1), exported.with_name("other.onnx"), parity_sizes=SIZES).files
    assert deploy_model(other.onnx, unity_project, name="mosaic").version == 3  # a different model: a new version
    assert deploy_model(exported, unity_project).version == 4  # back to an older one: also a new version


def test_a_model_without_a_sidecar_deploys_alone(exported: Path, unity_project: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare" / "bare.onnx"
    bare.parent.mkdir()
    bare.write_bytes(exported.read_bytes())  # the metadata carries the contract
    deployment = deploy_model(bare, unity_project, models_dir="Assets/StreamingAssets/Styles")
    assert [p.name for p in deployment.files] == ["bare_v0001.onnx"]
    assert deployment.onnx.parent == unity_project / "Assets/StreamingAssets/Styles"


def test_refusals(exported: Path, unity_project: Path, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"not a Unity project \(it has no Assets/ folder\)"):
        deploy_model(exported, tmp_path / "export")
    with pytest.raises(DeployError, match="inside the Unity project"):
        deploy_model(exported, unity_project, models_dir="../elsewhere")
    invalid = onnx.load(str(exported))
    del invalid.metadata_props[:]
    onnx.save(invalid, tmp_path / "nocontract.onnx")
    with pytest.raises(DeployError, match=r"(?s)refusing to deploy.*no pixel contract"):
        deploy_model(tmp_path / "nocontract.onnx", unity_project)
    assert not (unity_project / DEFAULT_MODELS_DIR).exists()


def test_cli_deploy(exported: Path, unity_project: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert main(["deploy", str(exported), "--unity-project", str(unity_project), "--name", "hud"]) == 0
    assert (unity_project / DEFAULT_MODELS_DIR / "hud_v0001.onnx").is_file()
    assert main(["deploy", str(exported), "--unity-project", str(tmp_path)]) == 1
    assert "is not a Unity project" in caplog.text
