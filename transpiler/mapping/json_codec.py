"""The JSON form of a mapping: `generated/mapping/<TYPE>.json`, written by regenerate, read by the publisher."""

from __future__ import annotations

import json
from collections.abc import Mapping as MappingABC
from dataclasses import asdict
from pathlib import Path
from typing import Any

from transpiler.mapping.types import AttributeLayout, AttributeRules, Choice, FamilyRules, FieldMapping, Mapping


def mapping_document(mapping: Mapping) -> dict[str, Any]:
    """The JSON form written to generated/mapping/<TYPE>.json (stable key order)."""
    doc = asdict(mapping)
    doc["fields"] = [_field_doc(f) for f in mapping.fields]
    doc["layouts"] = [
        {k: v for k, v in asdict(layout).items() if v not in (None, (), []) and not (k == "fixed" and v is False)}
        for layout in mapping.layouts
    ]
    doc["unmapped"] = [{"path": p, "reason": r} for p, r in mapping.unmapped]
    doc["attributes"] = {rules.name: _rules_doc(rules) for rules in mapping.attributes}
    if mapping.family is None:
        doc.pop("family")
    else:
        family = mapping.family
        doc["family"] = {**asdict(family),
                         "relationship_constants": dict(family.relationship_constants),
                         "contexts": {name: list(paths) for name, paths in family.contexts},
                         "themes": {name: list(axes) for name, axes in family.themes}}
    return doc


def _rules_doc(rules: AttributeRules) -> dict[str, Any]:
    """Only what differs from the defaults (most attributes are editable and identify nothing)."""
    default = AttributeRules(rules.name)
    return {k: v for k, v in asdict(rules).items() if k != "name" and v != getattr(default, k)}


def _field_doc(fm: FieldMapping) -> dict[str, Any]:
    doc = asdict(fm)
    doc["options"] = [_choice_doc(c) for c in fm.options]
    doc["suffixes"] = [_choice_doc(c) for c in fm.suffixes]
    return {k: v for k, v in doc.items() if v not in (None, [], {}) and not (k == "required" and v is False)}


def _choice_doc(choice: Choice) -> list[Any]:
    """`[key, value, title]`, plus the description when there is one (units: the long name)."""
    out = [choice.key, choice.value, choice.title]
    return [*out, choice.description] if choice.description else out


def mapping_from_document(doc: MappingABC[str, Any]) -> Mapping:
    """Inverse of `mapping_document` (the publisher loads generated/mapping/<TYPE>.json with it)."""
    fields = []
    for f in doc["fields"]:
        data = dict(f)
        data["options"] = tuple(Choice(*c) for c in data.get("options", ()))
        data["suffixes"] = tuple(Choice(*c) for c in data.get("suffixes", ()))
        data.setdefault("limits", {})
        fields.append(FieldMapping(**data))
    layouts = []
    for layout in doc["layouts"]:
        data = dict(layout)
        for name in ("selector_values", "context", "arrays"):
            data[name] = tuple(data.get(name, ()))
        data["constants"] = tuple(tuple(c) for c in data.get("constants", ()))
        layouts.append(AttributeLayout(**data))
    return Mapping(
        product_type=doc["product_type"],
        category=doc["category"],
        title=doc["title"],
        marketplace_id=doc.get("marketplace_id"),
        locale=doc.get("locale"),
        version=doc.get("version"),
        checksum=doc.get("checksum"),
        fields=tuple(fields),
        layouts=tuple(layouts),
        unmapped=tuple((u["path"], u["reason"]) for u in doc.get("unmapped", ())),
        attributes=tuple(
            AttributeRules(name, **{**data, "selectors": tuple(data.get("selectors", ()))})
            for name, data in (doc.get("attributes") or {}).items()
        ),
        family=_family(doc.get("family")),
    )


def _family(doc: Any) -> FamilyRules | None:
    if not isinstance(doc, MappingABC):
        return None
    return FamilyRules(
        **{k: doc[k] for k in ("parentage", "parentage_leaf", "relationship", "parent_sku_leaf", "theme",
                               "theme_leaf")},
        relationship_constants=tuple((doc.get("relationship_constants") or {}).items()),
        contexts=tuple((name, tuple(paths)) for name, paths in (doc.get("contexts") or {}).items()),
        themes=tuple((name, tuple(axes)) for name, axes in (doc.get("themes") or {}).items()),
    )


def mapping_json(mapping: Mapping) -> str:
    """The file text of a mapping (deterministic: same mapping, same bytes)."""
    return json.dumps(mapping_document(mapping), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def mapping_path(directory: Path, category: str) -> Path:
    """Where the mapping of a table category lives in a mapping folder (`<category>.json`)."""
    return directory / f"{category}.json"


def load_mapping(directory: Path, category: str) -> Mapping:
    """The mapping of a table category read from a mapping folder (`generated/mapping` by default)."""
    return mapping_from_document(json.loads(mapping_path(directory, category).read_text(encoding="utf-8")))
