"""Human-readable view of a compiled product type (for `pl-amazon inspect`)."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table

from transpiler.compiler.model import ProductType
from transpiler.rules.describe import describe


def render_table(product_type: ProductType, out: TextIO) -> None:
    """Attributes as a table (name, title, kind, required, options, rules), then the rules."""
    console = Console(file=out, width=160, soft_wrap=False)
    rules_by_attribute: dict[str, int] = {}
    for condition in product_type.conditions:
        for name in condition.attributes:
            rules_by_attribute[name] = rules_by_attribute.get(name, 0) + 1
    where = f"{product_type.marketplace_id}, {product_type.locale}"
    title = f"{product_type.name} — {product_type.display_name or ''} ({where})"
    table = Table(title=title, show_lines=False)
    for column in ("attribute", "title", "kind", "required", "options", "rules"):
        table.add_column(column)
    for attribute in product_type.attributes:
        options = sum(len(leaf.options) for leaf in attribute.leaves)
        table.add_row(
            attribute.name,
            attribute.title or "",
            attribute.kind.value,
            "yes" if attribute.required else "",
            str(options) if options else "",
            str(rules_by_attribute.get(attribute.name, "")),
        )
    console.print(table)
    inert = sum(1 for c in product_type.conditions if c.inert)
    console.print(
        f"{len(product_type.attributes)} attributes, {len(product_type.leaves)} leaves, "
        f"{len(product_type.conditions)} conditions ({len(product_type.opaque_conditions)} opaque, "
        f"{inert} never applied)"
    )
    for condition in product_type.conditions:
        console.print(f"  {condition.source}: {describe(condition)}", markup=False)
    render_variations(product_type, console)


def render_variations(product_type: ProductType, console: Console) -> None:
    """The variation themes and the attributes each one varies (or why there are none)."""
    variations = product_type.variations
    if not variations.themes:
        console.print("variation themes: none (no variation_theme attribute)")
        return
    parts = [f"parentage {variations.parentage_path or '-'}", f"parent SKU {variations.parent_sku_path or '-'}",
             f"theme {variations.theme_path or '-'}"]
    console.print(f"variation themes ({len(variations.themes)}; {', '.join(parts)}):", markup=False)
    for theme in variations.themes:
        varies = ", ".join(theme.attributes) or "no attribute found"
        label = f" ({theme.label})" if theme.label and theme.label != theme.name else ""
        unresolved = f"; unresolved: {', '.join(theme.unresolved)}" if theme.unresolved else ""
        console.print(f"  {theme.name}{label}: {varies} [from {theme.derived_from}{unresolved}]", markup=False)
