"""`pl-amazon regenerate`: run every registered emitter over the compiled product types.

An emitter is a function `emit(product_types, out_dir) -> list[Path]` that writes its files under
`out_dir` (the `generated/` root) with `write_if_changed` and returns every path it owns. The
orchestrator:

- computes a cache key per emitter from the generator version, the emitter's own version, a digest
  of the emitter's source files (code and templates) and the checksums of the definition files —
  without compiling anything;
- skips an emitter whose stamp matches the key and whose recorded outputs are still on disk with
  the recorded digests (an unchanged tree compiles nothing and rewrites no file);
- otherwise compiles the definitions once (shared by all stale emitters), runs the stale emitters
  and deletes files in an emitter's output folders that it no longer produces.

Stamps live in `.cache/regenerate/` (git-ignored): a clean clone always regenerates, so CI compares
freshly generated files with the committed ones.

To add an emitter, append an `EmitterSpec` to `EMITTERS` (the import is lazy: "module:function").
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from transpiler.amazon import definitions
from transpiler.workspace import REPO, Workspace

#: Bump when the shape of any generated file changes in a way the source digest would not catch.
GENERATOR_VERSION = "1"

DEFAULT_CACHE = REPO / ".cache" / "regenerate"

Emitter = Callable[[Sequence[object], Path], list[Path]]


@dataclass(frozen=True)
class EmitterSpec:
    """One emitter: where its code lives, what it owns under `generated/`, what its output depends on."""

    name: str
    target: str  # "package.module:function"
    outputs: tuple[str, ...]  # folders under out_dir this emitter owns (stale files there are removed)
    sources: tuple[str, ...]  # files/folders (relative to the repo) whose content shapes the output
    version: str = "1"
    compiles: bool = True  # needs the compiled product types (False: reads other inputs)
    takes_workspace: bool = False  # called as emit(product_types, out_dir, workspace) (reads its settings)

    def load(self) -> Emitter:
        module, _, function = self.target.partition(":")
        return getattr(importlib.import_module(module), function)


_COMPILER_SOURCES = ("transpiler/compiler", "transpiler/rules", "transpiler/amazon", "transpiler/config.py")

EMITTERS: tuple[EmitterSpec, ...] = (
    EmitterSpec(
        name="productlive",
        target="transpiler.emit.productlive:emit",
        outputs=("productlive", "mapping"),
        sources=("transpiler/emit", "transpiler/mapping", "templates/productlive", *_COMPILER_SOURCES),
    ),
    EmitterSpec(
        name="amazon-parameters",
        target="transpiler.emit.openapi:emit",
        outputs=("amazon",),
        sources=("transpiler/emit/openapi.py", "transpiler/amazon/openapi_parameters.py", "../shared/amazon/openapi"),
        compiles=False,
        takes_workspace=True,
    ),
    EmitterSpec(
        name="models",
        target="transpiler.emit.models:emit",
        outputs=("models",),
        sources=("transpiler/emit/models.py", "templates/models", *_COMPILER_SOURCES),
    ),
)


@dataclass
class EmitterRun:
    name: str
    skipped: bool  # cache hit: nothing compiled, nothing written
    written: list[Path] = field(default_factory=list)  # files whose bytes changed
    removed: list[Path] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)


@dataclass
class RegenerateResult:
    runs: list[EmitterRun]
    product_types: list[object]  # compiled ProductTypes (empty when every emitter was a cache hit)

    @property
    def written(self) -> list[Path]:
        return [p for r in self.runs for p in r.written]


def write_if_changed(path: Path, data: bytes | str) -> bool:
    """Write `data` to `path` unless the file already holds exactly these bytes. True if written."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.exists() and path.read_bytes() == payload:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(payload)
    tmp.replace(path)
    return True


