"""Load, check and compile definitions from disk, remembered in the workspace's registry.

Not pure (reads files), so it sits beside the pure compiler rather than inside it. A compiled
product type is kept under its schema path and checksum, so an updated file is compiled again.
"""

from __future__ import annotations

from pathlib import Path

from transpiler.amazon import definitions, vocabulary
from transpiler.compiler.model import ProductType
from transpiler.compiler.product_type import compile_definition
from transpiler.workspace import Workspace


def load_compiled(
    path: Path, *, workspace: Workspace | None = None, check: bool = True
) -> tuple[definitions.Definition, ProductType]:
    """The definition read from `path` and its compiled product type (built once per workspace).

    Checks the schema against Amazon's meta-schema first (SchemaError with a pointer on failure).
    """
    workspace = workspace or Workspace.create()
    definition = definitions.load_definition(path, max_bytes=workspace.settings.max_schema_bytes)

    def build() -> tuple[definitions.Definition, ProductType]:
        if check:
            vocabulary.check_schema(definition.schema, str(path), definition.name)
        return definition, compile_definition(definition)

    return workspace.product_types.get_or_build((str(path.resolve()), definition.checksum, check), build)


def load_product_type(
    name_or_path: str | Path, *, workspace: Workspace | None = None, check: bool = True
) -> ProductType:
    """Compile a product type given by name (looked up in the workspace's definitions) or schema path."""
    workspace = workspace or Workspace.create()
    path = definitions.resolve(str(name_or_path), workspace.definitions_dir)
    return load_compiled(path, workspace=workspace, check=check)[1]


def load_all(workspace: Workspace | None = None, directory: Path | None = None) -> list[ProductType]:
    """Every product type of a definitions folder (default: the workspace's), by name."""
    workspace = workspace or Workspace.create()
    folder = directory or workspace.definitions_dir
    return [load_compiled(p, workspace=workspace)[1] for p in definitions.list_schema_files(folder)]
