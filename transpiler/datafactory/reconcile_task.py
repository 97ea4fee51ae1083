"""`amazon-reconcile`: Amazon's state of published listings, back into Product-Live.

Inputs: `partner` (vendor code; default: the worker's). Outputs: `file` (acknowledgements XML of the
SKUs read, for table-import-items UPDATE_ONLY), `report` (report.json), `counts` (items per status,
plus followed / final / pending) and `message` (French summary).

It wraps `transpiler.publish.reconcile.reconcile` on the seller's journal in the worker's state
folder: every SKU submitted or accepted without a final outcome is read again (ASIN, listing status,
issues raised since); final outcomes are remembered, so the job is idempotent and safe to schedule
hourly. It takes the seller lock, so it never runs beside a publication for the same seller.
"""

from __future__ import annotations

from typing import Any

from transpiler.datafactory.context import WorkerContext
from transpiler.datafactory.inputs import ExecutionInputs, TaskFailure
from transpiler.datafactory.outcome import TaskOutcome, status_summary
from transpiler.errors import ConfigError, PlAmazonError


def run(context: WorkerContext, inputs: ExecutionInputs) -> TaskOutcome:
    from transpiler.publish.reconcile import ReconcileOptions, reconcile
    from transpiler.publish.target import check_settings

    try:
        settings = context.amazon_settings(inputs.text("partner"))
        check_settings(settings)
    except ConfigError as exc:
        raise TaskFailure(f"Réglages Amazon inutilisables pour ce fournisseur : {exc.one_line()}",
                          "SETTINGS") from None
    options = ReconcileOptions(journal=context.journal_path(settings), out_dir=inputs.workdir / "out",
                               cache_dir=context.state_dir)
    with context.seller_lock(settings):
        table = context.mapping_set()
        try:
            with context.client_for(settings) as client:
                result = reconcile(context.workspace_for(settings), options, client=client, table=table)
        except PlAmazonError as exc:
            raise TaskFailure(f"Le suivi n'a pas pu avoir lieu : {exc.one_line()}", "RECONCILE") from None
    summary = result.summary
    counts: dict[str, Any] = {"items": summary["items"], **summary["statuses"], "followed": summary["followed"],
                              "final": summary["final"], "pending": summary["pending"]}
    message = status_summary(summary["items"], summary["statuses"], "Suivi Amazon")
    message += f" ; {summary['final']} au statut définitif, {summary['pending']} encore en traitement chez Amazon"
    if summary["readErrors"]:
        message += " ; attention, Amazon n'a pas pu être lu pour certains articles : " + "; ".join(
            summary["readErrors"][:3])
    return TaskOutcome({"counts": counts, "message": message, "readErrors": list(summary["readErrors"])},
                       {"file": result.acknowledgements_path, "report": result.report_path})
