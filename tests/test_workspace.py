"""State is explicit: one workspace per run, created by the CLI and passed down.

Settings are read once (config file, secrets manager, environment) and reach everything through
the workspace; what a run builds (compiled product types, validators, models) lives in the
workspace's registries, never in module globals; the marketplace, locale and table key are
spelled once.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ASSETS, REPO
from transpiler.cli import main
from transpiler.compiler.loading import load_product_type
from transpiler.config import CONTEXT_PROPERTIES, FRANCE_LOCALE, FRANCE_MARKETPLACE_ID, TABLE_KEY, Settings
from transpiler.errors import UnknownProductTypeError
from transpiler.validation import validate
from transpiler.validation.models import StaleModelError
from transpiler.workspace import DEFAULT_ASSETS, Workspace

PACKAGE = REPO / "transpiler"


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(PACKAGE.rglob("*.py"))]


def _strings(tree: ast.Module) -> list[ast.Constant]:
    """String constants that are not docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings]


def test_the_environment_is_read_in_one_place_and_no_context_variable_carries_state() -> None:
    readers = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                readers.append(f"{path.relative_to(REPO)}:{node.lineno}")
            if isinstance(node, ast.Name) and node.id == "ContextVar":
                readers.append(f"{path.relative_to(REPO)}:{node.lineno} ContextVar")
    assert readers and all(r.startswith("transpiler/config.py:") for r in readers), readers


def test_marketplace_locale_and_table_key_are_spelled_once() -> None:
    found = []
    for path, tree in _sources():
        for node in _strings(tree):
            if any(word in node.value for word in (FRANCE_MARKETPLACE_ID, TABLE_KEY)) or node.value == FRANCE_LOCALE:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    # the sandbox's list of every locale Amazon serves names fr_FR among the others
    assert [f for f in found if not f.startswith("transpiler/sandbox/definitions_api.py")] == [
        f for f in found if f.startswith("transpiler/config.py")
    ]
    assert Settings().context == dict(zip(CONTEXT_PROPERTIES, (FRANCE_MARKETPLACE_ID, FRANCE_LOCALE), strict=True))


def test_registries_belong_to_their_workspace() -> None:
    one, two = Workspace.create(), Workspace.create()
    assert load_product_type("HEADPHONES", workspace=one) is load_product_type("HEADPHONES", workspace=one)
    assert load_product_type("HEADPHONES", workspace=one) is not load_product_type("HEADPHONES", workspace=two)
    assert len(one.product_types) == 1 and len(two.product_types) == 1
    # the meta-schema check is part of the key: an unchecked compile is never served as checked
    load_product_type("HEADPHONES", workspace=one, check=False)
    assert len(one.product_types) == 2


def _store(root: Path, *names: str) -> Path:
    folder = root / FRANCE_MARKETPLACE_ID / FRANCE_LOCALE
    folder.mkdir(parents=True)
    for name in names:
        for suffix in (".json", ".definition.json"):
            shutil.copy(ASSETS / f"{name}{suffix}", folder / f"{name}{suffix}")
    return root


def test_the_config_file_reaches_the_definitions_through_the_workspace(tmp_path: Path) -> None:
    store = _store(tmp_path / "store", "HEADPHONES")
    config = tmp_path / "config.toml"
    config.write_text(f'assets = "{store}"\n', encoding="utf-8")
    env = {"PL_AMAZON_CONFIG": "", "PL_AMAZON_ASSETS": "", "XDG_CONFIG_HOME": str(tmp_path / "none")}
    runner = CliRunner()
    result = runner.invoke(main, ["--config", str(config), "inspect", "HEADPHONES", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["product_type"] == "HEADPHONES"
    result = runner.invoke(main, ["--config", str(config), "inspect", "CELLULAR_PHONE"], env=env)
    assert result.exit_code == 2 and "unknown product type 'CELLULAR_PHONE' (known: HEADPHONES)" in result.output
    # without the file, the checkout's definitions: the setting belonged to that invocation only
    result = runner.invoke(main, ["inspect", "CELLULAR_PHONE", "--json"], env=env)
    assert result.exit_code == 0, result.output
    # the same setting from the environment
    result = runner.invoke(main, ["inspect", "CELLULAR_PHONE"], env={**env, "PL_AMAZON_ASSETS": str(store)})
    assert result.exit_code == 2 and "known: HEADPHONES" in result.output


def test_a_workspace_resolves_names_in_its_own_definitions(tmp_path: Path) -> None:
    workspace = Workspace.create(assets_root=_store(tmp_path / "store", "CELLULAR_PHONE_CASE"))
    assert workspace.definitions_dir == tmp_path / "store" / FRANCE_MARKETPLACE_ID / FRANCE_LOCALE
    assert load_product_type("CELLULAR_PHONE_CASE", workspace=workspace).name == "CELLULAR_PHONE_CASE"
    with pytest.raises(UnknownProductTypeError) as info:
        load_product_type("HEADPHONES", workspace=workspace)
    assert info.value.known == ("CELLULAR_PHONE_CASE",)
    # a plain folder of definitions works as well as a store root
    flat = Workspace.create(assets_root=workspace.definitions_dir)
    assert flat.definitions_dir == workspace.definitions_dir
    assert Workspace.create().definitions_dir == DEFAULT_ASSETS / FRANCE_MARKETPLACE_ID / FRANCE_LOCALE


def test_a_stale_model_is_an_error_that_says_run_make_regenerate(tmp_path: Path) -> None:
    """Validation never generates code: a definition without an up-to-date generated model fails."""
    store = _store(tmp_path / "store", "HEADPHONES")
    schema = store / FRANCE_MARKETPLACE_ID / FRANCE_LOCALE / "HEADPHONES.json"
    document = json.loads(schema.read_text(encoding="utf-8"))
    document["properties"]["item_name"]["title"] = "Nom (nouvelle version)"
    schema.write_text(json.dumps(document), encoding="utf-8")
    workspace = Workspace.create(assets_root=store)
    with pytest.raises(StaleModelError) as info:
        validate("HEADPHONES", {}, workspace=workspace)
    assert info.value.product_type == "HEADPHONES" and "make regenerate" in info.value.one_line()
    assert len(workspace.models) == 0
    result = CliRunner().invoke(main, ["check", "HEADPHONES", str(REPO / "tests/data/payloads/HEADPHONES.valid.json")],
                                env={"PL_AMAZON_ASSETS": str(store), "PL_AMAZON_CONFIG": "",
                                     "XDG_CONFIG_HOME": str(tmp_path / "none")})
    assert result.exit_code == 2 and "run `make regenerate`" in result.output
