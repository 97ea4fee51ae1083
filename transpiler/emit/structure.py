"""One Product-Live table structure for all product types (plain data the XML template renders).

Fields shared by every product type go to the `Common` matrix, the others to one `Specific`
block per category. A shared field whose definition differs between product types (options,
units, limits) is declared once with the union of options/units; each product type's own
options and limits stay in its mapping (generated/mapping/<TYPE>.json) and its format rules go
to its `Specific` readiness block, so the difference is still checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from transpiler.compiler.model import ProductType
from transpiler.config import TABLE_KEY
from transpiler.emit import readiness
from transpiler.emit.readiness import Rule, TypeRules
from transpiler.mapping import publication
from transpiler.mapping.builder import build_mappings
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, EAN, SKU
from transpiler.mapping.types import Mapping

TABLE_TITLE = "Amazon France"
LEVEL_KEY = "PRODUCT"
PARTITIONS = (("ACTIVE", "Produits actifs"), ("ARCHIVED", "Produits archivés"))
IDENTIFICATION_SECTION = ("amazon_identification", "Identification")
OTHER_SECTION = ("other", "Autres informations")
SCREEN_KEY = "AMAZON_LISTING"

NAMES_FR = {  # property groups whose title Amazon does not localise
    "product_identity": "Identité du produit",
    "product_details": "Détails du produit",
    "variations": "Variations",
    "offer": "Offre",
    "images": "Images",
    "safety_and_compliance": "Sécurité et conformité",
    "shipping": "Expédition",
}


@dataclass
class TableField:
    key: str
    type: str
    title: str
    description: str | None
    section: str
    metadata: list[tuple[str, str]] = field(default_factory=list)
    precision: int | None = None
    suffixes: list[tuple[str, str, bool]] = field(default_factory=list)  # key, title, default
    options: list[tuple[str, str]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass
class Status:
    key: str
    title: str
    color: str
    priority: int | None
    common: list[tuple[str, str, list[Rule]]] = field(default_factory=list)  # (element, key, rules)
    specific: list[tuple[str, list[tuple[str, list[Rule]]]]] = field(default_factory=list)  # category -> fields


@dataclass
class Table:
    key: str
    title: str
    categories: list[tuple[str, str]]
    identifiers: list[tuple[str, str, int]]
    fields: list[TableField]
    common: list[str]
    specific: list[tuple[str, list[str]]]
    sections: list[tuple[str, str]]
    statuses: list[Status]
    default_status: tuple[str, str, str]
    screen_common: list[tuple[str, list[tuple[str, str, str, bool]]]]  # section -> (column element, key, width, fixed)
    screen_specific: list[tuple[str, list[tuple[str, list[str]]]]]  # category -> section -> field keys
    mappings: list[Mapping]
    type_rules: dict[str, TypeRules]


def _width(field_type: str) -> str:
    return {"LONG-TEXT": "LARGE", "MULTIPLE-SELECT": "LARGE", "IMAGE": "MEDIUM", "NUMBER": "SMALL"}.get(
        field_type, "MEDIUM"
    )


def build_table(product_types: Sequence[ProductType]) -> Table:
    """The table for `product_types` (in the given order; regenerate passes them sorted by name)."""
    mappings = build_mappings(product_types)
    by_name = {m.category: pt for m, pt in zip(mappings, product_types, strict=True)}

    sections: list[tuple[str, str]] = [IDENTIFICATION_SECTION]
    for pt in product_types:
        for group in pt.groups:
            if group.name not in {s for s, _ in sections}:
                sections.append((group.name, group.title or NAMES_FR.get(group.name, group.name)))
    section_order = {key: i for i, (key, _) in enumerate(sections)}

    fields: dict[str, TableField] = {}
    has_ean = False
    for m in mappings:
        for fm in m.fields:
            if fm.role == "identifier":
                has_ean = has_ean or fm.key == EAN
                continue
            tf = fields.get(fm.key)
            if tf is None:
                tf = fields[fm.key] = TableField(
                    key=fm.key, type=fm.type, title=fm.title, description=fm.description, section=fm.section,
                    metadata=[("amazon-path", fm.amazon_path)], precision=fm.precision,
                )
            tf.categories.append(m.category)
            if fm.precision is not None and (tf.precision is None or fm.precision > tf.precision):
                tf.precision = fm.precision
            known = {k for k, _ in tf.options}
            tf.options.extend((c.key, c.title) for c in fm.options if c.key not in known)
            first_units = not tf.suffixes
            known_units = {k for k, _, _ in tf.suffixes}
            for c in fm.suffixes:
                if c.key not in known_units:
                    tf.suffixes.append((c.key, c.title, first_units and c.key == fm.default_suffix))
                    known_units.add(c.key)
    if any(f.section == "other" for f in fields.values()):
        sections.append(OTHER_SECTION)
        section_order[OTHER_SECTION[0]] = len(sections) - 1
    sections.append((publication.SECTION_KEY, publication.SECTION_TITLE))
    section_order[publication.SECTION_KEY] = len(sections) - 1
    for f in fields.values():
        if f.suffixes and not any(d for _, _, d in f.suffixes):
            f.suffixes[0] = (f.suffixes[0][0], f.suffixes[0][1], True)

    ordered = sorted(fields.values(), key=lambda f: section_order.get(f.section, 0))
    for key, ftype, title, description, options in publication.FIELDS:
        ordered.append(TableField(key, ftype, title, description, publication.SECTION_KEY, options=list(options),
                                  categories=[m.category for m in mappings]))

    all_categories = [m.category for m in mappings]
    common = [f.key for f in ordered if set(all_categories) <= set(f.categories)]
    common_set = set(common)
    specific = [
        (m.category, [f.key for f in ordered if f.key not in common_set and m.category in f.categories])
        for m in mappings
    ]

    type_rules = {m.category: readiness.rules_for(m, by_name[m.category]) for m in mappings}
    statuses = _statuses(mappings, type_rules, common_set, has_ean)

    identifiers = [(SKU, "SKU", 1)] + ([(EAN, "EAN", 2)] if has_ean else [])
    screen_common: list[tuple[str, list[tuple[str, str, str, bool]]]] = []
    first = [("Column-Identifier", key, "MEDIUM", True) for key, _, _ in identifiers]
    first.append(("Column-Classification", CLASSIFICATION_KEY, "LARGE", False))
    first.append(("Column-Conditional-Formatting", readiness.KEY, "SMALL", False))
    screen_common.append((IDENTIFICATION_SECTION[0], first))
    by_key = {f.key: f for f in ordered}
    for section, _ in sections[1:]:
        columns = [("Column-Field", k, _width(by_key[k].type), False) for k in common if by_key[k].section == section]
        if columns:
            screen_common.append((section, columns))
    screen_specific = []
    for category, keys in specific:
        per_section = [(s, [k for k in keys if by_key[k].section == s]) for s, _ in sections]
        screen_specific.append((category, [(s, ks) for s, ks in per_section if ks]))

    return Table(
        key=TABLE_KEY,
        title=TABLE_TITLE,
        categories=[(m.category, m.title) for m in mappings],
        identifiers=identifiers,
        fields=ordered,
        common=common,
        specific=specific,
        sections=sections,
        statuses=statuses,
        default_status=(readiness.READY, "Prêt pour Amazon", "GREEN"),
        screen_common=screen_common,
        screen_specific=screen_specific,
        mappings=mappings,
        type_rules=type_rules,
    )


def _statuses(
    mappings: Sequence[Mapping], type_rules: dict[str, TypeRules], common: set[str], has_ean: bool
) -> list[Status]:
    invalid = Status(readiness.INVALID, "Invalide pour Amazon", "RED", 1)
    incomplete = Status(readiness.INCOMPLETE, "Incomplet pour Amazon", "ORANGE", 2)
    if has_ean:
        invalid.common.append(("Identifier", EAN, readiness.ean_rules(mappings)))
    # Format rules of a Common field go to Rules/Common when every product type agrees on them.
    shared: dict[str, list[Rule]] = {}
    for key in sorted(common, key=lambda k: [f.key for f in mappings[0].fields].index(k)
                      if mappings[0].field(k) else 0):
        per_type = [tuple(type_rules[m.category].invalid.get(key, ())) for m in mappings]
        if per_type and per_type[0] and all(r == per_type[0] for r in per_type):
            shared[key] = list(per_type[0])
    invalid.common.extend(("Field", key, rules) for key, rules in shared.items())
    for m in mappings:
        rules = type_rules[m.category]
        order = [f.key for f in m.fields]
        inv = [(k, r) for k, r in rules.invalid.items() if k not in shared]
        inc = list(rules.required.items())
        if inv:
            invalid.specific.append((m.category, sorted(inv, key=lambda kv: order.index(kv[0]))))
        if inc:
            incomplete.specific.append((m.category, sorted(inc, key=lambda kv: order.index(kv[0]))))
    return [invalid, incomplete]
