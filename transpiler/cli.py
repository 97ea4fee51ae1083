"""The `pl-amazon` command line. Thin: parse options, call one function, render the result.

Heavy imports happen inside commands so `pl-amazon --help` starts instantly. Any
`PlAmazonError` becomes one line on stderr and exit code 2 (full traceback with --debug).
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from transpiler.config import FRANCE_LOCALE, FRANCE_MARKETPLACE_ID, TABLE_KEY
from transpiler.errors import PlAmazonError

if TYPE_CHECKING:
    from transpiler.config import Settings
    from transpiler.workspace import Workspace


class _Group(click.Group):
    """Turns the tool's own errors, and click's usage errors, into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            command = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
            click.echo(f"error: {command}{exc.format_message()}".splitlines()[0], err=True)
            ctx.exit(exc.exit_code)
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
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=str),
              help="Settings file (TOML; default: PL_AMAZON_CONFIG or ~/.config/pl-amazon/config.toml).")
@click.pass_context
def main(ctx: click.Context, debug: bool, config_file: str | None) -> None:
    """Bridge between Product-Live and Amazon's Selling Partner API (Vendor Central France)."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["config"] = config_file


def _settings() -> Settings:
    """The settings of this invocation: `--config` file, secrets manager, environment (read once here)."""

    from transpiler.config import load_settings

    config_file = (click.get_current_context().obj or {}).get("config")
    return load_settings(Path(config_file) if config_file else None)


def _workspace(settings: Settings | None = None, **roots: Any) -> Workspace:
    """The workspace this command passes down (settings, assets and generated roots, registries)."""
    from transpiler.workspace import Workspace

    given = {name: value for name, value in roots.items() if value}
    return Workspace.create(settings or _settings(), **given)


@main.command()
@click.argument("schema")
@click.option("--json", "as_json", is_flag=True, help="Print the attribute model as JSON.")
@click.option("--no-check", is_flag=True, help="Skip the meta-schema check.")
def inspect(schema: str, as_json: bool, no_check: bool) -> None:
    """Compile SCHEMA (a schema file or a product type name from assets/) and show its model."""
    from transpiler.compiler.loading import load_product_type
    from transpiler.compiler.report import product_type_document

    product_type = load_product_type(schema, workspace=_workspace(), check=not no_check)
    if as_json:
        click.echo(json.dumps(product_type_document(product_type), indent=2, ensure_ascii=False))
        return
    from transpiler.compiler.table import render_table

    render_table(product_type, sys.stdout)


# --- regenerate: Product-Live table, field mapping and models from the attribute model ---------


@main.command()
@click.option("--assets", "assets", type=click.Path(file_okay=False, path_type=str),
              help="Definitions store root (as for pull) or a folder of definitions (default: assets/amazon).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=str),
              help="Output root (default: generated/).")
@click.option("--report", is_flag=True,
              help="Per product type: fields, options, rules, conditions native vs left to the publisher.")
@click.option("--json", "as_json", is_flag=True, help="With --report: print the report as JSON.")
@click.option("--force", is_flag=True, help="Ignore the cache and run every emitter.")
def regenerate(assets: str | None, out: str | None, report: bool, as_json: bool, force: bool) -> None:
    """Write generated/ (Product-Live table XML, field mapping, models); a no-op on an unchanged tree."""
    from transpiler.emit.regenerate import regenerate as run

    workspace = _workspace(assets_root=assets, generated_root=out)
    result = run(workspace, force=force)
    for r in result.runs:
        state = "up to date" if r.skipped else f"{len(r.written)} written, {len(r.removed)} removed"
        click.echo(f"{r.name}: {state} ({len(r.outputs)} files)", err=True)
    if report:
        from transpiler.compiler.loading import load_all
        from transpiler.emit.report import build_report, render_report

        product_types = result.product_types or load_all(workspace)
        document = build_report(product_types)
        click.echo(json.dumps(document, indent=2, ensure_ascii=False) if as_json else render_report(document))


# --- check: validate a listing payload exactly as Amazon's schema does ---------------------------


@main.command()
@click.argument("schema")
@click.argument("payload", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the verdict and issues as JSON.")
def check(schema: str, payload: str, as_json: bool) -> None:
    """Validate PAYLOAD (a listing's attributes, or a full listing body) against SCHEMA.

    SCHEMA is a schema file or a product type name from assets/. Exit 0 when valid, 1 when
    invalid, 2 on bad input (unknown product type, unreadable or non-JSON payload).
    """

    from transpiler.amazon.json_text import JsonTextError, read_json
    from transpiler.errors import PlAmazonError
    from transpiler.input_files import read_regular
    from transpiler.validation.validate import MAX_PAYLOAD_BYTES, validator_for_product_type

    validator = validator_for_product_type(schema, workspace=_workspace(), generate_model=_model_generator(schema))
    try:
        document = read_json(read_regular(payload, MAX_PAYLOAD_BYTES))
    except OSError as exc:
        raise PlAmazonError(f"{payload}: cannot read file: {exc.strerror or exc}") from exc
    except JsonTextError as exc:
        raise PlAmazonError(f"{payload}: invalid JSON, {exc}") from exc
    issues = validator.check_document(document)
    if as_json:
        document = {
            "productType": validator.name,
            "status": "INVALID" if issues else "VALID",
            "issues": [issue.as_json() for issue in issues],
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        click.echo(f"{validator.name}: {'invalide' if issues else 'valide'} ({len(issues)} problème(s))")
        for issue in issues:
            names = ", ".join(issue.attribute_names) or "-"
            click.echo(f"  {issue.severity} {issue.code} [{', '.join(issue.categories)}] {names} {issue.path or '/'}: "
                       f"{issue.text}")
    sys.exit(1 if issues else 0)


def _model_generator(schema: str) -> Any:
    """For a schema given as a file, the models generator: such a file usually has no module in
    generated/models, so its model is generated in memory. A product type name must have one (a
    stale model then says "run make regenerate")."""

    if Path(schema).suffix != ".json" and not Path(schema).is_file():
        return None
    from transpiler.emit.models import build_model

    return build_model


@main.command()
@click.argument("items", type=click.Path(dir_okay=False, path_type=str))
@click.option("--table", "table_path", type=click.Path(dir_okay=False, path_type=str),
              help=f"Table structure XML (default: generated/productlive/{TABLE_KEY}.xml).")
@click.option("--indicator", default=None,
              help="Conditional formatting to evaluate (default: each item's level's, all of them for a flat item).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
def readiness(items: str, table_path: str | None, indicator: str | None, as_json: bool) -> None:
    """The status Product-Live shows for each item of ITEMS (an items export), and why.

    Judges the table's own rules (its Conditional-Formatting), read from the table XML. Exit 0 when
    every item has the default status ("Prêt pour Amazon"), 1 otherwise, 2 on bad input.
    """
    from collections import Counter

    from transpiler.config import TABLE_KEY
    from transpiler.errors import PlAmazonError
    from transpiler.productlive.readiness import judge_file
    from transpiler.productlive.table_rules import read_table

    default = _workspace().generated_root / "productlive" / f"{TABLE_KEY}.xml"
    table = read_table(Path(table_path) if table_path else default)
    if indicator is not None and table.indicator(indicator) is None:
        raise PlAmazonError(f"the table has no conditional formatting {indicator!r} "
                            f"(it has: {', '.join(i.key for i in table.indicators) or 'none'})")
    defaults = {i.default[0] for i in table.indicators if indicator in (None, i.key)}
    counts: Counter[str] = Counter()
    verdicts = []
    for verdict in judge_file(Path(items), table, indicator):
        counts[verdict.title] += 1
        verdicts.append(verdict)
        if as_json:
            continue
        shown = f"  (Product-Live affichait : {verdict.exported})" if verdict.exported and \
            verdict.exported != verdict.status else ""
        click.echo(f"{verdict.sku or '(sans SKU)'} : {verdict.title}{shown}")
        for finding in verdict.findings:
            click.echo(f"    {finding.message}")
    if as_json:
        click.echo(json.dumps({"indicator": indicator or "per level", "items": [v.as_json() for v in verdicts],
                               "summary": dict(counts)}, indent=2, ensure_ascii=False))
    else:
        click.echo(f"{len(verdicts)} article(s) : " + ", ".join(f"{n} {title}" for title, n in counts.items()))
    sys.exit(0 if all(v.status in defaults for v in verdicts) else 1)


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out") / "demo",
              show_default=True, help="Folder for the acknowledgements and the report (emptied first).")
@click.option("--no-wait", is_flag=True,
              help="Tell the same story without pausing: the sandbox's clock moves instead of waiting for it.")
def demo(out_dir: Path, no_wait: bool) -> None:
    """Run the main job end to end on the embedded defaults."""
    from transpiler.demo import run_demo

    sys.exit(run_demo(out_dir=out_dir, sandbox_time=no_wait))


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

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _settings()
    prod = is_production(settings, forced=production)
    click.echo(f"authorization app on http://{host}:{port}/ ({'production' if prod else 'sandbox'} mode)", err=True)
    serve(settings, host=host, port=port, production=prod, account_type=account_type)


@authorize.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def authorize_list(as_json: bool) -> None:
    """List the partners whose refresh token is stored (never the tokens)."""
    from dataclasses import asdict

    from transpiler.authorize.store import TokenStore

    store = TokenStore.open_without_key(_settings())
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
    from transpiler.errors import ConfigError

    if not TokenStore.open_without_key(_settings()).revoke(partner):
        raise ConfigError(f"no stored token for partner {partner!r}")
    click.echo(f"token of {partner} deleted; to cut access at Amazon too, remove the app under "
               "'Manage your apps' in Vendor/Seller Central")


@authorize.command("new-key")
def authorize_new_key() -> None:
    """Print a new token encryption key for PL_AMAZON_TOKEN_KEY."""
    from transpiler.authorize.store import new_key

    click.echo(new_key())


# --- pull, diff, config: Amazon's product structure and the settings that reach it -----------


@main.command()
@click.argument("product_types", nargs=-1)
@click.option("--search", "keywords", help="Pull the product types Amazon finds for these keywords (comma-separated).")
@click.option("--all", "all_types", is_flag=True, help="Pull every product type of the marketplace.")
@click.option("--requirements", type=click.Choice(["LISTING_PRODUCT_ONLY", "LISTING", "LISTING_OFFER_ONLY"]),
              default="LISTING_PRODUCT_ONLY", show_default=True, help="Which requirements the schemas carry.")
@click.option("--locale", help=f"Locale of labels and values (default: settings, {FRANCE_LOCALE}).")
@click.option("--marketplace", "marketplace_id", help=f"Marketplace id (default: settings, {FRANCE_MARKETPLACE_ID}).")
@click.option("--assets", "assets", type=click.Path(file_okay=False, path_type=str),
              help="Root of the definitions store (default: assets/amazon); files go to DIR/<marketplace>/<locale>/.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 32),
              help="Definitions fetched at once (Amazon's rate limits still apply).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome (and diffs) as JSON.")
def pull(product_types: tuple[str, ...], keywords: str | None, all_types: bool, requirements: str,
         locale: str | None, marketplace_id: str | None, assets: str | None, workers: int, as_json: bool) -> None:
    """Fetch product type definitions from Amazon (default: refresh those already in the manifest)."""

    from rich.console import Console

    from transpiler.pull.fetch import pull as run
    from transpiler.pull.report import RichProgress, render_result, result_document
    from transpiler.spapi import client_from_settings, shared_limiter

    settings = _settings().with_overrides(locale=locale, marketplace_id=marketplace_id)
    workspace = _workspace(settings, assets_root=assets)
    progress = RichProgress(Console(stderr=True))
    limiter = shared_limiter(Path(".cache/pl-amazon"), spapi_url=settings.spapi_url, client_id=settings.client_id,
                             seller_id=settings.seller_id)
    with client_from_settings(settings, limiter=limiter) as client:
        try:
            result = run(
                client, product_types, assets_root=workspace.assets_root,
                marketplace_id=settings.marketplace_id, locale=settings.locale, requirements=requirements,
                search=keywords, all_types=all_types, workers=workers, progress=progress,
            )
        finally:
            progress.stop()
    if as_json:
        click.echo(json.dumps(result_document(result), indent=2, ensure_ascii=False))
    else:
        render_result(result, Console(width=200) if not sys.stdout.isatty() else Console())


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff(old: str, new: str, as_json: bool) -> None:
    """What changed from schema OLD to schema NEW (files or product type names from assets/)."""
    from transpiler.compiler.diff import diff_document, diff_product_types, render_diff
    from transpiler.compiler.loading import load_product_type

    workspace = _workspace()
    changes = diff_product_types(load_product_type(old, workspace=workspace, check=False),
                                 load_product_type(new, workspace=workspace, check=False))
    if as_json:
        click.echo(json.dumps(diff_document(changes), indent=2, ensure_ascii=False))
    else:
        click.echo(render_diff(changes), nl=False)


@main.group("config")
def config_group() -> None:
    """Inspect the effective settings."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config_show(as_json: bool) -> None:
    """Print the effective settings (environment, config file, secrets manager), secrets masked."""
    settings = _settings().masked()
    if as_json:
        click.echo(json.dumps(settings, indent=2, ensure_ascii=False))
        return
    width = max(len(name) for name in settings)
    for name, value in settings.items():
        click.echo(f"{name:<{width}}  {value}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it on loopback).")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0 = any free port).")
