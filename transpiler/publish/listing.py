"""From one Product-Live item to the Amazon listing to send (or the reasons it cannot be sent).

Checks happen in the order a user fixes things: the item itself (SKU, product type, unknown field
keys, values of the wrong type), then the product identity (EAN check digit, ASIN), then Amazon's
own rules through `transpiler.validation.validate`. Every problem becomes an `Issue` naming the
Product-Live field keys, in French.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from transpiler.amazon.numbers import NumberTextError, parse_decimal
from transpiler.config import MARKETPLACE_ID_PROPERTY, Settings
from transpiler.mapping import publication
from transpiler.mapping.family_codec import FamilyRole, family_attributes
from transpiler.mapping.field_codec import fields_to_attributes
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, EAN, SKU
from transpiler.mapping.types import FieldMapping, Mapping, Quantity
from transpiler.mapping.wording import condition_fr, identity_fr, titled
from transpiler.productlive.acknowledgement import Issue
from transpiler.productlive.gtin import gtin_problem, gtin_type
from transpiler.productlive.items import Item
from transpiler.publish.mappings import MappingSet

CREATE = publication.MODE_CREATE
ENRICH = publication.MODE_ENRICH
AUTO = "auto"

ASIN_PATTERN = re.compile(r"^[A-Z0-9]{10}$")

#: Product-Live-side issue codes (Amazon's are numeric)
PL_ITEM = "PL_ITEM"
PL_NO_SKU = "PL_NO_SKU"
PL_PRODUCT_TYPE = "PL_PRODUCT_TYPE"
PL_UNKNOWN_FIELD = "PL_UNKNOWN_FIELD"
PL_OTHER_TYPE_FIELD = "PL_FIELD_NOT_IN_PRODUCT_TYPE"
PL_VALUE = "PL_VALUE"
PL_EAN = "PL_EAN"
PL_ASIN = "PL_ASIN"
PL_NO_ASIN = "PL_NO_ASIN"
PL_FAMILY = "PL_FAMILY"
PL_SKU = "PL_SKU"
PL_DUPLICATE_SKU = "PL_DUPLICATE_SKU"

#: Amazon's longest seller SKU: a longer one is refused with HTTP 400, so it is never sent
MAX_SKU_CHARS = 40

Validate = Callable[[str, dict[str, Any]], Sequence[Any]]


@dataclass
class Listing:
    """One item ready to publish, or not: `sendable` is False when an ERROR issue was found."""

    index: int
    sku: str | None
    product_type: str | None = None
    line: int | None = None  # of its item in the export
    mapping: Mapping | None = None
    mode: str | None = None
    asin: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    note: str | None = None
    family: FamilyRole | None = None  # its place in a variation family (multi-level item)

    @property
    def sendable(self) -> bool:
        return self.sku is not None and self.product_type is not None and not any(i.is_error for i in self.issues)


def _problem(code: str, message: str, fields: Sequence[str] = (), severity: str = "ERROR") -> Issue:
    return Issue(code=code, severity=severity, message=message, fields=tuple(fields), source="productlive")


def duplicate_sku(listing: Listing, first_index: int, first_line: int | None, key: str = SKU) -> None:
    """Mark `listing` as a second occurrence of a SKU already met in the export (at `first_index`,
    `first_line`): it is never sent. `key` is the identifier holding the SKU (PARENT_SKU for a model)."""
    where = f"ligne {first_line}" if first_line else f"article n°{first_index}"
    listing.issues.insert(0, _problem(PL_DUPLICATE_SKU, f"SKU « {listing.sku} » en double : il apparaît déjà {where} "
                                                        "de l'export ; cette occurrence n'est pas envoyée", [key]))


def _date_ok(text: str, with_time: bool) -> bool:
    value = text.strip()
    try:
        if with_time:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            date.fromisoformat(value[:10])
            if len(value) > 10:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def field_values(item: Item, mapping: Mapping, table: MappingSet) -> tuple[dict[str, Any], list[Issue]]:
    """The item's values in the mapping's form (str, list[str] or Quantity) and the problems found.

    Values of unknown keys, of another product type's fields, or of the wrong type are left out
    and reported; the mapping never sees a value it cannot convert.
    """
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    ean = item.identifier(EAN)
    if ean is not None:
        values[EAN] = ean
    for key, entries in item.fields.items():
        present = [e for e in entries if not e.delete and e.value is not None and e.value.strip() != ""]
        fm = mapping.field(key)
        if fm is None:
            if key in publication.KEYS or key in publication.PARENT_KEYS:
                continue
            if not table.known_key(key):
                issues.append(_problem(PL_UNKNOWN_FIELD, f"le champ « {key} » n'existe pas dans la table Amazon",
                                       [key]))
            elif present:
                issues.append(_problem(
                    PL_OTHER_TYPE_FIELD,
                    f"le champ « {table.title(key)} » ne s'applique pas au type de produit « {mapping.title} » : "
                    "ignoré",
                    [key], severity="WARNING"))
            continue
        if not present:
            continue
        problem = _check(fm, present)
        if problem:
            issues.append(_problem(PL_VALUE, problem, [key]))
            continue
        if fm.type == "MULTIPLE-SELECT":
            values[key] = [e.value.strip() for e in present]
        elif fm.transform == "unit":
            values[key] = Quantity(present[0].value.strip().replace(",", "."), present[0].suffix or fm.default_suffix
                                   or "")
        elif fm.type == "NUMBER":
            values[key] = present[0].value.strip().replace(",", ".")
        else:
            values[key] = present[0].value if fm.type in ("LONG-TEXT", "HTML-TEXT") else present[0].value.strip()
    return values, issues


def _check(fm: FieldMapping, present: list[Any]) -> str | None:
    """Why these values cannot go in this field (French), None when they can."""
    if fm.type != "MULTIPLE-SELECT" and len(present) > 1:
        return f"{len(present)} valeurs pour un champ à valeur unique"
    if fm.type == "NUMBER":
        try:
            parse_decimal(present[0].value, integer=fm.value_type == "integer")
        except NumberTextError as exc:
            return str(exc)
        suffix = present[0].suffix
        if fm.transform == "unit" and suffix and suffix not in fm.suffix_values:
            known = ", ".join(s.key for s in fm.suffixes)
            return f"l'unité « {suffix} » n'est pas proposée (unités : {known})"
    elif fm.type in ("SINGLE-SELECT", "MULTIPLE-SELECT") and fm.options:
        keys = fm.option_values
        for entry in present:
            if entry.value.strip() not in keys:
                return f"« {entry.value.strip()} » n'est pas une option de ce champ"
        limit = fm.limits.get("max_values")
        if fm.type == "MULTIPLE-SELECT" and isinstance(limit, int) and len(present) > limit:
            return f"{len(present)} options choisies, {limit} au maximum"
    elif fm.type in ("DATE", "DATE-TIME"):
        text = present[0].value
        if not _date_ok(text, fm.type == "DATE-TIME"):
            return f"« {text.strip()} » n'est pas une date ISO 8601 (AAAA-MM-JJ)"
    return None


def _first_value(attributes: dict[str, Any], name: str, leaf: str = "value") -> Any:
    items = attributes.get(name)
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0].get(leaf)
    return None


def prepare(item: Item, table: MappingSet, settings: Settings, *, mode: str = AUTO,
            validate: Validate | None = None, family: FamilyRole | None = None) -> Listing:
    """The listing for one item, with every issue found before sending (see module docstring).

    `family` places it in a variation family (`transpiler.publish.family` builds such items from a
    multi-level export): its parentage attributes are then written from that place.
    """
    sku = item.identifier(SKU)
    listing = Listing(index=item.index, sku=sku, family=family, line=item.line)
    for problem in item.problems:
        fields = [problem.field_key] if problem.field_key else []
        listing.issues.append(_problem(PL_ITEM, problem.message, fields))
    if sku is None:
        listing.issues.append(_problem(PL_NO_SKU, f"article n°{item.index} sans identifiant SKU : non publiable",
                                       [SKU]))
        return listing
    if len(sku) > MAX_SKU_CHARS:
        listing.issues.append(_problem(PL_SKU, f"le SKU compte {len(sku)} caractères : Amazon en accepte "
                                               f"{MAX_SKU_CHARS} au plus", [SKU]))
    category = item.classifications.get(CLASSIFICATION_KEY)
    mapping = table.for_category(category) if category else None
    if mapping is None:
        known = ", ".join(table.categories)
        what = f"type de produit « {category} » inconnu" if category else "type de produit absent"
        listing.issues.append(_problem(PL_PRODUCT_TYPE, f"{what} (types connus : {known})", [CLASSIFICATION_KEY]))
        return listing
    listing.product_type = mapping.product_type
    listing.mapping = mapping
    values, problems = field_values(item, mapping, table)
    listing.issues.extend(problems)
    try:
        attributes = fields_to_attributes(mapping, values, settings)
    except (ValueError, ArithmeticError, TypeError) as exc:
        text = str(exc)
        key = text.split(":", 1)[0] if ":" in text and mapping.field(text.split(":", 1)[0]) else None
        listing.issues.append(_problem(PL_VALUE, f"valeur non convertible : {text}", [key] if key else []))
        return listing
    listing.attributes = attributes
    if family is not None:
        if mapping.family is None:
            listing.issues.append(_problem(PL_FAMILY, f"le type de produit {mapping.product_type} n'a pas de "
                                                      "familles de variations sur Amazon", [CLASSIFICATION_KEY]))
            return listing
        attributes.update(family_attributes(mapping.family, family, settings.context))
    _identity(listing, item, settings, mode)
    if validate is not None and listing.mode is not None:
        for issue in validate(mapping.product_type, listing.attributes):
            listing.issues.append(_from_validation(issue, mapping, table))
    return listing


def _identity(listing: Listing, item: Item, settings: Settings, mode: str) -> None:
    """Choose create or enrich, check the EAN and the ASIN, and set the identity attributes."""
    attributes = listing.attributes
    marketplace = settings.marketplace_id
    asin = _first_value(attributes, "merchant_suggested_asin") or item.first(publication.ASIN)
    asin = str(asin).strip().upper() if asin else None
    chosen = mode if mode in (CREATE, ENRICH) else (ENRICH if asin else CREATE)
    listing.mode = chosen  # written to its own field (amazon_publication_mode), not as a note
    ean_value = _first_value(attributes, "externally_assigned_product_identifier")
    ean_fields = [EAN] if item.identifier(EAN) else list(_fields_of(listing, "externally_assigned_product_identifier"))
    if ean_value is not None:
        problem = gtin_problem(str(ean_value))
        if problem:
            listing.issues.append(_problem(PL_EAN, f"EAN invalide : {problem}", ean_fields))
        else:
            for entry in attributes.get("externally_assigned_product_identifier", []):
                if isinstance(entry, dict) and entry.get("value") == ean_value and not entry.get("type"):
                    entry["type"] = gtin_type(str(ean_value))
    if chosen == ENRICH:
        if not asin:
            listing.issues.append(_problem(PL_NO_ASIN, "enrichissement demandé mais aucun ASIN n'est renseigné",
                                           [publication.ASIN]))
            return
        if not ASIN_PATTERN.match(asin):
            listing.issues.append(_problem(PL_ASIN, f"« {asin} » n'est pas un ASIN (10 lettres majuscules ou "
                                                    "chiffres)", [publication.ASIN]))
            return
        listing.asin = asin
        attributes["merchant_suggested_asin"] = [{"value": asin, MARKETPLACE_ID_PROPERTY: marketplace}]
    elif _first_value(attributes, "merchant_suggested_asin"):
        listing.asin = asin


def _fields_of(listing: Listing, attribute: str) -> tuple[str, ...]:
    if listing.mapping is None:
        return ()
    return tuple(f.key for f in listing.mapping.fields if f.attribute == attribute)


def _from_validation(issue: Any, mapping: Mapping, table: MappingSet) -> Issue:
    """A `transpiler.validation.Issue` as an acknowledgement issue, with its Product-Live fields."""
    names = tuple(getattr(issue, "attribute_names", ()) or ())
    path = getattr(issue, "path", None)
    message = titled(str(issue.message), mapping)
    rule = getattr(issue, "rule", None)
    if rule is not None:  # the rule in words, with the fields' titles and the options' titles
        message += f" Règle d'Amazon : {identity_fr(rule) or condition_fr(rule, mapping, limit=None)}"
    return Issue(
        code=str(issue.code),
        severity=str(getattr(issue, "severity", "ERROR")),
        message=message,
        attribute_names=names,
        fields=table.fields_for(mapping, names, path),
        source="validation",
    )


def amazon_issue(data: dict[str, Any], mapping: Mapping | None, table: MappingSet,
                 stage: str = "submission") -> Issue:
    """An issue from Amazon's answer (`{code, message, severity, attributeNames, categories, enforcements}`),
    the Product-Live fields attached; Amazon's message, categories and enforcements are kept as given.
    `stage="processing"`: raised after Amazon accepted the submission."""
    names = tuple(str(n) for n in data.get("attributeNames") or ())
    return Issue(
        code=str(data.get("code", "")),
        severity=str(data.get("severity", "ERROR")).upper(),
        message=str(data.get("message", "")),
        attribute_names=names,
        fields=table.fields_for(mapping, names),
        source="amazon",
        categories=tuple(str(c) for c in data.get("categories") or () if isinstance(c, str)),
        enforcements=data.get("enforcements") if isinstance(data.get("enforcements"), dict) else None,
        stage=stage,
    )
