"""Shared fixtures. Helpers for the real Amazon corpus in ../shared live here.

Real-corpus tests read ../shared/amazon (override with PL_AMAZON_SHARED). In CI a missing corpus
is a failure; elsewhere those tests are skipped with the reason.

Keeping the suite fast and deterministic (it runs on a loaded, shared machine):

- The SP-API sandbox: use the `sandbox` / `api` fixtures of `tests/sandbox_fixtures.py` (in process,
  manual clock; read its docstring). Drive time with `sandbox.advance_clock()` and give the code
  under test `sandbox.sleep` / `sandbox.now`: never `time.sleep` or wall-clock assertions. Ask for
  `served_sandbox` only when a socket is needed (another process, a browser, a non-httpx client).
- Compile schemas in fixtures (module or session scope), never at import time: list files with
  `sample_schema_files()` / `real_schema_files()` for parametrization (cheap), and compile them
  when a test first asks. Expensive results shared by several tests of a module (rendered
  modules, mappings) go in a module-scoped fixture too.
- Mark tests that run `pl-amazon` in a child process `subprocess`, browser tests `browser`; users of
  `served_sandbox` are marked `socket` automatically. A served sandbox announces Amazon's rates
  x100 (`SERVED`), so a child process paces itself fast too.
- Data Factory workers: `worker_context` (tests/datafactory_fixtures.py) runs task runs on the
  sandbox's time (the publisher's waits and the client's rate-limit pauses advance its clock).
- `make test` runs the files on several processes (pytest-xdist, one file per worker): write only
  under `tmp_path` / `tmp_path_factory`, bind port 0, and never rely on another file's tests
  having run. Session fixtures are built once per worker.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from transpiler.emit.models import build_model
from transpiler.validation.validate import ListingValidator, validator_for_product_type
from transpiler.workspace import Workspace

pytest_plugins = ["tests.sandbox_fixtures", "tests.datafactory_fixtures"]

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "assets" / "amazon" / "A13V1IB3VIYZZH" / "fr_FR"


def shared_dir() -> Path:
    return Path(os.environ.get("PL_AMAZON_SHARED") or (REPO.parent / "shared"))


def amazon_dir() -> Path:
    """../shared/amazon, or fail (CI) / skip (elsewhere) when it is missing."""
    path = shared_dir() / "amazon"
    if not path.is_dir():
        message = f"the real Amazon corpus is missing at {path} (set PL_AMAZON_SHARED)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def real_schema_files() -> list[Path]:
    """Every real product type schema under ../shared/amazon/product-types (collected lazily)."""
    root = shared_dir() / "amazon" / "product-types"
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.json") if not p.name.endswith(".definition.json"))


def sample_schema_files() -> list[Path]:
    if not ASSETS.is_dir():
        return []
    return sorted(
        p for p in ASSETS.glob("*.json") if not p.name.endswith(".definition.json") and p.name != "manifest.json"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need a real socket say so: `-m "not socket"` runs the in-process suite only."""
    for item in items:
        if "served_sandbox" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.socket)


def validator_with_model(path: Path, workspace: Workspace | None = None) -> ListingValidator:
    """The validator of a schema file; when generated/models has no up-to-date module for it (the
    real corpus, a modified sample), its model is generated in memory first, as `make regenerate`
    would write it, and registered in the workspace."""
    return validator_for_product_type(path, workspace=workspace, generate_model=build_model)


@pytest.fixture(scope="session")
def workspace() -> Workspace:
    """One workspace for the session (default settings, the checkout's assets): the product types,
    validators and models it builds are shared by every test that asks for it."""
    return Workspace.create()


@pytest.fixture
def amazon() -> Path:
    return amazon_dir()


@pytest.fixture(scope="session")
def corpus_guard() -> None:
    """Fails (CI) or skips when ../shared is absent."""
    amazon_dir()