@click.option("--definitions", type=click.Path(exists=True, file_okay=False), default=None,
              help="Product type definitions to serve (default: the project's assets/amazon).")
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Where listings, feeds, documents and tokens are kept (default: .sandbox/).")
@click.option("--faults", default=None, help='Injected faults, e.g. "429=0.1,503=0.05,latency=0.2,seed=7".')
@click.option("--rate-limits", default="amazon", show_default=True,
              help='"amazon" (documented limits), "off", or a factor scaling every rate.')
@click.option("--processing-delay", default=0.3, show_default=True, type=click.FloatRange(0),
              help="Seconds (on the sandbox clock) before an accepted listing gets its ASIN and late issues.")
@click.option("--sqs-endpoint", default="", help="SQS endpoint (e.g. a local moto server) that listings "
              "notifications are delivered to; without it they are only recorded.")
def sandbox(host: str, port: int, definitions: str | None, data: str | None, faults: str | None,
            rate_limits: str, processing_delay: float, sqs_endpoint: str) -> None:
    """Run the local SP-API sandbox (LWA, consent page, definitions, listings, feeds) in the foreground."""

    from transpiler.sandbox.faults import FaultSpecError
    from transpiler.sandbox.rate_limit import RateLimiter
    from transpiler.sandbox.runner import make_settings, serve

    try:
        settings = make_settings(definitions=Path(definitions) if definitions else None,
                                 data=Path(data) if data else None, faults=faults, rate_limits=rate_limits,
                                 listing_processing_delay=processing_delay, sqs_endpoint=sqs_endpoint)
    except FaultSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    try:
        RateLimiter(rate_limits)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate-limits") from None
    serve(settings, host, port, announce=click.echo)


