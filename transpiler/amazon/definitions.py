"""Reading product type definitions from disk: the schema file and its definition envelope.

Layout (written by `pl-amazon pull`, shipped as samples in assets/):
`<root>/<marketplace>/<locale>/<TYPE>.json` (the schema) + `<TYPE>.definition.json` (the
getDefinitionsProductType response) + `manifest.json`.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transpiler.amazon import json_text
from transpiler.config import MAX_SCHEMA_BYTES
from transpiler.errors import SchemaError, UnknownProductTypeError
from transpiler.input_files import FileTooLargeError, read_regular


@dataclass(frozen=True)
class Definition:
    """A schema document with its envelope (None when the schema came alone)."""

    name: str
    schema_path: Path
    schema: dict[str, Any]
    envelope: dict[str, Any] | None
    checksum: str  # Base64 MD5 of the schema file's bytes, as Amazon computes it


def md5_base64(data: bytes) -> str:
    """Amazon's schema checksum: Base64 of the MD5 digest."""
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


def read_json(path: Path, *, max_bytes: int = MAX_SCHEMA_BYTES) -> tuple[Any, bytes]:
    """Parse a JSON file; raise SchemaError naming the file (and line/column or JSON pointer) on
    failure: unreadable, not a regular file, too large, not JSON, nested too deeply, or holding a
    number that is not JSON (`NaN`, `1e400`)."""
    try:
        data = read_regular(path, max_bytes)
    except FileTooLargeError:
        raise SchemaError(str(path), "", f"file is over the {max_bytes}-byte limit for a schema") from None
    except OSError as exc:
        raise SchemaError(str(path), "", f"cannot read file: {exc.strerror or exc}") from exc
    try:
        document = json_text.read_json(data)
    except json_text.JsonTextError as exc:
        raise SchemaError(str(path), exc.pointer, f"invalid JSON, {exc}" if exc.line else exc.message) from None
    if document.bad_numbers:
        bad = document.bad_numbers[0]
        raise SchemaError(str(path), bad.pointer, bad.problem)
    return document.value, data


def envelope_path(schema_path: Path) -> Path:
    """Where the definition envelope of a schema file lives (`X.json` -> `X.definition.json`)."""
    return schema_path.with_name(schema_path.name.removesuffix(".json") + ".definition.json")


def load_definition(schema_path: Path, *, max_bytes: int = MAX_SCHEMA_BYTES) -> Definition:
    """Load a schema file (refused over `max_bytes`, the `max_schema_bytes` setting) and, when
    present, its envelope."""
    schema, data = read_json(schema_path, max_bytes=max_bytes)
    if not isinstance(schema, dict):
        raise SchemaError(str(schema_path), "", "a product type schema must be a JSON object")
    envelope = None
    env_path = envelope_path(schema_path)
    if env_path.exists():
        envelope, _ = read_json(env_path, max_bytes=max_bytes)
        if not isinstance(envelope, dict):
            raise SchemaError(str(env_path), "", "a definition envelope must be a JSON object")
    name = None
    if envelope and isinstance(envelope.get("productType"), str):
        name = envelope["productType"]
    if not name:
        schema_id = schema.get("$id")
        if isinstance(schema_id, str) and "/" in schema_id:
            name = schema_id.rstrip("/").rsplit("/", 1)[-1]
    if not name:
        name = schema_path.name.removesuffix(".json")
    return Definition(name, schema_path, schema, envelope, md5_base64(data))


def definitions_dir(root: Path, marketplace_id: str, locale: str) -> Path:
    return root / marketplace_id / locale


def list_schema_files(directory: Path) -> list[Path]:
    """Schema files of a definitions folder, sorted by name (envelopes and manifest excluded)."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.glob("*.json")
        if not p.name.endswith(".definition.json") and p.name != "manifest.json"
    )


def resolve(name_or_path: str, directory: Path) -> Path:
    """A schema path from a file path, or from a product type name known in `directory` (a folder of
    definitions, e.g. `Workspace.definitions_dir`)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".json" or os.sep in name_or_path or candidate.exists():
        if not candidate.exists():
            raise SchemaError(name_or_path, "", "no such file")
        return candidate
    path = directory / f"{name_or_path}.json"
    if path.exists():
        return path
    known = [p.name.removesuffix(".json") for p in list_schema_files(directory)]
    raise UnknownProductTypeError(name_or_path, known)
