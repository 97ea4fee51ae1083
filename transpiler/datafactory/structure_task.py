"""`amazon-pull-structure`: Amazon's product type definitions in, the Product-Live table out.

Inputs: `productTypes` (names separated by commas or spaces; empty or `tracked`: the types already
in the definitions store), `keywords` (pull the types Amazon finds for them), `partner`.
Outputs: `file` (the table structure XML, for table-import-schema INCREMENTAL), `report` (what
changed per product type, JSON), `counts` and `message`.

It is `pl-amazon pull` followed by `pl-amazon regenerate` on the worker's definitions store and
generated folder, under the structure lock, so a publication in another worker never reads a
half-rewritten mapping. The pull is all or nothing: a failure leaves the store as it was.
"""

from __future__ import annotations

import json
from typing import Any

from transpiler.datafactory.context import WorkerContext
from transpiler.datafactory.inputs import ExecutionInputs, TaskFailure
from transpiler.datafactory.outcome import TaskOutcome
from transpiler.errors import ConfigError, PlAmazonError, UnknownProductTypeError

TRACKED = "TRACKED"


def run(context: WorkerContext, inputs: ExecutionInputs) -> TaskOutcome:
    from transpiler.amazon.definitions import definitions_dir
    from transpiler.config import TABLE_KEY
    from transpiler.emit.regenerate import regenerate
    from transpiler.pull.fetch import pull
    from transpiler.pull.report import result_document

    names = [n for n in inputs.names("productTypes") if n != TRACKED]
    keywords = inputs.text("keywords")
    try:
        settings = context.amazon_settings(inputs.text("partner"))
    except ConfigError as exc:
        raise TaskFailure(f"Réglages Amazon inutilisables : {exc.one_line()}", "SETTINGS") from None
    marketplace, locale = settings.marketplace_id, settings.locale
    with context.structure_lock(shared=False):
        try:
            with context.client_for(settings) as client:
                result = pull(client, names, assets_root=context.assets_root, marketplace_id=marketplace,
                              locale=locale, search=keywords)
        except UnknownProductTypeError as exc:
            raise TaskFailure(f"Type de produit inconnu d'Amazon pour la place de marché {marketplace} : "
                              f"{exc.product_type}", "UNKNOWN_PRODUCT_TYPE") from None
        except PlAmazonError as exc:
            raise TaskFailure(f"Les définitions n'ont pas pu être récupérées chez Amazon (rien n'a changé) : "
                              f"{exc.one_line()}", "PULL") from None
        try:
            regenerated = regenerate(context.workspace_for(settings),
                                     assets=definitions_dir(context.assets_root, marketplace, locale),
                                     cache_dir=context.state_dir / "regenerate")
        except PlAmazonError as exc:
            raise TaskFailure(f"La structure n'a pas pu être produite : {exc.one_line()}", "REGENERATE") from None
        table = context.generated_root / "productlive" / f"{TABLE_KEY}.xml"
        structure = inputs.workdir / f"{TABLE_KEY}.xml"
        structure.write_bytes(table.read_bytes())
    counts: dict[str, Any] = {status: sum(1 for t in result.types if t.status == status)
                              for status in ("new", "updated", "unchanged")}
    document = result_document(result)
    document["regenerated"] = {r.name: {"skipped": r.skipped, "written": len(r.written)} for r in regenerated.runs}
    report = inputs.workdir / "changes.json"
    report.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    changed = ", ".join(f"{t.name} ({'nouveau' if t.status == 'new' else 'modifié'})" for t in result.changed)
    message = (f"Structure Amazon : {len(result.types)} type(s) de produit, {counts['new']} nouveau(x), "
               f"{counts['updated']} modifié(s), {counts['unchanged']} inchangé(s)"
               + (f" — {changed}" if changed else ""))
    return TaskOutcome({"counts": counts, "message": message, "productTypes": [t.name for t in result.types]},
                       {"file": structure, "report": report})
