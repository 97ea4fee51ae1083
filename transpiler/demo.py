"""`make demo`: the whole story on the embedded sandbox, in under two minutes.

1. start the local SP-API sandbox (fresh data, Amazon's rate limits);
2. regenerate the Product-Live table and the field mapping from the sample definitions;
3. publish the committed sample export `examples/items.xml` (a variation family, new products with
   EANs, enrichments of ASINs of the sandbox catalog, a few deliberately broken items) through the
   real client;
4. wait for Amazon's processing (follow-up reads: new ASINs, issues raised after acceptance);
5. print the summary and leave `out/demo/acknowledgements.xml` (for Product-Live's
   table-import-items) and `out/demo/report.json`;
6. stop the sandbox.

The exit code says whether the story ran as expected: every SKU must end with the status
`examples/expected.json` gives it (the broken items are expected to be INVALID).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "items.xml"
EXPECTED = REPO / "examples" / "expected.json"
OUT = Path("out") / "demo"


def run_demo(out_dir: Path = OUT, items: Path = EXAMPLE, expected_file: Path = EXPECTED, *,
             sandbox_time: bool = False) -> int:
    """Returns the process exit code (0 when every item ended as expected).

    The sandbox is served on loopback and the client pauses at Amazon's rates, as a person watching
    expects. `sandbox_time` runs the same story on the sandbox's clock instead: the client's
    rate-limit pauses and the publisher's waits for Amazon's processing advance that clock rather
    than wait (the tests tell the story this way, in a fraction of the time).
    """
    from rich.console import Console

    from transpiler.config import Settings
    from transpiler.emit.regenerate import regenerate
    from transpiler.publish.console import RichProgress, estimate_items, render_summary
    from transpiler.publish.run import PublishOptions, publish
    from transpiler.sandbox.runner import start_sandbox
    from transpiler.workspace import Workspace

    console = Console(width=200) if not sys.stdout.isatty() else Console()
    console.rule("1. sandbox SP-API local")
    data = Path(tempfile.mkdtemp(prefix="pl-amazon-demo-"))
    sandbox = start_sandbox(data=data)
    try:
        registration = sandbox.registration
        settings = Settings().with_overrides(
            spapi_url=sandbox.url, lwa_url=sandbox.lwa_url, client_id=registration.client_id,
            client_secret=registration.client_secret, refresh_token=registration.refresh_token,
            seller_id=registration.vendor_code,
        )
        workspace = Workspace.create(settings)
        console.print(f"sandbox sur {sandbox.url} (vendeur {registration.vendor_code}, place de marché "
                      f"{settings.marketplace_id}, limites de débit d'Amazon)")
        console.rule("2. régénération de la table Product-Live et du mapping")
        result = regenerate(workspace)
        for r in result.runs:
            state = "à jour" if r.skipped else f"{len(r.written)} fichier(s) écrit(s)"
            console.print(f"{r.name} : {state} ({len(r.outputs)} fichiers)")
        console.rule(f"3. publication de {items.relative_to(REPO) if items.is_relative_to(REPO) else items}")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        options = PublishOptions(out_dir=out_dir, journal=data / "journal.sqlite3", cache_dir=data, via="listings",
                                 follow_up_delay=1.0, follow_up_timeout=30.0)
        progress = RichProgress(Console(stderr=True), estimate_items(items))
        timing: dict[str, Any] = {}
        if sandbox_time:
            from transpiler.spapi import client_from_settings

            timing = {"clock": sandbox.now, "sleep": sandbox.sleep,
                      "client": client_from_settings(settings, sleep=sandbox.sleep, clock=sandbox.now)}
        try:
            outcome = publish(items, workspace, options, progress=progress, **timing)
        finally:
            progress.stop()
            if "client" in timing:
                timing["client"].close()
        console.rule("4. accusés de réception (après traitement par Amazon)")
        report = json.loads(outcome.report_path.read_text(encoding="utf-8"))
        render_summary(console, outcome.summary, report)
        console.print(f"accusés Product-Live : {outcome.acknowledgements_path}")
        console.print(f"rapport JSON : {outcome.report_path}")
    finally:
        sandbox.stop()
        shutil.rmtree(data, ignore_errors=True)
    console.rule("5. vérification du scénario")
    return verdict(console, report, json.loads(expected_file.read_text(encoding="utf-8")))


def verdict(console: Any, report: dict[str, Any], expected: dict[str, str]) -> int:
    """0 when every SKU of `expected` ended with its status in `report` (and nothing else came
    back, and the file was read whole), else 1; says what differs on `console`."""
    got = {item["sku"]: item["status"] for item in report["items"] if item.get("sku")}
    wrong = {sku: (status, got.get(sku)) for sku, status in expected.items() if got.get(sku) != status}
    extra = sorted(set(got) - set(expected))
    for sku, (want, have) in sorted(wrong.items()):
        console.print(f"[red]{sku} : attendu {want}, obtenu {have or 'aucun accusé'}[/]")
    for sku in extra:
        console.print(f"[red]{sku} : accusé inattendu ({got[sku]})[/]")
    if wrong or extra or report["summary"].get("fileErrors"):
        console.print("[red]le scénario ne s'est pas déroulé comme prévu[/]")
        return 1
    invalid = sum(1 for s in expected.values() if s == "INVALID")
    console.print(f"[green]scénario conforme : {len(expected)} articles, dont {invalid} refusés comme prévu[/]")
    return 0
