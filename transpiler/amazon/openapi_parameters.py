"""The query and path parameters of Amazon's OpenAPI models, as a compact table, plus the
restrictions the models state only in prose.

The sandbox refuses (400 `InvalidInput`, naming the parameter) what Amazon's model refuses, so a
client mistake — such as asking `includedData=identifiers` outside `VALIDATION_PREVIEW` — shows in
the tests instead of at Amazon. The table is derived from the Swagger 2.0 files
(`../shared/amazon/openapi`) at `make regenerate` time into `generated/amazon/parameters.json`, so
the sandbox works on a machine without those files; a test compares the committed table with the
files. Restrictions written only in descriptions ("Can only be requested when `mode` is
`VALIDATION_PREVIEW`", "Cannot be used with `itemName`") are encoded in `RESTRICTIONS`, each
quoting the sentence it encodes; a test checks every quote is still in the model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the models the sandbox implements (file names in ../shared/amazon/openapi)
MODEL_FILES = ("definitionsProductTypes_2020-09-01.json", "feeds_2021-06-30.json", "listingsItems_2021-08-01.json")

#: parameter keywords kept in the table (Swagger 2.0 parameter object / items object)
_KEPT = ("name", "in", "required", "type", "format", "enum", "default", "collectionFormat", "maxItems", "minItems",
         "maximum", "minimum", "maxLength", "minLength", "pattern")


def parameter_table(models: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """`{"operations": {operationId: {"method", "path", "parameters": [...]}}}` from the models' non-body
    parameters (path and query), keyword by keyword; deterministic (sorted operations)."""
    operations: dict[str, Any] = {}
    for name in sorted(models):
        spec = models[name]
        shared = spec.get("parameters") or {}
        for path, ops in spec.get("paths", {}).items():
            for method, op in ops.items():
                if not isinstance(op, Mapping) or "operationId" not in op:
                    continue
                parameters = []
                for raw in op.get("parameters") or ():
                    if "$ref" in raw:
                        raw = shared[raw["$ref"].rsplit("/", 1)[-1]]
                    if raw.get("in") in ("body", "header", "formData"):
                        continue
                    entry = {k: raw[k] for k in _KEPT if k in raw}
                    if isinstance(raw.get("items"), Mapping):
                        entry["items"] = {k: raw["items"][k] for k in _KEPT if k in raw["items"]}
                    parameters.append(entry)
                operations[op["operationId"]] = {"model": name, "method": method.upper(), "path": path,
                                                 "parameters": parameters}
    return {"operations": dict(sorted(operations.items()))}


def read_models(folder: Path) -> dict[str, dict[str, Any]]:
    """The model files the sandbox implements, by file name."""
    return {name: json.loads((folder / name).read_text(encoding="utf-8")) for name in MODEL_FILES}


def render(table: Mapping[str, Any]) -> str:
    return json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Restriction:
    """A rule a model states in a parameter's description.

    kind:
    - `value-needs`: `parameter` may hold `value` only when `other` equals `other_value`;
    - `needs`: `parameter` may only be given with `other`;
    - `excludes`: `parameter` may not be given with `other`;
    - `max-values`: `parameter` holds at most `limit` values;
    - `alone`: `parameter` must be the only query parameter.
    """

    operation: str
    parameter: str
    kind: str
    quote: str  # the sentence of the parameter's (or enum value's) description this encodes
    other: str | None = None
    value: str | None = None
    other_value: str | None = None
    limit: int | None = None


def _value_needs_preview(operation: str) -> Restriction:
    return Restriction(operation, "includedData", "value-needs", "Can only be requested when `mode` is "
                       "`VALIDATION_PREVIEW`.", other="mode", value="identifiers", other_value="VALIDATION_PREVIEW")


RESTRICTIONS: tuple[Restriction, ...] = (
    _value_needs_preview("putListingsItem"),
    _value_needs_preview("patchListingsItem"),
    Restriction("searchListingsItems", "identifiers", "needs", "This is required when `identifiers` is provided.",
                other="identifiersType"),
    Restriction("searchListingsItems", "identifiersType", "needs", "This is required when you specify "
                "`identifiersType`.", other="identifiers"),
    *(Restriction("searchListingsItems", first, "excludes", quote, other=second) for first, second, quote in (
        ("identifiers", "variationParentSku", "You cannot use 'identifiers' if you specify `variationParentSku`"),
        ("identifiers", "packageHierarchySku", "You cannot use 'identifiers' if you specify `variationParentSku` or "
                                               "`packageHierarchySku`."),
        ("variationParentSku", "packageHierarchySku", "You cannot use `variationParentSku` if you include "
                                                      "`identifiers` or `packageHierarchySku` in your request."),
    )),
    Restriction("searchDefinitionsProductTypes", "keywords", "excludes", "Cannot be used with `itemName`.",
                other="itemName"),
    Restriction("getDefinitionsProductType", "marketplaceIds", "max-values", "This parameter is limited to one "
                "marketplaceId at this time.", limit=1),
    Restriction("getFeeds", "nextToken", "alone", "include this token as the only parameter."),
)


def quoted_in(restriction: Restriction, models: Mapping[str, Mapping[str, Any]]) -> bool:
    """True when the restriction's quote is in the description of its parameter (or of `quote`'s
    parameter for a `needs` rule, whose sentence sits on the other parameter) in the models."""
    for spec in models.values():
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                if not isinstance(op, Mapping) or op.get("operationId") != restriction.operation:
                    continue
                texts = []
                for raw in op.get("parameters") or ():
                    if raw.get("name") in (restriction.parameter, restriction.other):
                        texts.append(" ".join(str(raw.get("description", "")).split()))
                        for value in (raw.get("items") or {}).get("x-docgen-enum-table-extension") or ():
                            texts.append(str(value.get("description", "")))
                return any(" ".join(restriction.quote.split()) in text for text in texts)
    return False


def restrictions_for(operation: str) -> Iterable[Restriction]:
    return (r for r in RESTRICTIONS if r.operation == operation)
