"""Load, check and compile definitions from disk, with an in-process cache keyed by checksum.

Not pure (reads files), so it sits beside the pure compiler rather than inside it.
"""

from __future__ import annotations

from pathlib import Path

from transpiler.amazon import definitions, vocabulary
from transpiler.compiler.model import ProductType
from transpiler.compiler.product_type import compile_definition

_CACHE: dict[tuple[str, str], ProductType] = {}


def load_product_type(
    name_or_path: str | Path,
    *,
    root: Path | None = None,
    marketplace_id: str = "A13V1IB3VIYZZH",
    locale: str = "fr_FR",
    check: bool = True,
) -> ProductType:
    """Compile a product type given by name (looked up in assets) or schema path.

    Checks the schema against Amazon's meta-schema first (SchemaError with a pointer on failure).
    """
    path = definitions.resolve(str(name_or_path), root=root, marketplace_id=marketplace_id, locale=locale)
    definition = definitions.load_definition(path)
    key = (str(path.resolve()), definition.checksum)
    if key in _CACHE:
        return _CACHE[key]
    if check:
        vocabulary.check_schema(definition.schema, str(path), definition.name)
    product_type = compile_definition(definition)
    _CACHE[key] = product_type
    return product_type


def load_all(
    directory: Path | None = None, *, marketplace_id: str = "A13V1IB3VIYZZH", locale: str = "fr_FR"
) -> list[ProductType]:
    """Every product type of a definitions folder (default: the project's fr_FR assets), by name."""
    folder = directory or definitions.definitions_dir(definitions.default_assets_root(), marketplace_id, locale)
    return [load_product_type(p) for p in definitions.list_schema_files(folder)]
