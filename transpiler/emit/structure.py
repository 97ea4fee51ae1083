"""One Product-Live table structure for all product types (records the XML template renders).

Fields shared by every product type go to the `Common` matrix, the others to one `Specific`
block per category. A shared field whose definition differs between product types (options,
units, limits) is declared once with the union of options/units; each product type's own
options and limits stay in its mapping (generated/mapping/<TYPE>.json) and are checked by the
readiness rules of its category, so the difference is still enforced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transpiler.compiler.model import ProductType
from transpiler.config import TABLE_KEY
from transpiler.emit import amazon_status, readiness
from transpiler.emit.formulas import option_formulas
from transpiler.emit.readiness import TypeRules
from transpiler.emit.screens import IDENTIFICATION, build_screens
from transpiler.emit.table_records import (
    Column,
    Identifier,
    Level,
    Option,
    Partition,
    Screen,
    Section,
    Suffix,
    Table,
    TableField,
)
from transpiler.mapping import publication
from transpiler.mapping.builder import build_mappings
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, EAN, PARENT_SKU, SKU
from transpiler.mapping.levels import LevelPlan, plan_levels
from transpiler.mapping.types import Mapping

TABLE_TITLE = "Amazon France"
TABLE_DESCRIPTION = ("Structure des produits Amazon (Vendor Central France), générée à partir des définitions "
                     "de types de produits Amazon.")
CLASSIFICATION_TITLE = "Type de produit Amazon"
PARTITIONS = (Partition("ACTIVE", "Produits actifs", 1), Partition("ARCHIVED", "Produits archivés", 2))
OTHER_SECTION = Section("other", "Autres informations")

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
class Structure:
    """The table and what the report needs beside it (mappings, each type's rules, the levels)."""

    table: Table
    mappings: list[Mapping]
    type_rules: dict[str, TypeRules]
    plan: LevelPlan


def build_structure(product_types: Sequence[ProductType]) -> Structure:
    """The table for `product_types` (in the given order; regenerate passes them sorted by name).

    Its levels come from the product types (`transpiler.mapping.levels`): model ▸ (colour ▸) article
    when some type has variation families, a single level otherwise. Fields, identifiers, readiness
    indicators and screens each sit on their level.
    """
    mappings = build_mappings(product_types)
    by_name = {m.category: pt for m, pt in zip(mappings, product_types, strict=True)}
    plan = plan_levels(mappings)

    sections: list[Section] = []
    for pt in product_types:
        for group in pt.groups:
            if group.name not in {s.key for s in sections}:
                sections.append(Section(group.name, group.title or NAMES_FR.get(group.name, group.name)))
    fields, has_ean = _fields(mappings, plan)
    if any(f.section == OTHER_SECTION.key for f in fields.values()):
        sections.append(OTHER_SECTION)
    sections.append(Section(publication.SECTION_KEY, publication.SECTION_TITLE,
                            "Champs écrits par la publication sur Amazon : ne pas les modifier."))
    section_order = {s.key: i for i, s in enumerate(sections)}

    ordered = sorted(fields.values(), key=lambda f: section_order.get(f.section, 0))
    categories = [m.category for m in mappings]
    answers = [(publication.FIELDS, plan.article.key)]
    if plan.multi:  # the parent listing's answer, on the model
        answers.append((publication.PARENT_FIELDS, plan.model.key))
    for published, level in answers:
        for key, ftype, title, description, options in published:
            ordered.append(TableField(key, ftype, title, description, publication.SECTION_KEY, level,
                                      options=[Option(k, t, publication.OPTION_COLORS.get(k)) for k, t in options],
                                      categories=list(categories), read_only=True))

    common = [f.key for f in ordered if set(categories) <= set(f.categories)]
    common_set = set(common)
    specific = [(m.category, [f.key for f in ordered if f.key not in common_set and m.category in f.categories])
                for m in mappings]

    type_rules = {m.category: readiness.rules_for(m, by_name[m.category], fields) for m in mappings}
    indicators = readiness.conditional_formattings(mappings, type_rules, plan)
    # Amazon's answer on each listing: the articles', and on the model the parent listing's
    answers_shown = [amazon_status.conditional_formatting(plan.article.key)]
    if plan.multi:
        answers_shown.insert(0, amazon_status.conditional_formatting(plan.model.key, parent=True))

    identifiers = _identifiers(plan, has_ean)
    category_titles = [(m.category, m.title) for m in mappings]
    screens: list[Screen] = []
    type_sections: list[Section] = []
    for level in plan.levels:
        indicator = next(cf for cf in indicators if cf.level == level.key)
        fixed = [Column("Column-Identifier", i.key, "MEDIUM", fixed=True, read_only=i.key in (SKU, PARENT_SKU))
                 for i in identifiers if i.level == level.key]
        if level is plan.model:  # the classification lives on the first level only
            fixed.append(Column("Column-Classification", CLASSIFICATION_KEY, "LARGE", fixed=True))
        fixed.append(Column("Column-Conditional-Formatting", indicator.key, "SMALL", fixed=True))
        fixed.extend(Column("Column-Conditional-Formatting", cf.key, "SMALL", fixed=True)
                     for cf in answers_shown if cf.level == level.key)
        level_screens, level_sections = build_screens(
            level=level.key, fixed=fixed, sections=sections, fields=ordered, common=common, specific=specific,
            categories=category_titles, publication_section=publication.SECTION_KEY,
            suffix="" if level is plan.article else f"_{level.key}",
            level_title=level.title if plan.multi else "", first_position=len(screens) + 1)
        screens.extend(level_screens)
        type_sections.extend(level_sections)

    table = Table(
        key=TABLE_KEY,
        title=TABLE_TITLE,
        description=TABLE_DESCRIPTION,
        levels=[Level(level.key, level.index, level.title) for level in plan.levels],
        partitions=list(PARTITIONS),
        identifiers=identifiers,
        classification=(CLASSIFICATION_KEY, CLASSIFICATION_TITLE),
        categories=category_titles,
        fields=ordered,
        matrix_common=common,
        matrix_specific=[(c, keys) for c, keys in specific if keys],
        formulas=[*option_formulas(ordered, mappings), amazon_status.product_page_formula(),
                  *([amazon_status.product_page_formula(parent=True)] if plan.multi else [])],
        conditional_formattings=[*indicators, *answers_shown],
        sections=[IDENTIFICATION, *sections, *type_sections],
        screens=screens,
    )
    return Structure(table, mappings, type_rules, plan)


def _identifiers(plan: LevelPlan, has_ean: bool) -> list[Identifier]:
    """Each level's identifier (index 1 on its level), and the EAN beside the article's SKU."""
    out = [Identifier(level.identifier, level.identifier_title, 1, level.key, level.identifier_description)
           for level in plan.levels]
    if has_ean:
        out.append(Identifier(EAN, "EAN", 2, plan.article.key, "Code EAN-13 du produit (13 chiffres, clé de "
                                                               "contrôle comprise)."))
    return out


def build_table(product_types: Sequence[ProductType]) -> Table:
    """The table alone (see `build_structure`)."""
    return build_structure(product_types).table


def _fields(mappings: Sequence[Mapping], plan: LevelPlan) -> tuple[dict[str, TableField], bool]:
    """Every field of every product type, shared keys merged (union of options and units)."""
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
                    level=plan.level_of(fm.key).key, metadata=[("amazon-path", fm.amazon_path)],
                    precision=fm.precision,
                )
            tf.categories.append(m.category)
            if fm.precision is not None and (tf.precision is None or fm.precision > tf.precision):
                tf.precision = fm.precision
            known = {o.key for o in tf.options}
            tf.options.extend(Option(c.key, c.title) for c in fm.options if c.key not in known)
            first_units = not tf.suffixes
            known_units = {s.key for s in tf.suffixes}
            for c in fm.suffixes:
                if c.key not in known_units:
                    tf.suffixes.append(Suffix(c.key, c.title, first_units and c.key == fm.default_suffix,
                                              c.description))
                    known_units.add(c.key)
    for f in fields.values():
        if f.suffixes and not any(s.default for s in f.suffixes):
            first = f.suffixes[0]
            f.suffixes[0] = Suffix(first.key, first.title, True, first.description)
    return fields, has_ean
