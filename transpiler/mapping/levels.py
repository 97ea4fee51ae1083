"""The levels of the Product-Live table and the level each field belongs to.

Amazon's variation families map onto a multi-level table (Product-Live's model ▸ colour ▸ article):

```
MODEL    PARENT_SKU   what every variant shares: title, brand, description, bullet points,
  │                   technical details, compliance, the variation theme  → the parent listing
  ├── COLOR  COLOR_CODE   a colour and its images (only when a theme varies the colour together
  │    │                  with another attribute: phones in colours × capacities)
  │    └── ARTICLE  SKU, EAN   what is its own: the theme's other axes (capacity), barcode, ASIN,
  │                           price                                   → one child listing each
  └── ARTICLE …                (directly under the model when there is no colour level)
```

A product without variants is a model with one article. Which fields go where follows from the
attribute model, never from field names: the attributes the themes vary (the axes) belong to the
article, `color` to the colour level when there is one; identity attributes (EAN, ASIN, exemption)
and the offer (price) to the article; images to the colour (else the article); the theme and
everything else to the model. When no product type of the table has variation families the table
keeps a single level (`PRODUCT`).

Both sides read this: the table emitter places fields, identifiers, readiness indicators and
screens on their level; the items side (the example export, the readiness judge) knows which
identifier names which level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from transpiler.mapping import publication
from transpiler.mapping.identifiers import COLOR_CODE, IDENTITY_ATTRIBUTES, PARENT_SKU, SKU
from transpiler.mapping.types import FieldMapping, Mapping

#: Amazon property groups whose fields belong to each variant
ARTICLE_GROUPS = frozenset({"offer"})
COLOR_GROUPS = frozenset({"images"})
#: the attribute of a colour (Amazon's `color`), which gets a level of its own when a theme needs one
COLOR_ATTRIBUTE = "color"


@dataclass(frozen=True)
class TableLevel:
    """One level of the table: its key, position, French title and the identifier of its items."""

    key: str
    index: int
    title: str
    description: str
    identifier: str
    identifier_title: str
    identifier_description: str


PRODUCT = TableLevel("PRODUCT", 1, "Produit", "Un produit, une annonce Amazon.", SKU, "SKU",
                     "Référence de l'article chez Modelabs (SKU fournisseur sur Amazon).")
MODEL = TableLevel("MODEL", 1, "Modèle",
                   "Ce que toutes les variantes partagent ; l'annonce parent de la famille de variations sur Amazon.",
                   PARENT_SKU, "SKU parent",
                   "SKU de l'annonce parent de la famille de variations sur Amazon (le modèle).")
COLOR = TableLevel("COLOR", 2, "Couleur", "Une couleur du modèle et ses images.", COLOR_CODE, "Code couleur",
                   "Code de la couleur dans le modèle (identifie la couleur parmi celles du modèle).")
ARTICLE = TableLevel("ARTICLE", 2, "Article",
                     "Une variante vendue : une annonce enfant sur Amazon (ou une annonce seule sans variantes).",
                     SKU, "SKU", "Référence de l'article chez Modelabs (SKU fournisseur sur Amazon).")


@dataclass(frozen=True)
class LevelPlan:
    """The table's levels, outermost first, and the level of every field key."""

    levels: tuple[TableLevel, ...]
    fields: tuple[tuple[str, str], ...] = ()  # field key -> level key

    @property
    def multi(self) -> bool:
        return len(self.levels) > 1

    @property
    def article(self) -> TableLevel:
        """The level whose items are listings (a single-level table's only level)."""
        return self.levels[-1]

    @property
    def model(self) -> TableLevel:
        return self.levels[0]

    def level(self, key: str) -> TableLevel:
        for level in self.levels:
            if level.key == key:
                return level
        raise KeyError(key)

    def level_of(self, field_key: str) -> TableLevel:
        """The level of a field; publication fields are the article's, their parent twins the model's."""
        if field_key in publication.PARENT_KEYS and self.multi:
            return self.model
        for key, level in self.fields:
            if key == field_key:
                return self.level(level)
        return self.article

    def by_identifier(self, identifier: str) -> TableLevel | None:
        """The level whose items a given identifier key names (EAN names articles, as SKU does)."""
        for level in self.levels:
            if level.identifier == identifier:
                return level
        return self.article if identifier in (SKU, "EAN") else None


def plan_levels(mappings: Sequence[Mapping]) -> LevelPlan:
    """The levels the product types need and the level of each of their fields."""
    families = [m.family for m in mappings if m.family is not None]
    if not families:
        return LevelPlan((PRODUCT,), tuple((f.key, PRODUCT.key) for m in mappings for f in m.fields))
    axes = {a for family in families for _, theme_axes in family.themes for a in theme_axes}
    colour = any(COLOR_ATTRIBUTE in theme_axes and len(theme_axes) > 1
                 for family in families for _, theme_axes in family.themes)
    article = replace(ARTICLE, index=3) if colour else ARTICLE
    levels = (MODEL, COLOR, article) if colour else (MODEL, article)
    placed: dict[str, str] = {}
    for mapping in mappings:
        theme = mapping.family.theme if mapping.family else None
        for fm in mapping.fields:
            level = _level(fm, theme, axes, colour)
            # a key shared by several product types goes to the lowest level any of them needs
            if fm.key not in placed or _depth(level, levels) > _depth(placed[fm.key], levels):
                placed[fm.key] = level
    return LevelPlan(levels, tuple(placed.items()))


def _level(fm: FieldMapping, theme: str | None, axes: set[str], colour: bool) -> str:
    if fm.role == "identifier" or fm.attribute in IDENTITY_ATTRIBUTES:
        return ARTICLE.key
    if fm.attribute == theme:
        return MODEL.key
    if fm.attribute == COLOR_ATTRIBUTE and colour:
        return COLOR.key
    if fm.attribute in axes or fm.section in ARTICLE_GROUPS:
        return ARTICLE.key
    if fm.section in COLOR_GROUPS:
        return COLOR.key if colour else ARTICLE.key
    return MODEL.key


def _depth(level: str, levels: Sequence[TableLevel]) -> int:
    return next(i for i, candidate in enumerate(levels) if candidate.key == level)