# --- publish: Product-Live items to Amazon, and the acknowledgement back ---------------------


@main.command()
@click.argument("items", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--mode", type=click.Choice(["create", "enrich", "auto"]), default="auto", show_default=True,
              help="create: full listing without ASIN; enrich: existing ASIN; auto: per item.")
@click.option("--via", type=click.Choice(["listings", "feed", "auto"]), default="auto", show_default=True,
              help="Listings Items API, JSON_LISTINGS_FEED, or the feed from 1,500 items.")
@click.option("--preview", is_flag=True, help="VALIDATION_PREVIEW: Amazon checks, nothing is saved.")
@click.option("--resume", is_flag=True, help="Finish an interrupted run (never resends an accepted item).")
@click.option("--force", is_flag=True, help="Resend items even when unchanged since their last submission.")
@click.option("--out", "out_dir", default="out/publish", show_default=True, type=click.Path(file_okay=False),
              help="Where acknowledgements.xml and report.json are written.")
@click.option("--partner", help="Act for this authorized vendor code (its stored refresh token).")
@click.option("--journal", type=click.Path(dir_okay=False), help="Journal file (default: one per target under "
              "CACHE/journal/).")
@click.option("--cache", "cache_dir", default=".cache/pl-amazon", show_default=True,
              type=click.Path(file_okay=False), help="Journals and the rate-limit buckets shared by every run and "
              "worker of the app on this machine.")
