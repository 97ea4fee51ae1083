"""A synthetic product type schema holding every rule shape Amazon's larger schemas use.

Written for the tests from the shapes seen in Amazon's product type definitions (SHIRT-like
apparel, kitchen and sports types): groups of rules in one `allOf` entry, themes tied to their
attributes by "child with one of these themes" rules, `else` chains, rules under `properties` /
`items` at any depth (including Amazon's `properties` written on an array, which JSON Schema never
applies), rules inside attribute definitions, and `not` on property effects. Values are ours.
"""

from __future__ import annotations

from typing import Any

MARKETPLACE = "A13V1IB3VIYZZH"


def _text(max_length: int = 100) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length}


def _single(value: dict[str, Any], *, localized: bool = False, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"value": value, "marketplace_id": {"$ref": "#/$defs/marketplace_id"}}
    required = ["value", "marketplace_id"]
    if localized:
        properties["language_tag"] = {"$ref": "#/$defs/language_tag"}
        required.append("language_tag")
    properties.update(extra or {})
    return {
        "title": "attribute",
        "type": "array",
        "minItems": 1,
        "items": {"type": "object", "required": required, "properties": properties, "additionalProperties": False},
    }


def _contains(attribute: str, member: str, values: list[Any]) -> dict[str, Any]:
    return {
        "required": [attribute],
        "properties": {attribute: {"contains": {"required": [member], "properties": {member: {"enum": values}}}}},
    }


def _not(schema: dict[str, Any]) -> dict[str, Any]:
    return {"not": schema}


NOT_PARENT = {"anyOf": [
    _not({"required": ["parentage_level"], "properties": {"parentage_level": {"items": {"required": ["value"]}}}}),
    _not(_contains("parentage_level", "value", ["parent"])),
]}


def child_with_theme(themes: list[str]) -> dict[str, Any]:
    """Amazon's trigger for a theme's attributes: a child SKU whose theme is one of `themes`."""
    return {"allOf": [
        {"required": ["child_parent_sku_relationship"],
         "properties": {"child_parent_sku_relationship": {"items": {"required": ["parent_sku"]}}}},
        _not(_contains("parentage_level", "value", ["parent"])),
        _contains("variation_theme", "name", themes),
    ]}


def _money() -> dict[str, Any]:
    return {"type": "object", "required": ["value_with_tax"], "properties": {
        "currency": {"type": "string", "enum": ["EUR", "JPY"]},
        "value_with_tax": {"type": "number", "minimum": 0},
    }}


def _schedule_rule() -> dict[str, Any]:
    return {"if": {"required": ["currency"], "properties": {"currency": {"enum": ["JPY"]}}},
            "then": {"properties": {"value_with_tax": {"multipleOf": 1}}}}


