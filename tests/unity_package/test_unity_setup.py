"""`stylebridge unity setup`: the package, Barracuda and the native ZeroMQ library land in a Unity project, once."""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.unity.native import PLATFORMS, NativeLibraryError, current_platform, wheel_libraries
from pipeline.unity.setup import PACKAGE_FOLDER, PLUGINS_DIR, UnitySetupError, setup_unity_project

HERE = current_platform()


def test_setup_adds_the_package_barracuda_and_a_loadable_libzmq(unity_project: Path) -> None:
    report = setup_unity_project(unity_project)
    manifest = json.loads((unity_project / "Packages" / "manifest.json").read_text())
    assert manifest["dependencies"] == {
        "com.stylebridge.unity": f"file:{PACKAGE_FOLDER.as_posix()}",
        "com.unity.barracuda": "3.0.0",
    }
    plugins = unity_project / PLUGINS_DIR / HERE.name
    library = plugins / HERE.library_name  # the name DllImport("libzmq") looks for
    lib = ctypes.CDLL(str(library))
    assert lib.zmq_has(b"curve") == 1, "libzmq with libsodium, so CURVE works"
    assert any(p.name.startswith("libsodium") for p in plugins.iterdir())
    meta = (plugins / f"{HERE.library_name}.meta").read_text()
    assert f"Standalone: {HERE.standalone}\n    second:\n      enabled: 1" in meta
    other = next(p for p in PLATFORMS.values() if p != HERE)
    assert f"Standalone: {other.standalone}\n    second:\n      enabled: 0" in meta
    assert any("with CURVE" in note for note in report.notes)
    assert len(report.changes) >= 4


def test_a_second_run_changes_nothing_and_keeps_what_the_user_set(unity_project: Path) -> None:
    setup_unity_project(unity_project)
    meta = unity_project / PLUGINS_DIR / HERE.name / f"{HERE.library_name}.meta"
    meta.write_text(meta.read_text() + "# edited in Unity\n")
    again = setup_unity_project(unity_project)
    assert again.changes == []
    assert "nothing to change" in again.describe()
    assert meta.read_text().endswith("# edited in Unity\n")


def test_other_dependencies_stay_and_a_wrong_barracuda_is_corrected(unity_project: Path) -> None:
    manifest = unity_project / "Packages" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"dependencies": {"com.unity.ugui": "1.0.0", "com.unity.barracuda": "1.0.4"},
                                    "scopedRegistries": []}))  # fmt: skip
    report = setup_unity_project(unity_project, package="https://example.com/stylebridge.git?path=unity_package")
    data = json.loads(manifest.read_text())
    assert data["scopedRegistries"] == []
    assert data["dependencies"]["com.unity.ugui"] == "1.0.0"
    assert data["dependencies"]["com.unity.barracuda"] == "3.0.0"
    assert data["dependencies"]["com.stylebridge.unity"].startswith("https://example.com/")
    assert any("com.unity.barracuda = 3.0.0" in change for change in report.changes)


def test_folders_that_are_not_unity_projects_and_broken_manifests_are_refused(
    tmp_path: Path, unity_project: Path
) -> None:
    with pytest.raises(UnitySetupError, match="not a Unity project"):
        setup_unity_project(tmp_path)
    (unity_project / "Packages").mkdir()
    (unity_project / "Packages" / "manifest.json").write_text("{not json")
    with pytest.raises(UnitySetupError, match="not valid JSON"):
        setup_unity_project(unity_project)
    with pytest.raises(UnitySetupError, match="not the stylebridge Unity package"):
        setup_unity_project(unity_project, package=str(tmp_path))
    with pytest.raises(UnitySetupError, match="unknown --platform"):
        setup_unity_project(unity_project, platforms=["amiga"])


def test_the_command_prints_what_it_changed(unity_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["unity", "setup", "--unity-project", str(unity_project)]) == 0
    out = capsys.readouterr().out
    assert "changed: Packages/manifest.json: com.unity.barracuda = 3.0.0" in out
    assert main(["unity", "setup", "--unity-project", str(unity_project / "Assets")]) == 1


def test_a_wheel_that_cannot_be_downloaded_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NativeLibraryError, match=r"could not download pyzmq 0\.0\.1's wheel for macos"):
        wheel_libraries(PLATFORMS["macos"], tmp_path, version="0.0.1")


@pytest.mark.slow
def test_other_desktop_platforms_come_from_their_wheels(unity_project: Path) -> None:
    """macOS gets libzmq.dylib and libsodium from its universal2 wheel; Windows wheels have no libzmq DLL."""
    report = setup_unity_project(unity_project, platforms=["macos", "windows-x86_64"])
    mac = unity_project / PLUGINS_DIR / "macos"
    assert (mac / "libzmq.dylib").read_bytes()[:4] == bytes.fromhex("cafebabe")  # a universal Mach-O
    assert (mac / "libsodium.26.dylib").exists() and (mac / "libsodium.26.dylib.meta").exists()
    assert "OS: OSX" in (mac / "libzmq.dylib.meta").read_text()
    assert len(report.problems) == 1 and report.problems[0].startswith("windows-x86_64:"), report.problems
    assert "vcpkg" in report.problems[0]
    assert not (unity_project / PLUGINS_DIR / "windows-x86_64").exists()