@click.option("--follow-up", "follow_up", default=60.0, show_default=True, type=click.FloatRange(0),
              help="At most this many seconds after the last submission reading accepted listings again (ASIN, "
              "later issues); what is still pending is left to `pl-amazon reconcile`; 0 = off.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes preparing the items (mapping, validation); default: every usable core for an export "
              "of 4 MB or more, one otherwise. The output is the same whatever the number.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def publish(items: str, mode: str, via: str, preview: bool, resume: bool, force: bool, out_dir: str,
            partner: str | None, journal: str | None, cache_dir: str, follow_up: float, workers: int | None,
            as_json: bool) -> None:
    """Publish a Product-Live items export (ITEMS.xml) to Amazon and write the acknowledgement.

    Exit code 0 when no item is INVALID or ERROR, 1 otherwise, 2 on unusable input or settings.
    """

    from rich.console import Console

    from transpiler.authorize.store import partner_settings
    from transpiler.productlive.items import ItemsReader
    from transpiler.publish.console import RichProgress, estimate_items
    from transpiler.publish.run import FIRST_FOLLOW_UP, PublishOptions
    from transpiler.publish.run import publish as run
    from transpiler.publish.target import check_settings

    settings = partner_settings(_settings(), partner)
    check_settings(settings)
    workspace = _workspace(settings)
    options = PublishOptions(mode=mode, via=via, preview=preview, resume=resume, force=force, out_dir=Path(out_dir),
                             journal=Path(journal) if journal else None, cache_dir=Path(cache_dir),
                             follow_up_delay=min(FIRST_FOLLOW_UP, follow_up), follow_up_timeout=follow_up,
                             workers=workers)
    ItemsReader(Path(items)).check_file()  # an unreadable export: one line, before any progress bar
    progress = RichProgress(Console(stderr=True), estimate_items(Path(items)))
    try:
        result = run(Path(items), workspace, options, progress=progress)
    finally:
        progress.stop()
    _show_outcome(result, as_json)


