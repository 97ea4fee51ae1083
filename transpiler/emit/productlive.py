"""Product-Live emitter: generated/productlive/AMAZON_FR.xml and generated/mapping/<TYPE>.json.

The XML is rendered by the jinja2 template templates/productlive/table.xml.j2 from the plain
table structure of `structure.build_table`; nothing here reads a schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jinja2

from transpiler.compiler.model import ProductType
from transpiler.emit import readiness
from transpiler.emit.regenerate import REPO, write_if_changed
from transpiler.emit.structure import LEVEL_KEY, PARTITIONS, SCREEN_KEY, Table, _width, build_table
from transpiler.mapping.identifiers import CLASSIFICATION_KEY
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
    template = _environment().get_template("table.xml.j2")
    return template.render(
        t=table,
        level=LEVEL_KEY,
        partitions=PARTITIONS,
        classification=CLASSIFICATION_KEY,
        readiness_key=readiness.KEY,
        screen_key=SCREEN_KEY,
        section_positions={key: i + 1 for i, (key, _) in enumerate(table.sections)},
        widths={f.key: _width(f.type) for f in table.fields},
    )


def sorted_types(product_types: Sequence[ProductType]) -> list[ProductType]:
    return sorted(product_types, key=lambda pt: (pt.name, pt.marketplace_id or "", pt.locale or ""))


def emit(product_types: Sequence[ProductType], out_dir: Path) -> list[Path]:
    """Write the table XML and one mapping per product type; return every path this emitter owns."""
    table = build_table(sorted_types(product_types))
    outputs = []
    xml_path = out_dir / "productlive" / f"{table.key}.xml"
    write_if_changed(xml_path, render_table(table))
    outputs.append(xml_path)
    for mapping in table.mappings:
        path = mapping_path(out_dir / "mapping", mapping.category)
        write_if_changed(path, mapping_json(mapping))
        outputs.append(path)
    return outputs
