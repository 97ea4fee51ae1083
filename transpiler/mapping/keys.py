"""Product-Live keys derived from Amazon paths and values.

Product-Live accepts any key that is non-empty, at most 255 characters, without leading or
trailing spaces and unique within its list. Field keys stay readable and stable: they come from
the attribute path only (`item_package_dimensions.length.value` -> `item_package_dimensions_length`),
never from titles or positions, so a new Amazon schema version keeps the existing keys.
"""

from __future__ import annotations

import hashlib
import re

MAX_KEY_LENGTH = 255

_NOT_KEY_CHAR = re.compile(r"[^A-Za-z0-9_-]+")


def key_problem(key: str) -> str | None:
    """Why `key` is not a valid Product-Live key (None when it is)."""
    if not key:
        return "empty key"
    if len(key) > MAX_KEY_LENGTH:
        return f"key longer than {MAX_KEY_LENGTH} characters"
    if key != key.strip():
        return "key starts or ends with whitespace"
    return None


def _shorten(key: str) -> str:
    """Keys over the limit keep a readable head and a digest of the whole key (still stable)."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    return f"{key[: MAX_KEY_LENGTH - 11]}_{digest}"


def field_key(path: str) -> str:
    """Field key of a leaf path: dots become `_`, a trailing `value` segment is dropped.

    `item_name.value` -> `item_name`; `list_price.value_with_tax` -> `list_price_value_with_tax`;
    `item_package_dimensions.length.value` -> `item_package_dimensions_length`.
    """
    segments = path.split(".")
    if len(segments) > 1 and segments[-1] == "value":
        segments = segments[:-1]
    return _shorten("_".join(segments))


def slug(value: object) -> str:
    """A key fragment for an Amazon value (selector option, index): lower case, `_` for the rest."""
    text = _NOT_KEY_CHAR.sub("_", str(value)).strip("_").lower()
    if not text:
        text = "x" + hashlib.sha1(repr(value).encode()).hexdigest()[:8]
    return text


def option_key(value: object) -> str:
    """Option key of an Amazon enum value: the value itself when it is a valid key.

    Booleans give `true`/`false`, numbers their JSON text. Values that cannot be keys (empty,
    padded, too long) get a stable derived key; the mapping records key -> value so nothing is lost.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if key_problem(text) is None:
        return text
    digest = hashlib.sha1(repr(value).encode()).hexdigest()[:10]
    head = slug(text)[: MAX_KEY_LENGTH - 12]
    return f"{head}_{digest}"


def unique(key: str, taken: set[str]) -> str:
    """`key`, or `key__2`, `key__3`... when already taken (keys from colliding paths)."""
    if key not in taken:
        return key
    n = 2
    while f"{key}__{n}" in taken:
        n += 1
    return f"{key}__{n}"


def clip_title(title: str) -> str:
    """Titles are limited to 255 characters in Product-Live; longer ones end with `…`."""
    title = " ".join(title.split())
    return title if len(title) <= MAX_KEY_LENGTH else title[: MAX_KEY_LENGTH - 1].rstrip() + "…"