@main.command()
@click.option("--journal", type=click.Path(dir_okay=False), help="Journal file (default: one per target under "
              "CACHE/journal/, as for publish).")
@click.option("--out", "out_dir", default="out/publish", show_default=True, type=click.Path(file_okay=False),
              help="Where acknowledgements.xml and report.json are written.")
@click.option("--cache", "cache_dir", default=".cache/pl-amazon", show_default=True,
              type=click.Path(file_okay=False), help="Journals and the shared rate-limit buckets (as for publish).")
@click.option("--partner", help="Act for this authorized vendor code (its stored refresh token).")
@click.option("--sku", "skus", multiple=True, help="Read only this SKU, whatever its state (repeatable).")
@click.option("--from-sqs", "queue_url", help="Read the SKUs to reconcile from Amazon's listings notifications in "
              "this SQS queue (URL); the messages are deleted once the acknowledgement is written.")
@click.option("--max-messages", default=1000, show_default=True, type=click.IntRange(1),
              help="With --from-sqs: at most this many messages per run.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def reconcile(journal: str | None, out_dir: str, cache_dir: str, partner: str | None, skus: tuple[str, ...],
              queue_url: str | None, max_messages: int, as_json: bool) -> None:
    """Read Amazon's state of the listings submitted or accepted without a final outcome (ASIN,
    DISCOVERABLE/BUYABLE status, issues raised since) and write a new acknowledgement.

    Idempotent and safe to schedule hourly. Exit code 0 when no item is INVALID or ERROR, 1
    otherwise, 2 on unusable settings.
    """

    from rich.console import Console

    from transpiler.authorize.store import partner_settings
    from transpiler.publish.console import RichProgress
    from transpiler.publish.reconcile import ReconcileOptions
    from transpiler.publish.reconcile import reconcile as run
    from transpiler.publish.target import check_settings

    settings = partner_settings(_settings(), partner)
    check_settings(settings)
    workspace = _workspace(settings)
    options = ReconcileOptions(journal=Path(journal) if journal else None, out_dir=Path(out_dir),
                               cache_dir=Path(cache_dir), skus=list(skus) or None)
    if queue_url and skus:
        raise click.UsageError("--sku and --from-sqs cannot be used together")
    progress = RichProgress(Console(stderr=True), None)
    try:
        if queue_url:
            from transpiler.publish.notifications import reconcile_from_queue

            result = reconcile_from_queue(workspace, queue_url, options, progress=progress,
                                          max_messages=max_messages).reconciled
        else:
            result = run(workspace, options, progress=progress)
    finally:
        progress.stop()
    summary = result.summary
    followed = f"suivies : {summary['followed']}, état final : {summary['final']}, en attente : {summary['pending']}"
    _show_outcome(result, as_json, followed)


