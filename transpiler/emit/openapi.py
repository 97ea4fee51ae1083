"""`generated/amazon/parameters.json`: the parameters of Amazon's OpenAPI models, for the sandbox.

Derived at `make regenerate` time from `../shared/amazon/openapi` (the `shared` setting,
`PL_AMAZON_SHARED`, names another folder) by `transpiler.amazon.openapi_parameters.parameter_table`.
Where those files are absent (a user's machine, a clone without the corpus beside it) the committed
table is kept as it is: the sandbox still validates, and `tests/test_openapi_parameters.py` checks
the table against the files wherever they are present (CI).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from transpiler.amazon.openapi_parameters import MODEL_FILES, parameter_table, read_models, render
from transpiler.config import Settings
from transpiler.workspace import REPO, Workspace

OUTPUT = Path("amazon") / "parameters.json"


def openapi_folder(settings: Settings) -> Path:
    """Where Amazon's OpenAPI models are: `<shared>/amazon/openapi`, `shared` beside the checkout by default."""
    shared = Path(settings.shared) if settings.shared else REPO.parent / "shared"
    return shared / "amazon" / "openapi"


def emit(_product_types: Sequence[object], out_dir: Path, workspace: Workspace) -> list[Path]:
    """Write the parameter table (or keep the committed one when the models are not at hand)."""
    from transpiler.emit.regenerate import write_if_changed

    target = out_dir / OUTPUT
    folder = openapi_folder(workspace.settings)
    if not all((folder / name).is_file() for name in MODEL_FILES):
        return [target] if target.exists() else []
    write_if_changed(target, render(parameter_table(read_models(folder))))
    return [target]
