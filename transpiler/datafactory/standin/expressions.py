"""Conductor's wiring expressions as Data Factory jobs use them.

`${workflow.input.<key>}`, `${<taskReferenceName>.output.<path>}`, `${workflow.variable.<name>}`
and `file://assets/<path>`. A string that is exactly one expression takes the referenced value
whatever its type (a file object stays an object); an expression inside a longer string is
replaced by its text. A reference to something absent is null, as in Conductor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

_EXPRESSION = re.compile(r"\$\{([^{}]+)\}")
ASSET_PREFIX = "file://assets/"


def _lookup(path: str, scope: Mapping[str, Any]) -> Any:
    head, _, rest = path.strip().partition(".")
    value: Any = scope.get(head)
    for part in rest.split(".") if rest else ():
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def resolve(template: Any, scope: Mapping[str, Any], asset: Callable[[str], Any]) -> Any:
    """`template` with every expression replaced. `scope` maps `workflow` and each reference name to
    `{"input": ..., "output": ...}`-like objects; `asset(path)` turns `file://assets/<path>` into a file."""
    if isinstance(template, dict):
        return {k: resolve(v, scope, asset) for k, v in template.items()}
    if isinstance(template, list):
        return [resolve(v, scope, asset) for v in template]
    if not isinstance(template, str):
        return template
    if template.startswith(ASSET_PREFIX):
        return asset(template[len(ASSET_PREFIX):])
    whole = _EXPRESSION.fullmatch(template)
    if whole:
        return _lookup(whole.group(1), scope)

    def text(match: re.Match[str]) -> str:
        value = _lookup(match.group(1), scope)
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return _EXPRESSION.sub(text, template)
