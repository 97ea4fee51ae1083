"""`amazon-publish`: a Product-Live items export to Amazon, and the acknowledgement back.

Inputs: `file` (the export), `mode` (auto | create | enrich), `via` (auto | listings | feed),
`preview` (true: VALIDATION_PREVIEW), `partner` (vendor code; default: the worker's).
Outputs: `file` (acknowledgements XML for table-import-items), `report` (report.json), `counts`
(items per status) and `message` (French summary).

When the seller's journal holds an interrupted run (Data Factory retries the execution of a killed
worker), the run resumes it: items the killed run had sent are recognised on Amazon and not sent
again. Otherwise it is a fresh run, and items already answered with the same payload are not sent
again either. Items Amazon
refuses are a normal result (the acknowledgement tells the user what to fix); the execution fails
only when nothing could be published: an unreadable export, unusable settings, a seller busy
elsewhere for too long.
"""

from __future__ import annotations

from typing import Any

from transpiler.datafactory.context import WorkerContext
from transpiler.datafactory.inputs import ExecutionInputs, TaskFailure, TaskInputError
from transpiler.datafactory.outcome import TaskOutcome, status_summary
from transpiler.errors import ConfigError, PlAmazonError


def run(context: WorkerContext, inputs: ExecutionInputs) -> TaskOutcome:
    from transpiler.publish.journal import Journal, JournalError
    from transpiler.publish.run import PublishOptions, publish
    from transpiler.publish.target import check_settings

    mode = inputs.choice("mode", ("auto", "create", "enrich"), "auto")
    via = inputs.choice("via", ("auto", "listings", "feed"), "auto")
    preview = inputs.flag("preview")
    if preview and via == "feed":
        raise TaskInputError("via", "l'aperçu (preview) n'est possible qu'article par article : choisissez "
                                    "« listings » ou « auto »")
    partner = inputs.text("partner")
    try:
        settings = context.amazon_settings(partner)
        check_settings(settings)
    except ConfigError as exc:
        raise TaskFailure(f"Réglages Amazon inutilisables pour ce fournisseur : {exc.one_line()}",
                          "SETTINGS") from None
    items = inputs.file("file", "items.xml")
    out_dir = inputs.workdir / "out"
    defaults = context.publish
    journal = context.journal_path(settings)
    options = PublishOptions(mode=mode, via=via, preview=preview, out_dir=out_dir, journal=journal,
                             cache_dir=context.state_dir,
                             follow_up_delay=defaults.follow_up_delay, follow_up_timeout=defaults.follow_up_timeout,
                             feed_poll=defaults.feed_poll, workers=defaults.prepare_workers)
    with context.seller_lock(settings):
        table = context.mapping_set()
        try:
            with Journal(journal, context.seller_key(settings)) as existing:
                options.resume = existing.unfinished_run() is not None  # a killed worker's run
            with context.client_for(settings) as client:
                result = publish(items, context.workspace_for(settings), options, client=client, table=table,
                                 **context.timing())
        except JournalError as exc:
            raise TaskFailure(f"Le journal de publication de ce fournisseur est inutilisable : {exc.one_line()}",
                              "JOURNAL") from None
        except PlAmazonError as exc:
            raise TaskFailure(f"La publication n'a pas pu avoir lieu : {exc.one_line()}", "PUBLISH") from None
    summary = result.summary
    file_errors = [e.replace(str(items), "export") for e in result.file_errors]
    if file_errors and not summary["items"]:
        raise TaskFailure("L'export d'articles est illisible, rien n'a été publié : " + "; ".join(file_errors),
                          "BAD_EXPORT")
    counts: dict[str, Any] = {"items": summary["items"], **summary["statuses"], "failed": summary["failed"],
                              "unchanged": summary["unchanged"]}
    message = status_summary(summary["items"], summary["statuses"],
                             "Aperçu Amazon" if preview else "Publication Amazon")
    if summary["unchanged"]:
        message += f" ; {summary['unchanged']} inchangé(s) depuis leur dernière soumission, non renvoyé(s)"
    if file_errors:
        message += " ; attention, l'export est incomplet (fin de fichier illisible) : " + "; ".join(file_errors)
    output: dict[str, Any] = {"counts": counts, "message": message, "via": summary["via"], "fileErrors": file_errors}
    return TaskOutcome(output, {"file": result.acknowledgements_path, "report": result.report_path})
