"""From a multi-level Product-Live item to a variation family: one parent listing and its children.

In the table a family is a model (level 1, identified by `PARENT_SKU`, with the fields every variant
shares and the variation theme), optionally colours (identified by `COLOR_CODE`, with what a colour
changes: its colour, its images) and articles (identified by `SKU` and `EAN`, with what is theirs:
capacity, EAN, price...). Product-Live exports each item with its own fields only, so:

- the parent listing is the model's fields, its SKU the model's `PARENT_SKU`;
- each child listing is the model's fields, then its colour's, then its own (the nearer level
  wins), its SKU the article's `SKU`, pointing at the parent; its title is the model's followed by
  its values on the theme's axes (`… – Noir Onyx, 256 Go`), as Amazon wants child titles to say
  which variant they are, unless its colour or itself has a title of its own;
- a model with one article and no theme is an ordinary listing (a product without variants);
- an item without nested items is an ordinary listing, as in a single-level table.

Before anything is sent the family is checked as Amazon will: the theme is one the product type
accepts, every child sets each attribute the theme varies, and no two children have the same
values on them. The run sends the parent first and its children only once the parent is accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from transpiler.config import Settings
from transpiler.mapping import publication
from transpiler.mapping.family_codec import CHILD, PARENT, FamilyRole, axis_values
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, PARENT_SKU, SKU
from transpiler.mapping.types import Mapping
from transpiler.productlive.acknowledgement import Issue
from transpiler.productlive.items import FieldValue, Item
from transpiler.publish.listing import AUTO, PL_FAMILY, Listing, Validate, prepare
from transpiler.publish.mappings import MappingSet

#: An identifier of an enclosing item: (identifier key, value), outermost first.
Step = tuple[str, str]


@dataclass(frozen=True)
class Placement:
    """Where an acknowledgement goes in the multi-level acknowledgement file, and its family.

    `identifier` is the key naming the item (SKU for an article, PARENT_SKU for a model), `path`
    the identifiers of the items around it; `family` is the parent SKU of its family and `role`
    parent or child (None for an ordinary listing).
    """

    identifier: str = SKU
    path: tuple[Step, ...] = ()
    family: str | None = None
    role: str | None = None


@dataclass
class Family:
    """A model and its articles as listings: the parent first, then the children in file order."""

    parent: Listing
    children: list[Listing] = field(default_factory=list)
    placements: dict[int, Placement] = field(default_factory=dict)  # listing index -> placement


@dataclass
class Single:
    """An ordinary listing (a flat item, or a model with one article and no theme)."""

    listing: Listing
    placement: Placement = field(default_factory=Placement)


Unit = Single | Family


def units(item: Item, table: MappingSet, settings: Settings, *, mode: str = AUTO,
          validate: Validate | None = None) -> Unit:
    """What one top-level item of the export publishes (see the module docstring)."""
    if not item.children:
        if item.identifier(SKU) is None and item.identifier(PARENT_SKU) is not None:
            return _family(item, [], table, settings, mode, validate)
        return Single(prepare(item, table, settings, mode=mode, validate=validate))
    articles = list(articles_of(item))
    theme = _theme(item, table)
    if theme is None and len(articles) == 1:
        article, path = articles[0]
        merged = merge_levels(item, path, article)
        return Single(prepare(merged, table, settings, mode=mode, validate=validate),
                      Placement(path=_steps(item, path)))
    return _family(item, articles, table, settings, mode, validate)


def articles_of(item: Item, path: tuple[Item, ...] = ()) -> Iterator[tuple[Item, tuple[Item, ...]]]:
    """Every article (an item with a SKU) below `item`, with the items between them."""
    for child in item.children:
        if child.identifier(SKU) is not None:
            yield child, path
        yield from articles_of(child, (*path, child))


def _theme(model: Item, table: MappingSet) -> str | None:
    mapping = _mapping(model, table)
    if mapping is None or mapping.family is None:
        return None
    for fm in mapping.fields:
        if fm.attribute == mapping.family.theme:
            chosen = model.first(fm.key)
            if chosen:
                option = next((c for c in fm.options if c.key == chosen), None)
                return str(option.value) if option else chosen
    return None


def _mapping(model: Item, table: MappingSet) -> Mapping | None:
    category = model.classifications.get(CLASSIFICATION_KEY)
    return table.for_category(category) if category else None


def merge_levels(model: Item, path: tuple[Item, ...], article: Item) -> Item:
    """The article with the fields of the levels above it (the nearer level wins)."""
    fields: dict[str, list[FieldValue]] = {}
    for level in (model, *path, article):
        for key, values in level.fields.items():
            if key in publication.PARENT_KEYS:
                continue
            fields[key] = values
    classifications = {**model.classifications, **article.classifications}
    problems = [*model.problems, *(p for level in path for p in level.problems), *article.problems]
    return Item(index=article.index, line=article.line, partition=model.partition,
                identifiers=dict(article.identifiers), classifications=classifications, fields=fields,
                problems=problems, level=article.level)


def _parent_item(model: Item) -> Item:
    """The model as the parent listing's item: its SKU, its own fields, its parent publication fields."""
    fields = {key: values for key, values in model.fields.items() if key not in publication.PARENT_KEYS}
    for key in publication.KEYS:  # the parent's ASIN and mode are the model's parent fields
        values = model.fields.get(publication.parent_key(key))
        if values:
            fields[key] = values
    identifiers = dict(model.identifiers)
    sku = model.identifier(PARENT_SKU)
    if sku is not None:
        identifiers[SKU] = sku
    return Item(index=model.index, line=model.line, partition=model.partition, identifiers=identifiers,
                classifications=dict(model.classifications), fields=fields, problems=list(model.problems))


