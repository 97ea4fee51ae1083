"""The mappings of the generated table, looked up the way the publisher needs them.

One `MappingSet` holds the mapping of every product type of the table (from
`generated/mapping/<TYPE>.json`): which product type a classification category means, which field
keys the table has at all (to tell an unknown key from a field of another product type), and
which Product-Live fields stand for an Amazon attribute (to point an Amazon issue at the fields the
user must fix).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from transpiler.errors import ConfigError
from transpiler.mapping import publication
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, EAN, SKU
from transpiler.mapping.json_codec import mapping_from_document
from transpiler.mapping.types import FieldMapping, Mapping


@dataclass
class MappingSet:
    mappings: dict[str, Mapping]  # by category key (= product type name unless duplicated)
    _by_type: dict[str, Mapping] = field(default_factory=dict)
    _keys: set[str] = field(default_factory=set)
    _titles: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_type = {m.product_type: m for m in self.mappings.values()}
        self._keys = {f.key for m in self.mappings.values() for f in m.fields} | {SKU, EAN, *publication.KEYS}

    @classmethod
    def from_mappings(cls, mappings: Iterable[Mapping]) -> MappingSet:
        return cls({m.category: m for m in mappings})

    @classmethod
    def load(cls, directory: Path) -> MappingSet:
        """Every `<TYPE>.json` of a generated mapping folder. Raises ConfigError when there is none."""
        files = sorted(directory.glob("*.json")) if directory.is_dir() else []
        if not files:
            raise ConfigError(f"no field mapping in {directory}: run `make regenerate` (pl-amazon regenerate)")
        return cls.from_mappings(mapping_from_document(json.loads(p.read_text(encoding="utf-8"))) for p in files)

    def for_category(self, category: str) -> Mapping | None:
        """The mapping of a classification category key (or product type name)."""
        return self.mappings.get(category) or self._by_type.get(category)

    @property
    def categories(self) -> list[str]:
        return sorted(self.mappings)

    def titles(self) -> dict[str, str]:
        """French title of every field and identifier key of the table (acknowledgements name fields so)."""
        if not self._titles:
            self._titles = {key: title for key, _, title, _, _ in publication.FIELDS}
            for mapping in self.mappings.values():
                for f in mapping.fields:
                    self._titles.setdefault(f.key, f.title)
            self._titles.setdefault(SKU, "SKU")
            self._titles[CLASSIFICATION_KEY] = "Type de produit Amazon"
        return dict(self._titles)

    def title(self, key: str) -> str:
        """The French title of one key (the key itself when the table does not know it)."""
        return self.titles().get(key, key)

    def known_key(self, key: str) -> bool:
        """True when the table has a field (or identifier) with this key, for any product type."""
        return key in self._keys

    def fields_for(self, mapping: Mapping | None, attribute_names: Sequence[str],
                   path: str | None = None) -> tuple[str, ...]:
        """Product-Live field keys standing for Amazon attribute names (`item_name`, `battery.weight`).

        With a JSON pointer (`/bullet_point/2/value`) the numbered slot is pinned when it has a field.
        """
        if mapping is None:
            return ()
        keys: list[str] = []
        slot: int | None = None
        pointed: str | None = None
        if path:
            parts = [p for p in path.split("/") if p]
            if parts:
                pointed = parts[0]
                if len(parts) > 1 and parts[1].isdigit():
                    slot = int(parts[1])
        for name in attribute_names:
            top, _, rest = str(name).partition(".")
            candidates = [f for f in mapping.fields if f.attribute == top]
            if rest:
                finer = [f for f in candidates if f.path == name or f.path.startswith(name + ".")
                         or f.path == f"{name}.value"]
                candidates = finer or candidates
            if slot is not None and top == pointed:
                pinned = [f for f in candidates if f.slot_index == slot]
                candidates = pinned or candidates
            keys.extend(_key(f) for f in candidates)
        return tuple(dict.fromkeys(keys))


def _key(fm: FieldMapping) -> str:
    return fm.key
