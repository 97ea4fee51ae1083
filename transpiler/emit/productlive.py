"""Product-Live emitter: generated/productlive/AMAZON_FR.xml and generated/mapping/<TYPE>.json.

The XML is rendered by the jinja2 template templates/productlive/table.xml.j2 from the records of
`structure.build_structure`; nothing here reads a schema or decides anything about the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jinja2

from transpiler.compiler.model import ProductType
from transpiler.emit.regenerate import REPO, write_if_changed
from transpiler.emit.structure import build_structure
from transpiler.emit.table_records import Table
from transpiler.mapping.json_codec import mapping_json, mapping_path

TEMPLATES = REPO / "templates" / "productlive"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_table(table: Table) -> str:
    """The table-import-schema XML of `table` (deterministic: same table, same bytes)."""
    return _environment().get_template("table.xml.j2").render(t=table)


def sorted_types(product_types: Sequence[ProductType]) -> list[ProductType]:
    return sorted(product_types, key=lambda pt: (pt.name, pt.marketplace_id or "", pt.locale or ""))


def emit(product_types: Sequence[ProductType], out_dir: Path) -> list[Path]:
    """Write the table XML and one mapping per product type; return every path this emitter owns."""
    structure = build_structure(sorted_types(product_types))
    table = structure.table
    outputs = []
    xml_path = out_dir / "productlive" / f"{table.key}.xml"
    write_if_changed(xml_path, render_table(table))
    outputs.append(xml_path)
    for mapping in structure.mappings:
        path = mapping_path(out_dir / "mapping", mapping.category)
        write_if_changed(path, mapping_json(mapping))
        outputs.append(path)
    return outputs
