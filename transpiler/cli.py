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


# --- regenerate: Product-Live table, field mapping and models from the attribute model ---------


@main.command()
@click.option("--assets", "assets", type=click.Path(file_okay=False, path_type=str),
              help="Folder of product type definitions (default: assets/amazon/A13V1IB3VIYZZH/fr_FR).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=str),
              help="Output root (default: generated/).")
@click.option("--report", is_flag=True,
              help="Per product type: fields, options, rules, conditions native vs left to the publisher.")
@click.option("--json", "as_json", is_flag=True, help="With --report: print the report as JSON.")
@click.option("--force", is_flag=True, help="Ignore the cache and run every emitter.")
def regenerate(assets: str | None, out: str | None, report: bool, as_json: bool, force: bool) -> None:
    """Write generated/ (Product-Live table XML, field mapping, models); a no-op on an unchanged tree."""
    from pathlib import Path

    from transpiler.emit.regenerate import regenerate as run

    result = run(Path(assets) if assets else None, Path(out) if out else None, force=force)
    for r in result.runs:
        state = "up to date" if r.skipped else f"{len(r.written)} written, {len(r.removed)} removed"
        click.echo(f"{r.name}: {state} ({len(r.outputs)} files)", err=True)
    if report:
        from transpiler.compiler.loading import load_all
        from transpiler.emit.report import build_report, render_report

        product_types = result.product_types or load_all(Path(assets) if assets else None)
        document = build_report(product_types)
        click.echo(json.dumps(document, indent=2, ensure_ascii=False) if as_json else render_report(document))


@main.command()
def demo() -> None:
    """Run the main job end to end on the embedded defaults."""
    from transpiler.demo import run_demo

    sys.exit(run_demo())


# --- authorize: website authorization workflow and token store -------------------------------


@main.group()
def authorize() -> None:
    """Let a vendor authorize the app (OAuth website workflow) and manage the stored tokens."""


@authorize.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8766, show_default=True, type=int, help="Port to listen on.")
@click.option("--production", is_flag=True, help="Production mode even on loopback: key and redirect URI required.")
@click.option("--account-type", type=click.Choice(["vendor", "seller"]), help="Default: from the consent URL.")
def authorize_serve(host: str, port: int, production: bool, account_type: str | None) -> None:
    """Serve the French authorization pages until interrupted."""
    import logging

    from transpiler.authorize.server import serve
    from transpiler.authorize.store import is_production
    from transpiler.config import load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    prod = is_production(settings, forced=production)
    click.echo(f"authorization app on http://{host}:{port}/ ({'production' if prod else 'sandbox'} mode)", err=True)
    serve(settings, host=host, port=port, production=prod, account_type=account_type)


@authorize.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def authorize_list(as_json: bool) -> None:
    """List the partners whose refresh token is stored (never the tokens)."""
    from dataclasses import asdict

    from transpiler.authorize.store import TokenStore
    from transpiler.config import load_settings

    store = TokenStore.open(load_settings())
    partners = store.partners()
    if as_json:
        click.echo(json.dumps([asdict(p) for p in partners], indent=2))
        return
    if not partners:
        click.echo(f"no authorized partner in {store.path}")
        return
    for p in partners:
        click.echo(f"{p.partner:<12} {p.account_type:<7} {p.selling_partner_id:<30} authorized {p.authorized_at}")


@authorize.command("revoke")
@click.argument("partner")
def authorize_revoke(partner: str) -> None:
    """Delete PARTNER's stored token (the partner also removes the app in Vendor/Seller Central)."""
    from transpiler.authorize.store import TokenStore
    from transpiler.config import load_settings
    from transpiler.errors import ConfigError

    if not TokenStore.open(load_settings()).revoke(partner):
        raise ConfigError(f"no stored token for partner {partner!r}")
    click.echo(f"token of {partner} deleted; to cut access at Amazon too, remove the app under "
               "'Manage your apps' in Vendor/Seller Central")


@authorize.command("new-key")
def authorize_new_key() -> None:
    """Print a new token encryption key for PL_AMAZON_TOKEN_KEY."""
    from transpiler.authorize.store import new_key

    click.echo(new_key())


if __name__ == "__main__":  # pragma: no cover
    main()
