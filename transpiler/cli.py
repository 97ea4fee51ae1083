"""The `pl-amazon` command line. Thin: parse options, call one function, render the result.

Heavy imports happen inside commands so `pl-amazon --help` starts instantly. Any
`PlAmazonError` becomes one line on stderr and exit code 2 (full traceback with --debug).
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

import click

from transpiler.errors import PlAmazonError


class _Group(click.Group):
    """Turns the tool's own errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlAmazonError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {exc.one_line()}", err=True)
            ctx.exit(exc.exit_code)
        except (OSError, ValueError, RecursionError) as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
            ctx.exit(2)


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Bridge between Product-Live and Amazon's Selling Partner API (Vendor Central France)."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@main.command()
@click.argument("schema")
@click.option("--json", "as_json", is_flag=True, help="Print the attribute model as JSON.")
@click.option("--no-check", is_flag=True, help="Skip the meta-schema check.")
def inspect(schema: str, as_json: bool, no_check: bool) -> None:
    """Compile SCHEMA (a schema file or a product type name from assets/) and show its model."""
    from transpiler.compiler.loading import load_product_type
    from transpiler.compiler.report import product_type_document

    product_type = load_product_type(schema, check=not no_check)
    if as_json:
        click.echo(json.dumps(product_type_document(product_type), indent=2, ensure_ascii=False))
        return
    from transpiler.compiler.table import render_table

    render_table(product_type, sys.stdout)


@main.command()
def demo() -> None:
    """Run the main job end to end on the embedded defaults."""
    from transpiler.demo import run_demo

    sys.exit(run_demo())


if __name__ == "__main__":  # pragma: no cover
    main()