def _steps(model: Item, path: tuple[Item, ...]) -> tuple[Step, ...]:
    """The identifiers of the model and the levels between it and an article."""
    return tuple((key, value) for item in (model, *path) for key, value in _identity(item))


def _identity(item: Item) -> list[Step]:
    """The first non-empty identifier of an item (how Product-Live finds it on import)."""
    for key, value in item.identifiers.items():
        if value and value.strip():
            return [(key, value.strip())]
    return []


def _family(model: Item, articles: list[tuple[Item, tuple[Item, ...]]], table: MappingSet, settings: Settings,
            mode: str, validate: Validate | None) -> Family:
    parent_sku = model.identifier(PARENT_SKU)
    theme = _theme(model, table)
    mapping = _mapping(model, table)
    role = FamilyRole(PARENT, theme or "")
    # without a theme there is no parent listing to judge: only the missing theme is reported
    parent = prepare(_parent_item(model), table, settings, mode=mode, validate=validate if theme else None,
                     family=role if theme else None)
    parent.issues = [replace(i, fields=tuple(publication.parent_key(f) if f in publication.KEYS else f
                                             for f in i.fields)) for i in parent.issues]
    family = Family(parent, placements={model.index: Placement(PARENT_SKU, (), parent_sku, PARENT)})
    if parent_sku is None:
        parent.issues.insert(0, _issue(f"modèle n°{model.index} sans identifiant {PARENT_SKU} (SKU de l'annonce "
                                       "parent) : la famille ne peut pas être publiée", [PARENT_SKU]))
    if theme is None and mapping is not None:
        fields = [f.key for f in mapping.fields if mapping.family and f.attribute == mapping.family.theme]
        what = (f"le modèle a {len(articles)} articles mais pas de thème de variation" if articles
                else "le modèle n'a ni article ni thème de variation")
        if mapping.family is None:
            what = f"le type de produit {mapping.product_type} n'accepte pas de familles de variations"
        parent.issues.insert(0, _issue(f"{what} : choisissez le thème du modèle pour publier la famille", fields))
    axes = mapping.family.axes(theme) if theme and mapping and mapping.family else None
    seen: dict[tuple[object, ...], Listing] = {}
    for article, path in articles:
        merged = merge_levels(model, path, article)
        if axes and mapping is not None:
            _name_variant(merged, (*path, article), mapping, axes)
        child = prepare(merged, table, settings, mode=mode, validate=validate,
                        family=FamilyRole(CHILD, theme, parent_sku) if theme and parent_sku else None)
        family.placements[article.index] = Placement(SKU, _steps(model, path), parent_sku, CHILD)
        family.children.append(child)
        if child.sku is not None and child.sku == parent_sku:
            child.issues.append(_issue(f"l'article a le même SKU que son modèle ({parent_sku})", [SKU]))
        if axes is None or not child.sendable or mapping is None:
            continue
        values = axis_values(child.attributes, axes)
        if values is None:
            missing = [a for a in axes if axis_values(child.attributes, (a,)) is None]
            child.issues.append(_issue(f"attribut(s) du thème {theme} manquant(s) : {', '.join(missing)} ; chaque "
                                       "article de la famille doit les renseigner", _keys(mapping, missing)))
            continue
        key = tuple(repr(v) for v in values)
        twin = seen.get(key)
        if twin is not None:
            shown = ", ".join(f"{_title(mapping, a)} = {_shown(mapping, a, v)}"
                              for a, v in zip(axes, values, strict=True))
            child.issues.append(_issue(
                f"même combinaison que l'article {twin.sku} de la famille {parent_sku} ({shown}) : chaque article "
                f"doit différer sur les attributs du thème {theme}", _keys(mapping, list(axes))))
        else:
            seen[key] = child
    return family


