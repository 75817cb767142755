"""The Unity package's `.meta` files: write the missing ones, and find what is wrong with the ones there.

Unity gives every asset (file or folder) a GUID kept in a `.meta` file beside it. In a project's Assets folder it
writes missing ones itself, but a package installed by git URL or from a registry is immutable: an asset without its
`.meta` is skipped ("has no meta file, but it's in an immutable folder. The asset will be ignored"), so the package
must ship every `.meta`. GUIDs are what scenes, prefabs and settings use to refer to assets, so a GUID is made once,
at random, committed with its `.meta`, and never made again for an existing file.

Maintainers run `python -m pipeline.unity.package_meta` after adding a file or folder to `unity_package/` (it writes
only missing `.meta` files and says which) and commit them; `--check` lists problems without writing, as
`tests/unity_package/test_package_meta.py` does on every CI run.
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from pathlib import Path

from pipeline.core.fileio import atomic_write_text

PACKAGE = Path(__file__).resolve().parents[2] / "unity_package"
META = ".meta"
GUID = re.compile(r"^guid: ([0-9a-f]{32})$", re.M)
IMPORTER = re.compile(r"^([A-Za-z]+Importer):$", re.M)

# The settings blocks Unity writes for each importer (as in Unity-made packages, e.g. Barracuda 3.0); the fields
# shared by all importers close each block.
_COMMON = "  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
_SETTINGS = {
    "DefaultImporter": "  externalObjects: {}\n",
    "MonoImporter": (
        "  externalObjects: {}\n  serializedVersion: 2\n  defaultReferences: []\n  executionOrder: 0\n"
        "  icon: {instanceID: 0}\n"
    ),
    "AssemblyDefinitionImporter": "  externalObjects: {}\n",
    "AssemblyDefinitionReferenceImporter": "  externalObjects: {}\n",
    "PackageManifestImporter": "  externalObjects: {}\n",
    "TextScriptImporter": "  externalObjects: {}\n",
    "ShaderImporter": "  externalObjects: {}\n  defaultTextures: []\n  nonModifiableTextures: []\n",
    "ComputeShaderImporter": "  externalObjects: {}\n  currentAPIMask: 65536\n",
}
# Which importer Unity picks, by file extension. Others get DefaultImporter, as Unity does for types it does not know.
_BY_SUFFIX = {
    ".cs": "MonoImporter",
    ".asmdef": "AssemblyDefinitionImporter",
    ".asmref": "AssemblyDefinitionReferenceImporter",
    ".shader": "ShaderImporter",
    ".compute": "ComputeShaderImporter",
    # shader includes: Barracuda 3.0 ships its .cginc files with ShaderImporter, as Unity 2019.4 (this package's
    # minimum) writes them; later versions read them too
    ".cginc": "ShaderImporter",
    ".hlsl": "ShaderImporter",
    # text assets (TextAsset): what Unity imports with TextScriptImporter
    **dict.fromkeys(
        (".txt", ".md", ".json", ".xml", ".html", ".htm", ".bytes", ".csv", ".yaml", ".fnt"), "TextScriptImporter"
    ),
}
# Assets whose importer keeps settings that must be chosen (platforms, texture types): a .meta written here would
# guess them, so they are refused; make their .meta in Unity (native plugins are copied by `unity setup`, not shipped).
_CHOSEN_IN_UNITY = {".dll", ".so", ".dylib", ".bundle", ".a", ".aar", ".jar", ".png", ".jpg", ".jpeg", ".tga",
                    ".psd", ".exr", ".fbx", ".wav", ".mp3", ".ogg"}  # fmt: skip


class PackageMetaError(ValueError):
    """A file whose .meta cannot be written here (its importer needs settings chosen in Unity)."""


def is_ignored(name: str) -> bool:
    """Whether Unity skips a file or folder of this name, and everything inside it: hidden names (starting with
    `.`), names ending in `~` (such as `Documentation~` and `Samples~`), `cvs`, and `.tmp` files. They have no .meta."""
    return name.startswith(".") or name.endswith("~") or name.lower() == "cvs" or name.lower().endswith(".tmp")


def assets(package: Path) -> list[Path]:
    """Every file and folder of the package that Unity imports (each needs a .meta), sorted; not the root itself."""
    found: list[Path] = []
    folders = [package]
    while folders:
        for entry in sorted(folders.pop().iterdir()):
            if is_ignored(entry.name) or entry.name.endswith(META):
                continue
            found.append(entry)
            if entry.is_dir():
                folders.append(entry)
    return sorted(found)


def importer_for(asset: Path) -> str:
    """The importer Unity uses for a file or folder (folders and unknown types: DefaultImporter)."""
    if asset.is_dir():
        return "DefaultImporter"
    if asset.name == "package.json":
        return "PackageManifestImporter"
    suffix = asset.suffix.lower()
    if suffix in _CHOSEN_IN_UNITY:
        raise PackageMetaError(
            f"{asset}: a {suffix} file's .meta holds settings to choose (platforms, import type); "
            "import it into a Unity project once and copy the .meta Unity writes"
        )
    return _BY_SUFFIX.get(suffix, "DefaultImporter")


def meta_text(asset: Path, guid: str) -> str:
    """The .meta Unity would write for `asset` with this GUID."""
    importer = importer_for(asset)
    folder = "folderAsset: yes\n" if asset.is_dir() else ""
    return f"fileFormatVersion: 2\nguid: {guid}\n{folder}{importer}:\n{_SETTINGS[importer]}{_COMMON}"


def meta_path(asset: Path) -> Path:
    return asset.with_name(asset.name + META)


def guids(package: Path) -> dict[Path, str]:
    """The GUID in each .meta of the package (where one can be read)."""
    found = {}
    for meta in package.rglob("*" + META):
        match = GUID.search(meta.read_text(encoding="utf-8", errors="replace"))
        if match:
            found[meta] = match.group(1)
    return found


def write_missing(package: Path = PACKAGE) -> list[Path]:
    """Write a .meta, with a new random GUID, for every asset without one; existing .meta files are never touched.
    Returns the .meta files written."""
    taken = set(guids(package).values())
    written = []
    for asset in assets(package):
        meta = meta_path(asset)
        if meta.exists():
            continue
        guid = uuid.uuid4().hex
        while guid in taken:  # 2^-122 per pair; checked anyway, since a collision breaks references silently
            guid = uuid.uuid4().hex
        taken.add(guid)
        atomic_write_text(meta, meta_text(asset, guid))
        written.append(meta)
    return written


def problems(package: Path = PACKAGE) -> list[str]:
    """What would make Unity ignore, mix up or misread the package's assets, one line each; empty when all is well:
    an asset without .meta, a .meta without its asset (or beside an asset Unity ignores), a .meta without a valid
    GUID or with another importer than Unity's for that kind, two assets sharing a GUID, and an asmdef referring to
    another by a GUID that no asmdef of the package has (references by name are Unity's to resolve)."""
    found = []
    imported = set(assets(package))
    for asset in sorted(imported):
        if not meta_path(asset).exists():
            found.append(f"{asset.relative_to(package)} has no .meta (Unity ignores it in a git or registry install)")
    metas = sorted(package.rglob("*" + META))
    by_guid: dict[str, list[Path]] = {}
    for meta in metas:
        asset = meta.with_name(meta.name[: -len(META)])
        name = meta.relative_to(package)
        if asset not in imported:
            found.append(f"{name} has no asset Unity imports beside it (delete it, or restore its asset)")
            continue
        text = meta.read_text(encoding="utf-8", errors="replace")
        guid, importer = GUID.search(text), IMPORTER.search(text)
        if guid is None:
            found.append(f"{name} holds no GUID (a line `guid: ` and 32 lowercase hex digits)")
            continue
        by_guid.setdefault(guid.group(1), []).append(name)
        try:
            expected = importer_for(asset)
        except PackageMetaError:
            continue  # made in Unity: its importer is Unity's choice
        if importer is None or importer.group(1) != expected:
            found.append(f"{name} uses {importer.group(1) if importer else 'no importer'}; Unity uses {expected}")
    for guid, names in sorted(by_guid.items()):
        if len(names) > 1:
            found.append(f"GUID {guid} is shared by {', '.join(map(str, names))}")
    found.extend(_asmdef_references(package, by_guid))
    return found


def _asmdef_references(package: Path, by_guid: dict[str, list[Path]]) -> list[str]:
    """asmdef references written `GUID:<hex>` must name an asmdef of the package (Unity writes them that way when
    "Use GUIDs" is ticked); a GUID nothing here has would leave the reference dangling."""
    asmdef_guids = {guid for guid, names in by_guid.items() if names[0].name.endswith(".asmdef" + META)}
    found = []
    for asmdef in sorted(p for p in assets(package) if p.suffix == ".asmdef"):
        try:
            references = json.loads(asmdef.read_text(encoding="utf-8")).get("references", [])
        except ValueError as exc:
            found.append(f"{asmdef.relative_to(package)} is not JSON ({exc})")
            continue
        for reference in references:
            if reference.startswith("GUID:") and reference[5:] not in asmdef_guids:
                found.append(f"{asmdef.relative_to(package)} refers to {reference}, which no asmdef here has")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.unity.package_meta",
        description="Write the missing .meta files of the Unity package (never changing existing ones), then list "
        "any problem left: assets without .meta, .meta files without assets, GUID collisions.",
    )
    parser.add_argument(
        "package", nargs="?", type=Path, default=PACKAGE, help="the package folder (default: the checkout's)"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when there is a problem")
    args = parser.parse_args(argv)
    if not args.check:
        for meta in write_missing(args.package):
            print(f"wrote {meta.relative_to(args.package)}")
    left = problems(args.package)
    for line in left:
        print(f"problem: {line}")
    if not left:
        print(f"every asset of {args.package} has its .meta")
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
