"""The Unity package ships a .meta for every asset (a git or registry install ignores assets without one), with
stable, unique GUIDs; pipeline/unity/package_meta.py writes the missing ones and finds what is wrong."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.unity.package_meta import (
    PACKAGE,
    PackageMetaError,
    assets,
    guids,
    importer_for,
    main,
    meta_path,
    problems,
    write_missing,
)


def test_every_asset_of_the_package_has_its_meta_and_guids_are_unique() -> None:
    assert problems(PACKAGE) == []
    assert meta_path(PACKAGE / "Runtime" / "Core" / "StyleBridge.Core.asmdef").exists()
    assert not (PACKAGE / "Documentation~.meta").exists()


def test_every_committed_asset_has_its_meta_committed() -> None:
    """The check above reads the working tree, where a .meta written but never `git add`ed still counts; a git or
    registry install gets only what is committed, so the .meta of every committed asset must be committed too."""
    listing = subprocess.run(["git", "ls-files", "-z", "--", "."], cwd=PACKAGE, capture_output=True, check=False)
    if listing.returncode != 0:
        pytest.skip("not a git checkout: the package is what is on disk, which the test above checks")
    tracked = {PACKAGE / name for name in listing.stdout.decode().split("\0") if name}
    folders = {folder for path in tracked for folder in path.parents}
    committed = [asset for asset in assets(PACKAGE) if asset in tracked or asset in folders]
    assert committed, "git lists no file of the package"
    missing = [str(meta_path(a).relative_to(PACKAGE)) for a in committed if meta_path(a) not in tracked]
    assert not missing, f"run `git add` on these (written, never committed): {missing}"


def _package(root: Path) -> Path:
    files = {
        "package.json": "{}",
        "README.md": "# x",
        "LICENSE": "MIT",
        "Runtime/A.asmdef": json.dumps({"name": "A", "references": []}),
        "Runtime/Thing.cs": "class Thing {}",
        "Runtime/link.xml": "<linker/>",
        "Runtime/Resources/Convert.shader": "Shader {}",
        "Runtime/Resources/Blur.compute": "#pragma kernel K",
        "Documentation~/index.md": "docs",
        "Samples~/S/Sample.cs": "class S {}",
        ".gitignore": "x",
        "Runtime/.hidden.cs": "class H {}",
        "Runtime/notes.tmp": "scratch",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _importer(meta: Path) -> str:
    lines = meta.read_text().splitlines()
    return next(line[:-1] for line in lines if line.endswith("Importer:"))


def test_missing_metas_are_written_with_unitys_importer_for_each_kind(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    written = {p.relative_to(package).as_posix() for p in write_missing(package)}
    assert written == {
        "package.json.meta", "README.md.meta", "LICENSE.meta", "Runtime.meta", "Runtime/A.asmdef.meta",
        "Runtime/Thing.cs.meta", "Runtime/link.xml.meta", "Runtime/Resources.meta",
        "Runtime/Resources/Convert.shader.meta", "Runtime/Resources/Blur.compute.meta",
    }  # fmt: skip
    kinds = {name: _importer(package / name) for name in written}
    assert kinds["package.json.meta"] == "PackageManifestImporter"
    assert kinds["README.md.meta"] == kinds["Runtime/link.xml.meta"] == "TextScriptImporter"
    assert kinds["LICENSE.meta"] == kinds["Runtime.meta"] == "DefaultImporter"
    assert kinds["Runtime/A.asmdef.meta"] == "AssemblyDefinitionImporter"
    assert kinds["Runtime/Thing.cs.meta"] == "MonoImporter"
    assert kinds["Runtime/Resources/Convert.shader.meta"] == "ShaderImporter"
    assert kinds["Runtime/Resources/Blur.compute.meta"] == "ComputeShaderImporter"
    assert "folderAsset: yes" in (package / "Runtime.meta").read_text()
    assert "folderAsset" not in (package / "Runtime/Thing.cs.meta").read_text()
    assert problems(package) == []


def test_existing_metas_and_their_guids_are_never_changed(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    write_missing(package)
    before = {meta: meta.read_bytes() for meta in package.rglob("*.meta")}
    (package / "Runtime" / "New.cs").write_text("class New {}")
    assert write_missing(package) == [package / "Runtime" / "New.cs.meta"]
    assert all(meta.read_bytes() == data for meta, data in before.items())
    assert len(set(guids(package).values())) == len(before) + 1


def test_each_kind_of_problem_is_found(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    write_missing(package)
    (package / "Runtime" / "Thing.cs.meta").unlink()
    (package / "Gone.cs.meta").write_text((package / "README.md.meta").read_text().replace("Text", "Mono"))
    (package / "Documentation~.meta").write_text("fileFormatVersion: 2\nguid: 0123456789abcdef0123456789abcdef\n")
    shutil.copy(package / "Runtime" / "A.asmdef.meta", package / "Runtime" / "link.xml.meta")
    (package / "LICENSE.meta").write_text("fileFormatVersion: 2\nguid: NOT-A-GUID\n")
    shader = package / "Runtime" / "Resources" / "Convert.shader.meta"
    shader.write_text(shader.read_text().replace("ShaderImporter", "DefaultImporter"))
    (package / "Runtime" / "A.asmdef").write_text(json.dumps({"references": ["GUID:00000000000000000000000000000000"]}))
    found = "\n".join(problems(package))
    assert "Runtime/Thing.cs has no .meta" in found
    assert "Gone.cs.meta has no asset" in found
    assert "Documentation~.meta has no asset Unity imports" in found
    assert "Runtime/A.asmdef.meta, Runtime/link.xml.meta" in found  # a shared GUID
    assert "Runtime/link.xml.meta uses AssemblyDefinitionImporter; Unity uses TextScriptImporter" in found
    assert "LICENSE.meta holds no GUID" in found
    assert "Convert.shader.meta uses DefaultImporter; Unity uses ShaderImporter" in found
    assert "refers to GUID:00000000000000000000000000000000, which no asmdef here has" in found
    assert len(problems(package)) == 8


def test_asmdef_references_by_guid_must_name_an_asmdef_of_the_package(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    (package / "Runtime" / "B.asmdef").write_text("{}")
    write_missing(package)
    b_guid = guids(package)[package / "Runtime" / "B.asmdef.meta"]
    thing_guid = guids(package)[package / "Runtime" / "Thing.cs.meta"]
    asmdef = package / "Runtime" / "A.asmdef"
    asmdef.write_text(json.dumps({"references": [f"GUID:{b_guid}", "Unity.Barracuda"]}))
    assert problems(package) == []
    asmdef.write_text(json.dumps({"references": [f"GUID:{thing_guid}"]}))
    assert [line for line in problems(package) if "which no asmdef here has" in line]


def test_assets_whose_settings_must_be_chosen_in_unity_are_refused(tmp_path: Path) -> None:
    plugin = tmp_path / "pkg" / "Plugins" / "libzmq.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"\x7fELF")
    with pytest.raises(PackageMetaError, match="import it into a Unity project once"):
        importer_for(plugin)
    with pytest.raises(PackageMetaError):
        write_missing(tmp_path / "pkg")


def test_the_command_writes_then_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = _package(tmp_path / "pkg")
    assert main([str(package), "--check"]) == 1
    assert "problem: Runtime/Thing.cs has no .meta" in capsys.readouterr().out
    assert not (package / "Runtime.meta").exists(), "--check writes nothing"
    assert main([str(package)]) == 0
    assert "wrote Runtime/Thing.cs.meta" in capsys.readouterr().out
    assert main([str(package), "--check"]) == 0
