"""The Unity package's C#: built with Mono, its NUnit tests run against real `python -m pipeline serve` processes,
and its Unity layer compiled against the declared Unity and Barracuda API (a wrong member fails the build)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from csharp_testing import require_mono

from pipeline.unity.csharp import PACKAGE, CSharpError, MonoTools, PackageBuild, compile_assembly

REPO = Path(__file__).resolve().parents[2]
LIVE_FIXTURES = ("PassthroughServerTests", "ModelServerTests", "CurveServerTests", "ServerRestartTests")


def run_nunit(build: PackageBuild, data: Path, work: Path) -> ET.Element:
    console, _ = MonoTools.nunit()
    folder = build.tests.parent
    env = {**os.environ, "STYLEBRIDGE_PYTHON": sys.executable, "STYLEBRIDGE_REPO": str(REPO),
           "STYLEBRIDGE_TEST_DATA": str(data), "LD_LIBRARY_PATH": str(folder)}  # fmt: skip
    result_file = work / "TestResult.xml"
    command = [str(console), "-nologo", "-noshadow", f"-xml={result_file}", str(build.tests)]
    run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=480, check=False)
    assert result_file.exists(), f"nunit-console wrote no results:\n{run.stdout}\n{run.stderr}"
    return ET.parse(result_file).getroot()


@pytest.mark.slow
def test_the_csharp_tests_pass_against_the_real_server(
    csharp_build: PackageBuild, csharp_data: Path, tmp_path: Path
) -> None:
    results = run_nunit(csharp_build, csharp_data, tmp_path)
    cases = results.iter("test-case")
    outcome = {case.get("name"): case for case in cases}
    failed = [f"{name}: {case.findtext('.//message', '').strip()}" for name, case in outcome.items()
              if case.get("executed") == "True" and case.get("success") != "True"]  # fmt: skip
    assert not failed, "\n\n".join(failed)
    not_run = [f"{name}: {case.findtext('.//message', '').strip()}" for name, case in outcome.items()
               if case.get("executed") != "True"]  # fmt: skip
    assert not not_run, "every C# test must run here (none ignored):\n" + "\n".join(not_run)
    for fixture in LIVE_FIXTURES:
        ran = [name for name in outcome if f".{fixture}." in name]
        assert ran, f"no test of {fixture} ran"
    vectors = [name for name in outcome if ".Vector_" in name]
    index = (PACKAGE / "Tests" / "Fixtures~" / "bridge" / "index.json").read_text()
    assert len(vectors) == len(re.findall(r'^  "[^"]+\.bin": \{', index, re.M)), "one C# case per golden vector"


def _compile_against_stubs(build: PackageBuild, tmp_path: Path, body: str) -> Path:
    source = tmp_path / "Probe.cs"
    source.write_text(f"using Unity.Barracuda;\nusing UnityEngine;\npublic static class Probe {{\n{body}\n}}\n")
    return compile_assembly(MonoTools.find(), tmp_path / "Probe.dll", [source], (build.stubs,))


def test_the_unity_layer_compiles_only_against_declared_members(csharp_build: PackageBuild, tmp_path: Path) -> None:
    ok = (
        "static void Run(IWorker w, RenderTexture t) "
        "{ w.PeekOutput().ToRenderTexture(t, 0, 0, new Vector4(1, 1, 1, 1), new Vector4(0, 0, 0, 0)); }"
    )
    assert _compile_against_stubs(csharp_build, tmp_path, ok).exists()
    typo = ok.replace("ToRenderTexture", "ToRenderTexure")
    with pytest.raises(CSharpError, match="ToRenderTexure"):
        _compile_against_stubs(csharp_build, tmp_path, typo)
    wrong_signature = "static Tensor Make(Texture t) { return new Tensor(t, true, 1f, 0f, 3); }"
    with pytest.raises(CSharpError, match="Tensor"):
        _compile_against_stubs(csharp_build, tmp_path, wrong_signature)


def test_every_declared_api_type_says_where_it_is_documented() -> None:
    for path in (PACKAGE / "Tests" / "UnityApiStubs~").glob("*.cs"):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if re.match(r"\s*public (sealed |abstract |static )*(class|struct|enum|interface) ", line):
                above = "\n".join(lines[max(0, number - 3) : number])
                assert re.search(r"docs\.unity3d\.com|Runtime/", above), f"{path.name}:{number + 1} {line.strip()}"


def test_the_core_is_engine_free_and_the_layers_are_separate() -> None:
    core = PACKAGE / "Runtime" / "Core"
    assert '"noEngineReferences": true' in (core / "StyleBridge.Core.asmdef").read_text()
    offenders = [
        p.name for p in core.rglob("*.cs") if re.search(r"\bUnityEngine\b|\bUnity\.Barracuda\b", p.read_text())
    ]
    assert not offenders


def test_a_missing_mono_is_a_clear_error_and_a_failure_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no mcs, mono or nunit-console here
    with pytest.raises(CSharpError, match="apt-get install -y mono-devel nunit-console"):
        MonoTools.find()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the C# tests"):
        require_mono()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="mono-devel"):
        require_mono()
