"""Build the Unity package's C# with Mono, outside Unity: what CI tests, benchmarks and the demo run.

Unity cannot run here, so the package is built in layers Mono can compile (`mcs`, C# 7.2):

* `StyleBridge.Core.dll`: the engine-free core (protocol, libzmq transport, BridgeClient, contract,
  manifest watcher, metrics), run by the NUnit tests and by the console tool;
* `StyleBridge.Core.Tests.dll`: the package's EditMode tests, run here with `nunit-console`;
* `UnityApiStubs.dll`: declarations of exactly the Unity and Barracuda members the Unity layer uses, so
  `StyleBridge.Unity.dll`, `StyleBridge.Editor.dll` and the sample are compiled (never run) and a wrong
  member or signature fails the build;
* `stylebridge-bridge.exe`: a console client (benchmark, demo streaming) over the core.

The native libzmq from the installed pyzmq is put beside the assemblies, where Mono's DllImport looks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import StylebridgeError
from pipeline.unity.native import stage_for_mono

PACKAGE = Path(__file__).resolve().parents[2] / "unity_package"
LANGUAGE_VERSION = "7.2"  # what Unity 2019.4's compiler and Mono's mcs both take
BCL = ("System.Runtime.Serialization",)
TEST_BCL = (*BCL, "System.Xml", "System.Xml.Linq")
NUNIT_FRAMEWORKS = "/usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll"  # Debian's nunit-console
INSTALL_HINT = "install Mono and NUnit: `sudo apt-get install -y mono-devel nunit-console` (Debian/Ubuntu)"


class CSharpError(StylebridgeError, RuntimeError):
    """Mono is missing, or the C# did not compile; the message carries the compiler's words."""


@dataclass(frozen=True)
class MonoTools:
    mcs: Path
    mono: Path

    @classmethod
    def find(cls) -> MonoTools:
        mcs, mono = shutil.which("mcs"), shutil.which("mono")
        if not mcs or not mono:
            raise CSharpError(f"Mono's C# compiler (mcs) and runtime (mono) are not on PATH; {INSTALL_HINT}")
        return cls(Path(mcs), Path(mono))

    @staticmethod
    def nunit() -> tuple[Path, Path]:
        """(nunit-console, nunit.framework.dll) of Debian's NUnit 2.6."""
        console = shutil.which("nunit-console")
        framework = next(iter(sorted(Path("/").glob(NUNIT_FRAMEWORKS.lstrip("/")))), None)
        if not console or framework is None:
            raise CSharpError(f"nunit-console and NUnit's framework assembly were not found; {INSTALL_HINT}")
        return Path(console), framework


def sources(*folders: str) -> list[Path]:
    found = sorted(p for folder in folders for p in (PACKAGE / folder).rglob("*.cs"))
    if not found:
        raise CSharpError(f"no C# sources under {', '.join(folders)} in {PACKAGE}; is this a stylebridge checkout?")
    return found


def compile_assembly(
    tools: MonoTools,
    output: Path,
    files: list[Path],
    references: tuple[Path | str, ...] = (),
    *,
    executable: bool = False,
    defines: tuple[str, ...] = (),
) -> Path:
    """Compile C# 7.2 sources into one assembly; warnings are errors, so the build stays clean."""
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [str(tools.mcs), f"-langversion:{LANGUAGE_VERSION}", "-warnaserror+", "-nologo",
               f"-target:{'exe' if executable else 'library'}", f"-out:{output}"]  # fmt: skip
    command += [f"-r:{reference}" for reference in references]
    command += [f"-define:{define}" for define in defines]
    command += [str(path) for path in files]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CSharpError(f"{output.name} did not compile:\n{(result.stdout + result.stderr).strip()}")
    return output


@dataclass(frozen=True)
class CoreBuild:
    folder: Path
    core: Path
    tool: Path


def build_core(folder: Path) -> CoreBuild:
    """The engine-free core, the console tool, and libzmq beside them: enough to talk to a server."""
    tools = MonoTools.find()
    core = compile_assembly(tools, folder / "StyleBridge.Core.dll", sources("Runtime/Core"), BCL)
    tool = compile_assembly(
        tools, folder / "stylebridge-bridge.exe", sources("Tools~/BridgeConsole"), (core, *BCL), executable=True
    )
    stage_for_mono(folder)
    return CoreBuild(folder, core, tool)


@dataclass(frozen=True)
class PackageBuild:
    core: CoreBuild
    tests: Path
    stubs: Path
    unity: Path
    editor: Path
    samples: Path


def build_package(folder: Path) -> PackageBuild:
    """Everything: the core and its tests, and the Unity layer compiled against the API declarations."""
    tools = MonoTools.find()
    _, framework = MonoTools.nunit()
    core = build_core(folder)
    tests = compile_assembly(
        tools,
        folder / "StyleBridge.Core.Tests.dll",
        sources("Tests/Editor"),
        (core.core, framework, *TEST_BCL),
        defines=("STYLEBRIDGE_NUNIT2",),
    )
    stubs = compile_assembly(tools, folder / "UnityApiStubs.dll", sources("Tests/UnityApiStubs~"))
    unity = compile_assembly(tools, folder / "StyleBridge.Unity.dll", sources("Runtime/Unity"), (core.core, stubs))
    editor = compile_assembly(
        tools, folder / "StyleBridge.Editor.dll", sources("Editor"), (core.core, unity, stubs, *BCL)
    )
    samples = compile_assembly(tools, folder / "StyleBridge.Samples.dll", sources("Samples~"), (unity, stubs))
    return PackageBuild(core, tests, stubs, unity, editor, samples)


def run_tool(build: CoreBuild, command: str, options: dict[str, object], timeout: float = 600.0) -> str:
    """Run the console client (`command --name value ...`); its stdout (JSON), or a CSharpError with what it printed."""
    flags = [item for name, value in options.items() for item in (f"--{name}", str(value))]
    arguments = [str(MonoTools.find().mono), str(build.tool), command, *flags]
    try:
        result = subprocess.run(arguments, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CSharpError(f"the C# client did not finish within {timeout:.0f} s: {command} {' '.join(flags)}") from exc
    if result.returncode != 0:
        raise CSharpError(f"the C# client failed ({result.returncode}):\n{(result.stdout + result.stderr).strip()}")
    return result.stdout


@dataclass(frozen=True)
class CSharpBench:
    """One benchmark round of the C# client (its console tool's `bench`) against a bridge endpoint: round trips
    with one frame in flight, then throughput with `in_flight` frames in flight, as bridge/bench.py measures the
    Python client."""

    build: CoreBuild

    def __call__(
        self, endpoint: str, width: int, height: int, frames: int, in_flight: int
    ) -> tuple[list[float], int, float]:
        """(round trips in seconds, frames received pipelined, seconds they took)."""
        options = {"endpoint": endpoint, "width": width, "height": height, "frames": frames, "in-flight": in_flight}
        output = run_tool(self.build, "bench", options)
        report = json.loads(output)
        return report["round_trips"], report["pipelined_frames"], report["pipelined_seconds"]
