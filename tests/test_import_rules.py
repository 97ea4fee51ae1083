"""The import rules of docs/architecture.md hold: layers, the items side, lean models, no cycle.

The contracts live in pyproject.toml (`[tool.importlinter]`) and import-linter checks them
(`make lint` runs `lint-imports` too). These tests run the same contracts, prove that each one
catches the kind of import it forbids, and that every package of the project has its layer.
"""

from __future__ import annotations

import copy
from typing import Any

import grimp
import importlinter.api  # noqa: F401 - configures import-linter (option readers, timer)
import pytest
from importlinter.application.use_cases import lint_imports, read_user_options
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

from tests.conftest import REPO

PYPROJECT = REPO / "pyproject.toml"
OPTIONS = read_user_options(str(PYPROJECT))
CONTRACTS = {contract["id"]: contract for contract in OPTIONS.contracts_options}
KINDS: dict[str, type[Contract]] = {"layers": LayersContract, "forbidden": ForbiddenContract,
                                    "acyclic_siblings": AcyclicSiblingsContract}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*OPTIONS.session_options["root_packages"], exclude_type_checking_imports=True,
                             cache_dir=None)


def _contract(contract_id: str) -> Contract:
    options = CONTRACTS[contract_id]
    return KINDS[options["type"]](name=options["name"], session_options=OPTIONS.session_options,
                                  contract_options=options)


def _kept(contract_id: str, graph: grimp.ImportGraph, *extra: tuple[str, str]) -> bool:
    """Whether the contract holds on the project's graph with these imports added."""
    graph = copy.deepcopy(graph)
    for importer, imported in extra:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    return _contract(contract_id).check(graph, verbose=False).kept


def test_every_contract_is_kept() -> None:
    """What `lint-imports` says (its report is printed when this fails)."""
    assert lint_imports(str(PYPROJECT), cache_dir=None, no_logo=True) is True
    assert set(CONTRACTS) == {"layers", "items-side", "lean-models", "acyclic"}


@pytest.mark.parametrize(("contract_id", "importer", "imported"), [
    # the formats package reaching the network or the compiler (where `pull` used to live)
    ("layers", "transpiler.amazon.definitions", "transpiler.spapi.client"),
    ("layers", "transpiler.amazon.definitions", "transpiler.compiler.diff"),
    # validation generating models through the emitters
    ("layers", "transpiler.validation.validate", "transpiler.emit.models"),
    # the Product-Live writer importing the publisher (the old productlive <-> publish cycle)
    ("layers", "transpiler.productlive.acknowledgements", "transpiler.publish.run"),
    # a generated model importing validation
    ("layers", "generated.models.values", "transpiler.validation.validate"),
    # the compiler reaching the state of a run
    ("layers", "transpiler.compiler.product_type", "transpiler.publish.run"),
    # the publisher recompiling a definition, or taking its vocabulary from the emitters
    ("items-side", "transpiler.publish.run", "transpiler.compiler.loading"),
    ("items-side", "transpiler.productlive.acknowledgements", "transpiler.emit.structure"),
    # a generated model importing the compiler's model (it carries the rules' records only)
    ("lean-models", "generated.models.values", "transpiler.compiler.model"),
    # two modules of one package importing each other (compiler.conditions <-> compiler.model)
    ("acyclic", "transpiler.rules.conditions", "transpiler.rules.evaluate"),
    ("acyclic", "transpiler.publish.target", "transpiler.publish.run"),
])
def test_each_contract_catches_what_it_forbids(graph: grimp.ImportGraph, contract_id: str, importer: str,
                                               imported: str) -> None:
    assert _kept(contract_id, graph)
    assert not _kept(contract_id, graph, (importer, imported))


def _layer_modules(layers: list[str]) -> set[str]:
    out = set()
    for layer in layers:
        for name in layer.replace(":", "|").split("|"):
            out.add(name.strip().strip("()"))
    return out


def test_every_package_and_module_has_its_layer(graph: grimp.ImportGraph) -> None:
    placed = _layer_modules(CONTRACTS["layers"]["layers"])
    tops = {".".join(m.split(".")[:2]) for m in graph.modules if m.startswith("transpiler.")}
    assert tops - placed == set(), "place the new package in pyproject.toml's layers and in docs/architecture.md"
    assert "generated.models" in placed


def test_the_documented_diagram_is_the_enforced_one() -> None:
    """docs/architecture.md shows the layers the contract enforces, in the same order."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = text.split("<!-- layers -->", 2)[1]
    shown = [line.replace("(", "").replace(")", "").split("·")
             for line in diagram.strip().strip("`").strip().splitlines()]
    shown = [[name.strip() for name in row if name.strip()] for row in shown if any(n.strip() for n in row)]

    def short(name: str) -> str:
        return name.strip().strip("()").removeprefix("transpiler.")

    enforced: list[Any] = [sorted(short(n) for n in layer.replace(":", "|").split("|"))
                           for layer in CONTRACTS["layers"]["layers"]]
    assert [sorted(row) for row in shown] == enforced
