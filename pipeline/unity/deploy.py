"""Put an exported model into a Unity project's Assets folder, where a running scene hot-swaps to it.

Unity (and the stylebridge package's folder watcher) may be reading a model while a new one
arrives, so a deployed file is never rewritten: every deployment gets fresh versioned names
(`mosaic_v0007.onnx`, `mosaic_v0007.json`, the reference pair...), each written to a hidden temp
file and renamed into place, companions first and the .onnx last. Then `manifest.json` (rewritten
atomically) names the current version of each model. Only the newest `keep` versions stay; older
files (and the `.meta` files Unity made for them) are removed.

manifest.json:

    {"format": "stylebridge.deployments", "format_version": 1,
     "models": {"mosaic": {"current": "mosaic_v0007.onnx",
                           "versions": [..., {"version": 7, "onnx": "mosaic_v0007.onnx",
                                              "sidecar": "mosaic_v0007.json", "files": [...],
                                              "onnx_sha256": "...", "source_checkpoint": "ckpt_step_0001000.pt",
                                              "source_checkpoint_sha256": "...",
                                              "deployed_at": "2025-01-01T12:00:00.000000+00:00"}]}}}

`versions` runs oldest to newest; the last is the current one. Deploying a model byte-identical to
the current version changes nothing (it is said, and the current deployment returned); `force`
deploys it again as a new version.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import onnx

from pipeline.core.contract import METADATA_PREFIX
from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import atomic_open, atomic_write_text, exclusive_lock, file_sha256
from pipeline.export.exporter import ExportResult, ModelFiles, reference_names
from pipeline.export.validate import validate_model

log = logging.getLogger(__name__)

DEFAULT_MODELS_DIR = "Assets/StyleBridge/Models"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "stylebridge.deployments"
DEFAULT_KEEP = 3
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
LOCK_NAME = ".manifest.lock"  # hidden, so Unity does not import it
_manifest_lock = threading.Lock()  # one deployment at a time: threads here, and (the lock file) other processes


class DeployError(StylebridgeError, ValueError):
    """The model or the target folder cannot take a deployment; the message says why."""


@dataclass(frozen=True)
class Deployment:
    name: str
    version: int
    onnx: Path  # the deployed model file
    files: tuple[Path, ...]  # every file written, the .onnx last
    manifest: Path
    source_checkpoint_sha256: str | None
    unchanged: bool = False  # the model was identical to the current version: nothing was written


def models_folder(unity_project: str | Path, models_dir: str = DEFAULT_MODELS_DIR) -> Path:
    """The deployment folder inside a Unity project; refuses folders that are not Unity projects."""
    project = Path(unity_project)
    if not (project / "Assets").is_dir():
        raise DeployError(
            f"{project} is not a Unity project (it has no Assets/ folder); pass the folder that holds "
            "Assets/ and ProjectSettings/"
        )
    if Path(models_dir).is_absolute() or ".." in Path(models_dir).parts:
        raise DeployError(f"--models-dir must be a path inside the Unity project, got {models_dir!r}")
    return project / models_dir


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_NAME
    if not path.exists():
        return {"format": MANIFEST_FORMAT, "format_version": 1, "models": {}}
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise DeployError(f"{path} is not valid JSON ({exc}); fix or delete it (deployed models stay)") from exc
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("models"), dict):
        raise DeployError(f"{path} is not a stylebridge deployment manifest; move it away")
    return manifest


def deployed_versions(unity_project: str | Path, name: str, models_dir: str = DEFAULT_MODELS_DIR) -> list[dict]:
    """The manifest entries of model `name`, oldest first (empty when nothing is deployed)."""
    manifest = read_manifest(models_folder(unity_project, models_dir))
    return list(manifest["models"].get(name, {}).get("versions", []))


def deploy_model(
    onnx_path: str | Path,
    unity_project: str | Path,
    *,
    name: str | None = None,
    models_dir: str = DEFAULT_MODELS_DIR,
    keep: int = DEFAULT_KEEP,
    force: bool = False,
) -> Deployment:
    """Validate a model file (with its sidecar and reference pair, when present) and copy it in as a new version
    (unless it is identical to the current version and not `force`d)."""
    source = ModelFiles.beside(onnx_path)
    if not source.onnx.is_file():
        raise DeployError(f"{source.onnx} does not exist")
    try:
        model = onnx.load(str(source.onnx), load_external_data=False)
    except Exception as exc:  # DecodeError, OSError...
        raise DeployError(f"{source.onnx} is not a readable ONNX model ({exc}); re-export it") from exc
    report = validate_model(model, source.sidecar, str(source.onnx))
    if not report.ok:
        raise DeployError(f"refusing to deploy a model Barracuda cannot import:\n{report.describe()}")
    return _install(source, model, unity_project, name, models_dir, keep, force)


def deploy_export(
    exported: ExportResult,
    unity_project: str | Path,
    *,
    name: str | None = None,
    models_dir: str = DEFAULT_MODELS_DIR,
    keep: int = DEFAULT_KEEP,
    force: bool = False,
) -> Deployment:
    """Deploy what `export_onnx` just wrote and validated, without reading or validating it again."""
    return _install(exported.files, exported.model, unity_project, name, models_dir, keep, force)


def _install(
    source: ModelFiles,
    model: onnx.ModelProto,
    unity_project: str | Path,
    name: str | None,
    models_dir: str,
    keep: int,
    force: bool,
) -> Deployment:
    name = name or source.onnx.stem
    if not _MODEL_NAME.match(name):
        raise DeployError(f"model name {name!r} must be letters, digits, '_', '-' or '.'")
    if keep < 1:
        raise DeployError(f"--keep must be at least 1, got {keep}")
    folder = models_folder(unity_project, models_dir)
    sidecar = json.loads(source.sidecar.read_text()) if source.sidecar.exists() else None
    metadata = {p.key: p.value for p in model.metadata_props}
    onnx_sha256 = file_sha256(source.onnx)
    with _manifest_lock, exclusive_lock(folder / LOCK_NAME):
        manifest = read_manifest(folder)
        entry = manifest["models"].setdefault(name, {"current": None, "versions": []})
        current = entry["versions"][-1] if entry["versions"] else None
        if not force and current is not None and _same_model(folder, current, onnx_sha256):
            log.warning(
                "%s is identical to the current %s: nothing deployed (deploy --force makes it a new version anyway)",
                source.onnx.name,
                current["onnx"],
            )
            return _existing(name, folder, current)
        version = 1 + max([v["version"] for v in entry["versions"]] + _versions_on_disk(folder, name), default=0)
        target = ModelFiles.beside(folder / f"{name}_v{version:04d}.onnx")
        written = _copy_companions(source, target, sidecar)
        _copy_file(source.onnx, target.onnx)
        written.append(target.onnx)
        source_sha256 = metadata.get(f"{METADATA_PREFIX}source_checkpoint_sha256")
        entry["versions"].append(
            {
                "version": version,
                "onnx": target.onnx.name,
                "sidecar": target.sidecar.name if sidecar is not None else None,
                "files": [path.name for path in written],
                "onnx_sha256": onnx_sha256,
                "source_checkpoint": metadata.get(f"{METADATA_PREFIX}source_checkpoint"),
                "source_checkpoint_sha256": source_sha256,
                "deployed_at": datetime.now(timezone.utc).isoformat(),
            }
        )
        entry["versions"] = entry["versions"][-keep:]
        entry["current"] = target.onnx.name
        manifest_path = atomic_write_text(folder / MANIFEST_NAME, json.dumps(manifest, indent=2))
        _remove_old_versions(folder, name, {v["version"] for v in entry["versions"]})
    log.info("deployed %s as %s (version %d), current in %s", source.onnx.name, target.onnx, version, manifest_path)
    return Deployment(name, version, target.onnx, tuple(written), manifest_path, source_sha256)


def _same_model(folder: Path, version: dict[str, Any], onnx_sha256: str) -> bool:
    """Is `version` (a manifest entry) this very model, still on disk?"""
    return version.get("onnx_sha256") == onnx_sha256 and (folder / version["onnx"]).is_file()


def _existing(name: str, folder: Path, version: dict[str, Any]) -> Deployment:
    """The Deployment of a version already in the manifest (nothing was written)."""
    return Deployment(
        name,
        version["version"],
        folder / version["onnx"],
        tuple(folder / file for file in version.get("files", [version["onnx"]])),
        folder / MANIFEST_NAME,
        version.get("source_checkpoint_sha256"),
        unchanged=True,
    )


def _copy_companions(source: ModelFiles, target: ModelFiles, sidecar: dict[str, Any] | None) -> list[Path]:
    """Copy the reference pair and write the sidecar under the new names; returns the files written."""
    if sidecar is None:
        return []
    written = []
    pairs = [
        (source.reference_image, target.reference_image),
        (source.reference_input, target.reference_input),
        (source.reference_output, target.reference_output),
    ]
    if all(src.exists() for src, _ in pairs):
        for src, dst in pairs:
            written.append(_copy_file(src, dst))
        sidecar = {**sidecar, "reference": {**sidecar.get("reference", {}), **reference_names(target)}}
    else:
        sidecar = {key: value for key, value in sidecar.items() if key != "reference"}
    sidecar["model"] = target.onnx.name
    written.append(atomic_write_text(target.sidecar, json.dumps(sidecar, indent=2)))
    return written


def _copy_file(source: Path, target: Path) -> Path:
    if target.exists():  # versions are never reused; refuse rather than rewrite a file Unity may be reading
        raise DeployError(f"{target} already exists; remove stray versioned files from {target.parent}")
    with open(source, "rb") as reader, atomic_open(target) as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
    return target


def _version_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(name)}_v(\d{{4,}})\.")


def _versions_on_disk(folder: Path, name: str) -> list[int]:
    pattern = _version_pattern(name)
    return [int(m.group(1)) for path in folder.glob(f"{name}_v*") if (m := pattern.match(path.name))]


def _remove_old_versions(folder: Path, name: str, kept: set[int]) -> None:
    """Delete files (and Unity's .meta files) of versions no longer kept; a file that cannot be deleted
    now (on Windows, one Unity holds open) is left for the next deployment to retry."""
    pattern = _version_pattern(name)
    for path in sorted(folder.glob(f"{name}_v*")):
        match = pattern.match(path.name)
        if match and int(match.group(1)) not in kept:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not remove old version %s (%s); the next deployment retries", path, exc)
