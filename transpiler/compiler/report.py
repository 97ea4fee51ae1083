"""The attribute model as a stable JSON document (what `pl-amazon inspect --json` prints)."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from transpiler.compiler.model import Attribute, Leaf, ProductType, Variations
from transpiler.rules.conditions import Condition
from transpiler.rules.describe import describe_effects, describe_predicate


def leaf_document(leaf: Leaf) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "path": leaf.path,
        "kind": leaf.kind.value,
        "title": leaf.title,
        "required": leaf.required,
        "options": [{"value": o.value, "label": o.label} for o in leaf.options],
        "constraints": leaf.constraints.as_dict(),
    }
    if leaf.multiple:
        doc["multiple"] = True
    if leaf.arrays:
        doc["arrays"] = list(leaf.arrays)
    if leaf.hidden:
        doc["hidden"] = True
    if not leaf.editable:
        doc["editable"] = False
    if leaf.default is not None:
        doc["default"] = leaf.default
    if leaf.lifecycle:
        doc["lifecycle"] = leaf.lifecycle.as_dict()
    return doc


def attribute_document(attribute: Attribute) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": attribute.name,
        "title": attribute.title,
        "kind": attribute.kind.value,
        "required": attribute.required,
        "localized": attribute.localized,
        "marketplace_scoped": attribute.marketplace_scoped,
        "hidden": attribute.hidden,
        "editable": attribute.editable,
        "group": attribute.group,
        "max_values": attribute.max_values,
        "constraints": attribute.constraints.as_dict(),
        "leaves": [leaf_document(leaf) for leaf in attribute.leaves],
    }
    if attribute.lifecycle:
        doc["lifecycle"] = attribute.lifecycle.as_dict()
    return doc


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, **{k: _plain(v) for k, v in asdict(value).items()}}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _structure(value: Any) -> Any:
    """Dataclass trees (predicates, effects) as JSON with a `type` tag on each node."""
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"type": type(value).__name__}
        for name in value.__dataclass_fields__:
            field_value = getattr(value, name)
            if name == "constraints":
                out[name] = field_value.as_dict()
            else:
                out[name] = _structure(field_value)
        return out
    if isinstance(value, (list, tuple)):
        return [_structure(v) for v in value]
    return value


def condition_document(condition: Condition) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "source": condition.source,
        "scope": condition.scope or None,
        "expressible": condition.expressible,
        "attributes": list(condition.attributes),
    }
    if condition.inert:
        doc["when"] = None
        doc["then"] = None
        doc["inert"] = condition.reason
    elif condition.expressible:
        doc["when"] = describe_predicate(condition.when)
        doc["then"] = describe_effects(condition.then)
        doc["otherwise"] = describe_effects(condition.otherwise) if condition.otherwise else None
        doc["rule"] = {
            "when": _structure(condition.when),
            "then": _structure(condition.then),
            "otherwise": _structure(condition.otherwise),
        }
    else:
        doc["when"] = None
        doc["then"] = None
        doc["reason"] = condition.reason
    return doc


def variations_document(variations: Variations) -> dict[str, Any]:
    """Parentage attributes and themes, each theme with the attributes it varies."""
    return {
        "parentage": variations.parentage_path,
        "parent_sku": variations.parent_sku_path,
        "theme": variations.theme_path,
        "themes": [
            {"name": t.name, "label": t.label, "attributes": list(t.attributes), "derived_from": t.derived_from,
             "unresolved": list(t.unresolved)}
            for t in variations.themes
        ],
    }


def product_type_document(product_type: ProductType) -> dict[str, Any]:
    """Stable JSON view of a compiled product type (keys and order are part of the contract)."""
    leaves = product_type.leaves
    return {
        "product_type": product_type.name,
        "display_name": product_type.display_name,
        "locale": product_type.locale,
        "marketplace_id": product_type.marketplace_id,
        "requirements": product_type.requirements,
        "version": product_type.version,
        "checksum": product_type.checksum,
        "required": list(product_type.required),
        "groups": [
            {"name": g.name, "title": g.title, "attributes": list(g.property_names)} for g in product_type.groups
        ],
        "attributes": [attribute_document(a) for a in product_type.attributes],
        "conditions": [condition_document(c) for c in product_type.conditions],
        "variations": variations_document(product_type.variations),
        "report": {
            "attributes": len(product_type.attributes),
            "leaves": len(leaves),
            "options": sum(len(leaf.options) for leaf in leaves),
            "conditions": len(product_type.conditions),
            "opaque_conditions": len(product_type.opaque_conditions),
            "inert_conditions": sum(1 for c in product_type.conditions if c.inert),
            "variation_themes": len(product_type.variations.themes),
        },
    }
