"""The native ZeroMQ library the C# bridge client loads: found in a pyzmq wheel, copied under the name C# asks for.

The Unity package's C# core P/Invokes `libzmq` (DllImport("libzmq")), so each desktop platform needs a
file of that name where the engine looks: `libzmq.so`, `libzmq.dylib` or `libzmq.dll`. The machine that
runs the Python server already has one: the installed pyzmq wheel bundles libzmq built with libsodium
(so CURVE works). For another desktop platform, that platform's pyzmq wheel is downloaded from PyPI
(`pip download`) and the library taken from it. libzmq finds libsodium beside itself ($ORIGIN /
@loader_path), so libsodium is copied next to it under its own name.
"""

from __future__ import annotations

import ctypes
import platform
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import zmq

from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import atomic_open


class NativeLibraryError(StylebridgeError, RuntimeError):
    """No usable libzmq for a platform; the message says what to do instead."""


@dataclass(frozen=True)
class Platform:
    name: str  # as --platform takes it
    wheel_tags: tuple[str, ...]  # pip download --platform values, most specific first
    library_name: str  # the file name DllImport("libzmq") finds on this platform
    wheel_folders: tuple[str, ...]  # where the wheel keeps its bundled libraries
    editor_os: str  # Unity PluginImporter settings (the .meta written beside the library)
    standalone: str
    cpu: str

    def is_library(self, path: Path) -> bool:
        """libzmq-<hash>.so.5.2.5 (auditwheel), libzmq.5.dylib (delocate), libzmq*.dll (delvewheel)."""
        return path.name.startswith("libzmq") and self.library_name.rsplit(".", 1)[1] in path.name.split(".")

    def is_dependency(self, path: Path) -> bool:
        return path.name.startswith("libsodium")


PLATFORMS = {
    p.name: p
    for p in (
        Platform(
            "linux-x86_64",
            ("manylinux_2_28_x86_64", "manylinux2014_x86_64"),
            "libzmq.so",
            ("pyzmq.libs",),
            "Linux",
            "Linux64",
            "x86_64",
        ),
        Platform(
            "macos", ("macosx_10_15_universal2",), "libzmq.dylib", ("zmq/.dylibs",), "OSX", "OSXUniversal", "AnyCPU"
        ),
        Platform("windows-x86_64", ("win_amd64",), "libzmq.dll", ("pyzmq.libs", "zmq"), "Windows", "Win64", "x86_64"),
    )
}


@dataclass(frozen=True)
class NativeLibraries:
    platform: Platform
    libzmq: Path
    dependencies: tuple[Path, ...]  # libsodium, loaded by libzmq from its own folder
    source: str  # where they came from, for people


def current_platform() -> Platform:
    machine = platform.machine().lower()
    if sys.platform.startswith("linux") and machine in ("x86_64", "amd64"):
        return PLATFORMS["linux-x86_64"]
    if sys.platform == "darwin":
        return PLATFORMS["macos"]
    if sys.platform == "win32" and machine in ("x86_64", "amd64"):
        return PLATFORMS["windows-x86_64"]
    raise NativeLibraryError(
        f"this machine ({sys.platform} {machine}) is not a desktop platform the Unity package supports; "
        f"pass --platform with one of {', '.join(PLATFORMS)}"
    )


def _find_in(root: Path, target: Platform, source: str) -> NativeLibraries:
    found: list[Path] = []
    for folder in target.wheel_folders:
        if (root / folder).is_dir():
            found.extend(sorted(p for p in (root / folder).iterdir() if p.is_file()))
    libraries = [p for p in found if target.is_library(p)]
    if not libraries:
        hint = ""
        if target.name.startswith("windows"):
            hint = (
                " pyzmq's Windows wheels link libzmq into their Python extension and export none of its functions, "
                "so there is no DLL to take. Put a libzmq.dll built with libsodium (CURVE) into "
                "Assets/Plugins/StyleBridge/windows-x86_64/ yourself (for example from vcpkg: "
                "`vcpkg install zeromq[sodium]:x64-windows`)."
            )
        raise NativeLibraryError(f"{source} holds no libzmq library for {target.name}.{hint}")
    return NativeLibraries(target, libraries[0], tuple(p for p in found if target.is_dependency(p)), source)


def installed_libraries() -> NativeLibraries:
    """libzmq (and libsodium) from the pyzmq installed here, for this machine's platform."""
    target = current_platform()
    root = Path(zmq.__file__).resolve().parents[1]
    return _find_in(root, target, f"the installed pyzmq {zmq.pyzmq_version()} ({root})")


def wheel_libraries(target: Platform, folder: Path, version: str | None = None) -> NativeLibraries:
    """libzmq (and libsodium) from `target`'s pyzmq wheel (the installed version), downloaded into `folder`."""
    version = version or zmq.pyzmq_version()
    python = f"{sys.version_info.major}{sys.version_info.minor}"
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
               "--python-version", python, "--dest", str(folder), f"pyzmq=={version}"]  # fmt: skip
    for tag in target.wheel_tags:
        command += ["--platform", tag]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(folder.glob("pyzmq-*.whl"))
    if result.returncode != 0 or not wheels:
        raise NativeLibraryError(
            f"could not download pyzmq {version}'s wheel for {target.name} from PyPI: "
            f"{(result.stderr or result.stdout).strip().splitlines()[-1:] or 'no wheel'}. Check the network, or run "
            f"`stylebridge unity setup` on a {target.name} machine with pyzmq installed"
        )
    unpacked = folder / "unpacked"
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(unpacked)
    return _find_in(unpacked, target, f"the pyzmq wheel {wheels[0].name}")


def libraries_for(target: Platform, scratch: Path) -> NativeLibraries:
    """This machine's installed libraries when `target` is this platform, else `target`'s wheel's."""
    try:
        here = current_platform()
    except NativeLibraryError:
        here = None
    if here == target:
        return installed_libraries()
    return wheel_libraries(target, scratch)


def copy_libraries(libraries: NativeLibraries, folder: Path) -> list[Path]:
    """Copy libzmq under the name C# loads and its dependencies under their own names; returns the files
    that changed (an identical file already there is left alone)."""
    pairs = [(libraries.libzmq, folder / libraries.platform.library_name)]
    pairs += [(dependency, folder / dependency.name) for dependency in libraries.dependencies]
    changed = []
    for source, target in pairs:
        if target.exists() and target.read_bytes() == source.read_bytes():
            continue
        with open(source, "rb") as reader, atomic_open(target) as writer:
            shutil.copyfileobj(reader, writer, 1 << 20)
        target.chmod(0o755)
        changed.append(target)
    return changed


def check_loadable(library: Path) -> str:
    """Load a library built for this machine and report libzmq's version and CURVE support."""
    try:
        lib = ctypes.CDLL(str(library))
    except OSError as exc:
        raise NativeLibraryError(f"{library} cannot be loaded: {exc}") from exc
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.zmq_version(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    curve = lib.zmq_has(b"curve") == 1
    if not curve:
        raise NativeLibraryError(f"{library} is libzmq without CURVE; the bridge's --curve-keys would not work")
    return f"libzmq {major.value}.{minor.value}.{patch.value} with CURVE"


def stage_for_mono(folder: Path) -> Path:
    """Put this machine's libzmq where Mono finds DllImport("libzmq"): beside the assemblies in `folder`."""
    copy_libraries(installed_libraries(), folder)
    return folder / current_platform().library_name
