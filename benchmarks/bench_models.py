"""Model generation and `make regenerate`.

1. Cold: the models emitter on the three product types of `assets/` (attribute model -> normalized
   schema -> datamodel-code-generator -> templates), against the baseline of raw
   datamodel-code-generator run on the same three raw Amazon schemas (what a user would try first;
   its output knows nothing of Amazon's vocabulary or conditional rules).
2. Warm: `regenerate()` on the checked-out tree, every emitter up to date: what `make regenerate`
   does after the interpreter has started; no file may be rewritten (modification times and bytes
   are compared). The whole command (`pl-amazon regenerate` in a fresh interpreter) is measured too,
   beside the interpreter's own start (`python -c pass`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from benchmarks.results import Bench
from benchmarks.timing import in_turns
from transpiler.emit.regenerate import EMITTERS, regenerate
from transpiler.workspace import DEFAULT_GENERATED, REPO, Workspace

WARM_GOAL_MS = 50.0


def _raw_codegen(schemas: list[Path]) -> None:
    from datamodel_code_generator import DataModelType, InputFileType, PythonVersion, generate

    with warnings.catch_warnings():  # its complaints about Amazon's schemas (duplicated field names)
        warnings.simplefilter("ignore")
        for path in schemas:
            generate(path.read_text(encoding="utf-8"), input_file_type=InputFileType.JsonSchema,
                     output_model_type=DataModelType.PydanticV2BaseModel, target_python_version=PythonVersion.PY_311,
                     disable_timestamp=True, formatters=[])


def _cold(tmp: Path) -> None:
    spec = [s for s in EMITTERS if s.name == "models"]
    regenerate(Workspace.create(), out_dir=tmp / "generated", cache_dir=tmp / "cache", emitters=spec, force=True)


def _snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _command(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, cwd=REPO, capture_output=True)
    return time.perf_counter() - started


def run(bench: Bench) -> None:
    workspace = Workspace.create()
    schemas = sorted(p for p in workspace.definitions_dir.glob("*.json")
                     if not p.name.endswith(".definition.json") and p.name != "manifest.json")
    with tempfile.TemporaryDirectory(prefix="bench-models-") as folder:
        cold = in_turns({"ours": lambda: _cold(Path(folder)), "raw": lambda: _raw_codegen(schemas)}, repeat=3)
    bench.figure(f"models emitter, cold, {len(schemas)} product types", cold["ours"], "s", baseline=cold["raw"],
                 baseline_name="raw datamodel-codegen on the raw schemas")

    regenerate(workspace)  # up to date from here (a stale tree is regenerated once, not measured)
    before = _snapshot(DEFAULT_GENERATED)
    warm = in_turns({"warm": lambda: regenerate(Workspace.create())}, repeat=15)["warm"]
    after = _snapshot(DEFAULT_GENERATED)
    rewritten = sorted(set(before) ^ set(after) | {p for p in before if before[p] != after.get(p)})
    figure = bench.figure("regenerate(), warm (every emitter up to date)", warm * 1000, "ms")
    bench.at_most("make regenerate warm", figure, WARM_GOAL_MS)
    bench.holds("regenerate warm rewrites no file", bench.figure("files rewritten by a warm regenerate",
                                                                 len(rewritten), "files"),
                not rewritten, "0 files")
    if rewritten:
        bench.note(f"rewritten: {json.dumps(rewritten[:5])}")
    python = Path(sys.executable)
    command = in_turns({"cli": lambda: _command([str(python.parent / "pl-amazon"), "regenerate"]),
                        "python": lambda: _command([str(python), "-c", "pass"])}, repeat=5)
    bench.figure("pl-amazon regenerate, warm, whole command", command["cli"] * 1000, "ms",
                 baseline=command["python"] * 1000, baseline_name="python -c pass")