def _digest_files(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path).encode())
        h.update(b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _source_files(spec: EmitterSpec) -> list[Path]:
    files: list[Path] = []
    for rel in spec.sources:
        target = REPO / rel
        if target.is_file():
            files.append(target)
        elif target.is_dir():
            files.extend(
                p for p in target.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            )
    return sorted(files)


def input_files(assets: Path) -> list[Path]:
    """Schema files and their envelopes: what the compiled model depends on."""
    out: list[Path] = []
    for schema in definitions.list_schema_files(assets):
        out.append(schema)
        envelope = definitions.envelope_path(schema)
        if envelope.exists():
            out.append(envelope)
    return out


def cache_key(spec: EmitterSpec, inputs: Sequence[Path], out_dir: Path) -> str:
    """Generator version + emitter version + digest of its sources + checksums of the definitions."""
    document = {
        "generator": GENERATOR_VERSION,
        "emitter": spec.name,
        "version": spec.version,
        "sources": _digest_files(_source_files(spec)),
        "inputs": [[p.name, definitions.md5_base64(p.read_bytes())] for p in inputs],
        "out": str(out_dir.resolve()),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _stamp_path(cache_dir: Path, spec: EmitterSpec, out_dir: Path) -> Path:
    where = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
    return cache_dir / f"{spec.name}-{where}.json"


def _stamp_valid(stamp: Path, key: str) -> list[Path] | None:
    """The recorded outputs when the stamp matches `key` and every output is intact, else None."""
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    outputs = []
    for name, digest in data.get("outputs", {}).items():
        path = Path(name)
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                return None
        except OSError:
            return None
        outputs.append(path)
    return outputs


def _write_stamp(stamp: Path, key: str, outputs: Sequence[Path]) -> None:
    data = {
        "key": key,
        "outputs": {str(p.resolve()): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(outputs)},
    }
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(data, indent=1, sort_keys=True))


def regenerate(
    workspace: Workspace | None = None,
    *,
    assets: Path | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    cache_dir: Path | None = None,
    emitters: Sequence[EmitterSpec] | None = None,
) -> RegenerateResult:
    """Run the stale emitters (all of them with `force`) and return what each did.

    Reads the workspace's definitions folder (or `assets`) and writes to its generated root (or
    `out_dir`); product types are compiled through the workspace, so a later step of the same
    run (a report, a publication) does not compile them again.
    """
    workspace = workspace or Workspace.create()
    assets = assets or workspace.definitions_dir
    out_dir = out_dir or workspace.generated_root
    cache_dir = cache_dir or DEFAULT_CACHE
    specs = list(EMITTERS if emitters is None else emitters)
    inputs = input_files(assets)
    runs: list[EmitterRun] = []
    stale: list[tuple[EmitterSpec, str, Path]] = []
    for spec in specs:
        key = cache_key(spec, inputs, out_dir)
        stamp = _stamp_path(cache_dir, spec, out_dir)
        outputs = None if force else _stamp_valid(stamp, key)
        if outputs is not None:
            runs.append(EmitterRun(spec.name, skipped=True, outputs=outputs))
        else:
            stale.append((spec, key, stamp))
    product_types: list[object] = []
    if any(spec.compiles for spec, _, _ in stale):
        from transpiler.compiler.loading import load_all

        product_types = list(load_all(workspace, assets))
    for spec, key, stamp in stale:
        before = {p: p.read_bytes() for d in spec.outputs for p in _files_under(out_dir / d)}
        emitter = spec.load()
        produced_paths = emitter(product_types, out_dir, workspace) if spec.takes_workspace else emitter(
            product_types, out_dir)
        outputs = [Path(p) for p in produced_paths]
        produced = {p.resolve() for p in outputs}
        removed = []
        for path in before:
            if path.resolve() not in produced and path.exists():
                path.unlink()
                removed.append(path)
        written = [p for p in outputs if before.get(p) != p.read_bytes()]
        _write_stamp(stamp, key, outputs)
        runs.append(EmitterRun(spec.name, skipped=False, written=written, removed=removed, outputs=outputs))
    order = {spec.name: i for i, spec in enumerate(specs)}
    runs.sort(key=lambda r: order[r.name])
    return RegenerateResult(runs, product_types)


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
