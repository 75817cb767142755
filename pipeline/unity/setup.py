"""`stylebridge unity setup`: make a Unity project ready for the stylebridge package, idempotently.

Three things a new user otherwise gets wrong by hand: the package and Barracuda in
`Packages/manifest.json`; the native ZeroMQ library (without it the C# client fails with
DllNotFoundException), copied from pyzmq into `Assets/Plugins/StyleBridge/<platform>/` under the name the
C# code loads, with a `.meta` that limits it to its platform (two plugins named libzmq enabled for one
platform are an error in Unity); and libzmq's libsodium beside it. Running it again changes nothing that
is already right, and says what it changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import atomic_write_text
from pipeline.unity.native import (
    PLATFORMS,
    NativeLibraryError,
    Platform,
    check_loadable,
    copy_libraries,
    current_platform,
    libraries_for,
)

log = logging.getLogger(__name__)

PACKAGE_NAME = "com.stylebridge.unity"
BARRACUDA = ("com.unity.barracuda", "3.0.0")
PLUGINS_DIR = Path("Assets/Plugins/StyleBridge")
PACKAGE_FOLDER = Path(__file__).resolve().parents[2] / "unity_package"


class UnitySetupError(StylebridgeError, ValueError):
    """The folder is not a Unity project, or a file in it cannot be updated; the message says what to do."""


@dataclass
class SetupReport:
    project: Path
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # platforms that could not be set up, and why

    def describe(self) -> str:
        lines = [f"Unity project {self.project}:"]
        lines += [f"  changed: {change}" for change in self.changes] or ["  nothing to change: already set up"]
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  NOT DONE: {problem}" for problem in self.problems]
        return "\n".join(lines)


def check_project(project: str | Path) -> Path:
    project = Path(project).resolve()
    missing = [name for name in ("Assets", "ProjectSettings") if not (project / name).is_dir()]
    if missing:
        raise UnitySetupError(
            f"{project} is not a Unity project (no {' or '.join(f'{m}/' for m in missing)}); pass the folder that "
            "holds Assets/ and ProjectSettings/ (create the project in Unity Hub first)"
        )
    return project


def package_reference(package: str | None) -> str:
    """The manifest's value for the package: a git URL as given, or `file:` and an absolute folder."""
    if package and ("://" in package or package.startswith("git@")):
        return package
    folder = Path(package).resolve() if package else PACKAGE_FOLDER
    if not (folder / "package.json").is_file():
        raise UnitySetupError(
            f"{folder} is not the stylebridge Unity package (no package.json); pass --package with the "
            "unity_package folder of a stylebridge checkout, or its git URL ending in ?path=unity_package"
        )
    return f"file:{folder.as_posix()}"


def _update_manifest(project: Path, reference: str, report: SetupReport) -> None:
    path = project / "Packages" / "manifest.json"
    manifest: dict = {"dependencies": {}}
    if path.exists():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UnitySetupError(
                f"{path} is not valid JSON ({exc}); fix it, or delete it and let Unity rebuild it"
            ) from exc
    dependencies = manifest.setdefault("dependencies", {})
    if not isinstance(dependencies, dict):
        raise UnitySetupError(f"{path}: 'dependencies' is not an object; fix the file")
    changed = []
    for name, value in ((PACKAGE_NAME, reference), BARRACUDA):
        if dependencies.get(name) != value:
            dependencies[name] = value
            changed.append(f"{name} = {value}")
    if changed:
        atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")
        report.changes += [f"{path.relative_to(project)}: {change}" for change in changed]


def plugin_meta(relative: Path, target: Platform) -> str:
    """A PluginImporter .meta enabling a native library for its own editor and player platform only."""
    guid = hashlib.md5(f"stylebridge:{relative.as_posix()}".encode()).hexdigest()
    excluded = {p.standalone: int(p is not target) for p in PLATFORMS.values()}
    players = "".join(
        f"  - first:\n      Standalone: {p.standalone}\n    second:\n      enabled: {int(p is target)}\n"
        f"      settings:\n        CPU: {p.cpu if p is target else 'None'}\n"
        for p in PLATFORMS.values()
    )
    excludes = "".join(f"        Exclude {name}: {value}\n" for name, value in excluded.items())
    return (
        f"fileFormatVersion: 2\nguid: {guid}\nPluginImporter:\n  externalObjects: {{}}\n  serializedVersion: 2\n"
        "  iconMap: {}\n  executionOrder: {}\n  defineConstraints: []\n  isPreloaded: 0\n  isOverridable: 0\n"
        "  isExplicitlyReferenced: 0\n  validateReferences: 1\n  platformData:\n"
        "  - first:\n      : Any\n    second:\n      enabled: 0\n      settings:\n"
        f"        Exclude Editor: 0\n{excludes}"
        "  - first:\n      Any: \n    second:\n      enabled: 0\n      settings: {}\n"
        f"  - first:\n      Editor: Editor\n    second:\n      enabled: 1\n      settings:\n        CPU: {target.cpu}\n"
        f"        DefaultValueInitialized: true\n        OS: {target.editor_os}\n"
        f"{players}  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
    )


def _install_plugins(project: Path, target: Platform, scratch: Path, report: SetupReport) -> None:
    libraries = libraries_for(target, scratch / target.name)
    folder = project / PLUGINS_DIR / target.name
    for path in copy_libraries(libraries, folder):
        report.changes.append(f"{path.relative_to(project)} (from {libraries.source})")
    plugin_suffix = Path(target.library_name).suffix
    for library in [folder / target.library_name, *(folder / d.name for d in libraries.dependencies)]:
        meta = library.with_name(library.name + ".meta")
        if library.suffix == plugin_suffix and not meta.exists():  # never overwrite settings made in Unity
            atomic_write_text(meta, plugin_meta(library.relative_to(project), target))
            report.changes.append(f"{meta.relative_to(project)} (enabled for {target.name} only)")
    if libraries.dependencies and target.name.startswith("linux"):
        report.notes.append(
            f"{target.name}: libzmq loads {libraries.dependencies[0].name} from its own folder; Unity does not copy "
            "that file into player builds, so copy it beside the player's libzmq.so (see Documentation~)"
        )


def setup_unity_project(
    project: str | Path, *, package: str | None = None, platforms: Sequence[str] = ()
) -> SetupReport:
    """Add the package and Barracuda to Packages/manifest.json and the native ZeroMQ library to Plugins.

    A platform whose library cannot be had (no network, no DLL in its wheel) is listed in `problems`;
    the rest is still done."""
    project = check_project(project)
    unknown = [name for name in platforms if name not in PLATFORMS]
    if unknown:
        raise UnitySetupError(f"unknown --platform {', '.join(unknown)}; use one of {', '.join(PLATFORMS)}")
    report = SetupReport(project)
    _update_manifest(project, package_reference(package), report)
    here = current_platform()
    targets = [here, *(PLATFORMS[name] for name in platforms if PLATFORMS[name] != here)]
    with tempfile.TemporaryDirectory(prefix="stylebridge-pyzmq-") as scratch:
        for target in targets:
            try:
                _install_plugins(project, target, Path(scratch), report)
            except NativeLibraryError as exc:
                report.problems.append(f"{target.name}: {exc}")
    if not report.problems or not report.problems[0].startswith(f"{here.name}:"):
        loaded = check_loadable(project / PLUGINS_DIR / here.name / here.library_name)
        report.notes.append(f"{here.name}: {loaded} (loaded here to check it)")
    log.debug("%s", report.describe())
    return report