def _show_outcome(result: Any, as_json: bool, *lines: str) -> NoReturn:
    """Print what a publish or reconcile run left (its summary as JSON, or the table of its items,
    `lines` and the files written) and exit with the run's code, the same way for both commands."""
    from rich.console import Console

    from transpiler.publish.console import render_summary

    if as_json:
        click.echo(json.dumps(result.summary, indent=2, ensure_ascii=False))
    else:
        report = json.loads(result.report_path.read_text(encoding="utf-8"))
        console = Console(width=200) if not sys.stdout.isatty() else Console()
        render_summary(console, result.summary, report, show_items=result.summary["items"] <= 200)
        for line in lines:
            console.print(line)
        console.print(f"accusés : {result.acknowledgements_path}  rapport : {result.report_path}")
    sys.exit(result.exit_code)


@main.group()
def notifications() -> None:
    """Amazon's listings notifications (status and issues changes) pushed to an SQS queue."""


@notifications.command("subscribe")
@click.option("--sqs-arn", required=True,
              help="ARN of the SQS queue Amazon sends to (arn:aws:sqs:REGION:ACCOUNT:NAME).")
@click.option("--partner", help="Subscribe this authorized vendor code (its stored refresh token).")
@click.option("--json", "as_json", is_flag=True, help="Print the ids as JSON.")
def notifications_subscribe(sqs_arn: str, partner: str | None, as_json: bool) -> None:
    """Create (or reuse) the destination for the queue and subscribe the vendor to LISTINGS_ITEM_STATUS_CHANGE
    and LISTINGS_ITEM_ISSUES_CHANGE; then `pl-amazon reconcile --from-sqs QUEUE_URL` reads them."""
    from transpiler.authorize.store import partner_settings
    from transpiler.publish.notifications import subscribe
    from transpiler.publish.target import check_settings
    from transpiler.spapi import client_from_settings

    settings = partner_settings(_settings(), partner)
    check_settings(settings)
    with client_from_settings(settings) as client:
        ids = subscribe(client, sqs_arn)
    if as_json:
        click.echo(json.dumps(ids, indent=2))
        return
    click.echo(f"destination {ids['destinationId']}")
    for kind, subscription_id in ids["subscriptions"].items():
        click.echo(f"{kind:<28} subscription {subscription_id}")


# --- Data Factory: the worker that runs the custom tasks, and a local stand-in for Product-Live ---


def _default_state_dir() -> str:
    from transpiler.config import default_worker_state

    return str(default_worker_state())


@main.command()
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Polling loops in this process (each runs one execution at a time).")
@click.option("--tasks", "task_keys", help="Comma-separated task keys to serve (default: every task it can run).")
@click.option("--partner", help="Vendor code to act for when an execution names none (default: PL_AMAZON_SELLER_ID "
              "and PL_AMAZON_REFRESH_TOKEN).")
@click.option("--state", "state_dir", default=_default_state_dir, show_default="~/.local/share/pl-amazon/worker",
              type=click.Path(file_okay=False), help="Journals, locks and work folders; share it between the "
              "workers of one account.")
@click.option("--idle-max", default=15.0, show_default=True, type=click.FloatRange(0.1, 300),
              help="Longest pause between two rounds of polls when there is nothing to do (seconds).")
@click.option("--follow-up", "follow_up", default=5.0, show_default=True, type=click.FloatRange(0),
              help="Seconds before reading accepted listings again after a publication (0 = off).")