def schema() -> dict[str, Any]:
    """The synthetic `VARIATION_SHAPES` product type schema."""
    schedule = {"type": "array", "minItems": 1, "items": _money()}
    offer_item = {
        "type": "object",
        "required": ["marketplace_id"],
        "properties": {
            "marketplace_id": {"$ref": "#/$defs/marketplace_id"},
            "audience": {"type": "string", "enum": ["ALL", "B2B"]},
            "our_price": {"type": "array", "items": {"type": "object", "properties": {"schedule": schedule}}},
            "map_price": {"type": "array", "items": {"type": "object", "properties": {"schedule": schedule}}},
            "discounted_price": {"type": "array", "items": {"type": "object", "properties": {
                # a rule written inside the definition, on each schedule of each discounted price
                "schedule": {"type": "array", "items": {**_money(), **_schedule_rule()}},
            }}},
        },
    }
    theme_names = ["COLOR_NAME", "SIZE_NAME", "COLOR_NAME/SIZE_NAME", "STYLE_NAME", "MODEL", "PATTERN_NAME"]
    return {
        "$schema": "https://schemas.amazon.com/selling-partners/definitions/product-types/meta-schema/v1",
        "$id": "https://schemas.amazon.com/selling-partners/definitions/product-types/schema/v1/VARIATION_SHAPES",
        "$defs": {
            "marketplace_id": {"type": "string", "default": MARKETPLACE, "editable": False, "hidden": True},
            "language_tag": {"type": "string", "default": "fr_FR", "editable": False, "hidden": True},
        },
        "type": "object",
        "required": ["item_name"],
        "properties": {
            "item_name": _single(_text(200), localized=True),
            "parentage_level": _single({"type": "string", "enum": ["child", "parent"],
                                        "enumNames": ["Enfant", "Parent"]}),
            "child_parent_sku_relationship": {
                "type": "array", "minItems": 1, "maxItems": 1,
                "items": {"type": "object", "required": ["child_relationship_type", "marketplace_id"], "properties": {
                    "child_relationship_type": {"type": "string", "enum": ["variation"]},
                    "parent_sku": _text(40),
                    "marketplace_id": {"$ref": "#/$defs/marketplace_id"},
                }, "additionalProperties": False},
            },
            "variation_theme": {
                "type": "array", "minItems": 1, "maxItems": 1,
                "items": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string", "enum": theme_names, "enumNames": [n.title() for n in theme_names]},
                }, "additionalProperties": False},
            },
            "color": _single(_text(), localized=True),
            "size": _single(_text(), localized=True),
            "style": _single(_text(), localized=True),
            "model_number": _single(_text(40)),
            "league_name": _single({"type": "string", "enum": ["NBA", "NHL", "Ligue 1"]}),
            "team_name": _single({"type": "string", "enum": ["Boston Celtics", "Chicago Bulls", "Montreal Canadiens",
                                                            "Olympique Lyonnais", "Autre"]}),
            "compliance": _single({"type": "string"}, extra={
                "status": {"type": "string", "enum": ["compliant", "exempt", "pending"]},
                "tags": {"type": "array", "items": {"type": "string"}},
            }),
            "tags": {"type": "array", "items": {"type": "object", "properties": {
                "value": {"type": "string", "enum": ["recycled", "vegan", "leather", "plastic"]},
                "marketplace_id": {"$ref": "#/$defs/marketplace_id"},
            }}},
            "dimensions": {"type": "array", "items": {"type": "object", "properties": {
                "length": {"type": "number"}, "width": {"type": "number"}, "height": {"type": "number"},
            }}},
            "purchasable_offer": {"type": "array", "items": offer_item},
            "warranty": _single(_text(), localized=True),
        },
        "additionalProperties": False,
        "allOf": [
            # 0-2: groups of rules tying the themes to their attributes (required unless parent)
            {"allOf": [{"if": NOT_PARENT, "then": {"required": ["color"]}},
                       {"if": child_with_theme(["COLOR_NAME", "COLOR_NAME/SIZE_NAME"]),
                        "then": {"required": ["color"]}}]},
            {"allOf": [{"if": NOT_PARENT, "then": {"required": ["size"]}},
                       {"if": child_with_theme(["SIZE_NAME", "COLOR_NAME/SIZE_NAME"]),
                        "then": {"required": ["size"]}}]},
            {"if": child_with_theme(["MODEL"]), "then": {"required": ["model_number"]}},
            # 3: a plain if/then/else on the listing
            {"if": _contains("parentage_level", "value", ["child"]),
             "then": {"properties": {"child_parent_sku_relationship": {"items": {"required": ["parent_sku"]}}}},
             "else": {"properties": {"child_parent_sku_relationship": {"items": {
                 "not": {"required": ["parent_sku"]}}}}}},
            # 4: an else chain (league -> allowed teams)
            {"if": _contains("league_name", "value", ["NBA"]),
             "then": {"properties": {"team_name": {"items": {"properties": {"value": {
                 "enum": ["Boston Celtics", "Chicago Bulls"]}}}}}},
             "else": {"if": _contains("league_name", "value", ["NHL"]),
                      "then": {"properties": {"team_name": {"items": {"properties": {"value": {
                          "enum": ["Montreal Canadiens"]}}}}}},
                      "else": {"required": ["warranty"],
                               "if": _contains("league_name", "value", ["Ligue 1"]),
                               "then": {"properties": {"team_name": {"items": {"properties": {"value": {
                                   "enum": ["Olympique Lyonnais", "Autre"]}}}}}},
                               "else": {"not": {"required": ["team_name"]}}}}},
            # 5: a per-item if/then/else under a wrapper
            {"properties": {"purchasable_offer": {"items": {
                "if": {"anyOf": [{"required": ["audience"], "properties": {"audience": {"enum": ["ALL"]}}},
                                 {"not": {"required": ["audience"]}}]},
                "then": {"properties": {"map_price": {"maxItems": 1}}},
                "else": {"not": {"required": ["map_price"]}}}}}},
            # 6: a rule three arrays deep (each schedule of each price of each offer)
            {"properties": {"purchasable_offer": {"items": {"properties": {"our_price": {"items": {"properties": {
                "schedule": {"items": _schedule_rule()}}}}}}}}},
            # 7: Amazon's `properties` written on an array (map_price): JSON Schema never applies it
            {"properties": {"purchasable_offer": {"items": {"properties": {"map_price": {"properties": {
                "schedule": _schedule_rule()}}}}}}},
            # 8: `not` on property effects other than an enum
            {"if": _contains("compliance", "status", ["exempt"]),
             "then": {"properties": {
                 "compliance": {"items": {"properties": {"value": {"not": {"const": "certified"}}}}},
                 "tags": {"not": {"contains": {"required": ["value"], "properties": {"value": {"enum": ["leather"]}}}}},
                 "dimensions": {"items": {"not": {"required": ["length", "width"]}}},
             }}},
            # 9: `not` of two requirements, and `anyOf` of several requirements, on the listing
            {"if": {"required": ["style"]}, "then": {"not": {"required": ["size", "model_number"]}}},
            {"if": {"required": ["warranty"]}, "then": {"anyOf": [{"required": ["color", "size"]},
                                                                   {"required": ["style"]}]}},
            # 11: a `then` holding a group of rules, and a bare requirement beside a rule in a group
            {"if": {"required": ["league_name"]},
             "then": {"required": ["team_name"], "allOf": [
                 {"if": _contains("league_name", "value", ["NBA"]), "then": {"required": ["model_number"]}},
                 {"if": _contains("league_name", "value", ["NHL"]), "then": {"required": ["style"]}}]}},
            {"allOf": [{"required": ["item_name"]},
                       {"if": _contains("variation_theme", "name", ["PATTERN_NAME"]),
                        "then": {"required": ["style"]}}]},
        ],
    }
