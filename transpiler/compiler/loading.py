"""Load, check and compile definitions from disk, with an in-process cache keyed by checksum.

Not pure (reads files), so it sits beside the pure compiler rather than inside it.
"""

from __future__ import annotations

from pathlib import Path

from transpiler.amazon import definitions, vocabulary
from transpiler.compiler.model import ProductType
from transpiler.compiler.product_type import compile_definition

_CACHE: dict[tuple[str, str], tuple[definitions.Definition, ProductType]] = {}


def load_compiled(path: Path, *, check: bool = True) -> tuple[definitions.Definition, ProductType]:
    """The definition read from `path` and its compiled product type (cached by path and checksum).

    Checks the schema against Amazon's meta-schema first (SchemaError with a pointer on failure).
    """
    definition = definitions.load_definition(path)
    key = (str(path.resolve()), definition.checksum)
    if key not in _CACHE:
        if check:
            vocabulary.check_schema(definition.schema, str(path), definition.name)
        _CACHE[key] = (definition, compile_definition(definition))
    return _CACHE[key]


def load_product_type(
    name_or_path: str | Path,
    *,
    root: Path | None = None,
    marketplace_id: str = "A13V1IB3VIYZZH",
    locale: str = "fr_FR",
    check: bool = True,
) -> ProductType:
    """Compile a product type given by name (looked up in assets) or schema path."""
    path = definitions.resolve(str(name_or_path), root=root, marketplace_id=marketplace_id, locale=locale)
    return load_compiled(path, check=check)[1]


def load_all(
    directory: Path | None = None, *, marketplace_id: str = "A13V1IB3VIYZZH", locale: str = "fr_FR"
) -> list[ProductType]:
    """Every product type of a definitions folder (default: the project's fr_FR assets), by name."""
    folder = directory or definitions.definitions_dir(definitions.default_assets_root(), marketplace_id, locale)
    return [load_product_type(p) for p in definitions.list_schema_files(folder)]