def worker(threads: int, task_keys: str | None, partner: str | None, state_dir: str, idle_max: float,
           follow_up: float) -> None:
    """Run the Data Factory custom tasks for Product-Live until SIGTERM (finishes the execution in hand).

    Needs PL_PRODUCTLIVE_API_KEY (and PL_PRODUCTLIVE_API_URL for another host than
    api.product-live.com) plus the Amazon settings (see `pl-amazon config show`).
    """
    import functools
    import logging
    import signal
    from pathlib import Path

    from transpiler.authorize.store import partner_settings
    from transpiler.config import productlive_environment
    from transpiler.datafactory.api import DataFactoryClient
    from transpiler.datafactory.context import PublishDefaults, WorkerContext
    from transpiler.datafactory.settings import from_environ
    from transpiler.datafactory.worker import PollSchedule, WorkerPool, default_runners
    from transpiler.errors import ConfigError
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show signed download links
    runners = default_runners()
    if task_keys:
        wanted = [k.strip() for k in task_keys.split(",") if k.strip()]
        unknown = sorted(set(wanted) - set(runners))
        if unknown:
            raise ConfigError(f"unknown task(s) {', '.join(unknown)} (this worker runs {', '.join(sorted(runners))})")
        runners = {k: runners[k] for k in wanted}
    context = WorkerContext(_workspace(), from_environ(productlive_environment()), Path(state_dir),
                            partner=partner, publish=PublishDefaults(follow_up_delay=follow_up),
                            for_partner=partner_settings)
    context.check()
    context.amazon_settings(None)  # the default partner's token must be readable before polling starts
    client = DataFactoryClient(context.productlive)
    pool = WorkerPool(client, context, runners, threads=threads,
                      schedule=functools.partial(PollSchedule, idle_max=idle_max))

    def finish(signum: int, _frame: object) -> None:
        logging.getLogger("transpiler.datafactory").info(
            "%s: finishing the executions in hand, then stopping", signal.Signals(signum).name)
        pool.stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    try:
        stats = pool.run()
    finally:
        client.close()
    done = sum(s.completed for s in stats)
    failed = sum(s.failed for s in stats)
    click.echo(f"worker stopped: {done} execution(s) completed, {failed} failed", err=True)


@main.group()
def datafactory() -> None:
    """Product-Live Data Factory: a local stand-in, and running jobs by API."""


@datafactory.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8767, show_default=True, type=int, help="Port (0 = any free port).")
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Where uploaded files are kept (default: a temporary folder).")
@click.option("--jobs", "jobs_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of job folders (default: the project's jobs/).")
@click.option("--rate-limit", default=50, show_default=True, type=click.IntRange(0),
              help="Requests per minute per API key (0 = off).")
@click.option("--pipelines", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Job executions running at once.")
def datafactory_serve(host: str, port: int, data: str | None, jobs_dir: str | None, rate_limit: int,
                      pipelines: int) -> None:
    """Serve the local stand-in for Product-Live's Data Factory API until interrupted.

    The API key it accepts is PL_PRODUCTLIVE_API_KEY (default: demo-api-key).
    """
    from pathlib import Path

    from transpiler.config import productlive_environment
    from transpiler.datafactory.standin.runner import DEFAULT_API_KEY, serve

    serve(host=host, port=port, data=Path(data) if data else None, jobs=Path(jobs_dir) if jobs_dir else None,
          api_key=productlive_environment().get("PL_PRODUCTLIVE_API_KEY") or DEFAULT_API_KEY,
          per_minute=rate_limit,
          pipelines=pipelines, announce=lambda line: click.echo(line, err=True))


@datafactory.command("run")
@click.argument("job_id")
@click.option("--input", "inputs", multiple=True, metavar="KEY=VALUE", help="Job input (repeatable).")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait for the job execution to end.")
@click.option("--timeout", default=3600.0, show_default=True, type=click.FloatRange(1), help="Seconds to wait.")
def datafactory_run(job_id: str, inputs: tuple[str, ...], wait: bool, timeout: float) -> None:
    """Start a job execution (POST /v1/data_factory/job_executions) and print it as JSON.

    Exit 0 when it completed (or was started, with --no-wait), 1 when it ended otherwise.
    """
    from transpiler.config import productlive_environment
    from transpiler.datafactory.api import DataFactoryClient
    from transpiler.datafactory.jobs import wait_for_job
    from transpiler.datafactory.settings import from_environ
    from transpiler.errors import ConfigError

    values = {}
    for pair in inputs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--input must be KEY=VALUE, not {pair!r}")
        values[key] = value
    settings = from_environ(productlive_environment())
    settings.check()
    with DataFactoryClient(settings) as client:
        execution = client.start_job(job_id, values)
        if wait:
            execution = wait_for_job(client, str(execution["id"]), timeout=timeout)
    click.echo(json.dumps(execution, indent=2, ensure_ascii=False))
    sys.exit(0 if not wait or execution.get("status") == "COMPLETED" else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