#: the attribute holding a listing's title
TITLE = "item_name"


def _name_variant(merged: Item, own_levels: tuple[Item, ...], mapping: Mapping, axes: tuple[str, ...]) -> None:
    """Append the variant's axis values to the model's title, unless a lower level has its own title."""
    title = next((f for f in mapping.fields if f.attribute == TITLE and f.role == "field"), None)
    if title is None or any(title.key in level.fields for level in own_levels) or not merged.first(title.key):
        return
    parts = []
    for attribute in axes:
        for fm in mapping.fields:
            entry = next((v for v in merged.fields.get(fm.key, ()) if v.value and v.value.strip()), None)
            if fm.attribute != attribute or fm.role != "field" or entry is None:
                continue
            text = entry.value.strip()
            option = next((c for c in fm.options if c.key == text), None)
            unit = entry.suffix or fm.default_suffix or ""
            unit = next((c.title for c in fm.suffixes if c.key == unit), unit)
            parts.append(option.title if option else f"{text} {unit}".strip())
            break
    if not parts:
        return
    base = merged.first(title.key) or ""
    suffix = " – " + ", ".join(parts)
    limit = min((v for v in (title.limits.get("max_length"), title.limits.get("max_utf8_bytes")) if v), default=None)
    if limit is not None:
        while base and len((base + suffix).encode("utf-8")) > limit:
            base = base[:-1]
    merged.fields[title.key] = [FieldValue(base.rstrip() + suffix)]


def _keys(mapping: Mapping, attributes: list[str]) -> list[str]:
    return [f.key for f in mapping.fields if f.attribute in attributes and f.role == "field"]


def _title(mapping: Mapping, attribute: str) -> str:
    """The French title of an attribute's first field (« Couleur »), else its name."""
    field = next((f for f in mapping.fields if f.attribute == attribute and f.role == "field"), None)
    return f"« {field.title} »" if field else attribute


def _shown(mapping: Mapping, attribute: str, values: list[dict[str, object]]) -> str:
    """Values as the catalogue manager typed them: the value, and the unit's French title (« 256 Go »)."""
    units = {c.value: c.title for f in mapping.fields if f.attribute == attribute for c in f.suffixes}
    parts = []
    for v in values:
        text = " ".join(str(units.get(v[k], v[k]) if k == "unit" else v[k]) for k in ("value", "unit") if k in v)
        parts.append(text or str(v))
    return "« " + " / ".join(parts) + " »"


def _issue(message: str, fields: list[str]) -> Issue:
    return Issue(code=PL_FAMILY, severity="ERROR", message=message, fields=tuple(fields), source="productlive")
