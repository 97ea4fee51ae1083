"""The product type definitions the sandbox serves and judges listings against.

Read from `--definitions` (layout `<root>/<marketplace>/<locale>/<TYPE>.json` + envelope, as
`pl-amazon pull` writes; a flat folder of schemas counts as Amazon.fr / fr_FR). Validators are
compiled once per product type and schema checksum and cached: the sandbox judges with its own
validator (Draft 2019-09 + Amazon's vocabulary + conditionals), never with generated models.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transpiler.amazon.definitions import list_schema_files, load_definition, md5_base64
from transpiler.amazon.vocabulary import validator_for
from transpiler.compiler.model import Variations
from transpiler.config import FRANCE_LOCALE, FRANCE_MARKETPLACE_ID

MARKETPLACE_LOCALES = {FRANCE_MARKETPLACE_ID: FRANCE_LOCALE, "ATVPDKIKX0DER": "en_US", "A1F83G8C2ARO7P": "en_GB",
                       "A1PA6795UKMFR9": "de_DE", "APJ6JRA9NG5V4": "it_IT", "A1RKKUPIHCS9HS": "es_ES"}


@dataclass(frozen=True)
class ProductTypeEntry:
    name: str
    marketplace_id: str
    locale: str
    schema_path: Path
    schema: dict[str, Any]
    envelope: dict[str, Any]
    checksum: str

    @property
    def display_name(self) -> str:
        return str(self.envelope.get("displayName") or self.name)

    @property
    def version(self) -> str:
        version = self.envelope.get("productTypeVersion")
        if isinstance(version, dict) and version.get("version"):
            return str(version["version"])
        return "U" + self.checksum.rstrip("=")


class ProductTypes:
    """Every definition found under a root, with cached schema variants and validators."""

    def __init__(self, root: Path):
        self.root = root
        self._entries: dict[tuple[str, str], ProductTypeEntry] = {}
        self._lock = threading.Lock()
        self._validators: dict[tuple[str, str, str, bool], Any] = {}
        self._variants: dict[tuple[str, str, bool], bytes] = {}
        self._variations: dict[tuple[str, str, str], Variations] = {}
        self._scan()

    def _scan(self) -> None:
        folders: list[tuple[str, str, Path]] = []
        if list_schema_files(self.root):
            folders.append((FRANCE_MARKETPLACE_ID, FRANCE_LOCALE, self.root))
        if self.root.is_dir():
            for market in sorted(p for p in self.root.iterdir() if p.is_dir()):
                for locale in sorted(p for p in market.iterdir() if p.is_dir()):
                    folders.append((market.name, locale.name, locale))
        for marketplace_id, locale, folder in folders:
            for path in list_schema_files(folder):
                definition = load_definition(path)
                envelope = dict(definition.envelope or {})
                self._entries.setdefault((definition.name, marketplace_id), ProductTypeEntry(
                    definition.name, marketplace_id, locale, path, definition.schema, envelope, definition.checksum,
                ))

    def names(self, marketplace_id: str) -> list[str]:
        return sorted(name for name, market in self._entries if market == marketplace_id)

    def entries(self, marketplace_id: str) -> list[ProductTypeEntry]:
        return [self._entries[(name, marketplace_id)] for name in self.names(marketplace_id)]

    def get(self, name: str, marketplace_id: str) -> ProductTypeEntry | None:
        return self._entries.get((name, marketplace_id))

    def schema_bytes(self, entry: ProductTypeEntry, enforced: bool = True) -> bytes:
        """The schema document as served: the file's bytes, or the NOT_ENFORCED variant."""
        key = (entry.name, entry.marketplace_id, enforced)
        with self._lock:
            if key not in self._variants:
                if enforced:
                    self._variants[key] = entry.schema_path.read_bytes()
                else:
                    relaxed = _without_requirements(entry.schema)
                    self._variants[key] = json.dumps(relaxed, ensure_ascii=False, indent=2).encode("utf-8")
            return self._variants[key]

    def checksum(self, entry: ProductTypeEntry, enforced: bool = True) -> str:
        return entry.checksum if enforced else md5_base64(self.schema_bytes(entry, enforced=False))

    def variations(self, entry: ProductTypeEntry) -> Variations:
        """The product type's parentage attributes and themes, read from its schema (cached per checksum)."""
        key = (entry.name, entry.marketplace_id, entry.checksum)
        with self._lock:
            found = self._variations.get(key)
        if found is None:
            from transpiler.compiler import compile_product_type

            found = compile_product_type(entry.schema, name=entry.name, source=str(entry.schema_path)).variations
            with self._lock:
                self._variations[key] = found
        return found

    def validator(self, entry: ProductTypeEntry, enforced: bool = True) -> Any:
        """The compiled validator for this product type (cached per checksum)."""
        key = (entry.name, entry.marketplace_id, entry.checksum, enforced)
        with self._lock:
            validator = self._validators.get(key)
        if validator is None:
            schema = entry.schema if enforced else _without_requirements(entry.schema)
            validator = validator_for(schema)
            with self._lock:
                self._validators[key] = validator
        return validator


def _without_requirements(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its attribute-level `required` checks dropped (requirementsEnforced=NOT_ENFORCED).

    Root `required` and `then`/`else` requirements of the root conditionals go (inside groups of
    rules and `else` chains too); the structure of each attribute (its items' own `required`
    sub-fields) stays, as Amazon describes.
    """
    relaxed = copy.deepcopy(schema)
    relaxed.pop("required", None)
    _drop_rule_requirements(relaxed.get("allOf"))
    return relaxed


def _drop_rule_requirements(rules: Any) -> None:
    """Remove the listing-level `required` of every rule in an `allOf` (groups and branches included)."""
    for rule in rules if isinstance(rules, list) else ():
        if not isinstance(rule, dict):
            continue
        _drop_rule_requirements(rule.get("allOf"))
        for branch in ("then", "else"):
            part = rule.get(branch)
            if isinstance(part, dict):
                part.pop("required", None)
                _drop_rule_requirements([part])
