"""Screens by task: what a catalogue manager opens to write content, add images, check compliance
or follow the publication, each with the same fixed columns on the left.

Every screen starts with the "Identification" section (SKU, EAN, product type and the two
indicators), fixed so it stays in view while scrolling. Fields go to the screen of their Amazon
property group (`SCREEN_OF_GROUP`; a group this table does not know goes to "Contenu" unless its
name says images, safety, compliance or shipping). Fields of one product type only go to a section
of their own per screen (`<category>__<screen>`), so the common sections never change meaning
from one type to another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transpiler.emit.table_records import Column, Screen, ScreenSection, Section, TableField
from transpiler.mapping.keys import slug


@dataclass(frozen=True)
class Task:
    key: str
    short: str  # for the keys of the per-type sections
    title: str
    description: str


CONTENT = Task("AMAZON_CONTENT", "content", "Contenu",
               "Titre, marque, description, puces, mots-clés, caractéristiques et prix conseillé.")
IMAGES = Task("AMAZON_IMAGES", "images", "Images", "Image principale, images secondaires et image échantillon.")
COMPLIANCE = Task("AMAZON_COMPLIANCE", "compliance", "Conformité & logistique",
                  "Batteries, marchandises dangereuses, certifications, sécurité des produits, poids et dimensions.")
PUBLICATION = Task("AMAZON_PUBLICATION", "publication", "Publication Amazon",
                   "Résultat des publications sur Amazon : statut, ASIN, problèmes signalés (lecture seule).")
TASKS: tuple[Task, ...] = (CONTENT, IMAGES, COMPLIANCE, PUBLICATION)

IDENTIFICATION = Section("amazon_identification", "Identification",
                         "Identifiants, type de produit et indicateurs, toujours visibles.")

#: Amazon property groups (and our own sections) -> screen.
SCREEN_OF_GROUP: dict[str, Task] = {
    "product_identity": CONTENT,
    "product_details": CONTENT,
    "variations": CONTENT,
    "offer": CONTENT,
    "other": CONTENT,
    "images": IMAGES,
    "safety_and_compliance": COMPLIANCE,
    "shipping": COMPLIANCE,
}
_WORDS = ((IMAGES, ("image", "media")), (COMPLIANCE, ("safety", "compliance", "shipping", "hazmat", "fulfillment",
                                                      "regulat")))

_WIDTHS = {"LONG-TEXT": "LARGE", "MULTIPLE-SELECT": "LARGE", "IMAGE": "MEDIUM", "NUMBER": "SMALL"}


def width(field_type: str) -> str:
    """Column width of a field type: long texts and multiple selects wide, numbers narrow."""
    return _WIDTHS.get(field_type, "MEDIUM")


def task_of(section: str, publication_section: str) -> Task:
    """The screen a section's fields belong to."""
    if section == publication_section:
        return PUBLICATION
    if section in SCREEN_OF_GROUP:
        return SCREEN_OF_GROUP[section]
    for task, words in _WORDS:
        if any(w in section for w in words):
            return task
    return CONTENT


def type_section(category: str, category_title: str, task: Task, suffix: str = "", level_title: str = "") -> Section:
    """The section holding one product type's own fields on one screen (of one level)."""
    where = f" ({level_title.lower()})" if level_title else ""
    return Section(f"{slug(category)}__{task.short}{suffix.lower()}", f"{category_title} : {task.title.lower()}{where}",
                   f"Champs propres au type de produit « {category_title} ».")


def build_screens(
    *,
    level: str,
    fixed: Sequence[Column],
    sections: Sequence[Section],
    fields: Sequence[TableField],
    common: Sequence[str],
    specific: Sequence[tuple[str, Sequence[str]]],
    categories: Sequence[tuple[str, str]],
    publication_section: str,
    suffix: str = "",
    level_title: str = "",
    first_position: int = 1,
) -> tuple[list[Screen], list[Section]]:
    """One screen per task holding fields of `level` (only those), and the per-type sections they add
    to `sections`. In a multi-level table each level has its screens: `suffix` keeps their keys apart
    (`AMAZON_CONTENT_MODEL`) and `level_title` names the level in their titles."""
    fields = [f for f in fields if f.level == level]
    keys = {f.key for f in fields}
    common = [k for k in common if k in keys]
    specific = [(c, [k for k in ks if k in keys]) for c, ks in specific]
    by_key = {f.key: f for f in fields}
    titles = dict(categories)
    common_set = set(common)
    extra: list[Section] = []
    screens: list[Screen] = []
    for task in TASKS:
        own = [s for s in sections if task_of(s.key, publication_section) == task]
        blocks = [ScreenSection(IDENTIFICATION.key, 1, tuple(fixed))]
        for section in own:
            columns = tuple(_column(by_key[k]) for k in common if by_key[k].section == section.key)
            if columns:
                blocks.append(ScreenSection(section.key, len(blocks) + 1, columns))
        after = len(blocks) + 1
        per_type = []
        for category, keys in specific:
            order = {s.key: i for i, s in enumerate(own)}
            mine = sorted((k for k in keys if k not in common_set and by_key[k].section in order),
                          key=lambda k: order[by_key[k].section])
            if not mine:
                continue
            section = type_section(category, titles[category], task, suffix, level_title)
            extra.append(section)
            per_type.append((category, (ScreenSection(section.key, after,
                                                      tuple(_column(by_key[k]) for k in mine)),)))
        if len(blocks) == 1 and not per_type:
            continue  # nothing of this task on this level
        title = f"{task.title} ({level_title.lower()})" if level_title else task.title
        screens.append(Screen(f"{task.key}{suffix}", level, title, first_position + len(screens), task.description,
                              tuple(blocks), tuple(per_type)))
    return screens, extra


def _column(f: TableField) -> Column:
    return Column("Column-Field", f.key, width(f.type), read_only=f.read_only)
