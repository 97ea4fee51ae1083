"""`make demo`: the whole story on the embedded sandbox, in under two minutes.

1. start the local SP-API sandbox (fresh data, Amazon's rate limits);
2. regenerate the Product-Live table and the field mapping from the sample definitions;
3. publish the committed sample export `examples/items.xml` (a variation family, new products with
   EANs, enrichments of ASINs of the sandbox catalog, a few deliberately broken items) through the
   real client;
4. wait for Amazon's processing (follow-up reads: new ASINs, issues raised after acceptance);
5. print the summary and leave `out/demo/acknowledgements.xml` (for Product-Live's
   table-import-items) and `out/demo/report.json`;
6. the same publication the way Modelabs runs it, from Product-Live, on a fresh sandbox: the local
   Data Factory stand-in holds the table (structure and the same items), two workers serve the
   custom tasks, the job "Amazon – publier" exports the items Product-Live marks ready (the others
   are not published), publishes them and imports the acknowledgements back into the table, left
   in `out/demo/datafactory-items.xml`;
7. stop the stand-in and the sandboxes.

The exit code says whether the story ran as expected: every SKU must end with the status
`examples/expected.json` gives it (the broken items are expected to be INVALID), in the direct run
and, for the ready items, in the table after the Data Factory job.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
from dataclasses import replace
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
        console.rule("5. vérification du scénario")
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        direct = verdict(console, report, expected)
    finally:
        sandbox.stop()
    console.rule("6. la même publication depuis Product-Live (Data Factory, deux workers)")
    try:
        # a fresh Amazon, so the job publishes what the direct run published (not "already up to date")
        with start_sandbox(data=data / "sandbox-datafactory") as fresh:
            fresh_settings = settings.with_overrides(spapi_url=fresh.url, lwa_url=fresh.lwa_url)
            table = run_datafactory_job(console, replace(workspace, settings=fresh_settings), items,
                                        data / "datafactory", out_dir,
                                        timing={"clock": fresh.now, "sleep": fresh.sleep} if sandbox_time else None)
        ready = ready_skus(items)
        console.print(f"{len(expected) - len(ready & set(expected))} article(s) non prêts dans Product-Live : "
                      "non exportés, donc ni publiés ni accusés")
        from_table = verdict(console, table, {sku: s for sku, s in expected.items() if sku in ready})
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return direct or from_table


def run_datafactory_job(console: Any, workspace: Any, items: Path, state: Path, out_dir: Path, *,
                        timing: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run "Amazon – publier" through the stand-in with two worker threads; returns the statuses the
    table holds afterwards, shaped like a report (`{"items": [{sku, status}], "summary": {}}`).

    `timing` (`clock=`, `sleep=`: the sandbox's) puts the workers' task runs on the sandbox's time,
    and the workers and the demo then look for work and for the job's end every 0.1 s, not 2 s."""

    from transpiler.config import TABLE_KEY, Secret
    from transpiler.datafactory.api import DataFactoryClient
    from transpiler.datafactory.context import PublishDefaults, WorkerContext
    from transpiler.datafactory.jobs import wait_for_job
    from transpiler.datafactory.settings import ProductLiveSettings
    from transpiler.datafactory.standin.runner import start_standin
    from transpiler.datafactory.worker import PollSchedule, WorkerPool, default_runners

    standin = start_standin(data=state / "standin")
    pool: WorkerPool | None = None
    runner: threading.Thread | None = None
    try:
        standin.seed_structure((workspace.generated_root / "productlive" / f"{TABLE_KEY}.xml").read_bytes())
        count = standin.seed_items(TABLE_KEY, items.read_bytes())
        console.print(f"Product-Live local sur {standin.url} : table {TABLE_KEY}, {count} articles, jobs "
                      f"{', '.join(sorted(standin.factory.jobs))} (50 requêtes par minute)")
        productlive = ProductLiveSettings(standin.url, Secret(standin.api_key))
        context = WorkerContext(workspace, productlive, state / "worker",
                                publish=PublishDefaults(follow_up_delay=1.0, follow_up_timeout=30.0), **(timing or {}))
        client = DataFactoryClient(productlive)
        pause = 0.1 if timing else 2.0
        pool = WorkerPool(client, context, default_runners(), threads=2,
                          schedule=lambda: PollSchedule(busy=min(1.0, pause), idle_max=pause, current=min(1.0, pause)))
        pool.declare()  # fail here, in the open, when the tasks cannot be declared
        runner = threading.Thread(target=pool.run, name="demo-workers", daemon=True)
        runner.start()
        job = client.start_job("amazon-publish", {"via": "listings"})
        console.print(f"job « Amazon – publier » lancé ({job['id']}) : export des articles prêts, publication "
                      "par un des deux workers, import des accusés")
        ended = wait_for_job(client, str(job["id"]), timeout=600, every=pause)
        for task in ended.get("tasks", []):
            console.print(f"  {task['taskReferenceName']:<24} {task['status']}")
        output = ended.get("output") or {}
        console.print(f"job {ended['status']} : {output.get('message', '')}")
        out_dir.mkdir(parents=True, exist_ok=True)
        table = standin.table_items(TABLE_KEY)
        (out_dir / "datafactory-items.xml").write_bytes(table)
        console.print(f"table après import des accusés : {out_dir / 'datafactory-items.xml'}")
    finally:
        if pool is not None:
            pool.stop.set()
        if runner is not None:
            runner.join(timeout=60)
        standin.stop()
    rows = [{"sku": sku, "status": status} for sku, status in table_statuses(table).items()]
    return {"items": rows, "summary": {"fileErrors": [] if ended["status"] == "COMPLETED" else [ended["status"]]}}


def table_statuses(table: bytes) -> dict[str, str]:
    """The publication status the table holds per SKU, at every level: an article's
    `amazon_status`, a variation family's model's `amazon_parent_status` (items the job did not
    export have none)."""
    from lxml import etree

    from transpiler.mapping import publication
    from transpiler.mapping.identifiers import PARENT_SKU, SKU

    statuses = {}
    for item in etree.fromstring(table).iter("Item"):
        for identifier, key in ((SKU, publication.STATUS), (PARENT_SKU, publication.parent_key(publication.STATUS))):
            sku = item.findtext(f"Identifier[@key='{identifier}']")
            status = [f.text for f in item.iterfind("Field") if f.get("key") == key]
            if sku and status:
                statuses[sku] = status[0]
    return statuses


def ready_skus(items: Path) -> set[str]:
    """The SKUs the publication job exports from an items export: the articles whose readiness
    status is READY (or not given: the default), and the models holding one of them."""
    from lxml import etree

    from transpiler.emit.readiness import KEY, READY
    from transpiler.mapping.identifiers import PARENT_SKU, SKU

    ready: set[str] = set()

    def walk(item: etree._Element) -> bool:
        """True when the item or one inside it is a ready article."""
        model = item.findtext(f"Identifier[@key='{PARENT_SKU}']")
        sku = item.findtext(f"Identifier[@key='{SKU}']")
        statuses = [e.text for e in item.iterfind("Conditional-Formatting") if e.get("key") == KEY]
        found = bool(sku) and (not statuses or statuses[0] == READY)
        if found:
            ready.add(sku)
        for child in item.iterfind("Item"):
            found = walk(child) or found
        if found and model:
            ready.add(model)
        return found

    for item in etree.parse(str(items)).getroot().iterfind("Items/Item"):
        walk(item)
    return ready


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
